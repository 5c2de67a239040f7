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
