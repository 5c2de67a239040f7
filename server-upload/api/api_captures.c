/* api_captures.c: POST /api/v1/captures: validate, store image and row, then answer. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>
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

/* Stores c for machine m: the image first, then the row, each durable before 201. */
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
	    .hits = c->hits,
	    .nhits = c->nhits,
	};
	struct blob_stage *image = NULL;
	int64_t t0 = rfc3339_now_ms(), t1;
	int r = srv->blobs->ops->stage(srv->blobs, c->sha256, c->png, c->png_len, &image);

	t1 = rfc3339_now_ms();
	if (r == 0)
		r = committer_submit(srv->committer, &row, image);
	log_debug("capture %s: image written in %lld ms, committed in %lld ms", c->id,
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
 * screenshots over the configured ceilings are refused with 400. */
static bool too_many_pixels(const struct config *cfg, const struct capture *c,
                            struct http_response *resp)
{
	uint64_t pixels = (uint64_t)c->width * (uint64_t)c->height;
	uint64_t max = (uint64_t)cfg->max_image_mpixels * 1000000u;

	if ((unsigned int)c->width > cfg->max_image_side) {
		http_reply_error(resp, 400, "screenshot.width",
		                 "screenshot.width %d is over the server's ceiling of %u pixels",
		                 c->width, cfg->max_image_side);
		return true;
	}
	if ((unsigned int)c->height > cfg->max_image_side) {
		http_reply_error(resp, 400, "screenshot.height",
		                 "screenshot.height %d is over the server's ceiling of %u pixels",
		                 c->height, cfg->max_image_side);
		return true;
	}
	if (pixels > max) {
		http_reply_error(resp, 400, "screenshot.width",
		                 "screenshot.width x screenshot.height (%dx%d) is over the "
		                 "server's ceiling of %u megapixels",
		                 c->width, c->height, cfg->max_image_mpixels);
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
