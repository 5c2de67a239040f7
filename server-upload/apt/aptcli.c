/* aptcli.c: "vigil-server apt add|publish|key": the agents' apt repository from the command line.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aptcli.h"
#include "aptkey.h"
#include "aptrepo.h"
#include "server.h"

#define MAX_DEBS 64
#define USAGE    "usage: vigil-server apt add FILE.deb... | apt publish | apt key\n"

static int fail(const char *err)
{
	fprintf(stderr, "vigil-server: apt: %s\n", err);
	return 1;
}

/* The files are opened before privileges are dropped: root may give a .deb that only it
 * can read; the server's user reads them through these descriptors. */
static int open_debs(int n, char **paths, int *fds)
{
	struct stat st;

	for (int i = 0; i < n; i++) {
		fds[i] = open(paths[i], O_RDONLY | O_CLOEXEC);
		if (fds[i] < 0 || fstat(fds[i], &st) < 0 || !S_ISREG(st.st_mode)) {
			fprintf(stderr, "vigil-server: apt add: %s: %s\n", paths[i],
			        fds[i] < 0 ? strerror(errno) : "not a regular file");
			for (int j = 0; j <= i; j++)
				if (fds[j] >= 0)
					close(fds[j]);
			return -1;
		}
	}
	return 0;
}

static int cmd_key(const struct config *cfg)
{
	struct aptkey *k;
	char err[512];
	bool created;

	if (aptkey_open(cfg->data, &created, &k, err, sizeof(err)) < 0)
		return fail(err);
	printf("%s%s\n", aptkey_fingerprint(k), created ? " (made now)" : "");
	aptkey_close(k);
	return 0;
}

int apt_cli(const struct config *cfg, int argc, char **argv)
{
	int fds[MAX_DEBS], n = argc - 1, r = 0;
	char err[1024] = "";

	if (argc >= 2 && strcmp(argv[0], "add") == 0) {
		if (n > MAX_DEBS) {
			fprintf(stderr, "vigil-server: apt add: at most %d files at once\n",
			        MAX_DEBS);
			return 2;
		}
		if (open_debs(n, argv + 1, fds) < 0)
			return 1;
	} else if (argc != 1 || (strcmp(argv[0], "publish") != 0 && strcmp(argv[0], "key") != 0)) {
		fputs(USAGE, stderr);
		return 2;
	} else {
		n = 0;
	}
	if (server_drop_privileges(cfg, 1) < 0) {
		r = -EPERM;
		goto out;
	}
	umask(022); /* the repository's files are for everyone; the key file is made 0600 */
	if (strcmp(argv[0], "key") == 0) {
		r = cmd_key(cfg) ? -EIO : 0;
		goto out;
	}
	if (n > 0)
		r = aptrepo_add(cfg->data, fds, (const char *const *)(argv + 1), (size_t)n, err,
		                sizeof(err));
	if (r == 0)
		r = aptrepo_publish(cfg->data, err, sizeof(err));
	if (r < 0)
		fail(err);
out:
	for (int i = 0; i < n; i++)
		close(fds[i]);
	return r < 0 ? 1 : 0;
}
