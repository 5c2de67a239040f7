/* bundle.h: the server's signed phrase-list bundle (vigil.wordlists.signed/1), verified. */
#pragma once

#include <stddef.h>

#include "match.h"

#define BUNDLE_KEY_BYTES   32u
#define BUNDLE_VERSION_LEN 32u
#define BUNDLE_MAX_BYTES   (16u * 1024 * 1024) /* a bundle body */

struct bundle; /* the verified files and version */

/* Decodes a standard-base64 Ed25519 public key (the server's `key show`). 0 or -EINVAL. */
int bundle_parse_key(const char *b64, unsigned char key[BUNDLE_KEY_BYTES]);

/*
 * Verifies body (a GET /api/v1/wordlists answer, len bytes) against key: the payload's
 * Ed25519 signature first, then the payload's format, version and files. Returns 0 and
 * a new bundle in *out (caller frees), or -EINVAL / -EBADMSG (bad signature) /
 * -ENOMEM with a one-line reason in err.
 */
int bundle_verify(const char *body, size_t len, const unsigned char key[BUNDLE_KEY_BYTES],
                  struct bundle **out, char *err, size_t errlen);
void bundle_free(struct bundle *b);

/*
 * When the server made the bundle's lists (the payload's signed "issued": milliseconds
 * since the epoch, the newest change of its list files), 0 for a bundle without it.
 * A bundle with other lists and an earlier time than the one held is older.
 */
long long bundle_issued(const struct bundle *b);

/* The payload's version (32 hex digits); owned by b. */
const char *bundle_version(const struct bundle *b);

/* The files, for match_lists_compile(); owned by b. */
const struct match_file *bundle_files(const struct bundle *b, size_t *n);
