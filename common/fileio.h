/* fileio.h: durable file writes: every byte written, synced, then renamed into place. */
#pragma once

#include <stddef.h>
#include <sys/types.h>

/* Writes all len bytes to fd, retrying short writes and EINTR. Returns 0 or -errno. */
int fileio_write_all(int fd, const void *data, size_t len);

/*
 * Writes data as dir/name so that a crash leaves the old file or the new one, never a
 * part: a temporary file in dir (created with mode, never through a symlink), fsync,
 * rename over name, fsync of dir. On failure nothing is left behind. Returns 0 or -errno.
 */
int fileio_write_durably(const char *dir, const char *name, const void *data, size_t len,
                         mode_t mode);
