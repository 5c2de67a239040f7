/* test-wordlist-errors.c: every kind of bad phrase-list line gets a FILE:LINE error. */
#include <string.h>

#include "match.h"
#include "tap.h"

static const struct {
	const char *text;
	const char *want; /* the first diagnostic starts with this... */
	const char *has;  /* ...and contains this */
	int refused;
} cases[] = {
    {"@category Bad Cat\nkill\n", "t.txt:1:", "bad category", 1},
    {"@category x\nkill myself = 7\n", "t.txt:2:", "unknown severity \"7\" (expected 1-5)", 1},
    {"@category x\nkill myself = high\n", "t.txt:2:", "unknown severity \"high\"", 1},
    {"@category x\n@severity 0\n", "t.txt:2:", "unknown severity \"0\"", 1},
    {"@category x\n@bogus 1\n", "t.txt:2:", "unknown directive \"@bogus\"", 1},
    {"kill myself\n", "t.txt:1:", "a rule before @category", 1},
    {"@category x\n*kill\n", "t.txt:2:", "cannot start with *", 1},
    {"@category x\nk\n", "t.txt:2:", "too short", 1},
    {"@category x\n! k\n", "t.txt:2:", "too short", 1},
    {"@category x\na b c d e f g h i\n", "t.txt:2:", "too many words", 1},
    {"@category x\nmeet & secret\n", "t.txt:2:", "needs ~N", 1},
    {"@category x\nmeet & secret ~99\n", "t.txt:2:", "bad combination window \"~99\"", 1},
    {"@category x\nmeet & ~3\n", "t.txt:2:", "empty term", 1},
    {"@category x\na1 & b2 & c3 & d4 & e5 ~9\n", "t.txt:2:", "too many terms", 1},
    {"@category x\n! kill the process = 3\n", "t.txt:2:", "an exclusion has no severity", 1},
    {"@category x\n\n\nki\xffll\n", "t.txt:4:", "invalid UTF-8", 1},
    {"@category x\nkill\0me\n", "t.txt:2:", "NUL byte", 1},
    {"@category x\n@include nope.inc\n", "t.txt:2:", "@include nope.inc: No such file", 1},
    {"@category x\n@include t.txt\n", "t.txt:2:", "includes itself", 1},
    {"@category x\n\xd0\xb4\xd0\xb0\xd0\xb2\n", "t.txt:2:", "only Latin letters", 1},
    {"@category x\n= 3\n", "t.txt:2:", "empty phrase", 1},
    {"# only a comment\n", "no phrases", "no phrases", 1},
    {"", "no phrases", "no phrases", 1},
    /* word classes */
    {"@category x\nkill all the <group>\n", "t.txt:2:", "unknown word class <group>", 1},
    {"@class group: jews, , gays\n@category x\nkill <group>\n", "t.txt:1:", "empty member", 1},
    {"@class Group: a\n", "t.txt:1:", "bad class name", 1},
    {"@class group jews\n", "t.txt:1:", "expected @class NAME:", 1},
    {"@class g: \xd0\xb4\xd0\xb0\xd0\xb2\n@category x\nkill <g>\n",
     "t.txt:1:", "member \"\xd0\xb4\xd0\xb0\xd0\xb2\": only Latin letters", 1},
    {"@class g: ab\n@category x\nkill <g\n", "t.txt:3:", "a < without >", 1},
    {"@class g: a1, b2, c3, d4, e5, f6, g7, h8, i9, j10\n@category x\n<g> <g> <g> <g>\n",
     "t.txt:3:", "expands to more than 4000 phrases", 1},
    /* contexts */
    {"@category x\n@when joke within 4 -> 2\n", "t.txt:2:", "unknown context \"joke\"", 1},
    {"@context joke: lol\n@category x\n@when joke nearby 4 -> 2\n",
     "t.txt:3:", "expected before, after or within", 1},
    {"@context joke: lol\n@category x\n@when joke within 99 -> 2\n",
     "t.txt:3:", "bad number of words \"99\"", 1},
    {"@context joke: lol\n@category x\n@when joke within 4 -> 9\n",
     "t.txt:3:", "unknown severity \"9\" (expected 1-5 or drop)", 1},
    {"@context joke: lol\n@category x\n@when joke within 4\n",
     "t.txt:3:", "expected CONTEXT before|after|within N -> SEVERITY|drop", 1},
    {"@context joke: lol\n@category x\ndie = 5 ; jokes within 4 -> 2\n",
     "t.txt:3:", "unknown context \"jokes\"", 1},
    {"@context joke: lol\n@category x\n@floor 2\n@when joke within 4 -> drop\n",
     "t.txt:4:", "x has @floor 2: context may lower its hits to 2 at the least, not drop", 1},
    {"@context joke: lol\n@category x\n@floor 2\ndie = 5 ; joke after 3 -> 1\n",
     "t.txt:4:", "@floor 2", 1},
    {"@context Joke: lol\n", "t.txt:1:", "bad context name", 1},
    {"@context joke: lol, , jk\n@category x\ndie\n", "t.txt:1:", "empty cue", 1},
    {"@when joke within 4 -> 2\n", "t.txt:1:", "@when before @category", 1},
    {"@context joke: lol\n@category x\n! die ; joke within 2 -> 1\n",
     "t.txt:3:", "an exclusion has no context clauses", 1},
    /* warnings do not refuse the lists */
    {"@class g: a1, b2\n@category x\nkill\n", "t.txt:1:", "word class <g> is not used", 0},
    {"@category x\nkill myself\nKILL  MYSELF\n", "t.txt:3:", "is the same as t.txt:2", 0},
    {"@category x\n! sunny day\nsunny day & picnic ~6\n",
     "t.txt:3:", "\"sunny day & picnic ~6\" can never report: its term 1 is also an exclusion", 0},
    {"@category x\npicnic & rainy day ~6\n@category y\n! rainy day\n",
     "t.txt:2:", "its term 2 is also an exclusion", 0},
    {"@class w: rainy day, wet day\n@category x\n! rainy day\n! wet day\n<w> & picnic ~6\n",
     "t.txt:5:", "its term 1 is also an exclusion", 0},
    {"@category x\nget wasted on & weed ~3\n", "t.txt:2:",
     "is reported only when its words are run together: its terms have at least 4 words, more "
     "than its span of 3",
     0},
    {"@class d: magic mushrooms, weed\n@category x\nget wasted on & <d> ~3\n",
     "t.txt:3:", "at least 4 words", 0},
    /* a term wider than an exclusion, a class with a word no exclusion covers, terms that
     * fit their span: fine */
    {"@class d: magic mushrooms, weed\n@category x\nget wasted on & <d> ~4\n", NULL, NULL, 0},
    {"@category x\n! sunny day\na sunny day & picnic ~6\n", NULL, NULL, 0},
    {"@class w: rainy day, wet day\n@category x\n! rainy day\n<w> & picnic ~6\n", NULL, NULL, 0},
    /* fine: comments, a byte-order mark, CRLF, trailing comments */
    {"\xef\xbb\xbf# c\r\n@category x\r\nkill myself = 5 # note\r\n", NULL, NULL, 0},
};

