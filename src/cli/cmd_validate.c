/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_validate.c - codebook validate: check every line of an NDJSON stream.
 *
 * The input is read in blocks of whole lines (src/cli/vsrc.c reads and
 * inflates, src/util/lines.c cuts at line ends).  Worker threads
 * each take the next chunk and validate it with their own cb_validator;
 * each chunk records its counters and its invalid lines.  The main thread
 * reads ahead, then merges the chunks strictly in input order: line numbers,
 * the invalid lines shown (--max-errors), the tally of invalid codes and
 * every count come out the same whatever the number of threads.  Only the
 * lines shown are validated a second time, with messages and positions
 * (CB_LINE_EXPLAIN), so the workers' hot loop never builds a message.
 * docs/internals/validate.md has the design; docs/validate.md the command
 * and its measurements.
 */
#include "cli.h"
#include "lines.h"
#include "vsrc.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cb_limits.h"

static const char usage[] =
    "usage: codebook validate SET [FILE|-] [--field PATH] [--context DIM=FIELD]...\n"
    "                         [--report FILE] [--format text|json|ndjson]\n"
    "                         [--threads N] [--max-errors N|all]\n"
    "                         [--set-version N | --as-of TIME] [--db PATH]\n\n"
    "Check every line of an NDJSON stream (FILE, or standard input; gzip is\n"
    "recognised) against SET.  Each line must be one JSON object (RFC 8259,\n"
    "strictly) holding the code as a string at --field (default reason_code; a\n"
    "dotted path reaches into nested objects), and the code must pass\n"
    "`codebook check` in the context taken from the line's fields (--context\n"
    "rule=rule: dimension rule from field rule; a string or an integer).\n"
    "Blank lines are skipped; CR LF and a leading byte-order mark are accepted.\n\n"
    "  --field PATH        where the code is (default reason_code)\n"
    "  --context DIM=FIELD a context dimension and the field that holds it\n"
    "  --format FORMAT     text (default), json (one document), ndjson (one line\n"
    "                      per invalid line, then {\"summary\":...})\n"
    "  --report FILE       also write the JSON document to FILE\n"
    "  --threads N         worker threads (default: the cores available)\n"
    "  --max-errors N      invalid lines to show (default 100; all: every one);\n"
    "                      counting goes on past it\n"
    "  --block-size BYTES  bytes per unit of work (default 524288)\n"
    "  --set-version N     validate against that published version of SET,\n"
    "  --as-of TIME        or the version in force then (RFC 3339), both read\n"
    "  --db PATH           from the service's database\n\n"
    "Invalid lines are reported with their line number and reason: not-json,\n"
    "not-object, missing-field, not-string, too-long, too-deep, or the reason of\n"
    "check (invalid-format, unknown-code, unknown-category, not-applicable,\n"
    "unknown-context, retired, deprecated when the set rejects it).  A summary\n"
    "follows: lines, valid, invalid by reason, top invalid codes, throughput.\n"
    "A progress bar is drawn on standard error when it is a terminal.\n"
    "Exit status: 0 all lines valid, 1 some invalid, 2 usage or I/O error.\n";

enum { FMT_TEXT, FMT_JSON, FMT_NDJSON };

#define TOP_CODES    10
#define TALLY_KEY    128          /* bytes of an invalid code kept for the tally */
#define OUT_FLUSH    (64u << 10)

/* An invalid line, as a worker records it. */
struct rec {
	uint64_t line;       /* physical index within the chunk */
	size_t   off, len;   /* the line's bytes within the chunk */
	uint32_t code_off;   /* its code in the chunk's code arena, if it has one */
	uint32_t code_len;   /* UINT32_MAX: none */
	uint16_t why;
};

enum { CH_FREE = 0, CH_QUEUED, CH_DONE };

struct chunk {
	/* input */
	const char     *data;
	size_t          len;
	unsigned        flags;       /* CB_LINE_PADDED, CB_BLOCK_FIRST */
	cb_lines_block  blk;         /* the block's memory (stream input) */
	/* output */
	int             state;
	int             rc;          /* a failure in the worker */
	char            err[256];
	cb_validate_counts counts;
	struct rec     *recs;
	size_t          nrecs, caprecs, nplain;
	char           *codes;       /* bytes of the codes of rejected lines */
	size_t          codes_len, codes_cap;
	size_t          keep_plain;  /* records kept for lines without a code */
};

/* The tally of invalid codes: open addressing, capped. */
struct tslot {
	char     *key;
	size_t    len;
	uint64_t  count;
};

struct tally {
	struct tslot *slots;
	size_t        nslots, n;
	uint64_t      other;         /* codes beyond CB_MAX_TOP_CODES distinct ones */
};

/* One output: standard output in --format, or the --report file (json). */
struct sink {
	FILE   *fp;
	int     fmt;
	cb_buf  b;
	cb_jw   w;
	int     any;                 /* an error line was written (text) */
	char    tmp[PATH_MAX];       /* the report's temporary file */
	int     direct;              /* the report is a device or a pipe: no temporary file */
	const char *path;
};

