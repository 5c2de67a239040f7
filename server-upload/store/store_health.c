/* store_health.c: machines' reported sessions and the technician's unmonitored-session alarms. */
#include "store_health.h"

#include <errno.h>

#include "parse.h"

static int64_t num(const char *s)
{
	int64_t v = 0;

	if (s)
		parse_int64(s, INT64_MIN, INT64_MAX, &v);
	return v;
}

struct machine_rows {
	store_health_machine_fn fn;
	void *ud;
};

static int machine_row(const char *const *c, int n, void *ud)
{
	struct machine_rows *r = ud;
	struct store_health_machine m;

	if (n != 5)
		return -EIO;
	m = (struct store_health_machine){num(c[0]), num(c[1]), c[2], c[3], c[4]};
	return r->fn(&m, r->ud);
}

int store_health_machines(struct store *s, store_health_machine_fn fn, void *userdata)
{
	struct machine_rows r = {fn, userdata};

	return s->ops->query(s,
	                     "SELECT m.id, m.school_id, m.name, st.technician, m.sessions "
	                     "FROM machines m JOIN schools sc ON sc.id = m.school_id "
	                     "JOIN alert_settings st ON st.school_id = m.school_id "
	                     "WHERE st.technician IS NOT NULL AND NOT m.revoked "
	                     "AND NOT sc.revoked ORDER BY m.id",
	                     NULL, 0, machine_row, &r, NULL);
}

struct alarm_rows {
	store_session_alarm_fn fn;
	void *ud;
};

static int alarm_row(const char *const *c, int n, void *ud)
{
	struct alarm_rows *r = ud;
	struct store_session_alarm a;

	if (n != 4)
		return -EIO;
	a = (struct store_session_alarm){num(c[0]), num(c[1]), c[2], c[3]};
	return r->fn(&a, r->ud);
}

int store_session_alarms(struct store *s, store_session_alarm_fn fn, void *userdata)
{
	struct alarm_rows r = {fn, userdata};

	return s->ops->query(s,
	                     "SELECT a.machine_id, m.school_id, m.name, a.session "
	                     "FROM session_alarms a JOIN machines m ON m.id = a.machine_id "
	                     "ORDER BY a.machine_id, a.session",
	                     NULL, 0, alarm_row, &r, NULL);
}

int store_session_alarm_raise(struct store *s, int64_t machine_id, int64_t school_id,
                              const char *session, const char *technician, const char *detail,
                              int64_t now_ms)
{
	struct store_param p[5] = {
	    {.i = machine_id, .is_int = true}, {.text = session},    {.i = now_ms, .is_int = true},
	    {.i = school_id, .is_int = true},  {.text = technician},
	};
	struct store_param q[5] = {p[0], p[2], p[3], p[4], {.text = detail}};
	int r = s->ops->query(s,
	                      "INSERT INTO session_alarms (machine_id, session, raised) VALUES "
	                      "(CAST($1 AS BIGINT), $2, CAST($3 AS BIGINT))",
	                      p, 3, NULL, NULL, NULL);

	if (r < 0)
		return r;
	return s->ops->query(s,
	                     "INSERT INTO alerts (machine_id, school_id, kind, channel, target, "
	                     "detail, next_try, created) VALUES (CAST($1 AS BIGINT), "
	                     "CAST($3 AS BIGINT), 'unmonitored', 'email', $4, $5, "
	                     "CAST($2 AS BIGINT), CAST($2 AS BIGINT))",
	                     q, 5, NULL, NULL, NULL);
}

int store_session_alarm_clear(struct store *s, int64_t machine_id, const char *session)
{
	struct store_param p[2] = {{.i = machine_id, .is_int = true}, {.text = session}};
	int64_t changes = 0;
	int r = s->ops->query(s,
	                      "DELETE FROM session_alarms WHERE machine_id = CAST($1 AS BIGINT) "
	                      "AND session = $2",
	                      p, 2, NULL, NULL, &changes);

	return r < 0 ? r : changes ? 0 : -ENOENT;
}
