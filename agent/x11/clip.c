/* clip.c: text copied to CLIPBOARD or PRIMARY (middle-click), noticed via XFixes, fetched capped.
 */
#include "clip.h"

#include <X11/Xatom.h>
#include <X11/Xutil.h>
#include <X11/extensions/Xfixes.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent-limits.h"
#include "log.h"
#include "monotime.h"
#include "xerr.h"

enum clip_phase {
	CLIP_IDLE,
	CLIP_TARGETS,    /* asked the owner which types it offers (TARGETS) */
	CLIP_CONVERTING, /* asked the owner for the text, waiting for SelectionNotify */
	CLIP_INCR,       /* receiving an INCR transfer in chunks */
};

/* Text types, most wanted first: the first one the owner offers is asked for. */
enum text_type {
	TT_UTF8_STRING,
	TT_TEXT_PLAIN_UTF8,  /* text/plain;charset=utf-8: what browsers offer and ask for */
	TT_TEXT_PLAIN_UTF8U, /* text/plain;charset=UTF-8 */
	TT_STRING,           /* ISO 8859-1 */
	TT_TEXT,             /* the owner picks: STRING, UTF8_STRING or COMPOUND_TEXT */
	TT_TEXT_PLAIN,       /* text/plain: taken as UTF-8 */
	TT_COUNT,
};

static const char *const text_type_names[TT_COUNT] = {
    [TT_UTF8_STRING] = "UTF8_STRING",
    [TT_TEXT_PLAIN_UTF8] = "text/plain;charset=utf-8",
    [TT_TEXT_PLAIN_UTF8U] = "text/plain;charset=UTF-8",
    [TT_STRING] = "STRING",
    [TT_TEXT] = "TEXT",
    [TT_TEXT_PLAIN] = "text/plain",
};

struct clip {
	Display *dpy;
	Window win; /* ours: the conversion lands in its property */
	Atom clipboard, primary, utf8_string, incr, prop, targets, compound_text;
	Atom text_types[TT_COUNT];
	Atom type; /* the type the text arrives in (INCR: of the chunks) */
	int fixes_event_base;
	size_t max_bytes;
	enum clip_phase phase;
	Atom current;                /* the selection being transferred */
	bool again[2];               /* CLIPBOARD, PRIMARY changed during a transfer */
	bool full;                   /* the cap is reached: further chunks are dropped */
	Time when;                   /* the selection's timestamp, for each conversion */
	unsigned long long deadline; /* ms, CLOCK_MONOTONIC: one per transfer, never moved */
	char *buf;
	size_t len;
	clip_fn fn;
	void *userdata;
};

