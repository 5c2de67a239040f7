/* pngimage.h: screenshots decoded by libpng with limits, downscaled, and encoded again. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/*
 * The one place where the server decodes PNG bytes (thumbnails in the queue, screenshots
 * in PDFs). Screenshots come from agents, so the decoder is bounded: libpng's user
 * limits (PNGIMAGE_MAX_DIMENSION per side, PNGIMAGE_MAX_CHUNK bytes of an ancillary
 * chunk, PNGIMAGE_MAX_CHUNKS cached chunks) and a pixel budget are set before a byte is
 * read; rows are decoded one at a time and averaged into the smaller output as they come
 * (box filter), so memory is one input row plus the output, whatever the image claims.
 * Interlaced PNGs are refused (-ENOTSUP): agents never write them.
 */
#define PNGIMAGE_MAX_DIMENSION 16384u
#define PNGIMAGE_MAX_PIXELS    (64u * 1024 * 1024)
#define PNGIMAGE_MAX_CHUNK     (1u * 1024 * 1024)
#define PNGIMAGE_MAX_CHUNKS    128u
#define PNGIMAGE_MAX_ENCODED   (32u * 1024 * 1024)
/* The decode work: bytes of the image's rows as stored (width x channels x bit depth),
 * what inflate and libpng's row transforms go through. 128 MiB: a 25-megapixel RGBA
 * screenshot fits; an 8000 x 5000 16-bit RGBA image (320 MB, 2.3 s) is refused. */
#define PNGIMAGE_MAX_ROW_BYTES_TOTAL (128u * 1024 * 1024)

/* A decoded image: opaque pixels as 32-bit 0x00RRGGBB words, row after row (stride
 * width * 4 bytes): cairo's CAIRO_FORMAT_RGB24 layout, so a cairo surface can use it. */
struct pngimage {
	uint32_t width, height;
	uint32_t *pixels;
};

/*
 * Decodes the PNG in data and scales it down to fit max_w x max_h keeping its aspect
 * ratio (never up; alpha dropped). Returns 0 with *out (pngimage_free()), -EINVAL (not
 * a PNG, corrupt, over a limit), -ENOTSUP (interlaced), -ENOMEM. *out untouched on error.
 */
int pngimage_decode_fit(const void *data, size_t len, uint32_t max_w, uint32_t max_h,
                        struct pngimage **out);

/* A rectangle of an image, in its pixels. */
struct pngimage_region {
	uint32_t x, y, width, height;
};

/*
 * As pngimage_decode_fit(), of the part of region (NULL: the whole image) that lies
 * within the image; the whole image when none of it does. Rows below the region are not
 * decoded.
 */
int pngimage_decode_region(const void *data, size_t len, const struct pngimage_region *region,
                           uint32_t max_w, uint32_t max_h, struct pngimage **out);

/* Encodes im as an 8-bit RGB PNG into a malloc'd buffer (caller frees). 0, -EINVAL,
 * -ENOMEM, -EFBIG (over PNGIMAGE_MAX_ENCODED). *out untouched on error. */
int pngimage_encode(const struct pngimage *im, char **out, size_t *len);

/* Frees im (NULL ok); returns NULL. */
struct pngimage *pngimage_free(struct pngimage *im);
