/* alerts_cli.c: "vigil-server school alerts NAME ..." (per-school alert settings) and
 * "vigil-server alerts tick" (one pass of the outbox, for cron-less checks and tests). */
#include <curl/curl.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alerts.h"
#include "parse.h"
#include "rfc3339.h"
#include "server.h"
#include "store_alerts.h"
#include "store_moderation.h"

#define MAX_CONTACTS 16

struct settings {
	const char *school, *webhook, *secret, *technician;
	const char *contacts[MAX_CONTACTS], *escalate[MAX_CONTACTS];
	int ncontacts, nescalate;
	int64_t threshold, ack_minutes, start, end;
	int64_t flag_threshold; /* 0: none */
	char flags[64];         /* "CLA;CP": canonical order */
};

/* "CP,CLA" (or ';'-separated, any case) as "CLA;CP": 0, -EINVAL. */
static int parse_flags(const char *v, char *out, size_t size)
{
	static const char *const names[] = {"SEN", "EHCP", "CLA", "CP", "CIN", "EAL", "PP"};
	bool set[7] = {false};
	size_t len = 0;

	for (const char *s = v; *s;) {
		size_t n = strcspn(s, ",;"), i;
		for (i = 0; i < 7 && !(strlen(names[i]) == n && strncasecmp(s, names[i], n) == 0);
		     i++)
			;
		if (i == 7)
			return -EINVAL;
		set[i] = true;
		s += n;
		if (*s)
			s++;
	}
	out[0] = '\0';
	for (size_t i = 0; i < 7; i++)
		if (set[i])
			len += (size_t)snprintf(out + len, size - len, "%s%s", len ? ";" : "",
			                        names[i]);
	return len ? 0 : -EINVAL;
}

static int address_ok(const char *s)
{
	const char *at = strchr(s, '@');

	if (!at || at == s || !at[1] || strlen(s) > 254)
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || *s == 0x7f || *s == '<' || *s == '>' || *s == ',')
			return 0;
	return 1;
}

/* "08:00-16:30" as minutes after midnight. */
static int parse_hours(const char *s, int64_t *start, int64_t *end)
{
	unsigned int h1, m1, h2, m2;
	char tail;

	if (sscanf(s, "%2u:%2u-%2u:%2u%c", &h1, &m1, &h2, &m2, &tail) != 4 || h1 > 23 || m1 > 59 ||
	    h2 > 24 || m2 > 59 || h1 * 60 + m1 >= h2 * 60 + m2)
		return -EINVAL;
	*start = h1 * 60 + m1;
	*end = h2 * 60 + m2;
	return 0;
}

static int parse(int argc, char **argv, struct settings *st)
{
	*st = (struct settings){.threshold = 5, .ack_minutes = 15, .start = 480, .end = 990};
	for (int i = 0; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (o[0] != '-') {
			if (st->school)
				return -EINVAL;
			st->school = o;
			continue;
		}
		if (!v) {
			fprintf(stderr, "vigil-server: %s needs a value\n", o);
			return -EINVAL;
		}
		i++;
		if (strcmp(o, "--contact") == 0 || strcmp(o, "--escalate") == 0 ||
		    strcmp(o, "--technician") == 0) {
			if (!address_ok(v)) {
				fprintf(stderr,
				        "vigil-server: %s \"%s\" is not an e-mail address\n", o, v);
				return -EINVAL;
			}
			if (o[2] == 't')
				st->technician = v;
			else if (o[2] == 'c' && st->ncontacts < MAX_CONTACTS)
				st->contacts[st->ncontacts++] = v;
			else if (o[2] == 'e' && st->nescalate < MAX_CONTACTS)
				st->escalate[st->nescalate++] = v;
			else
				return -E2BIG;
		} else if (strcmp(o, "--threshold") == 0) {
			if (parse_int64(v, 1, 5, &st->threshold) < 0) {
				fprintf(stderr, "vigil-server: --threshold is 1 to 5\n");
				return -EINVAL;
			}
		} else if (strcmp(o, "--flag-threshold") == 0) {
			if (parse_int64(v, 1, 5, &st->flag_threshold) < 0) {
				fprintf(stderr, "vigil-server: --flag-threshold is 1 to 5\n");
				return -EINVAL;
			}
		} else if (strcmp(o, "--flags") == 0) {
			if (parse_flags(v, st->flags, sizeof(st->flags)) < 0) {
				fprintf(stderr,
				        "vigil-server: --flags is a list of SEN, EHCP, CLA, "
				        "CP, CIN, EAL, PP (e.g. CP,CLA)\n");
				return -EINVAL;
			}
		} else if (strcmp(o, "--ack-minutes") == 0) {
			if (parse_int64(v, 1, 24 * 60, &st->ack_minutes) < 0) {
				fprintf(stderr, "vigil-server: --ack-minutes is 1 to 1440\n");
				return -EINVAL;
			}
		} else if (strcmp(o, "--hours") == 0) {
			if (parse_hours(v, &st->start, &st->end) < 0) {
				fprintf(stderr, "vigil-server: --hours is HH:MM-HH:MM\n");
				return -EINVAL;
			}
		} else if (strcmp(o, "--webhook") == 0) {
			if (strncmp(v, "https://", 8) != 0 && strncmp(v, "http://", 7) != 0) {
				fprintf(stderr, "vigil-server: --webhook is an http(s) URL\n");
				return -EINVAL;
			}
			st->webhook = v;
		} else if (strcmp(o, "--webhook-secret-file") == 0) {
			st->secret = v;
		} else {
			fprintf(stderr, "vigil-server: unknown option %s\n", o);
			return -EINVAL;
		}
	}
	if (!st->school)
		return -EINVAL;
	if (st->secret && !st->webhook) {
		fprintf(stderr, "vigil-server: --webhook-secret-file needs --webhook\n");
		return -EINVAL;
	}
	if (!st->flag_threshold != !st->flags[0]) {
		fprintf(stderr, "vigil-server: --flag-threshold and --flags go together\n");
		return -EINVAL;
	}
	return 0;
}

