/* web_captures.c: the moderation queue (/captures): new captures by severity, with filters. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "parse.h"
#include "rfc3339.h"
#include "audit.h"
#include "localzone.h"
#include "log.h"
#include "server.h"
#include "store_moderation.h"
#include "store_views.h"
#include "thumb.h"
#include "web.h"

#define QUEUE_PAGE 100

/* The queue's filters, in the order a view's query string lists them. */
static const char *const filter_keys[] = {"school", "category", "severity", "status",
                                          "user",   "machine",  "q",        "year",
                                          "flag",   "from",     "to"};
#define NKEYS (sizeof(filter_keys) / sizeof(filter_keys[0]))

static const char *const statuses[] = {"new", "concern", "escalated", "false-positive", "all"};

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
	html_raw(h, "</td><td class=\"time\">");
	html_text(h, when);
	html_raw(h, "</td><td class=\"school\">");
	html_text(h, c->school);
	html_raw(h, "</td><td class=\"machine\">");
	html_text(h, c->machine);
	html_raw(h, "</td><td class=\"user\">");
	web_pupil_from_brief(&pupil, c);
	web_pupil_cell(h, c->school, c->user, &pupil, q->flags);
	html_raw(h, "</td><td class=\"status\">");
	html_text(h, c->status);
	if (c->closed)
		html_raw(h, ", closed");
	if (*c->assignee) { /* who has it */
		html_raw(h, "<br><span class=\"assignee\">");
		html_text(h, c->assignee);
		html_raw(h, "</span>");
	}
	html_raw(h, "</td></tr>");
	json_decref(rec);
	return 0;
}

static void filter_input(struct html *h, const struct web_ctx *w, const char *name,
                         const char *label, const char *type, const char *placeholder)
{
	html_raw(h, "<label>");
	html_text(h, label);
	html_raw(h, " <input name=\"");
	html_raw(h, name);
	html_raw(h, "\" type=\"");
	html_raw(h, type);
	if (placeholder) {
		html_raw(h, "\" placeholder=\"");
		html_text(h, placeholder);
	}
	html_fmt(h, "\" size=\"%d\" value=\"", strcmp(name, "q") == 0 ? 24 : 12);
	html_text(h, web_arg(w, name));
	html_raw(h, "\"></label>");
}

/* An <option> of a select whose current value is cur (matched ignoring case). */
static void option(struct html *h, const char *value, const char *label, const char *cur)
{
	html_option(h, value, label, strcasecmp(value, cur) == 0);
}

/* A select being filled from the store: its current value, and whether an option was it. */
struct choice {
	struct html *h;
	const char *cur;
	bool found;
};

static int choice_option(const char *name, void *ud)
{
	struct choice *c = ud;

	option(c->h, name, name, c->cur);
	c->found |= strcasecmp(name, c->cur) == 0;
	return 0;
}

/*
 * A select of name's choices: "any", then what list gives (the schools the user may see,
 * the categories of their captures), and the current value when it is none of them (an
 * address from before, a category no capture has yet). 0 or the store's -errno.
 */
static int choice_select(struct html *h, struct web_ctx *w, const char *name, const char *label,
                         int (*list)(struct store *, int64_t, store_name_fn, void *))
{
	struct choice c = {h, web_arg(w, name), false};
	int r;

	html_raw(h, "<label>");
	html_text(h, label);
	html_raw(h, " <select name=\"");
	html_raw(h, name);
	html_raw(h, "\">");
	option(h, "", "any", c.cur);
	r = list(w->srv->store, w->u.school_id, choice_option, &c);
	if (*c.cur && !c.found)
		option(h, c.cur, c.cur, c.cur);
	html_raw(h, "</select></label>");
	return r;
}

