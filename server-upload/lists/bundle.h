/* bundle.h: the signed phrase-list bundle that the server hands to every agent. */
#pragma once

#include <stddef.h>

#include "signkey.h"

/*
 * A bundle is immutable and refcounted (request threads keep one while the lists are
 * swapped). Its body is the HTTP response of GET /api/v1/wordlists (format in
 * docs/api.md): {"format":"vigil.wordlists.signed/1","payload":"…","signature":"…"}.
 */
struct bundle;

/* One list file. */
struct bundle_file {
	char *name;
	char *text;
	size_t len;
};

/* Messages "FILE:LINE: message", errors and warnings. */
struct bundle_msgs {
	char **v;
	size_t n;
	size_t errors; /* how many of v are errors (the lists are refused when > 0) */
};

void bundle_msgs_clear(struct bundle_msgs *m);

/*
 * Reads the list files (*.txt and *.inc, sorted by name) of dir into a new array
 * (free with bundle_files_free()). Returns 0, or -errno with a message in msgs.
 */
int bundle_read_dir(const char *dir, struct bundle_file **files, size_t *n,
                    struct bundle_msgs *msgs);
void bundle_files_free(struct bundle_file *files, size_t n);

/* True when name is a list file name the server accepts ("self-harm.txt", "x.inc"). */
int bundle_name_ok(const char *name);

/*
 * Validates files with the phrase-list engine and, when there is no error, makes a new
 * signed bundle whose payload says when its lists were made (issued_ms, milliseconds
 * since the epoch: agents refuse a bundle of other lists issued before the one they
 * hold) (*out, a new reference). Returns 0, -EINVAL when the lists are refused
 * (errors in msgs, which also gets warnings on success), -ENOMEM.
 */
int bundle_build(const struct bundle_file *files, size_t n, const struct signkey *key,
                 long long issued_ms, struct bundle **out, struct bundle_msgs *msgs);

struct bundle *bundle_ref(struct bundle *b);
struct bundle *bundle_unref(struct bundle *b);

const char *bundle_body(const struct bundle *b, size_t *len);
const char *bundle_etag(const struct bundle *b);    /* "\"<version>\"" */
const char *bundle_version(const struct bundle *b); /* 32 hex digits */
long long bundle_issued(const struct bundle *b);    /* the payload's "issued" */
size_t bundle_file_count(const struct bundle *b);
