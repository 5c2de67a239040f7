/* http.c: the HTTP layer of vigil-server (libmicrohttpd): body caps, routing, replies. */
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "conns.h"
#include "dynbuf.h"
#include "html.h"
#include "log.h"
#include "monotime.h"
#include "netaddr.h"
#include "parse.h"
#include "server-limits.h"

/*
 * libmicrohttpd parses the HTTP; this layer adds what Vigil needs around it. Each request
 * gets a struct http_request when its headers are in; a body larger than the route's
 * ceiling is answered 413 at once when Content-Length says so, or as soon as the
 * received bytes pass the ceiling (the rest is read and dropped, then the connection is
 * closed). Memory for a body is reserved as its bytes arrive (a dynbuf, doubling), never
 * for what Content-Length merely announces, and only after the route's early check (a
 * stranger's upload is refused before it is read). Reservations come from two budgets,
 * capture uploads and everything else, so small unauthenticated requests cannot starve
 * uploads; and one owner (a machine, or else a client address) may hold at most its own
 * cap of either. Over any of them the request is answered 503 (the agent retries).
 *
 * An uploads route's handler (a capture upload: it waits for the disk flush and the group
 * commit) does not run on the epoll loop that read it: its connection is suspended, the
 * request queued for a pool of workers, and the loop goes on serving its other
 * connections; the worker resumes the connection with the answer, which the loop sends.
 */

struct http_server {
	struct MHD_Daemon *daemon;
	struct http_route *routes;
	size_t nroutes;
	void *ctx;
	size_t max_body;
	char *trusted_proxy;             /* NULL: X-Forwarded-For is never believed */
	size_t cap_address, cap_machine; /* bytes one owner may have buffered */
	struct conns *conns;             /* head deadline, room per address */
	/* Uploads routes' requests waiting for a worker, and the workers. */
	pthread_mutex_t work_lock;
	pthread_cond_t work_cond;
	struct http_request *work_head, *work_tail;
	bool work_stop; /* http_stop: no more offloading; the workers drain the queue */
	pthread_t *workers;
	unsigned int nworkers;
};

struct http_request {
	struct MHD_Connection *conn;
	struct http_server *server;
	const struct http_route *route;
	const char *method, *path;
	struct dynbuf body; /* its ceiling: the route's max_body; grown through reserve() */
	int early_status;   /* 413, 503 or 0 */
	char owner[72];     /* "m:ID" (set by the early check) or "a:ADDRESS"; "" until known */
	uint64_t start_ns;  /* monotime_ns() when the request came */
	/* An offloaded handler's answer, sent when the connection is resumed. */
	struct http_response resp;
	bool answered;
	struct http_request *next; /* in the offload queue */
};

/* Bytes of bodies buffered, all connections: [0] other requests, [1] capture uploads. */
static size_t budget_used[2];
static const size_t budget_max[2] = {SERVER_OTHER_BUDGET, SERVER_CAPTURE_BUDGET};

/* Bytes buffered per owner: a slot per owner with bytes reserved (at most one per
 * connection, so the table is sized by the connection limit). */
struct owner_slot {
	char key[72];
	size_t bytes;
};
static struct owner_slot *owners;
static size_t nowners;
static pthread_mutex_t owners_lock = PTHREAD_MUTEX_INITIALIZER;

/* Adds n bytes to key's reservation when it stays within cap (lock held). */
static bool owner_take(const char *key, size_t n, size_t cap)
{
	struct owner_slot *free_slot = NULL;

	for (size_t i = 0; i < nowners; i++) {
		if (owners[i].bytes && strcmp(owners[i].key, key) == 0) {
			if (n > cap || owners[i].bytes > cap - n)
				return false;
			owners[i].bytes += n;
			return true;
		}
		if (!owners[i].bytes && !free_slot)
			free_slot = &owners[i];
	}
	if (!free_slot || n > cap)
		return false;
	snprintf(free_slot->key, sizeof(free_slot->key), "%s", key);
	free_slot->bytes = n;
	return true;
}

static void owner_give(const char *key, size_t n)
{
	for (size_t i = 0; i < nowners; i++) {
		if (owners[i].bytes && strcmp(owners[i].key, key) == 0) {
			owners[i].bytes -= n < owners[i].bytes ? n : owners[i].bytes;
			return;
		}
	}
}

