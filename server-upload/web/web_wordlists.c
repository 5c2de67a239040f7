/* web_wordlists.c: the technicians' phrase-list page: view, edit, history, rollback, "would this
 * be caught?", rule counts, the lists served. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "bundle.h"
#include "hitwhy.h"
#include "log.h"
#include "match.h"
#include "server.h"
#include "parse.h"
#include "rfc3339.h"
#include "store_lists.h"
#include "web.h"
#include "web_listedit.h"
#include "web_rulestats.h"
#include "web_served.h"

static int read_lists(struct web_ctx *w, struct bundle_file **files, size_t *n,
                      struct bundle_msgs *msgs);

struct scan_out {
	struct html *h;
	const char *text;
	int hits;
};

static void on_hit(const struct match_hit *hit, void *ud)
{
	struct scan_out *o = ud;
	char why[HITWHY_MAX];

	html_raw(o->h, "<li>");
	html_text(o->h, hit->category);
	html_fmt(o->h, " (severity %d): <mark>", hit->severity);
	html_textn(o->h, o->text + hit->start, (size_t)(hit->end - hit->start));
	html_raw(o->h, "</mark> by rule ");
	html_text(o->h, hit->rule);
	html_raw(o->h, " “");
	html_text(o->h, hit->phrase);
	html_raw(o->h, "”");
	if (hitwhy_format(why, sizeof(why), hit->severity, hit->base_severity, hit->context,
	                  hit->context_rule)) { /* what lowered it, as on the capture page */
		html_raw(o->h, "<span class=\"why\"> — ");
		html_text(o->h, why);
		html_raw(o->h, "</span>");
	}
	html_raw(o->h, "</li>");
	o->hits++;
}

/* "Would this be caught?": scans text with the lists in the directory. */
static void scan_box(struct web_ctx *w, struct html *h, const char *text)
{
	struct bundle_msgs msgs = {0};
	struct bundle_file *files = NULL;
	struct match_file *mf = NULL;
	struct match_lists *lists = NULL;
	struct match_errors *errs = NULL;
	struct scan_out o = {h, text, 0};
	size_t n = 0;

	html_raw(h, "<section id=\"scan-result\"><h2>Would this be caught?</h2>");
	if (read_lists(w, &files, &n, &msgs) == 0 && (mf = calloc(n ? n : 1, sizeof(*mf)))) {
		for (size_t i = 0; i < n; i++)
			mf[i] = (struct match_file){files[i].name, files[i].text, files[i].len};
		if (match_lists_compile(mf, n, &lists, &errs) == 0) {
			html_raw(h, "<ul>");
			match_scan(lists, text, strlen(text), on_hit, &o);
			html_raw(h, "</ul>");
			html_raw(h, o.hits ? "" : "<p>No: nothing in the lists matches.</p>");
			match_lists_unref(lists);
		} else {
			html_raw(h, "<p class=\"error\">The lists on disk do not compile.</p>");
		}
		match_errors_free(errs);
	}
	html_raw(h, "</section>");
	free(mf);
	bundle_files_free(files, n);
	bundle_msgs_clear(&msgs);
}

/* The lists the user's machines get: the shared ones, and for a school's technician the
 * school's own (wordlists.h); *nshared of them are shared. */
static int read_lists_n(struct web_ctx *w, struct bundle_file **files, size_t *n, size_t *nshared,
                        struct bundle_msgs *msgs)
{
	struct bundle_file *own = NULL, *v;
	char sdir[4400];
	size_t nown = 0;
	int r = bundle_read_dir(w->srv->cfg->lists, files, n, msgs);

	*nshared = *n;
	if (r < 0 || !w->u.school_id ||
	    wordlists_school_dir(w->srv->lists, w->u.school_id, sdir, sizeof(sdir)) < 0 ||
	    bundle_read_dir(sdir, &own, &nown, msgs) < 0 || nown == 0)
		return r;
	bundle_msgs_clear(msgs); /* a school without a directory yet is no error */
	if (!(v = realloc(*files, (*n + nown) * sizeof(*v)))) {
		bundle_files_free(own, nown);
		return r;
	}
	memcpy(v + *n, own, nown * sizeof(*v));
	free(own);
	*files = v;
	*n += nown;
	return r;
}

