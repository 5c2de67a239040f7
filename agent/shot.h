/* shot.h: the seam through which the capture worker takes screenshots, whatever the display. */
#pragma once

#include <stddef.h>

#include "shotpng.h"

/* A rectangle of a screenshot, in its pixels. width 0: none. */
struct shot_rect {
	unsigned x, y, width, height;
};

/*
 * What a display backend gives the capture worker (pipeline.c): a grabber opened on the
 * worker's own thread, a stamped PNG of the session's whole screen on demand, and the
 * grabber's end. arg is the backend's own (an X display name, a Wayland connection).
 */
struct shot_ops {
	/* Opens a grabber for arg. 0 and *out, or -errno (the worker retries on the next hit). */
	int (*open)(void *arg, void **out);
	/* A PNG of the whole screen with stamp's text: 0 and a malloc'd PNG in *png (caller
	 * frees) with its size and dimensions, or -errno. */
	int (*png)(void *grabber, const struct shot_stamp *stamp, unsigned char **png, size_t *len,
	           unsigned *width, unsigned *height);
	/* Closes what open made (NULL accepted). */
	void (*close)(void *grabber);
	/* The focused window's rectangle now, in the pixels of a screenshot of width x height
	 * just taken (clamped to it): what the server's thumbnail shows. 0 and *out, -ENOENT
	 * (no focused window on the screen), -errno. NULL: the backend cannot tell. */
	int (*focus)(void *grabber, unsigned width, unsigned height, struct shot_rect *out);
};
