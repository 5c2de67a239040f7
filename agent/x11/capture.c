/* capture.c: a PNG screenshot of a whole X screen (all monitors: the root window). */
#include "capture.h"

#include <X11/Xutil.h>
#include <X11/extensions/XShm.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>

#include "xerr.h"

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

/*
 * Captures are minutes apart and a screen's pixels are megabytes (twice: the segment
 * the X server fills and our copy): they are given back after each one.
 */
static void drop_buffers(struct capture *c)
{
	shm_release(c);
	free(c->rgb);
	c->rgb = NULL;
}

int capture_png(struct capture *c, const struct shot_stamp *stamp, unsigned char **png, size_t *len,
                unsigned *width, unsigned *height)
{
	int r = grab(c);

	if (r == 0)
		r = shotpng_encode(c->rgb, c->width, c->height, stamp, SHOTPNG_LEVEL, png, len);
	drop_buffers(c);
	if (r < 0)
		return r;
	*width = c->width;
	*height = c->height;
	return 0;
}

/* The X11 side of the capture worker's seam: a connection and grabber of its own. */
struct x11_shooter {
	Display *dpy;
	struct capture *capture;
};

static int x11_open(void *display, void **out)
{
	struct x11_shooter *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	s->dpy = XOpenDisplay(display);
	if (!s->dpy || capture_new(s->dpy, &s->capture) < 0) {
		if (s->dpy)
			XCloseDisplay(s->dpy);
		free(s);
		return -EIO;
	}
	*out = s;
	return 0;
}

static int x11_png(void *shooter, const struct shot_stamp *stamp, unsigned char **png, size_t *len,
                   unsigned *width, unsigned *height)
{
	struct x11_shooter *s = shooter;

	return capture_png(s->capture, stamp, png, len, width, height);
}

/*
 * The top-level window with the input focus (the child of the root it is in: with a window
 * manager, the frame with its title bar), clamped to the screen of width x height.
 */
static int x11_focus(void *shooter, unsigned width, unsigned height, struct shot_rect *out)
{
	struct x11_shooter *s = shooter;
	Window root = DefaultRootWindow(s->dpy), win, r, parent, *kids = NULL;
	XWindowAttributes a = {0};
	unsigned nkids;
	long x0, y0, x1, y1;
	int revert, ok = 1;

	XGetInputFocus(s->dpy, &win, &revert);
	if (win == None || win == PointerRoot || win == root)
		return -ENOENT;
	xerr_trap_begin(); /* the window may go while we look */
	for (int depth = 0; ok && depth < 64; depth++) {
		ok = XQueryTree(s->dpy, win, &r, &parent, &kids, &nkids);
		if (kids)
			XFree(kids);
		if (!ok || parent == root || parent == None)
			break;
		win = parent;
	}
	ok = ok && parent == root && XGetWindowAttributes(s->dpy, win, &a);
	if (xerr_trap_end(s->dpy) > 0 || !ok || a.map_state != IsViewable)
		return -ENOENT;
	x0 = a.x > 0 ? a.x : 0;
	y0 = a.y > 0 ? a.y : 0;
	x1 = (long)a.x + a.width + 2L * a.border_width;
	y1 = (long)a.y + a.height + 2L * a.border_width;
	x1 = x1 < (long)width ? x1 : (long)width;
	y1 = y1 < (long)height ? y1 : (long)height;
	if (x1 <= x0 || y1 <= y0)
		return -ENOENT;
	*out = (struct shot_rect){(unsigned)x0, (unsigned)y0, (unsigned)(x1 - x0),
	                          (unsigned)(y1 - y0)};
	return 0;
}

static void x11_close(void *shooter)
{
	struct x11_shooter *s = shooter;

	if (!s)
		return;
	capture_free(s->capture);
	XCloseDisplay(s->dpy);
	free(s);
}

const struct shot_ops capture_x11_ops = {x11_open, x11_png, x11_close, x11_focus};
