/* caserecord.h: one capture as a record for the school's safeguarding case system. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;
struct blobs;

/*
 * CPOMS, MyConcern and their like publish no import format, so a confirmed concern is
 * handed over as a document a designated safeguarding lead files or pastes: time,
 * school, machine, user, category and severity, source, window, the context, every hit,
 * every decision and note, and the screenshot (not when it is hidden). This is the one
 * export function: the web page's "Copy for the case record" calls it, and so will an
 * integration with such a system.
 */
enum caserecord_format {
	CASERECORD_TEXT, /* UTF-8 plain text, to paste */
	CASERECORD_PDF,  /* A4 PDF with the screenshot */
};

/*
 * The record of capture_id, made at made_ms (printed on it), into a malloc'd buffer the
 * caller frees. The caller checks that the user may see the capture. Returns 0, -ENOENT
 * (no such capture), -ENOMEM, -EIO/-EFBIG (the PDF could not be made), -errno (store).
 * *out untouched on error.
 */
int caserecord_export(struct store *s, struct blobs *b, const char *capture_id, int64_t made_ms,
                      enum caserecord_format format, char **out, size_t *len);
/* The same, naming the pupil's roster flags (SEN, CLA, CP…) when flags is true: for a
 * reader who may see them (docs/privacy.md). The pupil's name, year and registration
 * group are in both when the school's roster knows the user. */
int caserecord_export_flags(struct store *s, struct blobs *b, const char *capture_id,
                            int64_t made_ms, enum caserecord_format format, bool flags, char **out,
                            size_t *len);

/*
 * The evidence of one hit of a stored record, as the case record and the web pages show
 * it: where its words came from, the words around it (the hit's own "context", else the
 * capture's) with the matched span, and the screenshot that shows it. The contract's
 * per-hit fields are optional: what a hit leaves out is the capture's.
 */
struct json_t;
struct caserecord_hit {
	const char *source;  /* in words: "typed", "window title", "clipboard", "screen text",
	                      * "tamper", else as recorded; "" when unknown */
	const char *context; /* the hit's own words, else the capture's; "" when none */
	bool own_context;    /* context is the hit's own */
	size_t start, end;   /* the matched bytes in context; start == end when not known */
	int shot;            /* the screenshot that shows it (caserecord_shot()); -1 not said */
};

/* A record's source as people say it: "window-title" is "window title", "screen-text"
 * "screen text", the others as they are; "" for NULL. */
const char *caserecord_source_words(const char *source);

/* hit's evidence (borrowed from rec: valid while rec lives). */
void caserecord_hit_evidence(struct json_t *rec, struct json_t *hit, struct caserecord_hit *e);

/*
 * A record's screenshots: 0 is the capture's "screenshot", n >= 1 is frames[n-1]
 * (taken when a later hit joined the moment). caserecord_shots() says how many (at least
 * 1). caserecord_shot() gives shot n's SHA-256 (hex, borrowed; NULL when the record has
 * none that looks like one) and when it was taken (ms since the epoch, the capture's time
 * for the screenshot; 0 when not known); -ENOENT when there is no shot n.
 */
size_t caserecord_shots(struct json_t *rec);
int caserecord_shot(struct json_t *rec, size_t n, const char **sha256, int64_t *time_ms);
