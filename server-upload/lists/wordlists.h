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

/*
 * A school's own lists. The shared lists (the directory's files, above) are edited by a
 * technician without a school (a trust's or a local authority's); a school's technician
 * edits the school's own lists in <lists>/schools/<school id>/, which its machines get
 * on top of the shared ones, in one bundle: a school can add files, never change or
 * remove a shared one. A shared file that later takes a school file's name wins (the
 * school's is left out, logged).
 */

/* The bundle for the machines of school (a new reference): the shared lists and the
 * school's own, or the shared bundle when it has none (or they were refused). */
struct bundle *wordlists_for_school(struct wordlists *w, long long school);

/*
 * wordlists_put() for school's own lists: validated with the shared lists, then written
 * to the school's directory. -EEXIST when name is a shared list's, -ENOENT (delete of a
 * missing file), -EINVAL (refused: msgs), -errno.
 */
int wordlists_put_school(struct wordlists *w, long long school, const char *name, const char *text,
                         size_t len, struct bundle_msgs *msgs);

/* The directory of school's own lists (it may not exist yet). 0 or -ENAMETOOLONG. */
int wordlists_school_dir(struct wordlists *w, long long school, char *buf, size_t size);

/* The text of name in school's own lists (school 0: the shared lists), as on disk now:
 * malloc'd, NUL-terminated; NULL when there is no such file (or no memory). For the
 * history of a change: the text it replaces. */
char *wordlists_text(struct wordlists *w, long long school, const char *name);
