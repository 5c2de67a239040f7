/* fuzz-wordlist.c: libFuzzer target for the phrase-list parser and compiler. */
#include <stdint.h>
#include <string.h>

#include "match.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * The input is one list file; a second file, for @include, follows a "\n----\n"
 * line. Whatever the bytes, compiling must end in lists or in diagnostics, and
 * compiled lists must scan their own text.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	const char *cut = memmem(text, size, "\n----\n", 6);
	struct match_file f[2] = {
	    {"a.txt", text, cut ? (size_t)(cut - text) : size},
	    {"b.inc", cut ? cut + 6 : "", cut ? size - (size_t)(cut + 6 - text) : 0},
	};
	struct match_lists *lists = NULL;
	struct match_errors *errs = NULL;

	if (match_lists_compile(f, 2, &lists, &errs) == 0) {
		match_scan(lists, text, size, NULL, NULL);
	} else {
		for (size_t i = 0; i < match_errors_count(errs); i++)
			if (!match_errors_get(errs, i))
				__builtin_trap();
	}
	match_lists_unref(lists);
	match_errors_free(errs);
	return 0;
}
