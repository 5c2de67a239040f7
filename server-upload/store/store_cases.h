/* store_cases.h: who has a capture and how its case ended: assignee, outcome, closing. */
#pragma once

#include <stdint.h>

#include "store.h"

/*
 * A capture's case beside its status (migration 0017): the staff member who has it, and
 * once closed the outcome, a note, who closed it and when. Written once on
 * store_ops.query for both back ends; functions return 0 or -errno and never log. The
 * history row and the audit entry of each change are the caller's (store_capture_decide,
 * audit_record), like a decision's.
 */
#define STORE_CASE_LOGIN 128
#define STORE_CASE_NOTE  4001 /* a note of up to 4000 bytes, as the page accepts */

struct store_case {
	char assignee[STORE_CASE_LOGIN], assigned_by[STORE_CASE_LOGIN]; /* "": nobody */
	char outcome[40];                                               /* "": none yet */
	char note[STORE_CASE_NOTE];
	char closed_by[STORE_CASE_LOGIN];
	int64_t assigned_ms, closed_ms; /* 0: not assigned, open */
};

/* The case of capture id into *out: 0, -ENOENT (no such capture). *out untouched on error. */
int store_case_get(struct store *s, const char *id, struct store_case *out);

/* Gives capture id to assignee ("" or NULL: nobody), by login at now_ms. 0, -ENOENT,
 * -EALREADY (the capture is closed: reopen it first). */
int store_case_assign(struct store *s, const char *id, const char *assignee, const char *login,
                      int64_t now_ms);

/* Closes capture id with outcome (a key of outcome.h, checked by the caller) and note,
 * by login at now_ms. 0, -ENOENT, -EALREADY (closed already). */
int store_case_close(struct store *s, const char *id, const char *outcome, const char *note,
                     const char *login, int64_t now_ms);

/* Opens a closed capture again (its last outcome stays, for the record). 0, -ENOENT,
 * -EALREADY (it is open). */
int store_case_reopen(struct store *s, const char *id);

/* The enabled users who may have a capture of school_id, by login: moderators of every
 * school or of that one, and its headteachers. */
typedef int (*store_login_fn)(const char *login, void *userdata);
int store_case_assignable(struct store *s, int64_t school_id, store_login_fn fn, void *ud);
/* 0 when login is one of them, -ENOENT when not. */
int store_case_may_have(struct store *s, int64_t school_id, const char *login);

/* The captures of school_id closed in [from_ms, to_ms) counted by outcome, in key order. */
typedef int (*store_outcome_count_fn)(const char *outcome, int64_t count, void *userdata);
int store_case_outcome_counts(struct store *s, int64_t school_id, int64_t from_ms, int64_t to_ms,
                              store_outcome_count_fn fn, void *ud);
