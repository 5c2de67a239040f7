/* test-config.c: agent.conf parsing, flags overriding the file, and precise errors. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"

static const struct {
	const char *file;
	const char *want_err; /* substring of the error after "FILE:"; NULL: accepted */
} rows[] = {
    {"# comment\n\nserver = https://vigil.example.org\nlists=/tmp/l\n", NULL},
    {"debounce-seconds = 5\nidle-flush-ms = 300\nclipboard-max-bytes = 0\n", NULL},
    {"screen-text = ocr\nlog-level = debug\nrun-as = vigil\n", NULL},
    {"server = https://a\nbogus = 1\n", ":2: unknown setting \"bogus\""},
    {"debounce-seconds = soon\n", ":1: debounce-seconds: \"soon\" is not a number from 0 to 86400"},
    {"idle-flush-ms = 5\n", ":1: idle-flush-ms: \"5\" is not a number from 50 to 60000"},
    {"clipboard-max-bytes = 99999999\n", ":1: clipboard-max-bytes"},
    {"screen-text = maybe\n", ":1: screen-text: unknown value \"maybe\""},
    {"log-level = loud\n", ":1: log-level: unknown level \"loud\""},
    {"\n\njust words\n", ":3: expected \"key = value\""},
    {"display = :1\n", ":1: unknown setting \"display\""}, /* a flag only */
    {"spool-max-bytes = 100\n", ":1: spool-max-bytes: \"100\" is not a byte count (4 KiB or more)"},
    {"tamper-severity = 6\n", ":1: tamper-severity: \"6\" is not a number from 1 to 5"},
};

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	if (!f)
		return -errno;
	fputs(text, f);
	return fclose(f) == 0 ? 0 : -EIO;
}

static int test_rows(const char *path)
{
	int failed = 0;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct agent_config cfg;
		char err[512] = "";
		int r;

		config_init(&cfg);
		cfg.config_path = strdup(path);
		write_file(path, rows[i].file);
		r = config_load(&cfg, err, sizeof(err));
		if (rows[i].want_err ? (r == 0 || !strstr(err, rows[i].want_err)) : r != 0) {
			printf("not ok: row %zu: r=%d err \"%s\", want \"%s\"\n", i, r, err,
			       rows[i].want_err ? rows[i].want_err : "(accepted)");
			failed++;
		}
		config_free(&cfg);
	}
	return failed;
}

static int test_override(const char *path)
{
	char *argv[] = {"vigil-agent", "--config",    (char *)path, "--lists",
	                "/flag/lists", "--log-level", "warning",    "--display",
	                ":7",          "--user",      "pupil",      NULL};
	struct agent_config cfg;
	char err[512] = "";
	int failed = 0;

	write_file(path, "lists = /file/lists\nlog-level = debug\nspool = /file/spool\n"
	                 "debounce-seconds = 9\n");
	config_init(&cfg);
	if (config_parse_args(&cfg, 11, argv, err, sizeof(err)) != 0 ||
	    config_load(&cfg, err, sizeof(err)) != 0 || config_check(&cfg, err, sizeof(err)) != 0) {
		printf("not ok: override: %s\n", err);
		config_free(&cfg);
		return 1;
	}
	if (strcmp(cfg.lists, "/flag/lists") != 0 || cfg.log_level != LOG_LEVEL_WARNING ||
	    strcmp(cfg.spool, "/file/spool") != 0 || cfg.debounce_seconds != 9 ||
	    strcmp(cfg.display, ":7") != 0 || strcmp(cfg.user, "pupil") != 0) {
		printf("not ok: flags do not override the file\n");
		failed++;
	}
	config_free(&cfg);
	{
		char *argv2[] = {"vigil-agent", "--debounce-seconds", "99999", NULL};

		config_init(&cfg);
		if (config_parse_args(&cfg, 3, argv2, err, sizeof(err)) != -EINVAL ||
		    !strstr(err, "--debounce-seconds: \"99999\" is not a number from 0 to 86400")) {
			printf("not ok: a bad flag value: %s\n", err);
			failed++;
		}
		config_free(&cfg);
	}
	return failed;
}

