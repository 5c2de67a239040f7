/* config.c: vigil-agent settings from /etc/vigil/agent.conf, overridden by command-line flags. */
#include "config.h"

#include <ctype.h>
#include <fcntl.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent-limits.h"
#include "parse.h"
#include "urlhost.h"

/* Bits of from_flags for settings that are not strings (a string flag is simply set). */
enum {
	CONFIG_SET_LOG_LEVEL = 1u << 0,
	CONFIG_SET_SCREEN_TEXT = 1u << 1,
};

static const char usage_text[] =
    "usage: vigil-agent [--config FILE] [--display :N --user NAME] [--foreground]\n"
    "                   [--log-level error|warning|info|debug] [--server URL]\n"
    "                   [--enrol-key KEY] [--spool DIR] [--state DIR] [--lists DIR]\n"
    "                   [--screen-text off|atspi|ocr|all] [--hits-out FILE]\n"
    "                   [--upload-user USER] [--server-key KEY] [--machine NAME]\n"
    "                   [--inject FIFO]\n";

static void seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

void config_init(struct agent_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->log_level = LOG_LEVEL_INFO;
	cfg->screen_text = SCREEN_TEXT_OFF;
	cfg->debounce_seconds = AGENT_DEBOUNCE_DEFAULT_S;
	cfg->tamper_severity = AGENT_TAMPER_SEVERITY;
	cfg->moment_seconds = AGENT_MOMENT_DEFAULT_S;
	cfg->idle_flush_ms = AGENT_IDLE_FLUSH_MS;
	cfg->clipboard_max_bytes = AGENT_CLIP_DEFAULT_BYTES;
	cfg->spool_max_bytes = (long long)AGENT_SPOOL_DEFAULT_MAX;
	cfg->heartbeat_seconds = 60;
	cfg->lists_poll_seconds = 600;
	cfg->retry_max_seconds = 300;
	cfg->spool_retry_ms = AGENT_SPOOL_RETRY_MS;
}

void config_free(struct agent_config *cfg)
{
	char **strs[] = {&cfg->config_path, &cfg->display,    &cfg->user,    &cfg->server,
	                 &cfg->enrol_key,   &cfg->ca_file,    &cfg->spool,   &cfg->state,
	                 &cfg->lists,       &cfg->hits_out,   &cfg->run_as,  &cfg->upload_user,
	                 &cfg->server_key,  &cfg->pinned_key, &cfg->machine, &cfg->inject};

	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		if (*strs[i] && strs[i] == &cfg->enrol_key)
			explicit_bzero(*strs[i], strlen(*strs[i]));
		free(*strs[i]);
		*strs[i] = NULL;
	}
}

