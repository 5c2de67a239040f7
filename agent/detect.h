/* detect.h: turns matcher hits into agent hits with context and window, debounced. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "hit.h"
#include "match.h"

/*
 * The detector holds the current compiled lists (swappable at any time from any thread:
 * the pointer is replaced under a lock and each user takes its own reference) and the
 * debounce table: the same rule in the same window within the interval gives one hit.
 */
struct detect;

/* The window a piece of text belongs to. Strings may be NULL or empty. */
struct detect_window {
	unsigned long id;
	const char *title;
	const char *app;
};

/* A new detector handing hits to sink. debounce_seconds 0 disables debouncing. NULL on ENOMEM. */
struct detect *detect_new(int debounce_seconds, hit_sink_fn sink, void *userdata);
void detect_free(struct detect *d);

/* Installs new lists (takes its own reference); scanners made before keep the old ones. */
void detect_set_lists(struct detect *d, struct match_lists *lists);

/* A new reference to the current lists (NULL before any were set); caller unrefs. */
struct match_lists *detect_get_lists(struct detect *d);

/* A new identity for a piece of text (struct hit's text_id): never 0, never repeated. */
uint64_t detect_new_text_id(struct detect *d);

/*
 * Reports one matcher hit found in text[0..len) (the hit's span given as byte offsets
 * into text, end exclusive): builds the context, applies the debounce and hands the hit
 * to the sink. text is part of the piece of text text_id, starting at its byte offset
 * origin. Returns true when the hit was handed over, false when debounced.
 */
bool detect_report(struct detect *d, enum hit_source source, const struct match_hit *mh,
                   const char *text, size_t len, size_t start, size_t end,
                   const struct detect_window *win, uint64_t text_id, uint64_t origin);

/* Scans a whole piece of text (a window title, the clipboard) and reports its hits. */
void detect_scan(struct detect *d, enum hit_source source, const char *text, size_t len,
                 const struct detect_window *win);

/*
 * Writes into out (size outlen >= 4) at most max_chars UTF-8 characters of text around
 * [start, end), the span included (cut to max_chars when longer), never splitting a
 * character; control characters become spaces. Returns the bytes written (NUL excluded).
 */
size_t detect_context(const char *text, size_t len, size_t start, size_t end, size_t max_chars,
                      char *out, size_t outlen);
