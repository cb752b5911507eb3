/* SPDX-License-Identifier: Apache-2.0 */
/*
 * logger.h - the one log writer: JSON lines with a level, on standard
 * error by default.  Every line is {"ts":...,"level":...,"msg":...,...};
 * the timestamp is taken when the line is handed over, under the lock that
 * orders the lines, so the output is in time order across threads.
 *
 *	cb_log_line l;
 *	cb_log_begin(&l, CB_LOG_INFO, "catalog file published");
 *	cb_jw_kstr(&l.w, "set", name);
 *	cb_log_end(&l);
 *
 * A line below the level set with cb_log_set_level() is not built: its
 * members are dropped as they are added, and cb_log_end() writes nothing.
 * Hot paths ask cb_log_enabled() first.
 * Request lines may be batched (cb_log_end_buffered): they wait in one
 * shared buffer until it fills, an unbatched line is written, or
 * cb_log_flush() runs (the service calls it every CB_LOG_FLUSH_MS).
 */
#ifndef CB_UTIL_LOGGER_H
#define CB_UTIL_LOGGER_H

#include "buf.h"
#include "jsonw.h"

typedef enum { CB_LOG_DEBUG = 0, CB_LOG_INFO, CB_LOG_WARN, CB_LOG_ERROR, CB_LOG_OFF } cb_log_level;

#define CB_LOG_FLUSH_MS 100
/* A line longer than this is replaced by a short error line. */
#define CB_LOG_LINE_MAX (64u << 10)

typedef struct {
	cb_buf b;
	cb_jw  w;
	size_t ts_at;        /* offset of the timestamp's placeholder in b */
	int    on;           /* the level passes: the line is built and written */
} cb_log_line;

/* Lines below @lv are dropped (default CB_LOG_INFO). */
void cb_log_set_level(cb_log_level lv);
cb_log_level cb_log_get_level(void);
/* 1 when a line at @lv would be written. */
int cb_log_enabled(cb_log_level lv);
/* "debug", "info", "warn", "error", "off" -> *out; -1 for anything else. */
int cb_log_level_parse(const char *s, cb_log_level *out);
const char *cb_log_level_name(cb_log_level lv);
/* Write to @fd instead of standard error (tests). */
void cb_log_set_fd(int fd);

/* Start a line (always: cb_log_end() must follow); returns 0 when @lv is
 * filtered, so callers may skip building it. */
int cb_log_begin(cb_log_line *l, cb_log_level lv, const char *msg);
/* Finish the line and write it, with any batched lines before it. */
void cb_log_end(cb_log_line *l);
/* Finish the line and batch it (request lines). */
void cb_log_end_buffered(cb_log_line *l);
/* Write the batched lines. */
void cb_log_flush(void);
/* A line with a message and, unless NULL, one "detail" member. */
void cb_log(cb_log_level lv, const char *msg, const char *detail);

/* "key": @v with three decimals (durations: not 0.12300000000000001). */
void cb_jw_kfixed3(cb_jw *w, const char *key, double v);

#endif
