/* store_lists.c: the phrase lists' saved versions and the bundles served to machines. */
#include "store_lists.h"

#include <errno.h>

#include "store_rows.h"

int store_list_version_add(struct store *s, const struct store_list_version *v, int64_t *id)
{
	struct store_param p[7] = {store_int(v->school_id), store_text(v->file),
	                           store_text(v->body),     store_text(v->author),
	                           store_int(v->saved_ms),  store_text(v->action),
	                           store_int(v->restored)};
	int64_t got = 0;
	int r;

	r = s->ops->query(
	    s,
	    "INSERT INTO list_versions (school_id, file, body, author, saved, action, "
	    "restored) VALUES (CAST($1 AS BIGINT), $2, $3, $4, CAST($5 AS BIGINT), "
	    "$6, NULLIF(CAST($7 AS BIGINT), 0)) RETURNING id",
	    p, 7, store_row_int64, &got, NULL);
	if (r == 0 && id)
		*id = got;
	return r;
}

static int any_row(const char *const *c, int n, void *ud)
{
	(void)c;
	(void)n;
	*(int *)ud = 1;
	return 0;
}

int store_list_version_save(struct store *s, const struct store_list_version *v, const char *before)
{
	struct store_param p[2] = {store_int(v->school_id), store_text(v->file)};
	struct store_list_version b = *v;
	int any = 0, r;

	r = s->ops->query(s,
	                  "SELECT 1 FROM list_versions WHERE school_id = CAST($1 AS BIGINT) AND "
	                  "file = $2 LIMIT 1",
	                  p, 2, any_row, &any, NULL);
	if (r == 0 && !any && before) {
		b.body = before;
		b.author = "(on disk)";
		b.action = "before";
		b.restored = 0;
		r = store_list_version_add(s, &b, NULL);
	}
	return r < 0 ? r : store_list_version_add(s, v, NULL);
}

struct version_cb {
	store_list_version_fn fn;
	void *ud;
	int found;
};

static int version_row(const char *const *c, int n, void *ud)
{
	struct version_cb *cb = ud;
	struct store_row r;
	struct store_list_version v;

	store_row_init(&r, c, n, 8);
	v.id = store_row_int(&r, 0);
	v.school_id = store_row_int(&r, 1);
	v.file = store_row_text(&r, 2);
	v.body = store_row_nullable(&r, 3);
	v.author = store_row_text(&r, 4);
	v.saved_ms = store_row_int(&r, 5);
	v.action = store_row_text(&r, 6);
	v.restored = store_row_int_or(&r, 7, 0);
	cb->found = 1;
	return r.err ? r.err : cb->fn(&v, cb->ud);
}

int store_list_versions(struct store *s, int64_t school_id, const char *file, int64_t limit,
                        store_list_version_fn fn, void *ud)
{
	struct store_param p[3] = {store_int(school_id), store_text(file), store_int(limit)};
	struct version_cb cb = {fn, ud, 0};

	return s->ops->query(s,
	                     "SELECT id, school_id, file, NULL, author, saved, action, restored "
	                     "FROM list_versions WHERE school_id = CAST($1 AS BIGINT) AND file = "
	                     "$2 ORDER BY id DESC LIMIT CAST($3 AS BIGINT)",
	                     p, 3, version_row, &cb, NULL);
}

int store_list_version_get(struct store *s, int64_t school_id, const char *file, int64_t id,
                           store_list_version_fn fn, void *ud)
{
	struct store_param p[3] = {store_int(school_id), store_text(file), store_int(id)};
	struct version_cb cb = {fn, ud, 0};
	int r;

	r = s->ops->query(s,
	                  "SELECT id, school_id, file, body, author, saved, action, restored "
	                  "FROM list_versions WHERE school_id = CAST($1 AS BIGINT) AND file = $2 "
	                  "AND id = CAST($3 AS BIGINT)",
	                  p, 3, version_row, &cb, NULL);
	return r == 0 && !cb.found ? -ENOENT : r;
}

int store_list_bundle_seen(struct store *s, const char *version, int64_t issued_ms, int64_t now_ms)
{
	struct store_param p[3] = {store_text(version), store_int(issued_ms), store_int(now_ms)};

	return s->ops->query(s,
	                     "INSERT INTO list_bundles (version, issued, first_seen) VALUES ($1, "
	                     "CAST($2 AS BIGINT), CAST($3 AS BIGINT)) ON CONFLICT (version) DO "
	                     "NOTHING",
	                     p, 3, NULL, NULL, NULL);
}

struct bundle_cb {
	store_list_bundle_fn fn;
	void *ud;
};

static int bundle_row(const char *const *c, int n, void *ud)
{
	struct bundle_cb *cb = ud;
	struct store_row r;
	struct store_list_bundle b;

	store_row_init(&r, c, n, 3);
	b.number = store_row_int(&r, 0);
	b.version = store_row_text(&r, 1);
	b.issued_ms = store_row_int(&r, 2);
	return r.err ? r.err : cb->fn(&b, cb->ud);
}

int store_list_bundles(struct store *s, int64_t limit, store_list_bundle_fn fn, void *ud)
{
	struct store_param p[1] = {store_int(limit)};
	struct bundle_cb cb = {fn, ud};

	return s->ops->query(s,
	                     "SELECT id, version, issued FROM list_bundles ORDER BY id DESC "
	                     "LIMIT CAST($1 AS BIGINT)",
	                     p, 1, bundle_row, &cb, NULL);
}

struct count_cb {
	store_lists_count_fn fn;
	void *ud;
};

static int count_row(const char *const *c, int n, void *ud)
{
	struct count_cb *cb = ud;
	struct store_row r;
	struct store_lists_count v;

	store_row_init(&r, c, n, 4);
	v.school_id = store_row_int(&r, 0);
	v.school = store_row_text(&r, 1);
	v.version = store_row_nullable(&r, 2);
	v.machines = store_row_int(&r, 3);
	return r.err ? r.err : cb->fn(&v, cb->ud);
}

int store_lists_counts(struct store *s, int64_t school_id, store_lists_count_fn fn, void *ud)
{
	struct store_param p[1] = {store_int(school_id)};
	struct count_cb cb = {fn, ud};

	return s->ops->query(s,
	                     "SELECT sc.id, sc.name, m.wordlists, count(*) FROM schools sc JOIN "
	                     "machines m ON m.school_id = sc.id WHERE NOT m.revoked AND NOT "
	                     "sc.revoked AND (CAST($1 AS BIGINT) = 0 OR sc.id = CAST($1 AS "
	                     "BIGINT)) GROUP BY sc.id, sc.name, m.wordlists ORDER BY sc.name",
	                     p, 1, count_row, &cb, NULL);
}

static int stamp_row(const char *const *c, int n, void *ud)
{
	struct store_captures_stamp *st = ud;
	struct store_row r;

	store_row_init(&r, c, n, 3);
	st->count = store_row_int(&r, 0);
	st->received_ms = store_row_int(&r, 1);
	st->status_ms = store_row_int(&r, 2);
	return r.err;
}

int store_captures_stamp(struct store *s, int64_t school_id, struct store_captures_stamp *out)
{
	struct store_param p[1] = {store_int(school_id)};
	struct store_captures_stamp st = {0};
	int r;

	r = s->ops->query(s,
	                  "SELECT count(*), COALESCE(max(received), 0), COALESCE(max(status_time), "
	                  "0) FROM captures WHERE CAST($1 AS BIGINT) = 0 OR school_id = CAST($1 AS "
	                  "BIGINT)",
	                  p, 1, stamp_row, &st, NULL);
	if (r == 0)
		*out = st;
	return r;
}
