/* settings.c: one table of settings drives a program's configuration file, flags and --help. */
#include "settings.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "netaddr.h"
#include "parse.h"
#include "vigil-limits.h"

#define FIELD(obj, s) ((void *)((char *)(obj) + (s)->offset))

static void seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* --- strings ------------------------------------------------------------ */

/* Replaces *slot with a copy of value. 0 or -ENOMEM. */
static int set_copy(char **slot, const char *value)
{
	char *copy = strdup(value);

	if (!copy)
		return -ENOMEM;
	free(*slot);
	*slot = copy;
	return 0;
}

static int string_parse(const struct setting *s, const char *text, void *field, char *msg,
                        size_t msglen)
{
	return set_copy(field, text);
}

static int string_init(const struct setting *s, void *field)
{
	*(char **)field = NULL;
	return s->def_str ? set_copy(field, s->def_str) : 0;
}

static void string_clear(void *field)
{
	free(*(char **)field);
	*(char **)field = NULL;
}

static void secret_clear(void *field)
{
	char *p = *(char **)field;

	if (p)
		explicit_bzero(p, strlen(p));
	string_clear(field);
}

static int path_parse(const struct setting *s, const char *text, void *field, char *msg,
                      size_t msglen)
{
	if (*text == '\0') {
		seterr(msg, msglen, "%s: a path cannot be empty", s->key);
		return -EINVAL;
	}
	return set_copy(field, text);
}

const struct setting_type setting_string = {
    .parse = string_parse, .init = string_init, .clear = string_clear};
const struct setting_type setting_path = {
    .parse = path_parse, .init = string_init, .clear = string_clear};
const struct setting_type setting_secret = {
    .parse = string_parse, .init = string_init, .clear = secret_clear, .secret = true};

/* --- numbers ------------------------------------------------------------ */

static void show_number(const struct setting *s, int64_t v, char *buf, size_t len)
{
	snprintf(buf, len, "%lld", (long long)v);
}

/* Whole KiB, MiB and GiB as such ("16 MiB"), other counts in bytes. */
static void show_bytes(const struct setting *s, int64_t v, char *buf, size_t len)
{
	static const char *const units[] = {"GiB", "MiB", "KiB"};

	for (int i = 0; i < 3; i++) {
		int64_t unit = (int64_t)1 << (10 * (3 - i));

		if (v >= unit && v % unit == 0) {
			snprintf(buf, len, "%lld %s", (long long)(v / unit), units[i]);
			return;
		}
	}
	show_number(s, v, buf, len);
}

/* "from MIN to MAX" or "(MIN or more)": the range as messages and --help say it. */
static void show_range(const struct setting *s, const char *sep, char *buf, size_t len)
{
	char lo[32], hi[32];

	s->type->show(s, s->min, lo, sizeof(lo));
	if (s->max == SETTING_NO_MAX) {
		snprintf(buf, len, "%s or more", lo);
		return;
	}
	s->type->show(s, s->max, hi, sizeof(hi));
	snprintf(buf, len, "%s%s to %s", sep, lo, hi);
}

/* Parses text within the setting's range; "key: "text" is not WHAT ..." on error. */
static int parse_ranged(const struct setting *s, const char *text, const char *what, int64_t *out,
                        char *msg, size_t msglen)
{
	char range[96];

	if (parse_int64(text, s->min, s->max, out) == 0)
		return 0;
	if (s->max == SETTING_NO_MAX) {
		show_range(s, "", range, sizeof(range));
		seterr(msg, msglen, "%s: \"%s\" is not %s (%s)", s->key, text, what, range);
	} else {
		show_range(s, "from ", range, sizeof(range));
		seterr(msg, msglen, "%s: \"%s\" is not %s %s", s->key, text, what, range);
	}
	return -EINVAL;
}

_Static_assert(sizeof(int) == sizeof(int32_t), "int fields are stored as int32_t");

/* Stores v in a field of size bytes: int, unsigned int, size_t, bool or an enum. */
static void store(void *field, size_t size, int64_t v)
{
	if (size == sizeof(int64_t)) {
		int64_t x = v;
		memcpy(field, &x, size);
	} else if (size == sizeof(int32_t)) {
		int32_t x = (int32_t)v; /* int and unsigned int alike, as the range allows */
		memcpy(field, &x, size);
	} else {
		*(bool *)field = v != 0;
	}
}

