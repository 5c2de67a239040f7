/* phrases.c: the agent's phrase lists, compiled from a directory or a bundle, problems logged. */
#include "phrases.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle.h"
#include "log.h"

/*
 * Where the compiled automaton is kept for every process of the agent to map: a
 * directory of root's that no one else may write (made when missing and we are root).
 * NULL when there is none: then each process holds its own tables.
 */
static const char *image_path(void)
{
	/* The first lists a process loads (the supervisor's, at start) are compiled afresh
	 * and written, whatever the file holds: an image left by another build of the agent
	 * is never used. Monitors, forked after, inherit this and map what it wrote. */
	static bool fresh;
	const char *path = PHRASES_IMAGE_DIR "/" PHRASES_IMAGE_FILE;
	struct stat st;

	if (geteuid() == 0) {
		/* 0755 whatever the umask: monitors that dropped privileges read it */
		if (mkdir(PHRASES_IMAGE_DIR, 0755) == 0)
			(void)chmod(PHRASES_IMAGE_DIR, 0755);
		else if (errno != EEXIST)
			return NULL;
	}
	if (lstat(PHRASES_IMAGE_DIR, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & 022))
		return NULL;
	if (!fresh && geteuid() == 0)
		unlink(path); /* mappings of it stay valid */
	fresh = true;
	return path;
}

/* The compiler's working arrays, freed, back to the system rather than kept in the heap. */
static void trim(void)
{
	malloc_trim(0);
}

static void log_errors(struct match_errors *errs)
{
	for (size_t i = 0; i < match_errors_count(errs); i++)
		log_msg(match_errors_is_error(errs, i) ? LOG_LEVEL_ERROR : LOG_LEVEL_WARNING, "%s",
		        match_errors_get(errs, i));
	match_errors_free(errs);
}

static void log_stats(const char *what, struct match_lists *lists)
{
	struct match_stats st;

	match_lists_stats(lists, &st);
	log_info("phrase lists %s: %zu phrases, %zu exclusions, %zu combinations, %zu KiB (%zu KiB "
	         "of it shared by every process)",
	         what, st.phrases, st.exclusions, st.combos,
	         (st.memory_bytes + st.shared_bytes) / 1024, st.shared_bytes / 1024);
}

int phrases_load(const char *dir, struct match_lists **out)
{
	const char *path = dir ? dir : AGENT_DEFAULT_LISTS;
	struct match_errors *errs = NULL;
	int r;

	r = match_lists_load_shared(&path, 1, image_path(), out, &errs);
	log_errors(errs);
	trim();
	if (r < 0) {
		log_error("phrase lists %s refused (%s); keeping the lists in use, if any", path,
		          strerror(-r));
		return r;
	}
	log_stats(path, *out);
	return 0;
}

int phrases_load_bundle(const char *body, size_t len, const char *server_key,
                        struct match_lists **out, char *version, size_t vlen)
{
	unsigned char key[BUNDLE_KEY_BYTES];
	struct match_errors *errs = NULL;
	const struct match_file *files;
	struct bundle *b;
	char err[256], what[64];
	size_t n;
	int r;

	if (!server_key || bundle_parse_key(server_key, key) < 0) {
		log_error("server-key is not set or not a base64 Ed25519 key: the server's lists "
		          "cannot be verified and are not used");
		return -EINVAL;
	}
	r = bundle_verify(body, len, key, &b, err, sizeof(err));
	if (r < 0) {
		log_error("%s; refused, the last good lists stay", err);
		return r;
	}
	files = bundle_files(b, &n);
	r = match_lists_compile_shared(files, n, image_path(), out, &errs);
	log_errors(errs);
	trim();
	if (r < 0) {
		log_error("bundle %s: lists refused (%s); the last good lists stay",
		          bundle_version(b), strerror(-r));
		bundle_free(b);
		return r;
	}
	snprintf(version, vlen, "%s", bundle_version(b));
	snprintf(what, sizeof(what), "bundle %s", bundle_version(b));
	log_stats(what, *out);
	bundle_free(b);
	return 0;
}

