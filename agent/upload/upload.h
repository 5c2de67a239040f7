/* upload.h: the uploader process: enrols, sends spooled captures, heartbeats, fetches lists. */
#pragma once

#include "config.h"

/*
 * Runs the uploader until SIGTERM; meant for a process of its own that already runs as
 * the upload user with no_new_privs set. It enrols with cfg->enrol_key when
 * cfg->state holds no machine token; sends each spooled capture (oldest first) and
 * deletes it only after 201 or 200, moves one the server calls invalid (400, 409, 413,
 * 415) to spool/rejected/, and backs off exponentially with jitter (up to
 * cfg->retry_max_seconds) when the server cannot be reached or answers 5xx; sends a
 * heartbeat every cfg->heartbeat_seconds; and, unless cfg->lists is set, polls the
 * signed lists every cfg->lists_poll_seconds, stores a bundle that verifies against
 * cfg->server_key in cfg->state and then writes one byte to notify_fd (the
 * supervisor's cue to reload). Returns an exit status.
 */
int upload_run(const struct agent_config *cfg, int notify_fd);
