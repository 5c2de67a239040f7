/* store_health.h: machines' reported sessions and the technician's unmonitored-session alarms. */
#pragma once

#include <stdint.h>

#include "store.h"

/*
 * Typed reads and writes for the unmonitored-session alarm (alerts), written once on
 * store_ops.query in the dialect both back ends share. Rows are valid during the
 * callback only; a callback returns 0 to go on or a negative errno to stop. Functions
 * return 0 or -errno and never log.
 */

/* A live machine of a school with a technician address, and its latest sessions. */
struct store_health_machine {
	int64_t machine_id, school_id;
	const char *machine, *technician;
	const char *sessions; /* JSON array, or NULL */
};
typedef int (*store_health_machine_fn)(const struct store_health_machine *m, void *userdata);

int store_health_machines(struct store *s, store_health_machine_fn fn, void *userdata);

/* A raised alarm: machine and the session id it is about. */
struct store_session_alarm {
	int64_t machine_id, school_id;
	const char *machine, *session;
};
typedef int (*store_session_alarm_fn)(const struct store_session_alarm *a, void *userdata);

int store_session_alarms(struct store *s, store_session_alarm_fn fn, void *userdata);

/*
 * Raises the alarm for (machine, session): the alarm row first (so that a second pass or
 * server sends nothing: -EEXIST), then one 'unmonitored' e-mail to technician in the
 * outbox carrying detail.
 */
int store_session_alarm_raise(struct store *s, int64_t machine_id, int64_t school_id,
                              const char *session, const char *technician, const char *detail,
                              int64_t now_ms);

/* Clears the alarm for (machine, session). -ENOENT when there was none. */
int store_session_alarm_clear(struct store *s, int64_t machine_id, const char *session);
