/* vigil-wordlist.c: the technician's tool: lint, scan, dump and stats of phrase lists. */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "match.h"

#define MAX_SHOWN_LINE (4u * 1024 * 1024) /* longest line whose matched text is shown */

static void usage(FILE *f)
{
	fputs("usage: vigil-wordlist lint [PATH...]\n"
	      "       vigil-wordlist scan [--lists DIR] [--json]   (text on stdin, one input per "
	      "line)\n"
	      "       vigil-wordlist dump [--lists DIR] [--verbose]\n"
	      "       vigil-wordlist stats [--lists DIR]\n"
	      "\n"
	      "Without --lists the installed lists are used (" VIGIL_WORDLISTS_DIR "),\n"
	      "or $VIGIL_WORDLISTS when set. With $VIGIL_WORDLIST_IMAGE, the automaton's tables\n"
	      "are mapped from that file (written there first when it does not hold them).\n",
	      f);
}

static const char *default_lists(void)
{
	const char *env = getenv("VIGIL_WORDLISTS");
	struct stat st;

	if (env && *env)
		return env;
	if (stat(VIGIL_WORDLISTS_DIR, &st) == 0)
		return VIGIL_WORDLISTS_DIR;
	return VIGIL_SOURCE_WORDLISTS_DIR;
}

/* Prints the diagnostics; returns the number of errors among them. */
static size_t print_errors(const struct match_errors *errs)
{
	size_t n = 0;

	for (size_t i = 0; i < match_errors_count(errs); i++) {
		fprintf(stderr, "%s\n", match_errors_get(errs, i));
		n += match_errors_is_error(errs, i) != 0;
	}
	return n;
}

static struct match_lists *load(const char *const *paths, size_t n, bool quiet_warnings)
{
	struct match_lists *lists = NULL;
	struct match_errors *errs = NULL;
	/* the automaton's tables mapped from (or written to) a shared image, as the agent's */
	int r = match_lists_load_shared(paths, n, getenv("VIGIL_WORDLIST_IMAGE"), &lists, &errs);

	if (r < 0 || !quiet_warnings)
		print_errors(errs);
	if (r < 0)
		fprintf(stderr, "vigil-wordlist: the lists were refused: %s\n", strerror(-r));
	match_errors_free(errs);
	return lists;
}

/* ---- lint ------------------------------------------------------------------ */

static int cmd_lint(int argc, char **argv)
{
	const char *def[1] = {default_lists()};
	const char *const *paths = argc > 0 ? (const char *const *)argv : def;
	size_t n = argc > 0 ? (size_t)argc : 1;
	struct match_lists *lists = NULL;
	struct match_errors *errs = NULL;
	struct match_stats st;
	size_t nerr, nwarn;
	int r = match_lists_load(paths, n, &lists, &errs);

	nerr = print_errors(errs);
	nwarn = match_errors_count(errs) - nerr;
	match_errors_free(errs);
	if (r < 0) {
		printf("%zu error%s, %zu warning%s\n", nerr, nerr == 1 ? "" : "s", nwarn,
		       nwarn == 1 ? "" : "s");
		return 1;
	}
	match_lists_stats(lists, &st);
	printf("ok: %zu phrases, %zu exclusions, %zu combinations; %zu warning%s\n", st.phrases,
	       st.exclusions, st.combos, nwarn, nwarn == 1 ? "" : "s");
	match_lists_unref(lists);
	return 0;
}

/* ---- scan ------------------------------------------------------------------ */

struct scan_line {
	json_t *hits;
	const char *text; /* NULL when the line was too long to keep */
	size_t len;
	bool json;
	unsigned long lineno;
};

static void on_hit(const struct match_hit *hit, void *userdata)
{
	struct scan_line *sl = userdata;

	if (sl->json) {
		json_t *h =
		    json_pack("{s:s, s:i, s:s, s:s, s:I, s:I}", "category", hit->category,
		              "severity", hit->severity, "phrase", hit->phrase, "rule", hit->rule,
		              "start", (json_int_t)hit->start, "end", (json_int_t)hit->end);

		if (h && sl->text && hit->end <= sl->len)
			json_object_set_new(
			    h, "matched",
			    json_stringn_nocheck(sl->text + hit->start, hit->end - hit->start));
		if (h) {
			json_t *rules = json_array();

			json_array_append_new(rules, json_string(hit->rule));
			if (hit->context_rule)
				json_array_append_new(rules, json_string(hit->context_rule));
			json_object_set_new(h, "rules", rules);
			json_object_set_new(h, "base_severity", json_integer(hit->base_severity));
			json_object_set_new(h, "pattern", json_string(hit->pattern));
			if (hit->context) {
				/* "why" and "context_rule" as the capture record names them */
				json_object_set_new(h, "context", json_string(hit->context));
				json_object_set_new(h, "why", json_string(hit->context));
				if (hit->context_rule)
					json_object_set_new(h, "context_rule",
					                    json_string(hit->context_rule));
			}
			json_array_append_new(sl->hits, h);
		}
		return;
	}
	printf("line %lu: %s (severity %d) \"%s\" [%s] at %llu-%llu", sl->lineno, hit->category,
	       hit->severity, hit->pattern, hit->rule, (unsigned long long)hit->start,
	       (unsigned long long)hit->end);
	if (sl->text && hit->end <= sl->len)
		printf(": \"%.*s\"", (int)(hit->end - hit->start), sl->text + hit->start);
	if (hit->context)
		printf(" (%s [%s])", hit->context, hit->context_rule);
	putchar('\n');
	json_array_append_new(sl->hits, json_true());
}

