/* monitor.h: one X display watched: its connections, event loop and the detection stages. */
#pragma once

#include "config.h"
#include "hit.h"
#include "match.h"
#include "window.h"

/* Exit statuses of a monitor (it runs in a process of its own). */
enum monitor_exit {
	MONITOR_EXIT_STOPPED = 0, /* SIGTERM/SIGINT */
	MONITOR_EXIT_FAILED = 1,  /* could not set up (logged) */
	MONITOR_EXIT_GONE = 3,    /* the display could not be opened or went away */
	MONITOR_EXIT_KILLED = 4,  /* an X connection was killed or broke; the server is up */
	MONITOR_EXIT_REFUSED = 5, /* the server is up but refused the connection */
};

struct monitor_params {
	const char *display; /* ":0" */
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

/*
 * Monitors p->display until SIGTERM/SIGINT (pending phrases are reported first) or
 * until the display goes away. SIGHUP reloads the phrase lists (phrases_load_config()).
 * With cfg->inject (a test aid), lines from that FIFO are scanned as typed text.
 * A lost connection ends the process at once with MONITOR_EXIT_KILLED when the X server
 * still accepts connections (someone killed ours), MONITOR_EXIT_GONE when it does not.
 * Returns an enum monitor_exit value. Installs process-wide X error handlers and blocks
 * SIGTERM, SIGINT and SIGHUP (read through a signalfd): meant for a process of its own.
 */
int monitor_run(const struct monitor_params *p);
