/* audit.c: the audit log writer: who viewed or decided what, and what the server did alone. */
#include "audit.h"

#include <stdbool.h>
#include <string.h>

#include "log.h"
#include "rfc3339.h"
#include "store.h"
#include "store_rows.h"

int audit_record(struct store *s, const char *login, int64_t school_id, const char *action,
                 const char *capture_id, const char *detail)
{
	struct store_param p[6];
	int r;

	p[0] = store_int(rfc3339_now_ms());
	p[1] = store_text(login);
	p[2] = school_id ? store_int(school_id) : store_text(NULL);
	p[3] = store_text(action);
	p[4] = store_text(capture_id);
	p[5] = store_text(detail ? detail : "");
	r = s->ops->query(s,
	                  "INSERT INTO audit (time, login, school_id, action, capture_id, "
	                  "detail) VALUES ($1, $2, CAST($3 AS BIGINT), $4, $5, $6)",
	                  p, 6, NULL, NULL, NULL);
	if (r < 0)
		log_error("audit: cannot record %s by %s: %s", action, login, strerror(-r));
	return r;
}

struct entry_cb {
	audit_entry_fn fn;
	void *ud;
};

static int entry_row(const char *const *c, int n, void *ud)
{
	struct entry_cb *cb = ud;
	struct audit_entry e;
	struct store_row r;

	store_row_init(&r, c, n, 6);
	e = (struct audit_entry){.time_ms = store_row_int(&r, 0),
	                         .login = store_row_text(&r, 1),
	                         .school = store_row_text(&r, 2),
	                         .action = store_row_text(&r, 3),
	                         .capture_id = store_row_nullable(&r, 4),
	                         .detail = store_row_text(&r, 5)};
	return r.err ? r.err : cb->fn(&e, cb->ud);
}

int audit_list(struct store *s, int64_t school_id, const char *capture_id, int64_t limit,
               audit_entry_fn fn, void *ud)
{
	struct store_param p[3] = {store_int(school_id), store_text(capture_id), store_int(limit)};
	struct entry_cb cb = {fn, ud};

	return s->ops->query(s,
	                     "SELECT a.time, a.login, sc.name, a.action, a.capture_id, a.detail "
	                     "FROM audit a LEFT JOIN schools sc ON sc.id = a.school_id WHERE "
	                     "(CAST($1 AS BIGINT) = 0 OR a.school_id = CAST($1 AS BIGINT) OR "
	                     "(a.school_id IS NULL AND a.action LIKE 'wordlist-%')) AND "
	                     "($2 = '' OR a.capture_id = $2) ORDER BY a.time DESC, a.id DESC "
	                     "LIMIT CAST($3 AS BIGINT)",
	                     p, 3, entry_row, &cb, NULL);
}
