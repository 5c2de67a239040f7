/* serve.c: the run loop of vigil-server: listen, serve, signals, clean shutdown. */
#include "serve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "alerts.h"
#include "api.h"
#include "http.h"
#include "log.h"
#include "retention.h"
#include "rfc3339.h"
#include "server.h"
#include "signin.h"
#include "watch.h"
#include "web.h"

/* Reloads the lists when they changed; logs the outcome once per change. */
static void reload_lists(struct server *srv, int force)
{
	struct bundle_msgs msgs = {0};
	struct bundle *b;
	int r = wordlists_reload(srv->lists, force, &msgs);

	for (size_t i = 0; i < msgs.n; i++)
		log_msg(r == -EINVAL ? LOG_LEVEL_ERROR : LOG_LEVEL_WARNING, "lists: %s", msgs.v[i]);
	if (r == 1) {
		b = wordlists_current(srv->lists);
		log_info("lists: serving version %s (%zu files)", bundle_version(b),
		         bundle_file_count(b));
		bundle_unref(b);
	} else if (r == -EINVAL) {
		b = wordlists_current(srv->lists);
		if (b)
			log_error("lists: %s refused; still serving version %s", srv->cfg->lists,
			          bundle_version(b));
		else
			log_error("lists: %s refused; no lists to serve yet", srv->cfg->lists);
		bundle_unref(b);
	} else if (r < 0) {
		log_error("lists: %s: %s", srv->cfg->lists, strerror(-r));
	}
	bundle_msgs_clear(&msgs);
}

static char *read_pem(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0;

	if (!f) {
		log_error("cannot read %s: %s", path, strerror(errno));
		return NULL;
	}
	buf = calloc(1, 65537);
	if (buf)
		len = fread(buf, 1, 65536, f);
	fclose(f);
	if (buf && len == 0) {
		free(buf);
		buf = NULL;
	}
	return buf;
}

static void log_listening(int fd, const struct server *srv)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char host[INET6_ADDRSTRLEN] = "?", key[SIGNKEY_B64_BUF];
	int port = 0;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0) {
		if (ss.ss_family == AF_INET) {
			struct sockaddr_in *in = (struct sockaddr_in *)&ss;
			inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
			port = ntohs(in->sin_port);
		} else {
			struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
			inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
			port = ntohs(in6->sin6_port);
		}
	}
	signkey_public_b64(&srv->key, key);
	log_info("listening on %s:%d (%s, %s); lists signed by key %s", host, port,
	         srv->cfg->tls_cert ? "https" : "http",
	         srv->cfg->database && *srv->cfg->database ? "PostgreSQL" : "SQLite", key);
}

/* Logs machines that went offline; at most every offline_after / 2 seconds (1..60). */
static void sweep_machines(struct server *srv, struct watch *w, int64_t *last)
{
	int64_t now = rfc3339_now_ms(), every = srv->cfg->offline_after * 500LL;
	int r;

	if (every > 60000)
		every = 60000;
	if (now - *last < every)
		return;
	*last = now;
	r = watch_sweep(w, srv->store, srv->cfg->offline_after, now);
	if (r < 0)
		log_warning("machines: cannot list them: %s", strerror(-r));
}

/* Deletes captures past the retention period at start and every RETENTION_INTERVAL_S. */
static void run_retention(struct server *srv, int64_t *last)
{
	int64_t now = rfc3339_now_ms(), captures = 0, images = 0;
	int r;

	if (now - *last < RETENTION_INTERVAL_S * 1000LL)
		return;
	*last = now;
	r = retention_run(srv, now, srv->cfg->retention_days, &captures, &images);
	if (r < 0)
		log_warning("retention: %s; trying again in %d s", strerror(-r),
		            RETENTION_INTERVAL_S);
	else if (captures)
		log_info("retention: deleted %lld captures older than %u days and %lld images",
		         (long long)captures, srv->cfg->retention_days, (long long)images);
}

