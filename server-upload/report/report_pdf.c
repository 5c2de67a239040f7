/* report_pdf.c: the weekly report as a printable A4 PDF: sections, tables, chart, concerns. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "blobs.h"
#include "localzone.h"
#include "pdfdoc.h"
#include "pngimage.h"
#include "report.h"

#define PAD         4.0   /* inside a table cell */
#define NUM_W       56.0  /* a table's number column */
#define THUMB_W     170.0 /* a concern's screenshot box, points */
#define THUMB_H     128.0
#define THUMB_PX    2 /* thumbnail pixels per point */
#define CHART_H     110.0
#define CONTEXT_MAX 1500 /* bytes of a concern's context printed */

struct ctx {
	const struct report *r;
	struct blobs *blobs;
};

struct table {
	int n;
	const double *widths; /* the first column takes what the others leave */
	const char *const *head;
};

static const char *const legend[] = {
    "5 — immediate risk to life or of abuse: act today",
    "4 — serious concern: the safeguarding lead should see it this week",
    "3 — concern: review",
    "2 — low: a pattern matters more than one hit",
    "1 — noise: recorded for the weekly report only",
};

/* Formats the time ms (local, time-zone) into the array buf with a literal strftime format. */
#define WHEN(ms, fmt, buf)                                                                         \
	do {                                                                                       \
		localzone_format((ms), fmt, buf, sizeof(buf));                                     \
	} while (0)

/* A section's heading, kept on one page with the first keep points of what follows. */
static void heading_keep(struct pdfdoc *d, const char *text, double keep)
{
	pdfdoc_heading(d, PDFDOC_H1, text, keep);
}

static void heading(struct pdfdoc *d, const char *text)
{
	heading_keep(d, text, 48); /* never alone at the foot of a page */
}

static void none(struct pdfdoc *d)
{
	pdfdoc_text(d, PDFDOC_BODY, "None this week.", 2);
}

/* One row of a table: cells (head: constant words, drawn bold on grey), a rule below. When
 * the row starts a new page the table's head is drawn again first. */
static void table_row(struct pdfdoc *d, const struct table *t, const char *const *cells, bool head,
                      bool bold)
{
	PangoLayout *l[8];
	double w[8], h = 0, x = 0, y;
	cairo_t *cr;

	for (int i = 0; i < t->n && i < 8; i++) {
		w[i] = i ? t->widths[i] : PDFDOC_WIDTH;
		for (int k = 1; !i && k < t->n; k++)
			w[i] -= t->widths[k];
		l[i] = pdfdoc_layout(d,
		                     head   ? PDFDOC_SMALL
		                     : bold ? PDFDOC_BOLD
		                            : PDFDOC_BODY,
		                     w[i] - 2 * PAD, cells[i], false);
		if (i)
			pango_layout_set_alignment(l[i], PANGO_ALIGN_RIGHT);
		if (pdfdoc_height(l[i]) > h)
			h = pdfdoc_height(l[i]);
	}
	h += 2 * PAD;
	if (pdfdoc_need(d, h) && !head)
		table_row(d, t, t->head, true, false);
	y = pdfdoc_y(d);
	if ((cr = pdfdoc_cairo(d))) {
		if (head) {
			cairo_set_source_rgb(cr, 0.9, 0.9, 0.9);
			cairo_rectangle(cr, 0, y, PDFDOC_WIDTH, h);
			cairo_fill(cr);
		}
		cairo_set_source_rgb(cr, 0.6, 0.6, 0.6);
		cairo_set_line_width(cr, 0.5);
		cairo_move_to(cr, 0, y + h);
		cairo_line_to(cr, PDFDOC_WIDTH, y + h);
		cairo_stroke(cr);
	}
	for (int i = 0; i < t->n && i < 8; i++) {
		pdfdoc_draw(d, l[i], x + PAD, y + PAD);
		x += w[i];
		g_object_unref(l[i]);
	}
	pdfdoc_skip(d, h);
}

