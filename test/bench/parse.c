/* parse.c: CPU per capture record in the server's validator, beside jansson parsing it whole. */
/*
 * usage: bench-parse [--kib 150] [--rounds 400]
 *
 * Builds one vigil.capture/1 record whose screenshot is about --kib KiB of PNG bytes
 * (base64 in the body, as agents send it), then times, on this thread's CPU clock:
 *  - capture_parse(): the whole validation the server does per upload (the record parsed
 *    without building the base64 as a JSON string, the base64 decoded, the PNG header
 *    and the SHA-256 checked, the stored record written);
 *  - json_loadb() of the same body alone: what the validator cost before it found the
 *    base64 in place, before any check (the peer figure).
 */
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "capture_validate.h"
#include "parse.h"

static double cpu_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* A PNG signature and IHDR (1920x1080 RGB) followed by len bytes of noise in an IDAT. */
static unsigned char *make_png(size_t len, size_t *out_len)
{
	static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
	size_t n = 8 + 25 + 12 + len + 12;
	unsigned char *p = malloc(n), *q;

	if (!p)
		return NULL;
	memcpy(p, sig, 8);
	q = p + 8;
	put32(q, 13);
	memcpy(q + 4, "IHDR", 4);
	put32(q + 8, 1920);
	put32(q + 12, 1080);
	memcpy(q + 16, (unsigned char[]){8, 2, 0, 0, 0}, 5);
	put32(q + 21, (uint32_t)crc32(0, q + 4, 17));
	q += 25;
	put32(q, (uint32_t)len);
	memcpy(q + 4, "IDAT", 4);
	randombytes_buf(q + 8, len);
	put32(q + 8 + len, (uint32_t)crc32(0, q + 4, (uInt)len + 4));
	q += 12 + len;
	put32(q, 0);
	memcpy(q + 4, "IEND", 4);
	put32(q + 8, (uint32_t)crc32(0, q + 4, 4));
	*out_len = n;
	return p;
}

static char *make_record(size_t png_bytes, size_t *len)
{
	unsigned char *png, md[32];
	char hex[65], *b64, *body;
	size_t png_len, b64_len;
	json_t *rec;

	if (!(png = make_png(png_bytes, &png_len)))
		return NULL;
	crypto_hash_sha256(md, png, png_len);
	sodium_bin2hex(hex, sizeof(hex), md, sizeof(md));
	b64_len = sodium_base64_encoded_len(png_len, sodium_base64_VARIANT_ORIGINAL);
	b64 = malloc(b64_len);
	sodium_bin2base64(b64, b64_len, png, png_len, sodium_base64_VARIANT_ORIGINAL);
	rec =
	    json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:{s:s, s:i, s:s, s:s, s:s},"
	              " s:s, s:{s:s, s:s}, s:{s:s, s:i, s:i, s:s, s:s}, s:{s:s, s:s}}",
	              "schema", "vigil.capture/1", "id", "0b5d7c5e-4d0e-4f55-9a43-5f0c8d7e9a10",
	              "time", "2026-11-23T09:14:03.120Z", "machine", "LAB1-PC07", "user", "jsmith",
	              "source", "typed", "reason", "category", "self-harm", "severity", 5, "phrase",
	              "kill myself", "matched", "k1ll mys3lf", "rule", "self-harm.txt:12",
	              "context", "i just want to k1ll mys3lf tonight", "window", "title",
	              "Untitled Document 1 - LibreOffice Writer", "app", "libreoffice",
	              "screenshot", "type", "image/png", "width", 1920, "height", 1080, "sha256",
	              hex, "data", b64, "agent", "version", "0.1.0", "wordlists", "abc");
	body = json_dumps(rec, JSON_COMPACT);
	json_decref(rec);
	free(b64);
	free(png);
	*len = body ? strlen(body) : 0;
	return body;
}

int main(int argc, char **argv)
{
	int64_t kib = 150, rounds = 400;
	struct capture_error err;
	struct capture *c;
	double t0, parse_us, loadb_us;
	size_t len;
	char *body;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--kib") == 0 && parse_int64(argv[i + 1], 1, 12000, &kib) == 0)
			continue;
		if (strcmp(argv[i], "--rounds") == 0 &&
		    parse_int64(argv[i + 1], 1, 1000000, &rounds) == 0)
			continue;
		fprintf(stderr, "usage: bench-parse [--kib N] [--rounds N]\n");
		return 2;
	}
	if (sodium_init() < 0 || !(body = make_record((size_t)kib * 1024, &len)))
		return 1;
	t0 = cpu_us();
	for (int64_t i = 0; i < rounds; i++) {
		if (capture_parse(body, len, &c, &err) < 0) {
			fprintf(stderr, "bench-parse: record refused: %s\n", err.message);
			return 1;
		}
		capture_free(c);
	}
	parse_us = (cpu_us() - t0) / (double)rounds;
	t0 = cpu_us();
	for (int64_t i = 0; i < rounds; i++)
		json_decref(json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL));
	loadb_us = (cpu_us() - t0) / (double)rounds;
	printf("record of %zu bytes (%lld KiB of PNG), %lld rounds, CPU per record:\n", len,
	       (long long)kib, (long long)rounds);
	printf("  vigil capture_parse (whole validation): %8.1f us\n", parse_us);
	printf("  jansson json_loadb of the body alone:   %8.1f us (%.1fx vigil)\n", loadb_us,
	       loadb_us / parse_us);
	free(body);
	return 0;
}