static int read_lists(struct web_ctx *w, struct bundle_file **files, size_t *n,
                      struct bundle_msgs *msgs)
{
	size_t nshared;

	return read_lists_n(w, files, n, &nshared, msgs);
}

/* What a page shows besides the lists: the file opened, a scan, a refused save. */
struct page_args {
	const char *show;               /* the file opened (?file=) */
	const char *scan;               /* text to scan */
	const struct bundle_msgs *msgs; /* a save's or rollback's messages */
	const char *outcome;
	const char *edit_text; /* the text of a refused save, kept in the editor */
	const char *new_text;  /* a text refused under a shared list's name, kept for a new one */
	int64_t diff;          /* a version to compare with the file now (?diff=) */
};

static void file_links(struct html *h, const struct bundle_file *files, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++) {
		html_raw(h, "<li><a href=\"/wordlists?file=");
		html_url(h, files[i].name);
		html_raw(h, "\">");
		html_text(h, files[i].name);
		html_raw(h, "</a> (");
		web_count(h, (int64_t)files[i].len, "byte", "bytes");
		html_raw(h, ")</li>");
	}
}

static void list_files(struct web_ctx *w, struct html *h, const struct page_args *a,
                       const struct bundle_file *files, size_t n, size_t nshared)
{
	struct web_list_view v = {
	    .file = a->show, .msgs = a->msgs, .school_id = w->u.school_id, .diff = a->diff};
	size_t i;

	if (w->u.school_id) {
		html_raw(h, "<h2>Shared lists</h2><p>Every school's machines get these; they are "
		            "edited by a technician without a school (the trust's or the local "
		            "authority's).</p><ul id=\"files\">");
		file_links(h, files, 0, nshared);
		html_raw(h, "</ul><h2>Lists of ");
		html_text(h, w->u.school);
		html_raw(h, "</h2><p>Your school's own lists: its machines get them on top of the "
		            "shared ones.</p><ul id=\"school-files\">");
		file_links(h, files, nshared, n);
	} else {
		html_raw(h, "<h2>Files</h2><ul id=\"files\">");
		file_links(h, files, 0, n);
	}
	html_raw(h, "</ul>");
	if (!a->show)
		return;
	for (i = 0; i < n && strcmp(files[i].name, a->show) != 0; i++)
		;
	if (i < n) {
		v.saved = files[i].text;
		v.saved_len = files[i].len;
		v.readonly = w->u.school_id && i < nshared;
	} else if (!a->edit_text) {
		return; /* no such file, and no refused text for it */
	}
	v.text = a->edit_text && !v.readonly ? a->edit_text : v.saved;
	v.len = v.text == a->edit_text ? strlen(a->edit_text) : v.saved_len;
	web_list_diff(h, w, &v);
	web_list_editor(h, w, &v);
	web_list_history(h, w, &v);
}

/* The lists served now and how many machines of each school run them. */
static void served(struct web_ctx *w, struct html *h)
{
	struct web_bundle_names names = {0};
	struct web_served *v = NULL;
	size_t n = 0;

	if (web_served_load(w, &v, &n, &names) < 0) {
		html_raw(h, "<p class=\"error\">The database is not available; which lists the "
		            "machines run is not shown.</p>");
	} else {
		web_served_headline(h, w, &names);
		web_served_table(h, v, n, &names);
	}
	free(v);
	web_bundle_names_free(&names);
}

