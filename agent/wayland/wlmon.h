/* wlmon.h: one Wayland session watched: its connection, event loop and the detection stages. */
#pragma once

#include "monitor.h"

struct wl_display;

/*
 * Monitors the session whose compositor dpy is connected to (connected by the caller,
 * who may have had the privilege to reach the socket and dropped it since), as
 * monitor_run() does an X display: window titles of every toplevel and the active one
 * (wlr-foreign-toplevel), CLIPBOARD and PRIMARY (wlr-data-control), --inject lines as
 * typed text of the active window; hits go to p->sink, SIGHUP reloads the lists,
 * SIGTERM/SIGINT stop it. A compositor without foreign-toplevel is watched without
 * titles (logged); without data-control, without the clipboard. Returns an enum
 * monitor_exit value: MONITOR_EXIT_GONE when the compositor went away.
 */
int wlmon_run(const struct monitor_params *p, struct wl_display *dpy);
