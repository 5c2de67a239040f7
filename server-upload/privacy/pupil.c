/* pupil.c: subject access and erasure for one pupil (docs/privacy.md):
 * "vigil-server pupil export|delete --school NAME USER". */
#include "pupil.h"

#include <errno.h>
#include <stdbool.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "images.h"
#include "server.h"
#include "store_moderation.h"
#include "store_privacy.h"
#include "store_roster.h"

#define MAX_IDS 100000

struct ids {
	char **id, **sha;
	size_t n, cap;
	int64_t school_id;
};

static int id_row(const char *id, const char *sha, int64_t school_id, void *ud)
{
	struct ids *l = ud;

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
	l->id[l->n] = strdup(id);
	l->sha[l->n] = strdup(sha);
	l->school_id = school_id;
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
	return store_pupil_capture_ids(srv->store, school, user, id_row, l);
}

struct exp {
	struct server *srv;
	FILE *out;
	int64_t withheld;
	json_t *pupil; /* the roster's entry, or NULL */
};

/* The roster's entry as the export's "pupil" object. */
static int pupil_json(const struct store_pupil_info *i, void *ud)
{
	json_t **out = ud;

	*out = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b}", "login", i->p.login,
	                 "given_name", i->p.given_name, "family_name", i->p.family_name,
	                 "preferred_name", i->p.preferred_name, "year_group", i->p.year_group,
	                 "reg_group", i->p.reg_group, "flags", i->p.flags, "current", i->current);
	return *out ? 0 : -ENOMEM;
}

/* Puts the bytes of image sha (base64) into shot.data, or (hidden) a withheld note.
 * Returns 1 when withheld, else 0. */
static int put_image(struct exp *e, json_t *shot, const char *sha, bool hidden)
{
	void *data = NULL;
	size_t len = 0;

	if (!json_is_object(shot))
		return 0;
	if (hidden) {
		json_object_set_new(shot, "withheld",
		                    json_string("hidden by a moderator as possible child abuse "
		                                "material; not disclosed"));
		return 1;
	}
	if (sha && *sha && blobs_get(e->srv->blobs, sha, &data, &len) == 0) {
		size_t b64len = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
		char *b64 = malloc(b64len);
		if (b64) {
			sodium_bin2base64(b64, b64len, data, len, sodium_base64_VARIANT_ORIGINAL);
			json_object_set_new(shot, "data", json_string(b64));
			free(b64);
		}
		free(data);
	}
	return 0;
}

/* One JSON line: the stored record with the bytes of the screenshot and of each frame put
 * back (base64), unless a moderator hid the image: then they are withheld (the frames
 * of the moment too), and the line says so. */
static int export_row(const char *record, const char *sha, const char *status, bool hidden,
                      void *ud)
{
	struct exp *e = ud;
	json_error_t jerr;
	json_t *rec, *frame;
	size_t i;
	char *line;

	if (!(rec = json_loads(record, 0, &jerr)))
		return -EINVAL;
	json_object_set_new(rec, "status", json_string(status));
	if (e->pupil)
		json_object_set(rec, "pupil", e->pupil);
	e->withheld += put_image(e, json_object_get(rec, "screenshot"), sha, hidden);
	json_array_foreach(json_object_get(rec, "frames"), i, frame)
	{
		put_image(e, frame, json_string_value(json_object_get(frame, "sha256")), hidden);
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
                 int64_t *count, int64_t *withheld)
{
	struct exp e = {srv, out, 0, NULL};
	struct ids l = {0};
	int64_t school_id;
	int r = find(srv, school, user, &l);

	*count = (int64_t)l.n;
	ids_free(&l);
	if (r < 0)
		return r;
	/* The roster's entry (names, groups, flags) goes with every capture: the pupil's
	 * own data too. */
	if (store_school_lookup(srv->store, school, &school_id) == 0 &&
	    (r = store_pupil_find(srv->store, school_id, user, pupil_json, &e.pupil)) < 0)
		return r;
	r = store_pupil_records(srv->store, school, user, export_row, &e);
	json_decref(e.pupil);
	if (r == 0 && fflush(out) != 0)
		r = -EIO;
	*withheld = e.withheld;
	return r;
}

static int frame_sha(const struct store_frame *f, void *ud)
{
	return image_list_add(ud, f->sha256);
}

int pupil_delete(struct server *srv, const char *school, const char *user, int64_t *captures,
                 int64_t *images)
{
	struct store *s = srv->store;
	struct ids l = {0};
	struct image_list shown = {0};
	char detail[128];
	int r = find(srv, school, user, &l);

	*captures = *images = 0;
	/* Their screenshots and frames, before the rows that name them go. */
	for (size_t i = 0; r == 0 && i < l.n; i++)
		if ((r = image_list_add(&shown, l.sha[i])) == 0)
			r = store_capture_frames(s, l.id[i], frame_sha, &shown);
	for (size_t i = 0; r == 0 && i < l.n; i++) {
		r = store_capture_erase(s, l.id[i]);
		if (r == 0)
			(*captures)++;
	}
	/* Images no other capture shows. */
	for (size_t i = 0; r >= 0 && i < shown.n; i++)
		if ((r = image_release(srv, shown.sha[i])) > 0)
			(*images)++;
	image_list_free(&shown);
	if (r > 0)
		r = 0;
	/* Audit entries about the pupil by name (views of the timeline); those about the
	 * captures went with them. */
	if (r == 0 && l.n)
		r = store_audit_erase_pupil(s, l.school_id, user);
	/* The roster's entry too (a current pupil comes back with the next import). */
	if (r == 0 && l.n)
		r = store_pupil_erase(s, l.school_id, user);
	if (r == 0 && l.n) {
		snprintf(detail, sizeof(detail), "erasure request: %lld captures, %lld images",
		         (long long)*captures, (long long)*images);
		audit_record(srv->store, "admin", l.school_id, "pupil-erased", NULL, detail);
	}
	/* SQLite keeps deleted rows in free pages and the WAL until they are overwritten. */
	if (r == 0 && (!srv->cfg->database || !*srv->cfg->database)) {
		r = store_sqlite_compact(s);
	}
	ids_free(&l);
	return r;
}
