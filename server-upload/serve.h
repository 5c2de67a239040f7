/* serve.h: the run loop of vigil-server (listen, serve, signals, clean shutdown). */
#pragma once

#include "config.h"

/*
 * Runs the server until SIGTERM or SIGINT: refuses root unless cfg->user is set (then
 * binds, drops to that user and sets no_new_privs before opening any data), serves, and
 * on the signal stops accepting, finishes the requests in progress and returns 0; -errno
 * when it cannot start (logged).
 */
int server_run(struct config *cfg);
