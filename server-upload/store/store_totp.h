/* store_totp.h: web users' TOTP secrets (the second factor of a password sign-in). */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* user_id's base32 secret into secret ("" when none is set). */
int store_totp_get(struct store *s, int64_t user_id, char *secret, size_t size);

/* Sets login's secret (NULL: removes it) and forgets the last code used: 0, -ENOENT. */
int store_totp_set(struct store *s, const char *login, const char *secret);

/* Records that user_id signed in with the code of time step: 0, or -EALREADY when that
 * step's code (or a later one) was used already. */
int store_totp_used(struct store *s, int64_t user_id, int64_t step);
