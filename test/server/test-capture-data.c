/* test-capture-data.c: screenshot.data is strict base64, read in place or as a JSON string. */
#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture_validate.h"

#include "tap.h"

/*
 * A large image's base64 is read where it stands in the body, a small one's through
 * jansson (below 4 KiB of base64): every case runs at both sizes, so neither path
 * accepts what the other refuses.
 */
static const size_t sizes[] = {100, 60000};

/* A PNG of n bytes as far as the validator reads one: signature, IHDR of a 4 x 3 8-bit
 * RGB image, not interlaced, then noise. */
static unsigned char *image(size_t n)
{
	static const unsigned char head[29] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0,
	                                       0,    13,  'I', 'H', 'D',  'R',  0,    0,    0, 4,
	                                       0,    0,   0,   3,   8,    2,    0,    0,    0};
	unsigned char *p = malloc(n);

	randombytes_buf(p, n);
	memcpy(p, head, sizeof(head));
	return p;
}

/* The record's body with data as screenshot.data's JSON text (quotes included) and sha
 * as its digest. */
static char *body(const char *data_json, const unsigned char *png, size_t n)
{
	unsigned char digest[crypto_hash_sha256_BYTES];
	char hex[crypto_hash_sha256_BYTES * 2 + 1], *out;

	crypto_hash_sha256(digest, png, n);
	sodium_bin2hex(hex, sizeof(hex), digest, sizeof(digest));
	if (asprintf(
	        &out,
	        "{\"schema\":\"vigil.capture/1\",\"id\":\"0f3c9a52-7d41-4c1e-9b8a-2e5d6f708192\","
	        "\"time\":\"2026-11-26T10:00:00Z\",\"machine\":\"LAB2-PC04\",\"user\":\"pupil\","
	        "\"source\":\"typed\",\"context\":\"the bus was late again today\","
	        "\"reason\":{\"category\":\"bullying\",\"severity\":3,\"phrase\":\"late\","
	        "\"matched\":\"late\",\"rule\":\"bullying.txt:3\"},"
	        "\"window\":{\"title\":\"Notes\",\"app\":\"notes\"},"
	        "\"screenshot\":{\"type\":\"image/png\",\"width\":4,\"height\":3,"
	        "\"sha256\":\"%s\",\"data\":%s},"
	        "\"agent\":{\"version\":\"0.1.0\",\"wordlists\":\"\"}}",
	        hex, data_json) < 0)
		abort();
	return out;
}

/* png's base64 (malloc'd, with room for 8 more bytes). */
static char *encode(const unsigned char *png, size_t n)
{
	size_t len = sodium_base64_encoded_len(n, sodium_base64_VARIANT_ORIGINAL);
	char *b64 = malloc(len + 8);

	sodium_bin2base64(b64, len, png, n, sodium_base64_VARIANT_ORIGINAL);
	return b64;
}

static int parse_text(const char *text, struct capture **c, struct capture_error *err)
{
	*c = NULL;
	memset(err, 0, sizeof(*err));
	return capture_parse(text, strlen(text), c, err);
}

static void test_accepted(size_t n)
{
	unsigned char *png = image(n);
	char *b64 = encode(png, n), *quoted, *text;
	struct capture_error err;
	struct capture *c;

	if (asprintf(&quoted, "\"%s\"", b64) < 0)
		abort();
	text = body(quoted, png, n);
	CHECK(parse_text(text, &c, &err) == 0, "%zu bytes: refused: %s", n, err.message);
	CHECK(c && c->png_len == n && memcmp(c->png, png, n) == 0,
	      "%zu bytes: the image decoded as sent", n);
	capture_free(c);
	free(text);
	free(quoted);
	free(b64);
	free(png);
}

/* screenshot.data's JSON text from a template: '<' the first 4 characters of b64, '~' its
 * middle, '>' its last 4 characters; anything else as it stands (malloc'd). */
static char *expand(const char *tpl, const char *b64)
{
	size_t len = strlen(b64), size = strlen(tpl) + len + 3, n = 0;
	char *out = malloc(size);

	out[n++] = '"';
	for (const char *t = tpl; *t; t++) {
		const char *from = t, *to = t + 1;
		if (*t == '<')
			from = b64, to = b64 + 4;
		else if (*t == '~')
			from = b64 + 4, to = b64 + len - 4;
		else if (*t == '>')
			from = b64 + len - 4, to = b64 + len;
		memcpy(out + n, from, (size_t)(to - from));
		n += (size_t)(to - from);
	}
	out[n++] = '"';
	out[n] = '\0';
	return out;
}

/* Each way of spoiling the base64 text is refused as screenshot.data, as not base64 (the
 * image's first bytes are kept, so no row is refused as "not a PNG" instead). */
static void test_refused(size_t n)
{
	static const struct {
		const char *what, *tpl; /* the template of expand() */
	} rows[] = {
	    {"as sent", "<~>"}, /* (accepted: the template's check) */
	    {"padding in the middle", "<QU=D~>"},
	    {"padding and more in the middle", "<QQ==~>"},
	    {"three padding characters", "<~Q==="},
	    {"four padding characters", "<~===="},
	    {"junk after the padding", "<~QQ==QUJD"},
	    {"a space in the middle", "<QUJ ~>"},
	    {"four leading spaces", "    <~>"},
	    {"four trailing spaces", "<~>    "},
	    {"a trailing space", "<~QUJ "},
	    {"four trailing dashes", "<~>----"},
	    {"an escaped newline in the middle", "<QUJ\\n~>"},
	    {"four trailing escaped newlines", "<~>\\n\\n\\n\\n"},
	    {"four leading tabs", "\\t\\t\\t\\t<~>"},
	    {"URL-safe characters", "<QU-_~>"},
	    {"a length not a multiple of 4", "<~>Q"},
	};
	unsigned char *png = image(n);
	char *b64 = encode(png, n);

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct capture_error err;
		struct capture *c;
		char *data = expand(rows[i].tpl, b64), *text = body(data, png, n);
		int r = parse_text(text, &c, &err);

		if (i == 0)
			CHECK(r == 0, "%zu bytes, %s: refused: %s", n, rows[i].what, err.message);
		else
			CHECK(r == -EINVAL && strcmp(err.field, "screenshot.data") == 0 &&
			          strstr(err.message, "base64"),
			      "%zu bytes, %s: %d, field \"%s\" (%s)", n, rows[i].what, r, err.field,
			      err.message);
		capture_free(c);
		free(text);
		free(data);
	}
	free(b64);
	free(png);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		test_accepted(sizes[i]);
		test_refused(sizes[i]);
	}
	printf("%s\n", tap_failed ? "FAILED" : "all passed");
	TAP_EXIT();
}
