/* config.c: vigil-agent settings from /etc/vigil/agent.conf, overridden by command-line flags. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent-limits.h"
#include "settings.h"
#include "urlhost.h"

_Static_assert(sizeof(enum screen_text) == sizeof(int), "screen-text is stored as an int");

static const struct setting_choice screen_text_names[] = {
    {"off", SCREEN_TEXT_OFF},
    {"atspi", SCREEN_TEXT_ATSPI},
    {"ocr", SCREEN_TEXT_OCR},
    {"all", SCREEN_TEXT_ALL},
    {NULL, 0},
};

/*
 * enrol-key-file: the enrolment key from path, its first line, the file readable by its
 * owner only (0600 or stricter) and not a symbolic link. It fills the enrol-key field,
 * so --enrol-key on the command line wins over it.
 */
static int key_file_parse(const struct setting *s, const char *path, void *field, char *msg,
                          size_t msglen)
{
	char buf[VIGIL_CONFIG_MAX_VALUE + 2], *copy, **slot = field;
	struct stat st;
	ssize_t n;
	size_t len;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		snprintf(msg, msglen, "enrol-key-file %s: %s", path, strerror(errno));
		return -EINVAL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (st.st_mode & 077)) {
		snprintf(msg, msglen,
		         "enrol-key-file %s: must be a regular file readable by its owner only "
		         "(chmod 600)",
		         path);
		close(fd);
		return -EINVAL;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0) {
		snprintf(msg, msglen, "enrol-key-file %s: %s", path, strerror(errno));
		return -EINVAL;
	}
	buf[n] = '\0';
	len = strcspn(buf, "\r\n");
	buf[len] = '\0';
	if (len == 0 || len > VIGIL_CONFIG_MAX_VALUE) {
		snprintf(msg, msglen, "enrol-key-file %s: the first line must hold the key", path);
		explicit_bzero(buf, sizeof(buf));
		return -EINVAL;
	}
	copy = strdup(buf);
	explicit_bzero(buf, sizeof(buf));
	if (!copy)
		return -ENOMEM;
	if (*slot)
		explicit_bzero(*slot, strlen(*slot));
	free(*slot);
	*slot = copy;
	return 0;
}

/* The field is enrol-key's, which owns and frees it. */
static const struct setting_type key_file_type = {.parse = key_file_parse};

#define F(field) offsetof(struct agent_config, field)
#define SECONDS(k, field, lo, hi, d, h)                                                            \
	SETTING_NUMBER(k, setting_int, F(field), lo, hi, d, "SECONDS", h)

