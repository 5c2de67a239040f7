/* parse.c: range-checked parsing of numbers from untrusted text. */
#include "parse.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>

int parse_int64(const char *s, int64_t min, int64_t max, int64_t *out)
{
	char *end;
	long long v;

	if (!s || !*s || isspace((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (end == s || *end != '\0')
		return -EINVAL;
	if (errno == ERANGE || v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int parse_int(const char *s, int min, int max, int *out)
{
	int64_t v;
	int r = parse_int64(s, min, max, &v);

	if (r == 0)
		*out = (int)v;
	return r;
}
