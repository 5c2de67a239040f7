/* web_machines.c: the machines page (/machines): alarms, machines enrolled again, every machine. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"
#include "store_alarms.h"
#include "store_machines.h"
#include "localzone.h"
#include "web.h"
#include "web_machinelist.h"

struct machines {
	struct web_ctx *w;
	struct html *h;
	int64_t offline_ms;
	int alarms;
};

#define TAMPER_DAYS 7

static int alarm_row(const struct store_machine_alarm *a, void *ud)
{
	struct machines *ms = ud;
	struct html *h = ms->h;
	char when[32];

	html_raw(h, "<tr><td>");
	html_text(h, a->school);
	html_raw(h, "</td><td>");
	html_text(h, a->machine);
	html_raw(h, "</td><td class=\"offline-alarm\">");
	if (a->offline_raised_ms) {
		web_time(a->offline_raised_ms, when, sizeof(when));
		html_raw(h,
		         "<strong class=\"error\">offline</strong>: the technician was told at ");
		html_text(h, when);
	}
	html_raw(h, "</td><td class=\"tamper\">");
	if (a->tamper_count) {
		web_time(a->tamper_last_ms, when, sizeof(when));
		html_raw(h, "<a href=\"/captures?status=all&amp;category=tamper&amp;machine=");
		html_url(h, a->machine);
		html_fmt(h, "\">%lld tamper capture%s</a>, the last at ",
		         (long long)a->tamper_count, a->tamper_count == 1 ? "" : "s");
		html_text(h, when);
	}
	html_raw(h, "</td></tr>");
	ms->alarms++;
	return 0;
}

/* Machines that need attention: an open offline alarm, tamper in the last week. */
static int alarms(struct web_ctx *w, struct machines *ms)
{
	struct html *h = ms->h;
	int r;

	html_fmt(h,
	         "<h2>Alarms</h2><table id=\"alarms\"><thead><tr><th>School</th><th>Machine"
	         "</th><th>Offline alarm</th><th>Tamper (last %d days)</th></tr></thead><tbody>",
	         TAMPER_DAYS);
	r = store_machine_alarms(w->srv->store, w->u.school_id,
	                         w->now - (int64_t)TAMPER_DAYS * 86400 * 1000, alarm_row, ms);
	html_raw(h, "</tbody></table>");
	if (r == 0 && ms->alarms == 0)
		html_raw(h, "<p id=\"no-alarms\">No machine needs attention.</p>");
	return r;
}

static int replaced_row(const struct store_machine_replaced *m, void *ud)
{
	struct machines *ms = ud;
	struct html *h = ms->h;
	char when[32];

	web_time(m->last_ms, when, sizeof(when));
	html_raw(h, "<tr><td>");
	html_text(h, m->school);
	html_raw(h, "</td><td>");
	html_text(h, m->machine);
	html_fmt(h, "</td><td>%lld</td><td>", (long long)m->count);
	html_text(h, when);
	html_raw(h, "</td></tr>");
	return 0;
}

/* Machines enrolled again with the school key in the last TAMPER_DAYS: a re-imaged PC,
 * or someone else now holding that machine's place. */
static int replaced(struct web_ctx *w, struct machines *ms)
{
	int r;

	html_fmt(ms->h,
	         "<h2>Enrolled again (last %d days)</h2><p class=\"muted\">The machine's old "
	         "token stopped working: expected after re-imaging a PC, a warning sign "
	         "otherwise.</p><table id=\"replaced\"><thead><tr><th>School</th><th>Machine"
	         "</th><th>Times</th><th>Last (%s)</th></tr></thead><tbody>",
	         TAMPER_DAYS, localzone_name());
	r = store_machines_replaced(w->srv->store, w->u.school_id,
	                            w->now - (int64_t)TAMPER_DAYS * 86400 * 1000, replaced_row, ms);
	html_raw(ms->h, "</tbody></table>");
	return r;
}

void web_machines_get(void *ctx, struct http_request *req, struct http_response *resp)
{
	struct web_ctx w;
	struct html h, list;
	struct machines ms;
	char *body;
	size_t len = 0;

	if (web_begin(ctx, req, resp, WEB_MODERATOR | WEB_TECHNICIAN, &w) < 0)
		goto out;
	html_init(&h);
	html_init(&list);
	ms = (struct machines){&w, &h, (int64_t)w.srv->cfg->offline_after * 1000, 0};
	web_page_start(&h, &w, "Machines");
	html_fmt(&h,
	         "<h1>Machines</h1><p class=\"muted\">Offline: no heartbeat for %u s "
	         "(unplugged, or the agent was stopped).</p>",
	         w.srv->cfg->offline_after);
	/* the summary first, then what needs attention, then every machine */
	if (web_machine_list(&w, &h, &list) < 0 || alarms(&w, &ms) < 0 || replaced(&w, &ms) < 0) {
		html_free(&h);
		html_free(&list);
		web_error(&w, 503, "The database is not available; try again shortly.");
		goto out;
	}
	body = html_take(&list, &len);
	if (body)
		html_rawn(&h, body, len);
	else
		h.err = true;
	free(body);
	web_page_end(&h);
	web_send(&w, &h, 200);
out:
	web_end(&w);
}
