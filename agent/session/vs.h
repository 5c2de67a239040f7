/* vs.h: what the parts of vigil-session share: the event channel and the session's state. */
#pragma once

#include <jansson.h>
#include <stdbool.h>

/*
 * Sends msg on the event channel (one message), then wipes its strings and frees it.
 * Returns 0, or -1 when it could not be sent (too large, or the monitor is gone: then
 * the helper exits).
 */
int vs_send(json_t *msg);

/* A JSON string of at most max bytes of text (cut on a character boundary, control
 * characters but tab and newline made spaces); NULL on out-of-memory. */
json_t *vs_string(const char *text, size_t max);

/*
 * Makes the helper undumpable: the pupil, whose process it is, can then neither ptrace it
 * nor read its memory. Done once nothing needs its /proc/PID/exe any more (the GNOME Shell
 * extension reads it once, at the helper's first call).
 */
void vs_undumpable(void);

/* Whether the session is locked now (the GNOME Shell's screen shield). */
bool vs_locked(void);
void vs_set_locked(bool locked);

/* The focused window's id as the helper knows it (GNOME; 0 elsewhere). */
unsigned long vs_focus_id(void);
void vs_set_focus_id(unsigned long id);
