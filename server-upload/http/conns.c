/* conns.c: the open connections: a deadline for a request's head, fairness per address. */
#include "conns.h"

#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "log.h"
#include "monotime.h"

struct conn {
	struct conn *prev, *next;
	int fd;
	unsigned char addr[16]; /* IPv4 in the first 4 bytes, or IPv6 */
	int family;
	int64_t head_since; /* monotime_ms() since it waits for a head; 0: in a request */
	bool closing;       /* shut down by us: no longer counted */
};

struct conns {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct conn *head;
	int64_t head_ms;
	unsigned int per_addr;
	bool stop;
	pthread_t reaper;
	bool reaper_started;
};

/* The address of sa in key form; false for a family that is not IP. */
static bool addr_key(const struct sockaddr *sa, int *family, unsigned char out[16])
{
	memset(out, 0, 16);
	if (sa && sa->sa_family == AF_INET) {
		memcpy(out, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		*family = AF_INET;
		return true;
	}
	if (sa && sa->sa_family == AF_INET6) {
		memcpy(out, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
		*family = AF_INET6;
		return true;
	}
	return false;
}

static int64_t head_since(const struct conn *k)
{
	return __atomic_load_n(&k->head_since, __ATOMIC_RELAXED);
}

/* Closes k's connection (the caller holds the lock; k is not yet closed by MHD, whose
 * close notification takes the lock first, so the descriptor is still k's). */
static void close_conn(struct conn *k, const char *why)
{
	k->closing = true;
	shutdown(k->fd, SHUT_RDWR);
	log_debug("http: connection closed: %s", why);
}

static void *reaper(void *arg)
{
	struct conns *c = arg;
	struct timespec ts;

	pthread_mutex_lock(&c->lock);
	while (!c->stop) {
		int64_t now = monotime_ms();
		for (struct conn *k = c->head; k; k = k->next)
			if (!k->closing && head_since(k) && now - head_since(k) >= c->head_ms)
				close_conn(k, "no request head within head-timeout");
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 250 * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&c->cond, &c->lock, &ts);
	}
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

int conns_new(unsigned int head_timeout, unsigned int per_addr, struct conns **out)
{
	struct conns *c = calloc(1, sizeof(*c));
	int r;

	if (!c)
		return -ENOMEM;
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->cond, NULL);
	c->head_ms = (int64_t)head_timeout * 1000;
	c->per_addr = per_addr;
	if ((r = pthread_create(&c->reaper, NULL, reaper, c)) != 0) {
		conns_free(c);
		return -r;
	}
	c->reaper_started = true;
	*out = c;
	return 0;
}

void conns_free(struct conns *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->lock);
	c->stop = true;
	pthread_cond_signal(&c->cond);
	pthread_mutex_unlock(&c->lock);
	if (c->reaper_started)
		pthread_join(c->reaper, NULL);
	while (c->head) {
		struct conn *k = c->head;
		c->head = k->next;
		free(k);
	}
	pthread_cond_destroy(&c->cond);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

void conns_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
                  enum MHD_ConnectionNotificationCode code)
{
	struct conns *c = cls;
	struct conn *k = *socket_context;
	const union MHD_ConnectionInfo *fd, *addr;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		fd = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		addr = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		if (!fd || !(k = calloc(1, sizeof(*k))))
			return;
		k->fd = fd->connect_fd;
		if (!addr || !addr_key(addr->client_addr, &k->family, k->addr))
			k->family = AF_UNSPEC;
		__atomic_store_n(&k->head_since, monotime_ms(), __ATOMIC_RELAXED);
		pthread_mutex_lock(&c->lock);
		k->next = c->head;
		if (c->head)
			c->head->prev = k;
		c->head = k;
		pthread_mutex_unlock(&c->lock);
		*socket_context = k;
	} else if (code == MHD_CONNECTION_NOTIFY_CLOSED && k) {
		pthread_mutex_lock(&c->lock);
		if (k->prev)
			k->prev->next = k->next;
		else
			c->head = k->next;
		if (k->next)
			k->next->prev = k->prev;
		pthread_mutex_unlock(&c->lock);
		free(k);
		*socket_context = NULL;
	}
}

enum MHD_Result conns_accept(void *cls, const struct sockaddr *addr, socklen_t len)
{
	struct conns *c = cls;
	struct conn *oldest = NULL;
	unsigned char key[16];
	unsigned int n = 0;
	int family;

	(void)len;
	if (!c->per_addr || !addr_key(addr, &family, key))
		return MHD_YES;
	pthread_mutex_lock(&c->lock);
	for (struct conn *k = c->head; k; k = k->next) {
		if (k->closing || k->family != family || memcmp(k->addr, key, 16) != 0)
			continue;
		n++;
		if (head_since(k) && (!oldest || head_since(k) < head_since(oldest)))
			oldest = k;
	}
	if (n >= c->per_addr && oldest)
		close_conn(oldest, "its address is at max-connections-per-address: the oldest of "
		                   "its connections waiting for a request makes room");
	pthread_mutex_unlock(&c->lock);
	if (n >= c->per_addr && !oldest) {
		log_debug("http: connection refused: its address has max-connections-per-address "
		          "requests in progress");
		return MHD_NO;
	}
	return MHD_YES;
}

void conns_in_request(struct MHD_Connection *conn, bool in)
{
	const union MHD_ConnectionInfo *i =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct conn *k = i ? i->socket_context : NULL;

	if (k)
		__atomic_store_n(&k->head_since, in ? 0 : monotime_ms(), __ATOMIC_RELAXED);
}