static void page(struct web_ctx *w, int status, const struct page_args *a)
{
	struct bundle_msgs rmsgs = {0};
	struct bundle_file *files = NULL;
	size_t n = 0, nshared = 0;
	struct html h;

	html_init(&h);
	web_page_start(&h, w, "Phrase lists");
	html_raw(&h, "<style>@media (max-width:40em){textarea,input{max-width:100%;"
	             "box-sizing:border-box}#served,#rules,table.diff{display:block;"
	             "overflow-x:auto}}</style><h1>Phrase lists</h1>");
	if (a->outcome) {
		html_raw(&h, status == 200 ? "<p class=\"ok\" id=\"outcome\">"
		                           : "<p class=\"error\" id=\"outcome\">");
		html_text(&h, a->outcome);
		html_raw(&h, "</p>");
	}
	if (a->msgs && a->msgs->n && !a->show) {
		html_raw(&h, "<ul id=\"lint\">");
		for (size_t i = 0; i < a->msgs->n; i++) {
			html_raw(&h, "<li>");
			html_text(&h, a->msgs->v[i]);
			html_raw(&h, "</li>");
		}
		html_raw(&h, "</ul>");
	}
	served(w, &h);
	html_raw(&h, "<form method=\"post\" action=\"/wordlists\"><label>Would this be caught? "
	             "<input name=\"text\" size=\"60\" id=\"scan-text\"></label>"
	             "<input type=\"hidden\" name=\"action\" value=\"scan\">");
	web_csrf_field(&h, w);
	html_raw(&h, "<button type=\"submit\">Scan</button></form>");
	if (a->scan)
		scan_box(w, &h, a->scan);
	if (read_lists_n(w, &files, &n, &nshared, &rmsgs) < 0) {
		html_raw(&h, "<p class=\"error\">Cannot read the lists directory.</p>");
	} else {
		list_files(w, &h, a, files, n, nshared);
	}
	html_raw(&h, "<h2>New or replaced file</h2><form method=\"post\" action=\"/wordlists\">");
	web_csrf_field(&h, w);
	html_raw(&h, "<input type=\"hidden\" name=\"action\" value=\"save\"><label>Name "
	             "<input name=\"file\" placeholder=\"bullying.txt\" required></label>"
	             "<textarea name=\"text\" rows=\"6\" cols=\"90\" id=\"new-text\">");
	if (a->new_text) /* a text refused under a shared list's name: to save under another */
		html_text(&h, a->new_text);
	html_raw(&h, "</textarea><br><button type=\"submit\">Check and save</button></form>");
	web_rule_table(w, &h, files, n);
	bundle_files_free(files, n);
	bundle_msgs_clear(&rmsgs);
	web_page_end(&h);
	web_send(w, &h, status);
}

void web_wordlists_get(void *ctx, struct http_request *req, struct http_response *resp)
{
	struct web_ctx w;
	struct page_args a = {0};
	int64_t diff = 0;

	if (web_begin(ctx, req, resp, WEB_TECHNICIAN, &w) == 0) {
		a.show = *web_arg(&w, "file") ? web_arg(&w, "file") : NULL;
		if (*web_arg(&w, "diff") &&
		    parse_int64(web_arg(&w, "diff"), 1, INT64_MAX, &diff) == 0)
			a.diff = diff;
		page(&w, 200, &a);
	}
	web_end(&w);
}

/* Keeps a saved version in the history (store_list_version_save). A failure is logged:
 * the list is saved, its history misses a version. */
static void remember(struct web_ctx *w, const char *file, const char *before, const char *text,
                     int64_t restored)
{
	struct store_list_version v = {.school_id = w->u.school_id,
	                               .saved_ms = w->now,
	                               .file = file,
	                               .body = text,
	                               .author = w->u.login,
	                               .action = restored ? "rollback" : "save",
	                               .restored = restored};
	int r = store_list_version_save(w->srv->store, &v, before);

	if (r < 0)
		log_warning("phrase list %s saved by %s, but its history could not keep this "
		            "version: %s",
		            file, w->u.login, strerror(-r));
}

