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

/*
 * The compiled automaton of the lists in use, written once (by the supervisor, as root)
 * and mapped read-only by every process that loads the same lists, so that a machine
 * holds one copy however many sessions it watches. Rebuilt when it is missing, damaged
 * or of other lists (match_lists_load_shared()), and written afresh at every start. On
 * disk (the unit's CacheDirectory), not a tmpfs: pages that no process maps can leave
 * the page cache, so a fault maps only the pages that scanning has read, not the 64 KiB
 * around it that a tmpfs always holds.
 */
#ifndef PHRASES_IMAGE_DIR
#define PHRASES_IMAGE_DIR "/var/cache/vigil"
#endif
#define PHRASES_IMAGE_FILE "wordlists.image"

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

/*
 * Whether body, a bundle that verifies with server_key, may replace the one stored in
 * state: 0 when nothing is stored (or it no longer verifies), when both hold the same
 * lists (version), or when body's "issued" is not before the stored one's; -ESTALE,
 * logged, when it is older (a replayed bundle: the agent keeps the lists it has).
 */
int phrases_check_newer(const char *state, const char *server_key, const char *body, size_t len);

/*
 * As phrases_load_bundle(), for a process that does not scan (the uploader): the bundle
 * is verified and compiled, then let go, its memory given back. Returns 0 with the
 * version, or a negative errno with the reason logged.
 */
int phrases_check_bundle(const char *body, size_t len, const char *server_key, char *version,
                         size_t vlen);

/*
 * The version phrases_load_config() would report, without compiling anything: the stored
 * bundle's when it verifies (it was stored only after it compiled), else "local".
 */
int phrases_config_version(const struct agent_config *cfg, char *version, size_t vlen);
