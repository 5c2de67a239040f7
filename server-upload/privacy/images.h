/* images.h: removing an image from the store once no capture shows it (retention, erasure). */
#pragma once

#include <stddef.h>

struct server;

/* A growable list of image hashes (screenshots and frames), each kept once. */
struct image_list {
	char (*sha)[72];
	size_t n, cap;
};

/* Adds sha to l unless it is there. 0 or -ENOMEM. */
int image_list_add(struct image_list *l, const char *sha);
void image_list_free(struct image_list *l);

/*
 * Removes the image sha256_hex (and its thumbnail) from the image store when no capture
 * shows it any more, as screenshot or frame (store_image_refs). Returns 1 when removed,
 * 0 when still shown or already gone, or -errno (database).
 */
int image_release(struct server *srv, const char *sha256_hex);
