/* test-server-units.c: table-driven tests of vigil-server's small parsers (time, tokens,
 * list names, bearer header, settings). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bundle.h"
#include "config.h"
#include "http.h"
#include "rfc3339.h"
#include "token.h"
#include "urlhost.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include "tap.h"

static void test_rfc3339(void)
{
	static const struct {
		const char *text;
		int ok;
		int64_t ms;
	} rows[] = {
	    {"1970-01-01T00:00:00Z", 1, 0},
	    {"2026-11-23T09:14:03.120Z", 1, 1795425243120},
	    {"2026-11-23T10:14:03.120+01:00", 1, 1795425243120},
	    {"2026-11-23T04:44:03.12-04:30", 1, 1795425243120},
	    {"2026-11-23t09:14:03.120z", 1, 1795425243120},
	    {"2026-11-23T09:14:03.120999999Z", 1, 1795425243120},
	    {"2024-02-29T00:00:00Z", 1, 1709164800000},
	    {"2016-12-31T23:59:60Z", 1, 1483228799000}, /* leap second read as :59 */
	    /* errors */
	    {"2026-11-23T09:14:03", 0, 0},             /* no zone */
	    {"2026-11-23 09:14:03Z", 0, 0},            /* space */
	    {"2026-13-01T00:00:00Z", 0, 0},            /* month */
	    {"2026-02-29T00:00:00Z", 0, 0},            /* not a leap year */
	    {"2026-04-31T00:00:00Z", 0, 0},            /* April has 30 days */
	    {"2026-11-23T24:00:00Z", 0, 0},            /* hour */
	    {"2026-11-23T09:60:00Z", 0, 0},            /* minute */
	    {"2026-11-23T09:14:03.Z", 0, 0},           /* empty fraction */
	    {"2026-11-23T09:14:03.1234567890Z", 0, 0}, /* ten digits */
	    {"2026-11-23T09:14:03+1:00", 0, 0},        /* offset digits */
	    {"2026-11-23T09:14:03+24:00", 0, 0},       /* offset hour */
	    {"2026-11-23T09:14:03Zjunk", 0, 0},        /* trailing */
	    {"1969-12-31T23:59:59Z", 0, 0},            /* before the epoch */
	    {"", 0, 0},
	    {"2026-11-2", 0, 0},
	};
	char buf[RFC3339_BUF];

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int64_t ms = -1;
		int r = rfc3339_parse(rows[i].text, &ms);
		CHECK((r == 0) == rows[i].ok, "rfc3339_parse(\"%s\") = %d", rows[i].text, r);
		if (rows[i].ok)
			CHECK(ms == rows[i].ms, "\"%s\" -> %lld, want %lld", rows[i].text,
			      (long long)ms, (long long)rows[i].ms);
		else
			CHECK(ms == -1, "\"%s\": out-parameter changed on failure", rows[i].text);
	}
	CHECK(rfc3339_format(1795425243120, buf, sizeof(buf)) == 0 &&
	          strcmp(buf, "2026-11-23T09:14:03.120Z") == 0,
	      "format: %s", buf);
	CHECK(rfc3339_format(0, buf, 10) == -ENOSPC, "format into a short buffer");
}

