/* settings.h: one table of settings drives a program's configuration file, flags and --help. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "log.h" /* SETTING_LOG_LEVEL */

/*
 * A program describes each setting once, in a table of struct setting: its key (the
 * file's "key = value" and the flag --key VALUE), its type, where it lives in the
 * program's configuration struct, its range and default, and a line of help. The same
 * table fills the defaults, reads the file, parses the command line, prints --help and
 * frees the strings. A table holds at most SETTINGS_MAX entries (one bit each in the
 * "given on the command line" mask).
 */
#define SETTINGS_MAX   64
#define SETTING_NO_MAX INT64_MAX /* numbers: no upper bound ("N or more") */

struct setting;

/*
 * How one kind of value is parsed, stored and shown. parse() stores the value of text
 * into field (the setting's place in the struct) and returns 0, -ENOMEM, or -EINVAL
 * with "key: what was wrong" in msg, field untouched. init() stores the default (0 or
 * -ENOMEM); clear() frees what the field owns (NULL: nothing); show() writes a value
 * of this type (a bound, the default) as --help and errors show it (NULL: the type
 * has no number range or number default).
 */
struct setting_type {
	int (*parse)(const struct setting *s, const char *text, void *field, char *msg,
	             size_t msglen);
	int (*init)(const struct setting *s, void *field);
	void (*clear)(void *field);
	void (*show)(const struct setting *s, int64_t v, char *buf, size_t len);
	bool ranged;      /* min and max apply: --help shows them */
	bool secret;      /* the value is wiped from argv and from memory when freed */
	size_t size;      /* numbers, yes/no, enums: bytes of the field */
	const char *noun; /* numbers: what a bad value "is not" ("a byte count") */
};

/* A name of an enumerated setting and the value it stands for. */
struct setting_choice {
	const char *name;
	int value;
};

enum {
	SETTING_CLI = 1u << 0,   /* a flag only: not a key of the file */
	SETTING_NOARG = 1u << 1, /* a flag that takes no value: sets a bool to true */
};

struct setting {
	const char *key; /* file key and flag name (--key) */
	const struct setting_type *type;
	size_t offset;                        /* of the field in the configuration struct */
	int64_t min, max;                     /* numbers: the accepted range */
	int64_t def;                          /* numbers, enums: the default */
	const char *def_str;                  /* strings: the default (NULL: unset) */
	const char *arg;                      /* --help: what the value is ("DIR", "N") */
	const char *help;                     /* --help: one phrase */
	const char *def_note;                 /* --help: a default worked out elsewhere */
	const struct setting_choice *choices; /* enums: NULL-terminated */
	unsigned flags;                       /* SETTING_* */
	char short_name;                      /* a one-letter flag, or 0 */
};

/* Rows for the usual cases; any other member is written out with designated initialisers. */
#define SETTING_NUMBER(k, t, off, lo, hi, d, a, h)                                                 \
	{                                                                                          \
		.key = k, .type = &t, .offset = off, .min = lo, .max = hi, .def = d, .arg = a,     \
		.help = h                                                                          \
	}
#define SETTING_TEXT(k, t, off, a, h)                                                              \
	{                                                                                          \
		.key = k, .type = &t, .offset = off, .arg = a, .help = h                           \
	}
#define SETTING_LOG_LEVEL(off)                                                                     \
	{                                                                                          \
		.key = "log-level", .type = &setting_log_level, .offset = off,                     \
		.def = LOG_LEVEL_INFO, .arg = "error|warning|info|debug",                          \
		.help = "most verbose messages logged"                                             \
	}

/* A program's table and its name (in messages). */
struct settings {
	const char *prog;
	const struct setting *table;
	size_t n;
};

/* The types every program can use. */
extern const struct setting_type setting_string;    /* char *, any text */
extern const struct setting_type setting_path;      /* char *, not empty */
extern const struct setting_type setting_secret;    /* char *, wiped from argv and memory */
extern const struct setting_type setting_int;       /* int within [min, max] */
extern const struct setting_type setting_uint;      /* unsigned int within [min, max] */
extern const struct setting_type setting_bytes;     /* size_t, a byte count within [min, max] */
extern const struct setting_type setting_bool;      /* bool: yes/no, true/false, 1/0 */
extern const struct setting_type setting_enum;      /* int, one of choices */
extern const struct setting_type setting_log_level; /* enum log_level */
extern const struct setting_type setting_clock;     /* unsigned int minutes, "HH:MM" */
extern const struct setting_type setting_ip;        /* char *, an IP address, normalised */
extern const struct setting_type setting_listen;    /* char *, "ADDR:PORT" (netaddr.h) */

/* Fills every setting of obj with its default. 0 or -ENOMEM. */
int settings_init(const struct settings *set, void *obj);

/* Frees the strings of obj (wiping secrets) and leaves them NULL. */
void settings_clear(const struct settings *set, void *obj);

/*
 * Sets the setting called key (file keys only unless cli) to text. Returns its index,
 * -ENOENT for an unknown key, -EINVAL with "key: message" in msg, or -ENOMEM.
 */
int settings_set(const struct settings *set, void *obj, const char *key, const char *text, bool cli,
                 char *msg, size_t msglen);

/*
 * Parses the flags of argv from argv[1] up to the first argument that is not one, which
 * is returned in *first (argc when none). Each flag's index is set in *given. Returns
 * 0, SETTINGS_HELP (--help, -h), SETTINGS_VERSION (--version), or -EINVAL/-ENOMEM
 * with the message in err ("--key: message", "unknown option --x").
 */
#define SETTINGS_HELP    1
#define SETTINGS_VERSION 2
int settings_parse_args(const struct settings *set, void *obj, int argc, char **argv, int *first,
                        uint64_t *given, char *err, size_t errlen);

/*
 * Reads "key = value" lines ('#' comments, blank lines) from path into obj, leaving
 * alone each setting whose field a flag in given has set. The file is at most
 * VIGIL_CONFIG_MAX_BYTES, each value VIGIL_CONFIG_MAX_VALUE. Returns 0, or -errno with
 * "path: reason" or "path:LINE: message" in err.
 */
int settings_load(const struct settings *set, void *obj, const char *path, uint64_t given,
                  char *err, size_t errlen);

/* Prints every setting, "--key ARG  help (range; default)", wrapped for a terminal. */
void settings_usage(const struct settings *set, FILE *f);
