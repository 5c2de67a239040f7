/* wlmon.c: one Wayland session watched: its connection, event loop and the detection stages. */
#include "wlmon.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-login.h>
#include <unistd.h>
#include <wayland-client.h>

#include "detect.h"
#include "evkbd.h"
#include "inject.h"
#include "log.h"
#include "monsignals.h"
#include "monotime.h"
#include "typed.h"
#include "vsproto.h"
#include "wlhelper.h"
#include "wlclip.h"
#include "wlqueue.h"
#include "wltop.h"

#define SETUP_TIMEOUT_MS 5000          /* for the compositor to list its globals */
#define KEYMAP_MAX_BYTES (1024 * 1024) /* a keymap the compositor sends */
#define LOCK_CHECK_MS    500           /* how long a look at the session's lock holds */

struct wlmon {
	const struct monitor_params *p;
	struct wl_display *dpy;
	struct wl_registry *registry;
	struct wl_seat *seat;
	uint32_t top_name, top_version, clip_name, clip_version;
	struct wltop *top;
	struct wlclip *clip;
	struct detect *detect;
	struct inject *inject;
	int sigfd;
	bool due_done;
	/* typed text from the kernel's keyboards */
	const struct wlmon_input *in;
	struct wl_keyboard *keyboard;
	struct xkb_context *xkb;
	struct evkbd *kbd;
	struct typed *typed;
	unsigned long typing_in; /* the toplevel typed text goes to */
	sd_bus *system_bus;
	int64_t lock_checked_ms;
	bool may_listen;
	/* the pupil's helper: AT-SPI text (a stream of its own beside the keyboards'), and
	 * on GNOME the windows and clipboard the Shell extension reports */
	struct wlhelper *helper;
	struct typed *atspi;
	unsigned long shell_focus; /* the focused window as the Shell reports it */
	char shell_title[VS_TITLE_MAX + 1], shell_app[VS_APP_MAX + 1];
};

static void global_add(void *data, struct wl_registry *r, uint32_t name, const char *iface,
                       uint32_t version)
{
	struct wlmon *m = data;

	if (strcmp(iface, "zwlr_foreign_toplevel_manager_v1") == 0 && !m->top_name) {
		m->top_name = name;
		m->top_version = version;
	} else if (strcmp(iface, "zwlr_data_control_manager_v1") == 0 && !m->clip_name) {
		m->clip_name = name;
		m->clip_version = version;
	} else if (strcmp(iface, wl_seat_interface.name) == 0 && !m->seat) {
		m->seat = wl_registry_bind(r, name, &wl_seat_interface, 1);
	}
}

static void global_remove(void *data, struct wl_registry *r, uint32_t name)
{
}

static const struct wl_registry_listener registry_listener = {global_add, global_remove};

static void window_of(struct wlmon *m, struct detect_window *dw)
{
	struct wltop_window a = m->top ? wltop_active(m->top) : (struct wltop_window){0, "", ""};

	if (!m->top && m->shell_focus)
		a = (struct wltop_window){m->shell_focus, m->shell_title, m->shell_app};

	dw->id = a.id;
	dw->title = a.title;
	dw->app = a.app;
}

static void on_top(enum wltop_change change, const struct wltop_window *w, void *userdata)
{
	struct wlmon *m = userdata;
	struct detect_window dw = {w->id, w->title, w->app};

	if (change == WLTOP_FOCUS) {
		log_debug("wayland: active toplevel %lu (%s)", w->id,
		          w->app[0] ? w->app : "no app id");
		if (m->typed && m->typing_in)
			typed_end_segment(m->typed, m->typing_in);
		if (m->atspi && m->typing_in)
			typed_end_segment(m->atspi, m->typing_in);
		m->typing_in = w->id;
		return;
	}
	detect_scan(m->detect, HIT_SOURCE_WINDOW_TITLE, w->title, strlen(w->title), &dw);
}

static void on_clip(const char *text, size_t len, void *userdata)
{
	struct wlmon *m = userdata;
	struct detect_window dw;

	window_of(m, &dw);
	detect_scan(m->detect, HIT_SOURCE_CLIPBOARD, text, len, &dw);
}

