/* web_wordlists.c: the technicians' phrase-list page: view, edit, "would this be caught?", rule
 * counts. */
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
#include "store_moderation.h"
#include "web.h"

#define MAX_RULES 4096

struct rule_count {
	char rule[260];
	long hits, fp, concern;
};

struct rule_stats {
	struct rule_count *v;
	size_t n;
};

/* Counts captures per reason.rule and how many were false positives or concerns. */
static int rule_row(const char *record, const char *status, void *ud)
{
	struct rule_stats *st = ud;
	json_t *rec;
	const char *rule;
	size_t i;

	rec = json_loads(record, 0, NULL);
	rule = json_string_value(json_object_get(json_object_get(rec, "reason"), "rule"));
	for (i = 0; rule && i < st->n && strcmp(st->v[i].rule, rule) != 0; i++)
		;
	if (rule && i == st->n && st->n < MAX_RULES)
		snprintf(st->v[st->n++].rule, sizeof(st->v[0].rule), "%s", rule);
	if (rule && i < st->n) {
		st->v[i].hits++;
		st->v[i].fp += strcmp(status, "false-positive") == 0;
		st->v[i].concern +=
		    strcmp(status, "concern") == 0 || strcmp(status, "escalated") == 0;
	}
	json_decref(rec);
	return 0;
}

static int by_fp(const void *a, const void *b)
{
	const struct rule_count *x = a, *y = b;

	if (x->fp != y->fp)
		return x->fp < y->fp ? 1 : -1;
	return x->hits < y->hits ? 1 : x->hits > y->hits ? -1 : 0;
}

static void rule_table(struct web_ctx *w, struct html *h)
{
	struct rule_stats st = {calloc(MAX_RULES, sizeof(struct rule_count)), 0};

	if (!st.v)
		return;
	store_capture_records(w->srv->store, w->u.school_id, rule_row, &st);
	qsort(st.v, st.n, sizeof(st.v[0]), by_fp);
	html_raw(h, "<h2>Rules by false positives</h2><table id=\"rules\"><thead><tr><th>Rule</th>"
	            "<th>Hits</th><th>False positives</th><th>Concerns</th><th>FP rate</th></tr>"
	            "</thead><tbody>");
	for (size_t i = 0; i < st.n; i++) {
		html_raw(h, "<tr><td>");
		html_text(h, st.v[i].rule);
		html_fmt(h, "</td><td>%ld</td><td>%ld</td><td>%ld</td><td>%.0f%%</td></tr>",
		         st.v[i].hits, st.v[i].fp, st.v[i].concern,
		         100.0 * (double)st.v[i].fp / (double)st.v[i].hits);
	}
	html_raw(h, "</tbody></table>");
	free(st.v);
}

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

static void list_files(struct web_ctx *w, struct html *h, const char *show)
{
	struct bundle_msgs msgs = {0};
	struct bundle_file *files = NULL;
	size_t n = 0, nshared = 0;

	if (read_lists_n(w, &files, &n, &nshared, &msgs) < 0) {
		html_raw(h, "<p class=\"error\">Cannot read the lists directory.</p>");
		bundle_msgs_clear(&msgs);
		return;
	}
	for (int part = 0; part < 2; part++) {
		size_t from = part ? nshared : 0, to = part ? n : nshared;
		if (part && !w->u.school_id)
			break;
		if (part) {
			html_raw(h, "<h2>Lists of ");
			html_text(h, w->u.school);
			html_raw(h,
			         "</h2><p>Your school's own lists: its machines get them on top of "
			         "the shared ones.</p><ul id=\"school-files\">");
		} else {
			html_raw(h,
			         w->u.school_id
			             ? "<h2>Shared lists</h2><p>Every school's machines get these; "
			               "they are edited by a technician without a school (the "
			               "trust's or the local authority's).</p><ul id=\"files\">"
			             : "<h2>Files</h2><ul id=\"files\">");
		}
		for (size_t i = from; i < to; i++) {
			html_raw(h, "<li><a href=\"/wordlists?file=");
			html_url(h, files[i].name);
			html_raw(h, "\">");
			html_text(h, files[i].name);
			html_fmt(h, "</a> (%zu bytes)</li>", files[i].len);
		}
		html_raw(h, "</ul>");
	}
	for (size_t i = 0; show && i < n; i++) {
		if (strcmp(files[i].name, show) != 0)
			continue;
		if (w->u.school_id && i < nshared) { /* a shared list, to read */
			html_raw(h, "<h2>");
			html_text(h, show);
			html_raw(h, " (shared; read only)</h2><pre id=\"shared-text\">");
			html_textn(h, files[i].text, files[i].len);
			html_raw(h, "</pre>");
			break;
		}
		html_raw(h, "<h2>Edit ");
		html_text(h, show);
		html_raw(h, "</h2><form method=\"post\" action=\"/wordlists\">");
		web_csrf_field(h, w);
		html_raw(h, "<input type=\"hidden\" name=\"action\" value=\"save\">"
		            "<input type=\"hidden\" name=\"file\" value=\"");
		html_text(h, show);
		html_raw(h, "\"><textarea name=\"text\" rows=\"24\" cols=\"90\">");
		html_textn(h, files[i].text, files[i].len);
		html_raw(h,
		         "</textarea><br><button type=\"submit\">Check and save</button></form>");
	}
	bundle_files_free(files, n);
	bundle_msgs_clear(&msgs);
}

