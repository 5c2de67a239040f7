/* web_served.c: which phrase lists are served to each school and which its machines run. */
#include "web_served.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"
#include "store_lists.h"
#include "web.h"
#include "wordlists.h"

#define WEB_BUNDLE_NAMES 1000 /* the newest bundles named; older ones show their digits */

void web_count(struct html *h, int64_t n, const char *one, const char *many)
{
	html_fmt(h, "%lld ", (long long)n);
	html_text(h, n == 1 ? one : many);
}

static int name_row(const struct store_list_bundle *b, void *ud)
{
	struct web_bundle_names *names = ud;
	struct web_bundle_name *x = &names->v[names->n++];

	snprintf(x->version, sizeof(x->version), "%s", b->version);
	x->number = b->number;
	x->issued_ms = b->issued_ms;
	return names->n < WEB_BUNDLE_NAMES ? 0 : 1;
}

static int names_load(struct web_ctx *w, struct web_bundle_names *names)
{
	int r;

	names->n = 0;
	if (!names->v && !(names->v = calloc(WEB_BUNDLE_NAMES, sizeof(*names->v))))
		return -ENOMEM;
	r = store_list_bundles(w->srv->store, WEB_BUNDLE_NAMES, name_row, names);
	return r > 0 ? 0 : r;
}

void web_bundle_names_free(struct web_bundle_names *names)
{
	free(names->v);
	*names = (struct web_bundle_names){0};
}

static const struct web_bundle_name *name_of(const struct web_bundle_names *names,
                                             const char *version)
{
	for (size_t i = 0; version && i < names->n; i++)
		if (strcmp(names->v[i].version, version) == 0)
			return &names->v[i];
	return NULL;
}

bool web_bundle_numbered(const struct web_bundle_names *names, const char *version)
{
	return name_of(names, version) != NULL;
}

void web_bundle_label(struct html *h, const struct web_bundle_names *names, const char *version)
{
	const struct web_bundle_name *b = name_of(names, version);
	char when[32];

	if (!version || !*version) {
		html_raw(h, "none reported");
	} else if (b) {
		web_time(b->issued_ms, when, sizeof(when));
		html_fmt(h, "<span class=\"lists-version\" title=\"%s\">version %lld of ",
		         b->version, (long long)b->number);
		html_text(h, when);
		html_raw(h, "</span>");
	} else {
		html_raw(h, "<span class=\"lists-version\" title=\"");
		html_text(h, version);
		html_raw(h, "\">lists ");
		html_textn(h, version, strnlen(version, 8));
		html_raw(h, " (not served by this server)</span>");
	}
}

/* Numbers b the first time it is seen, so that machines running it read "version N". */
static int number(struct web_ctx *w, struct bundle *b, struct web_bundle_names *names, int *added)
{
	int r = 0;

	if (b && !name_of(names, bundle_version(b))) {
		r = store_list_bundle_seen(w->srv->store, bundle_version(b), bundle_issued(b),
		                           w->now);
		*added = 1;
		if (names->n < WEB_BUNDLE_NAMES) /* numbered when the names are read again */
			snprintf(names->v[names->n++].version, sizeof(names->v[0].version), "%s",
			         bundle_version(b));
	}
	return r;
}

struct served_acc {
	struct web_served *v;
	size_t n, cap;
};

static int count_row(const struct store_lists_count *c, void *ud)
{
	struct served_acc *a = ud;
	struct web_served *s = a->n ? &a->v[a->n - 1] : NULL, *v;

	if (!s || s->school_id != c->school_id) {
		if (a->n == a->cap) {
			size_t cap = a->cap ? a->cap * 2 : 16;
			if (!(v = realloc(a->v, cap * sizeof(*v))))
				return -ENOMEM;
			a->v = v;
			a->cap = cap;
		}
		s = &a->v[a->n++];
		*s = (struct web_served){.school_id = c->school_id};
		snprintf(s->school, sizeof(s->school), "%s", c->school);
	}
	s->machines += c->machines;
	if (!c->version || !*c->version)
		s->unreported += c->machines;
	return 0;
}

