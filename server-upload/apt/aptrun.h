/* aptrun.h: runs one of Debian's tools (dpkg-deb, apt-ftparchive, gpg) for the apt repository. */
#pragma once

#include <stddef.h>

/*
 * Runs argv[0] (found on PATH) with argv, in directory cwd (NULL: the current one),
 * stdin from /dev/null, stdout into out_fd (-1: /dev/null), stderr kept. Returns 0 when
 * it exits 0; otherwise -EIO with err holding "TOOL: its first line of stderr" (or how
 * it ended, or that it is missing: "TOOL is not installed (PACKAGE)"). err is always
 * written. For a single-threaded command line (it forks).
 */
int aptrun(const char *const argv[], const char *cwd, int out_fd, char *err, size_t errsize);

/*
 * aptrun with stdout kept: up to size - 1 bytes of it into out, NUL-terminated, *len its
 * length. -EFBIG (err says so) when the tool wrote more. The same returns as aptrun.
 */
int aptrun_output(const char *const argv[], const char *cwd, char *out, size_t size, size_t *len,
                  char *err, size_t errsize);

/* Removes the directory tree path (never following symlinks): a temporary GnuPG home,
 * the index a publication replaced. Returns 0 or -errno. */
int aptrun_remove_tree(const char *path);
