/* phrases.h: the agent's phrase lists, compiled from a directory with problems logged. */
#pragma once

#include "match.h"

/* Where lists are read from when neither --lists nor a server bundle gives them
 * (meson sets it to the installed wordlists directory). */
#ifndef AGENT_DEFAULT_LISTS
#define AGENT_DEFAULT_LISTS "/usr/share/vigil/wordlists"
#endif

/*
 * Compiles the lists under dir (AGENT_DEFAULT_LISTS when NULL), logging each warning
 * and error as "FILE:LINE: message". Returns 0 and a new reference in *out, or a
 * negative errno (lists refused or unreadable; *out untouched).
 */
int phrases_load(const char *dir, struct match_lists **out);
