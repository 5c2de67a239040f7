/* blobs_s3.c: the image store in an S3-compatible object store, requests signed with SigV4. */
#include "blobs.h"
#include "digest.h"
#include "secretfile.h"
#include "urlhost.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An object fetched back is a screenshot or a thumbnail; nothing larger is ours. */
#define S3_MAX_OBJECT   (32u * 1024 * 1024)
#define S3_CONNECT_SECS 5L
#define S3_REQUEST_SECS 30L
#define S3_MAX_URL      1024u
#define S3_MAX_REGION   64u
#define S3_MAX_USERPWD  512u
#define S3_SHA256_HEX   DIGEST_SHA256_HEX_SIZE

struct blobs_s3 {
	struct blobs base;
	char url[S3_MAX_URL];           /* http(s)://host:port/bucket, no trailing slash */
	char sigv4[S3_MAX_REGION + 16]; /* "aws:amz:REGION:s3" */
	char userpwd[S3_MAX_USERPWD];   /* "ACCESS_KEY:SECRET" */
	CURLSH *share;                  /* connections and DNS shared by all request threads */
	pthread_mutex_t locks[CURL_LOCK_DATA_LAST];
};

/* A response body, capped at S3_MAX_OBJECT. */
struct sink {
	char *p;
	size_t len, cap;
	bool too_big;
};

static void share_lock(CURL *h, curl_lock_data data, curl_lock_access a, void *arg)
{
	struct blobs_s3 *s3 = arg;

	pthread_mutex_lock(&s3->locks[data]);
}

static void share_unlock(CURL *h, curl_lock_data data, void *arg)
{
	struct blobs_s3 *s3 = arg;

	pthread_mutex_unlock(&s3->locks[data]);
}

static size_t sink_write(char *data, size_t size, size_t n, void *arg)
{
	struct sink *s = arg;
	size_t len = size * n, cap;
	char *p;

	if (len > S3_MAX_OBJECT - s->len) {
		s->too_big = true;
		return 0;
	}
	if (s->len + len > s->cap) {
		cap = s->cap ? s->cap : 64 * 1024;
		while (cap < s->len + len)
			cap *= 2;
		if (cap > S3_MAX_OBJECT)
			cap = S3_MAX_OBJECT;
		if (!(p = realloc(s->p, cap)))
			return 0;
		s->p = p;
		s->cap = cap;
	}
	memcpy(s->p + s->len, data, len);
	s->len += len;
	return len;
}

/*
 * One signed request for the object named by hex (NULL: the bucket itself). method is
 * "GET", "HEAD", "PUT" (body, len) or "DELETE"; a GET's body goes to sink (may be NULL
 * otherwise). Returns the HTTP status, or -EIO when the store could not be reached,
 * -EFBIG when the answer exceeds S3_MAX_OBJECT, -ENOMEM.
 */
static long request(struct blobs_s3 *s3, const char *method, const char *hex, const void *body,
                    size_t len, struct sink *sink)
{
	char url[S3_MAX_URL + 80], hdr[64 + S3_SHA256_HEX], hash[S3_SHA256_HEX];
	struct curl_slist *headers = NULL, *h;
	struct sink discard = {0};
	long status = -EIO;
	CURLcode rc;
	CURL *c;

	if (snprintf(url, sizeof(url), "%s%s%s%s", s3->url, hex ? "/" : "", hex ? hex : "",
	             hex ? ".png" : "") >= (int)sizeof(url))
		return -ENAMETOOLONG;
	/* Debian's libcurl does not send the payload hash itself; S3 requires it, signed. */
	if (digest_sha256_hex(body ? body : "", body ? len : 0, hash) < 0)
		return -ENOMEM;
	if (!(c = curl_easy_init()))
		return -ENOMEM;
	snprintf(hdr, sizeof(hdr), "x-amz-content-sha256: %s", hash);
	if (!(h = curl_slist_append(headers, hdr)))
		goto out;
	headers = h;
	if (body) {
		/* Lower case, and no empty headers such as "Expect:": Debian's libcurl signs
		 * headers as written, and the store would see other ones. */
		if (!(h = curl_slist_append(headers, "content-type: image/png")))
			goto out;
		headers = h;
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_SHARE, s3->share);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, S3_CONNECT_SECS);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, S3_REQUEST_SECS);
	curl_easy_setopt(c, CURLOPT_AWS_SIGV4, s3->sigv4);
	curl_easy_setopt(c, CURLOPT_USERPWD, s3->userpwd);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, sink ? sink : &discard);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	else if (strcmp(method, "GET") != 0)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	}
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	else if (rc == CURLE_WRITE_ERROR && sink && sink->too_big)
		status = -EFBIG;
	else if (rc == CURLE_OUT_OF_MEMORY)
		status = -ENOMEM;
