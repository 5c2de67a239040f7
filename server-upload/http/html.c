/* html.c: bounded output buffers for web pages, with HTML escaping of every untrusted string. */
#include "html.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void html_init(struct html *h)
{
	dynbuf_init(&h->b, HTML_MAX_PAGE);
	h->err = false;
}

void html_rawn(struct html *h, const char *s, size_t n)
{
	if (!h->err && dynbuf_add(&h->b, s, n) < 0)
		h->err = true;
}

void html_raw(struct html *h, const char *s)
{
	html_rawn(h, s, strlen(s));
}

void html_textn(struct html *h, const char *s, size_t n)
{
	size_t start = 0;

	for (size_t i = 0; i < n; i++) {
		const char *rep = NULL;
		switch (s[i]) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = "&quot;";
			break;
		case '\'':
			rep = "&#39;";
			break;
		case '\0':
			rep = "";
			break;
		default:
			continue;
		}
		html_rawn(h, s + start, i - start);
		html_raw(h, rep);
		start = i + 1;
	}
	html_rawn(h, s + start, n - start);
}

void html_text(struct html *h, const char *s)
{
	if (s)
		html_textn(h, s, strlen(s));
}

void html_fmt(struct html *h, const char *fmt, ...)
{
	char buf[1024], *big;
	va_list ap, again;
	int n;

	va_start(ap, fmt);
	va_copy(again, ap);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < sizeof(buf)) {
		html_rawn(h, buf, (size_t)n);
	} else if (n < 0 || (size_t)n > HTML_MAX_PAGE || !(big = malloc((size_t)n + 1))) {
		h->err = true; /* a longer string (a note, a title) gets a buffer of its own */
	} else {
		vsnprintf(big, (size_t)n + 1, fmt, again);
		html_rawn(h, big, (size_t)n);
		free(big);
	}
	va_end(again);
}

void html_option(struct html *h, const char *value, const char *label, bool selected)
{
	html_raw(h, "<option value=\"");
	html_text(h, value);
	html_raw(h, selected ? "\" selected>" : "\">");
	html_text(h, label);
	html_raw(h, "</option>");
}

void html_url(struct html *h, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	char enc[3] = {'%', 0, 0};

	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '~') {
			html_rawn(h, (const char *)&c, 1);
		} else {
			enc[1] = hex[c >> 4];
			enc[2] = hex[c & 15];
			html_rawn(h, enc, 3);
		}
	}
}

char *html_take(struct html *h, size_t *len)
{
	char *p = NULL;

	if (!h->err) {
		p = dynbuf_take(&h->b, len); /* *len 0 when nothing was added */
		if (!p)
			p = strdup("");
	}
	html_free(h);
	return p;
}

void html_free(struct html *h)
{
	dynbuf_free(&h->b);
	h->err = false;
}
