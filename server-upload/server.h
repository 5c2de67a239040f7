/* server.h: what the request handlers share: settings, storage, images, key, lists. */
#pragma once

#include "blobs.h"
#include "committer.h"
#include "config.h"
#include "signkey.h"
#include "store.h"
#include "wordlists.h"

struct server {
	const struct config *cfg;
	struct store *store;
	struct blobs *blobs;
	struct signkey key;
	struct wordlists *lists;
	struct committer *committer; /* group commit of uploads */
};

/* Resolves cfg->user (or the data directory's owner, for admin commands run as root)
 * and switches to it; returns 0 when not root. Logs why it refuses. */
int server_drop_privileges(const struct config *cfg, int admin);

/* Opens store (with at most db_connections PostgreSQL connections), images, key and
 * lists for cfg (after dropping privileges). Logs failures. */
int server_open(struct server *srv, const struct config *cfg, unsigned int db_connections);
void server_close(struct server *srv);
