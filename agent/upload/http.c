/* http.c: the uploader's HTTP client: one reused libcurl connection to vigil-server. */
#include "http.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dynbuf.h"

struct http {
	CURL *curl; /* one handle: libcurl keeps its connection open between requests */
	char *base;
	char *auth; /* "Authorization: Bearer ..." */
};

struct sink {
	struct dynbuf body; /* its ceiling: the caller's max_body */
	bool too_big;
	char *etag;
	size_t etag_len;
};

int http_new(const char *base_url, const char *ca_file, const char *pinned_key, struct http **out)
{
	struct http *h = calloc(1, sizeof(*h));

	if (!h)
		return -ENOMEM;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		goto fail;
	h->curl = curl_easy_init();
	h->base = strdup(base_url);
	if (!h->curl || !h->base)
		goto fail;
	/* The path is appended to the URL: drop a trailing slash of the base. */
	if (h->base[0] && h->base[strlen(h->base) - 1] == '/')
		h->base[strlen(h->base) - 1] = '\0';
	curl_easy_setopt(h->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h->curl, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h->curl, CURLOPT_SSL_VERIFYHOST, 2L);
	if (ca_file)
		curl_easy_setopt(h->curl, CURLOPT_CAINFO, ca_file);
	if (pinned_key)
		curl_easy_setopt(h->curl, CURLOPT_PINNEDPUBLICKEY, pinned_key);
	curl_easy_setopt(h->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h->curl, CURLOPT_CONNECTTIMEOUT, 10L);
	/* A stalled transfer (under 100 bytes/s for 30 s) is given up and retried. */
	curl_easy_setopt(h->curl, CURLOPT_LOW_SPEED_LIMIT, 100L);
	curl_easy_setopt(h->curl, CURLOPT_LOW_SPEED_TIME, 30L);
	curl_easy_setopt(h->curl, CURLOPT_TIMEOUT, 300L);
	curl_easy_setopt(h->curl, CURLOPT_USERAGENT, "vigil-agent/" VIGIL_VERSION);
	curl_easy_setopt(h->curl, CURLOPT_TCP_KEEPALIVE, 1L);
	*out = h;
	return 0;
fail:
	http_free(h);
	return -ENOMEM;
}

void http_free(struct http *h)
{
	if (!h)
		return;
	if (h->curl)
		curl_easy_cleanup(h->curl);
	free(h->base);
	if (h->auth) {
		explicit_bzero(h->auth, strlen(h->auth));
		free(h->auth);
	}
	free(h);
}

void http_set_token(struct http *h, const char *token)
{
	if (h->auth) {
		explicit_bzero(h->auth, strlen(h->auth));
		free(h->auth);
		h->auth = NULL;
	}
	if (token && asprintf(&h->auth, "Authorization: Bearer %s", token) < 0)
		h->auth = NULL;
}

static size_t on_body(char *p, size_t size, size_t n, void *userdata)
{
	struct sink *s = userdata;
	size_t len = size * n;
	int r = dynbuf_add(&s->body, p, len);

	if (r == -E2BIG)
		s->too_big = true;
	return r < 0 ? 0 : len; /* 0 aborts the transfer */
}

static size_t on_header(char *p, size_t size, size_t n, void *userdata)
{
	struct sink *s = userdata;
	size_t len = size * n;

	if (len > 5 && strncasecmp(p, "ETag:", 5) == 0) {
		const char *v = p + 5;
		size_t vl = len - 5;

		while (vl && (*v == ' ' || *v == '"')) {
			v++;
			vl--;
		}
		while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == '"' ||
		              v[vl - 1] == ' '))
			vl--;
		if (vl < s->etag_len) {
			memcpy(s->etag, v, vl);
			s->etag[vl] = '\0';
		}
	}
	return len;
}

int http_request(struct http *h, const char *method, const char *path, const char *body, size_t len,
                 const char *if_none_match, size_t max_body, struct http_response *resp, char *err,
                 size_t errlen)
{
	struct sink s = {.etag = resp->etag, .etag_len = sizeof(resp->etag)};
	struct curl_slist *hdrs = NULL;
	char url[2048], inm[128];
	CURLcode rc;

	memset(resp, 0, sizeof(*resp));
	if (snprintf(url, sizeof(url), "%s%s", h->base, path) >= (int)sizeof(url)) {
		snprintf(err, errlen, "URL too long");
		return -EINVAL;
	}
	if (h->auth)
		hdrs = curl_slist_append(hdrs, h->auth);
	if (body)
		hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
	if (if_none_match) {
		snprintf(inm, sizeof(inm), "If-None-Match: \"%s\"", if_none_match);
		hdrs = curl_slist_append(hdrs, inm);
	}
	dynbuf_init(&s.body, max_body);
	curl_easy_setopt(h->curl, CURLOPT_URL, url);
	curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, hdrs);
	if (strcmp(method, "POST") == 0) {
		curl_easy_setopt(h->curl, CURLOPT_POST, 1L);
		curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, body ? body : "");
		curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE_LARGE,
		                 (curl_off_t)(body ? len : 0));
	} else {
		curl_easy_setopt(h->curl, CURLOPT_HTTPGET, 1L);
	}
	curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, &s);
	curl_easy_setopt(h->curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h->curl, CURLOPT_HEADERDATA, &s);
	rc = curl_easy_perform(h->curl);
	curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(hdrs);
	if (s.too_big) {
		dynbuf_free(&s.body);
		snprintf(err, errlen, "answer larger than %zu bytes", max_body);
		return -EMSGSIZE;
	}
	if (rc != CURLE_OK) {
		dynbuf_free(&s.body);
		snprintf(err, errlen, "%s", curl_easy_strerror(rc));
		return -EIO;
	}
	curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &resp->status);
	resp->body = dynbuf_take(&s.body, &resp->len);
	if (!resp->body)
		resp->body = strdup("");
	return 0;
}

void http_response_free(struct http_response *resp)
{
	free(resp->body);
	resp->body = NULL;
}
