/* store_machines.c: machines let back in after a revoke, and machines enrolled again. */
#include "store_machines.h"

#include <errno.h>

#include "store_rows.h"

int store_machine_allow(struct store *s, const char *school, const char *machine)
{
	struct store_param p[2] = {store_text(machine), store_text(school)};
	int64_t n = 0;
	int r;

	r = s->ops->query(s,
	                  "SELECT count(*) FROM machines WHERE name = $1 AND (CAST($2 AS TEXT) "
	                  "IS NULL OR school_id IN (SELECT id FROM schools WHERE name = $2))",
	                  p, 2, store_row_int64, &n, NULL);
	if (r < 0)
		return r;
	if (n == 0)
		return -ENOENT;
	if (n > 1)
		return -EEXIST;
	return s->ops->query(s,
	                     "UPDATE machines SET revoked = FALSE WHERE name = $1 AND (CAST($2 "
	                     "AS TEXT) IS NULL OR school_id IN (SELECT id FROM schools WHERE "
	                     "name = $2))",
	                     p, 2, NULL, NULL, NULL);
}

struct replaced_cb {
	store_replaced_fn fn;
	void *ud;
};

static int replaced_row(const char *const *c, int n, void *ud)
{
	struct replaced_cb *cb = ud;
	struct store_row r;
	struct store_machine_replaced m;

	store_row_init(&r, c, n, 4);
	m.school = store_row_text(&r, 0);
	m.machine = store_row_text(&r, 1);
	m.count = store_row_int(&r, 2);
	m.last_ms = store_row_int(&r, 3);
	return r.err ? r.err : cb->fn(&m, cb->ud);
}

int store_machines_replaced(struct store *s, int64_t school_id, int64_t since_ms,
                            store_replaced_fn fn, void *ud)
{
	struct store_param p[2] = {store_int(school_id), store_int(since_ms)};
	struct replaced_cb cb = {fn, ud};

	return s->ops->query(s,
	                     "SELECT sc.name, m.name, m.replaced, m.replaced_at FROM machines m "
	                     "JOIN schools sc ON sc.id = m.school_id WHERE m.replaced > 0 AND "
	                     "m.replaced_at >= CAST($2 AS BIGINT) AND (CAST($1 AS BIGINT) = 0 OR "
	                     "m.school_id = CAST($1 AS BIGINT)) ORDER BY m.replaced_at DESC",
	                     p, 2, replaced_row, &cb, NULL);
}
