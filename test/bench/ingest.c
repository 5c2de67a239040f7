/* ingest.c: load generator for vigil-server: capture uploads and a 10,000-machine fleet. */
/*
 * usage: ingest --url http://127.0.0.1:PORT --key ENROLMENT_KEY --pid SERVER_PID
 *               [--seconds 20] [--concurrency 16] [--rate 300] [--machines 64]
 *               [--fleet 10000] [--fleet-seconds 60] [--image-kib 150]
 *               [--url2 URL --pid2 PID] [--fleet-captures-per-hour 0] [--no-capture-phases]
 *
 * Phases, each printing its figures (server CPU and RSS read from /proc/PID, and the
 * generator's own CPU: it shares the machine's cores with the server):
 *  1. closed loop: --concurrency machines upload captures back to back for --seconds:
 *     the most captures per second the server stores;
 *  2. open loop: captures arrive at --rate per second for --seconds, whatever the
 *     server does: latency at that load (p50, p99);
 *  3. fleet: --fleet machines enrol, then heartbeat every 60 s and poll the lists every
 *     10 minutes (If-None-Match with the current ETag: the steady state of a fleet whose
 *     lists did not change), in real time for --fleet-seconds, each request on a new
 *     connection as agents do; with --fleet-captures-per-hour N, each machine also
 *     uploads N captures an hour at random times (a school day's steady state).
 * With --url2, requests alternate between two servers (several servers on one database
 * behind a balancer); CPU and memory are reported for both.
 * Every capture is a distinct ~150 KB PNG (a noisy screenshot-like image with the
 * capture id in a tEXt chunk after its pixels), base64 in a vigil.capture/1 record.
 */
#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <openssl/evp.h>
#include <signal.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "monotime.h"
#include "parse.h"

#define MAX_INFLIGHT 512

struct opts {
	const char *url, *key, *url2;
	int pid, pid2, seconds, concurrency, rate, machines, fleet, fleet_seconds, image_kib;
	int fleet_cph, no_capture_phases;
};

enum kind { K_CAPTURE, K_ENROL, K_HEARTBEAT, K_POLL };

struct req {
	CURL *h;
	struct curl_slist *hdrs;
	char *body;
	enum kind kind;
	int machine;
	double t0;
	char resp[256];
	size_t rlen;
};

struct stats {
	double *lat;
	size_t n, cap;
	size_t ok, dup, fail, other;
	size_t status[6];
	size_t curl_errors[CURL_LAST]; /* failed requests by libcurl's result */
};

/* Seconds on the monotonic clock. */
static double now(void)
{
	return (double)monotime_ns() / 1e9;
}

/* ---- server CPU and memory ---------------------------------------------- */

struct proc_sample {
	double cpu_s, self_cpu_s; /* the server's CPU, and this generator's own */
	long rss_kib, hwm_kib;
};

