/* x11mon.c: one X display watched: its connections, event loop and the detection stages. */
#include "x11mon.h"

#include <X11/Xlib.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "clip.h"
#include "detect.h"
#include "inject.h"
#include "keys.h"
#include "monotime.h"
#include "screentext.h"
#include "log.h"
#include "monsignals.h"
#include "typed.h"
#include "window.h"
#include "xerr.h"

struct monitor {
	const struct monitor_params *p;
	Display *dpy;
	struct detect *detect;
	struct typed *typed;
	struct windows *windows;
	struct keys *keys;
	struct clip *clip;
	struct inject *inject;
	struct screentext *screentext; /* viewed text (AT-SPI, OCR); NULL when off */
	Window key_window;             /* the focused top-level of the last key */
	int sigfd;
	bool due_done; /* p->due was called (or there is none) */
};

static const struct monitor_params *gone_params;
static pthread_t monitor_thread;

/* Whether the X server of a local display (":N" or ":N.S") still accepts connections. */
static bool server_alive(const char *display)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	unsigned n;
	bool alive;
	int fd;

	if (!display || sscanf(display, ":%u", &n) != 1)
		return false;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "/tmp/.X11-unix/X%u", n);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	alive = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return alive;
}

/*
 * Xlib's fatal I/O error: one of our connections is gone. With the server still up,
 * someone killed it (any X client may kill any other's connection): the supervisor
 * starts a new monitor at once. Captures in hand are finished first, with a deadline.
 */
static void display_gone(Display *dpy)
{
	const struct monitor_params *p = gone_params;
	bool killed = server_alive(p->display);

	(void)dpy;
	if (killed)
		log_warning("display %s: our X connection was killed (or the server is ending); "
		            "restarting the monitor",
		            p->display);
	else
		log_warning("display %s went away; stopping its monitor", p->display);
	if (killed && p->lost && pthread_equal(pthread_self(), monitor_thread)) {
		alarm(2); /* a wedged finish must not keep the display unwatched */
		p->lost(p->userdata);
	}
	_exit(killed ? MONITOR_EXIT_KILLED : MONITOR_EXIT_GONE);
}

static void current_window(struct monitor *m, struct detect_window *dw)
{
	const struct window_info *a = window_focus(m->windows);

	dw->id = a->id;
	dw->title = a->title;
	dw->app = a->app;
}

/* typed asks for the window of a segment; only the focused one has a segment that matters. */
static void window_lookup(unsigned long id, struct detect_window *dw, void *userdata)
{
	struct monitor *m = userdata;
	const struct window_info *a = window_last_focus(m->windows);

	dw->id = id;
	dw->title = a->id == id ? a->title : "";
	dw->app = a->id == id ? a->app : "";
}

/*
 * A key goes to the window with the X server's input focus, asked for now. When that is
 * another window than the last key's, the focus really moved: the segment of the window
 * before ends. A property any client can write (_NET_ACTIVE_WINDOW) changes nothing.
 */
static void on_key(const struct text_event *ev, void *userdata)
{
	struct monitor *m = userdata;
	const struct window_info *a = window_focus(m->windows);

	if (a->id != m->key_window) {
		if (m->key_window != None) {
			log_debug("window: input focus moved to 0x%lx (%s)", (unsigned long)a->id,
			          a->app[0] ? a->app : "no class");
			typed_end_segment(m->typed, m->key_window);
		}
		m->key_window = a->id;
	}
	typed_input(m->typed, a->id, ev, monotime_ns());
}

/* A window shows a title not scanned before, focused or not. */
static void on_window(const struct window_info *win, void *userdata)
{
	struct monitor *m = userdata;
	struct detect_window dw = {win->id, win->title, win->app};

	detect_scan(m->detect, HIT_SOURCE_WINDOW_TITLE, win->title, strlen(win->title), &dw);
	if (m->p->title_reported)
		m->p->title_reported(win->id, window_title_hash(win->title), m->p->userdata);
}

