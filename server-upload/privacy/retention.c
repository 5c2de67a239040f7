/* retention.c: deletes captures older than the retention period, rows and unreferenced images. */
#include "retention.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "parse.h"
#include "server.h"
#include "store_users.h"
#include "thumb.h"

#define BATCH 500

struct shas {
	char (*v)[72];
	size_t n;
};

static int sha_row(const char *const *c, int n, void *ud)
{
	struct shas *s = ud;

	if (n >= 1 && c[0] && s->n < BATCH)
		snprintf(s->v[s->n++], 72, "%s", c[0]);
	return 0;
}

static int count_row(const char *const *c, int n, void *ud)
{
	if (n >= 1 && c[0])
		parse_int64(c[0], 0, INT64_MAX, ud);
	return 0;
}

/* One batch: up to BATCH images' captures. Returns captures deleted (>= 0) or -errno. */
static int64_t batch(struct server *srv, int64_t cutoff, int64_t *images)
{
	struct store *s = srv->store;
	struct shas shas = {calloc(BATCH, 72), 0};
	struct store_param p = {.i = cutoff, .is_int = true};
	int64_t deleted = 0, changes, left;
	int r;

	if (!shas.v)
		return -ENOMEM;
	r = s->ops->query(s,
	                  "SELECT DISTINCT image_sha256 FROM captures WHERE time < "
	                  "CAST($1 AS BIGINT) LIMIT 500",
	                  &p, 1, sha_row, &shas, NULL);
	for (size_t i = 0; r == 0 && i < shas.n; i++) {
		struct store_param q[2] = {{.i = cutoff, .is_int = true}, {.text = shas.v[i]}};
		r = s->ops->query(s,
		                  "DELETE FROM capture_events WHERE capture_id IN (SELECT id FROM "
		                  "captures WHERE time < CAST($1 AS BIGINT) AND image_sha256 = $2)",
		                  q, 2, NULL, NULL, NULL);
		if (r == 0)
			r = s->ops->query(
			    s,
			    "DELETE FROM captures WHERE time < CAST($1 AS BIGINT) AND "
			    "image_sha256 = $2",
			    q, 2, NULL, NULL, &changes);
		if (r < 0)
			break;
		deleted += changes;
		left = -1;
		r = s->ops->query(s, "SELECT COUNT(*) FROM captures WHERE image_sha256 = $1", q + 1,
		                  1, count_row, &left, NULL);
		if (r == 0 && left == 0 && thumb_forget(srv->blobs, shas.v[i]) == 0 &&
		    blobs_remove(srv->blobs, shas.v[i]) == 0)
			(*images)++;
	}
	free(shas.v);
	return r < 0 ? r : deleted;
}

int retention_run(struct server *srv, int64_t now_ms, unsigned int days, int64_t *captures,
                  int64_t *images)
{
	int64_t cutoff = now_ms - (int64_t)days * 86400 * 1000, total = 0, imgs = 0, n;
	char detail[160];

	if (days == 0)
		return 0;
	do {
		n = batch(srv, cutoff, &imgs);
		if (n < 0)
			return (int)n;
		total += n;
	} while (n > 0);
	store_sessions_expire(srv->store, now_ms);
	if (total) {
		snprintf(detail, sizeof(detail),
		         "deleted %lld captures older than %u days and %lld images",
		         (long long)total, days, (long long)imgs);
		audit_record(srv->store, "system", 0, "retention", NULL, detail);
	}
	if (captures)
		*captures = total;
	if (images)
		*images = imgs;
	return 0;
}
