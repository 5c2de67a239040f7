/* wlshot.c: a Wayland session's screenshot through wlroots' screencopy, on a queue of its own. */
#include "wlshot.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <wayland-client.h>

#include "log.h"
#include "wlqueue.h"
#include "wlr-screencopy-unstable-v1-client-protocol.h"

#define MAX_OUTPUTS 8
#define MAX_SIDE    16384 /* pixels on a side of one output's buffer */

struct output {
	struct wl_output *wl;
	uint32_t name;
	int32_t x, y; /* where the compositor places it (wl_output.geometry) */
};

struct grabber {
	struct wl_display *dpy;
	struct wl_event_queue *queue;
	struct wl_registry *registry;
	struct wl_shm *shm;
	struct zwlr_screencopy_manager_v1 *mgr;
	uint32_t mgr_version;
	struct output outputs[MAX_OUTPUTS];
	size_t n;
};

/* One output's copy, from the compositor's buffer offer to ready or failed. */
struct copy {
	uint32_t version;
	bool offered, offers_done, finished, failed, y_invert;
	uint32_t format, width, height, stride;
	uint32_t *pixels; /* mapped shared memory */
	size_t size;
	int32_t x, y;
};

static void out_geometry(void *data, struct wl_output *o, int32_t x, int32_t y, int32_t pw,
                         int32_t ph, int32_t subpixel, const char *make, const char *model,
                         int32_t transform)
{
	struct output *out = data;

	out->x = x;
	out->y = y;
}

static void out_mode(void *data, struct wl_output *o, uint32_t flags, int32_t w, int32_t h,
                     int32_t refresh)
{
}

static void out_done(void *data, struct wl_output *o)
{
}

static void out_scale(void *data, struct wl_output *o, int32_t factor)
{
}

static const struct wl_output_listener output_listener = {
    .geometry = out_geometry, .mode = out_mode, .done = out_done, .scale = out_scale};

static void global_add(void *data, struct wl_registry *r, uint32_t name, const char *iface,
                       uint32_t version)
{
	struct grabber *g = data;

	if (strcmp(iface, wl_shm_interface.name) == 0 && !g->shm) {
		g->shm = wl_registry_bind(r, name, &wl_shm_interface, 1);
	} else if (strcmp(iface, zwlr_screencopy_manager_v1_interface.name) == 0 && !g->mgr) {
		g->mgr_version = version < 3 ? version : 3;
		g->mgr = wl_registry_bind(r, name, &zwlr_screencopy_manager_v1_interface,
		                          g->mgr_version);
	} else if (strcmp(iface, wl_output_interface.name) == 0 && g->n < MAX_OUTPUTS) {
		struct output *o = &g->outputs[g->n++];

		o->name = name;
		o->wl = wl_registry_bind(r, name, &wl_output_interface, version < 2 ? version : 2);
		wl_output_add_listener(o->wl, &output_listener, o);
	}
}

static void global_remove(void *data, struct wl_registry *r, uint32_t name)
{
	struct grabber *g = data;

	for (size_t i = 0; i < g->n; i++) {
		if (g->outputs[i].name != name)
			continue;
		wl_output_destroy(g->outputs[i].wl);
		g->outputs[i] = g->outputs[--g->n];
		return;
	}
}

static const struct wl_registry_listener registry_listener = {global_add, global_remove};

static void wl_close(void *grabber)
{
	struct grabber *g = grabber;

	if (!g)
		return;
	for (size_t i = 0; i < g->n; i++)
		wl_output_destroy(g->outputs[i].wl);
	if (g->mgr)
		zwlr_screencopy_manager_v1_destroy(g->mgr);
	if (g->shm)
		wl_shm_destroy(g->shm);
	if (g->registry)
		wl_registry_destroy(g->registry);
	if (g->queue)
		wl_event_queue_destroy(g->queue);
	free(g);
}

