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

/*
 * Publishes the staged image (blobs stage; NULL when the image was stored already) and
 * stores row; blocks until both are durable. Takes the stage whatever happens. Returns
 * what store capture_insert returns: STORE_INSERTED, STORE_DUPLICATE, -EEXIST (another
 * school's id), or -errno when the image or the row could not be stored.
 */
int committer_submit(struct committer *c, const struct store_capture_row *row,
                     struct blob_stage *image);

/* Finishes the captures already submitted, stops the thread and frees c (NULL ok). */
void committer_free(struct committer *c);