/* The roster's filters: year group, and a flag for the users who see flags. */
static void pupil_filters(struct html *h, const struct web_ctx *w, bool flags)
{
	static const char *const names[] = {"SEN", "EHCP", "CLA", "CP", "CIN", "EAL", "PP"};

	filter_input(h, w, "year", "Year group", "text", NULL);
	if (!flags)
		return;
	html_raw(h, "<label>Flag <select name=\"flag\">");
	option(h, "", "any", web_arg(w, "flag"));
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		option(h, names[i], names[i], web_arg(w, "flag"));
	html_raw(h, "</select></label>");
}

static int filter_form(struct html *h, struct web_ctx *w, const char *status, bool flags)
{
	static const char *const sev[] = {"1", "2", "3", "4", "5"};
	int r = 0;

	html_raw(h, "<form id=\"queue-filters\" class=\"filters\" method=\"get\" "
	            "action=\"/captures\">");
	filter_input(h, w, "q", "Words", "search", "in the context or the hits");
	if (w->u.school_id == 0)
		r = choice_select(h, w, "school", "School", store_schools_list);
	if (r == 0)
		r = choice_select(h, w, "category", "Category", store_queue_categories);
	html_raw(h, "<label>Severity at least <select name=\"severity\">");
	option(h, "", "any", web_arg(w, "severity"));
	for (size_t i = 0; i < sizeof(sev) / sizeof(sev[0]); i++)
		option(h, sev[i], sev[i], web_arg(w, "severity"));
	html_raw(h, "</select></label><label>Status <select name=\"status\">");
	for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		option(h, statuses[i], statuses[i], status);
	html_raw(h, "</select></label>");
	filter_input(h, w, "user", "Pupil", "search", "name or login");
	filter_input(h, w, "machine", "Machine", "search", NULL);
	pupil_filters(h, w, flags);
	filter_input(h, w, "from", "From", "date", NULL);
	filter_input(h, w, "to", "To", "date", NULL);
	html_raw(h, "<button type=\"submit\">Filter</button> <a href=\"/captures?status=new\">"
	            "Clear filters</a></form>");
	return r;
}

/* The status asked for: one of statuses ("new" when none or another). */
static const char *status_of(const char *s)
{
	for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		if (strcasecmp(s, statuses[i]) == 0)
			return statuses[i];
	return "new";
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
	f->q = web_arg(w, "q");
	f->year_group = web_arg(w, "year");
	f->flag = web_arg(w, "flag");
	if ((n = date_ms(web_arg(w, "from"), 0)) >= 0)
		f->from_ms = n > 0 ? n : 1;
	if ((n = date_ms(web_arg(w, "to"), 1)) >= 0)
		f->to_ms = n;
}

/*
 * The view of filters that get(w, key) gives (the query string, or the fields of a POST),
 * as a query string into buf: the filters that are set, in filter_keys' order, always
 * with a status ("new" when none). 0, or -E2BIG when it does not fit (size bytes).
 */
static int view_query(const struct web_ctx *w,
                      const char *(*get)(const struct web_ctx *, const char *), char *buf,
                      size_t size)
{
	struct html q;
	size_t len = 0, n = 0;
	char *text;
	int64_t sev;

	html_init(&q);
	for (size_t i = 0; i < NKEYS; i++) {
		const char *k = filter_keys[i], *v = get(w, k);
		if (strcmp(k, "status") == 0)
			v = status_of(v);
		else if (strcmp(k, "severity") == 0 && parse_int64(v, 1, 5, &sev) < 0)
			continue;
		if (!*v)
			continue;
		html_raw(&q, n++ ? "&" : "");
		html_raw(&q, k);
		html_raw(&q, "=");
		html_url(&q, v);
	}
	text = html_take(&q, &len);
	if (!text || len >= size) {
		free(text);
		return -E2BIG;
	}
	memcpy(buf, text, len + 1);
	free(text);
	return 0;
}

static const char *field_or_empty(const struct web_ctx *w, const char *name)
{
	const char *v = web_field(w, name);

	return v ? v : "";
}

/*
 * The default view: a button that saves the filters shown as the user's view, and one
 * that clears it when there is one; says whether this page is it. now is the page's
 * view, saved the user's ("" when none).
 */