int config_screen_text_parse(const char *s, enum screen_text *out)
{
	static const char *const names[] = {"off", "atspi", "ocr", "all"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = (enum screen_text)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *config_screen_text_name(enum screen_text st)
{
	switch (st) {
	case SCREEN_TEXT_OFF:
		return "off";
	case SCREEN_TEXT_ATSPI:
		return "atspi";
	case SCREEN_TEXT_OCR:
		return "ocr";
	case SCREEN_TEXT_ALL:
		return "all";
	}
	return "?";
}

/* Replaces *slot with a copy of value. 0 or -ENOMEM. */
static int set_string(char **slot, const char *value)
{
	char *copy = strdup(value);

	if (!copy)
		return -ENOMEM;
	free(*slot);
	*slot = copy;
	return 0;
}

int config_parse_args(struct agent_config *cfg, int argc, char **argv, char *err, size_t errlen)
{
	enum {
		OPT_DISPLAY = 256,
		OPT_USER,
		OPT_LOG_LEVEL,
		OPT_SERVER,
		OPT_ENROL_KEY,
		OPT_SPOOL,
		OPT_STATE,
		OPT_LISTS,
		OPT_SCREEN_TEXT,
		OPT_HITS_OUT,
		OPT_INJECT,
		OPT_UPLOAD_USER,
		OPT_SERVER_KEY,
		OPT_MACHINE,
		OPT_VERSION,
	};
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"display", required_argument, NULL, OPT_DISPLAY},
	    {"user", required_argument, NULL, OPT_USER},
	    {"foreground", no_argument, NULL, 'f'},
	    {"log-level", required_argument, NULL, OPT_LOG_LEVEL},
	    {"server", required_argument, NULL, OPT_SERVER},
	    {"enrol-key", required_argument, NULL, OPT_ENROL_KEY},
	    {"spool", required_argument, NULL, OPT_SPOOL},
	    {"state", required_argument, NULL, OPT_STATE},
	    {"lists", required_argument, NULL, OPT_LISTS},
	    {"screen-text", required_argument, NULL, OPT_SCREEN_TEXT},
	    {"hits-out", required_argument, NULL, OPT_HITS_OUT},
	    {"inject", required_argument, NULL, OPT_INJECT},
	    {"upload-user", required_argument, NULL, OPT_UPLOAD_USER},
	    {"server-key", required_argument, NULL, OPT_SERVER_KEY},
	    {"machine", required_argument, NULL, OPT_MACHINE},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, OPT_VERSION},
	    {NULL, 0, NULL, 0},
	};
	int c, r = 0;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":c:fh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			r = set_string(&cfg->config_path, optarg);
			break;
		case OPT_DISPLAY:
			r = set_string(&cfg->display, optarg);
			break;
		case OPT_USER:
			r = set_string(&cfg->user, optarg);
			break;
		case 'f':
			cfg->foreground = true;
			break;
		case OPT_LOG_LEVEL:
			if (log_level_parse(optarg, &cfg->log_level) < 0) {
				seterr(
				    err, errlen,
				    "--log-level: unknown level \"%s\" (expected error, warning, "
				    "info or debug)",
				    optarg);
				return -EINVAL;
			}
			cfg->from_flags |= CONFIG_SET_LOG_LEVEL;
			break;
		case OPT_SERVER:
			r = set_string(&cfg->server, optarg);
			break;
		case OPT_ENROL_KEY:
			r = set_string(&cfg->enrol_key, optarg);
			/* ps and /proc/PID/cmdline show argv: the key is wiped from it */
			explicit_bzero(optarg, strlen(optarg));
			break;
		case OPT_SPOOL:
			r = set_string(&cfg->spool, optarg);
			break;
		case OPT_STATE:
			r = set_string(&cfg->state, optarg);
			break;
		case OPT_LISTS:
			r = set_string(&cfg->lists, optarg);
			break;
		case OPT_SCREEN_TEXT:
			if (config_screen_text_parse(optarg, &cfg->screen_text) < 0) {
				seterr(
				    err, errlen,
				    "--screen-text: unknown value \"%s\" (expected off, atspi, ocr "
				    "or all)",
				    optarg);
				return -EINVAL;
			}
			cfg->from_flags |= CONFIG_SET_SCREEN_TEXT;
			break;
		case OPT_HITS_OUT:
			r = set_string(&cfg->hits_out, optarg);
			break;
		case OPT_INJECT:
			r = set_string(&cfg->inject, optarg);
			break;
		case OPT_UPLOAD_USER:
			r = set_string(&cfg->upload_user, optarg);
			break;
		case OPT_SERVER_KEY:
			r = set_string(&cfg->server_key, optarg);
			break;
		case OPT_MACHINE:
			r = set_string(&cfg->machine, optarg);
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 1;
		case OPT_VERSION:
			puts("vigil-agent " VIGIL_VERSION);
			return 1;
		case ':':
			seterr(err, errlen, "%s needs a value\n%s", argv[optind - 1], usage_text);
			return -EINVAL;
		default:
			seterr(err, errlen, "unknown option %s\n%s", argv[optind - 1], usage_text);
			return -EINVAL;
		}
		if (r < 0) {
			seterr(err, errlen, "out of memory");
			return r;
		}
	}
	if (optind < argc) {
		seterr(err, errlen, "unexpected argument \"%s\"\n%s", argv[optind], usage_text);
		return -EINVAL;
	}
	if (cfg->user && !cfg->display) {
		seterr(err, errlen, "--user is only meaningful with --display");
		return -EINVAL;
	}
	return 0;
}

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/* A string setting: the flag wins when given. */
static int file_string(char **slot, const char *value)
{
	if (*slot)
		return 0;
	return set_string(slot, value);
}

