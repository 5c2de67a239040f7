/* store_alerts.c: the alert outbox, its acknowledgement and escalation, offline alarms, and
 * each school's alert settings. */
#include "store_alerts.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_rows.h"

/* --- the outbox ---------------------------------------------------------------------- */

struct due_cb {
	store_alert_due_fn fn;
	void *ud;
};

static int due_row(const char *const *c, int n, void *ud)
{
	struct due_cb *cb = ud;
	struct store_alert_due a;
	struct store_row r;

	store_row_init(&r, c, n, 16);
	a = (struct store_alert_due){.id = store_row_int(&r, 0),
	                             .channel = store_row_text(&r, 1),
	                             .target = store_row_text(&r, 2),
	                             .capture_id = store_row_nullable(&r, 3),
	                             .attempts = store_row_int(&r, 4),
	                             .category = store_row_nullable(&r, 5),
	                             .severity = store_row_int_or(&r, 6, 0),
	                             .school = store_row_text(&r, 7),
	                             .machine = store_row_nullable(&r, 8),
	                             .time_ms = store_row_int_or(&r, 9, 0),
	                             .secret_file = store_row_nullable(&r, 10),
	                             .school_id = store_row_int(&r, 11),
	                             .kind = store_row_text(&r, 12),
	                             .week = store_row_nullable(&r, 13),
	                             .detail = store_row_nullable(&r, 14),
	                             .threshold = store_row_int(&r, 15)};
	return r.err ? r.err : cb->fn(&a, cb->ud);
}

int store_alerts_due(struct store *s, int64_t now_ms, int64_t reclaim_ms, int64_t limit,
                     store_alert_due_fn fn, void *ud)
{
	struct store_param p[3] = {store_int(now_ms), store_int(reclaim_ms), store_int(limit)};
	struct due_cb cb = {fn, ud};

	return s->ops->query(
	    s,
	    "SELECT a.id, a.channel, a.target, a.capture_id, a.attempts, c.category, "
	    "c.severity, s.name, m.name, c.time, st.webhook_secret_file, a.school_id, a.kind, "
	    "a.week, a.detail, CASE WHEN st.flag_threshold IS NOT NULL AND c.severity < "
	    "st.threshold THEN st.flag_threshold ELSE COALESCE(st.threshold, 5) END "
	    "FROM alerts a LEFT JOIN captures c ON "
	    "c.id = a.capture_id "
	    "JOIN schools s ON s.id = a.school_id "
	    "LEFT JOIN machines m ON m.id = coalesce(c.machine_id, a.machine_id) "
	    "LEFT JOIN alert_settings st ON st.school_id = a.school_id "
	    "WHERE (a.status = 'pending' AND a.next_try <= CAST($1 AS BIGINT)) "
	    "OR (a.status = 'sending' AND a.claimed < CAST($2 AS BIGINT)) "
	    "ORDER BY a.id LIMIT CAST($3 AS BIGINT)",
	    p, 3, due_row, &cb, NULL);
}

int store_alert_claim(struct store *s, int64_t id, int64_t now_ms, int64_t reclaim_ms,
                      bool *claimed)
{
	struct store_param p[3] = {store_int(now_ms), store_int(id), store_int(reclaim_ms)};
	int64_t changes = 0;
	int r = s->ops->query(s,
	                      "UPDATE alerts SET status = 'sending', claimed = CAST($1 AS BIGINT), "
	                      "attempts = attempts + 1 WHERE id = CAST($2 AS BIGINT) AND "
	                      "(status = 'pending' OR (status = 'sending' AND "
	                      "claimed < CAST($3 AS BIGINT)))",
	                      p, 3, NULL, NULL, &changes);

	*claimed = r == 0 && changes == 1;
	return r;
}

int store_alert_ack_token(struct store *s, int64_t id, const char *token_hash)
{
	struct store_param p[2] = {store_text(token_hash), store_int(id)};

	return s->ops->query(s, "UPDATE alerts SET ack_token = $1 WHERE id = CAST($2 AS BIGINT)", p,
	                     2, NULL, NULL, NULL);
}

int store_alert_sent(struct store *s, int64_t id, int64_t now_ms)
{
	struct store_param p[2] = {store_int(now_ms), store_int(id)};

	return s->ops->query(s,
	                     "UPDATE alerts SET status = 'sent', sent = CAST($1 AS BIGINT), "
	                     "last_error = '' WHERE id = CAST($2 AS BIGINT)",
	                     p, 2, NULL, NULL, NULL);
}

