/* test-match.c: the phrase-list engine: folding, evasions, exclusions, combinations, streaming. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "match.h"
#include "tap.h"

static const char LIST[] = "@category self-harm\n"
                           "@severity 4\n"
                           "kill myself = 5\n"
                           "suicid*\n"
                           "! dying to see\n"
                           "dying = 2\n"
                           "don't tell\n"
                           "@category sexual\n"
                           "@severity 3\n"
                           "cock*\n"
                           "! cocktail*\n"
                           "! cockpit*\n"
                           "penis\n"
                           "ass\n"
                           "sex\n"
                           "raping\n"
                           "@category profanity\n"
                           "@severity 1\n"
                           "fuck\n"
                           "shit\n"
                           "f**k\n"
                           "@category extremism\n"
                           "1488 = 4\n"
                           "@category grooming\n"
                           "meet up & secret ~8 = 5\n"
                           "@category violence\n"
                           "stab\n"
                           "! stab in the dark\n"
                           "@category bullying\n"
                           "go die\n";

static struct match_lists *compile(const char *text, struct match_errors **errs)
{
	struct match_file f = {"t.txt", text, strlen(text)};
	struct match_lists *lists = NULL;

	match_lists_compile(&f, 1, &lists, errs);
	return lists;
}

struct result {
	char buf[4096];
	size_t len;
};

static void collect(const struct match_hit *hit, void *userdata)
{
	struct result *r = userdata;
	int n =
	    snprintf(r->buf + r->len, sizeof(r->buf) - r->len, "%s%s@%llu-%llu", r->len ? "; " : "",
	             hit->phrase, (unsigned long long)hit->start, (unsigned long long)hit->end);

	if (n > 0 && (size_t)n < sizeof(r->buf) - r->len)
		r->len += (size_t)n;
}

static const char *scan(struct match_lists *lists, const char *text, size_t len, struct result *r)
{
	r->len = 0;
	r->buf[0] = 0;
	match_scan(lists, text, len, collect, r);
	return r->buf;
}

/* The same text fed one byte at a time must give the same hits. */
static const char *scan_bytewise(struct match_lists *lists, const char *text, size_t len,
                                 struct result *r)
{
	struct match_scanner *sc = match_scanner_new(lists);

	r->len = 0;
	r->buf[0] = 0;
	for (size_t i = 0; i < len; i++)
		match_scanner_feed(sc, text + i, 1, collect, r);
	match_scanner_end(sc, collect, r);
	match_scanner_free(sc);
	return r->buf;
}

static const struct {
	const char *text;
	const char *want;
} cases[] = {
    /* whole words and phrases */
    {"i want to kill myself", "kill myself@10-21"},
    {"skill myself", ""},
    {"kill myself!", "kill myself@0-11"},
    {"killmyself", "kill myself@0-10"},
    {"", ""},
    /* case, width, accents, look-alikes, zero-width */
    {"KILL MYSELF", "kill myself@0-11"},
    {"\xef\xbd\x8b\xef\xbd\x89\xef\xbd\x8c\xef\xbd\x8c myself", "kill myself@0-19"},
    {"k\xc3\xadll myself", "kill myself@0-12"},
    {"\xd0\xba\xd1\x96ll myself", "kill myself@0-13"},
    {"ki\xe2\x80\x8bll myself", "kill myself@0-14"},
    {"\xf0\x9d\x90\xa4\xf0\x9d\x90\xa2\xf0\x9d\x90\xa5\xf0\x9d\x90\xa5 myself", "kill myself@0-23"},
    {"\xc3\xa9 kill myself", "kill myself@3-14"},
    /* leetspeak, stretching, splitting, masking */
    {"k1ll mys3lf", "kill myself@0-11"},
    {"kiiiiill myself", "kill myself@0-15"},
    {"k i l l myself", "kill myself@0-14"},
    {"k.i.l.l myself", "kill myself@0-14"},
    {"sh!t", "shit@0-4"},
    {"$ex", "sex@0-3"},
    {"@ss", "ass@0-3"},
    {"f*ck this", "fuck@0-4"},
    {"*uck", ""},
    {"f**k", "f**k@0-4"},
    {"p e n i s", "penis@0-9"},
    {"the pen is blue", ""},
    {"as soon as", ""},
    /* a doubled letter is not a stretched single one: folding invents no word */
    {"rapping", ""},
    {"raaaping", "raping@0-8"},
    {"goodie", ""},
    {"gooo die", "go die@0-8"},
    {"kiill myself", ""},
    {"killl myself", "kill myself@0-12"},
    {"sexx", ""},
    {"sexxx", "sex@0-5"},
    /* prefixes and exclusions */
    {"suicidal", "suicid*@0-8"},
    {"s u i c i d e", "suicid*@0-11"},
    {"I'm dying to see it", ""},
    {"I am dying", "dying@5-10"},
    {"fruit cocktail", ""},
    {"cockpit", ""},
    {"cocks", "cock*@0-5"},
    {"a stab in the dark", ""},
    {"i will stab you", "stab@7-11"},
    {"stab in the", "stab@0-4"},
    /* apostrophes */
    {"dont tell", "don't tell@0-9"},
    {"don\xe2\x80\x99t tell", "don't tell@0-12"},
    /* digits */
    {"1488", "1488@0-4"},
    {"i488", ""},
    {"14888", ""},
    /* combinations */
    {"can we meet up? it's our secret", "meet up & secret ~8@7-31"},
    {"secret: we meet up", "meet up & secret ~8@0-18"},
    {"meet up then one two three four five six seven eight nine ten secret", ""},
    /* invalid bytes and NULs are separators */
    {"\xff kill myself\xfe", "kill myself@2-13"},
    {"kill\xffmyself", "kill myself@0-11"},
};

