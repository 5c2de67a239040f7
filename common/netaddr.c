/* netaddr.c: IP addresses and "ADDR:PORT" listening addresses parsed from text. */
#include "netaddr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "parse.h"

int netaddr_parse_listen(const char *spec, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[128];
	const char *colon = strrchr(spec, ':');
	size_t hlen;
	int port;
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	if (!colon || parse_int(colon + 1, 0, 65535, &port) < 0)
		return -EINVAL;
	hlen = (size_t)(colon - spec);
	if (hlen >= 2 && spec[0] == '[' && spec[hlen - 1] == ']') {
		spec++;
		hlen -= 2;
	}
	if (hlen >= sizeof(host))
		return -EINVAL;
	memcpy(host, spec, hlen);
	host[hlen] = '\0';
	memset(ss, 0, sizeof(*ss));
	if (hlen == 0 || inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)port);
		if (hlen == 0)
			in4->sin_addr.s_addr = htonl(INADDR_ANY);
		*len = sizeof(*in4);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*in6);
		return 0;
	}
	return -EINVAL;
}

int netaddr_normalise_ip(const char *text, char *out, size_t outlen)
{
	unsigned char buf[sizeof(struct in6_addr)];
	char norm[INET6_ADDRSTRLEN];
	int af = strchr(text, ':') ? AF_INET6 : AF_INET;

	if (inet_pton(af, text, buf) != 1 || !inet_ntop(af, buf, norm, sizeof(norm)))
		return -EINVAL;
	if ((size_t)snprintf(out, outlen, "%s", norm) >= outlen)
		return -ENAMETOOLONG;
	return 0;
}
