/* ocr.c: text read by OCR from changed screen regions, within a CPU budget, in a low-priority
 * thread. */
#include "ocr.h"

#include <X11/Xatom.h>
#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <X11/extensions/Xdamage.h>
#include <X11/extensions/Xfixes.h>
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "monotime.h"
#include "tessdl.h"

#define OCR_MAX_RECTS 16 /* regions read per round; more are merged into one box */
#define OCR_MERGE_GAP 24 /* pixels: changed areas closer than this are read together */
#define OCR_MIN_W     24 /* narrower or lower changes hold no readable text */
#define OCR_MIN_H     10
#define OCR_TITLE_MAX 1024

struct ocr_src {
	struct stq *q;
	struct ocr_params p;
	char *display;
	pthread_t thread;
	bool started;
	atomic_bool stop;
	atomic_uint_fast64_t rounds, skipped, pieces;
	atomic_uint_fast64_t spent_ns; /* CPU of the rounds (process-wide while they ran) */
	/* thread state */
	Display *dpy;
	Damage damage;
	XserverRegion acc;    /* changed since the last round */
	struct tess_api tess; /* libtesseract, loaded at start */
	TessBaseAPI *api;
};

struct box {
	int x, y, w, h;
};

/* ---- where the text is -------------------------------------------------------- */

static bool get_string(Display *dpy, Window w, Atom prop, Atom type, char *out, size_t outlen)
{
	Atom at;
	int fmt;
	unsigned long n, after;
	unsigned char *data = NULL;
	bool ok = false;

	out[0] = '\0';
	if (XGetWindowProperty(dpy, w, prop, 0, OCR_TITLE_MAX / 4, False, type, &at, &fmt, &n,
	                       &after, &data) == Success &&
	    data && fmt == 8 && n > 0) {
		size_t len = n < outlen - 1 ? n : outlen - 1;

		memcpy(out, data, len);
		out[len] = '\0';
		ok = true;
	}
	if (data)
		XFree(data);
	return ok;
}

/* The client window (with WM_STATE) at or below w, depth-first; None when there is none. */
static Window client_of(Display *dpy, Window w, Atom wm_state, int depth)
{
	Atom at;
	int fmt;
	unsigned long n, after;
	unsigned char *data = NULL;
	Window root, parent, *kids = NULL, found = None;
	unsigned int nkids = 0;

	if (XGetWindowProperty(dpy, w, wm_state, 0, 0, False, AnyPropertyType, &at, &fmt, &n,
	                       &after, &data) == Success &&
	    at != None) {
		if (data)
			XFree(data);
		return w;
	}
	if (data)
		XFree(data);
	if (depth <= 0 || !XQueryTree(dpy, w, &root, &parent, &kids, &nkids))
		return None;
	for (unsigned int i = nkids; i-- > 0 && found == None;)
		found = client_of(dpy, kids[i], wm_state, depth - 1);
	if (kids)
		XFree(kids);
	return found;
}

struct where {
	Window window;
	char title[OCR_TITLE_MAX];
	char app[128];
};

static void where_at(struct ocr_src *s, int x, int y, struct where *w)
{
	Display *dpy = s->dpy;
	Window root = DefaultRootWindow(dpy), child = None;
	int dx, dy;
	XClassHint ch = {0};

	memset(w, 0, sizeof(*w));
	if (!XTranslateCoordinates(dpy, root, root, x, y, &dx, &dy, &child) || child == None)
		return;
	w->window = client_of(dpy, child, XInternAtom(dpy, "WM_STATE", False), 3);
	if (w->window == None)
		w->window = child;
	if (!get_string(dpy, w->window, XInternAtom(dpy, "_NET_WM_NAME", False),
	                XInternAtom(dpy, "UTF8_STRING", False), w->title, sizeof(w->title)))
		get_string(dpy, w->window, XA_WM_NAME, XA_STRING, w->title, sizeof(w->title));
	if (XGetClassHint(dpy, w->window, &ch)) {
		if (ch.res_name) {
			size_t n = strnlen(ch.res_name, sizeof(w->app) - 1);

			memcpy(w->app, ch.res_name, n);
			w->app[n] = '\0';
			XFree(ch.res_name);
		}
		if (ch.res_class)
			XFree(ch.res_class);
	}
}