static void title(struct pdfdoc *d, const struct report *r)
{
	char from[64], to[64], buf[512];
	char *markup;

	pdfdoc_text(d, PDFDOC_TITLE, "Weekly safeguarding report", 4);
	pdfdoc_text(d, PDFDOC_H1, r->school, 4);
	WHEN(r->start, "%A %e %B %Y", from);
	WHEN(r->end - 1, "%A %e %B %Y", to);
	snprintf(buf, sizeof(buf), "Week %s: %s to %s (%s)", r->week, from, to, localzone_name());
	pdfdoc_text(d, PDFDOC_BODY, buf, 8);
	snprintf(buf, sizeof(buf),
	         "For the headteacher and the designated safeguarding lead. Captures are what "
	         "the monitoring flagged; only moderated concerns are incidents. Times are %s.",
	         localzone_name());
	pdfdoc_text(d, PDFDOC_SMALL, buf, 8);
	markup = g_markup_printf_escaped(
	    "<b>%ld</b> %s this week: <b>%ld</b> confirmed or escalated %s, %ld false %s, %ld not "
	    "yet moderated.",
	    r->total, report_plural(r->total, "capture", "captures"), r->concerns,
	    report_plural(r->concerns, "concern", "concerns"), r->false_positives,
	    report_plural(r->false_positives, "positive", "positives"), r->pending);
	{
		PangoLayout *l = pdfdoc_layout(d, PDFDOC_BODY, PDFDOC_WIDTH, markup, true);
		pdfdoc_flow(d, l, 0);
		g_object_unref(l);
	}
	g_free(markup);
}

static void counts(struct pdfdoc *d, const struct report *r)
{
	static const double widths[7] = {0, NUM_W, NUM_W, NUM_W, NUM_W, NUM_W, NUM_W};
	static const char *const head[7] = {"Category",   "Severity 1", "Severity 2", "Severity 3",
	                                    "Severity 4", "Severity 5", "Total"};
	const struct table t = {.n = 7, .widths = widths, .head = head};
	char num[6][24];
	const char *cells[7];
	heading(d, "Captures by category and severity");
	if (!r->ncats) {
		none(d);
		return;
	}
	for (int i = 0; i < 6; i++)
		cells[i + 1] = num[i];
	table_row(d, &t, head, true, false);
	for (int c = 0; c < r->ncats; c++) {
		long sum = 0;
		for (int s = 1; s <= 5; s++) {
			snprintf(num[s - 1], sizeof(num[0]), "%ld", r->by_cat_sev[c][s]);
			sum += r->by_cat_sev[c][s];
		}
		snprintf(num[5], sizeof(num[0]), "%ld", sum);
		cells[0] = r->cats[c];
		table_row(d, &t, cells, false, false);
	}
	for (int s = 1; s <= 5; s++)
		snprintf(num[s - 1], sizeof(num[0]), "%ld", r->by_sev[s]);
	snprintf(num[5], sizeof(num[0]), "%ld", r->total);
	cells[0] = "All categories";
	table_row(d, &t, cells, false, true);
	pdfdoc_skip(d, 4);
	pdfdoc_text(d, PDFDOC_SMALL,
	            "A capture counts under every category it has a hit in, at its highest "
	            "severity there, so the categories can add up to more than All categories, "
	            "which counts each capture once.",
	            0);
	pdfdoc_skip(d, 6);
	pdfdoc_need(d, 5 * 12 + 14);
	pdfdoc_text(d, PDFDOC_BOLD, "Severity", 1);
	for (int i = 0; i < 5; i++)
		pdfdoc_text(d, PDFDOC_SMALL, legend[i], 0);
}

/* A label centred in a column of the chart. */
static void chart_label(struct pdfdoc *d, const char *text, double x, double w, double y)
{
	PangoLayout *l = pdfdoc_layout(d, PDFDOC_CAPTION, w, text, false);

	pango_layout_set_alignment(l, PANGO_ALIGN_CENTER);
	pdfdoc_draw(d, l, x, y);
	g_object_unref(l);
}