static void page(struct web_ctx *w, int status, const char *show, const char *scan,
                 const struct bundle_msgs *msgs, const char *outcome)
{
	struct html h;

	html_init(&h);
	web_page_start(&h, w, "Phrase lists");
	html_raw(&h, "<h1>Phrase lists</h1>");
	if (outcome) {
		html_raw(&h, status == 200 ? "<p class=\"ok\" id=\"outcome\">"
		                           : "<p class=\"error\" id=\"outcome\">");
		html_text(&h, outcome);
		html_raw(&h, "</p>");
	}
	if (msgs && msgs->n) {
		html_raw(&h, "<ul id=\"lint\">");
		for (size_t i = 0; i < msgs->n; i++) {
			html_raw(&h, "<li>");
			html_text(&h, msgs->v[i]);
			html_raw(&h, "</li>");
		}
		html_raw(&h, "</ul>");
	}
	html_raw(&h, "<form method=\"post\" action=\"/wordlists\"><label>Would this be caught? "
	             "<input name=\"text\" size=\"60\" id=\"scan-text\"></label>"
	             "<input type=\"hidden\" name=\"action\" value=\"scan\">");
	web_csrf_field(&h, w);
	html_raw(&h, "<button type=\"submit\">Scan</button></form>");
	if (scan)
		scan_box(w, &h, scan);
	html_raw(&h, "<h2>New or replaced file</h2><form method=\"post\" action=\"/wordlists\">");
	web_csrf_field(&h, w);
	html_raw(&h, "<input type=\"hidden\" name=\"action\" value=\"save\"><label>Name "
	             "<input name=\"file\" placeholder=\"bullying.txt\" required></label>"
	             "<textarea name=\"text\" rows=\"6\" cols=\"90\"></textarea><br>"
	             "<button type=\"submit\">Check and save</button></form>");
	list_files(w, &h, show);
	rule_table(w, &h);
	web_page_end(&h);
	web_send(w, &h, status);
}

void web_wordlists_get(void *ctx, struct http_request *req, struct http_response *resp)
{
	struct web_ctx w;

	if (web_begin(ctx, req, resp, WEB_TECHNICIAN, &w) == 0)
		page(&w, 200, *web_arg(&w, "file") ? web_arg(&w, "file") : NULL, NULL, NULL, NULL);
	web_end(&w);
}

void web_wordlists_post(void *ctx, struct http_request *req, struct http_response *resp)
{
	struct bundle_msgs msgs = {0};
	const char *action, *file, *text;
	char outcome[300];
	struct web_ctx w;
	int r;

	if (web_begin(ctx, req, resp, WEB_TECHNICIAN, &w) < 0)
		goto out;
	action = web_field(&w, "action");
	file = web_field(&w, "file");
	text = web_field(&w, "text");
	if (action && strcmp(action, "scan") == 0 && text) {
		page(&w, 200, NULL, text, NULL, NULL);
		goto out;
	}
	if (!action || strcmp(action, "save") != 0 || !file || !text || !bundle_name_ok(file)) {
		page(&w, 400, NULL, NULL, NULL,
		     "List names are letters, digits, '.', '_', '-' ending .txt or .inc.");
		goto out;
	}
	/* A school's technician saves the school's own lists; the shared ones are saved by
	 * a technician without a school (wordlists.h). */
	r = w.u.school_id
	        ? wordlists_put_school(w.srv->lists, w.u.school_id, file, text, strlen(text), &msgs)
	        : wordlists_put(w.srv->lists, file, text, strlen(text), &msgs);
	if (r == 0) {
		snprintf(outcome, sizeof(outcome), "Saved %s; the new lists are served.", file);
		audit_record(w.srv->store, w.u.login, w.u.school_id, "wordlist-save", NULL, file);
		log_info("phrase list %s changed by %s on the web", file, w.u.login);
	} else {
		snprintf(outcome, sizeof(outcome),
		         r == -EINVAL ? "Refused %s: fix the errors below; the last good lists are "
		                        "still served."
		         : r == -EEXIST
		             ? "Refused %s: it is a shared list, edited by a technician without a "
		               "school. Your school's own lists add files of other names."
		             : "Could not save %s.",
		         file);
		audit_record(w.srv->store, w.u.login, w.u.school_id, "wordlist-refused", NULL,
		             file);
	}
	page(&w,
	     r == 0         ? 200
	     : r == -EINVAL ? 400
	     : r == -EEXIST ? 403
	                    : 503,
	     file, NULL, &msgs, outcome);
out:
	bundle_msgs_clear(&msgs);
	web_end(&w);
}