static void on_clip(const char *text, size_t len, void *userdata)
{
	struct monitor *m = userdata;
	struct detect_window dw;

	current_window(m, &dw);
	detect_scan(m->detect, HIT_SOURCE_CLIPBOARD, text, len, &dw);
}

/* Test aid: a line from --inject is scanned as a typed segment of the focused window. */
static void on_inject(const char *line, size_t len, void *userdata)
{
	struct monitor *m = userdata;
	struct detect_window dw;

	current_window(m, &dw);
	detect_scan(m->detect, HIT_SOURCE_TYPED, line, len, &dw);
}

/* A piece of viewed text from the screen-text sources, on the monitor's thread. */
static void on_screen_text(const struct screentext_piece *piece, void *userdata)
{
	struct monitor *m = userdata;
	struct detect_window dw = {piece->window, piece->title, piece->app};

	detect_scan(m->detect, HIT_SOURCE_SCREEN_TEXT, piece->text, piece->len, &dw);
}

static void screen_text_start(struct monitor *m)
{
	const struct agent_config *cfg = m->p->cfg;
	struct screentext_params sp = {
	    .display = m->p->display,
	    .modes = (unsigned)cfg->screen_text, /* the same bits as SCREENTEXT_* */
	    .fn = on_screen_text,
	    .userdata = m,
	};

	if (cfg->screen_text == SCREEN_TEXT_OFF)
		return;
	if (screentext_start(&sp, &m->screentext) < 0)
		log_warning("screen-text (%s) not started on %s; typed text, titles and the "
		            "clipboard go on",
		            config_screen_text_name(cfg->screen_text), m->p->display);
}

static int setup(struct monitor *m)
{
	const struct monitor_params *p = m->p;
	int r;

	m->detect = detect_new(p->cfg->debounce_seconds, p->sink, p->userdata);
	if (!m->detect)
		return -ENOMEM;
	detect_set_lists(m->detect, p->lists);
	m->typed = typed_new(m->detect, p->cfg->idle_flush_ms, window_lookup, m);
	if (!m->typed)
		return -ENOMEM;
	m->windows = window_new(m->dpy, on_window, m, p->titles_seen, p->ntitles_seen);
	if (!m->windows)
		return -ENOMEM;
	r = keys_new(m->dpy, p->display, on_key, m, &m->keys);
	if (r < 0 && r != -ENOTSUP)
		return r; /* without RECORD or XKB (logged), titles and the clipboard go on */
	if (p->cfg->clipboard_max_bytes > 0) {
		r = clip_new(m->dpy, (size_t)p->cfg->clipboard_max_bytes, on_clip, m, &m->clip);
		if (r < 0 && r != -ENOTSUP)
			return r;
	}
	if (p->cfg->inject) {
		r = inject_open(p->cfg->inject, on_inject, m, &m->inject);
		if (r < 0) {
			log_error("inject %s: %s", p->cfg->inject, strerror(-r));
			return r;
		}
	}
	screen_text_start(m);
	return 0;
}

static void teardown(struct monitor *m)
{
	screentext_stop(m->screentext);
	typed_free(m->typed); /* reports what is pending */
	clip_free(m->clip);
	inject_free(m->inject);
	keys_free(m->keys);
	window_free(m->windows);
	detect_free(m->detect);
	if (m->sigfd >= 0)
		close(m->sigfd);
	if (m->dpy)
		XCloseDisplay(m->dpy);
}

static void dispatch_x(struct monitor *m)
{
	XEvent ev;

	while (XPending(m->dpy)) {
		XNextEvent(m->dpy, &ev);
		if (m->keys && keys_handle_event(m->keys, &ev))
			continue;
		if (m->clip && clip_handle_event(m->clip, &ev))
			continue;
		window_handle_event(m->windows, &ev);
	}
}