out:
	free(discard.p);
	curl_slist_free_all(headers);
	curl_easy_cleanup(c);
	return status;
}

/* Maps an answer that is not a success to -errno. */
static int status_errno(long status)
{
	if (status < 0)
		return (int)status;
	if (status == 404)
		return -ENOENT;
	if (status == 401 || status == 403)
		return -EACCES;
	return -EIO;
}

static int s3_put(struct blobs *b, const char *hex, const void *data, size_t len)
{
	struct blobs_s3 *s3 = (struct blobs_s3 *)b;
	long status;

	if (!digest_is_sha256_hex(hex))
		return -EINVAL;
	/* Written once: the name is the content's hash, so an object present is this one. */
	status = request(s3, "HEAD", hex, NULL, 0, NULL);
	if (status == 200)
		return 0;
	if (status != 404)
		return status_errno(status);
	status = request(s3, "PUT", hex, data, len, NULL);
	return status == 200 || status == 201 ? 0 : status_errno(status);
}

/* The store answers a PUT only once the object is stored, so staging is the write itself
 * and there is nothing left to publish. */
static int s3_stage(struct blobs *b, const char *hex, const void *data, size_t len,
                    struct blob_stage **out)
{
	int r = s3_put(b, hex, data, len);

	if (r == 0)
		*out = NULL;
	return r;
}

static int s3_publish(struct blobs *b, struct blob_stage **stages, size_t n)
{
	return 0;
}

static void s3_discard(struct blobs *b, struct blob_stage *stage)
{
}

static int s3_get(struct blobs *b, const char *hex, void **data, size_t *len)
{
	struct blobs_s3 *s3 = (struct blobs_s3 *)b;
	struct sink sink = {0};
	long status;

	if (!digest_is_sha256_hex(hex))
		return -EINVAL;
	status = request(s3, "GET", hex, NULL, 0, &sink);
	if (status != 200) {
		free(sink.p);
		return status_errno(status);
	}
	if (!sink.p && !(sink.p = malloc(1)))
		return -ENOMEM;
	*data = sink.p;
	*len = sink.len;
	return 0;
}

static int s3_remove(struct blobs *b, const char *hex)
{
	struct blobs_s3 *s3 = (struct blobs_s3 *)b;
	long status;

	if (!digest_is_sha256_hex(hex))
		return -EINVAL;
	/* S3 answers 204 to a DELETE whether or not the object existed; ask first. */
	status = request(s3, "HEAD", hex, NULL, 0, NULL);
	if (status != 200)
		return status_errno(status);
	status = request(s3, "DELETE", hex, NULL, 0, NULL);
	return status == 200 || status == 204 ? 0 : status_errno(status);
}

static int s3_check(struct blobs *b)
{
	long status = request((struct blobs_s3 *)b, "HEAD", NULL, NULL, 0, NULL);

	return status == 200 ? 0 : status_errno(status);
}

static void s3_free(struct blobs *b)
{
	struct blobs_s3 *s3 = (struct blobs_s3 *)b;

	if (s3->share)
		curl_share_cleanup(s3->share);
	for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_destroy(&s3->locks[i]);
	sodium_memzero(s3->userpwd, sizeof(s3->userpwd));
	free(s3);
}

