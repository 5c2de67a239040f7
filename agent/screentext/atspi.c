/* atspi.c: viewed text from the session's accessibility tree (AT-SPI2), in a thread of its own. */
#include "atspi.h"

#include <atspi/atspi.h>
#include <gio/gio.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"

#define ATSPI_WALK_NODES   4000  /* objects read per walk of a document or window */
#define ATSPI_WALK_DEPTH   64    /* nesting followed */
#define ATSPI_TEXT_CHARS   65536 /* characters read from one object */
#define ATSPI_SETTLE_MS    250   /* bursts of events are handled together after this */
#define ATSPI_BUS_WAIT_S   5     /* how often to look for the accessibility bus */
#define ATSPI_CALL_TIMEOUT 1500  /* ms a D-Bus call to an application may take */

struct atspi_src {
	struct stq *q;
	char *display;
	pthread_t thread;
	bool started;
	atomic_bool stop;
	GMainLoop *loop;
	GHashTable *pending_read; /* AtspiAccessible* -> itself (ref held): read its text */
	GHashTable *pending_walk; /* AtspiAccessible* -> itself: walk its subtree */
	guint settle_id;
	atomic_uint_fast64_t events, pieces;
};

/* ---- the accessibility bus ------------------------------------------------ */

/*
 * Asks the session bus for the accessibility bus (org.a11y.Bus GetAddress) and puts it in
 * AT_SPI_BUS_ADDRESS, so libatspi never falls back to the root window's AT_SPI_BUS
 * property, which any client of the display may write. The session bus is
 * DBUS_SESSION_BUS_ADDRESS, else $XDG_RUNTIME_DIR/bus.
 */
static bool bus_from_session(void)
{
	const char *addr = getenv("DBUS_SESSION_BUS_ADDRESS"), *runtime = getenv("XDG_RUNTIME_DIR");
	GDBusConnection *conn;
	GVariant *reply;
	GError *err = NULL;
	char *fallback = NULL;
	bool ok = false;

	if (!addr && runtime)
		addr = fallback = g_strdup_printf("unix:path=%s/bus", runtime);
	if (!addr)
		return false;
	conn = g_dbus_connection_new_for_address_sync(
	    addr,
	    G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
	        G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
	    NULL, NULL, &err);
	g_free(fallback);
	if (!conn) {
		log_debug("screen-text: session bus: %s", err ? err->message : "?");
		g_clear_error(&err);
		return false;
	}
	reply = g_dbus_connection_call_sync(conn, "org.a11y.Bus", "/org/a11y/bus", "org.a11y.Bus",
	                                    "GetAddress", NULL, G_VARIANT_TYPE("(s)"),
	                                    G_DBUS_CALL_FLAGS_NONE, ATSPI_CALL_TIMEOUT, NULL, &err);
	if (reply) {
		const char *bus = NULL;

		g_variant_get(reply, "(&s)", &bus);
		if (bus && *bus) {
			setenv("AT_SPI_BUS_ADDRESS", bus, 1);
			ok = true;
		}
		g_variant_unref(reply);
	} else {
		log_debug("screen-text: org.a11y.Bus GetAddress: %s", err ? err->message : "?");
		g_clear_error(&err);
	}
	g_dbus_connection_close_sync(conn, NULL, NULL);
	g_object_unref(conn);
	return ok;
}

static bool bus_known(void)
{
	return getenv("AT_SPI_BUS_ADDRESS") || bus_from_session();
}

/* ---- reading text ----------------------------------------------------------- */

static uint64_t object_key(AtspiAccessible *obj)
{
	AtspiObject *o = ATSPI_OBJECT(obj);
	uint64_t h = STQ_HASH_INIT;

	if (o->app && o->app->bus_name)
		h = stq_hash(h, o->app->bus_name, strlen(o->app->bus_name));
	if (o->path)
		h = stq_hash(h, o->path, strlen(o->path));
	return h;
}

/* The same text shown twice by one application (a paragraph and its text leaf, a label
 * set again) is scanned once. */
static uint64_t app_key(AtspiAccessible *obj)
{
	AtspiObject *o = ATSPI_OBJECT(obj);

	if (o->app && o->app->bus_name)
		return stq_hash(STQ_HASH_INIT, o->app->bus_name, strlen(o->app->bus_name));
	return STQ_HASH_INIT;
}

