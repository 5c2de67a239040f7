/* images.c: removing an image from the store once no capture shows it (retention, erasure). */
#include "images.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"
#include "store_privacy.h"
#include "thumb.h"

int image_list_add(struct image_list *l, const char *sha)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->sha[i], sha) == 0)
			return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		char(*v)[72] = realloc(l->sha, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		l->sha = v;
		l->cap = cap;
	}
	snprintf(l->sha[l->n++], sizeof(l->sha[0]), "%s", sha);
	return 0;
}

void image_list_free(struct image_list *l)
{
	free(l->sha);
	*l = (struct image_list){0};
}

int image_release(struct server *srv, const char *sha256_hex)
{
	int64_t left = -1;
	int r = store_image_refs(srv->store, sha256_hex, &left);

	if (r < 0)
		return r;
	if (left != 0 || thumb_forget(srv->blobs, sha256_hex) != 0)
		return 0;
	return blobs_remove(srv->blobs, sha256_hex) == 0;
}
