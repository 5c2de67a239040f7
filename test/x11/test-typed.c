/* test-typed.c: typed segments, edits, pause scans and hit context, without an X server. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent-limits.h"
#include "detect.h"
#include "typed.h"

#define NS 1000000000ull

static char got[4096];
static size_t got_len;
static size_t max_context_chars;

static size_t utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

static void sink(const struct hit *hit, void *userdata)
{
	size_t c = utf8_chars(hit->context);

	if (c > max_context_chars)
		max_context_chars = c;
	got_len += (size_t)snprintf(got + got_len, sizeof(got) - got_len, "%s%s=%s",
	                            got_len ? ";" : "", hit->phrase, hit->matched);
}

/*
 * Keys as a string: characters insert, and
 *   #  Backspace   ~  Delete   !  Ctrl+Backspace   <  Left   >  Right
 *   ^  Home        $  End      |  segment end      %  a pause (idle scan)
 *   \n Enter       =  a long pause (11 s: lines held before are let go)
 *   @, &  type into window 1 or 2 from here on (no segment ends)
 */
static void play(struct typed *t, const char *keys, uint64_t *now)
{
	unsigned long window = 1;

	for (const char *p = keys; *p; p++) {
		struct text_event ev = {.edit = TEXT_INSERT};

		*now += NS / 20;
		switch (*p) {
		case '#':
			ev.edit = TEXT_BACKSPACE;
			break;
		case '~':
			ev.edit = TEXT_DELETE;
			break;
		case '!':
			ev.edit = TEXT_DELETE_WORD;
			break;
		case '<':
			ev.edit = TEXT_LEFT;
			break;
		case '>':
			ev.edit = TEXT_RIGHT;
			break;
		case '^':
			ev.edit = TEXT_HOME;
			break;
		case '$':
			ev.edit = TEXT_END;
			break;
		case '|':
			ev.edit = TEXT_BREAK;
			break;
		case '\n':
			ev.edit = TEXT_NEWLINE;
			break;
		case '=':
			*now += 11 * NS;
			typed_tick(t, *now);
			continue;
		case '%':
			*now += 2 * NS;
			typed_tick(t, *now);
			continue;
		case '@':
		case '&':
			window = *p == '@' ? 1 : 2;
			continue;
		default: {
			size_t n = 1;

			while ((p[n] & 0xc0) == 0x80)
				n++;
			memcpy(ev.text, p, n);
			ev.len = n;
			p += n - 1;
		}
		}
		typed_input(t, window, &ev, *now);
	}
}

static const struct {
	const char *keys;
	const char *want; /* phrase=matched;... in order of report */
} rows[] = {
    {"i want to kill myself ", "kill myself=kill myself"},
    {"i want to k1ll mys3lf|", "kill myself=k1ll mys3lf"},
    {"kiiiill myseeelf.", "kill myself=kiiiill myseeelf"},
    {"kill mysalf###elf ", "kill myself=kill myself"},
    {"kill mys########a cat ", ""},
    {"meet me secretlyx<~$ ok|", "meet me secretly=meet me secretly"},
    {"xmeet me secretly^~|", "meet me secretly=meet me secretly"},
    {"hate everyone!|", ""},
    {"hate everyone! kind|", ""},
    {"blue whale challenge%", "blue whale challenge=blue whale challenge"},
    {"blue whale %challenge ", "blue whale challenge=blue whale challenge"},
    {"blue whale challenge%% more|", "blue whale challenge=blue whale challenge"},
    {"@i hate &everyone @|", ""},
    {"@i hate &nice @everyone|", "hate everyone=hate everyone"},
    {"kill | myself ", ""},
    {"the skills test went well ", ""},
    {"hate everyone. hate everyone.", "hate everyone=hate everyone;hate everyone=hate everyone"},
    {"I HATE EVERYONE|", "hate everyone=HATE EVERYONE"},
    {"send me £50 for pics ", "£50 for pics=50 for pics"},
    /* Lines typed one after another in a window are one text for a short time. */
    {"i hate\neveryone\n", "hate everyone=hate everyone"},
    {"i hate\n%everyone ", "hate everyone=hate everyone"},
    {"i hate\n#everyone ", "hate everyone=hate everyone"},
    {"i hate\n=everyone ", ""},
    {"i hate\nyou=\neveryone ", ""},
    {"i hate\n@&everyone @\n", ""},
    {"kill myself\n", "kill myself=kill myself"},
    {"kill myself\nkill myself\n", "kill myself=kill myself;kill myself=kill myself"},
};

