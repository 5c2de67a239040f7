/* wlmon.h: one Wayland session watched: its connection, event loop and the detection stages. */
#pragma once

#include <stddef.h>

#include "monitor.h"

struct wl_display;
struct wlhelper;

/* Typed text from the kernel's keyboards (evkbd.c), opened by the caller with privilege. */
struct wlmon_input {
	const int *keyboards; /* taken: closed by the monitor */
	size_t n;
	const char *session; /* the logind session: keys count only while it is the seat's
	                      * active one and not locked; NULL: always */
	/* vigil-session, run as the pupil (wlhelper.c), or NULL: typed text from AT-SPI, and
	 * on GNOME the focused window, titles and clipboard from the Shell extension. Its
	 * end (killed, stopped) ends the monitor with MONITOR_EXIT_KILLED: tamper. */
	struct wlhelper *helper;
};

/*
 * Monitors the session whose compositor dpy is connected to (connected by the caller,
 * who may have had the privilege to reach the socket and dropped it since), as
 * monitor_run() does an X display: window titles of every toplevel and the active one
 * (wlr-foreign-toplevel), CLIPBOARD and PRIMARY (wlr-data-control), typed text of the
 * active window from in's keyboards decoded with the session's own keymap (the one the
 * compositor hands its clients) and from --inject lines; hits go to p->sink, SIGHUP reloads the
 * lists, SIGTERM/SIGINT stop it. A compositor without foreign-toplevel is watched without titles
 * (logged); without data-control, without the clipboard. Returns an enum monitor_exit value:
 * MONITOR_EXIT_GONE when the compositor went away.
 */
int wlmon_run(const struct monitor_params *p, struct wl_display *dpy, const struct wlmon_input *in);