static void chart(struct pdfdoc *d, const struct report *r)
{
	double bw = PDFDOC_WIDTH / REPORT_WEEKS, top, lab = 10;
	long max = 0;
	cairo_t *cr;
	char buf[32];

	heading(d, "The last 12 weeks");
	for (int i = 0; i < REPORT_WEEKS; i++)
		max = r->weekly[i] > max ? r->weekly[i] : max;
	if (!max) {
		pdfdoc_text(d, PDFDOC_BODY, "None this week or in the 11 weeks before.", 2);
		return;
	}
	pdfdoc_need(d, lab + CHART_H + 2 * lab + 8);
	top = pdfdoc_y(d) + lab;
	for (int i = 0; i < REPORT_WEEKS && (cr = pdfdoc_cairo(d)); i++) {
		double x = i * bw, ha = CHART_H * (double)r->weekly[i] / (double)max,
		       hc = CHART_H * (double)r->weekly_concerns[i] / (double)max;
		cairo_set_source_rgb(cr, 0.7, 0.7, 0.7);
		cairo_rectangle(cr, x + 4, top + CHART_H - ha, bw - 8, ha);
		cairo_fill(cr);
		cairo_set_source_rgb(cr, 0.6, 0.1, 0.1);
		cairo_rectangle(cr, x + 4, top + CHART_H - hc, bw - 8, hc);
		cairo_fill(cr);
		snprintf(buf, sizeof(buf), "%ld", r->weekly[i]);
		chart_label(d, buf, x, bw, top + CHART_H - ha - lab);
		chart_label(d, r->week_labels[i] + 5, x, bw, top + CHART_H + 2); /* "W48" */
	}
	pdfdoc_skip(d, lab + CHART_H + lab + 8);
	pdfdoc_text(d, PDFDOC_SMALL,
	            "ISO weeks; captures a week (grey bars, the number above) and of them "
	            "confirmed or escalated concerns (dark red).",
	            0);
}

static void top_list(struct pdfdoc *d, const char *title, const char *what,
                     const struct report_count *v, int n)
{
	static const double widths[3] = {0, 80, 80};
	const char *head[3] = {what, "Concerns", "Captures"}, *cells[3];
	const struct table t = {.n = 3, .widths = widths, .head = head};
	char a[24], b[24];

	heading(d, title);
	if (!n) {
		none(d);
		return;
	}
	table_row(d, &t, head, true, false);
	for (int i = 0; i < n; i++) {
		snprintf(a, sizeof(a), "%ld", v[i].concerns);
		snprintf(b, sizeof(b), "%ld", v[i].captures);
		cells[0] = v[i].name;
		cells[1] = a;
		cells[2] = b;
		table_row(d, &t, cells, false, false);
	}
}

static void moderation(struct pdfdoc *d, const struct report *r)
{
	char med[32], p90[32], buf[256];

	heading(d, "Moderation times");
	if (!r->decided) {
		pdfdoc_text(d, PDFDOC_BODY,
		            "None this week: no capture of this week has been decided yet.", 2);
		return;
	}
	report_duration(r->median_minutes, med, sizeof(med));
	report_duration(r->p90_minutes, p90, sizeof(p90));
	snprintf(buf, sizeof(buf),
	         "%ld %s decided; from capture to first decision: median %s, 90th percentile %s.",
	         r->decided, report_plural(r->decided, "capture", "captures"), med, p90);
	pdfdoc_text(d, PDFDOC_BODY, buf, 2);
}

