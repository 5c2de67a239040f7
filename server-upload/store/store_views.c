/* store_views.c: each web user's default view of the moderation queue. */
#include "store_views.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "store_rows.h"

struct query_cb {
	char *out;
	size_t size;
};

static int query_row(const char *const *c, int n, void *ud)
{
	struct query_cb *cb = ud;
	struct store_row r;

	store_row_init(&r, c, n, 1);
	snprintf(cb->out, cb->size, "%s", store_row_text(&r, 0));
	return r.err;
}

int store_view_get(struct store *s, int64_t user_id, char *query, size_t size)
{
	struct store_param p = store_int(user_id);
	struct query_cb cb = {query, size};

	query[0] = '\0';
	return s->ops->query(s, "SELECT query FROM user_views WHERE user_id = CAST($1 AS BIGINT)",
	                     &p, 1, query_row, &cb, NULL);
}

int store_view_set(struct store *s, int64_t user_id, const char *query, int64_t now_ms)
{
	struct store_param p[3] = {store_int(user_id), store_text(query), store_int(now_ms)};

	if (strlen(query) > STORE_VIEW_MAX)
		return -E2BIG;
	return s->ops->query(s,
	                     "INSERT INTO user_views (user_id, query, updated) VALUES (CAST($1 AS "
	                     "BIGINT), $2, CAST($3 AS BIGINT)) ON CONFLICT (user_id) DO UPDATE SET "
	                     "query = excluded.query, updated = excluded.updated",
	                     p, 3, NULL, NULL, NULL);
}

int store_view_clear(struct store *s, int64_t user_id)
{
	struct store_param p = store_int(user_id);
	int64_t n = 0;
	int r = s->ops->query(s, "DELETE FROM user_views WHERE user_id = CAST($1 AS BIGINT)", &p, 1,
	                      NULL, NULL, &n);

	return r < 0 ? r : n == 0 ? -ENOENT : 0;
}
