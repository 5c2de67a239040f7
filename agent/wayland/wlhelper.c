/* wlhelper.c: vigil-session, the part of a Wayland monitor that runs as the pupil. */
#include "wlhelper.h"
#include "wlsway.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "monotime.h"
#include "vsproto.h"
#include "wlshot.h"

struct wlhelper {
	pid_t pid;
	int ev;   /* event channel (helper -> monitor) */
	int shot; /* screenshot channel (the capture worker's) */
	bool up, gnome, kde, said_bad;
	long long last_ms; /* the last message */
	char *buf;         /* one message (VS_MSG_MAX + 1), wiped after each */
};

static const char *helper_path(void)
{
	const char *p = getenv("VIGIL_SESSION_HELPER");

	return p && p[0] == '/' ? p : WLHELPER_PATH;
}

/* In the child: becomes the pupil and execs the helper; never returns. */
static void exec_helper(const struct wlhelper_params *hp, const char *path, int ev, int shot,
                        pid_t parent)
{
	char env_rt[300], env_bus[330], env_wl[300], clip[32], comp[32];
	char *const envp[] = {env_rt, env_bus, env_wl, NULL};
	char *const argv[] = {(char *)"vigil-session",
	                      (char *)"--clip-max",
	                      clip,
	                      (char *)"--compositor",
	                      comp,
	                      NULL};
	sigset_t none;
	int err, exe;

	/* the channels on 3 and 4, nothing else of the monitor's (its compositor connection) */
	ev = fcntl(ev, F_DUPFD, 10);
	shot = fcntl(shot, F_DUPFD, 10);
	if (ev < 0 || shot < 0 || dup2(ev, VS_EVENT_FD) < 0 || dup2(shot, VS_SHOT_FD) < 0)
		_exit(127);
	close_range(VS_SHOT_FD + 1, ~0u, 0);
	/* The program is opened while the monitor may reach it (a build under a home the
	 * pupil cannot enter, say) and run from that file, so no path the pupil controls is
	 * looked up once the credentials are theirs. */
	exe = open(path, O_PATH | O_CLOEXEC);
	if (exe < 0)
		goto fail;
	{ /* stdin and stdout: nothing of the monitor's; stderr stays (the agent's log) */
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);

		if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0)
			_exit(127);
	}
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int s = 1; s < NSIG; s++)
		signal(s, SIG_DFL);
	if (setgroups(1, &hp->gid) < 0 || setresgid(hp->gid, hp->gid, hp->gid) < 0 ||
	    setresuid(hp->uid, hp->uid, hp->uid) < 0 || getuid() != hp->uid)
		goto fail;
	prctl(PR_SET_PDEATHSIG, SIGKILL); /* after the change of credentials, which clears it */
	if (getppid() != parent)
		_exit(127);
	if (chdir("/") < 0)
		goto fail;
	snprintf(env_rt, sizeof(env_rt), "XDG_RUNTIME_DIR=%s", hp->runtime_dir);
	snprintf(env_bus, sizeof(env_bus), "DBUS_SESSION_BUS_ADDRESS=unix:path=%s/bus",
	         hp->runtime_dir);
	snprintf(env_wl, sizeof(env_wl), "WAYLAND_DISPLAY=%s", hp->wayland);
	snprintf(clip, sizeof(clip), "%zu", hp->clip_max);
	snprintf(comp, sizeof(comp), "%ld", (long)hp->compositor);
	execveat(exe, "", argv, envp, AT_EMPTY_PATH);
fail:
	err = errno;
	{
		char msg[32];
		int n = snprintf(msg, sizeof(msg), "E%d", err);

		if (send(VS_EVENT_FD, msg, (size_t)n, MSG_NOSIGNAL) < 0)
			_exit(127);
	}
	_exit(127);
}

int wlhelper_start(const struct wlhelper_params *hp, struct wlhelper **out)
{
	const char *path = helper_path();
	int ev[2] = {-1, -1}, shot[2] = {-1, -1};
	struct wlhelper *h;
	struct stat st;
	pid_t parent = getpid();

	*out = NULL;
	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode) || !(st.st_mode & 0111))
		return -ENOENT;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->buf = malloc(VS_MSG_MAX + 1);
	if (!h->buf || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ev) < 0 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, shot) < 0) {
		int e = h->buf ? errno : ENOMEM;

		for (int i = 0; i < 2; i++) {
			if (ev[i] >= 0)
				close(ev[i]);
			if (shot[i] >= 0)
				close(shot[i]);
		}
		free(h->buf);
		free(h);
		return -e;
	}
	h->pid = fork();
	if (h->pid == 0)
		exec_helper(hp, path, ev[1], shot[1], parent);
	close(ev[1]);
	close(shot[1]);
	h->ev = ev[0];
	h->shot = shot[0];
	if (h->pid < 0) {
		int e = errno;

		h->pid = 0;
		wlhelper_free(h);
		return -e;
	}
	h->last_ms = monotime_ms();
	log_debug("wayland: session helper %s started as uid %u (pid %d)", path, (unsigned)hp->uid,
	          (int)h->pid);
	*out = h;
	return 0;
}

