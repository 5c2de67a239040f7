/* moment.h: the hits of one flagged moment (one window, a few seconds) gathered for one capture. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent-limits.h"
#include "hit.h"
#include "record.h"

/*
 * A moment starts with a hit and takes the further hits of the same window while it is
 * open (the pipeline decides how long). A hit wholly inside another hit of the same
 * category in the same piece of text is dropped (of two with the same span, the more
 * severe stays, or the first); at most AGENT_MOMENT_MAX_HITS are kept, the least severe
 * giving way. The reason is the most severe hit, the first of equals. The moment owns
 * copies of the hits' strings and wipes them when cleared.
 */
struct moment_hit;

struct moment {
	unsigned long window;
	struct moment_hit *hits[AGENT_MOMENT_MAX_HITS];
	size_t n;
};

/* Starts m with its first hit. 0 or -ENOMEM. */
int moment_start(struct moment *m, const struct hit *first);

/* Adds a hit. Returns 1 when the moment changed, 0 when the hit adds nothing (covered
 * by a hit held), -ENOMEM. */
int moment_add(struct moment *m, const struct hit *hit);

/* The most severe hit (the first of equals); NULL for an empty moment. */
const struct hit *moment_reason(const struct moment *m);

/*
 * Fills out[0..n) with the hits for the record, in the order they came, each with its own
 * source and context, the byte offsets of its match in that context (-1 when they cannot
 * be placed) and its frame: the first of the moment's screenshots begun at or after the
 * hit, whose CLOCK_MONOTONIC start times are shots_ns[0..nshots) in order (-1 when none
 * was). Strings stay owned by the moment. Returns n.
 */
size_t moment_record_hits(const struct moment *m, const uint64_t *shots_ns, size_t nshots,
                          struct record_hit *out, size_t max);

/* Wipes and frees the hits; m is empty afterwards. */
void moment_clear(struct moment *m);