static bool uploads(const struct http_request *r)
{
	return r->route && r->route->uploads;
}

/* Reserves n more bytes for r: its budget, then its owner's cap. */
static bool budget_take(struct http_request *r, size_t n)
{
	int b = uploads(r);
	size_t now = __atomic_add_fetch(&budget_used[b], n, __ATOMIC_RELAXED);
	size_t cap = r->owner[0] == 'm' ? r->server->cap_machine : r->server->cap_address;
	bool ok;

	if (now > budget_max[b]) {
		__atomic_sub_fetch(&budget_used[b], n, __ATOMIC_RELAXED);
		return false;
	}
	pthread_mutex_lock(&owners_lock);
	ok = owner_take(r->owner, n, cap);
	pthread_mutex_unlock(&owners_lock);
	if (!ok)
		__atomic_sub_fetch(&budget_used[b], n, __ATOMIC_RELAXED);
	return ok;
}

static void budget_give(struct http_request *r, size_t n)
{
	if (!n)
		return;
	__atomic_sub_fetch(&budget_used[uploads(r)], n, __ATOMIC_RELAXED);
	pthread_mutex_lock(&owners_lock);
	owner_give(r->owner, n);
	pthread_mutex_unlock(&owners_lock);
}

/*
 * The body's dynbuf hook: its memory comes from the budgets as it grows. The NUL the
 * dynbuf keeps after a full body is not counted, so a body of max_body bytes takes
 * max_body from the caps, and N such bodies fit a cap of N * max_body.
 */
static int reserve(void *arg, size_t from, size_t to)
{
	struct http_request *r = arg;

	from = from < r->body.max ? from : r->body.max;
	to = to < r->body.max ? to : r->body.max;
	if (to == from)
		return 0;
	if (to < from) {
		budget_give(r, from - to);
		return 0;
	}
	return budget_take(r, to - from) ? 0 : -ENOBUFS;
}

static void request_free(struct http_request *r)
{
	if (!r)
		return;
	dynbuf_free(&r->body);
	free(r->resp.body); /* an answer never sent: the client went away */
	if (r->resp.file)
		close(r->resp.file_fd);
	free(r);
}

void http_request_set_owner(struct http_request *req, const char *owner)
{
	if (!req->body.cap)
		snprintf(req->owner, sizeof(req->owner), "%s", owner);
}

const char *http_request_method(const struct http_request *req)
{
	return req->method;
}

const char *http_request_path(const struct http_request *req)
{
	return req->path;
}

const char *http_request_header(struct http_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *http_request_body(const struct http_request *req, size_t *len)
{
	*len = req->body.len;
	return req->body.p ? req->body.p : "";
}

const char *http_request_cookie(struct http_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND, name);
}

const char *http_request_arg(struct http_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

/* The TCP peer's address as text, "" when unknown. */
static void tcp_peer(struct MHD_Connection *conn, char *buf, size_t size)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;

	buf[0] = '\0';
	if (sa && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, buf,
		          (socklen_t)size);
	else if (sa && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, buf,
		          (socklen_t)size);
}

