/* hugemem.c: large arrays on transparent huge pages, where the kernel gives them on request. */
#include "hugemem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define HUGE_PAGE (2u << 20)
#define HUGE_MIN  (1u << 20) /* smaller arrays would waste most of a huge page */

void *hugemem_alloc(size_t size)
{
#ifdef MADV_HUGEPAGE
	if (size >= HUGE_MIN && size <= SIZE_MAX - HUGE_PAGE) {
		size_t whole = (size + HUGE_PAGE - 1) & ~(size_t)(HUGE_PAGE - 1);
		void *p = aligned_alloc(HUGE_PAGE, whole);

		if (p) {
			/* advice only: where it is refused, the pages are ordinary ones */
			(void)madvise(p, whole, MADV_HUGEPAGE);
			return p;
		}
	}
#endif
	return malloc(size);
}

void *hugemem_realloc(void *p, size_t used, size_t size)
{
	void *q;

	if (size < HUGE_MIN)
		return realloc(p, size);
	q = hugemem_alloc(size);
	if (!q)
		return NULL;
	if (used)
		memcpy(q, p, used);
	free(p);
	return q;
}
