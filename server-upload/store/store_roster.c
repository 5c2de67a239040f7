/* store_roster.c: each school's pupils (names, year and registration group, flags) and leavers. */
#include "store_roster.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store_moderation.h"
#include "store_rows.h"

#define PUPIL_COLS                                                                                 \
	"login, given_name, family_name, preferred_name, year_group, reg_group, flags, current, "  \
	"left_time"

/* A stored pupil, copied out of a row. */
struct held {
	char *v[7];
	bool current;
};

struct import {
	const char *school;
	const struct store_pupil *pupils;
	size_t n;
	int64_t now;
	struct store_roster_counts counts;
	int64_t school_id;
	struct held *old;
	size_t nold, capold;
};

static int held_row(const char *const *c, int n, void *ud)
{
	struct import *im = ud;
	struct store_row r;
	struct held *h;

	if (im->nold == im->capold) {
		size_t cap = im->capold ? im->capold * 2 : 256;
		struct held *a = realloc(im->old, cap * sizeof(*a));
		if (!a)
			return -ENOMEM;
		im->old = a;
		im->capold = cap;
	}
	store_row_init(&r, c, n, 9);
	h = &im->old[im->nold];
	memset(h, 0, sizeof(*h));
	for (int i = 0; i < 7; i++)
		if (!(h->v[i] = strdup(store_row_text(&r, i)))) {
			for (int j = 0; j < i; j++)
				free(h->v[j]);
			return -ENOMEM;
		}
	h->current = store_row_int(&r, 7) != 0;
	im->nold++;
	return r.err;
}

static const char *field(const struct store_pupil *p, int i)
{
	const char *v[7] = {p->login,      p->given_name, p->family_name, p->preferred_name,
	                    p->year_group, p->reg_group,  p->flags};
	return v[i];
}

static int cmp_held(const void *a, const void *b)
{
	return strcmp(((const struct held *)a)->v[0], ((const struct held *)b)->v[0]);
}

static struct held *find_held(struct import *im, const char *login)
{
	struct held key = {.v = {(char *)login}};

	return im->nold ? bsearch(&key, im->old, im->nold, sizeof(*im->old), cmp_held) : NULL;
}

static int import_body(struct store *tx, void *ud)
{
	struct import *im = ud;
	struct store_param sp = store_text(im->school), p[10];
	int64_t id = 0;
	bool *seen = NULL;
	int r;

	r = tx->ops->query(tx, "SELECT id FROM schools WHERE name = $1", &sp, 1, store_row_int64,
	                   &id, NULL);
	if (r < 0)
		return r;
	if (id == 0)
		return -ENOENT;
	im->school_id = id;
	p[0] = store_int(id);
	r = tx->ops->query(tx,
	                   "SELECT " PUPIL_COLS " FROM pupils WHERE school_id = CAST($1 AS BIGINT)",
	                   p, 1, held_row, im, NULL);
	if (r < 0)
		return r;
	qsort(im->old, im->nold, sizeof(*im->old), cmp_held);
	if (im->nold && !(seen = calloc(im->nold, sizeof(*seen))))
		return -ENOMEM;
	for (size_t i = 0; r == 0 && i < im->n; i++) {
		const struct store_pupil *np = &im->pupils[i];
		struct held *h = find_held(im, field(np, 0));
		bool same = h != NULL;

		for (int f = 1; h && f < 7; f++)
			same = same && (!field(np, f) || strcmp(h->v[f], field(np, f)) == 0);
		if (h)
			seen[h - im->old] = true;
		if (h && same && h->current) {
			im->counts.unchanged++;
			continue;
		}
		p[0] = store_int(id);
		for (int f = 0; f < 7; f++)
			p[1 + f] = store_text(field(np, f));
		p[8] = store_int(im->now);
		if (!h) {
			r = tx->ops->query(
			    tx,
			    "INSERT INTO pupils (school_id, login, given_name, "
			    "family_name, preferred_name, year_group, reg_group, flags, "
			    "current, added, updated) VALUES (CAST($1 AS BIGINT), $2, COALESCE($3, "
			    "''), "
			    "COALESCE($4, ''), COALESCE($5, ''), COALESCE($6, ''), "
			    "COALESCE($7, ''), COALESCE($8, ''), 1, CAST($9 AS BIGINT), "
			    "CAST($9 AS BIGINT))",
			    p, 9, NULL, NULL, NULL);
		} else {
			r = tx->ops->query(
			    tx,
			    "UPDATE pupils SET given_name = COALESCE($3, given_name), "
			    "family_name = COALESCE($4, family_name), preferred_name = "
			    "COALESCE($5, preferred_name), year_group = COALESCE($6, "
			    "year_group), reg_group = COALESCE($7, reg_group), flags = "
			    "COALESCE($8, flags), current = 1, left_time = NULL, "
			    "updated = CAST($9 AS BIGINT) WHERE school_id = CAST($1 AS "
			    "BIGINT) AND login = $2",
			    p, 9, NULL, NULL, NULL);
		}
		if (!h || !h->current)
			im->counts.added++;
		else
			im->counts.updated++;
	}
	for (size_t i = 0; r == 0 && i < im->nold; i++) {
		if (seen[i] || !im->old[i].current)
			continue;
		p[0] = store_int(id);
		p[1] = store_text(im->old[i].v[0]);
		p[2] = store_int(im->now);
		r = tx->ops->query(
		    tx,
		    "UPDATE pupils SET current = 0, left_time = CAST($3 AS BIGINT), "
		    "updated = CAST($3 AS BIGINT) WHERE school_id = CAST($1 AS BIGINT) "
		    "AND login = $2",
		    p, 3, NULL, NULL, NULL);
		im->counts.left++;
	}
	free(seen);
	return r;
}