/* Seconds of CPU this process (every thread) has used. */
static double self_cpu(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static void proc_sample(int pid, struct proc_sample *s)
{
	char path[64], buf[2048], *p;
	unsigned long utime = 0, stime = 0;
	FILE *f;

	memset(s, 0, sizeof(*s));
	s->self_cpu_s = self_cpu();
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (f && fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')))
		sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime,
		       &stime);
	if (f)
		fclose(f);
	s->cpu_s = (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	while (f && fgets(buf, sizeof(buf), f)) {
		sscanf(buf, "VmRSS: %ld", &s->rss_kib);
		sscanf(buf, "VmHWM: %ld", &s->hwm_kib);
	}
	if (f)
		fclose(f);
}

/* ---- statistics ----------------------------------------------------------- */

static void stats_add(struct stats *st, double ms, long status)
{
	if (st->n == st->cap) {
		st->cap = st->cap ? st->cap * 2 : 1024;
		st->lat = realloc(st->lat, st->cap * sizeof(*st->lat));
		if (!st->lat)
			abort();
	}
	st->lat[st->n++] = ms;
	if (status >= 100 && status < 600)
		st->status[status / 100]++;
	else
		st->status[0]++;
	if (status < 0 && -status < CURL_LAST)
		st->curl_errors[-status]++;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double pct(struct stats *st, double p)
{
	size_t i;

	if (!st->n)
		return 0;
	qsort(st->lat, st->n, sizeof(*st->lat), cmp_double);
	i = (size_t)(p * (double)(st->n - 1) + 0.5);
	return st->lat[i];
}

static void report(const char *what, struct stats *st, double secs, const struct proc_sample *a,
                   const struct proc_sample *b, size_t stored)
{
	double cpu = (b->cpu_s - a->cpu_s) / secs * 100.0;
	double gen = b->self_cpu_s - a->self_cpu_s;

	printf("%s\n", what);
	printf(
	    "  requests %zu in %.1f s (%.1f/s); 2xx %zu, 3xx %zu, 4xx %zu, 5xx %zu, failed %zu\n",
	    st->n, secs, (double)st->n / secs, st->status[2], st->status[3], st->status[4],
	    st->status[5], st->status[0]);
	for (int e = 1; e < CURL_LAST; e++)
		if (st->curl_errors[e])
			printf("  failed: %zu with \"%s\" (libcurl)\n", st->curl_errors[e],
			       curl_easy_strerror((CURLcode)e));
	/* CPU per stored capture: what the server spends, whatever else shares the machine;
	 * the generator's beside it, as it runs on the same cores and takes theirs */
	if (stored)
		printf("  captures stored %zu: %.1f stored/s; CPU per capture: server %.2f ms, "
		       "load generator %.2f ms\n",
		       stored, (double)stored / secs, (b->cpu_s - a->cpu_s) * 1e3 / (double)stored,
		       gen * 1e3 / (double)stored);
	printf("  latency p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms\n", pct(st, 0.5),
	       pct(st, 0.9), pct(st, 0.99), pct(st, 1.0));
	printf("  server CPU %.1f%% of one core; RSS %.1f MiB (peak %.1f MiB); load generator "
	       "CPU %.1f%%\n",
	       cpu, (double)b->rss_kib / 1024, (double)b->hwm_kib / 1024, gen / secs * 100.0);
	fflush(stdout);
}

/* ---- captures -------------------------------------------------------------- */

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* Appends a PNG chunk to out at *len. */
static void chunk(unsigned char *out, size_t *len, const char *type, const void *data, size_t n)
{
	unsigned char *p = out + *len;

	put32(p, (uint32_t)n);
	memcpy(p + 4, type, 4);
	memcpy(p + 8, data, n);
	put32(p + 8 + n, (uint32_t)crc32(crc32(0, p + 4, 4), data, (uInt)n));
	*len += 12 + n;
}

/*
 * An image is the same in every capture but for a tEXt chunk after its pixels (the
 * capture id), so what all its captures share is hashed and base64-encoded once, before
 * any phase: a capture then costs the generator the few bytes that differ and one copy
 * of the body, as a client sending pre-built bodies would.
 */
struct image {
	unsigned char *prefix; /* signature, IHDR and IDAT: the same in every capture */
	size_t prefix_len;
	char *prefix_b64; /* base64 of prefix's first prefix_len / 3 * 3 bytes */
	size_t prefix_b64_len;
	EVP_MD_CTX *sha; /* SHA-256 after prefix */
	int width, height;
};

/* A screenshot-like image: flat areas with noisy rows, compressed to about kib KiB. */
static void image_make(struct image *im, int kib)
{
	int w = 1280, h = 720;
	size_t raw_len = (size_t)h * (1 + (size_t)w * 3), zlen, whole;
	unsigned char *raw = calloc(1, raw_len), *z, ihdr[13];
	int noisy = 0;

	for (;;) {
		for (int y = 0; y < h; y++) {
			unsigned char *row = raw + (size_t)y * (1 + (size_t)w * 3);
			row[0] = 0;
			if ((y * 37) % h < noisy)
				randombytes_buf(row + 1, (size_t)w * 3);
			else
				memset(row + 1, 0xe0 - (y % 24), (size_t)w * 3);
		}
		zlen = compressBound(raw_len);
		z = malloc(zlen);
		compress2(z, &zlen, raw, raw_len, 1);
		if (zlen >= (size_t)kib * 1024 || noisy >= h)
			break;
		free(z);
		noisy += 2;
	}
	im->width = w;
	im->height = h;
	im->prefix = malloc(8 + 25 + zlen + 12);
	memcpy(im->prefix, "\x89PNG\r\n\x1a\n", 8);
	im->prefix_len = 8;
	put32(ihdr, (uint32_t)w);
	put32(ihdr + 4, (uint32_t)h);
	memcpy(ihdr + 8, "\x08\x02\x00\x00\x00", 5);
	chunk(im->prefix, &im->prefix_len, "IHDR", ihdr, 13);
	chunk(im->prefix, &im->prefix_len, "IDAT", z, zlen);
	whole = im->prefix_len / 3 * 3;
	im->prefix_b64 = malloc(whole / 3 * 4 + 1);
	im->prefix_b64_len =
	    (size_t)EVP_EncodeBlock((unsigned char *)im->prefix_b64, im->prefix, (int)whole);
	im->sha = EVP_MD_CTX_new();
	if (!im->sha || EVP_DigestInit_ex(im->sha, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(im->sha, im->prefix, im->prefix_len) != 1)
		abort();
	free(z);
	free(raw);
}

static void uuid_new(char out[37])
{
	unsigned char b[16];
	char hex[33];

	randombytes_buf(b, sizeof(b));
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	for (int i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", b[i]);
	snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);
}

/* A new capture record (malloc'd JSON) with a distinct image: im with a tEXt chunk
 * naming a new capture id. */
static char *capture_body(const struct image *im, const char *prefix, int machine)
{
	static const char tail[] = "\"},\"agent\":{\"version\":\"0.1.0\",\"wordlists\":\"bench\"}}";
	char id[37], text[128], sha_hex[65], tm[32], head[1024], b64[512];
	unsigned char sha[32], rest[2 + 12 + sizeof(text) + 12];
	size_t rest_len = im->prefix_len % 3, b64_len, head_len, tail_len = sizeof(tail) - 1, len;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	time_t t = time(NULL);
	struct tm g;
	char *out;
	int n;

	uuid_new(id);
	/* The prefix's last bytes that do not fill a group of three, tEXt, IEND. */
	memcpy(rest, im->prefix + im->prefix_len - rest_len, rest_len);
	snprintf(text, sizeof(text), "vigil%cid %s machine %s-%05d", 0, id, prefix, machine);
	chunk(rest, &rest_len, "tEXt", text, 6 + strlen(text + 6));
	chunk(rest, &rest_len, "IEND", "", 0);
	if (!ctx || EVP_MD_CTX_copy_ex(ctx, im->sha) != 1 ||
	    EVP_DigestUpdate(ctx, rest + im->prefix_len % 3, rest_len - im->prefix_len % 3) != 1 ||
	    EVP_DigestFinal_ex(ctx, sha, NULL) != 1)
		abort();
	EVP_MD_CTX_free(ctx);
	for (int i = 0; i < 32; i++)
		snprintf(sha_hex + 2 * i, 3, "%02x", sha[i]);
	b64_len = (size_t)EVP_EncodeBlock((unsigned char *)b64, rest, (int)rest_len);
	gmtime_r(&t, &g);
	strftime(tm, sizeof(tm), "%Y-%m-%dT%H:%M:%S.000Z", &g);
	/* Written out directly: no field needs JSON escaping, and the generator should
	 * spend its CPU on sending, not on serialising. */
	n = snprintf(head, sizeof(head),
	             "{\"schema\":\"vigil.capture/1\",\"id\":\"%s\",\"time\":\"%s\","
	             "\"machine\":\"%s-%05d\",\"user\":\"pupil\",\"source\":\"typed\","
	             "\"reason\":{\"category\":\"self-harm\",\"severity\":5,"
	             "\"phrase\":\"kill myself\",\"matched\":\"k1ll mys3lf\","
	             "\"rule\":\"self-harm.txt:12\"},"
	             "\"context\":\"i just want to k1ll mys3lf tonight\","
	             "\"window\":{\"title\":\"Untitled Document 1 - LibreOffice Writer\","
	             "\"app\":\"libreoffice\"},"
	             "\"screenshot\":{\"type\":\"image/png\",\"width\":%d,\"height\":%d,"
	             "\"sha256\":\"%s\",\"data\":\"",
	             id, tm, prefix, machine, im->width, im->height, sha_hex);
	if (n < 0 || (size_t)n >= sizeof(head))
		abort();
	head_len = (size_t)n;
	len = head_len + im->prefix_b64_len + b64_len + tail_len;
	if (!(out = malloc(len + 1)))
		abort();
	memcpy(out, head, head_len);
	memcpy(out + head_len, im->prefix_b64, im->prefix_b64_len);
	memcpy(out + head_len + im->prefix_b64_len, b64, b64_len);
	memcpy(out + len - tail_len, tail, tail_len + 1);
	return out;
}

/* ---- requests ---------------------------------------------------------------- */

static size_t on_body(char *data, size_t size, size_t n, void *ud)
{
	struct req *r = ud;
	size_t len = size * n, room = sizeof(r->resp) - 1 - r->rlen;

	memcpy(r->resp + r->rlen, data, len < room ? len : room);
	r->rlen += len < room ? len : room;
	r->resp[r->rlen] = '\0';
	return len;
}

static struct req *req_new(const struct opts *o, enum kind kind, const char *path,
                           const char *token, char *body, int fresh_connection)
{
	struct req *r = calloc(1, sizeof(*r));
	char url[256], auth[128];

	r->h = curl_easy_init();
	r->kind = kind;
	r->body = body;
	static unsigned long turn; /* the balancer: one server, then the other */

	snprintf(url, sizeof(url), "%s%s", o->url2 && turn++ % 2 ? o->url2 : o->url, path);
	curl_easy_setopt(r->h, CURLOPT_URL, url);
	curl_easy_setopt(r->h, CURLOPT_PRIVATE, r);
	curl_easy_setopt(r->h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(r->h, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(r->h, CURLOPT_TIMEOUT, 60L);
	/* SIGPIPE is ignored once in main: without this libcurl sets and restores its
	 * handler around every call, a third of the generator's CPU. */
	curl_easy_setopt(r->h, CURLOPT_NOSIGNAL, 1L);
	if (fresh_connection) {
		curl_easy_setopt(r->h, CURLOPT_FRESH_CONNECT, 1L);
		curl_easy_setopt(r->h, CURLOPT_FORBID_REUSE, 1L);
	}
	if (token) {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
		r->hdrs = curl_slist_append(r->hdrs, auth);
	}
	if (body) {
		r->hdrs = curl_slist_append(r->hdrs, "Content-Type: application/json");
		r->hdrs = curl_slist_append(r->hdrs, "Expect:");
		curl_easy_setopt(r->h, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(r->h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
		/* A capture in one send() where the socket takes it, not 64 KiB at a time */
		curl_easy_setopt(r->h, CURLOPT_UPLOAD_BUFFERSIZE, 256L * 1024);
	}
	return r;
}

static void req_free(struct req *r)
{
	curl_slist_free_all(r->hdrs);
	curl_easy_cleanup(r->h);
	free(r->body);
	free(r);
}

static void start(CURLM *m, struct req *r)
{
	curl_easy_setopt(r->h, CURLOPT_HTTPHEADER, r->hdrs);
	r->t0 = now();
	curl_multi_add_handle(m, r->h);
}

/* Runs the multi handle until one transfer ends or timeout_ms passes; calls done() for
 * every finished transfer. Returns the number of transfers still running. */
static int pump(CURLM *m, int timeout_ms, void (*done)(struct req *r, long status, void *ud),
                void *ud)
{
	int running = 0, left;
	CURLMsg *msg;

	curl_multi_perform(m, &running);
	while ((msg = curl_multi_info_read(m, &left))) {
		struct req *r;
		long status = 0;
		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&r);
		if (msg->data.result == CURLE_OK)
			curl_easy_getinfo(r->h, CURLINFO_RESPONSE_CODE, &status);
		else
			status = -(long)msg->data.result; /* counted by its libcurl result */
		curl_multi_remove_handle(m, r->h);
		done(r, status, ud);
	}
	/* Waits even when nothing runs (the open loop and the fleet between arrivals): the
	 * generator must not spin on the cores the server shares. */
	curl_multi_poll(m, NULL, 0, timeout_ms, NULL);
	return running;
}

/* ---- phases ------------------------------------------------------------------ */

struct phase {
	const struct opts *o;
	struct stats st;
	char **tokens;
	int inflight;
	size_t stored;
	double end;
	const struct image *images;
	int nimages;
	CURLM *m;
	int closed_loop;
	unsigned long seq;
};

static void capture_start(struct phase *p, int machine)
{
	char *body =
	    capture_body(&p->images[p->seq++ % (unsigned long)p->nimages], "BENCH", machine);
	struct req *r = req_new(p->o, K_CAPTURE, "/api/v1/captures", p->tokens[machine], body, 0);

	r->machine = machine;
	start(p->m, r);
	p->inflight++;
}

static void capture_done(struct req *r, long status, void *ud)
{
	struct phase *p = ud;

	stats_add(&p->st, (now() - r->t0) * 1e3, status);
	if (status == 201)
		p->stored++;
	p->inflight--;
	if (p->closed_loop && now() < p->end)
		capture_start(p, r->machine);
	req_free(r);
}

static void run_captures(struct phase *p, int closed_loop)
{
	const struct opts *o = p->o;
	struct proc_sample a, b;
	double t0, next;
	char what[200];
	int machine = 0, wait_ms;

	memset(&p->st, 0, sizeof(p->st));
	p->stored = 0;
	p->closed_loop = closed_loop;
	proc_sample(o->pid, &a);
	t0 = now();
	p->end = t0 + o->seconds;
	next = t0;
	if (closed_loop)
		for (int i = 0; i < o->concurrency; i++)
			capture_start(p, i % o->machines);
	while (now() < p->end || p->inflight > 0) {
		if (!closed_loop) {
			while (now() >= next && next < p->end && p->inflight < MAX_INFLIGHT) {
				capture_start(p, machine++ % o->machines);
				next += 1.0 / o->rate;
			}
		}
		/* Woken by the sockets; the timeout only starts the next arrival on time. */
		wait_ms = 50;
		if (!closed_loop && next < p->end && p->inflight < MAX_INFLIGHT)
			wait_ms = (int)ceil(fmax(fmin(next - now(), 0.05), 0) * 1e3);
		pump(p->m, wait_ms, capture_done, p);
	}
	proc_sample(o->pid, &b);
	if (closed_loop)
		snprintf(what, sizeof(what),
		         "captures, closed loop: %d concurrent uploads of ~%d KiB for %d s",
		         o->concurrency, o->image_kib, o->seconds);
	else
		snprintf(what, sizeof(what), "captures, open loop: %d/s offered for %d s", o->rate,
		         o->seconds);
	report(what, &p->st, now() - t0, &a, &b, p->stored);
}

struct enrol_ctx {
	char **tokens;
	int inflight, failed;
};

static void enrol_done(struct req *r, long status, void *ud)
{
	struct enrol_ctx *e = ud;
	json_t *o = json_loads(r->resp, 0, NULL);
	const char *tok = json_string_value(json_object_get(o, "token"));

	if (status == 201 && tok)
		e->tokens[r->machine] = strdup(tok);
	else
		e->failed++;
	json_decref(o);
	e->inflight--;
	req_free(r);
}

/* Enrols n machines named prefix-NNNNN (32 at a time). Returns a token array or NULL. */
static char **enrol_many(const struct opts *o, CURLM *m, const char *prefix, int n)
{
	struct enrol_ctx e = {.tokens = calloc((size_t)n, sizeof(char *))};
	double t0 = now();
	int next = 0;

	while (next < n || e.inflight > 0) {
		while (next < n && e.inflight < 32) {
			char *body;
			struct req *r;
			if (asprintf(&body, "{\"key\":\"%s\",\"machine\":\"%s-%05d\"}", o->key,
			             prefix, next) < 0)
				abort();
			r = req_new(o, K_ENROL, "/api/v1/enrol", NULL, body, 0);
			r->machine = next++;
			start(m, r);
			e.inflight++;
		}
		pump(m, 5, enrol_done, &e);
	}
	if (e.failed) {
		fprintf(stderr, "ingest: %d of %d enrolments failed\n", e.failed, n);
		return NULL;
	}
	printf("enrolled %d machines in %.1f s\n", n, now() - t0);
	fflush(stdout);
	return e.tokens;
}

struct fleet {
	struct stats hb, poll, cap;
	int inflight;
	size_t stored;
};

static void fleet_done(struct req *r, long status, void *ud)
{
	struct fleet *f = ud;
	struct stats *st = r->kind == K_HEARTBEAT ? &f->hb : r->kind == K_POLL ? &f->poll : &f->cap;

	stats_add(st, (now() - r->t0) * 1e3, status);
	if (r->kind == K_CAPTURE && status == 201)
		f->stored++;
	f->inflight--;
	req_free(r);
}

/* The current ETag of the lists, so polls ask as a fleet in the steady state does. */
static void current_etag(const struct opts *o, const char *token, char *etag, size_t size)
{
	struct req *r = req_new(o, K_POLL, "/api/v1/wordlists", token, NULL, 0);
	struct curl_header *h;

	curl_easy_setopt(r->h, CURLOPT_HTTPHEADER, r->hdrs);
	etag[0] = '\0';
	if (curl_easy_perform(r->h) == CURLE_OK &&
	    curl_easy_header(r->h, "ETag", 0, CURLH_HEADER, -1, &h) == CURLHE_OK)
		snprintf(etag, size, "%s", h->value);
	req_free(r);
}

/* The next time of a Poisson arrival at rate per second after t. */
static double next_arrival(double t, double rate)
{
	double u = ((double)randombytes_uniform(1u << 30) + 1.0) / (double)(1u << 30);

	return t - log(u) / rate;
}

static void run_fleet(const struct opts *o, CURLM *m, char **tokens, const struct image *images,
                      int nimages)
{
	double hb_gap = 60.0 / o->fleet, poll_gap = 600.0 / o->fleet, t0, next_hb, next_poll;
	double cap_rate = (double)o->fleet * o->fleet_cph / 3600.0, next_cap;
	struct proc_sample a, b, a2 = {0}, b2 = {0};
	unsigned long ncap = 0;
	struct fleet f = {0};
	char etag[80], inm[128], what[200];
	unsigned long nhb = 0, npoll = 0;

	current_etag(o, tokens[0], etag, sizeof(etag));
	snprintf(inm, sizeof(inm), "If-None-Match: %s", etag);
	/* The heartbeat names the version: the ETag without its quotes. */
	memmove(etag, etag + (etag[0] == '"'), strlen(etag));
	etag[strcspn(etag, "\"")] = '\0';
	proc_sample(o->pid, &a);
	if (o->pid2)
		proc_sample(o->pid2, &a2);
	t0 = now();
	next_hb = t0;
	next_poll = t0 + poll_gap / 2;
	next_cap = cap_rate > 0 ? next_arrival(t0, cap_rate) : t0 + 1e9;
	while (now() < t0 + o->fleet_seconds || f.inflight > 0) {
		double t = now();
		while (t < t0 + o->fleet_seconds &&
		       (next_hb <= t || next_poll <= t || next_cap <= t) &&
		       f.inflight < MAX_INFLIGHT) {
			struct req *r;
			if (next_cap <= next_hb && next_cap <= next_poll) {
				int mach = (int)randombytes_uniform((uint32_t)o->fleet);
				r = req_new(o, K_CAPTURE, "/api/v1/captures", tokens[mach],
				            capture_body(&images[ncap++ % (unsigned long)nimages],
				                         "FLEET", mach),
				            1);
				next_cap = next_arrival(next_cap, cap_rate);
			} else if (next_hb <= next_poll) {
				char *body;
				if (asprintf(&body,
				             "{\"version\":\"0.1.0\",\"wordlists\":\"%s\","
				             "\"spooled\":0,\"dropped\":0}",
				             etag) < 0)
					abort();
				r = req_new(o, K_HEARTBEAT, "/api/v1/heartbeat",
				            tokens[nhb++ % (unsigned long)o->fleet], body, 1);
				next_hb += hb_gap;
			} else {
				r = req_new(o, K_POLL, "/api/v1/wordlists",
				            tokens[(npoll++ * 7919) % (unsigned long)o->fleet],
				            NULL, 1);
				r->hdrs = curl_slist_append(r->hdrs, inm);
				next_poll += poll_gap;
			}
			start(m, r);
			f.inflight++;
		}
		pump(m, 2, fleet_done, &f);
	}
	proc_sample(o->pid, &b);
	if (o->pid2)
		proc_sample(o->pid2, &b2);
	snprintf(what, sizeof(what),
	         "fleet: %d machines, heartbeat every 60 s, lists poll every 600 s, %d captures "
	         "per machine an hour (real time, %d s, a new connection per request%s)",
	         o->fleet, o->fleet_cph, o->fleet_seconds, o->url2 ? ", two servers" : "");
	printf("%s\n  heartbeats:\n", what);
	report("   ", &f.hb, now() - t0, &a, &b, 0);
	printf("  lists polls (If-None-Match):\n");
	report("   ", &f.poll, now() - t0, &a, &b, 0);
	if (cap_rate > 0) {
		printf("  captures:\n");
		report("   ", &f.cap, now() - t0, &a, &b, f.stored);
	}
	if (o->pid2)
		printf("  second server CPU %.1f%% of one core; RSS %.1f MiB (peak %.1f MiB)\n",
		       (b2.cpu_s - a2.cpu_s) / (now() - t0) * 100.0, (double)b2.rss_kib / 1024,
		       (double)b2.hwm_kib / 1024);
}

static int arg_int(const char *s, int min, int max)
{
	int v;

	if (parse_int(s, min, max, &v) < 0) {
		fprintf(stderr, "ingest: bad number \"%s\"\n", s);
		exit(2);
	}
	return v;
}

static void parse_opts(int argc, char **argv, struct opts *o)
{
	*o = (struct opts){.seconds = 20,
	                   .concurrency = 16,
	                   .rate = 300,
	                   .machines = 64,
	                   .fleet = 10000,
	                   .fleet_seconds = 60,
	                   .image_kib = 150};
	for (int i = 1; i + 1 < argc; i += 2) {
		const char *k = argv[i], *v = argv[i + 1];
		if (!strcmp(k, "--url"))
			o->url = v;
		else if (!strcmp(k, "--key"))
			o->key = v;
		else if (!strcmp(k, "--pid"))
			o->pid = arg_int(v, 1, 1 << 30);
		else if (!strcmp(k, "--seconds"))
			o->seconds = arg_int(v, 1, 3600);
		else if (!strcmp(k, "--concurrency"))
			o->concurrency = arg_int(v, 1, MAX_INFLIGHT);
		else if (!strcmp(k, "--rate"))
			o->rate = arg_int(v, 1, 100000);
		else if (!strcmp(k, "--machines"))
			o->machines = arg_int(v, 1, 100000);
		else if (!strcmp(k, "--fleet"))
			o->fleet = arg_int(v, 0, 1000000);
		else if (!strcmp(k, "--fleet-seconds"))
			o->fleet_seconds = arg_int(v, 1, 3600);
		else if (!strcmp(k, "--image-kib"))
			o->image_kib = arg_int(v, 1, 8192);
		else if (!strcmp(k, "--url2"))
			o->url2 = v;
		else if (!strcmp(k, "--pid2"))
			o->pid2 = arg_int(v, 1, 1 << 30);
		else if (!strcmp(k, "--fleet-captures-per-hour"))
			o->fleet_cph = arg_int(v, 0, 3600);
		else if (!strcmp(k, "--no-capture-phases"))
			o->no_capture_phases = arg_int(v, 0, 1);
		else {
			fprintf(stderr, "ingest: unknown option %s\n", k);
			exit(2);
		}
	}
	if (!o->url || !o->key || !o->pid) {
		fprintf(stderr,
		        "usage: ingest --url URL --key ENROLMENT_KEY --pid SERVER_PID [...]\n");
		exit(2);
	}
}

int main(int argc, char **argv)
{
	struct image images[8];
	struct opts o;
	struct phase p = {0};
	char **tokens;
	CURLM *m;

	parse_opts(argc, argv, &o);
	signal(SIGPIPE, SIG_IGN);
	if (sodium_init() < 0 || curl_global_init(CURL_GLOBAL_ALL) != 0)
		return 1;
	m = curl_multi_init();
	curl_multi_setopt(m, CURLMOPT_MAXCONNECTS, (long)MAX_INFLIGHT);
	for (int i = 0; i < 8; i++)
		image_make(&images[i], o.image_kib);
	{
		char *sample = capture_body(&images[0], "BENCH", 0);
		printf("capture record: %zu bytes of JSON (PNG %dx%d, about %zu bytes)\n",
		       strlen(sample), images[0].width, images[0].height,
		       images[0].prefix_len + 12 + 60 + 12);
		free(sample);
	}
	tokens = enrol_many(&o, m, "BENCH", o.machines);
	if (!tokens)
		return 1;
	p = (struct phase){.o = &o, .tokens = tokens, .images = images, .nimages = 8, .m = m};
	if (!o.no_capture_phases) {
		run_captures(&p, 1);
		run_captures(&p, 0);
	}
	if (o.fleet > 0) {
		char **fleet = enrol_many(&o, m, "FLEET", o.fleet);
		if (!fleet)
			return 1;
		run_fleet(&o, m, fleet, images, 8);
	}
	curl_multi_cleanup(m);
	curl_global_cleanup();
	return 0;
}
