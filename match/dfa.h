/* dfa.h: a bounded cache of DFA states, determinised on demand from the NFA, per scanner. */
#pragma once

/*
 * Each state is a set of NFA states. A transition is computed the first time it is
 * taken and then costs one table read; ordinary text visits few states, so the cache
 * stays small. When it reaches its ceiling it keeps the states made first (three
 * quarters of them, those text visits most) and forgets the rest, so memory is bounded
 * whatever the input. Not shared: one per scanner (one thread at a time).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "automaton.h"

#define DFA_EMIT       0x8000u /* transition flag: the source state's ready patterns complete */
#define DFA_MISSING    0xffffu /* a transition not computed yet (DFA_EMIT set: one test) */
#define DFA_MAX_STATES 0x7ffeu /* a bound on memory; ids fit in 15 bits */
#define DFA_COLS       32u     /* columns of trans, in DFA_PARTS parts of DFA_PART_COLS */
#define DFA_PART_COLS  16u     /* columns of a part: a state's row there is half a cache line */
#define DFA_PARTS      (DFA_COLS / DFA_PART_COLS)
#define DFA_ROW_BYTES  (DFA_PART_COLS * 2u) /* of a state's row in a part of trans */
#define DFA_COL_NONE   31u /* a column of trans no symbol has: always DFA_MISSING */
#define DFA_RARE_COLS  24u /* columns of a state's row in rare, for the symbols beyond */

/*
 * The column of a symbol: the transitions ordinary text takes are in trans, the
 * separator first and then the letters from the commonest (e t a o i n s h r d l c u m
 * w f g y p b v k j x q z), DFA_PART_COLS to a part; rare holds the others, from
 * DFA_COLS on. A state's row in a part is a fraction of a cache line, so the rows of the
 * states text visits most take a fraction of the cache they would whole.
 */
static inline unsigned dfa_col(uint8_t sym)
{
	/* by letter: e t a o i n s h r d l c u m w first, then f g y p b v k j x q z */
	static const uint8_t col[26] = {3, 20, 12, 10, 1, 16, 17, 8,  5,  23, 22, 11, 14,
	                                6, 4,  19, 25, 9, 7,  2,  13, 21, 15, 24, 18, 26};

	if (sym < SYM_DIGIT0)
		return col[sym];
	return sym == SYM_SEP ? 0 : DFA_COLS + sym - SYM_DIGIT0;
}

/*
 * A pattern complete in a state, with what the scanner needs of it on every match: kept
 * with the state (read in order, in cache with it) rather than fetched from the pattern.
 */
struct dfa_ready {
	uint32_t pattern; /* index into the automaton's patterns */
	uint32_t combo;   /* struct am_pattern's */
	uint32_t rule;    /* struct am_pattern's */
	uint8_t kind, term, nterms;
	uint8_t words; /* the pattern's */
};

struct dfa {
	/* cap * DFA_COLS: DFA_MISSING, else the next state's id | DFA_EMIT. 16 bits, in
	 * DFA_PARTS parts of cap rows of DFA_PART_COLS (dfa_col(); the columns beyond are in
	 * rare): the transitions text takes most from a state are a fraction of a cache
	 * line, and millions of bytes of text visit thousands of states. */
	uint16_t *trans;
	uint16_t *rare; /* cap * DFA_RARE_COLS: columns DFA_COLS and beyond, the same way */
	/* the rest is private to dfa.c */
	const struct automaton *am;
	size_t n, cap, max;
	uint32_t *set_off, *ready_off; /* per state, n + 1 entries */
	uint8_t *excl_live;            /* per state: DFA_EXCL_LIVE | DFA_EXCL_READY */
	uint32_t *sets;
	struct dfa_ready *ready;
	size_t nsets, sets_cap, nready, ready_cap;
	uint32_t *hash;
	size_t hcap;
	uint32_t start; /* the start state's id, UINT32_MAX until interned (again) */
	uint32_t cur[AM_MAX_SET], next[AM_MAX_SET];
	uint32_t fin_lo[AM_MAX_SET], fin_hi[AM_MAX_SET]; /* a new state's patterns, by range */
	size_t flushes;
};

/* A new cache that holds at most max_states states (at most DFA_MAX_STATES); NULL on
 * out-of-memory. */
struct dfa *dfa_new(const struct automaton *am, size_t max_states);
void dfa_free(struct dfa *d);

/* Changes the ceiling; a lower one than the states held takes effect at the next flush. */
void dfa_set_max(struct dfa *d, size_t max_states);

/* The state at the start of a segment: only the start state of the NFA. */
uint32_t dfa_start(struct dfa *d);

/* Computes the transition of *s on sym. May make room in the cache, in which case *s is
 * replaced by the new id of the same state. Returns the transition word. */
uint32_t dfa_miss(struct dfa *d, uint32_t *s, uint8_t sym);

/* Where the transition of state s on sym is kept. */
static inline uint16_t *dfa_slot(const struct dfa *d, uint32_t s, uint8_t sym)
{
	unsigned c = dfa_col(sym);

	if (c < DFA_COLS)
		return &d->trans[(c / DFA_PART_COLS * d->cap + s) * DFA_PART_COLS +
		                 c % DFA_PART_COLS];
	return &d->rare[(size_t)s * DFA_RARE_COLS + c - DFA_COLS];
}

/* The transition word of *s on sym (see DFA_EMIT); *s may be renumbered as in dfa_miss. */
static inline uint32_t dfa_next(struct dfa *d, uint32_t *s, uint8_t sym)
{
	uint32_t t = *dfa_slot(d, *s, sym);

	return t != DFA_MISSING ? t : dfa_miss(d, s, sym);
}

/* The state a transition word leads to. */
static inline uint32_t dfa_target(uint32_t t)
{
	return t & ~DFA_EMIT;
}

/* Patterns whose match is complete in state s, waiting for a separator. */
static inline const struct dfa_ready *dfa_ready(const struct dfa *d, uint32_t s, size_t *n)
{
	*n = d->ready_off[s + 1] - d->ready_off[s];
	return *n ? d->ready + d->ready_off[s] : NULL; /* d->ready is NULL while none are */
}

#define DFA_EXCL_LIVE  1u /* excl_live: an exclusion is partly matched */
#define DFA_EXCL_READY 2u /* excl_live: an exclusion is among the ready patterns */

/* Non-zero when an exclusion is partly matched in state s. */
static inline bool dfa_excl_live(const struct dfa *d, uint32_t s)
{
	return d->excl_live[s] & DFA_EXCL_LIVE;
}

/* Non-zero when an exclusion is partly matched in state s or among its ready patterns. */
static inline bool dfa_excl_near(const struct dfa *d, uint32_t s)
{
	return d->excl_live[s] != 0;
}

/* Bytes the cache holds now. */
size_t dfa_memory(const struct dfa *d);
