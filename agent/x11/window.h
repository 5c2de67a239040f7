/* window.h: the window with the input focus, and the titles of every top-level window. */
#pragma once

#include <X11/Xlib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "monitor.h" /* struct window_seen, window_title_hash() */

#include "agent-limits.h"

/*
 * Typed text belongs to the window with the X server's input focus (XGetInputFocus), as a
 * top-level: the first window from the focus upwards with WM_STATE (the client a window
 * manager manages), else the child of the root it is in. No property a client may write
 * (_NET_ACTIVE_WINDOW) is trusted. The titles of every top-level window are watched
 * (PropertyNotify, no polling): windows present at start down to a frame's client, and
 * every window created as a child of the root from then on (the selection stays with it
 * when a window manager reparents it). The title is _NET_WM_NAME, falling back to
 * WM_NAME; the application is WM_CLASS's instance name (its class when the instance is
 * empty).
 */
struct window_info {
	Window id; /* None when no window has the focus */
	char title[AGENT_TITLE_MAX_BYTES];
	char app[AGENT_APP_MAX_BYTES];
};

/* A window shows a title not reported for it before. */
typedef void (*window_fn)(const struct window_info *win, void *userdata);

struct windows;

/*
 * Watches the top-level windows of dpy's default screen; the titles in seen (at most
 * AGENT_TITLE_CACHE) count as reported already. NULL on out-of-memory.
 */
struct windows *window_new(Display *dpy, window_fn fn, void *userdata,
                           const struct window_seen *seen, size_t nseen);

void window_free(struct windows *w);

/* Offers an event; returns true when it was for this module. */
bool window_handle_event(struct windows *w, XEvent *ev);

/*
 * The top-level window with the input focus now: asks the server (one round trip; the
 * walk to the top-level only when the focus moved).
 */
const struct window_info *window_focus(struct windows *w);

/* The window window_focus() found last, without asking the server. */
const struct window_info *window_last_focus(const struct windows *w);
