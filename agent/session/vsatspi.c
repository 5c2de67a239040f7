/* vsatspi.c: text that applications insert, through AT-SPI on the pupil's accessibility bus. */
#include "vsatspi.h"

#include <atspi/atspi.h>
#include <string.h>

#include "vs.h"
#include "vsproto.h"

static AtspiAccessible *focused; /* the text object with the focus, or NULL */
static bool focused_secret;      /* it is a password field */

static void set_focus(AtspiAccessible *acc)
{
	if (focused)
		g_object_unref(focused);
	focused = acc ? g_object_ref(acc) : NULL;
	focused_secret = false;
	if (acc) {
		/* a role that cannot be read counts as secret: nothing is forwarded from it */
		GError *err = NULL;
		AtspiRole role = atspi_accessible_get_role(acc, &err);

		focused_secret = err || role == ATSPI_ROLE_PASSWORD_TEXT;
		g_clear_error(&err);
	}
}

/* Whether acc has the focus now (asked once, when an object not known to have it types). */
static bool has_focus(AtspiAccessible *acc)
{
	AtspiStateSet *s = atspi_accessible_get_state_set(acc);
	bool yes = s && atspi_state_set_contains(s, ATSPI_STATE_FOCUSED);

	if (s)
		g_object_unref(s);
	return yes;
}

static void forward_insert(const char *text)
{
	json_t *v = vs_string(text, VS_TYPED_MAX);

	if (v)
		vs_send(json_pack("{sssIso}", "ev", "typed", "id", (json_int_t)vs_focus_id(),
		                  "text", v));
}

static void on_event(AtspiEvent *e, void *data)
{
	bool insert = strcmp(e->type, "object:text-changed:insert") == 0;
	bool erase = strcmp(e->type, "object:text-changed:delete") == 0;

	if (!e->source)
		goto out;
	if (strncmp(e->type, "object:state-changed:focused", 28) == 0) {
		if (e->detail1)
			set_focus(e->source);
		else if (e->source == focused)
			set_focus(NULL);
		goto out;
	}
	if ((!insert && !erase) || vs_locked())
		goto out;
	if (e->source != focused) {
		if (!has_focus(e->source))
			goto out;
		set_focus(e->source);
	}
	if (focused_secret)
		goto out;
	if (insert && G_VALUE_HOLDS_STRING(&e->any_data) && g_value_get_string(&e->any_data))
		forward_insert(g_value_get_string(&e->any_data));
	else if (erase && e->detail2 > 0)
		vs_send(json_pack("{sssIsi}", "ev", "erase", "id", (json_int_t)vs_focus_id(),
		                  "count", e->detail2 < VS_ERASE_MAX ? e->detail2 : VS_ERASE_MAX));
out:
	if (G_VALUE_HOLDS_STRING(&e->any_data) && g_value_get_string(&e->any_data)) {
		const char *s = g_value_get_string(&e->any_data);

		explicit_bzero((char *)s, strlen(s));
	}
	g_boxed_free(ATSPI_TYPE_EVENT, e);
}

int vsatspi_start(void)
{
	static const char *const types[] = {
	    "object:text-changed:insert",
	    "object:text-changed:delete",
	    "object:state-changed:focused",
	};
	AtspiEventListener *l;
	int r = atspi_init();

	if (r < 0 || r > 1) { /* 1: already initialised */
		g_message("AT-SPI: no accessibility bus; typed text is not followed");
		return -1;
	}
	atspi_set_timeout(1000, 5000); /* a hung application must not hold the helper */
	l = atspi_event_listener_new(on_event, NULL, NULL);
	for (size_t i = 0; i < G_N_ELEMENTS(types); i++) {
		GError *err = NULL;

		if (!atspi_event_listener_register(l, types[i], &err)) {
			g_message("AT-SPI: cannot listen for %s: %s", types[i],
			          err ? err->message : "?");
			g_clear_error(&err);
			return -1;
		}
	}
	return 0;
}
