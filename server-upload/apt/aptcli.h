/* aptcli.h: "vigil-server apt add|publish|key": the agents' apt repository from the command line.
 */
#pragma once

#include "config.h"

/* Runs "apt ..." (argv[0] is "add", "publish" or "key"). Returns the exit status: 0,
 * 1 refused or failed, 2 usage. */
int apt_cli(const struct config *cfg, int argc, char **argv);
