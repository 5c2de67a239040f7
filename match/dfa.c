/* dfa.c: a bounded cache of DFA states, determinised on demand from the NFA, per scanner. */
#include "dfa.h"
#include "hugemem.h"

#include <stdlib.h>
#include <string.h>

#define FIRST_CAP 64

_Static_assert(SYM_COUNT - SYM_DIGIT0 <= DFA_RARE_COLS, "every symbol has a column");
_Static_assert(DFA_ROW_BYTES == DFA_PART_COLS * sizeof(uint16_t), "a row of a part, in bytes");

static uint64_t set_hash(const uint32_t *s, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ n;

	for (size_t i = 0; i < n; i++) {
		h ^= s[i];
		h *= 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	return h;
}

static int grow_u32(uint32_t **p, size_t *cap, size_t need)
{
	size_t c = *cap ? *cap : 256;
	uint32_t *q;

	if (need <= *cap)
		return 0;
	while (c < need)
		c *= 2;
	q = realloc(*p, c * sizeof(*q));
	if (!q)
		return -1;
	*p = q;
	*cap = c;
	return 0;
}

/* Room for one more ready pattern. */
static int grow_ready(struct dfa *d)
{
	size_t c = d->ready_cap ? d->ready_cap * 2 : 256;
	struct dfa_ready *q;

	if (d->nready < d->ready_cap)
		return 0;
	q = realloc(d->ready, c * sizeof(*q));
	if (!q)
		return -1;
	d->ready = q;
	d->ready_cap = c;
	return 0;
}

/* Fills the (empty) hash table with the states held. */
static void rehash(struct dfa *d)
{
	for (size_t i = 0; i < d->n; i++) {
		size_t j = set_hash(d->sets + d->set_off[i], d->set_off[i + 1] - d->set_off[i]);

		for (j &= d->hcap - 1; d->hash[j]; j = (j + 1) & (d->hcap - 1))
			;
		d->hash[j] = (uint32_t)i + 1;
	}
}

/* Room for cap states: tables grow, ids stay valid. */
static int resize(struct dfa *d, size_t cap)
{
	uint16_t *trans, *rare;
	uint32_t *so, *ro;
	uint8_t *ex;

	rare = realloc(d->rare, cap * DFA_RARE_COLS * sizeof(uint16_t));
	if (!rare)
		return -1;
	d->rare = rare;
	memset(rare + d->cap * DFA_RARE_COLS, 0xff,
	       (cap - d->cap) * DFA_RARE_COLS * sizeof(uint16_t));
	so = realloc(d->set_off, (cap + 1) * sizeof(uint32_t));
	if (!so)
		return -1;
	d->set_off = so;
	ro = realloc(d->ready_off, (cap + 1) * sizeof(uint32_t));
	if (!ro)
		return -1;
	d->ready_off = ro;
	ex = realloc(d->excl_live, cap);
	if (!ex)
		return -1;
	d->excl_live = ex;
	free(d->hash);
	for (d->hcap = 64; d->hcap < cap * 2;) /* a power of two: slots are masked */
		d->hcap *= 2;
	d->hash = calloc(d->hcap, sizeof(uint32_t));
	if (!d->hash)
		return -1;
	rehash(d);
	/* megabytes when the cache is large: on huge pages, fewer faults and TLB misses; last,
	 * since each part begins after cap rows of the one before */
	trans = hugemem_alloc(cap * DFA_COLS * sizeof(uint16_t));
	if (!trans)
		return -1;
	memset(trans, 0xff, cap * DFA_COLS * sizeof(uint16_t)); /* DFA_MISSING */
	if (d->trans) {
		for (size_t k = 0; k < DFA_PARTS; k++)
			memcpy(trans + k * cap * DFA_PART_COLS,
			       d->trans + k * d->cap * DFA_PART_COLS,
			       d->n * DFA_PART_COLS * sizeof(uint16_t));
		free(d->trans);
	}
	d->trans = trans;
	d->cap = cap;
	return 0;
}

/* Forgets the transitions of n entries at t into states from keep on. */
static void forget_into(uint16_t *t, size_t n, size_t keep)
{
	for (size_t i = 0; i < n; i++)
		if (t[i] != DFA_MISSING && dfa_target(t[i]) >= keep)
			t[i] = DFA_MISSING;
}

/*
 * Makes room: keeps the first three quarters of the states, the ones made first and so
 * mostly the ones ordinary text visits (the start, the first letters of words), with
 * their transitions among themselves, and forgets the rest, which are made again when
 * text comes back to them. (On 64 MB of bench-match's text, keeping a half made 92,000
 * states, three quarters 85,000, seven eighths 81,000, none 112,000.)
 */
static void flush(struct dfa *d)
{
	size_t keep = d->n < d->max / 4 * 3 ? d->n : d->max / 4 * 3;

	for (size_t k = 0; k < DFA_PARTS; k++) {
		uint16_t *part = d->trans + k * d->cap * DFA_PART_COLS;

		forget_into(part, keep * DFA_PART_COLS, keep);
		memset(part + keep * DFA_PART_COLS, 0xff,
		       (d->n - keep) * DFA_PART_COLS * sizeof(uint16_t));
	}
	forget_into(d->rare, keep * DFA_RARE_COLS, keep);
	memset(d->rare + keep * DFA_RARE_COLS, 0xff,
	       (d->n - keep) * DFA_RARE_COLS * sizeof(uint16_t));
	d->nsets = keep ? d->set_off[keep] : 0;
	d->nready = keep ? d->ready_off[keep] : 0;
	d->n = keep;
	memset(d->hash, 0, d->hcap * sizeof(uint32_t));
	rehash(d);
	if (d->start != UINT32_MAX && d->start >= keep)
		d->start = UINT32_MAX;
	d->flushes++;
}

/* The id of a sorted set, added when new; UINT32_MAX when the cache is full. */
static uint32_t intern(struct dfa *d, const uint32_t *s, size_t n)
{
	const struct automaton *am = d->am;
	size_t j = set_hash(s, n) & (d->hcap - 1), nr;
	uint32_t id;

	for (; d->hash[j]; j = (j + 1) & (d->hcap - 1)) {
		id = d->hash[j] - 1;
		if (d->set_off[id + 1] - d->set_off[id] == n &&
		    memcmp(d->sets + d->set_off[id], s, n * sizeof(*s)) == 0)
			return id;
	}
	if (d->n == d->cap &&
	    (d->cap == d->max || resize(d, d->cap * 2 > d->max ? d->max : d->cap * 2) < 0))
		return UINT32_MAX;
	if (d->n == 0)
		d->set_off[0] = d->ready_off[0] = 0;
	if (grow_u32(&d->sets, &d->sets_cap, d->nsets + n) < 0)
		return UINT32_MAX;
	id = (uint32_t)d->n++;
	memcpy(d->sets + d->nsets, s, n * sizeof(*s));
	d->nsets += n;
	d->set_off[id + 1] = (uint32_t)d->nsets;
	d->excl_live[id] = 0;
	nr = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t lo, hi = am_finals(am, s[i], &lo);
		size_t q;

		d->excl_live[id] |= am_excl(am, s[i]) ? DFA_EXCL_LIVE : 0;
		if (hi == lo)
			continue;
		for (q = nr++; q && d->fin_lo[q - 1] > lo; q--) { /* in the order of fin */
			d->fin_lo[q] = d->fin_lo[q - 1];
			d->fin_hi[q] = d->fin_hi[q - 1];
		}
		d->fin_lo[q] = lo;
		d->fin_hi[q] = hi;
	}
	for (size_t i = 0; i < nr; i++) {
		for (uint32_t f = d->fin_lo[i]; f < d->fin_hi[i]; f++) {
			bool dup = false;

			const struct am_pattern *p = &am->patterns[am->fin[f]];

			for (size_t q = d->ready_off[id]; q < d->nready && !dup; q++)
				dup = d->ready[q].pattern == am->fin[f];
			if (dup || grow_ready(d) < 0)
				continue;
			d->ready[d->nready] = (struct dfa_ready){
			    am->fin[f], p->combo, p->rule, p->kind, p->term, p->nterms, 0};
			d->ready[d->nready++].words = am_pat_nwords(am, am->fin[f]);
			if (p->exclusion)
				d->excl_live[id] |= DFA_EXCL_READY;
		}
	}
	d->ready_off[id + 1] = (uint32_t)d->nready;
	/* the hash slot may have moved if the tables grew */
	for (j = set_hash(s, n) & (d->hcap - 1); d->hash[j]; j = (j + 1) & (d->hcap - 1))
		;
	d->hash[j] = id + 1;
	return id;
}

