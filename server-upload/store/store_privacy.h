/* store_privacy.h: what erasure and retention delete: a pupil's captures, old captures. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "store.h"

/*
 * Written once on store_ops.query for both back ends; functions return 0, what a
 * callback returned, or -errno, and never log. Deleting a capture deletes its history,
 * alerts, frames and audit rows with it; its images (screenshot and frames) are the
 * caller's to remove once no capture refers to them (store_image_refs).
 */

/* The captures of user at school (by name), oldest first: id, image and school id. */
typedef int (*store_pupil_capture_fn)(const char *id, const char *image_sha256, int64_t school_id,
                                      void *userdata);
int store_pupil_capture_ids(struct store *s, const char *school, const char *user,
                            store_pupil_capture_fn fn, void *ud);

/* The same captures as stored records (JSON without the screenshot's bytes), status, and
 * whether a moderator hid the image (possible child abuse material: never disclosed). */
typedef int (*store_pupil_record_fn)(const char *record, const char *image_sha256,
                                     const char *status, bool image_hidden, void *userdata);
int store_pupil_records(struct store *s, const char *school, const char *user,
                        store_pupil_record_fn fn, void *ud);

/* Deletes capture id with its history, alerts and audit rows. */
int store_capture_erase(struct store *s, const char *id);

/* Deletes the audit rows of school_id about the pupil user (detail exactly the name, as
 * the pupil timeline's views write it); rows about captures go with the captures. */
int store_audit_erase_pupil(struct store *s, int64_t school_id, const char *user);

/* How many captures show the image, as screenshot or as a frame: 0 means it may be
 * removed. */
int store_image_refs(struct store *s, const char *image_sha256, int64_t *count);

/* Up to limit images shown by captures taken before cutoff_ms. */
typedef int (*store_image_fn)(const char *image_sha256, void *userdata);
int store_old_images(struct store *s, int64_t cutoff_ms, int64_t limit, store_image_fn fn,
                     void *ud);

/* The frames' images of the captures taken before cutoff_ms whose screenshot is
 * image_sha256 (those store_old_captures_erase deletes), each once. */
int store_old_frame_images(struct store *s, int64_t cutoff_ms, const char *image_sha256,
                           store_image_fn fn, void *ud);

/* Deletes the captures taken before cutoff_ms that show the image, with their history;
 * *deleted gets how many captures went. */
int store_old_captures_erase(struct store *s, int64_t cutoff_ms, const char *image_sha256,
                             int64_t *deleted);

/* SQLite only: rewrites the database file and truncates the WAL, so deleted rows do not
 * linger in free pages. */
int store_sqlite_compact(struct store *s);
