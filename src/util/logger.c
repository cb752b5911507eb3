/* SPDX-License-Identifier: Apache-2.0 */
/*
 * logger.c - JSON log lines (see logger.h).
 *
 * One mutex orders every line of the process: the line's timestamp is
 * written into its placeholder under it, so lines leave in time order even
 * when request lines are batched.  A write(2) per request cost the HTTP
 * check route about a third of its throughput; the batch costs at most
 * CB_LOG_FLUSH_MS of delay, and any unbatched line (warnings, start-up,
 * errors) writes out what waits before it.
 */
#include "logger.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "rfc3339.h"

#define BATCH_BYTES (32u << 10)

static const char *const level_names[] = { "debug", "info", "warn", "error", "off" };
static atomic_int min_level = CB_LOG_INFO;
static atomic_int out_fd = STDERR_FILENO;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static cb_buf batch = CB_BUF_INIT(BATCH_BYTES + CB_LOG_LINE_MAX);

void
cb_log_set_level(cb_log_level lv)
{
	atomic_store(&min_level, (int)lv);
}

cb_log_level
cb_log_get_level(void)
{
	return (cb_log_level)atomic_load(&min_level);
}

int
cb_log_enabled(cb_log_level lv)
{
	return lv != CB_LOG_OFF && (int)lv >= atomic_load(&min_level);
}

int
cb_log_level_parse(const char *s, cb_log_level *out)
{
	size_t i;

	for (i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++)
		if (strcmp(s, level_names[i]) == 0) {
			*out = (cb_log_level)i;
			return 0;
		}
	if (strcmp(s, "warning") == 0) {
		*out = CB_LOG_WARN;
		return 0;
	}
	return -1;
}

const char *
cb_log_level_name(cb_log_level lv)
{
	return (unsigned)lv <= CB_LOG_OFF ? level_names[lv] : "?";
}

void
cb_log_set_fd(int fd)
{
	atomic_store(&out_fd, fd);
}

int
cb_log_begin(cb_log_line *l, cb_log_level lv, const char *msg)
{
	/* the placeholder has the length of every timestamp written into it */
	static const char ts0[] = "0000-00-00T00:00:00.000Z";

	/* a filtered line gets a buffer that holds nothing: members added to
	 * it cost a comparison each and allocate nothing */
	l->on = cb_log_enabled(lv);
	cb_buf_init(&l->b, l->on ? CB_LOG_LINE_MAX : 0);
	cb_jw_init(&l->w, &l->b, 0);
	if (!l->on)
		return 0;
	cb_jw_obj_begin(&l->w);
	cb_jw_key(&l->w, "ts");
	l->ts_at = l->b.len + 1;
	cb_jw_str(&l->w, ts0);
	cb_jw_kstr(&l->w, "level", level_names[lv]);
	cb_jw_kstr(&l->w, "msg", msg);
	return 1;
}

static void
write_all(const char *p, size_t len)
{
	int fd = atomic_load(&out_fd);
	size_t off = 0;

	while (off < len) {
		ssize_t n = write(fd, p + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
}

/* Called with mu held. */
static void
flush_locked(void)
{
	if (batch.len > 0) {
		write_all(batch.p, batch.len);
		cb_buf_clear(&batch);
	}
}

static void
end(cb_log_line *l, int buffered)
{
	static const char oops[] = "{\"level\":\"error\",\"msg\":\"log line too long or out of memory\"}\n";
	char ts[CB_TIME_MAX];

	if (!l->on) {
		cb_buf_reset(&l->b);
		return;
	}
	cb_jw_obj_end(&l->w);
	cb_buf_addc(&l->b, '\n');
	pthread_mutex_lock(&mu);
	if (l->b.failed) {
		flush_locked();
		write_all(oops, sizeof(oops) - 1);
		goto out;
	}
	cb_time_now_iso(ts);
	if (strlen(ts) == CB_TIME_MS_LEN)
		memcpy(l->b.p + l->ts_at, ts, CB_TIME_MS_LEN);
	if (buffered && batch.len + l->b.len <= BATCH_BYTES && cb_buf_add(&batch, l->b.p, l->b.len) == 0)
		goto out;
	flush_locked();
	write_all(l->b.p, l->b.len);
out:
	pthread_mutex_unlock(&mu);
	cb_buf_reset(&l->b);
}

void
cb_log_end(cb_log_line *l)
{
	end(l, 0);
}

void
cb_log_end_buffered(cb_log_line *l)
{
	end(l, 1);
}

void
cb_log_flush(void)
{
	pthread_mutex_lock(&mu);
	flush_locked();
	pthread_mutex_unlock(&mu);
}

void
cb_log(cb_log_level lv, const char *msg, const char *detail)
{
	cb_log_line l;

	if (!cb_log_begin(&l, lv, msg))
		return;
	if (detail != NULL)
		cb_jw_kstr(&l.w, "detail", detail);
	cb_log_end(&l);
}

void
cb_jw_kfixed3(cb_jw *w, const char *key, double v)
{
	char num[48];
	int n = snprintf(num, sizeof(num), "%.3f", v);

	cb_jw_key(w, key);
	if (n > 0 && (size_t)n < sizeof(num))
		cb_jw_raw(w, num, (size_t)n);
	else
		cb_jw_null(w);
}
