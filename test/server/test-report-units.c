/* test-report-units.c: the weekly report's building blocks: text clipped on UTF-8 character
 * boundaries, and its thumbnails decoded within limits (a 16384×16384 header allocates
 * nothing). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "pdfdoc.h"
#include "pngimage.h"

#include "tap.h"

static void test_clip(void)
{
	static const struct {
		const char *in;
		size_t max;
		const char *out;
	} rows[] = {
	    {"abc", 10, "abc"},
	    {"abc", 3, "abc"},
	    {"abcdefgh", 6, "abc…"},
	    {"ééééé", 10, "ééééé"},
	    {"ééééé", 7, "éé…"}, /* the cut falls on a character's first byte */
	    {"ééééé", 8, "éé…"}, /* ... or inside one: back to its start */
	    {"😀😀😀", 9, "😀…"},    /* four-byte characters */
	    {"😀😀😀", 6, "…"},     /* not even one fits */
	    {"日本語の文章", 12, "日本語…"},
	    {"a\xff"
	     "b",
	     10,
	     "a\xef\xbf\xbd"
	     "b"},                            /* invalid bytes replaced */
	    {"ab\xc3", 10, "ab\xef\xbf\xbd"}, /* a cut-off character at the end */
	    {NULL, 10, ""},
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char *got = pdfdoc_clip(rows[i].in, rows[i].max);
		CHECK(strcmp(got, rows[i].out) == 0, "clip row %zu: got \"%s\", want \"%s\"", i,
		      got, rows[i].out);
		CHECK(g_utf8_validate(got, -1, NULL), "clip row %zu: valid UTF-8", i);
		CHECK(strlen(got) <= rows[i].max || !rows[i].in ||
		          strlen(rows[i].in) <= rows[i].max,
		      "clip row %zu: at most %zu bytes", i, rows[i].max);
		g_free(got);
	}
}

struct png {
	unsigned char *p;
	size_t len;
};

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static void chunk(struct png *o, const char *type, const void *data, size_t n)
{
	uLong crc = crc32(crc32(0, Z_NULL, 0), (const Bytef *)type, 4);

	if (n) /* crc32() of Z_NULL would start over */
		crc = crc32(crc, data, (uInt)n);
	o->p = realloc(o->p, o->len + 12 + n);
	put32(o->p + o->len, (uint32_t)n);
	memcpy(o->p + o->len + 4, type, 4);
	if (n)
		memcpy(o->p + o->len + 8, data, n);
	put32(o->p + o->len + 8 + n, (uint32_t)crc);
	o->len += 12 + n;
}

/* A PNG of w×h: colour type ct (2 RGB, 6 RGBA, 4 grey+alpha), 8 bits, every pixel px
 * (bytes per pixel: 3, 4 or 2); with rows false only the header (no image data). */
static struct png make_png(uint32_t w, uint32_t h, int ct, int interlace, const void *px, bool rows)
{
	struct png o = {0};
	size_t bpp = ct == 2 ? 3 : ct == 6 ? 4 : 2, row = 1 + w * bpp;
	unsigned char ihdr[13] = {(unsigned char)(w >> 24),
	                          (unsigned char)(w >> 16),
	                          (unsigned char)(w >> 8),
	                          (unsigned char)w,
	                          (unsigned char)(h >> 24),
	                          (unsigned char)(h >> 16),
	                          (unsigned char)(h >> 8),
	                          (unsigned char)h,
	                          8,
	                          (unsigned char)ct,
	                          0,
	                          0,
	                          (unsigned char)interlace};

	o.p = malloc(8);
	memcpy(o.p, "\x89PNG\r\n\x1a\n", 8);
	o.len = 8;
	chunk(&o, "IHDR", ihdr, 13);
	if (rows) {
		/* Adam7 passes: start and step in x and y; one pass of the whole image
		 * when not interlaced */
		static const int adam7[7][4] = {{0, 0, 8, 8}, {4, 0, 8, 8}, {0, 4, 4, 8},
		                                {2, 0, 4, 4}, {0, 2, 2, 4}, {1, 0, 2, 2},
		                                {0, 1, 1, 2}},
		                 flat[1][4] = {{0, 0, 1, 1}};
		const int(*pass)[4] = interlace ? adam7 : flat;
		size_t raw_len = row * h * 2, zlen = compressBound((uLong)raw_len), off = 0;
		unsigned char *raw = calloc(1, raw_len), *z = malloc(zlen);
		for (int k = 0; k < (interlace ? 7 : 1); k++) {
			size_t pw = (w - pass[k][0] + pass[k][2] - 1) / pass[k][2],
			       ph = (h - pass[k][1] + pass[k][3] - 1) / pass[k][3];
			for (size_t y = 0; pw && y < ph; y++) {
				raw[off++] = 0; /* filter: none */
				for (size_t x = 0; x < pw; x++, off += bpp)
					memcpy(raw + off, px, bpp);
			}
		}
		compress2(z, &zlen, raw, (uLong)off, 9);
		chunk(&o, "IDAT", z, zlen);
		free(raw);
		free(z);
	}
	chunk(&o, "IEND", NULL, 0);
	return o;
}

