/* signkey.h: the server's Ed25519 key that signs the phrase-list bundle. */
#pragma once

#include <sodium.h>

struct signkey {
	unsigned char secret[crypto_sign_SECRETKEYBYTES];
	unsigned char public[crypto_sign_PUBLICKEYBYTES];
};

/*
 * Loads data_dir/signing.key (64 raw bytes, mode 0600), creating it with a new key pair
 * when missing (temporary file, fsync, rename). Returns 0 or -errno (-EBADMSG for a file
 * of the wrong size or mode readable by others).
 */
int signkey_load(const char *data_dir, struct signkey *key);

/* The public key in standard base64 (44 characters), as printed by `vigil-server key show`
 * and pinned in agent.conf. */
#define SIGNKEY_B64_BUF 64
void signkey_public_b64(const struct signkey *key, char out[SIGNKEY_B64_BUF]);

void signkey_wipe(struct signkey *key);
