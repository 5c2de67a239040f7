/* capture.h: a PNG screenshot of a whole X screen (all monitors: the root window). */
#pragma once

#include <X11/Xlib.h>
#include <stddef.h>
#include <stdint.h>

struct capture; /* the grabber of one display: MIT-SHM segment, image buffers */

/* Text stamped into the PNG (tEXt, or iTXt when not ASCII) so a saved image stands alone. */
struct capture_stamp {
	const char *time;    /* RFC 3339 */
	const char *machine; /* host name */
	const char *user;
	const char *reason; /* "self-harm severity 5: kill myself (self-harm.txt:12)" */
	const char *id;     /* the capture id */
	/* What lowered the reason's severity (hitwhy_format's words: "severity 5 → 2: 'lol'
	 * 1 word after (rule self-harm.txt:17)"); NULL when context lowered nothing. */
	const char *why;
};

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
 * Grabs the root window and encodes it as an 8-bit RGB PNG (zlib level 1, filter
 * "sub": chosen for speed, see docs/agent.md). Returns 0 and a malloc'd PNG in *png
 * (caller frees) with its size and dimensions, or -EIO (the grab failed) / -ENOMEM.
 */
int capture_png(struct capture *c, const struct capture_stamp *stamp, unsigned char **png,
                size_t *len, unsigned *width, unsigned *height);

/*
 * Only the encoding step, for the benchmark and tests: rgb holds width*height pixels as
 * 0x00RRGGBB words (row after row). Same ownership and errors as capture_png().
 */
int capture_encode(const uint32_t *rgb, unsigned width, unsigned height,
                   const struct capture_stamp *stamp, int level, unsigned char **png, size_t *len);
