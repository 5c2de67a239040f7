/* cli.c: the administration subcommands of vigil-server (schools, users, machines, export). */
#include "cli.h"

#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alerts.h"
#include "aptcli.h"
#include "audit.h"
#include "bundle.h"
#include "report/digest.h" /* not common/digest.h */
#include "pupil.h"
#include "log.h"
#include "report.h"
#include "retention.h"
#include "roster.h"
#include "roster_ldap.h"
#include "rfc3339.h"
#include "server.h"
#include "store_digest.h"
#include "store_machines.h"
#include "store_roster.h"
#include "store_totp.h"
#include "store_users.h"
#include "signin_totp.h"
#include "token.h"

struct args {
	const char *school, *role, *since, *week, *out, *now, *email, *map, *base;
	const char *pos[4];
	int npos;
};

/* Splits a subcommand's arguments into --school/--role/--since and positionals. */
static int parse_args(int argc, char **argv, struct args *a)
{
	memset(a, 0, sizeof(*a));
	for (int i = 0; i < argc; i++) {
		const char **slot = strcmp(argv[i], "--school") == 0  ? &a->school
		                    : strcmp(argv[i], "--role") == 0  ? &a->role
		                    : strcmp(argv[i], "--since") == 0 ? &a->since
		                    : strcmp(argv[i], "--week") == 0  ? &a->week
		                    : strcmp(argv[i], "--out") == 0   ? &a->out
		                    : strcmp(argv[i], "--now") == 0   ? &a->now
		                    : strcmp(argv[i], "--email") == 0 ? &a->email
		                    : strcmp(argv[i], "--map") == 0   ? &a->map
		                    : strcmp(argv[i], "--base") == 0  ? &a->base
		                                                      : NULL;
		if (slot) {
			if (i + 1 >= argc) {
				fprintf(stderr, "vigil-server: %s needs a value\n", argv[i]);
				return -EINVAL;
			}
			*slot = argv[++i];
		} else if (argv[i][0] == '-' && argv[i][1] == '-') {
			fprintf(stderr, "vigil-server: unknown option %s\n", argv[i]);
			return -EINVAL;
		} else if (a->npos < 4) {
			a->pos[a->npos++] = argv[i];
		} else {
			fprintf(stderr, "vigil-server: too many arguments\n");
			return -EINVAL;
		}
	}
	return 0;
}

static int school_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 100)
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f || *s == '/')
			return 0;
	return 1;
}

static int fail_errno(const char *what, int r)
{
	fprintf(stderr, "vigil-server: %s: %s\n", what, strerror(-r));
	return 1;
}

static int cmd_school(struct server *srv, const struct args *a)
{
	char key[TOKEN_BUF], hash[TOKEN_HASH_BUF];
	int r;

	if (a->npos != 2 || !school_name_ok(a->pos[1]))
		return 2;
	if (strcmp(a->pos[0], "add") == 0) {
		if ((r = token_new(key)) < 0)
			return fail_errno("random", r);
		token_hash(key, hash);
		r = srv->store->ops->school_add(srv->store, a->pos[1], hash, rfc3339_now_ms());
		if (r == -EEXIST) {
			fprintf(stderr, "vigil-server: school \"%s\" exists already\n", a->pos[1]);
			return 1;
		}
		if (r < 0)
			return fail_errno("school add", r);
		printf("%s\n", key);
		sodium_memzero(key, sizeof(key));
		return 0;
	}
	if (strcmp(a->pos[0], "revoke") == 0) {
		r = srv->store->ops->school_revoke(srv->store, a->pos[1]);
		if (r == -ENOENT) {
			fprintf(stderr, "vigil-server: no school \"%s\"\n", a->pos[1]);
			return 1;
		}
		return r < 0 ? fail_errno("school revoke", r) : 0;
	}
	return 2;
}

/* The password: the first line of stdin, 8 to 1024 bytes. */
static int read_password(char *buf, size_t size)
{
	size_t n;

	if (!fgets(buf, (int)size, stdin))
		return -EINVAL;
	n = strcspn(buf, "\r\n");
	buf[n] = '\0';
	return n < 8 ? -EINVAL : 0;
}