static size_t clamp_max(size_t max_states)
{
	if (max_states < FIRST_CAP)
		return FIRST_CAP;
	return max_states > DFA_MAX_STATES ? DFA_MAX_STATES : max_states;
}

struct dfa *dfa_new(const struct automaton *am, size_t max_states)
{
	struct dfa *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->am = am;
	d->start = UINT32_MAX;
	d->max = clamp_max(max_states);
	if (resize(d, FIRST_CAP) < 0) {
		dfa_free(d);
		return NULL;
	}
	return d;
}

void dfa_set_max(struct dfa *d, size_t max_states)
{
	d->max = clamp_max(max_states) < d->cap ? d->cap : clamp_max(max_states);
}

void dfa_free(struct dfa *d)
{
	if (!d)
		return;
	free(d->trans);
	free(d->rare);
	free(d->set_off);
	free(d->ready_off);
	free(d->excl_live);
	free(d->sets);
	free(d->ready);
	free(d->hash);
	free(d);
}

uint32_t dfa_start(struct dfa *d)
{
	uint32_t root = AM_ROOT, id;

	if (d->start != UINT32_MAX) /* every segment begins here: no hashing per line */
		return d->start;
	id = intern(d, &root, 1);
	if (id == UINT32_MAX) {
		flush(d);
		id = intern(d, &root, 1);
	}
	d->start = id;
	return id;
}

uint32_t dfa_miss(struct dfa *d, uint32_t *s, uint8_t sym)
{
	size_t n = d->set_off[*s + 1] - d->set_off[*s], m;
	uint32_t to, t;
	size_t nready;

	memcpy(d->cur, d->sets + d->set_off[*s], n * sizeof(uint32_t));
	m = automaton_step(d->am, d->cur, n, sym, d->next);
	to = intern(d, d->next, m);
	if (to == UINT32_MAX) {
		/* full: start again with the two states in hand */
		flush(d);
		*s = intern(d, d->cur, n);
		to = intern(d, d->next, m);
	}
	dfa_ready(d, *s, &nready);
	t = to | (nready && (norm_boundary_mask & SYMBIT(sym)) ? DFA_EMIT : 0);
	*dfa_slot(d, *s, sym) = (uint16_t)t;
	return t;
}

size_t dfa_memory(const struct dfa *d)
{
	return sizeof(*d) +
	       d->cap * ((DFA_COLS + DFA_RARE_COLS) * sizeof(uint16_t) + 2 * sizeof(uint32_t) + 1) +
	       (d->sets_cap + d->hcap) * sizeof(uint32_t) + d->ready_cap * sizeof(*d->ready);
}
