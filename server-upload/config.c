/* config.c: vigil-server settings from the configuration file and the command line. */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "localzone.h"
#include "server-limits.h"
#include "settings.h"

#define F(field)                        offsetof(struct config, field)
#define UINT(k, field, lo, hi, d, a, h) SETTING_NUMBER(k, setting_uint, F(field), lo, hi, d, a, h)
#define BYTES(k, field, lo, hi, d, h)                                                              \
	SETTING_NUMBER(k, setting_bytes, F(field), lo, hi, d, "BYTES", h)

/* Every setting of vigil-server: the file's keys, the flags and --help (docs/server.md). */
static const struct setting table[] = {
    {.key = "config",
     .type = &setting_path,
     .offset = F(config_path),
     .arg = "FILE",
     .help = "the settings file",
     .flags = SETTING_CLI},
    {.key = "foreground",
     .type = &setting_bool,
     .offset = F(foreground),
     .help = "accepted as vigil-agent takes it; the server never detaches",
     .flags = SETTING_CLI | SETTING_NOARG},
    {.key = "listen",
     .type = &setting_listen,
     .offset = F(listen),
     .arg = "ADDR:PORT",
     .help = "address and port: ADDR:PORT, [V6ADDR]:PORT, :PORT for all; port 0 picks one",
     .def_str = "127.0.0.1:8080"},
    SETTING_TEXT("data", setting_path, F(data), "DIR",
                 "data directory: vigil.db (SQLite), images/, signing.key; required"),
    {.key = "database",
     .type = &setting_string,
     .offset = F(database),
     .arg = "postgresql://...",
     .help = "PostgreSQL instead of SQLite in the data directory",
     .def_str = "",
     .def_note = "empty: SQLite"},
    {.key = "lists",
     .type = &setting_path,
     .offset = F(lists),
     .arg = "DIR",
     .help = "the phrase-list directory the technicians edit",
     .def_note = "<data>/wordlists"},
    SETTING_TEXT("user", setting_string, F(user), "NAME",
                 "system user to run as; required when started as root"),
    SETTING_TEXT("tls-cert", setting_path, F(tls_cert), "FILE",
                 "PEM certificate chain: native HTTPS"),
    SETTING_TEXT("tls-key", setting_path, F(tls_key), "FILE", "PEM key of tls-cert"),
    UINT("threads", threads, 1, 256, SERVER_THREADS_DEFAULT, "N", "HTTP worker threads"),
    UINT("max-connections", max_connections, 4, 100000, SERVER_CONNECTIONS_DEFAULT, "N",
         "simultaneous connections; more are refused"),
    UINT("head-timeout", head_timeout, 1, 3600, SERVER_HEAD_TIMEOUT_DEFAULT, "SECONDS",
         "a request's head (request line and headers) in all, however its bytes trickle"),
    UINT("timeout", timeout, 1, 3600, SERVER_TIMEOUT_DEFAULT, "SECONDS",
         "a connection may stay silent this long in the middle of a request"),
    BYTES("max-body", max_body, 1024, 1024LL * 1024 * 1024, SERVER_MAX_BODY_DEFAULT,
          "bytes of a capture upload; larger ones get 413"),
    UINT("offline-after", offline_after, 1, 365 * 86400, SERVER_OFFLINE_DEFAULT, "SECONDS",
         "without a heartbeat this long a machine is listed offline"),
    UINT("lists-check-interval", lists_check, 1, 86400, SERVER_LISTS_CHECK_DEFAULT, "SECONDS",
         "between looks at the lists directory"),
    UINT("retention-days", retention_days, 0, 36500, CONFIG_RETENTION_DAYS_DEFAULT, "DAYS",
         "captures older than this are deleted; 0 keeps them"),
    SETTING_LOG_LEVEL(F(log_level)),
    SETTING_TEXT("smtp-url", setting_string, F(smtp_url), "smtp://HOST:PORT",
                 "mail server of urgent alerts (smtp:// or smtps://)"),
    SETTING_TEXT("smtp-from", setting_string, F(smtp_from), "ADDR", "envelope and From: address"),
    SETTING_TEXT("smtp-credentials", setting_path, F(smtp_credentials), "FILE",
                 "0600 file, first line user:password"),
    SETTING_TEXT("public-url", setting_string, F(public_url), "URL", "base of links in alerts"),
    UINT("alert-poll", alert_poll, 1, 60, 1, "SECONDS", "between looks at the alert outbox"),
    UINT("offline-alarm-after", offline_alarm, 60, 7 * 86400, 1800, "SECONDS",
         "silence in school hours before the offline alarm"),
    SETTING_NUMBER("report-time", setting_clock, F(report_time), 0, 0, 7 * 60, "HH:MM",
                   "local time of the Monday e-mail"),
    SETTING_TEXT("webhook-allow-private", setting_bool, F(webhook_allow_private), "yes|no",
                 "alert webhooks may reach loopback, link-local and private addresses"),
    SETTING_TEXT("s3-url", setting_string, F(s3_url), "http(s)://HOST:PORT/BUCKET",
                 "screenshots in an S3-compatible store instead of the data directory"),
    SETTING_TEXT("s3-region", setting_string, F(s3_region), "REGION", "SigV4 region of s3-url"),
    SETTING_TEXT("s3-credentials", setting_path, F(s3_credentials), "FILE",
                 "0600 file, first line ACCESS_KEY:SECRET"),
    SETTING_TEXT("oidc-issuer", setting_string, F(oidc_issuer), "URL",
                 "staff sign in with this OpenID Connect provider (https://, or http:// on "
                 "loopback)"),
    SETTING_TEXT("oidc-client-id", setting_string, F(oidc_client_id), "ID",
                 "Vigil's client id at oidc-issuer"),
    SETTING_TEXT("oidc-client-secret-file", setting_path, F(oidc_client_secret_file), "FILE",
                 "0600 file, first line the client secret of oidc-client-id"),
    {.key = "time-zone",
     .type = &setting_string,
     .offset = F(time_zone),
     .arg = "ZONE",
     .help = "the school's time zone: times on pages and reports, weeks from local midnight",
     .def_str = "Europe/London"},
    SETTING_TEXT("ldap-url", setting_string, F(ldap_url), "ldap(s)://HOST[:PORT]",
                 "roster sync reads pupils from this directory"),
    SETTING_TEXT("ldap-bind-dn", setting_string, F(ldap_bind_dn), "DN",
                 "the directory account Vigil binds as"),
    SETTING_TEXT("ldap-password-file", setting_path, F(ldap_password_file), "FILE",
                 "0600 file, first line the password of ldap-bind-dn"),
    SETTING_TEXT("ldap-base", setting_string, F(ldap_base), "DN", "where pupils are searched for"),
    {.key = "ldap-filter",
     .type = &setting_string,
     .offset = F(ldap_filter),
     .arg = "FILTER",
     .help = "which entries under ldap-base are pupils",
     .def_str = "(objectClass=inetOrgPerson)"},
    {.key = "ldap-map",
     .type = &setting_string,
     .offset = F(ldap_map),
     .arg = "COLUMN=ATTRIBUTE,...",
     .help = "roster columns from directory attributes (Active Directory: login=sAMAccountName)",
     .def_str = "login=uid,given_name=givenName,family_name=sn,preferred_name=displayName,"
                "year_group=departmentNumber,reg_group=ou,flags=employeeType"},
    SETTING_TEXT("trusted-proxy", setting_ip, F(trusted_proxy), "ADDR",
                 "the reverse proxy: only from it is X-Forwarded-For believed"),
    SETTING_TEXT("cookie-secure", setting_bool, F(cookie_secure), "yes|no",
                 "Secure session cookies although TLS ends at a proxy"),
    UINT("max-image-side", max_image_side, 16, CAPTURE_MAX_DIMENSION, SERVER_IMAGE_SIDE_DEFAULT,
         "PIXELS", "on either side of a screenshot; larger ones get 400"),
    UINT("max-image-megapixels", max_image_mpixels, 1, 1024, SERVER_IMAGE_MPIXELS_DEFAULT, "N",
         "width x height of a screenshot in millions of pixels; more gets 400"),
    UINT("max-connections-per-address", max_conn_per_addr, 1, 100000, SERVER_CONN_PER_ADDR_DEFAULT,
         "N", "connections from one client address at once"),
    BYTES("max-inflight-per-address", max_inflight_per_addr, 65536, 1LL << 32,
          SERVER_INFLIGHT_PER_ADDR_DEFAULT,
          "body bytes one client address may have buffered at once; 503 above"),
    BYTES("max-inflight-per-machine", max_inflight_per_machine, 65536, 1LL << 32,
          SERVER_INFLIGHT_PER_MACHINE_DEFAULT,
          "capture bytes one machine may have buffered at once; 503 above"),
};

