/* thumb.c: small PNG thumbnails of screenshots, made once and kept in the image store. */
#include "thumb.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "blobs.h"
#include "pngimage.h"

void thumb_key(const char *sha256_hex, char out[TOKEN_HASH_BUF])
{
	char in[128];

	snprintf(in, sizeof(in), "vigil-thumb/1:%s", sha256_hex);
	token_hash(in, out);
}

int thumb_get(struct blobs *b, const char *sha256_hex, void **png, size_t *len)
{
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
	r = pngimage_decode_fit(shot, shot_len, THUMB_WIDTH, THUMB_HEIGHT, &im);
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

int thumb_forget(struct blobs *b, const char *sha256_hex)
{
	char key[TOKEN_HASH_BUF];
	int r;

	thumb_key(sha256_hex, key);
	r = blobs_remove(b, key);
	return r == -ENOENT ? 0 : r;
}
