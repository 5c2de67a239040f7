/* api.c: the route table of vigil-server and the health check. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "log.h"
#include "server-limits.h"
#include "server.h"

size_t api_routes(const struct server *srv, struct http_route *routes)
{
	const struct http_route table[] = {
	    {"POST", "/api/v1/captures", srv->cfg->max_body, api_captures_post, api_auth_early,
	     true},
	    {"POST", "/api/v1/enrol", SERVER_SMALL_BODY, api_enrol_post, NULL, false},
	    {"POST", "/api/v1/heartbeat", SERVER_SMALL_BODY, api_heartbeat_post, api_auth_early,
	     false},
	    {"GET", "/api/v1/wordlists", SERVER_SMALL_BODY, api_wordlists_get, api_auth_early,
	     false},
	    {"PUT", "/api/v1/wordlists/", SERVER_MAX_LIST_UPLOAD, api_wordlists_put, NULL, false},
	    {"DELETE", "/api/v1/wordlists/", SERVER_SMALL_BODY, api_wordlists_delete, NULL, false},
	    {"GET", "/healthz", SERVER_SMALL_BODY, api_healthz_get, NULL, false},
	    {"GET", "/apt/", SERVER_SMALL_BODY, api_apt_get, NULL, false},
	};
	size_t n = sizeof(table) / sizeof(table[0]);

	memcpy(routes, table, sizeof(table));
	return n;
}

/* A machine's token is checked before its upload is read: a stranger cannot make the
 * server buffer a body. The handler checks again (the token may be revoked meanwhile). */
void api_auth_early(void *ctx, struct http_request *req, struct http_response *resp)
{
	struct store_machine m;
	char owner[32];

	if (api_auth_machine(ctx, req, resp, &m) == 0) {
		resp->www_auth = NULL;
		/* Its body counts against the machine's cap, wherever it connects from. */
		snprintf(owner, sizeof(owner), "m:%lld", (long long)m.machine_id);
		http_request_set_owner(req, owner);
	}
}

void api_healthz_get(void *ctx, struct http_request *req, struct http_response *resp)
{
	struct server *srv = ctx;
	int r = srv->store->ops->ping(srv->store);

	if (r < 0) {
		log_warning("healthz: database unavailable: %s", strerror(-r));
		http_reply_error(resp, 503, NULL, "database unavailable");
		return;
	}
	r = blobs_check(srv->blobs);
	if (r < 0) {
		log_warning("healthz: image store unavailable: %s", strerror(-r));
		http_reply_error(resp, 503, NULL, "image store unavailable");
		return;
	}
	http_reply_json(resp, 200, json_pack("{s:s}", "status", "ok"));
}
