/* pupil.c: subject access and erasure for one pupil (docs/privacy.md):
 * "vigil-server pupil export|delete --school NAME USER". */
#include "pupil.h"

#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "parse.h"
#include "server.h"
#include "thumb.h"

#define MAX_IDS 100000

struct ids {
	char **id, **sha;
	size_t n, cap;
	int64_t school_id;
};

static int id_row(const char *const *c, int n, void *ud)
{
	struct ids *l = ud;

	if (n != 3 || !c[0] || !c[1])
		return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		char **a = realloc(l->id, cap * sizeof(*a)), **b;
		if (!a)
			return -ENOMEM;
		l->id = a;
		if (!(b = realloc(l->sha, cap * sizeof(*b))))
			return -ENOMEM;
		l->sha = b;
		l->cap = cap;
	}
	if (l->n >= MAX_IDS)
		return -E2BIG;
	l->id[l->n] = strdup(c[0]);
	l->sha[l->n] = strdup(c[1]);
	parse_int64(c[2] ? c[2] : "0", 0, INT64_MAX, &l->school_id);
	if (!l->id[l->n] || !l->sha[l->n])
		return -ENOMEM;
	l->n++;
	return 0;
}

static void ids_free(struct ids *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->id[i]);
		free(l->sha[i]);
	}
	free(l->id);
	free(l->sha);
}

static int find(struct server *srv, const char *school, const char *user, struct ids *l)
{
	struct store_param p[2] = {{.text = school}, {.text = user}};

	return srv->store->ops->query(
	    srv->store,
	    "SELECT c.id, c.image_sha256, c.school_id FROM captures c "
	    "JOIN schools s ON s.id = c.school_id "
	    "WHERE s.name = $1 AND c.user_name = $2 ORDER BY c.time, c.id",
	    p, 2, id_row, l, NULL);
}

struct exp {
	struct server *srv;
	FILE *out;
};

/* One JSON line: the stored record with the screenshot's bytes put back (base64). */
static int export_row(const char *const *c, int n, void *ud)
{
	struct exp *e = ud;
	json_error_t jerr;
	json_t *rec, *shot;
	void *data = NULL;
	size_t len = 0;
	char *line;

	if (n != 3 || !c[0])
		return 0;
	if (!(rec = json_loads(c[0], 0, &jerr)))
		return -EINVAL;
	json_object_set_new(rec, "status", json_string(c[2] ? c[2] : ""));
	shot = json_object_get(rec, "screenshot");
	if (json_is_object(shot) && c[1] && blobs_get(e->srv->blobs, c[1], &data, &len) == 0) {
		size_t b64len = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
		char *b64 = malloc(b64len);
		if (b64) {
			sodium_bin2base64(b64, b64len, data, len, sodium_base64_VARIANT_ORIGINAL);
			json_object_set_new(shot, "data", json_string(b64));
			free(b64);
		}
		free(data);
	}
	line = json_dumps(rec, JSON_COMPACT);
	json_decref(rec);
	if (!line)
		return -ENOMEM;
	fprintf(e->out, "%s\n", line);
	free(line);
	return ferror(e->out) ? -EIO : 0;
}

int pupil_export(struct server *srv, const char *school, const char *user, FILE *out,
                 int64_t *count)
{
	struct store_param p[2] = {{.text = school}, {.text = user}};
	struct exp e = {srv, out};
	struct ids l = {0};
	int r = find(srv, school, user, &l);

	*count = (int64_t)l.n;
	ids_free(&l);
	if (r < 0)
		return r;
	r = srv->store->ops->query(srv->store,
	                           "SELECT c.record, c.image_sha256, c.status FROM captures c "
	                           "JOIN schools s ON s.id = c.school_id "
	                           "WHERE s.name = $1 AND c.user_name = $2 ORDER BY c.time, c.id",
	                           p, 2, export_row, &e, NULL);
	if (r == 0 && fflush(out) != 0)
		r = -EIO;
	return r;
}

static int count_row(const char *const *c, int n, void *ud)
{
	if (n == 1 && c[0])
		parse_int64(c[0], 0, INT64_MAX, ud);
	return 0;
}

int pupil_delete(struct server *srv, const char *school, const char *user, int64_t *captures,
                 int64_t *images)
{
	struct store *s = srv->store;
	struct ids l = {0};
	char detail[128];
	int r = find(srv, school, user, &l);

	*captures = *images = 0;
	for (size_t i = 0; r == 0 && i < l.n; i++) {
		struct store_param q = {.text = l.id[i]};
		static const char *const sql[] = {
		    "DELETE FROM capture_events WHERE capture_id = $1",
		    "DELETE FROM alerts WHERE capture_id = $1",
		    "DELETE FROM audit WHERE capture_id = $1",
		    "DELETE FROM captures WHERE id = $1",
		};
		for (size_t k = 0; r == 0 && k < sizeof(sql) / sizeof(sql[0]); k++)
			r = s->ops->query(s, sql[k], &q, 1, NULL, NULL, NULL);
		if (r == 0)
			(*captures)++;
	}
	/* Images no other capture shows. */
	for (size_t i = 0; r == 0 && i < l.n; i++) {
		struct store_param q = {.text = l.sha[i]};
		int64_t left = 1;
		r = s->ops->query(s, "SELECT COUNT(*) FROM captures WHERE image_sha256 = $1", &q, 1,
		                  count_row, &left, NULL);
		if (r == 0 && left == 0 && thumb_forget(srv->blobs, l.sha[i]) == 0 &&
		    blobs_remove(srv->blobs, l.sha[i]) == 0)
			(*images)++;
	}
	/* Audit entries that name the pupil in their text (notes quoted into the detail). */
	if (r == 0 && l.n) {
		struct store_param q[2] = {{.i = l.school_id, .is_int = true}, {.text = user}};
		r = s->ops->query(s,
		                  "DELETE FROM audit WHERE school_id = CAST($1 AS BIGINT) AND "
		                  "detail LIKE '%' || $2 || '%'",
		                  q, 2, NULL, NULL, NULL);
	}
	if (r == 0 && l.n) {
		snprintf(detail, sizeof(detail), "erasure request: %lld captures, %lld images",
		         (long long)*captures, (long long)*images);
		audit_record(srv->store, "admin", l.school_id, "pupil-erased", NULL, detail);
	}
	/* SQLite keeps deleted rows in free pages and the WAL until they are overwritten. */
	if (r == 0 && (!srv->cfg->database || !*srv->cfg->database)) {
		if ((r = s->ops->query(s, "VACUUM", NULL, 0, NULL, NULL, NULL)) == 0)
			r = s->ops->query(s, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, 0, NULL, NULL,
			                  NULL);
	}
	ids_free(&l);
	return r;
}
