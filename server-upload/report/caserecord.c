/* caserecord.c: one capture as a record for the school's safeguarding case system. */
#include "caserecord.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "blobs.h"
#include "capture_hits.h"
#include "html.h"
#include "pdfdoc.h"
#include "pngimage.h"
#include "store_moderation.h"

#define MAX_EVENTS 200
#define MAX_HITS   32
#define SHOT_PX    2 /* screenshot pixels per point in the PDF */
#define SHOT_H     420.0

struct event {
	char *login, *action, *text;
	int64_t time;
};

/* Everything the record shows, loaded before anything is drawn. */
struct caserecord {
	char id[40], school[128], machine[128], user[128], category[80], source[24];
	char status[24], status_by[128], sha[72];
	int severity;
	bool hidden, found;
	int64_t time, status_time, made;
	json_t *record;
	struct event events[MAX_EVENTS];
	size_t nevents;
	struct pngimage *shot; /* NULL: hidden or not available */
};

static void copy(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

static int brief_cb(const struct store_capture_brief *b, void *ud)
{
	struct caserecord *c = ud;

	copy(c->id, sizeof(c->id), b->id);
	copy(c->school, sizeof(c->school), b->school);
	copy(c->machine, sizeof(c->machine), b->machine);
	copy(c->user, sizeof(c->user), b->user);
	copy(c->category, sizeof(c->category), b->category);
	copy(c->source, sizeof(c->source), b->source);
	copy(c->status, sizeof(c->status), b->status);
	copy(c->status_by, sizeof(c->status_by), b->status_by);
	copy(c->sha, sizeof(c->sha), b->image_sha256);
	c->severity = b->severity;
	c->hidden = b->image_hidden;
	c->time = b->time_ms;
	c->status_time = b->status_time_ms;
	c->record = json_loads(b->record, 0, NULL);
	c->found = true;
	return c->record ? 0 : -ENOMEM;
}

static int event_cb(const struct store_capture_event *e, void *ud)
{
	struct caserecord *c = ud;
	struct event *v;

	if (c->nevents == MAX_EVENTS)
		return 0;
	v = &c->events[c->nevents];
	v->login = strdup(e->login);
	v->action = strdup(e->action);
	v->text = strdup(e->text);
	v->time = e->time_ms;
	c->nevents++;
	return v->login && v->action && v->text ? 0 : -ENOMEM;
}

static void caserecord_free(struct caserecord *c)
{
	for (size_t i = 0; i < c->nevents; i++) {
		free(c->events[i].login);
		free(c->events[i].action);
		free(c->events[i].text);
	}
	json_decref(c->record);
	pngimage_free(c->shot);
	free(c);
}

static int load(struct store *s, struct blobs *b, const char *id, struct caserecord *c)
{
	void *png;
	size_t len;
	int r = store_capture_brief_get(s, id, brief_cb, c);

	if (r == 0 && !c->found)
		r = -ENOENT;
	if (r == 0)
		r = store_capture_events(s, id, event_cb, c);
	if (r < 0)
		return r;
	/* A screenshot that cannot be read or decoded is said so in the record. */
	if (!c->hidden && b && blobs_get(b, c->sha, &png, &len) == 0) {
		pngimage_decode_fit(png, len, (uint32_t)(PDFDOC_WIDTH * SHOT_PX),
		                    (uint32_t)(SHOT_H * SHOT_PX), &c->shot);
		free(png);
	}
	return 0;
}

static void when(int64_t ms, char *buf, size_t size)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (!gmtime_r(&t, &tm) || strftime(buf, size, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(buf, size, "?");
}

static const char *rec_str(json_t *rec, const char *a, const char *b)
{
	json_t *v = json_object_get(rec, a);

	if (b)
		v = json_object_get(v, b);
	return json_is_string(v) ? json_string_value(v) : "";
}

/* One hit as a line: "self-harm, severity 5: “kill myself” (matched “k1ll mys3lf”,
 * rule self-harm.txt:12)", and what lowered it when context did: "; severity 5 → 2:
 * 'lol' 1 word after (rule self-harm.txt:17)". */
static void hit_line(json_t *h, char *buf, size_t size)
{
	json_t *sev = json_object_get(h, "severity");
	char why[HITWHY_MAX];
	int n;

	n = snprintf(
	    buf, size, "%s, severity %lld: \u201c%s\u201d (matched \u201c%s\u201d, rule %s)",
	    rec_str(h, "category", NULL), (long long)json_integer_value(sev),
	    rec_str(h, "phrase", NULL), rec_str(h, "matched", NULL), rec_str(h, "rule", NULL));
	if (capture_hit_why(h, why, sizeof(why)) && n >= 0 && (size_t)n < size)
		snprintf(buf + n, size - (size_t)n, "; %s", why);
}

/* The labelled facts at the top, shared by both formats. */
static size_t facts(const struct caserecord *c, const char *label[12], char value[12][320])
{
	size_t n = 0;
	char t[48];

#define FACT(l, ...) (label[n] = (l), snprintf(value[n++], 320, __VA_ARGS__))
	when(c->time, t, sizeof(t));
	FACT("Time", "%s", t);
	FACT("School", "%s", c->school);
	FACT("Machine", "%s", c->machine);
	FACT("User", "%s", c->user);
	FACT("Category", "%s, severity %d of 5", c->category, c->severity);
	FACT("Source", "%s", c->source);
	FACT("Window", "%s", rec_str(c->record, "window", "title"));
	FACT("Application", "%s", rec_str(c->record, "window", "app"));
	when(c->status_time, t, sizeof(t));
	if (c->status_by[0])
		FACT("Status", "%s (%s, %s)", c->status, c->status_by, t);
	else
		FACT("Status", "%s", c->status);
	FACT("Capture", "%s", c->id);
#undef FACT
	return n;
}

static void event_line(const struct event *e, char *buf, size_t size)
{
	char t[48];

	when(e->time, t, sizeof(t));
	snprintf(buf, size, "%s %s: %s%s%s", t, e->login, e->action, *e->text ? " — " : "",
	         e->text);
}

static int text_export(const struct caserecord *c, char **out, size_t *len)
{
	const char *label[12];
	char value[12][320], line[8192], made[48];
	json_t *h[MAX_HITS];
	size_t n = facts(c, label, value), nh = capture_hits_of(c->record, h, MAX_HITS);
	struct html b;
	char *p;

	html_init(&b);
	html_raw(&b, "Vigil capture — record for the safeguarding case file\n\n");
	for (size_t i = 0; i < n; i++)
		html_fmt(&b, "%-12s %s\n", label[i], value[i]);
	html_raw(&b, "\nContext (what was typed or shown around the hit):\n");
	html_raw(&b, rec_str(c->record, "context", NULL));
	html_raw(&b, "\n\nHits:\n");
	for (size_t i = 0; i < nh; i++) {
		hit_line(h[i], line, sizeof(line));
		html_fmt(&b, "- %s\n", line);
	}
	html_raw(&b, "\nDecisions and notes:\n");
	for (size_t i = 0; i < c->nevents; i++) {
		event_line(&c->events[i], line, sizeof(line));
		html_fmt(&b, "- %s\n", line);
	}
	if (!c->nevents)
		html_raw(&b, "- none\n");
	when(c->made, made, sizeof(made));
	html_fmt(&b, "\nScreenshot: %s\nMade by Vigil at %s.\n",
	         c->hidden ? "hidden (possible child abuse material; referred), not included"
	                   : "in the PDF of this record",
	         made);
	if (!(p = html_take(&b, len)))
		return -ENOMEM;
	*out = p;
	return 0;
}

static void heading(struct pdfdoc *d, const char *text)
{
	PangoLayout *l = pdfdoc_layout(d, PDFDOC_H2, PDFDOC_WIDTH, text, false);

	pdfdoc_skip(d, 8);
	pdfdoc_need(d, pdfdoc_height(l) + 30);
	pdfdoc_flow(d, l, 0);
	g_object_unref(l);
	pdfdoc_skip(d, 3);
}

/* The facts as a two-column list: label in bold, value wrapped beside it. */
static void pdf_facts(struct pdfdoc *d, const struct caserecord *c)
{
	const char *label[12];
	char value[12][320];
	size_t n = facts(c, label, value);

	for (size_t i = 0; i < n; i++) {
		PangoLayout *k = pdfdoc_layout(d, PDFDOC_BOLD, 90, label[i], false);
		PangoLayout *v = pdfdoc_layout(d, PDFDOC_BODY, PDFDOC_WIDTH - 96, value[i], false);
		double h =
		    pdfdoc_height(v) > pdfdoc_height(k) ? pdfdoc_height(v) : pdfdoc_height(k);
		pdfdoc_need(d, h);
		pdfdoc_draw(d, k, 0, pdfdoc_y(d));
		pdfdoc_draw(d, v, 96, pdfdoc_y(d));
		pdfdoc_skip(d, h + 2);
		g_object_unref(k);
		g_object_unref(v);
	}
}

static void pdf_shot(struct pdfdoc *d, const struct caserecord *c)
{
	cairo_t *cr = pdfdoc_cairo(d);
	cairo_surface_t *img;
	double h;

	heading(d, "Screenshot");
	if (c->hidden || !c->shot) {
		pdfdoc_text(d, PDFDOC_BODY,
		            c->hidden ? "Hidden (possible child abuse material; referred): not "
		                        "included."
		                      : "Not available.",
		            2);
		return;
	}
	h = c->shot->height / (double)SHOT_PX;
	pdfdoc_need(d, h);
	if (cr) {
		/* The record outlives the PDF surface (pdfdoc_render() finishes it). */
		img = cairo_image_surface_create_for_data(
		    (unsigned char *)c->shot->pixels, CAIRO_FORMAT_RGB24, (int)c->shot->width,
		    (int)c->shot->height, (int)c->shot->width * 4);
		cairo_save(cr);
		cairo_translate(cr, 0, pdfdoc_y(d));
		cairo_scale(cr, 1.0 / SHOT_PX, 1.0 / SHOT_PX);
		cairo_set_source_surface(cr, img, 0, 0);
		cairo_paint(cr);
		cairo_restore(cr);
		cairo_surface_destroy(img);
	}
	pdfdoc_skip(d, h);
}

static void pdf_body(struct pdfdoc *d, void *ud)
{
	const struct caserecord *c = ud;
	char line[8192], *title;
	json_t *h[MAX_HITS];
	size_t nh = capture_hits_of(c->record, h, MAX_HITS);

	title = g_strdup_printf("Capture: %s, severity %d", c->category, c->severity);
	pdfdoc_text(d, PDFDOC_TITLE, title, 4);
	g_free(title);
	pdfdoc_text(d, PDFDOC_SMALL,
	            "Record for the school's safeguarding case file, made by Vigil.", 8);
	pdf_facts(d, c);
	heading(d, "Context");
	pdfdoc_text(d, PDFDOC_BODY, rec_str(c->record, "context", NULL), 2);
	heading(d, "Hits");
	for (size_t i = 0; i < nh; i++) {
		hit_line(h[i], line, sizeof(line));
		pdfdoc_text(d, PDFDOC_BODY, line, 2);
	}
	heading(d, "Decisions and notes");
	for (size_t i = 0; i < c->nevents; i++) {
		event_line(&c->events[i], line, sizeof(line));
		pdfdoc_text(d, PDFDOC_BODY, line, 2);
	}
	if (!c->nevents)
		pdfdoc_text(d, PDFDOC_BODY, "None.", 2);
	pdf_shot(d, c);
}

static int pdf_export(const struct caserecord *c, char **out, size_t *len)
{
	char made[48], footer[512];

	when(c->made, made, sizeof(made));
	snprintf(footer, sizeof(footer), "Vigil case record · %s · capture %s · made %s", c->school,
	         c->id, made);
	return pdfdoc_render(footer, pdf_body, (void *)c, out, len);
}

int caserecord_export(struct store *s, struct blobs *b, const char *capture_id, int64_t made_ms,
                      enum caserecord_format format, char **out, size_t *len)
{
	struct caserecord *c = calloc(1, sizeof(*c));
	int r;

	if (!c)
		return -ENOMEM;
	c->made = made_ms;
	r = load(s, b, capture_id, c);
	if (r == 0)
		r = format == CASERECORD_PDF ? pdf_export(c, out, len) : text_export(c, out, len);
	caserecord_free(c);
	return r;
}