/* An e-mail address as a header can carry it: one @, no spaces or control characters. */
static int email_ok(const char *s)
{
	const char *at = strchr(s, '@');

	if (!at || at == s || !at[1] || strchr(at + 1, '@') || strlen(s) > 254)
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || *s == 0x7f || strchr("<>,;\"", *s))
			return 0;
	return 1;
}

/* "user email LOGIN ADDR|none": the address the Monday e-mail goes to. */
static int user_email(struct server *srv, const char *login, const char *email)
{
	int r;

	if (strcmp(email, "none") != 0 && !email_ok(email)) {
		fprintf(stderr, "vigil-server: \"%s\" is not an e-mail address\n", email);
		return 2;
	}
	r = store_user_set_email(srv->store, login, strcmp(email, "none") == 0 ? NULL : email);
	if (r == -ENOENT)
		fprintf(stderr, "vigil-server: no user \"%s\"\n", login);
	else if (r < 0)
		return fail_errno("user email", r);
	return r < 0 ? 1 : 0;
}

/* "user flags LOGIN yes|no": whether a moderator sees pupils' vulnerability flags
 * (headteachers always do; docs/privacy.md). */
static int user_flags(struct server *srv, const char *login, const char *yes)
{
	int r;

	if (strcmp(yes, "yes") != 0 && strcmp(yes, "no") != 0)
		return 2;
	r = store_user_set_sees_flags(srv->store, login, strcmp(yes, "yes") == 0);
	if (r == -ENOENT) {
		fprintf(stderr, "vigil-server: no user \"%s\"\n", login);
		return 1;
	}
	if (r < 0)
		return fail_errno("user flags", r);
	audit_record(srv->store, "system", 0,
	             strcmp(yes, "yes") == 0 ? "user-flags-on" : "user-flags-off", NULL, login);
	return 0;
}

/* "user totp LOGIN [off]": a new TOTP secret for the user's authenticator app (printed
 * once, as an otpauth:// URI), or none; audited. */
static int user_totp(struct server *srv, const char *login, const char *off)
{
	char secret[TOTP_SECRET_BUF], uri[512];
	int r;

	if (off && strcmp(off, "off") != 0)
		return 2;
	if (!off && (r = totp_secret_new(secret)) < 0)
		return fail_errno("random", r);
	r = store_totp_set(srv->store, login, off ? NULL : secret);
	if (r == -ENOENT) {
		fprintf(stderr, "vigil-server: no user \"%s\"\n", login);
		return 1;
	}
	if (r < 0)
		return fail_errno("user totp", r);
	audit_record(srv->store, "system", 0, off ? "user-totp-off" : "user-totp", NULL, login);
	if (off) {
		printf("user %s: no authenticator code asked for (an admin cannot sign in with a "
		       "password without one)\n",
		       login);
		return 0;
	}
	totp_uri(login, secret, uri, sizeof(uri));
	printf("user %s: add this to the authenticator app (shown once):\n%s\nsecret: %s\n", login,
	       uri, secret);
	sodium_memzero(secret, sizeof(secret));
	return 0;
}

/* A password from stdin as an Argon2id string: 0, 1 (told why). */
static int password_from_stdin(char hash[crypto_pwhash_STRBYTES])
{
	char pw[1025];
	int r;

	if (read_password(pw, sizeof(pw)) < 0) {
		fprintf(stderr,
		        "vigil-server: give the password (8 characters or more) on stdin\n");
		return 1;
	}
	r = crypto_pwhash_str(hash, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
	                      crypto_pwhash_MEMLIMIT_INTERACTIVE);
	sodium_memzero(pw, sizeof(pw));
	return r == 0 ? 0 : fail_errno("password hash", -ENOMEM);
}