/* typed asks for the window of a segment: the toplevel with that id. */
static void window_lookup(unsigned long id, struct detect_window *dw, void *userdata)
{
	struct wlmon *m = userdata;
	struct wltop_window w = m->top ? wltop_get(m->top, id) : (struct wltop_window){0, "", ""};

	if (!m->top && id && id == m->shell_focus)
		w = (struct wltop_window){id, m->shell_title, m->shell_app};

	dw->id = id;
	dw->title = w.title;
	dw->app = w.app;
}

static void on_key(const struct text_event *ev, void *userdata)
{
	struct wlmon *m = userdata;

	typed_input(m->typed, m->typing_in, ev, monotime_ns());
}

/* Whether keys count now: the session is the seat's active one and not locked (asked of
 * logind at most every LOCK_CHECK_MS). Always with no logind session named. */
static bool may_listen(struct wlmon *m)
{
	const char *s = m->in->session;
	int64_t now = monotime_ms();
	char path[128];
	int locked = 0;

	if (!s)
		return true;
	if (m->lock_checked_ms && now - m->lock_checked_ms < LOCK_CHECK_MS)
		return m->may_listen;
	m->lock_checked_ms = now;
	snprintf(path, sizeof(path), "/org/freedesktop/login1/session/%s", s);
	if (!m->system_bus || sd_bus_get_property_trivial(m->system_bus, "org.freedesktop.login1",
	                                                  path, "org.freedesktop.login1.Session",
	                                                  "LockedHint", NULL, 'b', &locked) < 0)
		locked = 0; /* unknown: the seat's active session still counts */
	m->may_listen = sd_session_is_active(s) > 0 && !locked;
	return m->may_listen;
}

static void kb_keymap(void *data, struct wl_keyboard *kb, uint32_t format, int32_t fd,
                      uint32_t size)
{
	struct wlmon *m = data;
	struct xkb_keymap *km = NULL;
	char *map;

	if (format == WL_KEYBOARD_KEYMAP_FORMAT_XKB_V1 && size > 0 && size <= KEYMAP_MAX_BYTES) {
		map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (map != MAP_FAILED) {
			km = xkb_keymap_new_from_buffer(m->xkb, map, strnlen(map, size),
			                                XKB_KEYMAP_FORMAT_TEXT_V1,
			                                XKB_KEYMAP_COMPILE_NO_FLAGS);
			munmap(map, size);
		}
	}
	close(fd);
	if (!km) {
		log_warning("wayland %s: the compositor's keymap cannot be read; keys from the "
		            "kernel are decoded with the system's default layout",
		            m->p->display);
		return;
	}
	evkbd_set_keymap(m->kbd, km);
	xkb_keymap_unref(km);
}

static void kb_enter(void *data, struct wl_keyboard *kb, uint32_t serial, struct wl_surface *s,
                     struct wl_array *keys)
{
}

static void kb_leave(void *data, struct wl_keyboard *kb, uint32_t serial, struct wl_surface *s)
{
}

static void kb_key(void *data, struct wl_keyboard *kb, uint32_t serial, uint32_t time, uint32_t key,
                   uint32_t state)
{
}

static void kb_modifiers(void *data, struct wl_keyboard *kb, uint32_t serial, uint32_t dep,
                         uint32_t lat, uint32_t lock, uint32_t group)
{
}

static void kb_repeat(void *data, struct wl_keyboard *kb, int32_t rate, int32_t delay)
{
}

static const struct wl_keyboard_listener keyboard_listener = {.keymap = kb_keymap,
                                                              .enter = kb_enter,
                                                              .leave = kb_leave,
                                                              .key = kb_key,
                                                              .modifiers = kb_modifiers,
                                                              .repeat_info = kb_repeat};

/* Typed text from the kernel's keyboards, with the keymap the compositor gives clients. */
static int setup_keyboards(struct wlmon *m)
{
	struct xkb_keymap *km;

	m->typed = typed_new(m->detect, m->p->cfg->idle_flush_ms, window_lookup, m);
	if (!m->typed)
		return -ENOMEM;
	if (!m->in || m->in->n == 0)
		return 0;
	m->xkb = xkb_context_new(XKB_CONTEXT_NO_FLAGS);
	km = m->xkb ? xkb_keymap_new_from_names(m->xkb, NULL, XKB_KEYMAP_COMPILE_NO_FLAGS) : NULL;
	m->kbd = m->xkb ? evkbd_new(m->in->keyboards, m->in->n, m->xkb, km, on_key, m) : NULL;
	xkb_keymap_unref(km);
	if (!m->kbd)
		return -ENOMEM;
	if (m->in->session && sd_bus_open_system(&m->system_bus) < 0)
		m->system_bus = NULL;
	if (m->seat) {
		m->keyboard = wl_seat_get_keyboard(m->seat);
		if (m->keyboard)
			wl_keyboard_add_listener(m->keyboard, &keyboard_listener, m);
	}
	log_info("wayland %s: typed text from %zu keyboard(s)", m->p->display, m->in->n);
	return 0;
}

