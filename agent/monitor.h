/* monitor.h: what a display backend's monitor of one session is given, and how it ends. */
#pragma once

#include "config.h"
#include "hit.h"
#include "match.h"
#include <stddef.h>
#include <stdint.h>

/* A title reported for a window (by a monitor before this one): not reported again. */
struct window_seen {
	unsigned long id;
	uint64_t hash; /* window_title_hash() */
};

/* The hash a reported title is remembered by. */
uint64_t window_title_hash(const char *title);

/*
 * Every backend's monitor (X11: x11/x11mon.h, Wayland: wayland/wlmon.h) runs in a
 * process of its own with these parameters and ends with one of these statuses.
 */

/* Exit statuses of a monitor (it runs in a process of its own). */
enum monitor_exit {
	MONITOR_EXIT_STOPPED = 0, /* SIGTERM/SIGINT */
	MONITOR_EXIT_FAILED = 1,  /* could not set up (logged) */
	MONITOR_EXIT_GONE = 3,    /* the display could not be opened or went away */
	MONITOR_EXIT_KILLED = 4,  /* an X connection was killed or broke; the server is up */
	MONITOR_EXIT_REFUSED = 5, /* the server is up but refused the connection */
};

struct monitor_params {
	const char *display; /* ":0", or the Wayland socket's name */
	const char *user;    /* whose session; for hits */
	const struct agent_config *cfg;
	struct match_lists *lists; /* the monitor takes its own reference */
	hit_sink_fn sink;          /* hits are handed over here */
	void *userdata;
	/*
	 * Called before the monitor waits for events: the hits handed over so far are whole
	 * (every hit of a piece of text arrives before this call). May be NULL.
	 */
	void (*settled)(void *userdata);
	const char *lists_version; /* the version of lists */
	/* Called after the lists were reloaded (SIGHUP), with their version. May be NULL. */
	void (*lists_changed)(const char *version, void *userdata);
	/*
	 * Titles the session's monitors reported before (a monitor restarted after its
	 * connection was killed does not report them again), and the callback told of each
	 * title this one reports (its window and window_title_hash()). May be NULL.
	 */
	const struct window_seen *titles_seen;
	size_t ntitles_seen;
	void (*title_reported)(unsigned long window, uint64_t hash, void *userdata);
	/* Called once the display is watched (all stages set up). May be NULL. */
	void (*ready)(void *userdata);
	/* Called once, on the monitor's thread, when CLOCK_MONOTONIC reaches due_ms (ms). */
	int64_t due_ms; /* -1: never */
	void (*due)(void *userdata);
	/*
	 * Called on the monitor's thread when its X connection is lost, just before the
	 * process exits: the place to finish captures in hand. May be NULL.
	 */
	void (*lost)(void *userdata);
};

/* The sooner of two poll timeouts in ms (-1: none, so the other one). */
static inline int monitor_sooner(int a, int b)
{
	return a < 0 || (b >= 0 && b < a) ? b : a;
}

/* Milliseconds until p->due_ms (0 when past) at now_ms, as a poll timeout. */
static inline int monitor_due_in(const struct monitor_params *p, int64_t now_ms)
{
	int64_t d = p->due_ms - now_ms;

	return d < 0 ? 0 : d > 0x7fffffff ? 0x7fffffff : (int)d;
}
