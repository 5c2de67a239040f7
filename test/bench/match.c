/* match.c: throughput, compile time and memory of the phrase-list engine, against peers. */
#include <errno.h>
#include <hs/hs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "match.h"
#include "monotime.h"

/*
 * usage: bench-match WORDLISTS_DIR VIGIL_WORDLIST [MEGABYTES]
 *
 * Generates a school-like text corpus (default 64 MB) with flagged phrases from the
 * lists sprinkled in, then scans it with Vigil's engine (full normalisation), GNU grep
 * -F -i -f (C locale) and Vectorscan (caseless literals), both given the plain phrases
 * of `vigil-wordlist dump`. Prints MB/s of each, and compile time and memory of the lists.
 * With BENCH_VIGIL_ONLY set in the environment the peers are not run (for profiling);
 * with BENCH_CORPUS=FILE, that file's text (repeated to MEGABYTES) is scanned instead;
 * with BENCH_STRETCHED, Vectorscan is also given the phrases as regexes with two of
 * Vigil's evasions (a letter stretched, words whole and split by any run of other
 * characters), which it takes tens of seconds to compile.
 */

static const char *const words[] = {
    "the",         "a",         "and",          "to",       "of",         "in",         "is",
    "it",          "we",        "our",          "class",    "today",      "teacher",    "homework",
    "science",     "history",   "maths",        "lesson",   "school",     "friends",    "played",
    "football",    "at",        "lunch",        "break",    "learned",    "about",      "plants",
    "water",       "cycle",     "Romans",       "Tudors",   "Henry",      "river",      "London",
    "Manchester",  "Leeds",     "read",         "book",     "chapter",    "wrote",      "story",
    "dragon",      "castle",    "trip",         "museum",   "bus",        "Friday",     "weekend",
    "football",    "match",     "won",          "lost",     "score",      "goal",       "the",
    "was",         "very",      "really",       "fun",      "boring",     "difficult",  "easy",
    "answer",      "question",  "experiment",   "results",  "graph",      "table",      "measured",
    "temperature", "degrees",   "because",      "when",     "after",      "before",     "then",
    "later",       "my",        "mum",          "dad",      "sister",     "brother",    "dog",
    "cat",         "garden",    "park",         "swimming", "pool",       "library",    "computer",
    "password",    "email",     "presentation", "slides",   "project",    "group",      "partner",
    "essay",       "paragraph", "spelling",     "test",     "ten",        "out",        "of",
    "twenty",      "Wednesday", "assembly",     "choir",    "music",      "drums",      "piano",
    "art",         "painting",  "drawing",      "design",   "technology", "cooking",    "cake",
    "flour",       "sugar",     "eggs",         "mixed",    "baked",      "oven",       "minutes",
    "hours",       "skill",     "Scunthorpe",   "cocktail", "analysis",   "therapist",  "assess",
    "class",       "glass",     "Sussex",       "Essex",    "shot",       "basketball", "cut",
    "paper",       "dying",     "to",           "see",      "film",       "process",    "kill",
};

/* Seconds on the monotonic clock. */
static double now(void)
{
	return (double)monotime_ns() / 1e9;
}

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint32_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

struct phrases {
	char **v;
	size_t n;
};

static int read_dump(const char *tool, const char *dir, struct phrases *p, const char *out)
{
	char cmd[4096], line[1024];
	FILE *f, *o;

	snprintf(cmd, sizeof(cmd), "'%s' dump --lists '%s'", tool, dir);
	f = popen(cmd, "r");
	o = fopen(out, "w");
	if (!f || !o)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (!*line)
			continue;
		fprintf(o, "%s\n", line);
		p->v = realloc(p->v, (p->n + 1) * sizeof(*p->v));
		p->v[p->n++] = strdup(line);
	}
	fclose(o);
	return pclose(f) == 0 && p->n ? 0 : -1;
}

/* About one flagged phrase in every 4 KB; everything else ordinary school text. */
/*
 * The text of path, repeated to at least size bytes (BENCH_CORPUS: a real text instead of
 * the generated one); NULL when it cannot be read or is empty.
 */
