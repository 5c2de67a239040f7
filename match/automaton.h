/* automaton.h: compiles the patterns of all rules into one NFA over the symbol alphabet. */
#pragma once

/*
 * Each pattern becomes a path in a trie-shaped NFA: per word a contiguous path whose
 * letters may repeat (stretched letters) and a split path with separators between
 * single letters; separators (or none) between words; a tail for word prefixes. A
 * start state that is live only after a separator makes phrases whole
 * words. Scanners determinise it lazily (dfa.h): the full DFA of thousands of phrases
 * with these evasions is far larger than the few states ordinary text visits.
 *
 * The structure is immutable after automaton_build() and read by many threads.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "normalize.h"
#include "wordlist.h"

#define AM_ROOT    0u   /* NFA state live after a separator: phrases may start */
#define AM_INWORD  1u   /* NFA state live inside a word */
#define AM_MAX_SET 1024 /* NFA states one DFA state may hold */

/*
 * An edge is one word: the state it leads to (below AM_MAX_NODES) and, in the top byte,
 * the class of the symbols it accepts (am_edge_mask()). The few masks the trie's nodes
 * accept (a letter, first in its word or not; a separator; any letter) are kept once
 * in the automaton, so an edge is 4 bytes rather than 16.
 */
typedef uint32_t am_edge_t;
#define AM_MAX_NODES   (1u << 24)
#define AM_EDGE_TO(e)  ((e) & (AM_MAX_NODES - 1))
#define AM_EDGE_CLS(e) ((e) >> 24)
#define AM_MAX_CLASSES 256

/* A pattern of the automaton: what the scanner needs of it on every match. No pointers,
 * so that the array can live in the image (image.h). */
struct am_pattern {
	uint32_t rule;  /* index into the rule set */
	uint32_t combo; /* a combination's index among combinations (combo_index), else 0 */
	uint32_t pat;   /* its words: index into the automaton's pats (the same words, once) */
	uint32_t xtext; /* 1 + the index in its rule's xtexts of the phrase a word class
	                   expanded to, 0 for none */
	uint8_t term;   /* term of a combination, else 0 */
	uint8_t exclusion;
	uint8_t kind;   /* its rule's enum match_rule_kind and terms, read here on every match */
	uint8_t nterms; /* rather than from the rule, a cache line further away */
};

_Static_assert(sizeof(struct am_pattern) == 20, "no padding: the image holds these bytes");

struct automaton {
	uint32_t *edge_off; /* per NFA state: its edges are edges[edge_off[s] .. edge_off[s+1]) */
	am_edge_t *edges;
	symmask_t cls_mask[AM_MAX_CLASSES]; /* the symbols of each edge class */
	size_t ncls;
	/* The patterns an NFA state completes, for the few states that complete any: bit s of
	 * fin_bits is set for those, fin_rank counts them before each word of fin_bits, and
	 * the k-th of them completes fin[fin_off[2k] .. fin_off[2k + 1]) (am_finals()). The
	 * states are numbered breadth first but fin keeps the order of the patterns' states
	 * as they were added, so that a DFA state lists its patterns in that order. */
	uint64_t *fin_bits;
	uint32_t *fin_rank;
	uint32_t *fin_off;
	uint32_t *fin;
	size_t nfnodes, nfin;
	uint64_t *excl_bits; /* bit s: NFA state s is part of an exclusion */
	/* The root's edges taken on each symbol, in edge order: root_to[root_off[sym] ..
	 * root_off[sym+1]). The root is in most sets and has an edge per first letter. */
	uint32_t root_off[SYM_COUNT + 1];
	uint32_t *root_to;
	size_t nnfa;
	struct am_pattern *patterns;
	/* The patterns' words, each once (am_pattern.pat), packed: pat k is the bytes from
	 * pats[pats_off[k]]: its number of words, its prefix bits, each word's length in
	 * units, then the units (a struct wl_pattern is mostly room for the longest phrase). */
	uint32_t *pats_off; /* npats + 1 */
	uint8_t *pats;
	size_t npatterns, npats;
	symmask_t first_mask[SYM_COUNT]; /* what a word's first letter accepts, per letter */
	size_t memory_bytes; /* held by this process alone (the tables, unless mapped) */
	void *map;           /* the image the tables are in (image.h), or NULL */
	size_t map_bytes;
};

/* Words of a bit per NFA state. */
static inline size_t am_words(size_t nnfa)
{
	return (nnfa + 63) / 64;
}

/* Non-zero when NFA state s is part of an exclusion. */
static inline bool am_excl(const struct automaton *am, uint32_t s)
{
	return am->excl_bits[s >> 6] >> (s & 63) & 1;
}

/* The patterns NFA state s completes: fin[*lo .. the result). */
static inline uint32_t am_finals(const struct automaton *am, uint32_t s, uint32_t *lo)
{
	uint64_t w = am->fin_bits[s >> 6];
	uint32_t k;

	*lo = 0;
	if (!(w >> (s & 63) & 1))
		return 0;
	k = am->fin_rank[s >> 6] +
	    (uint32_t)__builtin_popcountll(w & ((UINT64_C(1) << (s & 63)) - 1));
	*lo = am->fin_off[2 * k];
	return am->fin_off[2 * k + 1];
}

/* The packed words of pattern i (see pats). */
static inline const uint8_t *am_pat_bytes(const struct automaton *am, uint32_t i)
{
	return am->pats + am->pats_off[am->patterns[i].pat];
}

/* The number of words of pattern i. */
static inline uint8_t am_pat_nwords(const struct automaton *am, uint32_t i)
{
	return am_pat_bytes(am, i)[0];
}

/* The words of pattern i, unpacked into *out. */
void am_pat_get(const struct automaton *am, uint32_t i, struct wl_pattern *out);

/* The symbols that may begin pattern i (a pattern without units: those of unit 0). */
static inline symmask_t am_entry(const struct automaton *am, uint32_t i)
{
	uint32_t k = am->patterns[i].pat;
	const uint8_t *b = am->pats + am->pats_off[k];
	uint8_t u = am->pats_off[k + 1] > am->pats_off[k] + 2u + b[0] ? b[2 + b[0]] : 0;

	return u < SYM_COUNT ? am->first_mask[u] : 0;
}

/* The symbols edge e accepts. */
static inline symmask_t am_edge_mask(const struct automaton *am, am_edge_t e)
{
	return am->cls_mask[AM_EDGE_CLS(e)];
}

/*
 * Builds the automaton of set's rules; combo_index gives each rule's index among the
 * combinations (UINT32_MAX for other rules). With image, the tables are that file's when
 * it holds these patterns' (image.h); else they are built, written there and mapped from
 * it, or kept in memory when it cannot be written. Returns 0 or -ENOMEM.
 */
int automaton_build(const struct wl_set *set, const uint32_t *combo_index, const char *image,
                    struct automaton **out);

/* The key of the patterns the tables are built from (with the symbol classes' masks). */
uint64_t automaton_key(const struct automaton *am);
void automaton_free(struct automaton *am);

/*
 * The NFA states reached from the sorted set members[0..n) on sym, written sorted and
 * unique to out (room for AM_MAX_SET; states beyond are dropped). Returns how many.
 */
size_t automaton_step(const struct automaton *am, const uint32_t *members, size_t n, uint8_t sym,
                      uint32_t *out);