/* user disable|passwd|logout LOGIN: a leaver loses access at once (every session ends). */
static int cmd_user_access(struct server *srv, const struct args *a)
{
	char hash[crypto_pwhash_STRBYTES];
	const char *verb = a->pos[0], *login = a->pos[1];
	int64_t ended = 0;
	int r;

	if (strcmp(verb, "disable") == 0) {
		r = store_user_disable(srv->store, login);
	} else if (strcmp(verb, "passwd") == 0) {
		if (password_from_stdin(hash))
			return 1;
		r = store_user_password_set(srv->store, login, hash);
	} else if (strcmp(verb, "logout") == 0) {
		struct store_user u;
		char *old = NULL;
		r = store_user_find(srv->store, login, &u, &old);
		if (r == 0)
			r = store_user_sessions_end(srv->store, login, &ended);
		free(old);
	} else {
		return 2;
	}
	if (r == -ENOENT) {
		fprintf(stderr, "vigil-server: no user \"%s\"\n", login);
		return 1;
	}
	if (r < 0)
		return fail_errno(verb, r);
	audit_record(srv->store, "system", 0,
	             strcmp(verb, "disable") == 0  ? "user-disable"
	             : strcmp(verb, "passwd") == 0 ? "user-passwd"
	                                           : "user-logout",
	             NULL, login);
	printf("user %s: %s; every session ended\n", login,
	       strcmp(verb, "disable") == 0  ? "disabled"
	       : strcmp(verb, "passwd") == 0 ? "password changed"
	                                     : "signed out");
	return 0;
}

static int cmd_user(struct server *srv, const struct args *a)
{
	char hash[crypto_pwhash_STRBYTES];
	int r;

	if (a->npos == 3 && strcmp(a->pos[0], "email") == 0)
		return user_email(srv, a->pos[1], a->pos[2]);
	if (a->npos == 3 && strcmp(a->pos[0], "flags") == 0)
		return user_flags(srv, a->pos[1], a->pos[2]);
	if ((a->npos == 2 || a->npos == 3) && strcmp(a->pos[0], "totp") == 0)
		return user_totp(srv, a->pos[1], a->npos == 3 ? a->pos[2] : NULL);
	if (a->npos == 2 && strcmp(a->pos[0], "add") != 0)
		return cmd_user_access(srv, a);
	if (a->npos != 2 || strcmp(a->pos[0], "add") != 0 || !a->role)
		return 2;
	if (a->email && !email_ok(a->email)) {
		fprintf(stderr, "vigil-server: --email \"%s\" is not an e-mail address\n",
		        a->email);
		return 2;
	}
	if (strcmp(a->role, "moderator") != 0 && strcmp(a->role, "headteacher") != 0 &&
	    strcmp(a->role, "technician") != 0 && strcmp(a->role, "admin") != 0) {
		fprintf(stderr,
		        "vigil-server: --role is moderator, headteacher, technician or admin\n");
		return 2;
	}
	if (strcmp(a->role, "headteacher") == 0 && !a->school) {
		/* A headteacher sees one school's captures and reports; without a school the
		 * account would see every school's. */
		fprintf(stderr, "vigil-server: a headteacher needs --school NAME\n");
		return 2;
	}
	if (!school_name_ok(a->pos[1])) {
		fprintf(stderr, "vigil-server: bad login\n");
		return 2;
	}
	if (password_from_stdin(hash))
		return 1;
	r = srv->store->ops->user_add(srv->store, a->pos[1], a->role, a->school, hash,
	                              rfc3339_now_ms());
	if (r == -EEXIST)
		fprintf(stderr, "vigil-server: user \"%s\" exists already\n", a->pos[1]);
	else if (r == -ENOENT)
		fprintf(stderr, "vigil-server: no school \"%s\"\n", a->school);
	else if (r < 0)
		return fail_errno("user add", r);
	if (r == 0 && a->email && (r = store_user_set_email(srv->store, a->pos[1], a->email)) < 0)
		return fail_errno("user add --email", r);
	/* An admin signs in with a password and a code: the authenticator's secret now. */
	if (r == 0 && strcmp(a->role, "admin") == 0)
		return user_totp(srv, a->pos[1], NULL);
	return r < 0 ? 1 : 0;
}

