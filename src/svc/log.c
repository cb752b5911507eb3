/*
 * log.c - JSON log lines on standard error, one per event and one per
 * request.  Lines are whole: each is written by one write(2), or, for the
 * request lines, appended whole to a per-thread buffer that is written
 * when it fills and at least every SVC_LOG_FLUSH_MS by the main thread
 * (svc_log_flush).  A write per request cost the check route about a third
 * of its throughput; batching them costs at most that much delay.
 */
#include "svc_int.h"

#include <errno.h>
#include <pthread.h>
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

static void
write_all(const char *p, size_t len)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n = write(STDERR_FILENO, p + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
}

/* End the line; 0 when it is usable. */
static int
finish_line(cb_jw *w, cb_buf *b)
{
	static const char oops[] = "{\"level\":\"error\",\"msg\":\"log line too long\"}\n";

	cb_jw_obj_end(w);
	cb_buf_addc(b, '\n');
	if (!b->failed)
		return 0;
	write_all(oops, sizeof(oops) - 1);
	cb_buf_reset(b);
	return -1;
}

void
svc_log_close(cb_jw *w, cb_buf *b)
{
	if (finish_line(w, b) == 0)
		write_all(b->p, b->len);
	cb_buf_reset(b);
}

#define LOG_SHARDS       64
#define LOG_SHARD_BYTES  (32u << 10)

static struct log_shard {
	pthread_mutex_t mu;
	cb_buf          b;
} shards[LOG_SHARDS];
static pthread_once_t shards_once = PTHREAD_ONCE_INIT;
static atomic_int shards_next;
static _Thread_local int my_shard = -1;

static void
shards_init(void)
{
	int i;

	for (i = 0; i < LOG_SHARDS; i++) {
		pthread_mutex_init(&shards[i].mu, NULL);
		cb_buf_init(&shards[i].b, LOG_SHARD_BYTES * 4);
	}
}

void
svc_log_close_buffered(cb_jw *w, cb_buf *b)
{
	struct log_shard *s;

	if (finish_line(w, b) != 0)
		return;
	pthread_once(&shards_once, shards_init);
	if (my_shard < 0)
		my_shard = atomic_fetch_add(&shards_next, 1) % LOG_SHARDS;
	s = &shards[my_shard];
	pthread_mutex_lock(&s->mu);
	if (s->b.len + b->len > LOG_SHARD_BYTES) {
		write_all(s->b.p, s->b.len);
		cb_buf_clear(&s->b);
	}
	if (cb_buf_add(&s->b, b->p, b->len) != 0) {	/* cannot happen: 4x room */
		cb_buf_reset(&s->b);
		write_all(b->p, b->len);
	}
	pthread_mutex_unlock(&s->mu);
	cb_buf_clear(b);
}

void
svc_log_flush(void)
{
	int i;

	pthread_once(&shards_once, shards_init);
	for (i = 0; i < LOG_SHARDS; i++) {
		struct log_shard *s = &shards[i];
		pthread_mutex_lock(&s->mu);
		if (s->b.len > 0) {
			write_all(s->b.p, s->b.len);
			cb_buf_clear(&s->b);
		}
		pthread_mutex_unlock(&s->mu);
	}
}

void
svc_log_free(void)
{
	int i;

	svc_log_flush();
	for (i = 0; i < LOG_SHARDS; i++)
		cb_buf_reset(&shards[i].b);
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
