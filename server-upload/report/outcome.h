/* outcome.h: how a capture's case ended: the outcomes a designated safeguarding lead records. */
#pragma once

#include <stddef.h>

/*
 * The outcomes offered when a capture is closed, in the words of English schools'
 * safeguarding and e-safety policies (who was told, what was done). A closed capture
 * stores the key; pages, the case record and the weekly report show the words. The list
 * is fixed here so that every report counts the same outcomes.
 */
struct outcome {
	const char *key;   /* stored: "parents-contacted" */
	const char *words; /* shown: "Parents/carers contacted" */
};

#define OUTCOME_OTHER "other" /* the one outcome that needs a note saying what it was */

/* How many outcomes there are; outcome_at(i) for i below that, in the order offered. */
size_t outcome_count(void);
const struct outcome *outcome_at(size_t i);
/* The index of key, or -1 when it is not an outcome. */
int outcome_index(const char *key);
/* The words of key; key itself when it is not an outcome (a value from a later version). */
const char *outcome_words(const char *key);
