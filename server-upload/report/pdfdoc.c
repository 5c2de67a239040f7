/* pdfdoc.c: printable A4 documents: pango text wrapped within the margins, page breaks, footers. */
#include "pdfdoc.h"

#include <cairo-pdf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dynbuf.h"
#include "pngimage.h"

#define FOOTER_GAP   12.0 /* between the body and the footer's rule */
#define PAGE_NO_W    96.0 /* the footer's right column, "page N of M" */
#define FOOTER_LINES 3    /* the footer's left column, at most */

struct pdfdoc {
	cairo_t *cr;      /* NULL while counting pages */
	cairo_t *measure; /* the context pango measures with, in both passes */
	PangoContext *pc;
	const char *footer;
	double y, bottom, footer_top;
	int page, pages; /* pages: 0 while counting */
};

static const struct {
	const char *font;
	double size;
} styles[] = {
    [PDFDOC_TITLE] = {"Sans Bold", 18}, [PDFDOC_H1] = {"Sans Bold", 14},
    [PDFDOC_H2] = {"Sans Bold", 11.5},  [PDFDOC_BODY] = {"Sans", 10},
    [PDFDOC_BOLD] = {"Sans Bold", 10},  [PDFDOC_SMALL] = {"Sans", 8.5},
    [PDFDOC_CAPTION] = {"Sans", 7},
};

char *pdfdoc_clip(const char *s, size_t max)
{
	char *v = g_utf8_make_valid(s ? s : "", -1);
	size_t n = strlen(v), cut;

	if (n <= max || max < 4)
		return v;
	cut = max - 3; /* room for "…" */
	while (cut > 0 && ((unsigned char)v[cut] & 0xc0) == 0x80)
		cut--;
	memcpy(v + cut, "…", sizeof("…")); /* ends at most at v[max], inside the n + 1 bytes */
	return v;
}

PangoLayout *pdfdoc_layout(struct pdfdoc *d, enum pdfdoc_style style, double width,
                           const char *text, bool markup)
{
	PangoLayout *l = pango_layout_new(d->pc);
	PangoFontDescription *fd = pango_font_description_from_string(styles[style].font);
	char *valid = g_utf8_make_valid(text ? text : "", -1);

	pango_font_description_set_size(fd, (gint)(styles[style].size * PANGO_SCALE));
	pango_layout_set_font_description(l, fd);
	pango_font_description_free(fd);
	pango_layout_set_width(l, pango_units_from_double(width));
	pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
	if (markup)
		pango_layout_set_markup(l, valid, -1);
	else
		pango_layout_set_text(l, valid, -1);
	g_free(valid);
	return l;
}

double pdfdoc_height(PangoLayout *l)
{
	PangoRectangle log;

	pango_layout_get_extents(l, NULL, &log);
	return pango_units_to_double(log.height);
}

void pdfdoc_draw(struct pdfdoc *d, PangoLayout *l, double x, double y)
{
	if (!d->cr)
		return;
	cairo_set_source_rgb(d->cr, 0, 0, 0);
	cairo_move_to(d->cr, x, y);
	pango_cairo_show_layout(d->cr, l);
}

/* The footer's two layouts; the right one says "page N of M" (M unknown: a wide guess). */
static void footer_layouts(struct pdfdoc *d, PangoLayout **left, PangoLayout **right)
{
	char pages[64];

	*left = pdfdoc_layout(d, PDFDOC_SMALL, PDFDOC_WIDTH - PAGE_NO_W - 8, d->footer, false);
	pango_layout_set_height(*left, -FOOTER_LINES);
	pango_layout_set_ellipsize(*left, PANGO_ELLIPSIZE_END);
	if (d->pages)
		snprintf(pages, sizeof(pages), "page %d of %d", d->page, d->pages);
	else
		snprintf(pages, sizeof(pages), "page 9999 of 9999");
	*right = pdfdoc_layout(d, PDFDOC_SMALL, PAGE_NO_W, pages, false);
	pango_layout_set_alignment(*right, PANGO_ALIGN_RIGHT);
}

