/* main.c: vigil-agent: reads the settings, finds the X sessions and runs a monitor for each. */
#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <X11/Xlib.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <systemd/sd-login.h>
#include <wayland-client.h>

#include "agent-limits.h"
#include "capture.h"
#include "config.h"
#include "health.h"
#include "hitsout.h"
#include "log.h"
#include "monotime.h"
#include "phrases.h"
#include "pipeline.h"
#include "session.h"
#include "tamper.h"
#include "x11mon.h"
#include "xcookie.h"
#include "evkbd.h"
#include "wlhelper.h"
#include "wlmon.h"
#include "wlshot.h"
#include "wlsock.h"
#include "wlsway.h"
#include "upload.h"

#define DEFAULT_UPLOAD_USER "vigil" /* when started as root (upload-user) */

/*
 * The parent process only supervises: it loads the settings and the phrase lists, then
 * keeps one monitor process per X display (the one named by --display, or each
 * graphical X11 session logind knows of), restarting a monitor whose display went away
 * with a growing delay and stopping the monitor of a session that ended. A monitor
 * crash or a vanished display never takes the others down.
 *
 * Any X client may kill any other's connection, so a pupil can kill a monitor's; nothing
 * prevents that. A monitor whose connection was killed, or that crashed, in a session
 * that is still live is restarted at once (within a second), and the interruptions are
 * counted (tamper.c): the next monitor reports a burst of them as one tamper capture
 * once it has held for a moment. Monitors tell the supervisor through the events pipe
 * when they watch ("U pid") and what they reported ("T pid count").
 *
 * Hits are handed over in the monitor process by hand_over() to the capture pipeline
 * (screenshot, record, spool; pipeline.c). With a server, the supervisor also keeps one
 * uploader process (upload.c) running as the upload user; it tells the supervisor about
 * new verified phrase lists through a pipe, and the supervisor passes SIGHUP on.
 */

#define RETRY_MIN_S 1
#define RETRY_MAX_S 30

struct child {
	bool wanted; /* the session exists */
	struct session_info si;
	pid_t pid;            /* 0 when not running */
	int retry_s;          /* delay before the next start after a failure */
	struct timespec next; /* not before this (CLOCK_MONOTONIC) */
	bool warned;          /* "display not available" logged once */
	struct tamper tamper; /* interruptions of this session's monitoring */
	int64_t started_ms;   /* the running monitor was started (CLOCK_MONOTONIC) */
	int64_t wanted_ms;    /* the session was found */
	/* titles its monitors reported, so a restarted monitor does not report them again */
	struct window_seen titles[AGENT_TITLE_CACHE];
	size_t ntitles, next_title;
};

struct agent {
	struct agent_config cfg;
	struct match_lists *lists;
	struct hitsout *hitsout;
	struct sessions *sessions; /* NULL with --display */
	struct child children[AGENT_MAX_SESSIONS];
	const char *user; /* in a monitor: whose session */
	const char *display;
	int sigfd;
	bool said_no_sessions;
	char lists_version[64];
	struct pipeline *pipeline; /* in a monitor */
	pid_t uploader;            /* 0 when not running */
	int notify[2];             /* uploader -> supervisor: new lists stored */
	struct timespec uploader_next;
	int uploader_retry_s;
	int events[2];        /* monitors -> supervisor: watching, tamper reported */
	pid_t supervisor;     /* the supervisor's pid, for children */
	struct child *self;   /* in a monitor: its session */
	bool said_health;     /* the health file could not be written (logged) */
	char cookie_why[320]; /* in a monitor: why the session's X authority file was refused */
};

static struct agent agent;

/* Hands a hit over. Logs it without pupil text; --hits-out records it whole. */
static void hand_over(const struct hit *hit, void *userdata)
{
	struct agent *a = userdata;

	log_info("hit: %s severity %d rule %s source %s app %s user %s", hit->category,
	         hit->severity, hit->rule, hit_source_name(hit->source),
	         hit->window_app[0] ? hit->window_app : "-", a->user ? a->user : "-");
	if (a->hitsout) {
		int r = hitsout_write(a->hitsout, hit, a->user, a->display);

		if (r < 0)
			log_warning("hits-out: cannot write a hit: %s", strerror(-r));
	}
	if (a->pipeline)
		pipeline_submit(a->pipeline, hit);
}

/* The hits handed over so far are whole: the capture worker may take them. */
static void hits_settled(void *userdata)
{
	struct agent *a = userdata;

	if (a->pipeline)
		pipeline_release(a->pipeline);
}

static void lists_changed(const char *version, void *userdata)
{
	struct agent *a = userdata;

	snprintf(a->lists_version, sizeof(a->lists_version), "%s", version);
	if (a->pipeline)
		pipeline_set_wordlists(a->pipeline, version);
}

static void machine_name(char *out, size_t len)
{
	if (agent.cfg.machine)
		snprintf(out, len, "%s", agent.cfg.machine);
	else if (gethostname(out, len - 1) < 0)
		snprintf(out, len, "unknown");
	out[len - 1] = '\0';
}

static int64_t ts_ms(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000 + ts->tv_nsec / 1000000;
}

