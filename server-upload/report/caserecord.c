/* caserecord.c: one capture as a record for the school's safeguarding case system. */
#include "caserecord.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "blobs.h"
#include "capture_hits.h"
#include "html.h"
#include "localzone.h"
#include "outcome.h"
#include "pdfdoc.h"
#include "pngimage.h"
#include "rfc3339.h"
#include "store_cases.h"
#include "store_moderation.h"

#define MAX_EVENTS 200
#define MAX_HITS   32
#define SHOT_PX    2 /* screenshot pixels per point in the PDF */
#define SHOT_H     420.0
/* Screenshots drawn in the PDF (the agent sends a screenshot and at most 3 frames); any
 * more are listed. */
#define MAX_SHOTS 8

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
	/* the pupil as the roster knows them ("" when it does not); flags only when asked */
	char pupil[224], year[36], reg[36], flags[64];
	bool on_roster, current, show_flags;
	json_t *record;
	struct store_case kase; /* who has it, its outcome and closing */
	struct event events[MAX_EVENTS];
	size_t nevents;
	size_t nshots;                     /* the record's screenshots (caserecord_shots) */
	struct pngimage *shots[MAX_SHOTS]; /* decoded; NULL: hidden or not available */
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
	if ((c->on_roster = b->on_roster)) {
		const char *first = *b->preferred_name ? b->preferred_name : b->given_name;
		snprintf(c->pupil, sizeof(c->pupil), "%s%s%s", first,
		         *first && *b->family_name ? " " : "", b->family_name);
		copy(c->year, sizeof(c->year), b->year_group);
		copy(c->reg, sizeof(c->reg), b->reg_group);
		copy(c->flags, sizeof(c->flags), b->flags);
		c->current = b->pupil_current;
	}
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
	for (size_t i = 0; i < MAX_SHOTS; i++)
		pngimage_free(c->shots[i]);
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
		r = store_case_get(s, id, &c->kase);
	if (r == 0)
		r = store_capture_events(s, id, event_cb, c);
	if (r < 0)
		return r;
	/* A screenshot that cannot be read or decoded is said so in the record; a hidden
	 * screenshot hides the capture's later frames too. */
	c->nshots = caserecord_shots(c->record);
	for (size_t i = 0; i < c->nshots && i < MAX_SHOTS && !c->hidden && b; i++) {
		const char *sha = c->sha;
		int64_t taken;
		if ((i && (caserecord_shot(c->record, i, &sha, &taken) < 0 || !sha)) ||
		    blobs_get(b, sha, &png, &len) < 0)
			continue;
		pngimage_decode_fit(png, len, (uint32_t)(PDFDOC_WIDTH * SHOT_PX),
		                    (uint32_t)(SHOT_H * SHOT_PX), &c->shots[i]);
		free(png);
	}
	return 0;
}

static void when(int64_t ms, char *buf, size_t size)
{
	localzone_format(ms, "%Y-%m-%d %H:%M:%S %Z", buf, size);
}

static const char *rec_str(json_t *rec, const char *a, const char *b)
{
	json_t *v = json_object_get(rec, a);

	if (b)
		v = json_object_get(v, b);
	return json_is_string(v) ? json_string_value(v) : "";
}

const char *caserecord_source_words(const char *s)
{
	static const char *const words[][2] = {{"window-title", "window title"},
	                                       {"screen-text", "screen text"}};

	for (size_t i = 0; s && i < sizeof(words) / sizeof(words[0]); i++)
		if (strcmp(s, words[i][0]) == 0)
			return words[i][1];
	return s ? s : "";
}

/* Where matched first occurs in context (exactly, else ignoring ASCII case). */
static const char *find(const char *context, const char *matched)
{
	size_t mlen = strlen(matched);
	const char *at;

	if (!mlen)
		return NULL;
	if ((at = strstr(context, matched)))
		return at;
	for (const char *p = context; *p; p++)
		if (strncasecmp(p, matched, mlen) == 0)
			return p;
	return NULL;
}

void caserecord_hit_evidence(json_t *rec, json_t *hit, struct caserecord_hit *e)
{
	json_t *own = json_object_get(hit, "context"), *a = json_object_get(hit, "start"),
	       *b = json_object_get(hit, "end"), *shot = json_object_get(hit, "frame");
	const char *src = json_string_value(json_object_get(hit, "source"));

	e->source =
	    caserecord_source_words(src ? src : json_string_value(json_object_get(rec, "source")));
	e->own_context = json_is_string(own);
	e->context = e->own_context ? json_string_value(own) : rec_str(rec, "context", NULL);
	e->start = e->end = 0;
	if (json_is_integer(a) && json_is_integer(b) && json_integer_value(a) >= 0 &&
	    json_integer_value(a) < json_integer_value(b) &&
	    (size_t)json_integer_value(b) <= strlen(e->context)) {
		e->start = (size_t)json_integer_value(a);
		e->end = (size_t)json_integer_value(b);
	} else if (!json_is_null(a)) { /* null: outside the context; missing: look for it */
		const char *m = json_string_value(json_object_get(hit, "matched"));
		const char *at = m ? find(e->context, m) : NULL;
		if (at) {
			e->start = (size_t)(at - e->context);
			e->end = e->start + strlen(m);
		}
	}
	e->shot = json_is_integer(shot) && json_integer_value(shot) >= 0 &&
	                  (size_t)json_integer_value(shot) < caserecord_shots(rec)
	              ? (int)json_integer_value(shot)
	              : -1;
}

