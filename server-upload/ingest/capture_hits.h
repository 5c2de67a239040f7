/* capture_hits.h: a stored capture record's hits, and what lowered each, as shown by the server. */
#pragma once

#include <jansson.h>
#include <stddef.h>

#include "hitwhy.h"

/*
 * The hits of rec (a vigil.capture/1 record as stored): its "hits" array, or the reason
 * alone for a record without one. Puts up to max borrowed references (valid while rec
 * lives) into out and returns how many.
 */
size_t capture_hits_of(json_t *rec, json_t **out, size_t max);

/*
 * What lowered hit (an object of "hits", or "reason"), worded by hitwhy_format() from its
 * severity, base_severity, why and context_rule: "severity 5 → 2: 'lol' 1 word after
 * (rule self-harm.txt:17)". Returns its length, or 0 with buf "" when context did not
 * lower the hit. Not escaped.
 */
size_t capture_hit_why(json_t *hit, char *buf, size_t size);

/*
 * Calls fn(category, why, ud) for each of rec's hits (capture_hits_of, up to max) that
 * context lowered, why in capture_hit_why's words cut to fit why_size bytes (at most
 * HITWHY_MAX), category "" when missing. Stops at and returns fn's first negative
 * result; 0 otherwise.
 */
int capture_hits_lowered(json_t *rec, size_t max, size_t why_size,
                         int (*fn)(const char *category, const char *why, void *ud), void *ud);