static int file_int(int *slot, const char *value, int min, int max, const char *key, char *msg,
                    size_t msglen)
{
	if (parse_int(value, min, max, slot) < 0) {
		snprintf(msg, msglen, "%s: \"%s\" is not a number from %d to %d", key, value, min,
		         max);
		return -EINVAL;
	}
	return 0;
}

/*
 * The enrolment key from path: its first line, the file readable by its owner only
 * (0600 or stricter) and not a symbolic link. Never overrides --enrol-key.
 */
static int key_file(char **slot, const char *path, char *msg, size_t msglen)
{
	char buf[AGENT_CONFIG_MAX_VALUE + 2];
	struct stat st;
	ssize_t n;
	size_t len;
	int fd;

	if (*slot)
		return 0;
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
	if (len == 0 || len > AGENT_CONFIG_MAX_VALUE) {
		snprintf(msg, msglen, "enrol-key-file %s: the first line must hold the key", path);
		explicit_bzero(buf, sizeof(buf));
		return -EINVAL;
	}
	n = set_string(slot, buf);
	explicit_bzero(buf, sizeof(buf));
	return (int)n;
}

/* Applies one "key = value" line. 0, or -EINVAL/-ENOMEM with the message in msg. */
static int apply_setting(struct agent_config *cfg, const char *key, const char *value, char *msg,
                         size_t msglen)
{
	static const struct {
		const char *key;
		size_t offset;
	} strings[] = {
	    {"server", offsetof(struct agent_config, server)},
	    {"enrol-key", offsetof(struct agent_config, enrol_key)},
	    {"ca-file", offsetof(struct agent_config, ca_file)},
	    {"spool", offsetof(struct agent_config, spool)},
	    {"state", offsetof(struct agent_config, state)},
	    {"lists", offsetof(struct agent_config, lists)},
	    {"hits-out", offsetof(struct agent_config, hits_out)},
	    {"run-as", offsetof(struct agent_config, run_as)},
	    {"upload-user", offsetof(struct agent_config, upload_user)},
	    {"server-key", offsetof(struct agent_config, server_key)},
	    {"pinned-public-key", offsetof(struct agent_config, pinned_key)},
	    {"machine", offsetof(struct agent_config, machine)},
	};

	for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
		if (strcmp(key, strings[i].key) == 0)
			return file_string((char **)((char *)cfg + strings[i].offset), value);
	}
	if (strcmp(key, "log-level") == 0) {
		enum log_level level;

		if (log_level_parse(value, &level) < 0) {
			snprintf(msg, msglen, "log-level: unknown level \"%s\"", value);
			return -EINVAL;
		}
		if (!(cfg->from_flags & CONFIG_SET_LOG_LEVEL))
			cfg->log_level = level;
		return 0;
	}
	if (strcmp(key, "screen-text") == 0) {
		enum screen_text st;

		if (config_screen_text_parse(value, &st) < 0) {
			snprintf(
			    msg, msglen,
			    "screen-text: unknown value \"%s\" (expected off, atspi, ocr or all)",
			    value);
			return -EINVAL;
		}
		if (!(cfg->from_flags & CONFIG_SET_SCREEN_TEXT))
			cfg->screen_text = st;
		return 0;
	}
	if (strcmp(key, "enrol-key-file") == 0)
		return key_file(&cfg->enrol_key, value, msg, msglen);
	if (strcmp(key, "tamper-severity") == 0)
		return file_int(&cfg->tamper_severity, value, 1, 5, key, msg, msglen);
	if (strcmp(key, "debounce-seconds") == 0)
		return file_int(&cfg->debounce_seconds, value, 0, 86400, key, msg, msglen);
	if (strcmp(key, "moment-seconds") == 0)
		return file_int(&cfg->moment_seconds, value, 0, 60, key, msg, msglen);
	if (strcmp(key, "idle-flush-ms") == 0)
		return file_int(&cfg->idle_flush_ms, value, 50, 60000, key, msg, msglen);
	if (strcmp(key, "clipboard-max-bytes") == 0)
		return file_int(&cfg->clipboard_max_bytes, value, 0, (int)AGENT_CLIP_MAX_BYTES, key,
		                msg, msglen);
	if (strcmp(key, "heartbeat-seconds") == 0)
		return file_int(&cfg->heartbeat_seconds, value, 1, 86400, key, msg, msglen);
	if (strcmp(key, "lists-poll-seconds") == 0)
		return file_int(&cfg->lists_poll_seconds, value, 1, 86400, key, msg, msglen);
	if (strcmp(key, "retry-max-seconds") == 0)
		return file_int(&cfg->retry_max_seconds, value, 1, 86400, key, msg, msglen);
	if (strcmp(key, "spool-retry-ms") == 0)
		return file_int(&cfg->spool_retry_ms, value, 100, 3600000, key, msg, msglen);
	if (strcmp(key, "spool-max-bytes") == 0) {
		int64_t v;

		if (parse_int64(value, 4096, INT64_MAX / 2, &v) < 0) {
			snprintf(msg, msglen, "%s: \"%s\" is not a number of bytes (4096 or more)",
			         key, value);
			return -EINVAL;
		}
		cfg->spool_max_bytes = v;
		return 0;
	}
	snprintf(msg, msglen, "unknown setting \"%s\"", key);
	return -EINVAL;
}