void wlhelper_free(struct wlhelper *h)
{
	if (!h)
		return;
	close(h->ev);
	close(h->shot);
	if (h->pid > 0) {
		/* it exits when its channels close; it is the pupil's, so no signal of ours
		 * may reach it once the monitor runs as its own user */
		for (int i = 0; i < 100 && waitpid(h->pid, NULL, WNOHANG) == 0; i++)
			usleep(10000);
	}
	if (h->buf)
		explicit_bzero(h->buf, VS_MSG_MAX + 1);
	free(h->buf);
	free(h);
}

int wlhelper_fd(const struct wlhelper *h)
{
	return h->ev;
}

bool wlhelper_up(const struct wlhelper *h)
{
	return h && h->up;
}

bool wlhelper_gnome(const struct wlhelper *h)
{
	return h && h->gnome;
}

long wlhelper_silent_ms(const struct wlhelper *h, long long now_ms)
{
	return (long)(now_ms - h->last_ms);
}

/* Wipes every string in v (pupil text) before it is freed. */
static void wipe_json(json_t *v)
{
	const char *key;
	json_t *x;
	size_t i;

	if (json_is_string(v)) {
		explicit_bzero((char *)json_string_value(v), json_string_length(v));
	} else if (json_is_object(v)) {
		json_object_foreach(v, key, x) wipe_json(x);
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, x) wipe_json(x);
	}
}

/* A string member of at most max bytes, or NULL. */
static const char *bounded(json_t *msg, const char *key, size_t max, size_t *len)
{
	json_t *v = json_object_get(msg, key);

	if (!json_is_string(v) || json_string_length(v) > max)
		return NULL;
	if (len)
		*len = json_string_length(v);
	return json_string_value(v);
}

/* Hands one message over; false when it is not one of vsproto.h's, within its bounds. */
static bool handle(struct wlhelper *h, json_t *msg, const struct wlhelper_ops *ops, void *ud)
{
	const char *ev = bounded(msg, "ev", 16, NULL), *title, *app, *text;
	json_int_t id = json_integer_value(json_object_get(msg, "id"));
	size_t len;

	if (!ev || id < 0)
		return false;
	if (strcmp(ev, "alive") == 0)
		return true;
	if (strcmp(ev, "hello") == 0) {
		h->up = true;
		h->gnome = json_is_true(json_object_get(msg, "gnome"));
		h->kde = json_is_true(json_object_get(msg, "kde"));
		log_info("wayland: session helper up (AT-SPI %s, GNOME Shell %s, KWin %s)",
		         json_is_true(json_object_get(msg, "atspi")) ? "yes" : "no",
		         h->gnome ? "yes" : "no", h->kde ? "yes" : "no");
		return true;
	}
	if (strcmp(ev, "focus") == 0 || strcmp(ev, "title") == 0) {
		title = bounded(msg, "title", VS_TITLE_MAX, NULL);
		app = bounded(msg, "app", VS_APP_MAX, NULL);
		if (!title || !app)
			return false;
		if (ev[0] == 'f' && ops->focus)
			ops->focus((unsigned long)id, title, app, ud);
		else if (ev[0] == 't' && ops->title && id > 0)
			ops->title((unsigned long)id, title, app, ud);
		return true;
	}
	if (strcmp(ev, "clip") == 0) {
		text = bounded(msg, "text", VS_CLIP_MAX, &len);
		if (!text)
			return false;
		if (ops->clip)
			ops->clip(text, len, ud);
		return true;
	}
	if (strcmp(ev, "typed") == 0) {
		text = bounded(msg, "text", VS_TYPED_MAX, &len);
		if (!text)
			return false;
		if (ops->typed)
			ops->typed(text, len, ud);
		return true;
	}
	if (strcmp(ev, "erase") == 0) {
		json_int_t n = json_integer_value(json_object_get(msg, "count"));

		if (n < 1 || n > VS_ERASE_MAX)
			return false;
		if (ops->erase)
			ops->erase((int)n, ud);
		return true;
	}
	return false;
}

