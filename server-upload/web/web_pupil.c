/* web_pupil.c: one pupil's timeline (/pupils/<school>/<user>): captures, chart, decisions, notes.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "capture_hits.h"
#include "dynbuf.h"
#include "report.h"
#include "server.h"
#include "store_moderation.h"
#include "web.h"

#define PREFIX       "/pupils/"
#define PUPIL_MAX    1000 /* captures shown; older ones are in the export */
#define CHART_WEEKS  12
#define CHART_CATS   8 /* categories with a colour of their own; the rest are "other" */
#define WEEK_MS      (7LL * 86400 * 1000)
#define CONTEXT_SHOW 160 /* bytes of context in a row */
#define WHY_HITS     16  /* hits of a capture whose lowering a row explains */

struct pupil_capture {
	char id[40], category[80], status[24], machine[128];
	char categories[256], sources[96]; /* of every hit (web_hits_distinct) */
	char context[CONTEXT_SHOW + 4];
	char *why; /* "category, what lowered it\n" per hit context lowered; NULL: none */
	int severity;
	int64_t time;
};

struct pupil_event {
	char capture_id[40], login[128], action[24];
	char *text;
	int64_t time;
};

struct pupil {
	int64_t school_id;
	struct pupil_capture *caps;
	size_t ncaps;
	struct pupil_event *events;
	size_t nevents, capevents;
};

static void pupil_free(struct pupil *p)
{
	for (size_t i = 0; i < p->ncaps; i++)
		free(p->caps[i].why);
	for (size_t i = 0; i < p->nevents; i++)
		free(p->events[i].text);
	free(p->events);
	free(p->caps);
}

/* The first CONTEXT_SHOW bytes of the context, cut at a character boundary. */
static void context_of(json_t *rec, char *out, size_t size)
{
	const char *c = json_string_value(json_object_get(rec, "context"));
	size_t n = c ? strlen(c) : 0;

	if (n > CONTEXT_SHOW) {
		n = CONTEXT_SHOW;
		while (n && ((unsigned char)c[n] & 0xc0) == 0x80)
			n--;
	}
	snprintf(out, size, "%.*s%s", (int)n, c ? c : "", c && c[n] ? "…" : "");
}

/* One line of why_of. */
static int why_line(const char *category, const char *why, void *ud)
{
	struct dynbuf *b = ud;
	int r = dynbuf_add(b, category, strlen(category));

	if (r == 0)
		r = dynbuf_add(b, ", ", 2);
	if (r == 0)
		r = dynbuf_add(b, why, strlen(why));
	return r < 0 ? r : dynbuf_add(b, "\n", 1);
}

/*
 * What context lowered among the record's hits: a line "category, why" per lowered hit
 * (why in capture_hit_why's words), malloc'd into *out, or NULL when it lowered none.
 * 0 or -ENOMEM.
 */
static int why_of(json_t *rec, char **out)
{
	struct dynbuf b;
	int r;

	dynbuf_init(&b, WHY_HITS * 2 * HITWHY_MAX); /* a category is far shorter than a why */
	r = capture_hits_lowered(rec, WHY_HITS, HITWHY_MAX, why_line, &b);
	if (r < 0) {
		dynbuf_free(&b);
		return r;
	}
	*out = dynbuf_take(&b, NULL); /* NULL when nothing was lowered */
	return 0;
}

static int capture_cb(const struct store_capture_brief *b, void *ud)
{
	struct pupil *p = ud;
	struct pupil_capture *c;
	json_t *rec;
	int r;

	if (p->ncaps >= PUPIL_MAX)
		return 0;
	c = &p->caps[p->ncaps++];
	snprintf(c->id, sizeof(c->id), "%s", b->id);
	snprintf(c->category, sizeof(c->category), "%s", b->category);
	snprintf(c->status, sizeof(c->status), "%s", b->status);
	snprintf(c->machine, sizeof(c->machine), "%s", b->machine);
	rec = json_loads(b->record, 0, NULL);
	context_of(rec, c->context, sizeof(c->context));
	if (!web_hits_distinct(rec, WEB_HITS_CATEGORIES, c->categories, sizeof(c->categories)))
		snprintf(c->categories, sizeof(c->categories), "%s", b->category);
	if (!web_hits_distinct(rec, WEB_HITS_SOURCES, c->sources, sizeof(c->sources)))
		snprintf(c->sources, sizeof(c->sources), "%s", b->source);
	r = why_of(rec, &c->why);
	json_decref(rec);
	if (r < 0)
		return r;
	c->severity = b->severity;
	c->time = b->time_ms;
	return 0;
}

