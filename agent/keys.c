/* keys.c: keystrokes of one X display through XInput 2 raw events, decoded with the real XKB
 * layout. */
#include "keys.h"

#include <X11/XKBlib.h>
#include <X11/Xlib-xcb.h>
#include <X11/extensions/XInput2.h>
#include <errno.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <xkbcommon/xkbcommon-compose.h>
#include <xkbcommon/xkbcommon-x11.h>

#include "log.h"

/* Most repeats of one held key added at once (a segment keeps fewer bytes anyway). */
#define MAX_REPEATS 1024

struct keys {
	Display *ctrl; /* the caller's connection: keymap, XKB events */
	Display *raw;  /* ours: XInput 2 raw events selected on the root, nothing else */
	int xi_opcode;
	int xkb_event_base;
	/* Autorepeat, as the server applies it (XKB controls): raw events carry no repeats. */
	bool repeat_on;
	unsigned repeat_delay, repeat_interval; /* ms */
	unsigned char per_key_repeat[32];
	unsigned held_kc; /* the key that repeats while held (the last pressed), 0: none */
	Time held_since;  /* server time of its press */
	int32_t device_id;
	struct xkb_context *xkb;
	struct xkb_keymap *keymap;
	struct xkb_state *state;
	struct xkb_compose_table *compose_table;
	struct xkb_compose_state *compose;
	unsigned char down[32]; /* keycodes held: tells a repeat from a press */
	keys_fn fn;
	void *userdata;
};

static bool key_is_down(const struct keys *k, unsigned kc)
{
	return k->down[kc / 8] & (1u << (kc % 8));
}

static void key_set_down(struct keys *k, unsigned kc, bool down)
{
	if (down)
		k->down[kc / 8] |= (unsigned char)(1u << (kc % 8));
	else
		k->down[kc / 8] &= (unsigned char)~(1u << (kc % 8));
}

/* Fetches the keymap and the current modifier state from the server. 0 or -EIO. */
static int load_keymap(struct keys *k)
{
	xcb_connection_t *xc = XGetXCBConnection(k->ctrl);
	struct xkb_keymap *keymap;
	struct xkb_state *state;

	keymap =
	    xkb_x11_keymap_new_from_device(k->xkb, xc, k->device_id, XKB_KEYMAP_COMPILE_NO_FLAGS);
	if (!keymap)
		return -EIO;
	state = xkb_x11_state_new_from_device(keymap, xc, k->device_id);
	if (!state) {
		xkb_keymap_unref(keymap);
		return -EIO;
	}
	xkb_state_unref(k->state);
	xkb_keymap_unref(k->keymap);
	k->keymap = keymap;
	k->state = state;
	memset(k->down, 0, sizeof(k->down));
	/* A Compose sequence in progress survives: tools that type a keysym missing from
	 * the layout bind it to a spare key just for that press. */
	return 0;
}

/* Dead keys and Compose sequences, as the user's locale defines them. Optional. */
static void load_compose(struct keys *k)
{
	const char *locale = getenv("LC_ALL");

	if (!locale || !*locale)
		locale = getenv("LC_CTYPE");
	if (!locale || !*locale)
		locale = getenv("LANG");
	if (!locale || !*locale || strcmp(locale, "C") == 0 || strcmp(locale, "POSIX") == 0)
		locale = "en_US.UTF-8";
	k->compose_table =
	    xkb_compose_table_new_from_locale(k->xkb, locale, XKB_COMPOSE_COMPILE_NO_FLAGS);
	if (!k->compose_table) {
		log_info("keys: no Compose table for locale %s; dead keys are not combined",
		         locale);
		return;
	}
	k->compose = xkb_compose_state_new(k->compose_table, XKB_COMPOSE_STATE_NO_FLAGS);
}

static void emit(struct keys *k, enum text_edit edit)
{
	struct text_event ev = {.edit = edit};

	k->fn(&ev, k->userdata);
}

static bool mod_active(struct keys *k, const char *name)
{
	return xkb_state_mod_name_is_active(k->state, name, XKB_STATE_MODS_EFFECTIVE) > 0;
}