/* In a new monitor process: drops to the configured system user after connecting. */
static int drop_privileges(const char *user)
{
	struct passwd *pw;

	if (!user || geteuid() != 0)
		return 0;
	pw = getpwnam(user);
	if (!pw) {
		log_error("run-as: no user %s", user);
		return -ENOENT;
	}
	if (setgroups(0, NULL) < 0 || setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) < 0 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) < 0) {
		log_error("run-as %s: cannot drop privileges: %s", user, strerror(errno));
		return -errno;
	}
	return 0;
}

/* Children die with the supervisor, so no stale monitor or uploader outlives it. */
static void die_with_supervisor(void)
{
	/* Changing credentials clears the setting: called again after each change. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != agent.supervisor)
		_exit(EXIT_FAILURE); /* it died before we asked */
}

static void tell_supervisor(const char *what, int count)
{
	char msg[64];
	int n = snprintf(msg, sizeof(msg), "%s %d %d\n", what, (int)getpid(), count);

	/* One short write into a pipe is atomic: messages of several monitors never mix. */
	if (write(agent.events[1], msg, (size_t)n) != n)
		log_warning("cannot tell the supervisor (%s): %s", what, strerror(errno));
}

/*
 * The session's X authority file was refused (a FIFO, a link, a device, too large: the
 * pupil put it there): one tamper capture per session, made at once by the first monitor
 * that got in anyway; the supervisor remembers it was told until a good file is back.
 */
static void report_cookie(struct agent *a)
{
	char context[400];
	struct hit hit = {
	    .source = HIT_SOURCE_TAMPER,
	    .category = "tamper",
	    .severity = a->cfg.tamper_severity,
	    .phrase = "monitoring interrupted",
	    .rule = "tamper",
	    .matched = "X authority file refused",
	    .context = context,
	    .window_title = "",
	    .window_app = "",
	};

	snprintf(context, sizeof(context), "X authority file refused: %s", a->cookie_why);
	clock_gettime(CLOCK_REALTIME, &hit.time);
	hit.mono_ns = (uint64_t)monotime_ms() * 1000000u;
	log_warning("tamper: %s for %s: %s", a->display, a->user ? a->user : "?", context);
	hand_over(&hit, a);
}

static void monitor_ready(void *userdata)
{
	struct agent *a = userdata;
	struct tamper *t = &a->self->tamper;

	tamper_up(t, monotime_ms()); /* our copy, as the supervisor does with "U" */
	tell_supervisor("U", 0);
	if (a->cookie_why[0] && !t->cookie_told) {
		report_cookie(a);
		tell_supervisor("C", 1);
	} else if (!a->cookie_why[0] && t->cookie_told) {
		tell_supervisor("C", 0);
	}
}

/* A title this monitor reported: the supervisor keeps it for the next monitor. */
static void monitor_title(unsigned long window, uint64_t hash, void *userdata)
{
	char msg[80];
	int n = snprintf(msg, sizeof(msg), "W %d %lu %llu\n", (int)getpid(), window,
	                 (unsigned long long)hash);

	(void)userdata;
	if (write(agent.events[1], msg, (size_t)n) != n)
		log_debug("cannot tell the supervisor of a title: %s", strerror(errno));
}

/* Reports the interruptions this monitor inherited as one tamper capture. */
static void monitor_report_tamper(void *userdata)
{
	struct agent *a = userdata;
	struct tamper *t = &a->self->tamper;
	char context[256];
	struct hit hit = {
	    .source = HIT_SOURCE_TAMPER,
	    .category = "tamper",
	    .severity = a->cfg.tamper_severity,
	    .phrase = "monitoring interrupted",
	    .rule = "tamper",
	    .matched = tamper_cause_name(t),
	    .context = context,
	    .window_title = "",
	    .window_app = "",
	};
	int count = tamper_pending(t);

	tamper_context(t, context, sizeof(context));
	clock_gettime(CLOCK_REALTIME, &hit.time);
	hit.mono_ns = (uint64_t)monotime_ms() * 1000000u;
	log_warning("tamper: monitoring of %s for %s was interrupted: %s", a->display,
	            a->user ? a->user : "?", context);
	hand_over(&hit, a);
	tell_supervisor("T", count);
}

/* The X connection is gone: the captures in hand are finished before the process ends. */
static void monitor_lost(void *userdata)
{
	struct agent *a = userdata;

	pipeline_free(a->pipeline);
	a->pipeline = NULL;
}

/*
 * Connects to the Wayland session's compositor while the monitor still has the
 * privilege to reach the user's runtime directory; a socket that is not the session's
 * own compositor's is refused (wlsock.c). NULL when there is none (logged). The
 * socket's path goes into path (size 256).
 */
static struct wl_display *connect_wayland(struct child *c, char *path)
{
	const char *session = strcmp(c->si.id, "wayland") == 0 ? NULL : c->si.id;
	int fd = wlsock_connect(c->si.uid, c->si.gid, session, c->si.display, path, 256);
	struct wl_display *dpy;

