/* html.h: bounded output buffers for web pages, with HTML escaping of every untrusted string. */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "dynbuf.h"

/*
 * A page is built into one growable buffer with a ceiling (HTML_MAX_PAGE). Untrusted text
 * goes through html_text() (escapes & < > " '), never through html_raw(); html_fmt() is
 * for numbers and constant markup only. An allocation failure or the ceiling sets err and
 * later calls do nothing; html_take() then returns NULL.
 */
#define HTML_MAX_PAGE (8u * 1024 * 1024)

struct html {
	struct dynbuf b; /* its ceiling: HTML_MAX_PAGE */
	bool err;
};

void html_init(struct html *h);
void html_raw(struct html *h, const char *s);             /* trusted markup */
void html_rawn(struct html *h, const char *s, size_t n);  /* trusted bytes */
void html_text(struct html *h, const char *s);            /* escaped; NULL is "" */
void html_textn(struct html *h, const char *s, size_t n); /* escaped, n bytes */
void html_fmt(struct html *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Escaped for a URL query value (percent-encoding), then safe in an attribute. */
void html_url(struct html *h, const char *s);
/* An <option> of a <select>: its value and label escaped, selected when it is the current. */
void html_option(struct html *h, const char *value, const char *label, bool selected);
/* Hands the buffer over (caller frees) with its length; NULL on error. Resets h. */
char *html_take(struct html *h, size_t *len);
void html_free(struct html *h);
