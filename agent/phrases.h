/* phrases.h: the agent's phrase lists, compiled from a directory or a bundle, problems logged. */
#pragma once

#include <stddef.h>

#include "config.h"
#include "match.h"

/* Where lists are read from when neither --lists nor a server bundle gives them
 * (meson sets it to the installed wordlists directory). */
#ifndef AGENT_DEFAULT_LISTS
#define AGENT_DEFAULT_LISTS "/usr/share/vigil/wordlists"
#endif

/* The last good bundle from the server, under the state directory. */
#define PHRASES_BUNDLE_FILE "wordlists.bundle"

/*
 * Compiles the lists under dir (AGENT_DEFAULT_LISTS when NULL), logging each warning
 * and error as "FILE:LINE: message". Returns 0 and a new reference in *out, or a
 * negative errno (lists refused or unreadable; *out untouched).
 */
int phrases_load(const char *dir, struct match_lists **out);

/*
 * The lists the settings call for: cfg->lists when set (version "local"); else the
 * server's bundle in cfg->state, verified against cfg->server_key (version: the
 * bundle's); else the installed lists (version "local"). A bundle that does not verify
 * or compile is logged and the installed lists are used. Returns 0 with a new reference
 * in *out and the version in version (size vlen), or a negative errno.
 */
int phrases_load_config(const struct agent_config *cfg, struct match_lists **out, char *version,
                        size_t vlen);

/*
 * Verifies and compiles a bundle body. Returns 0 with a new reference in *out and the
 * bundle's version, or a negative errno with the reason logged.
 */
int phrases_load_bundle(const char *body, size_t len, const char *server_key,
                        struct match_lists **out, char *version, size_t vlen);