static int cmd_machine(struct server *srv, const struct args *a)
{
	int r;

	if (a->npos != 2 || (strcmp(a->pos[0], "revoke") != 0 && strcmp(a->pos[0], "allow") != 0))
		return 2;
	if (strcmp(a->pos[0], "allow") == 0)
		r = store_machine_allow(srv->store, a->school, a->pos[1]);
	else
		r = srv->store->ops->machine_revoke(srv->store, a->school, a->pos[1]);
	if (r == -ENOENT)
		fprintf(stderr, "vigil-server: no machine \"%s\"\n", a->pos[1]);
	else if (r == -EEXIST)
		fprintf(stderr,
		        "vigil-server: machine \"%s\" is in several schools: give --school\n",
		        a->pos[1]);
	else if (r < 0)
		return fail_errno(a->pos[0], r);
	if (r == 0)
		audit_record(srv->store, "system", 0,
		             strcmp(a->pos[0], "allow") == 0 ? "machine-allow" : "machine-revoke",
		             NULL, a->pos[1]);
	return r < 0 ? 1 : 0;
}

struct machines_ctx {
	int64_t now, offline_ms;
};

static int print_machine(const struct store_machine_info *m, void *ud)
{
	const struct machines_ctx *ctx = ud;
	char seen[RFC3339_BUF] = "", enrolled[RFC3339_BUF];
	const char *status;
	json_t *o;
	char *line;

	rfc3339_format(m->enrolled_ms, enrolled, sizeof(enrolled));
	if (m->last_seen_ms)
		rfc3339_format(m->last_seen_ms, seen, sizeof(seen));
	status = m->revoked                                     ? "revoked"
	         : !m->last_seen_ms                             ? "never-seen"
	         : ctx->now - m->last_seen_ms > ctx->offline_ms ? "offline"
	                                                        : "online";
	o = json_pack("{s:s, s:s, s:s, s:s, s:o, s:s, s:s, s:I, s:I}", "school", m->school,
	              "machine", m->name, "status", status, "enrolled", enrolled, "last_seen",
	              m->last_seen_ms ? json_string(seen) : json_null(), "version",
	              m->version ? m->version : "", "wordlists", m->wordlists ? m->wordlists : "",
	              "spooled", (json_int_t)m->spooled, "dropped", (json_int_t)m->dropped);
	if (o) {
		json_t *sessions = m->sessions ? json_loads(m->sessions, 0, NULL) : NULL;

		json_object_set_new(o, "sessions",
		                    json_is_array(sessions) ? sessions : json_array());
		if (!json_is_array(sessions))
			json_decref(sessions);
		json_object_set_new(o, "offline_alarm", json_boolean(m->offline_alarm));
		json_object_set_new(o, "unmonitored_alarms", json_integer(m->unmonitored_alarms));
	}
	line = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(o);
	if (!line)
		return -ENOMEM;
	printf("%s\n", line);
	free(line);
	return 0;
}

static int cmd_machines(struct server *srv, const struct args *a)
{
	struct machines_ctx ctx = {rfc3339_now_ms(), (int64_t)srv->cfg->offline_after * 1000};
	int r;

	if (a->npos != 0 && !(a->npos == 1 && strcmp(a->pos[0], "list") == 0))
		return 2;
	r = srv->store->ops->machines_list(srv->store, a->school, print_machine, &ctx);
	return r < 0 ? fail_errno("machines", r) : 0;
}

static int print_capture(const struct store_export_row *row, void *ud)
{
	char received[RFC3339_BUF];
	json_t *o = json_loads(row->record, 0, NULL);
	char *line;

	if (!o)
		return -EBADMSG;
	rfc3339_format(row->received_ms, received, sizeof(received));
	json_object_set_new(o, "school", json_string(row->school));
	json_object_set_new(o, "received", json_string(received));
	json_object_set_new(o, "status", json_string(row->status));
	if (row->image_hidden) /* its images are not to be fetched or copied: referred */
		json_object_set_new(o, "image_hidden", json_true());
	if (row->assignee) /* who has it, and how its case ended */
		json_object_set_new(o, "assignee", json_string(row->assignee));
	if (row->closed_ms && row->outcome) {
		char closed[RFC3339_BUF];
		rfc3339_format(row->closed_ms, closed, sizeof(closed));
		json_object_set_new(o, "outcome", json_string(row->outcome));
		json_object_set_new(o, "closed", json_string(closed));
	}
	line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (!line)
		return -ENOMEM;
	printf("%s\n", line);
	free(line);
	return 0;
}

