/* match.h: compiled phrase lists and the scanner that finds their phrases in text. */
#pragma once

/*
 * The public contract of the phrase-list engine (match/). It knows nothing of X11
 * or the network; the agent, the server and vigil-wordlist link it.
 *
 * Text is UTF-8 (invalid bytes are treated as separators, never a crash). Before
 * matching, text is normalised: Unicode case, compatibility/width and accent folding,
 * Cyrillic/Greek look-alikes, zero-width characters, leetspeak digits and symbols,
 * stretched letters, letters split by spaces or dots, and masking with '*'. Hits report
 * byte offsets in the original text.
 *
 * Phrases are whole words: a phrase is reported when the character after its last
 * letter arrives and is not a letter, or when the segment ends (match_scanner_end()).
 * A hit whose rule can be lowered by a context cue after it ("i want to die lol") waits
 * until that many further words have been seen, or the segment ends; hits are reported
 * in the order their phrases completed.
 */

#include <stddef.h>
#include <stdint.h>

struct match_lists;   /* compiled lists: immutable, refcounted, safe to share across threads */
struct match_scanner; /* the state of one stream of text: one thread at a time */
struct match_errors;  /* diagnostics from loading, each "FILE:LINE: message" */

struct match_hit {
	const char *category; /* "self-harm"; owned by the lists */
	int severity;         /* 1..5 */
	const char *phrase;   /* the rule as written, e.g. "kill myself" or "meet & secret ~8" */
	const char *rule;     /* "self-harm.txt:12" */
	uint64_t start, end;  /* byte offsets in the text fed to this scanner, end exclusive */
	/* What made the hit and what changed it: */
	int base_severity;   /* the rule's severity; severity is lower when context lowered it */
	const char *pattern; /* the phrase with its word classes expanded ("kill all the gays");
	                        the same as phrase for a rule without word classes */
	const char *context; /* NULL, or what lowered the severity (valid during the call only):
	                        "severity 5 → 2: 'lol' 1 word after" */
	const char *context_rule; /* NULL, or the "FILE:LINE" of the @when that lowered it */
};

/* Called for each hit; hit and its strings are valid during the call only
 * (the strings for as long as the lists are referenced). */
typedef void (*match_hit_fn)(const struct match_hit *hit, void *userdata);

/* One phrase-list file held in memory (e.g. from a downloaded bundle). */
struct match_file {
	const char *name; /* "self-harm.txt"; used in diagnostics and by @include */
	const char *text;
	size_t len;
};

/* ---- loading ------------------------------------------------------------ */

/*
 * Compiles phrase lists from files or directories (a directory means all of its *.txt
 * files, in name order; @include is resolved relative to the including file).
 * Returns 0 and a new reference in *out, or a negative errno: -EINVAL when the lists
 * have errors (each listed in *errs), -ENOENT/-EACCES/... when a path cannot be read
 * (also described in *errs). *errs is always set (caller frees it with
 * match_errors_free()); it may hold warnings even on success. *out is untouched on failure.
 */
int match_lists_load(const char *const *paths, size_t npaths, struct match_lists **out,
                     struct match_errors **errs);

/* As match_lists_load(), from files held in memory; @include names another of the files. */
int match_lists_compile(const struct match_file *files, size_t nfiles, struct match_lists **out,
                        struct match_errors **errs);

/*
 * As match_lists_load() and match_lists_compile(), with the automaton's tables in the
 * file image (several megabytes; see match_stats.shared_bytes): mapped read-only when
 * it holds these lists' tables, else built, written there (a new file renamed over it)
 * and mapped. Every process that loads the same lists with the same image shares one
 * copy of the tables (the page cache's). A file that is truncated, corrupt, of another
 * version or of other lists is never used: it is rebuilt. When the file cannot be
 * written (no such directory, no permission) the tables stay in this process's memory,
 * as with match_lists_load(); a NULL image means that too.
 */
int match_lists_load_shared(const char *const *paths, size_t npaths, const char *image,
                            struct match_lists **out, struct match_errors **errs);
int match_lists_compile_shared(const struct match_file *files, size_t nfiles, const char *image,
                               struct match_lists **out, struct match_errors **errs);