/* Saves text (LF line ends), or rolls back to it: the same check either way. */
static void save_lf(struct web_ctx *w, const char *file, const char *text, int64_t restored)
{
	struct bundle_msgs msgs = {0};
	struct page_args a = {.show = file, .msgs = &msgs};
	char outcome[600], detail[300];
	char *before = wordlists_text(w->srv->lists, w->u.school_id, file);
	int r;

	/* A school's technician saves the school's own lists; the shared ones are saved by
	 * a technician without a school (wordlists.h). */
	r = w->u.school_id ? wordlists_put_school(w->srv->lists, w->u.school_id, file, text,
	                                          strlen(text), &msgs)
	                   : wordlists_put(w->srv->lists, file, text, strlen(text), &msgs);
	if (restored)
		snprintf(detail, sizeof(detail), "%s to version %lld", file, (long long)restored);
	else
		snprintf(detail, sizeof(detail), "%s", file);
	if (r == 0) {
		remember(w, file, before, text, restored);
		if (restored)
			snprintf(outcome, sizeof(outcome),
			         "Rolled back %s to version %lld; the new lists are served.", file,
			         (long long)restored);
		else
			snprintf(outcome, sizeof(outcome), "Saved %s; the new lists are served.",
			         file);
		audit_record(w->srv->store, w->u.login, w->u.school_id,
		             restored ? "wordlist-rollback" : "wordlist-save", NULL, detail);
		log_info("phrase list %s changed by %s on the web", detail, w->u.login);
	} else {
		snprintf(outcome, sizeof(outcome),
		         r == -EINVAL ? "Refused %s: fix the errors below; the last good lists are "
		                        "still served."
		         : r == -EEXIST
		             ? "Refused %s: it is a shared list, edited by a technician without a "
		               "school. Your school's own lists add files of other names."
		             : "Could not save %s.",
		         detail);
		audit_record(w->srv->store, w->u.login, w->u.school_id,
		             restored ? "wordlist-rollback-refused" : "wordlist-refused", NULL,
		             detail);
		if (r == -EEXIST)
			a.new_text = text; /* not the shared list's: under "New or replaced file" */
		else
			a.edit_text = text; /* the technician's text stays in the editor */
	}
	a.outcome = outcome;
	page(w, r == 0 ? 200 : r == -EINVAL ? 400 : r == -EEXIST ? 403 : 503, &a);
	free(before);
	bundle_msgs_clear(&msgs);
}

/* text with a browser's CR LF line ends (HTML forms send a textarea so) as LF: malloc'd,
 * NULL when out of memory. */
static char *lf_lines(const char *text)
{
	char *t = strdup(text), *o = t;

	for (const char *p = text; t && *p; p++)
		if (!(p[0] == '\r' && p[1] == '\n'))
			*o++ = *p;
	if (t)
		*o = '\0';
	return t;
}

/* Saves (or rolls back to) text: the same check and the same refusal either way. */
static void save(struct web_ctx *w, const char *file, const char *sent, int64_t restored)
{
	char *text = lf_lines(sent);

	if (!text) {
		web_error(w, 503, "Out of memory; try again shortly.");
		return;
	}
	save_lf(w, file, text, restored);
	free(text);
}

struct version_text {
	char *body;
	int found;
};

static int version_text(const struct store_list_version *v, void *ud)
{
	struct version_text *t = ud;

	t->found = 1;
	t->body = v->body ? strdup(v->body) : NULL;
	return 0;
}

/* Rolls file back to a saved version, through the same check as a save. */
static void rollback(struct web_ctx *w, const char *file, const char *version)
{
	struct version_text t = {0};
	struct page_args a = {.show = file};
	int64_t id = 0;
	int r = -ENOENT;

	if (version && parse_int64(version, 1, INT64_MAX, &id) == 0)
		r = store_list_version_get(w->srv->store, w->u.school_id, file, id, version_text,
		                           &t);
	if (r == 0 && t.body) {
		save(w, file, t.body, id);
	} else {
		a.outcome = r == 0 ? "That version is the deletion of the file: roll back to "
		                     "a version before it."
		            : r == -ENOENT
		                ? "There is no such version of this list to roll back to."
		                : "The database is not available; try again shortly.";
		page(w, r == 0 ? 409 : r == -ENOENT ? 404 : 503, &a);
	}
	free(t.body);
}

void web_wordlists_post(void *ctx, struct http_request *req, struct http_response *resp)
{
	const char *action, *file, *text;
	struct page_args a = {0};
	struct web_ctx w;

	if (web_begin(ctx, req, resp, WEB_TECHNICIAN, &w) < 0)
		goto out;
	action = web_field(&w, "action");
	file = web_field(&w, "file");
	text = web_field(&w, "text");
	if (action && strcmp(action, "scan") == 0 && text) {
		a.scan = text;
		page(&w, 200, &a);
	} else if (!action || !file || !bundle_name_ok(file) ||
	           (strcmp(action, "save") != 0 && strcmp(action, "rollback") != 0) ||
	           (strcmp(action, "save") == 0 && !text)) {
		a.outcome = "List names are letters, digits, '.', '_', '-' ending .txt or .inc.";
		page(&w, 400, &a);
	} else if (strcmp(action, "rollback") == 0) {
		rollback(&w, file, web_field(&w, "version"));
	} else {
		save(&w, file, text, 0);
	}
out:
	web_end(&w);
}
