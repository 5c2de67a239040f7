/* web_rulestats.h: the phrase lists' rules by false positives, each linked to its line. */
#pragma once

#include <stddef.h>

struct web_ctx;
struct html;
struct bundle_file;

/*
 * "Rules by false positives" of the captures the user's school sees: counted by list file
 * and phrase as written (so a line inserted above a rule does not move its counts), each
 * with its phrase and a link to its line in files (the lists now: /wordlists?file=F#Ln),
 * or "no longer in the lists".
 */
void web_rule_table(struct web_ctx *w, struct html *h, const struct bundle_file *files, size_t n);

/* The line (1-based) of text that holds the rule phrase as written, trying line hint
 * first; 0 when none does. */
size_t web_rule_line(const char *text, size_t len, const char *phrase, size_t hint);
