/* caserecord.h: one capture as a record for the school's safeguarding case system. */
#pragma once

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
