/* web_machines.c: the machines page (/machines): heartbeat, versions, spool, offline flag. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "server.h"
#include "web.h"

struct machines {
	struct web_ctx *w;
	struct html *h;
	int64_t offline_ms;
};

static int machine_row(const struct store_machine_info *m, void *ud)
{
	struct machines *ms = ud;
	struct html *h = ms->h;
	char seen[32] = "never";
	const char *status = m->revoked                                      ? "revoked"
	                     : !m->last_seen_ms                              ? "never-seen"
	                     : ms->w->now - m->last_seen_ms > ms->offline_ms ? "offline"
	                                                                     : "online";

	if (m->last_seen_ms)
		web_time(m->last_seen_ms, seen, sizeof(seen));
	html_raw(h, "<tr class=\"");
	html_raw(h, status);
	html_raw(h, "\"><td>");
	html_text(h, m->school);
	html_raw(h, "</td><td>");
	html_text(h, m->name);
	html_raw(h, "</td><td>");
	if (strcmp(status, "offline") == 0)
		html_raw(h, "<strong class=\"error\">offline</strong>");
	else
		html_raw(h, status);
	html_raw(h, "</td><td>");
	html_text(h, seen);
	html_raw(h, "</td><td>");
	html_text(h, m->version);
	html_raw(h, "</td><td>");
	html_text(h, m->wordlists);
	html_fmt(h, "</td><td>%lld</td><td>%lld</td></tr>", (long long)m->spooled,
	         (long long)m->dropped);
	return 0;
}

void web_machines_get(void *ctx, struct http_request *req, struct http_response *resp)
{
	struct web_ctx w;
	struct html h;
	struct machines ms;
	int r;

	if (web_begin(ctx, req, resp, WEB_MODERATOR | WEB_TECHNICIAN, &w) < 0)
		goto out;
	html_init(&h);
	ms = (struct machines){&w, &h, (int64_t)w.srv->cfg->offline_after * 1000};
	web_page_start(&h, &w, "Machines");
	html_fmt(&h,
	         "<h1>Machines</h1><p class=\"muted\">Offline: no heartbeat for %u s "
	         "(unplugged, or the agent was stopped).</p>",
	         w.srv->cfg->offline_after);
	html_raw(&h, "<table id=\"machines\"><thead><tr><th>School</th><th>Machine</th>"
	             "<th>Status</th><th>Last heartbeat (UTC)</th><th>Agent</th>"
	             "<th>Lists</th><th>Spooled</th><th>Dropped</th></tr></thead><tbody>");
	r = w.srv->store->ops->machines_list(w.srv->store, w.u.school_id ? w.u.school : NULL,
	                                     machine_row, &ms);
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
