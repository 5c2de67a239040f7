/* api_captures.c: POST /api/v1/captures: validate, store image and row, then answer. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "api.h"
#include "capture_validate.h"
#include "log.h"
#include "rfc3339.h"
#include "server.h"

static int json_content(struct http_request *req)
{
	const char *ct = http_request_header(req, "Content-Type");

	return !ct || strncasecmp(ct, "application/json", 16) == 0;
}

_Static_assert(COMMIT_MAX_IMAGES == 1 + CAPTURE_MAX_FRAMES, "a capture's images");

/* Writes (stages) the screenshot and the frames of c into images; *n gets how many were
 * staged (each NULL when already stored). Discards them again on failure. */
static int stage_images(struct blobs *b, const struct capture *c, struct blob_stage **images,
                        size_t *n)
{
	int r = b->ops->stage(b, c->sha256, c->png, c->png_len, &images[0]);

	*n = r == 0;
	for (size_t i = 0; r == 0 && i < c->nframes; i++) {
		const struct capture_frame *f = &c->frames[i];
		if ((r = b->ops->stage(b, f->sha256, f->png, f->png_len, &images[*n])) == 0)
			(*n)++;
	}
	if (r < 0) {
		for (size_t i = 0; i < *n; i++)
			b->ops->discard(b, images[i]);
		*n = 0;
	}
	return r;
}

/* Stores c for machine m: the images first, then the row, each durable before 201. */
static void store_capture(struct server *srv, const struct store_machine *m,
                          const struct capture *c, struct http_response *resp)
{
	struct store_capture_row row = {
	    .id = c->id,
	    .school_id = m->school_id,
	    .machine_id = m->machine_id,
	    .time_ms = c->time_ms,
	    .received_ms = rfc3339_now_ms(),
	    .category = c->category,
	    .severity = c->severity,
	    .source = c->source,
	    .user = c->user,
	    .image_sha256 = c->sha256,
	    .record = c->record,
	    .words = c->words,
	    .rule = c->rule,
	    .phrase = c->phrase,
	    .hits = c->hits,
	    .nhits = c->nhits,
	    .frames = c->frame_rows,
	    .nframes = c->nframes,
	};
	struct blob_stage *images[COMMIT_MAX_IMAGES];
	size_t nimages = 0;
	int64_t t0 = rfc3339_now_ms(), t1;
	int r = stage_images(srv->blobs, c, images, &nimages);

	t1 = rfc3339_now_ms();
	if (r == 0)
		r = committer_submit(srv->committer, &row, images, nimages);
	log_debug("capture %s: %zu images written in %lld ms, committed in %lld ms", c->id, nimages,
	          (long long)(t1 - t0), (long long)(rfc3339_now_ms() - t1));

	switch (r) {
	case STORE_INSERTED:
		log_info("capture %s stored: school %s, machine %s, %s severity %d", c->id,
		         m->school, m->machine, c->category, c->severity);
		http_reply_json(resp, 201, json_pack("{s:s}", "id", c->id));
		break;
	case STORE_DUPLICATE:
		log_debug("capture %s: already stored (retry from %s)", c->id, m->machine);
		http_reply_json(resp, 200, json_pack("{s:s, s:b}", "id", c->id, "duplicate", 1));
		break;
	case -EEXIST:
		log_warning("capture %s from %s/%s: id already used by another school; refused",
		            c->id, m->school, m->machine);
		http_reply_error(resp, 409, "id", "id is already used by another capture");
		break;
	default:
		log_error("capture %s: cannot store it: %s; answering 503", c->id, strerror(-r));
		http_reply_error(resp, 503, NULL, "cannot store the capture now; retry later");
	}
}

/* A small PNG can declare a huge image (a decompression bomb for whoever decodes it):
 * an image (at: "screenshot", "frames[1]") over the configured ceilings is refused with
 * 400. */
static bool image_too_large(const struct config *cfg, const char *at, int width, int height,
                            struct http_response *resp)
{
	uint64_t pixels = (uint64_t)width * (uint64_t)height;
	uint64_t max = (uint64_t)cfg->max_image_mpixels * 1000000u;
	char wf[48], hf[48];

	snprintf(wf, sizeof(wf), "%s.width", at);
	snprintf(hf, sizeof(hf), "%s.height", at);
	if ((unsigned int)width > cfg->max_image_side) {
		http_reply_error(resp, 400, wf, "%s %d is over the server's ceiling of %u pixels",
		                 wf, width, cfg->max_image_side);
		return true;
	}
	if ((unsigned int)height > cfg->max_image_side) {
		http_reply_error(resp, 400, hf, "%s %d is over the server's ceiling of %u pixels",
		                 hf, height, cfg->max_image_side);
		return true;
	}
	if (pixels > max) {
		http_reply_error(resp, 400, wf,
		                 "%s x %s (%dx%d) is over the server's ceiling of %u megapixels",
		                 wf, hf, width, height, cfg->max_image_mpixels);
		return true;
	}
	return false;
}

/* The screenshot and every frame within the ceilings (image_too_large). */
static bool too_many_pixels(const struct config *cfg, const struct capture *c,
                            struct http_response *resp)
{
	char at[32];

	if (image_too_large(cfg, "screenshot", c->width, c->height, resp))
		return true;
	for (size_t i = 0; i < c->nframes; i++) {
		snprintf(at, sizeof(at), "frames[%zu]", i);
		if (image_too_large(cfg, at, c->frames[i].width, c->frames[i].height, resp))
			return true;
	}
	return false;
}

void api_captures_post(void *ctx, struct http_request *req, struct http_response *resp)
{
	struct server *srv = ctx;
	struct store_machine m;
	struct capture_error err;
	struct capture *c = NULL;
	const char *body;
	size_t len;
	int r;

	if (api_auth_machine(srv, req, resp, &m) < 0)
		return;
	if (!json_content(req)) {
		http_reply_error(resp, 415, NULL, "Content-Type must be application/json");
		return;
	}
	body = http_request_body(req, &len);
	r = capture_parse(body, len, &c, &err);
	if (r == -EINVAL) {
		log_info("capture from %s/%s refused: %s", m.school, m.machine, err.message);
		http_reply_error(resp, 400, err.field, "%s", err.message);
		return;
	}
	if (r < 0) {
		http_reply_error(resp, 503, NULL, "out of memory; retry later");
		return;
	}
	if (too_many_pixels(srv->cfg, c, resp)) {
		log_info("capture from %s/%s refused: %dx%d pixels is over the ceiling", m.school,
		         m.machine, c->width, c->height);
		capture_free(c);
		return;
	}
	if (strcmp(c->machine, m.machine) != 0)
		log_warning("capture %s from %s/%s names machine \"%s\"; stored as %s", c->id,
		            m.school, m.machine, c->machine, m.machine);
	if (capture_set_machine(c, m.machine) < 0) {
		http_reply_error(resp, 503, NULL, "out of memory; retry later");
		capture_free(c);
		return;
	}
	store_capture(srv, &m, c, resp);
	capture_free(c);
}