/* Test aid: a line from --inject is scanned as typed text of the active toplevel. */
static void on_inject(const char *line, size_t len, void *userdata)
{
	struct wlmon *m = userdata;
	struct detect_window dw;

	window_of(m, &dw);
	detect_scan(m->detect, HIT_SOURCE_TYPED, line, len, &dw);
}

/* --- the pupil's helper (wlhelper.c): what it reports, within vsproto.h's bounds --- */

static void helper_focus(unsigned long id, const char *title, const char *app, void *userdata)
{
	struct wlmon *m = userdata;

	if (m->top)
		return; /* the compositor's own word (foreign-toplevel) is preferred */
	if (id != m->shell_focus) {
		log_debug("wayland: focused window %lu (%s), as the Shell says", id,
		          app[0] ? app : "no app id");
		if (m->typing_in)
			typed_end_segment(m->typed, m->typing_in);
		if (m->shell_focus)
			typed_end_segment(m->atspi, m->shell_focus);
	}
	m->shell_focus = id;
	m->typing_in = id;
	snprintf(m->shell_title, sizeof(m->shell_title), "%s", title);
	snprintf(m->shell_app, sizeof(m->shell_app), "%s", app);
}

static void helper_title(unsigned long id, const char *title, const char *app, void *userdata)
{
	struct wlmon *m = userdata;
	struct detect_window dw = {id, title, app};

	if (m->top)
		return;
	if (id == m->shell_focus)
		snprintf(m->shell_title, sizeof(m->shell_title), "%s", title);
	detect_scan(m->detect, HIT_SOURCE_WINDOW_TITLE, title, strlen(title), &dw);
}

static void helper_clip(const char *text, size_t len, void *userdata)
{
	struct wlmon *m = userdata;

	if (!m->clip) /* else data-control follows the clipboard already */
		on_clip(text, len, m);
}

/* An application's inserted text, one character after another, as keys would come. */
static void helper_typed(const char *text, size_t len, void *userdata)
{
	struct wlmon *m = userdata;
	struct detect_window dw;
	uint64_t now = monotime_ns();

	window_of(m, &dw);
	for (size_t i = 0; i < len;) {
		struct text_event ev = {.edit = TEXT_INSERT};
		size_t n = 1;

		while (i + n < len && ((unsigned char)text[i + n] & 0xc0) == 0x80 && n < 4)
			n++;
		if (text[i] == '\n') {
			ev.edit = TEXT_NEWLINE;
		} else {
			memcpy(ev.text, text + i, n);
			ev.len = n;
		}
		typed_input(m->atspi, dw.id, &ev, now);
		explicit_bzero(&ev, sizeof(ev));
		i += n;
	}
}

static void helper_erase(int count, void *userdata)
{
	struct wlmon *m = userdata;
	struct detect_window dw;
	struct text_event ev = {.edit = TEXT_BACKSPACE};

	window_of(m, &dw);
	for (int i = 0; i < count; i++)
		typed_input(m->atspi, dw.id, &ev, monotime_ns());
}

static const struct wlhelper_ops helper_ops = {helper_focus, helper_title, helper_clip,
                                               helper_typed, helper_erase};

/*
 * The helper's channel: its messages, or its end. A helper that is gone (or silent too
 * long: stopped) while the compositor still answers was killed: MONITOR_EXIT_KILLED, a
 * tamper capture and a restart, as a killed X connection on X11. 0 to go on.
 */
static int helper_check(struct wlmon *m, bool readable)
{
	int r = readable ? wlhelper_dispatch(m->helper, &helper_ops, m) : 0;

	if (r == -ENOEXEC) {
		m->helper = NULL; /* not installed properly: logged; watched without it */
		return 0;
	}
	if (r == 0 && wlhelper_silent_ms(m->helper, monotime_ms()) < VS_SILENT_MS)
		return 0;
	if (wlqueue_roundtrip(m->dpy, NULL, 1000) < 0)
		return MONITOR_EXIT_GONE; /* the session is ending: not tamper */
	log_warning("wayland %s: the session helper %s; restarting the monitor", m->p->display,
	            r < 0 ? "has gone (killed?)" : "stopped answering");
	return MONITOR_EXIT_KILLED;
}

