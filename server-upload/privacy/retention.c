/* retention.c: deletes captures older than the retention period, rows and unreferenced images. */
#include "retention.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "images.h"
#include "server.h"
#include "store_privacy.h"
#include "store_users.h"

#define BATCH 500

struct shas {
	char (*v)[72];
	size_t n;
};

static int sha_row(const char *sha, void *ud)
{
	struct shas *s = ud;

	if (s->n < BATCH)
		snprintf(s->v[s->n++], 72, "%s", sha);
	return 0;
}

static int frame_row(const char *sha, void *ud)
{
	return image_list_add(ud, sha);
}

/* Deletes the old captures showing one screenshot, then the images (that screenshot and
 * their frames') nothing shows any more. Returns captures deleted or -errno. */
static int64_t erase_image(struct server *srv, int64_t cutoff, const char *sha, int64_t *images)
{
	struct image_list l = {0};
	int64_t changes = 0;
	int r = image_list_add(&l, sha);

	if (r == 0)
		r = store_old_frame_images(srv->store, cutoff, sha, frame_row, &l);
	if (r == 0)
		r = store_old_captures_erase(srv->store, cutoff, sha, &changes);
	for (size_t i = 0; r >= 0 && i < l.n; i++)
		if ((r = image_release(srv, l.sha[i])) > 0)
			(*images)++;
	image_list_free(&l);
	return r < 0 ? r : changes;
}

/* One batch: up to BATCH images' captures. Returns captures deleted (>= 0) or -errno. */
static int64_t batch(struct server *srv, int64_t cutoff, int64_t *images)
{
	struct shas shas = {calloc(BATCH, 72), 0};
	int64_t deleted = 0, n = 0;
	int r;

	if (!shas.v)
		return -ENOMEM;
	r = store_old_images(srv->store, cutoff, BATCH, sha_row, &shas);
	for (size_t i = 0; r == 0 && i < shas.n && n >= 0; i++)
		if ((n = erase_image(srv, cutoff, shas.v[i], images)) >= 0)
			deleted += n;
	free(shas.v);
	return r < 0 ? r : n < 0 ? n : deleted;
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
