/* normalize.h: folds Unicode code points into the matcher's small symbol alphabet. */
#pragma once

/*
 * Every code point of text and of phrases maps to zero or more symbols: the Latin
 * letters, the digits, the leetspeak punctuation that may stand for a letter, a masking
 * '*', a separator, and "a letter of another script". Case, compatibility and width
 * forms, accents and Cyrillic/Greek look-alikes are folded by ICU (NFKC case folding,
 * the UTS #39 confusable skeleton); zero-width characters and apostrophes map to no
 * symbol at all. The mapping is computed once per 256 code points and then read
 * without locks, so it is safe from any thread.
 */

#include <stdbool.h>
#include <stdint.h>

enum norm_symbol {
	SYM_A = 0,       /* 'a'..'z' are SYM_A + 0..25 */
	SYM_DIGIT0 = 26, /* '0'..'9' are SYM_DIGIT0 + 0..9 */
	SYM_AT = 36,     /* '@': a, or punctuation */
	SYM_DOLLAR,      /* '$': s */
	SYM_BANG,        /* '!': i */
	SYM_PIPE,        /* '|': i or l */
	SYM_PLUS,        /* '+': t */
	SYM_EURO,        /* '€': e */
	SYM_MASK,        /* '*': a masked vowel, or punctuation */
	SYM_SEP,         /* space, punctuation, symbols, controls, invalid bytes */
	SYM_OTHER,       /* a letter or digit of another script */
	SYM_COUNT,
};

#define NORM_MAX_SYMBOLS 4 /* symbols one code point can become ("ﬃ" -> f f i) */

/* Symbol masks: bit s set for symbol s. */
typedef uint64_t symmask_t;
#define SYMBIT(s) ((symmask_t)1 << (s))

/* Symbols after which a phrase may start / before which it may end. */
extern const symmask_t norm_boundary_mask;
/* Symbols that separate the words of a phrase or the letters of a split word: only
 * true separators, never a leetspeak symbol that may be a letter (that ambiguity,
 * repeated, would multiply the automaton's states). */
extern const symmask_t norm_sep_mask;
/* Symbols that continue a word. */
extern const symmask_t norm_word_mask;

/* Symbols of one ASCII byte; SYM_COUNT for none (apostrophe). */
extern const uint8_t norm_ascii[128];

/*
 * Maps one code point (any value; invalid ones become a separator) to its symbols.
 * Writes up to NORM_MAX_SYMBOLS into out and returns how many (0: ignore it).
 * Initialises ICU on first use; returns -1 only if ICU cannot be initialised.
 */
int norm_map(uint32_t cp, uint8_t out[NORM_MAX_SYMBOLS]);

/*
 * The symbols a pattern letter accepts in text: 'a'..'z' as SYM_A+n, digits, or SYM_MASK.
 * first: the letter begins a word (a masking '*' never stands for a first letter).
 */
symmask_t norm_accepts(uint8_t unit, bool first);

/* The letter a leetspeak punctuation symbol stands for in a phrase ('$' -> s), else unit. */
uint8_t norm_phrase_unit(uint8_t sym);
