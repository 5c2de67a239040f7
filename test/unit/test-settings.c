/* test-settings.c: the settings table: defaults, the file, flags, precedence, --help. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "netaddr.h"
#include "settings.h"
#include "tap.h"

struct opts {
	char *conf;
	bool quiet;
	char *name;
	char *dir;
	char *secret;
	int count;
	unsigned int minutes;
	size_t bytes;
	bool on;
	int colour;
	enum log_level level;
	char *peer;
	char *listen;
	uint64_t given;
};

static const struct setting_choice colours[] = {{"red", 1}, {"green", 2}, {"blue", 3}, {NULL, 0}};

#define F(m) offsetof(struct opts, m)
static const struct setting table[] = {
    {.key = "conf",
     .type = &setting_path,
     .offset = F(conf),
     .arg = "FILE",
     .help = "file",
     .flags = SETTING_CLI,
     .short_name = 'c'},
    {.key = "quiet",
     .type = &setting_bool,
     .offset = F(quiet),
     .help = "say less",
     .flags = SETTING_CLI | SETTING_NOARG,
     .short_name = 'q'},
    {.key = "name",
     .type = &setting_string,
     .offset = F(name),
     .arg = "NAME",
     .help = "a name",
     .def_str = "anon"},
    {.key = "dir", .type = &setting_path, .offset = F(dir), .arg = "DIR", .help = "a place"},
    {.key = "secret", .type = &setting_secret, .offset = F(secret), .arg = "KEY", .help = "key"},
    {.key = "count",
     .type = &setting_int,
     .offset = F(count),
     .min = -5,
     .max = 10,
     .def = 5,
     .arg = "N",
     .help = "how many"},
    {.key = "at",
     .type = &setting_clock,
     .offset = F(minutes),
     .def = 7 * 60,
     .arg = "HH:MM",
     .help = "when"},
    {.key = "size",
     .type = &setting_bytes,
     .offset = F(bytes),
     .min = 65536,
     .max = 1LL << 32,
     .def = 16 << 20,
     .arg = "BYTES",
     .help = "how much"},
    {.key = "on",
     .type = &setting_bool,
     .offset = F(on),
     .def = 1,
     .arg = "yes|no",
     .help = "switch"},
    {.key = "colour",
     .type = &setting_enum,
     .offset = F(colour),
     .def = 2,
     .choices = colours,
     .arg = "red|green|blue",
     .help = "paint"},
    {.key = "log-level",
     .type = &setting_log_level,
     .offset = F(level),
     .def = LOG_LEVEL_INFO,
     .arg = "LEVEL",
     .help = "noise"},
    {.key = "peer", .type = &setting_ip, .offset = F(peer), .arg = "ADDR", .help = "a peer"},
    {.key = "listen",
     .type = &setting_listen,
     .offset = F(listen),
     .arg = "ADDR:PORT",
     .help = "where",
     .def_str = "127.0.0.1:8080"},
};
static const struct settings set = {.prog = "test", .table = table, .n = 13};

static void defaults(void)
{
	struct opts o;

	CHECK(settings_init(&set, &o) == 0, "init");
	CHECK(strcmp(o.name, "anon") == 0 && !o.dir && !o.conf && o.count == 5 &&
	          o.minutes == 420 && o.bytes == 16u << 20 && o.on && o.colour == 2 &&
	          o.level == LOG_LEVEL_INFO && strcmp(o.listen, "127.0.0.1:8080") == 0,
	      "every field has the table's default");
	settings_clear(&set, &o);
	CHECK(!o.name && !o.listen, "clear frees the strings and leaves them NULL");
}

/* One value per row; the error after "FILE:", or NULL when accepted. */
static const struct {
	const char *file;
	const char *want;
} rows[] = {
    {"# comment\n\n  name = Ann Smith  \ncount=-5\nat = 23:59\nsize = 65536\n", NULL},
    {"on = no\ncolour = blue\nlog-level = debug\npeer = 0:0::1\nlisten = [::1]:0\n", NULL},
    {"count = 11\n", ":1: count: \"11\" is not a number from -5 to 10"},
    {"\ncount = 3x\n", ":2: count: \"3x\" is not a number from -5 to 10"},
    {"size = 65535\n", ":1: size: \"65535\" is not a byte count from 64 KiB to 4 GiB"},
    {"at = 24:00\n", ":1: at: \"24:00\" is not a time like 07:00"},
    {"at = 7:00\n", ":1: at: \"7:00\" is not a time like 07:00"},
    {"on = maybe\n", ":1: on: \"maybe\" is not yes or no"},
    {"colour = pink\n", ":1: colour: unknown value \"pink\" (expected red, green or blue)"},
    {"log-level = loud\n", ":1: log-level: unknown level \"loud\""},
    {"peer = proxy.example\n", ":1: peer: \"proxy.example\" is not an IP address"},
    {"listen = 8080\n", ":1: listen: \"8080\" is not ADDR:PORT"},
    {"listen = host.example:80\n", ":1: listen: \"host.example:80\" is not ADDR:PORT"},
    {"listen = :65536\n", ":1: listen: \":65536\" is not ADDR:PORT"},
    {"dir =\n", ":1: dir: a path cannot be empty"},
    {"colour = red\nshade = dark\n", ":2: unknown setting \"shade\""},
    {"conf = /x\n", ":1: unknown setting \"conf\""}, /* a flag only */
    {"name\n", ":1: expected \"key = value\""},
};

