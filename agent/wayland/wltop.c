/* wltop.c: a wlroots session's toplevel windows: titles, app ids, and which one is active. */
#include "wltop.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <wayland-client.h>

#include "wlr-foreign-toplevel-management-unstable-v1-client-protocol.h"

#define TITLE_MAX 1024u /* bytes of a title kept */

struct top {
	struct wltop *owner;
	struct zwlr_foreign_toplevel_handle_v1 *handle;
	unsigned long id;
	char *title, *app;
	bool title_changed, activated, was_activated;
	struct top *next;
};

struct wltop {
	struct zwlr_foreign_toplevel_manager_v1 *mgr;
	struct top *tops;
	unsigned long next_id;
	unsigned long active; /* id, 0: none */
	wltop_fn fn;
	void *userdata;
};

static struct wltop_window view(const struct top *t)
{
	if (!t)
		return (struct wltop_window){0, "", ""};
	return (struct wltop_window){t->id, t->title ? t->title : "", t->app ? t->app : ""};
}

static struct top *find(const struct wltop *w, unsigned long id)
{
	for (struct top *t = w->tops; t; t = t->next) {
		if (t->id == id)
			return t;
	}
	return NULL;
}

/* Replaces *dst with a copy of src cut to TITLE_MAX bytes (at a character boundary). */
static bool set_text(char **dst, const char *src)
{
	size_t n = strnlen(src, TITLE_MAX);
	char *c;

	while (n > 0 && n == TITLE_MAX && ((unsigned char)src[n] & 0xc0) == 0x80)
		n--;
	if (*dst && strlen(*dst) == n && memcmp(*dst, src, n) == 0)
		return false;
	c = strndup(src, n);
	if (!c)
		return false;
	free(*dst);
	*dst = c;
	return true;
}

static void h_title(void *data, struct zwlr_foreign_toplevel_handle_v1 *h, const char *title)
{
	struct top *t = data;

	if (set_text(&t->title, title))
		t->title_changed = true;
}

static void h_app_id(void *data, struct zwlr_foreign_toplevel_handle_v1 *h, const char *app)
{
	set_text(&((struct top *)data)->app, app);
}

static void h_output(void *data, struct zwlr_foreign_toplevel_handle_v1 *h, struct wl_output *o)
{
}

static void h_state(void *data, struct zwlr_foreign_toplevel_handle_v1 *h, struct wl_array *st)
{
	struct top *t = data;
	uint32_t *s;

	t->activated = false;
	wl_array_for_each(s, st)
	{
		if (*s == ZWLR_FOREIGN_TOPLEVEL_HANDLE_V1_STATE_ACTIVATED)
			t->activated = true;
	}
}

static void h_done(void *data, struct zwlr_foreign_toplevel_handle_v1 *h)
{
	struct top *t = data;
	struct wltop *w = t->owner;
	struct wltop_window v = view(t);

	if (t->activated && w->active != t->id) {
		w->active = t->id;
		w->fn(WLTOP_FOCUS, &v, w->userdata);
	} else if (!t->activated && t->was_activated && w->active == t->id) {
		struct wltop_window none = view(NULL);

		w->active = 0;
		w->fn(WLTOP_FOCUS, &none, w->userdata);
	}
	t->was_activated = t->activated;
	if (t->title_changed && t->title && *t->title) {
		t->title_changed = false;
		w->fn(WLTOP_TITLE, &v, w->userdata);
	}
}

static void top_free(struct top *t)
{
	zwlr_foreign_toplevel_handle_v1_destroy(t->handle);
	free(t->title);
	free(t->app);
	free(t);
}

static void h_closed(void *data, struct zwlr_foreign_toplevel_handle_v1 *h)
{
	struct top *t = data;
	struct wltop *w = t->owner;

	for (struct top **p = &w->tops; *p; p = &(*p)->next) {
		if (*p != t)
			continue;
		*p = t->next;
		break;
	}
	if (w->active == t->id) {
		struct wltop_window none = view(NULL);

		w->active = 0;
		w->fn(WLTOP_FOCUS, &none, w->userdata);
	}
	top_free(t);
}

static void h_parent(void *data, struct zwlr_foreign_toplevel_handle_v1 *h,
                     struct zwlr_foreign_toplevel_handle_v1 *parent)
{
}

static const struct zwlr_foreign_toplevel_handle_v1_listener handle_listener = {
    .title = h_title,
    .app_id = h_app_id,
    .output_enter = h_output,
    .output_leave = h_output,
    .state = h_state,
    .done = h_done,
    .closed = h_closed,
    .parent = h_parent};

static void m_toplevel(void *data, struct zwlr_foreign_toplevel_manager_v1 *m,
                       struct zwlr_foreign_toplevel_handle_v1 *h)
{
	struct wltop *w = data;
	struct top *t = calloc(1, sizeof(*t));

	if (!t) {
		zwlr_foreign_toplevel_handle_v1_destroy(h);
		return;
	}
	t->owner = w;
	t->handle = h;
	t->id = ++w->next_id;
	t->next = w->tops;
	w->tops = t;
	zwlr_foreign_toplevel_handle_v1_add_listener(h, &handle_listener, t);
}

static void m_finished(void *data, struct zwlr_foreign_toplevel_manager_v1 *m)
{
}

static const struct zwlr_foreign_toplevel_manager_v1_listener manager_listener = {m_toplevel,
                                                                                  m_finished};

struct wltop *wltop_new(struct wl_registry *registry, uint32_t name, uint32_t version, wltop_fn fn,
                        void *userdata)
{
	struct wltop *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->fn = fn;
	w->userdata = userdata;
	w->mgr = wl_registry_bind(registry, name, &zwlr_foreign_toplevel_manager_v1_interface,
	                          version < 3 ? version : 3);
	if (!w->mgr) {
		free(w);
		return NULL;
	}
	zwlr_foreign_toplevel_manager_v1_add_listener(w->mgr, &manager_listener, w);
	return w;
}

void wltop_free(struct wltop *w)
{
	if (!w)
		return;
	while (w->tops) {
		struct top *t = w->tops;

		w->tops = t->next;
		top_free(t);
	}
	zwlr_foreign_toplevel_manager_v1_destroy(w->mgr);
	free(w);
}

struct wltop_window wltop_active(const struct wltop *w)
{
	return view(find(w, w->active));
}

struct wltop_window wltop_get(const struct wltop *w, unsigned long id)
{
	return view(find(w, id));
}
