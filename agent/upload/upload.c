/* upload.c: the uploader process: enrols, sends spooled captures, heartbeats, fetches lists. */
#include "upload.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "agent-limits.h"
#include "bundle.h"
#include "http.h"
#include "fileio.h"
#include "health.h"
#include "log.h"
#include "match.h"
#include "monotime.h"
#include "phrases.h"
#include "rfc3339.h"
#include "spool.h"

#define TOKEN_FILE   "token"
#define TOKEN_MAX    128u
#define SMALL_ANSWER (64u * 1024)
#define RETRY_MIN_MS 1000

struct uploader {
	const struct agent_config *cfg;
	struct http *http;
	struct spool *spool;
	int notify_fd;
	char machine[65];
	char token[TOKEN_MAX + 1];
	char lists_version[64];
	int64_t retry_at, retry_ms; /* back-off after a failure */
	int64_t heartbeat_at, lists_at;
	int64_t settle_at;     /* when a record whose moment is open may go; 0: none waits */
	bool unreachable_said; /* "server unreachable" logged */
	unsigned long sent;
};

/* Next delay: doubled up to the ceiling; the wait is a random point in [delay/2, delay]. */
static void back_off(struct uploader *u, const char *what, const char *why)
{
	int64_t max = (int64_t)u->cfg->retry_max_seconds * 1000, wait;
	uint32_t rnd = 0;

	u->retry_ms = u->retry_ms ? u->retry_ms * 2 : RETRY_MIN_MS;
	if (u->retry_ms > max)
		u->retry_ms = max;
	if (getrandom(&rnd, sizeof(rnd), 0) < 0)
		rnd = (uint32_t)monotime_ms();
	wait = u->retry_ms / 2 + (int64_t)(rnd % (uint32_t)(u->retry_ms / 2 + 1));
	u->retry_at = monotime_ms() + wait;
	log_msg(u->unreachable_said ? LOG_LEVEL_DEBUG : LOG_LEVEL_WARNING,
	        "%s: %s; retrying with back-off (up to %d s)", what, why,
	        u->cfg->retry_max_seconds);
	u->unreachable_said = true;
}

static void reachable(struct uploader *u)
{
	if (u->unreachable_said)
		log_info("server %s reachable again", u->cfg->server);
	u->unreachable_said = false;
	u->retry_ms = 0;
	u->retry_at = 0;
}

static void load_token(struct uploader *u)
{
	char path[4096];
	ssize_t n;
	int fd;

	u->token[0] = '\0';
	snprintf(path, sizeof(path), "%s/%s", u->cfg->state, TOKEN_FILE);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return;
	n = read(fd, u->token, TOKEN_MAX);
	close(fd);
	u->token[n > 0 ? n : 0] = '\0';
	u->token[strcspn(u->token, "\r\n")] = '\0';
	http_set_token(u->http, u->token[0] ? u->token : NULL);
}

static void forget_token(struct uploader *u)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", u->cfg->state, TOKEN_FILE);
	unlink(path);
	explicit_bzero(u->token, sizeof(u->token));
	http_set_token(u->http, NULL);
}

/* Enrols with the school key. Returns true with a token stored. */
static bool enrol(struct uploader *u)
{
	struct http_response resp;
	char err[256], *body;
	const char *token;
	json_t *req, *ans;
	int r;

	if (!u->cfg->enrol_key) {
		if (!u->unreachable_said)
			log_error("no machine token and no enrol-key: cannot upload");
		u->unreachable_said = true;
		u->retry_at = monotime_ms() + 60000;
		return false;
	}
	req = json_pack("{s:s, s:s}", "key", u->cfg->enrol_key, "machine", u->machine);
	body = req ? json_dumps(req, JSON_COMPACT) : NULL;
	json_decref(req);
	if (!body)
		return false;
	r = http_request(u->http, "POST", "/api/v1/enrol", body, strlen(body), NULL, SMALL_ANSWER,
	                 &resp, err, sizeof(err));
	explicit_bzero(body, strlen(body));
	free(body);
	if (r < 0) {
		back_off(u, "enrol", err);
		return false;
	}
	if (resp.status != 201) {
		snprintf(err, sizeof(err), "server answered %ld %.150s", resp.status, resp.body);
		http_response_free(&resp);
		back_off(u, "enrol", err);
		return false;
	}
	ans = json_loads(resp.body, 0, NULL);
	http_response_free(&resp);
	token = json_string_value(json_object_get(ans, "token"));
	if (!token || strlen(token) > TOKEN_MAX) {
		json_decref(ans);
		back_off(u, "enrol", "no token in the answer");
		return false;
	}
	snprintf(u->token, sizeof(u->token), "%s", token);
	json_decref(ans);
	r = fileio_write_durably(u->cfg->state, TOKEN_FILE, u->token, strlen(u->token), 0600);
	if (r < 0)
		log_error("state %s: cannot store the machine token: %s; enrolling again after a "
		          "restart",
		          u->cfg->state, strerror(-r));
	http_set_token(u->http, u->token);
	log_info("enrolled as %s", u->machine);
	reachable(u);
	u->heartbeat_at = 0;
	return true;
}