static int test_rows(struct match_lists *lists)
{
	int failed = 0;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct detect *d = detect_new(0, sink, NULL);
		struct typed *t;
		uint64_t now = 1000 * NS;

		detect_set_lists(d, lists);
		t = typed_new(d, 1000, NULL, NULL);
		got_len = 0;
		got[0] = '\0';
		play(t, rows[i].keys, &now);
		typed_free(t);
		detect_free(d);
		if (strcmp(got, rows[i].want) != 0) {
			printf("not ok: \"%s\": want \"%s\", got \"%s\"\n", rows[i].keys,
			       rows[i].want, got);
			failed++;
		}
	}
	return failed;
}

/* A long run of typing holds at most AGENT_TYPED_KEEP_BYTES and still finds phrases. */
static int test_bounds(struct match_lists *lists)
{
	struct detect *d = detect_new(0, sink, NULL);
	struct typed *t;
	uint64_t now = 1000 * NS;
	int failed = 0;

	detect_set_lists(d, lists);
	t = typed_new(d, 1000, NULL, NULL);
	got_len = 0;
	got[0] = '\0';
	max_context_chars = 0;
	for (int i = 0; i < 300; i++)
		play(t, "a long day at school with friends ", &now);
	play(t, "and i want to kill myself ", &now);
	for (int i = 0; i < 300; i++)
		play(t, "é", &now);
	if (typed_bytes_held(t) > AGENT_TYPED_KEEP_BYTES) {
		printf("not ok: %zu bytes held\n", typed_bytes_held(t));
		failed++;
	}
	if (strcmp(got, "kill myself=kill myself") != 0 || max_context_chars > 256 ||
	    max_context_chars < 200) {
		printf("not ok: long typing: got \"%s\", context %zu chars\n", got,
		       max_context_chars);
		failed++;
	}
	typed_end_all(t);
	if (typed_bytes_held(t) != 0) {
		printf("not ok: segment text not wiped at the end\n");
		failed++;
	}
	typed_free(t);
	detect_free(d);
	return failed;
}

static const struct {
	const char *text;
	size_t start, end, max;
	const char *want;
} ctx_rows[] = {
    {"abcdefghij", 4, 6, 4, "defg"},
    {"abcdefghij", 0, 2, 4, "abcd"},
    {"abcdefghij", 8, 10, 4, "ghij"},
    {"abcdefghij", 2, 9, 3, "cde"},
    {"ab\ncd\x01", 0, 6, 10, "ab cd "},
    {"\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac", 3, 6, 1, "\xe2\x82\xac"},
    {"ok\xff\xfeok", 0, 6, 10, "ok\xef\xbf\xbd\xef\xbf\xbdok"},
};

static int test_context(void)
{
	int failed = 0;

	for (size_t i = 0; i < sizeof(ctx_rows) / sizeof(ctx_rows[0]); i++) {
		char out[64];

		detect_context(ctx_rows[i].text, strlen(ctx_rows[i].text), ctx_rows[i].start,
		               ctx_rows[i].end, ctx_rows[i].max, out, sizeof(out));
		if (strcmp(out, ctx_rows[i].want) != 0) {
			printf("not ok: context row %zu: want \"%s\", got \"%s\"\n", i,
			       ctx_rows[i].want, out);
			failed++;
		}
	}
	return failed;
}

static int test_debounce(struct match_lists *lists)
{
	struct detect *d = detect_new(60, sink, NULL);
	struct typed *t;
	uint64_t now = 1000 * NS;
	int failed = 0;

	detect_set_lists(d, lists);
	t = typed_new(d, 1000, NULL, NULL);
	got_len = 0;
	got[0] = '\0';
	play(t, "hate everyone|hate everyone|@hate everyone|", &now);
	play(t, "&hate everyone|", &now);
	if (strcmp(got, "hate everyone=hate everyone;hate everyone=hate everyone") != 0) {
		printf("not ok: debounce: got \"%s\"\n", got);
		failed++;
	}
	typed_free(t);
	detect_free(d);
	return failed;
}

static int valid_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		int n = *p < 0x80             ? 1
		        : (*p & 0xe0) == 0xc0 ? 2
		        : (*p & 0xf0) == 0xe0 ? 3
		        : (*p & 0xf8) == 0xf0 ? 4
		                              : 0;

		if (n == 0)
			return 0;
		for (int i = 1; i < n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return 0;
		}
		p += n;
	}
	return 1;
}

static int random_bad, random_hits;

