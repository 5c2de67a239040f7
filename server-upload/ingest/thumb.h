/* thumb.h: small PNG thumbnails of screenshots, made once and kept in the image store. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "token.h"

struct blobs;

/*
 * A thumbnail fits THUMB_WIDTH x THUMB_HEIGHT (aspect kept) and shows a part of the
 * screenshot that can be read, not the whole screen shrunk: the top-left corner of the
 * focused window (the record's "window.rect") when the capture says where it is, else
 * the top-left corner of the screen, at most THUMB_CROP_WIDTH x THUMB_CROP_HEIGHT pixels
 * of it (text shrinks by at most 1.5). It is made on first request from the screenshot
 * (pngimage.h: bounded decode, box-filter downscale) and stored in the same image store
 * under thumb_key(sha), a key derived from the screenshot's SHA-256, so every server
 * sharing the store shares the cache (one thumbnail per image: captures that share an
 * image share its first thumbnail). Callers never ask for the thumbnail of a hidden
 * image; whoever removes a screenshot (retention, erasure) or hides it calls
 * thumb_forget() so that no copy outlives it.
 */
#define THUMB_WIDTH       192u
#define THUMB_HEIGHT      120u
#define THUMB_CROP_WIDTH  (THUMB_WIDTH * 3 / 2)
#define THUMB_CROP_HEIGHT (THUMB_HEIGHT * 3 / 2)

/* The focused window, in the screenshot's pixels. */
struct thumb_focus {
	uint32_t x, y, width, height;
};

/* The store key of sha256_hex's thumbnail: hex SHA-256 of "vigil-thumb/2:" + sha. */
void thumb_key(const char *sha256_hex, char out[TOKEN_HASH_BUF]);

/* The thumbnail PNG of the screenshot sha256_hex, of focus's corner (NULL: the
 * screen's), into a malloc'd buffer (caller frees): from the cache, or made and cached.
 * 0, -ENOENT (no screenshot), -EINVAL (not a PNG the decoder accepts), -errno. *png
 * untouched on error. */
int thumb_get_focus(struct blobs *b, const char *sha256_hex, const struct thumb_focus *focus,
                    void **png, size_t *len);
/* thumb_get_focus() without a focused window. */
int thumb_get(struct blobs *b, const char *sha256_hex, void **png, size_t *len);

/* Removes the cached thumbnail of sha256_hex (and one an older server made of the whole
 * screen). 0 (also when there was none) or -errno. */
int thumb_forget(struct blobs *b, const char *sha256_hex);