	if (fd < 0) {
		log_info("wayland session %s of %s: no compositor to watch (%s): %s", c->si.id,
		         c->si.user, path, strerror(-fd));
		return NULL;
	}
	dpy = wl_display_connect_to_fd(fd);
	if (!dpy) {
		log_error("wayland %s: cannot connect: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	if (!c->si.display[0])
		snprintf(c->si.display, sizeof(c->si.display), "%s", strrchr(path, '/') + 1);
	return dpy;
}

/*
 * Sway's IPC, for the focused window's rectangle on each screenshot (wlsway.h), opened
 * while the monitor may reach the user's runtime directory; -1 when the compositor is not
 * sway (or has no IPC).
 */
static int sway_ipc(const struct child *c, struct wl_display *wl, const char *path)
{
	const char *session = strcmp(c->si.id, "wayland") == 0 ? NULL : c->si.id;
	const char *slash = strrchr(path, '/');
	char dir[256];
	int fd;

	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) : 0, path);
	fd = wlsway_connect(wl_display_get_fd(wl), dir, c->si.uid, c->si.gid, session);
	if (fd < 0)
		log_debug("wayland %s: no sway IPC (%s): thumbnails show the screen's corner",
		          c->si.display, strerror(-fd));
	return fd < 0 ? -1 : fd;
}

/*
 * Starts vigil-session as the session's user (wlhelper.c), while the monitor may: the
 * socket's directory is the user's runtime directory, its peer the compositor. NULL
 * when it is not installed or cannot start (logged): the session is watched without.
 */
static struct wlhelper *start_helper(const struct child *c, struct wl_display *wl, const char *path)
{
	char dir[256];
	struct ucred cred = {0};
	socklen_t len = sizeof(cred);
	struct wlhelper_params hp = {
	    .uid = c->si.uid,
	    .gid = c->si.gid,
	    .runtime_dir = dir,
	    .wayland = strrchr(path, '/') ? strrchr(path, '/') + 1 : path,
	    .clip_max =
	        agent.cfg.clipboard_max_bytes > 0 ? (size_t)agent.cfg.clipboard_max_bytes : 0,
	};
	struct wlhelper *h;
	int r;

	snprintf(dir, sizeof(dir), "%.*s", (int)(hp.wayland - path - (hp.wayland > path)), path);
	if (getsockopt(wl_display_get_fd(wl), SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0)
		hp.compositor = cred.pid;
	if (c->si.uid == 0 || !dir[0])
		return NULL;
	r = wlhelper_start(&hp, &h);
	if (r < 0) {
		log_warning("wayland %s: no session helper (%s): typed text%s is not watched",
		            c->si.display, strerror(-r), " from AT-SPI, and GNOME's windows,");
		return NULL;
	}
	return h;
}

/* The keyboards of the session's seat, opened while the monitor may (root). */
static size_t keyboards_of(const struct child *c, int *fds, size_t max)
{
	char *seat = NULL;
	int n;

	if (strcmp(c->si.id, "wayland") != 0 && sd_session_get_seat(c->si.id, &seat) < 0)
		seat = NULL;
	n = evkbd_open_seat(seat ? seat : "seat0", fds, max);
	free(seat);
	if (n < 0) {
		log_warning("wayland %s: the keyboards cannot be listed: %s", c->si.display,
		            strerror(-n));
		return 0;
	}
	return (size_t)n;
}

static void run_monitor(struct child *c)
{
	bool wayland = strcmp(c->si.type, "wayland") == 0;
	struct wl_display *wl = NULL;
	int keyboards[EVKBD_MAX_DEVICES];
	struct wlmon_input in = {keyboards, 0, strcmp(c->si.id, "wayland") == 0 ? NULL : c->si.id,
	                         NULL};
	char wl_path[256];
	struct wlshots shots;
	struct monitor_params p = {
	    .display = c->si.display,
	    .user = c->si.user,
	    .cfg = &agent.cfg,
	    .lists = agent.lists,
	    .sink = hand_over,
	    .userdata = &agent,
	    .settled = hits_settled,
	    .lists_version = agent.lists_version,
	    .lists_changed = lists_changed,
	    .ready = monitor_ready,
	    .titles_seen = c->titles,
	    .ntitles_seen = c->ntitles,
	    .title_reported = monitor_title,
	    .due_ms = tamper_report_due(&c->tamper, c->started_ms),
	    .due = monitor_report_tamper,
	    .lost = monitor_lost,
	};
	char machine[256];
	struct pipeline_params pp = {
	    .display = c->si.display,
	    .user = c->si.user,
	    .machine = machine,
	    .spool_dir = agent.cfg.spool,
	    .spool_max_bytes = (uint64_t)agent.cfg.spool_max_bytes,
	    .retry_ms = agent.cfg.spool_retry_ms,
	    .moment_ms = agent.cfg.moment_seconds * 1000,
	};
	sigset_t none;
	int status;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	close(agent.sigfd);
	close(agent.notify[0]);
	close(agent.notify[1]);
	close(agent.events[0]);
	sessions_free(agent.sessions);
	agent.sessions = NULL;
	die_with_supervisor();
	prctl(PR_SET_DUMPABLE, 0); /* typed text in memory: no core files, no ptrace */
	agent.self = c;
	agent.user = c->si.user;
	agent.display = c->si.display;
	if (wayland) {
		wl = connect_wayland(c, wl_path);
		if (!wl)
			_exit(MONITOR_EXIT_GONE);
		in.helper = start_helper(c, wl, wl_path);
		shots = (struct wlshots){wl, in.helper, sway_ipc(c, wl, wl_path)};
		pp.shots = &wlshots_ops; /* screencopy, or the helper's (GNOME) */
		pp.shot_arg = &shots;
		in.n = keyboards_of(c, keyboards, EVKBD_MAX_DEVICES);
	} else {
		XInitThreads(); /* before any Xlib call: the capture worker has its own connection
		                 */
		if (c->si.uid != 0 &&
		    xcookie_use(&c->si, agent.cookie_why, sizeof(agent.cookie_why)) < 0) {
			if (agent.cookie_why[0])
				log_warning("X authority of %s on %s refused: %s; trying without",
				            c->si.user, c->si.display, agent.cookie_why);
			else
				log_debug(
				    "no X authority cookie found for %s on %s; trying without",
				    c->si.user, c->si.display);
		}
		pp.shots = &capture_x11_ops;
		pp.shot_arg = c->si.display;
	}
	/* With the cookie or the connection in hand the monitor needs no privilege: drop it. */
	if (agent.cfg.run_as && drop_privileges(agent.cfg.run_as) < 0)
		_exit(MONITOR_EXIT_FAILED);
	die_with_supervisor();
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		log_error("monitor %s: cannot set no_new_privs: %s; stopping", c->si.display,
		          strerror(errno));
		_exit(MONITOR_EXIT_FAILED);
	}
	machine_name(machine, sizeof(machine));
	if (pipeline_new(&pp, &agent.pipeline) < 0)
		log_error("monitor %s: cannot start the capture worker; hits are not captured",
		          c->si.display);
	else
		pipeline_set_wordlists(agent.pipeline, agent.lists_version);
	status = wl ? wlmon_run(&p, wl, &in) : x11mon_run(&p);
	pipeline_free(agent.pipeline); /* finishes the captures in hand */
	if (wl)
		wl_display_disconnect(wl);
	wlhelper_free(in.helper);
	_exit(status);
}