static int number_parse(const struct setting *s, const char *text, void *field, char *msg,
                        size_t msglen)
{
	int64_t v;

	if (parse_ranged(s, text, s->type->noun, &v, msg, msglen) < 0)
		return -EINVAL;
	store(field, s->type->size, v);
	return 0;
}

static int number_init(const struct setting *s, void *field)
{
	store(field, s->type->size, s->def);
	return 0;
}

const struct setting_type setting_int = {.parse = number_parse,
                                         .init = number_init,
                                         .show = show_number,
                                         .ranged = true,
                                         .size = sizeof(int),
                                         .noun = "a number"};
const struct setting_type setting_uint = {.parse = number_parse,
                                          .init = number_init,
                                          .show = show_number,
                                          .ranged = true,
                                          .size = sizeof(unsigned int),
                                          .noun = "a number"};
const struct setting_type setting_bytes = {.parse = number_parse,
                                           .init = number_init,
                                           .show = show_bytes,
                                           .ranged = true,
                                           .size = sizeof(size_t),
                                           .noun = "a byte count"};

/* --- yes or no, one of names, a log level, a time of day ----------------- */

static int bool_parse(const struct setting *s, const char *text, void *field, char *msg,
                      size_t msglen)
{
	static const char *const yes[] = {"yes", "true", "1"}, *const no[] = {"no", "false", "0"};

	for (size_t i = 0; i < 3; i++) {
		if (strcmp(text, yes[i]) == 0 || strcmp(text, no[i]) == 0) {
			store(field, s->type->size, strcmp(text, yes[i]) == 0);
			return 0;
		}
	}
	seterr(msg, msglen, "%s: \"%s\" is not yes or no", s->key, text);
	return -EINVAL;
}

static void show_bool(const struct setting *s, int64_t v, char *buf, size_t len)
{
	snprintf(buf, len, "%s", v ? "yes" : "no");
}

/* "a, b, c or d": the names of an enum's choices. */
static void choice_list(const struct setting *s, char *buf, size_t len)
{
	size_t n = 0, used = 0;

	while (s->choices[n].name)
		n++;
	buf[0] = '\0';
	for (size_t i = 0; i < n && used < len; i++) {
		const char *sep = i == 0 ? "" : i + 1 == n ? " or " : ", ";
		int w = snprintf(buf + used, len - used, "%s%s", sep, s->choices[i].name);

		used += w > 0 ? (size_t)w : 0;
	}
}

static int enum_parse(const struct setting *s, const char *text, void *field, char *msg,
                      size_t msglen)
{
	char names[128];

	for (size_t i = 0; s->choices[i].name; i++) {
		if (strcmp(text, s->choices[i].name) == 0) {
			store(field, s->type->size, s->choices[i].value);
			return 0;
		}
	}
	choice_list(s, names, sizeof(names));
	seterr(msg, msglen, "%s: unknown value \"%s\" (expected %s)", s->key, text, names);
	return -EINVAL;
}

static void show_enum(const struct setting *s, int64_t v, char *buf, size_t len)
{
	for (size_t i = 0; s->choices[i].name; i++) {
		if (s->choices[i].value == v) {
			snprintf(buf, len, "%s", s->choices[i].name);
			return;
		}
	}
	show_number(s, v, buf, len);
}

static int log_level_parse_setting(const struct setting *s, const char *text, void *field,
                                   char *msg, size_t msglen)
{
	if (log_level_parse(text, field) == 0)
		return 0;
	seterr(msg, msglen, "%s: unknown level \"%s\" (expected error, warning, info or debug)",
	       s->key, text);
	return -EINVAL;
}

static void show_log_level(const struct setting *s, int64_t v, char *buf, size_t len)
{
	snprintf(buf, len, "%s", log_level_name((enum log_level)v));
}

/* "HH:MM" as minutes after midnight. */
static int clock_parse(const struct setting *s, const char *text, void *field, char *msg,
                       size_t msglen)
{
	char hours[3] = {0};
	int hh, mm;

	if (strlen(text) == 5 && text[2] == ':')
		memcpy(hours, text, 2);
	if (parse_int(hours, 0, 23, &hh) < 0 || parse_int(text + 3, 0, 59, &mm) < 0) {
		seterr(msg, msglen, "%s: \"%s\" is not a time like 07:00", s->key, text);
		return -EINVAL;
	}
	store(field, s->type->size, hh * 60 + mm);
	return 0;
}

static void show_clock(const struct setting *s, int64_t v, char *buf, size_t len)
{
	snprintf(buf, len, "%02d:%02d", (int)(v / 60), (int)(v % 60));
}

