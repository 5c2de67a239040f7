/* typed.h: typed text rebuilt per window, edited and cut into segments, fed to the matcher. */
#pragma once

#include <stdint.h>

#include "detect.h"
#include "keytext.h"

/*
 * Each window that is being typed into has a segment: the last few hundred bytes typed
 * (AGENT_TYPED_KEEP_BYTES), a cursor, and a streaming scanner fed as keys arrive, so a
 * phrase is found as soon as the key after it is typed. Backspace, Delete and the
 * cursor keys edit the segment (the scanner is then rebuilt from the held text); Tab,
 * Escape, a click, a focus change or a shortcut end it, and its text is wiped. Enter
 * ends a line: what is pending is reported, and the last AGENT_TYPED_LINES_KEEP bytes
 * of the lines before are kept for AGENT_TYPED_LINE_HOLD_MS, so that the next line
 * continues the same text (a phrase may span the lines, and a hit's context shows the
 * line before); edits stay within the current line. When that time is up the earlier
 * lines are wiped (and a segment with no new line typed ends).
 * After a pause (idle_flush_ms) the held text is scanned once as if the segment ended,
 * so a phrase typed last is reported without waiting for the next key, while typing on
 * after the pause still continues the same segment. Each hit (rule and position in the
 * segment) is reported once, however often the scanner is rebuilt or the pause scan runs.
 */
struct typed;

/* Fills *win for window id (title and app valid until the next call into the caller). */
typedef void (*typed_window_fn)(unsigned long id, struct detect_window *win, void *userdata);

/* NULL on out-of-memory. */
struct typed *typed_new(struct detect *d, int idle_flush_ms, typed_window_fn window_fn,
                        void *userdata);
/* Ends every segment (reporting what is pending) and frees. */
void typed_free(struct typed *t);

/* Applies one decoded key to window's segment. now_ns is CLOCK_MONOTONIC. */
void typed_input(struct typed *t, unsigned long window, const struct text_event *ev,
                 uint64_t now_ns);

/* Ends window's segment: reports what is pending and wipes the text. */
void typed_end_segment(struct typed *t, unsigned long window);
void typed_end_all(struct typed *t);

/* Milliseconds until typed_tick() has work (an idle scan, lines to wipe), or -1. */
int typed_timeout_ms(const struct typed *t, uint64_t now_ns);

/* Runs the idle scans that are due and wipes the earlier lines whose time is up. */
void typed_tick(struct typed *t, uint64_t now_ns);

/* Bytes of typed text held now, over all windows (for tests of the memory bound). */
size_t typed_bytes_held(const struct typed *t);
