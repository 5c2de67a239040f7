/* config.c: vigil-server settings from the configuration file and the command line. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "server-limits.h"

void config_init(struct config *c)
{
	*c = (struct config){
	    .listen = strdup("127.0.0.1:8080"),
	    .database = strdup(""),
	    .threads = SERVER_THREADS_DEFAULT,
	    .max_connections = SERVER_CONNECTIONS_DEFAULT,
	    .timeout = SERVER_TIMEOUT_DEFAULT,
	    .max_body = SERVER_MAX_BODY_DEFAULT,
	    .offline_after = SERVER_OFFLINE_DEFAULT,
	    .lists_check = SERVER_LISTS_CHECK_DEFAULT,
	    .retention_days = CONFIG_RETENTION_DAYS_DEFAULT,
	    .log_level = LOG_LEVEL_INFO,
	    .alert_poll = 1,
	    .offline_alarm = 1800,
	    .max_image_side = SERVER_IMAGE_SIDE_DEFAULT,
	    .max_image_mpixels = SERVER_IMAGE_MPIXELS_DEFAULT,
	    .max_conn_per_addr = SERVER_CONN_PER_ADDR_DEFAULT,
	    .max_inflight_per_addr = SERVER_INFLIGHT_PER_ADDR_DEFAULT,
	    .max_inflight_per_machine = SERVER_INFLIGHT_PER_MACHINE_DEFAULT,
	    .report_time = 7 * 60,
	};
}

void config_clear(struct config *c)
{
	free(c->listen);
	free(c->data);
	free(c->database);
	free(c->lists);
	free(c->user);
	free(c->tls_cert);
	free(c->tls_key);
	free(c->smtp_url);
	free(c->smtp_from);
	free(c->smtp_credentials);
	free(c->public_url);
	free(c->trusted_proxy);
	free(c->s3_url);
	free(c->s3_region);
	free(c->s3_credentials);
	*c = (struct config){0};
}

static int set_string(char **field, const char *value)
{
	char *copy = strdup(value);

	if (!copy)
		return -ENOMEM;
	free(*field);
	*field = copy;
	return 0;
}

static int set_uint(unsigned int *field, const char *key, const char *value, int64_t min,
                    int64_t max, char *err, size_t errlen)
{
	int64_t v;

	if (parse_int64(value, min, max, &v) < 0) {
		snprintf(err, errlen, "%s: \"%s\" is not a number from %lld to %lld", key, value,
		         (long long)min, (long long)max);
		return -EINVAL;
	}
	*field = (unsigned int)v;
	return 0;
}

static int set_bool(bool *field, const char *key, const char *value, char *err, size_t errlen)
{
	if (strcmp(value, "yes") == 0 || strcmp(value, "true") == 0 || strcmp(value, "1") == 0) {
		*field = true;
		return 0;
	}
	if (strcmp(value, "no") == 0 || strcmp(value, "false") == 0 || strcmp(value, "0") == 0) {
		*field = false;
		return 0;
	}
	snprintf(err, errlen, "%s: \"%s\" is not yes or no", key, value);
	return -EINVAL;
}

static int set_bytes(size_t *field, const char *key, const char *value, int64_t min, int64_t max,
                     char *err, size_t errlen)
{
	int64_t v;

	if (parse_int64(value, min, max, &v) < 0) {
		snprintf(err, errlen, "%s: \"%s\" is not a byte count from %lld to %lld", key,
		         value, (long long)min, (long long)max);
		return -EINVAL;
	}
	*field = (size_t)v;
	return 0;
}

/* An IPv4 or IPv6 address, written as http_request_peer() writes peers. */
static int set_address(char **field, const char *key, const char *value, char *err, size_t errlen)
{
	unsigned char buf[sizeof(struct in6_addr)];
	char text[INET6_ADDRSTRLEN];
	int af = strchr(value, ':') ? AF_INET6 : AF_INET;

	if (inet_pton(af, value, buf) != 1 || !inet_ntop(af, buf, text, sizeof(text))) {
		snprintf(err, errlen, "%s: \"%s\" is not an IP address", key, value);
		return -EINVAL;
	}
	return set_string(field, text);
}

