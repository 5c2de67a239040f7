/* pngimage.c: screenshots decoded by libpng with limits, downscaled, and encoded again. */
#include "pngimage.h"

#include <errno.h>
#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

struct reader {
	const unsigned char *p;
	size_t len, off;
};

static void read_cb(png_structp png, png_bytep out, png_size_t n)
{
	struct reader *r = png_get_io_ptr(png);

	if (n > r->len - r->off)
		png_error(png, "truncated");
	memcpy(out, r->p + r->off, n);
	r->off += n;
}

/* The caller decides what a failure means and logs it once: libpng prints nothing. */
static void error_cb(png_structp png, png_const_charp msg)
{
	(void)msg;
	png_longjmp(png, 1);
}

static void warn_cb(png_structp png, png_const_charp msg)
{
	(void)png;
	(void)msg; /* the caller decides what a failure means; warnings are not logged */
}

/* The largest size within max_w x max_h with the aspect of w x h, at least 1 x 1. */
static void fit(uint32_t w, uint32_t h, uint32_t max_w, uint32_t max_h, uint32_t *ow, uint32_t *oh)
{
	uint64_t tw = w, th = h;

	if (tw > max_w) {
		th = th * max_w / tw;
		tw = max_w;
	}
	if (th > max_h) {
		tw = tw * max_h / th;
		th = max_h;
	}
	*ow = tw ? (uint32_t)tw : 1;
	*oh = th ? (uint32_t)th : 1;
}

/* The decoder's state, kept out of the setjmp frame so that longjmp cannot clobber it. */
struct decode {
	png_structp png;
	png_infop info;
	unsigned char *row;
	uint64_t *acc;
	uint32_t *cnt;
	struct pngimage *im;
	uint32_t rx, ry, rw, rh; /* the region of the image decoded, within it */
};

static void decode_free(struct decode *d)
{
	png_destroy_read_struct(&d->png, d->info ? &d->info : NULL, NULL);
	free(d->row);
	free(d->acc);
	free(d->cnt);
	pngimage_free(d->im);
}

/* Averages the accumulated output row oy into the image and clears the sums. */
static void emit_row(struct decode *d, uint32_t oy)
{
	uint32_t ow = d->im->width;

	for (uint32_t x = 0; x < ow; x++) {
		uint32_t n = d->cnt[x] ? d->cnt[x] : 1;
		uint32_t r = (uint32_t)(d->acc[3 * x] / n), g = (uint32_t)(d->acc[3 * x + 1] / n),
		         b = (uint32_t)(d->acc[3 * x + 2] / n);
		d->im->pixels[(size_t)oy * ow + x] = r << 16 | g << 8 | b;
	}
	memset(d->acc, 0, (size_t)ow * 3 * sizeof(*d->acc));
	memset(d->cnt, 0, (size_t)ow * sizeof(*d->cnt));
}

/* Adds the region's columns of one decoded RGB input row to the output columns' sums. */
static void add_row(struct decode *d)
{
	uint32_t ow = d->im->width, w = d->rw;
	const unsigned char *row = d->row + (size_t)d->rx * 3;

	for (uint32_t x = 0; x < w; x++) {
		uint32_t ox = (uint32_t)((uint64_t)x * ow / w);
		d->acc[3 * ox] += row[3 * x];
		d->acc[3 * ox + 1] += row[3 * x + 1];
		d->acc[3 * ox + 2] += row[3 * x + 2];
		d->cnt[ox]++;
	}
}

/* The part of want within a w x h image into d's region; the whole image when want is
 * NULL or the part is empty. */
static void clamp_region(struct decode *d, const struct pngimage_region *want, uint32_t w,
                         uint32_t h)
{
	d->rx = d->ry = 0;
	d->rw = w;
	d->rh = h;
	if (!want || want->x >= w || want->y >= h || want->width == 0 || want->height == 0)
		return;
	d->rx = want->x;
	d->ry = want->y;
	d->rw = want->width < w - want->x ? want->width : w - want->x;
	d->rh = want->height < h - want->y ? want->height : h - want->y;
}

/* Reads the header, sets the transformations, allocates. Runs under the caller's setjmp. */
static int decode_setup(struct decode *d, const struct pngimage_region *want, uint32_t max_w,
                        uint32_t max_h, uint32_t *w, uint32_t *h)
{
	uint32_t ow, oh;

	png_read_info(d->png, d->info);
	*w = png_get_image_width(d->png, d->info);
	*h = png_get_image_height(d->png, d->info);
	if ((uint64_t)*w * *h > PNGIMAGE_MAX_PIXELS)
		return -EINVAL;
	if (png_get_interlace_type(d->png, d->info) != PNG_INTERLACE_NONE)
		return -ENOTSUP;
	if ((uint64_t)png_get_rowbytes(d->png, d->info) * *h > PNGIMAGE_MAX_ROW_BYTES_TOTAL)
		return -EINVAL; /* stored by an older server, or under raised ceilings */
	png_set_expand(d->png); /* palette and low bit depths to 8-bit, tRNS to alpha */
	png_set_strip_16(d->png);
	png_set_strip_alpha(d->png);
	png_set_gray_to_rgb(d->png);
	png_read_update_info(d->png, d->info);
	if (png_get_rowbytes(d->png, d->info) != (size_t)*w * 3)
		return -EINVAL;
	clamp_region(d, want, *w, *h);
	fit(d->rw, d->rh, max_w, max_h, &ow, &oh);
	d->row = malloc((size_t)*w * 3);
	d->acc = calloc((size_t)ow * 3, sizeof(*d->acc));
	d->cnt = calloc(ow, sizeof(*d->cnt));
	d->im = calloc(1, sizeof(*d->im));
	if (!d->row || !d->acc || !d->cnt || !d->im)
		return -ENOMEM;
	d->im->pixels = calloc((size_t)ow * oh, sizeof(*d->im->pixels));
	if (!d->im->pixels)
		return -ENOMEM;
	d->im->width = ow;
	d->im->height = oh;
	return 0;
}

