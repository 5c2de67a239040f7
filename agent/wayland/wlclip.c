/* wlclip.c: text copied to CLIPBOARD or PRIMARY in a wlroots session, through data-control. */
#include "wlclip.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wayland-client.h>

#include "agent-limits.h"
#include "log.h"
#include "monotime.h"
#include "wlr-data-control-unstable-v1-client-protocol.h"

/* Text types in order of preference; an offer remembers the best it has (index + 1). */
static const char *const text_types[] = {"text/plain;charset=utf-8", "UTF8_STRING", "text/plain",
                                         "STRING", "TEXT"};
#define NTYPES (sizeof(text_types) / sizeof(text_types[0]))

enum which { CLIPBOARD, PRIMARY, NWHICH };

struct offer {
	struct zwlr_data_control_offer_v1 *wl;
	unsigned best; /* 0: no text type; else text_types[best - 1] */
};

struct wlclip {
	struct zwlr_data_control_manager_v1 *mgr;
	struct zwlr_data_control_device_v1 *dev;
	size_t max_bytes;
	wlclip_fn fn;
	void *userdata;
	struct offer *current[NWHICH]; /* the selections' offers */
	bool pending[NWHICH];          /* changed since its last transfer began */
	/* the transfer under way */
	int fd;
	int64_t deadline_ms;
	char *buf;
	size_t len;
};

static void offer_free(struct offer *o)
{
	if (!o)
		return;
	zwlr_data_control_offer_v1_destroy(o->wl);
	free(o);
}

static void o_offer(void *data, struct zwlr_data_control_offer_v1 *wl, const char *mime)
{
	struct offer *o = data;

	for (unsigned i = 0; i < NTYPES; i++) {
		if (strcmp(mime, text_types[i]) == 0 && (o->best == 0 || i + 1 < o->best))
			o->best = i + 1;
	}
}

static const struct zwlr_data_control_offer_v1_listener offer_listener = {o_offer};

static void d_data_offer(void *data, struct zwlr_data_control_device_v1 *d,
                         struct zwlr_data_control_offer_v1 *wl)
{
	struct offer *o = calloc(1, sizeof(*o));

	if (!o) {
		zwlr_data_control_offer_v1_destroy(wl);
		return;
	}
	o->wl = wl;
	zwlr_data_control_offer_v1_add_listener(wl, &offer_listener, o);
}

/* Cuts len back so that buf does not end inside a UTF-8 character. */
static size_t whole_chars(const char *buf, size_t len)
{
	size_t i = len, back = 0;

	while (i > 0 && back < 4 && ((unsigned char)buf[i - 1] & 0xc0) == 0x80) {
		i--;
		back++;
	}
	if (i > 0 && ((unsigned char)buf[i - 1] & 0x80)) {
		unsigned char lead = (unsigned char)buf[i - 1];
		size_t need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;

		if (back + 1 < need)
			return i - 1; /* the last character is incomplete */
	}
	return len;
}

/* Ends the transfer: hands what arrived over and wipes it. */
static void finish(struct wlclip *c)
{
	if (c->fd < 0)
		return;
	close(c->fd);
	c->fd = -1;
	if (c->len > 0) {
		size_t n = whole_chars(c->buf, c->len);

		c->buf[n] = '\0';
		c->fn(c->buf, n, c->userdata);
	}
	if (c->buf)
		explicit_bzero(c->buf, c->len);
	c->len = 0;
}

/* Starts a transfer of the first selection that changed, if none is under way. */
static void start_next(struct wlclip *c)
{
	int p[2];

	for (int w = 0; w < NWHICH && c->fd < 0; w++) {
		struct offer *o = c->current[w];

		if (!c->pending[w])
			continue;
		c->pending[w] = false;
		if (!o || o->best == 0)
			continue;
		if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0) {
			log_warning("clipboard: pipe: %s", strerror(errno));
			return;
		}
		zwlr_data_control_offer_v1_receive(o->wl, text_types[o->best - 1], p[1]);
		close(p[1]);
		c->fd = p[0];
		c->len = 0;
		c->deadline_ms = monotime_ms() + AGENT_CLIP_TIMEOUT_MS;
	}
}

