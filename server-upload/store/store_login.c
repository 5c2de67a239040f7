/* store_login.c: sign-in attempts counted per login and per client address. */
#include "store_login.h"

#include <errno.h>

#include "parse.h"

static int count_row(const char *const *c, int n, void *ud)
{
	return n == 1 && c[0] && parse_int64(c[0], 0, INT64_MAX, ud) == 0 ? 0 : -EIO;
}

int store_login_count(struct store *s, const char *key, int64_t now, int64_t window_ms,
                      int64_t *count)
{
	struct store_param p[3] = {
	    {.text = key}, {.i = now, .is_int = true}, {.i = now - window_ms, .is_int = true}};
	int64_t n = -1;
	int r;

	/* Old windows go first, so the table holds only keys seen lately. */
	r = s->ops->query(s, "DELETE FROM login_limits WHERE start <= CAST($1 AS BIGINT)", &p[2], 1,
	                  NULL, NULL, NULL);
	if (r < 0)
		return r;
	r = s->ops->query(s,
	                  "INSERT INTO login_limits (key, start, count) VALUES ($1, CAST($2 AS "
	                  "BIGINT), 1) ON CONFLICT (key) DO UPDATE SET count = CASE WHEN "
	                  "login_limits.start <= CAST($3 AS BIGINT) THEN 1 ELSE login_limits.count "
	                  "+ 1 END, start = CASE WHEN login_limits.start <= CAST($3 AS BIGINT) "
	                  "THEN CAST($2 AS BIGINT) ELSE login_limits.start END RETURNING count",
	                  p, 3, count_row, &n, NULL);
	if (r < 0)
		return r;
	if (n < 0)
		return -EIO;
	*count = n;
	return 0;
}

int store_login_uncount(struct store *s, const char *key)
{
	struct store_param p = {.text = key};

	return s->ops->query(s,
	                     "UPDATE login_limits SET count = count - 1 WHERE key = $1 AND "
	                     "count > 0",
	                     &p, 1, NULL, NULL, NULL);
}

int store_login_failed(struct store *s, const char *key, int64_t now)
{
	struct store_param p[2] = {{.text = key}, {.i = now, .is_int = true}};

	return s->ops->query(s,
	                     "INSERT INTO login_limits (key, start, count) VALUES ($1, CAST($2 AS "
	                     "BIGINT), 1) ON CONFLICT (key) DO UPDATE SET count = "
	                     "login_limits.count + 1, start = CAST($2 AS BIGINT)",
	                     p, 2, NULL, NULL, NULL);
}

struct failures {
	int64_t fails, last;
	int rows;
};

static int failures_row(const char *const *c, int n, void *ud)
{
	struct failures *f = ud;

	if (n != 2 || !c[0] || !c[1] || parse_int64(c[0], 0, INT64_MAX, &f->last) < 0 ||
	    parse_int64(c[1], 0, INT64_MAX, &f->fails) < 0)
		return -EIO;
	f->rows++;
	return 0;
}

int store_login_failures(struct store *s, const char *key, int64_t *fails, int64_t *last)
{
	struct store_param p = {.text = key};
	struct failures f = {0, 0, 0};
	int r = s->ops->query(s, "SELECT start, count FROM login_limits WHERE key = $1", &p, 1,
	                      failures_row, &f, NULL);

	if (r < 0)
		return r;
	*fails = f.fails;
	*last = f.last;
	return 0;
}

int store_login_forget(struct store *s, const char *key)
{
	struct store_param p = {.text = key};

	return s->ops->query(s, "DELETE FROM login_limits WHERE key = $1", &p, 1, NULL, NULL, NULL);
}