int store_alert_failed(struct store *s, int64_t id, const char *error, int64_t next_try_ms)
{
	struct store_param p[3] = {store_int(id), store_text(error), store_int(next_try_ms)};

	if (next_try_ms == 0)
		return s->ops->query(s,
		                     "UPDATE alerts SET status = 'failed', last_error = $2 "
		                     "WHERE id = CAST($1 AS BIGINT)",
		                     p, 2, NULL, NULL, NULL);
	return s->ops->query(s,
	                     "UPDATE alerts SET status = 'pending', last_error = $2, "
	                     "next_try = CAST($3 AS BIGINT) WHERE id = CAST($1 AS BIGINT)",
	                     p, 3, NULL, NULL, NULL);
}

/* --- acknowledgement ----------------------------------------------------------------- */

int store_alerts_ack(struct store *s, const char *capture_id, const char *by, int64_t now_ms,
                     int64_t *changes)
{
	struct store_param p[3] = {store_int(now_ms), store_text(by), store_text(capture_id)};

	*changes = 0;
	return s->ops->query(s,
	                     "UPDATE alerts SET acked = CAST($1 AS BIGINT), acked_by = $2 "
	                     "WHERE capture_id = $3 AND acked IS NULL",
	                     p, 3, NULL, NULL, changes);
}

struct link_cb {
	struct store_alert_link *out;
	bool found;
};

static int link_row(const char *const *c, int n, void *ud)
{
	struct link_cb *cb = ud;
	struct store_alert_link *l = cb->out;
	struct store_row r;

	store_row_init(&r, c, n, 4);
	snprintf(l->capture_id, sizeof(l->capture_id), "%s", store_row_text(&r, 0));
	snprintf(l->target, sizeof(l->target), "%s", store_row_text(&r, 1));
	l->school_id = store_row_int(&r, 2);
	l->acked = store_row_nullable(&r, 3) != NULL;
	/* A link is sent for a capture's alert only: any other row is no match. */
	cb->found = r.err == 0 && *l->capture_id;
	return r.err;
}

int store_alert_by_token(struct store *s, int64_t id, const char *token_hash,
                         struct store_alert_link *out)
{
	struct store_param p[2] = {store_int(id), store_text(token_hash)};
	struct link_cb cb = {out, false};
	int r;

	memset(out, 0, sizeof(*out));
	r = s->ops->query(s,
	                  "SELECT capture_id, target, school_id, acked FROM alerts "
	                  "WHERE id = CAST($1 AS BIGINT) AND ack_token = $2",
	                  p, 2, link_row, &cb, NULL);
	return r < 0 ? r : cb.found ? 0 : -ENOENT;
}

/* --- escalation ---------------------------------------------------------------------- */

struct escalation_cb {
	store_escalation_fn fn;
	void *ud;
};

static int escalation_row(const char *const *c, int n, void *ud)
{
	struct escalation_cb *cb = ud;
	struct store_escalation e;
	struct store_row r;

	store_row_init(&r, c, n, 7);
	e = (struct store_escalation){.capture_id = store_row_text(&r, 0),
	                              .school_id = store_row_int(&r, 1),
	                              .last_created_ms = store_row_int(&r, 2),
	                              .level = store_row_int(&r, 3),
	                              .ack_minutes = store_row_int(&r, 4),
	                              .hours_start = store_row_int(&r, 5),
	                              .hours_end = store_row_int(&r, 6)};
	return r.err ? r.err : cb->fn(&e, cb->ud);
}

int store_escalations(struct store *s, int64_t since_ms, store_escalation_fn fn, void *ud)
{
	struct store_param p = store_int(since_ms);
	struct escalation_cb cb = {fn, ud};

	return s->ops->query(s,
	                     "SELECT a.capture_id, a.school_id, max(a.created), "
	                     "sum(CASE WHEN a.kind = 'escalation' THEN 1 ELSE 0 END), "
	                     "s.ack_minutes, s.hours_start, s.hours_end FROM alerts a "
	                     "JOIN alert_settings s ON s.school_id = a.school_id "
	                     "WHERE a.channel = 'email' AND a.capture_id IS NOT NULL "
	                     "AND a.created > CAST($1 AS BIGINT) "
	                     "GROUP BY a.capture_id, a.school_id, s.ack_minutes, s.hours_start, "
	                     "s.hours_end HAVING count(a.acked) = 0 AND max(a.escalated) = 0",
	                     &p, 1, escalation_row, &cb, NULL);
}

static int first_text(const char *const *c, int n, void *ud)
{
	char **out = ud;

	if (n != 1 || !c[0])
		return -EIO;
	if (!*out && !(*out = strdup(c[0])))
		return -ENOMEM;
	return 0;
}