static void test_cases(struct match_lists *lists)
{
	struct result r1, r2;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = strlen(cases[i].text);

		CHECK(strcmp(scan(lists, cases[i].text, len, &r1), cases[i].want) == 0,
		      "\"%s\": got \"%s\", want \"%s\"", cases[i].text, r1.buf, cases[i].want);
		CHECK(strcmp(scan_bytewise(lists, cases[i].text, len, &r2), r1.buf) == 0,
		      "\"%s\" byte by byte: got \"%s\", whole: \"%s\"", cases[i].text, r2.buf,
		      r1.buf);
	}
}

static void test_nul_and_long(struct match_lists *lists)
{
	static const char nul[] = "kill\0myself";
	size_t big = 1u << 20;
	char *text = malloc(big + 32);
	struct result r;
	char want[64];

	CHECK(strcmp(scan(lists, nul, sizeof(nul) - 1, &r), "kill myself@0-11") == 0,
	      "NUL between words: %s", r.buf);
	for (size_t i = 0; i < big; i += 2)
		memcpy(text + i, "a ", 2);
	memcpy(text + big, "kill myself", 11);
	scan(lists, text, big + 11, &r);
	snprintf(want, sizeof(want), "kill myself@%zu-%zu", big, big + 11);
	CHECK(strcmp(r.buf, want) == 0, "1 MB line: got %s want %s", r.buf, want);
	/* a 1 MB word of one stretched letter: bounded work, no hit, no crash */
	memset(text, 'i', big);
	scan(lists, text, big, &r);
	CHECK(r.len == 0, "1 MB word: %s", r.buf);
	free(text);
}

static void test_streaming(struct match_lists *lists)
{
	struct match_scanner *sc = match_scanner_new(lists);
	struct result r = {0};

	match_scanner_feed(sc, "kill myself", 11, collect, &r);
	CHECK(r.len == 0, "reported before the word ended: %s", r.buf);
	match_scanner_feed(sc, " ", 1, collect, &r);
	CHECK(strcmp(r.buf, "kill myself@0-11") == 0, "after a space: %s", r.buf);
	r.len = 0;
	r.buf[0] = 0;
	match_scanner_feed(sc, "kill my", 7, collect, &r);
	match_scanner_end(sc, collect, &r);
	match_scanner_feed(sc, "self ", 5, collect, &r);
	CHECK(r.len == 0, "a phrase joined across segments: %s", r.buf);
	match_scanner_feed(sc, "i am dying", 10, collect, &r);
	match_scanner_end(sc, collect, &r);
	CHECK(strcmp(r.buf, "dying@29-34") == 0, "offsets keep counting: %s", r.buf);
	CHECK(match_scanner_offset(sc) == 34, "offset %llu",
	      (unsigned long long)match_scanner_offset(sc));
	match_scanner_free(sc);
}

/*
 * Byte offsets of matches after more text than the scanner's history holds, mixing bytes
 * of the fast path with multi-byte characters and apostrophes (the slow path), in one
 * piece, byte by byte, a second time in the same stream (the automaton's states then
 * known, so the fast path takes most of it), and after a reset.
 */
static void test_offsets_mixed(struct match_lists *lists)
{
	/* a no-break space in the phrase: its start lies before the slow path's character */
	static const char tail[] = "meet up in secret and kill\xc2\xa0myself";
	struct match_scanner *sc = match_scanner_new(lists);
	struct result r1, r2, r3 = {0};
	char text[2048], want[128], want2[256];
	size_t n = 0;

	for (int i = 0; i < 100; i++) {
		memcpy(text + n, "the caf\xc3\xa9's book ", 17);
		n += 17;
	}
	memcpy(text + n, tail, sizeof(tail) - 1);
	snprintf(want, sizeof(want), "meet up & secret ~8@%zu-%zu; kill myself@%zu-%zu", n, n + 17,
	         n + 22, n + 34);
	n += sizeof(tail) - 1;
	CHECK(strcmp(scan(lists, text, n, &r1), want) == 0, "whole: got %s want %s", r1.buf, want);
	CHECK(strcmp(scan_bytewise(lists, text, n, &r2), want) == 0, "byte by byte: got %s want %s",
	      r2.buf, want);
	for (int pass = 0; pass < 2; pass++) {
		match_scanner_feed(sc, text, n, collect, &r3);
		match_scanner_end(sc, collect, &r3);
	}
	snprintf(want2, sizeof(want2), "%s; meet up & secret ~8@%zu-%zu; kill myself@%zu-%zu", want,
	         2 * n - 34, 2 * n - 17, 2 * n - 12, 2 * n);
	CHECK(strcmp(r3.buf, want2) == 0, "twice: got %s want %s", r3.buf, want2);
	match_scanner_reset(sc);
	r3.len = 0;
	r3.buf[0] = 0;
	match_scanner_feed(sc, "\xc3\xa9 don't kill myself", 20, collect, &r3);
	match_scanner_end(sc, collect, &r3);
	CHECK(strcmp(r3.buf, "kill myself@9-20") == 0, "after a reset: %s", r3.buf);
	match_scanner_free(sc);
}

