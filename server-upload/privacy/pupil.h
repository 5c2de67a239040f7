/* pupil.h: subject access and erasure for one pupil (docs/privacy.md). */
#pragma once

#include <stdint.h>
#include <stdio.h>

struct server;

/* Writes every capture of user at school as JSON lines (the stored record, its status,
 * the screenshot's bytes as base64 in screenshot.data, each frame's in frames[i].data).
 * An image a moderator hid is withheld with the capture's frames: screenshot.withheld
 * (and frames[i].withheld) says why instead. *count gets the captures, *withheld
 * the images left out. Returns 0 or -errno. */
int pupil_export(struct server *srv, const char *school, const char *user, FILE *out,
                 int64_t *count, int64_t *withheld);

/*
 * Erases user at school: the captures, their decisions and notes, their alerts, their
 * audit entries and any other audit entry of the school whose text names the user, the
 * images (screenshots and frames) no other capture shows; one audit entry "pupil-erased" records
 * the counts (not the name). SQLite is vacuumed so no copy stays in free pages. Returns 0 or
 * -errno.
 */
int pupil_delete(struct server *srv, const char *school, const char *user, int64_t *captures,
                 int64_t *images);
