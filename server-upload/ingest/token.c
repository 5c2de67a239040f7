/* token.c: secret tokens (enrolment keys, machine tokens) and their stored hashes. */
#include "token.h"
#include "digest.h"

#include <errno.h>
#include <sodium.h>
#include <string.h>

int token_new(char buf[TOKEN_BUF])
{
	unsigned char raw[32];

	if (sodium_init() < 0)
		return -EIO;
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(buf, TOKEN_BUF, raw, sizeof(raw),
	                  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
	return 0;
}

bool token_well_formed(const char *s)
{
	size_t n = strnlen(s, TOKEN_LEN + 1);

	if (n != TOKEN_LEN)
		return false;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == n;
}

void token_hash(const char *token, char out[TOKEN_HASH_BUF])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, (const unsigned char *)token, strlen(token));
	digest_hex(h, sizeof(h), out);
}
