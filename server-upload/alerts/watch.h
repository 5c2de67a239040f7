/* watch.h: notices machines that stop sending heartbeats (offline: possible tampering). */
#pragma once

#include <stdint.h>

#include "store.h"

/*
 * Each sweep lists the machines and logs, once per change, a warning for every machine
 * that has been silent for longer than offline_after seconds (unplugged, or the agent
 * stopped: possible tampering) and a notice when it is heard from again. Revoked and
 * never-seen machines are not reported.
 */
struct watch;

struct watch *watch_new(void); /* NULL on out-of-memory */
void watch_free(struct watch *w);

/* Returns 0 or the store's -errno (nothing logged then). */
int watch_sweep(struct watch *w, struct store *s, unsigned int offline_after, int64_t now_ms);
