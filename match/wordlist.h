/* wordlist.h: parses phrase-list files into rules, with FILE:LINE diagnostics. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vigil-limits.h"
#include "match.h"

/* A phrase as the automaton needs it: words of symbol units (normalize.h). */
struct wl_pattern {
	uint8_t units[VIGIL_LIST_MAX_PHRASE_CHARS]; /* all words, concatenated */
	uint8_t wlen[VIGIL_LIST_MAX_PHRASE_WORDS];  /* units per word */
	uint8_t nwords;
	uint8_t prefix; /* bit w: word w is a prefix ("suicid*") */
};

/* A further pattern of a rule's term, from a word class ("kill all the <group>"). */
struct wl_alt {
	uint8_t term;
	struct wl_pattern pat;
	const char *text; /* the phrase it was expanded to (owned by the rule's xtexts), or NULL */
	uint32_t xtext;   /* 1 + the index of text in the rule's xtexts, 0 for none */
};

enum wl_when_dir { WL_BEFORE = 1, WL_AFTER = 2, WL_WITHIN = 3 };

/* "@when joke within 4 -> 2": a context cue near a hit lowers its severity (0: drops it). */
struct wl_when {
	uint16_t context; /* index into wl_set.contexts */
	uint8_t dir;      /* enum wl_when_dir */
	uint8_t window;   /* words */
	uint8_t severity; /* what the hit becomes; 0 drops it */
	const char *rule; /* "file.txt:7", owned by the set (origins) */
};

struct wl_rule {
	enum match_rule_kind kind;
	uint16_t category;        /* index into wl_set.categories */
	uint8_t severity;         /* 1..5; 0 for exclusions */
	uint8_t nterms;           /* 1, or 2..4 for a combination */
	uint8_t window;           /* combination: words */
	struct wl_pattern *terms; /* nterms (room for VIGIL_LIST_MAX_COMBO_TERMS while parsed) */
	char *phrase;             /* as written */
	char *rule;               /* "file.txt:12" */
	struct wl_alt *alts;      /* further patterns from word classes */
	size_t nalts;
	char **xtexts; /* with word classes: the phrase of every expansion; terms[] is the first */
	size_t nxtexts;
	struct wl_when *when; /* context that lowers this rule's hits */
	uint8_t nwhen;
	uint16_t context; /* MATCH_RULE_CONTEXT: the context this cue belongs to */
	uint32_t emoji; /* MATCH_RULE_CONTEXT: the code point of a cue that is one emoji, else 0 */
};

/* "@class group: jews, gays": a named set of words usable as <group> in phrases. */
struct wl_class {
	char *name;
	char **members;
	size_t nmembers;
	char *where; /* "file.txt:3", for diagnostics */
	bool used;
};

struct wl_set {
	struct wl_rule *rules;
	size_t nrules, cap;
	char **categories;
	size_t ncategories;
	uint8_t *floor; /* per category: the lowest severity context may give (@floor), 0 none */
	struct wl_class *classes;
	size_t nclasses;
	char **contexts; /* names of the contexts (@context) */
	size_t ncontexts;
	char **origins; /* "file.txt:3" of each @class, @context and @when line read */
	size_t norigins;
};

/*
 * Where the parser gets the text of a file: the top-level files, and @include'd
 * names resolved against the including file's name. Returns 0 and a malloc'd
 * text (caller frees) plus the resolved name, or a negative errno.
 */
struct wl_source {
	int (*read)(void *ctx, const char *from, const char *name, char **resolved, char **text,
	            size_t *len);
	void *ctx;
};

/*
 * Parses one top-level file (and its includes) into set, adding every problem to errs.
 * Returns the number of errors found in it (0: clean).
 */
size_t wl_parse_file(struct wl_set *set, const struct wl_source *src, const char *name,
                     struct match_errors *errs);

/* Warns about word classes that no rule uses. */
void wl_check_classes(const struct wl_set *set, struct match_errors *errs);

/* Warns about rules listed twice in the same category. */
void wl_check_duplicates(const struct wl_set *set, struct match_errors *errs);

/* Warns about combinations that can never report (a term that is also an exclusion) or
 * only when words are run together (terms with more words than the span). */
void wl_check_dead_combos(const struct wl_set *set, struct match_errors *errs);

/* Gives back the room each rule kept for more terms than it has, once every rule is read. */
void wl_set_shrink(struct wl_set *set);

/* Frees the patterns of the rules' terms and word-class expansions, once the automaton
 * holds its own copies (the rules keep their texts). */
void wl_set_drop_patterns(struct wl_set *set);

/* Frees the rules and categories (not set itself). */
void wl_set_clear(struct wl_set *set);

/* The units of p's words (a mask takes a unit of its own). */
size_t wl_pattern_units(const struct wl_pattern *p);
/* Number of letters and digits in a pattern. */
size_t wl_pattern_letters(const struct wl_pattern *p);