static int setup(struct wlmon *m)
{
	const struct monitor_params *p = m->p;
	int r;

	m->detect = detect_new(p->cfg->debounce_seconds, p->sink, p->userdata);
	if (!m->detect)
		return -ENOMEM;
	detect_set_lists(m->detect, p->lists);
	m->registry = wl_display_get_registry(m->dpy);
	if (!m->registry)
		return -ENOMEM;
	wl_registry_add_listener(m->registry, &registry_listener, m);
	r = wlqueue_roundtrip(m->dpy, NULL, SETUP_TIMEOUT_MS);
	if (r < 0)
		return r;
	if (m->top_name) {
		m->top = wltop_new(m->registry, m->top_name, m->top_version, on_top, m);
		if (!m->top)
			return -ENOMEM;
	} else {
		log_info("wayland %s: the compositor offers no wlr-foreign-toplevel: window "
		         "titles come from the session helper where the desktop gives them",
		         p->display);
	}
	if (m->clip_name && m->seat && p->cfg->clipboard_max_bytes > 0) {
		m->clip = wlclip_new(m->registry, m->clip_name, m->clip_version, m->seat,
		                     (size_t)p->cfg->clipboard_max_bytes, on_clip, m);
		if (!m->clip)
			return -ENOMEM;
	} else if (p->cfg->clipboard_max_bytes > 0) {
		log_warning("wayland %s: the compositor offers no wlr-data-control: the clipboard "
		            "is not watched",
		            p->display);
	}
	r = setup_keyboards(m);
	if (r < 0)
		return r;
	m->helper = m->in ? m->in->helper : NULL;
	m->atspi = typed_new(m->detect, m->p->cfg->idle_flush_ms, window_lookup, m);
	if (!m->atspi)
		return -ENOMEM;
	if (p->cfg->inject) {
		r = inject_open(p->cfg->inject, on_inject, m, &m->inject);
		if (r < 0) {
			log_error("inject %s: %s", p->cfg->inject, strerror(-r));
			return r;
		}
	}
	/* the toplevels and selections as they are now */
	return wlqueue_roundtrip(m->dpy, NULL, SETUP_TIMEOUT_MS);
}

static void teardown(struct wlmon *m)
{
	typed_free(m->typed); /* reports what is pending */
	typed_free(m->atspi);
	evkbd_free(m->kbd);
	if (m->keyboard)
		wl_keyboard_destroy(m->keyboard);
	xkb_context_unref(m->xkb);
	sd_bus_unref(m->system_bus);
	wlclip_free(m->clip);
	wltop_free(m->top);
	inject_free(m->inject);
	if (m->seat)
		wl_seat_destroy(m->seat);
	if (m->registry)
		wl_registry_destroy(m->registry);
	detect_free(m->detect);
	if (m->sigfd >= 0)
		close(m->sigfd);
}

static int next_timeout(struct wlmon *m)
{
	int64_t now = monotime_ms();
	int t = m->typed ? typed_timeout_ms(m->typed, monotime_ns()) : -1;

	if (m->atspi)
		t = monitor_sooner(t, typed_timeout_ms(m->atspi, monotime_ns()));
	if (m->helper) {
		long h = VS_SILENT_MS - wlhelper_silent_ms(m->helper, now);

		t = monitor_sooner(t, h < 0 ? 0 : (int)h);
	}
	if (!m->due_done)
		t = monitor_sooner(t, monitor_due_in(m->p, now));
	if (m->clip)
		t = monitor_sooner(t, wlclip_timeout_ms(m->clip, now));
	return t;
}