/* ---- which regions ------------------------------------------------------------ */

static bool near(const struct box *a, const struct box *b)
{
	return a->x <= b->x + b->w + OCR_MERGE_GAP && b->x <= a->x + a->w + OCR_MERGE_GAP &&
	       a->y <= b->y + b->h + OCR_MERGE_GAP && b->y <= a->y + a->h + OCR_MERGE_GAP;
}

static void join(struct box *a, const struct box *b)
{
	int x2 = a->x + a->w > b->x + b->w ? a->x + a->w : b->x + b->w;
	int y2 = a->y + a->h > b->y + b->h ? a->y + a->h : b->y + b->h;

	a->x = a->x < b->x ? a->x : b->x;
	a->y = a->y < b->y ? a->y : b->y;
	a->w = x2 - a->x;
	a->h = y2 - a->y;
}

/* Merges the changed rectangles into at most OCR_MAX_RECTS boxes; returns their count. */
static size_t merge(const XRectangle *r, int n, struct box *out)
{
	size_t count = 0;
	bool changed = true;

	for (int i = 0; i < n; i++) {
		struct box b = {r[i].x, r[i].y, r[i].width, r[i].height};

		if (count < OCR_MAX_RECTS)
			out[count++] = b;
		else
			join(&out[count - 1], &b);
	}
	while (changed) {
		changed = false;
		for (size_t i = 0; i < count; i++)
			for (size_t j = i + 1; j < count; j++)
				if (near(&out[i], &out[j])) {
					join(&out[i], &out[j]);
					out[j] = out[--count];
					changed = true;
					j--;
				}
	}
	return count;
}

/* ---- reading -------------------------------------------------------------------- */

/* The screen area as 8-bit grey; caller frees. NULL when it cannot be read. */
static unsigned char *grab_grey(struct ocr_src *s, const struct box *b)
{
	XImage *img = XGetImage(s->dpy, DefaultRootWindow(s->dpy), b->x, b->y, (unsigned)b->w,
	                        (unsigned)b->h, AllPlanes, ZPixmap);
	unsigned char *grey;

	if (!img)
		return NULL;
	grey = malloc((size_t)b->w * (size_t)b->h);
	if (grey) {
		bool fast = img->bits_per_pixel == 32 && img->red_mask == 0xff0000 &&
		            img->green_mask == 0xff00 && img->blue_mask == 0xff &&
		            img->byte_order == LSBFirst;

		for (int y = 0; y < b->h; y++) {
			for (int x = 0; x < b->w; x++) {
				unsigned long px;

				if (fast) {
					uint32_t v;

					memcpy(&v,
					       img->data + (size_t)y * (size_t)img->bytes_per_line +
					           (size_t)x * 4,
					       4);
					px = v;
				} else {
					px = XGetPixel(img, x, y);
				}
				unsigned r = (px >> 16) & 0xff, g = (px >> 8) & 0xff,
				         bl = px & 0xff;

				grey[(size_t)y * (size_t)b->w + (size_t)x] =
				    (unsigned char)((r * 77 + g * 150 + bl * 29) >> 8);
			}
		}
	}
	XDestroyImage(img);
	return grey;
}

/* Pushes the lines of text not handed over before for this window, joined by newlines. */
static void offer(struct ocr_src *s, char *text, const struct where *w)
{
	size_t len = strlen(text), out = 0;
	char *line = text;

	while (line < text + len) {
		char *nl = memchr(line, '\n', (size_t)(text + len - line));
		size_t n = nl ? (size_t)(nl - line) : (size_t)(text + len - line);
		uint64_t key =
		    stq_hash(stq_hash(STQ_HASH_INIT, &w->window, sizeof(w->window)), line, n);
		bool keep = false;

		for (size_t i = 0; i < n; i++)
			if (line[i] != ' ')
				keep = true;
		if (keep && !stq_seen(s->q, key)) {
			memmove(text + out, line, n);
			out += n;
			text[out++] = '\n';
		}
		line += n + 1;
	}
	if (out == 0)
		return;
	struct screentext_piece p = {text, out, w->title, w->app, w->window, "ocr"};
	if (stq_push(s->q, &p) == 0)
		atomic_fetch_add(&s->pieces, 1);
}