static void end_page(struct pdfdoc *d)
{
	PangoLayout *left, *right;

	if (!d->cr)
		return;
	footer_layouts(d, &left, &right);
	cairo_set_source_rgb(d->cr, 0.5, 0.5, 0.5);
	cairo_set_line_width(d->cr, 0.5);
	cairo_move_to(d->cr, 0, d->footer_top - 4);
	cairo_line_to(d->cr, PDFDOC_WIDTH, d->footer_top - 4);
	cairo_stroke(d->cr);
	pdfdoc_draw(d, left, 0, d->footer_top);
	pdfdoc_draw(d, right, PDFDOC_WIDTH - PAGE_NO_W, d->footer_top);
	g_object_unref(left);
	g_object_unref(right);
	cairo_show_page(d->cr);
}

bool pdfdoc_need(struct pdfdoc *d, double h)
{
	if (d->y + h <= d->bottom || d->y <= PDFDOC_MARGIN + 0.01)
		return false;
	end_page(d);
	d->page++;
	d->y = PDFDOC_MARGIN;
	return true;
}

void pdfdoc_skip(struct pdfdoc *d, double dy)
{
	d->y = d->y + dy < d->bottom ? d->y + dy : d->bottom;
}

void pdfdoc_flow(struct pdfdoc *d, PangoLayout *l, double x)
{
	PangoLayoutIter *it = pango_layout_get_iter(l);
	PangoRectangle log;
	double h, base;

	do {
		pango_layout_iter_get_line_extents(it, NULL, &log);
		h = pango_units_to_double(log.height);
		base = pango_units_to_double(pango_layout_iter_get_baseline(it) - log.y);
		pdfdoc_need(d, h);
		if (d->cr) {
			cairo_set_source_rgb(d->cr, 0, 0, 0);
			cairo_move_to(d->cr, x + pango_units_to_double(log.x), d->y + base);
			pango_cairo_show_layout_line(d->cr,
			                             pango_layout_iter_get_line_readonly(it));
		}
		d->y += h;
	} while (pango_layout_iter_next_line(it));
	pango_layout_iter_free(it);
}

double pdfdoc_first_line(PangoLayout *l)
{
	PangoRectangle log;

	pango_layout_line_get_extents(pango_layout_get_line_readonly(l, 0), NULL, &log);
	return pango_units_to_double(log.height);
}

void pdfdoc_heading(struct pdfdoc *d, enum pdfdoc_style style, const char *text, double keep)
{
	PangoLayout *l = pdfdoc_layout(d, style, PDFDOC_WIDTH, text, false);
	double size = styles[style].size;

	if (d->y > PDFDOC_MARGIN + 0.01)
		pdfdoc_skip(d, size * 6 / 7);
	pdfdoc_need(d, pdfdoc_height(l) + size * 2 / 7 + keep);
	pdfdoc_flow(d, l, 0);
	g_object_unref(l);
	pdfdoc_skip(d, size * 2 / 7);
}

void pdfdoc_text(struct pdfdoc *d, enum pdfdoc_style style, const char *text, double space_after)
{
	PangoLayout *l = pdfdoc_layout(d, style, PDFDOC_WIDTH, text, false);

	pdfdoc_flow(d, l, 0);
	g_object_unref(l);
	pdfdoc_skip(d, space_after);
}

cairo_t *pdfdoc_cairo(struct pdfdoc *d)
{
	return d->cr;
}

double pdfdoc_y(const struct pdfdoc *d)
{
	return d->y;
}

double pdfdoc_bottom(const struct pdfdoc *d)
{
	return d->bottom;
}

int pdfdoc_page(const struct pdfdoc *d)
{
	return d->page;
}

struct sink {
	struct dynbuf buf; /* at most PDFDOC_MAX bytes */
	int err;           /* the first refusal: -E2BIG, -ENOMEM */
};

