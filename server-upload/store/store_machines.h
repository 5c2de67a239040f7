/* store_machines.h: machines let back in after a revoke, and machines enrolled again. */
#pragma once

#include <stdint.h>

#include "store.h"

/*
 * Written once on store_ops.query for both back ends; functions return 0 or -errno and
 * never log.
 */

/* Lets a revoked machine enrol (and its last token work) again. school NULL: any school
 * (-EEXIST when the name is in several). -ENOENT when there is no such machine. */
int store_machine_allow(struct store *s, const char *school, const char *machine);

/* A machine whose token was replaced by enrolling again with the school key. */
struct store_machine_replaced {
	const char *school, *machine;
	int64_t count, last_ms;
};
typedef int (*store_replaced_fn)(const struct store_machine_replaced *m, void *userdata);

/* Machines of school_id (0: every school) whose token was replaced at or after since_ms,
 * most recent first. */
int store_machines_replaced(struct store *s, int64_t school_id, int64_t since_ms,
                            store_replaced_fn fn, void *ud);
