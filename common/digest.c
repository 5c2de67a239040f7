/* digest.c: SHA-256 hex digests and base64 through OpenSSL's EVP and encode routines. */
#include "digest.h"

#include <errno.h>
#include <limits.h>
#include <openssl/evp.h>
#include <string.h>

void digest_hex(const unsigned char *bin, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[bin[i] >> 4];
		out[2 * i + 1] = digits[bin[i] & 15];
	}
	out[2 * len] = '\0';
}

bool digest_is_sha256_hex(const char *s)
{
	return strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

int digest_sha256_hex(const void *data, size_t len, char out[DIGEST_SHA256_HEX_SIZE])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	out[0] = '\0';
	if (EVP_Digest(data, len, md, &n, EVP_sha256(), NULL) != 1 || n != 32)
		return -ENOMEM;
	digest_hex(md, n, out);
	return 0;
}

size_t digest_base64_size(size_t len)
{
	return (len + 2) / 3 * 4 + 1;
}

size_t digest_base64(const void *data, size_t len, char *out)
{
	const unsigned char *p = data;
	size_t done = 0, written = 0;

	/* EVP_EncodeBlock takes an int length: feed it in whole groups of three bytes. */
	while (done < len) {
		size_t chunk = len - done;

		if (chunk > (size_t)INT_MAX / 4 * 3)
			chunk = (size_t)INT_MAX / 4 * 3;
		written +=
		    (size_t)EVP_EncodeBlock((unsigned char *)out + written, p + done, (int)chunk);
		done += chunk;
	}
	out[written] = '\0';
	return written;
}