static void read_box(struct ocr_src *s, const struct box *b)
{
	unsigned char *grey;
	char *text;
	struct where w;

	if (b->w < OCR_MIN_W || b->h < OCR_MIN_H)
		return;
	grey = grab_grey(s, b);
	if (!grey)
		return;
	s->tess.set_image(s->api, grey, b->w, b->h, 1, b->w);
	s->tess.set_source_resolution(s->api, 96);
	text = s->tess.get_utf8_text(s->api);
	if (text) {
		where_at(s, b->x + b->w / 2, b->y + b->h / 2, &w);
		offer(s, text, &w);
		explicit_bzero(text, strlen(text));
		s->tess.delete_text(text);
	}
	s->tess.clear(s->api);
	free(grey);
}

/* Reads what changed since the last round. */
static void round_run(struct ocr_src *s)
{
	int n = 0, sw = DisplayWidth(s->dpy, DefaultScreen(s->dpy));
	int sh = DisplayHeight(s->dpy, DefaultScreen(s->dpy));
	XRectangle bounds, *rects = XFixesFetchRegionAndBounds(s->dpy, s->acc, &n, &bounds);
	struct box boxes[OCR_MAX_RECTS];
	size_t count;

	XFixesSetRegion(s->dpy, s->acc, NULL, 0);
	if (!rects)
		return;
	count = merge(rects, n, boxes);
	XFree(rects);
	for (size_t i = 0; i < count && !atomic_load(&s->stop); i++) {
		struct box *b = &boxes[i];

		if (b->x < 0)
			b->w += b->x, b->x = 0;
		if (b->y < 0)
			b->h += b->y, b->y = 0;
		if (b->x + b->w > sw)
			b->w = sw - b->x;
		if (b->y + b->h > sh)
			b->h = sh - b->y;
		read_box(s, b);
	}
}

/* Moves the damage reported so far into s->acc. */
static bool collect(struct ocr_src *s)
{
	XserverRegion parts = XFixesCreateRegion(s->dpy, NULL, 0);
	XRectangle bounds;
	int n = 0;
	XRectangle *r;

	while (XPending(s->dpy)) {
		XEvent ev;

		XNextEvent(s->dpy, &ev);
	}
	XDamageSubtract(s->dpy, s->damage, None, parts);
	XFixesUnionRegion(s->dpy, s->acc, s->acc, parts);
	XFixesDestroyRegion(s->dpy, parts);
	r = XFixesFetchRegionAndBounds(s->dpy, s->acc, &n, &bounds);
	if (r)
		XFree(r);
	return n > 0;
}

/*
 * Debian's Tesseract runs parallel sections with OpenMP, whose thread count is read from
 * the environment when the library loads, before main(): set it for this thread instead,
 * so that the OCR uses one core and the budget is of one core.
 */
static void one_openmp_thread(void)
{
	void (*set_threads)(int) = (void (*)(int))dlsym(RTLD_DEFAULT, "omp_set_num_threads");

	if (set_threads)
		set_threads(1);
}

/* CPU time of the whole process in ns: a round's cost includes any helper threads. */
static uint64_t process_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void lower_priority(void)
{
	struct sched_param sp = {0};

	setpriority(PRIO_PROCESS, (id_t)gettid(), 19); /* per thread on Linux */
	pthread_setschedparam(pthread_self(), SCHED_IDLE, &sp);
}

static void *thread_main(void *arg)
{
	struct ocr_src *s = arg;
	uint64_t next = 0, interval = (uint64_t)s->p.interval_ms * 1000000u;

	lower_priority();
	one_openmp_thread();
	while (!atomic_load(&s->stop)) {
		uint64_t now = monotime_ns(), cpu0, cost;

		if (now < next) {
			nanosleep(&(struct timespec){0, 100000000}, NULL);
			continue;
		}
		if (!collect(s)) {
			next = now + interval;
			continue;
		}
		/* the process's CPU over the round: an upper bound of the round's own cost */
		cpu0 = process_cpu_ns();
		round_run(s);
		cost = process_cpu_ns() - cpu0;
		atomic_fetch_add(&s->spent_ns, cost);
		atomic_fetch_add(&s->rounds, 1);
		/* a round of cost C buys the next one no sooner than C / budget later */
		uint64_t wait = cost * 100u / (uint64_t)s->p.budget_pct;
		if (wait > interval)
			atomic_fetch_add(&s->skipped, (wait - interval) / interval);
		next = now + (wait > interval ? wait : interval);
	}
	return NULL;
}

