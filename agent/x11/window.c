/* window.c: the window with the input focus, and the titles of every top-level window. */
#include "window.h"

#include <X11/Xatom.h>
#include <X11/Xutil.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xerr.h"

struct title_seen {
	Window id;
	uint64_t hash; /* of the last title reported for id */
	uint64_t used; /* for replacing the least recently used */
};

/* Levels below the root watched at start: frame, wrapper, client. */
#define WATCH_DEPTH 3

struct windows {
	Display *dpy;
	Window root;
	Atom net_wm_name, utf8_string, wm_state;
	Window raw_focus;         /* the focus window last looked up (perhaps inside a client) */
	struct window_info focus; /* its top-level */
	struct window_info other; /* a window whose title changed */
	struct title_seen seen[AGENT_TITLE_CACHE];
	uint64_t clock;
	window_fn fn;
	void *userdata;
};

/* Copies at most outlen-1 bytes of UTF-8, cut on a character boundary. */
static void copy_utf8(char *out, size_t outlen, const unsigned char *in, size_t n)
{
	if (n >= outlen) {
		n = outlen - 1;
		while (n > 0 && (in[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(out, in, n);
	out[n] = '\0';
}

static void latin1_to_utf8(char *out, size_t outlen, const unsigned char *in, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n && in[i]; i++) {
		if (in[i] < 0x80) {
			if (o + 1 >= outlen)
				break;
			out[o++] = (char)in[i];
		} else {
			if (o + 2 >= outlen)
				break;
			out[o++] = (char)(0xc0 | (in[i] >> 6));
			out[o++] = (char)(0x80 | (in[i] & 0x3f));
		}
	}
	out[o] = '\0';
}

/* Reads a text property of win into out as UTF-8. True when it exists. */
static bool read_text(struct windows *w, Window win, Atom prop, char *out, size_t outlen)
{
	Atom type;
	int format;
	unsigned long n, after;
	unsigned char *data = NULL;
	bool ok = false;

	out[0] = '\0';
	if (XGetWindowProperty(w->dpy, win, prop, 0, (long)(outlen / 4 + 1), False, AnyPropertyType,
	                       &type, &format, &n, &after, &data) != Success ||
	    !data)
		return false;
	if (format == 8 && type == w->utf8_string) {
		copy_utf8(out, outlen, data, n);
		ok = true;
	} else if (format == 8 && type == XA_STRING) {
		latin1_to_utf8(out, outlen, data, n);
		ok = true;
	} else if (format == 8) {
		XTextProperty tp = {data, type, format, n};
		char **list = NULL;
		int count = 0;

		if (Xutf8TextPropertyToTextList(w->dpy, &tp, &list, &count) >= Success &&
		    count > 0 && list) {
			copy_utf8(out, outlen, (unsigned char *)list[0], strlen(list[0]));
			ok = true;
		}
		if (list)
			XFreeStringList(list);
	}
	XFree(data);
	return ok;
}

static void read_title(struct windows *w, struct window_info *a)
{
	if (!read_text(w, a->id, w->net_wm_name, a->title, sizeof(a->title)))
		read_text(w, a->id, XA_WM_NAME, a->title, sizeof(a->title));
}

static void read_app(struct windows *w, struct window_info *a)
{
	XClassHint hint = {NULL, NULL};
	const char *name;

	a->app[0] = '\0';
	if (!XGetClassHint(w->dpy, a->id, &hint))
		return;
	name = hint.res_name && *hint.res_name ? hint.res_name : hint.res_class;
	if (name)
		copy_utf8(a->app, sizeof(a->app), (const unsigned char *)name, strlen(name));
	XFree(hint.res_name);
	XFree(hint.res_class);
}

uint64_t window_title_hash(const char *s)
{
	uint64_t h = 1469598103934665603u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return h;
}

/* Reports win's title when it was not reported for this window before. */
static void maybe_title(struct windows *w, const struct window_info *win)
{
	struct title_seen *slot = NULL, *lru = &w->seen[0];
	uint64_t h;

	if (win->id == None || win->title[0] == '\0')
		return;
	h = window_title_hash(win->title);
	for (size_t i = 0; i < AGENT_TITLE_CACHE; i++) {
		if (w->seen[i].id == win->id) {
			slot = &w->seen[i];
			break;
		}
		if (w->seen[i].used < lru->used)
			lru = &w->seen[i];
	}
	if (!slot) {
		slot = lru;
		slot->id = win->id;
		slot->hash = 0;
	}
	slot->used = ++w->clock;
	if (slot->hash == h)
		return;
	slot->hash = h;
	w->fn(win, w->userdata);
}

/* Reads win's title and application afresh and reports a title not reported before. */
static void title_changed(struct windows *w, Window win)
{
	struct window_info *info = win == w->focus.id ? &w->focus : &w->other;
	int errors;

	xerr_trap_begin();
	info->id = win;
	read_title(w, info);
	if (info->title[0] || info == &w->focus)
		read_app(w, info);
	errors = xerr_trap_end(w->dpy);
	if (errors > 0) { /* it vanished while we looked */
		if (info == &w->focus)
			w->raw_focus = None;
		memset(info, 0, sizeof(*info));
		return;
	}
	maybe_title(w, info);
}

/*
 * Watches the title of win (a top-level, or a window that may become one): the selection
 * stays with the window when a window manager reparents it into a frame.
 */
static void watch(struct windows *w, Window win)
{
	xerr_trap_begin();
	XSelectInput(w->dpy, win, PropertyChangeMask);
	xerr_trap_end(w->dpy);
	title_changed(w, win);
}

/* Every window down to depth levels below parent (frames, clients, a wrapper between). */
static void watch_tree(struct windows *w, Window parent, int depth)
{
	Window root, up, *children = NULL;
	unsigned n = 0;
	int ok;

	xerr_trap_begin();
	ok = XQueryTree(w->dpy, parent, &root, &up, &children, &n);
	xerr_trap_end(w->dpy);
	if (!ok)
		return;
	for (unsigned i = 0; i < n; i++) {
		watch(w, children[i]);
		if (depth > 1)
			watch_tree(w, children[i], depth - 1);
	}
	if (children)
		XFree(children);
}

static bool has_wm_state(struct windows *w, Window win)
{
	Atom type = None;
	int format;
	unsigned long n, after;
	unsigned char *data = NULL;

	if (XGetWindowProperty(w->dpy, win, w->wm_state, 0, 0, False, AnyPropertyType, &type,
	                       &format, &n, &after, &data) == Success &&
	    data)
		XFree(data);
	return type != None;
}

/*
 * The top-level client window holding focus: the first window from focus upwards that a
 * window manager manages (WM_STATE), else the child of the root it is in.
 */
static Window client_of(struct windows *w, Window focus)
{
	Window win = focus, root, parent, top = None, *children = NULL;
	unsigned n;

	while (win != None) {
		if (has_wm_state(w, win))
			return win;
		if (!XQueryTree(w->dpy, win, &root, &parent, &children, &n))
			return None;
		if (children)
			XFree(children);
		if (parent == root || parent == None) {
			top = win;
			break;
		}
		win = parent;
	}
	return top;
}

/* The X server's input focus, as a top-level window; None when it is on the root. */
static Window focus_toplevel(struct windows *w)
{
	Window focus, root, child = None, win;
	int revert, x, y, wx, wy;
	unsigned mask;

	XGetInputFocus(w->dpy, &focus, &revert);
	if (focus == PointerRoot) {
		/* Keys go to the window under the pointer. */
		if (!XQueryPointer(w->dpy, w->root, &root, &child, &x, &y, &wx, &wy, &mask))
			return None;
		focus = child;
	}
	if (focus == None || focus == PointerRoot || focus == w->root)
		return None;
	if (focus == w->raw_focus)
		return w->focus.id;
	xerr_trap_begin();
	win = client_of(w, focus);
	if (xerr_trap_end(w->dpy) > 0)
		return None;
	w->raw_focus = focus;
	return win;
}

struct windows *window_new(Display *dpy, window_fn fn, void *userdata,
                           const struct window_seen *seen, size_t nseen)
{
	struct windows *w = calloc(1, sizeof(*w));
	XWindowAttributes attr;

	if (!w)
		return NULL;
	w->dpy = dpy;
	w->root = DefaultRootWindow(dpy);
	w->fn = fn;
	w->userdata = userdata;
	w->net_wm_name = XInternAtom(dpy, "_NET_WM_NAME", False);
	w->utf8_string = XInternAtom(dpy, "UTF8_STRING", False);
	w->wm_state = XInternAtom(dpy, "WM_STATE", False);
	for (size_t i = 0; i < nseen && i < AGENT_TITLE_CACHE; i++) {
		w->seen[i].id = seen[i].id;
		w->seen[i].hash = seen[i].hash;
		w->seen[i].used = ++w->clock;
	}
	/* Keep whatever the root already selects for this connection (clip, ...): new
	 * top-levels are created as children of the root (CreateNotify). */
	XGetWindowAttributes(dpy, w->root, &attr);
	XSelectInput(dpy, w->root, attr.your_event_mask | SubstructureNotifyMask);
	watch_tree(w, w->root, WATCH_DEPTH);
	return w;
}

void window_free(struct windows *w)
{
	free(w);
}

bool window_handle_event(struct windows *w, XEvent *ev)
{
	switch (ev->type) {
	case CreateNotify:
		if (ev->xcreatewindow.parent != w->root)
			return false;
		watch(w, ev->xcreatewindow.window);
		return true;
	case ReparentNotify:
		/* A window given back to the root (its window manager ended). */
		if (ev->xreparent.parent == w->root && ev->xreparent.event == w->root)
			watch(w, ev->xreparent.window);
		return ev->xreparent.event == w->root;
	case DestroyNotify:
		if (ev->xdestroywindow.window == w->focus.id) {
			memset(&w->focus, 0, sizeof(w->focus));
			w->raw_focus = None;
		}
		return ev->xdestroywindow.event == w->root;
	case PropertyNotify:
		if (ev->xproperty.window == w->root)
			return false;
		if (ev->xproperty.atom == w->net_wm_name || ev->xproperty.atom == XA_WM_NAME ||
		    (ev->xproperty.atom == XA_WM_CLASS && ev->xproperty.window == w->focus.id))
			title_changed(w, ev->xproperty.window);
		return true;
	case MapNotify:
	case UnmapNotify:
	case ConfigureNotify:
	case GravityNotify:
	case CirculateNotify:
		return ev->xany.window == w->root;
	}
	return false;
}

const struct window_info *window_focus(struct windows *w)
{
	Window win = focus_toplevel(w);

	if (win != w->focus.id) {
		memset(&w->focus, 0, sizeof(w->focus));
		w->focus.id = win;
		if (win != None) {
			xerr_trap_begin();
			read_title(w, &w->focus);
			read_app(w, &w->focus);
			if (xerr_trap_end(w->dpy) > 0) {
				memset(&w->focus, 0, sizeof(w->focus));
				w->raw_focus = None;
			}
		}
	}
	return &w->focus;
}

const struct window_info *window_last_focus(const struct windows *w)
{
	return &w->focus;
}