static void test_line_too_long(void)
{
	static char text[2100];
	struct match_file f = {"t.txt", text, 0};
	struct match_lists *lists = NULL;
	struct match_errors *errs = NULL;
	int r;

	strcpy(text, "@category x\n"); /* checksrc: allow (fixed test text) */
	memset(text + 12, 'a', 2000);
	f.len = 2012;
	r = match_lists_compile(&f, 1, &lists, &errs);
	CHECK(r < 0 && match_errors_count(errs) >= 1 &&
	          strstr(match_errors_get(errs, 0), "t.txt:2: line is longer than"),
	      "long line: %s", match_errors_get(errs, 0));
	match_errors_free(errs);
}

static void test_include(void)
{
	static const char main_txt[] = "@category x\n@include sub/common.inc\nkill myself\n";
	static const char inc[] = "! kill myself now\ncut myself\n";
	struct match_file f[2] = {{"main.txt", main_txt, sizeof(main_txt) - 1},
	                          {"sub/common.inc", inc, sizeof(inc) - 1}};
	struct match_lists *lists = NULL;
	struct match_errors *errs = NULL;
	struct match_stats st;
	int r = match_lists_compile(f, 2, &lists, &errs);

	CHECK(r == 0, "include refused: %s", match_errors_get(errs, 0));
	if (r == 0) {
		match_lists_stats(lists, &st);
		CHECK(st.phrases == 2 && st.exclusions == 1, "%zu phrases %zu exclusions",
		      st.phrases, st.exclusions);
	}
	match_lists_unref(lists);
	match_errors_free(errs);
}

int main(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct match_file f = {"t.txt", cases[i].text, strlen(cases[i].text)};
		struct match_lists *lists = NULL;
		struct match_errors *errs = NULL;
		int r;

		if (i == 16)
			f.len = 20; /* the case with a NUL byte */
		r = match_lists_compile(&f, 1, &lists, &errs);
		CHECK((r < 0) == cases[i].refused, "case %zu: compile returned %d", i, r);
		if (cases[i].want) {
			const char *m = match_errors_get(errs, 0);

			CHECK(m && strncmp(m, cases[i].want, strlen(cases[i].want)) == 0 &&
			          strstr(m, cases[i].has),
			      "case %zu: got \"%s\", want \"%s ... %s\"", i, m ? m : "(nothing)",
			      cases[i].want, cases[i].has);
		} else {
			CHECK(match_errors_count(errs) == 0, "case %zu: unexpected \"%s\"", i,
			      match_errors_get(errs, 0));
		}
		match_lists_unref(lists);
		match_errors_free(errs);
	}
	test_line_too_long();
	test_include();
	TAP_EXIT();
}
