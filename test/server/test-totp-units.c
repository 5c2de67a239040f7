/* test-totp-units.c: TOTP (RFC 6238) with a fixed clock: the RFC's SHA-1 test vectors (the
 * last 6 of their 8 digits), the window of one step either side, malformed codes and
 * secrets, new secrets and their otpauth:// URI. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "signin_totp.h"
#include "tap.h"

/* "12345678901234567890" in base32: RFC 6238's SHA-1 key. */
#define RFC_KEY "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

int main(void)
{
	static const struct {
		long long t;
		const char *code;
	} vectors[] = {
	    {59, "287082"},         {1111111109, "081804"}, {1111111111, "050471"},
	    {1234567890, "005924"}, {2000000000, "279037"}, {20000000000LL, "353130"},
	};
	char code[TOTP_DIGITS + 1], secret[TOTP_SECRET_BUF], uri[512];
	int64_t step = 0;

	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		CHECK(totp_code(RFC_KEY, vectors[i].t, code) == 0 &&
		          strcmp(code, vectors[i].code) == 0,
		      "RFC 6238 at T=%lld: %s (got %s)", vectors[i].t, vectors[i].code, code);
		CHECK(totp_check(RFC_KEY, vectors[i].code, vectors[i].t, &step) == 0 &&
		          step == vectors[i].t / 30,
		      "accepted at T=%lld, step %lld", vectors[i].t, (long long)step);
	}
	/* One step either side: a phone's clock 30 s off still signs in; 60 s off does not. */
	CHECK(totp_check(RFC_KEY, "005924", 1234567890 + 30, &step) == 0 && step == 1234567890 / 30,
	      "the previous step's code is accepted, with its own step");
	CHECK(totp_check(RFC_KEY, "005924", 1234567890 - 30, &step) == 0, "the next step's too");
	CHECK(totp_check(RFC_KEY, "005924", 1234567890 + 90, &step) == -EACCES,
	      "three steps later it is refused");
	CHECK(totp_check(RFC_KEY, "005925", 1234567890, &step) == -EACCES, "a wrong code");
	CHECK(totp_check(RFC_KEY, "05924", 1234567890, &step) == -EACCES, "five digits");
	CHECK(totp_check(RFC_KEY, "0059245", 1234567890, &step) == -EACCES, "seven digits");
	CHECK(totp_check(RFC_KEY, "00592a", 1234567890, &step) == -EACCES, "not digits");
	CHECK(totp_check(RFC_KEY, NULL, 1234567890, &step) == -EACCES, "no code");
	CHECK(totp_check("not base32!", "005924", 1234567890, &step) == -EINVAL, "a bad secret");
	CHECK(totp_secret_new(secret) == 0 && strlen(secret) == 32 &&
	          strspn(secret, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") == 32,
	      "a new secret is 20 bytes of base32: %s", secret);
	CHECK(totp_code(secret, 1000, code) == 0 && totp_check(secret, code, 1000, &step) == 0,
	      "its codes check");
	totp_uri("head", RFC_KEY, uri, sizeof(uri));
	CHECK(strcmp(uri, "otpauth://totp/Vigil:head?secret=" RFC_KEY
	                  "&issuer=Vigil&algorithm=SHA1&digits=6&period=30") == 0,
	      "the otpauth URI: %s", uri);
	if (!tap_failed)
		printf("all passed\n");
	TAP_EXIT();
}
