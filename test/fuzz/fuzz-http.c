/* fuzz-http.c: libFuzzer target for the HTTP layer of vigil-server: raw bytes go through a
 * socketpair into the real request handling (libmicrohttpd, body caps, routing, bearer
 * parsing, the API handlers on a SQLite store in a temporary directory). */
#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "api.h"
#include "config.h"
#include "http.h"
#include "log.h"
#include "server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct http_server *http;
static struct server srv;
static struct config cfg;

static char data_dir[64];

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

/* The temporary data directory goes when the process ends. */
static void cleanup(void)
{
	nftw(data_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void setup(void)
{
	static struct http_route routes[API_MAX_ROUTES];
	char tmpl[] = "/tmp/vigil-fuzz-http-XXXXXX", err[256];
	struct http_config hc = {.listen_fd = -1,
	                         .threads = 1,
	                         .max_connections = 16,
	                         .timeout = 2,
	                         .max_body = 64 * 1024};

	signal(SIGPIPE, SIG_IGN);
	log_setup("fuzz-http", LOG_LEVEL_ERROR);
	if (!mkdtemp(tmpl))
		abort();
	snprintf(data_dir, sizeof(data_dir), "%s", tmpl);
	atexit(cleanup);
	config_init(&cfg);
	if (config_set(&cfg, "data", tmpl, err, sizeof(err)) < 0 ||
	    config_set(&cfg, "max-body", "65536", err, sizeof(err)) < 0 ||
	    config_finish(&cfg, err, sizeof(err)) < 0 || server_open(&srv, &cfg, 2) < 0)
		abort();
	if (http_start(&hc, routes, api_routes(&srv, routes), &srv, &http) < 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct timeval tv = {.tv_usec = 50000}; /* then give up: the server must cope */
	char buf[4096];
	int sv[2];
	size_t off = 0;

	if (!http)
		setup();
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return 0;
	setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(sv[0], SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (http_add_connection(http, sv[1]) < 0) {
		close(sv[0]);
		return 0;
	}
	while (off < size) {
		ssize_t n = send(sv[0], data + off, size - off, MSG_NOSIGNAL);
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	shutdown(sv[0], SHUT_WR);
	while (recv(sv[0], buf, sizeof(buf), 0) > 0)
		;
	close(sv[0]);
	return 0;
}