static void view_form(struct html *h, const struct web_ctx *w, const char *now, const char *saved)
{
	html_raw(h, "<form id=\"view\" class=\"filters\" method=\"post\" action=\"/captures\">");
	web_csrf_field(h, w);
	for (size_t i = 0; i < NKEYS; i++) {
		const char *v = web_arg(w, filter_keys[i]);
		if (!*v)
			continue;
		html_raw(h, "<input type=\"hidden\" name=\"");
		html_raw(h, filter_keys[i]);
		html_raw(h, "\" value=\"");
		html_text(h, v);
		html_raw(h, "\">");
	}
	if (*saved && strcmp(now, saved) == 0) {
		html_raw(h, "<span id=\"view-note\">This is your default view.</span> ");
	} else {
		html_raw(h, "<button type=\"submit\" name=\"action\" value=\"save-view\" "
		            "id=\"view-save\">Save these filters as my default view</button> ");
		if (*saved) {
			html_raw(h, "<a id=\"view-open\" href=\"/captures?");
			html_text(h, saved);
			html_raw(h, "\">Open my default view</a> ");
		}
	}
	if (*saved)
		html_raw(h, "<button type=\"submit\" name=\"action\" value=\"clear-view\" "
		            "id=\"view-clear\">Clear my default view</button>");
	html_raw(h, "</form>");
}

/* "1 capture matches", "2 captures match", which of them this page shows, and links to the
 * pages before and after it (view: the page's filters as a query string). */
static void count_line(struct html *h, int64_t total, int64_t page, const char *view)
{
	int64_t first = page * QUEUE_PAGE + 1, last = first + QUEUE_PAGE - 1;

	if (last > total)
		last = total;
	html_raw(h, "<p class=\"count\">");
	if (total == 0)
		html_raw(h, "No captures match.");
	else
		html_fmt(h, "%lld %s", (long long)total,
		         total == 1 ? "capture matches." : "captures match.");
	if (first <= last && (page > 0 || total > QUEUE_PAGE))
		html_fmt(h, " Showing %lld to %lld.", (long long)first, (long long)last);
	if (page > 0) {
		html_raw(h, " <a rel=\"prev\" href=\"/captures?");
		html_text(h, view);
		html_fmt(h, "&amp;page=%lld\">Previous page</a>", (long long)page - 1);
	}
	if (total > last && first <= last) {
		html_raw(h, " <a rel=\"next\" href=\"/captures?");
		html_text(h, view);
		html_fmt(h, "&amp;page=%lld\">Next page</a>", (long long)page + 1);
	}
	html_raw(h, "</p>");
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

/* Whether the address names no filter and no page: the queue then opens the default view. */
static bool no_filters(const struct web_ctx *w)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (http_request_arg(w->req, filter_keys[i]))
			return false;
	return !http_request_arg(w->req, "page");
}

/* Sends the user to their default view when the address names no filter. 1 when it did,
 * 0 when there is none, -errno. */
static int open_default(struct web_ctx *w, char *saved, size_t size)
{
	char location[16 + STORE_VIEW_MAX];
	int r = store_view_get(w->srv->store, w->u.id, saved, size);

	if (r < 0 || !*saved || !no_filters(w))
		return r;
	snprintf(location, sizeof(location), "/captures?%s", saved);
	web_redirect(w->resp, location);
	return 1;
}

/* The table of the page's captures; rows gets how many the store gave. */
static int queue_table(struct html *h, struct web_ctx *w, const struct store_queue_filter *f,
                       struct queue *qu)
{
	html_raw(h, "<table id=\"queue\"><thead><tr><th></th><th>Sev.</th>"
	            "<th>Screen</th><th>Category, context and hits</th><th class=\"time\">");
	web_time_heading(h, "Time");
	html_raw(h, "</th><th>School</th><th>Machine</th><th>Pupil</th><th>Status</th></tr>"
	            "</thead><tbody>");
	int r = store_queue_list(w->srv->store, f, queue_row, qu);
	html_raw(h, "</tbody></table>");
	return r;
}

