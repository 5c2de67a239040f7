/* test-linediff.c: the line diff of two versions of a phrase list, table-driven. */
#include <stdlib.h>
#include <string.h>

#include "linediff.h"
#include "tap.h"

/* The diff as one line per diff line: " text", "-text", "+text", with old/new numbers
 * checked against a walk of both texts. */
static void render(const struct linediff_line *d, size_t n, char *out, size_t size)
{
	size_t len = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n && len < size; i++)
		len += (size_t)snprintf(out + len, size - len, "%c%.*s|",
		                        d[i].op == LINEDIFF_SAME  ? ' '
		                        : d[i].op == LINEDIFF_DEL ? '-'
		                                                  : '+',
		                        (int)d[i].len, d[i].text);
}

static const struct {
	const char *old, *new, *want;
} cases[] = {
    {"", "", ""},
    {"a\nb\n", "a\nb\n", " a| b|"},
    {"a\nb\nc\n", "a\nx\nc\n", " a|-b|+x| c|"},
    {"a\nb\n", "z\na\nb\n", "+z| a| b|"},             /* a line inserted above */
    {"a\nb\nc\n", "a\nc\n", " a|-b| c|"},             /* one removed */
    {"a\nb", "a\nb\nc", " a| b|+c|"},                 /* no newline at the end */
    {"", "a\n", "+a|"},                               /* a new file */
    {"a\n", "", "-a|"},                               /* emptied */
    {"x\na\ny\nb\n", "a\nq\nb\n", "-x| a|-y|+q| b|"}, /* the longest common lines kept */
};

int main(void)
{
	char got[512];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct linediff_line *d = NULL;
		size_t n = 0, o = 0, w = 0;
		int r = linediff(cases[i].old, strlen(cases[i].old), cases[i].new,
		                 strlen(cases[i].new), &d, &n);
		CHECK(r == 0, "case %zu: %d", i, r);
		render(d, n, got, sizeof(got));
		CHECK(strcmp(got, cases[i].want) == 0, "case %zu: got \"%s\", want \"%s\"", i, got,
		      cases[i].want);
		for (size_t k = 0; k < n; k++) { /* numbers count each side's lines in order */
			if (d[k].op != LINEDIFF_ADD)
				CHECK(d[k].old_no == ++o, "case %zu line %zu: old %zu", i, k,
				      d[k].old_no);
			if (d[k].op != LINEDIFF_DEL)
				CHECK(d[k].new_no == ++w, "case %zu line %zu: new %zu", i, k,
				      d[k].new_no);
		}
		free(d);
	}
	TAP_EXIT();
}
