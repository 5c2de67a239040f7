/* automaton.h: compiles the patterns of all rules into one DFA over the symbol alphabet. */
#pragma once

/*
 * Each pattern becomes a small NFA: per word a contiguous path whose letters may
 * repeat (stretched letters) and a split path with separators between single letters,
 * optional separators between words, a tail for word prefixes. A start state that is
 * live only after a separator makes phrases whole words. The subset construction
 * turns the union into one DFA; a DFA state lists the patterns whose last word is
 * complete ("ready"), reported when a separator follows. The NFA stays available so
 * the scanner can find where a reported match began.
 *
 * The structure is immutable after automaton_build() and read by many threads.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "normalize.h"
#include "wordlist.h"

#define AM_EMIT       0x80000000u /* transition flag: report the source state's ready list */
#define AM_STATE_MASK 0x7fffffffu
#define AM_ROOT       0u /* NFA state live after a separator */
#define AM_INWORD     1u /* NFA state live inside a word */

struct am_edge {
	symmask_t mask;
	uint32_t to;
};

struct am_pattern {
	uint32_t rule; /* index into the rule set */
	uint8_t term;  /* term of a combination, else 0 */
	bool exclusion;
	symmask_t entry; /* symbols that may begin it */
};

struct automaton {
	/* DFA */
	uint32_t *trans;     /* nstates * SYM_COUNT; AM_EMIT | next state */
	uint32_t *ready_off; /* per state: offset into ready, and ready_off[s+1] ends it */
	uint32_t *ready;     /* pattern ids */
	uint8_t *excl_live;  /* per state: an exclusion is partly matched */
	size_t nstates;
	uint32_t start; /* the state at the beginning of a segment */
	/* NFA */
	uint32_t *edge_off; /* per NFA state: its edges are edges[edge_off[s] .. edge_off[s+1]) */
	struct am_edge *edges;
	uint32_t *fin_off; /* per NFA state: the patterns it completes are fin[fin_off[s]..] */
	uint32_t *fin;
	size_t nnfa;
	struct am_pattern *patterns;
	size_t npatterns;
	size_t memory_bytes;
};

/* Builds the automaton of set's rules. Returns 0 or -ENOMEM / -E2BIG (too many states). */
int automaton_build(const struct wl_set *set, struct automaton **out);
void automaton_free(struct automaton *am);
