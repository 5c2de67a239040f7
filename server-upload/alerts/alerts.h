/* alerts.h: urgent alerts: the outbox worker, e-mail and webhook delivery, the CLI. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

struct server;
struct alerts;

/*
 * The outbox (table alerts, docs/alerts.md) is filled by a database trigger in the
 * transaction that stores a capture, so an accepted capture always has its alert rows.
 * The worker claims a due row (status "sending", attempts + 1), sends it, and marks it
 * "sent"; a failure puts it back as "pending" with a later next_try (5 s doubling, at
 * most 10 min) until ALERTS_MAX_ATTEMPTS, then "failed". A row left "sending" by a
 * server that died is taken up again after ALERTS_RECLAIM_MS.
 */
#define ALERTS_MAX_ATTEMPTS 12
#define ALERTS_RECLAIM_MS   (5 * 60 * 1000LL)

/* Starts the worker thread (looks at the outbox every cfg->alert_poll seconds). */
int alerts_start(struct server *srv, struct alerts **out);
/* Stops the thread after the message in progress and frees a (NULL ok). */
void alerts_stop(struct alerts *a);

/* One pass: sends what is due at now. Returns the number sent or -errno. */
int alerts_deliver(struct server *srv, int64_t now);

/* Sends one e-mail through cfg->smtp_url. Returns 0 or -errno with a message in err. */
int alerts_smtp_send(const struct config *cfg, const char *to, const char *subject,
                     const char *body, const char *message_id, char *err, size_t errlen);

/* POSTs json to url with X-Vigil-Signature: sha256=<hex HMAC-SHA256 of the body> keyed
 * by the first line of secret_file (0600; NULL: unsigned). 0 on a 2xx answer; -EACCES
 * when the host is a loopback, link-local or private address and !allow_private. */
int alerts_webhook_post(const char *url, const char *secret_file, const char *json,
                        bool allow_private, char *err, size_t errlen);

/* A Message-ID no other message has, and the same on every retry of one alert:
 * "<vigil-alert-ID.HASH@HOST>", HASH from the seed (what the alert is about: the
 * capture's random UUID, or for an alarm its school, machine and time; NULL: random),
 * HOST the host of cfg->public_url (else smtp-from's domain, else "vigil.invalid"). */
void alerts_message_id(const struct config *cfg, long long id, const char *seed, char *buf,
                       size_t size);

/* "school alerts NAME [--contact ADDR]... ..." and "alerts tick": exit status. */
int alerts_cli(const struct config *cfg, int argc, char **argv);

/* Acknowledges every alert of a capture for by (a login or the contact's address); the
 * audit log records it. Returns the rows acknowledged (0: already) or -errno. */
int alerts_ack_capture(struct server *srv, const char *capture_id, const char *by,
                       int64_t school_id);

/* The one-click acknowledgement pages (GET shows a button, POST acknowledges). */
#define ALERTS_MAX_ROUTES 2
struct http_route;
size_t alerts_routes(struct http_route *routes);

/* Escalation of unacknowledged alerts and the offline alarm, as of now (alerts_escalate.c);
 * run by alerts_deliver. Returns 0 or -errno. */
int alerts_escalate(struct server *srv, int64_t now);
int alerts_offline(struct server *srv, int64_t now);
/* One technician e-mail per unmonitored session reported by heartbeats, cleared when the
 * session ends or is monitored again (alerts_sessions.c); run by alerts_deliver. */
int alerts_unmonitored(struct server *srv, int64_t now);

/* True when now falls in school hours (minutes after local midnight, Monday to Friday). */
int alerts_in_hours(int64_t now, int64_t start_min, int64_t end_min);
