/* image.c: the automaton of compiled lists in a read-only file that every process maps. */
#include "image.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAGIC "VIGILAM\n"

#define IMAGE_WRITE_CHUNK 4096 /* bytes per write(): see write_all() */

/* The file: this header, then the tables in this order, each from an offset that is a
 * multiple of 8. Every field is little-endian as the machine is (the file never leaves it). */
struct image_header {
	char magic[8];
	uint32_t version, header_bytes;
	uint64_t key;      /* of the patterns (automaton_key()) */
	uint64_t checksum; /* image_hash() of everything after the header */
	uint64_t payload;  /* bytes after the header */
	uint64_t nnfa, nedges, nfnodes, nfin, nroot, ncls, npatterns, npats, pats_bytes;
};

uint64_t image_hash(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	size_t i = 0;

	h ^= 0x9e3779b97f4a7c15ULL ^ n;
	for (; i + 8 <= n; i += 8) {
		uint64_t w;

		memcpy(&w, b + i, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 31;
	}
	for (; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	return h ^ (h >> 29);
}

static size_t pad8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

struct layout {
	size_t edge_off, edges, fin_bits, fin_rank, fin_off, fin, excl_bits, root_off, root_to, cls,
	    patterns, pats_off, pats, end;
};

static bool layout_of(const struct image_header *h, struct layout *l)
{
	size_t o = 0;

	if (h->nnfa < 2 || h->nnfa >= AM_MAX_NODES || h->nedges > UINT32_MAX ||
	    h->nfin > UINT32_MAX || h->nfnodes > h->nnfa || h->nroot > UINT32_MAX ||
	    h->ncls > AM_MAX_CLASSES || h->npatterns > UINT32_MAX || h->npats > h->npatterns ||
	    h->pats_bytes > UINT32_MAX)
		return false;
	l->edge_off = o, o += pad8((h->nnfa + 1) * sizeof(uint32_t));
	l->edges = o, o += pad8(h->nedges * sizeof(am_edge_t));
	l->fin_bits = o, o += am_words(h->nnfa) * sizeof(uint64_t);
	l->fin_rank = o, o += pad8(am_words(h->nnfa) * sizeof(uint32_t));
	l->fin_off = o, o += pad8((2 * h->nfnodes + 1) * sizeof(uint32_t));
	l->fin = o, o += pad8(h->nfin * sizeof(uint32_t));
	l->excl_bits = o, o += am_words(h->nnfa) * sizeof(uint64_t);
	l->root_off = o, o += pad8((SYM_COUNT + 1) * sizeof(uint32_t));
	l->root_to = o, o += pad8(h->nroot * sizeof(uint32_t));
	l->cls = o, o += h->ncls * sizeof(symmask_t);
	l->patterns = o, o += h->npatterns * sizeof(struct am_pattern);
	l->pats_off = o, o += pad8((h->npats + 1) * sizeof(uint32_t));
	l->pats = o, o += pad8(h->pats_bytes);
	l->end = o;
	return true;
}

/* Offsets from 0, in order, ending at n. */
static bool offsets_hold(const uint32_t *off, size_t count, uint64_t n)
{
	if (off[0] != 0 || off[count] != n)
		return false;
	for (size_t i = 0; i < count; i++)
		if (off[i] > off[i + 1])
			return false;
	return true;
}

/* The tables' structure: whatever the checksum says, nothing points outside them. */
static bool structure_holds(const struct image_header *h, const struct automaton *am)
{
	size_t words = am_words(h->nnfa), k = 0;
	uint64_t tail = h->nnfa % 64 ? ~UINT64_C(0) << (h->nnfa % 64) : 0;

	for (size_t w = 0; w < words; w++) {
		if (am->fin_rank[w] != k)
			return false;
		k += (size_t)__builtin_popcountll(am->fin_bits[w]);
	}
	if (k != h->nfnodes || (am->fin_bits[words - 1] & tail) ||
	    (am->excl_bits[words - 1] & tail))
		return false;
	if (!offsets_hold(am->edge_off, h->nnfa, h->nedges) ||
	    !offsets_hold(am->root_off, SYM_COUNT, h->nroot) ||
	    !offsets_hold(am->pats_off, h->npats, h->pats_bytes))
		return false;
	for (size_t e = 0; e < h->nedges; e++)
		if (AM_EDGE_TO(am->edges[e]) >= h->nnfa || AM_EDGE_CLS(am->edges[e]) >= h->ncls)
			return false;
	for (size_t f = 0; f < h->nfin; f++)
		if (am->fin[f] >= h->npatterns)
			return false;
	for (size_t f = 0; f < h->nfnodes; f++) /* a state's patterns: a range of fin */
		if (am->fin_off[2 * f] > am->fin_off[2 * f + 1] || am->fin_off[2 * f + 1] > h->nfin)
			return false;
	for (size_t r = 0; r < h->nroot; r++)
		if (am->root_to[r] >= h->nnfa)
			return false;
	return true;
}

int image_map(const char *path, uint64_t key, struct automaton *am)
{
	struct image_header h;
	struct layout l;
	struct stat st;
	const unsigned char *base, *p;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), r = -EINVAL;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	if (!S_ISREG(st.st_mode) || (size_t)st.st_size < sizeof(h) ||
	    pread(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h) || memcmp(h.magic, MAGIC, 8) != 0 ||
	    h.version != IMAGE_VERSION || h.header_bytes != sizeof(h) || h.key != key ||
	    h.npatterns != am->npatterns || !layout_of(&h, &l) || h.payload != l.end ||
	    (uint64_t)st.st_size != sizeof(h) + h.payload) {
		close(fd);
		return -EINVAL;
	}
	base = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (base == MAP_FAILED)
		return -errno;
	/* Scanning touches few pages here and there: map only those (no read-ahead, no
	 * mapping of the pages around a fault), so that each process counts what it uses. */
	(void)madvise((void *)(uintptr_t)base, (size_t)st.st_size, MADV_RANDOM);
	p = base + sizeof(h);
	if (image_hash(0, p, h.payload) != h.checksum)
		goto refuse;
	am->edge_off = (uint32_t *)(uintptr_t)(p + l.edge_off);
	am->edges = (am_edge_t *)(uintptr_t)(p + l.edges);
	am->fin_bits = (uint64_t *)(uintptr_t)(p + l.fin_bits);
	am->fin_rank = (uint32_t *)(uintptr_t)(p + l.fin_rank);
	am->fin_off = (uint32_t *)(uintptr_t)(p + l.fin_off);
	am->fin = (uint32_t *)(uintptr_t)(p + l.fin);
	am->excl_bits = (uint64_t *)(uintptr_t)(p + l.excl_bits);
	am->nfnodes = h.nfnodes;
	am->nfin = h.nfin;
	/* compared with the lists' own by the caller (automaton.c: take_image) */
	am->patterns = (struct am_pattern *)(uintptr_t)(p + l.patterns);
	am->pats_off = (uint32_t *)(uintptr_t)(p + l.pats_off);
	am->pats = (uint8_t *)(uintptr_t)(p + l.pats);
	am->npats = h.npats;
	am->root_to = (uint32_t *)(uintptr_t)(p + l.root_to);
	memcpy(am->root_off, p + l.root_off, sizeof(am->root_off));
	memcpy(am->cls_mask, p + l.cls, h.ncls * sizeof(symmask_t));
	am->ncls = h.ncls;
	am->nnfa = h.nnfa;
	if (!structure_holds(&h, am))
		goto refuse;
	am->map = (void *)(uintptr_t)base;
	am->map_bytes = (size_t)st.st_size;
	return 0;
refuse:
	munmap((void *)(uintptr_t)base, (size_t)st.st_size);
	am->edge_off = am->fin_rank = am->fin_off = am->fin = am->root_to = NULL;
	am->edges = NULL;
	am->fin_bits = am->excl_bits = NULL;
	return r;
}

void image_release_pages(const struct automaton *am, const char *path)
{
	int fd;

	if (!am->map)
		return;
	(void)madvise(am->map, am->map_bytes, MADV_DONTNEED);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd >= 0) {
		(void)posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED); /* advice: skips mapped pages */
		close(fd);
	}
}

