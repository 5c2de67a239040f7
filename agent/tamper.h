/* tamper.h: interruptions of a session's monitor, counted and timed, told as one report a burst. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TAMPER_HISTORY  256   /* restarts remembered for restarts_1h */
#define TAMPER_QUIET_MS 600   /* a burst is reported once monitoring held this long */
#define TAMPER_BURST_MS 60000 /* ... or at once when the burst is older than this */

enum tamper_cause {
	TAMPER_KILLED,  /* the X connection was killed (XKillClient, xkill) or broke; in a
	                 * Wayland session, the pupil-side helper was killed or stopped */
	TAMPER_CRASHED, /* the monitor died of a signal or failed */
	TAMPER_CAUSES,
};

/*
 * The monitoring history of one session, kept by the supervisor (times are
 * CLOCK_MONOTONIC milliseconds). A monitor process gets a copy when it starts, reports the
 * burst it inherited with tamper_context(), and the supervisor forgets what was reported.
 */
struct tamper {
	bool wayland;            /* a Wayland session: the words of a report say so */
	int lost[TAMPER_CAUSES]; /* interruptions not confirmed yet (see tamper_up) */
	int64_t lost_first_ms;
	int burst[TAMPER_CAUSES];         /* interruptions not reported yet, by cause */
	int64_t burst_first_ms;           /* the first of them */
	int64_t burst_last_ms;            /* the latest */
	int64_t longest_gap_ms;           /* of the burst */
	int64_t restarts[TAMPER_HISTORY]; /* ring of restart times */
	size_t nrestarts;                 /* ever */
	int64_t down_ms;                  /* monitoring lost at; 0 while watched or never up */
	int64_t last_gap_ms;              /* the latest gap; -1 when none */
	bool up;                          /* a monitor is watching */
	bool cookie_told; /* a refused X authority file was reported (until a good one) */
};

/* A history for a session; wayland: a Wayland one (for the words of its reports). */
void tamper_init(struct tamper *t, bool wayland);

/*
 * A monitor stopped at now. When counts is true it is an interruption, confirmed when a
 * monitor watches again (an X server that is ending also closes our connections first).
 */
void tamper_lost(struct tamper *t, enum tamper_cause cause, bool counts, int64_t now);

/* The display went away: interruptions not confirmed yet are forgotten. */
void tamper_gone(struct tamper *t);

/* A monitor is watching again at now: ends the gap, confirms the interruptions. */
void tamper_up(struct tamper *t, int64_t now);

/* Interruptions not reported yet. */
int tamper_pending(const struct tamper *t);

/*
 * When the monitor that holds this copy should report its pending burst (interruptions
 * not confirmed yet included: its own start confirms them): started + the quiet time, or
 * started for an old burst. -1 when nothing is pending.
 */
int64_t tamper_report_due(const struct tamper *t, int64_t started_ms);

/* The pending burst was reported (count from the reporter's copy). */
void tamper_reported(struct tamper *t, int count);

/* Restarts in the hour before now. */
int tamper_restarts_1h(const struct tamper *t, int64_t now);

/* "X connection killed 3 times in 12 s; longest gap 0.4 s" for the pending burst. */
void tamper_context(const struct tamper *t, char *out, size_t len);

/* The cause a burst is mostly made of, for the record's "matched". */
const char *tamper_cause_name(const struct tamper *t);
