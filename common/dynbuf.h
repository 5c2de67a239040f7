/* dynbuf.h: a growable byte buffer with a ceiling set at init (after curl's dynbuf). */
#pragma once

#include <stddef.h>

/*
 * The content is always followed by a NUL (not counted in len), so text can be read as
 * a string. Appending more than max bytes in all is refused whole: nothing is appended
 * and the call returns -E2BIG, so a buffer never holds a silently cut piece.
 */
struct dynbuf {
	char *p; /* NULL until the first byte */
	size_t len, cap, max;
};

/* An empty buffer that will hold at most max bytes. Allocates nothing. */
void dynbuf_init(struct dynbuf *b, size_t max);

/* Appends n bytes of data. 0, -E2BIG (over the ceiling), -ENOMEM; b unchanged on error. */
int dynbuf_add(struct dynbuf *b, const void *data, size_t n);

/* Hands the content over (caller frees; NULL when nothing was added) with its length in
 * *len (may be NULL), and empties b, keeping its ceiling. */
char *dynbuf_take(struct dynbuf *b, size_t *len);

/* Frees the content and empties b, keeping its ceiling. */
void dynbuf_free(struct dynbuf *b);
