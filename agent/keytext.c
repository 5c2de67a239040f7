/* keytext.c: key presses and releases turned into text edits with xkbcommon, whatever their source.
 */
#include "keytext.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <xkbcommon/xkbcommon-compose.h>

#include "log.h"

struct keytext {
	struct xkb_context *ctx;
	struct xkb_keymap *keymap;
	struct xkb_state *state;
	struct xkb_compose_table *compose_table;
	struct xkb_compose_state *compose;
	unsigned char down[32]; /* keycodes held: tells a repeat from a press */
	keys_fn fn;
	void *userdata;
};

static bool key_is_down(const struct keytext *t, unsigned kc)
{
	return kc < 256 && (t->down[kc / 8] & (1u << (kc % 8)));
}

static void key_set_down(struct keytext *t, unsigned kc, bool down)
{
	if (kc >= 256)
		return;
	if (down)
		t->down[kc / 8] |= (unsigned char)(1u << (kc % 8));
	else
		t->down[kc / 8] &= (unsigned char)~(1u << (kc % 8));
}

/* Dead keys and Compose sequences, as the user's locale defines them. Optional. */
static void load_compose(struct keytext *t)
{
	const char *locale = getenv("LC_ALL");

	if (!locale || !*locale)
		locale = getenv("LC_CTYPE");
	if (!locale || !*locale)
		locale = getenv("LANG");
	if (!locale || !*locale || strcmp(locale, "C") == 0 || strcmp(locale, "POSIX") == 0)
		locale = "en_US.UTF-8";
	t->compose_table =
	    xkb_compose_table_new_from_locale(t->ctx, locale, XKB_COMPOSE_COMPILE_NO_FLAGS);
	if (!t->compose_table) {
		log_info("keys: no Compose table for locale %s; dead keys are not combined",
		         locale);
		return;
	}
	t->compose = xkb_compose_state_new(t->compose_table, XKB_COMPOSE_STATE_NO_FLAGS);
}

struct keytext *keytext_new(struct xkb_context *ctx, struct xkb_keymap *keymap, keys_fn fn,
                            void *userdata)
{
	struct keytext *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->ctx = xkb_context_ref(ctx);
	t->fn = fn;
	t->userdata = userdata;
	load_compose(t);
	keytext_set_keymap(t, keymap, NULL);
	return t;
}

void keytext_free(struct keytext *t)
{
	if (!t)
		return;
	xkb_compose_state_unref(t->compose);
	xkb_compose_table_unref(t->compose_table);
	xkb_state_unref(t->state);
	xkb_keymap_unref(t->keymap);
	xkb_context_unref(t->ctx);
	free(t);
}

void keytext_set_keymap(struct keytext *t, struct xkb_keymap *keymap, struct xkb_state *state)
{
	state = state ? xkb_state_ref(state) : keymap ? xkb_state_new(keymap) : NULL;
	if (keymap && !state)
		return; /* out of memory: the old keymap stays */
	xkb_state_unref(t->state);
	xkb_keymap_unref(t->keymap);
	t->keymap = keymap ? xkb_keymap_ref(keymap) : NULL;
	t->state = state;
	memset(t->down, 0, sizeof(t->down));
}

static void emit(struct keytext *t, enum text_edit edit)
{
	struct text_event ev = {.edit = edit};

	t->fn(&ev, t->userdata);
}

static bool mod_active(struct keytext *t, const char *name)
{
	return xkb_state_mod_name_is_active(t->state, name, XKB_STATE_MODS_EFFECTIVE) > 0;
}

/* Keys that edit or end the text rather than add to it. True when handled. */
static bool edit_key(struct keytext *t, xkb_keysym_t sym, bool ctrl, bool shift)
{
	switch (sym) {
	case XKB_KEY_BackSpace:
		emit(t, ctrl ? TEXT_DELETE_WORD : TEXT_BACKSPACE);
		return true;
	case XKB_KEY_Delete:
	case XKB_KEY_KP_Delete:
		emit(t, ctrl ? TEXT_BREAK : TEXT_DELETE);
		return true;
	case XKB_KEY_Left:
	case XKB_KEY_KP_Left:
		emit(t, ctrl || shift ? TEXT_BREAK : TEXT_LEFT);
		return true;
	case XKB_KEY_Right:
	case XKB_KEY_KP_Right:
		emit(t, ctrl || shift ? TEXT_BREAK : TEXT_RIGHT);
		return true;
	case XKB_KEY_Home:
	case XKB_KEY_KP_Home:
		emit(t, ctrl || shift ? TEXT_BREAK : TEXT_HOME);
		return true;
	case XKB_KEY_End:
	case XKB_KEY_KP_End:
		emit(t, ctrl || shift ? TEXT_BREAK : TEXT_END);
		return true;
	case XKB_KEY_Return:
	case XKB_KEY_KP_Enter:
	case XKB_KEY_ISO_Enter:
		emit(t, TEXT_NEWLINE);
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
		emit(t, TEXT_BREAK);
		return true;
	}
	return false;
}