static cairo_status_t on_write(void *closure, const unsigned char *data, unsigned int len)
{
	struct sink *s = closure;

	if (!s->err)
		s->err = dynbuf_add(&s->buf, data, len);
	return s->err ? CAIRO_STATUS_WRITE_ERROR : CAIRO_STATUS_SUCCESS;
}

/* One pass over the body on a PDF surface writing to sink (NULL: nowhere, counting pages).
 * Returns the number of pages, or -EIO. */
static int pass(struct pdfdoc *d, pdfdoc_body_fn body, void *ud, struct sink *sink)
{
	cairo_surface_t *surf = cairo_pdf_surface_create_for_stream(sink ? on_write : NULL, sink,
	                                                            PDFDOC_PAGE_W, PDFDOC_PAGE_H);
	cairo_t *cr = cairo_create(surf);
	cairo_font_options_t *fo = cairo_font_options_create();
	PangoLayout *left, *right;
	cairo_status_t st;

	cairo_translate(cr, PDFDOC_MARGIN, 0);
	cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
	cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
	pango_cairo_update_context(cr, d->pc);
	pango_cairo_context_set_font_options(d->pc, fo);
	cairo_font_options_destroy(fo);
	d->measure = cr;
	d->cr = sink ? cr : NULL;
	d->page = 1;
	d->y = PDFDOC_MARGIN;
	footer_layouts(d, &left, &right);
	d->footer_top = PDFDOC_PAGE_H - PDFDOC_MARGIN -
	                (pdfdoc_height(left) > pdfdoc_height(right) ? pdfdoc_height(left)
	                                                            : pdfdoc_height(right));
	d->bottom = d->footer_top - FOOTER_GAP;
	g_object_unref(left);
	g_object_unref(right);
	body(d, ud);
	end_page(d);
	st = cairo_status(cr);
	cairo_destroy(cr);
	cairo_surface_finish(surf);
	if (st == CAIRO_STATUS_SUCCESS)
		st = cairo_surface_status(surf);
	cairo_surface_destroy(surf);
	d->cr = d->measure = NULL;
	return st == CAIRO_STATUS_SUCCESS ? d->page : -EIO;
}

int pdfdoc_render(const char *footer, pdfdoc_body_fn body, void *userdata, char **out, size_t *len)
{
	PangoFontMap *fm = pango_cairo_font_map_new(); /* one per call: threads share nothing */
	struct pdfdoc d = {.footer = footer, .pc = pango_font_map_create_context(fm)};
	struct sink sink;
	int ret;

	dynbuf_init(&sink.buf, PDFDOC_MAX);
	sink.err = 0;
	ret = pass(&d, body, userdata, NULL);
	if (ret > 0) {
		d.pages = ret;
		ret = pass(&d, body, userdata, &sink);
	}
	g_object_unref(d.pc);
	g_object_unref(fm);
	if (sink.err) /* cairo says only that a write failed */
		ret = sink.err == -E2BIG ? -EFBIG : sink.err;
	if (ret < 0) {
		dynbuf_free(&sink.buf);
		return ret;
	}
	*out = dynbuf_take(&sink.buf, len);
	return *out ? 0 : -ENOMEM;
}

static void free_image(void *im)
{
	pngimage_free(im);
}

cairo_surface_t *pdfdoc_surface_take(struct pngimage *im, const char *sha256_hex)
{
	static const cairo_user_data_key_t key;
	cairo_surface_t *img = cairo_image_surface_create_for_data(
	    (unsigned char *)im->pixels, CAIRO_FORMAT_RGB24, (int)im->width, (int)im->height,
	    (int)im->width * 4);

	if (cairo_surface_status(img) != CAIRO_STATUS_SUCCESS ||
	    cairo_surface_set_user_data(img, &key, im, free_image) != CAIRO_STATUS_SUCCESS) {
		cairo_surface_destroy(img);
		pngimage_free(im);
		return NULL;
	}
	cairo_surface_set_mime_data(img, CAIRO_MIME_TYPE_UNIQUE_ID,
	                            (const unsigned char *)sha256_hex, strlen(sha256_hex), NULL,
	                            NULL);
	return img;
}
