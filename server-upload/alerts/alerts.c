/* alerts.c: the alert outbox worker: claims due rows, sends them, records the outcome. */
#include "alerts.h"

#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "capture_hits.h"
#include "report/digest.h" /* not common/digest.h */
#include "dynbuf.h"
#include "log.h"
#include "rfc3339.h"
#include "server.h"
#include "store_alerts.h"
#include "store_moderation.h"
#include "token.h"

#define BATCH    32
#define WHY_HITS 16  /* hits of a capture whose lowering an e-mail explains */
#define WHY_LINE 900 /* bytes of one explanation: e-mail lines stay under 998 */
#define MAX_CATS 16  /* categories an alert names */

struct alerts {
	struct server *srv;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop;
};

struct due {
	int64_t id, school_id, attempts, severity, time_ms, threshold;
	char *kind, *channel, *target, *capture_id, *category, *school, *machine, *secret_file;
	char *week;   /* kind "digest" */
	char *detail; /* what an alarm is about (unmonitored session) */
};

struct due_list {
	struct due v[BATCH];
	size_t n;
};

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static int due_row(const struct store_alert_due *a, void *ud)
{
	struct due_list *l = ud;
	struct due *d;

	if (l->n >= BATCH)
		return 0;
	d = &l->v[l->n++];
	*d = (struct due){.id = a->id,
	                  .channel = dup_or_null(a->channel),
	                  .target = dup_or_null(a->target),
	                  .capture_id = dup_or_null(a->capture_id),
	                  .attempts = a->attempts,
	                  .category = dup_or_null(a->category),
	                  .severity = a->severity,
	                  .school = dup_or_null(a->school),
	                  .machine = dup_or_null(a->machine),
	                  .time_ms = a->time_ms,
	                  .school_id = a->school_id,
	                  .secret_file = dup_or_null(a->secret_file),
	                  .kind = dup_or_null(a->kind),
	                  .week = dup_or_null(a->week),
	                  .detail = dup_or_null(a->detail),
	                  .threshold = a->threshold};
	return 0;
}

static void due_free(struct due *d)
{
	free(d->kind);
	free(d->channel);
	free(d->target);
	free(d->capture_id);
	free(d->category);
	free(d->school);
	free(d->machine);
	free(d->secret_file);
	free(d->week);
	free(d->detail);
}

/* Copies s without control characters (header safety: names come from agents). */
static void clean(char *dst, size_t size, const char *s)
{
	size_t i = 0;

	for (; s && *s && i + 1 < size; s++)
		dst[i++] = ((unsigned char)*s < 0x20 || *s == 0x7f) ? '?' : *s;
	dst[i] = '\0';
}

struct record_copy {
	int64_t school_id;
	char *record;
};

static int record_cb(const struct store_capture_brief *b, void *ud)
{
	struct record_copy *c = ud;

	if (b->school_id != c->school_id)
		return 0;
	c->record = strdup(b->record);
	return c->record ? 0 : -ENOMEM;
}

/* One line of lowered_lines, control characters removed (the e-mail is plain text). */
static int lowered_line(const char *category, const char *why, void *ud)
{
	char line[WHY_LINE + 160], cat[128];
	int r;

	clean(cat, sizeof(cat), category);
	snprintf(line, sizeof(line), "Lowered:  %s, ", cat);
	clean(line + strlen(line), sizeof(line) - strlen(line), why);
	r = dynbuf_add(ud, line, strlen(line));
	return r < 0 ? r : dynbuf_add(ud, "\r\n", 2);
}

/* The stored record of the alert's capture: 0 and *out (NULL when the capture is gone),
 * or -errno. */
static int capture_record(struct store *st, const struct due *d, json_t **out)
{
	struct record_copy c = {.school_id = d->school_id};
	int r = d->capture_id ? store_capture_brief_get(st, d->capture_id, record_cb, &c) : 0;

	*out = r == 0 && c.record ? json_loads(c.record, 0, NULL) : NULL;
	free(c.record);
	return r;
}

/*
 * What lowered the severity of the capture's hits (rec: its record, NULL when gone), one
 * line each ("Lowered:  self-harm, severity 5 → 2: 'lol' 1 word after (rule
 * self-harm.txt:17)\r\n"), worded as the capture page words it: the lists' context cue
 * and rule, not the pupil's words. Sets *out (malloc'd, caller frees; "" when context
 * lowered nothing). Returns 0 or -errno.
 */
static int lowered_lines(json_t *rec, char **out)
{
	struct dynbuf b;
	int r;

	*out = NULL;
	dynbuf_init(&b, WHY_HITS * (WHY_LINE + 160));
	r = capture_hits_lowered(rec, WHY_HITS, WHY_LINE, lowered_line, &b);
	if (r == 0)
		r = dynbuf_add(&b, "", 1); /* "" rather than NULL when there is nothing */
	if (r < 0) {
		dynbuf_free(&b);
		return r;
	}
	*out = dynbuf_take(&b, NULL);
	return 0;
}

