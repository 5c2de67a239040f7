/* audit.h: the audit log writer: who viewed or decided what, and what the server did alone. */
#pragma once

#include <stdint.h>

struct store;

/*
 * Appends a row to the audit log at the current time (school_id 0: none; capture_id
 * NULL: none; detail NULL is ""). Returns 0 or the store's -errno, which is logged here
 * once, so callers that go on regardless need not log it again.
 */
int audit_record(struct store *s, const char *login, int64_t school_id, const char *action,
                 const char *capture_id, const char *detail);

/* An audit row as the audit page lists it. */
struct audit_entry {
	int64_t time_ms;
	const char *login, *school, *action, *detail; /* school "" when none */
	const char *capture_id;                       /* NULL when none */
};
typedef int (*audit_entry_fn)(const struct audit_entry *e, void *userdata);

/* The newest limit rows, newest first, of school_id (0: every school; a school also sees
 * the changes of the shared phrase lists, which affect every school) and, when
 * capture_id is not "", of that capture only. 0, what fn returned, or -errno. */
int audit_list(struct store *s, int64_t school_id, const char *capture_id, int64_t limit,
               audit_entry_fn fn, void *ud);
