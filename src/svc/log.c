/*
 * log.c - JSON log lines on standard error, one per event and one per
 * request, each written with a single write(2) so that lines from worker
 * threads never interleave.
 */
#include "svc_int.h"

#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

uint64_t
svc_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void
svc_now_iso(char out[32])
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	if (strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm) != 19)
		out[19] = '\0';
	(void)snprintf(out + 19, 32 - 19, ".%03dZ", (int)(ts.tv_nsec / 1000000) % 1000);
}

void
svc_log_open(cb_jw *w, cb_buf *b, const char *level, const char *msg)
{
	char ts[32];

	svc_now_iso(ts);
	cb_jw_init(w, b, 0);
	cb_jw_obj_begin(w);
	cb_jw_kstr(w, "ts", ts);
	cb_jw_kstr(w, "level", level);
	cb_jw_kstr(w, "msg", msg);
}

void
svc_log_close(cb_jw *w, cb_buf *b)
{
	size_t off = 0;

	cb_jw_obj_end(w);
	cb_buf_addc(b, '\n');
	if (b->failed) {
		static const char oops[] = "{\"level\":\"error\",\"msg\":\"log line too long\"}\n";
		(void)!write(STDERR_FILENO, oops, sizeof(oops) - 1);
	} else
		while (off < b->len) {
			ssize_t n = write(STDERR_FILENO, b->p + off, b->len - off);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			off += (size_t)n;
		}
	cb_buf_reset(b);
}

void
svc_log(const char *level, const char *msg, const char *detail)
{
	cb_buf b = CB_BUF_INIT(1 << 16);
	cb_jw w;

	svc_log_open(&w, &b, level, msg);
	if (detail != NULL)
		cb_jw_kstr(&w, "detail", detail);
	svc_log_close(&w, &b);
}

void
svc_jw_fixed(cb_jw *w, const char *key, double v)
{
	char num[48];
	int n = snprintf(num, sizeof(num), "%.3f", v);

	cb_jw_key(w, key);
	if (n > 0 && (size_t)n < sizeof(num))
		cb_jw_raw(w, num, (size_t)n);
	else
		cb_jw_null(w);
}
