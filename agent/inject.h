/* inject.h: test aid: text lines from a FIFO, scanned as typed text (--inject, off by default). */
#pragma once

#include <stddef.h>

/*
 * A FIFO opened read-write and non-blocking (so writers may come and go). Each complete
 * line read from it is handed to fn. The fault tests use it to make many hits quickly
 * through the same detection path as typing; it is not for production.
 */
struct inject;

/* Opens path (creating a FIFO, mode 0600, when missing). 0 or -errno. */
int inject_open(const char *path, void (*fn)(const char *line, size_t len, void *userdata),
                void *userdata, struct inject **out);
void inject_free(struct inject *in);
int inject_fd(const struct inject *in);
/* Reads what is there and hands over complete lines. */
void inject_dispatch(struct inject *in);
