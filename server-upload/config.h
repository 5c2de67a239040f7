/* config.h: vigil-server settings from the configuration file and the command line. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "log.h"

/* Days a capture is kept by default: a school year and a term of follow-up. */
#define CONFIG_RETENTION_DAYS_DEFAULT 365u

/* The settings; the table in config.c names each one's key, range and default. */
struct config {
	char *config_path; /* --config FILE */
	bool foreground;   /* --foreground: accepted, as the server never detaches */
	char *listen;      /* "127.0.0.1:8443", "[::1]:8080", ":8080" */
	char *data;        /* data directory: SQLite database, images, signing key */
	char *database;    /* "" for SQLite, or a postgresql:// URI */
	char *lists;       /* phrase-list directory; default <data>/wordlists */
	char *user;        /* system user to run as when started as root */
	char *tls_cert;    /* PEM files for native HTTPS; both or neither */
	char *tls_key;
	unsigned int threads;         /* HTTP worker threads */
	unsigned int max_connections; /* concurrent connections */
	unsigned int timeout;         /* seconds of silence before a connection is dropped */
	unsigned int head_timeout;    /* seconds a request's head may take in all */
	size_t max_body;              /* bytes of a capture upload; 413 above */
	unsigned int offline_after;   /* seconds without heartbeat: machine listed offline */
	unsigned int lists_check;     /* seconds between looks at the lists directory */
	unsigned int retention_days;  /* captures older than this are deleted; 0: kept forever */
	enum log_level log_level;
	/* Urgent alerts (alerts.h, docs/alerts.md). */
	char *smtp_url;             /* smtp://host:port or smtps://; NULL: no e-mail */
	char *smtp_from;            /* envelope and From: address */
	char *smtp_credentials;     /* 0600 file "user:password" (first line); NULL: none */
	char *public_url;           /* base of links in alerts, e.g. https://vigil.school.example */
	unsigned int alert_poll;    /* seconds between looks at the alert outbox */
	unsigned int offline_alarm; /* seconds of silence in school hours before the alarm */
	bool webhook_allow_private; /* webhooks may reach loopback/private/link-local hosts */
	/* Screenshots in an S3-compatible object store instead of <data>/images (docs/scale.md). */
	char *s3_url;         /* http(s)://HOST:PORT/BUCKET; NULL: the data directory */
	char *s3_region;      /* SigV4 region, e.g. eu-west-2 */
	char *s3_credentials; /* 0600 file, first line ACCESS_KEY:SECRET */
	/* Hardening (docs/server.md "Limits"). */
	char *trusted_proxy;             /* address whose X-Forwarded-For is believed; NULL: none */
	bool cookie_secure;              /* Secure cookies although TLS ends at a proxy */
	unsigned int max_image_side;     /* pixels on a side of a screenshot; 400 above */
	unsigned int max_image_mpixels;  /* megapixels of a screenshot; 400 above */
	unsigned int max_conn_per_addr;  /* connections from one address at once */
	size_t max_inflight_per_addr;    /* body bytes buffered for one address at once */
	size_t max_inflight_per_machine; /* capture bytes buffered for one machine at once */
	unsigned int report_time;        /* Monday e-mail: minutes after local midnight (07:00) */
	/* Staff sign-in with the school's OpenID Connect provider (web_oidc.c). */
	char *oidc_issuer;    /* https://login.microsoftonline.com/TENANT/v2.0; NULL: off */
	char *oidc_client_id; /* the application (client) id registered there */
	char *oidc_client_secret_file; /* 0600 file, first line the client secret */
	char *time_zone;               /* what pages and reports show, weeks: Europe/London */
	/* roster sync: the school's directory (roster_ldap.c). */
	char *ldap_url;           /* ldap://HOST or ldaps://HOST; NULL: no directory */
	char *ldap_bind_dn;       /* who Vigil binds as; NULL: anonymous */
	char *ldap_password_file; /* 0600 file, first line the bind password */
	char *ldap_base;          /* where pupils are searched for */
	char *ldap_filter;        /* which entries are pupils */
	char *ldap_map;           /* roster columns from attributes: login=uid,… */
	uint64_t given;           /* settings given on the command line: the file leaves them */
};

/* Fills c with the defaults (no data directory). 0 or -ENOMEM (c can be cleared). */
int config_init(struct config *c);
void config_clear(struct config *c);

/*
 * Sets one setting by its name in the file and on the command line ("listen",
 * "max-body", …). Returns 0, -ENOENT for an unknown name, -EINVAL for a bad value (with a
 * message in err).
 */
int config_set(struct config *c, const char *key, const char *value, char *err, size_t errlen);

/*
 * Reads "key = value" lines ('#' comments, blank lines) from path, leaving the settings
 * given on the command line. Returns 0 or -errno with "FILE:LINE: message" in err.
 */
int config_load(struct config *c, const char *path, char *err, size_t errlen);

/*
 * Parses the settings flags of argv (--key VALUE, --key=VALUE) up to the first word
 * that is not one, the command, returned in *first; then reads --config FILE for the
 * settings not given. Returns 0, 1 when the program should exit successfully (--help,
 * --version; commands_help is printed before the settings), or -errno with err.
 */
int config_parse_args(struct config *c, int argc, char **argv, int *first,
                      void (*commands_help)(FILE *f), char *err, size_t errlen);

/* Prints every setting with its range and default (--help). */
void config_usage(FILE *f);

/* Fills derived defaults (lists under data) and checks the whole; -EINVAL with err. */
int config_finish(struct config *c, char *err, size_t errlen);