void web_captures_get(void *ctx, struct http_request *req, struct http_response *resp)
{
	struct store_queue_filter f = {.limit = QUEUE_PAGE + 1};
	char saved[STORE_VIEW_MAX + 1] = "", now[STORE_VIEW_MAX + 1] = "";
	struct web_ctx w;
	struct html h;
	struct queue qu;
	const char *status;
	int64_t page = 0, total = 0;
	int r;

	if (web_begin(ctx, req, resp, WEB_MODERATOR | WEB_HEADTEACHER, &w) < 0)
		goto out;
	if ((r = open_default(&w, saved, sizeof(saved))) != 0) {
		if (r < 0)
			web_error(&w, 503, "The database is not available; try again shortly.");
		goto out;
	}
	status = status_of(web_arg(&w, "status"));
	parse_int64(web_arg(&w, "page"), 0, 100000, &page);
	queue_filters(&w, &f, status);
	f.offset = page * QUEUE_PAGE;
	qu = (struct queue){.h = &h, .flags = web_sees_flags(&w)};
	if (!qu.flags)
		f.flag = NULL; /* a flag filter would tell who has it */
	if (view_query(&w, web_arg, now, sizeof(now)) < 0 ||
	    (r = store_queue_count(w.srv->store, &f, &total)) == -E2BIG) {
		web_error(&w, 400, "These filters are too long: use fewer or shorter words.");
		goto out;
	}
	html_init(&h);
	web_page_start(&h, &w, "Captures");
	html_raw(&h, "<h1>Captures</h1>");
	if (r == 0)
		r = filter_form(&h, &w, status, qu.flags);
	view_form(&h, &w, now, saved);
	bulk_form(&h, &w);
	html_raw(&h, "<p class=\"muted keys\">Keys: <kbd>j</kbd>/<kbd>k</kbd> move, "
	             "<kbd>Enter</kbd> opens.</p><div id=\"count\">");
	count_line(&h, total, page, now);
	html_raw(&h, "</div>");
	if (r == 0)
		r = queue_table(&h, &w, &f, &qu);
	if (r < 0) {
		html_free(&h);
		web_error(&w, 503, "The database is not available; try again shortly.");
		goto out;
	}
	if (total > QUEUE_PAGE)
		count_line(&h, total, page, now);
	web_page_end(&h);
	web_send(&w, &h, 200);
out:
	web_end(&w);
}

/* POST /captures with action save-view or clear-view: the user's default view, audited. */
static void view_post(struct web_ctx *w, bool save)
{
	char query[STORE_VIEW_MAX + 1], location[16 + STORE_VIEW_MAX];
	int r;

	if (save && view_query(w, field_or_empty, query, sizeof(query)) < 0) {
		web_error(w, 400, "These filters are too long to save as a view.");
		return;
	}
	r = save ? store_view_set(w->srv->store, w->u.id, query, w->now)
	         : store_view_clear(w->srv->store, w->u.id);
	if (r < 0 && r != -ENOENT) {
		log_warning("web: the queue view of %s could not be %s: %s", w->u.login,
		            save ? "saved" : "cleared", strerror(-r));
		web_error(w, 503, "The view could not be stored; try again shortly.");
		return;
	}
	if (r == 0)
		audit_record(w->srv->store, w->u.login, w->u.school_id,
		             save ? "queue-view-saved" : "queue-view-cleared", NULL,
		             save ? query : "");
	snprintf(location, sizeof(location), "/captures?%s", save ? query : "status=new");
	web_redirect(w->resp, location);
}

/* What the thumbnail of a capture needs from its row. */
struct thumb_req {
	char sha[80];
	int64_t school_id;
	bool hidden, found, has_focus;
	struct thumb_focus focus;
};

