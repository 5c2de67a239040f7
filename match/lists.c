/* lists.c: loads phrase-list files into compiled, refcounted match_lists. */
#include "lists.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "errors.h"
#include "monotime.h"
#include "vigil-limits.h"

/* ---- sources: files on disk, or files in memory ---------------------------- */

/* name resolved against the directory of 'from' (malloc'd). */
static char *resolve(const char *from, const char *name)
{
	const char *slash = from ? strrchr(from, '/') : NULL;
	char *out = NULL;

	if (!slash || name[0] == '/')
		return strdup(name);
	if (asprintf(&out, "%.*s/%s", (int)(slash - from), from, name) < 0)
		return NULL;
	return out;
}

static int disk_read(void *ctx, const char *from, const char *name, char **resolved, char **text,
                     size_t *len)
{
	char *path = resolve(from, name), *buf = NULL;
	struct stat st;
	size_t got = 0;
	int fd, r;

	(void)ctx;
	if (!path)
		return -ENOMEM;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		goto fail;
	}
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto fail_close;
	}
	if (S_ISDIR(st.st_mode)) {
		r = -EISDIR;
		goto fail_close;
	}
	if (st.st_size > (off_t)VIGIL_LIST_MAX_FILE_BYTES) {
		r = -EFBIG;
		goto fail_close;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		r = -ENOMEM;
		goto fail_close;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			goto fail_close;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	buf[got] = 0;
	*resolved = path;
	*text = buf;
	*len = got;
	return 0;
fail_close:
	close(fd);
fail:
	free(buf);
	free(path);
	return r;
}

struct mem_ctx {
	const struct match_file *files;
	size_t n;
};

static int mem_read(void *ctx, const char *from, const char *name, char **resolved, char **text,
                    size_t *len)
{
	const struct mem_ctx *m = ctx;
	char *want = resolve(from, name);

	if (!want)
		return -ENOMEM;
	for (size_t i = 0; i < m->n; i++) {
		if (strcmp(m->files[i].name, want) != 0)
			continue;
		if (m->files[i].len > VIGIL_LIST_MAX_FILE_BYTES) {
			free(want);
			return -EFBIG;
		}
		*text = malloc(m->files[i].len + 1);
		if (!*text) {
			free(want);
			return -ENOMEM;
		}
		memcpy(*text, m->files[i].text, m->files[i].len);
		(*text)[m->files[i].len] = 0;
		*len = m->files[i].len;
		*resolved = want;
		return 0;
	}
	free(want);
	return -ENOENT;
}

/* ---- compiling --------------------------------------------------------------- */

static void lists_free(struct match_lists *l)
{
	if (!l)
		return;
	automaton_free(l->am);
	free(l->combo_index);
	free(l->emoji);
	wl_set_clear(&l->set);
	free(l);
}

static int emoji_cmp(const void *a, const void *b)
{
	const struct lists_emoji *x = a, *y = b;

	return x->cp < y->cp ? -1 : x->cp > y->cp;
}

uint32_t lists_emoji_cue(const struct match_lists *lists, uint32_t cp)
{
	size_t lo = 0, hi = lists->nemoji;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (lists->emoji[mid].cp == cp)
			return lists->emoji[mid].rule;
		if (lists->emoji[mid].cp < cp)
			lo = mid + 1;
		else
			hi = mid;
	}
	return UINT32_MAX;
}

/* Builds the automaton of a parsed set; takes over set. */
static int finish(struct wl_set *set, const char *image, uint64_t t0, uint64_t cpu0,
                  struct match_lists **out, struct match_errors *errs)
{
	struct match_lists *l;
	int r;