static int write_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "we");

	if (!f)
		return -errno;
	fwrite(text, 1, len, f);
	return fclose(f) == 0 ? 0 : -EIO;
}

static void file_rows(const char *path)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct opts o;
		char err[512] = "";
		int r;

		settings_init(&set, &o);
		write_file(path, rows[i].file, strlen(rows[i].file));
		r = settings_load(&set, &o, path, 0, err, sizeof(err));
		if (rows[i].want)
			CHECK(r == -EINVAL && strncmp(err, path, strlen(path)) == 0 &&
			          strstr(err, rows[i].want),
			      "row %zu: %s (got %d %s)", i, rows[i].want, r, err);
		else
			CHECK(r == 0, "row %zu accepted: %s", i, err);
		settings_clear(&set, &o);
	}
}

/* Values land in the right fields; the last line of a key wins. */
static void file_values(const char *path)
{
	static const char text[] = "name = Ann Smith\ncount=-5\ncount = 7\nat = 23:59\n"
	                           "size = 65536\non = no\ncolour = blue\npeer = 0:0::1\n";
	struct opts o;
	char err[512] = "", big[70 * 1024];

	settings_init(&set, &o);
	write_file(path, text, sizeof(text) - 1);
	CHECK(settings_load(&set, &o, path, 0, err, sizeof(err)) == 0, "loads: %s", err);
	CHECK(strcmp(o.name, "Ann Smith") == 0 && o.count == 7 && o.minutes == 23 * 60 + 59 &&
	          o.bytes == 65536 && !o.on && o.colour == 3 && strcmp(o.peer, "::1") == 0,
	      "values stored, address normalised (%s)", o.peer ? o.peer : "-");
	write_file(path, "name = a\0b\n", 11);
	CHECK(settings_load(&set, &o, path, 0, err, sizeof(err)) == -EINVAL &&
	          strstr(err, "contains a NUL byte"),
	      "NUL byte refused: %s", err);
	memset(big, '#', sizeof(big));
	write_file(path, big, sizeof(big));
	CHECK(settings_load(&set, &o, path, 0, err, sizeof(err)) == -EFBIG &&
	          strstr(err, "larger than 65536 bytes"),
	      "a file over the ceiling refused: %s", err);
	memcpy(big, "name = ", 7);
	memset(big + 7, 'n', 1100);
	write_file(path, big, 1107);
	CHECK(settings_load(&set, &o, path, 0, err, sizeof(err)) == -EINVAL &&
	          strstr(err, ":1: value of name longer than 1024 bytes"),
	      "a long value refused: %s", err);
	CHECK(settings_load(&set, &o, "/nonexistent/x.conf", 0, err, sizeof(err)) == -ENOENT &&
	          strstr(err, "/nonexistent/x.conf: No such file"),
	      "missing file: %s", err);
	settings_clear(&set, &o);
}

/* Flags: both spellings, short names, the command after them; they win over the file. */
static void flags(const char *path)
{
	char secret[] = "hunter2-secret";
	char *argv[] = {"test",     "-c",   (char *)path, "--count=9", "-q",
	                "--secret", secret, "--name",     "Flag Name", "--log-level",
	                "debug",    "run",  "--count",    "1",         NULL};
	struct opts o;
	char err[512] = "";
	int first = 0;

	settings_init(&set, &o);
	o.given = 0;
	write_file(path, "name = File Name\ncount = 2\ncolour = red\nlog-level = error\n", 58);
	CHECK(settings_parse_args(&set, &o, 14, argv, &first, &o.given, err, sizeof(err)) == 0,
	      "flags parsed: %s", err);
	CHECK(first == 11 && strcmp(argv[first], "run") == 0, "stops at the command: %d", first);
	CHECK(o.count == 9 && o.quiet && strcmp(o.name, "Flag Name") == 0 &&
	          strcmp(o.conf, path) == 0 && o.level == LOG_LEVEL_DEBUG,
	      "flags stored");
	CHECK(strcmp(o.secret, "hunter2-secret") == 0 && !memchr(secret, 'h', sizeof(secret)),
	      "a secret is taken and wiped from argv");
	CHECK(settings_load(&set, &o, o.conf, o.given, err, sizeof(err)) == 0, "file: %s", err);
	CHECK(o.count == 9 && strcmp(o.name, "Flag Name") == 0 && o.level == LOG_LEVEL_DEBUG &&
	          o.colour == 1,
	      "the file fills what no flag gave (%d, %s)", o.count, o.name);
	settings_clear(&set, &o);
}