static void check_sink(const struct hit *hit, void *userdata)
{
	random_hits++;
	if (utf8_chars(hit->context) > AGENT_CONTEXT_MAX_CHARS || !valid_utf8(hit->context) ||
	    !valid_utf8(hit->matched) || !strstr(hit->context, hit->matched))
		random_bad++;
	/* An exact context holds the match at the hit's offsets. */
	if (hit->context_exact && (hit->span_start < hit->context_at ||
	                           hit->span_end - hit->context_at > strlen(hit->context) ||
	                           (strlen(hit->matched) == hit->span_end - hit->span_start &&
	                            memcmp(hit->context + (hit->span_start - hit->context_at),
	                                   hit->matched, strlen(hit->matched)) != 0)))
		random_bad++;
}

/* Random keys (letters of the lists, multi-byte and invalid bytes, every edit) in random
 * windows: the bounds hold and every hit's text is valid and inside its context. */
/* The context of a hit on a line shows the line before; earlier lines are let go in time. */
static char last_context[1024];

static void context_sink(const struct hit *hit, void *userdata)
{
	snprintf(last_context, sizeof(last_context), "%s", hit->context);
}

static int test_lines(struct match_lists *lists)
{
	struct detect *d = detect_new(0, context_sink, NULL);
	struct typed *t;
	uint64_t now = 1000 * NS;
	int failed = 0;

	detect_set_lists(d, lists);
	t = typed_new(d, 1000, NULL, NULL);
	play(t, "nobody would notice\ni want to kill myself\n", &now);
	if (strcmp(last_context, "nobody would notice i want to kill myself ") != 0) {
		printf("not ok: lines: context \"%s\"\n", last_context);
		failed++;
	}
	play(t, "so tired", &now);
	if (typed_bytes_held(t) != strlen("nobody would notice\ni want to kill myself\nso tired")) {
		printf("not ok: lines: %zu bytes held while typing on\n", typed_bytes_held(t));
		failed++;
	}
	now += 11 * NS;
	typed_tick(t, now);
	if (typed_bytes_held(t) != strlen("so tired")) {
		printf("not ok: lines: %zu bytes held after the earlier lines' time\n",
		       typed_bytes_held(t));
		failed++;
	}
	play(t, "\n", &now);
	now += 11 * NS;
	typed_tick(t, now);
	if (typed_bytes_held(t) != 0 || typed_timeout_ms(t, now) != -1) {
		printf("not ok: lines: %zu bytes held after the last line's time\n",
		       typed_bytes_held(t));
		failed++;
	}
	typed_free(t);
	detect_free(d);
	return failed;
}

static int test_random(struct match_lists *lists)
{
	static const char *const pieces[] = {
	    "kill",         " ",    "myself", "hate", "everyone", "é",
	    "\xe2\x82\xac", "\xff", "\xc3",   "1",    "$",        "."};
	struct detect *d = detect_new(0, check_sink, NULL);
	struct typed *t;
	uint64_t now = 1000 * NS;
	unsigned seed = 12345;

	detect_set_lists(d, lists);
	t = typed_new(d, 1000, NULL, NULL);
	random_bad = 0;
	for (int i = 0; i < 200000; i++) {
		struct text_event ev = {.edit = TEXT_INSERT};
		unsigned r = rand_r(&seed);
		unsigned long window = 1 + (r >> 8) % 3;

		now += NS / 50;
		if (r % 11 < 7) {
			const char *piece = pieces[(r >> 4) % (sizeof(pieces) / sizeof(pieces[0]))];

			ev.len = strlen(piece);
			memcpy(ev.text, piece, ev.len);
		} else {
			ev.edit = (enum text_edit)(1 + (r >> 4) % 9);
		}
		if (r % 997 == 0) {
			now += 2 * NS;
			typed_tick(t, now);
		}
		typed_input(t, window, &ev, now);
		if (typed_bytes_held(t) > 3 * AGENT_TYPED_KEEP_BYTES)
			random_bad++;
	}
	typed_free(t);
	detect_free(d);
	if (random_bad || random_hits < 100) {
		printf("not ok: random keys: %d bad hits or bounds, %d hits\n", random_bad,
		       random_hits);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "test/x11/lists";
	struct match_lists *lists = NULL;
	struct match_errors *errs = NULL;
	int failed;

	if (match_lists_load(&dir, 1, &lists, &errs) < 0) {
		for (size_t i = 0; i < match_errors_count(errs); i++)
			printf("%s\n", match_errors_get(errs, i));
		return 1;
	}
	match_errors_free(errs);
	failed = test_rows(lists) + test_bounds(lists) + test_context() + test_debounce(lists) +
	         test_lines(lists) + test_random(lists);
	match_lists_unref(lists);
	printf("%s\n", failed ? "FAIL" : "ok");
	return failed ? 1 : 0;
}
