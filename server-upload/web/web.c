/* web.c: the web UI's route table, page layout, shared helpers and the audit log writer. */
#include "web.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "localzone.h"
#include "server-limits.h"
#include "server.h"

size_t web_routes(const struct server *srv, struct http_route *routes)
{
	const struct http_route table[] = {
	    {"GET", "/login", SERVER_SMALL_BODY, web_login_get, NULL, false},
	    {"POST", "/login", SERVER_SMALL_BODY, web_login_post, NULL, false},
	    {"GET", "/login/oidc", SERVER_SMALL_BODY, web_oidc_start_get, NULL, false},
	    {"GET", "/login/oidc/callback", SERVER_SMALL_BODY, web_oidc_callback_get, NULL, false},
	    {"POST", "/logout", SERVER_SMALL_BODY, web_logout_post, web_session_early, false},
	    {"GET", "/static/web.js", SERVER_SMALL_BODY, web_script_get, NULL, false},
	    {"GET", "/captures", SERVER_SMALL_BODY, web_captures_get, NULL, false},
	    {"POST", "/captures", SERVER_SMALL_BODY, web_captures_post, web_session_early, false},
	    {"GET", "/captures/", SERVER_SMALL_BODY, web_captures_item_get, NULL, false},
	    {"POST", "/captures/", SERVER_SMALL_BODY, web_capture_post, web_session_early, false},
	    {"GET", "/reports/", SERVER_SMALL_BODY, web_reports_get, NULL, false},
	    {"GET", "/wordlists", SERVER_SMALL_BODY, web_wordlists_get, NULL, false},
	    {"POST", "/wordlists", SERVER_MAX_LIST_UPLOAD * 3 + 4096, web_wordlists_post,
	     web_session_early, false},
	    {"GET", "/machines", SERVER_SMALL_BODY, web_machines_get, NULL, false},
	    {"GET", "/audit", SERVER_SMALL_BODY, web_audit_get, NULL, false},
	    {"GET", "/pupils/", SERVER_SMALL_BODY, web_pupil_get, NULL, false},
	    {"GET", "/admin/", SERVER_SMALL_BODY, web_admin_get, NULL, false},
	    {"POST", "/admin/", SERVER_MAX_LIST_UPLOAD * 3 + 4096, web_admin_post,
	     web_session_early, false},
	};
	size_t n = sizeof(table) / sizeof(table[0]);

	(void)srv;
	memcpy(routes, table, sizeof(table));
	return n;
}

