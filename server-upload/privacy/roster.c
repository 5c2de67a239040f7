/* roster.c: a school's pupils read from its MIS export (CSV, parsed by libcsv), checked row by
 * row, and imported in one transaction. */
#include "roster.h"

#include <csv.h>
#include <ctype.h>
#include <errno.h>
#include <glib.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "audit.h"
#include "rfc3339.h"
#include "server.h"
#include "store_moderation.h"

#define MAX_PUPILS 100000
#define MAX_FIELDS 256
#define MAX_LOGIN  64
#define MAX_NAME   100
#define MAX_GROUP  32

static const char *const col_names[ROSTER_NCOLS] = {
    "login", "given_name", "family_name", "preferred_name", "year_group", "reg_group", "flags",
};
static const char *const flag_names[] = {"SEN", "EHCP", "CLA", "CP", "CIN", "EAL", "PP"};
#define NFLAGS (sizeof(flag_names) / sizeof(flag_names[0]))

struct parse {
	const char *name;
	struct roster *out;
	char *err;
	size_t errlen;
	int failed; /* 0, -EINVAL or -ENOMEM: later callbacks do nothing */
	int line, row_line;
	bool row_started, have_header;
	char *fields[MAX_FIELDS];
	size_t nf, nextra;     /* fields kept; fields past MAX_FIELDS that were not empty */
	int col[ROSTER_NCOLS]; /* the header index of each known column, -1 absent */
	size_t ncols;          /* fields of the header row */
	const char *want[ROSTER_NCOLS];
	/* the line each login was first seen on, parallel to out->v */
	int *lines;
};

