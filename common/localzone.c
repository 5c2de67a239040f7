/* localzone.c: the server's time zone (setting time-zone): local times for pages and reports,
 * through the C library's tz database (TZ, localtime_r, mktime). */
#include "localzone.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static char zone_name[64] = "UTC";

int localzone_set(const char *zone, char *err, size_t errlen)
{
	const char *dir = getenv("TZDIR");
	char path[512];
	struct stat st;

	if (!zone || !*zone || strlen(zone) >= sizeof(zone_name) || zone[0] == '/' ||
	    strstr(zone, "..") ||
	    strspn(zone, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	                 "0123456789/_+-") != strlen(zone)) {
		snprintf(err, errlen,
		         "time-zone: \"%s\" is not a time zone name like Europe/London",
		         zone ? zone : "");
		return -EINVAL;
	}
	snprintf(path, sizeof(path), "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", zone);
	if (strcmp(zone, "UTC") != 0 && (stat(path, &st) < 0 || !S_ISREG(st.st_mode))) {
		snprintf(err, errlen,
		         "time-zone: no zone \"%s\" in the time-zone database (%s; package tzdata)",
		         zone, dir && *dir ? dir : "/usr/share/zoneinfo");
		return -EINVAL;
	}
	if (setenv("TZ", zone, 1) < 0) {
		snprintf(err, errlen, "time-zone: %s", strerror(errno));
		return -errno;
	}
	tzset();
	snprintf(zone_name, sizeof(zone_name), "%s", zone);
	return 0;
}

const char *localzone_name(void)
{
	return zone_name;
}

void localzone_format(int64_t ms, const char *fmt, char *buf, size_t size)
{
	time_t t = (time_t)(ms / 1000 - (ms < 0 && ms % 1000 ? 1 : 0));
	struct tm tm;

	/* fmt is checked at every call (the header's format attribute). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	if (!localtime_r(&t, &tm) || strftime(buf, size, fmt, &tm) == 0)
		snprintf(buf, size, "?");
#pragma GCC diagnostic pop
}

int64_t localzone_midnight(int year, int month, int day, int days)
{
	struct tm tm = {
	    .tm_year = year - 1900, .tm_mon = month - 1, .tm_mday = day + days, .tm_isdst = -1};
	time_t t = mktime(&tm);

	return (int64_t)t * 1000;
}
