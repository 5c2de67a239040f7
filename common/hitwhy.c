/* hitwhy.c: the one wording of what changed a hit's severity, for pages, e-mail and PNGs. */
#include "hitwhy.h"

#include <stdio.h>
#include <string.h>

/* Cuts buf (holding len bytes) to fit size with "…" at the end, at a character boundary. */
static size_t cut(char *buf, size_t size, size_t len)
{
	static const char ell[] = "\u2026";
	size_t n;

	if (len < size)
		return len;
	if (size < sizeof(ell)) {
		buf[0] = '\0';
		return 0;
	}
	n = size - sizeof(ell);
	while (n && ((unsigned char)buf[n] & 0xc0) == 0x80)
		n--;
	memcpy(buf + n, ell, sizeof(ell));
	return n + sizeof(ell) - 1;
}

size_t hitwhy_format(char *buf, size_t size, int severity, int base_severity, const char *why,
                     const char *context_rule)
{
	int n;

	buf[0] = '\0';
	if (!(why && *why) && base_severity <= severity)
		return 0;
	if (why && *why)
		n = snprintf(buf, size, "%s", why);
	else
		n = snprintf(buf, size, "severity %d \u2192 %d", base_severity, severity);
	if (n >= 0 && (size_t)n < size && context_rule && *context_rule)
		n += snprintf(buf + n, size - (size_t)n, " (rule %s)", context_rule);
	if (n < 0) {
		buf[0] = '\0';
		return 0;
	}
	return cut(buf, size, (size_t)n);
}
