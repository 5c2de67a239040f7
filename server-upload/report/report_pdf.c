/* report_pdf.c: the weekly report as a PDF (cairo), with the chart and thumbnails. */
#include <cairo-pdf.h>
#include <cairo.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "blobs.h"
#include "pngimage.h"
#include "report.h"

#define PAGE_W 595.0 /* A4 in points */
#define PAGE_H 842.0
#define MARGIN 50.0

struct pdf {
	cairo_t *cr;
	double y;
	struct html out; /* the PDF bytes (bounded buffer) */
};

static cairo_status_t on_write(void *closure, const unsigned char *data, unsigned int len)
{
	struct pdf *p = closure;

	html_rawn(&p->out, (const char *)data, len);
	return p->out.err ? CAIRO_STATUS_WRITE_ERROR : CAIRO_STATUS_SUCCESS;
}

static void need(struct pdf *p, double h)
{
	if (p->y + h > PAGE_H - MARGIN) {
		cairo_show_page(p->cr);
		p->y = MARGIN;
	}
}

static void text(struct pdf *p, double size, bool bold, double x, const char *s)
{
	need(p, size + 6);
	cairo_select_font_face(p->cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
	                       bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(p->cr, size);
	cairo_set_source_rgb(p->cr, 0, 0, 0);
	cairo_move_to(p->cr, x, p->y + size);
	cairo_show_text(p->cr, s);
}

static void line(struct pdf *p, double size, bool bold, const char *s)
{
	text(p, size, bold, MARGIN, s);
	p->y += size + 6;
}

static void chart(struct pdf *p, const struct report *r)
{
	double h = 140, w = PAGE_W - 2 * MARGIN, bw = w / REPORT_WEEKS;
	long max = 1;
	char buf[32];

	need(p, h + 30);
	for (int i = 0; i < REPORT_WEEKS; i++)
		if (r->weekly[i] > max)
			max = r->weekly[i];
	cairo_set_font_size(p->cr, 8);
	for (int i = 0; i < REPORT_WEEKS; i++) {
		double x = MARGIN + i * bw + 2, ha = h * (double)r->weekly[i] / (double)max,
		       hc = h * (double)r->weekly_concerns[i] / (double)max;
		cairo_set_source_rgb(p->cr, 0.6, 0.73, 0.73);
		cairo_rectangle(p->cr, x, p->y + h - ha, bw - 4, ha);
		cairo_fill(p->cr);
		cairo_set_source_rgb(p->cr, 0.65, 0.2, 0.2);
		cairo_rectangle(p->cr, x, p->y + h - hc, bw - 4, hc);
		cairo_fill(p->cr);
		cairo_set_source_rgb(p->cr, 0, 0, 0);
		cairo_move_to(p->cr, x, p->y + h + 10);
		snprintf(buf, sizeof(buf), "W%s: %ld", r->week_labels[i] + 6, r->weekly[i]);
		cairo_show_text(p->cr, buf);
	}
	p->y += h + 24;
}

/* Draws the capture's PNG scaled to 160 points wide; returns the height used. */
static double thumb(struct pdf *p, const struct report_item *it, struct blobs *blobs)
{
	struct pngimage *im = NULL;
	cairo_surface_t *img;
	void *data;
	size_t len;
	double scale, hgt = 0;

	if (it->hidden || !blobs || blobs_get(blobs, it->sha, &data, &len) < 0)
		return 0;
	/* Decoded within libpng's limits at twice the size drawn, never the whole image. */
	if (pngimage_decode_fit(data, len, 320, 240, &im) == 0) {
		img =
		    cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)im->width, (int)im->height);
		if (cairo_surface_status(img) == CAIRO_STATUS_SUCCESS) {
			unsigned char *px = cairo_image_surface_get_data(img);
			int stride = cairo_image_surface_get_stride(img);
			cairo_surface_flush(img);
			for (uint32_t y = 0; y < im->height; y++)
				memcpy(px + (size_t)y * stride, im->pixels + (size_t)y * im->width,
				       (size_t)im->width * 4);
			cairo_surface_mark_dirty(img);
			scale = 160.0 / im->width;
			hgt = im->height * scale;
			if (hgt > 120)
				scale *= 120 / hgt, hgt = 120;
			need(p, hgt + 4);
			cairo_save(p->cr);
			cairo_translate(p->cr, MARGIN, p->y);
			cairo_scale(p->cr, scale, scale);
			cairo_set_source_surface(p->cr, img, 0, 0);
			cairo_paint(p->cr);
			cairo_restore(p->cr);
		}
		cairo_surface_destroy(img);
		pngimage_free(im);
	}
	free(data);
	return hgt;
}

