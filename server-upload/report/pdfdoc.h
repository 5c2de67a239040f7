/* pdfdoc.h: printable A4 documents: pango text wrapped within the margins, page breaks, footers. */
#pragma once

#include <pango/pangocairo.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * A document is drawn by a body function that pdfdoc_render() calls twice: first to count
 * the pages (nothing is drawn: pdfdoc_cairo() is NULL), then to draw them with the footer
 * "FOOTER · page N of M" on each. The body must lay out the same way both times.
 *
 * Coordinates: x is in points from the left margin (0 to PDFDOC_WIDTH); y is in points
 * from the top of the page, and the body's current position only moves down. Nothing is
 * drawn outside the margins as long as the body keeps x within [0, PDFDOC_WIDTH] and asks
 * for room with pdfdoc_need() before drawing anything that is not text flowed by pdfdoc.
 */
#define PDFDOC_PAGE_W 595.276 /* A4 in points */
#define PDFDOC_PAGE_H 841.890
#define PDFDOC_MARGIN 56.693 /* 20 mm on every side */
#define PDFDOC_WIDTH  (PDFDOC_PAGE_W - 2 * PDFDOC_MARGIN)
#define PDFDOC_MAX    (64u * 1024 * 1024) /* the largest PDF made */

struct pdfdoc;

enum pdfdoc_style {
	PDFDOC_TITLE,   /* 18 pt bold */
	PDFDOC_H1,      /* 14 pt bold */
	PDFDOC_H2,      /* 11.5 pt bold */
	PDFDOC_BODY,    /* 10 pt */
	PDFDOC_BOLD,    /* 10 pt bold */
	PDFDOC_SMALL,   /* 8.5 pt */
	PDFDOC_CAPTION, /* 7 pt */
};

typedef void (*pdfdoc_body_fn)(struct pdfdoc *d, void *userdata);

/*
 * Makes the PDF: body drawn as above, footer (any bytes; invalid UTF-8 is replaced) on
 * every page. *out (malloc'd, the caller frees) and *len are set on success. Returns 0,
 * -EIO (cairo failed), -EFBIG (larger than PDFDOC_MAX) or -ENOMEM.
 */
int pdfdoc_render(const char *footer, pdfdoc_body_fn body, void *userdata, char **out, size_t *len);

/* The cairo context to draw on, translated so that x = 0 is the left margin; NULL while
 * the pages are only being counted. */
cairo_t *pdfdoc_cairo(struct pdfdoc *d);
/* The current position, the lowest y the body may use on this page, the page number. */
double pdfdoc_y(const struct pdfdoc *d);
double pdfdoc_bottom(const struct pdfdoc *d);
int pdfdoc_page(const struct pdfdoc *d);
/* Moves the current position down by dy (never past the bottom; see pdfdoc_need()). */
void pdfdoc_skip(struct pdfdoc *d, double dy);
/* Starts a new page unless h points fit below the current position or the position is at
 * the top of a page already. Returns true when it started one. */
bool pdfdoc_need(struct pdfdoc *d, double h);

/*
 * A new layout of text (any bytes: invalid UTF-8 is replaced) in style, wrapped at width
 * points, between words when it can and inside a word longer than the line. markup: text
 * is pango markup (build it with g_markup_printf_escaped()). The caller g_object_unref()s.
 */
PangoLayout *pdfdoc_layout(struct pdfdoc *d, enum pdfdoc_style style, double width,
                           const char *text, bool markup);
/* A layout's height in points. */
double pdfdoc_height(PangoLayout *l);
/* Draws l with its top-left corner at (x, y) of the current page (no page break). */
void pdfdoc_draw(struct pdfdoc *d, PangoLayout *l, double x, double y);
/* Draws l at x from the current position line by line, starting new pages between lines
 * as needed, and moves the position below it. */
void pdfdoc_flow(struct pdfdoc *d, PangoLayout *l, double x);
/* The height of l's first line in points (what must follow a heading on its page). */
double pdfdoc_first_line(PangoLayout *l);
/* A heading in style over the full width, with space above it (none at the top of a page)
 * and below: never the last thing on a page. It starts a new page unless it fits here
 * together with keep points of what follows it (its first line, a picture). */
void pdfdoc_heading(struct pdfdoc *d, enum pdfdoc_style style, const char *text, double keep);
/* A paragraph of plain text over the full width, then space_after points. */
void pdfdoc_text(struct pdfdoc *d, enum pdfdoc_style style, const char *text, double space_after);

/* A decoded screenshot (pngimage.h) as a cairo surface that owns it and frees it with
 * itself (the PDF surface may hold it until the page is finished); the same sha256 is
 * embedded once per PDF. Takes im whatever happens; NULL when out of memory. */
struct pngimage;
cairo_surface_t *pdfdoc_surface_take(struct pngimage *im, const char *sha256_hex);

/* A copy of s (caller g_free()s) that is valid UTF-8 and at most max bytes long, cut on a
 * character boundary and ended with "…" when cut. max must be at least 4. */
char *pdfdoc_clip(const char *s, size_t max);