static const struct settings server_settings = {
    .prog = "vigil-server",
    .table = table,
    .n = sizeof(table) / sizeof(table[0]),
};

int config_init(struct config *c)
{
	*c = (struct config){0};
	return settings_init(&server_settings, c);
}

void config_clear(struct config *c)
{
	settings_clear(&server_settings, c);
	*c = (struct config){0};
}

int config_set(struct config *c, const char *key, const char *value, char *err, size_t errlen)
{
	int r = settings_set(&server_settings, c, key, value, false, err, errlen);

	return r < 0 ? r : 0;
}

int config_load(struct config *c, const char *path, char *err, size_t errlen)
{
	return settings_load(&server_settings, c, path, c->given, err, errlen);
}

void config_usage(FILE *f)
{
	fputs("Settings (in the file as \"key = value\", or --key VALUE, which wins):\n", f);
	settings_usage(&server_settings, f);
}

int config_parse_args(struct config *c, int argc, char **argv, int *first,
                      void (*commands_help)(FILE *f), char *err, size_t errlen)
{
	int r = settings_parse_args(&server_settings, c, argc, argv, first, &c->given, err, errlen);

	if (r == SETTINGS_HELP) {
		commands_help(stdout);
		config_usage(stdout);
		return 1;
	}
	if (r == SETTINGS_VERSION) {
		puts("vigil-server " VIGIL_VERSION);
		return 1;
	}
	if (r < 0 || !c->config_path)
		return r;
	return config_load(c, c->config_path, err, errlen);
}

