/* signin_totp.c: the second factor of a password sign-in: TOTP (RFC 6238, HMAC-SHA-1, 30 s,
 * 6 digits) computed by liboath; a code is accepted once. */
#include "signin_totp.h"

#include <errno.h>
#include <liboath/oath.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"
#include "store_totp.h"

static pthread_once_t once = PTHREAD_ONCE_INIT;

static void init(void)
{
	oath_init();
}

int totp_secret_new(char secret[TOTP_SECRET_BUF])
{
	unsigned char raw[20];
	char *b32 = NULL;
	size_t len = 0;

	pthread_once(&once, init);
	randombytes_buf(raw, sizeof(raw));
	if (oath_base32_encode((const char *)raw, sizeof(raw), &b32, &len) != OATH_OK ||
	    len >= TOTP_SECRET_BUF) {
		free(b32);
		return -ENOMEM;
	}
	memcpy(secret, b32, len);
	secret[len] = '\0';
	sodium_memzero(raw, sizeof(raw));
	sodium_memzero(b32, len);
	free(b32);
	return 0;
}

void totp_uri(const char *login, const char *secret, char *out, size_t size)
{
	snprintf(
	    out, size,
	    "otpauth://totp/Vigil:%s?secret=%s&issuer=Vigil&algorithm=SHA1&digits=%d&period=%d",
	    login, secret, TOTP_DIGITS, TOTP_STEP_S);
}

/* The raw key of a base32 secret (malloc'd): 0, -EINVAL. */
static int key_of(const char *secret, char **key, size_t *len)
{
	pthread_once(&once, init);
	return oath_base32_decode(secret, strlen(secret), key, len) == OATH_OK ? 0 : -EINVAL;
}

int totp_code(const char *secret, int64_t now_s, char *code)
{
	char *key = NULL;
	size_t len = 0;
	int r = key_of(secret, &key, &len);

	if (r == 0 && oath_totp_generate(key, len, (time_t)now_s, TOTP_STEP_S, 0, TOTP_DIGITS,
	                                 code) != OATH_OK)
		r = -EINVAL;
	if (key)
		sodium_memzero(key, len);
	free(key);
	return r;
}

int totp_check(const char *secret, const char *code, int64_t now_s, int64_t *step)
{
	char *key = NULL;
	size_t len = 0;
	int pos = 0, r = key_of(secret, &key, &len);

	if (r < 0)
		return r;
	if (!code || strlen(code) != TOTP_DIGITS || strspn(code, "0123456789") != TOTP_DIGITS ||
	    oath_totp_validate2(key, len, (time_t)now_s, TOTP_STEP_S, 0, TOTP_WINDOW, &pos, code) <
	        0)
		r = -EACCES;
	else
		*step = now_s / TOTP_STEP_S + pos;
	sodium_memzero(key, len);
	free(key);
	return r;
}

int signin_totp(struct server *srv, const struct store_user *u, const char *code, int64_t now_ms,
                char *msg, size_t msg_size)
{
	char secret[TOTP_SECRET_BUF] = "";
	int64_t step = 0;
	int r = store_totp_get(srv->store, u->id, secret, sizeof(secret));

	if (r < 0)
		return r;
	if (!secret[0]) {
		if (strcmp(u->role, "admin") != 0)
			return 0;
		snprintf(msg, msg_size,
		         "An admin signs in with a code from an authenticator app too, and none is "
		         "set up: ask for vigil-server user totp %s.",
		         u->login);
		return 1;
	}
	if (!code || !*code) {
		snprintf(msg, msg_size, "Give the 6-digit code from your authenticator app.");
		return 1;
	}
	r = totp_check(secret, code, now_ms / 1000, &step);
	sodium_memzero(secret, sizeof(secret));
	if (r == -EACCES) {
		snprintf(msg, msg_size, "Wrong login, password or code.");
		return 1;
	}
	if (r < 0)
		return r;
	/* Each code once: a code seen over a shoulder or replayed does not sign in again. */
	r = store_totp_used(srv->store, u->id, step);
	if (r == -EALREADY) {
		snprintf(msg, msg_size, "That code was used already: wait for the next one.");
		return 1;
	}
	return r < 0 ? r : 0;
}
