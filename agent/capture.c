/* capture.c: a PNG screenshot of a whole X screen (all monitors: the root window). */
#include "capture.h"

#include <X11/Xutil.h>
#include <X11/extensions/XShm.h>
#include <errno.h>
#include <png.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>

#include "xerr.h"

/*
 * Speed matters more than size here: a capture is taken on every hit while the pupil
 * keeps typing, and it is uploaded once. zlib level 1 with the "sub" filter encodes a
 * 1920x1080 desktop in a few tens of milliseconds, and is within 10-30% of the size of
 * level 6 with adaptive filtering for screen content (figures in docs/agent.md).
 */
#define CAPTURE_ZLIB_LEVEL 1

struct capture {
	Display *dpy;
	Window root;
	unsigned width, height;
	bool shm;
	XShmSegmentInfo seg;
	XImage *shm_image;
	uint32_t *rgb; /* width * height */
};

static void shm_release(struct capture *c)
{
	if (!c->shm_image)
		return;
	XShmDetach(c->dpy, &c->seg);
	XSync(c->dpy, False);
	XDestroyImage(c->shm_image);
	shmdt(c->seg.shmaddr);
	c->shm_image = NULL;
}

/* Sets up a shared segment for the root's size; on any failure, XGetImage is used. */
static void shm_setup(struct capture *c)
{
	int scr = DefaultScreen(c->dpy);
	bool ok;

	c->shm = false;
	if (!XShmQueryExtension(c->dpy))
		return;
	c->shm_image =
	    XShmCreateImage(c->dpy, DefaultVisual(c->dpy, scr), (unsigned)DefaultDepth(c->dpy, scr),
	                    ZPixmap, NULL, &c->seg, c->width, c->height);
	if (!c->shm_image)
		return;
	c->seg.shmid =
	    shmget(IPC_PRIVATE, (size_t)c->shm_image->bytes_per_line * c->shm_image->height,
	           IPC_CREAT | 0600);
	if (c->seg.shmid < 0) {
		XDestroyImage(c->shm_image);
		c->shm_image = NULL;
		return;
	}
	c->seg.shmaddr = c->shm_image->data = shmat(c->seg.shmid, NULL, 0);
	shmctl(c->seg.shmid, IPC_RMID, NULL); /* goes away with the last detach */
	if (c->seg.shmaddr == (void *)-1) {
		c->shm_image->data = NULL;
		XDestroyImage(c->shm_image);
		c->shm_image = NULL;
		return;
	}
	c->seg.readOnly = False;
	/* A remote or sandboxed server cannot attach: an X error, trapped. */
	xerr_trap_begin();
	XShmAttach(c->dpy, &c->seg);
	XSync(c->dpy, False);
	ok = xerr_trap_end(c->dpy) == 0;
	if (!ok) {
		shmdt(c->seg.shmaddr);
		c->shm_image->data = NULL;
		XDestroyImage(c->shm_image);
		c->shm_image = NULL;
		return;
	}
	c->shm = true;
}

/* Reads the root's current size; a change (xrandr) rebuilds the buffers. 0 or -ENOMEM. */
static int fit_size(struct capture *c)
{
	XWindowAttributes wa;
	uint32_t *rgb;

	if (!XGetWindowAttributes(c->dpy, c->root, &wa))
		return -EIO;
	if ((unsigned)wa.width == c->width && (unsigned)wa.height == c->height && c->rgb)
		return 0;
	shm_release(c);
	rgb = realloc(c->rgb, (size_t)wa.width * (size_t)wa.height * sizeof(*rgb));
	if (!rgb)
		return -ENOMEM;
	c->rgb = rgb;
	c->width = (unsigned)wa.width;
	c->height = (unsigned)wa.height;
	shm_setup(c);
	return 0;
}

int capture_new(Display *dpy, struct capture **out)
{
	struct capture *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->dpy = dpy;
	c->root = DefaultRootWindow(dpy);
	*out = c;
	return 0;
}

