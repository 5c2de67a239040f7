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
#include "parse.h"
#include "server.h"

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

struct row {
	char *c[8];
};

struct rows {
	struct row v[MAX_ROWS];
	size_t n;
	int ncols;
};

static int collect(const char *const *c, int n, void *ud)
{
	struct rows *r = ud;

	if (n != r->ncols || r->n >= MAX_ROWS || n > 8)
		return 0;
	for (int i = 0; i < n; i++)
		r->v[r->n].c[i] = c[i] ? strdup(c[i]) : NULL;
	r->n++;
	return 0;
}

static void rows_free(struct rows *r)
{
	for (size_t i = 0; i < r->n; i++)
		for (int k = 0; k < r->ncols; k++)
			free(r->v[i].c[k]);
	r->n = 0;
}

static int64_t num(const char *s)
{
	int64_t v = 0;

	if (s)
		parse_int64(s, INT64_MIN, INT64_MAX, &v);
	return v;
}

static int first_text(const char *const *c, int n, void *ud)
{
	char **out = ud;

	if (n >= 1 && c[0] && !*out)
		*out = strdup(c[0]);
	return 0;
}

/* Captures whose e-mail alerts are all unacknowledged and not yet with the moderators. */
int alerts_escalate(struct server *srv, int64_t now)
{
	struct store *st = srv->store;
	struct rows r = {.ncols = 7};
	struct store_param p[5];
	int rc;

	p[0] = (struct store_param){.i = now - 7 * 86400000LL, .is_int = true};
	rc = st->ops->query(st,
	                    "SELECT a.capture_id, a.school_id, max(a.created), "
	                    "sum(CASE WHEN a.kind = 'escalation' THEN 1 ELSE 0 END), "
	                    "s.ack_minutes, s.hours_start, s.hours_end FROM alerts a "
	                    "JOIN alert_settings s ON s.school_id = a.school_id "
	                    "WHERE a.channel = 'email' AND a.capture_id IS NOT NULL "
	                    "AND a.created > CAST($1 AS BIGINT) "
	                    "GROUP BY a.capture_id, a.school_id, s.ack_minutes, s.hours_start, "
	                    "s.hours_end HAVING count(a.acked) = 0 AND max(a.escalated) = 0",
	                    p, 1, collect, &r, NULL);
	for (size_t i = 0; rc == 0 && i < r.n; i++) {
		char **c = r.v[i].c, detail[320];
		int64_t school = num(c[1]), last = num(c[2]), level = num(c[3]);
		char *next = NULL;

		if (now - last < num(c[4]) * 60000 || !alerts_in_hours(now, num(c[5]), num(c[6])))
			continue;
		p[0] = (struct store_param){.i = school, .is_int = true};
		p[1] = (struct store_param){.i = level, .is_int = true};
		st->ops->query(st,
		               "SELECT address FROM alert_contacts WHERE school_id = CAST($1 AS "
		               "BIGINT) AND kind = 'escalate' ORDER BY position LIMIT 1 OFFSET "
		               "CAST($2 AS BIGINT)",
		               p, 2, first_text, &next, NULL);
		p[0] = (struct store_param){.text = c[0]};
		p[1] = (struct store_param){.i = school, .is_int = true};
		p[2] = (struct store_param){.text = next};
		p[3] = (struct store_param){.i = now, .is_int = true};
		if (next) {
			rc = st->ops->query(
			    st,
			    "INSERT INTO alerts (capture_id, school_id, kind, channel, "
			    "target, next_try, created) VALUES ($1, CAST($2 AS BIGINT), "
			    "'escalation', 'email', $3, CAST($4 AS BIGINT), "
			    "CAST($4 AS BIGINT))",
			    p, 4, NULL, NULL, NULL);
			snprintf(detail, sizeof(detail), "unacknowledged: escalated to %s", next);
		} else {
			/* Every contact was tried: the moderators' queue carries it from here. */
			struct store_param q[2] = {{.text = c[0]}, {.i = now, .is_int = true}};
			rc = st->ops->query(st,
			                    "UPDATE alerts SET escalated = 1 WHERE capture_id = $1",
			                    q, 1, NULL, NULL, NULL);
			if (rc == 0)
				rc = st->ops->query(
				    st,
				    "INSERT INTO capture_events (capture_id, time, login, "
				    "action, text) VALUES ($1, CAST($2 AS BIGINT), "
				    "'system', 'note', 'Alert unacknowledged by every "
				    "contact: escalated to the moderators')",
				    q, 2, NULL, NULL, NULL);
			snprintf(detail, sizeof(detail),
			         "unacknowledged: escalated to the moderators");
		}
		if (rc == 0) {
			audit_record(srv->store, "system", school, "alert-escalated", c[0], detail);
			log_warning("alert for capture %s %s", c[0], detail);
		}
		free(next);
	}
	rows_free(&r);
	return rc;
}

