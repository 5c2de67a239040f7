/* urlhost.c: a URL's scheme and host as libcurl parses them; loopback and private addresses. */
#include "urlhost.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

int url_split(const char *url, char *scheme, size_t scheme_size, char *host, size_t host_size)
{
	CURLU *u = curl_url();
	char *s = NULL, *h = NULL;
	size_t n;
	int r = -EINVAL;

	if (!u)
		return -ENOMEM;
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &s, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &h, 0) != CURLUE_OK || !*h)
		goto out;
	n = strlen(h);
	if (n >= 2 && h[0] == '[' && h[n - 1] == ']') {
		memmove(h, h + 1, n - 2);
		h[n - 2] = '\0';
	}
	r = -ENAMETOOLONG;
	if (strlen(s) >= scheme_size || strlen(h) >= host_size)
		goto out;
	snprintf(scheme, scheme_size, "%s", s);
	for (char *p = scheme; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	snprintf(host, host_size, "%s", h);
	r = 0;
out:
	curl_free(s);
	curl_free(h);
	curl_url_cleanup(u);
	return r;
}

bool url_host_is_loopback(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;

	if (strcasecmp(host, "localhost") == 0)
		return true;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6);
	return false;
}

bool url_is_loopback(const char *url)
{
	char scheme[32], host[256];

	return url_split(url, scheme, sizeof(scheme), host, sizeof(host)) == 0 &&
	       url_host_is_loopback(host);
}

static bool private4(uint32_t a)
{
	return (a >> 24) == 0 || (a >> 24) == 10 || (a >> 24) == 127 ||
	       (a >> 16) == 0xa9fe ||        /* 169.254/16 link-local (cloud metadata) */
	       (a >> 20) == (0xac10 >> 4) || /* 172.16/12 */
	       (a >> 16) == 0xc0a8 ||        /* 192.168/16 */
	       (a >> 22) == (0x6440 >> 6) || /* 100.64/10 shared address space */
	       (a >> 28) >= 0xe;             /* multicast, reserved, broadcast */
}

bool url_addr_is_private(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return private4(ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr));
	if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
		uint32_t v4;

		if (IN6_IS_ADDR_V4MAPPED(a) || IN6_IS_ADDR_V4COMPAT(a)) {
			memcpy(&v4, a->s6_addr + 12, 4);
			return private4(ntohl(v4));
		}
		return IN6_IS_ADDR_UNSPECIFIED(a) || IN6_IS_ADDR_LOOPBACK(a) ||
		       IN6_IS_ADDR_LINKLOCAL(a) || IN6_IS_ADDR_SITELOCAL(a) ||
		       IN6_IS_ADDR_MULTICAST(a) || (a->s6_addr[0] & 0xfe) == 0xfc;
	}
	return true; /* not an IP address: refused */
}
