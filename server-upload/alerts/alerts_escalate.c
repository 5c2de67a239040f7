/* alerts_escalate.c: unacknowledged alerts escalate (next contact, then the moderators);
 * machines silent in school hours raise one offline alarm to the technician. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alerts.h"
#include "audit.h"
#include "log.h"
#include "server.h"
#include "store_alerts.h"

#define MAX_ROWS 64

int alerts_in_hours(int64_t now, int64_t start_min, int64_t end_min)
{
	time_t t = (time_t)(now / 1000);
	struct tm tm;
	int64_t m;

	if (!localtime_r(&t, &tm) || tm.tm_wday == 0 || tm.tm_wday == 6)
		return 0;
	m = tm.tm_hour * 60 + tm.tm_min;
	return m >= start_min && m < end_min;
}

/* Rows are copied out of the store's callbacks, then acted on (a callback may not call
 * the store). */
struct escalations {
	struct store_escalation v[MAX_ROWS];
	size_t n;
};

static int collect_escalation(const struct store_escalation *e, void *ud)
{
	struct escalations *l = ud;
	struct store_escalation *d;

	if (l->n >= MAX_ROWS)
		return 0;
	d = &l->v[l->n];
	*d = *e;
	if (!(d->capture_id = strdup(e->capture_id)))
		return -ENOMEM;
	l->n++;
	return 0;
}

struct machines {
	struct store_silent_machine v[MAX_ROWS];
	size_t n;
};

static int collect_machine(const struct store_silent_machine *m, void *ud)
{
	struct machines *l = ud;
	struct store_silent_machine *d;

	if (l->n >= MAX_ROWS)
		return 0;
	d = &l->v[l->n];
	*d = *m;
	d->machine = strdup(m->machine);
	d->technician = strdup(m->technician);
	if (!d->machine || !d->technician) {
		free((char *)d->machine);
		free((char *)d->technician);
		return -ENOMEM;
	}
	l->n++;
	return 0;
}

static void machines_free(struct machines *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free((char *)l->v[i].machine);
		free((char *)l->v[i].technician);
	}
	l->n = 0;
}

/* Captures whose e-mail alerts are all unacknowledged and not yet with the moderators. */
int alerts_escalate(struct server *srv, int64_t now)
{
	struct store *st = srv->store;
	struct escalations *l = calloc(1, sizeof(*l));
	int rc;

	if (!l)
		return -ENOMEM;
	rc = store_escalations(st, now - 7 * 86400000LL, collect_escalation, l);
	for (size_t i = 0; rc == 0 && i < l->n; i++) {
		const struct store_escalation *e = &l->v[i];
		char detail[320], *next = NULL;

		if (now - e->last_created_ms < e->ack_minutes * 60000 ||
		    !alerts_in_hours(now, e->hours_start, e->hours_end))
			continue;
		rc = store_escalation_contact(st, e->school_id, e->level, &next);
		if (rc == 0 && next) {
			rc = store_alert_escalate(st, e->capture_id, e->school_id, next, now);
			snprintf(detail, sizeof(detail), "unacknowledged: escalated to %s", next);
		} else if (rc == 0) {
			/* Every contact was tried: the moderators' queue carries it from here. */
			rc = store_alert_to_moderators(st, e->capture_id, now);
			snprintf(detail, sizeof(detail),
			         "unacknowledged: escalated to the moderators");
		}
		if (rc == 0) {
			audit_record(st, "system", e->school_id, "alert-escalated", e->capture_id,
			             detail);
			log_warning("alert for capture %s %s", e->capture_id, detail);
		}
		free(next);
	}
	for (size_t i = 0; i < l->n; i++)
		free((char *)l->v[i].capture_id);
	free(l);
	return rc;
}

/* Raises one alarm per silent machine in school hours; clears it when heartbeats return. */
int alerts_offline(struct server *srv, int64_t now)
{
	struct store *st = srv->store;
	struct machines *l = calloc(1, sizeof(*l));
	char detail[200];
	int rc;

	if (!l)
		return -ENOMEM;
	/* Cleared: heard from since the alarm. */
	rc = store_alarms_cleared(st, collect_machine, l);
	for (size_t i = 0; rc == 0 && i < l->n; i++) {
		const struct store_silent_machine *m = &l->v[i];
		if (store_alarm_clear(st, m->machine_id) == 0) {
			snprintf(detail, sizeof(detail), "%s: heartbeats again", m->machine);
			audit_record(st, "system", m->school_id, "offline-cleared", NULL, detail);
		}
	}
	machines_free(l);
	if (rc == 0)
		rc = store_machines_silent(st, now - (int64_t)srv->cfg->offline_alarm * 1000,
		                           collect_machine, l);
	for (size_t i = 0; rc == 0 && i < l->n; i++) {
		const struct store_silent_machine *m = &l->v[i];
		if (!alerts_in_hours(now, m->hours_start, m->hours_end))
			continue; /* outside school hours silence is normal */
		rc = store_alarm_raise(st, m, now);
		if (rc == -EEXIST) {
			rc = 0;
			continue;
		}
		if (rc == 0) {
			snprintf(detail, sizeof(detail), "%s silent in school hours: %s told",
			         m->machine, m->technician);
			audit_record(st, "system", m->school_id, "offline-alarm", NULL, detail);
		}
	}
	machines_free(l);
	free(l);
	return rc;
}