int store_escalation_contact(struct store *s, int64_t school_id, int64_t level, char **address)
{
	struct store_param p[2] = {store_int(school_id), store_int(level)};
	int r;

	*address = NULL;
	r = s->ops->query(s,
	                  "SELECT address FROM alert_contacts WHERE school_id = CAST($1 AS "
	                  "BIGINT) AND kind = 'escalate' ORDER BY position LIMIT 1 OFFSET "
	                  "CAST($2 AS BIGINT)",
	                  p, 2, first_text, address, NULL);
	if (r < 0) {
		free(*address);
		*address = NULL;
	}
	return r;
}

int store_alert_escalate(struct store *s, const char *capture_id, int64_t school_id,
                         const char *target, int64_t now_ms)
{
	struct store_param p[4] = {store_text(capture_id), store_int(school_id), store_text(target),
	                           store_int(now_ms)};

	return s->ops->query(s,
	                     "INSERT INTO alerts (capture_id, school_id, kind, channel, "
	                     "target, next_try, created) VALUES ($1, CAST($2 AS BIGINT), "
	                     "'escalation', 'email', $3, CAST($4 AS BIGINT), "
	                     "CAST($4 AS BIGINT))",
	                     p, 4, NULL, NULL, NULL);
}

int store_alert_to_moderators(struct store *s, const char *capture_id, int64_t now_ms)
{
	struct store_param p[2] = {store_text(capture_id), store_int(now_ms)};
	int r = s->ops->query(s, "UPDATE alerts SET escalated = 1 WHERE capture_id = $1", p, 1,
	                      NULL, NULL, NULL);

	if (r == 0)
		r = s->ops->query(s,
		                  "INSERT INTO capture_events (capture_id, time, login, "
		                  "action, text) VALUES ($1, CAST($2 AS BIGINT), "
		                  "'system', 'note', 'Alert unacknowledged by every "
		                  "contact: escalated to the moderators')",
		                  p, 2, NULL, NULL, NULL);
	return r;
}

/* --- offline alarms ------------------------------------------------------------------ */

struct silent_cb {
	store_silent_fn fn;
	void *ud;
};

static int cleared_row(const char *const *c, int n, void *ud)
{
	struct silent_cb *cb = ud;
	struct store_silent_machine m;
	struct store_row r;

	store_row_init(&r, c, n, 4);
	m = (struct store_silent_machine){.machine_id = store_row_int(&r, 0),
	                                  .school_id = store_row_int(&r, 1),
	                                  .machine = store_row_text(&r, 2),
	                                  .last_seen_ms = store_row_int(&r, 3),
	                                  .technician = ""};
	return r.err ? r.err : cb->fn(&m, cb->ud);
}

int store_alarms_cleared(struct store *s, store_silent_fn fn, void *ud)
{
	struct silent_cb cb = {fn, ud};

	return s->ops->query(s,
	                     "SELECT a.machine_id, m.school_id, m.name, m.last_seen FROM "
	                     "machine_alarms a JOIN machines m ON m.id = a.machine_id WHERE "
	                     "m.last_seen > a.seen",
	                     NULL, 0, cleared_row, &cb, NULL);
}

int store_alarm_clear(struct store *s, int64_t machine_id)
{
	struct store_param p = store_int(machine_id);

	return s->ops->query(s, "DELETE FROM machine_alarms WHERE machine_id = CAST($1 AS BIGINT)",
	                     &p, 1, NULL, NULL, NULL);
}

static int silent_row(const char *const *c, int n, void *ud)
{
	struct silent_cb *cb = ud;
	struct store_silent_machine m;
	struct store_row r;

	store_row_init(&r, c, n, 7);
	m = (struct store_silent_machine){.machine_id = store_row_int(&r, 0),
	                                  .school_id = store_row_int(&r, 1),
	                                  .machine = store_row_text(&r, 2),
	                                  .technician = store_row_text(&r, 3),
	                                  .hours_start = store_row_int(&r, 4),
	                                  .hours_end = store_row_int(&r, 5),
	                                  .last_seen_ms = store_row_int(&r, 6)};
	return r.err ? r.err : cb->fn(&m, cb->ud);
}

