/* dynbuf.c: a growable byte buffer with a ceiling set at init (after curl's dynbuf). */
#include "dynbuf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define DYNBUF_FIRST 4096 /* the first allocation, unless the ceiling is lower */

void dynbuf_init(struct dynbuf *b, size_t max)
{
	*b = (struct dynbuf){.max = max};
}

int dynbuf_add(struct dynbuf *b, const void *data, size_t n)
{
	size_t want;
	char *np;

	if (n > b->max - b->len)
		return -E2BIG;
	if (b->len + n + 1 > b->cap) {
		want = b->cap ? b->cap : DYNBUF_FIRST;
		while (want < b->len + n + 1)
			want *= 2;
		if (want > b->max + 1)
			want = b->max + 1;
		np = realloc(b->p, want);
		if (!np)
			return -ENOMEM;
		b->p = np;
		b->cap = want;
	}
	if (n)
		memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

char *dynbuf_take(struct dynbuf *b, size_t *len)
{
	char *p = b->p;

	if (len)
		*len = b->len;
	dynbuf_init(b, b->max);
	return p;
}

void dynbuf_free(struct dynbuf *b)
{
	free(b->p);
	dynbuf_init(b, b->max);
}
