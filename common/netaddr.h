/* netaddr.h: IP addresses and "ADDR:PORT" listening addresses parsed from text. */
#pragma once

#include <stddef.h>
#include <sys/socket.h>

/*
 * Parses "ADDR:PORT", "[V6ADDR]:PORT" or ":PORT" (every IPv4 address) into a socket
 * address; port 0 lets the kernel pick one. Returns 0, or -EINVAL for text of another
 * form (*ss and *len then mean nothing).
 */
int netaddr_parse_listen(const char *spec, struct sockaddr_storage *ss, socklen_t *len);

/*
 * Writes the IPv4 or IPv6 address text in its usual form (as inet_ntop writes it: the
 * form peers are logged in) to out. Returns 0, -EINVAL for text that is not an IP
 * address, -ENAMETOOLONG when out is too small.
 */
int netaddr_normalise_ip(const char *text, char *out, size_t outlen);
