/* verify-bundle.c: checks a phrase-list bundle's Ed25519 signature (test helper).
 * usage: verify-bundle PUBLIC_KEY_BASE64 < BUNDLE_JSON; prints the payload's version.
 * Exit 0 verified, 1 not verified, 2 usage or malformed input. */
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], sig[crypto_sign_BYTES];
	const char *payload, *sig64;
	json_t *root, *inner;
	size_t len;

	if (argc != 2 || sodium_init() < 0)
		return 2;
	if (sodium_base642bin(pk, sizeof(pk), argv[1], strlen(argv[1]), NULL, &len, NULL,
	                      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    len != sizeof(pk))
		return 2;
	root = json_loadf(stdin, 0, NULL);
	payload = json_string_value(json_object_get(root, "payload"));
	sig64 = json_string_value(json_object_get(root, "signature"));
	if (!payload || !sig64)
		return 2;
	if (sodium_base642bin(sig, sizeof(sig), sig64, strlen(sig64), NULL, &len, NULL,
	                      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    len != sizeof(sig))
		return 1;
	if (crypto_sign_verify_detached(sig, (const unsigned char *)payload, strlen(payload), pk) !=
	    0) {
		fprintf(stderr, "verify-bundle: signature does not verify\n");
		return 1;
	}
	inner = json_loads(payload, 0, NULL);
	printf("%s\n", json_string_value(json_object_get(inner, "version")));
	json_decref(inner);
	json_decref(root);
	return 0;
}