static int cmd_export(struct server *srv, const struct args *a)
{
	int64_t since = 0;
	int r;

	if (a->npos != 0)
		return 2;
	if (a->since && rfc3339_parse(a->since, &since) < 0) {
		fprintf(stderr, "vigil-server: --since \"%s\" is not an RFC 3339 time\n", a->since);
		return 2;
	}
	r = srv->store->ops->export_captures(srv->store, since, a->school, print_capture, NULL);
	if (fflush(stdout) != 0)
		r = -errno;
	return r < 0 ? fail_errno("export", r) : 0;
}

static int cmd_key(struct server *srv, const struct args *a)
{
	char key[SIGNKEY_B64_BUF];

	if (a->npos != 1 || strcmp(a->pos[0], "show") != 0)
		return 2;
	signkey_public_b64(&srv->key, key);
	printf("%s\n", key);
	return 0;
}

static int cmd_lists(struct server *srv, const struct args *a)
{
	struct bundle_msgs msgs = {0};
	struct bundle *b;
	int r;

	if (a->npos != 1 || strcmp(a->pos[0], "check") != 0)
		return 2;
	r = wordlists_reload(srv->lists, 1, &msgs);
	for (size_t i = 0; i < msgs.n; i++)
		printf("%s\n", msgs.v[i]);
	bundle_msgs_clear(&msgs);
	if (r < 0)
		return 1;
	b = wordlists_current(srv->lists);
	printf("lists version %s (%zu files)\n", bundle_version(b), bundle_file_count(b));
	bundle_unref(b);
	return 0;
}

/* "report send": the week's summary e-mail queued and delivered now. */
static int report_send(struct server *srv, const struct args *a)
{
	int64_t now = rfc3339_now_ms();
	int r = digest_queue(srv->store, a->school, a->week, now);

	if (r == -ENOENT) {
		fprintf(stderr, "vigil-server: no school \"%s\"\n", a->school);
		return 1;
	}
	if (r == -EINVAL) {
		fprintf(stderr, "vigil-server: --week \"%s\" is not an ISO week like 2026-W47\n",
		        a->week);
		return 2;
	}
	if (r < 0)
		return fail_errno("report send", r);
	if (r == 0) {
		fprintf(stderr,
		        "vigil-server: \"%s\" has no headteacher with an e-mail address "
		        "and no alert contact\n",
		        a->school);
		return 1;
	}
	printf("report send: %d recipients queued\n", r);
	r = alerts_deliver(srv, now);
	if (r < 0)
		return fail_errno("report send: outbox", r);
	printf("report send: %d messages sent now (the server retries the rest)\n", r);
	return 0;
}

static int cmd_report(struct server *srv, const struct args *a)
{
	struct report *rep = NULL;
	int r;

	if (a->npos == 1 && strcmp(a->pos[0], "send") == 0 && a->school && a->week && !a->out)
		return report_send(srv, a);
	if (a->npos != 0 || !a->school || !a->week || !a->out)
		return 2;
	r = report_build(srv->store, a->school, a->week, &rep);
	if (r == -ENOENT) {
		fprintf(stderr, "vigil-server: no school \"%s\"\n", a->school);
		return 1;
	}
	if (r == -EINVAL) {
		fprintf(stderr, "vigil-server: --week \"%s\" is not an ISO week like 2026-W47\n",
		        a->week);
		return 2;
	}
	if (r == 0)
		r = report_write_file(rep, srv->blobs, a->out);
	report_free(rep);
	if (r == -EINVAL) {
		fprintf(stderr, "vigil-server: --out must end .html, .pdf or .csv\n");
		return 2;
	}
	return r < 0 ? fail_errno(a->out, r) : 0;
}

static int cmd_retention(struct server *srv, const struct args *a)
{
	int64_t now = rfc3339_now_ms(), captures = 0, images = 0;
	int r;

	if (a->npos != 1 || strcmp(a->pos[0], "run") != 0)
		return 2;
	if (a->now && rfc3339_parse(a->now, &now) < 0) {
		fprintf(stderr, "vigil-server: --now \"%s\" is not an RFC 3339 time\n", a->now);
		return 2;
	}
	r = retention_run(srv, now, srv->cfg->retention_days, &captures, &images);
	if (r < 0)
		return fail_errno("retention", r);
	printf("retention: %u days: deleted %lld captures and %lld images\n",
	       srv->cfg->retention_days, (long long)captures, (long long)images);
	return 0;
}

