/* test-bundle-age.c: the agent refuses a signed list bundle older than the one it holds
 * (a replay of lists the server signed before), and accepts a newer one, the same lists
 * again, and a first bundle. */
#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"
#include "phrases.h"
#include "tap.h"

static unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];

/* A signed bundle body of one list file with text, version (32 hex) and issued (< 0:
 * none, as older servers sent). */
static char *bundle(const char *version, long long issued, const char *text)
{
	unsigned char sig[crypto_sign_BYTES];
	char sig64[sodium_base64_ENCODED_LEN(crypto_sign_BYTES, sodium_base64_VARIANT_ORIGINAL)];
	json_t *p = json_pack("{s:s, s:s, s:[{s:s, s:s}]}", "format", "vigil.wordlists/1",
	                      "version", version, "files", "name", "self-harm.txt", "text", text);
	char *payload, *body;
	json_t *outer;

	if (issued >= 0)
		json_object_set_new(p, "issued", json_integer(issued));
	payload = json_dumps(p, JSON_COMPACT);
	crypto_sign_detached(sig, NULL, (const unsigned char *)payload, strlen(payload), sk);
	sodium_bin2base64(sig64, sizeof(sig64), sig, sizeof(sig), sodium_base64_VARIANT_ORIGINAL);
	outer = json_pack("{s:s, s:s, s:s, s:s}", "format", "vigil.wordlists.signed/1", "version",
	                  version, "payload", payload, "signature", sig64);
	body = json_dumps(outer, JSON_COMPACT);
	json_decref(outer);
	json_decref(p);
	free(payload);
	return body;
}

int main(void)
{
	char dir[] = "/tmp/vigil-bundle-age-XXXXXX", key[64], path[128];
	const char *v1 = "11111111111111111111111111111111",
	           *v2 = "22222222222222222222222222222222";
	char *old, *cur, *same, *newer, *unstamped;

	if (sodium_init() < 0 || !mkdtemp(dir))
		return 1;
	crypto_sign_keypair(pk, sk);
	sodium_bin2base64(key, sizeof(key), pk, sizeof(pk), sodium_base64_VARIANT_ORIGINAL);
	old = bundle(v1, 1000, "@category self-harm\nkill myself\n");
	cur = bundle(v2, 2000, "@category self-harm\nkill myself\nend my life\n");
	same = bundle(v2, 1500, "@category self-harm\nkill myself\nend my life\n");
	newer = bundle(v1, 3000, "@category self-harm\nkill myself\n");
	unstamped = bundle(v1, -1, "@category self-harm\nkill myself\n");

	CHECK(phrases_check_newer(dir, key, old, strlen(old)) == 0, "nothing held: a first bundle");
	CHECK(fileio_write_durably(dir, PHRASES_BUNDLE_FILE, cur, strlen(cur), 0600) == 0,
	      "the newer bundle held");
	CHECK(phrases_check_newer(dir, key, old, strlen(old)) == -ESTALE,
	      "a replayed older bundle is refused");
	CHECK(phrases_check_newer(dir, key, unstamped, strlen(unstamped)) == -ESTALE,
	      "a bundle without \"issued\" is older than one with it");
	CHECK(phrases_check_newer(dir, key, same, strlen(same)) == 0,
	      "the same lists from another server (an earlier time) are not refused");
	CHECK(phrases_check_newer(dir, key, cur, strlen(cur)) == 0, "the same bundle again");
	CHECK(phrases_check_newer(dir, key, newer, strlen(newer)) == 0, "a newer bundle");
	snprintf(path, sizeof(path), "%s/%s", dir, PHRASES_BUNDLE_FILE);
	unlink(path);
	rmdir(dir);
	free(old);
	free(cur);
	free(same);
	free(newer);
	free(unstamped);
	TAP_EXIT();
}