/* Keys that edit or end the text rather than add to it. True when handled. */
static bool edit_key(struct keys *k, xkb_keysym_t sym, bool ctrl, bool shift)
{
	switch (sym) {
	case XKB_KEY_BackSpace:
		emit(k, ctrl ? TEXT_DELETE_WORD : TEXT_BACKSPACE);
		return true;
	case XKB_KEY_Delete:
	case XKB_KEY_KP_Delete:
		emit(k, ctrl ? TEXT_BREAK : TEXT_DELETE);
		return true;
	case XKB_KEY_Left:
	case XKB_KEY_KP_Left:
		emit(k, ctrl || shift ? TEXT_BREAK : TEXT_LEFT);
		return true;
	case XKB_KEY_Right:
	case XKB_KEY_KP_Right:
		emit(k, ctrl || shift ? TEXT_BREAK : TEXT_RIGHT);
		return true;
	case XKB_KEY_Home:
	case XKB_KEY_KP_Home:
		emit(k, ctrl || shift ? TEXT_BREAK : TEXT_HOME);
		return true;
	case XKB_KEY_End:
	case XKB_KEY_KP_End:
		emit(k, ctrl || shift ? TEXT_BREAK : TEXT_END);
		return true;
	case XKB_KEY_Return:
	case XKB_KEY_KP_Enter:
	case XKB_KEY_ISO_Enter:
		emit(k, TEXT_NEWLINE);
		return true;
	case XKB_KEY_Tab:
	case XKB_KEY_KP_Tab:
	case XKB_KEY_ISO_Left_Tab:
	case XKB_KEY_Escape:
	case XKB_KEY_Up:
	case XKB_KEY_Down:
	case XKB_KEY_KP_Up:
	case XKB_KEY_KP_Down:
	case XKB_KEY_Page_Up:
	case XKB_KEY_Page_Down:
	case XKB_KEY_KP_Page_Up:
	case XKB_KEY_KP_Page_Down:
		emit(k, TEXT_BREAK);
		return true;
	}
	return false;
}

/* Runs the key through Compose. Returns false when the key is swallowed (a dead key or
 * a sequence in progress); otherwise true, with composed text in ev when one finished. */
static bool compose_key(struct keys *k, xkb_keysym_t sym, struct text_event *ev)
{
	if (!k->compose || xkb_compose_state_feed(k->compose, sym) != XKB_COMPOSE_FEED_ACCEPTED)
		return true;
	switch (xkb_compose_state_get_status(k->compose)) {
	case XKB_COMPOSE_COMPOSING:
		return false;
	case XKB_COMPOSE_CANCELLED:
		xkb_compose_state_reset(k->compose);
		return false;
	case XKB_COMPOSE_COMPOSED: {
		int n = xkb_compose_state_get_utf8(k->compose, ev->text, sizeof(ev->text));

		xkb_compose_state_reset(k->compose);
		ev->len = n > 0 && (size_t)n < sizeof(ev->text) ? (size_t)n : 0;
		return true;
	}
	case XKB_COMPOSE_NOTHING:
		break;
	}
	return true;
}

static void drain_xkb_events(struct keys *k);

static void key_press(struct keys *k, unsigned kc, bool repeat)
{
	struct text_event ev = {.edit = TEXT_INSERT};
	xkb_keysym_t sym = xkb_state_key_get_one_sym(k->state, kc);
	bool ctrl, alt, logo;
	int n;

	if (sym == XKB_KEY_NoSymbol) {
		/* The keymap may have just changed (a tool binding a spare keycode): pick up
		 * notifications sent before this key, then look again. */
		drain_xkb_events(k);
		sym = xkb_state_key_get_one_sym(k->state, kc);
		if (sym == XKB_KEY_NoSymbol)
			return;
	}
	if (!repeat)
		xkb_state_update_key(k->state, kc, XKB_KEY_DOWN);
	if ((sym >= XKB_KEY_Shift_L && sym <= XKB_KEY_Hyper_R) ||
	    (sym >= XKB_KEY_ISO_Lock && sym <= XKB_KEY_ISO_Last_Group_Lock) ||
	    sym == XKB_KEY_Mode_switch || sym == XKB_KEY_Num_Lock)
		return; /* a modifier: it changes the state only */
	ctrl = mod_active(k, XKB_MOD_NAME_CTRL);
	alt = mod_active(k, XKB_MOD_NAME_ALT);
	logo = mod_active(k, XKB_MOD_NAME_LOGO);
	if (edit_key(k, sym, ctrl, mod_active(k, XKB_MOD_NAME_SHIFT)))
		return;
	if (ctrl || alt || logo) {
		/* A shortcut: the text may have changed in any way. */
		if (xkb_state_key_get_utf8(k->state, kc, NULL, 0) > 0)
			emit(k, TEXT_BREAK);
		return;
	}
	if (!compose_key(k, sym, &ev))
		return; /* a dead key, or a Compose sequence going on */
	if (ev.len == 0) {
		n = xkb_state_key_get_utf8(k->state, kc, ev.text, sizeof(ev.text));
		if (n <= 0 || (size_t)n >= sizeof(ev.text))
			return; /* function keys and the like: the text is unchanged */
		ev.len = (size_t)n;
	}
	if ((unsigned char)ev.text[0] < 0x20 || ev.text[0] == 0x7f)
		return;
	k->fn(&ev, k->userdata);
}

