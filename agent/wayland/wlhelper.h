/* wlhelper.h: vigil-session, the part of a Wayland monitor that runs as the pupil. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "shot.h"

struct wl_display;

/* Where the helper is installed; VIGIL_SESSION_HELPER in the environment overrides it. */
#ifndef WLHELPER_PATH
#define WLHELPER_PATH "/usr/libexec/vigil/vigil-session"
#endif

struct wlhelper_params {
	uid_t uid; /* the session's user */
	gid_t gid;
	const char *runtime_dir; /* the user's XDG_RUNTIME_DIR: the socket's directory */
	const char *wayland;     /* WAYLAND_DISPLAY: the socket's name in it */
	pid_t compositor;        /* the compositor's pid (the socket's peer), 0 unknown */
	size_t clip_max;         /* clipboard text the helper may send (capped by it) */
};

struct wlhelper;

/*
 * Starts the helper (called as root, before the monitor drops its privileges): two
 * SOCK_SEQPACKET socketpairs (agent/session/vsproto.h), then fork; the child takes the
 * session's user (setgroups, setresgid, setresuid), keeps nothing of the monitor's but
 * the two channels, gets an environment of XDG_RUNTIME_DIR, DBUS_SESSION_BUS_ADDRESS
 * (the user's bus in that directory) and WAYLAND_DISPLAY only, and execs the helper.
 * Returns 0 and *out, or -errno (-ENOENT: no helper installed; the monitor runs without).
 */
int wlhelper_start(const struct wlhelper_params *hp, struct wlhelper **out);

/* Closes the channels (the helper then exits) and reaps it, waiting at most a second. */
void wlhelper_free(struct wlhelper *h);

/* The event channel, to poll for reading. */
int wlhelper_fd(const struct wlhelper *h);

/* What the helper reported, each within vsproto.h's bounds (strings valid during the call). */
struct wlhelper_ops {
	void (*focus)(unsigned long id, const char *title, const char *app, void *userdata);
	void (*title)(unsigned long id, const char *title, const char *app, void *userdata);
	void (*clip)(const char *text, size_t len, void *userdata);
	void (*typed)(const char *text, size_t len, void *userdata);
	void (*erase)(int count, void *userdata);
};

/*
 * Reads the messages that have arrived and hands each well-formed one to ops; anything
 * else is dropped (logged once). Returns 0; -EPIPE when the helper has gone (its end
 * closed: killed, or it exited), -ENOEXEC when it could not be started at all.
 */
int wlhelper_dispatch(struct wlhelper *h, const struct wlhelper_ops *ops, void *userdata);

/* Milliseconds the helper has been silent (it says "alive" every VS_ALIVE_MS). */
long wlhelper_silent_ms(const struct wlhelper *h, long long now_ms);

/* Whether the helper said hello, and whether it follows GNOME's Shell. */
bool wlhelper_up(const struct wlhelper *h);
bool wlhelper_gnome(const struct wlhelper *h);

/*
 * The capture worker's screenshots of a Wayland session: arg is a struct wlshots. The
 * compositor's screencopy when it offers it (wlshot.c), else the helper's (the GNOME
 * Shell extension's pixels, stamped and encoded here with shotpng_encode()). The focused
 * window's rectangle comes from sway's IPC when the session is sway's, else from the
 * helper with its screenshot (the Shell's or KWin's script's word for the focused frame).
 */
struct wlshots {
	struct wl_display *dpy;
	struct wlhelper *helper; /* NULL: screencopy only */
	int sway_ipc;            /* sway's IPC (wlsway.h) for the focused window, or -1 */
};
extern const struct shot_ops wlshots_ops;
