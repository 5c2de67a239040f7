/* digest.h: SHA-256 of a byte string as lower-case hex, and base64 of bytes (OpenSSL). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define DIGEST_SHA256_HEX_SIZE 65 /* 64 hex digits and the NUL */

/* True when s is a SHA-256 as digest_sha256_hex writes it: 64 lower-case hex digits. */
bool digest_is_sha256_hex(const char *s);

/* Writes bin[0..len) as lower-case hex and a NUL to out, which holds 2 * len + 1 bytes. */
void digest_hex(const unsigned char *bin, size_t len, char *out);

/*
 * Writes the SHA-256 of data[0..len) as 64 lower-case hex digits and a NUL to out.
 * Uses OpenSSL, which hashes with the CPU's SHA extensions where it has them (several
 * times faster than a portable implementation on a 150 KB screenshot). Returns 0, or
 * -ENOMEM when OpenSSL cannot allocate (out is then an empty string).
 */
int digest_sha256_hex(const void *data, size_t len, char out[DIGEST_SHA256_HEX_SIZE]);

/* Bytes that digest_base64 writes for len input bytes, the NUL included. */
size_t digest_base64_size(size_t len);

/*
 * Writes data[0..len) as standard base64 with padding and a NUL to out, which holds
 * digest_base64_size(len) bytes. Returns the length written without the NUL.
 * The data is not secret: no constant-time encoding.
 */
size_t digest_base64(const void *data, size_t len, char *out);