static void fail(struct parse *p, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fail(struct parse *p, int line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (p->failed)
		return;
	p->failed = -EINVAL;
	n = snprintf(p->err, p->errlen, "%s:%d: ", p->name, line);
	if (n < 0 || (size_t)n >= p->errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
	va_end(ap);
}

static void clear_fields(struct parse *p)
{
	for (size_t i = 0; i < p->nf; i++)
		free(p->fields[i]);
	p->nf = 0;
	p->nextra = 0;
}

static void on_field(void *s, size_t len, void *ud)
{
	struct parse *p = ud;
	char *f;

	if (p->failed)
		return;
	if (!p->row_started) {
		p->row_started = true;
		p->row_line = p->line;
	}
	if (p->nf >= MAX_FIELDS) {
		if (len)
			p->nextra++;
		return;
	}
	if (!(f = malloc(len + 1))) {
		p->failed = -ENOMEM;
		return;
	}
	memcpy(f, s ? s : "", len);
	f[len] = '\0';
	p->fields[p->nf++] = f;
}

/* Keeps s (malloc'd) among the roster's strings; NULL on failure (s is freed). */
static char *keep(struct parse *p, char *s)
{
	struct roster *r = p->out;

	if (!s) {
		p->failed = -ENOMEM;
		return NULL;
	}
	if (r->nstrings == r->capstrings) {
		size_t cap = r->capstrings ? r->capstrings * 2 : 1024;
		char **a = realloc(r->strings, cap * sizeof(*a));
		if (!a) {
			free(s);
			p->failed = -ENOMEM;
			return NULL;
		}
		r->strings = a;
		r->capstrings = cap;
	}
	r->strings[r->nstrings++] = s;
	return s;
}

/* The field of column c in this row, "" when the column or the field is absent. */
static const char *cell(struct parse *p, int c)
{
	return p->col[c] >= 0 && (size_t)p->col[c] < p->nf ? p->fields[p->col[c]] : "";
}

/* Strips outer spaces (libcsv keeps a quoted field's) in place. */
static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		*--e = '\0';
	return s;
}

/* Checks a text field: 0, or fails the parse naming the column. */
static int text_ok(struct parse *p, int c, const char *v, size_t max)
{
	if (!g_utf8_validate(v, -1, NULL)) {
		fail(p, p->row_line, "%s is not UTF-8 text (save the export as CSV UTF-8)",
		     col_names[c]);
		return -1;
	}
	for (const char *s = v; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f) {
			fail(p, p->row_line, "%s has a control character", col_names[c]);
			return -1;
		}
	if (strlen(v) > max) {
		fail(p, p->row_line, "%s is longer than %zu bytes", col_names[c], max);
		return -1;
	}
	return 0;
}

static void header_row(struct parse *p)
{
	p->ncols = p->nf;
	for (int c = 0; c < ROSTER_NCOLS; c++) {
		const char *want = p->want[c] ? p->want[c] : col_names[c];
		p->col[c] = -1;
		for (size_t i = 0; i < p->nf; i++) {
			char *h = trim(p->fields[i]);
			if (i == 0 && strncmp(h, "\xef\xbb\xbf", 3) == 0)
				h += 3; /* a byte-order mark, as Excel writes "CSV UTF-8" */
			if (strcasecmp(h, want) == 0) {
				p->col[c] = (int)i;
				break;
			}
		}
		if (p->col[c] < 0 && p->want[c]) {
			fail(p, p->row_line, "no column \"%s\" (mapped to %s)", want, col_names[c]);
			return;
		}
	}
	if (p->col[ROSTER_LOGIN] < 0)
		fail(p, p->row_line,
		     "no column \"login\" in the header (name the file's with --map login=HEADER)");
	p->have_header = true;
}

/* The flags of a row in canonical order, ';'-separated, into buf: 0, or fails. */
static int flags_of(struct parse *p, const char *v, char *buf, size_t size)
{
	bool set[NFLAGS] = {false};
	char *copy = strdup(v), *save = NULL;
	size_t len = 0;

	if (!copy) {
		p->failed = -ENOMEM;
		return -1;
	}
	for (char *t = strtok_r(copy, ";", &save); t; t = strtok_r(NULL, ";", &save)) {
		size_t i;
		t = trim(t);
		if (!*t)
			continue;
		for (i = 0; i < NFLAGS && strcasecmp(t, flag_names[i]) != 0; i++)
			;
		if (i == NFLAGS) {
			fail(p, p->row_line,
			     "unknown flag \"%.40s\" (flags are %s, separated by ';')", t,
			     ROSTER_FLAG_NAMES);
			free(copy);
			return -1;
		}
		set[i] = true;
	}
	free(copy);
	buf[0] = '\0';
	for (size_t i = 0; i < NFLAGS; i++)
		if (set[i])
			len += (size_t)snprintf(buf + len, size - len, "%s%s", len ? ";" : "",
			                        flag_names[i]);
	return 0;
}

static void pupil_row(struct parse *p)
{
	struct roster *r = p->out;
	struct store_pupil *np;
	char *v[ROSTER_NCOLS], flags[64];
	bool empty = true;
	size_t n;

	for (size_t i = 0; i < p->nf; i++)
		if (*trim(p->fields[i]))
			empty = false;
	if (empty && !p->nextra)
		return; /* a blank row (",,,,"), as spreadsheets leave at the end */
	if (p->nf > p->ncols || p->nextra) {
		fail(p, p->row_line, "%zu fields where the header has %zu", p->nf + p->nextra,
		     p->ncols);
		return;
	}
	for (int c = 0; c < ROSTER_NCOLS; c++)
		v[c] = (char *)cell(p, c);
	if (!*v[ROSTER_LOGIN]) {
		fail(p, p->row_line, "login is empty");
		return;
	}
	for (char *s = v[ROSTER_LOGIN]; *s; s++)
		if ((unsigned char)*s <= 0x20 || *s == 0x7f || *s == '/') {
			fail(p, p->row_line,
			     "login \"%.64s\" has a space, '/' or control character",
			     v[ROSTER_LOGIN]);
			return;
		}
	for (int c = 0; c < ROSTER_NCOLS; c++)
		if (text_ok(p, c, v[c],
		            c == ROSTER_LOGIN                     ? MAX_LOGIN
		            : c == ROSTER_YEAR || c == ROSTER_REG ? MAX_GROUP
		            : c == ROSTER_FLAGS                   ? 64
		                                                  : MAX_NAME) < 0)
			return;
	if (flags_of(p, v[ROSTER_FLAGS], flags, sizeof(flags)) < 0)
		return;
	if (r->n >= MAX_PUPILS) {
		fail(p, p->row_line, "more than %d pupils", MAX_PUPILS);
		return;
	}
	n = r->n;
	np = &r->v[n];
	memset(np, 0, sizeof(*np));
	{
		char *login = keep(p, strdup(v[ROSTER_LOGIN]));
		if (!login)
			return;
		for (char *s = login; *s; s++)
			*s = (char)tolower((unsigned char)*s);
		/* each login once: the earlier rows are few enough to look through (the
		 * import keeps its own sorted copy) */
		for (size_t i = 0; i < n; i++)
			if (strcmp(r->v[i].login, login) == 0) {
				fail(p, p->row_line, "login \"%s\" again (first on line %d)", login,
				     p->lines[i]);
				return;
			}
		np->login = login;
	}
	{
		const char **dst[ROSTER_NCOLS] = {NULL,
		                                  &np->given_name,
		                                  &np->family_name,
		                                  &np->preferred_name,
		                                  &np->year_group,
		                                  &np->reg_group,
		                                  &np->flags};
		for (int c = ROSTER_GIVEN; c < ROSTER_NCOLS; c++) {
			if (p->col[c] < 0)
				continue; /* not in the file: the stored value stays */
			if (!(*dst[c] = keep(p, strdup(c == ROSTER_FLAGS ? flags : v[c]))))
				return;
		}
	}
	p->lines[n] = p->row_line;
	r->n++;
}

static void on_row(int c, void *ud)
{
	struct parse *p = ud;

	(void)c;
	if (!p->failed) {
		if (!p->row_started)
			p->row_line = p->line;
		if (!p->have_header)
			header_row(p);
		else
			pupil_row(p);
	}
	clear_fields(p);
	p->row_started = false;
}

/* --map login=Username,year_group=Year: p->want; copy holds the strings. */
static int parse_map(struct parse *p, char *copy)
{
	char *save = NULL;

	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(t, '=');
		int c;
		if (!eq || eq == t || !eq[1]) {
			snprintf(p->err, p->errlen, "--map: \"%s\" is not COLUMN=HEADER", t);
			return -EINVAL;
		}
		*eq = '\0';
		for (c = 0; c < ROSTER_NCOLS && strcmp(trim(t), col_names[c]) != 0; c++)
			;
		if (c == ROSTER_NCOLS) {
			snprintf(p->err, p->errlen,
			         "--map: unknown column \"%s\" (login, given_name, family_name, "
			         "preferred_name, year_group, reg_group, flags)",
			         t);
			return -EINVAL;
		}
		p->want[c] = trim(eq + 1);
	}
	return 0;
}

