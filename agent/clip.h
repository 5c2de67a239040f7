/* clip.h: text copied to the CLIPBOARD selection, noticed through XFixes and fetched capped. */
#pragma once

#include <X11/Xlib.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * When another client takes the CLIPBOARD selection, clip asks the owner for the text as
 * UTF8_STRING into a property of a small window of its own and hands at most max_bytes
 * of it to the callback (a longer text is cut on a character boundary; INCR transfers
 * are followed up to the cap). An owner that does not answer within
 * AGENT_CLIP_TIMEOUT_MS is given up on. The text is wiped after the callback.
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
