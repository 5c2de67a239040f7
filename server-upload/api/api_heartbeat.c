/* api_heartbeat.c: POST /api/v1/heartbeat: a machine says it is alive and how it is. */
#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
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

#define MAX_SESSIONS 64

/* A short string without control characters, "" allowed. */
static bool short_string(json_t *v, size_t max)
{
	if (!json_is_string(v) || json_string_length(v) > max)
		return false;
	for (const char *p = json_string_value(v); *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

/*
 * The "sessions" array, checked field by field and rebuilt with the known fields only,
 * as JSON text in *out (malloc'd; NULL when absent). On error *field names the bad one.
 */
static int sessions_json(json_t *root, char **out, char *field, size_t fieldlen)
{
	json_t *a = json_object_get(root, "sessions"), *clean, *s;
	size_t i;

	*out = NULL;
	if (!a)
		return 0;
	snprintf(field, fieldlen, "sessions");
	if (!json_is_array(a) || json_array_size(a) > MAX_SESSIONS)
		return -EINVAL;
	clean = json_array();
	json_array_foreach(a, i, s)
	{
		static const char *const text[] = {"id", "display", "user", "type"};
		json_t *mon = json_object_get(s, "monitored"),
		       *rs = json_object_get(s, "restarts_1h"),
		       *gap = json_object_get(s, "last_gap"), *o = json_object();
		const char *bad = NULL;

		for (size_t k = 0; !bad && k < 4; k++) {
			json_t *v = json_object_get(s, text[k]);

			if (v ? !short_string(v, CAPTURE_MAX_NAME) : k != 0)
				bad = text[k];
			else if (v)
				json_object_set(o, text[k], v);
		}
		if (!bad && !json_is_boolean(mon))
			bad = "monitored";
		if (!bad && rs && (!json_is_integer(rs) || json_integer_value(rs) < 0))
			bad = "restarts_1h";
		if (!bad && gap && !json_is_null(gap) &&
		    (!json_is_number(gap) || json_number_value(gap) < 0))
			bad = "last_gap";
		if (bad || !json_is_object(s)) {
			snprintf(field, fieldlen, "sessions[%zu]%s%s", i, bad ? "." : "",
			         bad ? bad : "");
			json_decref(o);
			json_decref(clean);
			return -EINVAL;
		}
		json_object_set(o, "monitored", mon);
		json_object_set_new(o, "restarts_1h",
		                    json_integer(rs ? json_integer_value(rs) : 0));
		json_object_set(o, "last_gap", gap ? gap : json_null());
		json_array_append_new(clean, o);
	}
	*out = json_dumps(clean, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(clean);
	return *out ? 0 : -ENOMEM;
}

void api_heartbeat_post(void *ctx, struct http_request *req, struct http_response *resp)
{
	struct server *srv = ctx;
	struct store_heartbeat hb = {.now_ms = rfc3339_now_ms()};
	struct store_machine m;
	const char *body;
	char *sessions = NULL, field[64];
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
	if (sessions_json(root, &sessions, field, sizeof(field)) < 0) {
		http_reply_error(
		    resp, 400, field,
		    "sessions must be an array of at most 64 objects with id, display, "
		    "user and type strings, monitored true or false, restarts_1h an "
		    "integer >= 0 and last_gap a number >= 0 or null");
		goto out;
	}
	hb.sessions = sessions;
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
	free(sessions);
	json_decref(root);
}