static void finish_line(struct scan_line *sl)
{
	if (sl->json) {
		json_t *o =
		    json_pack("{s:I, s:O}", "line", (json_int_t)sl->lineno, "hits", sl->hits);
		char *s = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;

		if (s)
			puts(s);
		else
			printf("{\"line\":%lu,\"hits\":[],\"error\":\"out of memory\"}\n",
			       sl->lineno);
		free(s);
		json_decref(o);
	} else if (json_array_size(sl->hits) == 0) {
		printf("line %lu: no hits\n", sl->lineno);
	}
	json_array_clear(sl->hits);
}

/*
 * Reads stdin in blocks; each line is scanned as it streams in (so a line of any
 * length is handled) and kept for display only while shorter than MAX_SHOWN_LINE.
 */
static int cmd_scan(struct match_lists *lists, bool json)
{
	struct scan_line sl = {.hits = json_array(), .json = json, .lineno = 1};
	char block[65536];
	char *line = NULL;
	size_t cap = 0, len = 0, n;
	bool keep = true, pending = false;
	struct match_scanner *sc = match_scanner_new(lists);

	if (!sc || !sl.hits) {
		fprintf(stderr, "vigil-wordlist: out of memory\n");
		return 2;
	}
	match_scanner_set_cache(sc, 32766);
	while ((n = fread(block, 1, sizeof(block), stdin)) > 0) {
		for (size_t i = 0; i < n;) {
			char *nl = memchr(block + i, '\n', n - i);
			size_t chunk = nl ? (size_t)(nl - (block + i)) : n - i;

			pending = true;
			if (keep && len + chunk <= MAX_SHOWN_LINE) {
				if (len + chunk > cap) {
					size_t ncap = (len + chunk) * 2;
					char *p = realloc(line, ncap);

					if (!p) {
						keep = false;
					} else {
						line = p;
						cap = ncap;
					}
				}
				if (keep)
					memcpy(line + len, block + i, chunk);
			} else {
				keep = false;
			}
			len += chunk;
			sl.text = keep ? line : NULL;
			sl.len = len;
			match_scanner_feed(sc, block + i, chunk, on_hit, &sl);
			i += chunk;
			if (!nl)
				break;
			match_scanner_end(sc, on_hit, &sl);
			finish_line(&sl);
			i++;
			sl.lineno++;
			len = 0;
			keep = true;
			pending = false;
			match_scanner_reset(sc);
		}
	}
	if (pending) {
		match_scanner_end(sc, on_hit, &sl);
		finish_line(&sl);
	}
	match_scanner_free(sc);
	free(line);
	json_decref(sl.hits);
	if (ferror(stdin)) {
		fprintf(stderr, "vigil-wordlist: reading stdin: %s\n", strerror(errno));
		return 2;
	}
	return fflush(stdout) == 0 ? 0 : 2;
}

/* ---- dump and stats ---------------------------------------------------------- */

static const char *kind_name(enum match_rule_kind k)
{
	return k == MATCH_RULE_PHRASE      ? "phrase"
	       : k == MATCH_RULE_EXCLUSION ? "exclusion"
	       : k == MATCH_RULE_CONTEXT   ? "context"
	                                   : "combo";
}