int wlhelper_dispatch(struct wlhelper *h, const struct wlhelper_ops *ops, void *userdata)
{
	for (int i = 0; i < 64; i++) { /* a flood waits for the next round */
		union {
			char buf[CMSG_SPACE(4 * sizeof(int))];
			struct cmsghdr align;
		} u;
		struct iovec iov = {h->buf, VS_MSG_MAX + 1};
		struct msghdr mh = {.msg_iov = &iov,
		                    .msg_iovlen = 1,
		                    .msg_control = u.buf,
		                    .msg_controllen = sizeof(u.buf)};
		ssize_t n = recvmsg(h->ev, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		json_t *msg;

		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -EPIPE;
		if (n == 0)
			return -EPIPE;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
				int fds[4];
				size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);

				memcpy(fds, CMSG_DATA(c), k * sizeof(int));
				for (size_t j = 0; j < k && j < 4; j++)
					close(fds[j]);
			}
		}
		h->last_ms = monotime_ms();
		if (!h->up && n > 1 && h->buf[0] == 'E') {
			h->buf[n < 16 ? n : 15] = '\0';
			log_error("wayland: the session helper could not be started: %s",
			          strerror((int)strtol(h->buf + 1, NULL, 10)));
			return -ENOEXEC;
		}
		msg = (mh.msg_flags & MSG_TRUNC)
		          ? NULL
		          : json_loadb(h->buf, (size_t)n, JSON_REJECT_DUPLICATES, NULL);
		explicit_bzero(h->buf, (size_t)n < VS_MSG_MAX + 1 ? (size_t)n : VS_MSG_MAX + 1);
		if (!msg || !json_is_object(msg) || !handle(h, msg, ops, userdata)) {
			if (!h->said_bad)
				log_warning(
				    "wayland: the session helper sent a message out of bounds; "
				    "dropped (said once)");
			h->said_bad = true;
		}
		if (msg) {
			wipe_json(msg);
			json_decref(msg);
		}
	}
	return 0;
}

/* --- screenshots ------------------------------------------------------------------- */

struct grabber {
	void *screencopy; /* wlshot's grabber, or NULL: the helper's */
	struct wlhelper *helper;
	int sway_ipc;           /* or -1 */
	struct shot_rect focus; /* the helper's last screenshot's (GNOME), width 0: none */
};

static int shots_open(void *arg, void **out)
{
	struct wlshots *s = arg;
	struct grabber *g = calloc(1, sizeof(*g));
	int r;

	if (!g)
		return -ENOMEM;
	g->sway_ipc = s->sway_ipc;
	r = s->dpy ? wlshot_ops.open(s->dpy, &g->screencopy) : -ENOTSUP;
	if (r == -ENOTSUP && s->helper) {
		log_info("wayland: screenshots through the session helper (the GNOME Shell "
		         "extension, or KWin's ScreenShot2)");
		g->screencopy = NULL;
		g->helper = s->helper;
		r = 0;
	}
	if (r < 0) {
		free(g);
		return r;
	}
	*out = g;
	return 0;
}

static void shots_close(void *grabber)
{
	struct grabber *g = grabber;

	if (!g)
		return;
	if (g->screencopy)
		wlshot_ops.close(g->screencopy);
	free(g);
}

/* One message on the screenshot channel within ms; its fd (or -1) in *fd. */
static ssize_t recv_reply(int sock, char *buf, size_t len, int *fd, int ms)
{
	union {
		char buf[CMSG_SPACE(4 * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = {buf, len};
	struct msghdr mh = {.msg_iov = &iov,
	                    .msg_iovlen = 1,
	                    .msg_control = u.buf,
	                    .msg_controllen = sizeof(u.buf)};
	struct pollfd p = {sock, POLLIN, 0};
	ssize_t n;

	*fd = -1;
	if (ms >= 0 && poll(&p, 1, ms) <= 0)
		return -ETIMEDOUT;
	n = recvmsg(sock, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0)
		return -errno;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			int fds[4];
			size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);

			memcpy(fds, CMSG_DATA(c), k * sizeof(int));
			for (size_t j = 0; j < k && j < 4; j++) {
				if (*fd < 0)
					*fd = fds[j];
				else
					close(fds[j]);
			}
		}
	}
	if (n == 0 || (mh.msg_flags & MSG_TRUNC)) {
		if (*fd >= 0)
			close(*fd);
		*fd = -1;
		return n == 0 ? -EPIPE : -EMSGSIZE;
	}
	return n;
}

/* The helper's pixels: w*h words read (not mapped: the pupil's file may shrink) from fd. */
static int read_pixels(int fd, unsigned w, unsigned h, uint32_t **out)
{
	size_t bytes = (size_t)w * h * 4, done = 0;
	struct stat st;
	uint32_t *px;

	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size < bytes)
		return -EBADMSG;
	px = malloc(bytes);
	if (!px)
		return -ENOMEM;
	while (done < bytes) {
		ssize_t n = pread(fd, (char *)px + done, bytes - done, (off_t)done);

		if (n <= 0) {
			free(px);
			return -EBADMSG;
		}
		done += (size_t)n;
	}
	*out = px;
	return 0;
}

