/* thumb.h: small PNG thumbnails of screenshots, made once and kept in the image store. */
#pragma once

#include <stddef.h>

#include "token.h"

struct blobs;

/*
 * A thumbnail fits THUMB_WIDTH x THUMB_HEIGHT (aspect kept). It is made on first request
 * from the screenshot (pngimage.h: bounded decode, box-filter downscale) and stored in
 * the same image store under thumb_key(sha), a key derived from the screenshot's SHA-256,
 * so every server sharing the store shares the cache. Callers never ask for the
 * thumbnail of a hidden image; whoever removes a screenshot (retention, erasure) or hides
 * it calls thumb_forget() so that no copy outlives it.
 */
#define THUMB_WIDTH  192u
#define THUMB_HEIGHT 120u

/* The store key of sha256_hex's thumbnail: hex SHA-256 of "vigil-thumb/1:" + sha. */
void thumb_key(const char *sha256_hex, char out[TOKEN_HASH_BUF]);

/* The thumbnail PNG of the screenshot sha256_hex into a malloc'd buffer (caller frees):
 * from the cache, or made and cached. 0, -ENOENT (no screenshot), -EINVAL (not a PNG the
 * decoder accepts), -errno. *png untouched on error. */
int thumb_get(struct blobs *b, const char *sha256_hex, void **png, size_t *len);

/* Removes the cached thumbnail of sha256_hex. 0 (also when there was none) or -errno. */
int thumb_forget(struct blobs *b, const char *sha256_hex);