/* Plain text for other tools: lower case, single spaces, no prefix marks. */
static void dump_plain(const char *phrase)
{
	char buf[1100];
	size_t k = 0;

	for (const char *p = phrase; *p && k < sizeof(buf) - 1; p++) {
		char c = *p;

		if (c == '*' && (p[1] == 0 || p[1] == ' '))
			continue;
		if (c == ' ' && (k == 0 || buf[k - 1] == ' '))
			continue;
		buf[k++] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	while (k && buf[k - 1] == ' ')
		k--;
	printf("%.*s\n", (int)k, buf);
}

/* A rule, with its word classes expanded: one line per phrase it stands for. */
static void dump_rule(const struct match_rule_info *r, void *userdata)
{
	const bool *verbose = userdata;

	if (*verbose) {
		printf("%s\t%d\t%s\t%s\t%s", r->category, r->severity, kind_name(r->kind), r->rule,
		       r->phrase);
		if (r->ncontexts)
			printf("\t(%zu context clause%s)", r->ncontexts,
			       r->ncontexts == 1 ? "" : "s");
		putchar('\n');
		for (size_t i = 0; i < r->nexpanded; i++)
			printf("%s\t%d\t%s\t%s\t  = %s\n", r->category, r->severity,
			       kind_name(r->kind), r->rule, r->expanded[i]);
		return;
	}
	if (r->kind != MATCH_RULE_PHRASE)
		return;
	if (!r->nexpanded)
		dump_plain(r->phrase);
	for (size_t i = 0; i < r->nexpanded; i++)
		dump_plain(r->expanded[i]);
}

struct tally {
	const char *category;
	size_t by_sev[6];
	size_t excl, combos;
};

struct tallies {
	struct tally t[64];
	size_t n;
};

static void tally_rule(const struct match_rule_info *r, void *userdata)
{
	struct tallies *ts = userdata;
	size_t i;

	if (r->kind == MATCH_RULE_CONTEXT)
		return;
	for (i = 0; i < ts->n; i++)
		if (strcmp(ts->t[i].category, r->category) == 0)
			break;
	if (i == ts->n) {
		if (ts->n == sizeof(ts->t) / sizeof(ts->t[0]))
			return;
		ts->t[ts->n++] = (struct tally){.category = r->category};
	}
	if (r->kind == MATCH_RULE_EXCLUSION)
		ts->t[i].excl++;
	else if (r->severity >= 1 && r->severity <= 5)
		ts->t[i].by_sev[r->severity]++;
	if (r->kind == MATCH_RULE_COMBO)
		ts->t[i].combos++;
}

static long rss_kb(void)
{
	FILE *f = fopen("/proc/self/statm", "re");
	long pages = 0, rss = 0;

	if (!f)
		return 0;
	if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
		rss = 0;
	fclose(f);
	return rss * (sysconf(_SC_PAGESIZE) / 1024);
}

static int cmd_stats(const char *dir)
{
	struct tallies ts = {0};
	struct match_stats st;
	long before = rss_kb(), after;
	struct match_lists *lists = load(&dir, 1, true);
	size_t total = 0;

	if (!lists)
		return 1;
	after = rss_kb();
	match_lists_foreach_rule(lists, tally_rule, &ts);
	match_lists_stats(lists, &st);
	printf("%-16s %6s %6s %6s %6s %6s %6s %6s\n", "category", "sev1", "sev2", "sev3", "sev4",
	       "sev5", "excl", "combo");
	for (size_t i = 0; i < ts.n; i++) {
		const struct tally *t = &ts.t[i];

		printf("%-16s %6zu %6zu %6zu %6zu %6zu %6zu %6zu\n", t->category, t->by_sev[1],
		       t->by_sev[2], t->by_sev[3], t->by_sev[4], t->by_sev[5], t->excl, t->combos);
		for (int s = 1; s <= 5; s++)
			total += t->by_sev[s];
	}
	printf("rules: %zu phrases, %zu exclusions, %zu combinations (%zu with a severity), %zu "
	       "context cues\n",
	       st.phrases, st.exclusions, st.combos, total, st.cues);
	printf("automaton: %zu states, %.1f MB", st.states,
	       (double)(st.memory_bytes + st.shared_bytes) / 1048576.0);
	if (st.shared_bytes)
		printf(" (%.1f MB of it mapped from a shared image)",
		       (double)st.shared_bytes / 1048576.0);
	putchar('\n');
	printf("compile: %.1f ms (%.1f ms of CPU), resident growth %.1f MB\n", st.compile_ms,
	       st.compile_cpu_ms, (double)(after - before) / 1024.0);
	match_lists_unref(lists);
	return 0;
}

/* ---- main ------------------------------------------------------------------ */

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"lists", required_argument, NULL, 'l'},
	    {"json", no_argument, NULL, 'j'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	const char *cmd, *dir = NULL;
	bool json = false, verbose = false;
	struct match_lists *lists;
	int c, r;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	cmd = argv[1];
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(cmd, "lint") == 0)
		return cmd_lint(argc - 2, argv + 2);
	optind = 2;
	while ((c = getopt_long(argc, argv, "l:jvh", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			dir = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "vigil-wordlist: unexpected argument \"%s\"\n", argv[optind]);
		return 2;
	}
	if (!dir)
		dir = default_lists();
	if (strcmp(cmd, "stats") == 0)
		return cmd_stats(dir);
	if (strcmp(cmd, "scan") != 0 && strcmp(cmd, "dump") != 0) {
		fprintf(stderr, "vigil-wordlist: unknown command \"%s\"\n", cmd);
		usage(stderr);
		return 2;
	}
	lists = load(&dir, 1, true);
	if (!lists)
		return 1;
	if (strcmp(cmd, "scan") == 0) {
		r = cmd_scan(lists, json);
	} else {
		match_lists_foreach_rule(lists, dump_rule, &verbose);
		r = fflush(stdout) == 0 ? 0 : 2;
	}
	match_lists_unref(lists);
	return r;
}
