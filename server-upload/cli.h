/* cli.h: the administration subcommands of vigil-server (schools, users, machines, export). */
#pragma once

#include "config.h"

/*
 * Runs the subcommand argv[0] ("school", "user", "machine", "machines", "export", "key",
 * "lists") with its arguments, on the data of cfg. Returns the process exit status:
 * 0 done, 1 refused or failed (message on stderr), 2 usage error.
 */
int cli_run(const struct config *cfg, int argc, char **argv);

/* True when name is a subcommand cli_run() knows. */
int cli_is_command(const char *name);