const struct setting_type setting_bool = {
    .parse = bool_parse, .init = number_init, .show = show_bool, .size = sizeof(bool)};
const struct setting_type setting_enum = {
    .parse = enum_parse, .init = number_init, .show = show_enum, .size = sizeof(int)};
const struct setting_type setting_log_level = {.parse = log_level_parse_setting,
                                               .init = number_init,
                                               .show = show_log_level,
                                               .size = sizeof(enum log_level)};
const struct setting_type setting_clock = {
    .parse = clock_parse, .init = number_init, .show = show_clock, .size = sizeof(unsigned int)};

/* --- addresses ---------------------------------------------------------- */

/* An IPv4 or IPv6 address, stored as peers are written (netaddr_normalise_ip()). */
static int ip_parse(const struct setting *s, const char *text, void *field, char *msg,
                    size_t msglen)
{
	char norm[64];

	if (netaddr_normalise_ip(text, norm, sizeof(norm)) < 0) {
		seterr(msg, msglen, "%s: \"%s\" is not an IP address", s->key, text);
		return -EINVAL;
	}
	return set_copy(field, norm);
}

static int listen_parse(const struct setting *s, const char *text, void *field, char *msg,
                        size_t msglen)
{
	struct sockaddr_storage ss;
	socklen_t len;

	if (netaddr_parse_listen(text, &ss, &len) < 0) {
		seterr(msg, msglen,
		       "%s: \"%s\" is not ADDR:PORT, [IPV6-ADDR]:PORT or :PORT (a port from 0 "
		       "to 65535)",
		       s->key, text);
		return -EINVAL;
	}
	return set_copy(field, text);
}

const struct setting_type setting_ip = {
    .parse = ip_parse, .init = string_init, .clear = string_clear};
const struct setting_type setting_listen = {
    .parse = listen_parse, .init = string_init, .clear = string_clear};

/* --- the table ---------------------------------------------------------- */

int settings_init(const struct settings *set, void *obj)
{
	for (size_t i = 0; i < set->n; i++) {
		const struct setting *s = &set->table[i];

		if (s->type->init && s->type->init(s, FIELD(obj, s)) < 0)
			return -ENOMEM;
	}
	return 0;
}

void settings_clear(const struct settings *set, void *obj)
{
	for (size_t i = 0; i < set->n; i++) {
		const struct setting *s = &set->table[i];

		if (s->type->clear)
			s->type->clear(FIELD(obj, s));
	}
}

static const struct setting *find(const struct settings *set, const char *key, bool cli)
{
	for (size_t i = 0; i < set->n; i++) {
		const struct setting *s = &set->table[i];

		if (strcmp(s->key, key) == 0 && (cli || !(s->flags & SETTING_CLI)))
			return s;
	}
	return NULL;
}

int settings_set(const struct settings *set, void *obj, const char *key, const char *text, bool cli,
                 char *msg, size_t msglen)
{
	const struct setting *s = find(set, key, cli);
	int r;

	if (!s) {
		seterr(msg, msglen, "unknown setting \"%s\"", key);
		return -ENOENT;
	}
	r = s->type->parse(s, text, FIELD(obj, s), msg, msglen);
	if (r == -ENOMEM)
		seterr(msg, msglen, "out of memory");
	return r < 0 ? r : (int)(s - set->table);
}

/* The option values of getopt_long: a setting's index above every character. */
#define OPT_BASE    1000
#define OPT_HELP    'h'
#define OPT_VERSION (OPT_BASE - 1)

/* getopt_long's description of the table; optstring gets "+:h" and the short names. */
static void build_options(const struct settings *set, struct option *opts, char *optstring,
                          size_t optlen)
{
	size_t k = 0, used = 0;

	used += (size_t)snprintf(optstring, optlen, "+:h");
	for (size_t i = 0; i < set->n; i++) {
		const struct setting *s = &set->table[i];
		bool arg = !(s->flags & SETTING_NOARG);

		opts[k++] = (struct option){s->key, arg ? required_argument : no_argument, NULL,
		                            OPT_BASE + (int)i};
		if (s->short_name && used + 3 < optlen) {
			optstring[used++] = s->short_name;
			if (arg)
				optstring[used++] = ':';
			optstring[used] = '\0';
		}
	}
	opts[k++] = (struct option){"help", no_argument, NULL, OPT_HELP};
	opts[k++] = (struct option){"version", no_argument, NULL, OPT_VERSION};
	opts[k] = (struct option){NULL, 0, NULL, 0};
}

