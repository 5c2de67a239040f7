/* web_hide.c: hiding a capture's image as possible child abuse material: warning, confirm page. */
#include <string.h>

#include "web.h"

/* What hiding does, in the words of docs/web.md and docs/privacy.md. */
static const char what_happens[] =
    "<ul class=\"hide-what\">"
    "<li>The screenshot and every later screenshot of this capture are hidden from "
    "<strong>everyone</strong>, you included: no page, report, case record or export shows "
    "them again, and they cannot be shown again from Vigil.</li>"
    "<li>Any other capture with the same picture, now or later, at any school, is hidden "
    "too.</li>"
    "<li>The file is <strong>kept</strong> on the server, out of reach, because the police "
    "may need it as evidence; retention deletes it with the capture, like any other image "
    "(or an administrator, on the police's instruction).</li>"
    "<li>The referral you give below goes into the capture's history and the audit log.</li>"
    "</ul>"
    "<p>Do not download, copy, print or show the image to anyone. Report it as your "
    "safeguarding policy says (in England: the police or CEOP, and the local authority "
    "designated officer).</p>";

void web_hide_section(struct html *h, const char *id, bool hidden)
{
	html_raw(h, "<section class=\"danger\" id=\"danger\"><h2>Possible child abuse "
	            "material</h2>");
	if (hidden) {
		html_raw(h, "<p>The image of this capture is hidden from everyone (referred).</p>"
		            "</section>");
		return;
	}
	html_raw(h, "<p>If a screenshot may show sexual images of a child, do not look further "
	            "or copy it: hide it from everyone and report it.</p>"
	            "<a class=\"button danger-button\" id=\"hide-start\" href=\"/captures/");
	html_url(h, id);
	html_raw(h, "/hide\">Hide image (possible child abuse material)…</a></section>");
}

void web_hide_page(struct web_ctx *w, const char *id, bool hidden)
{
	struct html h;

	if (hidden) {
		web_error(w, 409, "The image of this capture is hidden already.");
		return;
	}
	html_init(&h);
	web_page_start(&h, w, "Hide image");
	html_raw(&h, "<section class=\"danger\" id=\"hide-confirm\"><h1>Hide this image as "
	             "possible child abuse material?</h1>");
	html_raw(&h, what_happens);
	html_raw(&h, "<form method=\"post\" id=\"act-hide\" action=\"/captures/");
	html_url(&h, id);
	html_raw(&h, "/action\">");
	web_csrf_field(&h, w);
	html_raw(&h, "<input type=\"hidden\" name=\"action\" value=\"hide-image\">"
	             "<label>Referral (who was told, their reference) <input name=\"text\" "
	             "id=\"hide-referral\" required maxlength=\"1000\"></label>"
	             "<label class=\"confirm\"><input type=\"checkbox\" name=\"confirm\" "
	             "value=\"yes\" id=\"hide-tick\" required> I understand that the image will "
	             "be hidden from everyone and cannot be shown again.</label>"
	             "<button type=\"submit\" class=\"danger-button\">Hide the image</button> "
	             "<a href=\"/captures/");
	html_url(&h, id);
	html_raw(&h, "\" id=\"hide-cancel\">Cancel, back to the capture</a></form></section>");
	web_page_end(&h);
	web_send(w, &h, 200);
}

bool web_hide_confirmed(const struct web_ctx *w)
{
	const char *v = web_field(w, "confirm");

	return v && strcmp(v, "yes") == 0;
}
