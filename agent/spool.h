/* spool.h: the durable on-disk queue of capture records waiting for upload. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * One file per capture, named "S-TTTTTTTTTTTTT-ID.json" (S the severity 1-5, T the
 * capture's time in ms since the epoch, ID its UUID), holding the record exactly as it
 * is uploaded. A file is written to ".tmp-ID", fsynced, renamed, and the directory
 * fsynced: a name ending ".json" is always complete. Monitors and the uploader share the
 * directory; writers take an flock on ".lock" so eviction and clean-up see a consistent
 * directory. Files belong to the directory's owner, mode 0600.
 *
 * When the spool would exceed its maximum size, records are evicted lowest severity
 * first, then oldest, and never a higher severity for a lower: a new record of lower
 * severity than everything spooled is the one dropped. Every drop is counted in
 * "dropped" (reported in heartbeats).
 */
struct spool;

struct spool_entry {
	char name[64];
	int severity;
	int64_t time_ms;
	uint64_t size;
};

/* Opens the spool in dir (which must exist). max_bytes 0 means no limit. 0 or -errno. */
int spool_open(const char *dir, uint64_t max_bytes, struct spool **out);
void spool_free(struct spool *s);

/*
 * Stores one record durably, evicting others as above. Returns 0 when stored (the
 * evicted count added to *evicted), -ENOBUFS when the policy drops this record (counted
 * as dropped), or another -errno when the file system refused (-ENOSPC with nothing that
 * may be evicted, -EROFS, -EACCES, -EIO...): the caller keeps the record and retries.
 */
int spool_put(struct spool *s, const char *id, int severity, int64_t time_ms, const char *data,
              size_t len, unsigned *evicted);

/*
 * Lists the spooled records, oldest first. Returns the count (>= 0) with a malloc'd
 * array in *out (caller frees), or -errno.
 */
int spool_list(struct spool *s, struct spool_entry **out);

/* Reads one record into a malloc'd buffer (caller frees). 0, -ENOENT, -EFBIG or -errno. */
int spool_read(struct spool *s, const char *name, char **data, size_t *len);

/*
 * Replaces the record id of old_severity and time_ms with a new version (data) of
 * severity, while it waits: the old file must still be there and the record younger
 * than hold_ms at now_ms (ms since the epoch), both checked under the lock. Returns 0,
 * -ENOENT when it has gone (uploaded or evicted), -ESTALE when it is too old, or -errno
 * (the old version then stays).
 */
int spool_amend(struct spool *s, const char *id, int old_severity, int severity, int64_t time_ms,
                int64_t hold_ms, int64_t now_ms, const char *data, size_t len);

/*
 * As spool_read(), for the uploader: -EAGAIN with *wait_ms set while the record may
 * still be amended (younger than hold_ms at now_ms), checked under the lock, so a
 * record is never sent in a version an amendment then replaces.
 */
int spool_read_settled(struct spool *s, const struct spool_entry *e, int64_t hold_ms,
                       int64_t now_ms, int64_t *wait_ms, char **data, size_t *len);

/* Deletes an uploaded record and fsyncs the directory. 0 (also when already gone) or -errno. */
int spool_remove(struct spool *s, const char *name);

/* Moves a record the server refused (4xx) to "rejected/" and fsyncs. 0 or -errno. */
int spool_reject(struct spool *s, const char *name);

/* Deletes temporary files left by a writer that was killed. Returns how many, or -errno. */
int spool_clean_temp(struct spool *s);

/* Adds n to the dropped counter (durably). 0 or -errno. */
int spool_add_dropped(struct spool *s, unsigned n);

/* The dropped counter (0 when never written). */
uint64_t spool_dropped(struct spool *s);

/* Parses a spool file name; false when it is not one. */
bool spool_parse_name(const char *name, struct spool_entry *e);
