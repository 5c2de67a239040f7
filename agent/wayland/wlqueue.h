/* wlqueue.h: waiting for events on one Wayland event queue, with a deadline, beside other threads.
 */
#pragma once

#include <stdbool.h>

struct wl_display;
struct wl_event_queue;

/*
 * Dispatches queue (NULL: the display's default queue) until done(arg) is true or
 * timeout_ms pass, reading from the connection the way libwayland asks threads that
 * share it to (prepare_read, poll, read_events), so another thread may dispatch its own
 * queue meanwhile. Returns 0 when done, -ETIMEDOUT, or -EPIPE when the connection broke.
 */
int wlqueue_wait(struct wl_display *dpy, struct wl_event_queue *queue, bool (*done)(void *arg),
                 void *arg, int timeout_ms);

/* One round trip on queue with the same deadline: 0, -ETIMEDOUT or -EPIPE. */
int wlqueue_roundtrip(struct wl_display *dpy, struct wl_event_queue *queue, int timeout_ms);