static const char style[] =
    "<style>"
    "body{font:15px/1.4 system-ui,sans-serif;margin:0;color:#1b1b1b;background:#fafafa}"
    "nav{background:#233;padding:.5em 1em}nav a,nav button{color:#fff;margin-right:1em;"
    "background:none;border:0;font:inherit;cursor:pointer;text-decoration:underline}"
    "nav form{display:inline}main{padding:1em 1.5em;max-width:80em}"
    "table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.25em .5em;"
    "border-bottom:1px solid #ddd;vertical-align:top}tr.sel,tr:focus-within{background:#ffe}"
    ".sev5{color:#a00;font-weight:bold}.sev4{color:#c40}mark{background:#ff0}"
    ".error{color:#a00}.ok{color:#070}label{display:block;margin:.3em 0}"
    "form.filters label{display:inline-block;margin-right:.6em}"
    ".zoom{display:none}.zoom+label img{max-width:100%;cursor:zoom-in;border:1px solid #999}"
    ".zoom:checked+label img{max-width:none;cursor:zoom-out}figure.shot{margin:.5em 0 1em}"
    ".actions form{display:inline-block;margin:.3em .6em .3em 0;vertical-align:top}"
    "kbd{border:1px solid #999;border-radius:3px;padding:0 .3em;font-size:.85em}"
    "pre{white-space:pre-wrap}.muted{color:#666}q.context{display:block}"
    "ul.hits{margin:.2em 0;padding-left:1.2em;font-size:.9em;color:#444}"
    ".hit .rule{color:#666}.hit .why,#timeline .why{color:#05a}"
    "#timeline .why{font-size:.85em;font-weight:normal}"
    ".src{font-size:.85em;background:#e4ecf4;border-radius:3px;padding:0 .3em;"
    "white-space:nowrap}q.hit-context{display:block;color:#1b1b1b;margin:.1em 0}"
    ".on-shot{font-size:.85em;color:#555}q{overflow-wrap:anywhere}"
    ".flag{font-size:.8em;background:#fde2c8;color:#7a2e00;border-radius:3px;padding:0 .3em;"
    "margin-right:.2em;white-space:nowrap}.year,.reg{font-size:.85em;white-space:nowrap}"
    ".pupil .pname{font-weight:600}#queue .time{white-space:nowrap}"
    "#queue td.thumb img{display:block;border:1px solid #ccc}"
    /* A capture: the screenshot beside its facts on a wide screen, stacked on a phone; a
     * confirmation after each action; hiding an image set apart in red. */
    "@media (min-width:60em){.capture-grid{display:grid;grid-template-columns:"
    "minmax(0,5fr) minmax(0,6fr);gap:1.5em;align-items:start}}"
    ".capture-shots>h2{margin-top:.3em}.capture-nav{margin:.2em 0}"
    "#facts th{width:7.5em}.meta td{overflow-wrap:anywhere}textarea{max-width:100%}"
    ".flash{background:#e5f3e5;border:1px solid #6a6;border-radius:4px;padding:.4em .8em}"
    ".closed{color:#070}.danger{border:2px solid #a00;background:#fff1f1;border-radius:4px;"
    "padding:.3em 1em 1em;margin:2.5em 0 1em}.danger h1,.danger h2{color:#a00}"
    ".danger-button{background:#a00;color:#fff;border:0;border-radius:4px;padding:.45em 1em;"
    "font:inherit;font-weight:600;cursor:pointer;text-decoration:none;display:inline-block}"
    "label.confirm{font-weight:600;margin:.6em 0}"
    /* A phone (390 px): the rows of the queue and of a timeline become blocks, charts
     * shrink, nothing scrolls sideways. */
    "@media (max-width:40em){main{padding:.5em}input,select,svg{max-width:100%}"
    "svg{height:auto}#queue,#queue tbody,#queue tr,#timeline,#timeline tbody,#timeline tr"
    "{display:block}#queue thead,#timeline thead{display:none}"
    "#queue tr,#timeline tr{border-bottom:1px solid #ccc;padding:.3em 0}"
    "#queue td,#timeline td{display:inline-block;border:0;padding:.1em .3em}"
    "#queue td.what{display:block}#queue td.thumb img{max-width:96px}"
    "#queue td.time{white-space:normal}form.filters label{max-width:100%}"
    /* The queue's filters two to a line, each field under its name. */
    "#queue-filters label{width:48%;margin-right:2%;box-sizing:border-box}"
    "#queue-filters input,#queue-filters select{display:block;width:100%;"
    "box-sizing:border-box}"
    "#alerts{display:block;overflow-x:auto}}"
    /* A touch screen has no keys to hint at. */
    "@media (hover:none),(pointer:coarse){.keys{display:none}}"
    "</style>";