static int setup_x(struct ocr_src *s)
{
	int ev, err, major = 2, minor = 0;
	XRectangle all;

	s->dpy = XOpenDisplay(s->display);
	if (!s->dpy)
		return -ENXIO;
	if (!XDamageQueryExtension(s->dpy, &ev, &err) || !XFixesQueryExtension(s->dpy, &ev, &err) ||
	    !XFixesQueryVersion(s->dpy, &major, &minor) || major < 2)
		return -ENOTSUP;
	s->damage = XDamageCreate(s->dpy, DefaultRootWindow(s->dpy), XDamageReportNonEmpty);
	/* what is on screen already is read once */
	all = (XRectangle){0, 0, (unsigned short)DisplayWidth(s->dpy, DefaultScreen(s->dpy)),
	                   (unsigned short)DisplayHeight(s->dpy, DefaultScreen(s->dpy))};
	s->acc = XFixesCreateRegion(s->dpy, &all, 1);
	XSync(s->dpy, False);
	return 0;
}

static int setup_tesseract(struct ocr_src *s)
{
	int r = tess_load(&s->tess);

	if (r < 0)
		return r;
	s->api = s->tess.create();
	if (!s->api)
		return -ENOMEM;
	if (s->tess.init3(s->api, NULL, "eng") != 0)
		return -ENOTSUP;
	s->tess.set_page_seg_mode(s->api, PSM_AUTO);
	return 0;
}

int ocr_src_start(struct stq *q, const struct ocr_params *p, struct ocr_src **out)
{
	struct ocr_src *s = calloc(1, sizeof(*s));
	int r;

	if (!s)
		return -ENOMEM;
	s->q = q;
	s->p = *p;
	if (s->p.interval_ms < 200)
		s->p.interval_ms = 200;
	if (s->p.budget_pct < 1 || s->p.budget_pct > 100)
		s->p.budget_pct = OCR_DEFAULT_BUDGET_PCT;
	s->display = strdup(p->display ? p->display : "");
	setenv("OMP_THREAD_LIMIT", "1", 0); /* one thread: the budget is of one core */
	r = s->display ? setup_x(s) : -ENOMEM;
	if (r == 0)
		r = setup_tesseract(s);
	if (r == 0)
		r = -pthread_create(&s->thread, NULL, thread_main, s);
	if (r < 0) {
		if (r == -ENOTSUP)
			log_warning(
			    "screen-text: OCR needs the XDamage extension and Tesseract's "
			    "English data (tesseract-ocr-eng); images of text are not read");
		ocr_src_stop(s);
		return r;
	}
	s->started = true;
	log_info("screen-text: OCR of changed screen regions on display %s (every %d ms at most, "
	         "%d%% of a core)",
	         s->display, s->p.interval_ms, s->p.budget_pct);
	*out = s;
	return 0;
}

void ocr_src_stats(struct ocr_src *s, uint64_t *cpu_ns, uint64_t *rounds, uint64_t *skipped,
                   uint64_t *pieces)
{
	*cpu_ns = atomic_load(&s->spent_ns);
	*rounds = atomic_load(&s->rounds);
	*skipped = atomic_load(&s->skipped);
	*pieces = atomic_load(&s->pieces);
}

void ocr_src_stop(struct ocr_src *s)
{
	if (!s)
		return;
	atomic_store(&s->stop, true);
	if (s->started)
		pthread_join(s->thread, NULL);
	if (s->api) {
		s->tess.end(s->api);
		s->tess.del(s->api);
	}
	if (s->dpy)
		XCloseDisplay(s->dpy);
	free(s->display);
	free(s);
}