static const struct blobs_ops s3_ops = {
    .put = s3_put,
    .stage = s3_stage,
    .publish = s3_publish,
    .discard = s3_discard,
    .get = s3_get,
    .remove = s3_remove,
    .check = s3_check,
    .free = s3_free,
};

/* Checks url is http(s)://HOST[:PORT]/BUCKET with one path segment, and copies it. */
static int set_url(struct blobs_s3 *s3, const char *url, char *err, size_t errlen)
{
	char scheme[16], host[256];
	const char *path;
	size_t len = strlen(url);

	while (len > 0 && url[len - 1] == '/')
		len--;
	if (url_split(url, scheme, sizeof(scheme), host, sizeof(host)) < 0 ||
	    (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) ||
	    !(path = strstr(url, "://")) || !(path = strchr(path + 3, '/')) ||
	    (size_t)(path - url) + 1 >= len ||
	    memchr(path + 1, '/', len - (size_t)(path - url) - 1) || strpbrk(url, "?#") ||
	    len >= sizeof(s3->url)) {
		snprintf(err, errlen, "s3-url: \"%s\" is not http(s)://HOST:PORT/BUCKET", url);
		return -EINVAL;
	}
	/* Screenshots cross no network unencrypted: plain HTTP only to this machine (a test
	 * store, or a proxy that speaks TLS onwards), as agents do for their server URL. */
	if (strcmp(scheme, "http") == 0 && !url_host_is_loopback(host)) {
		snprintf(err, errlen,
		         "s3-url: \"%s\": plain http:// is accepted only for a loopback address "
		         "(127.0.0.1, ::1, localhost); use https://",
		         url);
		return -EINVAL;
	}
	memcpy(s3->url, url, len);
	s3->url[len] = '\0';
	return 0;
}

int blobs_s3_open(const char *url, const char *region, const char *credentials, struct blobs **out,
                  char *err, size_t errlen)
{
	struct blobs_s3 *s3;
	int r;

	if (!region || !*region || strlen(region) >= S3_MAX_REGION ||
	    strspn(region, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(region)) {
		snprintf(err, errlen, "s3-region: \"%s\" is not a region name such as eu-west-2",
		         region ? region : "");
		return -EINVAL;
	}
	if (!(s3 = calloc(1, sizeof(*s3))))
		return -ENOMEM;
	for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_init(&s3->locks[i], NULL);
	s3->base.ops = &s3_ops;
	if ((r = set_url(s3, url, err, errlen)) < 0)
		goto fail;
	snprintf(s3->sigv4, sizeof(s3->sigv4), "aws:amz:%s:s3", region);
	r = credentials ? secretfile_read_line(credentials, s3->userpwd, sizeof(s3->userpwd))
	                : -EINVAL;
	if (r == 0 && !strchr(s3->userpwd, ':'))
		r = -EINVAL;
	if (r < 0) {
		snprintf(err, errlen, "s3-credentials %s: %s",
		         credentials ? credentials : "(unset)",
		         r == -EPERM    ? "readable by others (chmod 600)"
		         : r == -EINVAL ? "expected ACCESS_KEY:SECRET on the first line"
		                        : strerror(-r));
		goto fail;
	}
	if (!(s3->share = curl_share_init())) {
		r = -ENOMEM;
		goto fail;
	}
	curl_share_setopt(s3->share, CURLSHOPT_LOCKFUNC, share_lock);
	curl_share_setopt(s3->share, CURLSHOPT_UNLOCKFUNC, share_unlock);
	curl_share_setopt(s3->share, CURLSHOPT_USERDATA, s3);
	curl_share_setopt(s3->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
	curl_share_setopt(s3->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
	*out = &s3->base;
	return 0;
fail:
	s3_free(&s3->base);
	return r;
}
