/* blobs.h: where screenshot PNGs live, one object per SHA-256, outside the database rows. */
#pragma once

#include <stddef.h>

/*
 * An image store keyed by the hex SHA-256 of the content, so each image is stored once.
 * Two back ends: a directory on the server's disk (the default) and an S3-compatible
 * object store, which several servers can share.
 */
struct blobs;

/* An object written but not yet visible under its name (see stage/publish). */
struct blob_stage;

struct blobs_ops {
	/* Makes the object durable under its hash. Returns 0 (also when already present) or
	 * -errno; on success the object survives a crash. */
	int (*put)(struct blobs *b, const char *sha256_hex, const void *data, size_t len);
	/*
	 * put in two steps, so that many objects share one flush of their names (group
	 * commit): stage writes the data durably where nobody sees it yet (several threads
	 * at once); publish gives many staged objects their names and makes the names
	 * durable together. publish frees the stages whatever it returns; discard frees a
	 * stage that will not be published. stage sets *out to NULL when the object is
	 * already stored.
	 */
	int (*stage)(struct blobs *b, const char *sha256_hex, const void *data, size_t len,
	             struct blob_stage **out);
	int (*publish)(struct blobs *b, struct blob_stage **stages, size_t n);
	void (*discard)(struct blobs *b, struct blob_stage *stage);
	/* Reads the object into a new malloc'd buffer (caller frees). -ENOENT when absent. */
	int (*get)(struct blobs *b, const char *sha256_hex, void **data, size_t *len);
	/* Deletes the object (retention). 0, -ENOENT when absent, -errno. */
	int (*remove)(struct blobs *b, const char *sha256_hex);
	/* 0 when the store can take writes now, else -errno (for /healthz). */
	int (*check)(struct blobs *b);
	void (*free)(struct blobs *b);
};

struct blobs {
	const struct blobs_ops *ops;
};

/*
 * Opens the file-system store rooted at dir (created 0700 if missing): objects are
 * dir/ab/abcdef….png, written to a temporary name, fsynced, renamed, directory fsynced
 * (stage: written and fsynced; publish: all renamed, then each directory fsynced once).
 * Returns 0 and *out, or -errno.
 */
int blobs_fs_open(const char *dir, struct blobs **out);

/*
 * Opens the S3-compatible store at url ("http(s)://HOST:PORT/BUCKET", one bucket that
 * exists), signing requests with AWS SigV4 for region and the "ACCESS_KEY:SECRET" on
 * the first line of the 0600 file credentials. Objects are BUCKET/<sha256>.png, written
 * once (a HEAD first; an object present is never written again); put returns only after
 * the store answered the PUT with success, which S3 gives only once the object is
 * stored durably. stage is the write itself, publish has nothing left to do. Safe for
 * concurrent use by many threads (connections are shared under a lock). Returns 0 and
 * *out, or -errno with a message naming the setting in err. Nothing is contacted here:
 * check() tells whether the store answers.
 */
int blobs_s3_open(const char *url, const char *region, const char *credentials, struct blobs **out,
                  char *err, size_t errlen);

static inline int blobs_put(struct blobs *b, const char *hex, const void *data, size_t len)
{
	return b->ops->put(b, hex, data, len);
}

static inline int blobs_get(struct blobs *b, const char *hex, void **data, size_t *len)
{
	return b->ops->get(b, hex, data, len);
}

static inline int blobs_remove(struct blobs *b, const char *hex)
{
	return b->ops->remove(b, hex);
}

static inline int blobs_check(struct blobs *b)
{
	return b->ops->check(b);
}

static inline void blobs_free(struct blobs *b)
{
	if (b)
		b->ops->free(b);
}
