/* server.c: the shared context of vigil-server: privileges, then store, images, key and lists. */
#include "server.h"

#include <curl/curl.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

static int switch_user(uid_t uid, gid_t gid, const char *name)
{
	if (setgroups(0, NULL) < 0 || setresgid(gid, gid, gid) < 0 ||
	    setresuid(uid, uid, uid) < 0) {
		log_error("cannot switch to user %s: %s", name, strerror(errno));
		return -EPERM;
	}
	if (uid != 0 && setuid(0) == 0) {
		log_error("privileges could be regained after switching to %s; stopping", name);
		return -EPERM;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		log_error("cannot set no_new_privs: %s; stopping", strerror(errno));
		return -EPERM;
	}
	return 0;
}

int server_drop_privileges(const struct config *cfg, int admin)
{
	struct passwd *pw;
	struct stat st;

	if (geteuid() != 0)
		return 0;
	if (!cfg->user) {
		/* An admin command acts as the owner of an existing data directory. */
		if (admin && stat(cfg->data, &st) == 0 && st.st_uid != 0) {
			pw = getpwuid(st.st_uid);
			return switch_user(st.st_uid, st.st_gid, pw ? pw->pw_name : "data owner");
		}
		log_error("refusing to run as root: give --user NAME (a system user that owns %s)",
		          cfg->data);
		return -EPERM;
	}
	pw = getpwnam(cfg->user);
	if (!pw) {
		log_error("no such user \"%s\"", cfg->user);
		return -ENOENT;
	}
	if (pw->pw_uid == 0) {
		log_error("refusing to run as root: --user %s is root", cfg->user);
		return -EPERM;
	}
	/* The data directory belongs to the server's user. */
	if (mkdir(cfg->data, 0700) < 0 && errno != EEXIST) {
		log_error("cannot create %s: %s", cfg->data, strerror(errno));
		return -errno;
	}
	if (stat(cfg->data, &st) == 0 && st.st_uid == 0 &&
	    chown(cfg->data, pw->pw_uid, pw->pw_gid) < 0) {
		log_error("cannot give %s to %s: %s", cfg->data, cfg->user, strerror(errno));
		return -errno;
	}
	return switch_user(pw->pw_uid, pw->pw_gid, cfg->user);
}

/* The image store: the S3-compatible bucket when s3-url is set, else <data>/images. */
static int open_images(const struct config *cfg, struct blobs **out)
{
	char err[512], path[4096];
	int r;

	if (cfg->s3_url) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		r = blobs_s3_open(cfg->s3_url, cfg->s3_region, cfg->s3_credentials, out, err,
		                  sizeof(err));
		if (r < 0)
			log_error("image store: %s", err);
		return r;
	}
	snprintf(path, sizeof(path), "%s/images", cfg->data);
	if ((r = blobs_fs_open(path, out)) < 0)
		log_error("image store %s: %s", path, strerror(-r));
	return r;
}

int server_open(struct server *srv, const struct config *cfg, unsigned int db_connections)
{
	char err[512];
	int r;

	memset(srv, 0, sizeof(*srv));
	srv->cfg = cfg;
	umask(077);
	if (mkdir(cfg->data, 0700) < 0 && errno != EEXIST) {
		log_error("cannot create data directory %s: %s", cfg->data, strerror(errno));
		return -errno;
	}
	r = store_open(cfg->database, cfg->data, db_connections, &srv->store, err, sizeof(err));
	if (r < 0) {
		log_error("database: %s", err);
		return r;
	}
	if ((r = open_images(cfg, &srv->blobs)) < 0)
		goto fail;
	if ((r = signkey_load(cfg->data, &srv->key)) < 0) {
		log_error("signing key %s/signing.key: %s", cfg->data,
		          r == -EBADMSG ? "wrong size, or readable by others (must be 0600)"
		                        : strerror(-r));
		goto fail;
	}
	if (mkdir(cfg->lists, 0755) < 0 && errno != EEXIST)
		log_warning("cannot create lists directory %s: %s", cfg->lists, strerror(errno));
	if ((r = wordlists_new(cfg->lists, &srv->key, &srv->lists)) < 0)
		goto fail;
	if ((r = committer_new(srv->store, srv->blobs, &srv->committer)) < 0) {
		log_error("cannot start the commit thread: %s", strerror(-r));
		goto fail;
	}
	return 0;
fail:
	server_close(srv);
	return r;
}

void server_close(struct server *srv)
{
	committer_free(srv->committer);
	wordlists_free(srv->lists);
	blobs_free(srv->blobs);
	store_free(srv->store);
	signkey_wipe(&srv->key);
	memset(srv, 0, sizeof(*srv));
}