struct thread_arg {
	struct match_lists *lists;
	int bad;
};

static void *scan_thread(void *p)
{
	struct thread_arg *a = p;
	struct result r;

	for (int i = 0; i < 2000; i++) {
		scan(a->lists, "so i will k1ll mys3lf and meet up in secret", 43, &r);
		if (strcmp(r.buf, "kill myself@10-21; meet up & secret ~8@26-43") != 0)
			a->bad++;
	}
	return NULL;
}

static void test_threads(struct match_lists *lists)
{
	pthread_t t[4];
	struct thread_arg a[4];

	for (int i = 0; i < 4; i++) {
		a[i] = (struct thread_arg){match_lists_ref(lists), 0};
		pthread_create(&t[i], NULL, scan_thread, &a[i]);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		CHECK(a[i].bad == 0, "thread %d: %d wrong scans", i, a[i].bad);
		match_lists_unref(a[i].lists);
	}
}

/* A tiny cache makes room many times (it keeps its first states, forgets the rest); the
 * hits must not change. */
static void test_small_cache(struct match_lists *lists)
{
	static const char *const words[] = {
	    "kill", "myself", "the",  "cocktail", "cocks",  "dying",         "to",   "see", "a",
	    "k1ll", "$ex",    "meet", "up",       "secret", "s u i c i d e", "fuck", "1488"};
	struct match_scanner *small = match_scanner_new(lists), *big = match_scanner_new(lists);
	struct result a = {0}, b = {0};
	unsigned seed = 1;
	int mismatches = 0;

	match_scanner_set_cache(small, 100); /* not a power of two, on purpose */
	for (int line = 0; line < 2000; line++) {
		char text[512];
		size_t len = 0;

		for (int w = 0; w < 12; w++) {
			const char *word = words[(seed = seed * 1103515245 + 12345) % 17];

			len += (size_t)snprintf(text + len, sizeof(text) - len, "%s ", word);
		}
		a.len = b.len = 0;
		a.buf[0] = b.buf[0] = 0;
		match_scanner_reset(small);
		match_scanner_reset(big);
		match_scanner_feed(small, text, len, collect, &a);
		match_scanner_end(small, collect, &a);
		match_scanner_feed(big, text, len, collect, &b);
		match_scanner_end(big, collect, &b);
		mismatches += strcmp(a.buf, b.buf) != 0;
	}
	CHECK(mismatches == 0, "%d lines differ with a small cache", mismatches);
	match_scanner_free(small);
	match_scanner_free(big);
}

static void test_refcount(void)
{
	struct match_errors *errs = NULL;
	struct match_lists *lists = compile(LIST, &errs);
	struct match_scanner *sc = match_scanner_new(lists);
	struct result r = {0};

	match_errors_free(errs);
	CHECK(match_lists_unref(lists) == NULL, "unref returns NULL");
	CHECK(match_lists_unref(NULL) == NULL, "unref(NULL)");
	/* the scanner's own reference keeps the lists alive */
	match_scanner_feed(sc, "shit ", 5, collect, &r);
	CHECK(strcmp(r.buf, "shit@0-4") == 0, "scan after unref: %s", r.buf);
	match_scanner_free(sc);
	match_scanner_free(NULL);
}

static void test_info(struct match_lists *lists)
{
	struct match_stats st;

	match_lists_stats(lists, &st);
	CHECK(st.phrases == 15 && st.exclusions == 4 && st.combos == 1, "%zu %zu %zu", st.phrases,
	      st.exclusions, st.combos);
	CHECK(st.states > 10 && st.memory_bytes > 0, "states %zu", st.states);
}

int main(void)
{
	struct match_errors *errs = NULL;
	struct match_lists *lists = compile(LIST, &errs);

	CHECK(lists != NULL, "test list refused: %s", match_errors_get(errs, 0));
	CHECK(match_errors_count(errs) == 0, "warnings: %s", match_errors_get(errs, 0));
	match_errors_free(errs);
	if (!lists)
		return 1;
	test_cases(lists);
	test_nul_and_long(lists);
	test_streaming(lists);
	test_offsets_mixed(lists);
	test_threads(lists);
	test_small_cache(lists);
	test_info(lists);
	test_refcount();
	match_lists_unref(lists);
	TAP_EXIT();
}
