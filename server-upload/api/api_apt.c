/* api_apt.c: GET /apt/...: the published files of the agents' apt repository, read-only. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api.h"
#include "aptrepo.h"
#include "server.h"

/*
 * No sign-in: a workstation's apt fetches these before it has any credential, and they
 * hold nothing secret (the index is signed, the packages are public). Only the names
 * aptrepo_content_type knows are served (no "..", no hidden file, nothing outside the
 * repository: the signing key lives beside it, not in it), never through a symlink.
 */
void api_apt_get(void *ctx, struct http_request *req, struct http_response *resp)
{
	const struct server *srv = ctx;
	const char *rel = http_request_path(req) + strlen("/" APTREPO_DIR "/");
	const char *type = aptrepo_content_type(rel);
	char path[4096];
	struct stat st;
	int fd;

	if (!type) {
		http_reply_error(resp, 404, NULL, "not a file of the apt repository");
		return;
	}
	if (snprintf(path, sizeof(path), "%s/" APTREPO_DIR "/%s", srv->cfg->data, rel) >=
	    (int)sizeof(path)) {
		http_reply_error(resp, 404, NULL, "not a file of the apt repository");
		return;
	}
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		http_reply_error(resp, 404, NULL,
		                 "%s is not published; publish with "
		                 "\"vigil-server apt add FILE.deb\"",
		                 rel);
		return;
	}
	http_reply_file(resp, 200, type, fd, (size_t)st.st_size);
}
