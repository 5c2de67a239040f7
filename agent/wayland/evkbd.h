/* evkbd.h: typed text from the kernel's keyboard devices (evdev), for sessions without X. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <xkbcommon/xkbcommon.h>

#include "keytext.h" /* keys_fn, struct text_event */

/* Keyboards of one seat read at most. */
#define EVKBD_MAX_DEVICES 16

/*
 * Opens the keyboards of seat ("seat0") that udev knows of (input devices with
 * ID_INPUT_KEYBOARD whose ID_SEAT is seat, seat0 when unset), read-only and
 * non-blocking: called with the privilege to open /dev/input (before the monitor drops
 * it). Puts up to max descriptors into fds and returns how many, or -errno.
 */
int evkbd_open_seat(const char *seat, int *fds, size_t max);

struct evkbd;

/*
 * Decodes the key events (struct input_event) read from fds (taken: closed by
 * evkbd_free) with keymap (the session's own, from its compositor; a reference is taken)
 * into text edits for fn. While not listening (the session is not the seat's active one,
 * or it is locked) events are read and dropped and the key state starts afresh. NULL
 * on out-of-memory.
 */
struct evkbd *evkbd_new(const int *fds, size_t n, struct xkb_context *ctx,
                        struct xkb_keymap *keymap, keys_fn fn, void *userdata);
void evkbd_free(struct evkbd *k);

void evkbd_set_keymap(struct evkbd *k, struct xkb_keymap *keymap);
void evkbd_listen(struct evkbd *k, bool on);

/* The devices' descriptors to poll for reading: fds[0..n). */
size_t evkbd_fds(const struct evkbd *k, int *fds, size_t max);

/* Reads what fd (one of evkbd_fds) has. Returns 0, or -ENODEV when the device went away
 * (it is closed and forgotten). */
int evkbd_dispatch(struct evkbd *k, int fd);
