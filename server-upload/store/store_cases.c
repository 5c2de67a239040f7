/* store_cases.c: who has a capture and how its case ended: assignee, outcome, closing. */
#include "store_cases.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "parse.h"
#include "store_rows.h"

struct case_cb {
	struct store_case c;
	bool found;
};

static int case_row(const char *const *c, int n, void *ud)
{
	struct case_cb *cb = ud;
	struct store_case *k = &cb->c;
	struct store_row r;

	store_row_init(&r, c, n, 7);
	snprintf(k->assignee, sizeof(k->assignee), "%s", store_row_text(&r, 0));
	snprintf(k->assigned_by, sizeof(k->assigned_by), "%s", store_row_text(&r, 1));
	k->assigned_ms = store_row_int_or(&r, 2, 0);
	snprintf(k->outcome, sizeof(k->outcome), "%s", store_row_text(&r, 3));
	snprintf(k->note, sizeof(k->note), "%s", store_row_text(&r, 4));
	snprintf(k->closed_by, sizeof(k->closed_by), "%s", store_row_text(&r, 5));
	k->closed_ms = store_row_int_or(&r, 6, 0);
	cb->found = r.err == 0;
	return r.err;
}

int store_case_get(struct store *s, const char *id, struct store_case *out)
{
	struct store_param p = store_text(id);
	struct case_cb cb = {.found = false};
	int r = s->ops->query(s,
	                      "SELECT assignee, assigned_by, assigned_time, outcome, outcome_note, "
	                      "closed_by, closed_time FROM captures WHERE id = $1",
	                      &p, 1, case_row, &cb, NULL);

	if (r < 0)
		return r;
	if (!cb.found)
		return -ENOENT;
	*out = cb.c;
	return 0;
}

/* After an update of capture id that touched no row: -ENOENT when there is no such
 * capture, else -EALREADY (it was not in the state the update needs). */
static int why_unchanged(struct store *s, const char *id)
{
	struct store_case c;
	int r = store_case_get(s, id, &c);

	return r < 0 ? r : -EALREADY;
}

/* Runs an update of one capture ($1 its id); 0, or why_unchanged() when it touched none. */
static int update_one(struct store *s, const char *sql, const struct store_param *p, size_t np)
{
	int64_t changes = 0;
	int r = s->ops->query(s, sql, p, np, NULL, NULL, &changes);

	if (r == 0 && changes == 0)
		r = why_unchanged(s, p[0].text);
	return r;
}

int store_case_assign(struct store *s, const char *id, const char *assignee, const char *login,
                      int64_t now_ms)
{
	struct store_param p[4] = {store_text(id),
	                           store_text(assignee && *assignee ? assignee : NULL),
	                           store_text(login), store_int(now_ms)};

	return update_one(s,
	                  "UPDATE captures SET assignee = $2, assigned_by = $3, assigned_time = "
	                  "CAST($4 AS BIGINT) WHERE id = $1 AND closed_time IS NULL",
	                  p, 4);
}

int store_case_close(struct store *s, const char *id, const char *outcome, const char *note,
                     const char *login, int64_t now_ms)
{
	struct store_param p[5] = {store_text(id), store_text(outcome),
	                           store_text(note ? note : ""), store_text(login),
	                           store_int(now_ms)};

	return update_one(s,
	                  "UPDATE captures SET outcome = $2, outcome_note = $3, closed_by = $4, "
	                  "closed_time = CAST($5 AS BIGINT) WHERE id = $1 AND closed_time IS NULL",
	                  p, 5);
}

int store_case_reopen(struct store *s, const char *id)
{
	struct store_param p = store_text(id);

	return update_one(s,
	                  "UPDATE captures SET closed_by = NULL, closed_time = NULL WHERE id = $1 "
	                  "AND closed_time IS NOT NULL",
	                  &p, 1);
}

/* Enabled users who may see captures of school $1. */
#define ASSIGNABLE                                                                                 \
	"SELECT login FROM users WHERE disabled = 0 AND ((role = 'moderator' AND (school_id IS "   \
	"NULL OR school_id = CAST($1 AS BIGINT))) OR (role = 'headteacher' AND school_id = "       \
	"CAST($1 AS BIGINT)))"

struct login_cb {
	store_login_fn fn;
	void *ud;
};

static int login_row(const char *const *c, int n, void *ud)
{
	struct login_cb *cb = ud;
	struct store_row r;
	const char *login;

	store_row_init(&r, c, n, 1);
	login = store_row_text(&r, 0);
	return r.err ? r.err : cb->fn(login, cb->ud);
}

int store_case_assignable(struct store *s, int64_t school_id, store_login_fn fn, void *ud)
{
	struct store_param p = store_int(school_id);
	struct login_cb cb = {fn, ud};

	return s->ops->query(s, ASSIGNABLE " ORDER BY login", &p, 1, login_row, &cb, NULL);
}

static int found(const char *login, void *ud)
{
	(void)login;
	*(bool *)ud = true;
	return 0;
}

int store_case_may_have(struct store *s, int64_t school_id, const char *login)
{
	struct store_param p[2] = {store_int(school_id), store_text(login)};
	struct login_cb cb = {found, NULL};
	bool yes = false;
	int r;

	cb.ud = &yes;
	r = s->ops->query(s, ASSIGNABLE " AND login = $2", p, 2, login_row, &cb, NULL);
	return r < 0 ? r : yes ? 0 : -ENOENT;
}

struct outcome_cb {
	store_outcome_count_fn fn;
	void *ud;
};

static int outcome_row(const char *const *c, int n, void *ud)
{
	struct outcome_cb *cb = ud;
	int64_t count;

	if (n != 2 || !c[0] || parse_int64(c[1], 0, INT64_MAX, &count) < 0)
		return -EIO;
	return cb->fn(c[0], count, cb->ud);
}

int store_case_outcome_counts(struct store *s, int64_t school_id, int64_t from_ms, int64_t to_ms,
                              store_outcome_count_fn fn, void *ud)
{
	struct store_param p[3] = {store_int(school_id), store_int(from_ms), store_int(to_ms)};
	struct outcome_cb cb = {fn, ud};

	return s->ops->query(s,
	                     "SELECT outcome, COUNT(*) FROM captures WHERE school_id = CAST($1 AS "
	                     "BIGINT) AND closed_time >= CAST($2 AS BIGINT) AND closed_time < "
	                     "CAST($3 AS BIGINT) AND outcome IS NOT NULL GROUP BY outcome ORDER "
	                     "BY outcome",
	                     p, 3, outcome_row, &cb, NULL);
}
