/* hit.h: one detection (source, rule, matched text, context, window), handed to capture. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

enum hit_source {
	HIT_SOURCE_TYPED,
	HIT_SOURCE_WINDOW_TITLE,
	HIT_SOURCE_CLIPBOARD,
	HIT_SOURCE_SCREEN_TEXT,
	HIT_SOURCE_TAMPER, /* monitoring of a live session was interrupted */
};

/* "typed", "window-title", "clipboard", "screen-text" or "tamper" (the record's names). */
const char *hit_source_name(enum hit_source source);

/*
 * A hit as the detector hands it over. All strings are valid for the duration of the
 * hand-over call only; a consumer that keeps the hit copies what it needs.
 * matched and context hold pupil text: they go to the capture record and nowhere else
 * (never to a log).
 */
struct hit {
	enum hit_source source;
	const char *category;
	int severity;
	const char *phrase; /* the rule as written */
	const char *rule;   /* "self-harm.txt:12" */
	/* What changed the severity: when context lowered it, base_severity is the rule's
	 * own (above severity), why says how ("severity 5 → 2: 'lol' 1 word after") and
	 * context_rule is the "FILE:LINE" of the @when; otherwise base_severity is 0 or
	 * equal to severity and why and context_rule are NULL. */
	int base_severity;
	const char *why;
	const char *context_rule;
	const char *matched; /* the text that matched, as typed or shown */
	const char *context; /* at most 256 characters around the hit, matched included */
	const char *window_title;
	const char *window_app;
	unsigned long window_id;
	struct timespec time; /* CLOCK_REALTIME when the hit was made */
	uint64_t mono_ns;     /* CLOCK_MONOTONIC, for latency measurements */
	/*
	 * Where the hit lies. text_id names the piece of text it was found in (a typed
	 * segment with the lines before it, a title, a clipboard, a screen-text piece;
	 * never 0); span_start/span_end are byte offsets of the match in that piece and
	 * context_at the offset of context[0]. context_exact is true when context holds
	 * the piece's bytes unchanged from context_at on (no byte was replaced), so other
	 * hits of the same piece can be placed in it by their offsets.
	 */
	uint64_t text_id;
	uint64_t span_start, span_end, context_at;
	bool context_exact;
};

/* A hit that owns copies of its strings, for a consumer that keeps it. */
#define HIT_STRINGS 9
struct hit_kept {
	struct hit hit;
	char *strs[HIT_STRINGS]; /* behind hit's pointers; why and context_rule may be NULL */
};

/* Copies h into k. 0, or -ENOMEM (then k holds nothing to free). */
int hit_keep(struct hit_kept *k, const struct hit *h);

/* Wipes and frees k's strings (they hold pupil text). */
void hit_kept_wipe(struct hit_kept *k);

/* Receives each hit; the place where capture (screenshot, record, spool) plugs in. */
typedef void (*hit_sink_fn)(const struct hit *hit, void *userdata);
