/* store_privacy.c: what erasure and retention delete: a pupil's captures, old captures. */
#include "store_privacy.h"

#include <errno.h>

#include "store_rows.h"

#define PUPIL_FROM                                                                                 \
	" FROM captures c JOIN schools s ON s.id = c.school_id WHERE s.name = $1 AND "             \
	"c.user_name = $2 ORDER BY c.time, c.id"

struct pupil_id_cb {
	store_pupil_capture_fn fn;
	void *ud;
};

static int pupil_id_row(const char *const *c, int n, void *ud)
{
	struct pupil_id_cb *cb = ud;
	struct store_row r;
	const char *id, *sha;
	int64_t school_id;

	store_row_init(&r, c, n, 3);
	id = store_row_text(&r, 0);
	sha = store_row_text(&r, 1);
	school_id = store_row_int(&r, 2);
	return r.err ? r.err : cb->fn(id, sha, school_id, cb->ud);
}

int store_pupil_capture_ids(struct store *s, const char *school, const char *user,
                            store_pupil_capture_fn fn, void *ud)
{
	struct store_param p[2] = {store_text(school), store_text(user)};
	struct pupil_id_cb cb = {fn, ud};

	return s->ops->query(s, "SELECT c.id, c.image_sha256, c.school_id" PUPIL_FROM, p, 2,
	                     pupil_id_row, &cb, NULL);
}

struct pupil_record_cb {
	store_pupil_record_fn fn;
	void *ud;
};

static int pupil_record_row(const char *const *c, int n, void *ud)
{
	struct pupil_record_cb *cb = ud;
	struct store_row r;
	const char *record, *sha, *status;

	bool hidden;

	store_row_init(&r, c, n, 4);
	record = store_row_text(&r, 0);
	sha = store_row_text(&r, 1);
	status = store_row_text(&r, 2);
	hidden = store_row_int(&r, 3) != 0;
	return r.err ? r.err : cb->fn(record, sha, status, hidden, cb->ud);
}

int store_pupil_records(struct store *s, const char *school, const char *user,
                        store_pupil_record_fn fn, void *ud)
{
	struct store_param p[2] = {store_text(school), store_text(user)};
	struct pupil_record_cb cb = {fn, ud};

	return s->ops->query(s,
	                     "SELECT c.record, c.image_sha256, c.status, c.image_hidden" PUPIL_FROM,
	                     p, 2, pupil_record_row, &cb, NULL);
}

int store_capture_erase(struct store *s, const char *id)
{
	static const char *const sql[] = {
	    "DELETE FROM capture_events WHERE capture_id = $1",
	    "DELETE FROM alerts WHERE capture_id = $1",
	    "DELETE FROM audit WHERE capture_id = $1",
	    /* the image stays hidden by its hash; nothing names the erased capture */
	    "UPDATE hidden_images SET capture_id = NULL WHERE capture_id = $1",
	    "DELETE FROM captures WHERE id = $1",
	};
	struct store_param p = store_text(id);
	int r = 0;

	for (size_t k = 0; r == 0 && k < sizeof(sql) / sizeof(sql[0]); k++)
		r = s->ops->query(s, sql[k], &p, 1, NULL, NULL, NULL);
	return r;
}

int store_audit_erase_pupil(struct store *s, int64_t school_id, const char *user)
{
	struct store_param p[2] = {store_int(school_id), store_text(user)};

	/* Exact: erasing pupil "ed" must not take another pupil's "referred to CAMHS". */
	return s->ops->query(s,
	                     "DELETE FROM audit WHERE school_id = CAST($1 AS BIGINT) AND "
	                     "detail = $2 AND capture_id IS NULL",
	                     p, 2, NULL, NULL, NULL);
}

int store_image_refs(struct store *s, const char *image_sha256, int64_t *count)
{
	struct store_param p = store_text(image_sha256);
	int64_t v = -1;
	int r = s->ops->query(s,
	                      "SELECT (SELECT COUNT(*) FROM captures WHERE image_sha256 = $1) + "
	                      "(SELECT COUNT(*) FROM capture_frames WHERE sha256 = $1)",
	                      &p, 1, store_row_int64, &v, NULL);

	if (r == 0 && v < 0)
		r = -EIO;
	if (r == 0)
		*count = v;
	return r;
}

struct image_cb {
	store_image_fn fn;
	void *ud;
};

static int image_row(const char *const *c, int n, void *ud)
{
	struct image_cb *cb = ud;
	struct store_row r;
	const char *sha;

	store_row_init(&r, c, n, 1);
	sha = store_row_text(&r, 0);
	return r.err ? r.err : cb->fn(sha, cb->ud);
}

int store_old_images(struct store *s, int64_t cutoff_ms, int64_t limit, store_image_fn fn, void *ud)
{
	struct store_param p[2] = {store_int(cutoff_ms), store_int(limit)};
	struct image_cb cb = {fn, ud};

	return s->ops->query(s,
	                     "SELECT DISTINCT image_sha256 FROM captures WHERE time < "
	                     "CAST($1 AS BIGINT) LIMIT CAST($2 AS BIGINT)",
	                     p, 2, image_row, &cb, NULL);
}

int store_old_frame_images(struct store *s, int64_t cutoff_ms, const char *image_sha256,
                           store_image_fn fn, void *ud)
{
	struct store_param p[2] = {store_int(cutoff_ms), store_text(image_sha256)};
	struct image_cb cb = {fn, ud};

	return s->ops->query(s,
	                     "SELECT DISTINCT f.sha256 FROM capture_frames f JOIN captures c ON "
	                     "c.id = f.capture_id WHERE c.time < CAST($1 AS BIGINT) AND "
	                     "c.image_sha256 = $2",
	                     p, 2, image_row, &cb, NULL);
}

int store_old_captures_erase(struct store *s, int64_t cutoff_ms, const char *image_sha256,
                             int64_t *deleted)
{
	struct store_param p[2] = {store_int(cutoff_ms), store_text(image_sha256)};
	int r = s->ops->query(s,
	                      "DELETE FROM capture_events WHERE capture_id IN (SELECT id FROM "
	                      "captures WHERE time < CAST($1 AS BIGINT) AND image_sha256 = $2)",
	                      p, 2, NULL, NULL, NULL);

	if (r == 0)
		r = s->ops->query(s,
		                  "UPDATE hidden_images SET capture_id = NULL WHERE capture_id IN "
		                  "(SELECT id FROM captures WHERE time < CAST($1 AS BIGINT) AND "
		                  "image_sha256 = $2)",
		                  p, 2, NULL, NULL, NULL);
	if (r == 0)
		r = s->ops->query(s,
		                  "DELETE FROM captures WHERE time < CAST($1 AS BIGINT) AND "
		                  "image_sha256 = $2",
		                  p, 2, NULL, NULL, deleted);
	return r;
}

int store_sqlite_compact(struct store *s)
{
	int r = s->ops->query(s, "VACUUM", NULL, 0, NULL, NULL, NULL);

	if (r == 0)
		r = s->ops->query(s, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, 0, NULL, NULL, NULL);
	return r;
}
