/* window.c: the active window of one display, its title and application, followed by events. */
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

struct windows {
	Display *dpy;
	Window root;
	Atom net_active, net_wm_name, utf8_string;
	bool ewmh;        /* a window manager publishes _NET_ACTIVE_WINDOW */
	Window raw_focus; /* without EWMH: the focus window last looked up */
	struct window_info active;
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

static void read_title(struct windows *w)
{
	struct window_info *a = &w->active;

	if (!read_text(w, a->id, w->net_wm_name, a->title, sizeof(a->title)))
		read_text(w, a->id, XA_WM_NAME, a->title, sizeof(a->title));
}

static void read_app(struct windows *w)
{
	XClassHint hint = {NULL, NULL};
	struct window_info *a = &w->active;
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

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return h;
}

/* Reports the active window's title when it was not reported for this window before. */
static void maybe_title(struct windows *w)
{
	struct title_seen *slot = NULL, *lru = &w->seen[0];
	uint64_t h;

	if (w->active.id == None || w->active.title[0] == '\0')
		return;
	h = hash_str(w->active.title);
	for (size_t i = 0; i < AGENT_TITLE_CACHE; i++) {
		if (w->seen[i].id == w->active.id) {
			slot = &w->seen[i];
			break;
		}
		if (w->seen[i].used < lru->used)
			lru = &w->seen[i];
	}
	if (!slot) {
		slot = lru;
		slot->id = w->active.id;
		slot->hash = 0;
	}
	slot->used = ++w->clock;
	if (slot->hash == h)
		return;
	slot->hash = h;
	w->fn(WINDOW_TITLE, w->active.id, &w->active, w->userdata);
}

static void set_active(struct windows *w, Window id)
{
	Window old = w->active.id;

	if (id == old)
		return;
	xerr_trap_begin();
	if (old != None && old != w->root)
		XSelectInput(w->dpy, old, NoEventMask);
	memset(&w->active, 0, sizeof(w->active));
	w->active.id = id;
	if (id != None) {
		XSelectInput(w->dpy, id, PropertyChangeMask);
		read_title(w);
		read_app(w);
	}
	if (xerr_trap_end(w->dpy) > 0 && id != None) {
		/* It vanished while we looked: no active window until the next change. */
		memset(&w->active, 0, sizeof(w->active));
	}
	w->fn(WINDOW_FOCUS, old, &w->active, w->userdata);
	maybe_title(w);
}

/* _NET_ACTIVE_WINDOW of the root; None when absent. Sets ewmh when present. */
static Window read_net_active(struct windows *w)
{
	Atom type;
	int format;
	unsigned long n, after;
	unsigned char *data = NULL;
	Window id = None;

	if (XGetWindowProperty(w->dpy, w->root, w->net_active, 0, 1, False, XA_WINDOW, &type,
	                       &format, &n, &after, &data) == Success &&
	    data) {
		if (type == XA_WINDOW && format == 32 && n == 1) {
			id = (Window)((unsigned long *)data)[0];
			w->ewmh = true;
		}
		XFree(data);
	}
	return id;
}

/* Without a window manager: the top-level window holding the input focus. */
static Window focus_toplevel(struct windows *w)
{
	Window focus, win, root, parent, *children = NULL;
	int revert, x, y, wx, wy;
	unsigned n, mask;

	XGetInputFocus(w->dpy, &focus, &revert);
	if (focus == PointerRoot &&
	    !XQueryPointer(w->dpy, w->root, &root, &focus, &x, &y, &wx, &wy, &mask))
		return None;
	if (focus == None || focus == PointerRoot || focus == w->root)
		return None;
	if (focus == w->raw_focus)
		return w->active.id;
	w->raw_focus = focus;
	xerr_trap_begin();
	for (win = focus;;) {
		if (!XQueryTree(w->dpy, win, &root, &parent, &children, &n))
			break;
		if (children)
			XFree(children);
		if (parent == root || parent == None)
			break;
		win = parent;
	}
	if (xerr_trap_end(w->dpy) > 0)
		return None;
	return win;
}

struct windows *window_new(Display *dpy, window_fn fn, void *userdata)
{
	struct windows *w = calloc(1, sizeof(*w));
	XWindowAttributes attr;

	if (!w)
		return NULL;
	w->dpy = dpy;
	w->root = DefaultRootWindow(dpy);
	w->fn = fn;
	w->userdata = userdata;
	w->net_active = XInternAtom(dpy, "_NET_ACTIVE_WINDOW", False);
	w->net_wm_name = XInternAtom(dpy, "_NET_WM_NAME", False);
	w->utf8_string = XInternAtom(dpy, "UTF8_STRING", False);
	/* Keep whatever the root already selects for this connection (clip, ...). */
	XGetWindowAttributes(dpy, w->root, &attr);
	XSelectInput(dpy, w->root, attr.your_event_mask | PropertyChangeMask);
	set_active(w, read_net_active(w));
	return w;
}

void window_free(struct windows *w)
{
	free(w);
}

bool window_handle_event(struct windows *w, XEvent *ev)
{
	if (ev->type != PropertyNotify)
		return false;
	if (ev->xproperty.window == w->root) {
		if (ev->xproperty.atom != w->net_active)
			return false;
		set_active(w, read_net_active(w));
		return true;
	}
	if (ev->xproperty.window != w->active.id || w->active.id == None)
		return false;
	if (ev->xproperty.atom == w->net_wm_name || ev->xproperty.atom == XA_WM_NAME) {
		xerr_trap_begin();
		read_title(w);
		xerr_trap_end(w->dpy);
		maybe_title(w);
	} else if (ev->xproperty.atom == XA_WM_CLASS) {
		xerr_trap_begin();
		read_app(w);
		xerr_trap_end(w->dpy);
	}
	return true;
}

const struct window_info *window_active(struct windows *w)
{
	if (!w->ewmh)
		set_active(w, focus_toplevel(w));
	return &w->active;
}
