/* web_captures.c: the moderation queue (/captures): new captures by severity, with filters. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "rfc3339.h"
#include "localzone.h"
#include "log.h"
#include "server.h"
#include "store_moderation.h"
#include "web.h"

#define QUEUE_PAGE 100

/* A "YYYY-MM-DD" date as ms at local midnight (time-zone), days later; -1 when empty or
 * malformed. */
static int64_t date_ms(const char *d, int days)
{
	char buf[40];
	int64_t ms;
	int y, m, dd;

	if (strlen(d) != 10)
		return -1;
	snprintf(buf, sizeof(buf), "%sT00:00:00Z", d); /* checks the date */
	if (rfc3339_parse(buf, &ms) < 0 || sscanf(d, "%4d-%2d-%2d", &y, &m, &dd) != 3)
		return -1;
	return localzone_midnight(y, m, dd, days);
}

struct queue {
	struct html *h;
	int rows;
	bool flags; /* the user sees the pupils' flags */
};

/* The thumbnail cell: the picture, or why there is none. */
static void thumb_cell(struct html *h, const struct store_capture_brief *c)
{
	html_raw(h, "<td class=\"thumb\">");
	if (c->image_hidden) {
		html_raw(h, "<span class=\"muted\">hidden</span>");
	} else {
		html_raw(h, "<img loading=\"lazy\" alt=\"\" src=\"/captures/");
		html_url(h, c->id);
		html_raw(h, "/thumb\">");
	}
	html_raw(h, "</td>");
}

static int queue_row(const struct store_capture_brief *c, void *ud)
{
	struct queue *q = ud;
	struct html *h = q->h;
	struct web_pupil pupil;
	json_t *rec;
	char when[32], cats[256];

	if (++q->rows > QUEUE_PAGE)
		return 0; /* one more than a page: there is a next page */
	web_time(c->time_ms, when, sizeof(when));
	rec = json_loads(c->record, 0, NULL);
	html_raw(h, "<tr><td><input type=\"checkbox\" name=\"id\" form=\"bulk\" value=\"");
	html_text(h, c->id);
	html_fmt(h, "\" aria-label=\"select\"></td><td class=\"sev sev%d\">%d</td>", c->severity,
	         c->severity);
	thumb_cell(h, c);
	html_raw(h, "<td class=\"what\"><a class=\"cap\" href=\"/captures/");
	html_url(h, c->id);
	html_raw(h, "\">");
	/* Every category of its hits, the reason's first. */
	html_text(h, web_hits_distinct(rec, WEB_HITS_CATEGORIES, cats, sizeof(cats)) ? cats
	                                                                             : c->category);
	html_raw(h, "</a><q class=\"context\">");
	web_context_marked(h, rec);
	html_raw(h, "</q>");
	web_hits_list(h, rec, WEB_HITS_COMPACT);
	html_raw(h, "</td><td>");
	html_text(h, when);
	html_raw(h, "</td><td>");
	html_text(h, c->school);
	html_raw(h, "</td><td>");
	html_text(h, c->machine);
	html_raw(h, "</td><td class=\"user\">");
	web_pupil_from_brief(&pupil, c);
	web_pupil_cell(h, c->school, c->user, &pupil, q->flags);
	html_raw(h, "</td><td class=\"status\">");
	html_text(h, c->status);
	html_raw(h, "</td></tr>");
	json_decref(rec);
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

/* The roster's filters: year group, and a flag for the users who see flags. */
static void pupil_filters(struct html *h, const struct web_ctx *w, bool flags)
{
	static const char *const names[] = {"SEN", "EHCP", "CLA", "CP", "CIN", "EAL", "PP"};

	filter_input(h, w, "year", "Year group", "text");
	if (!flags)
		return;
	html_raw(h, "<label>Flag <select name=\"flag\"><option value=\"\">any</option>");
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		html_raw(h, "<option");
		if (strcmp(web_arg(w, "flag"), names[i]) == 0)
			html_raw(h, " selected");
		html_raw(h, ">");
		html_raw(h, names[i]);
		html_raw(h, "</option>");
	}
	html_raw(h, "</select></label>");
}

static void filter_form(struct html *h, const struct web_ctx *w, const char *status, bool flags)
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
	pupil_filters(h, w, flags);
	filter_input(h, w, "from", "From", "date");
	filter_input(h, w, "to", "To", "date");
	html_raw(h, "<button type=\"submit\">Filter</button></form>");
}

