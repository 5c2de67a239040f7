/* fuzz-scan.c: libFuzzer target for the scanner over arbitrary bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "match.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char LIST[] = "@category a\nkill myself = 5\nsuicid*\n! dying to see\ndying\n"
                           "cock*\n! cocktail*\nf**k\n1488\nmeet up & secret ~8\n"
                           "kill my self\nsh!t\n";

static struct match_lists *lists;

struct check {
	size_t size;
	size_t n;
	uint64_t sum;
};

static void on_hit(const struct match_hit *hit, void *userdata)
{
	struct check *c = userdata;

	if (hit->start > hit->end || hit->end > c->size || hit->severity < 1 || hit->severity > 5)
		__builtin_trap();
	c->n++;
	c->sum += hit->start * 31 + hit->end;
}

/* Whole-buffer and byte-split streaming scans of the same bytes agree. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct check whole = {size, 0, 0}, split = {size, 0, 0};
	struct match_scanner *sc;
	size_t step = size ? (data[0] % 7) + 1 : 1;

	if (!lists) {
		struct match_file f = {"l.txt", LIST, sizeof(LIST) - 1};
		struct match_errors *errs = NULL;

		if (match_lists_compile(&f, 1, &lists, &errs) < 0)
			abort();
		match_errors_free(errs);
	}
	match_scan(lists, (const char *)data, size, on_hit, &whole);
	sc = match_scanner_new(lists);
	for (size_t i = 0; i < size; i += step)
		match_scanner_feed(sc, (const char *)data + i, size - i < step ? size - i : step,
		                   on_hit, &split);
	match_scanner_end(sc, on_hit, &split);
	match_scanner_free(sc);
	if (whole.n != split.n || whole.sum != split.sum)
		__builtin_trap();
	return 0;
}
