/* capture.h: a PNG screenshot of a whole X screen (all monitors: the root window). */
#pragma once

#include <X11/Xlib.h>
#include <stddef.h>
#include <stdint.h>

#include "shot.h"

struct capture; /* the grabber of one display: MIT-SHM segment, image buffers */

/*
 * A grabber for dpy's default screen; uses MIT-SHM when the server offers it (and is on
 * this machine), else XGetImage. The caller keeps dpy open and uses it from one thread.
 * Returns 0 or -ENOMEM.
 */
int capture_new(Display *dpy, struct capture **out);
void capture_free(struct capture *c);

/* Whether the last grab used MIT-SHM (for logs and the benchmark). */
int capture_uses_shm(const struct capture *c);

/*
 * Grabs the root window and encodes it with shotpng_encode() at SHOTPNG_LEVEL. Returns 0
 * and a malloc'd PNG in *png (caller frees) with its size and dimensions, or -EIO (the
 * grab failed) / -ENOMEM.
 */
int capture_png(struct capture *c, const struct shot_stamp *stamp, unsigned char **png, size_t *len,
                unsigned *width, unsigned *height);

/* The capture worker's screenshots of an X display (shot.h): the argument is the display
 * name (":0"); each worker opens a connection of its own. */
extern const struct shot_ops capture_x11_ops;