/* The enrolment key: from a 0600 file, never from one others can read; wiped from argv. */
static int test_enrol_key(const char *path)
{
	char keyfile[] = "/tmp/vigil-test-key-XXXXXX", conf[600], err[512] = "";
	char arg[] = "SECRET-FROM-ARGV";
	char *argv[] = {"vigil-agent", "--enrol-key", arg, NULL};
	struct agent_config cfg;
	int fd = mkstemp(keyfile), failed = 0;

	if (fd < 0)
		return 1;
	close(fd);
	write_file(keyfile, "k3y-from-file\nsecond line\n");
	chmod(keyfile, 0600);
	snprintf(conf, sizeof(conf), "enrol-key-file = %s\n", keyfile);
	write_file(path, conf);
	config_init(&cfg);
	cfg.config_path = strdup(path);
	if (config_load(&cfg, err, sizeof(err)) != 0 || !cfg.enrol_key ||
	    strcmp(cfg.enrol_key, "k3y-from-file") != 0) {
		printf("not ok: enrol-key-file 0600: %s\n", err);
		failed++;
	}
	config_free(&cfg);
	chmod(keyfile, 0644);
	config_init(&cfg);
	cfg.config_path = strdup(path);
	if (config_load(&cfg, err, sizeof(err)) == 0 || !strstr(err, ":1: enrol-key-file") ||
	    !strstr(err, "chmod 600")) {
		printf("not ok: enrol-key-file 0644 not refused: %s\n", err);
		failed++;
	}
	config_free(&cfg);
	config_init(&cfg);
	if (config_parse_args(&cfg, 3, argv, err, sizeof(err)) != 0 || !cfg.enrol_key ||
	    strcmp(cfg.enrol_key, "SECRET-FROM-ARGV") != 0 ||
	    memmem(arg, sizeof(arg), "SECRET", 6)) {
		printf("not ok: --enrol-key taken and wiped from argv\n");
		failed++;
	}
	config_free(&cfg);
	/* --enrol-key wins over the file's enrol-key-file, which fills the same setting */
	chmod(keyfile, 0600);
	{
		char flagkey[] = "FLAG-KEY";
		char *argv2[] = {"vigil-agent", "--config", (char *)path,
		                 "--enrol-key", flagkey,    NULL};

		config_init(&cfg);
		if (config_parse_args(&cfg, 5, argv2, err, sizeof(err)) != 0 ||
		    config_load(&cfg, err, sizeof(err)) != 0 ||
		    strcmp(cfg.enrol_key, "FLAG-KEY") != 0) {
			printf("not ok: --enrol-key over enrol-key-file: %s\n", err);
			failed++;
		}
		config_free(&cfg);
	}
	unlink(keyfile);
	return failed;
}

static const struct {
	const char *server;
	int ok;
} servers[] = {
    {"https://vigil.school.example", 1},
    {"http://127.0.0.1:8080", 1},
    {"http://localhost:8080/", 1},
    {"http://[::1]:8080", 1},
    {"http://vigil.school.example", 0},
    {"http://127.0.0.1.evil.example", 0},
    {"ftp://x", 0},
    {"http://localhost.evil.example", 0},
    {"http://127.0.0.1:x@example.invalid/", 0},
    {"http://127.0.0.1:8080@example.invalid/", 0},
    {"http://localhost@example.invalid:80/", 0},
    {"http://127.evil/", 0},
    {"http://[::1]@example.invalid/", 0},
    {"HTTPS://vigil.school.example/", 1},
    {"http://127.1.2.3/", 1},
    {"https://", 0},
};

static int test_servers(void)
{
	int failed = 0;

	for (size_t i = 0; i < sizeof(servers) / sizeof(servers[0]); i++) {
		struct agent_config cfg;
		char err[512] = "";
		int r;

		config_init(&cfg);
		cfg.server = strdup(servers[i].server);
		r = config_check(&cfg, err, sizeof(err));
		if ((r == 0) != servers[i].ok) {
			printf("not ok: server %s: r=%d %s\n", servers[i].server, r, err);
			failed++;
		}
		config_free(&cfg);
	}
	return failed;
}

int main(void)
{
	char path[] = "/tmp/vigil-test-config-XXXXXX";
	int fd = mkstemp(path), failed;

	if (fd < 0)
		return 1;
	close(fd);
	failed = test_rows(path) + test_override(path) + test_servers() + test_enrol_key(path);
	unlink(path);
	printf("%s\n", failed ? "FAIL" : "ok");
	return failed ? 1 : 0;
}