/* Reads the rows down to the region's last into the output. Rows above the region are
 * read and dropped; those below it are never read. Runs under the caller's setjmp. */
static void decode_rows(struct decode *d)
{
	uint32_t oy = 0, ry;

	for (uint32_t y = 0; y < d->ry + d->rh; y++) {
		png_read_row(d->png, d->row, NULL);
		if (y < d->ry)
			continue;
		ry = (uint32_t)((uint64_t)(y - d->ry) * d->im->height / d->rh);
		if (ry != oy)
			emit_row(d, oy++);
		add_row(d);
	}
	emit_row(d, oy);
}

int pngimage_decode_region(const void *data, size_t len, const struct pngimage_region *region,
                           uint32_t max_w, uint32_t max_h, struct pngimage **out)
{
	struct decode d = {0};
	struct reader rd = {.p = data, .len = len};
	uint32_t w = 0, h = 0;
	volatile int r = -EINVAL;

	if (len < 8 || png_sig_cmp(data, 0, 8) != 0 || max_w == 0 || max_h == 0)
		return -EINVAL;
	d.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, error_cb, warn_cb);
	if (!d.png)
		return -ENOMEM;
	d.info = png_create_info_struct(d.png);
	if (!d.info) {
		decode_free(&d);
		return -ENOMEM;
	}
	if (setjmp(png_jmpbuf(d.png))) {
		decode_free(&d);
		return r == -ENOMEM ? -ENOMEM : -EINVAL;
	}
	png_set_user_limits(d.png, PNGIMAGE_MAX_DIMENSION, PNGIMAGE_MAX_DIMENSION);
	png_set_chunk_malloc_max(d.png, PNGIMAGE_MAX_CHUNK);
	png_set_chunk_cache_max(d.png, PNGIMAGE_MAX_CHUNKS);
	png_set_read_fn(d.png, &rd, read_cb);
	if ((r = decode_setup(&d, region, max_w, max_h, &w, &h)) < 0) {
		decode_free(&d);
		return r;
	}
	r = -EINVAL;
	decode_rows(&d);
	*out = d.im;
	d.im = NULL;
	decode_free(&d);
	return 0;
}

int pngimage_decode_fit(const void *data, size_t len, uint32_t max_w, uint32_t max_h,
                        struct pngimage **out)
{
	return pngimage_decode_region(data, len, NULL, max_w, max_h, out);
}

struct writer {
	char *p;
	size_t len, cap;
	int err;
};

static void write_cb(png_structp png, png_bytep in, png_size_t n)
{
	struct writer *wr = png_get_io_ptr(png);

	if (n > PNGIMAGE_MAX_ENCODED - wr->len) {
		wr->err = -EFBIG;
		png_error(png, "too large");
	}
	if (wr->len + n > wr->cap) {
		size_t cap = wr->cap ? wr->cap : 16384;
		char *p;
		while (cap < wr->len + n)
			cap *= 2;
		if (cap > PNGIMAGE_MAX_ENCODED)
			cap = PNGIMAGE_MAX_ENCODED;
		if (!(p = realloc(wr->p, cap))) {
			wr->err = -ENOMEM;
			png_error(png, "out of memory");
		}
		wr->p = p;
		wr->cap = cap;
	}
	memcpy(wr->p + wr->len, in, n);
	wr->len += n;
}

static void flush_cb(png_structp png)
{
	(void)png;
}

int pngimage_encode(const struct pngimage *im, char **out, size_t *len)
{
	png_structp png;
	png_infop info = NULL;
	struct writer wr = {0};
	unsigned char *volatile row = NULL;

	if (!im || !im->width || !im->height)
		return -EINVAL;
	png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, error_cb, warn_cb);
	if (!png || !(info = png_create_info_struct(png)) ||
	    !(row = malloc((size_t)im->width * 3))) {
		png_destroy_write_struct(&png, info ? &info : NULL);
		return -ENOMEM;
	}
	if (setjmp(png_jmpbuf(png))) {
		png_destroy_write_struct(&png, &info);
		free(row);
		free(wr.p);
		return wr.err ? wr.err : -EINVAL;
	}
	png_set_write_fn(png, &wr, write_cb, flush_cb);
	png_set_IHDR(png, info, im->width, im->height, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
	             PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_set_compression_level(png, 6);
	png_write_info(png, info);
	for (uint32_t y = 0; y < im->height; y++) {
		const uint32_t *px = im->pixels + (size_t)y * im->width;
		for (uint32_t x = 0; x < im->width; x++) {
			row[3 * x] = (unsigned char)(px[x] >> 16);
			row[3 * x + 1] = (unsigned char)(px[x] >> 8);
			row[3 * x + 2] = (unsigned char)px[x];
		}
		png_write_row(png, row);
	}
	png_write_end(png, info);
	png_destroy_write_struct(&png, &info);
	free(row);
	*out = wr.p;
	*len = wr.len;
	return 0;
}

struct pngimage *pngimage_free(struct pngimage *im)
{
	if (im) {
		free(im->pixels);
		free(im);
	}
	return NULL;
}