/* In the uploader process: drops to the upload user, then never regains privilege. */
static void run_uploader(void)
{
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	close(agent.sigfd);
	close(agent.notify[0]);
	close(agent.events[0]);
	close(agent.events[1]);
	sessions_free(agent.sessions);
	agent.sessions = NULL;
	prctl(PR_SET_DUMPABLE, 0);
	if (drop_privileges(agent.cfg.upload_user) < 0)
		_exit(EXIT_FAILURE);
	die_with_supervisor();
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		_exit(EXIT_FAILURE);
	if (geteuid() == 0 && agent.cfg.upload_user) {
		log_error("uploader: still root after dropping privileges; not uploading");
		_exit(EXIT_FAILURE);
	}
	_exit(upload_run(&agent.cfg, agent.notify[1]));
}

static void start_uploader(void)
{
	pid_t pid;

	if (!agent.cfg.server || agent.uploader)
		return;
	if (monotime_ms() < ts_ms(&agent.uploader_next))
		return;
	pid = fork();
	if (pid < 0) {
		log_error("cannot start the uploader: %s", strerror(errno));
		return;
	}
	if (pid == 0)
		run_uploader();
	agent.uploader = pid;
}

static void uploader_exited(int status)
{
	int64_t next;

	agent.uploader = 0;
	log_warning("uploader exited (%s %d); restarting in %d s",
	            WIFSIGNALED(status) ? "signal" : "status",
	            WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status),
	            agent.uploader_retry_s);
	next = monotime_ms() + (int64_t)agent.uploader_retry_s * 1000;
	agent.uploader_next.tv_sec = next / 1000;
	agent.uploader_next.tv_nsec = (next % 1000) * 1000000;
	agent.uploader_retry_s =
	    agent.uploader_retry_s * 2 > RETRY_MAX_S ? RETRY_MAX_S : agent.uploader_retry_s * 2;
}

static void start_child(struct child *c)
{
	pid_t pid = fork();

	if (pid < 0) {
		log_error("cannot start a monitor for %s: %s", c->si.display, strerror(errno));
		return;
	}
	c->started_ms = monotime_ms();
	if (pid == 0)
		run_monitor(c);
	c->pid = pid;
}

static void schedule_retry(struct child *c)
{
	int64_t next = monotime_ms() + (int64_t)c->retry_s * 1000;

	c->next.tv_sec = next / 1000;
	c->next.tv_nsec = (next % 1000) * 1000000;
	c->retry_s = c->retry_s * 2 > RETRY_MAX_S ? RETRY_MAX_S : c->retry_s * 2;
}

/* A monitor is started again within a second, the session being live. */
static void restart_soon(struct child *c, int64_t delay_ms)
{
	int64_t next = monotime_ms() + delay_ms;

	c->next.tv_sec = next / 1000;
	c->next.tv_nsec = (next % 1000) * 1000000;
	c->retry_s = RETRY_MIN_S;
	c->warned = false;
}

