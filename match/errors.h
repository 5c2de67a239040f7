/* errors.h: the list of "FILE:LINE: message" diagnostics behind struct match_errors. */
#pragma once

#include <stdbool.h>

#include "match.h"

/* A new, empty list; NULL on out-of-memory. */
struct match_errors *errors_new(void);

/* Appends one message; on out-of-memory the message is lost but the list stays valid
 * and errors_failed() reports it. */
void errors_add(struct match_errors *errs, bool is_error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Number of errors (not warnings), counting messages lost to out-of-memory. */
size_t errors_failed(const struct match_errors *errs);
