/* lists.h: the compiled phrase lists behind struct match_lists (internal to match/). */
#pragma once

#include <stdatomic.h>

#include "automaton.h"
#include "match.h"
#include "wordlist.h"

struct match_lists {
	atomic_int refs;
	struct wl_set set;
	struct automaton *am;
	uint32_t *combo_index; /* per rule: its index among combinations, or UINT32_MAX */
	size_t ncombos;
	struct lists_emoji {
		uint32_t cp, rule;
	} * emoji; /* cues that are one emoji, sorted by code point */
	size_t nemoji;
	double compile_ms, compile_cpu_ms;
};

/* The rule of the cue that is the emoji cp, or UINT32_MAX. */
uint32_t lists_emoji_cue(const struct match_lists *lists, uint32_t cp);

/* Fills hit with the rule's category, severity, phrase and rule name. */
void lists_describe(const struct match_lists *lists, uint32_t rule, struct match_hit *hit);
