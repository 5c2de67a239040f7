/* keys.c: keystrokes of one X display through XInput 2 raw events, decoded with the real XKB
 * layout. */
#include "keys.h"

#include <X11/XKBlib.h>
#include <X11/Xlib-xcb.h>
#include <X11/extensions/XInput2.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
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
	struct keytext *text; /* the decoder: keymap, state, keys held, Compose */
	keys_fn fn;
	void *userdata;
};

/* Fetches the keymap and the current modifier state from the server for the decoder.
 * 0 or -EIO. */
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
	keytext_set_keymap(k->text, keymap, state);
	xkb_state_unref(state);
	xkb_keymap_unref(keymap);
	return 0;
}

static void drain_xkb_events(struct keys *k);

/* A key pressed: a key the keymap lacks may have just been bound (a tool typing a keysym
 * missing from the layout): notifications sent before it are taken, then it is tried
 * again. */
static void key_press(struct keys *k, unsigned kc)
{
	if (keytext_key(k->text, kc, true) == -ENOENT) {
		drain_xkb_events(k);
		keytext_key(k->text, kc, true);
	}
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
	for (unsigned long i = 0; i < n && keytext_held(k->text, kc); i++)
		key_press(k, kc);
}

static void on_raw(struct keys *k, const XIRawEvent *r)
{
	unsigned kc = (unsigned)r->detail;

	switch (r->evtype) {
	case XI_RawKeyPress:
		if (kc >= 256)
			return;
		end_repeat(k, r->time); /* a new key stops the repeat of the one before */
		key_press(k, kc);
		k->held_kc = kc;
		k->held_since = r->time;
		break;
	case XI_RawKeyRelease:
		if (kc >= 256)
			return;
		if (kc == k->held_kc)
			end_repeat(k, r->time);
		keytext_key(k->text, kc, false);
		break;
	case XI_RawButtonPress:
		keytext_button(k->text, kc);
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
	k->text = k->xkb ? keytext_new(k->xkb, NULL, k->fn, k->userdata) : NULL;
	if (k->device_id < 0 || !k->text)
		return -ENOMEM;
	if (load_keymap(k) < 0) {
		log_error("keys: cannot read the keymap of the core keyboard");
		return -EIO;
	}
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
	keytext_free(k->text);
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