/* Every setting of vigil-agent: the file's keys, the flags and --help (docs/agent.md). */
static const struct setting table[] = {
    {.key = "config",
     .type = &setting_path,
     .offset = F(config_path),
     .arg = "FILE",
     .help = "settings file; a missing default file is fine, a missing named one is not",
     .def_note = AGENT_DEFAULT_CONFIG,
     .flags = SETTING_CLI,
     .short_name = 'c'},
    {.key = "display",
     .type = &setting_string,
     .offset = F(display),
     .arg = ":N",
     .help = "monitor this X display only, instead of the sessions logind reports",
     .flags = SETTING_CLI},
    {.key = "wayland",
     .type = &setting_string,
     .offset = F(wayland),
     .arg = "SOCKET",
     .help = "monitor this Wayland session only: the socket's name in the --user's runtime "
             "directory (wayland-0), or its path",
     .flags = SETTING_CLI},
    {.key = "user",
     .type = &setting_string,
     .offset = F(user),
     .arg = "NAME",
     .help = "with --display or --wayland: whom hits are attributed to",
     .flags = SETTING_CLI},
    {.key = "foreground",
     .type = &setting_bool,
     .offset = F(foreground),
     .help = "stay in the foreground (otherwise the agent detaches)",
     .flags = SETTING_CLI | SETTING_NOARG,
     .short_name = 'f'},
    {.key = "inject",
     .type = &setting_path,
     .offset = F(inject),
     .arg = "FIFO",
     .help = "test aid: each line written to FIFO is scanned as typed text",
     .flags = SETTING_CLI},
    SETTING_LOG_LEVEL(F(log_level)),
    SETTING_TEXT("server", setting_string, F(server), "URL",
                 "https:// URL of vigil-server (http:// only for a loopback address)"),
    SETTING_TEXT("enrol-key", setting_secret, F(enrol_key), "KEY",
                 "the school's enrolment key (wiped from argv; in production use enrol-key-file)"),
    SETTING_TEXT("enrol-key-file", key_file_type, F(enrol_key), "FILE",
                 "a file (mode 0600) whose first line is the enrolment key"),
    SETTING_TEXT("ca-file", setting_path, F(ca_file), "FILE", "CA certificate for the server"),
    SETTING_TEXT("pinned-public-key", setting_string, F(pinned_key), "sha256//...",
                 "pin of the server's TLS key, as CURLOPT_PINNEDPUBLICKEY"),
    SETTING_TEXT("server-key", setting_string, F(server_key), "KEY",
                 "the server's Ed25519 public key: only lists it signed are used"),
    {.key = "machine",
     .type = &setting_string,
     .offset = F(machine),
     .arg = "NAME",
     .help = "machine name in records and at enrolment",
     .def_note = "the host name"},
    {.key = "spool",
     .type = &setting_path,
     .offset = F(spool),
     .arg = "DIR",
     .help = "captures waiting for upload",
     .def_str = "/var/spool/vigil"},
    {.key = "state",
     .type = &setting_path,
     .offset = F(state),
     .arg = "DIR",
     .help = "machine token, phrase-list bundle, health",
     .def_str = "/var/lib/vigil"},
    {.key = "lists",
     .type = &setting_path,
     .offset = F(lists),
     .arg = "DIR",
     .help = "local phrase lists instead of the server's bundle",
     .def_note = "the server's bundle, else the installed lists"},
    {.key = "screen-text",
     .type = &setting_enum,
     .offset = F(screen_text),
     .def = SCREEN_TEXT_OFF,
     .choices = screen_text_names,
     .arg = "off|atspi|ocr|all",
     .help = "which viewed-text sources run"},
    SETTING_TEXT("hits-out", setting_path, F(hits_out), "FILE",
                 "test and demo aid: every hit, with its text, as a JSON line"),
    SETTING_TEXT("run-as", setting_string, F(run_as), "USER",
                 "system user each display monitor switches to once it holds the X cookie"),
    {.key = "upload-user",
     .type = &setting_string,
     .offset = F(upload_user),
     .arg = "USER",
     .help = "system user the uploader runs as; it owns the spool and state",
     .def_note = "vigil when started as root"},
    SETTING_NUMBER("tamper-severity", setting_int, F(tamper_severity), 1, 5, AGENT_TAMPER_SEVERITY,
                   "N", "severity of the capture made when monitoring was interrupted"),
    SECONDS("debounce-seconds", debounce_seconds, 0, 86400, AGENT_DEBOUNCE_DEFAULT_S,
            "the same rule in the same window within this gives one hit; 0: off"),
    SECONDS("moment-seconds", moment_seconds, 0, 60, AGENT_MOMENT_DEFAULT_S,
            "further hits in a window this soon after the first join its capture"),
    SETTING_NUMBER("idle-flush-ms", setting_int, F(idle_flush_ms), 50, 60000, AGENT_IDLE_FLUSH_MS,
                   "MS", "a typing pause this long reports a phrase that ends the typed text"),
    SETTING_NUMBER("clipboard-max-bytes", setting_int, F(clipboard_max_bytes), 0,
                   AGENT_CLIP_MAX_BYTES, AGENT_CLIP_DEFAULT_BYTES, "BYTES",
                   "clipboard text scanned per copy; 0 turns clipboard scanning off"),
    SETTING_NUMBER("spool-max-bytes", setting_bytes, F(spool_max_bytes), 4096, SETTING_NO_MAX,
                   AGENT_SPOOL_DEFAULT_MAX, "BYTES", "most bytes of captures waiting in the spool"),
    SETTING_NUMBER("spool-retry-ms", setting_int, F(spool_retry_ms), 100, 3600000,
                   AGENT_SPOOL_RETRY_MS, "MS",
                   "how often a capture the spool refused is retried from memory"),
    SECONDS("heartbeat-seconds", heartbeat_seconds, 1, 86400, 60, "heartbeat interval"),
    SECONDS("lists-poll-seconds", lists_poll_seconds, 1, 86400, 600,
            "how often the server's lists are asked for"),
    SECONDS("retry-max-seconds", retry_max_seconds, 1, 86400, 300,
            "ceiling of the upload back-off"),
};

