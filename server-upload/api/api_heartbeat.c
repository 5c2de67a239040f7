/* api_heartbeat.c: POST /api/v1/heartbeat: a machine says it is alive and how it is. */
#include <errno.h>
#include <jansson.h>
#include <string.h>

#include "api.h"
#include "log.h"
#include "rfc3339.h"
#include "server-limits.h"
#include "server.h"

/* obj[key] as a string of at most max bytes without control characters, "" if absent. */
static int opt_string(json_t *obj, const char *key, size_t max, const char **out)
{
	json_t *v = json_object_get(obj, key);
	const char *s;

	if (!v) {
		*out = "";
		return 0;
	}
	if (!json_is_string(v) || json_string_length(v) > max)
		return -EINVAL;
	s = json_string_value(v);
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20)
			return -EINVAL;
	*out = s;
	return 0;
}

static int opt_count(json_t *obj, const char *key, int64_t *out)
{
	json_t *v = json_object_get(obj, key);

	if (!v) {
		*out = 0;
		return 0;
	}
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return -EINVAL;
	*out = json_integer_value(v);
	return 0;
}

void api_heartbeat_post(void *ctx, struct http_request *req, struct http_response *resp)
{
	struct server *srv = ctx;
	struct store_heartbeat hb = {.now_ms = rfc3339_now_ms()};
	struct store_machine m;
	const char *body;
	json_t *root;
	size_t len;
	int r;

	if (api_auth_machine(srv, req, resp, &m) < 0)
		return;
	body = http_request_body(req, &len);
	root = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(root)) {
		http_reply_error(resp, 400, NULL, "body must be a JSON object");
		goto out;
	}
	if (opt_string(root, "version", CAPTURE_MAX_NAME, &hb.version) < 0) {
		http_reply_error(resp, 400, "version", "version must be a short string");
		goto out;
	}
	if (opt_string(root, "wordlists", 128, &hb.wordlists) < 0) {
		http_reply_error(resp, 400, "wordlists", "wordlists must be a short string");
		goto out;
	}
	if (opt_count(root, "spooled", &hb.spooled) < 0 ||
	    opt_count(root, "dropped", &hb.dropped) < 0) {
		http_reply_error(resp, 400,
		                 opt_count(root, "spooled", &hb.spooled) ? "spooled" : "dropped",
		                 "spooled and dropped must be integers >= 0");
		goto out;
	}
	r = srv->store->ops->heartbeat(srv->store, m.machine_id, &hb);
	if (r < 0) {
		log_warning("heartbeat of %s/%s: %s; answering 503", m.school, m.machine,
		            strerror(-r));
		http_reply_error(resp, 503, NULL, "storage unavailable; retry later");
		goto out;
	}
	log_debug("heartbeat from %s/%s: %lld spooled, %lld dropped", m.school, m.machine,
	          (long long)hb.spooled, (long long)hb.dropped);
	resp->status = 204;
out:
	json_decref(root);
}
