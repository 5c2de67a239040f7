/* record.h: the vigil.capture/1 JSON record of one hit with its screenshot. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "hit.h"
#include "shot.h"
#include "vigil-limits.h"

/* Field ceilings of vigil.capture/1 (docs/api.md), in Unicode characters. */
#define RECORD_MACHINE_MAX_CHARS VIGIL_RECORD_MAX_NAME
#define RECORD_USER_MAX_CHARS    VIGIL_RECORD_MAX_NAME
#define RECORD_PHRASE_MAX_CHARS  VIGIL_RECORD_MAX_TEXT
#define RECORD_RULE_MAX_CHARS    VIGIL_RECORD_MAX_TEXT
#define RECORD_WHY_MAX_CHARS     VIGIL_RECORD_MAX_TEXT
#define RECORD_CONTEXT_MAX_CHARS VIGIL_CONTEXT_MAX_CHARS
#define RECORD_TITLE_MAX_CHARS   VIGIL_RECORD_MAX_TITLE
#define RECORD_APP_MAX_CHARS     VIGIL_RECORD_MAX_TEXT
#define RECORD_VERSION_MAX_CHARS VIGIL_RECORD_MAX_NAME
#define RECORD_LISTS_MAX_CHARS   128u
#define RECORD_ID_LEN            36u /* 8-4-4-4-12 */

/* What a record is made of besides the hit. */
struct record_meta {
	const char *machine;   /* host name or the configured name */
	const char *user;      /* whose session; "unknown" when empty */
	const char *version;   /* agent version */
	const char *wordlists; /* version of the lists in use ("" when unknown) */
};

/* A PNG in memory, and where the focused window was on it (focus.width 0: not known). */
struct record_image {
	const unsigned char *png;
	size_t len;
	unsigned width, height;
	struct shot_rect focus;
};

/*
 * One entry of the record's "hits": source and context are the hit's own (its words, at
 * most RECORD_CONTEXT_MAX_CHARS); start and end are byte offsets of the match in that
 * context, -1 when they cannot be placed there. frame says which screenshot shows the
 * hit: 0 the capture's screenshot, n the n-th of "frames", -1 none (left out).
 * base_severity, why and context_rule as in struct hit.
 */
struct record_hit {
	const char *category;
	int severity;
	const char *phrase, *rule, *matched;
	long start, end;
	int base_severity;
	const char *why, *context_rule;
	enum hit_source source;
	const char *context;
	int frame;
};

/* A further screenshot of a moment ("frames"), taken at time (CLOCK_REALTIME). */
struct record_frame {
	struct record_image image;
	struct timespec time;
};

/* Writes a random (getrandom) UUID version 4 into id (RECORD_ID_LEN + 1 bytes). 0 or -errno. */
int record_new_id(char id[RECORD_ID_LEN + 1]);

/* Formats ts (CLOCK_REALTIME) as RFC 3339 UTC with milliseconds: 2026-11-23T09:14:03.120Z. */
void record_format_time(const struct timespec *ts, char out[32]);

/*
 * Copies into out (size outlen) at most max_chars UTF-8 characters of s, replacing each
 * invalid byte with U+FFFD and, when no_controls, each control character with a space;
 * never splits a character. Returns the bytes written (NUL excluded).
 */
size_t record_clean_text(const char *s, size_t max_chars, bool no_controls, char *out,
                         size_t outlen);

/*
 * Builds the record of hit (its time, source, reason, context and window), meta and
 * image, with the given id; the window's "rect" is image's focus when known (within the
 * image). A hit whose severity context lowered carries, in reason and
 * in hits, "base_severity", "why" and "context_rule" (left out otherwise). Strings are
 * cleaned and cut to the schema's limits; an empty user becomes "unknown", an empty
 * machine "unknown". Returns 0 and a malloc'd, NUL-terminated JSON text in *json (caller
 * frees; it holds pupil text: wipe before freeing) with its length in *len, or -ENOMEM /
 * -EINVAL.
 */
int record_build(const struct hit *hit, const struct record_meta *meta,
                 const struct record_image *image, const char *id, char **json, size_t *len);

/* As record_build(), with "hits" listing hits[0..nhits) (left out when nhits is 0) and
 * "frames" listing frames[0..nframes) (left out when nframes is 0). */
int record_build_hits(const struct hit *hit, const struct record_hit *hits, size_t nhits,
                      const struct record_frame *frames, size_t nframes,
                      const struct record_meta *meta, const struct record_image *image,
                      const char *id, char **json, size_t *len);