/* Subject access and erasure (docs/privacy.md). */
static int cmd_pupil(struct server *srv, const struct args *a)
{
	int64_t n = 0, images = 0;
	int r;

	if (a->npos != 2 || !a->school || !*a->pos[1])
		return 2;
	if (strcmp(a->pos[0], "export") == 0) {
		int64_t withheld = 0;
		r = pupil_export(srv, a->school, a->pos[1], stdout, &n, &withheld);
		if (r < 0)
			return fail_errno("pupil export", r);
		fprintf(stderr, "pupil export: %lld captures", (long long)n);
		if (withheld)
			fprintf(stderr,
			        "; %lld images withheld (hidden by a moderator as possible child "
			        "abuse material)",
			        (long long)withheld);
		fprintf(stderr, "\n");
		return 0;
	}
	if (strcmp(a->pos[0], "delete") == 0) {
		r = pupil_delete(srv, a->school, a->pos[1], &n, &images);
		if (r < 0)
			return fail_errno("pupil delete", r);
		printf("pupil delete: %lld captures and %lld images erased\n", (long long)n,
		       (long long)images);
		return 0;
	}
	return 2;
}

/* A roster file, at most ROSTER_MAX_FILE bytes ("-": stdin): malloc'd, or NULL (told why). */
#define ROSTER_MAX_FILE (16 << 20)
static char *read_roster_file(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	char *buf = f ? malloc(ROSTER_MAX_FILE + 1) : NULL;
	size_t n = 0;

	if (buf)
		n = fread(buf, 1, ROSTER_MAX_FILE + 1, f);
	if (!f || !buf || ferror(f) || n > ROSTER_MAX_FILE) {
		fprintf(stderr, "vigil-server: %s: %s\n", path,
		        !f || ferror(f) ? strerror(errno)
		        : !buf          ? "out of memory"
		                        : "larger than 16 MiB");
		free(buf);
		buf = NULL;
	}
	if (f && f != stdin)
		fclose(f);
	*len = n;
	return buf;
}

static int print_pupil(const struct store_pupil_info *i, void *ud)
{
	char left[RFC3339_BUF];
	json_t *o;
	char *line;

	(void)ud;
	if (i->left_ms)
		rfc3339_format(i->left_ms, left, sizeof(left));
	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:o}", "login", i->p.login,
	              "given_name", i->p.given_name, "family_name", i->p.family_name,
	              "preferred_name", i->p.preferred_name, "year_group", i->p.year_group,
	              "reg_group", i->p.reg_group, "flags", i->p.flags, "current", i->current,
	              "left", i->left_ms ? json_string(left) : json_null());
	line = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(o);
	if (!line)
		return -ENOMEM;
	printf("%s\n", line);
	free(line);
	return 0;
}

/* The file of "roster import", read before privileges are dropped (an administrator's
 * export need not be readable by the server's user). */
static char *roster_data;
static size_t roster_len;

