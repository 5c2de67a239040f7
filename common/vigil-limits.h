/* vigil-limits.h: every resource ceiling of Vigil as a named constant, in one place. */
#pragma once

/* Phrase lists */
#define VIGIL_LIST_MAX_FILE_BYTES    (4u * 1024 * 1024) /* one phrase-list file */
#define VIGIL_LIST_MAX_LINE_BYTES    1024u              /* one line of a phrase list */
#define VIGIL_LIST_MAX_FILES         256u               /* files in one set, includes counted */
#define VIGIL_LIST_MAX_INCLUDE_DEPTH 8
#define VIGIL_LIST_MAX_PHRASE_WORDS  8  /* words in one phrase */
#define VIGIL_LIST_MAX_PHRASE_CHARS  64 /* letters in one phrase */
#define VIGIL_LIST_MAX_RULES         100000u
#define VIGIL_LIST_MAX_COMBO_TERMS   4
#define VIGIL_LIST_MAX_COMBO_WINDOW  50 /* words */

/* Scanner */
#define VIGIL_SCAN_HISTORY     1024u /* symbols remembered per stream (power of 2) */
#define VIGIL_SCAN_MAX_PENDING 64u   /* hits held while an exclusion may still cover them */
#define VIGIL_SCAN_CACHE_STATES                                                                    \
	4096u /* DFA states a scanner caches by default (~1 MB at most)                            \
	       */

/* Capture record fields (vigil.capture/1, docs/api.md), in Unicode characters: the agent
 * writes within them and the server refuses a record over them. */
#define VIGIL_CONTEXT_MAX_CHARS 256u  /* characters of context around a hit */
#define VIGIL_RECORD_MAX_NAME   64u   /* machine, user, category, source, versions */
#define VIGIL_RECORD_MAX_TEXT   256u  /* phrase, matched, rule, application */
#define VIGIL_RECORD_MAX_TITLE  1024u /* window title */

/* Configuration files (common/settings.c) */
#define VIGIL_CONFIG_MAX_BYTES (64u * 1024) /* a configuration file */
#define VIGIL_CONFIG_MAX_VALUE 1024u        /* one value in it */