/* Uploads one spooled record. Returns false when the round must stop (back-off, re-enrol). */
static bool send_one(struct uploader *u, const struct spool_entry *e)
{
	struct http_response resp;
	char err[256], *data;
	size_t len;
	int64_t wait_ms = 0;
	int r = spool_read_settled(u->spool, e, (int64_t)u->cfg->moment_seconds * 1000,
	                           rfc3339_now_ms(), &wait_ms, &data, &len);

	if (r == -ENOENT)
		return true;
	if (r == -EAGAIN) {
		/* Its moment is open: later hits may still amend it. */
		int64_t at = monotime_ms() + wait_ms;

		if (!u->settle_at || at < u->settle_at)
			u->settle_at = at;
		return true;
	}
	if (r < 0) {
		log_error("spool: cannot read %s: %s; set aside", e->name, strerror(-r));
		spool_reject(u->spool, e->name);
		return true;
	}
	r = http_request(u->http, "POST", "/api/v1/captures", data, len, NULL, SMALL_ANSWER, &resp,
	                 err, sizeof(err));
	explicit_bzero(data, len);
	free(data);
	if (r < 0) {
		back_off(u, "upload", err);
		return false;
	}
	switch (resp.status) {
	case 200:
	case 201:
		reachable(u);
		r = spool_remove(u->spool, e->name);
		if (r < 0)
			log_error("spool: cannot delete uploaded %s: %s", e->name, strerror(-r));
		log_info("capture %.36s uploaded (%ld)", e->name + 16, resp.status);
		u->sent++;
		break;
	case 401:
		log_warning("server refused the machine token (401); enrolling again");
		forget_token(u);
		http_response_free(&resp);
		return false;
	case 400:
	case 409:
	case 413:
	case 415:
		reachable(u);
		log_error("server refused capture %.36s (%ld: %.200s); moved to rejected/",
		          e->name + 16, resp.status, resp.body);
		spool_reject(u->spool, e->name);
		break;
	default:
		snprintf(err, sizeof(err), "server answered %ld", resp.status);
		back_off(u, "upload", err);
		http_response_free(&resp);
		return false;
	}
	http_response_free(&resp);
	return true;
}

static void drain(struct uploader *u)
{
	struct spool_entry *v = NULL;
	int n = spool_list(u->spool, &v);

	u->settle_at = 0;
	for (int i = 0; i < n; i++) {
		if (!send_one(u, &v[i]))
			break;
	}
	free(v);
}

static void heartbeat(struct uploader *u)
{
	struct spool_entry *v = NULL;
	struct http_response resp;
	int n = spool_list(u->spool, &v);
	char err[256], *body, *sessions;
	json_t *o;

	free(v);
	sessions = health_read(u->cfg->state);
	o = json_pack("{s:s, s:s, s:I, s:I}", "version", VIGIL_VERSION, "wordlists",
	              u->lists_version, "spooled", (json_int_t)(n > 0 ? n : 0), "dropped",
	              (json_int_t)spool_dropped(u->spool));
	/* every graphical session: display, user, type, monitored, restarts_1h, last_gap */
	if (o && sessions)
		json_object_set_new(o, "sessions", json_loads(sessions, 0, NULL));
	free(sessions);
	body = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	u->heartbeat_at = monotime_ms() + (int64_t)u->cfg->heartbeat_seconds * 1000;
	if (!body)
		return;
	if (http_request(u->http, "POST", "/api/v1/heartbeat", body, strlen(body), NULL,
	                 SMALL_ANSWER, &resp, err, sizeof(err)) == 0) {
		if (resp.status == 401)
			forget_token(u);
		else if (resp.status != 204)
			log_debug("heartbeat: server answered %ld", resp.status);
		http_response_free(&resp);
	}
	free(body);
}

static void poll_lists(struct uploader *u)
{
	struct http_response resp;
	char err[256], version[64];
	int r;

	u->lists_at = monotime_ms() + (int64_t)u->cfg->lists_poll_seconds * 1000;
	r = http_request(u->http, "GET", "/api/v1/wordlists", NULL, 0,
	                 u->lists_version[0] ? u->lists_version : NULL, BUNDLE_MAX_BYTES, &resp,
	                 err, sizeof(err));
	if (r < 0) {
		log_debug("lists: %s", err);
		return;
	}
	if (resp.status == 200) {
		r = phrases_check_newer(u->cfg->state, u->cfg->server_key, resp.body, resp.len);
		if (r == 0)
			r = phrases_check_bundle(resp.body, resp.len, u->cfg->server_key, version,
			                         sizeof(version));
		if (r == 0) {
			r = fileio_write_durably(u->cfg->state, PHRASES_BUNDLE_FILE, resp.body,
			                         resp.len, 0600);
			if (r < 0) {
				log_error("state %s: cannot store lists %s: %s", u->cfg->state,
				          version, strerror(-r));
			} else {
				log_info("lists %s received and verified", version);
				snprintf(u->lists_version, sizeof(u->lists_version), "%s", version);
				if (write(u->notify_fd, "L", 1) < 0)
					log_warning(
					    "cannot tell the supervisor about new lists: %s",
					    strerror(errno));
			}
		}
	} else if (resp.status == 401) {
		forget_token(u);
	} else if (resp.status != 304) {
		log_debug("lists: server answered %ld", resp.status);
	}
	http_response_free(&resp);
}

