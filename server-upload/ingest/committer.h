/* committer.h: group commit of uploaded captures: images and rows made durable in batches. */
#pragma once

#include "blobs.h"
#include "store.h"

/*
 * Request threads write and fsync their image (blobs stage, in parallel), then hand the
 * capture to one committer thread and wait. The committer takes every capture waiting,
 * publishes all their images with one flush of their names and inserts all their rows
 * in one database transaction, then wakes the request threads. A flush costs the same
 * for one capture or fifty, so under load the cost per capture falls instead of the
 * queue growing.
 */
struct committer;

/* Starts the thread. Returns 0 and *out, or -errno. */
int committer_new(struct store *store, struct blobs *blobs, struct committer **out);

/* Images of one capture at most: its screenshot and its frames. */
#define COMMIT_MAX_IMAGES 9 /* 1 + CAPTURE_MAX_FRAMES */

/*
 * Publishes the nimages staged images (blobs stage: the screenshot's and the frames';
 * NULL entries for images stored already) and stores row; blocks until all are durable.
 * Takes the stages whatever happens (-E2BIG over COMMIT_MAX_IMAGES). Returns
 * what store capture_insert returns: STORE_INSERTED, STORE_DUPLICATE, -EEXIST (another
 * school's id), or -errno when the image or the row could not be stored.
 */
int committer_submit(struct committer *c, const struct store_capture_row *row,
                     struct blob_stage **images, size_t nimages);

/* Finishes the captures already submitted, stops the thread and frees c (NULL ok). */
void committer_free(struct committer *c);
