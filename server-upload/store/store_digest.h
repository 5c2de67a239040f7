/* store_digest.h: what the Monday e-mail needs: a week's counts, recipients, the outbox. */
#pragma once

#include <stdint.h>

#include "store.h"

/*
 * Typed functions for the weekly summary e-mail (report/digest.c), written once on
 * store_ops.query for both back ends. Return 0 or -errno; never log. Row callbacks
 * return 0 to go on or a negative errno to stop (returned by the call); they must not
 * call the store (the connection is busy with the rows).
 */

/* Captures of one category and severity in a time range. */
typedef int (*store_count_fn)(const char *category, int severity, int64_t count, void *ud);
/* A school that is not revoked, and when it was added. */
typedef int (*store_school_fn)(int64_t school_id, const char *name, int64_t created_ms, void *ud);
/* An e-mail address. */
typedef int (*store_address_fn)(const char *address, void *ud);

/* Counts of school_id's captures with time in [start_ms, end_ms) by category and
 * severity, in category order: a capture counts under every category it has a hit in
 * (store_report_category_counts). */
int store_digest_counts(struct store *s, int64_t school_id, int64_t start_ms, int64_t end_ms,
                        store_count_fn fn, void *ud);

/* Every school that is not revoked, by name. */
int store_digest_schools(struct store *s, store_school_fn fn, void *ud);

/* The summary's recipients: the school's headteachers with an address and its alert
 * contacts, each address once. */
int store_digest_recipients(struct store *s, int64_t school_id, store_address_fn fn, void *ud);

/* Marks week as queued for school_id by the schedule: 0, or -EEXIST when it was already
 * (by this server or another sharing the database). */
int store_digest_claim(struct store *s, int64_t school_id, const char *week, int64_t now);

/* Puts an e-mail of week's summary to address in the alert outbox (kind "digest"), due
 * now; the alert worker sends it with retries and audit. */
int store_digest_enqueue(struct store *s, int64_t school_id, const char *week, const char *address,
                         int64_t now);

/* Sets (email NULL: clears) the e-mail address of web user login. 0, -ENOENT. */
int store_user_set_email(struct store *s, const char *login, const char *email);