int clip_new(Display *dpy, size_t max_bytes, clip_fn fn, void *userdata, struct clip **out)
{
	int error_base;
	struct clip *c;

	if (!XFixesQueryExtension(dpy, &error_base, &error_base)) {
		log_warning("clip: the X server has no XFIXES extension; the clipboard is not "
		            "monitored");
		return -ENOTSUP;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->buf = malloc(max_bytes + 1);
	if (!c->buf) {
		free(c);
		return -ENOMEM;
	}
	XFixesQueryExtension(dpy, &c->fixes_event_base, &error_base);
	c->dpy = dpy;
	c->max_bytes = max_bytes;
	c->fn = fn;
	c->userdata = userdata;
	c->clipboard = XInternAtom(dpy, "CLIPBOARD", False);
	c->primary = XA_PRIMARY; /* middle-click paste */
	c->utf8_string = XInternAtom(dpy, "UTF8_STRING", False);
	c->targets = XInternAtom(dpy, "TARGETS", False);
	c->compound_text = XInternAtom(dpy, "COMPOUND_TEXT", False);
	for (int i = 0; i < TT_COUNT; i++)
		c->text_types[i] = XInternAtom(dpy, text_type_names[i], False);
	c->incr = XInternAtom(dpy, "INCR", False);
	c->prop = XInternAtom(dpy, "VIGIL_CLIPBOARD", False);
	c->win = XCreateSimpleWindow(dpy, DefaultRootWindow(dpy), -10, -10, 1, 1, 0, 0, 0);
	XSelectInput(dpy, c->win, PropertyChangeMask);
	XFixesSelectSelectionInput(dpy, DefaultRootWindow(dpy), c->clipboard,
	                           XFixesSetSelectionOwnerNotifyMask);
	XFixesSelectSelectionInput(dpy, DefaultRootWindow(dpy), c->primary,
	                           XFixesSetSelectionOwnerNotifyMask);
	*out = c;
	return 0;
}

void clip_free(struct clip *c)
{
	if (!c)
		return;
	if (c->win)
		XDestroyWindow(c->dpy, c->win);
	explicit_bzero(c->buf, c->max_bytes + 1);
	free(c->buf);
	free(c);
}

/*
 * Asks the owner of selection which types it offers (TARGETS); the text follows in the
 * best of them. The whole transfer has AGENT_CLIP_TIMEOUT_MS from here.
 */
static void request(struct clip *c, Atom selection, Time when)
{
	c->len = 0;
	c->again[selection == c->primary] = false;
	c->full = false;
	c->phase = CLIP_TARGETS;
	c->current = selection;
	c->when = when;
	c->type = None;
	c->deadline = (unsigned long long)monotime_ms() + AGENT_CLIP_TIMEOUT_MS;
	XDeleteProperty(c->dpy, c->win, c->prop);
	XConvertSelection(c->dpy, selection, c->targets, c->prop, c->win, when);
}

/* Asks the owner for the text as target. */
static void convert(struct clip *c, Atom target)
{
	c->phase = CLIP_CONVERTING;
	XDeleteProperty(c->dpy, c->win, c->prop);
	XConvertSelection(c->dpy, c->current, target, c->prop, c->win, c->when);
}

/* A selection that changed during the last transfer is fetched now (CLIPBOARD first). */
static void next(struct clip *c)
{
	if (c->again[0])
		request(c, c->clipboard, CurrentTime);
	else if (c->again[1])
		request(c, c->primary, CurrentTime);
}

/* Appends data up to the cap, cut on a character boundary. */
static void append(struct clip *c, const unsigned char *data, size_t n)
{
	size_t room = c->max_bytes - c->len;

	if (c->full)
		return;
	if (n > room) {
		n = room;
		while (n > 0 && (data[n] & 0xc0) == 0x80)
			n--;
		c->full = true;
	}
	memcpy(c->buf + c->len, data, n);
	c->len += n;
}

/* Appends ISO 8859-1 text as UTF-8, up to the cap. */
static void append_latin1(struct clip *c, const unsigned char *data, size_t n)
{
	for (size_t i = 0; i < n && !c->full; i++) {
		unsigned char u[2] = {data[i], 0};
		size_t k = 1;

		if (data[i] >= 0x80) {
			u[0] = (unsigned char)(0xc0 | (data[i] >> 6));
			u[1] = (unsigned char)(0x80 | (data[i] & 0x3f));
			k = 2;
		}
		if (c->max_bytes - c->len < k) {
			c->full = true;
			break;
		}
		memcpy(c->buf + c->len, u, k);
		c->len += k;
	}
}

/* COMPOUND_TEXT (an owner's answer to TEXT), converted by Xlib. */
static void append_compound(struct clip *c, unsigned char *data, size_t n)
{
	XTextProperty tp = {data, c->compound_text, 8, n};
	char **list = NULL;
	int count = 0;

	if (Xutf8TextPropertyToTextList(c->dpy, &tp, &list, &count) >= Success && list) {
		for (int i = 0; i < count; i++)
			append(c, (const unsigned char *)list[i], strlen(list[i]));
		for (int i = 0; i < count; i++)
			explicit_bzero(list[i], strlen(list[i]));
	}
	if (list)
		XFreeStringList(list);
}

/* Whether type is text we can read. */
static bool is_text(const struct clip *c, Atom type)
{
	if (type == None)
		return false;
	if (type == c->compound_text)
		return true;
	for (int i = 0; i < TT_COUNT; i++) {
		if (type == c->text_types[i] && i != TT_TEXT)
			return true;
	}
	return false;
}

/* Appends a piece of text of type c->type. */
static void append_text(struct clip *c, unsigned char *data, size_t n)
{
	if (c->type == c->text_types[TT_STRING])
		append_latin1(c, data, n);
	else if (c->type == c->compound_text)
		append_compound(c, data, n);
	else
		append(c, data, n);
}

static void finish(struct clip *c)
{
	c->phase = CLIP_IDLE;
	if (c->len > 0)
		c->fn(c->buf, c->len, c->userdata);
	explicit_bzero(c->buf, c->len);
	c->len = 0;
	next(c);
}

/*
 * The owner's TARGETS: asks for the text in the first type of text_types it offers.
 * An owner that offers no text type (an image, files) has nothing to scan.
 */
static void read_targets(struct clip *c)
{
	Atom type;
	int format, best = TT_COUNT;
	unsigned long n = 0, after;
	unsigned char *data = NULL;

	if (XGetWindowProperty(c->dpy, c->win, c->prop, 0, 1024, True, AnyPropertyType, &type,
	                       &format, &n, &after, &data) != Success ||
	    !data || format != 32 || (type != XA_ATOM && type != c->targets)) {
		/* Not a list of types (an INCR answer, garbage): ask for UTF8_STRING as before
		 * TARGETS was read; the deadline still holds. */
		if (data)
			XFree(data);
		convert(c, c->utf8_string);
		return;
	}
	{
		const Atom *atoms = (const Atom *)data;

		for (unsigned long i = 0; i < n; i++) {
			for (int t = 0; t < best; t++) {
				if (atoms[i] == c->text_types[t])
					best = t;
			}
		}
	}
	if (data)
		XFree(data);
	if (best == TT_COUNT) {
		log_debug("clip: the owner of %s offers no text",
		          c->current == c->primary ? "PRIMARY" : "CLIPBOARD");
		c->phase = CLIP_IDLE;
		next(c);
		return;
	}
	convert(c, c->text_types[best]);
}

/* Reads (and deletes, which asks an INCR owner for the next chunk) our property. */
static void read_property(struct clip *c)
{
	Atom type;
	int format;
	unsigned long n, after;
	unsigned char *data = NULL;
	long words = (long)(c->max_bytes / 4 + 1);

	if (XGetWindowProperty(c->dpy, c->win, c->prop, 0, words, True, AnyPropertyType, &type,
	                       &format, &n, &after, &data) != Success) {
		c->phase = CLIP_IDLE;
		return;
	}
	/* A partial read does not delete; an INCR owner waits for the deletion. */
	if (after > 0)
		XDeleteProperty(c->dpy, c->win, c->prop);
	if (type == c->incr) {
		/* The owner sends chunks; each deletion asks for the next one. */
		log_debug("clip: the copy comes in chunks (INCR)");
		c->phase = CLIP_INCR; /* within the same deadline: a trickle cannot stall us */
	} else if (c->phase == CLIP_INCR) {
		if (data && format == 8 && n > 0) {
			if (c->type == None)
				c->type = type; /* the chunks' type */
			if (type == c->type && is_text(c, type))
				append_text(c, data, n);
		} else {
			finish(c); /* a zero-length chunk ends the transfer */
		}
	} else {
		if (data && format == 8 && is_text(c, type)) {
			c->type = type;
			append_text(c, data, n);
		}
		finish(c);
	}
	if (data) {
		explicit_bzero(data, n * (size_t)(format / 8));
		XFree(data);
	}
}

bool clip_handle_event(struct clip *c, XEvent *ev)
{
	if (ev->type == c->fixes_event_base + XFixesSelectionNotify) {
		XFixesSelectionNotifyEvent *se = (XFixesSelectionNotifyEvent *)ev;

		if (se->selection != c->clipboard && se->selection != c->primary)
			return false;
		if (se->owner == None || se->owner == c->win)
			return true;
		if (c->phase != CLIP_IDLE)
			c->again[se->selection == c->primary] = true;
		else
			request(c, se->selection, se->selection_timestamp);
		return true;
	}
	if (ev->type == SelectionNotify && ev->xselection.requestor == c->win) {
		if (ev->xselection.selection != c->current)
			return true;
		if (c->phase == CLIP_TARGETS) {
			if (ev->xselection.property == None)
				convert(c,
				        c->utf8_string); /* an owner that cannot list its types */
			else
				read_targets(c);
			return true;
		}
		if (c->phase != CLIP_CONVERTING)
			return true;
		if (ev->xselection.property == None) {
			/* The owner has no text (an image, files): nothing to scan. */
			c->phase = CLIP_IDLE;
			next(c);
			return true;
		}
		read_property(c);
		return true;
	}
	if (ev->type == PropertyNotify && ev->xproperty.window == c->win) {
		if (c->phase == CLIP_INCR && ev->xproperty.atom == c->prop &&
		    ev->xproperty.state == PropertyNewValue)
			read_property(c);
		return true;
	}
	return false;
}

int clip_timeout_ms(const struct clip *c, unsigned long long now)
{
	if (c->phase == CLIP_IDLE)
		return -1;
	return c->deadline > now ? (int)(c->deadline - now) : 0;
}

void clip_tick(struct clip *c, unsigned long long now)
{
	if (c->phase == CLIP_IDLE || now < c->deadline)
		return;
	log_info("clip: the owner of %s did not finish within %d ms; scanning what arrived",
	         c->current == c->primary ? "PRIMARY" : "CLIPBOARD", AGENT_CLIP_TIMEOUT_MS);
	/* Scan what arrived of a transfer cut short; the property is ours again. */
	XDeleteProperty(c->dpy, c->win, c->prop);
	finish(c);
}
