/* web_listedit.h: one phrase list on its page: the numbered editor, its history, a diff. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct web_ctx;
struct html;
struct bundle_msgs;

struct web_list_view {
	const char *file;
	const char *text; /* what the editor shows: the file, or a refused edit */
	size_t len;
	const char *saved; /* the file as served now (NULL: none yet), for a diff */
	size_t saved_len;
	bool readonly;                  /* a shared list seen by a school's technician */
	const struct bundle_msgs *msgs; /* a refused save: its FILE:LINE messages */
	int64_t school_id;              /* whose lists: 0 the shared ones */
	int64_t diff;                   /* a saved version to compare with the file now; 0 none */
};

/*
 * The list with its line numbers beside it (anchors #L1, #L2…; a line a message of msgs
 * names is marked, with the message), in a form that saves it, or read only. The page
 * script keeps the numbers in step while the text is edited; without it they hold for
 * the text as sent.
 */
void web_list_editor(struct html *h, struct web_ctx *w, const struct web_list_view *v);
/* The saved versions of the file, newest first: who, when, what; a diff with the file now
 * and a rollback for each. */
void web_list_history(struct html *h, struct web_ctx *w, const struct web_list_view *v);
/* The line diff between version v->diff and the file now (section #diff). */
void web_list_diff(struct html *h, struct web_ctx *w, const struct web_list_view *v);
/* The line a "FILE:LINE: message" names when FILE is file; 0 otherwise. */
size_t web_list_msg_line(const char *msg, const char *file);
