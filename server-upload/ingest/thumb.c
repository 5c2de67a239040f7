/* thumb.c: small PNG thumbnails of screenshots, made once and kept in the image store. */
#include "thumb.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "blobs.h"
#include "pngimage.h"

/* The key of a thumbnail of version v: 1 was the whole screen shrunk, 2 a readable part. */
static void key_of(const char *sha256_hex, int v, char out[TOKEN_HASH_BUF])
{
	char in[128];

	snprintf(in, sizeof(in), "vigil-thumb/%d:%s", v, sha256_hex);
	token_hash(in, out);
}

void thumb_key(const char *sha256_hex, char out[TOKEN_HASH_BUF])
{
	key_of(sha256_hex, 2, out);
}

/* The part of the screenshot a thumbnail shows: the top-left corner of the focused
 * window, or of the screen, at most THUMB_CROP_WIDTH x THUMB_CROP_HEIGHT (the decoder
 * keeps it within the image). */
static struct pngimage_region crop_of(const struct thumb_focus *focus)
{
	struct pngimage_region r = {0, 0, THUMB_CROP_WIDTH, THUMB_CROP_HEIGHT};

	if (focus && focus->width > 0 && focus->height > 0) {
		r.x = focus->x;
		r.y = focus->y;
		if (focus->width < r.width)
			r.width = focus->width;
		if (focus->height < r.height)
			r.height = focus->height;
	}
	return r;
}

int thumb_get_focus(struct blobs *b, const char *sha256_hex, const struct thumb_focus *focus,
                    void **png, size_t *len)
{
	struct pngimage_region crop = crop_of(focus);
	char key[TOKEN_HASH_BUF];
	void *shot;
	size_t shot_len, out_len;
	char *out;
	struct pngimage *im = NULL;
	int r;

	thumb_key(sha256_hex, key);
	if ((r = blobs_get(b, key, png, len)) != -ENOENT)
		return r;
	if ((r = blobs_get(b, sha256_hex, &shot, &shot_len)) < 0)
		return r;
	r = pngimage_decode_region(shot, shot_len, &crop, THUMB_WIDTH, THUMB_HEIGHT, &im);
	free(shot);
	if (r < 0)
		return r;
	r = pngimage_encode(im, &out, &out_len);
	pngimage_free(im);
	if (r < 0)
		return r;
	/* A cache: when it cannot be written the thumbnail is still served. */
	blobs_put(b, key, out, out_len);
	*png = out;
	*len = out_len;
	return 0;
}

int thumb_get(struct blobs *b, const char *sha256_hex, void **png, size_t *len)
{
	return thumb_get_focus(b, sha256_hex, NULL, png, len);
}

int thumb_forget(struct blobs *b, const char *sha256_hex)
{
	char key[TOKEN_HASH_BUF];
	int r = 0, e;

	for (int v = 1; v <= 2; v++) {
		key_of(sha256_hex, v, key);
		e = blobs_remove(b, key);
		if (e < 0 && e != -ENOENT && r == 0)
			r = e;
	}
	return r;
}
