/* test-common.c: the shared helpers of common/: the bounded buffer, the monotonic clock,
 * the digests and the wording of what lowered a hit. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "dynbuf.h"
#include "hitwhy.h"
#include "monotime.h"
#include "tap.h"

/* Appends up to the ceiling, refuses a piece that would pass it whole, keeps a NUL. */
static void dynbuf_ceiling(void)
{
	struct dynbuf b;
	char big[5000];
	size_t len = 1;
	char *p;

	memset(big, 'x', sizeof(big));
	dynbuf_init(&b, 10);
	CHECK(dynbuf_take(&b, &len) == NULL && len == 0, "empty buffer hands over nothing");
	CHECK(dynbuf_add(&b, "hello", 5) == 0, "first piece");
	CHECK(dynbuf_add(&b, "world", 5) == 0, "up to the ceiling exactly");
	CHECK(dynbuf_add(&b, "!", 1) == -E2BIG, "one byte past the ceiling refused");
	CHECK(b.len == 10 && strcmp(b.p, "helloworld") == 0, "refused piece not appended: %s", b.p);
	p = dynbuf_take(&b, &len);
	CHECK(p && len == 10 && p[10] == '\0', "taken with its length and a NUL");
	CHECK(b.p == NULL && b.len == 0 && b.max == 10, "take empties, keeps the ceiling");
	free(p);

	dynbuf_init(&b, sizeof(big));
	for (int i = 0; i < 5; i++)
		CHECK(dynbuf_add(&b, big, 1000) == 0, "growth past the first allocation");
	CHECK(dynbuf_add(&b, big, 1) == -E2BIG && b.len == 5000, "ceiling after growth");
	CHECK(b.cap <= sizeof(big) + 1, "never allocates past the ceiling: %zu", b.cap);
	dynbuf_free(&b);
	CHECK(b.p == NULL && b.len == 0, "free empties");
}

/* A budget the hook reserves from, as the server's body budgets do. */
struct budget {
	size_t used, max;
	int calls;
};

static int take(void *arg, size_t from, size_t to)
{
	struct budget *bg = arg;

	bg->calls++;
	if (to > from && to - from > bg->max - bg->used)
		return -ENOBUFS;
	bg->used = bg->used + to - from;
	return 0;
}

/* Growth is reserved before it happens, refused whole, and given back when freed. */
static void dynbuf_hook(void)
{
	struct budget bg = {.max = 8192};
	struct dynbuf b;
	char big[6000];
	char *p;

	memset(big, 'y', sizeof(big));
	dynbuf_init(&b, 100000);
	dynbuf_set_hook(&b, take, &bg);
	CHECK(dynbuf_add(&b, "abc", 3) == 0 && bg.used == b.cap && bg.calls == 1,
	      "the first allocation reserved: %zu of %zu", bg.used, b.cap);
	CHECK(dynbuf_add(&b, big, 5000) == 0 && bg.used == b.cap && b.cap == 8192,
	      "growth reserves the difference: %zu", bg.used);
	CHECK(dynbuf_add(&b, big, sizeof(big)) == -ENOBUFS && b.len == 5003 && b.cap == 8192 &&
	          bg.used == 8192,
	      "a refused growth leaves buffer and budget as they were");
	dynbuf_free(&b);
	CHECK(bg.used == 0 && b.cap == 0, "free gives everything back");
	CHECK(dynbuf_add(&b, "again", 5) == 0 && bg.used == b.cap, "the hook stays after free: %zu",
	      bg.used);
	p = dynbuf_take(&b, NULL);
	CHECK(p && strcmp(p, "again") == 0 && bg.used == 0, "take gives the reservation back");
	free(p);
}

static void monotime_moves(void)
{
	uint64_t t0 = monotime_ns();
	int64_t ms = monotime_ms();

	CHECK(monotime_ns() >= t0, "monotonic");
	CHECK(ms >= 0 && (uint64_t)ms <= monotime_ns() / 1000000u, "ms agrees with ns");
	CHECK(monotime_elapsed_ms(t0) >= 0.0, "elapsed is not negative");
}