int store_machines_silent(struct store *s, int64_t before_ms, store_silent_fn fn, void *ud)
{
	struct store_param p = store_int(before_ms);
	struct silent_cb cb = {fn, ud};

	return s->ops->query(s,
	                     "SELECT m.id, m.school_id, m.name, s.technician, s.hours_start, "
	                     "s.hours_end, m.last_seen FROM machines m JOIN alert_settings s ON "
	                     "s.school_id = m.school_id JOIN schools sc ON sc.id = m.school_id "
	                     "WHERE s.technician IS NOT NULL AND NOT m.revoked AND NOT sc.revoked "
	                     "AND m.last_seen IS NOT NULL AND m.last_seen < CAST($1 AS BIGINT) "
	                     "AND NOT EXISTS (SELECT 1 FROM machine_alarms a WHERE a.machine_id = "
	                     "m.id)",
	                     &p, 1, silent_row, &cb, NULL);
}

int store_alarm_raise(struct store *s, const struct store_silent_machine *m, int64_t now_ms)
{
	struct store_param p[4] = {store_int(m->machine_id), store_int(now_ms),
	                           store_int(m->school_id), store_text(m->technician)};
	struct store_param q[3] = {p[0], p[1], store_int(m->last_seen_ms)};
	/* The alarm row first: a second pass (or server) finds it and sends nothing. */
	int r = s->ops->query(s,
	                      "INSERT INTO machine_alarms (machine_id, raised, seen) VALUES "
	                      "(CAST($1 AS BIGINT), CAST($2 AS BIGINT), CAST($3 AS BIGINT))",
	                      q, 3, NULL, NULL, NULL);

	if (r == 0)
		r = s->ops->query(s,
		                  "INSERT INTO alerts (machine_id, school_id, kind, channel, "
		                  "target, next_try, created) VALUES (CAST($1 AS BIGINT), "
		                  "CAST($3 AS BIGINT), 'offline', 'email', $4, "
		                  "CAST($2 AS BIGINT), CAST($2 AS BIGINT))",
		                  p, 4, NULL, NULL, NULL);
	return r;
}

/* --- settings ------------------------------------------------------------------------ */

int store_alert_flag_threshold_set(struct store *s, int64_t school_id, int64_t threshold,
                                   const char *flags)
{
	struct store_param p[3] = {store_int(school_id), store_int(threshold), store_text(flags)};

	return s->ops->query(s,
	                     "UPDATE alert_settings SET flag_threshold = CASE WHEN CAST($2 AS "
	                     "BIGINT) > 0 THEN CAST($2 AS BIGINT) END, flags = $3 WHERE "
	                     "school_id = CAST($1 AS BIGINT)",
	                     p, 3, NULL, NULL, NULL);
}

int store_alert_settings_replace(struct store *s, int64_t school_id,
                                 const struct store_alert_settings *st)
{
	struct store_param p[8] = {store_int(school_id)};
	int r;

	if ((r = s->ops->query(s, "DELETE FROM alert_contacts WHERE school_id = CAST($1 AS BIGINT)",
	                       p, 1, NULL, NULL, NULL)) < 0 ||
	    (r = s->ops->query(s, "DELETE FROM alert_settings WHERE school_id = CAST($1 AS BIGINT)",
	                       p, 1, NULL, NULL, NULL)) < 0)
		return r;
	p[1] = store_int(st->threshold);
	p[2] = store_int(st->hours_start);
	p[3] = store_int(st->hours_end);
	p[4] = store_int(st->ack_minutes);
	p[5] = store_text(st->webhook);
	p[6] = store_text(st->secret_file);
	p[7] = store_text(st->technician);
	if ((r = s->ops->query(
	         s,
	         "INSERT INTO alert_settings (school_id, threshold, hours_start, "
	         "hours_end, ack_minutes, webhook, webhook_secret_file, technician) "
	         "VALUES (CAST($1 AS BIGINT), CAST($2 AS BIGINT), CAST($3 AS BIGINT), "
	         "CAST($4 AS BIGINT), CAST($5 AS BIGINT), $6, $7, $8)",
	         p, 8, NULL, NULL, NULL)) < 0)
		return r;
	for (int k = 0; k < 2; k++) {
		int n = k ? st->nescalate : st->ncontacts;
		for (int i = 0; i < n; i++) {
			p[1] = store_int(i);
			p[2] = store_text(k ? st->escalate[i] : st->contacts[i]);
			p[3] = store_text(k ? "escalate" : "contact");
			if ((r = s->ops->query(
			         s,
			         "INSERT INTO alert_contacts (school_id, position, address, "
			         "kind) VALUES (CAST($1 AS BIGINT), CAST($2 AS BIGINT), $3, "
			         "$4)",
			         p, 4, NULL, NULL, NULL)) < 0)
				return r;
		}
	}
	return 0;
}