int roster_parse(const char *name, const char *data, size_t len, const char *map,
                 struct roster *out, char *err, size_t errlen)
{
	struct parse p = {.name = name, .out = out, .err = err, .errlen = errlen, .line = 1};
	struct csv_parser csv;
	char *mapcopy = NULL;
	size_t at = 0, rows = 1;
	int r = 0;

	memset(out, 0, sizeof(*out));
	err[0] = '\0';
	if (map && *map) {
		if (!(mapcopy = strdup(map)))
			return -ENOMEM;
		if ((r = parse_map(&p, mapcopy)) < 0) {
			free(mapcopy);
			return r;
		}
	}
	/* at most one pupil a line: the arrays are sized once */
	for (size_t i = 0; i < len; i++)
		rows += data[i] == '\n';
	if (rows > MAX_PUPILS + 2)
		rows = MAX_PUPILS + 2;
	out->v = calloc(rows, sizeof(*out->v));
	p.lines = calloc(rows, sizeof(*p.lines));
	if (!out->v || !p.lines || csv_init(&csv, CSV_STRICT | CSV_STRICT_FINI) != 0) {
		free(out->v);
		free(p.lines);
		free(mapcopy);
		out->v = NULL;
		return -ENOMEM;
	}
	/* fed a line at a time, so each row knows the line it starts on */
	while (at < len && !p.failed) {
		const char *nl = memchr(data + at, '\n', len - at);
		size_t n = nl ? (size_t)(nl - (data + at)) + 1 : len - at;
		if (csv_parse(&csv, data + at, n, on_field, on_row, &p) != n) {
			fail(&p, p.line, "%s",
			     csv_error(&csv) == CSV_EPARSE
			         ? "a quote that does not close or a stray "
			           "quote inside an unquoted field"
			         : "out of memory");
			break;
		}
		at += n;
		if (nl)
			p.line++;
	}
	if (!p.failed && csv_fini(&csv, on_field, on_row, &p) != 0)
		fail(&p, p.row_started ? p.row_line : p.line,
		     "the file ends inside a quoted field (is it cut short?)");
	clear_fields(&p);
	csv_free(&csv);
	if (!p.failed && !p.have_header)
		fail(&p, 1, "empty file: a header row is needed");
	free(p.lines);
	free(mapcopy);
	if (p.failed) {
		roster_free(out);
		if (p.failed == -ENOMEM)
			snprintf(err, errlen, "%s: out of memory", name);
		return p.failed;
	}
	return 0;
}

void roster_free(struct roster *r)
{
	for (size_t i = 0; i < r->nstrings; i++)
		free(r->strings[i]);
	free(r->strings);
	free(r->v);
	memset(r, 0, sizeof(*r));
}

int roster_has_flag(const char *flags, const char *flag)
{
	size_t n = strlen(flag);

	for (const char *s = flags; s && *s;) {
		const char *e = strchr(s, ';');
		size_t len = e ? (size_t)(e - s) : strlen(s);
		if (len == n && strncmp(s, flag, n) == 0)
			return 1;
		s = e ? e + 1 : NULL;
	}
	return 0;
}

int roster_import(struct server *srv, const char *login, const char *school, const char *name,
                  const char *data, size_t len, const char *map, struct store_roster_counts *counts,
                  char *err, size_t errlen)
{
	struct roster ro;
	char detail[160];
	int64_t school_id = 0;
	int r = roster_parse(name, data, len, map, &ro, err, errlen);

	if (r < 0)
		return r;
	r = store_roster_import(srv->store, school, ro.v, ro.n, rfc3339_now_ms(), counts);
	roster_free(&ro);
	if (r == -ENOENT)
		snprintf(err, errlen, "no school \"%s\"", school);
	if (r < 0)
		return r;
	snprintf(detail, sizeof(detail), "%lld added, %lld updated, %lld left, %lld unchanged",
	         (long long)counts->added, (long long)counts->updated, (long long)counts->left,
	         (long long)counts->unchanged);
	if (store_school_lookup(srv->store, school, &school_id) < 0)
		school_id = 0;
	audit_record(srv->store, login, school_id, "roster-import", NULL, detail);
	return 0;
}