static void child_exited(struct child *c, int status)
{
	int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	bool was_up = c->tamper.up;

	c->pid = 0;
	if (!c->wanted) {
		tamper_lost(&c->tamper, TAMPER_KILLED, false, monotime_ms());
		return;
	}
	if (code == MONITOR_EXIT_KILLED) {
		tamper_lost(&c->tamper, TAMPER_KILLED, true, monotime_ms());
		restart_soon(c, 0);
		return;
	}
	if (code == MONITOR_EXIT_REFUSED) {
		tamper_lost(&c->tamper, TAMPER_KILLED, was_up, monotime_ms());
		log_msg(c->warned ? LOG_LEVEL_DEBUG : LOG_LEVEL_WARNING,
		        "display %s refuses the monitor's connection; retrying every second",
		        c->si.display);
		restart_soon(c, 1000);
		c->warned = true;
		return;
	}
	if (was_up && code != MONITOR_EXIT_GONE && code != MONITOR_EXIT_STOPPED) {
		tamper_lost(&c->tamper, TAMPER_CRASHED, true, monotime_ms());
		if (WIFSIGNALED(status))
			log_error("monitor of %s killed by signal %d; restarting", c->si.display,
			          WTERMSIG(status));
		else
			log_warning("monitor of %s exited with status %d; restarting",
			            c->si.display, code);
		restart_soon(c, 1000);
		return;
	}
	tamper_lost(&c->tamper, TAMPER_KILLED, false, monotime_ms());
	if (code == MONITOR_EXIT_GONE) {
		bool lost = c->tamper.lost[TAMPER_KILLED] || c->tamper.lost[TAMPER_CRASHED];

		log_msg(c->warned ? LOG_LEVEL_DEBUG : LOG_LEVEL_INFO,
		        "display %s %s; retrying (up to every %d s)", c->si.display,
		        lost ? "went away" : "is not available", RETRY_MAX_S);
		tamper_gone(&c->tamper);
		c->ntitles = c->next_title = 0; /* a new X server reuses window ids */
		c->warned = true;
	} else if (WIFSIGNALED(status)) {
		log_error("monitor of %s killed by signal %d; restarting", c->si.display,
		          WTERMSIG(status));
	} else {
		log_warning("monitor of %s exited with status %d; restarting", c->si.display, code);
	}
	schedule_retry(c);
}

static void reap(void)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid == agent.uploader)
			uploader_exited(status);
		for (size_t i = 0; i < AGENT_MAX_SESSIONS; i++) {
			if (agent.children[i].pid == pid)
				child_exited(&agent.children[i], status);
		}
	}
}

/* Whether a session of this type can be monitored: X11 and Wayland ones. */
static bool watchable(const struct session_info *si)
{
	return strcmp(si->type, "x11") == 0 || strcmp(si->type, "wayland") == 0;
}

/* Starts monitors that are due; returns the ms until the next one is due, or -1. */
static int start_due(void)
{
	int64_t now = monotime_ms(), best = -1;

	start_uploader();
	if (agent.cfg.server && !agent.uploader)
		best =
		    ts_ms(&agent.uploader_next) - now > 0 ? ts_ms(&agent.uploader_next) - now : 0;

	for (size_t i = 0; i < AGENT_MAX_SESSIONS; i++) {
		struct child *c = &agent.children[i];
		int64_t due = ts_ms(&c->next);

		if (!c->wanted || c->pid || !watchable(&c->si))
			continue; /* other session types cannot be watched: reported (health) */
		if (due <= now) {
			start_child(c);
			continue;
		}
		if (best < 0 || due - now < best)
			best = due - now;
	}
	return (int)best;
}

static struct child *child_by_pid(pid_t pid)
{
	for (size_t i = 0; i < AGENT_MAX_SESSIONS; i++) {
		if (pid > 0 && agent.children[i].pid == pid)
			return &agent.children[i];
	}
	return NULL;
}

/* Remembers a title a monitor of c reported (one per window, the oldest giving way). */
static void remember_title(struct child *c, unsigned long window, uint64_t hash)
{
	for (size_t i = 0; i < c->ntitles; i++) {
		if (c->titles[i].id == window) {
			c->titles[i].hash = hash;
			return;
		}
	}
	c->titles[c->next_title] = (struct window_seen){window, hash};
	c->next_title = (c->next_title + 1) % AGENT_TITLE_CACHE;
	if (c->ntitles < AGENT_TITLE_CACHE)
		c->ntitles++;
}

/*
 * Messages of the monitors: "U pid 0" watching, "T pid count" tamper reported, "C pid 1"
 * a refused X authority file reported ("C pid 0": the file is good again), "W pid window
 * hash" a title reported.
 */
