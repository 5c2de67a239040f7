/* store_alarms.h: machines that need a technician: an open offline alarm, recent tamper captures.
 */
#pragma once

#include <stdint.h>

#include "store.h"

struct store_machine_alarm {
	const char *school, *machine;
	int64_t offline_raised_ms; /* 0: no open offline alarm */
	int64_t tamper_count;      /* tamper captures at or after the given time */
	int64_t tamper_last_ms;    /* 0: none */
};
/* Returns 0 to go on or a negative errno to stop; must not call the store. */
typedef int (*store_alarm_fn)(const struct store_machine_alarm *a, void *userdata);

/* The machines of school_id (0: every school) with an open offline alarm or a tamper
 * capture at or after since_ms, by school and name. 0 or -errno; never logs. */
int store_machine_alarms(struct store *s, int64_t school_id, int64_t since_ms, store_alarm_fn fn,
                         void *ud);