/* The record's "window.rect" as validated at ingest (capture_validate.h). */
static bool record_focus(json_t *rec, struct thumb_focus *out)
{
	static const char *const keys[] = {"x", "y", "width", "height"};
	json_t *rect = json_object_get(json_object_get(rec, "window"), "rect");
	json_int_t v[4];

	if (!json_is_object(rect))
		return false;
	for (int i = 0; i < 4; i++) {
		json_t *n = json_object_get(rect, keys[i]);
		if (!json_is_integer(n) || json_integer_value(n) < 0 ||
		    json_integer_value(n) > UINT32_MAX)
			return false;
		v[i] = json_integer_value(n);
	}
	*out = (struct thumb_focus){(uint32_t)v[0], (uint32_t)v[1], (uint32_t)v[2], (uint32_t)v[3]};
	return true;
}

static int thumb_brief(const struct store_capture_brief *c, void *ud)
{
	struct thumb_req *t = ud;
	json_t *rec = json_loads(c->record, 0, NULL);

	snprintf(t->sha, sizeof(t->sha), "%s", c->image_sha256);
	t->school_id = c->school_id;
	t->hidden = c->image_hidden;
	t->found = true;
	t->has_focus = record_focus(rec, &t->focus);
	json_decref(rec);
	return 0;
}

/* The thumbnail of capture id for the queue: of its focused window when the record says
 * where that is; 404 for a capture the user may not see and for a hidden image. */
static void thumbnail(struct web_ctx *w, const char *id)
{
	struct thumb_req t = {.found = false};
	void *data;
	size_t len;
	int r = store_capture_brief_get(w->srv->store, id, thumb_brief, &t);

	if (r < 0) {
		web_error(w, 503, "The database is not available; try again shortly.");
		return;
	}
	if (!t.found || !web_sees_school(w, t.school_id) || t.hidden) {
		web_not_found(w);
		return;
	}
	r = thumb_get_focus(w->srv->blobs, t.sha, t.has_focus ? &t.focus : NULL, &data, &len);
	if (r < 0) {
		web_error(w, r == -ENOENT || r == -EINVAL || r == -ENOTSUP ? 404 : 503,
		          "The thumbnail is not available.");
		return;
	}
	web_send_raw(w->resp, 200, "image/png", data, len);
}

/* The id of a path "/captures/<id>/thumb" into id, or false for another path. */
static bool thumb_path(const char *path, char id[STORE_ID_BUF])
{
	static const char prefix[] = "/captures/", suffix[] = "/thumb";
	size_t n = strlen(path), idlen;

	if (n <= sizeof(prefix) - 1 + sizeof(suffix) - 1 ||
	    strncmp(path, prefix, sizeof(prefix) - 1) != 0 ||
	    strcmp(path + n - (sizeof(suffix) - 1), suffix) != 0)
		return false;
	idlen = n - (sizeof(prefix) - 1) - (sizeof(suffix) - 1);
	if (idlen > 36 || strspn(path + sizeof(prefix) - 1, "0123456789abcdef-") < idlen)
		return false;
	memcpy(id, path + sizeof(prefix) - 1, idlen);
	id[idlen] = '\0';
	return true;
}

void web_captures_item_get(void *ctx, struct http_request *req, struct http_response *resp)
{
	char id[STORE_ID_BUF];
	struct web_ctx w;

	if (!thumb_path(http_request_path(req), id)) {
		web_capture_get(ctx, req, resp); /* the capture page, its images, its case record */
		return;
	}
	if (web_begin(ctx, req, resp, WEB_MODERATOR | WEB_HEADTEACHER, &w) == 0)
		thumbnail(&w, id);
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
	if (action && (strcmp(action, "save-view") == 0 || strcmp(action, "clear-view") == 0)) {
		view_post(&w, strcmp(action, "save-view") == 0);
		goto out;
	}
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
		r = web_decide(&w, w.values[i], t.school_id, action, "false-positive", text);
		if (r == 0)
			done++;
		else if (r == -EBUSY)
			r = 0; /* closed: its decision stands until it is reopened */
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