static void read_events(void)
{
	char buf[4096];
	ssize_t n;

	while ((n = read(agent.events[0], buf, sizeof(buf) - 1)) > 0) {
		buf[n] = '\0';
		for (char *line = buf, *end; *line; line = end) {
			char what;
			int pid, count;
			struct child *c;

			end = strchr(line, '\n');
			end = end ? end + 1 : line + strlen(line);
			if (line[0] == 'W') {
				unsigned long window;
				unsigned long long hash;

				if (sscanf(line, "W %d %lu %llu", &pid, &window, &hash) == 3 &&
				    (c = child_by_pid((pid_t)pid)))
					remember_title(c, window, hash);
				continue;
			}
			if (sscanf(line, "%c %d %d", &what, &pid, &count) != 3)
				continue;
			c = child_by_pid((pid_t)pid);
			if (!c)
				continue;
			if (what == 'U')
				tamper_up(&c->tamper, monotime_ms());
			else if (what == 'T')
				tamper_reported(&c->tamper, count);
			else if (what == 'C')
				c->tamper.cookie_told = count != 0;
		}
	}
}

static struct child *find_child(const char *id)
{
	for (size_t i = 0; i < AGENT_MAX_SESSIONS; i++) {
		if (agent.children[i].wanted && strcmp(agent.children[i].si.id, id) == 0)
			return &agent.children[i];
	}
	return NULL;
}

static struct child *free_child(void)
{
	for (size_t i = 0; i < AGENT_MAX_SESSIONS; i++) {
		if (!agent.children[i].wanted && !agent.children[i].pid)
			return &agent.children[i];
	}
	return NULL;
}

static void want_session(const struct session_info *si)
{
	struct child *c = find_child(si->id);

	if (c)
		return;
	c = free_child();
	if (!c) {
		log_warning("more than %u X sessions; not monitoring %s", AGENT_MAX_SESSIONS,
		            si->display);
		return;
	}
	memset(c, 0, sizeof(*c));
	c->wanted = true;
	c->si = *si;
	c->retry_s = RETRY_MIN_S;
	c->wanted_ms = monotime_ms();
	tamper_init(&c->tamper, strcmp(si->type, "wayland") == 0);
	if (strcmp(si->type, "x11") == 0)
		log_info("session %s: user %s on display %s", si->id, si->user, si->display);
	else if (strcmp(si->type, "wayland") == 0)
		log_info("session %s: user %s in a Wayland session%s%s", si->id, si->user,
		         si->display[0] ? " on " : "", si->display);
	else
		log_warning("session %s: user %s in a %s session, which cannot be monitored; "
		            "reported as unmonitored",
		            si->id, si->user, si->type);
}

/* Follows logind: new sessions get a monitor, ended ones lose theirs. */
static void sync_sessions(void)
{
	struct session_info list[AGENT_MAX_SESSIONS];
	size_t n = 0;
	int r = sessions_list(agent.sessions, list, AGENT_MAX_SESSIONS, &n);

	if (r < 0) {
		log_warning("logind: cannot list sessions: %s; keeping the current monitors",
		            strerror(-r));
		return;
	}
	for (size_t i = 0; i < AGENT_MAX_SESSIONS; i++) {
		struct child *c = &agent.children[i];
		bool found = false;

		for (size_t j = 0; j < n && c->wanted; j++)
			found |= strcmp(list[j].id, c->si.id) == 0;
		if (c->wanted && !found) {
			log_info("session %s of %s ended", c->si.id, c->si.user);
			c->wanted = false;
			if (c->pid)
				kill(c->pid, SIGTERM);
		}
	}
	for (size_t j = 0; j < n; j++)
		want_session(&list[j]);
	if (n == 0 && !agent.said_no_sessions)
		log_info("logind: no graphical X11 session; waiting for a login");
	agent.said_no_sessions = n == 0;
}

static int setup_sessions(void)
{
	struct session_info si;
	int r;

	if (agent.cfg.display || agent.cfg.wayland) {
		bool wl = agent.cfg.wayland != NULL;
		struct passwd *pw = agent.cfg.user ? getpwnam(agent.cfg.user) : NULL;

		memset(&si, 0, sizeof(si));
		snprintf(si.id, sizeof(si.id), "%s", wl ? "wayland" : "display");
		snprintf(si.display, sizeof(si.display), "%s",
		         wl ? agent.cfg.wayland : agent.cfg.display);
		snprintf(si.user, sizeof(si.user), "%s", agent.cfg.user ? agent.cfg.user : "");
		snprintf(si.type, sizeof(si.type), "%s", wl ? "wayland" : "x11");
		if (wl) {
			if (!pw) {
				log_error("--wayland: no user %s", agent.cfg.user);
				return -ENOENT;
			}
			si.uid = pw->pw_uid;
			si.gid = pw->pw_gid;
		}
		want_session(&si);
		return 0;
	}
	r = sessions_new(&agent.sessions);
	if (r < 0) {
		log_error("logind: cannot follow sessions: %s (use --display to monitor one "
		          "display)",
		          strerror(-r));
		return r;
	}
	sync_sessions();
	return 0;
}

static void stop_all(void)
{
	if (agent.uploader) {
		kill(agent.uploader, SIGTERM);
		waitpid(agent.uploader, NULL, 0);
		agent.uploader = 0;
	}
	for (size_t i = 0; i < AGENT_MAX_SESSIONS; i++) {
		agent.children[i].wanted = false;
		if (agent.children[i].pid)
			kill(agent.children[i].pid, SIGTERM);
	}
	for (size_t i = 0; i < AGENT_MAX_SESSIONS; i++) {
		if (agent.children[i].pid)
			waitpid(agent.children[i].pid, NULL, 0);
	}
}