static int wl_open(void *arg, void **out)
{
	struct grabber *g = calloc(1, sizeof(*g));
	struct wl_display *wrapper;
	int r;

	if (!g)
		return -ENOMEM;
	g->dpy = arg;
	g->queue = wl_display_create_queue(g->dpy);
	wrapper = g->queue ? wl_proxy_create_wrapper(g->dpy) : NULL;
	if (!wrapper) {
		wl_close(g);
		return -ENOMEM;
	}
	wl_proxy_set_queue((struct wl_proxy *)wrapper, g->queue);
	g->registry = wl_display_get_registry(wrapper);
	wl_proxy_wrapper_destroy(wrapper);
	if (!g->registry) {
		wl_close(g);
		return -ENOMEM;
	}
	wl_registry_add_listener(g->registry, &registry_listener, g);
	/* the globals, then the outputs' geometry */
	r = wlqueue_roundtrip(g->dpy, g->queue, WLSHOT_TIMEOUT_MS);
	if (r == 0)
		r = wlqueue_roundtrip(g->dpy, g->queue, WLSHOT_TIMEOUT_MS);
	if (r == 0 && (!g->mgr || !g->shm || g->n == 0))
		r = -ENOTSUP;
	if (r < 0) {
		log_warning("wayland: no screenshots: %s",
		            r == -ENOTSUP ? "the compositor offers no wlr-screencopy"
		                          : strerror(-r));
		wl_close(g);
		return r;
	}
	*out = g;
	return 0;
}

static bool supported(uint32_t format)
{
	return format == WL_SHM_FORMAT_XRGB8888 || format == WL_SHM_FORMAT_ARGB8888 ||
	       format == WL_SHM_FORMAT_XBGR8888 || format == WL_SHM_FORMAT_ABGR8888;
}

static void frame_buffer(void *data, struct zwlr_screencopy_frame_v1 *f, uint32_t format,
                         uint32_t width, uint32_t height, uint32_t stride)
{
	struct copy *c = data;

	if (c->offered || !supported(format))
		return; /* the first offer we can read wins */
	c->offered = true;
	c->format = format;
	c->width = width;
	c->height = height;
	c->stride = stride;
	if (c->version < 3)
		c->offers_done = true; /* no buffer_done before version 3 */
}

static void frame_flags(void *data, struct zwlr_screencopy_frame_v1 *f, uint32_t flags)
{
	struct copy *c = data;

	c->y_invert = flags & ZWLR_SCREENCOPY_FRAME_V1_FLAGS_Y_INVERT;
}

static void frame_ready(void *data, struct zwlr_screencopy_frame_v1 *f, uint32_t hi, uint32_t lo,
                        uint32_t nsec)
{
	struct copy *c = data;

	c->finished = true;
}

static void frame_failed(void *data, struct zwlr_screencopy_frame_v1 *f)
{
	struct copy *c = data;

	c->failed = c->finished = c->offers_done = true;
}

static void frame_damage(void *data, struct zwlr_screencopy_frame_v1 *f, uint32_t x, uint32_t y,
                         uint32_t w, uint32_t h)
{
}

static void frame_dmabuf(void *data, struct zwlr_screencopy_frame_v1 *f, uint32_t format,
                         uint32_t w, uint32_t h)
{
}

static void frame_buffer_done(void *data, struct zwlr_screencopy_frame_v1 *f)
{
	struct copy *c = data;

	c->offers_done = true;
}

static const struct zwlr_screencopy_frame_v1_listener frame_listener = {
    frame_buffer, frame_flags,  frame_ready,      frame_failed,
    frame_damage, frame_dmabuf, frame_buffer_done};

static bool offers_done(void *arg)
{
	return ((struct copy *)arg)->offers_done;
}

static bool finished(void *arg)
{
	return ((struct copy *)arg)->finished;
}

/* Shared memory for one buffer: a sealed memfd mapped here. Returns the fd or -errno. */
static int shm_buffer(struct copy *c)
{
	int fd;

	if (c->width == 0 || c->height == 0 || c->width > MAX_SIDE || c->height > MAX_SIDE ||
	    c->stride < c->width * 4 || c->stride > MAX_SIDE * 8)
		return -EINVAL;
	c->size = (size_t)c->stride * c->height;
	fd = memfd_create("vigil-shot", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)c->size) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	c->pixels = mmap(NULL, c->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (c->pixels == MAP_FAILED) {
		c->pixels = NULL;
		close(fd);
		return -ENOMEM;
	}
	return fd;
}

