/* retention.h: deletes captures older than the retention period, rows and unreferenced images. */
#pragma once

#include <stdint.h>

struct server;

#define RETENTION_INTERVAL_S 3600 /* seconds between runs of the scheduled job */

/*
 * Deletes the captures whose time is before now_ms minus days (their notes and history
 * too) and the images no other capture uses, and expired web sessions; records the run in
 * the audit log (as "system"). days 0 does nothing. *captures and *images (may be NULL)
 * get the counts. Returns 0 or -errno.
 */
int retention_run(struct server *srv, int64_t now_ms, unsigned int days, int64_t *captures,
                  int64_t *images);
