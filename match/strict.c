/* strict.c: re-checks a match so that folding cannot turn a real word into a listed one. */
#include "strict.h"

#include "normalize.h"

#define STRICT_BUDGET 20000 /* steps before a pathological case is accepted as matched */

struct strict {
	const struct wl_pattern *p;
	const uint8_t *s;
	size_t n;
	size_t woff[VIGIL_LIST_MAX_PHRASE_WORDS + 1]; /* first unit of each word */
	size_t letters;
	int budget;
};

static bool is_sep(uint8_t sym)
{
	return norm_sep_mask & SYMBIT(sym);
}

static bool words_from(struct strict *st, uint8_t w, size_t pos);

/* After word w ends at pos: the next word, or the end of the match. */
static bool after_word(struct strict *st, uint8_t w, size_t pos)
{
	if (w + 1 == st->p->nwords)
		return pos == st->n;
	for (size_t k = pos; k <= st->n; k++) {
		if (words_from(st, (uint8_t)(w + 1), k))
			return true;
		if (k == st->n || !is_sep(st->s[k]))
			break;
	}
	return false;
}

/* Letters i.. of word w written together, from pos. */
static bool joined(struct strict *st, uint8_t w, size_t i, size_t pos)
{
	const uint8_t *u = st->p->units + st->woff[w];
	size_t len = st->p->wlen[w], j = i, run = 0;
	symmask_t acc;

	if (--st->budget < 0)
		return true;
	if (i == len) {
		if (!(st->p->prefix & (1u << w)))
			return after_word(st, w, pos);
		for (size_t k = pos;; k++) { /* the rest of a prefix word */
			if (after_word(st, w, k))
				return true;
			if (k == st->n || !(norm_word_mask & SYMBIT(st->s[k])))
				return false;
		}
	}
	while (j < len && u[j] == u[i])
		j++;
	acc = norm_accepts(u[i], i == 0);
	while (pos + run < st->n && (acc & SYMBIT(st->s[pos + run])))
		run++;
	if (run >= j - i && joined(st, w, j, pos + (j - i)))
		return true;
	if (u[i] >= SYM_DIGIT0)
		return false; /* digits and masks never stretch */
	for (size_t k = (j - i + 1 > 3 ? j - i + 1 : 3); k <= run; k++)
		if (joined(st, w, j, pos + k))
			return true;
	return false;
}

/* Word w written with separators between its letters, from pos. */
static bool split(struct strict *st, uint8_t w, size_t pos)
{
	const uint8_t *u = st->p->units + st->woff[w];
	size_t len = st->p->wlen[w];

	if (len < 2 || st->letters < 3)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (u[i] >= SYM_DIGIT0)
			return false;
		if (i > 0) {
			size_t k = pos;

			while (k < st->n && is_sep(st->s[k]))
				k++;
			if (k == pos)
				return false;
			pos = k;
		}
		if (pos >= st->n || !(norm_accepts(u[i], true) & SYMBIT(st->s[pos])))
			return false;
		pos++;
	}
	return after_word(st, w, pos);
}

static bool words_from(struct strict *st, uint8_t w, size_t pos)
{
	return joined(st, w, 0, pos) || split(st, w, pos);
}

bool strict_match(const struct wl_pattern *p, const uint8_t *syms, size_t n)
{
	struct strict st = {.p = p, .s = syms, .n = n, .budget = STRICT_BUDGET};

	for (uint8_t w = 0; w < p->nwords; w++)
		st.woff[w + 1] = st.woff[w] + p->wlen[w];
	st.letters = wl_pattern_letters(p);
	return p->nwords && words_from(&st, 0, 0);
}