	if (errors_failed(errs)) {
		wl_set_clear(set);
		return -EINVAL;
	}
	if (set->nrules == 0) {
		errors_add(errs, true, "no phrases: the lists hold no rules");
		wl_set_clear(set);
		return -EINVAL;
	}
	wl_check_duplicates(set, errs);
	wl_check_classes(set, errs);
	wl_check_dead_combos(set, errs);
	wl_set_shrink(set);
	l = calloc(1, sizeof(*l));
	if (!l) {
		wl_set_clear(set);
		return -ENOMEM;
	}
	l->set = *set;
	memset(set, 0, sizeof(*set));
	l->combo_index = malloc(l->set.nrules * sizeof(uint32_t));
	if (!l->combo_index) {
		lists_free(l);
		return -ENOMEM;
	}
	for (size_t i = 0; i < l->set.nrules; i++)
		l->combo_index[i] =
		    l->set.rules[i].kind == MATCH_RULE_COMBO ? (uint32_t)l->ncombos++ : UINT32_MAX;
	for (size_t i = 0; i < l->set.nrules; i++)
		l->nemoji += l->set.rules[i].emoji != 0;
	l->emoji = malloc((l->nemoji + 1) * sizeof(*l->emoji));
	if (!l->emoji) {
		lists_free(l);
		return -ENOMEM;
	}
	l->nemoji = 0;
	for (size_t i = 0; i < l->set.nrules; i++)
		if (l->set.rules[i].emoji)
			l->emoji[l->nemoji++] =
			    (struct lists_emoji){l->set.rules[i].emoji, (uint32_t)i};
	qsort(l->emoji, l->nemoji, sizeof(*l->emoji), emoji_cmp);
	r = automaton_build(&l->set, l->combo_index, image, &l->am);
	if (r < 0) {
		errors_add(errs, true, "the lists could not be compiled: %s", strerror(-r));
		lists_free(l);
		return r;
	}
	wl_set_drop_patterns(&l->set); /* the automaton has its own copies */
	atomic_init(&l->refs, 1);
	l->compile_ms = monotime_elapsed_ms(t0);
	l->compile_cpu_ms = (double)(monotime_thread_cpu_ns() - cpu0) / 1e6;
	*out = l;
	return 0;
}

static int txt_filter(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' && n > 4 && strcmp(d->d_name + n - 4, ".txt") == 0;
}

static void parse_dir(struct wl_set *set, const struct wl_source *src, const char *dir,
                      struct match_errors *errs)
{
	struct dirent **names;
	int n = scandir(dir, &names, txt_filter, alphasort);

	if (n < 0) {
		errors_add(errs, true, "%s: %s", dir, strerror(errno));
		return;
	}
	for (int i = 0; i < n; i++) {
		char *path = NULL;

		if (asprintf(&path, "%s/%s", dir, names[i]->d_name) >= 0) {
			wl_parse_file(set, src, path, errs);
			free(path);
		} else {
			errors_add(errs, true, "%s: out of memory", dir);
		}
		free(names[i]);
	}
	free(names);
}

int match_lists_load(const char *const *paths, size_t npaths, struct match_lists **out,
                     struct match_errors **errsp)
{
	return match_lists_load_shared(paths, npaths, NULL, out, errsp);
}

int match_lists_load_shared(const char *const *paths, size_t npaths, const char *image,
                            struct match_lists **out, struct match_errors **errsp)
{
	struct wl_source src = {disk_read, NULL};
	struct wl_set set = {0};
	struct match_errors *errs = errors_new();
	uint64_t t0 = monotime_ns(), cpu0 = monotime_thread_cpu_ns();

	*errsp = errs;
	if (!errs)
		return -ENOMEM;
	for (size_t i = 0; i < npaths; i++) {
		struct stat st;

		if (stat(paths[i], &st) == 0 && S_ISDIR(st.st_mode))
			parse_dir(&set, &src, paths[i], errs);
		else
			wl_parse_file(&set, &src, paths[i], errs);
	}
	return finish(&set, image, t0, cpu0, out, errs);
}

int match_lists_compile(const struct match_file *files, size_t nfiles, struct match_lists **out,
                        struct match_errors **errsp)
{
	return match_lists_compile_shared(files, nfiles, NULL, out, errsp);
}

