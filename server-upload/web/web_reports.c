/* web_reports.c: the weekly report on the web (/reports/<school>/<YYYY-Www>), HTML, PDF, CSV. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "localzone.h"
#include "log.h"
#include "report.h"
#include "server.h"
#include "store_moderation.h"
#include "web.h"

#define PREFIX "/reports/"

#define MAX_SCHOOLS 1000 /* listed on the index; one server rarely holds more than 50 */

struct school_names {
	char *v[MAX_SCHOOLS];
	int n;
};

static int add_school(const char *name, void *ud)
{
	struct school_names *s = ud;

	if (s->n == MAX_SCHOOLS)
		return 0;
	s->v[s->n] = strdup(name);
	return s->v[s->n] ? (s->n++, 0) : -ENOMEM;
}

struct week_links {
	struct html *h;
	const char *school, *this_week;
};

/* A link to one week's report of the school, in a format ("" for the page). */
static void report_link(struct html *h, const char *school, const char *week, const char *arg,
                        const char *text)
{
	html_raw(h, "<a href=\"" PREFIX);
	html_url(h, school);
	html_raw(h, "/");
	html_raw(h, week);
	html_raw(h, arg);
	html_raw(h, "\">");
	html_text(h, text);
	html_raw(h, "</a>");
}

/* One week of the index: its report, how many captures, its PDF and CSV. */
static int week_link(const char *week, long captures, void *ud)
{
	struct week_links *l = ud;

	html_raw(l->h, "<li>");
	report_link(l->h, l->school, week, "", week);
	html_fmt(l->h, "%s: %ld %s · ", strcmp(week, l->this_week) == 0 ? " (this week)" : "",
	         captures, report_plural(captures, "capture", "captures"));
	report_link(l->h, l->school, week, "?format=pdf", "PDF");
	html_raw(l->h, " · ");
	report_link(l->h, l->school, week, "?format=csv", "CSV");
	html_raw(l->h, "</li>");
	return 0;
}

/* Every week with captures of each school the user sees, newest first, this week too. */
static void index_page(struct web_ctx *w)
{
	struct school_names names = {.n = 0};
	struct week_links l;
	char this_week[16];
	int64_t id;
	struct html h;
	int r;

	report_week_label(w->now, this_week, sizeof(this_week));
	r = store_schools_list(w->srv->store, w->u.school_id, add_school, &names);
	html_init(&h);
	web_page_start(&h, w, "Reports");
	html_raw(&h, "<h1>Weekly reports</h1><p class=\"muted\">Every week with captures, newest "
	             "first; a week runs from Monday 00:00 (");
	html_text(&h, localzone_name());
	html_raw(&h, ").</p>");
	for (int i = 0; r == 0 && i < names.n; i++) {
		html_raw(&h, "<h2>");
		html_text(&h, names.v[i]);
		html_raw(&h, "</h2><ul class=\"weeks\">");
		l = (struct week_links){&h, names.v[i], this_week};
		r = store_school_lookup(w->srv->store, names.v[i], &id);
		if (r == 0)
			r = report_weeks(w->srv->store, id, week_link, &l);
		html_raw(&h, "</ul>");
	}
	for (int i = 0; i < names.n; i++)
		free(names.v[i]);
	if (r < 0) {
		html_free(&h);
		web_error(w, 503, "The database is not available; try again shortly.");
		return;
	}
	html_raw(&h, "<p class=\"muted\">A week without captures has a report too: change the "
	             "end of the address, e.g. <code>/reports/School/2026-W47</code>.</p>");
	web_page_end(&h);
	web_send(w, &h, 200);
}

static void send_report(struct web_ctx *w, struct report *r)
{
	const char *format = web_arg(w, "format");
	struct html h;
	char *data;
	size_t len;

	if (strcmp(format, "pdf") == 0) {
		if (report_pdf(r, w->srv->blobs, &data, &len) < 0) {
			web_error(w, 503, "The PDF could not be made.");
			return;
		}
		web_send_raw(w->resp, 200, "application/pdf", data, len);
		return;
	}
	html_init(&h);
	if (strcmp(format, "csv") == 0) {
		report_csv(r, &h);
		data = html_take(&h, &len);
		if (data)
			web_send_raw(w->resp, 200, "text/csv; charset=utf-8", data, len);
		else
			web_error(w, 503, "Out of memory.");
		return;
	}
	web_page_start(&h, w, "Weekly report");
	html_raw(&h, "<p><a id=\"pdf\" href=\"?format=pdf\">PDF</a> · <a id=\"csv\" "
	             "href=\"?format=csv\">CSV</a></p>");
	report_html(r, NULL, &h, false);
	web_page_end(&h);
	web_send(w, &h, 200);
}

void web_reports_get(void *ctx, struct http_request *req, struct http_response *resp)
{
	const char *path = http_request_path(req) + strlen(PREFIX), *slash;
	struct report *r = NULL;
	char school[128];
	struct web_ctx w;
	int ret;

	if (web_begin(ctx, req, resp, WEB_MODERATOR | WEB_HEADTEACHER, &w) < 0)
		goto out;
	if (!*path) {
		index_page(&w);
		goto out;
	}
	slash = strrchr(path, '/');
	if (!slash || (size_t)(slash - path) >= sizeof(school)) {
		web_not_found(&w);
		goto out;
	}
	snprintf(school, sizeof(school), "%.*s", (int)(slash - path), path);
	if (w.u.school_id && strcmp(school, w.u.school) != 0) {
		web_not_found(&w);
		goto out;
	}
	ret = report_build(w.srv->store, school, slash + 1, &r);
	if (ret == -ENOENT || ret == -EINVAL) {
		web_not_found(&w);
		goto out;
	}
	if (ret < 0) {
		web_error(&w, 503, "The database is not available; try again shortly.");
		goto out;
	}
	audit_record(w.srv->store, w.u.login, r->school_id, "report", NULL, r->week);
	send_report(&w, r);
out:
	report_free(r);
	web_end(&w);
}
