/* shotpng.h: a screenshot's pixels as a PNG stamped with time, machine, user and reason. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/*
 * Speed matters more than size here: a capture is taken on every hit while the pupil
 * keeps typing, and it is uploaded once. zlib level 1 with the "sub" filter encodes a
 * 1920x1080 desktop in a few tens of milliseconds, and is within 10-30% of the size of
 * level 6 with adaptive filtering for screen content (figures in docs/agent.md).
 */
#define SHOTPNG_LEVEL 1

/* Text stamped into the PNG (tEXt, or iTXt when not ASCII) so a saved image stands alone. */
struct shot_stamp {
	const char *time;    /* RFC 3339 */
	const char *machine; /* host name */
	const char *user;
	const char *reason; /* "self-harm severity 5: kill myself (self-harm.txt:12)" */
	const char *id;     /* the capture id */
	/* What lowered the reason's severity (hitwhy_format's words: "severity 5 → 2: 'lol'
	 * 1 word after (rule self-harm.txt:17)"); NULL when context lowered nothing. */
	const char *why;
	/* Anything else the image must say ("screenshot unavailable: ..."); may be NULL. */
	const char *note;
};

/*
 * Encodes width*height pixels, 0x00RRGGBB words row after row, as an 8-bit RGB PNG
 * (filter "sub", zlib level) with stamp's text (none when NULL). Returns 0 and a malloc'd
 * PNG in *png (caller frees) with its size in *len, or -ENOMEM.
 */
int shotpng_encode(const uint32_t *rgb, unsigned width, unsigned height,
                   const struct shot_stamp *stamp, int level, unsigned char **png, size_t *len);

/* The size of the image that stands in for a screenshot the display would not give. */
#define SHOTPNG_PLACEHOLDER_W 320
#define SHOTPNG_PLACEHOLDER_H 40

/*
 * A small plain image standing in for a screenshot that could not be taken, with stamp's
 * text (whose note should say why), so that the capture of a hit is never lost for want
 * of a screen. Same results as shotpng_encode(); *width and *height are set.
 */
int shotpng_placeholder(const struct shot_stamp *stamp, unsigned char **png, size_t *len,
                        unsigned *width, unsigned *height);