static int next_timeout(struct monitor *m)
{
	uint64_t now = monotime_ns();
	int t = typed_timeout_ms(m->typed, now);

	if (!m->due_done)
		t = monitor_sooner(t, monitor_due_in(m->p, (int64_t)(now / 1000000u)));
	if (m->clip)
		t = monitor_sooner(t, clip_timeout_ms(m->clip, now / 1000000u));
	return t;
}

static int loop(struct monitor *m)
{
	m->due_done = !m->p->due || m->p->due_ms < 0;
	for (;;) {
		enum { SLOT_X, SLOT_KEYS, SLOT_SIGNALS, SLOT_INJECT, SLOT_SCREENTEXT, NSLOTS };
		struct pollfd fds[NSLOTS] = {
		    [SLOT_X] = {ConnectionNumber(m->dpy), POLLIN, 0},
		    [SLOT_KEYS] = {m->keys ? keys_fd(m->keys) : -1, POLLIN, 0},
		    [SLOT_SIGNALS] = {m->sigfd, POLLIN, 0},
		    [SLOT_INJECT] = {m->inject ? inject_fd(m->inject) : -1, POLLIN, 0},
		    [SLOT_SCREENTEXT] = {m->screentext ? screentext_fd(m->screentext) : -1, POLLIN,
		                         0},
		};
		uint64_t now;

		dispatch_x(m);
		if (m->keys)
			keys_dispatch(m->keys);
		dispatch_x(m); /* key handling may have read events while asking for the focus */
		XFlush(m->dpy);
		if (m->p->settled)
			m->p->settled(m->p->userdata);
		if (poll(fds, NSLOTS, next_timeout(m)) < 0 && errno != EINTR) {
			log_error("monitor %s: poll: %s", m->p->display, strerror(errno));
			return MONITOR_EXIT_FAILED;
		}
		if (fds[SLOT_SIGNALS].revents && !monsignals_handle(m->sigfd, m->p, m->detect))
			return MONITOR_EXIT_STOPPED;
		if (fds[SLOT_X].revents & POLLIN)
			dispatch_x(m);
		if ((fds[SLOT_KEYS].revents & POLLIN) && m->keys)
			keys_dispatch(m->keys);
		if (fds[SLOT_INJECT].revents & POLLIN)
			inject_dispatch(m->inject);
		if ((fds[SLOT_SCREENTEXT].revents & POLLIN) && m->screentext)
			screentext_dispatch(m->screentext);
		now = monotime_ns();
		typed_tick(m->typed, now);
		if (m->clip)
			clip_tick(m->clip, now / 1000000u);
		if (!m->due_done && (int64_t)(now / 1000000u) >= m->p->due_ms) {
			m->due_done = true;
			m->p->due(m->p->userdata);
		}
	}
}

int x11mon_run(const struct monitor_params *p)
{
	struct monitor m = {.p = p, .sigfd = -1};
	int r, status;

	gone_params = p;
	monitor_thread = pthread_self();
	m.sigfd = monsignals_open();
	if (m.sigfd < 0) {
		log_error("monitor %s: signalfd: %s", p->display, strerror(-m.sigfd));
		return MONITOR_EXIT_FAILED;
	}
	m.dpy = XOpenDisplay(p->display);
	if (!m.dpy) {
		bool up = server_alive(p->display);

		log_info("cannot open display %s%s", p->display,
		         up ? ": the server refused the connection" : "");
		close(m.sigfd);
		return up ? MONITOR_EXIT_REFUSED : MONITOR_EXIT_GONE;
	}
	xerr_install(display_gone);
	r = setup(&m);
	if (r < 0) {
		log_error("monitor %s: setup failed: %s", p->display, strerror(-r));
		teardown(&m);
		return MONITOR_EXIT_FAILED;
	}
	log_info("monitoring display %s for user %s", p->display, p->user ? p->user : "?");
	if (p->ready)
		p->ready(p->userdata);
	status = loop(&m);
	teardown(&m);
	log_info("stopped monitoring display %s", p->display);
	return status;
}
