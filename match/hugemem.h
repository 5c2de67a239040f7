/* hugemem.h: large arrays on transparent huge pages, where the kernel gives them on request. */
#pragma once

/*
 * Building the automaton fills a few arrays of megabytes once. On 4 KiB pages each page
 * costs a fault on first touch, and faults, not instructions, were most of the compile
 * time (several thousand of them, each tens of microseconds on a virtual machine). On
 * 2 MiB pages a megabyte costs a fraction of one. Where huge pages are not offered
 * (THP "never", other systems) this is plain malloc().
 */

#include <stddef.h>

/* At least size bytes, not zeroed; released with free(). NULL on out-of-memory. */
void *hugemem_alloc(size_t size);

/*
 * Grows an array as realloc() does: a new block of at least size bytes holding the first
 * used bytes of p (NULL, or from malloc() or hugemem_alloc()), on huge pages when large;
 * p is freed. NULL on out-of-memory, and then p is untouched.
 */
void *hugemem_realloc(void *p, size_t used, size_t size);
