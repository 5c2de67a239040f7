/* image.h: the automaton of compiled lists in a read-only file that every process maps. */
#pragma once

/*
 * The automaton's tables (edges, finals, the root's index) depend only on the patterns
 * of the lists, so they are kept in one file, written once and mapped read-only by every
 * process that scans: the pages are the page cache's, shared between the processes
 * (proportional set size splits), and a second session costs no second copy.
 *
 * The file names its format version and the key of the patterns it was built from, and
 * a checksum of its tables; a file that is short, of another version or other lists, or
 * whose checksum or structure does not hold (an edge to a state that does not exist, an
 * offset out of order) is refused, never trusted, and the caller builds the tables again.
 */

#include <stddef.h>
#include <stdint.h>

#include "automaton.h"

/* Raise it whenever automaton.c builds other tables from the same patterns (the key also
 * holds the release, VIGIL_VERSION). */
#define IMAGE_VERSION 6u

/*
 * Maps the image at path into am's tables and patterns (am->npatterns must be set:
 * finals are checked against it; the caller compares the patterns with the lists'). Returns 0,
 * -ENOENT when there is none, -EINVAL when it is refused (bad, truncated, another version or other
 * lists: key), or another negative errno.
 */
int image_map(const char *path, uint64_t key, struct automaton *am);

/*
 * Writes am's tables to path: a temporary file in the same directory, mode 0644,
 * written in full and synced, then renamed over path. Returns 0 or a negative errno.
 */
int image_write(const char *path, uint64_t key, const struct automaton *am);

/*
 * Lets the pages of am's image (at path) go from this process's page tables, and from
 * the page cache those no process maps, where the filesystem lets them go (not tmpfs):
 * checking the image touched every page, and a process should hold only those it reads
 * when it scans, one that never scans (the supervisor) none. A fault maps with its page
 * the ones around it that are in the page cache (64 KiB of them), so pages the check
 * left there would count in every process that scans.
 */
void image_release_pages(const struct automaton *am, const char *path);

/* A 64-bit hash of n bytes (the checksum of images, and keys), continuing from h. */
uint64_t image_hash(uint64_t h, const void *p, size_t n);