/* Parses the text of a configuration file (NUL-terminated, modified in place). */
static int parse_text(struct agent_config *cfg, const char *path, char *text, char *err,
                      size_t errlen)
{
	char msg[512];
	unsigned lineno = 0;
	char *line = text, *next;

	for (; line; line = next) {
		char *eq, *key, *value;
		int r;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		line = trim(line);
		if (*line == '\0' || *line == '#')
			continue;
		eq = strchr(line, '=');
		if (!eq) {
			seterr(err, errlen, "%s:%u: expected \"key = value\"", path, lineno);
			return -EINVAL;
		}
		*eq = '\0';
		key = trim(line);
		value = trim(eq + 1);
		if (strlen(value) > AGENT_CONFIG_MAX_VALUE) {
			seterr(err, errlen, "%s:%u: value of %s longer than %u bytes", path, lineno,
			       key, AGENT_CONFIG_MAX_VALUE);
			return -EINVAL;
		}
		r = apply_setting(cfg, key, value, msg, sizeof(msg));
		if (r < 0) {
			if (r == -ENOMEM)
				seterr(err, errlen, "out of memory");
			else
				seterr(err, errlen, "%s:%u: %s", path, lineno, msg);
			return r;
		}
	}
	return 0;
}

int config_load(struct agent_config *cfg, char *err, size_t errlen)
{
	const char *path = cfg->config_path ? cfg->config_path : AGENT_DEFAULT_CONFIG;
	char *text;
	size_t len;
	FILE *f;
	int r;

	f = fopen(path, "re");
	if (!f) {
		r = -errno;
		if (r == -ENOENT && !cfg->config_path)
			return 0;
		seterr(err, errlen, "%s: %s", path, strerror(-r));
		return r;
	}
	text = malloc(AGENT_CONFIG_MAX_BYTES + 1);
	if (!text) {
		fclose(f);
		seterr(err, errlen, "out of memory");
		return -ENOMEM;
	}
	len = fread(text, 1, AGENT_CONFIG_MAX_BYTES + 1, f);
	if (ferror(f)) {
		r = -EIO;
		seterr(err, errlen, "%s: read error", path);
		goto out;
	}
	if (len > AGENT_CONFIG_MAX_BYTES) {
		r = -EFBIG;
		seterr(err, errlen, "%s: larger than %u bytes", path, AGENT_CONFIG_MAX_BYTES);
		goto out;
	}
	if (memchr(text, '\0', len)) {
		r = -EINVAL;
		seterr(err, errlen, "%s: contains a NUL byte", path);
		goto out;
	}
	text[len] = '\0';
	r = parse_text(cfg, path, text, err, errlen);
out:
	explicit_bzero(text, len);
	free(text);
	fclose(f);
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
			seterr(err, errlen, "server \"%s\": expected an https:// URL", s);
			return -EINVAL;
		}
		if (strcmp(scheme, "http") == 0 && !url_host_is_loopback(host)) {
			seterr(err, errlen,
			       "server \"%s\": plain http:// is accepted only for a loopback "
			       "address (host \"%s\"); use https://",
			       s, host);
			return -EINVAL;
		}
	}
	if (cfg->display && (cfg->display[0] != ':' || cfg->display[1] == '\0')) {
		seterr(err, errlen, "--display \"%s\": expected a local display such as :0",
		       cfg->display);
		return -EINVAL;
	}
	return 0;
}
