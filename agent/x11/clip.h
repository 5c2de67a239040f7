/* clip.h: text copied to CLIPBOARD or PRIMARY (middle-click), noticed via XFixes, fetched capped.
 */
#pragma once

#include <X11/Xlib.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * When another client takes the CLIPBOARD or the PRIMARY selection (what a middle click
 * pastes), clip asks the owner which types it offers (TARGETS), then for the text in the
 * first text type of UTF8_STRING, text/plain;charset=utf-8, STRING (ISO 8859-1), TEXT and
 * text/plain that it offers (UTF8_STRING when it cannot list them), into a property of a
 * small window of its own, and hands at most max_bytes of it, as UTF-8, to the callback (a longer
 * text is cut on a character boundary; INCR transfers are followed up to the cap). One transfer at
 * a time; a selection that changes meanwhile is fetched next. Each transfer has one deadline,
 * AGENT_CLIP_TIMEOUT_MS from the first request (TARGETS): an owner that does not answer, or
 * trickles INCR chunks, is cut off there and what arrived is scanned. The text is wiped
 * after the callback.
 */
typedef void (*clip_fn)(const char *text, size_t len, void *userdata);

struct clip;

/* -ENOTSUP when the server lacks XFixes (logged); 0 and *out otherwise. */
int clip_new(Display *dpy, size_t max_bytes, clip_fn fn, void *userdata, struct clip **out);
void clip_free(struct clip *c);

/* Offers an event; returns true when it was for this module. */
bool clip_handle_event(struct clip *c, XEvent *ev);

/* Milliseconds until clip_tick() must run (a pending conversion's timeout), or -1. */
int clip_timeout_ms(const struct clip *c, unsigned long long now_ms);
void clip_tick(struct clip *c, unsigned long long now_ms);