static void test_tokens(void)
{
	char a[TOKEN_BUF], b[TOKEN_BUF], h[TOKEN_HASH_BUF];

	CHECK(token_new(a) == 0 && token_new(b) == 0, "token_new");
	CHECK(strlen(a) == TOKEN_LEN && token_well_formed(a), "new token well formed: %s", a);
	CHECK(strcmp(a, b) != 0, "two tokens differ");
	CHECK(!token_well_formed("short"), "short token");
	CHECK(!token_well_formed("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="), "padding char");
	CHECK(!token_well_formed("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), "44 chars");
	token_hash("abc", h);
	CHECK(strcmp(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") == 0,
	      "sha256(\"abc\") = %s", h);
}

static void test_list_names(void)
{
	static const struct {
		const char *name;
		int ok;
	} rows[] = {
	    {"self-harm.txt", 1},
	    {"common-exclusions.inc", 1},
	    {"a_b.2.txt", 1},
	    {".hidden.txt", 0},
	    {"../etc.txt", 0},
	    {"a/b.txt", 0},
	    {"x.md", 0},
	    {".txt", 0},
	    {"-rf.txt", 0},
	    {"sp ace.txt", 0},
	    {"", 0},
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		CHECK(bundle_name_ok(rows[i].name) == rows[i].ok, "bundle_name_ok(\"%s\")",
		      rows[i].name);
}

static void test_bearer(void)
{
	char long_value[300];

	CHECK(http_parse_bearer(NULL) == NULL, "no header");
	CHECK(http_parse_bearer("Basic eDp5") == NULL, "basic");
	CHECK(http_parse_bearer("Bearer ") == NULL, "empty");
	CHECK(strcmp(http_parse_bearer("Bearer abc") ?: "", "abc") == 0, "plain");
	CHECK(strcmp(http_parse_bearer("bearer   abc") ?: "", "abc") == 0, "case, spaces");
	memset(long_value, 'a', sizeof(long_value) - 1);
	memcpy(long_value, "Bearer ", 7);
	long_value[sizeof(long_value) - 1] = '\0';
	CHECK(http_parse_bearer(long_value) == NULL, "over-long token");
}

/* The client behind the trusted proxy: the last X-Forwarded-For entry, checked. */
static void test_forwarded(void)
{
	static const struct {
		const char *xff, *want; /* want NULL: refused */
	} rows[] = {
	    {"10.0.0.1", "10.0.0.1"},
	    {"203.0.113.9, 10.0.0.1", "10.0.0.1"},
	    {"1.2.3.4,10.0.0.2 ", "10.0.0.2"},
	    {"10.0.0.1, 2001:DB8:0::1", "2001:db8::1"},
	    {"10.0.0.1, evil", NULL},
	    {"10.0.0.1,", NULL},
	    {"", NULL},
	    {"10.0.0.1, 10.0.0.256", NULL},
	};
	char buf[64];

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int r = http_forwarded_client(rows[i].xff, buf, sizeof(buf));
		CHECK(rows[i].want ? r == 0 && strcmp(buf, rows[i].want) == 0 : r < 0,
		      "X-Forwarded-For %s: %d %s", rows[i].xff, r, r == 0 ? buf : "");
	}
	CHECK(http_forwarded_client(NULL, buf, sizeof(buf)) == -ENOENT, "no header");
}

static void test_config(void)
{
	struct config c;
	char err[256];

	config_init(&c);
	CHECK(config_set(&c, "threads", "8", err, sizeof(err)) == 0 && c.threads == 8, "threads");
	CHECK(config_set(&c, "threads", "0", err, sizeof(err)) == -EINVAL, "threads 0");
	CHECK(config_set(&c, "threads", "8x", err, sizeof(err)) == -EINVAL && strstr(err, "8x"),
	      "threads 8x: %s", err);
	CHECK(config_set(&c, "max-body", "65536", err, sizeof(err)) == 0 && c.max_body == 65536,
	      "max-body");
	CHECK(config_set(&c, "max-body", "12", err, sizeof(err)) == -EINVAL, "max-body 12");
	CHECK(config_set(&c, "log-level", "loud", err, sizeof(err)) == -EINVAL, "log-level");
	CHECK(config_set(&c, "colour", "red", err, sizeof(err)) == -ENOENT, "unknown setting");
	CHECK(config_finish(&c, err, sizeof(err)) == -EINVAL && strstr(err, "data"),
	      "no data directory: %s", err);
	CHECK(config_set(&c, "data", "/srv/vigil", err, sizeof(err)) == 0 &&
	          config_finish(&c, err, sizeof(err)) == 0 &&
	          strcmp(c.lists, "/srv/vigil/wordlists") == 0,
	      "lists default under data");
	CHECK(config_set(&c, "tls-cert", "/c.pem", err, sizeof(err)) == 0 &&
	          config_finish(&c, err, sizeof(err)) == -EINVAL,
	      "tls-cert without tls-key");
	config_clear(&c);
	config_init(&c);
	CHECK(config_set(&c, "trusted-proxy", "127.0.0.1", err, sizeof(err)) == 0 &&
	          strcmp(c.trusted_proxy, "127.0.0.1") == 0,
	      "trusted-proxy");
	CHECK(config_set(&c, "trusted-proxy", "0:0::1", err, sizeof(err)) == 0 &&
	          strcmp(c.trusted_proxy, "::1") == 0,
	      "trusted-proxy written as peers are: %s", c.trusted_proxy);
	CHECK(config_set(&c, "trusted-proxy", "proxy.example", err, sizeof(err)) == -EINVAL,
	      "trusted-proxy must be an address");
	CHECK(!c.cookie_secure && config_set(&c, "cookie-secure", "yes", err, sizeof(err)) == 0 &&
	          c.cookie_secure,
	      "cookie-secure");
	CHECK(config_set(&c, "webhook-allow-private", "maybe", err, sizeof(err)) == -EINVAL,
	      "webhook-allow-private maybe");
	CHECK(c.max_image_side == 8192 && c.max_image_mpixels == 25, "pixel ceilings default");
	CHECK(config_set(&c, "max-image-side", "40000", err, sizeof(err)) == -EINVAL,
	      "max-image-side above the record's limit");
	CHECK(strcmp(c.listen, "127.0.0.1:8080") == 0 && c.report_time == 7 * 60 &&
	          c.max_body == 16u << 20 && c.retention_days == 365 && *c.database == '\0',
	      "defaults from the table");
	CHECK(config_set(&c, "listen", "[::1]:0", err, sizeof(err)) == 0 &&
	          config_set(&c, "listen", "vigil.example:80", err, sizeof(err)) == -EINVAL &&
	          strstr(err, "listen: \"vigil.example:80\" is not ADDR:PORT") &&
	          strcmp(c.listen, "[::1]:0") == 0,
	      "listen is checked when set: %s", err);
	CHECK(config_set(&c, "report-time", "18:30", err, sizeof(err)) == 0 &&
	          c.report_time == 18 * 60 + 30 &&
	          config_set(&c, "report-time", "6pm", err, sizeof(err)) == -EINVAL,
	      "report-time");
	CHECK(config_set(&c, "max-inflight-per-machine", "1", err, sizeof(err)) == -EINVAL &&
	          strstr(err, "from 64 KiB to 4 GiB"),
	      "byte ranges in units: %s", err);
	CHECK(config_set(&c, "config", "/x.conf", err, sizeof(err)) == -ENOENT,
	      "--config is a flag, not a key of the file");
	config_clear(&c);
}

/* Flags over the file, --config read after the flags, the command left in argv. */
static void test_config_args(void)
{
	char path[] = "/tmp/vigil-test-server-conf-XXXXXX";
	char *argv[] = {"vigil-server",      "--threads", "3",   "--config",  path, "--foreground",
	                "--log-level=debug", "user",      "add", "--threads", "5",  NULL};
	struct config c;
	char err[256] = "";
	int fd = mkstemp(path), first = 0;
	static const char text[] = "threads = 9\ntimeout = 12\nlog-level = error\n";

	if (fd < 0 || write(fd, text, sizeof(text) - 1) != (ssize_t)sizeof(text) - 1) {
		CHECK(0, "temporary file");
		return;
	}
	close(fd);
	config_init(&c);
	CHECK(config_parse_args(&c, 11, argv, &first, NULL, err, sizeof(err)) == 0, "parsed: %s",
	      err);
	CHECK(c.threads == 3 && c.timeout == 12 && c.log_level == LOG_LEVEL_DEBUG && c.foreground,
	      "flags win, the file fills the rest (threads %u timeout %u)", c.threads, c.timeout);
	CHECK(first == 7 && strcmp(argv[first], "user") == 0, "the command starts at %d", first);
	unlink(path);
	config_clear(&c);
}

/* Hosts as libcurl parses them, not as a prefix of the text. */
static void test_urlhost(void)
{
	static const struct {
		const char *url;
		int loopback;
	} rows[] = {
	    {"smtp://127.0.0.1:25", 1},
	    {"smtp://localhost:2525", 1},
	    {"smtp://LOCALHOST", 1},
	    {"smtp://[::1]:25", 1},
	    {"smtp://127.255.0.9", 1},
	    {"smtp://localhost.evil:25", 0},
	    {"smtp://127.evil", 0},
	    {"smtp://127.0.0.1.evil.example", 0},
	    {"http://127.0.0.1:x@example.invalid/", 0},
	    {"smtp://[::1].evil", 0},
	    {"smtps://mail.school.example:465", 0},
	    {"not a url", 0},
	};
	static const struct {
		const char *addr;
		int private;
	} addrs[] = {
	    {"169.254.169.254", 1},
	    {"127.0.0.1", 1},
	    {"10.1.2.3", 1},
	    {"172.16.0.1", 1},
	    {"172.31.255.1", 1},
	    {"192.168.1.1", 1},
	    {"100.64.0.1", 1},
	    {"0.0.0.0", 1},
	    {"224.0.0.1", 1},
	    {"::1", 1},
	    {"fe80::1", 1},
	    {"fd00::1", 1},
	    {"::ffff:169.254.169.254", 1},
	    {"172.32.0.1", 0},
	    {"8.8.8.8", 0},
	    {"2001:db8::1", 0},
	};
	char scheme[16], host[64];

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		CHECK(url_is_loopback(rows[i].url) == (bool)rows[i].loopback, "loopback %s",
		      rows[i].url);
	CHECK(url_split("http://127.0.0.1:x@example.invalid/", scheme, sizeof(scheme), host,
	                sizeof(host)) == 0 &&
	          strcmp(host, "example.invalid") == 0 && strcmp(scheme, "http") == 0,
	      "host after user info: %s", host);
	for (size_t i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
		struct sockaddr_in in4 = {.sin_family = AF_INET};
		struct sockaddr_in6 in6 = {.sin6_family = AF_INET6};
		const struct sockaddr *sa = (const struct sockaddr *)&in4;
		if (inet_pton(AF_INET, addrs[i].addr, &in4.sin_addr) != 1) {
			inet_pton(AF_INET6, addrs[i].addr, &in6.sin6_addr);
			sa = (const struct sockaddr *)&in6;
		}
		CHECK(url_addr_is_private(sa) == (bool)addrs[i].private, "private %s",
		      addrs[i].addr);
	}
}

int main(void)
{
	test_rfc3339();
	test_tokens();
	test_list_names();
	test_bearer();
	test_forwarded();
	test_config();
	test_config_args();
	test_urlhost();
	printf("%s\n", tap_failed ? "FAILED" : "all passed");
	TAP_EXIT();
}
