/* web_case.c: "Copy for the case record" of a confirmed concern: the text to paste, the PDF. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "caserecord.h"
#include "log.h"
#include "server.h"
#include "web.h"

bool web_case_allowed(const char *status)
{
	return strcmp(status, "concern") == 0 || strcmp(status, "escalated") == 0;
}

void web_case_record(struct web_ctx *w, const char *id, int64_t school_id, const char *status,
                     bool pdf)
{
	char *data = NULL;
	size_t len = 0;
	struct html h;
	int r;

	if (!web_case_allowed(status)) {
		web_error(w, 409, "Only a confirmed or escalated concern goes to the case record.");
		return;
	}
	r = caserecord_export_flags(w->srv->store, w->srv->blobs, id, w->now,
	                            pdf ? CASERECORD_PDF : CASERECORD_TEXT, web_sees_flags(w),
	                            &data, &len);
	if (r < 0) {
		log_warning("web: case record of capture %s for %s: %s", id, w->u.login,
		            strerror(-r));
		web_error(w, r == -ENOENT ? 404 : 503, "The case record could not be made.");
		return;
	}
	audit_record(w->srv->store, w->u.login, school_id, "case-record", id, pdf ? "PDF" : "text");
	if (pdf) {
		web_send_raw(w->resp, 200, "application/pdf", data, len);
		return;
	}
	html_init(&h);
	web_page_start(&h, w, "Case record");
	html_raw(&h, "<h1>Copy for the case record</h1><p>Paste this into the school's "
	             "safeguarding system (CPOMS, MyConcern…), or file the <a id=\"case-pdf\" "
	             "href=\"/captures/");
	html_url(&h, id);
	html_raw(&h, "/case.pdf\">PDF with the screenshot</a>. <a href=\"/captures/");
	html_url(&h, id);
	html_raw(&h,
	         "\">Back to the capture</a>.</p><textarea id=\"case-text\" readonly rows=\"28\" "
	         "cols=\"100\">");
	html_text(&h, data);
	html_raw(&h, "</textarea>");
	free(data);
	web_page_end(&h);
	web_send(w, &h, 200);
}
