/* web_captures.c: the moderation queue (/captures): new captures by severity, with filters. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "rfc3339.h"
#include "server.h"
#include "web.h"

#define QUEUE_PAGE 100

struct sql {
	char text[2048];
	size_t len;
	struct store_param p[16];
	size_t np;
	bool err;
};

static void sql_add(struct sql *q, const char *s)
{
	int n = snprintf(q->text + q->len, sizeof(q->text) - q->len, "%s", s);

	if (n < 0 || (size_t)n >= sizeof(q->text) - q->len)
		q->err = true;
	else
		q->len += (size_t)n;
}

/* Appends " AND <column> = $k" (cast when is_int) for a parameter. */
static void sql_where(struct sql *q, const char *column, const char *op, struct store_param p)
{
	char buf[160];

	if (q->np >= 16) {
		q->err = true;
		return;
	}
	q->p[q->np++] = p;
	snprintf(buf, sizeof(buf), p.is_int ? " AND %s %s CAST($%zu AS BIGINT)" : " AND %s %s $%zu",
	         column, op, q->np);
	sql_add(q, buf);
}

static struct store_param text_param(const char *s)
{
	return (struct store_param){.text = s};
}

static struct store_param int_param(int64_t v)
{
	return (struct store_param){.i = v, .is_int = true};
}

/* A "YYYY-MM-DD" date as ms at 00:00 UTC; -1 when empty or malformed. */
static int64_t date_ms(const char *d)
{
	char buf[40];
	int64_t ms;

	if (strlen(d) != 10)
		return -1;
	snprintf(buf, sizeof(buf), "%sT00:00:00Z", d);
	return rfc3339_parse(buf, &ms) == 0 ? ms : -1;
}

struct queue {
	struct html *h;
	int rows;
};

static int queue_row(const char *const *c, int n, void *ud)
{
	struct queue *q = ud;
	struct html *h = q->h;
	char when[32];
	int64_t t = 0;

	if (n < 8)
		return -EIO;
	if (++q->rows > QUEUE_PAGE)
		return 0; /* one more than a page: there is a next page */
	parse_int64(c[3], INT64_MIN, INT64_MAX, &t);
	web_time(t, when, sizeof(when));
	html_raw(h, "<tr><td class=\"sev");
	html_text(h, c[5]);
	html_raw(h, "\">");
	html_text(h, c[5]);
	html_raw(h, "</td><td><a class=\"cap\" href=\"/captures/");
	html_url(h, c[0]);
	html_raw(h, "\">");
	html_text(h, c[4]);
	html_raw(h, "</a></td><td>");
	html_text(h, when);
	html_raw(h, "</td><td>");
	html_text(h, c[1]);
	html_raw(h, "</td><td>");
	html_text(h, c[2]);
	html_raw(h, "</td><td>");
	html_text(h, c[6]);
	html_raw(h, "</td><td>");
	html_text(h, c[7]);
	html_raw(h, "</td></tr>");
	return 0;
}

static void filter_input(struct html *h, const struct web_ctx *w, const char *name,
                         const char *label, const char *type)
{
	html_raw(h, "<label>");
	html_text(h, label);
	html_raw(h, " <input name=\"");
	html_raw(h, name);
	html_raw(h, "\" type=\"");
	html_raw(h, type);
	html_raw(h, "\" size=\"10\" value=\"");
	html_text(h, web_arg(w, name));
	html_raw(h, "\"></label>");
}

static void filter_form(struct html *h, const struct web_ctx *w, const char *status)
{
	static const char *const statuses[] = {"new", "concern", "escalated", "false-positive",
	                                       "all"};

	html_raw(h, "<form class=\"filters\" method=\"get\" action=\"/captures\">");
	if (w->u.school_id == 0)
		filter_input(h, w, "school", "School", "text");
	filter_input(h, w, "category", "Category", "text");
	filter_input(h, w, "severity", "Severity", "number");
	html_raw(h, "<label>Status <select name=\"status\">");
	for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
		html_raw(h, "<option");
		if (strcmp(status, statuses[i]) == 0)
			html_raw(h, " selected");
		html_raw(h, ">");
		html_raw(h, statuses[i]);
		html_raw(h, "</option>");
	}
	html_raw(h, "</select></label>");
	filter_input(h, w, "user", "User", "text");
	filter_input(h, w, "machine", "Machine", "text");
	filter_input(h, w, "from", "From", "date");
	filter_input(h, w, "to", "To", "date");
	html_raw(h, "<button type=\"submit\">Filter</button></form>");
}

