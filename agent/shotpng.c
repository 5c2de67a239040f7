/* shotpng.c: a screenshot's pixels as a PNG stamped with time, machine, user and reason. */
#include "shotpng.h"

#include <errno.h>
#include <png.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* A growable PNG output buffer (libpng write callback). */
struct outbuf {
	unsigned char *data;
	size_t len, cap;
	bool failed;
};

static void write_cb(png_structp png, png_bytep data, png_size_t n)
{
	struct outbuf *o = png_get_io_ptr(png);

	if (o->failed)
		return;
	if (o->len + n > o->cap) {
		size_t cap = o->cap ? o->cap : 64 * 1024;
		unsigned char *d;

		while (cap < o->len + n)
			cap *= 2;
		d = realloc(o->data, cap);
		if (!d) {
			o->failed = true;
			return;
		}
		o->data = d;
		o->cap = cap;
	}
	memcpy(o->data + o->len, data, n);
	o->len += n;
}

static void flush_cb(png_structp png)
{
}

static bool is_ascii(const char *s)
{
	for (; *s; s++) {
		if ((unsigned char)*s >= 0x80)
			return false;
	}
	return true;
}

static void set_text(png_structp png, png_infop info, const struct shot_stamp *st)
{
	const char *keys[] = {"Creation Time", "Vigil Machine", "Vigil User", "Vigil Reason",
	                      "Vigil Why",     "Vigil Capture", "Vigil Note"};
	const char *vals[] = {st->time, st->machine, st->user, st->reason,
	                      st->why,  st->id,      st->note};
	png_text t[7];
	int n = 0;

	memset(t, 0, sizeof(t));
	for (int i = 0; i < 7; i++) {
		if (!vals[i])
			continue;
		t[n].key = (char *)keys[i];
		t[n].text = (char *)vals[i];
		t[n].compression =
		    is_ascii(vals[i]) ? PNG_TEXT_COMPRESSION_NONE : PNG_ITXT_COMPRESSION_NONE;
		n++;
	}
	png_set_text(png, info, t, n);
}

int shotpng_encode(const uint32_t *rgb, unsigned width, unsigned height,
                   const struct shot_stamp *stamp, int level, unsigned char **png, size_t *len)
{
	struct outbuf out = {0};
	png_structp p;
	png_infop info;
	unsigned char *row = malloc((size_t)width * 3);
	volatile int r = -ENOMEM; /* set after setjmp */

	if (!row)
		return -ENOMEM;
	p = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	info = p ? png_create_info_struct(p) : NULL;
	if (!info)
		goto out;
	if (setjmp(png_jmpbuf(p))) {
		r = -ENOMEM;
		goto out;
	}
	png_set_write_fn(p, &out, write_cb, flush_cb);
	png_set_compression_level(p, level);
	png_set_filter(p, PNG_FILTER_TYPE_BASE, PNG_FILTER_SUB);
	png_set_IHDR(p, info, width, height, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
	             PNG_COMPRESSION_TYPE_BASE, PNG_FILTER_TYPE_BASE);
	if (stamp)
		set_text(p, info, stamp);
	png_write_info(p, info);
	for (unsigned y = 0; y < height; y++) {
		const uint32_t *src = rgb + (size_t)y * width;

		for (unsigned x = 0; x < width; x++) {
			row[3 * x] = (unsigned char)(src[x] >> 16);
			row[3 * x + 1] = (unsigned char)(src[x] >> 8);
			row[3 * x + 2] = (unsigned char)src[x];
		}
		png_write_row(p, row);
	}
	png_write_end(p, info);
	if (!out.failed) {
		*png = out.data;
		*len = out.len;
		out.data = NULL;
		r = 0;
	}
out:
	png_destroy_write_struct(p ? &p : NULL, info ? &info : NULL);
	free(out.data);
	free(row);
	return r;
}

int shotpng_placeholder(const struct shot_stamp *stamp, unsigned char **png, size_t *len,
                        unsigned *width, unsigned *height)
{
	uint32_t rgb[SHOTPNG_PLACEHOLDER_W * SHOTPNG_PLACEHOLDER_H];

	for (size_t i = 0; i < sizeof(rgb) / sizeof(rgb[0]); i++)
		rgb[i] = 0x404040; /* dark grey: plainly not a screen */
	*width = SHOTPNG_PLACEHOLDER_W;
	*height = SHOTPNG_PLACEHOLDER_H;
	return shotpng_encode(rgb, *width, *height, stamp, SHOTPNG_LEVEL, png, len);
}
