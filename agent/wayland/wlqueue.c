/* wlqueue.c: waiting for events on one Wayland event queue, with a deadline, beside other threads.
 */
#include "wlqueue.h"

#include <errno.h>
#include <poll.h>
#include <wayland-client.h>

#include "monotime.h"

/* Prepares a read of queue (dispatching what is already there first). 0 or -errno. */
static int prepare(struct wl_display *dpy, struct wl_event_queue *queue)
{
	while (queue ? wl_display_prepare_read_queue(dpy, queue) != 0
	             : wl_display_prepare_read(dpy) != 0) {
		if ((queue ? wl_display_dispatch_queue_pending(dpy, queue)
		           : wl_display_dispatch_pending(dpy)) < 0)
			return -EPIPE;
	}
	return 0;
}

int wlqueue_wait(struct wl_display *dpy, struct wl_event_queue *queue, bool (*done)(void *arg),
                 void *arg, int timeout_ms)
{
	int64_t until = monotime_ms() + timeout_ms;

	for (;;) {
		struct pollfd pfd = {wl_display_get_fd(dpy), POLLIN, 0};
		int64_t left;
		int r;

		if (done(arg))
			return 0;
		if (prepare(dpy, queue) < 0)
			return -EPIPE;
		if (done(arg)) { /* dispatched while preparing */
			wl_display_cancel_read(dpy);
			return 0;
		}
		if (wl_display_flush(dpy) < 0 && errno != EAGAIN) {
			wl_display_cancel_read(dpy);
			return -EPIPE;
		}
		left = until - monotime_ms();
		if (left <= 0) {
			wl_display_cancel_read(dpy);
			return -ETIMEDOUT;
		}
		r = poll(&pfd, 1, (int)left);
		if (r > 0 && (pfd.revents & (POLLIN | POLLERR | POLLHUP))) {
			if (wl_display_read_events(dpy) < 0)
				return -EPIPE;
		} else {
			wl_display_cancel_read(dpy);
			if (r < 0 && errno != EINTR)
				return -errno;
		}
		if ((queue ? wl_display_dispatch_queue_pending(dpy, queue)
		           : wl_display_dispatch_pending(dpy)) < 0)
			return -EPIPE;
	}
}

static void sync_done(void *data, struct wl_callback *cb, uint32_t serial)
{
	*(bool *)data = true;
}

static const struct wl_callback_listener sync_listener = {sync_done};

static bool flag_set(void *arg)
{
	return *(bool *)arg;
}

int wlqueue_roundtrip(struct wl_display *dpy, struct wl_event_queue *queue, int timeout_ms)
{
	struct wl_display *w = queue ? wl_proxy_create_wrapper(dpy) : dpy;
	struct wl_callback *cb;
	bool done = false;
	int r;

	if (!w)
		return -ENOMEM;
	if (queue)
		wl_proxy_set_queue((struct wl_proxy *)w, queue);
	cb = wl_display_sync(w);
	if (queue)
		wl_proxy_wrapper_destroy(w);
	if (!cb)
		return -ENOMEM;
	wl_callback_add_listener(cb, &sync_listener, &done);
	r = wlqueue_wait(dpy, queue, flag_set, &done, timeout_ms);
	wl_callback_destroy(cb);
	return r;
}
