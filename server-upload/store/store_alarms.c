/* store_alarms.c: machines that need a technician: an open offline alarm, recent tamper captures.
 */
#include "store_alarms.h"

#include "store_rows.h"

struct alarm_cb {
	store_alarm_fn fn;
	void *ud;
};

static int alarm_row(const char *const *c, int n, void *ud)
{
	struct alarm_cb *cb = ud;
	struct store_machine_alarm a;
	struct store_row r;

	store_row_init(&r, c, n, 5);
	a = (struct store_machine_alarm){.school = store_row_text(&r, 0),
	                                 .machine = store_row_text(&r, 1),
	                                 .offline_raised_ms = store_row_int(&r, 2),
	                                 .tamper_count = store_row_int(&r, 3),
	                                 .tamper_last_ms = store_row_int(&r, 4)};
	return r.err ? r.err : cb->fn(&a, cb->ud);
}

int store_machine_alarms(struct store *s, int64_t school_id, int64_t since_ms, store_alarm_fn fn,
                         void *ud)
{
	struct store_param p[2] = {store_int(school_id), store_int(since_ms)};
	struct alarm_cb cb = {fn, ud};

	return s->ops->query(
	    s,
	    "SELECT sc.name, m.name, COALESCE(MAX(a.raised), 0), COUNT(c.id), "
	    "COALESCE(MAX(c.time), 0) FROM machines m JOIN schools sc ON sc.id = m.school_id "
	    "LEFT JOIN machine_alarms a ON a.machine_id = m.id "
	    "LEFT JOIN captures c ON c.machine_id = m.id AND c.time >= CAST($2 AS BIGINT) "
	    "AND (c.source = 'tamper' OR c.category = 'tamper') "
	    "WHERE CAST($1 AS BIGINT) = 0 OR m.school_id = CAST($1 AS BIGINT) "
	    "GROUP BY sc.name, m.name HAVING MAX(a.raised) IS NOT NULL OR COUNT(c.id) > 0 "
	    "ORDER BY sc.name, m.name",
	    p, 2, alarm_row, &cb, NULL);
}