int http_forwarded_client(const char *xff, char *buf, size_t size)
{
	unsigned char bin[sizeof(struct in6_addr)];
	char last[INET6_ADDRSTRLEN + 2];
	const char *start, *end;
	size_t n;
	int af;

	/* The proxy appends the address it saw last; earlier entries are the client's word. */
	if (!xff)
		return -ENOENT;
	end = xff + strlen(xff);
	while (end > xff && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	start = end;
	while (start > xff && start[-1] != ',')
		start--;
	while (start < end && (*start == ' ' || *start == '\t'))
		start++;
	n = (size_t)(end - start);
	if (n == 0 || n >= sizeof(last))
		return -EINVAL;
	memcpy(last, start, n);
	last[n] = '\0';
	af = strchr(last, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(af, last, bin) != 1 || !inet_ntop(af, bin, buf, (socklen_t)size))
		return -EINVAL;
	return 0;
}

void http_request_peer(struct http_request *req, char *buf, size_t size)
{
	const char *proxy = req->server->trusted_proxy;

	tcp_peer(req->conn, buf, size);
	if (proxy && strcmp(buf, proxy) == 0)
		http_forwarded_client(http_request_header(req, "X-Forwarded-For"), buf, size);
}

bool http_request_tls(struct http_request *req)
{
	const union MHD_DaemonInfo *di =
	    MHD_get_daemon_info(req->server->daemon, MHD_DAEMON_INFO_FLAGS);

	return di && (di->flags & MHD_USE_TLS);
}

const char *http_parse_bearer(const char *v)
{
	size_t n;

	if (!v || strncasecmp(v, "Bearer ", 7) != 0)
		return NULL;
	v += 7;
	while (*v == ' ')
		v++;
	n = strnlen(v, SERVER_MAX_BEARER + 1);
	if (n == 0 || n > SERVER_MAX_BEARER)
		return NULL;
	return v;
}

const char *http_bearer(struct http_request *req)
{
	return http_parse_bearer(http_request_header(req, MHD_HTTP_HEADER_AUTHORIZATION));
}

void http_reply_file(struct http_response *resp, int status, const char *content_type, int fd,
                     size_t size)
{
	free(resp->body);
	resp->body = NULL;
	resp->status = status;
	resp->content_type = content_type;
	resp->file = true;
	resp->file_fd = fd;
	resp->len = size;
}

void http_reply_json(struct http_response *resp, int status, json_t *obj)
{
	resp->status = status;
	resp->content_type = "application/json";
	free(resp->body);
	resp->body = obj ? json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(obj);
	if (!resp->body) {
		resp->status = 500;
		resp->body = strdup("{\"error\":\"out of memory\"}");
	}
	resp->len = resp->body ? strlen(resp->body) : 0;
}

void http_reply_error(struct http_response *resp, int status, const char *field, const char *fmt,
                      ...)
{
	char msg[512];
	va_list ap;
	json_t *o;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	o = json_pack("{s:s}", "error", msg);
	if (o && field && *field)
		json_object_set_new(o, "field", json_string(field));
	http_reply_json(resp, status, o);
}

/* Finds the route for method and path; *path_known tells 405 from 404. */
static const struct http_route *route_find(struct http_server *s, const char *method,
                                           const char *path, bool *path_known)
{
	*path_known = false;
	for (size_t i = 0; i < s->nroutes; i++) {
		const struct http_route *r = &s->routes[i];
		size_t n = strlen(r->path);
		/* A prefix route takes its bare prefix too ("/reports/" is the reports index);
		 * handlers check what follows. */
		bool match = r->path[n - 1] == '/' ? strncmp(path, r->path, n) == 0
		                                   : strcmp(path, r->path) == 0;
		if (!match)
			continue;
		*path_known = true;
		if (strcmp(method, r->method) == 0)
			return r;
	}
	return NULL;
}

static enum MHD_Result send_response(struct http_request *r, struct http_response *resp)
{
	struct MHD_Response *m;
	enum MHD_Result ret;

	if (resp->file) {
		/* libmicrohttpd closes the file when the response is destroyed */
		m = MHD_create_response_from_fd64(resp->len, resp->file_fd);
		if (!m)
			close(resp->file_fd);
		resp->file = false;
	} else {
		m = MHD_create_response_from_buffer(resp->len, resp->body, MHD_RESPMEM_MUST_FREE);
		if (!m)
			free(resp->body);
		resp->body = NULL;
	}
	if (!m)
		return MHD_NO;
	if (resp->content_type)
		MHD_add_response_header(m, MHD_HTTP_HEADER_CONTENT_TYPE, resp->content_type);
	if (resp->etag[0])
		MHD_add_response_header(m, MHD_HTTP_HEADER_ETAG, resp->etag);
	if (resp->www_auth)
		MHD_add_response_header(m, MHD_HTTP_HEADER_WWW_AUTHENTICATE, resp->www_auth);
	if (resp->set_cookie[0])
		MHD_add_response_header(m, MHD_HTTP_HEADER_SET_COOKIE, resp->set_cookie);
	if (resp->location[0])
		MHD_add_response_header(m, MHD_HTTP_HEADER_LOCATION, resp->location);
	if (resp->content_type && strncmp(resp->content_type, "text/html", 9) == 0) {
		/* Web pages: no inline script from anywhere but us, no framing, no caching. */
		MHD_add_response_header(m, "Content-Security-Policy",
		                        "default-src 'self'; img-src 'self' data:; "
		                        "style-src 'self' 'unsafe-inline'; script-src 'self'; "
		                        "frame-ancestors 'none'; form-action 'self'");
		MHD_add_response_header(m, "X-Frame-Options", "DENY");
		MHD_add_response_header(m, "Referrer-Policy", "no-referrer");
	}
	/* Every answer, images, CSV and PDF included: never sniffed into another type,
	 * never kept by a browser or a proxy (pupils' data on a shared computer). */
	MHD_add_response_header(m, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(m, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (resp->status == 413 || r->early_status)
		MHD_add_response_header(m, MHD_HTTP_HEADER_CONNECTION, "close");
	ret = MHD_queue_response(r->conn, (unsigned int)resp->status, m);
	MHD_destroy_response(m);
	log_debug("%s %s: %d (%zu bytes in, %.1f ms)", r->method, r->path, resp->status,
	          r->body.len, monotime_elapsed_ms(r->start_ns));
	return ret;
}

static enum MHD_Result reply_now(struct http_request *r, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* True for paths a browser asks for (not the agents' API, not the health check). */
static bool web_path(const char *path)
{
	return strncmp(path, "/api/", 5) != 0 && strcmp(path, "/healthz") != 0;
}

static enum MHD_Result reply_now(struct http_request *r, int status, const char *fmt, ...)
{
	struct http_response resp = {0};
	char msg[256];
	va_list ap;
	struct html h;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!web_path(r->path)) {
		http_reply_error(&resp, status, NULL, "%s", msg);
		return send_response(r, &resp);
	}
	/* A person at a browser gets a page, not JSON. */
	html_init(&h);
	html_fmt(&h,
	         "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>%d - "
	         "Vigil</title></head><body><h1>",
	         status);
	html_text(&h, status == 404 ? "Page not found" : "Request refused");
	html_raw(&h, "</h1><p>");
	html_text(&h, msg);
	html_raw(&h, ".</p><p><a href=\"/captures\">Back to Vigil</a></p></body></html>");
	resp.status = status;
	resp.content_type = "text/html; charset=utf-8";
	resp.body = html_take(&h, &resp.len);
	if (!resp.body)
		http_reply_error(&resp, status, NULL, "%s", msg);
	return send_response(r, &resp);
}

/* The first call for a request: headers are in, no body yet. */
static enum MHD_Result on_headers(struct http_server *s, struct MHD_Connection *conn,
                                  const char *url, const char *method, void **con_cls)
{
	struct http_request *r = calloc(1, sizeof(*r));
	const char *cl;
	bool known;
	int64_t length;

	if (!r)
		return MHD_NO;
	*con_cls = r;
	r->start_ns = monotime_ns();
	r->conn = conn;
	r->server = s;
	r->method = method;
	r->path = url;
	r->route = route_find(s, method, url, &known);
	if (!r->route)
		return known ? reply_now(r, 405, "method %s not allowed here", method)
		             : reply_now(r, 404, "no such endpoint");
	dynbuf_init(&r->body, r->route->max_body ? r->route->max_body : s->max_body);
	dynbuf_set_hook(&r->body, reserve, r);
	if (r->route->early) {
		struct http_response resp = {0};
		r->route->early(s->ctx, r, &resp);
		if (resp.status) {
			r->early_status = resp.status;
			return send_response(r, &resp);
		}
		free(resp.body);
	}
	cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl && parse_int64(cl, 0, INT64_MAX, &length) == 0) {
		if ((uint64_t)length > r->body.max) {
			r->early_status = 413;
			return reply_now(r, 413, "request body larger than %zu bytes", r->body.max);
		}
	}
	return MHD_YES;
}

/* Appends a piece of the body; past the ceiling the rest is dropped and 413 follows. */
static void on_data(struct http_request *r, const char *data, size_t size)
{
	int e;

	if (r->early_status)
		return;
	if (!r->owner[0]) {
		char peer[64];

		http_request_peer(r, peer, sizeof(peer));
		snprintf(r->owner, sizeof(r->owner), "a:%s", peer);
	}
	/* Grown as the bytes come, whatever Content-Length announced. */
	e = dynbuf_add(&r->body, data, size);
	if (e == -E2BIG)
		r->early_status = 413;
	else if (e < 0)
		r->early_status = 503; /* a budget or cap refused, or out of memory */
}

/* Runs offloaded handlers until http_stop, then whatever is still queued. */
static void *work(void *arg)
{
	struct http_server *s = arg;
	struct http_request *r;

	pthread_mutex_lock(&s->work_lock);
	for (;;) {
		while (!s->work_head && !s->work_stop)
			pthread_cond_wait(&s->work_cond, &s->work_lock);
		if (!(r = s->work_head))
			break;
		if (!(s->work_head = r->next))
			s->work_tail = NULL;
		pthread_mutex_unlock(&s->work_lock);
		r->route->fn(s->ctx, r, &r->resp);
		if (!r->resp.status)
			http_reply_error(&r->resp, 500, NULL, "internal error");
		r->answered = true;
		MHD_resume_connection(r->conn); /* its loop calls on_request, which sends resp */
		pthread_mutex_lock(&s->work_lock);
	}
	pthread_mutex_unlock(&s->work_lock);
	return NULL;
}

/* Suspends r's connection and queues its handler for a worker. False when the server is
 * stopping: the caller runs the handler itself. */
static bool offload(struct http_server *s, struct http_request *r)
{
	pthread_mutex_lock(&s->work_lock);
	if (s->work_stop || !s->nworkers) {
		pthread_mutex_unlock(&s->work_lock);
		return false;
	}
	MHD_suspend_connection(r->conn); /* before a worker can resume it */
	r->next = NULL;
	if (s->work_tail)
		s->work_tail->next = r;
	else
		s->work_head = r;
	s->work_tail = r;
	pthread_cond_signal(&s->work_cond);
	pthread_mutex_unlock(&s->work_lock);
	return true;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
	struct http_server *s = cls;
	struct http_request *r = *con_cls;
	struct http_response resp = {0};

	if (!r) {
		conns_in_request(conn, true); /* the head is in: its deadline is met */
		return on_headers(s, conn, url, method, con_cls);
	}
	if (*upload_data_size) {
		on_data(r, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (r->answered) /* resumed by the worker that ran the handler */
		return send_response(r, &r->resp);
	if (r->early_status == 413)
		return reply_now(r, 413, "request body larger than %zu bytes", r->body.max);
	if (r->early_status == 503)
		return reply_now(r, 503, "server busy; retry later");
	if (uploads(r) && offload(s, r))
		return MHD_YES;
	r->route->fn(s->ctx, r, &resp);
	if (!resp.status)
		http_reply_error(&resp, 500, NULL, "internal error");
	return send_response(r, &resp);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
	request_free(*con_cls);
	*con_cls = NULL;
	conns_in_request(conn, false); /* a kept-alive connection waits for the next head */
}

__attribute__((format(printf, 2, 0))) static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && msg[n - 1] == '\n')
		msg[--n] = '\0';
	log_debug("http: %s", msg);
}

static void workers_stop(struct http_server *s);

/* Starts n workers for uploads routes. 0 or -errno (none left running). */
static int workers_start(struct http_server *s, unsigned int n)
{
	int r;

	if (!(s->workers = calloc(n, sizeof(*s->workers))))
		return -ENOMEM;
	for (; s->nworkers < n; s->nworkers++) {
		if ((r = pthread_create(&s->workers[s->nworkers], NULL, work, s)) != 0) {
			workers_stop(s);
			return -r;
		}
	}
	return 0;
}

/* Lets the workers drain the queue, then joins them: every offloaded request has its
 * answer and its connection is resumed. Later uploads run on their loop. */
static void workers_stop(struct http_server *s)
{
	pthread_mutex_lock(&s->work_lock);
	s->work_stop = true;
	pthread_cond_broadcast(&s->work_cond);
	pthread_mutex_unlock(&s->work_lock);
	for (unsigned int i = 0; i < s->nworkers; i++)
		pthread_join(s->workers[i], NULL);
	free(s->workers);
	s->workers = NULL;
	s->nworkers = 0;
}

static void server_free(struct http_server *s)
{
	workers_stop(s);
	conns_free(s->conns);
	pthread_mutex_destroy(&s->work_lock);
	pthread_cond_destroy(&s->work_cond);
	free(s->trusted_proxy);
	free(s->routes);
	free(s);
}

int http_start(const struct http_config *cfg, const struct http_route *routes, size_t nroutes,
               void *ctx, struct http_server **out)
{
	struct http_server *s = calloc(1, sizeof(*s));
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC |
	                     MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
	struct MHD_OptionItem opts[14];
	bool offloads = false;
	size_t n = 0;
	int r;

	if (!s)
		return -ENOMEM;
	pthread_mutex_init(&s->work_lock, NULL);
	pthread_cond_init(&s->work_cond, NULL);
	s->routes = calloc(nroutes, sizeof(*routes));
	if (!s->routes) {
		server_free(s);
		return -ENOMEM;
	}
	memcpy(s->routes, routes, nroutes * sizeof(*routes));
	s->nroutes = nroutes;
	s->ctx = ctx;
	s->max_body = cfg->max_body;
	s->cap_address = cfg->max_inflight_per_addr ? cfg->max_inflight_per_addr : SIZE_MAX;
	s->cap_machine = cfg->max_inflight_per_machine ? cfg->max_inflight_per_machine : SIZE_MAX;
	pthread_mutex_lock(&owners_lock);
	if (!owners && (owners = calloc(cfg->max_connections + 1, sizeof(*owners))))
		nowners = cfg->max_connections + 1;
	pthread_mutex_unlock(&owners_lock);
	if (!owners || (cfg->trusted_proxy && !(s->trusted_proxy = strdup(cfg->trusted_proxy)))) {
		server_free(s);
		return -ENOMEM;
	}
	for (size_t i = 0; i < nroutes; i++)
		offloads = offloads || routes[i].uploads;
	if (offloads && (r = workers_start(s, cfg->threads)) < 0) {
		server_free(s);
		return r;
	}
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)on_mhd_log, NULL};
	if (cfg->listen_fd >= 0)
		opts[n++] = (struct MHD_OptionItem){MHD_OPTION_LISTEN_SOCKET, cfg->listen_fd, NULL};
	else
		flags |= MHD_USE_NO_LISTEN_SOCKET;
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_THREAD_POOL_SIZE, cfg->threads, NULL};
	opts[n++] =
	    (struct MHD_OptionItem){MHD_OPTION_CONNECTION_LIMIT, cfg->max_connections, NULL};
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_TIMEOUT, cfg->timeout, NULL};
	/* A request's head within head_timeout in all, and connections per client address
	 * (conns.h); behind a trusted proxy every client is the proxy, which must keep its
	 * own limit. */
	if ((r = conns_new(cfg->head_timeout ? cfg->head_timeout : cfg->timeout,
	                   cfg->trusted_proxy ? 0 : cfg->max_conn_per_addr, &s->conns)) < 0) {
		server_free(s);
		return r;
	}
	opts[n++] =
	    (struct MHD_OptionItem){MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)conns_notify, s->conns};
	opts[n++] =
	    (struct MHD_OptionItem){MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, NULL};
	if (cfg->tls_cert_pem) {
		flags |= MHD_USE_TLS;
		opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0,
		                                    (void *)cfg->tls_cert_pem};
		opts[n++] =
		    (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)cfg->tls_key_pem};
	}
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
	s->daemon = MHD_start_daemon(flags, 0, conns_accept, s->conns, on_request, s,
	                             MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
	if (!s->daemon) {
		server_free(s);
		return -EIO;
	}
	*out = s;
	return 0;
}

int http_add_connection(struct http_server *s, int fd)
{
	struct sockaddr_in peer = {.sin_family = AF_INET,
	                           .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};

	return MHD_add_connection(s->daemon, fd, (const struct sockaddr *)&peer, sizeof(peer)) ==
	               MHD_YES
	           ? 0
	           : -EIO;
}

void http_quiesce(struct http_server *s)
{
	MHD_socket fd = MHD_quiesce_daemon(s->daemon);

	if (fd != MHD_INVALID_SOCKET)
		close(fd);
}

void http_stop(struct http_server *s)
{
	if (!s)
		return;
	workers_stop(s); /* no connection may be suspended when the daemon stops */
	MHD_stop_daemon(s->daemon);
	server_free(s);
}

int http_listen(const char *addr_port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, one = 1, r;

	if ((r = netaddr_parse_listen(addr_port, &ss, &len)) < 0)
		return r;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 1024) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	return fd;
}
