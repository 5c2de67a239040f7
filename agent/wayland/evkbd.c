/* evkbd.c: typed text from the kernel's keyboard devices (evdev), for sessions without X. */
#include "evkbd.h"

#include <errno.h>
#include <fcntl.h>
#include <libudev.h>
#include <linux/input.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "keytext.h"

struct evkbd {
	int fds[EVKBD_MAX_DEVICES];
	size_t n;
	bool listening;
	struct keytext *text;
	struct xkb_context *ctx;
	struct xkb_keymap *keymap;
	keys_fn fn;
	void *userdata;
};

int evkbd_open_seat(const char *seat, int *fds, size_t max)
{
	struct udev *udev = udev_new();
	struct udev_enumerate *e = udev ? udev_enumerate_new(udev) : NULL;
	struct udev_list_entry *it;
	size_t n = 0;

	if (!e) {
		udev_unref(udev);
		return -ENOMEM;
	}
	udev_enumerate_add_match_subsystem(e, "input");
	udev_enumerate_add_match_property(e, "ID_INPUT_KEYBOARD", "1");
	udev_enumerate_scan_devices(e);
	udev_list_entry_foreach(it, udev_enumerate_get_list_entry(e))
	{
		struct udev_device *d =
		    udev_device_new_from_syspath(udev, udev_list_entry_get_name(it));
		const char *node = d ? udev_device_get_devnode(d) : NULL;
		const char *dseat = d ? udev_device_get_property_value(d, "ID_SEAT") : NULL;

		if (node && strncmp(node, "/dev/input/event", 16) == 0 &&
		    strcmp(dseat ? dseat : "seat0", seat) == 0 && n < max) {
			int fd = open(node, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW);

			if (fd >= 0)
				fds[n++] = fd;
		}
		udev_device_unref(d);
	}
	udev_enumerate_unref(e);
	udev_unref(udev);
	return (int)n;
}

struct evkbd *evkbd_new(const int *fds, size_t n, struct xkb_context *ctx,
                        struct xkb_keymap *keymap, keys_fn fn, void *userdata)
{
	struct evkbd *k = calloc(1, sizeof(*k));

	if (!k)
		return NULL;
	k->text = keytext_new(ctx, keymap, fn, userdata);
	if (!k->text) {
		free(k);
		return NULL;
	}
	k->ctx = xkb_context_ref(ctx);
	k->keymap = keymap ? xkb_keymap_ref(keymap) : NULL;
	k->fn = fn;
	k->userdata = userdata;
	k->listening = true;
	for (size_t i = 0; i < n && k->n < EVKBD_MAX_DEVICES; i++)
		k->fds[k->n++] = fds[i];
	return k;
}

void evkbd_free(struct evkbd *k)
{
	if (!k)
		return;
	for (size_t i = 0; i < k->n; i++)
		close(k->fds[i]);
	keytext_free(k->text);
	xkb_keymap_unref(k->keymap);
	xkb_context_unref(k->ctx);
	free(k);
}

/* A decoder afresh: no key held, no modifier, no Compose sequence. */
static void restart(struct evkbd *k)
{
	struct keytext *t = keytext_new(k->ctx, k->keymap, k->fn, k->userdata);

	if (!t)
		return;
	keytext_free(k->text);
	k->text = t;
}

void evkbd_set_keymap(struct evkbd *k, struct xkb_keymap *keymap)
{
	xkb_keymap_unref(k->keymap);
	k->keymap = keymap ? xkb_keymap_ref(keymap) : NULL;
	keytext_set_keymap(k->text, keymap, NULL);
}

void evkbd_listen(struct evkbd *k, bool on)
{
	if (on != k->listening)
		restart(k);
	k->listening = on;
}

size_t evkbd_fds(const struct evkbd *k, int *fds, size_t max)
{
	size_t n = k->n < max ? k->n : max;

	memcpy(fds, k->fds, n * sizeof(*fds));
	return n;
}

static void forget(struct evkbd *k, int fd)
{
	for (size_t i = 0; i < k->n; i++) {
		if (k->fds[i] != fd)
			continue;
		close(fd);
		k->fds[i] = k->fds[--k->n];
		return;
	}
}

int evkbd_dispatch(struct evkbd *k, int fd)
{
	struct input_event ev[64];

	for (;;) {
		ssize_t r = read(fd, ev, sizeof(ev));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			return 0;
		if (r <= 0) {
			forget(k, fd); /* unplugged (ENODEV), or the end of a recording */
			return -ENODEV;
		}
		for (size_t i = 0; i < (size_t)r / sizeof(ev[0]); i++) {
			if (ev[i].type == EV_SYN && ev[i].code == SYN_DROPPED) {
				restart(k); /* the kernel lost events: the held keys are unknown */
				continue;
			}
			if (!k->listening || ev[i].type != EV_KEY)
				continue;
			if (ev[i].code >= BTN_MISC && ev[i].code < KEY_OK) {
				if (ev[i].value == 1)
					keytext_button(k->text, ev[i].code == BTN_LEFT ? 1 : 2);
				continue;
			}
			keytext_key(k->text, (xkb_keycode_t)ev[i].code + 8, ev[i].value != 0);
		}
		explicit_bzero(ev, sizeof(ev));
	}
}