/*
 * Writes a page at a time: the page cache then holds the file in small pages (one write
 * of megabytes may put it in huge ones, and a process that touches one byte of a huge
 * page maps all of it, which counts in its memory).
 */
static int write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n) {
		ssize_t w = write(fd, c, n < IMAGE_WRITE_CHUNK ? n : IMAGE_WRITE_CHUNK);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

int image_write(const char *path, uint64_t key, const struct automaton *am)
{
	struct image_header h = {.version = IMAGE_VERSION,
	                         .header_bytes = sizeof(h),
	                         .key = key,
	                         .nnfa = am->nnfa,
	                         .nedges = am->edge_off[am->nnfa],
	                         .nfnodes = am->nfnodes,
	                         .nfin = am->nfin,
	                         .nroot = am->root_off[SYM_COUNT],
	                         .ncls = am->ncls,
	                         .npatterns = am->npatterns,
	                         .npats = am->npats,
	                         .pats_bytes = am->pats_off[am->npats]};
	struct layout l;
	unsigned char *buf;
	char *tmp = NULL;
	int fd, r;

	memcpy(h.magic, MAGIC, 8);
	if (!layout_of(&h, &l))
		return -EINVAL;
	buf = calloc(1, l.end + 1);
	if (!buf)
		return -ENOMEM;
	memcpy(buf + l.edge_off, am->edge_off, (h.nnfa + 1) * sizeof(uint32_t));
	memcpy(buf + l.edges, am->edges, h.nedges * sizeof(am_edge_t));
	memcpy(buf + l.fin_bits, am->fin_bits, am_words(h.nnfa) * sizeof(uint64_t));
	memcpy(buf + l.fin_rank, am->fin_rank, am_words(h.nnfa) * sizeof(uint32_t));
	memcpy(buf + l.fin_off, am->fin_off, 2 * h.nfnodes * sizeof(uint32_t));
	memcpy(buf + l.fin, am->fin, h.nfin * sizeof(uint32_t));
	memcpy(buf + l.excl_bits, am->excl_bits, am_words(h.nnfa) * sizeof(uint64_t));
	memcpy(buf + l.root_off, am->root_off, sizeof(am->root_off));
	memcpy(buf + l.root_to, am->root_to, h.nroot * sizeof(uint32_t));
	memcpy(buf + l.cls, am->cls_mask, h.ncls * sizeof(symmask_t));
	memcpy(buf + l.patterns, am->patterns, h.npatterns * sizeof(struct am_pattern));
	memcpy(buf + l.pats_off, am->pats_off, (h.npats + 1) * sizeof(uint32_t));
	memcpy(buf + l.pats, am->pats, h.pats_bytes);
	h.payload = l.end;
	h.checksum = image_hash(0, buf, l.end);
	if (asprintf(&tmp, "%s.XXXXXX", path) < 0) {
		free(buf);
		return -ENOMEM;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		goto out;
	}
	r = write_all(fd, &h, sizeof(h));
	if (r == 0)
		r = write_all(fd, buf, l.end);
	if (r == 0 && fchmod(fd, 0644) < 0)
		r = -errno;
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	/* A fault maps with its page the ones around it that are in the page cache (64 KiB
	 * of them; ext4 on Linux 6.18 also keeps written files in 64 KiB folios): the written
	 * pages leave it, and processes that map the file read back, one at a time, only the
	 * pages they use (image_release_pages()). A no-op where pages cannot leave (tmpfs). */
	if (r == 0)
		(void)posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0)
		unlink(tmp);
out:
	free(tmp);
	free(buf);
	return r;
}