/* Reads the stored bundle. 0 with a malloc'd body, or -errno (-ENOENT: none yet). */
static int read_bundle(const char *state, char **body, size_t *len)
{
	char path[4096];
	struct stat st;
	ssize_t n;
	char *buf;
	int fd;

	if (snprintf(path, sizeof(path), "%s/%s", state, PHRASES_BUNDLE_FILE) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || st.st_size > (off_t)BUNDLE_MAX_BYTES) {
		close(fd);
		return -EFBIG;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	n = read(fd, buf, (size_t)st.st_size);
	close(fd);
	if (n != st.st_size) {
		free(buf);
		return -EIO;
	}
	buf[n] = '\0';
	*body = buf;
	*len = (size_t)n;
	return 0;
}

int phrases_load_config(const struct agent_config *cfg, struct match_lists **out, char *version,
                        size_t vlen)
{
	char *body;
	size_t len;
	int r;

	if (!cfg->lists && cfg->state && cfg->server_key) {
		r = read_bundle(cfg->state, &body, &len);
		if (r == 0) {
			r = phrases_load_bundle(body, len, cfg->server_key, out, version, vlen);
			free(body);
			if (r == 0)
				return 0;
		} else if (r != -ENOENT) {
			log_error("%s/%s: %s; using the installed lists", cfg->state,
			          PHRASES_BUNDLE_FILE, strerror(-r));
		}
	}
	r = phrases_load(cfg->lists, out);
	if (r == 0)
		snprintf(version, vlen, "local");
	return r;
}

int phrases_check_bundle(const char *body, size_t len, const char *server_key, char *version,
                         size_t vlen)
{
	struct match_lists *lists = NULL;
	int r = phrases_load_bundle(body, len, server_key, &lists, version, vlen);

	match_lists_unref(lists);
	trim();
	return r;
}

int phrases_check_newer(const char *state, const char *server_key, const char *body, size_t len)
{
	unsigned char key[BUNDLE_KEY_BYTES];
	struct bundle *held = NULL, *b = NULL;
	char err[256], *stored = NULL;
	size_t slen;
	int r = 0;

	if (!state || !server_key || bundle_parse_key(server_key, key) < 0 ||
	    read_bundle(state, &stored, &slen) < 0)
		return 0;
	if (bundle_verify(stored, slen, key, &held, err, sizeof(err)) == 0 &&
	    bundle_verify(body, len, key, &b, err, sizeof(err)) == 0 &&
	    strcmp(bundle_version(b), bundle_version(held)) != 0 &&
	    bundle_issued(b) < bundle_issued(held)) {
		log_warning("lists %s (issued %lld) refused: older than the lists %s held (issued "
		            "%lld); a replayed bundle? The lists in use stay",
		            bundle_version(b), bundle_issued(b), bundle_version(held),
		            bundle_issued(held));
		r = -ESTALE;
	}
	bundle_free(b);
	bundle_free(held);
	free(stored);
	return r;
}

int phrases_config_version(const struct agent_config *cfg, char *version, size_t vlen)
{
	unsigned char key[BUNDLE_KEY_BYTES];
	struct bundle *b = NULL;
	char err[256];
	char *body;
	size_t len;

	snprintf(version, vlen, "local");
	if (cfg->lists || !cfg->state || !cfg->server_key ||
	    bundle_parse_key(cfg->server_key, key) < 0 || read_bundle(cfg->state, &body, &len) < 0)
		return 0;
	/* stored only once it compiled (phrases_check_bundle()): its signature is enough */
	if (bundle_verify(body, len, key, &b, err, sizeof(err)) == 0) {
		snprintf(version, vlen, "%s", bundle_version(b));
		bundle_free(b);
	}
	free(body);
	return 0;
}
