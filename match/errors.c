/* errors.c: the list of "FILE:LINE: message" diagnostics behind struct match_errors. */
#include "errors.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

struct match_errors {
	char **msgs;
	bool *is_error;
	size_t n, cap;
	size_t nerrors;
};

struct match_errors *errors_new(void)
{
	return calloc(1, sizeof(struct match_errors));
}

void errors_add(struct match_errors *errs, bool is_error, const char *fmt, ...)
{
	va_list ap;
	char *msg = NULL;
	int r;

	if (!errs)
		return;
	if (is_error)
		errs->nerrors++;
	va_start(ap, fmt);
	r = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (r < 0)
		return;
	if (errs->n == errs->cap) {
		size_t cap = errs->cap ? errs->cap * 2 : 16;
		char **m = realloc(errs->msgs, cap * sizeof(*m));
		bool *e;

		if (!m) {
			free(msg);
			return;
		}
		errs->msgs = m;
		e = realloc(errs->is_error, cap * sizeof(*e));
		if (!e) {
			free(msg);
			return;
		}
		errs->is_error = e;
		errs->cap = cap;
	}
	errs->msgs[errs->n] = msg;
	errs->is_error[errs->n] = is_error;
	errs->n++;
}

size_t errors_failed(const struct match_errors *errs)
{
	return errs ? errs->nerrors : 0;
}

size_t match_errors_count(const struct match_errors *errs)
{
	return errs ? errs->n : 0;
}

const char *match_errors_get(const struct match_errors *errs, size_t i)
{
	return errs && i < errs->n ? errs->msgs[i] : NULL;
}

int match_errors_is_error(const struct match_errors *errs, size_t i)
{
	return errs && i < errs->n ? errs->is_error[i] : 0;
}

void match_errors_free(struct match_errors *errs)
{
	if (!errs)
		return;
	for (size_t i = 0; i < errs->n; i++)
		free(errs->msgs[i]);
	free(errs->msgs);
	free(errs->is_error);
	free(errs);
}