static char *read_corpus(const char *path, size_t size, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *one = NULL, *buf = NULL;
	size_t n = 0, cap = 0, got;

	if (!f)
		return NULL;
	do {
		if (n == cap) {
			char *q = realloc(one, cap = cap ? cap * 2 : 1 << 20);

			if (!q)
				break;
			one = q;
		}
		got = fread(one + n, 1, cap - n, f);
		n += got;
	} while (got > 0);
	fclose(f);
	if (n > 0 && (buf = malloc((size / n + 1) * n))) {
		*len = 0;
		while (*len < size) {
			memcpy(buf + *len, one, n);
			*len += n;
		}
	}
	free(one);
	return buf;
}

static char *make_corpus(size_t size, const struct phrases *p, size_t *len)
{
	char *buf = malloc(size + 256);
	size_t n = 0, col = 0;

	while (n < size) {
		const char *w = (next_rand() % 700 == 0)
		                    ? p->v[next_rand() % p->n]
		                    : words[next_rand() % (sizeof(words) / sizeof(words[0]))];
		size_t wl = strlen(w);

		if (wl > 200)
			continue;
		memcpy(buf + n, w, wl);
		n += wl;
		col += wl + 1;
		buf[n++] = col > 100 && next_rand() % 4 == 0 ? '\n' : ' ';
		if (buf[n - 1] == '\n')
			col = 0;
	}
	buf[n++] = '\n';
	*len = n;
	return buf;
}

static void count_hit(const struct match_hit *hit, void *userdata)
{
	(void)hit;
	++*(size_t *)userdata;
}

static int count_hs(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
                    void *ctx)
{
	(void)id, (void)from, (void)to, (void)flags;
	++*(size_t *)ctx;
	return 0;
}

static long rss_kb(void)
{
	FILE *f = fopen("/proc/self/statm", "re");
	long a = 0, b = 0;

	if (f && fscanf(f, "%ld %ld", &a, &b) != 2)
		b = 0;
	if (f)
		fclose(f);
	return b * (sysconf(_SC_PAGESIZE) / 1024);
}

static double bench_grep(const char *dump, const char *corpus, size_t len)
{
	char cmd[4096];
	double t0, best = 1e9;

	/* not to /dev/null: grep then stops at the first match */
	snprintf(cmd, sizeof(cmd), "LC_ALL=C grep -F -i -c -f '%s' '%s' | cat >/dev/null", dump,
	         corpus);
	for (int i = 0; i < 3; i++) {
		t0 = now();
		if (system(cmd) < 0)
			return 0;
		if (now() - t0 < best)
			best = now() - t0;
	}
	return (double)len / 1048576.0 / best;
}

/*
 * Vectorscan's throughput in MB/s with db, the best of three scans of the text a line at
 * a time (as the agent and grep see text); *hits: the matches of a scan.
 */
static double hs_best_mbs(const hs_database_t *db, const char *text, size_t len, size_t *hits)
{
	hs_scratch_t *scratch = NULL;
	double t0, best = 1e9;

	hs_alloc_scratch(db, &scratch);
	for (int i = 0; i < 3; i++) {
		size_t n = 0;

		t0 = now();
		for (size_t off = 0; off < len;) {
			const char *nl = memchr(text + off, '\n', len - off);
			size_t l = nl ? (size_t)(nl - (text + off)) : len - off;

			hs_scan(db, text + off, (unsigned)l, 0, scratch, count_hs, &n);
			off += l + 1;
		}
		if (now() - t0 < best)
			best = now() - t0;
		*hits = n;
	}
	hs_free_scratch(scratch);
	return (double)len / 1048576.0 / best;
}

static double bench_vectorscan(const struct phrases *p, const char *text, size_t len,
                               double *compile_ms, size_t *hits)
{
	hs_database_t *db = NULL;
	hs_compile_error_t *err = NULL;
	unsigned *flags = calloc(p->n, sizeof(unsigned)), *ids = calloc(p->n, sizeof(unsigned));
	size_t *lens = calloc(p->n, sizeof(size_t));
	double t0 = now(), mbs;

	for (size_t i = 0; i < p->n; i++) {
		flags[i] = HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH;
		ids[i] = (unsigned)i;
		lens[i] = strlen(p->v[i]);
	}
	if (hs_compile_lit_multi((const char *const *)p->v, flags, ids, lens, (unsigned)p->n,
	                         HS_MODE_BLOCK, NULL, &db, &err) != HS_SUCCESS) {
		fprintf(stderr, "vectorscan: %s\n", err ? err->message : "?");
		return 0;
	}
	*compile_ms = (now() - t0) * 1e3;
	mbs = hs_best_mbs(db, text, len, hits);
	hs_free_database(db);
	free(flags);
	free(ids);
	free(lens);
	return mbs;
}