static void forward(int sig)
{
	for (size_t i = 0; i < AGENT_MAX_SESSIONS; i++) {
		if (agent.children[i].pid)
			kill(agent.children[i].pid, sig);
	}
}

/* New lists for monitors started from now on; on errors the current ones stay (logged). */
static int reload_lists(void)
{
	struct match_lists *lists;
	int r = phrases_load_config(&agent.cfg, &lists, agent.lists_version,
	                            sizeof(agent.lists_version));

	if (r < 0)
		return r;
	match_lists_unref(agent.lists);
	agent.lists = lists;
	return 0;
}

/* Returns false when the agent should stop. */
static bool handle_signals(void)
{
	struct signalfd_siginfo si;

	while (read(agent.sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGCHLD:
			read_events(); /* a monitor's last words before its exit */
			reap();
			break;
		case SIGHUP:
			if (reload_lists() == 0)
				forward(SIGHUP); /* each monitor reloads its own */
			break;
		default:
			return false;
		}
	}
	return true;
}

/* Writes the state of every session for the uploader's heartbeat when it changed. */
static void write_health(void)
{
	struct health_session v[AGENT_MAX_SESSIONS];
	int64_t now = monotime_ms();
	size_t n = 0;
	int r;

	for (size_t i = 0; i < AGENT_MAX_SESSIONS; i++) {
		const struct child *c = &agent.children[i];
		int64_t unwatched = c->tamper.down_ms ? c->tamper.down_ms : c->wanted_ms;

		if (!c->wanted)
			continue;
		v[n] = (struct health_session){
		    .id = c->si.id,
		    .display = c->si.display,
		    .user = c->si.user,
		    .type = c->si.type,
		    /* a monitor being restarted is not an alarm; one gone for seconds is */
		    .monitored = watchable(&c->si) &&
		                 (c->tamper.up || now - unwatched < AGENT_UNMONITORED_GRACE_MS),
		    .restarts_1h = tamper_restarts_1h(&c->tamper, now),
		    .last_gap_ms = c->tamper.last_gap_ms,
		};
		n++;
	}
	r = health_write(agent.cfg.state, v, n);
	if (r < 0 && !agent.said_health)
		log_warning("state %s: cannot write %s: %s", agent.cfg.state, HEALTH_FILE,
		            strerror(-r));
	agent.said_health = r < 0;
}

/*
 * Milliseconds until the health file may change with no event (an unwatched session
 * passing its grace, a restart leaving the hour), or -1: an idle agent never wakes.
 */
static int health_due(void)
{
	int64_t now = monotime_ms(), best = -1;

	for (size_t i = 0; i < AGENT_MAX_SESSIONS; i++) {
		const struct child *c = &agent.children[i];
		size_t kept =
		    c->tamper.nrestarts < TAMPER_HISTORY ? c->tamper.nrestarts : TAMPER_HISTORY;
		int64_t unwatched = c->tamper.down_ms ? c->tamper.down_ms : c->wanted_ms;
		int64_t t;

		if (!c->wanted)
			continue;
		t = unwatched + AGENT_UNMONITORED_GRACE_MS;
		if (!c->tamper.up && t > now && (best < 0 || t < best))
			best = t;
		for (size_t k = 0; k < kept; k++) {
			t = c->tamper.restarts[k] + 3600 * 1000;
			if (t > now && (best < 0 || t < best))
				best = t;
		}
	}
	if (best < 0)
		return -1;
	return best - now > INT32_MAX ? INT32_MAX : (int)(best - now) + 1;
}

static int supervise(void)
{
	for (;;) {
		enum { SLOT_SIGNALS, SLOT_SESSIONS, SLOT_LISTS, SLOT_EVENTS, NSLOTS };
		struct pollfd fds[NSLOTS] = {[SLOT_SIGNALS] = {agent.sigfd, POLLIN, 0},
		                             [SLOT_SESSIONS] = {-1, POLLIN, 0},
		                             [SLOT_LISTS] = {agent.notify[0], POLLIN, 0},
		                             [SLOT_EVENTS] = {agent.events[0], POLLIN, 0}};
		int timeout = start_due(), health;

		write_health();
		/* the health file follows gaps and the hour's restarts, without polling */
		health = health_due();
		if (health >= 0 && (timeout < 0 || health < timeout))
			timeout = health;
		if (agent.sessions)
			fds[SLOT_SESSIONS].fd = sessions_fd(agent.sessions);
		if (poll(fds, NSLOTS, timeout) < 0 && errno != EINTR) {
			log_error("poll: %s", strerror(errno));
			return EXIT_FAILURE;
		}
		if (fds[SLOT_EVENTS].revents & POLLIN)
			read_events(); /* before reaping: a monitor's last words come first */
		if (fds[SLOT_SIGNALS].revents && !handle_signals())
			return EXIT_SUCCESS;
		if (fds[SLOT_SESSIONS].revents)
			sync_sessions();
		if (fds[SLOT_LISTS].revents & POLLIN) {
			char buf[64];

			while (read(agent.notify[0], buf, sizeof(buf)) > 0)
				;
			/* The uploader verified and stored new lists: every monitor takes them. */
			if (reload_lists() == 0)
				forward(SIGHUP);
		}
	}
}