/* Raises one alarm per silent machine in school hours; clears it when heartbeats return. */
int alerts_offline(struct server *srv, int64_t now)
{
	struct store *st = srv->store;
	struct rows r = {.ncols = 7};
	struct store_param p[4];
	int rc;

	/* Cleared: heard from since the alarm. */
	r.ncols = 3;
	rc = st->ops->query(st,
	                    "SELECT a.machine_id, m.school_id, m.name FROM machine_alarms a "
	                    "JOIN machines m ON m.id = a.machine_id WHERE m.last_seen > a.seen",
	                    NULL, 0, collect, &r, NULL);
	for (size_t i = 0; rc == 0 && i < r.n; i++) {
		char detail[200];
		p[0] = (struct store_param){.i = num(r.v[i].c[0]), .is_int = true};
		if (st->ops->query(
		        st, "DELETE FROM machine_alarms WHERE machine_id = CAST($1 AS BIGINT)", p,
		        1, NULL, NULL, NULL) == 0) {
			snprintf(detail, sizeof(detail), "%s: heartbeats again", r.v[i].c[2]);
			audit_record(srv->store, "system", num(r.v[i].c[1]), "offline-cleared",
			             NULL, detail);
		}
	}
	rows_free(&r);
	if (rc < 0)
		return rc;
	r.ncols = 7;
	p[0] = (struct store_param){.i = now - (int64_t)srv->cfg->offline_alarm * 1000,
	                            .is_int = true};
	rc = st->ops->query(
	    st,
	    "SELECT m.id, m.school_id, m.name, s.technician, s.hours_start, "
	    "s.hours_end, m.last_seen FROM machines m JOIN alert_settings s ON s.school_id = "
	    "m.school_id JOIN schools sc ON sc.id = m.school_id "
	    "WHERE s.technician IS NOT NULL AND NOT m.revoked AND NOT sc.revoked "
	    "AND m.last_seen IS NOT NULL AND m.last_seen < CAST($1 AS BIGINT) "
	    "AND NOT EXISTS (SELECT 1 FROM machine_alarms a WHERE a.machine_id = "
	    "m.id)",
	    p, 1, collect, &r, NULL);
	for (size_t i = 0; rc == 0 && i < r.n; i++) {
		char **c = r.v[i].c, detail[200];
		if (!alerts_in_hours(now, num(c[4]), num(c[5])))
			continue; /* outside school hours silence is normal */
		p[0] = (struct store_param){.i = num(c[0]), .is_int = true};
		p[1] = (struct store_param){.i = now, .is_int = true};
		p[2] = (struct store_param){.i = num(c[1]), .is_int = true};
		p[3] = (struct store_param){.text = c[3]};
		struct store_param q[3] = {p[0], p[1], {.i = num(c[6]), .is_int = true}};
		/* The alarm row first: a second pass (or server) finds it and sends nothing. */
		rc = st->ops->query(st,
		                    "INSERT INTO machine_alarms (machine_id, raised, seen) VALUES "
		                    "(CAST($1 AS BIGINT), CAST($2 AS BIGINT), CAST($3 AS BIGINT))",
		                    q, 3, NULL, NULL, NULL);
		if (rc == -EEXIST) {
			rc = 0;
			continue;
		}
		if (rc == 0)
			rc = st->ops->query(
			    st,
			    "INSERT INTO alerts (machine_id, school_id, kind, channel, "
			    "target, next_try, created) VALUES (CAST($1 AS BIGINT), "
			    "CAST($3 AS BIGINT), 'offline', 'email', $4, "
			    "CAST($2 AS BIGINT), CAST($2 AS BIGINT))",
			    p, 4, NULL, NULL, NULL);
		if (rc == 0) {
			snprintf(detail, sizeof(detail), "%s silent in school hours: %s told", c[2],
			         c[3]);
			audit_record(srv->store, "system", num(c[1]), "offline-alarm", NULL,
			             detail);
		}
	}
	rows_free(&r);
	return rc;
}