/* Waits for signals: TERM/INT stop, HUP reloads the lists; looks at the lists and the
 * machines meanwhile. */
static void signal_loop(struct server *srv, const sigset_t *set)
{
	struct timespec tick = {.tv_sec = 1};
	struct watch *w = watch_new();
	int64_t last_sweep = 0, last_lists = rfc3339_now_ms(), last_retention = 0;

	for (;;) {
		int sig = sigtimedwait(set, NULL, &tick);
		if (sig == SIGTERM || sig == SIGINT) {
			log_info("%s: finishing requests in progress, then stopping",
			         sig == SIGTERM ? "SIGTERM" : "SIGINT");
			watch_free(w);
			return;
		}
		if (sig == SIGHUP ||
		    rfc3339_now_ms() - last_lists >= (int64_t)srv->cfg->lists_check * 1000) {
			reload_lists(srv, sig == SIGHUP);
			last_lists = rfc3339_now_ms();
		}
		if (w)
			sweep_machines(srv, w, &last_sweep);
		run_retention(srv, &last_retention);
	}
}

int server_run(struct config *cfg)
{
	struct http_route routes[API_MAX_ROUTES + WEB_MAX_ROUTES + ALERTS_MAX_ROUTES];
	size_t nroutes;
	struct http_server *http = NULL;
	struct alerts *alerts = NULL;
	struct http_config hc = {0};
	struct server srv;
	char *cert = NULL, *key = NULL;
	sigset_t set;
	int fd, r;

	if (cfg->tls_cert &&
	    (!(cert = read_pem(cfg->tls_cert)) || !(key = read_pem(cfg->tls_key)))) {
		r = -EINVAL;
		goto out;
	}
	fd = http_listen(cfg->listen);
	if (fd < 0) {
		log_error("cannot listen on %s: %s", cfg->listen, strerror(-fd));
		r = fd;
		goto out;
	}
	/* Blocked before any thread starts (server_open starts the commit thread), so the
	 * threads inherit the mask and SIGTERM reaches signal_loop, never a worker. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((r = server_drop_privileges(cfg, 0)) < 0 ||
	    (r = server_open(&srv, cfg, cfg->threads + 1)) < 0) {
		close(fd);
		goto out;
	}
	hc = (struct http_config){
	    .listen_fd = fd,
	    .threads = cfg->threads,
	    .max_connections = cfg->max_connections,
	    .trusted_proxy = cfg->trusted_proxy,
	    .max_conn_per_addr = cfg->max_conn_per_addr,
	    .max_inflight_per_addr = cfg->max_inflight_per_addr,
	    .max_inflight_per_machine = cfg->max_inflight_per_machine,
	    .timeout = cfg->timeout,
	    .head_timeout = cfg->head_timeout,
	    .max_body = cfg->max_body,
	    .tls_cert_pem = cert,
	    .tls_key_pem = key,
	};
	nroutes = api_routes(&srv, routes);
	nroutes += web_routes(&srv, routes + nroutes);
	nroutes += alerts_routes(routes + nroutes);
	r = http_start(&hc, routes, nroutes, &srv, &http);
	if (r < 0) {
		log_error("cannot start the HTTP server on %s", cfg->listen);
		close(fd);
		server_close(&srv);
		goto out;
	}
	signin_init(); /* before the first sign-in, so unknown logins cost what known ones do */
	log_listening(fd, &srv);
	if ((r = alerts_start(&srv, &alerts)) < 0)
		log_error("alerts: cannot start the worker: %s", strerror(-r));
	reload_lists(&srv, 1); /* agents get 503 for the lists until this is done */
	signal_loop(&srv, &set);
	http_quiesce(http);
	http_stop(http);
	alerts_stop(alerts);
	server_close(&srv);
	log_info("stopped");
	r = 0;
out:
	if (key)
		sodium_memzero(key, strlen(key));
	free(cert);
	free(key);
	return r;
}