/*
 * The categories of the capture's hits at or above the school's threshold, each with the
 * sources of its hits (capture_hits_categories): every one the alert names. Without the
 * record (the capture gone) the capture's own category. Returns how many (>= 1).
 */
static size_t crossed(json_t *rec, const struct due *d, struct capture_category *out)
{
	size_t n = rec ? capture_hits_categories(rec, (int)d->threshold, out, MAX_CATS) : 0;

	if (n == 0) {
		memset(out, 0, sizeof(*out));
		clean(out->category, sizeof(out->category), d->category);
		out->severity = (int)d->severity;
		n = 1;
	}
	return n;
}

/* The sources of a category, ", " between them ("typed, clipboard"), "" when none. */
static void sources_text(const struct capture_category *k, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (unsigned int i = 0; capture_source_name(i) && len < size; i++)
		if (k->sources & (1u << i))
			len += (size_t)snprintf(buf + len, size - len, "%s%s", len ? ", " : "",
			                        capture_source_name(i));
}

/* The e-mail's lines naming each category that crossed the threshold and where its hits
 * came from ("Crossed:  grooming, severity 5, from typed\r\n"), and the names alone
 * for the subject ("self-harm, grooming"). */
static void crossed_text(const struct capture_category *k, size_t n, char *lines, size_t lines_size,
                         char *names, size_t names_size)
{
	size_t ll = 0, nl = 0;
	char src[96], cat[96];

	lines[0] = names[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		clean(cat, sizeof(cat), k[i].category);
		sources_text(&k[i], src, sizeof(src));
		if (ll < lines_size)
			ll += (size_t)snprintf(lines + ll, lines_size - ll,
			                       "Crossed:  %s, severity %d%s%s\r\n", cat,
			                       k[i].severity, *src ? ", from " : "", src);
		if (nl < names_size)
			nl += (size_t)snprintf(names + nl, names_size - nl, "%s%s", i ? ", " : "",
			                       cat);
	}
}

/* One element of the webhook's "lowered" array: the same words as the e-mail's line. */
static int lowered_item(const char *category, const char *why, void *ud)
{
	json_t *o = json_pack("{s:s, s:s}", "category", category, "why", why);

	return o && json_array_append_new(ud, o) == 0 ? 0 : -ENOMEM;
}

/* The webhook's "categories": each category that crossed the threshold, its highest
 * severity and the sources of its hits. */
