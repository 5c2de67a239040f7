/* linediff.h: the line diff of two versions of a text (longest common subsequence). */
#pragma once

#include <stddef.h>

enum linediff_op {
	LINEDIFF_SAME,
	LINEDIFF_DEL, /* a line of the old text only */
	LINEDIFF_ADD, /* a line of the new text only */
};

/* One line of the diff: its number in the old text (DEL, SAME) and in the new one (ADD,
 * SAME), 0 where it has none; text points into the caller's text, len without '\n'. */
struct linediff_line {
	enum linediff_op op;
	size_t old_no, new_no;
	const char *text;
	size_t len;
};

/*
 * The lines of old and new in order, as a minimal edit where the changed middle (after
 * the common first and last lines) has at most LINEDIFF_MAX_CELLS line pairs, and as
 * "all old lines removed, all new ones added" for that middle beyond it. *out (free()
 * it) and *n untouched on error. Returns 0 or -ENOMEM.
 */
#define LINEDIFF_MAX_CELLS (4u * 1024 * 1024)
int linediff(const char *old, size_t old_len, const char *new, size_t new_len,
             struct linediff_line **out, size_t *n);