/* roster import --school NAME [--map COL=HEADER,...] FILE.csv | roster list --school NAME */
static int cmd_roster(struct server *srv, const struct args *a)
{
	struct store_roster_counts c;
	char err[512];
	char *data = roster_data;
	size_t len = roster_len;
	int r;

	if (!a->school || a->npos < 1)
		return 2;
	if (strcmp(a->pos[0], "list") == 0 && a->npos == 1 && !a->map) {
		r = store_roster_list(srv->store, a->school, print_pupil, NULL);
		if (r == -ENOENT) {
			fprintf(stderr, "vigil-server: no school \"%s\"\n", a->school);
			return 1;
		}
		return r < 0 ? fail_errno("roster list", r) : 0;
	}
	if (strcmp(a->pos[0], "sync") == 0 && a->npos == 1 && !a->map) {
		r = roster_ldap_sync(srv, "system", a->school, a->base, &c, err, sizeof(err));
		if (r == -EINVAL || r == -ENOENT || r == -EIO) {
			fprintf(stderr,
			        "vigil-server: roster sync: %s\nroster sync: nothing changed\n",
			        err);
			return 1;
		}
		if (r < 0)
			return fail_errno("roster sync", r);
		printf("roster sync: %lld added, %lld updated, %lld left, %lld unchanged\n",
		       (long long)c.added, (long long)c.updated, (long long)c.left,
		       (long long)c.unchanged);
		return 0;
	}
	if (strcmp(a->pos[0], "import") != 0 || a->npos != 2)
		return 2;
	if (!data)
		return 1;
	roster_data = NULL;
	r = roster_import(srv, "system", a->school, a->pos[1], data, len, a->map, &c, err,
	                  sizeof(err));
	free(data);
	if (r == -EINVAL || r == -ENOENT) {
		fprintf(stderr, "%s\nroster import: nothing changed\n", err);
		return 1;
	}
	if (r < 0)
		return fail_errno("roster import", r);
	printf("roster import: %lld added, %lld updated, %lld left, %lld unchanged\n",
	       (long long)c.added, (long long)c.updated, (long long)c.left, (long long)c.unchanged);
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(struct server *srv, const struct args *a);
	const char *usage;
} commands[] = {
    {"school", cmd_school, "school add|revoke NAME | school alerts NAME [options]"},
    {"user", cmd_user,
     "user add --role moderator|headteacher|technician|admin [--school NAME] [--email ADDR] "
     "LOGIN"
     " | user email LOGIN ADDR|none | user flags LOGIN yes|no | user totp LOGIN [off] | user "
     "disable|passwd|logout LOGIN"},
    {"machine", cmd_machine, "machine revoke|allow [--school NAME] MACHINE"},
    {"machines", cmd_machines, "machines [list] [--school NAME]"},
    {"export", cmd_export, "export [--since RFC3339] [--school NAME]"},
    {"key", cmd_key, "key show"},
    {"lists", cmd_lists, "lists check"},
    {"report", cmd_report,
     "report --school NAME --week YYYY-Www --out FILE.html|.pdf|.csv | report send --school "
     "NAME --week YYYY-Www"},
    {"retention", cmd_retention, "retention run [--now RFC3339]"},
    {"pupil", cmd_pupil, "pupil export|delete --school NAME USER"},
    {"roster", cmd_roster,
     "roster import --school NAME [--map COLUMN=HEADER,...] FILE.csv | roster sync --school "
     "NAME [--base DN] | roster list --school NAME"},
};

int cli_is_command(const char *name)
{
	if (strcmp(name, "alerts") == 0 || strcmp(name, "apt") == 0)
		return 1;
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(name, commands[i].name) == 0)
			return 1;
	return 0;
}

int cli_run(const struct config *cfg, int argc, char **argv)
{
	struct server srv;
	struct args a;
	int status = 2;

	if (strcmp(argv[0], "alerts") == 0)
		return alerts_cli(cfg, argc - 1, argv + 1);
	if (strcmp(argv[0], "apt") == 0)
		return apt_cli(cfg, argc - 1, argv + 1);
	if (strcmp(argv[0], "school") == 0 && argc > 1 && strcmp(argv[1], "alerts") == 0)
		return alerts_cli(cfg, argc - 2, argv + 2);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[0], commands[i].name) != 0)
			continue;
		if (parse_args(argc - 1, argv + 1, &a) < 0) {
			fprintf(stderr, "usage: vigil-server %s\n", commands[i].usage);
			return 2;
		}
		if (strcmp(argv[0], "roster") == 0 && a.npos == 2 &&
		    strcmp(a.pos[0], "import") == 0 &&
		    !(roster_data = read_roster_file(a.pos[1], &roster_len)))
			return 1;
		if (server_drop_privileges(cfg, 1) < 0 || server_open(&srv, cfg, 1) < 0) {
			free(roster_data);
			return 1;
		}
		status = commands[i].fn(&srv, &a);
		server_close(&srv);
		if (status == 2)
			fprintf(stderr, "usage: vigil-server %s\n", commands[i].usage);
		return status;
	}
	fprintf(stderr, "vigil-server: unknown command \"%s\"\n", argv[0]);
	return 2;
}
