/* wordlists.h: the current phrase lists of the server: reload, technician edits, bundle. */
#pragma once

#include <stddef.h>

#include "bundle.h"
#include "signkey.h"

/*
 * Holds the lists directory and the last good bundle built from it. A change that fails
 * validation (an edit in the directory or an upload) is refused with its FILE:LINE
 * messages and the last good bundle keeps being served. Safe across threads.
 */
struct wordlists;

/* Watches dir. Does not load yet (call wordlists_reload()). Returns 0 or -ENOMEM. */
int wordlists_new(const char *dir, const struct signkey *key, struct wordlists **out);
void wordlists_free(struct wordlists *w);

/*
 * Rebuilds the bundle from the directory when its files changed (or always when force).
 * Returns 1 when a new bundle is served, 0 when nothing changed, -EINVAL when the lists
 * were refused (messages in msgs, the old bundle kept), other -errno.
 */
int wordlists_reload(struct wordlists *w, int force, struct bundle_msgs *msgs);

/* The bundle being served (a new reference; bundle_unref() it), or NULL when none yet. */
struct bundle *wordlists_current(struct wordlists *w);

/*
 * Replaces (or adds) one list file: validated together with the other files first; on
 * success written to the directory (temporary file, fsync, rename) and served.
 * text NULL deletes the file. Returns 0, -EINVAL (refused: msgs), -ENOENT (delete of a
 * missing file), -errno.
 */
int wordlists_put(struct wordlists *w, const char *name, const char *text, size_t len,
                  struct bundle_msgs *msgs);
