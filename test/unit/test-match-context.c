/* test-match-context.c: context cues lower or drop hits and say why; word classes expand. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match.h"
#include "tap.h"

static const char LIST[] =
    "@context joke: lol, haha*, only joking, \xf0\x9f\x98\x82, \xf0\x9f\x92\x80\n"
    "@context negation: dont, do not, never\n"
    "@context teaching: in re, the nurse, childline\n"
    "@class group: jews, gays, muslims\n"
    "@class weapon: knife, machete, big gun\n"
    "@category self-harm\n"
    "@severity 4\n"
    "@floor 2\n"
    "@when joke within 4 -> 2\n"
    "@when teaching within 10 -> 2\n"
    "want to die = 5 ; negation before 2 -> 2\n"
    "kill my self = 5\n"
    "! want to die of embarrassment\n"
    "@when none\n"
    "suicid* = 3\n"
    "@category hate\n"
    "kill all the <group> = 5\n"
    "gas the <group> = 5 ; teaching before 6 -> drop\n"
    "@category violence\n"
    "bring* & <weapon> & school ~8 = 5\n"
    "! could murder a pizza\n"
    "murder = 4\n";

struct result {
	char buf[4096];
	size_t len;
};

/* Each hit as "pattern/severity[/base: context (context_rule)]". */
static void collect(const struct match_hit *hit, void *userdata)
{
	struct result *r = userdata;
	int n = snprintf(r->buf + r->len, sizeof(r->buf) - r->len, "%s%s/%d", r->len ? "; " : "",
	                 hit->pattern, hit->severity);

	if (n > 0 && (size_t)n < sizeof(r->buf) - r->len)
		r->len += (size_t)n;
	if (hit->context) {
		n = snprintf(r->buf + r->len, sizeof(r->buf) - r->len, "/%d: %s (%s)",
		             hit->base_severity, hit->context, hit->context_rule);
		if (n > 0 && (size_t)n < sizeof(r->buf) - r->len)
			r->len += (size_t)n;
	}
}

static const struct {
	const char *text;
	const char *want;
} cases[] = {
    /* jokes and hyperbole lower self-harm to 2, never drop it */
    {"i want to die", "want to die/5"},
    /* a cue in one line says nothing of a hit in the next (lines typed one after another
     * are scanned as one text) */
    {"i want to die\nlol", "want to die/5"},
    {"in re we did the rivers\ni want to kill myself", "kill my self/5"},
    {"i want to die lol",
     "want to die/2/5: severity 5 \xe2\x86\x92 2: 'lol' 1 word after (t.txt:9)"},
    {"lol i want to die",
     "want to die/2/5: severity 5 \xe2\x86\x92 2: 'lol' 2 words before (t.txt:9)"},
    {"kill myself \xf0\x9f\x98\x82",
     "kill my self/2/5: severity 5 \xe2\x86\x92 2: '\xf0\x9f\x98\x82' 1 word after (t.txt:9)"},
    {"kill myself hahaha",
     "kill my self/2/5: severity 5 \xe2\x86\x92 2: 'haha*' 1 word after (t.txt:9)"},
    {"i want to kill myself, only joking",
     "kill my self/2/5: severity 5 \xe2\x86\x92 2: 'only joking' 1 word after (t.txt:9)"},
    /* too far away to count */
    {"i want to die and it is all too much for me lol", "want to die/5"},
    /* negation, per rule */
    {"i dont want to die",
     "want to die/2/5: severity 5 \xe2\x86\x92 2: 'dont' 1 word before (t.txt:11)"},
    {"i dont know why but i want to die", "want to die/5"},
    {"i do not want to kill myself", "kill my self/5"},
    /* teaching and reporting */
    {"in re we talked about why people want to die",
     "want to die/2/5: severity 5 \xe2\x86\x92 2: 'in re' 6 words before (t.txt:10)"},
    {"the nurse told us about suicide", "suicid*/3"},
    /* fixed idioms are exclusions */
    {"i want to die of embarrassment", ""},
    {"i could murder a pizza", ""},
    {"i will murder him", "murder/4"},
    /* word classes in phrases and combinations */
    {"kill all the gays", "kill all the gays/5"},
    {"gas the jews now", "gas the jews/5"},
    {"kill all the cats", ""},
    {"in re we learned the nazis said gas the jews", ""},
    {"im bringing a big gun to school", "bring* & <weapon> & school ~8/5"},
    {"im bringing a gun to school", ""},
};

