/* capture_validate.c: the validator of an uploaded capture record (vigil.capture/1). */
#include "capture_validate.h"

#include <errno.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "rfc3339.h"
#include "server-limits.h"
#include "token.h"

/* Below this many bytes of base64 the whole body is simply parsed by jansson. */
#define CAPTURE_FAST_MIN 4096u

/* Bytes of the request body, not NUL-terminated. */
struct span {
	const char *p;
	size_t len;
};

static const unsigned char png_signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

__attribute__((format(printf, 3, 4))) static int fail(struct capture_error *err, const char *field,
                                                      const char *fmt, ...)
{
	va_list ap;

	snprintf(err->field, sizeof(err->field), "%s", field);
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* Unicode characters in valid UTF-8 (jansson has checked the encoding). */
static size_t utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

static bool has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

enum text_kind {
	TEXT_NAME, /* one line, no control characters */
	TEXT_FREE, /* any characters (context, window title) */
};

/*
 * Fetches obj[key] as a string of min..max characters. path is the field's full name for
 * messages ("reason.phrase"). Returns 0 and sets *out, or fails.
 */
static int get_string(json_t *obj, const char *key, const char *path, size_t min, size_t max,
                      enum text_kind kind, const char **out, struct capture_error *err)
{
	json_t *v = json_object_get(obj, key);
	size_t n;

	if (!v)
		return fail(err, path, "missing field %s", path);
	if (!json_is_string(v))
		return fail(err, path, "%s must be a string", path);
	n = utf8_chars(json_string_value(v));
	if (n < min)
		return fail(err, path, "%s must not be empty", path);
	if (n > max)
		return fail(err, path, "%s is longer than %zu characters", path, max);
	if (kind == TEXT_NAME && has_control(json_string_value(v)))
		return fail(err, path, "%s contains control characters", path);
	*out = json_string_value(v);
	return 0;
}

static int get_int(json_t *obj, const char *key, const char *path, json_int_t min, json_int_t max,
                   int *out, struct capture_error *err)
{
	json_t *v = json_object_get(obj, key);

	if (!v)
		return fail(err, path, "missing field %s", path);
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
		return fail(err, path, "%s must be an integer from %lld to %lld", path,
		            (long long)min, (long long)max);
	*out = (int)json_integer_value(v);
	return 0;
}

/*
 * What changed a hit's severity, all optional: "base_severity" (the rule's own, from the
 * hit's severity to 5), "why" and "context_rule". prefix names the hit in messages
 * ("reason", "hits[2]"). Sets the fields of out that are present (base 0 and NULLs
 * otherwise), or fails naming the field.
 */
static int get_why(json_t *obj, const char *prefix, int severity, struct store_capture_hit *out,
                   struct capture_error *err)
{
	char path[48];
	int r;

	out->base_severity = 0;
	out->why = out->context_rule = NULL;
	if (json_object_get(obj, "base_severity")) {
		snprintf(path, sizeof(path), "%s.base_severity", prefix);
		if ((r = get_int(obj, "base_severity", path, severity, 5, &out->base_severity,
		                 err)))
			return r;
	}
	if (json_object_get(obj, "why")) {
		snprintf(path, sizeof(path), "%s.why", prefix);
		if ((r = get_string(obj, "why", path, 1, CAPTURE_MAX_TEXT, TEXT_NAME, &out->why,
		                    err)))
			return r;
	}
	if (json_object_get(obj, "context_rule")) {
		snprintf(path, sizeof(path), "%s.context_rule", prefix);
		if ((r = get_string(obj, "context_rule", path, 1, CAPTURE_MAX_TEXT, TEXT_NAME,
		                    &out->context_rule, err)))
			return r;
	}
	return 0;
}

static int get_object(json_t *obj, const char *key, json_t **out, struct capture_error *err)
{
	json_t *v = json_object_get(obj, key);

	if (!v)
		return fail(err, key, "missing field %s", key);
	if (!json_is_object(v))
		return fail(err, key, "%s must be an object", key);
	*out = v;
	return 0;
}

/* Copies the listed keys of src into a new object set as dst[name]. */
static int keep(json_t *dst, const char *name, json_t *src, const char *const *keys)
{
	json_t *o = json_object();

	if (!o)
		return -ENOMEM;
	for (size_t i = 0; keys[i]; i++) {
		json_t *v = json_object_get(src, keys[i]);
		if (v && json_object_set(o, keys[i], v) < 0)
			goto fail;
	}
	if (json_object_set_new(dst, name, o) < 0)
		return -ENOMEM;
	return 0;
fail:
	json_decref(o);
	return -ENOMEM;
}

static bool valid_uuid(const char *s)
{
	static const int dash[] = {8, 13, 18, 23};

	if (strlen(s) != 36)
		return false;
	for (int i = 0; i < 36; i++) {
		bool want_dash = i == dash[0] || i == dash[1] || i == dash[2] || i == dash[3];
		char c = s[i];
		bool hex =
		    (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
		if (want_dash ? c != '-' : !hex)
			return false;
	}
	return true;
}

static bool valid_category(const char *s)
{
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == strlen(s);
}

/* The characters of standard base64 (RFC 4648 section 4) and its padding '='. */
static const unsigned char b64_chars[256] = {
    ['='] = 1, ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1,
    ['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1,
    ['P'] = 1, ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1,
    ['X'] = 1, ['Y'] = 1, ['Z'] = 1, ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1,
    ['f'] = 1, ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1,
    ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1,
    ['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1, ['0'] = 1, ['1'] = 1, ['2'] = 1,
    ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1, ['+'] = 1,
    ['/'] = 1,
};

/* The first byte from p on that is neither a base64 character nor '=' (end if none):
 * eight bytes a step while they all are, as a screenshot's ~200 KB of base64 are. */
static const char *b64_run_end(const char *p, const char *end)
{
	const unsigned char *u = (const unsigned char *)p;

	while (end - (const char *)u >= 8 &&
	       (b64_chars[u[0]] & b64_chars[u[1]] & b64_chars[u[2]] & b64_chars[u[3]] &
	        b64_chars[u[4]] & b64_chars[u[5]] & b64_chars[u[6]] & b64_chars[u[7]]))
		u += 8;
	while ((const char *)u < end && b64_chars[*u])
		u++;
	return (const char *)u;
}

/*
 * Strict standard base64 (RFC 4648 section 4: padded, no line breaks or spaces) into out,
 * which has room for len / 4 * 3 bytes. checked: every byte of in is already known to be
 * a base64 character or '=' (b64_run_end), so only the place of '=' is left to check.
 * OpenSSL's table decoder does the work: the image is not a secret, so libsodium's
 * constant-time decoder (five times slower) is not needed.
 */
static int base64_decode(const char *in, size_t len, bool checked, unsigned char *out,
                         size_t *out_len)
{
	size_t pad = 0, body;
	int n;

	if (len % 4 != 0 || len > (size_t)INT32_MAX)
		return -EINVAL;
	while (pad < 2 && pad < len && in[len - 1 - pad] == '=')
		pad++;
	body = len - pad;
	if (!checked && b64_run_end(in, in + body) != in + body)
		return -EINVAL;
	if (memchr(in, '=', body))
		return -EINVAL; /* padding only at the end */
	if (len == 0) {
		*out_len = 0;
		return 0;
	}
	n = EVP_DecodeBlock(out, (const unsigned char *)in, (int)len);
	if (n < 0 || (size_t)n < pad)
		return -EINVAL;
	*out_len = (size_t)n - pad;
	return 0;
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* obj[key], at path, as one of the sources of a hit ("typed", ...). */
static int get_source(json_t *obj, const char *key, const char *path, const char **out,
                      struct capture_error *err)
{
	static const char *const sources[] = {"typed", "window-title", "clipboard", "screen-text",
	                                      "tamper"};
	int r = get_string(obj, key, path, 1, CAPTURE_MAX_NAME, TEXT_NAME, out, err);

	if (r)
		return r;
	for (size_t i = 0; i < sizeof(sources) / sizeof(sources[0]); i++)
		if (strcmp(*out, sources[i]) == 0)
			return 0;
	return fail(err, path,
	            "%s must be one of typed, window-title, clipboard, screen-text, tamper", path);
}

static int check_top(json_t *root, struct capture *c, struct capture_error *err)
{
	const char *schema, *id, *time, *context;
	int r;

	if ((r = get_string(root, "schema", "schema", 1, CAPTURE_MAX_NAME, TEXT_NAME, &schema,
	                    err)))
		return r;
	if (strcmp(schema, "vigil.capture/1") != 0)
		return fail(err, "schema", "schema must be \"vigil.capture/1\"");
	if ((r = get_string(root, "id", "id", 1, 36, TEXT_NAME, &id, err)))
		return r;
	if (!valid_uuid(id))
		return fail(err, "id", "id must be a UUID (8-4-4-4-12 hex digits)");
	for (int i = 0; i < 37; i++)
		c->id[i] = (id[i] >= 'A' && id[i] <= 'F') ? (char)(id[i] - 'A' + 'a') : id[i];
	if ((r = get_string(root, "time", "time", 1, 40, TEXT_NAME, &time, err)))
		return r;
	if (rfc3339_parse(time, &c->time_ms) < 0)
		return fail(err, "time", "time is not an RFC 3339 date-time with a time zone");
	if ((r = get_string(root, "machine", "machine", 1, CAPTURE_MAX_NAME, TEXT_NAME, &c->machine,
	                    err)) ||
	    (r = get_string(root, "user", "user", 1, CAPTURE_MAX_NAME, TEXT_NAME, &c->user, err)) ||
	    (r = get_source(root, "source", "source", &c->source, err)))
		return r;
	return get_string(root, "context", "context", 0, VIGIL_CONTEXT_MAX_CHARS, TEXT_FREE,
	                  &context, err);
}

/*
 * The fields every hit has, in reason or in hits[i] (prefix names it in messages):
 * category, severity, phrase, matched, rule, and what changed its severity (get_why).
 */
static int get_hit(json_t *o, const char *prefix, struct store_capture_hit *out,
                   struct capture_error *err)
{
	char p[5][48];
	int r;

	snprintf(p[0], sizeof(p[0]), "%s.category", prefix);
	snprintf(p[1], sizeof(p[1]), "%s.severity", prefix);
	snprintf(p[2], sizeof(p[2]), "%s.phrase", prefix);
	snprintf(p[3], sizeof(p[3]), "%s.matched", prefix);
	snprintf(p[4], sizeof(p[4]), "%s.rule", prefix);
	if ((r = get_string(o, "category", p[0], 1, CAPTURE_MAX_NAME, TEXT_NAME, &out->category,
	                    err)))
		return r;
	if (!valid_category(out->category))
		return fail(err, p[0], "%s must be lower-case letters, digits and '-'", p[0]);
	if ((r = get_int(o, "severity", p[1], 1, 5, &out->severity, err)) ||
	    (r = get_string(o, "phrase", p[2], 1, CAPTURE_MAX_TEXT, TEXT_FREE, &out->phrase,
	                    err)) ||
	    (r = get_string(o, "matched", p[3], 1, CAPTURE_MAX_TEXT, TEXT_FREE, &out->matched,
	                    err)) ||
	    (r = get_string(o, "rule", p[4], 1, CAPTURE_MAX_TEXT, TEXT_NAME, &out->rule, err)))
		return r;
	return get_why(o, prefix, out->severity, out, err);
}

static int check_reason(json_t *root, struct capture *c, struct capture_error *err)
{
	struct store_capture_hit reason;
	json_t *o;
	int r;

	if ((r = get_object(root, "reason", &o, err)) || (r = get_hit(o, "reason", &reason, err)))
		return r;
	c->category = reason.category;
	c->severity = reason.severity;
	c->rule = reason.rule;
	c->phrase = reason.phrase;
	return 0;
}

/* An offset into context (named cname in messages): null (-1) or an integer on a
 * character boundary. */
static int get_offset(json_t *o, const char *key, const char *path, const char *context,
                      const char *cname, int64_t *out, struct capture_error *err)
{
	json_t *v = json_object_get(o, key);
	size_t clen = strlen(context);
	json_int_t i;

	if (!v)
		return fail(err, path, "missing field %s", path);
	if (json_is_null(v)) {
		*out = -1;
		return 0;
	}
	if (!json_is_integer(v) || (i = json_integer_value(v)) < 0 || (size_t)i > clen)
		return fail(err, path, "%s must be null or a byte offset into %s, from 0 to %zu",
		            path, cname, clen);
	if ((size_t)i < clen && ((unsigned char)context[i] & 0xc0) == 0x80)
		return fail(err, path, "%s is inside a UTF-8 character of %s", path, cname);
	*out = (int64_t)i;
	return 0;
}

/*
 * A hit's own evidence, all optional: "source", "context" (then its offsets point into
 * it) and "frame" (0: the screenshot, n: frames[n - 1]; nframes frames). at names the
 * hit ("hits[2]"). Sets out's source, context and frame (NULL, NULL, -1 when absent) and
 * *context to the text the hit's offsets point into.
 */
static int get_evidence(json_t *h, const char *at, size_t nframes, struct store_capture_hit *out,
                        const char **context, struct capture_error *err)
{
	char path[64];
	int r;

	out->source = out->context = NULL;
	out->frame = -1;
	if (json_object_get(h, "source")) {
		snprintf(path, sizeof(path), "%s.source", at);
		if ((r = get_source(h, "source", path, &out->source, err)))
			return r;
	}
	if (json_object_get(h, "context")) {
		snprintf(path, sizeof(path), "%s.context", at);
		if ((r = get_string(h, "context", path, 0, VIGIL_CONTEXT_MAX_CHARS, TEXT_FREE,
		                    &out->context, err)))
			return r;
		*context = out->context;
	}
	if (json_object_get(h, "frame")) {
		snprintf(path, sizeof(path), "%s.frame", at);
		if ((r = get_int(h, "frame", path, 0, (json_int_t)nframes, &out->frame, err)))
			return r;
	}
	return 0;
}

/* The optional "hits": every hit of the moment; none more severe than reason. */
static int check_hits(json_t *root, struct capture *c, struct capture_error *err)
{
	json_t *hits = json_object_get(root, "hits"), *h, *frames = json_object_get(root, "frames");
	size_t i, nframes = json_is_array(frames) ? json_array_size(frames) : 0;

	if (frames && !json_is_array(frames)) /* before a hit's frame is checked against it */
		return fail(err, "frames", "frames must be an array");
	if (!hits)
		return 0;
	if (!json_is_array(hits))
		return fail(err, "hits", "hits must be an array");
	if (json_array_size(hits) > CAPTURE_MAX_HITS)
		return fail(err, "hits", "hits has more than %u entries", CAPTURE_MAX_HITS);
	c->hits = calloc(json_array_size(hits) + 1, sizeof(*c->hits));
	if (!c->hits)
		return -ENOMEM;
	json_array_foreach(hits, i, h)
	{
		struct store_capture_hit *o = &c->hits[i];
		const char *context = json_string_value(json_object_get(root, "context"));
		char at[48], sev[48], start[48], end[48], cname[48];
		int r;

		snprintf(at, sizeof(at), "hits[%zu]", i);
		if (!json_is_object(h))
			return fail(err, at, "%s must be an object", at);
		if ((r = get_hit(h, at, o, err)))
			return r;
		snprintf(sev, sizeof(sev), "hits[%zu].severity", i);
		if (o->severity > c->severity)
			return fail(err, sev,
			            "%s is above reason.severity (%d): the reason is the "
			            "most severe hit",
			            sev, c->severity);
		if ((r = get_evidence(h, at, nframes, o, &context, err)))
			return r;
		snprintf(cname, sizeof(cname), o->context ? "%s.context" : "context", at);
		snprintf(start, sizeof(start), "hits[%zu].start", i);
		snprintf(end, sizeof(end), "hits[%zu].end", i);
		if ((r = get_offset(h, "start", start, context, cname, &o->start, err)) ||
		    (r = get_offset(h, "end", end, context, cname, &o->end, err)))
			return r;
		if ((o->start < 0) != (o->end < 0))
			return fail(err, end, "%s and %s must both be null or both offsets", start,
			            end);
		if (o->start >= 0 && o->end <= o->start)
			return fail(err, end, "%s must be after %s", end, start);
	}
	c->nhits = json_array_size(hits);
	return 0;
}

static int check_window_agent(json_t *root, struct capture_error *err)
{
	const char *s;
	json_t *o;
	int r;

	if ((r = get_object(root, "window", &o, err)) ||
	    (r = get_string(o, "title", "window.title", 0, CAPTURE_MAX_TITLE, TEXT_FREE, &s,
	                    err)) ||
	    (r = get_string(o, "app", "window.app", 0, CAPTURE_MAX_TEXT, TEXT_NAME, &s, err)))
		return r;
	if ((r = get_object(root, "agent", &o, err)) ||
	    (r = get_string(o, "version", "agent.version", 1, CAPTURE_MAX_NAME, TEXT_NAME, &s,
	                    err)) ||
	    (r = get_string(o, "wordlists", "agent.wordlists", 0, 128, TEXT_NAME, &s, err)))
		return r;
	return 0;
}

/*
 * Decodes <at>.data into f->png and checks it is the PNG the record describes (f's width
 * and height, sha the claimed SHA-256). at names the object in messages ("screenshot",
 * "frames[1]"). The base64 text is raw (from find_data_spans, not NUL-terminated) when
 * raw is not NULL, else the JSON string.
 */
static int check_png(json_t *shot, const char *at, const char *sha, const struct span *raw,
                     struct capture_frame *f, struct capture_error *err)
{
	json_t *data = json_object_get(shot, "data");
	char hex[DIGEST_SHA256_HEX_SIZE], path[48], wpath[48], hpath[48], spath[48];
	const char *b64;
	size_t b64_len, max;

	snprintf(path, sizeof(path), "%s.data", at);
	snprintf(wpath, sizeof(wpath), "%s.width", at);
	snprintf(hpath, sizeof(hpath), "%s.height", at);
	snprintf(spath, sizeof(spath), "%s.sha256", at);
	if (raw) {
		b64 = raw->p;
		b64_len = raw->len;
	} else {
		if (!data)
			return fail(err, path, "missing field %s", path);
		if (!json_is_string(data))
			return fail(err, path, "%s must be a string", path);
		b64 = json_string_value(data);
		b64_len = json_string_length(data);
	}
	max = b64_len / 4 * 3 + 3;
	if (max > CAPTURE_MAX_PNG_BYTES + 3)
		return fail(err, path, "%s is larger than %u bytes", path, CAPTURE_MAX_PNG_BYTES);
	f->png = malloc(max ? max : 1);
	if (!f->png)
		return -ENOMEM;
	if (base64_decode(b64, b64_len, raw != NULL, f->png, &f->png_len) < 0)
		return fail(err, path, "%s is not valid base64", path);
	if (f->png_len < 33 || memcmp(f->png, png_signature, 8) != 0 || be32(f->png + 8) != 13 ||
	    memcmp(f->png + 12, "IHDR", 4) != 0)
		return fail(err, path, "%s is not a PNG image", path);
	if (be32(f->png + 16) != (uint32_t)f->width || be32(f->png + 20) != (uint32_t)f->height)
		return fail(err, be32(f->png + 16) != (uint32_t)f->width ? wpath : hpath,
		            "%s and %s (%dx%d) do not match the PNG (%ux%u)", wpath, hpath,
		            f->width, f->height, be32(f->png + 16), be32(f->png + 20));
	/* A screenshot is 8 bits per channel and not interlaced (what agents write): a
	 * 16-bit image costs the thumbnail and the PDF twice the work for nothing. */
	if (f->png[24] > 8)
		return fail(err, path, "%s is a %u-bit PNG; screenshots are 8 bits per channel",
		            path, f->png[24]);
	if (f->png[28] != 0)
		return fail(err, path, "%s is an interlaced PNG; screenshots are not interlaced",
		            path);
	if (digest_sha256_hex(f->png, f->png_len, hex) < 0)
		return -ENOMEM;
	if (sodium_memcmp(hex, sha, 64) != 0)
		return fail(err, spath, "%s does not match the image", spath);
	memcpy(f->sha256, hex, sizeof(hex));
	return 0;
}

/* A screenshot object o named at ("screenshot", "frames[1]"): type, size, hash, PNG. */
static int check_shot(json_t *o, const char *at, const struct span *raw, struct capture_frame *f,
                      struct capture_error *err)
{
	char path[4][48];
	const char *type, *sha;
	int r;

	snprintf(path[0], sizeof(path[0]), "%s.type", at);
	snprintf(path[1], sizeof(path[1]), "%s.width", at);
	snprintf(path[2], sizeof(path[2]), "%s.height", at);
	snprintf(path[3], sizeof(path[3]), "%s.sha256", at);
	if ((r = get_string(o, "type", path[0], 1, CAPTURE_MAX_NAME, TEXT_NAME, &type, err)))
		return r;
	if (strcmp(type, "image/png") != 0)
		return fail(err, path[0], "%s must be \"image/png\"", path[0]);
	if ((r = get_int(o, "width", path[1], 1, CAPTURE_MAX_DIMENSION, &f->width, err)) ||
	    (r = get_int(o, "height", path[2], 1, CAPTURE_MAX_DIMENSION, &f->height, err)) ||
	    (r = get_string(o, "sha256", path[3], 64, 64, TEXT_NAME, &sha, err)))
		return r;
	if (!digest_is_sha256_hex(sha))
		return fail(err, path[3], "%s must be 64 lower-case hex digits", path[3]);
	return check_png(o, at, sha, raw, f, err);
}

static int check_screenshot(json_t *root, const struct span *raw, struct capture *c,
                            struct capture_error *err)
{
	struct capture_frame f = {0};
	json_t *o;
	int r;

	if ((r = get_object(root, "screenshot", &o, err)))
		return r;
	r = check_shot(o, "screenshot", raw, &f, err);
	c->width = f.width;
	c->height = f.height;
	c->png = f.png;
	c->png_len = f.png_len;
	memcpy(c->sha256, f.sha256, sizeof(c->sha256));
	return r;
}

/*
 * The optional "window.rect": the focused window's rectangle in the screenshot's pixels
 * (what the queue's thumbnail shows), integers x, y from 0 and width, height from 1, wholly
 * within the screenshot. Sets c->has_rect and the rectangle, or fails naming the field.
 */
static int check_rect(json_t *root, struct capture *c, struct capture_error *err)
{
	json_t *o = json_object_get(json_object_get(root, "window"), "rect");
	int r;

	if (!o)
		return 0;
	if (!json_is_object(o))
		return fail(err, "window.rect", "window.rect must be an object");
	if ((r = get_int(o, "x", "window.rect.x", 0, CAPTURE_MAX_DIMENSION - 1, &c->rect_x, err)) ||
	    (r = get_int(o, "y", "window.rect.y", 0, CAPTURE_MAX_DIMENSION - 1, &c->rect_y, err)) ||
	    (r = get_int(o, "width", "window.rect.width", 1, CAPTURE_MAX_DIMENSION, &c->rect_width,
	                 err)) ||
	    (r = get_int(o, "height", "window.rect.height", 1, CAPTURE_MAX_DIMENSION,
	                 &c->rect_height, err)))
		return r;
	if (c->rect_x + c->rect_width > c->width)
		return fail(err, "window.rect.width",
		            "window.rect.x + window.rect.width (%d) is beyond the screenshot's "
		            "width (%d)",
		            c->rect_x + c->rect_width, c->width);
	if (c->rect_y + c->rect_height > c->height)
		return fail(err, "window.rect.height",
		            "window.rect.y + window.rect.height (%d) is beyond the screenshot's "
		            "height (%d)",
		            c->rect_y + c->rect_height, c->height);
	c->has_rect = true;
	return 0;
}

/* The optional "frames": later screenshots, each with a time not before the capture's.
 * raw[i]: frames[i].data as it stands in the body (NULL: the JSON string). */
static int check_frames(json_t *root, const struct span *const *raw, struct capture *c,
                        struct capture_error *err)
{
	json_t *frames = json_object_get(root, "frames"), *o;
	size_t i;

	if (!frames)
		return 0;
	if (!json_is_array(frames))
		return fail(err, "frames", "frames must be an array");
	if (json_array_size(frames) > CAPTURE_MAX_FRAMES)
		return fail(err, "frames", "frames has more than %u entries", CAPTURE_MAX_FRAMES);
	c->frames = calloc(json_array_size(frames) + 1, sizeof(*c->frames));
	c->frame_rows = calloc(json_array_size(frames) + 1, sizeof(*c->frame_rows));
	if (!c->frames || !c->frame_rows)
		return -ENOMEM;
	json_array_foreach(frames, i, o)
	{
		struct capture_frame *f = &c->frames[i];
		char at[48], tpath[48];
		const char *time;
		int r;

		snprintf(at, sizeof(at), "frames[%zu]", i);
		snprintf(tpath, sizeof(tpath), "frames[%zu].time", i);
		if (!json_is_object(o))
			return fail(err, at, "%s must be an object", at);
		c->nframes = i + 1; /* capture_free frees f->png from here on */
		if ((r = check_shot(o, at, raw[i], f, err)) ||
		    (r = get_string(o, "time", tpath, 1, 40, TEXT_NAME, &time, err)))
			return r;
		if (rfc3339_parse(time, &f->time_ms) < 0)
			return fail(err, tpath, "%s is not an RFC 3339 date-time with a time zone",
			            tpath);
		if (f->time_ms < c->time_ms)
			return fail(err, tpath, "%s is before the capture's time", tpath);
		c->frame_rows[i] = (struct store_capture_frame){.sha256 = f->sha256,
		                                                .time_ms = f->time_ms,
		                                                .width = f->width,
		                                                .height = f->height};
	}
	return 0;
}

/* For an array src (NULL: nothing), sets dst[name] to an array of its objects with the
 * listed keys only (keep). */
static int keep_each(json_t *dst, const char *name, json_t *src, const char *const *keys)
{
	json_t *kept, *a;
	size_t i;
	json_t *v;
	int r = -ENOMEM;

	if (!src)
		return 0;
	kept = json_object();
	a = json_array();
	if (!kept || !a || json_object_set_new(kept, name, a) < 0) {
		json_decref(kept);
		return -ENOMEM;
	}
	json_array_foreach(src, i, v)
	{
		if (keep(kept, "x", v, keys) < 0 ||
		    json_array_append(a, json_object_get(kept, "x")) < 0)
			goto out;
	}
	if (json_object_set(dst, name, a) == 0)
		r = 0;
out:
	json_decref(kept);
	return r;
}

/* The record as stored: the known fields only, without screenshot.data. */
static int make_record(json_t *root, struct capture *c)
{
	static const char *const top[] = {"schema", "time",    "machine", "user",
	                                  "source", "context", NULL};
	static const char *const reason[] = {"category", "severity",     "phrase",
	                                     "matched",  "rule",         "base_severity",
	                                     "why",      "context_rule", NULL};
	static const char *const window[] = {"title", "app", "rect", NULL};
	static const char *const shot[] = {"type", "width", "height", "sha256", NULL};
	static const char *const agent[] = {"version", "wordlists", NULL};
	static const char *const hit[] = {
	    "category",      "severity", "phrase",       "rule",   "matched", "start", "end",
	    "base_severity", "why",      "context_rule", "source", "context", "frame", NULL};
	static const char *const frame[] = {"type", "width", "height", "sha256", "time", NULL};
	json_t *rec = json_object();
	int r = -ENOMEM;

	if (!rec || json_object_set_new(rec, "id", json_string(c->id)) < 0)
		goto out;
	for (size_t i = 0; top[i]; i++)
		if (json_object_set(rec, top[i], json_object_get(root, top[i])) < 0)
			goto out;
	if (keep(rec, "reason", json_object_get(root, "reason"), reason) < 0 ||
	    keep(rec, "window", json_object_get(root, "window"), window) < 0 ||
	    keep(rec, "screenshot", json_object_get(root, "screenshot"), shot) < 0 ||
	    keep(rec, "agent", json_object_get(root, "agent"), agent) < 0)
		goto out;
	if (keep_each(rec, "hits", json_object_get(root, "hits"), hit) < 0 ||
	    keep_each(rec, "frames", json_object_get(root, "frames"), frame) < 0)
		goto out;
	c->record = json_dumps(rec, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (c->record)
		r = 0;
out:
	json_decref(rec);
	return r;
}

/* Appends "\n" and s (when a string) to the words being built in *b. 0 or -ENOMEM. */
static int words_add(char **b, size_t *len, size_t *cap, json_t *s, bool first)
{
	const char *v = json_is_string(s) ? json_string_value(s) : "";
	size_t n = strlen(v), need = *len + n + 2;

	if (need > *cap) {
		size_t ncap = need * 2;
		char *nb = realloc(*b, ncap);
		if (!nb)
			return -ENOMEM;
		*b = nb;
		*cap = ncap;
	}
	if (!first)
		(*b)[(*len)++] = '\n';
	memcpy(*b + *len, v, n);
	*len += n;
	(*b)[*len] = '\0';
	return 0;
}

/* What the queue's search (q) looks in: the context and the reason's matched words, then
 * each hit's matched words and its own context, one per line. */
static int make_words(json_t *root, struct capture *c)
{
	size_t len = 0, cap = 0, i;
	char *b = NULL;
	json_t *h;
	int r =
	    words_add(&b, &len, &cap, json_object_get(root, "context"), true)
	        ?: words_add(&b, &len, &cap,
	                     json_object_get(json_object_get(root, "reason"), "matched"), false);

	json_array_foreach(json_object_get(root, "hits"), i, h)
	{
		if (r == 0)
			r = words_add(&b, &len, &cap, json_object_get(h, "matched"), false)
			        ?: words_add(&b, &len, &cap, json_object_get(h, "context"), false);
	}
	if (r < 0) {
		free(b);
		return r;
	}
	c->words = b;
	return 0;
}

int capture_set_machine(struct capture *c, const char *machine)
{
	json_t *rec = json_loads(c->record, 0, NULL);
	char *text;

	if (!rec || json_object_set_new(rec, "machine", json_string(machine)) < 0) {
		json_decref(rec);
		return -ENOMEM;
	}
	text = json_dumps(rec, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(rec);
	if (!text)
		return -ENOMEM;
	free(c->record);
	c->record = text;
	return 0;
}

/* The images' base64 as it stands in the body, when the fast path found it: the spans
 * of screenshot.data and of each frames[i].data (NULL: read the JSON string). */
struct raw_images {
	struct span spans[1 + CAPTURE_MAX_FRAMES];
	const struct span *shot, *frame[CAPTURE_MAX_FRAMES];
};

/*
 * Finds the string values of members named "data" whose text is all base64 characters
 * ('=' included), at least CAPTURE_FAST_MIN bytes each: the images' base64 as it stands
 * in the body, in body order. Candidates only; parse_without_data confirms them.
 * Returns how many (0: none, or more than max).
 */
static size_t find_data_spans(const char *body, size_t len, struct span *out, size_t max)
{
	const char *p = body, *end = body + len, *q, *s;
	size_t n = 0;

	while ((p = memmem(p, (size_t)(end - p), "\"data\"", 6))) {
		q = p + 6;
		p = q;
		while (q < end && (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r'))
			q++;
		if (q == end || *q++ != ':')
			continue;
		while (q < end && (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r'))
			q++;
		if (q == end || *q++ != '"')
			continue;
		s = q;
		q = b64_run_end(q, end);
		if (q < end && *q == '"' && (size_t)(q - s) >= CAPTURE_FAST_MIN) {
			if (n == max)
				return 0;
			out[n++] = (struct span){s, (size_t)(q - s)};
		}
		p = q; /* a run of base64 holds no quote: the next "data" is after it */
	}
	return n;
}

/* The span whose marker (base + two hex digits of its index) is data's value, or NULL. */
static const struct span *marked(json_t *data, const char *base, const struct span *spans, size_t n)
{
	size_t blen = strlen(base);
	const char *v = json_string_value(data);
	unsigned int k;

	if (!v || json_string_length(data) != blen + 2 || memcmp(v, base, blen) != 0 ||
	    sscanf(v + blen, "%2x", &k) != 1 || k >= n)
		return NULL;
	return &spans[k];
}

/*
 * Parses the body without the images' base64 when that can be done safely: each
 * candidate span is replaced by a marker of its own (random, with its index), the rest
 * (a kilobyte or two) parsed by jansson, and a span is taken as screenshot.data or
 * frames[i].data only when that member of the parsed copy is exactly its marker (a
 * candidate of another member was an unknown field's value, which is not kept). Returns
 * the root, or NULL when the body must be parsed whole (no candidate, or not JSON).
 */
static json_t *parse_without_data(const char *body, size_t len, struct raw_images *raw)
{
	unsigned char rnd[12];
	char base[2 * sizeof(rnd) + 1];
	size_t n =
	    find_data_spans(body, len, raw->spans, sizeof(raw->spans) / sizeof(raw->spans[0]));
	size_t at = 0, from = 0, i, size = len + n * (sizeof(base) + 2);
	json_t *root, *frame;
	char *copy;

	if (n == 0 || !(copy = malloc(size)))
		return NULL;
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(base, sizeof(base), rnd, sizeof(rnd));
	for (i = 0; i < n; i++) {
		size_t head = (size_t)(raw->spans[i].p - body) - from;
		memcpy(copy + at, body + from, head);
		at += head;
		at += (size_t)snprintf(copy + at, size - at, "%s%02zx", base, i);
		from = (size_t)(raw->spans[i].p - body) + raw->spans[i].len;
	}
	memcpy(copy + at, body + from, len - from);
	root = json_loadb(copy, at + len - from, JSON_REJECT_DUPLICATES, NULL);
	free(copy);
	if (!json_is_object(root)) {
		json_decref(root);
		return NULL;
	}
	raw->shot = marked(json_object_get(json_object_get(root, "screenshot"), "data"), base,
	                   raw->spans, n);
	json_array_foreach(json_object_get(root, "frames"), i, frame)
	{
		if (i < CAPTURE_MAX_FRAMES)
			raw->frame[i] = marked(json_object_get(frame, "data"), base, raw->spans, n);
	}
	return root;
}

int capture_parse(const char *body, size_t len, struct capture **out, struct capture_error *err)
{
	struct capture *c;
	json_error_t jerr;
	struct raw_images raw = {.shot = NULL};
	json_t *root;
	int r;

	root = parse_without_data(body, len, &raw);
	if (!root) {
		raw = (struct raw_images){.shot = NULL};
		root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	}
	if (!root)
		return fail(err, "", "body is not JSON: %s (line %d, column %d)", jerr.text,
		            jerr.line, jerr.column);
	if (!json_is_object(root)) {
		json_decref(root);
		return fail(err, "", "body must be a JSON object");
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		json_decref(root);
		return -ENOMEM;
	}
	c->json = root;
	if ((r = check_top(root, c, err)) || (r = check_reason(root, c, err)) ||
	    (r = check_hits(root, c, err)) || (r = check_window_agent(root, err)) ||
	    (r = check_screenshot(root, raw.shot, c, err)) || (r = check_rect(root, c, err)) ||
	    (r = check_frames(root, raw.frame, c, err)) || (r = make_record(root, c)) ||
	    (r = make_words(root, c))) {
		capture_free(c);
		return r;
	}
	*out = c;
	return 0;
}

void capture_free(struct capture *c)
{
	if (!c)
		return;
	json_decref(c->json);
	free(c->hits);
	for (size_t i = 0; i < c->nframes; i++)
		free(c->frames[i].png);
	free(c->frames);
	free(c->frame_rows);
	free(c->png);
	free(c->record);
	free(c->words);
	free(c);
}
