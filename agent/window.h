/* window.h: the active window of one display, its title and application, followed by events. */
#pragma once

#include <X11/Xlib.h>
#include <stdbool.h>

#include "agent-limits.h"

/*
 * The active window comes from the root's _NET_ACTIVE_WINDOW (PropertyNotify, no
 * polling); without an EWMH window manager, from the input focus, looked up when a key
 * is pressed. The title is _NET_WM_NAME, falling back to WM_NAME; the application is
 * WM_CLASS's instance name (its class when the instance is empty).
 */
struct window_info {
	Window id; /* None when no window is active */
	char title[AGENT_TITLE_MAX_BYTES];
	char app[AGENT_APP_MAX_BYTES];
};

enum window_change {
	WINDOW_FOCUS, /* another window became active; old is the one before */
	WINDOW_TITLE, /* the active window shows a title not scanned before */
};

typedef void (*window_fn)(enum window_change change, Window old, const struct window_info *active,
                          void *userdata);

struct windows;

/* Follows the active window of dpy's default screen. NULL on out-of-memory. */
struct windows *window_new(Display *dpy, window_fn fn, void *userdata);
void window_free(struct windows *w);

/* Offers an event; returns true when it was for this module. */
bool window_handle_event(struct windows *w, XEvent *ev);

/*
 * The active window now. Without an EWMH window manager this asks the server for the
 * input focus (and reports a change through the callback first).
 */
const struct window_info *window_active(struct windows *w);