/* SHA-256 and base64 against the published test vectors (FIPS 180-2, RFC 4648). */
static void digest_vectors(void)
{
	static const char *b64[][2] = {{"", ""},
	                               {"f", "Zg=="},
	                               {"fo", "Zm8="},
	                               {"foo", "Zm9v"},
	                               {"foob", "Zm9vYg=="},
	                               {"fooba", "Zm9vYmE="},
	                               {"foobar", "Zm9vYmFy"}};
	char hex[DIGEST_SHA256_HEX_SIZE], out[16];

	CHECK(digest_sha256_hex("abc", 3, hex) == 0 &&
	          strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") ==
	              0,
	      "sha256 of abc: %s", hex);
	CHECK(digest_sha256_hex("", 0, hex) == 0 &&
	          strcmp(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855") ==
	              0,
	      "sha256 of nothing: %s", hex);
	CHECK(digest_is_sha256_hex(hex), "a digest's own hex is accepted");
	hex[10] = 'A';
	CHECK(!digest_is_sha256_hex(hex), "upper-case hex refused");
	hex[10] = 'a';
	hex[63] = '\0';
	CHECK(!digest_is_sha256_hex(hex), "63 digits refused");
	for (size_t i = 0; i < sizeof(b64) / sizeof(b64[0]); i++) {
		size_t n = strlen(b64[i][0]);
		size_t w = digest_base64(b64[i][0], n, out);

		CHECK(digest_base64_size(n) == strlen(b64[i][1]) + 1 && w == strlen(b64[i][1]) &&
		          strcmp(out, b64[i][1]) == 0,
		      "base64 of \"%s\": %s", b64[i][0], out);
	}
}

/* What lowered a hit, in one wording; nothing when nothing lowered it; cut whole
 * characters with an ellipsis when it does not fit. */
static void hitwhy_rows(void)
{
	static const struct {
		int severity, base;
		const char *why, *rule, *want;
	} rows[] = {
	    {2, 5, "severity 5 \u2192 2: 'lol' 1 word after", "self-harm.txt:17",
	     "severity 5 \u2192 2: 'lol' 1 word after (rule self-harm.txt:17)"},
	    {2, 5, "severity 5 \u2192 2: 'lol' 1 word after", NULL,
	     "severity 5 \u2192 2: 'lol' 1 word after"},
	    {3, 4, NULL, "s.txt:3", "severity 4 \u2192 3 (rule s.txt:3)"},
	    {3, 4, "", "", "severity 4 \u2192 3"},
	    {5, 5, NULL, "s.txt:3", ""}, /* context left it alone */
	    {5, 0, NULL, NULL, ""},      /* no base severity given */
	    {4, 0, "said in a lesson", NULL, "said in a lesson"},
	};
	char buf[HITWHY_MAX], small[12];
	size_t n;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		n = hitwhy_format(buf, sizeof(buf), rows[i].severity, rows[i].base, rows[i].why,
		                  rows[i].rule);
		CHECK(n == strlen(rows[i].want) && strcmp(buf, rows[i].want) == 0,
		      "row %zu: \"%s\" (want \"%s\")", i, buf, rows[i].want);
	}
	/* Six two-byte letters do not fit in 12 bytes: four whole ones and the ellipsis. */
	n = hitwhy_format(small, sizeof(small), 2, 5, "\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9", "r");
	CHECK(n == strlen(small) && strcmp(small, "\u00e9\u00e9\u00e9\u00e9\u2026") == 0,
	      "cut at a character boundary with an ellipsis: \"%s\"", small);
	n = hitwhy_format(small, 3, 2, 5, "why", NULL);
	CHECK(n == 0 && small[0] == '\0', "no room even for the ellipsis: nothing");
}

int main(void)
{
	hitwhy_rows();
	dynbuf_ceiling();
	dynbuf_hook();
	monotime_moves();
	digest_vectors();
	TAP_EXIT();
}