/* The queue's filters from the user's scope and the query string. */
static void queue_filters(const struct web_ctx *w, struct store_queue_filter *f, const char *status)
{
	int64_t n;

	f->school_id = w->u.school_id;
	f->school = web_arg(w, "school");
	f->category = web_arg(w, "category");
	if (parse_int64(web_arg(w, "severity"), 1, 5, &n) == 0)
		f->severity = (int)n;
	f->status = strcmp(status, "all") != 0 ? status : NULL;
	f->user = web_arg(w, "user");
	f->machine = web_arg(w, "machine");
	f->year_group = web_arg(w, "year");
	f->flag = web_arg(w, "flag");
	if ((n = date_ms(web_arg(w, "from"), 0)) >= 0)
		f->from_ms = n > 0 ? n : 1;
	if ((n = date_ms(web_arg(w, "to"), 1)) >= 0)
		f->to_ms = n;
}

/* The bulk form: the rows' check boxes point at it (form="bulk"). */
static void bulk_form(struct html *h, const struct web_ctx *w)
{
	html_raw(h, "<form id=\"bulk\" class=\"filters\" method=\"post\" action=\"/captures\">");
	web_csrf_field(h, w);
	html_raw(h, "<input type=\"hidden\" name=\"action\" value=\"false-positive\">"
	            "<label>Selected rows: false positive, because <input id=\"bulk-reason\" "
	            "name=\"text\" required maxlength=\"1000\" size=\"40\"></label> "
	            "<button type=\"submit\" id=\"bulk-fp\">Mark false positive</button></form>");
}

void web_captures_get(void *ctx, struct http_request *req, struct http_response *resp)
{
	struct store_queue_filter f = {.limit = QUEUE_PAGE + 1};
	struct web_ctx w;
	struct html h;
	struct queue qu;
	const char *status;
	int64_t page = 0;
	int r;

	if (web_begin(ctx, req, resp, WEB_MODERATOR | WEB_HEADTEACHER, &w) < 0)
		goto out;
	status = *web_arg(&w, "status") ? web_arg(&w, "status") : "new";
	parse_int64(web_arg(&w, "page"), 0, 100000, &page);
	queue_filters(&w, &f, status);
	f.offset = page * QUEUE_PAGE;
	html_init(&h);
	qu = (struct queue){.h = &h, .flags = web_sees_flags(&w)};
	if (!qu.flags)
		f.flag = NULL; /* a flag filter would tell who has it */
	web_page_start(&h, &w, "Captures");
	html_raw(&h, "<h1>Captures</h1>");
	filter_form(&h, &w, status, qu.flags);
	bulk_form(&h, &w);
	html_raw(&h, "<p class=\"muted\">Keys: <kbd>j</kbd>/<kbd>k</kbd> move, <kbd>Enter</kbd> "
	             "opens.</p><table id=\"queue\"><thead><tr><th></th><th>Sev.</th>"
	             "<th>Screen</th><th>Category, context and hits</th><th>");
	web_time_heading(&h, "Time");
	html_raw(&h, "</th><th>School</th><th>Machine</th><th>User</th><th>Status</th></tr></thead>"
	             "<tbody>");
	r = store_queue_list(w.srv->store, &f, queue_row, &qu);
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

struct bulk_target {
	int64_t school_id;
	bool found;
};

static int bulk_capture(const struct store_capture_brief *c, void *ud)
{
	struct bulk_target *t = ud;

	t->school_id = c->school_id;
	t->found = true;
	return 0;
}

/* POST /captures: the selected rows marked false positive with one reason, each audited. */
void web_captures_post(void *ctx, struct http_request *req, struct http_response *resp)
{
	const char *action, *text;
	struct web_ctx w;
	int done = 0, r = 0;

	if (web_begin(ctx, req, resp, WEB_MODERATOR | WEB_HEADTEACHER, &w) < 0)
		goto out;
	action = web_field(&w, "action");
	text = web_field(&w, "text");
	if (!action || strcmp(action, "false-positive") != 0) {
		web_error(&w, 400, "Unknown action.");
		goto out;
	}
	if (!text || !*text || strlen(text) > 4000) {
		web_error(&w, 400, "Give a reason (up to 4000 characters).");
		goto out;
	}
	for (int i = 0; i < w.nfields && r == 0; i++) {
		struct bulk_target t = {0};
		if (strcmp(w.names[i], "id") != 0)
			continue;
		r = store_capture_brief_get(w.srv->store, w.values[i], bulk_capture, &t);
		if (r < 0 || !t.found || !web_sees_school(&w, t.school_id))
			continue; /* gone, or not the user's: nothing to do, nothing to tell */
		if ((r = web_decide(&w, w.values[i], t.school_id, action, "false-positive",
		                    text)) == 0)
			done++;
	}
	if (r < 0) {
		log_warning("web: bulk false positive by %s stopped after %d: %s", w.u.login, done,
		            strerror(-r));
		web_error(&w, 503, "Not every decision could be stored; try again.");
		goto out;
	}
	web_redirect(resp, "/captures");
out:
	web_end(&w);
}
