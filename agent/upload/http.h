/* http.h: the uploader's HTTP client: one reused libcurl connection to vigil-server. */
#pragma once

#include <stddef.h>

struct http;

struct http_response {
	long status; /* 0 when no answer came */
	char *body;  /* NUL-terminated, at most the request's max_body bytes; caller frees */
	size_t len;
	char etag[80]; /* ETag header without quotes, "" when none */
};

/*
 * A client for base_url ("https://host:port"); TLS peers are verified (against ca_file
 * when given), pinned_key is a CURLOPT_PINNEDPUBLICKEY value or NULL. 0 or -errno.
 */
int http_new(const char *base_url, const char *ca_file, const char *pinned_key, struct http **out);
void http_free(struct http *h);

/* The bearer token sent from now on (copied; NULL for none). */
void http_set_token(struct http *h, const char *token);

/*
 * One request: method "GET" or "POST", path "/api/v1/...", a JSON body (or NULL),
 * If-None-Match etag (or NULL). Returns 0 with the answer in *resp (free with
 * http_response_free()), or -EIO (no answer: connection refused, reset, timeout; the
 * reason in err) / -EMSGSIZE (answer larger than max_body).
 */
int http_request(struct http *h, const char *method, const char *path, const char *body, size_t len,
                 const char *if_none_match, size_t max_body, struct http_response *resp, char *err,
                 size_t errlen);
void http_response_free(struct http_response *resp);