static int event_cb(const struct store_capture_event *e, void *ud)
{
	struct pupil *p = ud;
	struct pupil_event *v;

	if (p->nevents == p->capevents) {
		size_t cap = p->capevents ? p->capevents * 2 : 64;
		struct pupil_event *nv = realloc(p->events, cap * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		p->events = nv;
		p->capevents = cap;
	}
	v = &p->events[p->nevents];
	if (!(v->text = strdup(e->text)))
		return -ENOMEM;
	p->nevents++;
	snprintf(v->capture_id, sizeof(v->capture_id), "%s", e->capture_id);
	snprintf(v->login, sizeof(v->login), "%s", e->login);
	snprintf(v->action, sizeof(v->action), "%s", e->action);
	v->time = e->time_ms;
	return 0;
}

/* The chart's categories: the most frequent CHART_CATS (by first appearance on a tie). */
static int chart_cats(const struct pupil *p, const char *cats[CHART_CATS])
{
	int n = 0;

	for (size_t i = 0; i < p->ncaps && n < CHART_CATS; i++) {
		int k = 0;
		while (k < n && strcmp(cats[k], p->caps[i].category) != 0)
			k++;
		if (k == n)
			cats[n++] = p->caps[i].category;
	}
	return n;
}

/* Captures per week (the last CHART_WEEKS, ending with now's week) and category, stacked. */
static void chart(struct html *h, const struct pupil *p, int64_t now)
{
	static const char *const colours[CHART_CATS + 1] = {"#a33", "#36a", "#d80", "#393", "#839",
	                                                    "#0aa", "#a63", "#666", "#bbb"};
	const char *cats[CHART_CATS];
	int ncats = chart_cats(p, cats);
	long count[CHART_WEEKS][CHART_CATS + 1] = {{0}}, max = 1;
	int64_t start;
	char label[16];

	report_week_parse("1970-W01", &start); /* any Monday: weeks are counted from it */
	start += (now - start) / WEEK_MS * WEEK_MS - (CHART_WEEKS - 1) * WEEK_MS;
	for (size_t i = 0; i < p->ncaps; i++) {
		int64_t wk = p->caps[i].time >= start ? (p->caps[i].time - start) / WEEK_MS : -1;
		int k = 0;
		if (wk < 0 || wk >= CHART_WEEKS)
			continue;
		while (k < ncats && strcmp(cats[k], p->caps[i].category) != 0)
			k++;
		count[wk][k]++;
	}
	for (int wk = 0; wk < CHART_WEEKS; wk++) {
		long sum = 0;
		for (int k = 0; k <= CHART_CATS; k++)
			sum += count[wk][k];
		max = sum > max ? sum : max;
	}
	html_raw(h, "<svg id=\"pupil-chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"600\" "
	            "height=\"190\" viewBox=\"0 0 600 190\" role=\"img\" aria-label=\"Captures "
	            "per week and category, the last 12 weeks\" font-family=\"sans-serif\" "
	            "font-size=\"11\"><line x1=\"30\" y1=\"150\" x2=\"590\" y2=\"150\" "
	            "stroke=\"#333\"/>");
	html_fmt(h, "<text x=\"26\" y=\"24\" text-anchor=\"end\">%ld</text>", max);
	for (int wk = 0; wk < CHART_WEEKS; wk++) {
		double x = 34 + wk * 46.0, y = 150;
		report_week_label(start + wk * WEEK_MS, label, sizeof(label));
		for (int k = 0; k <= CHART_CATS; k++) {
			double hgt = 126.0 * (double)count[wk][k] / (double)max;
			if (!count[wk][k])
				continue;
			y -= hgt;
			html_fmt(h,
			         "<rect class=\"seg\" x=\"%.1f\" y=\"%.1f\" width=\"40\" "
			         "height=\"%.1f\" fill=\"%s\"><title>",
			         x, y, hgt, colours[k]);
			html_text(h, label);
			html_raw(h, ", ");
			html_text(h, k < ncats ? cats[k] : "other");
			html_fmt(h, ": %ld</title></rect>", count[wk][k]);
		}
		html_fmt(h, "<text x=\"%.1f\" y=\"164\" text-anchor=\"middle\">W%s</text>", x + 20,
		         label + 6);
	}
	for (int k = 0; k < ncats; k++) {
		html_fmt(h,
		         "<rect x=\"%d\" y=\"174\" width=\"10\" height=\"10\" fill=\"%s\"/><text "
		         "x=\"%d\" y=\"183\">",
		         34 + k * 70, colours[k], 48 + k * 70);
		html_text(h, cats[k]);
		html_raw(h, "</text>");
	}
	html_raw(h, "</svg>");
}

/* The decisions (not notes) on capture id, oldest first, as "action (login)" items. */
static void decisions(struct html *h, const struct pupil *p, const char *id)
{
	bool any = false;

	for (size_t i = p->nevents; i-- > 0;) {
		const struct pupil_event *e = &p->events[i];
		if (strcmp(e->capture_id, id) != 0 || strcmp(e->action, "note") == 0)
			continue;
		html_raw(h, any ? "; " : "");
		html_text(h, e->action);
		html_raw(h, " (");
		html_text(h, e->login);
		html_raw(h, ")");
		any = true;
	}
}

/* Under a row's severity, what lowered each of its hits: "self-harm, severity 5 → 2:
 * 'lol' 1 word after (rule self-harm.txt:17)", as the capture page says it. */
static void lowered(struct html *h, const char *why)
{
	for (const char *line = why, *end; line && *line; line = end + 1) {
		end = strchr(line, '\n');
		html_raw(h, "<div class=\"why\">");
		html_textn(h, line, (size_t)(end - line));
		html_raw(h, "</div>");
	}
}

static void timeline(struct html *h, const struct pupil *p)
{
	char when[32];

	html_raw(h, "<table id=\"timeline\"><thead><tr><th>");
	web_time_heading(h, "Time");
	html_raw(h, "</th><th>Category</th>"
	            "<th>Sev.</th><th>Source</th><th>Machine</th><th>Context</th><th>Status</th>"
	            "<th>Decisions</th></tr></thead><tbody>");
	for (size_t i = 0; i < p->ncaps; i++) {
		const struct pupil_capture *c = &p->caps[i];
		web_time(c->time, when, sizeof(when));
		html_raw(h, "<tr><td><a class=\"cap\" href=\"/captures/");
		html_url(h, c->id);
		html_raw(h, "\">");
		html_text(h, when);
		html_raw(h, "</a></td><td>");
		html_text(h, c->categories);
		html_fmt(h, "</td><td class=\"sev%d\">%d", c->severity, c->severity);
		lowered(h, c->why);
		html_raw(h, "</td><td>");
		html_text(h, c->sources);
		html_raw(h, "</td><td>");
		html_text(h, c->machine);
		html_raw(h, "</td><td>");
		html_text(h, c->context);
		html_raw(h, "</td><td>");
		html_text(h, c->status);
		html_raw(h, "</td><td>");
		decisions(h, p, c->id);
		html_raw(h, "</td></tr>");
	}
	html_raw(h, "</tbody></table>");
}

static void notes(struct html *h, const struct pupil *p)
{
	char when[32];
	bool any = false;

	html_raw(h, "<h2>Notes</h2><ul id=\"notes\">");
	for (size_t i = 0; i < p->nevents; i++) {
		const struct pupil_event *e = &p->events[i];
		if (strcmp(e->action, "note") != 0)
			continue;
		web_time(e->time, when, sizeof(when));
		html_raw(h, "<li>");
		html_text(h, when);
		html_raw(h, " <strong>");
		html_text(h, e->login);
		html_raw(h, "</strong> on <a href=\"/captures/");
		html_url(h, e->capture_id);
		html_raw(h, "\">the capture</a>: ");
		html_text(h, e->text);
		html_raw(h, "</li>");
		any = true;
	}
	html_raw(h, "</ul>");
	if (!any)
		html_raw(h, "<p class=\"muted\">No notes yet: add them on a capture.</p>");
}

/* Year and registration group from the roster, flags for those who see them, and
 * whether the pupil has left. */
static void pupil_details(struct html *h, const struct web_pupil *wp, bool flags)
{
	html_raw(h, "<p id=\"pupil-details\">Year group: <span class=\"year\">");
	html_text(h, wp->year[0] ? wp->year : "—");
	html_raw(h, "</span> · Registration group: <span class=\"reg\">");
	html_text(h, wp->reg[0] ? wp->reg : "—");
	html_raw(h, "</span>");
	if (flags) {
		html_raw(h, " · Flags: ");
		if (wp->flags[0])
			web_pupil_flags(h, wp->flags);
		else
			html_raw(h, "none");
	}
	if (!wp->current)
		html_raw(h, " · <strong class=\"left\">left the school</strong> (a leaver on the "
		            "roster)");
	html_raw(h, "</p>");
}

static void pupil_page(struct web_ctx *w, const struct pupil *p, const char *school,
                       const char *user)
{
	struct web_pupil wp;
	char name[224];
	struct html h;

	if (web_pupil_find(w, p->school_id, user, &wp) < 0)
		memset(&wp, 0, sizeof(wp));
	html_init(&h);
	web_page_start(&h, w, "Pupil");
	if (wp.on_roster && web_pupil_name(&wp, name, sizeof(name))) {
		html_raw(&h, "<h1><span id=\"pupil-name\">");
		html_text(&h, name);
		html_raw(&h, "</span> (<span id=\"pupil\">");
		html_text(&h, user);
		html_raw(&h, "</span>) at ");
	} else {
		html_raw(&h, "<h1>Pupil <span id=\"pupil\">");
		html_text(&h, user);
		html_raw(&h, "</span> at ");
	}
	html_text(&h, school);
	html_raw(&h, "</h1>");
	if (wp.on_roster)
		pupil_details(&h, &wp, web_sees_flags(w));
	html_fmt(&h, "<p>%zu capture%s%s, newest first.</p>", p->ncaps, p->ncaps == 1 ? "" : "s",
	         p->ncaps >= PUPIL_MAX ? " (the most recent)" : "");
	chart(&h, p, w->now);
	timeline(&h, p);
	notes(&h, p);
	web_page_end(&h);
	web_send(w, &h, 200);
}

/* Splits "/pupils/<school>/<user>" (already decoded) into its two names. */
static int split_path(const char *path, char *school, size_t ssize, char *user, size_t usize)
{
	const char *p = path + strlen(PREFIX), *slash = strchr(p, '/');

	if (!slash || slash == p || !slash[1] || strchr(slash + 1, '/') ||
	    (size_t)(slash - p) >= ssize || strlen(slash + 1) >= usize)
		return -EINVAL;
	snprintf(school, ssize, "%.*s", (int)(slash - p), p);
	snprintf(user, usize, "%s", slash + 1);
	return 0;
}

void web_pupil_get(void *ctx, struct http_request *req, struct http_response *resp)
{
	struct pupil p = {0};
	char school[128], user[128];
	struct web_ctx w;
	int r;

	if (web_begin(ctx, req, resp, WEB_MODERATOR | WEB_HEADTEACHER, &w) < 0)
		goto out;
	if (split_path(http_request_path(req), school, sizeof(school), user, sizeof(user)) < 0 ||
	    store_school_lookup(w.srv->store, school, &p.school_id) < 0 ||
	    !web_sees_school(&w, p.school_id)) {
		web_not_found(&w);
		goto out;
	}
	if (!(p.caps = calloc(PUPIL_MAX, sizeof(*p.caps)))) {
		web_error(&w, 503, "Out of memory; try again shortly.");
		goto out;
	}
	r = store_pupil_captures(w.srv->store, p.school_id, user, PUPIL_MAX, capture_cb, &p);
	if (r == 0)
		r = store_pupil_events(w.srv->store, p.school_id, user, event_cb, &p);
	if (r < 0) {
		web_error(&w, 503, "The database is not available; try again shortly.");
		goto out;
	}
	if (p.ncaps == 0) {
		web_not_found(&w);
		goto out;
	}
	audit_record(w.srv->store, w.u.login, p.school_id, "pupil-view", NULL, user);
	pupil_page(&w, &p, school, user);
out:
	pupil_free(&p);
	web_end(&w);
}