/* The reply's "focus" ([x, y, width, height], the pupil's helper's word: only a
 * thumbnail's crop depends on it) clamped to a w x hh screenshot; width 0 when none. */
static struct shot_rect reply_focus(json_t *reply, json_int_t w, json_int_t hh)
{
	json_t *f = json_object_get(reply, "focus");
	json_int_t v[4];

	if (json_array_size(f) != 4)
		return (struct shot_rect){0};
	for (int i = 0; i < 4; i++)
		v[i] = json_integer_value(json_array_get(f, i));
	if (v[0] < 0) {
		v[2] += v[0];
		v[0] = 0;
	}
	if (v[1] < 0) {
		v[3] += v[1];
		v[1] = 0;
	}
	v[2] = v[2] < w - v[0] ? v[2] : w - v[0];
	v[3] = v[3] < hh - v[1] ? v[3] : hh - v[1];
	if (v[0] >= w || v[1] >= hh || v[2] <= 0 || v[3] <= 0)
		return (struct shot_rect){0};
	return (struct shot_rect){(unsigned)v[0], (unsigned)v[1], (unsigned)v[2], (unsigned)v[3]};
}

static int helper_png(struct wlhelper *h, const struct shot_stamp *stamp, unsigned char **png,
                      size_t *len, unsigned *width, unsigned *height, struct shot_rect *focus)
{
	static const char req[] = "{\"req\":\"shot\"}";
	char buf[512];
	int64_t t0 = monotime_ms();
	json_t *reply;
	json_int_t w, hh, shell_us;
	uint32_t *px = NULL;
	ssize_t n;
	int fd, r;

	*focus = (struct shot_rect){0};
	/* a late answer to an earlier request that timed out is dropped first */
	while ((n = recv_reply(h->shot, buf, sizeof(buf), &fd, -1)) > 0 || fd >= 0) {
		if (fd >= 0)
			close(fd);
		if (n <= 0)
			break;
	}
	if (send(h->shot, req, sizeof(req) - 1, MSG_NOSIGNAL) < 0)
		return -errno;
	n = recv_reply(h->shot, buf, sizeof(buf) - 1, &fd, VS_SHOT_TIMEOUT_MS + 1000);
	if (n < 0)
		return (int)n;
	reply = json_loadb(buf, (size_t)n, JSON_REJECT_DUPLICATES, NULL);
	w = json_integer_value(json_object_get(reply, "width"));
	hh = json_integer_value(json_object_get(reply, "height"));
	shell_us = json_integer_value(json_object_get(reply, "shell_us"));
	if (!reply || fd < 0 || w <= 0 || hh <= 0 || w > VS_SHOT_MAX_SIDE ||
	    hh > VS_SHOT_MAX_SIDE || (uint64_t)w * (uint64_t)hh > VS_SHOT_MAX_PIXELS) {
		const char *why = json_string_value(json_object_get(reply, "error"));

		log_warning("wayland: the session helper gave no screenshot (%s)",
		            why ? why : "a reply out of bounds");
		json_decref(reply);
		if (fd >= 0)
			close(fd);
		return -EIO;
	}
	*focus = reply_focus(reply, w, hh);
	json_decref(reply);
	r = read_pixels(fd, (unsigned)w, (unsigned)hh, &px);
	close(fd);
	if (r < 0)
		return r;
	r = shotpng_encode(px, (unsigned)w, (unsigned)hh, stamp, SHOTPNG_LEVEL, png, len);
	free(px);
	if (r < 0)
		return r;
	*width = (unsigned)w;
	*height = (unsigned)hh;
	log_debug("wayland: screenshot through the session helper in %lld ms (%s %lld ms)",
	          (long long)(monotime_ms() - t0),
	          h->kde ? "KWin's ScreenShot2" : "the Shell's own call",
	          (long long)(shell_us / 1000));
	return 0;
}

static int shots_png(void *grabber, const struct shot_stamp *stamp, unsigned char **png,
                     size_t *len, unsigned *width, unsigned *height)
{
	struct grabber *g = grabber;

	if (g->screencopy)
		return wlshot_ops.png(g->screencopy, stamp, png, len, width, height);
	return helper_png(g->helper, stamp, png, len, width, height, &g->focus);
}

static int shots_focus(void *grabber, unsigned width, unsigned height, struct shot_rect *out)
{
	struct grabber *g = grabber;

	if (!g->screencopy) {
		if (g->focus.width == 0 || g->focus.x + g->focus.width > width ||
		    g->focus.y + g->focus.height > height)
			return -ENOENT;
		*out = g->focus;
		return 0;
	}
	if (g->sway_ipc < 0)
		return -ENOENT;
	return wlsway_focus(g->sway_ipc, width, height, out);
}

const struct shot_ops wlshots_ops = {shots_open, shots_png, shots_close, shots_focus};