/* Runs the key through Compose. Returns false when the key is swallowed (a dead key or
 * a sequence in progress); otherwise true, with composed text in ev when one finished. */
static bool compose_key(struct keytext *t, xkb_keysym_t sym, struct text_event *ev)
{
	if (!t->compose || xkb_compose_state_feed(t->compose, sym) != XKB_COMPOSE_FEED_ACCEPTED)
		return true;
	switch (xkb_compose_state_get_status(t->compose)) {
	case XKB_COMPOSE_COMPOSING:
		return false;
	case XKB_COMPOSE_CANCELLED:
		xkb_compose_state_reset(t->compose);
		return false;
	case XKB_COMPOSE_COMPOSED: {
		int n = xkb_compose_state_get_utf8(t->compose, ev->text, sizeof(ev->text));

		xkb_compose_state_reset(t->compose);
		ev->len = n > 0 && (size_t)n < sizeof(ev->text) ? (size_t)n : 0;
		return true;
	}
	case XKB_COMPOSE_NOTHING:
		break;
	}
	return true;
}

static void key_press(struct keytext *t, xkb_keycode_t kc, xkb_keysym_t sym, bool repeat)
{
	struct text_event ev = {.edit = TEXT_INSERT};
	bool ctrl, alt, logo;
	int n;

	if (!repeat)
		xkb_state_update_key(t->state, kc, XKB_KEY_DOWN);
	if ((sym >= XKB_KEY_Shift_L && sym <= XKB_KEY_Hyper_R) ||
	    (sym >= XKB_KEY_ISO_Lock && sym <= XKB_KEY_ISO_Last_Group_Lock) ||
	    sym == XKB_KEY_Mode_switch || sym == XKB_KEY_Num_Lock)
		return; /* a modifier: it changes the state only */
	ctrl = mod_active(t, XKB_MOD_NAME_CTRL);
	alt = mod_active(t, XKB_MOD_NAME_ALT);
	logo = mod_active(t, XKB_MOD_NAME_LOGO);
	if (edit_key(t, sym, ctrl, mod_active(t, XKB_MOD_NAME_SHIFT)))
		return;
	if (ctrl || alt || logo) {
		/* A shortcut: the text may have changed in any way. */
		if (xkb_state_key_get_utf8(t->state, kc, NULL, 0) > 0)
			emit(t, TEXT_BREAK);
		return;
	}
	if (!compose_key(t, sym, &ev))
		return; /* a dead key, or a Compose sequence going on */
	if (ev.len == 0) {
		n = xkb_state_key_get_utf8(t->state, kc, ev.text, sizeof(ev.text));
		if (n <= 0 || (size_t)n >= sizeof(ev.text))
			return; /* function keys and the like: the text is unchanged */
		ev.len = (size_t)n;
	}
	if ((unsigned char)ev.text[0] < 0x20 || ev.text[0] == 0x7f)
		return;
	t->fn(&ev, t->userdata);
	explicit_bzero(&ev, sizeof(ev));
}

int keytext_key(struct keytext *t, xkb_keycode_t kc, bool down)
{
	xkb_keysym_t sym;

	if (!t->state)
		return 0;
	if (down) {
		sym = xkb_state_key_get_one_sym(t->state, kc);
		if (sym == XKB_KEY_NoSymbol)
			return -ENOENT;
		key_press(t, kc, sym, key_is_down(t, kc));
		key_set_down(t, kc, true);
	} else if (key_is_down(t, kc)) {
		xkb_state_update_key(t->state, kc, XKB_KEY_UP);
		key_set_down(t, kc, false);
	}
	return 0;
}

bool keytext_held(const struct keytext *t, xkb_keycode_t kc)
{
	return key_is_down(t, kc);
}

void keytext_button(struct keytext *t, unsigned button)
{
	if (button < 4 || button > 7)
		emit(t, TEXT_BREAK);
}