void capture_free(struct capture *c)
{
	if (!c)
		return;
	shm_release(c);
	free(c->rgb);
	free(c);
}

int capture_uses_shm(const struct capture *c)
{
	return c->shm;
}

/* Converts an XImage to 0x00RRGGBB words; the fast path is the usual 24/32-bit TrueColor. */
static void to_rgb(const XImage *img, uint32_t *rgb, unsigned w, unsigned h)
{
	bool fast = img->bits_per_pixel == 32 && img->red_mask == 0xff0000 &&
	            img->green_mask == 0xff00 && img->blue_mask == 0xff &&
	            img->byte_order == LSBFirst;

	for (unsigned y = 0; y < h; y++) {
		uint32_t *dst = rgb + (size_t)y * w;

		if (fast) {
			memcpy(dst, img->data + (size_t)y * (size_t)img->bytes_per_line,
			       (size_t)w * 4);
			continue;
		}
		for (unsigned x = 0; x < w; x++) {
			unsigned long p = XGetPixel((XImage *)img, (int)x, (int)y);
			unsigned long r = img->red_mask, g = img->green_mask, b = img->blue_mask;
			int rs = __builtin_ctzl(r | 1), gs = __builtin_ctzl(g | 1),
			    bs = __builtin_ctzl(b | 1);
			uint32_t rv = (uint32_t)((p & r) >> rs), gv = (uint32_t)((p & g) >> gs),
			         bv = (uint32_t)((p & b) >> bs);
			unsigned long rmax = r >> rs, gmax = g >> gs, bmax = b >> bs;

			rv = rmax ? (uint32_t)(rv * 255 / rmax) : 0;
			gv = gmax ? (uint32_t)(gv * 255 / gmax) : 0;
			bv = bmax ? (uint32_t)(bv * 255 / bmax) : 0;
			dst[x] = (rv << 16) | (gv << 8) | bv;
		}
	}
}

static int grab(struct capture *c)
{
	XImage *img;
	int r = fit_size(c);

	if (r < 0)
		return r;
	if (c->shm) {
		xerr_trap_begin();
		XShmGetImage(c->dpy, c->root, c->shm_image, 0, 0, AllPlanes);
		XSync(c->dpy, False);
		if (xerr_trap_end(c->dpy) == 0) {
			to_rgb(c->shm_image, c->rgb, c->width, c->height);
			return 0;
		}
		/* The root changed size under us: fall back for this one. */
	}
	xerr_trap_begin();
	img = XGetImage(c->dpy, c->root, 0, 0, c->width, c->height, AllPlanes, ZPixmap);
	XSync(c->dpy, False);
	xerr_trap_end(c->dpy);
	if (!img)
		return -EIO;
	to_rgb(img, c->rgb, c->width, c->height);
	XDestroyImage(img);
	return 0;
}

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

static void set_text(png_structp png, png_infop info, const struct capture_stamp *st)
{
	const char *keys[] = {"Creation Time", "Vigil Machine", "Vigil User",
	                      "Vigil Reason",  "Vigil Why",     "Vigil Capture"};
	const char *vals[] = {st->time, st->machine, st->user, st->reason, st->why, st->id};
	png_text t[6];
	int n = 0;

	memset(t, 0, sizeof(t));
	for (int i = 0; i < 6; i++) {
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

int capture_encode(const uint32_t *rgb, unsigned width, unsigned height,
                   const struct capture_stamp *stamp, int level, unsigned char **png, size_t *len)
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

int capture_png(struct capture *c, const struct capture_stamp *stamp, unsigned char **png,
                size_t *len, unsigned *width, unsigned *height)
{
	int r = grab(c);

	if (r < 0)
		return r;
	r = capture_encode(c->rgb, c->width, c->height, stamp, CAPTURE_ZLIB_LEVEL, png, len);
	if (r < 0)
		return r;
	*width = c->width;
	*height = c->height;
	return 0;
}
