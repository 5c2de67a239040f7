/* keys.h: keystrokes of one X display through XRecord, decoded with the real XKB layout. */
#pragma once

#include <X11/Xlib.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * keys opens its own connection to the display for XRecord (the record data
 * connection may carry nothing else) and decodes key presses with xkbcommon, using the
 * keymap fetched from the server and a modifier state kept from the recorded presses
 * and releases (Shift, Caps Lock, AltGr, groups). Key repeat produces the repeated
 * character, as the focused application sees it, without disturbing the modifier
 * state. Layout changes (setxkbmap) are followed through XKB notifications on the
 * caller's control connection.
 *
 * Nothing here stores or logs what was typed: each decoded key goes to the callback.
 */

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

struct keys;

/*
 * Starts recording on display_name. ctrl is the caller's control connection to the
 * same display, used for the keymap and XKB notifications (keys selects them).
 * Returns 0 and *out, or a negative errno (-ENOTSUP when the server lacks XRecord or
 * XKB); the reason is logged.
 */
int keys_new(Display *ctrl, const char *display_name, keys_fn fn, void *userdata,
             struct keys **out);
void keys_free(struct keys *k);

/* The record connection's file descriptor, to poll for input. */
int keys_fd(const struct keys *k);

/* Processes recorded data that has arrived. Returns 0, or -EPIPE when the connection died. */
int keys_dispatch(struct keys *k);

/* Offers an event from the control connection; returns true when it was an XKB event. */
bool keys_handle_event(struct keys *k, XEvent *ev);