/* Applies one flag; a secret is wiped from argv (ps and /proc/PID/cmdline show it). */
static int apply_flag(const struct setting *s, void *obj, char *value, char *err, size_t errlen)
{
	char msg[512];
	int r;

	if (s->flags & SETTING_NOARG) {
		*(bool *)FIELD(obj, s) = true;
		return 0;
	}
	r = s->type->parse(s, value, FIELD(obj, s), msg, sizeof(msg));
	if (s->type->secret)
		explicit_bzero(value, strlen(value));
	if (r == -ENOMEM)
		seterr(err, errlen, "out of memory");
	else if (r < 0)
		seterr(err, errlen, "--%s", msg);
	return r;
}

int settings_parse_args(const struct settings *set, void *obj, int argc, char **argv, int *first,
                        uint64_t *given, char *err, size_t errlen)
{
	struct option opts[SETTINGS_MAX + 3];
	char optstring[3 * SETTINGS_MAX + 4];
	int c, r;

	if (set->n > SETTINGS_MAX) {
		seterr(err, errlen, "%s: more than %d settings", set->prog, SETTINGS_MAX);
		return -EINVAL;
	}
	build_options(set, opts, optstring, sizeof(optstring));
	opterr = 0;
	optind = 0; /* glibc: start afresh (a second parse, another argv) */
	while ((c = getopt_long(argc, argv, optstring, opts, NULL)) != -1) {
		const struct setting *s = NULL;

		if (c == OPT_HELP)
			return SETTINGS_HELP;
		if (c == OPT_VERSION)
			return SETTINGS_VERSION;
		if (c == ':') {
			seterr(err, errlen, "%s needs a value", argv[optind - 1]);
			return -EINVAL;
		}
		if (c >= OPT_BASE)
			s = &set->table[c - OPT_BASE];
		for (size_t i = 0; !s && i < set->n; i++) {
			if (c != '?' && set->table[i].short_name == c)
				s = &set->table[i];
		}
		if (!s && c == '?' && optopt >= OPT_BASE) {
			seterr(err, errlen, "--%s takes no value",
			       set->table[optopt - OPT_BASE].key);
			return -EINVAL;
		}
		if (!s) {
			seterr(err, errlen, "unknown option %s (see %s --help)", argv[optind - 1],
			       set->prog);
			return -EINVAL;
		}
		r = apply_flag(s, obj, optarg, err, errlen);
		if (r < 0)
			return r;
		*given |= (uint64_t)1 << (s - set->table);
	}
	*first = optind;
	return 0;
}

