/* parse.h: range-checked parsing of numbers from untrusted text. */
#pragma once

#include <stdint.h>

/*
 * Parses all of s as a decimal integer within [min, max].
 * Returns 0 and sets *out, -EINVAL for text that is not a number (or has trailing
 * characters), -ERANGE when out of range. *out is untouched on failure.
 */
int parse_int64(const char *s, int64_t min, int64_t max, int64_t *out);
int parse_int(const char *s, int min, int max, int *out);
