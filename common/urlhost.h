/* urlhost.h: a URL's scheme and host as libcurl parses them; loopback and private addresses. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/*
 * Parses url with libcurl's URL API (the parser that will later connect) and copies its
 * scheme (lower case) and host (IPv6 literals without brackets) into the buffers.
 * Returns 0, -EINVAL for a URL libcurl refuses or one without a host, -ENAMETOOLONG.
 */
int url_split(const char *url, char *scheme, size_t scheme_size, char *host, size_t host_size);

/* True when host (as from url_split) is "localhost", an IPv4 address in 127.0.0.0/8 or
 * ::1. Names are not resolved: "localhost.example" or "127.example" are not loopback. */
bool url_host_is_loopback(const char *host);

/* True when the URL's host is a loopback address (url_host_is_loopback); false for a URL
 * that does not parse. */
bool url_is_loopback(const char *url);

struct sockaddr;
/* True when sa is an address no alert should reach unless asked to: loopback,
 * unspecified, link-local (169.254/16, fe80::/10), private (10/8, 172.16/12,
 * 192.168/16, fc00::/7), shared (100.64/10), multicast or broadcast; IPv4-mapped IPv6
 * addresses are judged as IPv4. */
bool url_addr_is_private(const struct sockaddr *sa);