/* store_lists_counts again, now that each school's served version is known. */
static int served_row(const struct store_lists_count *c, void *ud)
{
	struct served_acc *a = ud;

	for (size_t i = 0; i < a->n; i++)
		if (a->v[i].school_id == c->school_id && c->version &&
		    strcmp(a->v[i].version, c->version) == 0)
			a->v[i].on_served += c->machines;
	return 0;
}

int web_served_load(struct web_ctx *w, struct web_served **out, size_t *n,
                    struct web_bundle_names *names)
{
	struct served_acc a = {0};
	struct bundle *b;
	int r, added = 0;

	r = names_load(w, names);
	if (r == 0)
		r = store_lists_counts(w->srv->store, w->u.school_id, count_row, &a);
	for (size_t i = 0; r == 0 && i < a.n; i++) {
		b = wordlists_for_school(w->srv->lists, a.v[i].school_id);
		if (b)
			snprintf(a.v[i].version, sizeof(a.v[i].version), "%s", bundle_version(b));
		r = number(w, b, names, &added);
		bundle_unref(b);
	}
	b = w->u.school_id ? wordlists_for_school(w->srv->lists, w->u.school_id)
	                   : wordlists_current(w->srv->lists);
	if (r == 0)
		r = number(w, b, names, &added);
	bundle_unref(b);
	if (r == 0)
		r = store_lists_counts(w->srv->store, w->u.school_id, served_row, &a);
	if (r == 0 && added)
		r = names_load(w, names);
	if (r < 0) {
		free(a.v);
		return r;
	}
	*out = a.v;
	*n = a.n;
	return 0;
}

void web_served_headline(struct html *h, struct web_ctx *w, const struct web_bundle_names *names)
{
	struct bundle *b = w->u.school_id ? wordlists_for_school(w->srv->lists, w->u.school_id)
	                                  : wordlists_current(w->srv->lists);

	html_raw(h, "<p id=\"served-now\">Served to machines now: ");
	if (b) {
		web_bundle_label(h, names, bundle_version(b));
		html_raw(h, " (");
		web_count(h, (int64_t)bundle_file_count(b), "file", "files");
		html_raw(h, ")");
	} else {
		html_raw(h, "<strong class=\"error\">no lists</strong> (the lists directory has "
		            "never compiled)");
	}
	html_raw(h, "</p>");
	bundle_unref(b);
}

void web_served_table(struct html *h, const struct web_served *v, size_t n,
                      const struct web_bundle_names *names)
{
	html_raw(h, "<table id=\"served\"><thead><tr><th>School</th><th>Lists served</th>"
	            "<th>Machines</th><th>Run them</th></tr></thead><tbody>");
	for (size_t i = 0; i < n; i++) {
		int64_t other = v[i].machines - v[i].on_served - v[i].unreported;
		html_raw(h, "<tr><td>");
		html_text(h, v[i].school);
		html_raw(h, "</td><td>");
		web_bundle_label(h, names, v[i].version);
		html_fmt(h, "</td><td>%lld</td><td class=\"%s\">", (long long)v[i].machines,
		         v[i].on_served == v[i].machines ? "ok" : "error");
		html_fmt(h, "%lld of %lld", (long long)v[i].on_served, (long long)v[i].machines);
		if (other > 0) {
			html_raw(h, "; ");
			web_count(h, other, "runs other lists", "run other lists");
		}
		if (v[i].unreported > 0) {
			html_raw(h, "; ");
			web_count(h, v[i].unreported, "has not reported yet",
			          "have not reported yet");
		}
		html_raw(h, "</td></tr>");
	}
	html_raw(h, "</tbody></table>");
	if (n == 0)
		html_raw(h, "<p>No machine is enrolled yet.</p>");
}
