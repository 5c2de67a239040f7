/* wlshot.h: a Wayland session's screenshot through wlroots' screencopy, on a queue of its own. */
#pragma once

#include "shot.h"

/* How long a compositor may take to copy its outputs before the screenshot fails. */
#define WLSHOT_TIMEOUT_MS 2000

/*
 * The capture worker's screenshots of a wlroots compositor (sway, labwc, wayfire): the
 * argument is the session's struct wl_display, shared with the monitor's thread; each
 * grabber has an event queue of its own on it. Every output is copied into shared memory
 * (zwlr_screencopy_manager_v1, wl_shm) and placed where wl_output's geometry says, so
 * several monitors make one image. open fails with -ENOTSUP when the compositor offers no
 * screencopy; a compositor that does not answer within WLSHOT_TIMEOUT_MS fails the
 * screenshot with -ETIMEDOUT rather than stall the worker.
 */
extern const struct shot_ops wlshot_ops;
