/* aptrepo.h: the apt repository of agent packages in the data directory: pool, signed index. */
#pragma once

#include <stddef.h>

/* The repository under the data directory, served read-only as /apt/ (only the files
 * aptrepo_content_type names). */
#define APTREPO_DIR     "apt"
#define APTREPO_SUITE   "stable"
#define APTREPO_KEYRING "vigil-archive-keyring"

/*
 * Copies each .deb (read from fds[i], named names[i] in messages) into the pool as
 * pool/main/PACKAGE_VERSION_ARCH.deb, with the name dpkg-deb reads from its control
 * file. The same file again is kept; another file under a name the pool has is refused
 * (apt would see two packages with one version). Prints one line per package. Returns 0,
 * or a negative errno with err naming the file and what was wrong; packages copied
 * before the bad one stay.
 */
int aptrepo_add(const char *data, const int *fds, const char *const *names, size_t n, char *err,
                size_t errsize);

/*
 * Writes the index of the pool and signs it (making the signing key on first use):
 * dists/stable/main/binary-ARCH/Packages and Packages.gz (apt-ftparchive), Release,
 * InRelease and Release.gpg, and the public key as vigil-archive-keyring.gpg and .asc.
 * The new dists/stable replaces the old one in one rename. Prints what it published.
 * Returns 0 or a negative errno with err.
 */
int aptrepo_publish(const char *data, char *err, size_t errsize);

/*
 * The Content-Type of rel (a path below /apt/, without the leading slash) when it names
 * a file the repository publishes; NULL for anything else (other names, "..", hidden
 * files, the key's directory). Pure: for the HTTP handler and its tests.
 */
const char *aptrepo_content_type(const char *rel);
