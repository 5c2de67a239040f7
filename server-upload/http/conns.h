/* conns.h: the open connections: a deadline for a request's head, fairness per address. */
#pragma once

#include <microhttpd.h>
#include <stdbool.h>
#include <sys/socket.h>

/*
 * Every connection libmicrohttpd accepts is entered here (conns_started) until it is
 * closed (conns_closed). While a connection waits for a request's head (from its accept,
 * or from the end of its previous request on a kept-alive connection) it may take at
 * most head_timeout seconds in all, however its bytes trickle: a thread closes it after
 * that (shutdown(2); libmicrohttpd then closes it). The request timeout resets at each
 * byte and cannot bound this.
 *
 * With per_addr > 0 an address may hold per_addr connections; a new one over that
 * closes the oldest of the address's connections that is still waiting for a head (a
 * slow or idle one) to make room, and is refused only when every one is busy with a
 * request. A school behind one NAT address is one address: its agents' requests and its
 * staff's pages take the room of connections that send nothing useful, never the
 * reverse.
 */
struct conns;

int conns_new(unsigned int head_timeout, unsigned int per_addr, struct conns **out);
void conns_free(struct conns *c);

/* MHD_OPTION_NOTIFY_CONNECTION's callback (cls: the conns). */
void conns_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
                  enum MHD_ConnectionNotificationCode code);
/* MHD_start_daemon()'s accept policy callback (cls: the conns). */
enum MHD_Result conns_accept(void *cls, const struct sockaddr *addr, socklen_t len);
/* The head of a request on conn is in (true), or conn waits for the next one (false). */
void conns_in_request(struct MHD_Connection *conn, bool in);