static void body(struct pdf *p, const struct report *r, struct blobs *blobs)
{
	char buf[512];

	snprintf(buf, sizeof(buf), "Weekly safeguarding report: %s, week %s", r->school, r->week);
	line(p, 16, true, buf);
	snprintf(buf, sizeof(buf),
	         "%ld captures: %ld confirmed or escalated concerns, %ld false positives, %ld "
	         "not yet moderated.",
	         r->total, r->concerns, r->false_positives, r->pending);
	line(p, 10, false, buf);
	p->y += 6;
	line(p, 12, true, "Captures by category and severity (1-5)");
	for (int c = 0; c < r->ncats; c++) {
		snprintf(buf, sizeof(buf), "%-24s %4ld %4ld %4ld %4ld %4ld", r->cats[c],
		         r->by_cat_sev[c][1], r->by_cat_sev[c][2], r->by_cat_sev[c][3],
		         r->by_cat_sev[c][4], r->by_cat_sev[c][5]);
		line(p, 10, false, buf);
	}
	p->y += 6;
	line(p, 12, true, "The last 12 weeks (captures; red: concerns)");
	chart(p, r);
	line(p, 12, true, "Users and machines with most concerns");
	for (int i = 0; i < r->nusers || i < r->nmachines; i++) {
		if (i < r->nusers) {
			snprintf(buf, sizeof(buf), "user %s: %ld concerns, %ld captures",
			         r->users[i].name, r->users[i].concerns, r->users[i].captures);
			line(p, 10, false, buf);
		}
		if (i < r->nmachines) {
			snprintf(buf, sizeof(buf), "machine %s: %ld concerns, %ld captures",
			         r->machines[i].name, r->machines[i].concerns,
			         r->machines[i].captures);
			line(p, 10, false, buf);
		}
	}
	p->y += 6;
	line(p, 12, true, "Moderation times");
	if (r->decided)
		snprintf(
		    buf, sizeof(buf),
		    "%ld decided; capture to first decision: median %.0f min, 90th percentile %.0f "
		    "min",
		    r->decided, r->median_minutes, r->p90_minutes);
	else
		snprintf(buf, sizeof(buf), "No capture of this week decided yet.");
	line(p, 10, false, buf);
	p->y += 6;
	line(p, 12, true, "Confirmed concerns");
	for (int i = 0; i < r->nconfirmed; i++) {
		const struct report_item *it = &r->confirmed[i];
		double hgt;
		snprintf(buf, sizeof(buf), "%s (severity %d, %s) %s %s", it->category, it->severity,
		         it->status, it->machine, it->user);
		line(p, 10, true, buf);
		snprintf(buf, sizeof(buf), "\"%.200s\"", it->context);
		line(p, 9, false, buf);
		hgt = thumb(p, it, blobs);
		p->y += hgt + 8;
	}
}

int report_pdf(const struct report *r, struct blobs *blobs, char **out, size_t *len)
{
	struct pdf p = {.y = MARGIN};
	cairo_surface_t *surf;
	cairo_status_t st;

	html_init(&p.out);
	surf = cairo_pdf_surface_create_for_stream(on_write, &p, PAGE_W, PAGE_H);
	p.cr = cairo_create(surf);
	body(&p, r, blobs);
	cairo_show_page(p.cr);
	st = cairo_status(p.cr);
	cairo_destroy(p.cr);
	cairo_surface_finish(surf);
	if (st == CAIRO_STATUS_SUCCESS)
		st = cairo_surface_status(surf);
	cairo_surface_destroy(surf);
	if (st != CAIRO_STATUS_SUCCESS) {
		html_free(&p.out);
		return -EIO;
	}
	*out = html_take(&p.out, len);
	return *out ? 0 : -ENOMEM;
}