/* The captures closed this week by outcome. */
static void closed(struct pdfdoc *d, const struct report *r)
{
	static const double widths[2] = {0, 80};
	const char *head[2] = {"Outcome", "Captures"}, *cells[2];
	const struct table t = {.n = 2, .widths = widths, .head = head};
	char n[24], buf[160];

	heading(d, "Closed this week");
	if (!r->closed) {
		pdfdoc_text(d, PDFDOC_BODY, "None this week: no capture was closed.", 2);
		return;
	}
	snprintf(buf, sizeof(buf),
	         "%ld %s closed this week (whenever %s taken), by outcome:", r->closed,
	         report_plural(r->closed, "capture", "captures"),
	         report_plural(r->closed, "it was", "they were"));
	pdfdoc_text(d, PDFDOC_BODY, buf, 4);
	table_row(d, &t, head, true, false);
	for (int i = 0; i < r->noutcomes; i++) {
		snprintf(n, sizeof(n), "%ld", r->outcomes[i].captures);
		cells[0] = r->outcomes[i].name;
		cells[1] = n;
		table_row(d, &t, cells, false, false);
	}
}

/* A caption centred in the thumbnail box instead of the image. */
static void thumb_note(struct pdfdoc *d, const char *text, double y)
{
	PangoLayout *l = pdfdoc_layout(d, PDFDOC_SMALL, THUMB_W - 2 * PAD, text, false);

	pango_layout_set_alignment(l, PANGO_ALIGN_CENTER);
	pdfdoc_draw(d, l, PAD, y + (THUMB_H - pdfdoc_height(l)) / 2);
	g_object_unref(l);
}

/* The screenshot fitted in the THUMB_W × THUMB_H box at y, or why there is none. */
static void thumb(struct pdfdoc *d, const struct report_item *it, struct blobs *blobs, double y)
{
	cairo_t *cr = pdfdoc_cairo(d);
	cairo_surface_t *img = NULL;
	struct pngimage *im = NULL;
	void *png = NULL;
	size_t len;
	double w, h;

	if (!cr)
		return;
	cairo_set_source_rgb(cr, 0.6, 0.6, 0.6);
	cairo_set_line_width(cr, 0.5);
	cairo_rectangle(cr, 0, y, THUMB_W, THUMB_H);
	cairo_stroke(cr);
	if (it->hidden) {
		thumb_note(d, "Image hidden (referred); not shown.", y);
		return;
	}
	if (blobs && blobs_get(blobs, it->sha, &png, &len) == 0 &&
	    pngimage_decode_fit(png, len, (uint32_t)THUMB_W * THUMB_PX,
	                        (uint32_t)THUMB_H * THUMB_PX, &im) == 0)
		img = pdfdoc_surface_take(im, it->sha);
	free(png);
	if (!img) {
		thumb_note(d, "Image not available.", y);
		return;
	}
	w = cairo_image_surface_get_width(img) / (double)THUMB_PX;
	h = cairo_image_surface_get_height(img) / (double)THUMB_PX;
	cairo_save(cr);
	cairo_translate(cr, (THUMB_W - w) / 2, y + (THUMB_H - h) / 2);
	cairo_scale(cr, 1.0 / THUMB_PX, 1.0 / THUMB_PX);
	cairo_set_source_surface(cr, img, 0, 0);
	cairo_paint(cr);
	cairo_restore(cr);
	cairo_surface_destroy(img);
}