/* The frame (top-level window) obj belongs to, with a new reference, or NULL. */
static AtspiAccessible *frame_of(AtspiAccessible *obj)
{
	AtspiAccessible *cur = g_object_ref(obj);

	for (int i = 0; i < ATSPI_WALK_DEPTH; i++) {
		AtspiAccessible *parent = atspi_accessible_get_parent(cur, NULL);
		AtspiRole role;

		if (!parent) {
			g_object_unref(cur);
			return NULL;
		}
		role = atspi_accessible_get_role(parent, NULL);
		if (role == ATSPI_ROLE_APPLICATION || role == ATSPI_ROLE_DESKTOP_FRAME) {
			g_object_unref(parent);
			return cur;
		}
		g_object_unref(cur);
		cur = parent;
	}
	g_object_unref(cur);
	return NULL;
}

/* Replaces U+FFFC (an embedded object: a link, an image) and controls with spaces. */
static void clean_text(char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (i + 2 < len && (unsigned char)s[i] == 0xef && (unsigned char)s[i + 1] == 0xbf &&
		    (unsigned char)s[i + 2] == 0xbc) {
			memset(s + i, ' ', 3);
			i += 2;
		} else if ((unsigned char)s[i] < 0x20 && s[i] != '\n') {
			s[i] = ' ';
		}
	}
}

static bool blank(const char *s)
{
	for (; *s; s++)
		if (*s != ' ' && *s != '\n' && *s != '\t')
			return false;
	return true;
}

struct where {
	char *title, *app;
	unsigned long window;
};

static void where_fill(AtspiAccessible *obj, struct where *w)
{
	AtspiAccessible *frame = frame_of(obj);
	AtspiAccessible *app = atspi_accessible_get_application(obj, NULL);

	w->title = frame ? atspi_accessible_get_name(frame, NULL) : NULL;
	w->app = app ? atspi_accessible_get_name(app, NULL) : NULL;
	/* not an X window id (those stay below 2^29): a stable id of the accessible frame */
	w->window = frame ? (unsigned long)((object_key(frame) & 0x7fffffffu) | 0x80000000u) : 0;
	if (frame)
		g_object_unref(frame);
	if (app)
		g_object_unref(app);
}

static void where_clear(struct where *w)
{
	g_free(w->title);
	g_free(w->app);
	memset(w, 0, sizeof(*w));
}

/* Pushes text (owned by the caller) unless (obj, text) was handed over already. */
static void offer(struct atspi_src *s, AtspiAccessible *obj, char *text, struct where *w)
{
	size_t len = strlen(text);
	uint64_t key;

	clean_text(text, len);
	if (blank(text))
		return;
	key = stq_hash(app_key(obj), text, len);
	if (stq_seen(s->q, key))
		return;
	if (!w->title && !w->app)
		where_fill(obj, w);
	struct screentext_piece p = {
	    text, len, w->title ? w->title : "", w->app ? w->app : "", w->window, "atspi"};
	if (stq_push(s->q, &p) == 0)
		atomic_fetch_add(&s->pieces, 1);
}

/* The text of obj: its Text interface, else the name of a leaf. g_free() it; NULL if none. */
static char *object_text(AtspiAccessible *obj, bool leaf)
{
	AtspiText *t = atspi_accessible_get_text_iface(obj);
	char *text = NULL;

	if (t) {
		gint n = atspi_text_get_character_count(t, NULL);

		if (n > 0)
			text = atspi_text_get_text(
			    t, 0, n > ATSPI_TEXT_CHARS ? ATSPI_TEXT_CHARS : n, NULL);
		g_object_unref(t);
		return text;
	}
	if (leaf)
		text = atspi_accessible_get_name(obj, NULL);
	return text;
}

static void read_one(struct atspi_src *s, AtspiAccessible *obj, struct where *w)
{
	gint children = atspi_accessible_get_child_count(obj, NULL);
	char *text = object_text(obj, children <= 0);

	if (text) {
		offer(s, obj, text, w);
		explicit_bzero(text, strlen(text));
		g_free(text);
	}
}

static void walk(struct atspi_src *s, AtspiAccessible *obj, int depth, int *budget, struct where *w)
{
	gint n;

	if (*budget <= 0 || depth > ATSPI_WALK_DEPTH || atomic_load(&s->stop))
		return;
	(*budget)--;
	read_one(s, obj, w);
	n = atspi_accessible_get_child_count(obj, NULL);
	for (gint i = 0; i<n && * budget> 0; i++) {
		AtspiAccessible *c = atspi_accessible_get_child_at_index(obj, i, NULL);

		if (!c)
			continue;
		walk(s, c, depth + 1, budget, w);
		g_object_unref(c);
	}
}

/* Walks obj's subtree; each piece carries obj's window. */
static void walk_top(struct atspi_src *s, AtspiAccessible *obj)
{
	struct where w = {0};
	int budget = ATSPI_WALK_NODES;

	walk(s, obj, 0, &budget, &w);
	where_clear(&w);
}