size_t caserecord_shots(json_t *rec)
{
	json_t *frames = json_object_get(rec, "frames");

	return 1 + (json_is_array(frames) ? json_array_size(frames) : 0);
}

int caserecord_shot(json_t *rec, size_t n, const char **sha256, int64_t *time_ms)
{
	json_t *shot = n ? json_array_get(json_object_get(rec, "frames"), n - 1)
	                 : json_object_get(rec, "screenshot");
	const char *sha = json_string_value(json_object_get(shot, "sha256"));
	const char *t = json_string_value(json_object_get(n ? shot : rec, "time"));

	if (n >= caserecord_shots(rec)) /* the lookups above found nothing */
		return -ENOENT;
	*sha256 = sha && strlen(sha) == 64 && strspn(sha, "0123456789abcdef") == 64 ? sha : NULL;
	if (!t || rfc3339_parse(t, time_ms) < 0)
		*time_ms = 0;
	return 0;
}

/* "screenshot 2, 2026-11-23 09:14:05 UTC": shot n of the record (caserecord_shot()). */
static void shot_name(const struct caserecord *c, size_t n, char *buf, size_t size)
{
	const char *sha;
	int64_t ms = 0;
	char t[48];

	caserecord_shot(c->record, n, &sha, &ms);
	if (!ms)
		ms = n ? 0 : c->time;
	when(ms, t, sizeof(t));
	snprintf(buf, size, "screenshot %zu%s%s", n + 1, ms ? ", " : "", ms ? t : "");
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

/* Its evidence under a hit's line: "Source: clipboard; on screenshot 2, 2026-11-23
 * 09:14:05 UTC; its own context: “dont tell your parents about our chats ok”". */
static void hit_evidence_line(const struct caserecord *c, json_t *h, char *buf, size_t size)
{
	struct caserecord_hit e;
	char shot[96] = "";

	caserecord_hit_evidence(c->record, h, &e);
	if (e.shot >= 0)
		shot_name(c, (size_t)e.shot, shot, sizeof(shot));
	snprintf(buf, size, "Source: %s%s%s%s%s%s", *e.source ? e.source : "not recorded",
	         *shot ? "; on " : "", shot, e.own_context ? "; its own context: \u201c" : "",
	         e.own_context ? e.context : "", e.own_context ? "\u201d" : "");
}

/* After snprintf(s, size, …) returned n: when the text was cut, cuts it again before the
 * character that did not fit whole and ends it with "…", so no UTF-8 character is split. */
static void cut_utf8(char *s, size_t size, int n)
{
	size_t len;

	if (n < 0 || (size_t)n < size || size < 4)
		return;
	len = size - 4; /* room for "…" and the NUL */
	while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
		len--;
	memcpy(s + len, "\u2026", 4);
}

/* The labelled facts at the top, shared by both formats. */
#define FACTS 20
static size_t facts(const struct caserecord *c, const char *label[FACTS], char value[FACTS][320])
{
	size_t n = 0;
	char t[48];

#define FACT(l, ...)                                                                               \
	(label[n] = (l), cut_utf8(value[n], 320, snprintf(value[n], 320, __VA_ARGS__)), n++)
	when(c->time, t, sizeof(t));
	FACT("Time", "%s", t);
	FACT("School", "%s", c->school);
	FACT("Machine", "%s", c->machine);
	if (c->pupil[0])
		FACT("User", "%s (%s)%s", c->pupil, c->user,
		     c->current ? "" : ", has left the school");
	else
		FACT("User", "%s", c->user);
	if (c->on_roster) {
		FACT("Year group", "%s", c->year[0] ? c->year : "-");
		FACT("Reg. group", "%s", c->reg[0] ? c->reg : "-");
		if (c->show_flags)
			FACT("Flags", "%s", c->flags[0] ? c->flags : "none");
	}
	FACT("Category", "%s, severity %d of 5", c->category, c->severity);
	FACT("Source", "%s", c->source);
	FACT("Window", "%s", rec_str(c->record, "window", "title"));
	FACT("Application", "%s", rec_str(c->record, "window", "app"));
	when(c->status_time, t, sizeof(t));
	if (c->status_by[0])
		FACT("Status", "%s (%s, %s)", c->status, c->status_by, t);
	else
		FACT("Status", "%s", c->status);
	if (c->kase.assignee[0])
		FACT("Assigned to", "%s (by %s)", c->kase.assignee, c->kase.assigned_by);
	else
		FACT("Assigned to", "nobody");
	if (c->kase.closed_ms) {
		when(c->kase.closed_ms, t, sizeof(t));
		FACT("Outcome", "%s%s%s", outcome_words(c->kase.outcome),
		     c->kase.note[0] ? " — " : "", c->kase.note);
		FACT("Closed", "%s, %s", c->kase.closed_by, t);
	} else {
		FACT("Outcome", "%s",
		     c->kase.outcome[0] ? "reopened, not closed again yet" : "open");
	}
	FACT("Capture", "%s", c->id);
#undef FACT
	return n;
}

static void event_line(const struct event *e, char *buf, size_t size)
{
	char t[48];

	when(e->time, t, sizeof(t));
	cut_utf8(buf, size,
	         snprintf(buf, size, "%s %s: %s%s%s", t, e->login, e->action, *e->text ? " — " : "",
	                  e->text));
}

static int text_export(const struct caserecord *c, char **out, size_t *len)
{
	const char *label[FACTS];
	char value[FACTS][320], line[8192], made[48];
	json_t *h[MAX_HITS];
	size_t n = facts(c, label, value), nh = capture_hits_of(c->record, h, MAX_HITS);
	struct html b;
	char *p;

	html_init(&b);
	html_raw(&b, "Vigil capture — record for the safeguarding case file\n\n");
	for (size_t i = 0; i < n; i++)
		html_fmt(&b, "%-13s %s\n", label[i], value[i]);
	html_raw(&b, "\nContext (what was typed or shown around the hit):\n");
	html_raw(&b, rec_str(c->record, "context", NULL));
	html_raw(&b, "\n\nHits:\n");
	for (size_t i = 0; i < nh; i++) {
		hit_line(h[i], line, sizeof(line));
		html_fmt(&b, "- %s\n", line);
		hit_evidence_line(c, h[i], line, sizeof(line));
		html_fmt(&b, "  %s\n", line);
	}
	html_raw(&b, "\nDecisions and notes:\n");
	for (size_t i = 0; i < c->nevents; i++) {
		event_line(&c->events[i], line, sizeof(line));
		html_fmt(&b, "- %s\n", line);
	}
	if (!c->nevents)
		html_raw(&b, "- none\n");
	html_fmt(&b, "\n%s (%zu): %s\n", c->nshots == 1 ? "Screenshot" : "Screenshots", c->nshots,
	         c->hidden ? "hidden (possible child abuse material; referred), not included"
	                   : "in the PDF of this record");
	for (size_t i = 0; i < c->nshots; i++) {
		shot_name(c, i, line, sizeof(line));
		html_fmt(&b, "- %s%s\n", line, i ? "" : " (when the capture was made)");
	}
	when(c->made, made, sizeof(made));
	html_fmt(&b, "\nMade by Vigil at %s.\n", made);
	if (!(p = html_take(&b, len)))
		return -ENOMEM;
	*out = p;
	return 0;
}

/* A section's heading, kept on its page with the first keep points of what follows. */
static void heading(struct pdfdoc *d, const char *text, double keep)
{
	pdfdoc_heading(d, PDFDOC_H2, text, keep);
}

/* The first line's height of text as pdfdoc_text() would set it. */
static double first_line(struct pdfdoc *d, enum pdfdoc_style style, const char *text)
{
	PangoLayout *l = pdfdoc_layout(d, style, PDFDOC_WIDTH, text, false);
	double h = pdfdoc_first_line(l);

	g_object_unref(l);
	return h;
}

/* The facts as a two-column list: label in bold, value wrapped beside it. */
static void pdf_facts(struct pdfdoc *d, const struct caserecord *c)
{
	const char *label[FACTS];
	char value[FACTS][320];
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

/* A paragraph indented under a hit's line. */
static void pdf_indented(struct pdfdoc *d, const char *text)
{
	PangoLayout *l = pdfdoc_layout(d, PDFDOC_BODY, PDFDOC_WIDTH - 14, text, false);

	pdfdoc_flow(d, l, 14);
	pdfdoc_skip(d, 3);
	g_object_unref(l);
}

/* The image of screenshot n, or NULL when there is none to draw. */
static const struct pngimage *shot_image(const struct caserecord *c, size_t n)
{
	return n < MAX_SHOTS ? c->shots[n] : NULL;
}

/* The room screenshot n takes: its name and its image, or the line saying why none. */
static double shot_height(struct pdfdoc *d, const struct caserecord *c, size_t n)
{
	const struct pngimage *im = shot_image(c, n);

	return im ? im->height / (double)SHOT_PX + 16 : first_line(d, PDFDOC_BODY, "S") + 4;
}

/* Screenshot n: its name and time, then the image (or why there is none). */
static void pdf_shot(struct pdfdoc *d, const struct caserecord *c, size_t n)
{
	const struct pngimage *im = shot_image(c, n);
	cairo_t *cr = pdfdoc_cairo(d);
	cairo_surface_t *img;
	char name[256];
	double h;

	shot_name(c, n, name, sizeof(name));
	name[0] = 'S';
	if (!n)
		strncat(name, " (when the capture was made)", sizeof(name) - strlen(name) - 1);
	if (!im) {
		strncat(name,
		        c->hidden
		            ? ": hidden (possible child abuse material; referred), not included."
		        : n >= MAX_SHOTS ? ": not drawn (this record draws the first 8)."
		                         : ": not available.",
		        sizeof(name) - strlen(name) - 1);
		pdfdoc_text(d, PDFDOC_BODY, name, 4);
		return;
	}
	h = im->height / (double)SHOT_PX;
	pdfdoc_need(d, shot_height(d, c, n));
	pdfdoc_text(d, PDFDOC_SMALL, name, 2);
	if (cr) {
		/* The record outlives the PDF surface (pdfdoc_render() finishes it). */
		img = cairo_image_surface_create_for_data((unsigned char *)im->pixels,
		                                          CAIRO_FORMAT_RGB24, (int)im->width,
		                                          (int)im->height, (int)im->width * 4);
		cairo_save(cr);
		cairo_translate(cr, 0, pdfdoc_y(d));
		cairo_scale(cr, 1.0 / SHOT_PX, 1.0 / SHOT_PX);
		cairo_set_source_surface(cr, img, 0, 0);
		cairo_paint(cr);
		cairo_restore(cr);
		cairo_surface_destroy(img);
	}
	pdfdoc_skip(d, h + 8);
}

/* Each heading is kept with the first line (or picture) of its section. */
static void pdf_body(struct pdfdoc *d, void *ud)
{
	const struct caserecord *c = ud;
	const char *context = rec_str(c->record, "context", NULL);
	char line[8192], *title;
	json_t *h[MAX_HITS];
	size_t nh = capture_hits_of(c->record, h, MAX_HITS);

	title = g_strdup_printf("Capture: %s, severity %d", c->category, c->severity);
	pdfdoc_text(d, PDFDOC_TITLE, title, 4);
	g_free(title);
	pdfdoc_text(d, PDFDOC_SMALL,
	            "Record for the school's safeguarding case file, made by Vigil.", 8);
	pdf_facts(d, c);
	heading(d, "Context", first_line(d, PDFDOC_BODY, context));
	pdfdoc_text(d, PDFDOC_BODY, context, 2);
	if (nh)
		hit_line(h[0], line, sizeof(line));
	heading(d, "Hits", nh ? first_line(d, PDFDOC_BODY, line) : 0);
	for (size_t i = 0; i < nh; i++) {
		hit_line(h[i], line, sizeof(line));
		pdfdoc_text(d, PDFDOC_BODY, line, 1);
		hit_evidence_line(c, h[i], line, sizeof(line));
		pdf_indented(d, line);
	}
	if (c->nevents)
		event_line(&c->events[0], line, sizeof(line));
	heading(d, "Decisions and notes", first_line(d, PDFDOC_BODY, c->nevents ? line : "None."));
	for (size_t i = 0; i < c->nevents; i++) {
		event_line(&c->events[i], line, sizeof(line));
		pdfdoc_text(d, PDFDOC_BODY, line, 2);
	}
	if (!c->nevents)
		pdfdoc_text(d, PDFDOC_BODY, "None.", 2);
	heading(d, c->nshots > 1 ? "Screenshots" : "Screenshot", shot_height(d, c, 0));
	for (size_t i = 0; i < c->nshots; i++)
		pdf_shot(d, c, i);
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
	return caserecord_export_flags(s, b, capture_id, made_ms, format, false, out, len);
}

int caserecord_export_flags(struct store *s, struct blobs *b, const char *capture_id,
                            int64_t made_ms, enum caserecord_format format, bool flags, char **out,
                            size_t *len)
{
	struct caserecord *c = calloc(1, sizeof(*c));
	int r;

	if (!c)
		return -ENOMEM;
	c->made = made_ms;
	c->show_flags = flags;
	r = load(s, b, capture_id, c);
	if (r == 0)
		r = format == CASERECORD_PDF ? pdf_export(c, out, len) : text_export(c, out, len);
	caserecord_free(c);
	return r;
}
