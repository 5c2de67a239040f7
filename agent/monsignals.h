/* monsignals.h: the signals every session monitor follows: SIGTERM and SIGINT stop it, SIGHUP
 * reloads the lists. */
#pragma once

#include <stdbool.h>

#include "detect.h"
#include "monitor.h"

/* Blocks SIGTERM, SIGINT and SIGHUP and returns a signalfd that reads them, or -errno. */
int monsignals_open(void);

/*
 * Reads the signals pending on fd: on SIGHUP the lists are loaded again from p->cfg
 * (phrases_load_config(); on failure, logged, the current ones stay), installed in d and
 * p->lists_changed told. Returns false when SIGTERM or SIGINT came (the monitor stops),
 * true otherwise.
 */
bool monsignals_handle(int fd, const struct monitor_params *p, struct detect *d);