/* Everything the session shows now: each application's windows. */
static void walk_desktop(struct atspi_src *s)
{
	AtspiAccessible *desktop = atspi_get_desktop(0);
	gint napps = desktop ? atspi_accessible_get_child_count(desktop, NULL) : 0;

	for (gint i = 0; i < napps && !atomic_load(&s->stop); i++) {
		AtspiAccessible *app = atspi_accessible_get_child_at_index(desktop, i, NULL);
		gint nwin = app ? atspi_accessible_get_child_count(app, NULL) : 0;

		for (gint j = 0; j < nwin; j++) {
			AtspiAccessible *win = atspi_accessible_get_child_at_index(app, j, NULL);

			if (win) {
				walk_top(s, win);
				g_object_unref(win);
			}
		}
		if (app)
			g_object_unref(app);
	}
	if (desktop)
		g_object_unref(desktop);
}

/* ---- events ----------------------------------------------------------------- */

static gboolean settle(gpointer data)
{
	struct atspi_src *s = data;
	GHashTableIter it;
	gpointer key;
	GHashTable *reads = s->pending_read, *walks = s->pending_walk;

	s->settle_id = 0;
	s->pending_read = g_hash_table_new_full(NULL, NULL, g_object_unref, NULL);
	s->pending_walk = g_hash_table_new_full(NULL, NULL, g_object_unref, NULL);
	g_hash_table_iter_init(&it, walks);
	while (g_hash_table_iter_next(&it, &key, NULL))
		walk_top(s, key);
	g_hash_table_iter_init(&it, reads);
	while (g_hash_table_iter_next(&it, &key, NULL)) {
		struct where w = {0};

		if (!g_hash_table_contains(walks, key))
			read_one(s, key, &w);
		where_clear(&w);
	}
	g_hash_table_unref(reads);
	g_hash_table_unref(walks);
	return G_SOURCE_REMOVE;
}

static void schedule(struct atspi_src *s, GHashTable *set, AtspiAccessible *obj)
{
	if (!g_hash_table_contains(set, obj))
		g_hash_table_add(set, g_object_ref(obj));
	if (!s->settle_id)
		s->settle_id = g_timeout_add(ATSPI_SETTLE_MS, settle, s);
}

/* The document obj is in (obj itself when it is one), with a new reference, or NULL. */
static AtspiAccessible *document_of(AtspiAccessible *obj)
{
	AtspiAccessible *cur = g_object_ref(obj);

	for (int i = 0; cur && i < ATSPI_WALK_DEPTH; i++) {
		AtspiRole r = atspi_accessible_get_role(cur, NULL);
		AtspiAccessible *parent;

		if (r == ATSPI_ROLE_DOCUMENT_WEB || r == ATSPI_ROLE_DOCUMENT_FRAME ||
		    r == ATSPI_ROLE_DOCUMENT_TEXT || r == ATSPI_ROLE_DOCUMENT_SPREADSHEET ||
		    r == ATSPI_ROLE_DOCUMENT_PRESENTATION)
			return cur;
		if (r == ATSPI_ROLE_FRAME || r == ATSPI_ROLE_APPLICATION)
			break;
		parent = atspi_accessible_get_parent(cur, NULL);
		g_object_unref(cur);
		cur = parent;
	}
	if (cur)
		g_object_unref(cur);
	return NULL;
}

static void on_event(AtspiEvent *ev, void *userdata)
{
	struct atspi_src *s = userdata;
	const char *type = ev->type ? ev->type : "";

	atomic_fetch_add(&s->events, 1);
	if (!ev->source)
		goto out;
	if (g_str_has_prefix(type, "document:load-complete") ||
	    g_str_has_prefix(type, "document:reload")) {
		schedule(s, s->pending_walk, ev->source);
	} else if (g_str_has_prefix(type, "object:state-changed:focused") ||
	           g_str_has_prefix(type, "focus:")) {
		AtspiAccessible *doc;

		if (ev->detail1 == 0)
			goto out;
		schedule(s, s->pending_read, ev->source);
		doc = document_of(ev->source);
		if (doc) {
			schedule(s, s->pending_walk, doc);
			g_object_unref(doc);
		}
	} else if (g_str_has_prefix(type, "object:text-changed:insert") ||
	           g_str_has_prefix(type, "object:property-change:accessible-name") ||
	           g_str_has_prefix(type, "object:children-changed:add")) {
		if (g_str_has_prefix(type, "object:children-changed:add") &&
		    G_VALUE_HOLDS(&ev->any_data, ATSPI_TYPE_ACCESSIBLE)) {
			AtspiAccessible *child = g_value_get_object(&ev->any_data);

			if (child)
				schedule(s, s->pending_walk, child);
		} else {
			schedule(s, s->pending_read, ev->source);
		}
	}
out:
	g_boxed_free(ATSPI_TYPE_EVENT, ev);
}

