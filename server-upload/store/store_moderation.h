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
 * errno to stop (returned by the call). Functions return 0 or -errno and never log.
 */

/* One capture as lists show it. record is the stored JSON without screenshot data. */
struct store_capture_brief {
	const char *id, *school, *machine, *user, *category, *source, *status;
	const char *status_by; /* "" when undecided */
	const char *image_sha256, *record;
	int64_t school_id, time_ms, status_time_ms;
	int severity;
	bool image_hidden;
};
typedef int (*store_brief_fn)(const struct store_capture_brief *c, void *userdata);

/* A decision or note on a capture (capture_events). */
struct store_capture_event {
	const char *capture_id, *login, *action, *text;
	int64_t time_ms;
};
typedef int (*store_event_fn)(const struct store_capture_event *e, void *userdata);

/* The queue's filters; NULL/0 fields do not filter. */
struct store_queue_filter {
	int64_t school_id; /* the user's scope */
	const char *school, *category, *status, *user, *machine;
	int severity;           /* 1..5 */
	int64_t from_ms, to_ms; /* time in [from, to) when > 0 */
	int64_t offset, limit;
};

/* The id of the school called name: 0, -ENOENT. *id untouched on error. */
int store_school_lookup(struct store *s, const char *name, int64_t *id);

/* The queue: matching captures by severity (highest first), then oldest first. */
int store_queue_list(struct store *s, const struct store_queue_filter *f, store_brief_fn fn,
                     void *ud);

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
