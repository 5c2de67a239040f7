/* alerts_ack.c: acknowledging an alert: the one-click link of the e-mail (a per-message
 * secret, only its SHA-256 stored) and the capture page's button (alerts_ack_capture). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alerts.h"
#include "audit.h"
#include "html.h"
#include "http.h"
#include "log.h"
#include "parse.h"
#include "rfc3339.h"
#include "server.h"
#include "store_alerts.h"
#include "token.h"

int alerts_ack_capture(struct server *srv, const char *capture_id, const char *by,
                       int64_t school_id)
{
	int64_t changes = 0;
	int r = store_alerts_ack(srv->store, capture_id, by, rfc3339_now_ms(), &changes);

	if (r == 0 && changes > 0)
		audit_record(srv->store, by, school_id, "alert-acknowledged", capture_id, "");
	return r < 0 ? r : (int)changes;
}

static void page(struct http_response *resp, int status, const char *msg, const char *form_q)
{
	struct html h;

	html_init(&h);
	html_raw(&h, "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
	             "<title>Vigil alert</title></head><body><h1>Vigil alert</h1><p>");
	html_text(&h, msg);
	html_raw(&h, "</p>");
	if (form_q) {
		html_raw(&h, "<form method=\"post\" action=\"/alerts/ack?");
		html_raw(&h, form_q);
		html_raw(&h, "\"><button type=\"submit\" id=\"ack\">Acknowledge: I am dealing with "
		             "it</button></form>");
	}
	html_raw(&h, "</body></html>");
	resp->body = html_take(&h, &resp->len);
	resp->status = resp->body ? status : 500;
	resp->content_type = "text/html; charset=utf-8";
}

/* Checks ?a=ID&t=TOKEN against the stored hash. */
static int lookup(struct server *srv, struct http_request *req, struct store_alert_link *f)
{
	const char *a = http_request_arg(req, "a"), *t = http_request_arg(req, "t");
	char hash[TOKEN_HASH_BUF];
	int64_t id;

	memset(f, 0, sizeof(*f));
	if (!a || !t || strlen(t) != TOKEN_LEN || parse_int64(a, 1, INT64_MAX, &id) < 0)
		return -ENOENT;
	token_hash(t, hash);
	return store_alert_by_token(srv->store, id, hash, f);
}

static void ack_get(void *ctx, struct http_request *req, struct http_response *resp)
{
	struct store_alert_link f;
	char q[160];
	int r = lookup(ctx, req, &f);

	if (r == -ENOENT)
		return page(resp, 404, "This link is not valid.", NULL);
	if (r < 0)
		return page(resp, 503, "The database is not available; try again shortly.", NULL);
	if (f.acked)
		return page(resp, 200, "This alert has been acknowledged.", NULL);
	/* A GET never changes anything (mail scanners follow links): the button posts. */
	snprintf(q, sizeof(q), "a=%s&amp;t=%s", http_request_arg(req, "a"),
	         http_request_arg(req, "t"));
	page(resp, 200,
	     "An urgent capture is waiting. Acknowledge that you are dealing with it:", q);
}

static void ack_post(void *ctx, struct http_request *req, struct http_response *resp)
{
	struct store_alert_link f;
	int r = lookup(ctx, req, &f);

	if (r == -ENOENT)
		return page(resp, 404, "This link is not valid.", NULL);
	if (r == 0 && !f.acked)
		r = alerts_ack_capture(ctx, f.capture_id, f.target, f.school_id);
	if (r < 0)
		return page(resp, 503, "The database is not available; try again shortly.", NULL);
	page(resp, 200, "Acknowledged. Thank you; escalation has stopped.", NULL);
}

size_t alerts_routes(struct http_route *routes)
{
	routes[0] = (struct http_route){"GET", "/alerts/ack", 4096, ack_get, NULL, false};
	routes[1] = (struct http_route){"POST", "/alerts/ack", 4096, ack_post, NULL, false};
	return 2;
}