int config_finish(struct config *c, char *err, size_t errlen)
{
	if (!c->data || !*c->data) {
		snprintf(err, errlen, "no data directory: give --data DIR or \"data = DIR\"");
		return -EINVAL;
	}
	if (!!c->tls_cert != !!c->tls_key) {
		snprintf(err, errlen, "tls-cert and tls-key go together");
		return -EINVAL;
	}
	if (c->smtp_url && strncmp(c->smtp_url, "smtp://", 7) != 0 &&
	    strncmp(c->smtp_url, "smtps://", 8) != 0) {
		snprintf(err, errlen, "smtp-url: \"%s\" is not smtp://HOST:PORT or smtps://",
		         c->smtp_url);
		return -EINVAL;
	}
	if (c->smtp_url && !c->smtp_from) {
		snprintf(err, errlen, "smtp-url needs smtp-from");
		return -EINVAL;
	}
	if (c->s3_url && (!c->s3_region || !c->s3_credentials)) {
		snprintf(err, errlen, "s3-url needs s3-region and s3-credentials");
		return -EINVAL;
	}
	if (!c->lists && asprintf(&c->lists, "%s/wordlists", c->data) < 0)
		return -ENOMEM;
	/* Every local time the server shows or schedules by (pages, reports, school hours,
	 * the Monday e-mail) is in this zone. */
	return localzone_set(c->time_zone ? c->time_zone : "Europe/London", err, errlen);
}
