/* aptkey.h: the apt repository's OpenPGP signing key, kept in the data directory, used with gpg. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* The secret key, ASCII-armoured, in the data directory: mode 0600, never served. */
#define APTKEY_FILE "apt-signing.key"

struct aptkey; /* the key imported into a temporary GnuPG home */

/*
 * Makes the key when data/APTKEY_FILE does not exist yet (an Ed25519 signing key, no
 * passphrase, no expiry; *created true), then imports it into a temporary GnuPG home
 * in data. Refuses a key file that group or others may read (-EPERM). Returns 0 and
 * *out (free with aptkey_close), or a negative errno with err saying why.
 */
int aptkey_open(const char *data, bool *created, struct aptkey **out, char *err, size_t errsize);

/* The key's fingerprint (40 hex digits), "" before aptkey_open succeeded. */
const char *aptkey_fingerprint(const struct aptkey *k);

/*
 * Signs dir/Release: writes dir/InRelease (clear-signed) and dir/Release.gpg (detached,
 * armoured). Returns 0 or -EIO with err.
 */
int aptkey_sign_release(struct aptkey *k, const char *dir, char *err, size_t errsize);

/*
 * Writes the public key as dir/NAME.gpg (binary, for signed-by) and dir/NAME.asc
 * (armoured), each replaced in one rename. Returns 0 or a negative errno with err.
 */
int aptkey_export_public(struct aptkey *k, const char *dir, const char *name, char *err,
                         size_t errsize);

/* Stops the temporary home's gpg-agent and removes the home. Accepts NULL. */
void aptkey_close(struct aptkey *k);