/* The text beside a concern's screenshot: what, when, where, who, the context, decisions. */
static int concern_text(struct pdfdoc *d, const struct report_item *it, double w, PangoLayout **l,
                        int max)
{
	char at[64], *markup, *context;
	int n = 0;

	WHEN(it->time, "%a %e %b %Y %H:%M %Z", at);
	markup = g_markup_printf_escaped("<b>%s</b>, severity %d, %s", it->category, it->severity,
	                                 it->status);
	l[n++] = pdfdoc_layout(d, PDFDOC_BODY, w, markup, true);
	g_free(markup);
	markup = g_markup_printf_escaped("%s · machine %s · user %s", at, it->machine, it->user);
	l[n++] = pdfdoc_layout(d, PDFDOC_SMALL, w, markup, true);
	g_free(markup);
	context = pdfdoc_clip(it->context, CONTEXT_MAX);
	markup = g_markup_printf_escaped("“%s”", context);
	l[n++] = pdfdoc_layout(d, PDFDOC_BODY, w, markup, true);
	g_free(markup);
	g_free(context);
	for (int i = 0; i < it->ndecisions && n < max; i++) {
		const struct report_decision *e = &it->decisions[i];
		char *text = pdfdoc_clip(e->text, CONTEXT_MAX);
		WHEN(e->time, "%a %e %b %H:%M", at);
		markup = g_markup_printf_escaped("%s · %s: <b>%s</b>%s%s", at, e->login, e->action,
		                                 *text ? " — " : "", text);
		l[n++] = pdfdoc_layout(d, PDFDOC_SMALL, w, markup, true);
		g_free(markup);
		g_free(text);
	}
	if (it->more_decisions && n < max) {
		markup =
		    g_markup_printf_escaped("… and %d more decisions and notes: see the capture "
		                            "in Vigil (id %s).",
		                            it->more_decisions, it->id);
		l[n++] = pdfdoc_layout(d, PDFDOC_SMALL, w, markup, true);
		g_free(markup);
	}
	return n;
}

static void concern(struct pdfdoc *d, const struct report_item *it, struct blobs *blobs)
{
	const double x = THUMB_W + 12, w = PDFDOC_WIDTH - x;
	PangoLayout *l[4 + REPORT_MAX_DECISIONS];
	int n = concern_text(d, it, w, l, 4 + REPORT_MAX_DECISIONS), page;
	double th = 0, start = 0, y0;

	for (int i = 0; i < n; i++) {
		th += pdfdoc_height(l[i]) + 3;
		if (i == 2) /* what, when and who, and the context: never split */
			start = th;
	}
	th = th > THUMB_H ? th : THUMB_H;
	start = start > THUMB_H + 24 ? start : THUMB_H + 24;
	/* Kept on one page, unless it is long and its start fits here: then its decisions go
	 * on over the page break like a paragraph's. */
	if (th <= THUMB_H + 48 || pdfdoc_bottom(d) - pdfdoc_y(d) < start)
		pdfdoc_need(d, th);
	y0 = pdfdoc_y(d);
	page = pdfdoc_page(d);
	thumb(d, it, blobs, y0);
	for (int i = 0; i < n; i++) {
		pdfdoc_flow(d, l[i], x);
		pdfdoc_skip(d, 3);
		g_object_unref(l[i]);
	}
	if (pdfdoc_page(d) == page && pdfdoc_y(d) < y0 + THUMB_H)
		pdfdoc_skip(d, y0 + THUMB_H - pdfdoc_y(d));
	pdfdoc_skip(d, 12);
}

static void body(struct pdfdoc *d, void *ud)
{
	const struct ctx *c = ud;
	const struct report *r = c->r;

	title(d, r);
	counts(d, r);
	chart(d, r);
	top_list(d, "Users with most concerns", "User", r->users, r->nusers);
	top_list(d, "Machines with most concerns", "Machine", r->machines, r->nmachines);
	if (r->nyears)
		top_list(d, "By year group", "Year group", r->years, r->nyears);
	moderation(d, r);
	closed(d, r);
	heading_keep(d, "Confirmed concerns", THUMB_H + 12);
	if (!r->nconfirmed)
		none(d);
	for (int i = 0; i < r->nconfirmed; i++)
		concern(d, &r->confirmed[i], c->blobs);
}

int report_pdf(const struct report *r, struct blobs *blobs, char **out, size_t *len)
{
	struct ctx c = {.r = r, .blobs = blobs};
	char from[32], to[32], made[32], footer[512];

	WHEN(r->start, "%e %B", from);
	WHEN(r->end - 1, "%e %B %Y", to);
	WHEN((int64_t)time(NULL) * 1000, "%Y-%m-%d %H:%M %Z", made);
	snprintf(footer, sizeof(footer), "%s · week %s (%s – %s) · generated %s", r->school,
	         r->week, from + (from[0] == ' '), to + (to[0] == ' '), made);
	return pdfdoc_render(footer, body, &c, out, len);
}
