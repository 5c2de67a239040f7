/* store_oidc.h: sign-ins with the school's OpenID Connect provider waiting for their callback. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* Keeps a sign-in started at now_ms until expires_ms: the SHA-256 hex of its state, its
 * nonce and PKCE verifier. Sign-ins that expired go at the same time. */
int store_oidc_state_add(struct store *s, const char *state_hash, const char *nonce,
                         const char *verifier, int64_t now_ms, int64_t expires_ms);

/* Takes the sign-in of state_hash (it is deleted: a state is used once): 0 with its nonce
 * and verifier, -ENOENT when there is none, it was taken already or it expired. */
int store_oidc_state_take(struct store *s, const char *state_hash, int64_t now_ms, char *nonce,
                          size_t nonce_size, char *verifier, size_t verifier_size);

/* The login of the enabled user whose e-mail address is email (any case): 0, -ENOENT
 * (none), -EEXIST (more than one: the address does not say who). */
int store_user_by_email(struct store *s, const char *email, char *login, size_t size);