void web_page_start(struct html *h, const struct web_ctx *w, const char *title)
{
	html_raw(h, "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
	            "<meta name=\"viewport\" content=\"width=device-width\"><title>");
	html_text(h, title);
	html_raw(h, " – Vigil</title>");
	html_raw(h, style);
	html_raw(h, "<script src=\"/static/web.js\" defer></script></head><body><nav>");
	if (w && w->u.id) {
		if (w->u.role & (WEB_MODERATOR | WEB_HEADTEACHER))
			html_raw(
			    h, "<a href=\"/captures\">Captures</a><a href=\"/reports/\">Reports</a>"
			       "<a href=\"/audit\">Audit log</a>");
		if (w->u.role == WEB_TECHNICIAN)
			html_raw(h, "<a href=\"/wordlists\">Phrase lists</a>");
		if (w->u.role & (WEB_MODERATOR | WEB_TECHNICIAN))
			html_raw(h, "<a href=\"/machines\">Machines</a>");
		if (w->u.role == WEB_ADMIN)
			html_raw(
			    h, "<a href=\"/admin/\">Admin</a><a href=\"/admin/roster\">Roster</a>");
		html_raw(h, "<form method=\"post\" action=\"/logout\">");
		web_csrf_field(h, w);
		html_raw(h, "<button type=\"submit\">Sign out ");
		html_text(h, w->u.login);
		html_raw(h, "</button></form>");
	} else {
		html_raw(h, "<a href=\"/login\">Vigil</a>");
	}
	html_raw(h, "</nav><main>");
}

void web_page_end(struct html *h)
{
	html_raw(h, "</main></body></html>\n");
}

void web_csrf_field(struct html *h, const struct web_ctx *w)
{
	html_raw(h, "<input type=\"hidden\" name=\"csrf\" value=\"");
	html_text(h, w->u.csrf);
	html_raw(h, "\">");
}

void web_send_raw(struct http_response *resp, int status, const char *type, char *body, size_t len)
{
	free(resp->body);
	resp->body = body;
	resp->len = len;
	resp->status = status;
	resp->content_type = type;
}

void web_send(struct web_ctx *w, struct html *h, int status)
{
	size_t len = 0;
	char *body = html_take(h, &len);

	if (!body) {
		log_warning("web: page for %s too large or out of memory",
		            http_request_path(w->req));
		http_reply_error(w->resp, 503, NULL, "page too large");
		return;
	}
	web_send_raw(w->resp, status, "text/html; charset=utf-8", body, len);
}

void web_redirect(struct http_response *resp, const char *location)
{
	snprintf(resp->location, sizeof(resp->location), "%s", location);
	web_send_raw(resp, 303, "text/plain; charset=utf-8", strdup("See other\n"), 10);
}

void web_error(struct web_ctx *w, int status, const char *message)
{
	struct html h;

	html_init(&h);
	web_page_start(&h, w->u.id ? w : NULL, "Error");
	html_raw(&h, "<h1>Sorry</h1><p class=\"error\">");
	html_text(&h, message);
	html_raw(&h, "</p>");
	web_page_end(&h);
	web_send(w, &h, status);
}

void web_not_found(struct web_ctx *w)
{
	web_error(w, 404, "There is nothing here, or you may not see it.");
}

const char *web_arg(const struct web_ctx *w, const char *name)
{
	const char *v = http_request_arg(w->req, name);

	return v ? v : "";
}

bool web_sees_school(const struct web_ctx *w, int64_t school_id)
{
	return w->u.school_id == 0 || w->u.school_id == school_id;
}

void web_pupil_link(struct html *h, const char *school, const char *user)
{
	html_raw(h, "<a class=\"pupil\" href=\"/pupils/");
	html_url(h, school);
	html_raw(h, "/");
	html_url(h, user);
	html_raw(h, "\">");
	html_text(h, user);
	html_raw(h, "</a>");
}

void web_time(int64_t ms, char *buf, size_t size)
{
	localzone_format(ms, "%Y-%m-%d %H:%M", buf, size);
}

void web_time_heading(struct html *h, const char *what)
{
	html_text(h, what);
	html_raw(h, " (");
	html_text(h, localzone_name());
	html_raw(h, ")");
}

/* Keyboard shortcuts: j/k move through the queue (or to the next/previous capture), Enter
 * opens; on a capture c confirms, f false positive (focus the reason), e escalates, n
 * focuses the note. Keys typed into a field are left alone. */