static int loop(struct wlmon *m)
{
	m->due_done = !m->p->due || m->p->due_ms < 0;
	for (;;) {
		enum { SLOT_WL, SLOT_SIGNALS, SLOT_INJECT, SLOT_CLIP, SLOT_HELPER, SLOT_KEYS };
		struct pollfd fds[SLOT_KEYS + EVKBD_MAX_DEVICES] = {
		    [SLOT_WL] = {wl_display_get_fd(m->dpy), POLLIN, 0},
		    [SLOT_SIGNALS] = {m->sigfd, POLLIN, 0},
		    [SLOT_INJECT] = {m->inject ? inject_fd(m->inject) : -1, POLLIN, 0},
		    [SLOT_CLIP] = {m->clip ? wlclip_fd(m->clip) : -1, POLLIN, 0},
		    [SLOT_HELPER] = {m->helper ? wlhelper_fd(m->helper) : -1, POLLIN, 0},
		};
		int r;
		int kfd[EVKBD_MAX_DEVICES];
		size_t nk = m->kbd ? evkbd_fds(m->kbd, kfd, EVKBD_MAX_DEVICES) : 0;
		int64_t now;

		for (size_t i = 0; i < nk; i++)
			fds[SLOT_KEYS + i] = (struct pollfd){kfd[i], POLLIN, 0};
		while (wl_display_prepare_read(m->dpy) != 0) {
			if (wl_display_dispatch_pending(m->dpy) < 0)
				return MONITOR_EXIT_GONE;
		}
		if (wl_display_flush(m->dpy) < 0 && errno != EAGAIN) {
			wl_display_cancel_read(m->dpy);
			return MONITOR_EXIT_GONE;
		}
		if (m->p->settled)
			m->p->settled(m->p->userdata);
		if (poll(fds, SLOT_KEYS + nk, next_timeout(m)) < 0 && errno != EINTR) {
			wl_display_cancel_read(m->dpy);
			log_error("monitor %s: poll: %s", m->p->display, strerror(errno));
			return MONITOR_EXIT_FAILED;
		}
		if (fds[SLOT_WL].revents & (POLLIN | POLLERR | POLLHUP)) {
			if (wl_display_read_events(m->dpy) < 0)
				return MONITOR_EXIT_GONE;
		} else {
			wl_display_cancel_read(m->dpy);
		}
		if (wl_display_dispatch_pending(m->dpy) < 0)
			return MONITOR_EXIT_GONE;
		if (fds[SLOT_SIGNALS].revents && !monsignals_handle(m->sigfd, m->p, m->detect))
			return MONITOR_EXIT_STOPPED;
		if (fds[SLOT_INJECT].revents & POLLIN)
			inject_dispatch(m->inject);
		if ((fds[SLOT_CLIP].revents & (POLLIN | POLLHUP)) && m->clip)
			wlclip_dispatch(m->clip);
		for (size_t i = 0; i < nk; i++) {
			if (!fds[SLOT_KEYS + i].revents)
				continue;
			evkbd_listen(m->kbd, may_listen(m));
			evkbd_dispatch(m->kbd, kfd[i]);
		}
		if (m->helper &&
		    (r = helper_check(m, fds[SLOT_HELPER].revents & (POLLIN | POLLHUP | POLLERR))))
			return r;
		typed_tick(m->typed, monotime_ns());
		typed_tick(m->atspi, monotime_ns());
		now = monotime_ms();
		if (m->clip)
			wlclip_tick(m->clip, now);
		if (!m->due_done && now >= m->p->due_ms) {
			m->due_done = true;
			m->p->due(m->p->userdata);
		}
	}
}

int wlmon_run(const struct monitor_params *p, struct wl_display *dpy, const struct wlmon_input *in)
{
	struct wlmon m = {.p = p, .dpy = dpy, .sigfd = -1, .in = in};
	int r, status;

	m.sigfd = monsignals_open();
	if (m.sigfd < 0) {
		log_error("monitor %s: signalfd: %s", p->display, strerror(-m.sigfd));
		return MONITOR_EXIT_FAILED;
	}
	r = setup(&m);
	if (r < 0) {
		log_error("monitor %s: setup failed: %s", p->display, strerror(-r));
		teardown(&m);
		return r == -EPIPE ? MONITOR_EXIT_GONE : MONITOR_EXIT_FAILED;
	}
	log_info("monitoring wayland %s for user %s", p->display, p->user ? p->user : "?");
	if (p->ready)
		p->ready(p->userdata);
	status = loop(&m);
	if (status == MONITOR_EXIT_GONE) {
		log_warning("wayland %s went away; stopping its monitor", p->display);
		if (p->lost)
			p->lost(p->userdata);
	}
	teardown(&m);
	log_info("stopped monitoring wayland %s", p->display);
	return status;
}
