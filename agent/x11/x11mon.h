/* x11mon.h: one X display watched: its connections, event loop and the detection stages. */
#pragma once

#include "monitor.h"

/*
 * Monitors p->display until SIGTERM/SIGINT (pending phrases are reported first) or
 * until the display goes away. SIGHUP reloads the phrase lists (phrases_load_config()).
 * With cfg->inject (a test aid), lines from that FIFO are scanned as typed text.
 * A lost connection ends the process at once with MONITOR_EXIT_KILLED when the X server
 * still accepts connections (someone killed ours), MONITOR_EXIT_GONE when it does not.
 * Returns an enum monitor_exit value. Installs process-wide X error handlers and blocks
 * SIGTERM, SIGINT and SIGHUP (read through a signalfd): meant for a process of its own.
 */
int x11mon_run(const struct monitor_params *p);