int config_set(struct config *c, const char *key, const char *value, char *err, size_t errlen)
{
	if (strcmp(key, "listen") == 0)
		return set_string(&c->listen, value);
	if (strcmp(key, "data") == 0)
		return set_string(&c->data, value);
	if (strcmp(key, "database") == 0)
		return set_string(&c->database, value);
	if (strcmp(key, "lists") == 0)
		return set_string(&c->lists, value);
	if (strcmp(key, "user") == 0)
		return set_string(&c->user, value);
	if (strcmp(key, "s3-url") == 0)
		return set_string(&c->s3_url, value);
	if (strcmp(key, "s3-region") == 0)
		return set_string(&c->s3_region, value);
	if (strcmp(key, "s3-credentials") == 0)
		return set_string(&c->s3_credentials, value);
	if (strcmp(key, "tls-cert") == 0)
		return set_string(&c->tls_cert, value);
	if (strcmp(key, "tls-key") == 0)
		return set_string(&c->tls_key, value);
	if (strcmp(key, "threads") == 0)
		return set_uint(&c->threads, key, value, 1, 256, err, errlen);
	if (strcmp(key, "max-connections") == 0)
		return set_uint(&c->max_connections, key, value, 4, 100000, err, errlen);
	if (strcmp(key, "timeout") == 0)
		return set_uint(&c->timeout, key, value, 1, 3600, err, errlen);
	if (strcmp(key, "offline-after") == 0)
		return set_uint(&c->offline_after, key, value, 1, 365 * 86400, err, errlen);
	if (strcmp(key, "retention-days") == 0)
		return set_uint(&c->retention_days, key, value, 0, 36500, err, errlen);
	if (strcmp(key, "lists-check-interval") == 0)
		return set_uint(&c->lists_check, key, value, 1, 86400, err, errlen);
	if (strcmp(key, "smtp-url") == 0)
		return set_string(&c->smtp_url, value);
	if (strcmp(key, "smtp-from") == 0)
		return set_string(&c->smtp_from, value);
	if (strcmp(key, "smtp-credentials") == 0)
		return set_string(&c->smtp_credentials, value);
	if (strcmp(key, "public-url") == 0)
		return set_string(&c->public_url, value);
	if (strcmp(key, "alert-poll") == 0)
		return set_uint(&c->alert_poll, key, value, 1, 60, err, errlen);
	if (strcmp(key, "offline-alarm-after") == 0)
		return set_uint(&c->offline_alarm, key, value, 60, 7 * 86400, err, errlen);
	if (strcmp(key, "webhook-allow-private") == 0)
		return set_bool(&c->webhook_allow_private, key, value, err, errlen);
	if (strcmp(key, "cookie-secure") == 0)
		return set_bool(&c->cookie_secure, key, value, err, errlen);
	if (strcmp(key, "trusted-proxy") == 0)
		return set_address(&c->trusted_proxy, key, value, err, errlen);
	if (strcmp(key, "max-image-side") == 0)
		return set_uint(&c->max_image_side, key, value, 16, CAPTURE_MAX_DIMENSION, err,
		                errlen);
	if (strcmp(key, "max-image-megapixels") == 0)
		return set_uint(&c->max_image_mpixels, key, value, 1, 1024, err, errlen);
	if (strcmp(key, "max-connections-per-address") == 0)
		return set_uint(&c->max_conn_per_addr, key, value, 1, 100000, err, errlen);
	if (strcmp(key, "max-inflight-per-address") == 0)
		return set_bytes(&c->max_inflight_per_addr, key, value, 65536, 1LL << 32, err,
		                 errlen);
	if (strcmp(key, "max-inflight-per-machine") == 0)
		return set_bytes(&c->max_inflight_per_machine, key, value, 65536, 1LL << 32, err,
		                 errlen);
	if (strcmp(key, "report-time") == 0) {
		char hours[3] = {0};
		int hh, mm;
		if (strlen(value) == 5 && value[2] == ':')
			memcpy(hours, value, 2);
		if (parse_int(hours, 0, 23, &hh) < 0 || parse_int(value + 3, 0, 59, &mm) < 0) {
			snprintf(err, errlen, "report-time: \"%s\" is not a time like 07:00",
			         value);
			return -EINVAL;
		}
		c->report_time = (unsigned int)(hh * 60 + mm);
		return 0;
	}
	if (strcmp(key, "max-body") == 0) {
		int64_t v;
		if (parse_int64(value, 1024, 1024LL * 1024 * 1024, &v) < 0) {
			snprintf(err, errlen,
			         "max-body: \"%s\" is not a byte count from 1024 to 1 GiB", value);
			return -EINVAL;
		}
		c->max_body = (size_t)v;
		return 0;
	}
	if (strcmp(key, "log-level") == 0) {
		if (log_level_parse(value, &c->log_level) < 0) {
			snprintf(err, errlen,
			         "log-level: \"%s\" is not error, warning, info or debug", value);
			return -EINVAL;
		}
		return 0;
	}
	snprintf(err, errlen, "unknown setting \"%s\"", key);
	return -ENOENT;
}

static char *trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r'))
		*--end = '\0';
	return s;
}

int config_load(struct config *c, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	char line[4096], msg[256];
	int lineno = 0, r = 0;

	if (!f) {
		r = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return r;
	}
	while (fgets(line, sizeof(line), f)) {
		char *s = trim(line), *eq;
		lineno++;
		if (*s == '\0' || *s == '#')
			continue;
		eq = strchr(s, '=');
		if (!eq) {
			snprintf(err, errlen, "%s:%d: expected \"key = value\"", path, lineno);
			r = -EINVAL;
			break;
		}
		*eq = '\0';
		r = config_set(c, trim(s), trim(eq + 1), msg, sizeof(msg));
		if (r < 0) {
			snprintf(err, errlen, "%s:%d: %s", path, lineno, msg);
			break;
		}
	}
	fclose(f);
	return r;
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
	return 0;
}