static void test_decode(void)
{
	static const unsigned char red[3] = {255, 0, 0}, half_blue[4] = {0, 0, 255, 128},
	                           grey[2] = {200, 255};
	static const struct {
		uint32_t w, h;
		int ct, interlace;
		const void *px;
		uint32_t max_w, max_h;
		int err;
		uint32_t tw, th, rgb; /* the result's size and middle pixel */
	} rows[] = {
	    {64, 32, 2, 0, red, 32, 32, 0, 32, 16, 0xff0000},
	    {20, 10, 2, 0, red, 340, 256, 0, 20, 10, 0xff0000},     /* never enlarged */
	    {40, 40, 6, 0, half_blue, 20, 20, 0, 20, 20, 0x0000ff}, /* alpha dropped */
	    {30, 60, 4, 0, grey, 100, 30, 0, 15, 30, 0xc8c8c8},     /* grey, tall */
	    {64, 32, 2, 1, red, 32, 32, -ENOTSUP, 0, 0, 0},         /* interlaced */
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct png p =
		    make_png(rows[i].w, rows[i].h, rows[i].ct, rows[i].interlace, rows[i].px, true);
		struct pngimage *im = NULL;
		int r = pngimage_decode_fit(p.p, p.len, rows[i].max_w, rows[i].max_h, &im);
		CHECK(r == rows[i].err, "decode row %zu: %d", i, r);
		if (r == 0 && im) {
			uint32_t px = im->pixels[(im->height / 2) * im->width + im->width / 2];
			CHECK(im->width == rows[i].tw && im->height == rows[i].th,
			      "decode row %zu: %ux%u", i, im->width, im->height);
			CHECK(px == rows[i].rgb, "decode row %zu: pixel %06x, want %06x", i, px,
			      rows[i].rgb);
		}
		pngimage_free(im);
		/* every truncation of it is refused (only IEND may be missing): never a crash */
		for (size_t n = 0; n < p.len && !rows[i].err; n += 7) {
			im = NULL;
			r = pngimage_decode_fit(p.p, n, 32, 32, &im);
			CHECK((r == -EINVAL && !im) || (r == 0 && n >= p.len - 12),
			      "row %zu cut at %zu: %d", i, n, r);
			im = pngimage_free(im);
		}
		free(p.p);
	}
}

/* Header-only PNGs beyond the limits are refused before any pixel memory exists. Run in
 * a child whose address space is capped at 256 MiB (without a sanitizer's shadow memory):
 * a decoder that trusted the header would need 1 GiB for 16384×16384. */
static void test_limits(void)
{
	static const struct {
		uint32_t w, h;
	} rows[] = {{16384, 16384},
	            {PNGIMAGE_MAX_DIMENSION + 1, 1},
	            {1, PNGIMAGE_MAX_DIMENSION + 1},
	            {8193, 8193} /* within the side, beyond the pixels */,
	            {0, 10}};
	static const unsigned char red[3] = {255, 0, 0};
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		int bad = 0;
#if !defined(__SANITIZE_ADDRESS__) && !defined(__has_feature)
		struct rlimit rl = {256L << 20, 256L << 20};
		setrlimit(RLIMIT_AS, &rl);
#elif defined(__has_feature)
#if !__has_feature(address_sanitizer)
		struct rlimit rl = {256L << 20, 256L << 20};
		setrlimit(RLIMIT_AS, &rl);
#endif
#endif
		for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
			struct png p = make_png(rows[i].w, rows[i].h, 2, 0, red, false);
			struct pngimage *im = NULL;
			int r = pngimage_decode_fit(p.p, p.len, 340, 256, &im);
			if (r != -EINVAL || im) {
				printf("FAIL limits row %zu (%ux%u): %d\n", i, rows[i].w, rows[i].h,
				       r);
				bad++;
			}
			free(p.p);
		}
		_exit(bad ? 1 : 0);
	}
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	          WEXITSTATUS(status) == 0,
	      "PNGs beyond the limits refused within 256 MiB");
}

/* A thumbnail's round trip: decoded, encoded, decoded again to the same pixels. */
static void test_encode(void)
{
	static const unsigned char green[3] = {0, 200, 0};
	struct png p = make_png(300, 200, 2, 0, green, true);
	struct pngimage *im = NULL, *back = NULL;
	char *out = NULL;
	size_t len = 0;

	CHECK(pngimage_decode_fit(p.p, p.len, 192, 120, &im) == 0 && im, "decode");
	CHECK(im && im->width == 180 && im->height == 120, "fits 192x120 keeping 3:2");
	CHECK(im && pngimage_encode(im, &out, &len) == 0 && len > 8, "encode");
	CHECK(out && pngimage_decode_fit(out, len, 1000, 1000, &back) == 0 && back &&
	          back->width == 180 && back->height == 120 && back->pixels[0] == 0x00c800,
	      "encoded thumbnail decodes to the same size and colour");
	CHECK(pngimage_encode(NULL, &out, &len) == -EINVAL, "nothing to encode");
	pngimage_free(im);
	pngimage_free(back);
	free(out);
	free(p.p);
}

int main(void)
{
	test_clip();
	test_decode();
	test_limits();
	test_encode();
	printf("%s\n", tap_failed ? "FAILED" : "all passed");
	TAP_EXIT();
}