/* Replaces the school's settings and contacts (one statement at a time; the CLI is the
 * only writer of these tables). */
static int save(struct server *srv, const struct settings *st)
{
	struct store_alert_settings set = {
	    .threshold = st->threshold,
	    .hours_start = st->start,
	    .hours_end = st->end,
	    .ack_minutes = st->ack_minutes,
	    .webhook = st->webhook,
	    .technician = st->technician,
	    .contacts = st->contacts,
	    .ncontacts = st->ncontacts,
	    .escalate = st->escalate,
	    .nescalate = st->nescalate,
	};
	char abs_secret[PATH_MAX];
	int64_t school = 0;
	int r = store_school_lookup(srv->store, st->school, &school);

	if (r == -ENOENT) {
		fprintf(stderr, "vigil-server: no school \"%s\"\n", st->school);
		return -ENOENT;
	}
	if (r < 0)
		return r;
	if (st->secret && !realpath(st->secret, abs_secret)) {
		fprintf(stderr, "vigil-server: %s: %s\n", st->secret, strerror(errno));
		return -ENOENT;
	}
	set.secret_file = st->secret ? abs_secret : NULL;
	r = store_alert_settings_replace(srv->store, school, &set);
	if (r == 0)
		r = store_alert_flag_threshold_set(srv->store, school, st->flag_threshold,
		                                   st->flags);
	return r;
}

int alerts_cli(const struct config *cfg, int argc, char **argv)
{
	struct settings st;
	struct server srv;
	int64_t now = rfc3339_now_ms();
	int r;

	if (argc >= 1 && strcmp(argv[0], "test") == 0) {
		char err[256] = "";
		/* A test message: checks smtp-url, STARTTLS and credentials without a
		 * capture. */
		if (argc != 2 || !address_ok(argv[1])) {
			fprintf(stderr, "usage: vigil-server alerts test ADDRESS\n");
			return 2;
		}
		char mid[384];
		curl_global_init(CURL_GLOBAL_DEFAULT);
		alerts_message_id(cfg, 0, NULL, mid, sizeof(mid));
		r = alerts_smtp_send(
		    cfg, argv[1], "[Vigil] Test message",
		    "This is a test of Vigil's alert e-mail. Nothing happened.\r\n", mid, err,
		    sizeof(err));
		curl_global_cleanup();
		if (r < 0) {
			fprintf(stderr, "vigil-server: alerts test: %s\n", err);
			return 1;
		}
		printf("alerts test: sent to %s\n", argv[1]);
		return 0;
	}
	if (argc >= 1 && strcmp(argv[0], "tick") == 0) {
		if (argc == 3 && strcmp(argv[1], "--now") == 0) {
			if (rfc3339_parse(argv[2], &now) < 0) {
				fprintf(stderr, "vigil-server: --now \"%s\" is not RFC 3339\n",
				        argv[2]);
				return 2;
			}
		} else if (argc != 1) {
			fprintf(stderr, "usage: vigil-server alerts tick [--now RFC3339]\n");
			return 2;
		}
		if (server_drop_privileges(cfg, 1) < 0 || server_open(&srv, cfg, 1) < 0)
			return 1;
		r = alerts_deliver(&srv, now);
		server_close(&srv);
		if (r < 0) {
			fprintf(stderr, "vigil-server: alerts: %s\n", strerror(-r));
			return 1;
		}
		printf("alerts: sent %d\n", r);
		return 0;
	}
	if (parse(argc, argv, &st) < 0) {
		fprintf(stderr, "usage: vigil-server school alerts NAME [--contact ADDR]... "
		                "[--escalate ADDR]... [--technician ADDR] [--threshold 1-5] "
		                "[--flag-threshold 1-5 --flags CP,CLA,...] [--hours HH:MM-HH:MM] "
		                "[--ack-minutes N] [--webhook URL "
		                "[--webhook-secret-file FILE]]\n");
		return 2;
	}
	if (server_drop_privileges(cfg, 1) < 0 || server_open(&srv, cfg, 1) < 0)
		return 1;
	r = save(&srv, &st);
	server_close(&srv);
	if (r < 0 && r != -ENOENT)
		fprintf(stderr, "vigil-server: school alerts: %s\n", strerror(-r));
	return r < 0 ? 1 : 0;
}
