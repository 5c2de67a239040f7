/* bundle.c: the server's signed phrase-list bundle (vigil.wordlists.signed/1), verified. */
#include "bundle.h"

#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vigil-limits.h"

struct bundle {
	json_t *payload; /* owns the strings behind files */
	struct match_file *files;
	size_t nfiles;
	char version[BUNDLE_VERSION_LEN + 1];
	long long issued; /* the payload's "issued" (ms since the epoch), 0 when absent */
};

static int fail(char *err, size_t errlen, int r, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t errlen, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return r;
}

int bundle_parse_key(const char *b64, unsigned char key[BUNDLE_KEY_BYTES])
{
	unsigned char buf[BUNDLE_KEY_BYTES + 3];
	size_t n = 0;

	if (sodium_init() < 0)
		return -ENOMEM;
	if (sodium_base642bin(buf, sizeof(buf), b64, strlen(b64), NULL, &n, NULL,
	                      sodium_base64_VARIANT_ORIGINAL) < 0 ||
	    n != BUNDLE_KEY_BYTES)
		return -EINVAL;
	memcpy(key, buf, BUNDLE_KEY_BYTES);
	return 0;
}

void bundle_free(struct bundle *b)
{
	if (!b)
		return;
	json_decref(b->payload);
	free(b->files);
	free(b);
}

long long bundle_issued(const struct bundle *b)
{
	return b->issued;
}

const char *bundle_version(const struct bundle *b)
{
	return b->version;
}

const struct match_file *bundle_files(const struct bundle *b, size_t *n)
{
	*n = b->nfiles;
	return b->files;
}

static bool is_hex32(const char *s)
{
	if (strlen(s) != BUNDLE_VERSION_LEN)
		return false;
	for (; *s; s++) {
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return false;
	}
	return true;
}

/* Checks the signature of the outer object's payload. */
static int check_signature(json_t *outer, const unsigned char *key, const char **payload,
                           size_t *plen, char *err, size_t errlen)
{
	const char *format, *sig64;
	unsigned char sig[crypto_sign_BYTES + 3];
	size_t siglen = 0, sl;
	json_t *p;

	if (json_unpack(outer, "{s:s, s:s}", "format", &format, "signature", &sig64) < 0)
		return fail(err, errlen, -EINVAL,
		            "bundle: missing format or signature (unsigned?)");
	if (strcmp(format, "vigil.wordlists.signed/1") != 0)
		return fail(err, errlen, -EINVAL, "bundle: unknown format");
	p = json_object_get(outer, "payload");
	if (!json_is_string(p))
		return fail(err, errlen, -EINVAL, "bundle: payload is not a string");
	sl = strlen(sig64);
	if (sodium_base642bin(sig, sizeof(sig), sig64, sl, NULL, &siglen, NULL,
	                      sodium_base64_VARIANT_ORIGINAL) < 0 ||
	    siglen != crypto_sign_BYTES)
		return fail(err, errlen, -EBADMSG, "bundle: signature is not 64 bytes of base64");
	*payload = json_string_value(p);
	*plen = json_string_length(p);
	if (crypto_sign_verify_detached(sig, (const unsigned char *)*payload, *plen, key) != 0)
		return fail(err, errlen, -EBADMSG,
		            "bundle: the signature does not verify with the pinned server key");
	return 0;
}

static int take_files(struct bundle *b, char *err, size_t errlen)
{
	const char *format, *version;
	json_t *files, *f;
	size_t i;

	if (json_unpack(b->payload, "{s:s, s:s, s:o}", "format", &format, "version", &version,
	                "files", &files) < 0 ||
	    strcmp(format, "vigil.wordlists/1") != 0 || !is_hex32(version) || !json_is_array(files))
		return fail(err, errlen, -EINVAL, "bundle: payload is not vigil.wordlists/1");
	if (json_array_size(files) == 0 || json_array_size(files) > VIGIL_LIST_MAX_FILES)
		return fail(err, errlen, -EINVAL, "bundle: %zu files (expected 1 to %u)",
		            json_array_size(files), VIGIL_LIST_MAX_FILES);
	b->files = calloc(json_array_size(files), sizeof(*b->files));
	if (!b->files)
		return fail(err, errlen, -ENOMEM, "out of memory");
	json_array_foreach(files, i, f)
	{
		json_t *name = json_object_get(f, "name"), *text = json_object_get(f, "text");

		if (!json_is_string(name) || !json_is_string(text))
			return fail(err, errlen, -EINVAL, "bundle: file %zu lacks a name or text",
			            i);
		b->files[i].name = json_string_value(name);
		b->files[i].text = json_string_value(text);
		b->files[i].len = json_string_length(text);
	}
	b->nfiles = json_array_size(files);
	snprintf(b->version, sizeof(b->version), "%s", version);
	/* "issued" orders bundles (a server that did not send it is treated as oldest) */
	f = json_object_get(b->payload, "issued");
	if (f && (!json_is_integer(f) || json_integer_value(f) < 0))
		return fail(err, errlen, -EINVAL, "bundle: issued is not a time in milliseconds");
	b->issued = f ? (long long)json_integer_value(f) : 0;
	return 0;
}

int bundle_verify(const char *body, size_t len, const unsigned char key[BUNDLE_KEY_BYTES],
                  struct bundle **out, char *err, size_t errlen)
{
	struct bundle *b;
	json_error_t je;
	json_t *outer;
	const char *payload = NULL;
	size_t plen = 0;
	int r;

	if (sodium_init() < 0)
		return fail(err, errlen, -ENOMEM, "libsodium cannot start");
	if (len > BUNDLE_MAX_BYTES)
		return fail(err, errlen, -EINVAL, "bundle: larger than %u bytes", BUNDLE_MAX_BYTES);
	outer = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
	if (!json_is_object(outer)) {
		json_decref(outer);
		return fail(err, errlen, -EINVAL, "bundle: not a JSON object");
	}
	r = check_signature(outer, key, &payload, &plen, err, errlen);
	if (r < 0) {
		json_decref(outer);
		return r;
	}
	b = calloc(1, sizeof(*b));
	if (!b) {
		json_decref(outer);
		return fail(err, errlen, -ENOMEM, "out of memory");
	}
	b->payload = json_loadb(payload, plen, JSON_REJECT_DUPLICATES, &je);
	json_decref(outer);
	if (!json_is_object(b->payload)) {
		bundle_free(b);
		return fail(err, errlen, -EINVAL, "bundle: payload is not a JSON object");
	}
	r = take_files(b, err, errlen);
	if (r < 0) {
		bundle_free(b);
		return r;
	}
	*out = b;
	return 0;
}