static const struct settings agent_settings = {
    .prog = "vigil-agent",
    .table = table,
    .n = sizeof(table) / sizeof(table[0]),
};

int config_init(struct agent_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	return settings_init(&agent_settings, cfg);
}

void config_free(struct agent_config *cfg)
{
	settings_clear(&agent_settings, cfg);
}

const char *config_screen_text_name(enum screen_text st)
{
	for (size_t i = 0; screen_text_names[i].name; i++) {
		if (screen_text_names[i].value == (int)st)
			return screen_text_names[i].name;
	}
	return "?";
}

static void usage(void)
{
	fputs("usage: vigil-agent [--config FILE] [--display :N | --wayland SOCKET] [--user NAME]\n"
	      "                   [--foreground]\n"
	      "                   [--SETTING VALUE ...]\n"
	      "A setting not marked [command line only] is also a key of the settings file\n"
	      "(\"key = value\"); a flag wins over the file.\n",
	      stdout);
	settings_usage(&agent_settings, stdout);
}

int config_parse_args(struct agent_config *cfg, int argc, char **argv, char *err, size_t errlen)
{
	int first = argc;
	int r =
	    settings_parse_args(&agent_settings, cfg, argc, argv, &first, &cfg->given, err, errlen);

	if (r == SETTINGS_HELP) {
		usage();
		return 1;
	}
	if (r == SETTINGS_VERSION) {
		puts("vigil-agent " VIGIL_VERSION);
		return 1;
	}
	if (r < 0)
		return r;
	if (first < argc) {
		snprintf(err, errlen, "unexpected argument \"%s\" (see vigil-agent --help)",
		         argv[first]);
		return -EINVAL;
	}
	if (cfg->user && !cfg->display && !cfg->wayland) {
		snprintf(err, errlen, "--user is only meaningful with --display or --wayland");
		return -EINVAL;
	}
	if (cfg->display && cfg->wayland) {
		snprintf(err, errlen, "--display and --wayland: one session at a time");
		return -EINVAL;
	}
	return 0;
}

int config_load(struct agent_config *cfg, char *err, size_t errlen)
{
	const char *path = cfg->config_path ? cfg->config_path : AGENT_DEFAULT_CONFIG;
	int r = settings_load(&agent_settings, cfg, path, cfg->given, err, errlen);

	if (r == -ENOENT && !cfg->config_path)
		return 0;
	return r;
}

int config_check(const struct agent_config *cfg, char *err, size_t errlen)
{
	if (cfg->server) {
		const char *s = cfg->server;
		char scheme[16], host[256];

		/* The host libcurl will connect to, not a prefix of the text: in
		 * "http://127.0.0.1:x@example.invalid/" it is example.invalid. */
		if (url_split(s, scheme, sizeof(scheme), host, sizeof(host)) < 0 ||
		    (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)) {
			snprintf(err, errlen, "server \"%s\": expected an https:// URL", s);
			return -EINVAL;
		}
		if (strcmp(scheme, "http") == 0 && !url_host_is_loopback(host)) {
			snprintf(err, errlen,
			         "server \"%s\": plain http:// is accepted only for a loopback "
			         "address (host \"%s\"); use https://",
			         s, host);
			return -EINVAL;
		}
	}
	if (cfg->wayland && (!cfg->wayland[0] || !cfg->user)) {
		snprintf(err, errlen,
		         "--wayland \"%s\": expected a socket's name (wayland-0) or path, and "
		         "--user: whose session it is",
		         cfg->wayland);
		return -EINVAL;
	}
	if (cfg->display && (cfg->display[0] != ':' || cfg->display[1] == '\0')) {
		snprintf(err, errlen, "--display \"%s\": expected a local display such as :0",
		         cfg->display);
		return -EINVAL;
	}
	return 0;
}