/* Copies output o into c (mapped pixels, the compositor's format). 0 or -errno. */
static int copy_output(struct grabber *g, const struct output *o, struct copy *c)
{
	struct zwlr_screencopy_frame_v1 *frame;
	struct wl_shm_pool *pool = NULL;
	struct wl_buffer *buffer = NULL;
	int fd = -1, r;

	c->version = g->mgr_version;
	c->x = o->x;
	c->y = o->y;
	frame = zwlr_screencopy_manager_v1_capture_output(g->mgr, 0, o->wl);
	if (!frame)
		return -ENOMEM;
	zwlr_screencopy_frame_v1_add_listener(frame, &frame_listener, c);
	r = wlqueue_wait(g->dpy, g->queue, offers_done, c, WLSHOT_TIMEOUT_MS);
	if (r == 0 && (c->failed || !c->offered))
		r = c->failed ? -EIO : -ENOTSUP;
	if (r == 0 && (fd = shm_buffer(c)) < 0)
		r = fd;
	if (r == 0) {
		pool = wl_shm_create_pool(g->shm, fd, (int32_t)c->size);
		buffer =
		    pool ? wl_shm_pool_create_buffer(pool, 0, (int32_t)c->width, (int32_t)c->height,
		                                     (int32_t)c->stride, c->format)
		         : NULL;
		if (!buffer)
			r = -ENOMEM;
	}
	if (r == 0) {
		zwlr_screencopy_frame_v1_copy(frame, buffer);
		r = wlqueue_wait(g->dpy, g->queue, finished, c, WLSHOT_TIMEOUT_MS);
		if (r == 0 && c->failed)
			r = -EIO;
	}
	if (buffer)
		wl_buffer_destroy(buffer);
	if (pool)
		wl_shm_pool_destroy(pool);
	if (fd >= 0)
		close(fd);
	zwlr_screencopy_frame_v1_destroy(frame);
	return r;
}

/* Puts c's pixels into rgb (0x00RRGGBB, width w) at (dx, dy). */
static void place(const struct copy *c, uint32_t *rgb, unsigned w, unsigned dx, unsigned dy)
{
	bool swap = c->format == WL_SHM_FORMAT_XBGR8888 || c->format == WL_SHM_FORMAT_ABGR8888;

	for (uint32_t y = 0; y < c->height; y++) {
		const uint32_t *src =
		    (const uint32_t *)((const unsigned char *)c->pixels +
		                       (size_t)(c->y_invert ? c->height - 1 - y : y) * c->stride);
		uint32_t *dst = rgb + (size_t)(dy + y) * w + dx;

		for (uint32_t x = 0; x < c->width; x++) {
			uint32_t p = src[x];

			dst[x] = swap ? ((p & 0xff) << 16) | (p & 0xff00) | ((p >> 16) & 0xff)
			              : p & 0xffffff;
		}
	}
}

static int wl_png(void *grabber, const struct shot_stamp *stamp, unsigned char **png, size_t *len,
                  unsigned *width, unsigned *height)
{
	struct grabber *g = grabber;
	struct copy copies[MAX_OUTPUTS] = {0};
	int32_t x0 = INT32_MAX, y0 = INT32_MAX, x1 = INT32_MIN, y1 = INT32_MIN;
	uint32_t *rgb = NULL;
	size_t n = 0;
	int r = 0;

	for (size_t i = 0; i < g->n; i++) {
		struct copy *c = &copies[n];

		r = copy_output(g, &g->outputs[i], c);
		if (r < 0)
			break;
		n++;

		x0 = c->x < x0 ? c->x : x0;
		y0 = c->y < y0 ? c->y : y0;
		x1 = c->x + (int32_t)c->width > x1 ? c->x + (int32_t)c->width : x1;
		y1 = c->y + (int32_t)c->height > y1 ? c->y + (int32_t)c->height : y1;
	}
	if (r == 0 && n == 0)
		r = -ENODEV;
	if (r == 0 && ((int64_t)x1 - x0 > MAX_SIDE || (int64_t)y1 - y0 > MAX_SIDE))
		r = -E2BIG;
	if (r == 0) {
		*width = (unsigned)(x1 - x0);
		*height = (unsigned)(y1 - y0);
		rgb = calloc((size_t)*width * *height, sizeof(*rgb));
		if (!rgb)
			r = -ENOMEM;
	}
	for (size_t i = 0; r == 0 && i < n; i++)
		place(&copies[i], rgb, *width, (unsigned)(copies[i].x - x0),
		      (unsigned)(copies[i].y - y0));
	if (r == 0)
		r = shotpng_encode(rgb, *width, *height, stamp, SHOTPNG_LEVEL, png, len);
	for (size_t i = 0; i < MAX_OUTPUTS; i++) {
		if (copies[i].pixels)
			munmap(copies[i].pixels, copies[i].size);
	}
	free(rgb);
	return r;
}

const struct shot_ops wlshot_ops = {wl_open, wl_png, wl_close, NULL};
