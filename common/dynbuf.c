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

void dynbuf_set_hook(struct dynbuf *b, int (*hook)(void *arg, size_t from, size_t to), void *arg)
{
	b->hook = hook;
	b->hook_arg = arg;
}

/* Empties b, keeping its ceiling and hook; the hook hears that the memory is gone. */
static void reset(struct dynbuf *b)
{
	if (b->hook && b->cap)
		b->hook(b->hook_arg, b->cap, 0);
	b->p = NULL;
	b->len = b->cap = 0;
}

int dynbuf_add(struct dynbuf *b, const void *data, size_t n)
{
	size_t want;
	char *np;
	int r;

	if (n > b->max - b->len)
		return -E2BIG;
	if (b->len + n + 1 > b->cap) {
		want = b->cap ? b->cap : DYNBUF_FIRST;
		while (want < b->len + n + 1)
			want *= 2;
		if (want > b->max + 1)
			want = b->max + 1;
		if (b->hook && (r = b->hook(b->hook_arg, b->cap, want)) < 0)
			return r;
		np = realloc(b->p, want);
		if (!np) {
			if (b->hook)
				b->hook(b->hook_arg, want, b->cap);
			return -ENOMEM;
		}
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
	reset(b);
	return p;
}

void dynbuf_free(struct dynbuf *b)
{
	free(b->p);
	reset(b);
}
