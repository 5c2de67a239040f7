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
	int (*hook)(void *arg, size_t from, size_t to); /* see dynbuf_set_hook() */
	void *hook_arg;
};

/* An empty buffer that will hold at most max bytes. Allocates nothing. */
void dynbuf_init(struct dynbuf *b, size_t max);

/*
 * Tells hook of every change of the memory the buffer holds, from `from` to `to` bytes:
 * before it grows (a negative errno refuses the growth, and dynbuf_add() returns it),
 * back to the old size when the allocation then fails, and to 0 when the content is
 * freed or taken. So a caller can reserve memory from a shared budget as a body
 * arrives. The hook stays through dynbuf_take() and dynbuf_free().
 */
void dynbuf_set_hook(struct dynbuf *b, int (*hook)(void *arg, size_t from, size_t to), void *arg);

/* Appends n bytes of data. 0, -E2BIG (over the ceiling), -ENOMEM, or the hook's refusal;
 * b unchanged on error. */
int dynbuf_add(struct dynbuf *b, const void *data, size_t n);

/* Hands the content over (caller frees; NULL when nothing was added) with its length in
 * *len (may be NULL), and empties b, keeping its ceiling. */
char *dynbuf_take(struct dynbuf *b, size_t *len);

/* Frees the content and empties b, keeping its ceiling. */
void dynbuf_free(struct dynbuf *b);
