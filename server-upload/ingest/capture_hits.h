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

/* A category of a capture's hits: its highest severity and where its hits came from. */
#define CAPTURE_SOURCES 5 /* typed, window-title, clipboard, screen-text, tamper */
struct capture_category {
	char category[72];
	int severity;
	unsigned int sources; /* bit i: capture_source_name(i) */
};

/* The name of source bit i ("typed", "window-title", "clipboard", "screen-text",
 * "tamper"), or NULL past the last. */
const char *capture_source_name(unsigned int i);

/*
 * The categories of rec's hits (capture_hits_of, and reason when no hit has its category)
 * with a hit of at least min_severity, in the order they first appear: each category's
 * highest severity and the sources of those hits (a hit's own "source", else the
 * record's). Fills up to max of out and returns how many.
 */
size_t capture_hits_categories(json_t *rec, int min_severity, struct capture_category *out,
                               size_t max);