static void machine_name(struct uploader *u)
{
	char host[256] = "";

	if (u->cfg->machine)
		snprintf(host, sizeof(host), "%s", u->cfg->machine);
	else if (gethostname(host, sizeof(host) - 1) < 0)
		snprintf(host, sizeof(host), "unknown");
	host[64] = '\0';
	for (char *p = host; *p; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-'))
			*p = '-';
	}
	/* host was cut to 64 bytes above, so this never truncates */
	if ((size_t)snprintf(u->machine, sizeof(u->machine), "%s", host[0] ? host : "unknown") >=
	    sizeof(u->machine))
		log_warning("uploader: machine name cut to %zu bytes", sizeof(u->machine) - 1);
}

static int next_timeout(struct uploader *u, int64_t now)
{
	int64_t t = u->heartbeat_at;

	if (!u->cfg->lists && u->cfg->server_key && u->lists_at < t)
		t = u->lists_at;
	if (u->retry_at && u->retry_at < t)
		t = u->retry_at;
	if (u->settle_at && u->settle_at < t)
		t = u->settle_at;
	t -= now;
	return t < 0 ? 0 : t > 60000 ? 60000 : (int)t;
}

static int setup(struct uploader *u, int *ino)
{
	int r;

	r = http_new(u->cfg->server, u->cfg->ca_file, u->cfg->pinned_key, &u->http);
	if (r < 0)
		return r;
	r = spool_open(u->cfg->spool, 0, &u->spool);
	if (r < 0) {
		log_error("uploader: spool %s: %s", u->cfg->spool, strerror(-r));
		return r;
	}
	r = spool_clean_temp(u->spool);
	if (r > 0)
		log_info("spool %s: %d unfinished temporary file(s) removed", u->cfg->spool, r);
	machine_name(u);
	load_token(u);
	/* The version of the stored bundle, for If-None-Match and heartbeats. */
	phrases_config_version(u->cfg, u->lists_version, sizeof(u->lists_version));
	*ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	/* new captures in the spool; a new health file in the state directory */
	if (*ino >= 0 && (inotify_add_watch(*ino, u->cfg->spool, IN_MOVED_TO) < 0 ||
	                  inotify_add_watch(*ino, u->cfg->state, IN_MOVED_TO) < 0)) {
		close(*ino);
		*ino = -1;
	}
	return 0;
}

/*
 * Reads inotify events: a new capture is sent on the next round anyway; a new health file
 * (a session became unmonitored, a monitor restarted) brings the heartbeat forward, to at
 * most one a second.
 */
static void inotified(struct uploader *u, int ino, char *buf, size_t len)
{
	ssize_t n;

	while ((n = read(ino, buf, len)) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;
			int64_t soon =
			    u->heartbeat_at - (int64_t)u->cfg->heartbeat_seconds * 1000 + 1000;

			if (ev->len && strcmp(ev->name, HEALTH_FILE) == 0 && soon < u->heartbeat_at)
				u->heartbeat_at = soon;
			p += sizeof(*ev) + ev->len;
		}
	}
}

int upload_run(const struct agent_config *cfg, int notify_fd)
{
	struct uploader u = {.cfg = cfg, .notify_fd = notify_fd};
	int ino = -1;

	if (setup(&u, &ino) < 0) {
		http_free(u.http);
		spool_free(u.spool);
		return EXIT_FAILURE;
	}
	log_info("uploader for %s started as uid %u", cfg->server, (unsigned)getuid());
	for (;;) {
		int64_t now = monotime_ms();
		struct pollfd pfd = {ino, POLLIN, 0};
		char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));

		if (!u.retry_at || now >= u.retry_at) {
			if (u.token[0] || enrol(&u))
				drain(&u);
		}
		now = monotime_ms();
		if (u.token[0] && (!u.retry_at || now >= u.retry_at)) {
			if (now >= u.heartbeat_at)
				heartbeat(&u);
			if (!cfg->lists && cfg->server_key && now >= u.lists_at)
				poll_lists(&u);
		}
		if (poll(&pfd, 1, next_timeout(&u, monotime_ms())) > 0 && (pfd.revents & POLLIN))
			inotified(&u, ino, buf, sizeof(buf));
	}
	return EXIT_SUCCESS;
}
