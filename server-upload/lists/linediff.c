/* linediff.c: the line diff of two versions of a text (longest common subsequence). */
#include "linediff.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct lines {
	const char **p;
	size_t *len;
	size_t n;
};

/* Splits text into lines (a last line without '\n' counts; an empty text has none). */
static int split(const char *t, size_t len, struct lines *l)
{
	size_t n = 0, i, start = 0;

	for (i = 0; i < len; i++)
		n += t[i] == '\n';
	n += len && t[len - 1] != '\n';
	l->n = 0;
	l->p = malloc((n ? n : 1) * sizeof(*l->p));
	l->len = malloc((n ? n : 1) * sizeof(*l->len));
	if (!l->p || !l->len)
		return -ENOMEM;
	for (i = 0; i <= len; i++) {
		if (i == len ? i > start : t[i] == '\n') {
			l->p[l->n] = t + start;
			l->len[l->n++] = i - start;
			start = i + 1;
		}
	}
	return 0;
}

static int same(const struct lines *a, size_t i, const struct lines *b, size_t j)
{
	return a->len[i] == b->len[j] && memcmp(a->p[i], b->p[j], a->len[i]) == 0;
}

static void put(struct linediff_line *v, size_t *k, enum linediff_op op, const struct lines *l,
                size_t i, size_t old_no, size_t new_no)
{
	v[(*k)++] = (struct linediff_line){op, old_no, new_no, l->p[i], l->len[i]};
}

/* The middle a[lo..ah) against b[lo..bh): from the table of LCS lengths of suffixes. */
static int middle(const struct lines *a, const struct lines *b, size_t lo, size_t ah, size_t bh,
                  struct linediff_line *v, size_t *k)
{
	size_t n = ah - lo, m = bh - lo, i, j, w = m + 1;
	uint32_t *t = NULL;

	if (n && m && n * m <= LINEDIFF_MAX_CELLS) {
		if (!(t = calloc((n + 1) * w, sizeof(*t))))
			return -ENOMEM;
		for (i = n; i-- > 0;)
			for (j = m; j-- > 0;)
				t[i * w + j] =
				    same(a, lo + i, b, lo + j) ? t[(i + 1) * w + j + 1] + 1
				    : t[(i + 1) * w + j] > t[i * w + j + 1] ? t[(i + 1) * w + j]
				                                            : t[i * w + j + 1];
	}
	for (i = j = 0; i < n || j < m;) {
		if (t && i < n && j < m && same(a, lo + i, b, lo + j)) {
			put(v, k, LINEDIFF_SAME, a, lo + i, lo + i + 1, lo + j + 1);
			i++, j++;
		} else if (i < n && (!t || j == m || t[(i + 1) * w + j] >= t[i * w + j + 1])) {
			put(v, k, LINEDIFF_DEL, a, lo + i, lo + i + 1, 0);
			i++;
		} else {
			put(v, k, LINEDIFF_ADD, b, lo + j, 0, lo + j + 1);
			j++;
		}
	}
	free(t);
	return 0;
}

int linediff(const char *old, size_t old_len, const char *new, size_t new_len,
             struct linediff_line **out, size_t *n)
{
	struct lines a = {0}, b = {0};
	struct linediff_line *v = NULL;
	size_t lo = 0, ah, bh, k = 0;
	int r = split(old, old_len, &a);

	if (r == 0)
		r = split(new, new_len, &b);
	if (r == 0 && !(v = malloc((a.n + b.n + 1) * sizeof(*v))))
		r = -ENOMEM;
	if (r < 0)
		goto out;
	while (lo < a.n && lo < b.n && same(&a, lo, &b, lo))
		lo++;
	ah = a.n, bh = b.n;
	while (ah > lo && bh > lo && same(&a, ah - 1, &b, bh - 1))
		ah--, bh--;
	for (size_t i = 0; i < lo; i++)
		put(v, &k, LINEDIFF_SAME, &a, i, i + 1, i + 1);
	if ((r = middle(&a, &b, lo, ah, bh, v, &k)) < 0)
		goto out;
	for (size_t i = ah; i < a.n; i++)
		put(v, &k, LINEDIFF_SAME, &a, i, i + 1, bh + (i - ah) + 1);
	*out = v;
	*n = k;
	v = NULL;
out:
	free(v);
	free(a.p);
	free(a.len);
	free(b.p);
	free(b.len);
	return r;
}