/* The WHERE clause of the queue from the user's scope and the query string. */
static void queue_filters(const struct web_ctx *w, struct sql *q, const char *status)
{
	const char *v;
	int64_t n;

	if (w->u.school_id)
		sql_where(q, "c.school_id", "=", int_param(w->u.school_id));
	if (*(v = web_arg(w, "school")))
		sql_where(q, "sc.name", "=", text_param(v));
	if (*(v = web_arg(w, "category")))
		sql_where(q, "c.category", "=", text_param(v));
	if (parse_int64(web_arg(w, "severity"), 1, 5, &n) == 0)
		sql_where(q, "c.severity", "=", int_param(n));
	if (strcmp(status, "all") != 0)
		sql_where(q, "c.status", "=", text_param(status));
	if (*(v = web_arg(w, "user")))
		sql_where(q, "c.user_name", "=", text_param(v));
	if (*(v = web_arg(w, "machine")))
		sql_where(q, "m.name", "=", text_param(v));
	if ((n = date_ms(web_arg(w, "from"))) >= 0)
		sql_where(q, "c.time", ">=", int_param(n));
	if ((n = date_ms(web_arg(w, "to"))) >= 0)
		sql_where(q, "c.time", "<", int_param(n + 86400000));
}

void web_captures_get(void *ctx, struct http_request *req, struct http_response *resp)
{
	struct web_ctx w;
	struct sql q = {0};
	struct html h;
	struct queue qu;
	const char *status;
	int64_t page = 0;
	char buf[64];
	int r;

	if (web_begin(ctx, req, resp, WEB_MODERATOR | WEB_HEADTEACHER, &w) < 0)
		goto out;
	status = *web_arg(&w, "status") ? web_arg(&w, "status") : "new";
	parse_int64(web_arg(&w, "page"), 0, 100000, &page);
	sql_add(&q, "SELECT c.id, sc.name, m.name, c.time, c.category, c.severity, c.user_name, "
	            "c.status FROM captures c JOIN schools sc ON sc.id = c.school_id "
	            "JOIN machines m ON m.id = c.machine_id WHERE 1 = 1");
	queue_filters(&w, &q, status);
	snprintf(buf, sizeof(buf), " ORDER BY c.severity DESC, c.time ASC LIMIT %d OFFSET %lld",
	         QUEUE_PAGE + 1, (long long)page * QUEUE_PAGE);
	sql_add(&q, buf);
	if (q.err) {
		web_error(&w, 400, "Too many filters.");
		goto out;
	}
	html_init(&h);
	qu = (struct queue){.h = &h};
	web_page_start(&h, &w, "Captures");
	html_raw(&h, "<h1>Captures</h1>");
	filter_form(&h, &w, status);
	html_raw(&h, "<p class=\"muted\">Keys: <kbd>j</kbd>/<kbd>k</kbd> move, <kbd>Enter</kbd> "
	             "opens.</p><table id=\"queue\"><thead><tr><th>Sev.</th><th>Category</th>"
	             "<th>Time (UTC)</th><th>School</th><th>Machine</th><th>User</th>"
	             "<th>Status</th></tr></thead><tbody>");
	r = w.srv->store->ops->query(w.srv->store, q.text, q.p, q.np, queue_row, &qu, NULL);
	if (r < 0) {
		html_free(&h);
		web_error(&w, 503, "The database is not available; try again shortly.");
		goto out;
	}
	html_raw(&h, "</tbody></table>");
	if (qu.rows == 0)
		html_raw(&h, "<p>No captures match.</p>");
	if (qu.rows > QUEUE_PAGE)
		html_fmt(&h,
		         "<p>Showing %d; more match: narrow the filters, or add "
		         "<code>&amp;page=%lld</code> to the address.</p>",
		         QUEUE_PAGE, (long long)page + 1);
	web_page_end(&h);
	web_send(&w, &h, 200);
out:
	web_end(&w);
}
