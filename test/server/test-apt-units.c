/* test-apt-units.c: which names below /apt/ the server serves (aptrepo_content_type): the
 * published files with their types, and nothing else ("..", hidden names, the key). */
#include <stdio.h>
#include <string.h>

#include "aptrepo.h"

#include "tap.h"

int main(void)
{
	static const struct {
		const char *rel, *type; /* type NULL: not served (404) */
	} rows[] = {
	    {"vigil-archive-keyring.gpg", "application/pgp-keys"},
	    {"vigil-archive-keyring.asc", "application/pgp-keys"},
	    {"dists/stable/InRelease", "text/plain; charset=utf-8"},
	    {"dists/stable/Release", "text/plain; charset=utf-8"},
	    {"dists/stable/Release.gpg", "application/pgp-signature"},
	    {"dists/stable/main/binary-amd64/Packages", "text/plain; charset=utf-8"},
	    {"dists/stable/main/binary-arm64/Packages.gz", "application/gzip"},
	    {"pool/main/vigil-agent_0.1.0+1_amd64.deb", "application/vnd.debian.binary-package"},
	    {"pool/main/vigil-agent_1:0.2~rc1_amd64.deb", NULL}, /* ':' never in a pool name */
	    {"apt-signing.key", NULL},
	    {"../apt-signing.key", NULL},
	    {"pool/main/../../apt-signing.key", NULL},
	    {"pool/main/..deb", NULL},
	    {"pool/main/.add-XXXXXX", NULL},
	    {"pool/main/.hidden.deb", NULL},
	    {"pool/main/sub/x.deb", NULL},
	    {"pool/main/x.deb/", NULL},
	    {"pool/main/.deb", NULL},
	    {"pool/main/", NULL},
	    {"pool/x.deb", NULL},
	    {"dists/stable/", NULL},
	    {"dists/stable/Release.new", NULL},
	    {"dists/stable/.Release.abc123", NULL},
	    {"dists/stable/main/binary-/Packages", NULL},
	    {"dists/stable/main/binary-../Packages", NULL},
	    {"dists/stable/main/binary-amd64/../../Release", NULL},
	    {"dists/stable/main/binary-amd64/Packages.xz", NULL},
	    {"dists/other/Release", NULL},
	    {"dists/stable/../stable/Release", NULL},
	    {"", NULL},
	    {"/vigil-archive-keyring.gpg", NULL},
	    {"vigil-archive-keyring.gpg/", NULL},
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const char *got = aptrepo_content_type(rows[i].rel);
		CHECK(rows[i].type ? got && strcmp(got, rows[i].type) == 0 : got == NULL,
		      "\"%s\": %s (want %s)", rows[i].rel, got ? got : "not served",
		      rows[i].type ? rows[i].type : "not served");
	}
	TAP_EXIT();
}
