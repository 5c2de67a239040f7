/* wlclip.h: text copied to CLIPBOARD or PRIMARY in a wlroots session, through data-control. */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct wl_registry;
struct wl_seat;

/*
 * Follows the seat's selections with zwlr_data_control_manager_v1 (no window of the
 * agent's own, nothing shown to the pupil): when a client sets CLIPBOARD or PRIMARY with
 * a text type (text/plain;charset=utf-8, UTF8_STRING, text/plain, STRING, TEXT, in that
 * order of preference), the text is received through a pipe, at most max_bytes (cut on
 * a character boundary), and handed to fn; it is wiped afterwards. One transfer at a
 * time, each with a deadline of AGENT_CLIP_TIMEOUT_MS: an owner that does not answer or
 * trickles is cut off there and what arrived is scanned. A selection that changes
 * meanwhile is fetched next.
 */
typedef void (*wlclip_fn)(const char *text, size_t len, void *userdata);

struct wlclip;

/* Binds the manager global (name, version) on registry's queue for seat. NULL on ENOMEM. */
struct wlclip *wlclip_new(struct wl_registry *registry, uint32_t name, uint32_t version,
                          struct wl_seat *seat, size_t max_bytes, wlclip_fn fn, void *userdata);
void wlclip_free(struct wlclip *c);

/* The transfer's pipe to poll for reading, or -1 when none is under way. */
int wlclip_fd(const struct wlclip *c);

/* Reads what the pipe has (call when wlclip_fd() is readable). */
void wlclip_dispatch(struct wlclip *c);

/* Milliseconds until wlclip_tick() must run (a transfer's deadline), or -1. */
int wlclip_timeout_ms(const struct wlclip *c, int64_t now_ms);
void wlclip_tick(struct wlclip *c, int64_t now_ms);
