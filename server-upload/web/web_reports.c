/* web_reports.c: the weekly report on the web (/reports/<school>/<YYYY-Www>), HTML, PDF, CSV. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "log.h"
#include "report.h"
#include "server.h"
#include "store_moderation.h"
#include "web.h"

#define PREFIX "/reports/"

static int school_link(const char *name, void *ud)
{
	void **a = ud;
	struct html *h = a[0];
	const char *week = a[1];

	html_raw(h, "<li><a href=\"/reports/");
	html_url(h, name);
	html_raw(h, "/");
	html_raw(h, week);
	html_raw(h, "\">");
	html_text(h, name);
	html_raw(h, "</a></li>");
	return 0;
}

static void index_page(struct web_ctx *w)
{
	char week[16];
	void *a[2];
	struct html h;

	report_week_label(w->now - 7LL * 86400 * 1000, week, sizeof(week));
	a[0] = &h;
	a[1] = week;
	html_init(&h);
	web_page_start(&h, w, "Reports");
	html_raw(&h, "<h1>Weekly reports</h1><p>Last week (");
	html_text(&h, week);
	html_raw(&h, "):</p><ul>");
	store_schools_list(w->srv->store, w->u.school_id, school_link, a);
	html_raw(&h, "</ul><p class=\"muted\">Another week: change the end of the address, e.g. "
	             "<code>/reports/School/2026-W47</code>.</p>");
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