/* Reads the server's autorepeat settings (xset r rate, per-key repeat). */
static void load_repeat(struct keys *k)
{
	XkbDescPtr desc = XkbGetMap(k->ctrl, 0, XkbUseCoreKbd);

	k->repeat_on = false;
	if (!desc)
		return;
	if (XkbGetControls(k->ctrl,
	                   XkbRepeatKeysMask | XkbPerKeyRepeatMask | XkbControlsEnabledMask,
	                   desc) == Success &&
	    desc->ctrls) {
		k->repeat_on = (desc->ctrls->enabled_ctrls & XkbRepeatKeysMask) != 0;
		k->repeat_delay = desc->ctrls->repeat_delay;
		k->repeat_interval =
		    desc->ctrls->repeat_interval ? desc->ctrls->repeat_interval : 1;
		memcpy(k->per_key_repeat, desc->ctrls->per_key_repeat, sizeof(k->per_key_repeat));
	}
	XkbFreeKeyboard(desc, 0, True);
}

/*
 * Raw events carry no autorepeat: the repeats the focused application saw while the
 * held key was down until at (server time) are added now, as the server made them (the
 * first after repeat_delay, then one every repeat_interval). Only the key pressed last
 * repeats, and a modifier never does (its per-key repeat bit is off).
 */
static void end_repeat(struct keys *k, Time at)
{
	unsigned kc = k->held_kc;
	unsigned long held, n;

	k->held_kc = 0;
	if (!kc || !k->repeat_on || !(k->per_key_repeat[kc / 8] & (1u << (kc % 8))))
		return;
	held = (unsigned long)(at - k->held_since);
	if (held < k->repeat_delay)
		return;
	n = 1 + (held - k->repeat_delay) / k->repeat_interval;
	if (n > MAX_REPEATS)
		n = MAX_REPEATS;
	for (unsigned long i = 0; i < n && key_is_down(k, kc); i++)
		key_press(k, kc, true);
}

static void on_raw(struct keys *k, const XIRawEvent *r)
{
	unsigned kc = (unsigned)r->detail;

	switch (r->evtype) {
	case XI_RawKeyPress:
		if (kc >= 256 || !k->state)
			return;
		end_repeat(k, r->time); /* a new key stops the repeat of the one before */
		key_press(k, kc, key_is_down(k, kc));
		key_set_down(k, kc, true);
		k->held_kc = kc;
		k->held_since = r->time;
		break;
	case XI_RawKeyRelease:
		if (kc >= 256 || !k->state)
			return;
		if (kc == k->held_kc)
			end_repeat(k, r->time);
		if (key_is_down(k, kc)) {
			xkb_state_update_key(k->state, kc, XKB_KEY_UP);
			key_set_down(k, kc, false);
		}
		break;
	case XI_RawButtonPress:
		/* Buttons 4-7 scroll; the others move the text cursor. */
		if (kc < 4 || kc > 7)
			emit(k, TEXT_BREAK);
		break;
	}
}

bool keys_handle_event(struct keys *k, XEvent *ev)
{
	XkbEvent *xe = (XkbEvent *)ev;

	if (ev->type != k->xkb_event_base)
		return false;
	if (xe->any.xkb_type == XkbControlsNotify) {
		load_repeat(k); /* xset r rate, xset r off */
		return true;
	}
	if (xe->any.xkb_type == XkbNewKeyboardNotify || xe->any.xkb_type == XkbMapNotify) {
		if (load_keymap(k) < 0)
			log_warning("keys: cannot reload the keymap after a layout change; keeping "
			            "the previous one");
		else
			log_debug("keys: keyboard layout changed; keymap reloaded");
	}
	return true;
}

static void drain_xkb_events(struct keys *k)
{
	XEvent ev;

	XSync(k->ctrl, False);
	while (XCheckTypedEvent(k->ctrl, k->xkb_event_base, &ev))
		keys_handle_event(k, &ev);
}

