/* hitwhy.h: the one wording of what changed a hit's severity, for pages, e-mail and PNGs. */
#pragma once

#include <stddef.h>

#include "vigil-limits.h"

/* Room for the longest wording of a record's fields: why and context_rule of at most
 * VIGIL_RECORD_MAX_TEXT characters of up to 4 bytes each, the words around, the NUL. */
#define HITWHY_MAX (8 * VIGIL_RECORD_MAX_TEXT + 32)

/*
 * Writes into buf (size bytes, size > 0) what lowered a hit of this severity from
 * base_severity, as the capture says it: the explanation why ("severity 5 → 2: 'lol'
 * 1 word after"; NULL or "": "severity 5 → 2") and " (rule FILE:LINE)" when
 * context_rule is given: "severity 5 → 2: 'lol' 1 word after (rule self-harm.txt:17)".
 * Text that does not fit is cut at a character boundary and ends with "…". Returns the
 * length written, or 0 with buf "" when nothing lowered the hit (no why, and
 * base_severity not above severity). The text is not escaped: callers escape it for
 * their format.
 */
size_t hitwhy_format(char *buf, size_t size, int severity, int base_severity, const char *why,
                     const char *context_rule);
