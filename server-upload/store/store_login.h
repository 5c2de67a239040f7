/* store_login.h: sign-in attempts counted per login and per client address. */
#pragma once

#include <stdint.h>

#include "store.h"

/*
 * The login_limits table, written once on store_ops.query in the dialect both back ends
 * share. Functions return 0 or -errno and never log; out-parameters are untouched on
 * error.
 */

/*
 * Counts one sign-in attempt for key ("l:LOGIN", "a:ADDRESS") at now in a window of
 * window_ms from the key's first attempt, and returns in *count the attempts in the
 * window, this one included. One atomic statement: attempts made at once each get their
 * own count, so a limit checked on *count holds however many arrive together. Counters
 * live in the database: a restart or a second server does not reset them.
 */
int store_login_count(struct store *s, const char *key, int64_t now, int64_t window_ms,
                      int64_t *count);

/* Takes back one attempt of key (an attempt that succeeded). */
int store_login_uncount(struct store *s, const char *key);

/* Forgets every attempt of key. */
int store_login_forget(struct store *s, const char *key);

/*
 * Failures checked for key ("b:ADDRESS LOGIN"): the row's count is the failures in a
 * row and its start the last one's time, so that a limit can grow with each failure
 * (backoff). store_login_failed() counts one at now; store_login_failures() reads them
 * (*fails 0 and *last 0 when none). The row goes with the others when its last failure
 * is older than the window store_login_count() is given.
 */
int store_login_failed(struct store *s, const char *key, int64_t now);
int store_login_failures(struct store *s, const char *key, int64_t *fails, int64_t *last);
