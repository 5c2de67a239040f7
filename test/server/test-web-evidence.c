/* test-web-evidence.c: each hit's evidence as the pages and the case record read it from a
 * stored record: a hit's own source, words and screenshot, the capture's where it has none,
 * bad offsets and frame numbers ignored, words escaped, and records without the fields. */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "caserecord.h"
#include "web.h"

#include "tap.h"

#define SHA_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SHA_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

static const char record[] =
    "{\"time\":\"2026-11-23T09:14:03.120Z\",\"source\":\"typed\","
    "\"context\":\"i just want to k1ll mys3lf tonight\","
    "\"reason\":{\"category\":\"self-harm\",\"severity\":5,\"phrase\":\"kill myself\","
    "\"matched\":\"k1ll mys3lf\"},"
    "\"screenshot\":{\"sha256\":\"" SHA_A "\"},"
    "\"frames\":[{\"sha256\":\"" SHA_B "\",\"time\":\"2026-11-23T09:14:05.400Z\"},"
    "{\"sha256\":\"../../etc/passwd\",\"time\":\"soon\"}],"
    "\"hits\":["
    /* 0: the capture's words, found by offsets */
    "{\"category\":\"self-harm\",\"severity\":5,\"phrase\":\"kill myself\","
    "\"matched\":\"k1ll mys3lf\",\"start\":15,\"end\":26,\"frame\":0},"
    /* 1: its own words, source and frame */
    "{\"category\":\"grooming\",\"severity\":5,\"phrase\":\"dont tell your parents\","
    "\"matched\":\"dont tell your parents\",\"start\":0,\"end\":22,\"source\":\"clipboard\","
    "\"context\":\"dont tell your parents <b>ok</b>\",\"frame\":1},"
    /* 2: offsets past its own words, a frame the record does not have */
    "{\"category\":\"bullying\",\"severity\":2,\"phrase\":\"loser\",\"matched\":\"LOSER\","
    "\"start\":40,\"end\":45,\"source\":\"window-title\",\"context\":\"what a loser\","
    "\"frame\":7},"
    /* 3: no offsets: outside its words */
    "{\"category\":\"grooming\",\"severity\":3,\"phrase\":\"our secret\",\"matched\":\"our "
    "secret\",\"start\":null,\"end\":null,\"source\":\"screen-text\",\"frame\":-1}"
    "]}";

static json_t *load(const char *text)
{
	json_t *rec = json_loads(text, 0, NULL);

	if (!rec) {
		fprintf(stderr, "bad test record\n");
		exit(1);
	}
	return rec;
}

static void test_evidence(void)
{
	json_t *rec = load(record), *hits = json_object_get(rec, "hits");
	struct caserecord_hit e;
	const char *sha;
	int64_t ms;

	caserecord_hit_evidence(rec, json_array_get(hits, 0), &e);
	CHECK(strcmp(e.source, "typed") == 0, "the capture's source: %s", e.source);
	CHECK(!e.own_context && strcmp(e.context, "i just want to k1ll mys3lf tonight") == 0,
	      "the capture's words");
	CHECK(e.start == 15 && e.end == 26 && e.shot == 0, "%zu-%zu on %d", e.start, e.end, e.shot);

	caserecord_hit_evidence(rec, json_array_get(hits, 1), &e);
	CHECK(strcmp(e.source, "clipboard") == 0 && e.own_context &&
	          strcmp(e.context, "dont tell your parents <b>ok</b>") == 0,
	      "its own source and words: %s, %s", e.source, e.context);
	CHECK(e.start == 0 && e.end == 22 && e.shot == 1, "%zu-%zu on %d", e.start, e.end, e.shot);

	/* Offsets past its words: found by what matched (ignoring case); no such frame. */
	caserecord_hit_evidence(rec, json_array_get(hits, 2), &e);
	CHECK(strcmp(e.source, "window title") == 0, "a source in words: %s", e.source);
	CHECK(e.start == 7 && e.end == 12, "found in its own words: %zu-%zu", e.start, e.end);
	CHECK(e.shot == -1, "a frame the record does not have: %d", e.shot);

	caserecord_hit_evidence(rec, json_array_get(hits, 3), &e);
	CHECK(strcmp(e.source, "screen text") == 0 && e.start == e.end && e.shot == -1,
	      "outside the context, no frame: %zu-%zu on %d", e.start, e.end, e.shot);

	CHECK(caserecord_shots(rec) == 3, "the screenshot and two frames");
	CHECK(caserecord_shot(rec, 0, &sha, &ms) == 0 && sha && strcmp(sha, SHA_A) == 0 &&
	          ms == 1795425243120LL,
	      "the screenshot, at the capture's time: %lld", (long long)ms);
	CHECK(caserecord_shot(rec, 1, &sha, &ms) == 0 && sha && strcmp(sha, SHA_B) == 0 &&
	          ms == 1795425245400LL,
	      "frame 1 and its time: %lld", (long long)ms);
	CHECK(caserecord_shot(rec, 2, &sha, &ms) == 0 && !sha && ms == 0,
	      "a frame whose hash is not one is no image");
	CHECK(caserecord_shot(rec, 3, &sha, &ms) == -ENOENT, "no frame 3");
	json_decref(rec);
}