struct job {
	/* configuration */
	const cb_codeset *cs;
	const char       *field;
	cb_ctx_field      ctx[CB_MAX_DIMS];
	size_t            nctx;
	int               nthreads;
	uint64_t          max_errors; /* UINT64_MAX: all */
	size_t            block;
	/* the ring of chunks */
	struct chunk     *ring;
	size_t            nring;
	uint64_t          filled, taken, merged;
	int               stop;
	pthread_mutex_t   mu;
	pthread_cond_t    work, done;
	/* merged results */
	cb_validate_counts total;
	uint64_t          line_base;  /* physical lines before the chunk being merged */
	uint64_t          shown;
	struct tally      tally;
	uint64_t          bytes;      /* uncompressed bytes validated */
	double            seconds;    /* from the first block read to the last merged */
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int
cores(void)
{
	cpu_set_t set;
	long n;

	if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
		return CPU_COUNT(&set);
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (int)n : 1;
}

/* ---- workers ---- */

/* cb_invalid_fn: keep what the main thread needs to show and tally the line. */
static int
record(void *payload, uint64_t line, size_t off, size_t len, const cb_line_result *r)
{
	struct chunk *ch = payload;
	int coded = r->code != NULL && r->why < CB_REASON_COUNT;
	struct rec *rc;

