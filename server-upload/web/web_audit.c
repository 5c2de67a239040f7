/* web_audit.c: the audit log page (/audit): who viewed or decided what, for the user's scope. */
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "server.h"
#include "web.h"

#define AUDIT_PAGE 500

static int audit_row(const struct audit_entry *e, void *ud)
{
	struct html *h = ud;
	char when[32];

	web_time(e->time_ms, when, sizeof(when));
	html_raw(h, "<tr><td>");
	html_text(h, when);
	html_raw(h, "</td><td>");
	html_text(h, e->login);
	html_raw(h, "</td><td>");
	html_text(h, e->school);
	html_raw(h, "</td><td class=\"action\">");
	html_text(h, e->action);
	html_raw(h, "</td><td>");
	if (e->capture_id) {
		html_raw(h, "<a href=\"/captures/");
		html_url(h, e->capture_id);
		html_raw(h, "\">");
		html_text(h, e->capture_id);
		html_raw(h, "</a>");
	}
	html_raw(h, "</td><td>");
	html_text(h, e->detail);
	html_raw(h, "</td></tr>");
	return 0;
}

void web_audit_get(void *ctx, struct http_request *req, struct http_response *resp)
{
	struct web_ctx w;
	struct html h;
	int r;

	if (web_begin(ctx, req, resp, WEB_MODERATOR | WEB_HEADTEACHER, &w) < 0)
		goto out;
	html_init(&h);
	web_page_start(&h, &w, "Audit log");
	html_raw(&h, "<h1>Audit log</h1><p class=\"muted\">Every view of a capture and every "
	             "action, newest first (the last 500; filter with ?capture=ID).</p>"
	             "<table id=\"audit\"><thead><tr><th>");
	web_time_heading(&h, "Time");
	html_raw(&h, "</th><th>Who</th>"
	             "<th>School</th><th>Action</th><th>Capture</th><th>Detail</th></tr></thead>"
	             "<tbody>");
	r = audit_list(w.srv->store, w.u.school_id, web_arg(&w, "capture"), AUDIT_PAGE, audit_row,
	               &h);
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
