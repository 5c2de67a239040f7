/* keytext.h: key presses and releases turned into text edits with xkbcommon, whatever their source.
 */
#pragma once

#include <stdbool.h>
#include <xkbcommon/xkbcommon.h>

#include "keys.h" /* enum text_edit, struct text_event, keys_fn */

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

/* Replaces the keymap (the layout changed): the state starts afresh, a Compose sequence
 * in progress survives. */
void keytext_set_keymap(struct keytext *t, struct xkb_keymap *keymap);

/* One key (an XKB keycode: evdev code + 8) pressed (down) or released. */
void keytext_key(struct keytext *t, xkb_keycode_t kc, bool down);

/* A pointer button pressed: the text cursor may have moved (buttons 4-7 scroll). */
void keytext_button(struct keytext *t, unsigned button);
