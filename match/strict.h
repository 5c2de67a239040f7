/* strict.h: re-checks a match so that folding cannot turn a real word into a listed one. */
#pragma once

/*
 * The automaton lets every letter stretch ("kiiiill"), which alone would read the
 * doubled letters of ordinary words as stretched single ones: "rapping" as "raping",
 * "goodie" as "go die". A match is kept only when it can be read with each run of a
 * phrase's letter written either as the phrase writes it or stretched to three or more
 * letters (a letter the phrase doubles may also be written three or more times).
 * Only completed matches are checked, so the cost per byte of text is unchanged.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wordlist.h"

/* True when syms[0..n) (text symbols, normalize.h) is a strict match of p. */
bool strict_match(const struct wl_pattern *p, const uint8_t *syms, size_t n);
