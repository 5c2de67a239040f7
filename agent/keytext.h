/* keytext.h: key presses and releases turned into text edits with xkbcommon, whatever their source.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <xkbcommon/xkbcommon.h>

enum text_edit {
	TEXT_INSERT,      /* text holds the characters the key produced */
	TEXT_BACKSPACE,   /* delete the character before the cursor */
	TEXT_DELETE,      /* delete the character after the cursor */
	TEXT_DELETE_WORD, /* Ctrl+Backspace: delete the word before the cursor */
	TEXT_LEFT,
	TEXT_RIGHT,
	TEXT_HOME,
	TEXT_END,
	TEXT_BREAK,   /* Tab, Escape, a click, a shortcut: the segment ends */
	TEXT_NEWLINE, /* Enter: a line ends; the next may continue the same message */
};

struct text_event {
	enum text_edit edit;
	char text[16]; /* UTF-8, NUL-terminated, for TEXT_INSERT */
	size_t len;
};

typedef void (*keys_fn)(const struct text_event *ev, void *userdata);

/*
 * A decoder holds a keymap, the modifier state kept from the presses and releases it is
 * given (Shift, Caps Lock, AltGr, groups), the keys held (a press of a held key is a
 * repeat: it produces the character again without disturbing the state) and the
 * locale's Compose table (dead keys). Keys that edit or end the text become
 * TEXT_BACKSPACE, TEXT_LEFT, TEXT_NEWLINE, TEXT_BREAK...; a shortcut (Ctrl, Alt, Super)
 * is TEXT_BREAK; characters are TEXT_INSERT. Nothing is kept of what was typed: each
 * edit goes to the callback.
 */
struct keytext;

/* A decoder for keymap (a reference is taken; NULL: none yet, keys are ignored). NULL on
 * out-of-memory. */
struct keytext *keytext_new(struct xkb_context *ctx, struct xkb_keymap *keymap, keys_fn fn,
                            void *userdata);
void keytext_free(struct keytext *t);

/*
 * Replaces the keymap (the layout changed) and its state (a reference is taken of each;
 * state NULL: a fresh one, no modifier on). No key is held afterwards; a Compose
 * sequence in progress survives (tools that type a keysym missing from the layout bind
 * it to a spare key just for that press).
 */
void keytext_set_keymap(struct keytext *t, struct xkb_keymap *keymap, struct xkb_state *state);

/*
 * One key (an XKB keycode: evdev code + 8) pressed (down) or released; a press of a key
 * held is a repeat. Returns -ENOENT, having done nothing, for a press of a key the keymap
 * has no symbol for (the caller may reload the keymap and try again), else 0.
 */
int keytext_key(struct keytext *t, xkb_keycode_t kc, bool down);

/* Whether key kc is held down. */
bool keytext_held(const struct keytext *t, xkb_keycode_t kc);

/* A pointer button pressed: the text cursor may have moved (buttons 4-7 scroll). */
void keytext_button(struct keytext *t, unsigned button);