static char *page(json_t *rec, int what)
{
	struct html h;

	html_init(&h);
	if (what == 0)
		web_context_marked(&h, rec);
	else
		web_hits_list(&h, rec, what == 1 ? WEB_HITS_COMPACT : WEB_HITS_EVIDENCE);
	return html_take(&h, NULL);
}

static void test_pages(void)
{
	json_t *rec = load(record);
	char *ctx = page(rec, 0), *compact = page(rec, 1), *full = page(rec, 2), buf[64];

	/* The capture's context marks only the hits whose words it holds. */
	CHECK(strcmp(ctx, "i just want to <mark>k1ll mys3lf</mark> tonight") == 0, "%s", ctx);
	CHECK(strstr(compact, "<span class=\"src\">clipboard</span> grooming 5: dont tell") &&
	          !strstr(compact, "hit-context") && !strstr(compact, "on-shot"),
	      "the queue: sources, no words or screenshots: %s", compact);
	CHECK(strstr(full, "<q class=\"hit-context\"><mark>dont tell your parents</mark> "
	                   "&lt;b&gt;ok&lt;/b&gt;</q> <a class=\"on-shot\" href=\"#shot-2\">on "
	                   "screenshot 2, 09:14:05</a>"),
	      "the capture page: its own words, marked and escaped, and its frame: %s", full);
	CHECK(strstr(full, "<q class=\"hit-context\">what a <mark>loser</mark></q></li>"),
	      "no screenshot for a frame that is not there: %s", full);
	CHECK(strstr(full, "href=\"#shot-1\">on screenshot 1, 09:14:03</a>"), "%s", full);
	CHECK(web_hits_distinct(rec, WEB_HITS_CATEGORIES, buf, sizeof(buf)) &&
	          strcmp(buf, "self-harm, grooming, bullying") == 0,
	      "categories, the reason's first, once each: %s", buf);
	CHECK(web_hits_distinct(rec, WEB_HITS_SOURCES, buf, sizeof(buf)) &&
	          strcmp(buf, "typed, window title, clipboard, screen text") == 0,
	      "sources in words, once each: %s", buf);
	CHECK(web_hits_distinct(rec, WEB_HITS_SOURCES, buf, 20) &&
	          strcmp(buf, "typed, window title") == 0,
	      "what does not fit is left out: %s", buf);
	free(ctx);
	free(compact);
	free(full);
	json_decref(rec);
}

/* A record of before: no per-hit fields, no frames, no hits. */
static void test_old(void)
{
	json_t *rec = load("{\"source\":\"typed\",\"context\":\"i just want to k1ll mys3lf\","
	                   "\"reason\":{\"category\":\"self-harm\",\"severity\":5,\"phrase\":"
	                   "\"kill myself\",\"matched\":\"k1ll mys3lf\",\"rule\":\"s.txt:1\"}}");
	char *ctx = page(rec, 0), *full = page(rec, 2), buf[64];
	struct caserecord_hit e;

	caserecord_hit_evidence(rec, json_object_get(rec, "reason"), &e);
	CHECK(!e.own_context && e.start == 15 && e.end == 26 && e.shot == -1,
	      "the reason found in the context");
	CHECK(strcmp(ctx, "i just want to <mark>k1ll mys3lf</mark>") == 0, "%s", ctx);
	CHECK(strcmp(full,
	             "<ul class=\"hits\"><li class=\"hit\"><span class=\"src\">typed</span> "
	             "self-harm 5: kill myself <span class=\"rule\">(s.txt:1)</span></li></ul>") ==
	          0,
	      "%s", full);
	CHECK(caserecord_shots(rec) == 1, "one screenshot");
	CHECK(web_hits_distinct(rec, WEB_HITS_CATEGORIES, buf, sizeof(buf)) &&
	          strcmp(buf, "self-harm") == 0,
	      "%s", buf);
	free(ctx);
	free(full);
	json_decref(rec);
}

int main(void)
{
	test_evidence();
	test_pages();
	test_old();
	TAP_EXIT();
}