/* Reference counting; both accept NULL. unref returns NULL: lists = match_lists_unref(lists); */
struct match_lists *match_lists_ref(struct match_lists *lists);
struct match_lists *match_lists_unref(struct match_lists *lists);

size_t match_errors_count(const struct match_errors *errs);
/* The i-th message, "FILE:LINE: message"; owned by errs. */
const char *match_errors_get(const struct match_errors *errs, size_t i);
/* Non-zero when the i-th message is an error (lists refused), zero for a warning. */
int match_errors_is_error(const struct match_errors *errs, size_t i);
void match_errors_free(struct match_errors *errs);

/* ---- what the lists hold ------------------------------------------------- */

enum match_rule_kind {
	MATCH_RULE_PHRASE,
	MATCH_RULE_EXCLUSION, /* suppresses hits it covers */
	MATCH_RULE_COMBO,     /* terms within N words */
	MATCH_RULE_CONTEXT, /* a cue of a context (@context): lowers nearby hits, never reported */
};

struct match_rule_info {
	enum match_rule_kind kind;
	const char *category; /* for MATCH_RULE_CONTEXT: the context's name */
	int severity;         /* 0 for exclusions and cues */
	const char *phrase;   /* as written */
	const char *rule;     /* "FILE:LINE" */
	/* a rule with word classes: the phrase of each expansion ("kill all the gays", …) */
	const char *const *expanded;
	size_t nexpanded;
	size_t ncontexts; /* how many @when clauses lower its hits */
};

/* Calls fn for every rule, in file and line order. */
void match_lists_foreach_rule(const struct match_lists *lists,
                              void (*fn)(const struct match_rule_info *rule, void *userdata),
                              void *userdata);

struct match_stats {
	size_t phrases, exclusions, combos;
	size_t cues;           /* context cues (@context) */
	size_t states;         /* NFA states (scanners build DFA states from them lazily) */
	size_t memory_bytes;   /* bytes held by the compiled lists in this process alone */
	size_t shared_bytes;   /* bytes of the automaton mapped from a shared image, else 0 */
	double compile_ms;     /* wall time of the compilation */
	double compile_cpu_ms; /* CPU time of the compiling thread (apart from other load) */
};

void match_lists_stats(const struct match_lists *lists, struct match_stats *stats);

/* ---- scanning ----------------------------------------------------------- */

/* A new stream over lists (takes its own reference). NULL on out-of-memory. */
struct match_scanner *match_scanner_new(struct match_lists *lists);
void match_scanner_free(struct match_scanner *sc);

/*
 * Feeds bytes of the stream: any amount, even one byte of a multi-byte character.
 * Work is O(1) per byte and memory is bounded. Hits are reported through fn as soon as
 * they are certain (a phrase's word has ended and no exclusion can still cover it).
 */
void match_scanner_feed(struct match_scanner *sc, const char *text, size_t len, match_hit_fn fn,
                        void *userdata);

/*
 * Ends the current segment (end of a line, a focus change, Enter): reports what is
 * still pending and starts matching afresh. Offsets keep counting.
 */
void match_scanner_end(struct match_scanner *sc, match_hit_fn fn, void *userdata);

/*
 * Sets how many automaton states the scanner may cache (default 4096, about 1 MB at
 * most; the cache grows only as text needs it). Bulk scanning of varied text runs
 * faster with more (at most 32766: about 8 MB); keystrokes and titles need few.
 */
void match_scanner_set_cache(struct match_scanner *sc, size_t max_states);

/*
 * Forgets the stream (history, combinations, offsets start again at 0), keeping the
 * cache: for scanning many independent texts with one scanner. Pending hits are dropped;
 * call match_scanner_end() first to have them reported.
 */
void match_scanner_reset(struct match_scanner *sc);

/* Bytes fed so far: the offset the next byte will have. */
uint64_t match_scanner_offset(const struct match_scanner *sc);

/* Scans one whole buffer; offsets are into text. */
void match_scan(struct match_lists *lists, const char *text, size_t len, match_hit_fn fn,
                void *userdata);
