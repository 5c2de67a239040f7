/* token.h: secret tokens (enrolment keys, machine tokens) and their stored hashes. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* 32 random bytes, base64url without padding: 43 characters. */
#define TOKEN_LEN      43
#define TOKEN_BUF      (TOKEN_LEN + 1)
#define TOKEN_HASH_BUF 65 /* lower-case hex of the SHA-256, NUL-terminated */

/* Writes a new random token (libsodium randombytes_buf) into buf. Returns 0 or -EIO. */
int token_new(char buf[TOKEN_BUF]);

/* True when s has the shape of a token (length and alphabet); says nothing of validity. */
bool token_well_formed(const char *s);

/* Writes the hex SHA-256 of the token: what the database stores instead of the token. */
void token_hash(const char *token, char out[TOKEN_HASH_BUF]);
