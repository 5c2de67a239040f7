/* store_moderation.h: what moderators read: the queue, a pupil's captures, decisions. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

/*
 * Typed reads for the moderation pages (queue, pupil timeline, case record), written
 * once on store_ops.query in the dialect both back ends share. Rows are handed to a
 * callback and valid during the call only; a callback returns 0 to go on or a negative
 * errno to stop (returned by the call) and must not call the store (the connection is
 * busy with the rows). Functions return 0 or -errno and never log.
 */

/* One capture as lists show it. record is the stored JSON without screenshot data. */
struct store_capture_brief {
	const char *id, *school, *machine, *user, *category, *source, *status;
	const char *status_by; /* "" when undecided */
	const char *image_sha256, *record;
	int64_t school_id, time_ms, status_time_ms, received_ms;
	int severity;
	bool image_hidden;
	/* The pupil's roster entry (store_roster.h): all "" when the roster does not know
	 * the user; pupil_current false then, and for a leaver. */
	const char *given_name, *family_name, *preferred_name, *year_group, *reg_group, *flags;
	bool on_roster, pupil_current;
	/* Who has it ("" nobody) and whether its case is closed (store_cases.h). */
	const char *assignee;
	bool closed;
};
typedef int (*store_brief_fn)(const struct store_capture_brief *c, void *userdata);

/* A decision or note on a capture (capture_events). */
struct store_capture_event {
	const char *capture_id, *login, *action, *text;
	int64_t time_ms;
};
typedef int (*store_event_fn)(const struct store_capture_event *e, void *userdata);

/* The queue's filters; NULL/0/"" fields do not filter. All text matches ignore case
 * (SQLite folds ASCII letters only). category and severity (at least) match a capture
 * whose reason or any one hit has both; school is the school's name; user is in the
 * login, or starts a name the roster has for the pupil (given, preferred, family, or
 * "given family"); machine is in the machine's name; q's terms (split at spaces, "a
 * phrase" in quotes is one) are each in the capture's words: its context and every hit's
 * matched words and own context. */
#define STORE_QUEUE_MAX_TERMS 8   /* terms of q */
#define STORE_QUEUE_MAX_TERM  200 /* bytes of a term, of user and of machine */
struct store_queue_filter {
	int64_t school_id; /* the user's scope */
	const char *school, *category, *status, *user, *machine, *q;
	const char *year_group; /* the pupil's, as on the roster (case-insensitive) */
	const char *flag;       /* a roster flag the pupil has ("CLA") */
	int severity;           /* 1..5: at least */
	int64_t from_ms, to_ms; /* time in [from, to) when > 0 */
	int64_t offset, limit;
};

/* The id of the school called name: 0, -ENOENT. *id untouched on error. */
int store_school_lookup(struct store *s, const char *name, int64_t *id);

/* The queue: matching captures by severity (highest first), then oldest first. */
int store_queue_list(struct store *s, const struct store_queue_filter *f, store_brief_fn fn,
                     void *ud);

/* How many captures the queue's filters match (offset and limit aside): 0 and *n, -E2BIG
 * (a filter too long, too many terms), -errno. *n untouched on error. */
int store_queue_count(struct store *s, const struct store_queue_filter *f, int64_t *n);

/* One capture by id (fn called once, or not at all when there is none). */
int store_capture_brief_get(struct store *s, const char *id, store_brief_fn fn, void *ud);

/* Every capture of user at school_id, newest first, at most limit. */
int store_pupil_captures(struct store *s, int64_t school_id, const char *user, int64_t limit,
                         store_brief_fn fn, void *ud);

/* The decisions and notes on the captures of user at school_id, newest first. */
int store_pupil_events(struct store *s, int64_t school_id, const char *user, store_event_fn fn,
                       void *ud);

/* The decisions and notes on one capture, oldest first. */
int store_capture_events(struct store *s, const char *capture_id, store_event_fn fn, void *ud);

/* A capture id as text, NUL-terminated (a UUID: 36 characters). */
#define STORE_ID_BUF 40

/* The next (dir > 0) or previous new capture in queue order from (severity, time_ms), in
 * school_id (0: every school); out is "" when there is none. */
int store_queue_neighbour(struct store *s, int64_t school_id, int severity, int64_t time_ms,
                          int dir, char out[STORE_ID_BUF]);

/* An alert sent about a capture (alerts.h): who, how, and whether acknowledged. */
struct store_capture_alert {
	const char *target, *channel, *status, *last_error, *acked_by;
	int64_t attempts, sent_ms, acked_ms; /* sent_ms, acked_ms 0: not yet */
};
typedef int (*store_capture_alert_fn)(const struct store_capture_alert *a, void *userdata);

/* The alerts of one capture, in the order they were raised. */
int store_capture_alerts(struct store *s, const char *capture_id, store_capture_alert_fn fn,
                         void *ud);

/*
 * Records a decision on capture id by login at now_ms: status ("concern", "escalated",
 * "false-positive"; NULL for a note or hide-image) with its time and who, the first
 * decision time, the hiding of every capture sharing the image for action "hide-image",
 * and the history row (action, text). 0 or -errno.
 */
int store_capture_decide(struct store *s, const char *id, const char *action, const char *status,
                         const char *login, int64_t now_ms, const char *text);

/* The names of the schools in scope (school_id 0: every school), in name order. */
typedef int (*store_name_fn)(const char *name, void *userdata);
int store_schools_list(struct store *s, int64_t school_id, store_name_fn fn, void *ud);
/* The categories (lower case) of the captures and hits of school_id (0: every school), in
 * name order: the queue's choice of category. */
int store_queue_categories(struct store *s, int64_t school_id, store_name_fn fn, void *ud);

/* The captures of school_id (0: every school) counted by their reason's rule ("FILE:LINE")
 * and phrase: how many, how many false positives and how many concerns (escalated
 * included). What the phrase-list page counts per rule. */
struct store_reason_count {
	const char *rule, *phrase; /* "" when the record had none */
	int64_t captures, false_positives, concerns;
};
typedef int (*store_reason_fn)(const struct store_reason_count *c, void *userdata);
int store_reason_counts(struct store *s, int64_t school_id, store_reason_fn fn, void *ud);

/* The decisions and notes on the confirmed or escalated concerns of school_id captured in
 * [from_ms, to_ms) (the weekly report), by capture id, oldest first. */
int store_concern_events(struct store *s, int64_t school_id, int64_t from_ms, int64_t to_ms,
                         store_event_fn fn, void *ud);

/* A further screenshot of a capture ("frames"[seq] of its record): its PNG is in the image
 * store under sha256, read like the screenshot's (blobs_get). */
struct store_frame {
	const char *capture_id, *sha256;
	int64_t seq, time_ms;
	int width, height;
};
typedef int (*store_frame_fn)(const struct store_frame *f, void *userdata);

/* The frames of capture id, in order (none for a capture without). */
int store_capture_frames(struct store *s, const char *capture_id, store_frame_fn fn, void *ud);