static void set_selection(struct wlclip *c, enum which w, struct zwlr_data_control_offer_v1 *wl)
{
	struct offer *o = wl ? wl_proxy_get_user_data((struct wl_proxy *)wl) : NULL;

	if (c->current[w] && c->current[w] != o && c->current[w] != c->current[!w])
		offer_free(c->current[w]);
	c->current[w] = o;
	c->pending[w] = o != NULL;
	start_next(c);
}

static void d_selection(void *data, struct zwlr_data_control_device_v1 *d,
                        struct zwlr_data_control_offer_v1 *wl)
{
	set_selection(data, CLIPBOARD, wl);
}

static void d_primary(void *data, struct zwlr_data_control_device_v1 *d,
                      struct zwlr_data_control_offer_v1 *wl)
{
	set_selection(data, PRIMARY, wl);
}

static void d_finished(void *data, struct zwlr_data_control_device_v1 *d)
{
	log_warning("clipboard: the compositor ended data control; the clipboard is not watched");
}

static const struct zwlr_data_control_device_v1_listener device_listener = {
    .data_offer = d_data_offer,
    .selection = d_selection,
    .finished = d_finished,
    .primary_selection = d_primary};

struct wlclip *wlclip_new(struct wl_registry *registry, uint32_t name, uint32_t version,
                          struct wl_seat *seat, size_t max_bytes, wlclip_fn fn, void *userdata)
{
	struct wlclip *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->fd = -1;
	c->max_bytes = max_bytes;
	c->fn = fn;
	c->userdata = userdata;
	c->buf = malloc(max_bytes + 1);
	c->mgr = c->buf ? wl_registry_bind(registry, name, &zwlr_data_control_manager_v1_interface,
	                                   version < 2 ? version : 2)
	                : NULL;
	c->dev = c->mgr ? zwlr_data_control_manager_v1_get_data_device(c->mgr, seat) : NULL;
	if (!c->dev) {
		wlclip_free(c);
		return NULL;
	}
	zwlr_data_control_device_v1_add_listener(c->dev, &device_listener, c);
	return c;
}

void wlclip_free(struct wlclip *c)
{
	if (!c)
		return;
	if (c->fd >= 0)
		close(c->fd);
	if (c->current[PRIMARY] != c->current[CLIPBOARD])
		offer_free(c->current[PRIMARY]);
	offer_free(c->current[CLIPBOARD]);
	if (c->dev)
		zwlr_data_control_device_v1_destroy(c->dev);
	if (c->mgr)
		zwlr_data_control_manager_v1_destroy(c->mgr);
	if (c->buf)
		explicit_bzero(c->buf, c->max_bytes + 1);
	free(c->buf);
	free(c);
}

int wlclip_fd(const struct wlclip *c)
{
	return c->fd;
}

void wlclip_dispatch(struct wlclip *c)
{
	for (;;) {
		char sink[4096];
		bool full = c->len >= c->max_bytes;
		ssize_t n = full ? read(c->fd, sink, sizeof(sink))
		                 : read(c->fd, c->buf + c->len, c->max_bytes - c->len);

		if (n > 0) {
			if (!full)
				c->len += (size_t)n;
			else
				explicit_bzero(sink, sizeof(sink));
			if (c->len >= c->max_bytes)
				break; /* enough: the rest is not read */
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return; /* more may come before the deadline */
		break;          /* end of the text, or an error */
	}
	finish(c);
	start_next(c);
}

int wlclip_timeout_ms(const struct wlclip *c, int64_t now_ms)
{
	if (c->fd < 0)
		return -1;
	return c->deadline_ms > now_ms ? (int)(c->deadline_ms - now_ms) : 0;
}

void wlclip_tick(struct wlclip *c, int64_t now_ms)
{
	if (c->fd < 0 || now_ms < c->deadline_ms)
		return;
	finish(c);
	start_next(c);
}