int store_roster_import(struct store *s, const char *school, const struct store_pupil *pupils,
                        size_t n, int64_t now_ms, struct store_roster_counts *out)
{
	struct import im = {.school = school, .pupils = pupils, .n = n, .now = now_ms};
	int r = s->ops->transact(s, import_body, &im);

	for (size_t i = 0; i < im.nold; i++)
		for (int f = 0; f < 7; f++)
			free(im.old[i].v[f]);
	free(im.old);
	if (r == 0 && out)
		*out = im.counts;
	return r;
}

struct find_cb {
	store_pupil_fn fn;
	void *ud;
};

static int info_row(const char *const *c, int n, void *ud)
{
	struct find_cb *cb = ud;
	struct store_pupil_info i;
	struct store_row r;

	store_row_init(&r, c, n, 9);
	memset(&i, 0, sizeof(i));
	i.p.login = store_row_text(&r, 0);
	i.p.given_name = store_row_text(&r, 1);
	i.p.family_name = store_row_text(&r, 2);
	i.p.preferred_name = store_row_text(&r, 3);
	i.p.year_group = store_row_text(&r, 4);
	i.p.reg_group = store_row_text(&r, 5);
	i.p.flags = store_row_text(&r, 6);
	i.current = store_row_int(&r, 7) != 0;
	i.left_ms = store_row_int_or(&r, 8, 0);
	if (r.err)
		return r.err;
	return cb->fn(&i, cb->ud);
}

int store_pupil_find(struct store *s, int64_t school_id, const char *user, store_pupil_fn fn,
                     void *ud)
{
	char login[128];
	struct store_param p[2];
	struct find_cb cb = {fn, ud};
	size_t i;

	for (i = 0; user[i] && i + 1 < sizeof(login); i++)
		login[i] = (char)tolower((unsigned char)user[i]);
	login[i] = '\0';
	p[0] = store_int(school_id);
	p[1] = store_text(login);
	return s->ops->query(s,
	                     "SELECT " PUPIL_COLS " FROM pupils WHERE school_id = CAST($1 AS "
	                     "BIGINT) AND login = $2",
	                     p, 2, info_row, &cb, NULL);
}

int store_roster_list(struct store *s, const char *school, store_pupil_fn fn, void *ud)
{
	struct find_cb cb = {fn, ud};
	struct store_param p;
	int64_t id;
	int r = store_school_lookup(s, school, &id);

	if (r < 0)
		return r;
	p = store_int(id);
	return s->ops->query(s,
	                     "SELECT " PUPIL_COLS " FROM pupils WHERE school_id = CAST($1 AS "
	                     "BIGINT) ORDER BY current DESC, login",
	                     &p, 1, info_row, &cb, NULL);
}

int store_pupil_erase(struct store *s, int64_t school_id, const char *user)
{
	char login[128];
	struct store_param p[2];
	size_t i;

	for (i = 0; user[i] && i + 1 < sizeof(login); i++)
		login[i] = (char)tolower((unsigned char)user[i]);
	login[i] = '\0';
	p[0] = store_int(school_id);
	p[1] = store_text(login);
	return s->ops->query(
	    s, "DELETE FROM pupils WHERE school_id = CAST($1 AS BIGINT) AND login = $2", p, 2, NULL,
	    NULL, NULL);
}

int store_user_sees_flags(struct store *s, int64_t user_id, bool *yes)
{
	struct store_param p = store_int(user_id);
	int64_t v = 0;
	int r = s->ops->query(s, "SELECT see_flags FROM users WHERE id = CAST($1 AS BIGINT)", &p, 1,
	                      store_row_int64, &v, NULL);

	if (r == 0)
		*yes = v != 0;
	return r;
}

int store_user_set_sees_flags(struct store *s, const char *login, bool yes)
{
	struct store_param p[2] = {store_int(yes ? 1 : 0), store_text(login)};
	int64_t n = 0;
	int r = s->ops->query(s, "UPDATE users SET see_flags = CAST($1 AS BIGINT) WHERE login = $2",
	                      p, 2, NULL, NULL, &n);

	return r < 0 ? r : n == 0 ? -ENOENT : 0;
}
