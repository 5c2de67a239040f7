/* log.h: the one logging module of all Vigil programs, printf-checked, to stderr/journal. */
#pragma once

#include <stdarg.h>

enum log_level {
	LOG_LEVEL_ERROR = 3,
	LOG_LEVEL_WARNING = 4,
	LOG_LEVEL_INFO = 6,
	LOG_LEVEL_DEBUG = 7,
};

/* Sets the program name shown before each message and the most verbose level printed. */
void log_setup(const char *progname, enum log_level max_level);

/* Parses "error", "warning", "info" or "debug". Returns 0 or -EINVAL (level untouched). */
int log_level_parse(const char *name, enum log_level *level);

/* The name log_level_parse() takes for level ("info"); "?" for another value. */
const char *log_level_name(enum log_level level);

enum log_level log_get_level(void);

/*
 * Writes one line. Under systemd (JOURNAL_STREAM set) the line carries a "<N>" priority
 * prefix so the journal records the level; otherwise "prog: level: message".
 * Messages must never contain typed text or other pupil content.
 */
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_msgv(enum log_level level, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

#define log_error(...)   log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warning(...) log_msg(LOG_LEVEL_WARNING, __VA_ARGS__)
#define log_info(...)    log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...)   log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)
