/* web_audit.c: the audit log page (/audit): who viewed or decided what, for the user's scope. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "parse.h"
#include "server.h"
#include "web.h"

#define AUDIT_PAGE 500

static int audit_row(const char *const *c, int n, void *ud)
{
	struct html *h = ud;
	char when[32];
	int64_t t = 0;

	if (n < 6)
		return -EIO;
	parse_int64(c[0], INT64_MIN, INT64_MAX, &t);
	web_time(t, when, sizeof(when));
	html_raw(h, "<tr><td>");
	html_text(h, when);
	html_raw(h, "</td><td>");
	html_text(h, c[1]);
	html_raw(h, "</td><td>");
	html_text(h, c[2] ? c[2] : "");
	html_raw(h, "</td><td class=\"action\">");
	html_text(h, c[3]);
	html_raw(h, "</td><td>");
	if (c[4]) {
		html_raw(h, "<a href=\"/captures/");
		html_url(h, c[4]);
		html_raw(h, "\">");
		html_text(h, c[4]);
		html_raw(h, "</a>");
	}
	html_raw(h, "</td><td>");
	html_text(h, c[5]);
	html_raw(h, "</td></tr>");
	return 0;
}

void web_audit_get(void *ctx, struct http_request *req, struct http_response *resp)
{
	struct web_ctx w;
	struct html h;
	struct store_param p[2];
	int r;

	if (web_begin(ctx, req, resp, WEB_MODERATOR | WEB_HEADTEACHER, &w) < 0)
		goto out;
	p[0] = (struct store_param){.i = w.u.school_id, .is_int = true};
	p[1] = (struct store_param){.text = web_arg(&w, "capture")};
	html_init(&h);
	web_page_start(&h, &w, "Audit log");
	html_raw(&h, "<h1>Audit log</h1><p class=\"muted\">Every view of a capture and every "
	             "action, newest first (the last 500; filter with ?capture=ID).</p>"
	             "<table id=\"audit\"><thead><tr><th>Time (UTC)</th><th>Who</th>"
	             "<th>School</th><th>Action</th><th>Capture</th><th>Detail</th></tr></thead>"
	             "<tbody>");
	r = w.srv->store->ops->query(
	    w.srv->store,
	    "SELECT a.time, a.login, sc.name, a.action, a.capture_id, a.detail FROM audit a "
	    "LEFT JOIN schools sc ON sc.id = a.school_id WHERE (CAST($1 AS BIGINT) = 0 OR "
	    "a.school_id = CAST($1 AS BIGINT)) AND ($2 = '' OR a.capture_id = $2) "
	    "ORDER BY a.time DESC, a.id DESC LIMIT 500",
	    p, 2, audit_row, &h, NULL);
	if (r < 0) {
		html_free(&h);
		web_error(&w, 503, "The database is not available; try again shortly.");
		goto out;
	}
	html_raw(&h, "</tbody></table>");
	web_page_end(&h);
	web_send(&w, &h, 200);
out:
	web_end(&w);
}
