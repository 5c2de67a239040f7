/* store_alerts.h: the alert outbox, its acknowledgement and escalation, offline alarms, and
 * each school's alert settings. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "store.h"

/*
 * Written once on store_ops.query for both back ends; functions return 0, what a
 * callback returned, or -errno, and never log. Rows handed to a callback are valid
 * during the call only, and a callback must not call the store (copy, then act).
 */

/* --- the outbox ---------------------------------------------------------------------- */

/* A row of the outbox due for sending, with what its message says. */
struct store_alert_due {
	int64_t id, school_id, attempts, severity, time_ms;
	const char *kind, *channel, *target, *school;
	const char *capture_id, *category, *machine; /* NULL for a digest */
	const char *secret_file;                     /* NULL: no webhook secret */
	const char *week;                            /* kind "digest" only, else NULL */
	const char *detail;                          /* kind "unmonitored": the session */
	int64_t threshold; /* the school's alert threshold (5 without settings) */
};
typedef int (*store_alert_due_fn)(const struct store_alert_due *a, void *userdata);

/* Up to limit rows pending with next_try <= now_ms, or claimed before reclaim_ms by a
 * sender that never finished; oldest first. */
int store_alerts_due(struct store *s, int64_t now_ms, int64_t reclaim_ms, int64_t limit,
                     store_alert_due_fn fn, void *ud);

/* Claims row id for sending (one sender even when several look at once): *claimed is
 * true when this call took it. Counts the attempt. */
int store_alert_claim(struct store *s, int64_t id, int64_t now_ms, int64_t reclaim_ms,
                      bool *claimed);

/* Stores the hash of the one-click acknowledgement secret of row id's message. */
int store_alert_ack_token(struct store *s, int64_t id, const char *token_hash);

int store_alert_sent(struct store *s, int64_t id, int64_t now_ms);
/* A failed attempt: tried again at next_try_ms, or (next_try_ms 0) given up. */
int store_alert_failed(struct store *s, int64_t id, const char *error, int64_t next_try_ms);

/* --- acknowledgement ----------------------------------------------------------------- */

/* Acknowledges every unacknowledged alert of a capture; *changes gets how many. */
int store_alerts_ack(struct store *s, const char *capture_id, const char *by, int64_t now_ms,
                     int64_t *changes);

/* The alert a one-click link names (id and the hash of its secret). */
struct store_alert_link {
	char capture_id[64], target[256];
	int64_t school_id;
	bool acked;
};
/* 0, -ENOENT (no alert of that id with that secret), -errno. */
int store_alert_by_token(struct store *s, int64_t id, const char *token_hash,
                         struct store_alert_link *out);

/* --- escalation ---------------------------------------------------------------------- */

/* A capture whose e-mail alerts since since_ms are all unacknowledged and not yet with the
 * moderators: level is how many escalations it has had. */
struct store_escalation {
	const char *capture_id;
	int64_t school_id, last_created_ms, level;
	int64_t ack_minutes, hours_start, hours_end; /* the school's settings */
};
typedef int (*store_escalation_fn)(const struct store_escalation *e, void *userdata);
int store_escalations(struct store *s, int64_t since_ms, store_escalation_fn fn, void *ud);

/* The school's escalation contact at position level (malloc'd), or *address NULL. */
int store_escalation_contact(struct store *s, int64_t school_id, int64_t level, char **address);

/* Queues an escalation e-mail about the capture to target. */
int store_alert_escalate(struct store *s, const char *capture_id, int64_t school_id,
                         const char *target, int64_t now_ms);

/* Every contact was tried: marks the capture's alerts escalated and notes in its history
 * that the moderators carry it from here. */
int store_alert_to_moderators(struct store *s, const char *capture_id, int64_t now_ms);

/* --- offline alarms ------------------------------------------------------------------ */

/* A machine: with an alarm heard from since (store_alarms_cleared), or silent since
 * before some time with no alarm yet (store_machines_silent). */
struct store_silent_machine {
	int64_t machine_id, school_id, last_seen_ms;
	const char *machine;
	const char *technician;         /* silent only */
	int64_t hours_start, hours_end; /* silent only */
};
typedef int (*store_silent_fn)(const struct store_silent_machine *m, void *userdata);

int store_alarms_cleared(struct store *s, store_silent_fn fn, void *ud);
int store_alarm_clear(struct store *s, int64_t machine_id);

/* Live machines of live schools with a technician set, last heard from before
 * before_ms, without an alarm. */
int store_machines_silent(struct store *s, int64_t before_ms, store_silent_fn fn, void *ud);

/* Raises the alarm of machine (-EEXIST when another pass raised it first: then nothing
 * is sent) and queues the e-mail to the technician. */
int store_alarm_raise(struct store *s, const struct store_silent_machine *m, int64_t now_ms);

/* --- settings ------------------------------------------------------------------------ */

struct store_alert_settings {
	int64_t threshold, hours_start, hours_end, ack_minutes;
	const char *webhook, *secret_file, *technician; /* NULL: none */
	const char *const *contacts, *const *escalate;
	int ncontacts, nescalate;
};

/* Replaces the school's settings and contacts (one statement at a time: the command line
 * is the only writer of these tables). */
int store_alert_settings_replace(struct store *s, int64_t school_id,
                                 const struct store_alert_settings *st);

/* After store_alert_settings_replace: captures of current pupils with one of flags
 * ("CLA;CP", roster flags) alert from threshold (1..5; 0: no such rule). */
int store_alert_flag_threshold_set(struct store *s, int64_t school_id, int64_t threshold,
                                   const char *flags);