static int open_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	agent.sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	return agent.sigfd < 0 ? -errno : 0;
}

/*
 * Creates dir (mode 0700) when missing and gives it to owner (the upload user): the
 * uploader must read and delete spooled files and write its state; pupils get nothing.
 */
static int own_dir(const char *dir, const struct passwd *owner)
{
	struct stat st;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		log_error("%s: cannot create: %s", dir, strerror(errno));
		return -errno;
	}
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		log_error("%s: not a directory", dir);
		return -ENOTDIR;
	}
	if (geteuid() == 0 && owner && (st.st_uid != owner->pw_uid || st.st_gid != owner->pw_gid) &&
	    chown(dir, owner->pw_uid, owner->pw_gid) < 0)
		log_warning("%s: cannot give it to %s: %s", dir, owner->pw_name, strerror(errno));
	if ((st.st_mode & 07777) != 0700 && chmod(dir, 0700) < 0)
		log_warning("%s: cannot set mode 0700: %s", dir, strerror(errno));
	return 0;
}

static int set_default(char **slot, const char *value)
{
	if (*slot)
		return 0;
	*slot = strdup(value);
	return *slot ? 0 : -ENOMEM;
}

/* The spool and state directories, owned by the upload user. */
static int prepare_dirs(void)
{
	struct passwd *owner = NULL;

	if (geteuid() == 0 && set_default(&agent.cfg.upload_user, DEFAULT_UPLOAD_USER) < 0)
		return -ENOMEM;
	if (agent.cfg.upload_user && geteuid() == 0) {
		owner = getpwnam(agent.cfg.upload_user);
		if (!owner && agent.cfg.server) {
			log_error("upload-user %s does not exist: captures are spooled but not "
			          "uploaded (create it, or set upload-user)",
			          agent.cfg.upload_user);
			free(agent.cfg.server);
			agent.cfg.server = NULL;
		}
	}
	own_dir(agent.cfg.spool, owner);
	own_dir(agent.cfg.state, owner);
	return 0;
}

static int start(void)
{
	int r;

	if (prepare_dirs() < 0)
		return -ENOMEM;
	if (phrases_load_config(&agent.cfg, &agent.lists, agent.lists_version,
	                        sizeof(agent.lists_version)) < 0)
		return -EINVAL;
	if (pipe2(agent.notify, O_CLOEXEC | O_NONBLOCK) < 0 ||
	    pipe2(agent.events, O_CLOEXEC | O_NONBLOCK) < 0)
		return -errno;
	agent.uploader_retry_s = RETRY_MIN_S;
	if (agent.cfg.inject)
		log_warning("inject %s: lines written there are scanned as typed text; a test aid, "
		            "not for production",
		            agent.cfg.inject);
	if (agent.cfg.hits_out) {
		r = hitsout_open(agent.cfg.hits_out, &agent.hitsout);
		if (r < 0) {
			log_error("hits-out %s: %s", agent.cfg.hits_out, strerror(-r));
			return r;
		}
		log_warning("hits-out %s: hits are written with pupil text; a test and demo aid, "
		            "not for production",
		            agent.cfg.hits_out);
	}
	r = open_signals();
	if (r < 0) {
		log_error("signalfd: %s", strerror(-r));
		return r;
	}
	if (!agent.cfg.foreground && daemon(0, 1) < 0) {
		log_error("cannot detach: %s", strerror(errno));
		return -errno;
	}
	agent.supervisor = getpid(); /* after daemon(): the children's parent */
	return setup_sessions();
}

int main(int argc, char **argv)
{
	char err[1024];
	int r, status = EXIT_FAILURE;

	log_setup("vigil-agent", LOG_LEVEL_INFO);
	r = config_init(&agent.cfg);
	if (r < 0)
		snprintf(err, sizeof(err), "out of memory");
	else
		r = config_parse_args(&agent.cfg, argc, argv, err, sizeof(err));
	if (r == 1) {
		config_free(&agent.cfg);
		return EXIT_SUCCESS;
	}
	if (r == 0)
		r = config_load(&agent.cfg, err, sizeof(err));
	if (r == 0)
		r = config_check(&agent.cfg, err, sizeof(err));
	if (r < 0) {
		fprintf(stderr, "vigil-agent: %s\n", err);
		config_free(&agent.cfg);
		return 2;
	}
	log_setup("vigil-agent", agent.cfg.log_level);
	agent.sigfd = -1;
	agent.notify[0] = agent.notify[1] = -1;
	agent.events[0] = agent.events[1] = -1;
	if (start() == 0) {
		log_info("vigil-agent %s started", VIGIL_VERSION);
		status = supervise();
	}
	stop_all();
	log_info("vigil-agent stopped");
	sessions_free(agent.sessions);
	hitsout_close(agent.hitsout);
	match_lists_unref(agent.lists);
	config_free(&agent.cfg);
	if (agent.sigfd >= 0)
		close(agent.sigfd);
	return status;
}
