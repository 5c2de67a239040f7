/* capture_validate.h: the validator of an uploaded capture record (vigil.capture/1). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define CAPTURE_MAX_FRAMES 8u /* entries of a record's "frames" */

/* A further screenshot of the capture ("frames"[i]): checked like the screenshot. */
struct capture_frame {
	int64_t time_ms; /* "time", not before the capture's */
	int width, height;
	char sha256[65];
	unsigned char *png; /* the decoded PNG */
	size_t png_len;
};

/* A validated capture. Strings are owned by the capture. */
struct capture {
	char id[37];         /* lower-case UUID */
	int64_t time_ms;     /* "time", milliseconds since the epoch */
	const char *machine; /* as written in the record */
	const char *user;
	const char *source;   /* typed | window-title | clipboard | screen-text */
	const char *category; /* reason.category */
	int severity;         /* reason.severity, 1..5 */
	const char *rule;     /* reason.rule */
	const char *phrase;   /* reason.phrase */
	int width, height;    /* screenshot size, equal to the PNG's IHDR */
	char sha256[65];      /* lower-case hex of the PNG bytes */
	unsigned char *png;   /* the decoded PNG */
	size_t png_len;
	char *record; /* compact JSON of the known fields, without screenshot.data */
	char *words;  /* what the queue's search looks in (store_capture_row.words) */
	/* "window.rect": the focused window in the screenshot's pixels, within it; has_rect
	 * false when the record has none. */
	bool has_rect;
	int rect_x, rect_y, rect_width, rect_height;
	struct store_capture_hit *hits; /* "hits" (none for a record without) */
	size_t nhits;
	struct capture_frame *frames;           /* "frames" (none for a record without) */
	struct store_capture_frame *frame_rows; /* the same, as the store keeps them */
	size_t nframes;
	void *json; /* internal: keeps the strings above alive */
};

/* Why a record was refused: the field ("reason.severity", "" for the whole body) and a
 * message that names it, ready for {"error": message}. */
struct capture_error {
	char field[48];
	char message[192];
};

/*
 * Validates body (len bytes, not NUL-terminated) as a vigil.capture/1 record: every
 * field's presence, type, length and format, the RFC 3339 time, the base64 and the PNG
 * (signature, IHDR width and height equal to the record's, SHA-256 equal), and the
 * optional "hits" (each hit's fields, offsets on character boundaries of context, no
 * hit more severe than reason; errors name the field, "hits[2].severity"), and what
 * changed a hit's severity, optional in reason and in each hit ("base_severity" from
 * the hit's severity to 5, "why" and "context_rule" one-line strings), each hit's own
 * evidence, optional ("source", "context" that its offsets then point into, "frame"),
 * and the optional "frames" (at most CAPTURE_MAX_FRAMES screenshots checked like
 * "screenshot", each with a "time" not before the capture's), and the optional
 * "window.rect" ({"x","y","width","height"}: integers, the focused window in the
 * screenshot's pixels, wholly within the screenshot). Unknown fields are
 * ignored and not kept; the stored record keeps no image data. Returns 0 and a new capture in *out
 * (free with capture_free()), -EINVAL with *err filled, or -ENOMEM.
 */
int capture_parse(const char *body, size_t len, struct capture **out, struct capture_error *err);

/*
 * Makes machine (the authenticated token's) the capture's machine in the stored record,
 * whatever the record claimed: a machine can only speak for itself. 0 or -ENOMEM.
 */
int capture_set_machine(struct capture *c, const char *machine);

void capture_free(struct capture *c);
