/* secretfile.h: the first line of a file that only its owner may read (credentials). */
#pragma once

#include <stddef.h>

/*
 * Reads the first line of path, without its line ending, into buf (size bytes). The file
 * must not be readable or writable by group or others. Returns 0; -EPERM when the mode
 * lets others in (chmod 600); -EINVAL for an empty first line; -ENAMETOOLONG when the
 * line does not fit; -errno when the file cannot be opened or read. buf is untouched on
 * failure.
 */
int secretfile_read_line(const char *path, char *buf, size_t size);