	/* lines without a code are only ever shown: the first keep_plain suffice */
	if (!coded && ch->nplain >= ch->keep_plain)
		return 0;
	if (ch->nrecs == ch->caprecs) {
		size_t cap = ch->caprecs ? ch->caprecs * 2 : 256;
		struct rec *p = reallocarray(ch->recs, cap, sizeof(*p));
		if (p == NULL)
			return CB_ENOMEM;
		ch->recs = p;
		ch->caprecs = cap;
	}
	rc = &ch->recs[ch->nrecs++];
	rc->line = line;
	rc->off = off;
	rc->len = len;
	rc->why = (uint16_t)r->why;
	rc->code_len = UINT32_MAX;
	if (!coded) {
		ch->nplain++;
		return 0;
	}
	{
		size_t keep = r->code_len > TALLY_KEY ? TALLY_KEY : r->code_len;
		if (ch->codes == NULL || ch->codes_len + keep > ch->codes_cap) {
			size_t cap = ch->codes_cap ? ch->codes_cap : 4096;
			char *p;
			while (cap < ch->codes_len + keep)
				cap *= 2;
			if ((p = realloc(ch->codes, cap)) == NULL)
				return CB_ENOMEM;
			ch->codes = p;
			ch->codes_cap = cap;
		}
		memcpy(ch->codes + ch->codes_len, r->code, keep);
		rc->code_off = (uint32_t)ch->codes_len;
		rc->code_len = (uint32_t)keep;
		ch->codes_len += keep;
	}
	return 0;
}

static void
run_chunk(cb_validator *v, struct chunk *ch)
{
	memset(&ch->counts, 0, sizeof(ch->counts));
	ch->counts.version = CB_VALIDATE_COUNTS_VERSION;
	ch->nrecs = ch->nplain = ch->codes_len = 0;
	ch->rc = cb_validator_block(v, ch->data, ch->len, ch->flags, &ch->counts, record, ch);
	if (ch->rc != CB_OK)
		snprintf(ch->err, sizeof(ch->err), "%s", ch->rc == CB_ENOMEM ? "out of memory" : cb_errmsg());
}

static void *
worker(void *arg)
{
	struct job *j = arg;
	cb_validator *v = NULL;
	int rc = cb_validator_new(&v, j->cs, j->field, j->ctx, j->nctx);

	pthread_mutex_lock(&j->mu);
	for (;;) {
		struct chunk *ch;
		while (!j->stop && j->taken == j->filled)
			pthread_cond_wait(&j->work, &j->mu);
		if (j->stop && j->taken == j->filled)
			break;
		ch = &j->ring[j->taken++ % j->nring];
		pthread_mutex_unlock(&j->mu);
		if (rc != CB_OK) {
			ch->rc = rc;
			snprintf(ch->err, sizeof(ch->err), "%s", cb_errmsg());
		} else {
			run_chunk(v, ch);
		}
		pthread_mutex_lock(&j->mu);
		ch->state = CH_DONE;
		pthread_cond_broadcast(&j->done);
	}
	pthread_mutex_unlock(&j->mu);
	cb_validator_free(v);
	return NULL;
}

/* ---- the tally of invalid codes ---- */

static uint64_t
fnv(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;

	while (n-- > 0)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

static int
tally_add(struct tally *t, const char *code, size_t len)
{
	size_t i;

	if (t->n * 2 >= t->nslots) {
		/* grow (rehash) while under the cap */
		size_t ns = t->nslots ? t->nslots * 2 : 256, k;
		struct tslot *s;
		if (t->n >= CB_MAX_TOP_CODES)
			goto full;
		if ((s = calloc(ns, sizeof(*s))) == NULL)
			return -1;
		for (k = 0; k < t->nslots; k++) {
			if (t->slots[k].key == NULL)
				continue;
			for (i = fnv(t->slots[k].key, t->slots[k].len) & (ns - 1); s[i].key; i = (i + 1) & (ns - 1))
				;
			s[i] = t->slots[k];
		}
		free(t->slots);
		t->slots = s;
		t->nslots = ns;
	}
full:
	for (i = fnv(code, len) & (t->nslots - 1); t->slots[i].key; i = (i + 1) & (t->nslots - 1)) {
		if (t->slots[i].len == len && memcmp(t->slots[i].key, code, len) == 0) {
			t->slots[i].count++;
			return 0;
		}
	}
	if (t->n >= CB_MAX_TOP_CODES || t->n * 2 >= t->nslots) {
		t->other++;
		return 0;
	}
	if ((t->slots[i].key = malloc(len ? len : 1)) == NULL)
		return -1;
	memcpy(t->slots[i].key, code, len);
	t->slots[i].len = len;
	t->slots[i].count = 1;
	t->n++;
	return 0;
}

static int
by_count(const void *a, const void *b)
{
	const struct tslot *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	if ((c = memcmp(x->key, y->key, n)) != 0)
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}

/* The TOP_CODES most frequent, most frequent first; ties in byte order. */
static size_t
tally_top(struct tally *t, struct tslot *top)
{
	size_t i, n = 0;

	for (i = 0; i < t->nslots; i++) {
		if (t->slots[i].key == NULL)
			continue;
		if (n < TOP_CODES) {
			top[n++] = t->slots[i];
		} else if (by_count(&t->slots[i], &top[TOP_CODES - 1]) < 0) {
			top[TOP_CODES - 1] = t->slots[i];
		} else {
			continue;
		}
		qsort(top, n, sizeof(*top), by_count);
	}
	return n;
}

static void
tally_free(struct tally *t)
{
	size_t i;

	for (i = 0; i < t->nslots; i++)
		free(t->slots[i].key);
	free(t->slots);
	memset(t, 0, sizeof(*t));
}

/* ---- output ---- */

static int
sink_flush(struct sink *s, int force)
{
	if (s->fp == NULL || (!force && s->b.len < OUT_FLUSH))
		return 0;
	if (s->b.failed)
		return -1;
	if (s->b.len > 0 && fwrite(s->b.p, 1, s->b.len, s->fp) != s->b.len)
		return -1;
	cb_buf_clear(&s->b);
	return 0;
}

/* Quote a code for text output: printable, escaped, shortened. */
static const char *
quote(char *dst, size_t size, const char *s, size_t n)
{
	size_t i, k = 0;

	for (i = 0; i < n && k + 8 < size; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			dst[k++] = '\\';
			dst[k++] = (char)c;
		} else if (c < 0x20 || c == 0x7f) {
			k += (size_t)snprintf(dst + k, size - k, "\\x%02x", c);
		} else {
			dst[k++] = (char)c;
		}
	}
	if (i < n) {
		memcpy(dst + k, "...", 3);
		k += 3;
	}
	dst[k] = '\0';
	return dst;
}

static void
emit_error(struct sink *s, const char *input, uint64_t line, const cb_line_result *r)
{
	char q[160];

	if (s->fmt == FMT_TEXT) {
		cb_buf_printf(&s->b, "%s:%llu: %s: %s\n", input, (unsigned long long)line,
		    cb_line_why_name(r->why), r->message[0] ? r->message :
		    r->code ? quote(q, sizeof(q), r->code, r->code_len) : "");
		s->any = 1;
		return;
	}
	cb_jw_obj_begin(&s->w);
	cb_jw_key(&s->w, "line");
	cb_jw_uint(&s->w, line);
	cb_jw_kstr(&s->w, "reason", cb_line_why_name(r->why));
	if (r->code != NULL)
		cb_jw_kstrn(&s->w, "code", r->code, r->code_len);
	if (r->field != NULL)
		cb_jw_kstr(&s->w, "field", r->field);
	if (r->why == CB_LINE_NOT_JSON || r->why == CB_LINE_TOO_DEEP || r->why == CB_INVALID_FORMAT) {
		cb_jw_key(&s->w, "offset");
		cb_jw_uint(&s->w, r->offset);
	}
	cb_jw_kstr(&s->w, "message", r->message);
	cb_jw_obj_end(&s->w);
	if (s->fmt == FMT_NDJSON) {
		cb_buf_addc(&s->b, '\n');
		cb_jw_init(&s->w, &s->b, 0);
	}
}

/* What was checked, against what: the first members of the JSON outputs. */
static void
emit_header(struct sink *s, const struct job *j, const char *input)
{
	size_t i;

	cb_jw_kstr(&s->w, "set", cb_codeset_name(j->cs));
	cb_jw_kint(&s->w, "version", cb_codeset_version(j->cs));
	cb_jw_kstr(&s->w, "input", input);
	cb_jw_kstr(&s->w, "field", j->field);
	cb_jw_key(&s->w, "context");
	cb_jw_obj_begin(&s->w);
	for (i = 0; i < j->nctx; i++)
		cb_jw_kstr(&s->w, j->ctx[i].dim, j->ctx[i].field);
	cb_jw_obj_end(&s->w);
}

static void
emit_begin(struct sink *s, const struct job *j, const char *input)
{
	if (s->fmt != FMT_JSON)
		return;
	cb_jw_obj_begin(&s->w);
	emit_header(s, j, input);
	cb_jw_key(&s->w, "errors");
	cb_jw_arr_begin(&s->w);
}

struct summary {
	uint64_t    invalid, warnings, not_shown;
	struct tslot top[TOP_CODES];
	size_t      ntop;
	double      seconds;
};

/* The counts by reason, invalid lines only, in the order of the verdicts. */
static uint64_t
invalid_count(const struct job *j, unsigned why)
{
	uint64_t n = j->total.by_why[why];

	if (why == CB_VALID || (why == CB_DEPRECATED && !cb_codeset_rejects_deprecated(j->cs)))
		return 0;
	return n;
}

static void
fmt_thousands(char *dst, size_t size, uint64_t v)
{
	char tmp[32];
	int n = snprintf(tmp, sizeof(tmp), "%llu", (unsigned long long)v), i, k = 0;

	for (i = 0; i < n && (size_t)k + 2 < size; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			dst[k++] = ',';
		dst[k++] = tmp[i];
	}
	dst[k] = '\0';
}

static void
summary_text(struct sink *s, const struct job *j, const struct summary *sm)
{
	char a[32], b[32], c[32], q[160];
	unsigned w;
	size_t i;

	fmt_thousands(a, sizeof(a), j->total.lines);
	fmt_thousands(b, sizeof(b), j->total.valid);
	fmt_thousands(c, sizeof(c), sm->invalid);
	if (sm->not_shown > 0) {
		fmt_thousands(q, sizeof(q), sm->not_shown);
		cb_buf_printf(&s->b, "... and %s more invalid line%s (--max-errors)\n", q, sm->not_shown == 1 ? "" : "s");
	}
	if (s->any || sm->not_shown > 0)
		cb_buf_addc(&s->b, '\n');
	cb_buf_printf(&s->b, "%s v%d: %s lines, %s valid, %s invalid", cb_codeset_name(j->cs),
	    cb_codeset_version(j->cs), a, b, c);
	if (sm->warnings > 0) {
		fmt_thousands(a, sizeof(a), sm->warnings);
		cb_buf_printf(&s->b, " (%s deprecated, accepted with a warning)", a);
	}
	cb_buf_addc(&s->b, '\n');
	if (sm->invalid > 0)
		cb_buf_adds(&s->b, "invalid by reason:\n");
	for (w = 0; sm->invalid > 0 && w < CB_LINE_WHY_MAX; w++) {
		unsigned why = (w + CB_LINE_NOT_JSON) % CB_LINE_WHY_MAX; /* faults first */
		uint64_t n = invalid_count(j, why);
		if (n == 0)
			continue;
		fmt_thousands(a, sizeof(a), n);
		cb_buf_printf(&s->b, "  %-17s %12s\n", cb_line_why_name(why), a);
	}
	if (sm->ntop > 0)
		cb_buf_adds(&s->b, "top invalid codes:\n");
	for (i = 0; i < sm->ntop; i++) {
		fmt_thousands(a, sizeof(a), sm->top[i].count);
		cb_buf_printf(&s->b, "  %12s  \"%s\"\n", a, quote(q, sizeof(q), sm->top[i].key, sm->top[i].len));
	}
	if (sm->ntop > 0 && j->tally.other > 0) {
		fmt_thousands(a, sizeof(a), j->tally.other);
		cb_buf_printf(&s->b, "  %12s  (other codes, beyond %d distinct)\n", a, CB_MAX_TOP_CODES);
	}
	cb_buf_printf(&s->b, "%.1f MB in %.3f s: %.0f MB/s, %.0f lines/s (%d thread%s)\n",
	    (double)j->bytes / 1e6, sm->seconds, sm->seconds > 0 ? (double)j->bytes / 1e6 / sm->seconds : 0,
	    sm->seconds > 0 ? (double)j->total.lines / sm->seconds : 0, j->nthreads, j->nthreads == 1 ? "" : "s");
}

/* "key": @v with @decimals digits after the point. */
static void
kfmt(cb_jw *w, const char *key, int decimals, double v)
{
	char num[64];
	int n = snprintf(num, sizeof(num), "%.*f", decimals, v);

	cb_jw_key(w, key);
	cb_jw_raw(w, num, n > 0 && (size_t)n < sizeof(num) ? (size_t)n : 0);
}

static void
kuint(cb_jw *w, const char *key, uint64_t v)
{
	cb_jw_key(w, key);
	cb_jw_uint(w, v);
}

static void
summary_json(struct sink *s, const struct job *j, const struct summary *sm)
{
	unsigned w;
	size_t i;

	kuint(&s->w, "errors_not_shown", sm->not_shown);
	kuint(&s->w, "lines", j->total.lines);
	kuint(&s->w, "valid", j->total.valid);
	kuint(&s->w, "invalid", sm->invalid);
	kuint(&s->w, "warnings", sm->warnings);
	cb_jw_key(&s->w, "by_reason");
	cb_jw_obj_begin(&s->w);
	for (w = 0; w < CB_LINE_WHY_MAX; w++) {
		unsigned why = (w + CB_LINE_NOT_JSON) % CB_LINE_WHY_MAX;
		uint64_t n = invalid_count(j, why);
		if (n != 0)
			kuint(&s->w, cb_line_why_name(why), n);
	}
	cb_jw_obj_end(&s->w);
	cb_jw_key(&s->w, "top_invalid_codes");
	cb_jw_arr_begin(&s->w);
	for (i = 0; i < sm->ntop; i++) {
		cb_jw_obj_begin(&s->w);
		cb_jw_kstrn(&s->w, "code", sm->top[i].key, sm->top[i].len);
		kuint(&s->w, "count", sm->top[i].count);
		cb_jw_obj_end(&s->w);
	}
	cb_jw_arr_end(&s->w);
	kuint(&s->w, "other_invalid_codes", j->tally.other);
	kuint(&s->w, "bytes", j->bytes);
	kfmt(&s->w, "seconds", 3, sm->seconds);
	kfmt(&s->w, "mb_per_s", 1, sm->seconds > 0 ? (double)j->bytes / 1e6 / sm->seconds : 0);
	kfmt(&s->w, "lines_per_s", 0, sm->seconds > 0 ? (double)j->total.lines / sm->seconds : 0);
	cb_jw_kint(&s->w, "threads", j->nthreads);
}

static void
emit_summary(struct sink *s, const struct job *j, const struct summary *sm, const char *input)
{
	if (s->fmt == FMT_TEXT) {
		summary_text(s, j, sm);
		return;
	}
	if (s->fmt == FMT_JSON) {
		cb_jw_arr_end(&s->w);
	} else {
		cb_jw_obj_begin(&s->w);
		cb_jw_key(&s->w, "summary");
		cb_jw_obj_begin(&s->w);
		emit_header(s, j, input);
	}
	summary_json(s, j, sm);
	cb_jw_obj_end(&s->w);
	if (s->fmt == FMT_NDJSON)
		cb_jw_obj_end(&s->w);
	cb_buf_addc(&s->b, '\n');
}

/* ---- progress ---- */

struct progress {
	int    on;
	double start, last;
};

static void
progress_draw(struct progress *p, const struct job *j, const struct vsrc *src, int final)
{
	double t = now(), el = t - p->start, done, rate;
	uint64_t pos;
	char bar[32];
	int i, fill;

	if (!p->on)
		return;
	if (final) {
		fputs("\r\033[K", stderr);
		return;
	}
	if (t - p->last < 0.1)
		return;
	p->last = t;
	pos = src->consumed;
	rate = el > 0 ? (double)j->total.lines / el : 0;
	if (src->total > 0) {
		done = (double)pos / (double)src->total;
		if (done > 1)
			done = 1;
		fill = (int)(done * 24);
		for (i = 0; i < 24; i++)
			bar[i] = i < fill ? '#' : '.';
		bar[24] = '\0';
		fprintf(stderr, "\r[%s] %3.0f%% %.1f/%.1f MB  %.2f M lines/s  ETA %.0fs\033[K", bar, done * 100,
		    (double)pos / 1e6, (double)src->total / 1e6, rate / 1e6,
		    done > 0 ? el / done - el : 0.0);
	} else {
		fprintf(stderr, "\r%.1f MB  %.2f M lines/s\033[K", (double)j->bytes / 1e6, rate / 1e6);
	}
}

/* ---- the run ---- */

/* Merge the chunk in order: counts, codes, and the lines to show. */
static int
merge(struct job *j, struct chunk *ch, cb_validator *mv, struct sink *sinks, size_t nsinks,
    const char *input)
{
	size_t i, k, w;
	cb_line_result r = CB_LINE_RESULT_INIT;

	for (w = 0; w < CB_LINE_WHY_MAX; w++)
		j->total.by_why[w] += ch->counts.by_why[w];
	j->total.lines += ch->counts.lines;
	j->total.valid += ch->counts.valid;
	j->bytes += ch->len;
	for (i = 0; i < ch->nrecs; i++) {
		const struct rec *rc = &ch->recs[i];
		if (rc->code_len != UINT32_MAX &&
		    tally_add(&j->tally, ch->codes + rc->code_off, rc->code_len) != 0)
			return cli_error("out of memory");
		if (j->shown >= j->max_errors)
			continue;
		j->shown++;
		/* only shown lines pay for a message: validate them again, explained */
		if (cb_validator_line(mv, ch->data + rc->off, rc->len,
		    CB_LINE_EXPLAIN | ((ch->flags & CB_LINE_PADDED) ||
		    ch->len - (rc->off + rc->len) >= CB_VALIDATE_PADDING ? CB_LINE_PADDED : 0), &r) != CB_OK)
			return cli_error("%s", cb_errmsg());
		for (k = 0; k < nsinks; k++) {
			emit_error(&sinks[k], input, j->line_base + rc->line + 1, &r);
			if (sink_flush(&sinks[k], 0) != 0)
				return cli_error("write: %s", strerror(errno));
		}
	}
	j->line_base += ch->counts.physical;
	return EXIT_OK;
}

/* What the command line asks for besides the job's own settings. */
struct vargs {
	const char *setname, *path, *report;
	int         fmt;
	struct cli_pin pin;      /* --set-version, --as-of, --db */
};

/* One option or positional into @j or @va; EXIT_OK or EXIT_USAGE (said). */
static int
take_arg(struct job *j, struct vargs *va, int k, const char *arg)
{
	static const char *const fmts[] = { [FMT_TEXT] = "text", [FMT_JSON] = "json", [FMT_NDJSON] = "ndjson" };
	enum { O_FIELD = 1, O_CTX, O_REPORT, O_FORMAT, O_THREADS, O_MAXERR, O_BLOCK };
	const char *eq;
	uint64_t v;
	int f;

	switch (k) {
	case O_FIELD: j->field = arg; return EXIT_OK;
	case O_REPORT: va->report = arg; return EXIT_OK;
	case O_CTX:
		if ((eq = strchr(arg, '=')) == NULL || eq == arg || eq[1] == '\0')
			return cli_error("--context expects DIMENSION=FIELD, got \"%s\"", arg);
		if (j->nctx == CB_MAX_DIMS)
			return cli_error("too many --context options (at most %d)", CB_MAX_DIMS);
		*(char *)(uintptr_t)eq = '\0';	/* split in place: argv strings are ours to modify */
		j->ctx[j->nctx].dim = arg;
		j->ctx[j->nctx++].field = eq + 1;
		return EXIT_OK;
	case O_FORMAT:
		for (f = 0; f < 3; f++)
			if (strcmp(arg, fmts[f]) == 0) {
				va->fmt = f;
				return EXIT_OK;
			}
		return cli_error("--format expects text, json or ndjson, got \"%s\"", arg);
	case O_THREADS:
		if (cli_opt_u64("threads", arg, 1, CB_MAX_VALIDATE_THREADS, &v) != EXIT_OK)
			return EXIT_USAGE;
		j->nthreads = (int)v;
		return EXIT_OK;
	case O_MAXERR:
		if (strcmp(arg, "all") == 0) {
			j->max_errors = UINT64_MAX;
			return EXIT_OK;
		}
		return cli_opt_u64("max-errors", arg, 0, UINT64_MAX - 1, &j->max_errors);
	case O_BLOCK:
		if (cli_opt_u64("block-size", arg, 1, (uint64_t)1 << 30, &v) != EXIT_OK)
			return EXIT_USAGE;
		j->block = (size_t)v;
		return EXIT_OK;
	case CLI_O_SET_VERSION:
	case CLI_O_AS_OF:
	case CLI_O_DB:
		return cli_pin_arg(&va->pin, k, arg) < 0 ? EXIT_USAGE : EXIT_OK;
	default:
		if (va->setname == NULL)
			va->setname = arg;
		else if (va->path == NULL)
			va->path = arg;
		else
			return cli_error("validate: unexpected argument \"%s\" (one input at a time)", arg);
		return EXIT_OK;
	}
}

static int
parse_args(struct cli *c, int argc, char **argv, struct job *j, struct vargs *va)
{
	static const struct cli_opt opts[] = {
		{ "field", 'f', 1, 1 }, { "context", 'c', 1, 2 }, { "report", 'r', 1, 3 },
		{ "format", 0, 1, 4 }, { "threads", 'j', 1, 5 }, { "max-errors", 'n', 1, 6 },
		{ "block-size", 0, 1, 7 }, CLI_PIN_OPTS, { NULL, 0, 0, 0 } };
	struct cli_args a = CLI_ARGS_INIT(argc, argv);
	const char *arg;
	int k;

	va->fmt = c->json ? FMT_JSON : FMT_TEXT;
	while ((k = cli_next(&a, opts, &arg)) != CLI_END) {
		if (k == CLI_BAD || take_arg(j, va, k, arg) != EXIT_OK)
			return EXIT_USAGE;
	}
	if (va->setname == NULL)
		return cli_error("validate: usage: codebook validate SET [FILE|-] (see --help)");
	if (va->path == NULL)
		va->path = "-";
	return EXIT_OK;
}

/* The --report file: written beside its path and renamed at the end, or in
 * place when it is a device or a pipe. */
static int
report_open(struct sink *s, const char *report)
{
	s->fmt = FMT_JSON;
	s->path = report;
	s->direct = !cli_replaceable(report);
	if ((size_t)snprintf(s->tmp, sizeof(s->tmp), "%s.tmp.%ld", report, (long)getpid()) >= sizeof(s->tmp))
		return cli_error("%s: path too long", report);
	if ((s->fp = fopen(s->direct ? report : s->tmp, "wb")) == NULL)
		return cli_error("%s: %s", s->direct ? report : s->tmp, strerror(errno));
	if (s->direct)
		s->tmp[0] = '\0';
	return EXIT_OK;
}

static int
report_close(struct sink *s)
{
	int bad = !s->direct && fsync(fileno(s->fp)) != 0;

	bad |= fclose(s->fp) != 0;
	s->fp = NULL;
	if (bad || (!s->direct && rename(s->tmp, s->path) != 0))
		return cli_error("%s: %s", s->path, strerror(errno));
	s->tmp[0] = '\0';
	return EXIT_OK;
}

/* The ring (every thread busy, and as many chunks again read ahead) and
 * the threads; *nstarted says how many to join. */
static int
threads_start(struct job *j, pthread_t **tids, int *nstarted)
{
	size_t i;
	int k;

	j->nring = (size_t)j->nthreads * 2 + 2;
	if ((j->ring = calloc(j->nring, sizeof(*j->ring))) == NULL ||
	    (*tids = calloc((size_t)j->nthreads, sizeof(**tids))) == NULL)
		return cli_error("out of memory");
	for (i = 0; i < j->nring; i++)
		j->ring[i].keep_plain = j->max_errors > SIZE_MAX ? SIZE_MAX : (size_t)j->max_errors;
	for (k = 0; k < j->nthreads; k++) {
		if (pthread_create(&(*tids)[k], NULL, worker, j) != 0)
			return cli_error("cannot start a thread: %s", strerror(errno));
		(*nstarted)++;
	}
	return EXIT_OK;
}

static void
threads_stop(struct job *j, pthread_t *tids, int nstarted)
{
	int k;

	pthread_mutex_lock(&j->mu);
	j->stop = 1;
	pthread_cond_broadcast(&j->work);
	pthread_mutex_unlock(&j->mu);
	for (k = 0; k < nstarted; k++)
		pthread_join(tids[k], NULL);
}

/* Queue blocks of lines while the ring has room; *eof at the end. */
static int
read_ahead(struct job *j, cb_lines *lines, struct vsrc *src, int *eof)
{
	while (!*eof && j->filled - j->merged < j->nring) {
		struct chunk *ch = &j->ring[j->filled % j->nring];
		int got = cb_lines_next(lines, &ch->blk, vsrc_read, src);
		if (got < 0)
			return cli_error("%s", got == -1 ? src->err : "out of memory");
		if (got == 0) {
			*eof = 1;
			break;
		}
		ch->data = ch->blk.data;
		ch->len = ch->blk.len;
		ch->flags = CB_LINE_PADDED | (ch->blk.first ? CB_BLOCK_FIRST : 0);
		pthread_mutex_lock(&j->mu);
		ch->state = CH_QUEUED;
		j->filled++;
		pthread_cond_signal(&j->work);
		pthread_mutex_unlock(&j->mu);
	}
	return EXIT_OK;
}

/* Read, validate on the threads, merge in order, until the input ends. */
static int
run(struct job *j, struct vsrc *src, cb_validator *mv, struct sink *sinks, size_t nsinks)
{
	struct progress prog;
	cb_lines lines;
	int eof = 0, rc = EXIT_OK;

	cb_lines_init(&lines, j->block, CB_MAX_EVENT_BYTES, CB_VALIDATE_PADDING);
	prog.on = isatty(STDERR_FILENO);
	prog.start = prog.last = now();
	for (;;) {
		struct chunk *ch;
		if ((rc = read_ahead(j, &lines, src, &eof)) != EXIT_OK)
			break;
		if (j->merged == j->filled)
			break;
		ch = &j->ring[j->merged % j->nring];
		pthread_mutex_lock(&j->mu);
		while (ch->state != CH_DONE)
			pthread_cond_wait(&j->done, &j->mu);
		pthread_mutex_unlock(&j->mu);
		if (ch->rc != CB_OK) {
			rc = cli_error("%s", ch->err);
			break;
		}
		if ((rc = merge(j, ch, mv, sinks, nsinks, src->name)) != EXIT_OK)
			break;
		ch->state = CH_FREE;
		j->merged++;
		progress_draw(&prog, j, src, 0);
	}
	j->seconds = now() - prog.start;
	progress_draw(&prog, j, src, 1);
	cb_lines_free(&lines);
	return rc;
}

/* The summary into every sink; the report renamed into place. */
static int
finish(struct job *j, struct sink *sinks, size_t nsinks, const char *input)
{
	struct summary sm;
	size_t i;

	memset(&sm, 0, sizeof(sm));
	sm.seconds = j->seconds;
	for (i = 0; i < CB_LINE_WHY_MAX; i++)
		sm.invalid += invalid_count(j, (unsigned)i);
	if (!cb_codeset_rejects_deprecated(j->cs))
		sm.warnings = j->total.by_why[CB_DEPRECATED];
	sm.not_shown = sm.invalid > j->shown ? sm.invalid - j->shown : 0;
	sm.ntop = tally_top(&j->tally, sm.top);
	for (i = 0; i < nsinks; i++) {
		emit_summary(&sinks[i], j, &sm, input);
		if (sink_flush(&sinks[i], 1) != 0 || fflush(sinks[i].fp) != 0)
			return cli_error("write %s: %s", i == 0 ? "standard output" : sinks[i].tmp, strerror(errno));
	}
	if (nsinks > 1 && report_close(&sinks[1]) != EXIT_OK)
		return EXIT_USAGE;
	return sm.invalid > 0 ? EXIT_REJECTED : EXIT_OK;
}

static void
job_free(struct job *j, struct sink *sinks, size_t nsinks)
{
	size_t i;

	for (i = 0; i < nsinks; i++) {
		if (i > 0 && sinks[i].fp != NULL) {
			fclose(sinks[i].fp);
			if (sinks[i].tmp[0] != '\0')
				unlink(sinks[i].tmp);
		}
		cb_buf_reset(&sinks[i].b);
	}
	pthread_mutex_destroy(&j->mu);
	pthread_cond_destroy(&j->work);
	pthread_cond_destroy(&j->done);
	for (i = 0; j->ring != NULL && i < j->nring; i++) {
		cb_lines_block_free(&j->ring[i].blk);
		free(j->ring[i].recs);
		free(j->ring[i].codes);
	}
	free(j->ring);
	tally_free(&j->tally);
}

int
cmd_validate(struct cli *c, int argc, char **argv)
{
	struct job j;
	struct vargs va;
	struct vsrc src;
	struct sink sinks[2];
	size_t nsinks = 0, i;
	pthread_t *tids = NULL;
	int nstarted = 0, rc;
	cb_validator *mv = NULL;

	memset(&j, 0, sizeof(j));
	memset(&va, 0, sizeof(va));
	memset(&src, 0, sizeof(src));
	memset(sinks, 0, sizeof(sinks));
	pthread_mutex_init(&j.mu, NULL);
	pthread_cond_init(&j.work, NULL);
	pthread_cond_init(&j.done, NULL);
	src.fd = -1;
	j.field = "reason_code";
	j.nthreads = cores();
	j.max_errors = 100;
	j.block = (size_t)512 << 10;
	if (cli_wants_help(argc, argv, usage)) {
		rc = EXIT_OK;
		goto out;
	}
	if ((rc = parse_args(c, argc, argv, &j, &va)) != EXIT_OK)
		goto out;
	rc = EXIT_USAGE;
	if ((j.cs = cli_set_pinned(c, va.setname, &va.pin)) == NULL)
		goto out;
	/* the main thread's validator explains the lines shown; it also checks
	 * the options before any thread starts */
	if (cb_validator_new(&mv, j.cs, j.field, j.ctx, j.nctx) != CB_OK) {
		rc = cli_error("%s", cb_errmsg());
		goto out;
	}
	if ((rc = vsrc_open(&src, va.path)) != EXIT_OK)
		goto out;
	sinks[nsinks].fp = stdout;
	sinks[nsinks++].fmt = va.fmt;
	if (va.report != NULL && (rc = report_open(&sinks[nsinks++], va.report)) != EXIT_OK)
		goto out;
	for (i = 0; i < nsinks; i++) {
		cb_buf_init(&sinks[i].b, (size_t)1 << 30);
		cb_jw_init(&sinks[i].w, &sinks[i].b, 0);
		emit_begin(&sinks[i], &j, src.name);
	}
	if ((rc = threads_start(&j, &tids, &nstarted)) == EXIT_OK)
		rc = run(&j, &src, mv, sinks, nsinks);
	threads_stop(&j, tids, nstarted);
	if (rc == EXIT_OK)
		rc = finish(&j, sinks, nsinks, src.name);
out:
	job_free(&j, sinks, nsinks);
	free(tids);
	vsrc_close(&src);
	cb_validator_free(mv);
	return rc;
}