/*
 * The phrases as Vectorscan regexes with two of Vigil's evasions: a letter may be
 * stretched ("kiiill") and words are whole, split by any run of other characters. NULL
 * and *n = 0 when out of memory.
 */
static char **stretched(const struct phrases *p, size_t *n)
{
	char **v = calloc(p->n, sizeof(*v));

	*n = 0;
	for (size_t i = 0; v && i < p->n; i++) {
		const char *w = p->v[i];
		size_t cap = strlen(w) * 12 + 16, at = 0; /* 10 for a space, the most */
		char *r = malloc(cap);

		if (!r)
			break;
		at += (size_t)snprintf(r + at, cap - at, "\\b");
		for (; *w; w++) {
			if (*w == ' ')
				at += (size_t)snprintf(r + at, cap - at, "[^a-z0-9]+");
			else if ((*w >= 'a' && *w <= 'z') || (*w >= '0' && *w <= '9'))
				at += (size_t)snprintf(r + at, cap - at, "%c+", *w);
			else
				at += (size_t)snprintf(r + at, cap - at, "\\x%02x",
				                       (unsigned char)*w);
		}
		snprintf(r + at, cap - at, "\\b");
		v[(*n)++] = r;
	}
	return v;
}

/* The stretched regexes' throughput in MB/s, per line as for the others; 0 when
 * Vectorscan refuses them (the reason printed). */
static double bench_vectorscan_stretched(const struct phrases *p, const char *text, size_t len,
                                         double *compile_ms)
{
	size_t n;
	char **v = stretched(p, &n);
	unsigned *flags = calloc(n ? n : 1, sizeof(unsigned)),
	         *ids = calloc(n ? n : 1, sizeof(unsigned));
	hs_database_t *db = NULL;
	hs_compile_error_t *err = NULL;
	double t0 = now(), mbs = 0;
	size_t hits;

	for (size_t i = 0; i < n; i++) {
		flags[i] = HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH;
		ids[i] = (unsigned)i;
	}
	if (!v || !flags || !ids ||
	    hs_compile_multi((const char *const *)v, flags, ids, (unsigned)n, HS_MODE_BLOCK, NULL,
	                     &db, &err) != HS_SUCCESS) {
		fprintf(stderr, "vectorscan, stretched: %s\n",
		        err ? err->message : "out of memory");
	} else {
		*compile_ms = (now() - t0) * 1e3;
		mbs = hs_best_mbs(db, text, len, &hits);
	}
	hs_free_database(db);
	hs_free_compile_error(err);
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
	free(flags);
	free(ids);
	return mbs;
}