static int setup_xkb(struct keys *k)
{
	xcb_connection_t *xc = XGetXCBConnection(k->ctrl);
	int opcode, error_base, major = XkbMajorVersion, minor = XkbMinorVersion;

	if (!XkbQueryExtension(k->ctrl, &opcode, &k->xkb_event_base, &error_base, &major, &minor)) {
		log_error("keys: the X server has no XKB extension; typed text is not monitored "
		          "(window titles and the clipboard still are)");
		return -ENOTSUP;
	}
	if (!xkb_x11_setup_xkb_extension(
	        xc, XKB_X11_MIN_MAJOR_XKB_VERSION, XKB_X11_MIN_MINOR_XKB_VERSION,
	        XKB_X11_SETUP_XKB_EXTENSION_NO_FLAGS, NULL, NULL, NULL, NULL)) {
		log_error("keys: XKB %d.%d is too old for xkbcommon", major, minor);
		return -ENOTSUP;
	}
	k->device_id = xkb_x11_get_core_keyboard_device_id(xc);
	k->xkb = xkb_context_new(XKB_CONTEXT_NO_FLAGS);
	if (k->device_id < 0 || !k->xkb)
		return -ENOMEM;
	if (load_keymap(k) < 0) {
		log_error("keys: cannot read the keymap of the core keyboard");
		return -EIO;
	}
	load_compose(k);
	load_repeat(k);
	XkbSelectEvents(k->ctrl, XkbUseCoreKbd,
	                XkbNewKeyboardNotifyMask | XkbMapNotifyMask | XkbControlsNotifyMask,
	                XkbNewKeyboardNotifyMask | XkbMapNotifyMask | XkbControlsNotifyMask);
	return 0;
}

/*
 * Raw key and button events of every master device, selected on the root window on a
 * connection of our own. A selection belongs to the client that made it: no other client
 * can change or remove it, and since XInput 2.1 raw events reach it whatever grabs are
 * active. The only way to stop them is to kill the connection, which the monitor notices
 * at once (an I/O error).
 */
static int setup_raw(struct keys *k, const char *display_name)
{
	unsigned char bits[XIMaskLen(XI_LASTEVENT)] = {0};
	XIEventMask mask = {XIAllMasterDevices, sizeof(bits), bits};
	int event, error, major = 2, minor = 2;

	if (!XQueryExtension(k->ctrl, "XInputExtension", &k->xi_opcode, &event, &error) ||
	    XIQueryVersion(k->ctrl, &major, &minor) != Success || major < 2 ||
	    (major == 2 && minor < 1)) {
		log_error("keys: the X server has no XInput 2.1 extension; typed text is not "
		          "monitored (window titles and the clipboard still are)");
		return -ENOTSUP;
	}
	k->raw = XOpenDisplay(display_name);
	if (!k->raw) {
		log_error("keys: cannot open a second connection to %s", display_name);
		return -EIO;
	}
	major = 2;
	minor = 2;
	if (XIQueryVersion(k->raw, &major, &minor) != Success) {
		log_error("keys: XInput 2 refused on the key connection");
		return -EIO;
	}
	XISetMask(bits, XI_RawKeyPress);
	XISetMask(bits, XI_RawKeyRelease);
	XISetMask(bits, XI_RawButtonPress);
	if (XISelectEvents(k->raw, DefaultRootWindow(k->raw), &mask, 1) != Success) {
		log_error("keys: cannot select raw key events");
		return -EIO;
	}
	XSync(k->raw, False);
	return 0;
}

int keys_new(Display *ctrl, const char *display_name, keys_fn fn, void *userdata, struct keys **out)
{
	struct keys *k = calloc(1, sizeof(*k));
	int r;

	if (!k)
		return -ENOMEM;
	k->ctrl = ctrl;
	k->fn = fn;
	k->userdata = userdata;
	r = setup_xkb(k);
	if (r == 0)
		r = setup_raw(k, display_name);
	if (r < 0) {
		keys_free(k);
		return r;
	}
	*out = k;
	return 0;
}

void keys_free(struct keys *k)
{
	if (!k)
		return;
	if (k->raw)
		XCloseDisplay(k->raw);
	xkb_compose_state_unref(k->compose);
	xkb_compose_table_unref(k->compose_table);
	xkb_state_unref(k->state);
	xkb_keymap_unref(k->keymap);
	xkb_context_unref(k->xkb);
	explicit_bzero(k, sizeof(*k));
	free(k);
}

int keys_fd(const struct keys *k)
{
	return ConnectionNumber(k->raw);
}

int keys_dispatch(struct keys *k)
{
	XEvent ev;

	while (XPending(k->raw)) {
		XNextEvent(k->raw, &ev);
		if (ev.xcookie.type != GenericEvent || ev.xcookie.extension != k->xi_opcode ||
		    !XGetEventData(k->raw, &ev.xcookie))
			continue;
		on_raw(k, ev.xcookie.data);
		XFreeEventData(k->raw, &ev.xcookie);
	}
	return 0;
}
