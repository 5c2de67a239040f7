/* alerts_smtp.c: alert e-mail through libcurl's SMTP client (STARTTLS required unless the
 * server is on loopback). */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "alerts.h"
#include "secretfile.h"
#include "urlhost.h"

struct reader {
	const char *p;
	size_t left;
};

static size_t read_cb(char *buf, size_t size, size_t n, void *ud)
{
	struct reader *r = ud;
	size_t len = size * n < r->left ? size * n : r->left;

	memcpy(buf, r->p, len);
	r->p += len;
	r->left -= len;
	return len;
}

/* Reads "user:password" from a file only its owner can read. */
static int read_credentials(const char *path, char *buf, size_t size, char *err, size_t errlen)
{
	int r = secretfile_read_line(path, buf, size);

	if (r == 0 && strchr(buf, ':'))
		return 0;
	snprintf(err, errlen, "smtp-credentials %s: %s", path,
	         r == -EPERM              ? "readable by others (chmod 600)"
	         : r == 0 || r == -EINVAL ? "expected USER:PASSWORD"
	                                  : strerror(-r));
	return r == 0 ? -EINVAL : r;
}

int alerts_smtp_send(const struct config *cfg, const char *to, const char *subject,
                     const char *body, const char *message_id, char *err, size_t errlen)
{
	char cred[512] = "", date[64], *msg = NULL, *colon;
	struct curl_slist *rcpt = NULL;
	struct reader rd;
	struct tm tm;
	time_t t = time(NULL);
	CURL *c;
	CURLcode rc;
	int r = 0, n;

	if (!cfg->smtp_url) {
		snprintf(err, errlen, "no smtp-url configured");
		return -ENOTCONN;
	}
	if (cfg->smtp_credentials &&
	    (r = read_credentials(cfg->smtp_credentials, cred, sizeof(cred), err, errlen)) < 0)
		return r;
	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	n = asprintf(&msg,
	             "Date: %s\r\nFrom: %s\r\nTo: %s\r\nMessage-ID: %s\r\nSubject: %s\r\n"
	             "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
	             "Content-Transfer-Encoding: 8bit\r\n\r\n%s",
	             date, cfg->smtp_from, to, message_id, subject, body);
	if (n < 0 || !(c = curl_easy_init())) {
		if (n >= 0)
			free(msg);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	rd = (struct reader){msg, (size_t)n};
	rcpt = curl_slist_append(NULL, to);
	curl_easy_setopt(c, CURLOPT_URL, cfg->smtp_url);
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, cfg->smtp_from);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(c, CURLOPT_READDATA, &rd);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_USE_SSL,
	                 url_is_loopback(cfg->smtp_url) ? (long)CURLUSESSL_TRY
	                                                : (long)CURLUSESSL_ALL);
	if (cred[0] && (colon = strchr(cred, ':'))) {
		*colon = '\0';
		curl_easy_setopt(c, CURLOPT_USERNAME, cred);
		curl_easy_setopt(c, CURLOPT_PASSWORD, colon + 1);
	}
	rc = curl_easy_perform(c);
	if (rc != CURLE_OK) {
		snprintf(err, errlen, "%s", curl_easy_strerror(rc));
		r = -EIO;
	}
	curl_slist_free_all(rcpt);
	curl_easy_cleanup(c);
	memset(cred, 0, sizeof(cred));
	free(msg);
	return r;
}

void alerts_message_id(const struct config *cfg, long long id, const char *seed, char *buf,
                       size_t size)
{
	unsigned char rnd[crypto_hash_sha256_BYTES];
	char hex[25], scheme[16], host[256] = "";
	const char *at = cfg->smtp_from ? strrchr(cfg->smtp_from, '@') : NULL;

	/* A database restarts its ids and several servers share them; a part drawn from
	 * what the alert is about keeps ids apart (no mail system drops an alert as seen)
	 * while a retry of the same alert keeps its id (a duplicate can be folded). */
	if (seed)
		crypto_hash_sha256(rnd, (const unsigned char *)seed, strlen(seed));
	else
		randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(hex, sizeof(hex), rnd, (sizeof(hex) - 1) / 2);
	if (!cfg->public_url ||
	    url_split(cfg->public_url, scheme, sizeof(scheme), host, sizeof(host)) < 0 ||
	    strchr(host, ':'))
		snprintf(host, sizeof(host), "%s", at && at[1] ? at + 1 : "vigil.invalid");
	host[strcspn(host, "<>\r\n \t")] = '\0';
	snprintf(buf, size, "<vigil-alert-%lld.%s@%s>", id, hex, host[0] ? host : "vigil.invalid");
}