static void scan_whole(struct match_lists *lists, const char *text, struct result *r)
{
	r->len = 0;
	r->buf[0] = 0;
	match_scan(lists, text, strlen(text), collect, r);
}

static void scan_bytewise(struct match_lists *lists, const char *text, struct result *r)
{
	struct match_scanner *sc = match_scanner_new(lists);

	r->len = 0;
	r->buf[0] = 0;
	for (size_t i = 0; text[i]; i++)
		match_scanner_feed(sc, text + i, 1, collect, r);
	match_scanner_end(sc, collect, r);
	match_scanner_free(sc);
}

static void test_cases(struct match_lists *lists)
{
	struct result r1, r2;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		scan_whole(lists, cases[i].text, &r1);
		CHECK(strcmp(r1.buf, cases[i].want) == 0, "\"%s\": got \"%s\", want \"%s\"",
		      cases[i].text, r1.buf, cases[i].want);
		scan_bytewise(lists, cases[i].text, &r2);
		CHECK(strcmp(r2.buf, r1.buf) == 0, "\"%s\" byte by byte: got \"%s\", whole: \"%s\"",
		      cases[i].text, r2.buf, r1.buf);
	}
}

/* A hit that a later cue may lower waits for it, then comes out in order. */
static void test_waiting(struct match_lists *lists)
{
	struct match_scanner *sc = match_scanner_new(lists);
	struct result r = {0};

	match_scanner_feed(sc, "i want to die ", 14, collect, &r);
	CHECK(r.len == 0, "reported before a joke could follow: %s", r.buf);
	/* "teaching within 10": a two-word cue starting 10 words on may still come */
	match_scanner_feed(sc, "so much right now honestly and i mean it so much ", 49, collect,
	                   &r);
	CHECK(r.len == 0, "reported before a cue 10 words on could end: %s", r.buf);
	match_scanner_feed(sc, "more and ", 9, collect, &r);
	CHECK(strcmp(r.buf, "want to die/5") == 0, "not reported once certain: %s", r.buf);
	r.len = 0;
	r.buf[0] = 0;
	match_scanner_feed(sc, "kill all the muslims ", 21, collect, &r);
	CHECK(strcmp(r.buf, "kill all the muslims/5") == 0, "a rule without context waits: %s",
	      r.buf);
	r.len = 0;
	r.buf[0] = 0;
	match_scanner_feed(sc, "kill myself", 11, collect, &r);
	match_scanner_end(sc, collect, &r);
	CHECK(strcmp(r.buf, "kill my self/5") == 0, "segment end does not report: %s", r.buf);
	match_scanner_free(sc);
}

struct dump {
	size_t cues, expanded, with_context;
	int gas_found;
};

static void on_rule(const struct match_rule_info *ri, void *userdata)
{
	struct dump *d = userdata;

	d->cues += ri->kind == MATCH_RULE_CONTEXT;
	d->expanded += ri->nexpanded;
	d->with_context += ri->ncontexts > 0;
	for (size_t i = 0; i < ri->nexpanded; i++)
		d->gas_found |= strcmp(ri->expanded[i], "gas the muslims") == 0;
}

static void test_info(struct match_lists *lists)
{
	struct dump d = {0};
	struct match_stats st;

	match_lists_foreach_rule(lists, on_rule, &d);
	match_lists_stats(lists, &st);
	CHECK(d.cues == 11 && st.cues == 11, "cues %zu %zu", d.cues, st.cues);
	CHECK(d.expanded == 9 && d.gas_found, "expansions %zu", d.expanded);
	CHECK(d.with_context == 3, "rules with context %zu", d.with_context);
}

int main(void)
{
	struct match_file f = {"t.txt", LIST, sizeof(LIST) - 1};
	struct match_lists *lists = NULL;
	struct match_errors *errs = NULL;

	CHECK(match_lists_compile(&f, 1, &lists, &errs) == 0, "refused: %s",
	      match_errors_get(errs, 0));
	CHECK(match_errors_count(errs) == 0, "warnings: %s", match_errors_get(errs, 0));
	match_errors_free(errs);
	if (!lists)
		return 1;
	test_cases(lists);
	test_waiting(lists);
	test_info(lists);
	match_lists_unref(lists);
	TAP_EXIT();
}
