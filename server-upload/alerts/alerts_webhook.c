/* alerts_webhook.c: alert webhooks: a JSON POST signed with HMAC-SHA256 (libsodium). */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alerts.h"
#include "urlhost.h"

static size_t discard(char *buf, size_t size, size_t n, void *ud)
{
	(void)buf;
	(void)ud;
	return size * n;
}

/* The key: the first line of a file only its owner can read. */
static int read_key(const char *path, char *buf, size_t size, char *err, size_t errlen)
{
	struct stat st;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) < 0) {
		snprintf(err, errlen, "webhook secret %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -EACCES;
	}
	if (st.st_mode & 077) {
		snprintf(err, errlen, "webhook secret %s: readable by others (chmod 600)", path);
		close(fd);
		return -EACCES;
	}
	n = read(fd, buf, size - 1);
	close(fd);
	if (n <= 0) {
		snprintf(err, errlen, "webhook secret %s: empty", path);
		return -EINVAL;
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	return buf[0] ? 0 : -EINVAL;
}

/* Refuses, at connection time, an address the webhook may not reach (after DNS, so a
 * name that resolves to 169.254.169.254 is refused as well as the literal). */
struct guard {
	bool allow_private;
	bool refused;
	char addr[INET6_ADDRSTRLEN];
};

static curl_socket_t open_socket(void *ud, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct guard *g = ud;
	const void *in = a->family == AF_INET6
	                     ? (const void *)&((struct sockaddr_in6 *)&a->addr)->sin6_addr
	                     : (const void *)&((struct sockaddr_in *)&a->addr)->sin_addr;

	(void)purpose;
	if (!g->allow_private && url_addr_is_private(&a->addr)) {
		g->refused = true;
		inet_ntop(a->family, in, g->addr, sizeof(g->addr));
		return CURL_SOCKET_BAD;
	}
	return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

int alerts_webhook_post(const char *url, const char *secret_file, const char *json,
                        bool allow_private, char *err, size_t errlen)
{
	struct guard g = {.allow_private = allow_private};
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	char key[1024], hex[sizeof(mac) * 2 + 1], sig[sizeof(hex) + 40];
	crypto_auth_hmacsha256_state st;
	struct curl_slist *h = NULL;
	long status = 0;
	CURLcode rc;
	CURL *c;
	int r = 0;

	if (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0) {
		snprintf(err, errlen, "webhook: \"%s\" is not an http(s) URL", url);
		return -EINVAL;
	}
	h = curl_slist_append(h, "Content-Type: application/json");
	if (secret_file) {
		if ((r = read_key(secret_file, key, sizeof(key), err, errlen)) < 0) {
			curl_slist_free_all(h);
			return r;
		}
		crypto_auth_hmacsha256_init(&st, (const unsigned char *)key, strlen(key));
		crypto_auth_hmacsha256_update(&st, (const unsigned char *)json, strlen(json));
		crypto_auth_hmacsha256_final(&st, mac);
		sodium_memzero(key, sizeof(key));
		sodium_bin2hex(hex, sizeof(hex), mac, sizeof(mac));
		snprintf(sig, sizeof(sig), "X-Vigil-Signature: sha256=%s", hex);
		h = curl_slist_append(h, sig);
	}
	if (!(c = curl_easy_init())) {
		curl_slist_free_all(h);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, json);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, open_socket);
	curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, &g);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*"); /* the address checked is the one reached */
	rc = curl_easy_perform(c);
	if (g.refused) {
		snprintf(err, errlen,
		         "webhook: %s is a loopback, link-local or private address (set "
		         "webhook-allow-private to allow it)",
		         g.addr);
		r = -EACCES;
	} else if (rc != CURLE_OK) {
		snprintf(err, errlen, "%s", curl_easy_strerror(rc));
		r = -EIO;
	} else {
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		if (status < 200 || status > 299) {
			snprintf(err, errlen, "webhook answered HTTP %ld", status);
			r = -EIO;
		}
	}
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return r;
}
