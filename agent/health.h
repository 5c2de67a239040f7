/* health.h: the monitoring state of every graphical session, written for the uploader's heartbeat.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define HEALTH_FILE "sessions.json" /* in the state directory */

struct health_session {
	const char *id;      /* logind session id ("display" with --display) */
	const char *display; /* ":0"; "" for a session without one */
	const char *user;
	const char *type; /* "x11", "wayland", "mir" */
	bool monitored;
	int restarts_1h;
	long long last_gap_ms; /* -1: none */
};

/*
 * Writes the sessions as a JSON array to dir/HEALTH_FILE (a temporary file renamed over
 * it, mode 0644 inside the 0700 state directory) when it differs from what this process
 * wrote last. Returns 1 when written, 0 when unchanged, or a negative errno.
 */
int health_write(const char *dir, const struct health_session *v, size_t n);

/* The array from dir/HEALTH_FILE as JSON text (malloc'd), or NULL when missing or bad. */
char *health_read(const char *dir);
