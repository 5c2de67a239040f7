/* wltop.h: a wlroots session's toplevel windows: titles, app ids, and which one is active. */
#pragma once

#include <stdint.h>

struct wl_registry;

/* A toplevel as the compositor describes it: id is the agent's own (never 0). */
struct wltop_window {
	unsigned long id;
	const char *title;
	const char *app;
};

enum wltop_change {
	WLTOP_FOCUS, /* another toplevel is active (id 0: none) */
	WLTOP_TITLE, /* a toplevel's title changed, active or not */
};

typedef void (*wltop_fn)(enum wltop_change change, const struct wltop_window *w, void *userdata);

struct wltop;

/*
 * Follows zwlr_foreign_toplevel_manager_v1 (the global name and version registry
 * announced, bound on registry's queue): each toplevel's title and app id, and the
 * activated one. fn is called after the compositor's "done" of a toplevel whose title
 * changed (every toplevel, so a flagged title is seen whether or not it has the focus)
 * and when the active toplevel changes. Returns NULL on out-of-memory.
 */
struct wltop *wltop_new(struct wl_registry *registry, uint32_t name, uint32_t version, wltop_fn fn,
                        void *userdata);
void wltop_free(struct wltop *t);

/* The active toplevel (id 0, "" strings when none); valid until the next dispatch. */
struct wltop_window wltop_active(const struct wltop *t);

/* The toplevel with agent id id, as wltop_active(); id 0 and "" strings when gone. */
struct wltop_window wltop_get(const struct wltop *t, unsigned long id);
