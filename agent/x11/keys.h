/* keys.h: keystrokes of one X display through XInput 2 raw events, decoded with the real XKB
 * layout. */
#pragma once

#include <X11/Xlib.h>
#include <stdbool.h>
#include <stddef.h>

#include "keytext.h" /* struct text_event, keys_fn */

/*
 * keys opens its own connection to the display and selects XInput 2 raw key and button
 * events on the root window: a selection no other client can undo, delivered whatever
 * grabs are active (XInput 2.1). Key presses are decoded with xkbcommon, using the keymap
 * fetched from the server and a modifier state kept from the raw presses and releases
 * (Shift, Caps Lock, AltGr, groups). Raw events carry no autorepeat: a held key's repeats
 * are added when it is released (or another key is pressed), as many as the server's
 * repeat delay and rate (XKB controls) made, without disturbing the modifier state.
 * Layout and repeat changes (setxkbmap, xset r) are followed through XKB notifications on
 * the caller's control connection.
 *
 * Nothing here stores or logs what was typed: each decoded key goes to the callback.
 */

struct keys;

/*
 * Starts watching keys on display_name. ctrl is the caller's control connection to the
 * same display, used for the keymap and XKB notifications (keys selects them).
 * Returns 0 and *out, or a negative errno (-ENOTSUP when the server lacks XInput 2.1
 * or XKB); the reason is logged.
 */
int keys_new(Display *ctrl, const char *display_name, keys_fn fn, void *userdata,
             struct keys **out);
void keys_free(struct keys *k);

/* The key connection's file descriptor, to poll for input. */
int keys_fd(const struct keys *k);

/* Processes the raw events that have arrived. Returns 0 (a dead connection is Xlib's I/O error). */
int keys_dispatch(struct keys *k);

/* Offers an event from the control connection; returns true when it was an XKB event. */
bool keys_handle_event(struct keys *k, XEvent *ev);