int match_lists_compile_shared(const struct match_file *files, size_t nfiles, const char *image,
                               struct match_lists **out, struct match_errors **errsp)
{
	struct mem_ctx ctx = {files, nfiles};
	struct wl_source src = {mem_read, &ctx};
	struct wl_set set = {0};
	struct match_errors *errs = errors_new();
	uint64_t t0 = monotime_ns(), cpu0 = monotime_thread_cpu_ns();
	size_t n = strlen(".inc");

	*errsp = errs;
	if (!errs)
		return -ENOMEM;
	if (nfiles > VIGIL_LIST_MAX_FILES) {
		errors_add(errs, true, "too many files (at most %u)", VIGIL_LIST_MAX_FILES);
		return -EINVAL;
	}
	for (size_t i = 0; i < nfiles; i++) {
		size_t len = strlen(files[i].name);

		if (len > n && strcmp(files[i].name + len - n, ".inc") == 0)
			continue; /* only ever included */
		wl_parse_file(&set, &src, files[i].name, errs);
	}
	return finish(&set, image, t0, cpu0, out, errs);
}

/* ---- references and queries -------------------------------------------------- */

struct match_lists *match_lists_ref(struct match_lists *lists)
{
	if (lists)
		atomic_fetch_add_explicit(&lists->refs, 1, memory_order_relaxed);
	return lists;
}

struct match_lists *match_lists_unref(struct match_lists *lists)
{
	if (lists && atomic_fetch_sub_explicit(&lists->refs, 1, memory_order_acq_rel) == 1)
		lists_free(lists);
	return NULL;
}

void lists_describe(const struct match_lists *lists, uint32_t rule, struct match_hit *hit)
{
	const struct wl_rule *r = &lists->set.rules[rule];

	hit->category = lists->set.categories[r->category];
	hit->severity = r->severity;
	hit->base_severity = r->severity;
	hit->phrase = r->phrase;
	hit->pattern = r->phrase;
	hit->rule = r->rule;
	hit->context = NULL;
	hit->context_rule = NULL;
}

void match_lists_foreach_rule(const struct match_lists *lists,
                              void (*fn)(const struct match_rule_info *rule, void *userdata),
                              void *userdata)
{
	for (size_t i = 0; i < lists->set.nrules; i++) {
		const struct wl_rule *r = &lists->set.rules[i];
		struct match_rule_info info = {
		    .kind = r->kind,
		    .category = r->kind == MATCH_RULE_CONTEXT ? lists->set.contexts[r->context]
		                                              : lists->set.categories[r->category],
		    .severity = r->severity,
		    .phrase = r->phrase,
		    .rule = r->rule,
		    .expanded = (const char *const *)r->xtexts,
		    .nexpanded = r->nxtexts,
		    .ncontexts = r->nwhen,
		};

		fn(&info, userdata);
	}
}

void match_lists_stats(const struct match_lists *lists, struct match_stats *stats)
{
	memset(stats, 0, sizeof(*stats));
	for (size_t i = 0; i < lists->set.nrules; i++) {
		switch (lists->set.rules[i].kind) {
		case MATCH_RULE_PHRASE:
			stats->phrases++;
			break;
		case MATCH_RULE_EXCLUSION:
			stats->exclusions++;
			break;
		case MATCH_RULE_COMBO:
			stats->combos++;
			break;
		case MATCH_RULE_CONTEXT:
			stats->cues++;
			break;
		}
	}
	stats->states = lists->am->nnfa;
	stats->memory_bytes = lists->am->memory_bytes + lists->set.nrules * sizeof(struct wl_rule) +
	                      lists->set.nrules * sizeof(uint32_t);
	stats->shared_bytes = lists->am->map ? lists->am->map_bytes : 0;
	stats->compile_ms = lists->compile_ms;
	stats->compile_cpu_ms = lists->compile_cpu_ms;
}
