/* signin_totp.h: the second factor of a password sign-in: TOTP (RFC 6238) from an authenticator
 * app. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "store_users.h"

struct server;

#define TOTP_SECRET_BUF 64 /* a base32 secret of 20 bytes and its NUL */
#define TOTP_DIGITS     6
#define TOTP_STEP_S     30
#define TOTP_WINDOW     1 /* steps either side accepted: a clock 30 s off still works */

/* A new random secret (20 bytes, RFC 4226's length for HMAC-SHA-1) in base32. 0, -errno. */
int totp_secret_new(char secret[TOTP_SECRET_BUF]);

/* The otpauth:// URI an authenticator app reads (as a QR code or pasted) for login. */
void totp_uri(const char *login, const char *secret, char *out, size_t size);

/* The code of secret (base32) at now_s into code (TOTP_DIGITS + 1 bytes). 0, -EINVAL. */
int totp_code(const char *secret, int64_t now_s, char *code);

/*
 * Whether code is secret's at now_s, within TOTP_WINDOW steps: 0 with the code's time
 * step in *step, -EACCES (wrong), -EINVAL (a secret that is not base32).
 */
int totp_check(const char *secret, const char *code, int64_t now_s, int64_t *step);

/*
 * The second factor of a password sign-in of u at now_ms: 0 when u needs none or code is
 * right and was not used before (each code once), 1 when refused (why in msg, for the
 * page), -errno (store). An admin without a secret is refused: admins need one.
 */
int signin_totp(struct server *srv, const struct store_user *u, const char *code, int64_t now_ms,
                char *msg, size_t msg_size);
