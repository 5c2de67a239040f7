/* http.h: the HTTP layer of vigil-server (libmicrohttpd): body caps, routing, replies. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct http_server;
struct http_request; /* valid during the handler call only */

struct http_response {
	int status;
	const char *content_type; /* static string */
	char *body;               /* malloc'd, owned by the layer after the handler returns */
	size_t len;
	char etag[72];        /* sent as ETag when set */
	const char *www_auth; /* sent as WWW-Authenticate when set (static) */
	char set_cookie[256]; /* sent as Set-Cookie when set (web sessions) */
	char location[512];   /* sent as Location when set (redirects after a form) */
	bool file;            /* http_reply_file: the body is file_fd's first len bytes */
	int file_fd;          /* owned by the layer after the handler returns */
};

/* A handler fills resp; it runs on a worker thread, several at once. */
typedef void (*http_handler_fn)(void *ctx, struct http_request *req, struct http_response *resp);

struct http_route {
	const char *method; /* "GET", "POST", … */
	const char *path;   /* exact, or a prefix when it ends with '/' */
	size_t max_body;    /* 0: the server's max_body */
	http_handler_fn fn;
	/* Optional: runs when the headers are in, before any of the body is read; when it
	 * sets resp->status, that is the answer (e.g. 401) and the body is never read. It may
	 * name the request's owner (http_request_set_owner). */
	http_handler_fn early;
	/* Capture uploads: bodies come from the capture-upload budget, not the shared one;
	 * and as the handler waits on the disk (a flush, the group commit), it runs on a
	 * worker of its own while the connection is suspended, so the epoll loop that read
	 * the request goes on serving its other connections. */
	bool uploads;
};

struct http_config {
	int listen_fd;        /* a bound, listening socket (opened before dropping root) */
	unsigned int threads; /* worker threads, each with its own epoll loop; as many more
	                         run the handlers of uploads routes */
	unsigned int max_connections;
	unsigned int timeout;      /* seconds of silence before a connection is closed */
	unsigned int head_timeout; /* seconds a request's head may take in all (0: timeout) */
	size_t max_body;           /* default body ceiling: larger requests get 413 */
	const char *tls_cert_pem, *tls_key_pem; /* NULL for plain HTTP */
	const char *trusted_proxy;       /* its X-Forwarded-For names the client; NULL: none */
	unsigned int max_conn_per_addr;  /* connections from one address (0: no limit; at the
	                                    limit the oldest waiting for a head is closed) */
	size_t max_inflight_per_addr;    /* body bytes one client address may have buffered */
	size_t max_inflight_per_machine; /* body bytes one machine ("m:" owner) may have */
};

/*
 * Starts serving routes (copied, not the strings: they must outlive the server) with
 * ctx passed to every handler. Returns 0 and *out, or -errno.
 */
int http_start(const struct http_config *cfg, const struct http_route *routes, size_t nroutes,
               void *ctx, struct http_server **out);

/* Hands the server a connected socket (ownership passes to it). Returns 0 or -EIO.
 * For the HTTP fuzzer, which feeds requests through a socketpair. */
int http_add_connection(struct http_server *s, int fd);

/* Stops accepting new connections; requests in progress go on. */
void http_quiesce(struct http_server *s);

/* Finishes the requests in progress (their handlers run to the end) and frees s. */
void http_stop(struct http_server *s);

/*
 * Opens a listening TCP socket on "ADDR:PORT" ("127.0.0.1:8080", "[::1]:8080",
 * ":8080" for all addresses). Returns the fd (O_CLOEXEC) or -errno.
 */
int http_listen(const char *addr_port);

/* Names who a request's body is counted against ("m:ID" for a machine) before any of it
 * is buffered; by default its client address. For early handlers. */
void http_request_set_owner(struct http_request *req, const char *owner);

/* Request accessors. */
const char *http_request_method(const struct http_request *req);
const char *http_request_path(const struct http_request *req);
const char *http_request_header(struct http_request *req, const char *name); /* NULL if absent */
const char *http_request_body(const struct http_request *req, size_t *len);
/* A cookie's value, NULL if absent. */
const char *http_request_cookie(struct http_request *req, const char *name);
/* A query-string argument (decoded), NULL if absent. */
const char *http_request_arg(struct http_request *req, const char *name);
/* The client's address as text ("127.0.0.1", "::1"), "" when unknown: the TCP peer, or,
 * when the peer is the trusted proxy, the last address of its X-Forwarded-For. */
void http_request_peer(struct http_request *req, char *buf, size_t size);
/* The last address of an X-Forwarded-For value, checked and written as inet_ntop
 * writes it: 0, -ENOENT (no header), -EINVAL. Pure; split out for tests. */
int http_forwarded_client(const char *xff, char *buf, size_t size);
/* True when the connection is HTTPS (cookies get Secure). */
bool http_request_tls(struct http_request *req);

/*
 * The Authorization: Bearer token of req when it is present and of a sane length,
 * else NULL. Pure function of the header value, split out for the fuzzer.
 */
const char *http_bearer(struct http_request *req);
const char *http_parse_bearer(const char *header_value);

/* Reply with the open regular file fd (ownership passes: the layer closes it) of size
 * bytes as the body, streamed from the file rather than copied into memory. */
void http_reply_file(struct http_response *resp, int status, const char *content_type, int fd,
                     size_t size);

/* Reply helpers: body is JSON (jansson object, reference stolen). */
struct json_t;
void http_reply_json(struct http_response *resp, int status, struct json_t *obj);
/* {"error": message, "field": field} (field omitted when NULL or ""). */
void http_reply_error(struct http_response *resp, int status, const char *field, const char *fmt,
                      ...) __attribute__((format(printf, 4, 5)));