static const char script[] =
    "document.addEventListener('keydown',function(ev){\n"
    " var t=ev.target;if(ev.ctrlKey||ev.metaKey||ev.altKey)return;\n"
    " if(t&&(t.tagName==='INPUT'||t.tagName==='TEXTAREA'||t.tagName==='SELECT'))return;\n"
    " var rows=[].slice.call(document.querySelectorAll('a.cap'));\n"
    " var cur=rows.indexOf(document.activeElement);\n"
    " function go(id){var a=document.getElementById(id);if(a){location.href=a.href;}}\n"
    " function sub(id){var f=document.getElementById(id);if(f){f.submit();}}\n"
    " function foc(id){var f=document.getElementById(id);if(f){f.focus();ev.preventDefault();}}\n"
    " switch(ev.key){\n"
    " case 'j':if(rows.length){rows[Math.min(cur+1,rows.length-1)].focus();}else "
    "go('next');break;\n"
    " case 'k':if(rows.length){rows[Math.max(cur-1,0)].focus();}else go('prev');break;\n"
    " case 'c':sub('act-concern');break;\n"
    " case 'e':sub('act-escalate');break;\n"
    " case 'f':foc('fp-reason');break;\n"
    " case 'n':foc('note-text');break;\n"
    " }\n"
    "});\n"
    /* The roster upload: the chosen file's text goes into the form's field. */
    "document.addEventListener('change',function(ev){\n"
    " var t=ev.target;if(!t||t.id!=='roster-file'||!t.files||!t.files[0])return;\n"
    " var f=t.files[0],r=new FileReader();\n"
    " r.onload=function(){document.getElementById('roster-csv').value=r.result;\n"
    "  document.getElementById('roster-filename').value=f.name;};\n"
    " r.readAsText(f);\n"
    "});\n"
    /* The phrase-list editor: its line numbers follow the text as it is edited (the marks
     * of a refused save go once the lines move); #L12 or the first marked line selects
     * that line. */
    "(function(){\n"
    " var ta=document.getElementById('list-text'),g=document.getElementById('gutter');\n"
    " if(!ta||!g)return;\n"
    " function count(){var v=ta.value,n=v.split('\\n').length;\n"
    "  return Math.max(1,v.slice(-1)==='\\n'?n-1:n);}\n"
    " var shown=count();\n"
    " ta.addEventListener('input',function(){\n"
    "  var n=count(),i,s;if(n===shown)return;shown=n;\n"
    "  [].forEach.call(document.querySelectorAll('.band,#gutter .bad'),function(e){\n"
    "   if(e.classList.contains('band'))e.remove();else{e.className='';e.title='';}});\n"
    "  for(i=g.children.length+1;i<=n;i++){s=document.createElement('span');s.id='L'+i;\n"
    "   s.textContent=i;g.appendChild(s);}\n"
    "  while(g.children.length>n&&g.children.length>1)g.removeChild(g.lastChild);\n"
    "  ta.rows=n+1;});\n"
    " function go(k){var l=ta.value.split('\\n'),p=0,i;if(!(k>0&&k<=l.length))return;\n"
    "  for(i=0;i<k-1;i++)p+=l[i].length+1;\n"
    "  ta.focus({preventScroll:true});ta.setSelectionRange(p,p+l[k-1].length);\n"
    "  g.children[k-1].scrollIntoView({block:'center'});}\n"
    " function hash(){var m=/^#L([0-9]+)$/.exec(location.hash);if(m)go(+m[1]);}\n"
    " window.addEventListener('hashchange',hash);\n"
    " window.addEventListener('load',function(){setTimeout(function(){\n"
    "  if(location.hash)hash();else go(+(ta.getAttribute('data-bad')||'').split(' ')[0]);},0);});\n"
    "})();\n";

void web_script_get(void *ctx, struct http_request *req, struct http_response *resp)
{
	(void)ctx;
	(void)req;
	web_send_raw(resp, 200, "text/javascript; charset=utf-8", strdup(script),
	             sizeof(script) - 1);
}
