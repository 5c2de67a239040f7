/* html.c: bounded output buffers for web pages, with HTML escaping of every untrusted string. */
#include "html.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void html_init(struct html *h)
{
	*h = (struct html){.max = HTML_MAX_PAGE};
}

static bool reserve(struct html *h, size_t n)
{
	size_t want;
	char *np;

	if (h->err)
		return false;
	if (n > h->max - h->len - 1) {
		h->err = true;
		return false;
	}
	if (h->len + n + 1 <= h->cap)
		return true;
	want = h->cap ? h->cap : 4096;
	while (want < h->len + n + 1)
		want *= 2;
	if (want > h->max)
		want = h->max;
	np = realloc(h->p, want);
	if (!np) {
		h->err = true;
		return false;
	}
	h->p = np;
	h->cap = want;
	return true;
}

void html_rawn(struct html *h, const char *s, size_t n)
{
	if (!reserve(h, n))
		return;
	memcpy(h->p + h->len, s, n);
	h->len += n;
	h->p[h->len] = '\0';
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
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf)) {
		h->err = true;
		return;
	}
	html_rawn(h, buf, (size_t)n);
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
	char *p = h->err ? NULL : h->p;

	if (!p)
		p = h->err ? NULL : strdup("");
	else
		*len = h->len;
	if (h->err)
		free(h->p);
	if (p && !h->p)
		*len = 0;
	html_init(h);
	return p;
}

void html_free(struct html *h)
{
	free(h->p);
	html_init(h);
}