/* True when a flag in given has set the field of s (through s or another key). */
static bool given_field(const struct settings *set, const struct setting *s, uint64_t given)
{
	for (size_t i = 0; i < set->n; i++) {
		if ((given & ((uint64_t)1 << i)) && set->table[i].offset == s->offset)
			return true;
	}
	return false;
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

/* Applies one "key = value" line of path; errors as "path:LINE: message". */
static int load_line(const struct settings *set, void *obj, const char *path, unsigned lineno,
                     char *line, uint64_t given, char *err, size_t errlen)
{
	char msg[512];
	char *eq = strchr(line, '='), *key, *value;
	const struct setting *s;
	int r;

	if (!eq) {
		seterr(err, errlen, "%s:%u: expected \"key = value\"", path, lineno);
		return -EINVAL;
	}
	*eq = '\0';
	key = trim(line);
	value = trim(eq + 1);
	if (strlen(value) > VIGIL_CONFIG_MAX_VALUE) {
		seterr(err, errlen, "%s:%u: value of %s longer than %u bytes", path, lineno, key,
		       VIGIL_CONFIG_MAX_VALUE);
		return -EINVAL;
	}
	s = find(set, key, false);
	if (s && given_field(set, s, given))
		return 0; /* the command line wins */
	r = settings_set(set, obj, key, value, false, msg, sizeof(msg));
	if (r == -ENOMEM) {
		seterr(err, errlen, "out of memory");
		return r;
	}
	if (r < 0) {
		seterr(err, errlen, "%s:%u: %s", path, lineno, msg);
		return -EINVAL; /* an unknown key too: -ENOENT is a missing file */
	}
	return 0;
}

static int load_text(const struct settings *set, void *obj, const char *path, char *text,
                     uint64_t given, char *err, size_t errlen)
{
	unsigned lineno = 0;

	for (char *line = text, *next; line; line = next) {
		int r;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		line = trim(line);
		if (*line == '\0' || *line == '#')
			continue;
		r = load_line(set, obj, path, lineno, line, given, err, errlen);
		if (r < 0)
			return r;
	}
	return 0;
}

int settings_load(const struct settings *set, void *obj, const char *path, uint64_t given,
                  char *err, size_t errlen)
{
	char *text;
	size_t len = 0;
	FILE *f;
	int r;

	f = fopen(path, "re");
	if (!f) {
		r = -errno;
		seterr(err, errlen, "%s: %s", path, strerror(-r));
		return r;
	}
	text = malloc(VIGIL_CONFIG_MAX_BYTES + 1);
	if (!text) {
		r = -ENOMEM;
		seterr(err, errlen, "out of memory");
		goto out;
	}
	len = fread(text, 1, VIGIL_CONFIG_MAX_BYTES + 1, f);
	if (ferror(f)) {
		r = -EIO;
		seterr(err, errlen, "%s: read error", path);
	} else if (len > VIGIL_CONFIG_MAX_BYTES) {
		r = -EFBIG;
		seterr(err, errlen, "%s: larger than %u bytes", path, VIGIL_CONFIG_MAX_BYTES);
	} else if (memchr(text, '\0', len)) {
		r = -EINVAL;
		seterr(err, errlen, "%s: contains a NUL byte", path);
	} else {
		text[len] = '\0';
		r = load_text(set, obj, path, text, given, err, errlen);
	}
	explicit_bzero(text, len); /* it may hold a key */
	free(text);
out:
	fclose(f);
	return r;
}

/* --- --help ------------------------------------------------------------- */

#define USAGE_WIDTH  79
#define USAGE_INDENT 30

/* Prints left, then text from column USAGE_INDENT, wrapped at word boundaries. */
static void print_wrapped(FILE *f, const char *left, const char *text)
{
	int col = fprintf(f, "%s", left);

	if (col >= USAGE_INDENT - 1) {
		fputc('\n', f);
		col = 0;
	}
	fprintf(f, "%*s", USAGE_INDENT - col, "");
	col = USAGE_INDENT;
	while (*text) {
		size_t w = strcspn(text, " ");

		/* "16 MiB" stays on one line */
		if (text[w] == ' ' && isdigit((unsigned char)text[0]) &&
		    strchr("KMG", text[w + 1]) && strncmp(text + w + 2, "iB", 2) == 0)
			w += 1 + strcspn(text + w + 1, " ");

		if (col > USAGE_INDENT && col + 1 + (int)w > USAGE_WIDTH) {
			fprintf(f, "\n%*s", USAGE_INDENT, "");
			col = USAGE_INDENT;
		} else if (col > USAGE_INDENT) {
			fputc(' ', f);
			col++;
		}
		fprintf(f, "%.*s", (int)w, text);
		col += (int)w;
		text += w;
		text += strspn(text, " ");
	}
	fputc('\n', f);
}

/* "help (RANGE; default D)" as --help shows a setting. */
static void describe(const struct setting *s, char *buf, size_t len)
{
	char range[96] = "", def[160] = "";

	if (s->type->ranged)
		show_range(s, "", range, sizeof(range));
	if (s->def_note)
		snprintf(def, sizeof(def), "default %s", s->def_note);
	else if (s->type->show && !(s->flags & SETTING_NOARG)) {
		char v[64];

		s->type->show(s, s->def, v, sizeof(v));
		snprintf(def, sizeof(def), "default %s", v);
	} else if (s->def_str)
		snprintf(def, sizeof(def), "default %s", s->def_str);
	snprintf(buf, len, "%s%s%s%s%s%s%s", s->help, *range || *def ? " (" : "", range,
	         *range && *def ? "; " : "", def, *range || *def ? ")" : "",
	         s->flags & SETTING_CLI ? " [command line only]" : "");
}

void settings_usage(const struct settings *set, FILE *f)
{
	for (size_t i = 0; i < set->n; i++) {
		const struct setting *s = &set->table[i];
		char left[160], arg[96], text[768];

		snprintf(arg, sizeof(arg), "%s%s", s->arg ? " " : "", s->arg ? s->arg : "");
		if (s->short_name)
			snprintf(left, sizeof(left), "  -%c, --%s%s", s->short_name, s->key, arg);
		else
			snprintf(left, sizeof(left), "  --%s%s", s->key, arg);
		describe(s, text, sizeof(text));
		print_wrapped(f, left, text);
	}
}
