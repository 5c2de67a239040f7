/* rfc3339.c: parsing and formatting of RFC 3339 times as milliseconds since the epoch. */
#include "rfc3339.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

/* Reads exactly n decimal digits at *p into *out and advances *p. */
static bool digits(const char **p, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		char c = (*p)[i];
		if (c < '0' || c > '9')
			return false;
		v = v * 10 + (c - '0');
	}
	*p += n;
	*out = v;
	return true;
}

static bool expect(const char **p, char c)
{
	if (**p != c)
		return false;
	(*p)++;
	return true;
}

static int days_in_month(int year, int month)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return month == 2 && leap ? 29 : days[month - 1];
}

/* Parses ".123456" (optional) into milliseconds. */
static bool fraction(const char **p, int *msec)
{
	int n = 0, v = 0;

	*msec = 0;
	if (**p != '.')
		return true;
	(*p)++;
	while (**p >= '0' && **p <= '9') {
		if (n < 3)
			v = v * 10 + (**p - '0');
		n++;
		(*p)++;
	}
	if (n == 0 || n > 9)
		return false;
	for (int i = n; i < 3; i++)
		v *= 10;
	*msec = v;
	return true;
}

/* Parses "Z" or "+hh:mm"/"-hh:mm" into seconds east of UTC. */
static bool offset(const char **p, int *secs)
{
	int sign, oh, om;

	if (**p == 'Z' || **p == 'z') {
		(*p)++;
		*secs = 0;
		return true;
	}
	if (**p != '+' && **p != '-')
		return false;
	sign = **p == '-' ? -1 : 1;
	(*p)++;
	if (!digits(p, 2, &oh) || !expect(p, ':') || !digits(p, 2, &om) || oh > 23 || om > 59)
		return false;
	*secs = sign * (oh * 3600 + om * 60);
	return true;
}

int rfc3339_parse(const char *s, int64_t *ms)
{
	const char *p = s;
	int year, month, day, hour, min, sec, msec, off;
	struct tm tm = {0};
	time_t t;

	if (!digits(&p, 4, &year) || !expect(&p, '-') || !digits(&p, 2, &month) ||
	    !expect(&p, '-') || !digits(&p, 2, &day))
		return -EINVAL;
	if (*p != 'T' && *p != 't')
		return -EINVAL;
	p++;
	if (!digits(&p, 2, &hour) || !expect(&p, ':') || !digits(&p, 2, &min) || !expect(&p, ':') ||
	    !digits(&p, 2, &sec) || !fraction(&p, &msec) || !offset(&p, &off))
		return -EINVAL;
	if (*p != '\0')
		return -EINVAL;
	if (year < 1970 || month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) ||
	    hour > 23 || min > 59 || sec > 60)
		return -EINVAL;
	if (sec == 60)
		sec = 59;
	tm.tm_year = year - 1900;
	tm.tm_mon = month - 1;
	tm.tm_mday = day;
	tm.tm_hour = hour;
	tm.tm_min = min;
	tm.tm_sec = sec;
	t = timegm(&tm);
	*ms = ((int64_t)t - off) * 1000 + msec;
	return 0;
}

int rfc3339_format(int64_t ms, char *buf, size_t size)
{
	time_t t = (time_t)(ms / 1000);
	int frac = (int)(ms % 1000);
	struct tm tm;
	int n;

	if (frac < 0) {
		frac += 1000;
		t--;
	}
	if (!gmtime_r(&t, &tm))
		return -EINVAL;
	n = snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
	             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
	if (n < 0 || (size_t)n >= size)
		return -ENOSPC;
	return 0;
}

int64_t rfc3339_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