static const char *const event_types[] = {
    "object:text-changed:insert",  "object:property-change:accessible-name",
    "object:children-changed:add", "object:state-changed:focused",
    "document:load-complete",      "document:reload",
};

static gboolean check_stop(gpointer data)
{
	struct atspi_src *s = data;

	if (atomic_load(&s->stop)) {
		g_main_loop_quit(s->loop);
		return G_SOURCE_REMOVE;
	}
	return G_SOURCE_CONTINUE;
}

static gboolean initial_walk(gpointer data)
{
	walk_desktop(data);
	return G_SOURCE_REMOVE;
}

static void run_loop(struct atspi_src *s)
{
	AtspiEventListener *l;

	if (atspi_init() < 0) {
		log_warning("screen-text: cannot start AT-SPI; accessible text is not scanned");
		return;
	}
	atspi_set_timeout(ATSPI_CALL_TIMEOUT, ATSPI_CALL_TIMEOUT * 10);
	l = atspi_event_listener_new(on_event, s, NULL);
	for (size_t i = 0; i < sizeof(event_types) / sizeof(event_types[0]); i++) {
		GError *err = NULL;

		if (!atspi_event_listener_register(l, event_types[i], &err)) {
			log_warning("screen-text: AT-SPI event %s: %s", event_types[i],
			            err ? err->message : "?");
			g_clear_error(&err);
		}
	}
	s->pending_read = g_hash_table_new_full(NULL, NULL, g_object_unref, NULL);
	s->pending_walk = g_hash_table_new_full(NULL, NULL, g_object_unref, NULL);
	g_timeout_add(200, check_stop, s);
	g_idle_add(initial_walk, s);
	log_info("screen-text: following accessible text on display %s", s->display);
	g_main_loop_run(s->loop);
	for (size_t i = 0; i < sizeof(event_types) / sizeof(event_types[0]); i++)
		atspi_event_listener_deregister(l, event_types[i], NULL);
	g_object_unref(l);
	g_hash_table_unref(s->pending_read);
	g_hash_table_unref(s->pending_walk);
}

static void *thread_main(void *arg)
{
	struct atspi_src *s = arg;
	bool logged = false;

	while (!atomic_load(&s->stop) && !bus_known()) {
		if (!logged)
			log_info("screen-text: no accessibility bus on display %s yet; waiting",
			         s->display);
		logged = true;
		for (int i = 0; i < ATSPI_BUS_WAIT_S * 10 && !atomic_load(&s->stop); i++)
			nanosleep(&(struct timespec){0, 100000000}, NULL);
	}
	if (!atomic_load(&s->stop))
		run_loop(s);
	return NULL;
}

int atspi_src_start(struct stq *q, const char *display, struct atspi_src **out)
{
	struct atspi_src *s = calloc(1, sizeof(*s));
	int r;

	if (!s)
		return -ENOMEM;
	s->q = q;
	s->display = strdup(display ? display : "");
	if (!s->display) {
		free(s);
		return -ENOMEM;
	}
	/* libatspi finds the bus through the environment: set it before the thread starts */
	if (!getenv("AT_SPI_BUS_ADDRESS"))
		bus_from_session();
	if (display)
		setenv("DISPLAY", display, 1);
	s->loop = g_main_loop_new(NULL, FALSE);
	r = pthread_create(&s->thread, NULL, thread_main, s);
	if (r) {
		atspi_src_stop(s);
		return -r;
	}
	s->started = true;
	*out = s;
	return 0;
}

void atspi_src_stats(struct atspi_src *s, uint64_t *cpu_ns, uint64_t *events, uint64_t *pieces)
{
	clockid_t cid;
	struct timespec ts;

	*cpu_ns = 0;
	if (s->started && pthread_getcpuclockid(s->thread, &cid) == 0 &&
	    clock_gettime(cid, &ts) == 0)
		*cpu_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	*events = atomic_load(&s->events);
	*pieces = atomic_load(&s->pieces);
}

void atspi_src_stop(struct atspi_src *s)
{
	if (!s)
		return;
	atomic_store(&s->stop, true);
	if (s->started)
		pthread_join(s->thread, NULL);
	if (s->loop)
		g_main_loop_unref(s->loop);
	free(s->display);
	free(s);
}
