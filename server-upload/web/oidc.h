/* oidc.h: staff sign-in with the school's OpenID Connect provider (authorization code + PKCE). */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct server;

#define OIDC_WHY 320 /* a refusal's reason, for the page */

/* Whether the oidc-* settings are given. */
int oidc_enabled(const struct server *srv);

/*
 * Starts a sign-in: keeps a new state, nonce and PKCE verifier (store_oidc.h) and puts
 * the provider's authorization URL into url and the state (for the browser's cookie)
 * into state (at least 64 bytes). 0, or -errno with why (the provider's metadata could
 * not be read, the settings are wrong).
 */
int oidc_begin(struct server *srv, int64_t now_ms, char *url, size_t url_size, char *state,
               size_t state_size, char *why, size_t why_size);

/*
 * Ends a sign-in at the callback: takes the state (once; -ENOENT when it was used already
 * or expired), exchanges code for tokens at the provider with the PKCE verifier and the
 * client secret, and checks the ID token: its RS256 signature against the provider's
 * published keys (JWKS), issuer, audience (and azp), expiry and nonce. Puts the token's
 * e-mail address into email. 0, or -errno with why in words for the page.
 */
int oidc_finish(struct server *srv, const char *code, const char *state, int64_t now_ms,
                char *email, size_t email_size, char *why, size_t why_size);

/*
 * Checks a compact JWS ID token (header.payload.signature) as oidc_finish does, against
 * jwks (a JSON Web Key Set, text): issuer, client_id, nonce, now (seconds). For tests. 0
 * with the e-mail address, or -EINVAL/-EACCES with why.
 */
int oidc_check_id_token(const char *token, const char *jwks, const char *issuer,
                        const char *client_id, const char *nonce, int64_t now_s, char *email,
                        size_t email_size, char *why, size_t why_size);
