/* store_lists.h: the phrase lists' saved versions and the bundles served to machines. */
#pragma once

#include <stdint.h>

#include "store.h"

/*
 * Written once on store_ops.query for both back ends; functions return 0 or -errno and
 * never log. school_id 0 means the shared lists (edited by a technician without a
 * school); a school's own lists are kept under its id.
 */

/* One saved version of a list file. */
struct store_list_version {
	int64_t id, school_id, saved_ms;
	int64_t restored; /* a rollback: the version it brought back; 0 otherwise */
	const char *file;
	const char *body;   /* NULL: deleted, or not asked for */
	const char *author; /* login, or "(on disk)" for the text found before the first save */
	const char *action; /* "save", "rollback", "delete", "before" */
};
typedef int (*store_list_version_fn)(const struct store_list_version *v, void *userdata);

/* Records a version (body NULL: the file was deleted); *id (may be NULL) gets its id. */
int store_list_version_add(struct store *s, const struct store_list_version *v, int64_t *id);

/* Records v as the newest version of its file; when the file has no version yet and
 * before is not NULL, first before, the text v replaced ("before", by "(on disk)"), so that
 * a rollback can go back to it. */
int store_list_version_save(struct store *s, const struct store_list_version *v,
                            const char *before);

/* The versions of file of school_id, newest first, at most limit, without their bodies. */
int store_list_versions(struct store *s, int64_t school_id, const char *file, int64_t limit,
                        store_list_version_fn fn, void *ud);

/* Version id of file of school_id with its body; -ENOENT when there is none such. */
int store_list_version_get(struct store *s, int64_t school_id, const char *file, int64_t id,
                           store_list_version_fn fn, void *ud);

/* A bundle served to machines: its number (in the order the server first served them),
 * its 32 hex digits and when its lists were made. */
struct store_list_bundle {
	int64_t number, issued_ms;
	const char *version;
};
typedef int (*store_list_bundle_fn)(const struct store_list_bundle *b, void *userdata);

/* Gives a bundle version a number (once; again is no error). */
int store_list_bundle_seen(struct store *s, const char *version, int64_t issued_ms, int64_t now_ms);

/* The newest limit bundles, newest first. */
int store_list_bundles(struct store *s, int64_t limit, store_list_bundle_fn fn, void *ud);

/* How many machines of each school (of school_id; 0: every school) report each bundle
 * version in their heartbeats (version NULL: none reported yet), revoked ones left out. */
struct store_lists_count {
	int64_t school_id, machines;
	const char *school, *version;
};
typedef int (*store_lists_count_fn)(const struct store_lists_count *c, void *userdata);
int store_lists_counts(struct store *s, int64_t school_id, store_lists_count_fn fn, void *ud);

/* What the per-rule counts of school_id's captures (0: every school) depend on: how many
 * captures there are, the newest received and the newest status change. Counts made
 * from the records may be kept while these stay the same. */
struct store_captures_stamp {
	int64_t count, received_ms, status_ms;
};
int store_captures_stamp(struct store *s, int64_t school_id, struct store_captures_stamp *out);