static const struct {
	const char *args[3];
	const char *want;
} bad_flags[] = {
    {{"--count", "99"}, "--count: \"99\" is not a number from -5 to 10"},
    {{"--count"}, "--count needs a value"},
    {{"--shade", "dark"}, "unknown option --shade (see test --help)"},
    {{"-x"}, "unknown option -x"},
    {{"--quiet=yes"}, "--quiet takes no value"},
};

static void flag_errors(void)
{
	for (size_t i = 0; i < sizeof(bad_flags) / sizeof(bad_flags[0]); i++) {
		char *argv[5] = {"test"};
		struct opts o;
		char err[512] = "";
		int argc = 1, first = 0, r;
		uint64_t given = 0;

		for (int j = 0; j < 3 && bad_flags[i].args[j]; j++)
			argv[argc++] = (char *)bad_flags[i].args[j];
		settings_init(&set, &o);
		r = settings_parse_args(&set, &o, argc, argv, &first, &given, err, sizeof(err));
		CHECK(r == -EINVAL && strstr(err, bad_flags[i].want), "flag row %zu: %s (got %s)",
		      i, bad_flags[i].want, err);
		settings_clear(&set, &o);
	}
	{
		char *argv[] = {"test", "--name", "x", "--help", NULL};
		struct opts o;
		char err[64];
		int first;
		uint64_t given = 0;

		settings_init(&set, &o);
		CHECK(settings_parse_args(&set, &o, 4, argv, &first, &given, err, sizeof(err)) ==
		          SETTINGS_HELP,
		      "--help");
		settings_clear(&set, &o);
	}
}

/* --help: each setting with its value, range and default, from the table. */
static void usage(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	settings_usage(&set, f);
	fclose(f);
	CHECK(strstr(text, "  -c, --conf FILE ") && strstr(text, "[command line only]"),
	      "flag, value and command-line-only mark");
	CHECK(strstr(text, "--count N") && strstr(text, "how many (-5 to 10; default 5)"),
	      "range and default");
	CHECK(strstr(text, "(64 KiB to 4 GiB; default 16 MiB)"), "byte counts in units");
	CHECK(strstr(text, "when (default 07:00)") && strstr(text, "(default green)") &&
	          strstr(text, "noise (default info)") && strstr(text, "(default yes)") &&
	          strstr(text, "(default anon)"),
	      "defaults shown as their type writes them");
	for (char *line = text; line && *line;
	     line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
		CHECK(strcspn(line, "\n") <= 79, "lines fit a terminal: %.*s",
		      (int)strcspn(line, "\n"), line);
	free(text);
}

static void listen_addresses(void)
{
	static const struct {
		const char *spec;
		int family; /* 0: refused */
	} specs[] = {
	    {"127.0.0.1:8080", AF_INET}, {":0", AF_INET}, {"[::1]:443", AF_INET6},
	    {"::1:80", AF_INET6},        {"1.2.3.4", 0},  {"1.2.3.4:", 0},
	    {"localhost:80", 0},         {"[::1]:-1", 0}, {"1.2.3.4:65536", 0},
	};
	char out[8];

	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		struct sockaddr_storage ss;
		socklen_t len;
		int r = netaddr_parse_listen(specs[i].spec, &ss, &len);

		CHECK(specs[i].family ? r == 0 && ss.ss_family == specs[i].family : r == -EINVAL,
		      "listen %s", specs[i].spec);
	}
	CHECK(netaddr_normalise_ip("::ffff:1.2.3.4", out, sizeof(out)) == -ENAMETOOLONG,
	      "normalised address too long for its buffer");
}

int main(void)
{
	char path[] = "/tmp/vigil-test-settings-XXXXXX";
	int fd = mkstemp(path);

	if (fd < 0)
		return 1;
	close(fd);
	defaults();
	file_rows(path);
	file_values(path);
	flags(path);
	flag_errors();
	usage();
	listen_addresses();
	unlink(path);
	TAP_EXIT();
}
