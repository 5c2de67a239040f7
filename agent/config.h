/* config.h: vigil-agent settings from /etc/vigil/agent.conf, overridden by command-line flags. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "log.h"

#define AGENT_DEFAULT_CONFIG "/etc/vigil/agent.conf"

enum screen_text {
	SCREEN_TEXT_OFF,
	SCREEN_TEXT_ATSPI,
	SCREEN_TEXT_OCR,
	SCREEN_TEXT_ALL,
};

/*
 * All settings; strings are owned by the struct (config_free()). A NULL string means
 * "not set". Fields map one to one to the file's keys and the flags: the table in
 * config.c (see docs/agent.md, vigil-agent --help).
 */
struct agent_config {
	char *config_path; /* --config */
	char *display;     /* --display :N: monitor this display only */
	char *wayland;     /* --wayland SOCKET: monitor this Wayland session only */
	char *user;        /* --user NAME: who the display or session belongs to */
	bool foreground;
	enum log_level log_level;
	char *server;    /* server = https://... */
	char *enrol_key; /* enrol-key = ..., or the first line of enrol-key-file */
	char *ca_file;   /* ca-file = ... */
	char *spool;     /* spool = DIR */
	char *state;     /* state = DIR */
	char *lists;     /* lists = DIR: local phrase lists instead of the server's bundle */
	enum screen_text screen_text;
	char *hits_out;          /* hits-out = FILE: test/demo aid, holds pupil text */
	char *run_as;            /* run-as = USER: system user the monitors drop to */
	int debounce_seconds;    /* same rule, same window: one hit per interval */
	int tamper_severity;     /* of captures made when monitoring was interrupted */
	int moment_seconds;      /* hits of a window this soon after the first: one capture */
	int idle_flush_ms;       /* typing pause that reports a phrase at the segment end */
	int clipboard_max_bytes; /* clipboard text scanned */
	char *upload_user;       /* upload-user = USER: the uploader's system user */
	char *server_key;        /* server-key = base64 Ed25519 key that signs the lists */
	char *pinned_key;        /* pinned-public-key = curl pin (sha256//...) of the server */
	char *machine;           /* machine = NAME in records (default: the host name) */
	char *inject;            /* --inject FIFO: test aid, text lines scanned as typed */
	size_t spool_max_bytes;  /* spool-max-bytes */
	int heartbeat_seconds;   /* heartbeat-seconds */
	int lists_poll_seconds;  /* lists-poll-seconds */
	int retry_max_seconds;   /* retry-max-seconds: ceiling of the upload back-off */
	int spool_retry_ms;      /* spool-retry-ms: held captures retried this often */
	uint64_t given;          /* settings given on the command line: the file leaves them */
};

/* Fills cfg with the defaults. 0 or -ENOMEM (cfg can be freed either way). */
int config_init(struct agent_config *cfg);

/*
 * Parses the command line into cfg (flags only; the file is read by config_load()).
 * Returns 0, 1 when the program should exit successfully (--help, --version), or
 * -EINVAL with a message written to err.
 */
int config_parse_args(struct agent_config *cfg, int argc, char **argv, char *err, size_t errlen);

/*
 * Reads the file named by cfg->config_path (the default path when unset) and fills the
 * settings that were not given as flags. A missing default file is not an error; a
 * missing file named with --config is. Returns 0 or a negative errno with
 * "FILE:LINE: message" in err.
 */
int config_load(struct agent_config *cfg, char *err, size_t errlen);

/* Checks the settings hang together (server URL scheme, ...). 0 or -EINVAL with err. */
int config_check(const struct agent_config *cfg, char *err, size_t errlen);

void config_free(struct agent_config *cfg);

/* "off", "atspi", "ocr" or "all". */
const char *config_screen_text_name(enum screen_text st);