static json_t *categories_json(const struct capture_category *k, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n; i++) {
		json_t *src = json_array(), *o;
		for (unsigned int b = 0; src && capture_source_name(b); b++)
			if (k[i].sources & (1u << b))
				json_array_append_new(src, json_string(capture_source_name(b)));
		o = src ? json_pack("{s:s, s:i, s:o}", "category", k[i].category, "severity",
		                    k[i].severity, "sources", src)
		        : NULL;
		if (!o || json_array_append_new(a, o) < 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

/* The webhook's body: the alert's fields, every category that crossed the threshold and
 * what lowered its capture's hits. */
static int webhook_body(json_t *rec, const struct due *d, const char *cat, const char *school,
                        const char *machine, const char *when, const char *link, char **out)
{
	struct capture_category k[MAX_CATS];
	size_t nk = crossed(rec, d, k);
	json_t *lowered = json_array(), *cats = categories_json(k, nk), *o;
	int r = lowered && cats
	            ? capture_hits_lowered(rec, WHY_HITS, WHY_LINE, lowered_item, lowered)
	            : -ENOMEM;

	*out = NULL;
	if (r < 0) {
		json_decref(lowered);
		json_decref(cats);
		return r;
	}
	o = json_pack("{s:s, s:I, s:s, s:I, s:s, s:s, s:s, s:s, s:o, s:o}", "event", "capture",
	              "alert", (json_int_t)d->id, "category", cat, "severity",
	              (json_int_t)d->severity, "school", school, "machine", machine, "time", when,
	              "link", link, "lowered", lowered, "categories", cats);
	*out = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(o);
	return *out ? 0 : -ENOMEM;
}

/* The message: what happened and where, never who or what was typed (docs/alerts.md). */
static int send_one(struct server *srv, const struct due *d, char *err, size_t errlen)
{
	const struct config *cfg = srv->cfg;
	char when[40], cat[128], school[160], machine[160], link[1024], subject[512], mid[384];
	char *body = NULL, *json = NULL;
	int r;

	rfc3339_format(d->time_ms, when, sizeof(when));
	clean(cat, sizeof(cat), d->category);
	clean(school, sizeof(school), d->school);
	clean(machine, sizeof(machine), d->machine);
	snprintf(link, sizeof(link), "%s/captures/%s", cfg->public_url ? cfg->public_url : "",
	         d->capture_id ? d->capture_id : "");
	if (strcmp(d->channel, "webhook") == 0) {
		json_t *rec = NULL;
		if ((r = capture_record(srv->store, d, &rec)) == 0)
			r = webhook_body(rec, d, cat, school, machine, when, link, &json);
		json_decref(rec);
		if (r < 0) {
			snprintf(err, errlen, "webhook body: %s", strerror(-r));
			return r;
		}
		r = alerts_webhook_post(d->target, d->secret_file, json, cfg->webhook_allow_private,
		                        err, errlen);
		free(json);
		return r;
	}
	{
		char seed[512];
		snprintf(seed, sizeof(seed), "%lld|%s|%s|%s|%s|%lld", (long long)d->id,
		         d->capture_id ? d->capture_id : "", d->kind ? d->kind : "", school,
		         machine, (long long)d->time_ms);
		alerts_message_id(cfg, (long long)d->id, seed, mid, sizeof(mid));
	}
	if (d->kind && strcmp(d->kind, "digest") == 0) {
		char *subj = NULL;
		if ((r = digest_compose(srv->store, cfg->public_url, d->school_id, d->school,
		                        d->week ? d->week : "", &subj, &body)) < 0) {
			snprintf(err, errlen, "weekly summary: %s", strerror(-r));
			return r;
		}
		snprintf(subject, sizeof(subject), "%s", subj);
		free(subj);
	} else if (d->kind && strcmp(d->kind, "offline") == 0) {
		snprintf(subject, sizeof(subject), "[Vigil] Machine offline: %s at %s", machine,
		         school);
		if (asprintf(&body,
		             "The Vigil agent on %s (%s) has sent no heartbeat for more than %u "
		             "minutes during school hours.\r\nIt may be switched off, "
		             "disconnected or the agent stopped. You will not be told again "
		             "until it has been heard from.\r\n",
		             machine, school, cfg->offline_alarm / 60) < 0)
			body = NULL;
	} else if (d->kind && strcmp(d->kind, "unmonitored") == 0) {
		char what[400];

		clean(what, sizeof(what), d->detail);
		snprintf(subject, sizeof(subject), "[Vigil] Unmonitored session: %s at %s", machine,
		         school);
		if (asprintf(&body,
		             "On %s (%s) %s.\r\nVigil cannot see what is typed or shown there: a "
		             "desktop it cannot watch (e.g. Wayland) was chosen at the login "
		             "screen, or its monitor keeps failing.\r\nThe machines page shows the "
		             "session. You will not be told again about this session; the alarm "
		             "clears when it ends or is monitored.\r\n",
		             machine, school, what) < 0)
			body = NULL;
	} else {
		char tok[TOKEN_BUF], hash[TOKEN_HASH_BUF], ack[1200], *lowered = NULL;
		char lines[MAX_CATS * 160], names[256];
		struct capture_category k[MAX_CATS];
		json_t *rec = NULL;

		if ((r = capture_record(srv->store, d, &rec)) == 0 &&
		    (r = lowered_lines(rec, &lowered)) == 0)
			crossed_text(k, crossed(rec, d, k), lines, sizeof(lines), names,
			             sizeof(names));
		json_decref(rec);
		if (r < 0) {
			snprintf(err, errlen, "database: %s", strerror(-r));
			return r;
		}
		/* A fresh secret per message for the one-click acknowledgement. */
		if ((r = token_new(tok)) < 0) {
			free(lowered);
			snprintf(err, errlen, "random: %s", strerror(-r));
			return r;
		}
		token_hash(tok, hash);
		if ((r = store_alert_ack_token(srv->store, d->id, hash)) < 0) {
			free(lowered);
			snprintf(err, errlen, "database: %s", strerror(-r));
			return r;
		}
		snprintf(ack, sizeof(ack), "%s/alerts/ack?a=%lld&t=%s",
		         cfg->public_url ? cfg->public_url : "", (long long)d->id, tok);
		snprintf(subject, sizeof(subject), "[Vigil] Urgent: %s, severity %lld, %s%s", names,
		         (long long)d->severity, school,
		         d->kind && strcmp(d->kind, "escalation") == 0 ? " (escalated)"
		         : d->kind && strcmp(d->kind, "referral") == 0 ? " (escalated to the DSL)"
		                                                       : "");
		if (asprintf(
		        &body,
		        "Vigil stored a capture at or above this school's alert threshold.\r\n"
		        "%s\r\n"
		        "Category: %s\r\nSeverity: %lld\r\n%s%sSchool:   %s\r\nMachine:  %s\r\n"
		        "Time:     %s\r\n\r\nOpen the capture (sign-in required):\r\n%s\r\n\r\n"
		        "Acknowledge (one click; stops escalation):\r\n%s\r\n\r\n"
		        "This message holds no pupil name, text or screenshot by design.\r\n",
		        d->kind && strcmp(d->kind, "escalation") == 0
		            ? "Nobody has acknowledged it yet: it is escalated to you.\r\n"
		        : d->kind && strcmp(d->kind, "referral") == 0
		            ? "A moderator escalated it to the designated safeguarding lead.\r\n"
		            : "",
		        cat, (long long)d->severity, lines, lowered, school, machine, when, link,
		        ack) < 0)
			body = NULL;
		sodium_memzero(tok, sizeof(tok));
		free(lowered);
	}
	if (!body) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	r = alerts_smtp_send(cfg, d->target, subject, body, mid, err, errlen);
	free(body);
	return r;
}

static int64_t backoff_ms(int64_t attempts)
{
	int64_t ms = 5000;

	for (int64_t i = 1; i < attempts && ms < 600000; i++)
		ms *= 2;
	return ms < 600000 ? ms : 600000;
}

int alerts_deliver(struct server *srv, int64_t now)
{
	struct store *st = srv->store;
	struct due_list l = {.n = 0};
	int sent = 0, r;

	if ((r = alerts_escalate(srv, now)) < 0)
		log_warning("alerts: escalation: %s", strerror(-r));
	if ((r = alerts_offline(srv, now)) < 0)
		log_warning("alerts: offline alarms: %s", strerror(-r));
	if ((r = digest_schedule(srv->store, now, srv->cfg->report_time)) < 0)
		log_warning("alerts: weekly summaries: %s", strerror(-r));
	if ((r = alerts_unmonitored(srv, now)) < 0)
		log_warning("alerts: unmonitored-session alarms: %s", strerror(-r));
	r = store_alerts_due(st, now, now - ALERTS_RECLAIM_MS, BATCH, due_row, &l);
	if (r < 0)
		return r;
	for (size_t i = 0; i < l.n; i++) {
		struct due *d = &l.v[i];
		char err[256] = "", detail[512];
		int64_t attempt = d->attempts + 1;
		bool claimed = false;

		/* Claim: one server sends it even when several look at once. */
		r = store_alert_claim(st, d->id, now, now - ALERTS_RECLAIM_MS, &claimed);
		if (r < 0 || !claimed) {
			due_free(d);
			continue;
		}
		r = send_one(srv, d, err, sizeof(err));
		now = rfc3339_now_ms();
		if (r == 0) {
			store_alert_sent(st, d->id, now);
			snprintf(detail, sizeof(detail), "%s to %s", d->channel, d->target);
			sent++;
		} else {
			bool give_up = attempt >= ALERTS_MAX_ATTEMPTS;
			store_alert_failed(st, d->id, err, give_up ? 0 : now + backoff_ms(attempt));
			snprintf(detail, sizeof(detail), "%s to %s, attempt %lld%s: %s", d->channel,
			         d->target, (long long)attempt, give_up ? " (giving up)" : "", err);
			log_warning("alert %lld: %s", (long long)d->id, detail);
		}
		audit_record(srv->store, "system", d->school_id,
		             r == 0 ? "alert-sent" : "alert-failed", d->capture_id, detail);
		due_free(d);
	}
	return sent;
}

static void *worker(void *arg)
{
	struct alerts *a = arg;
	struct timespec until;

	pthread_mutex_lock(&a->lock);
	while (!a->stop) {
		pthread_mutex_unlock(&a->lock);
		int r = alerts_deliver(a->srv, rfc3339_now_ms());
		if (r < 0)
			log_warning("alerts: cannot read the outbox: %s", strerror(-r));
		pthread_mutex_lock(&a->lock);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += a->srv->cfg->alert_poll;
		if (!a->stop)
			pthread_cond_timedwait(&a->cond, &a->lock, &until);
	}
	pthread_mutex_unlock(&a->lock);
	return NULL;
}

int alerts_start(struct server *srv, struct alerts **out)
{
	struct alerts *a = calloc(1, sizeof(*a));
	int r;

	if (!a)
		return -ENOMEM;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	a->srv = srv;
	pthread_mutex_init(&a->lock, NULL);
	pthread_cond_init(&a->cond, NULL);
	if ((r = pthread_create(&a->thread, NULL, worker, a)) != 0) {
		free(a);
		return -r;
	}
	*out = a;
	return 0;
}

void alerts_stop(struct alerts *a)
{
	if (!a)
		return;
	pthread_mutex_lock(&a->lock);
	a->stop = true;
	pthread_cond_signal(&a->cond);
	pthread_mutex_unlock(&a->lock);
	pthread_join(a->thread, NULL);
	pthread_mutex_destroy(&a->lock);
	pthread_cond_destroy(&a->cond);
	free(a);
}