int main(int argc, char **argv)
{
	struct phrases p = {0};
	char dump[] = "/tmp/vigil-bench-dumpXXXXXX", corpus[] = "/tmp/vigil-bench-corpusXXXXXX";
	size_t mb = argc > 3 ? strtoul(argv[3], NULL, 10) : 64, len, hits = 0, hs_hits = 0;
	struct match_lists *lists = NULL;
	struct match_errors *errs = NULL;
	struct match_stats st;
	double t0, best = 1e9, ours, grep_mbs, hs_mbs, hs_ms = 0, hs2_mbs, hs2_ms = 0;
	long rss0, rss1;
	char *text;
	int fd;
	FILE *f;

	if (argc < 3) {
		fprintf(stderr, "usage: %s WORDLISTS_DIR VIGIL_WORDLIST [MEGABYTES]\n", argv[0]);
		return 2;
	}
	if ((fd = mkstemp(dump)) < 0 || close(fd) < 0 || read_dump(argv[2], argv[1], &p, dump)) {
		fprintf(stderr, "cannot dump the lists of %s\n", argv[1]);
		return 1;
	}
	text = getenv("BENCH_CORPUS") ? read_corpus(getenv("BENCH_CORPUS"), mb << 20, &len)
	                              : make_corpus(mb << 20, &p, &len);
	if (!text) {
		fprintf(stderr, "cannot read the corpus %s\n", getenv("BENCH_CORPUS"));
		return 1;
	}
	if ((fd = mkstemp(corpus)) < 0 || !(f = fdopen(fd, "w")) ||
	    fwrite(text, 1, len, f) != len || fclose(f) != 0) {
		fprintf(stderr, "cannot write the corpus: %s\n", strerror(errno));
		return 1;
	}

	rss0 = rss_kb();
	if (match_lists_load((const char *const *)&argv[1], 1, &lists, &errs) < 0) {
		fprintf(stderr, "lists refused: %s\n", match_errors_get(errs, 0));
		return 1;
	}
	rss1 = rss_kb();
	match_lists_stats(lists, &st);
	for (int i = 0; i < 3; i++) {
		size_t n = 0;
		struct match_scanner *sc = match_scanner_new(lists);

		match_scanner_set_cache(sc, 32766);
		t0 = now();
		/* one segment per line, as vigil-wordlist scan does */
		for (size_t off = 0; off < len;) {
			const char *nl = memchr(text + off, '\n', len - off);
			size_t l = nl ? (size_t)(nl - (text + off)) : len - off;

			match_scanner_feed(sc, text + off, l, count_hit, &n);
			match_scanner_end(sc, count_hit, &n);
			off += l + 1;
		}
		if (now() - t0 < best)
			best = now() - t0;
		match_scanner_free(sc);
		hits = n;
	}
	ours = (double)len / 1048576.0 / best;
	/* BENCH_VIGIL_ONLY: no peers, for profiling the engine alone */
	grep_mbs = getenv("BENCH_VIGIL_ONLY") ? 0 : bench_grep(dump, corpus, len);
	/* BENCH_STRETCHED: Vectorscan also with two of Vigil's evasions, for comparison */
	hs2_mbs =
	    getenv("BENCH_STRETCHED") ? bench_vectorscan_stretched(&p, text, len, &hs2_ms) : 0;
	hs_mbs = getenv("BENCH_VIGIL_ONLY") ? 0 : bench_vectorscan(&p, text, len, &hs_ms, &hs_hits);

	printf("corpus: %.1f MB of %s, %zu phrases in the dump\n", (double)len / 1048576.0,
	       getenv("BENCH_CORPUS") ? getenv("BENCH_CORPUS") : "generated school text", p.n);
	printf("lists: %zu phrases, %zu exclusions, %zu combinations; %zu NFA states\n", st.phrases,
	       st.exclusions, st.combos, st.states);
	printf("compile: vigil %.1f ms (%.1f ms of CPU; target <= 50 ms), vectorscan %.1f ms\n",
	       st.compile_ms, st.compile_cpu_ms, hs_ms);
	printf("memory: vigil compiled lists %.1f MB (target <= 5 MB; resident growth %.1f MB)\n",
	       (double)st.memory_bytes / 1048576.0, (double)(rss1 - rss0) / 1024.0);
	printf("throughput: vigil %.0f MB/s (%zu hits, full normalisation)\n", ours, hits);
	printf("throughput: grep -F -i -f %.0f MB/s\n", grep_mbs);
	printf("throughput: vectorscan %.0f MB/s (%zu matches, caseless literals)\n", hs_mbs,
	       hs_hits);
	if (getenv("BENCH_STRETCHED"))
		printf(
		    "throughput: vectorscan, letters stretched and whole words (regexes) %.0f MB/s"
		    " (compiled in %.0f ms)\n",
		    hs2_mbs, hs2_ms);
	printf("ratio: vigil/grep %.2fx (target >= 2), vigil/vectorscan %.2fx (target >= 1)\n",
	       grep_mbs > 0 ? ours / grep_mbs : 0, hs_mbs > 0 ? ours / hs_mbs : 0);
	if (getenv("BENCH_KEEP")) {
		printf("kept: %s %s\n", dump, corpus);
	} else {
		unlink(dump);
		unlink(corpus);
	}
	match_lists_unref(lists);
	match_errors_free(errs);
	free(text);
	return 0;
}
