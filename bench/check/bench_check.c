/*
 * bench_check.c - nanoseconds per cb_check() on the bundled catalogs,
 * through the static library, as a program linking libcodebook pays them.
 *
 * Each case checks a fixed number of times, rotating through four inputs;
 * a case runs several times and the median is printed, so that a run
 * disturbed by another process does not set the figure.  Every input is
 * checked once before timing: a case fails (exit 1) unless each input gets
 * the verdict the case is named after.
 *
 *   bench_check [--catalogs DIR] [--runs N] [--scale X] [--case NAME]
 *
 * --case runs one case once (for valgrind --tool=callgrind
 * --toggle-collect=bench_loop: bench/check/callgrind.sh divides its
 * instruction count by the iterations).  docs/library.md records figures.
 */
#include <codebook.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NIN 4

struct bcase {
	const char *name;       /* what is measured */
	const char *set;
	const char *codes[NIN];
	const char *dim, *value; /* one context pair, or NULL */
	cb_reason   want;
	long        iterations;
	int         message;    /* also make the message */
	const cb_codeset *cs;
	size_t      lens[NIN];
	char        gen[NIN][300];   /* generated near misses */
};

static volatile unsigned sink;

/* The timed loop: one function, so that callgrind can count it alone. */
__attribute__((noinline)) static void
bench_loop(struct bcase *c, long n)
{
	cb_check_result r = CB_CHECK_RESULT_INIT;
	cb_ctx ctx = cb_ctx_make(c->dim, c->value);
	size_t nctx = c->dim ? 1 : 0;
	char msg[CB_CHECK_MESSAGE_MAX];
	unsigned s = 0;
	long i;

	for (i = 0; i < n; i++) {
		size_t k = (size_t)i & (NIN - 1);
		cb_check(&r, c->cs, c->codes[k], c->lens[k], &ctx, nctx);
		if (c->message)
			cb_check_message(msg, sizeof(msg), &r);
		s += (unsigned)r.reason + (unsigned)r.nalts;
	}
	sink += s;
}

static double
now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static int
by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Near misses of four codes of the set spread over its entries: a byte
 * dropped, two swapped, or one doubled, such that the result is
 * well-formed, unknown, and has suggestions. */
static int
near_misses(struct bcase *c)
{
	size_t n = cb_codeset_entry_count(c->cs), got = 0, i, tries;

	for (tries = 0; got < NIN && tries < n; tries++) {
		const cb_entry *e = cb_codeset_entry(c->cs, (tries * 7 + got * 3) % n);
		const char *code = cb_entry_code(e);
		size_t len = code ? strlen(code) : 0;
		int how;

		if (len < 4 || len > 256)
			continue;
		for (how = 0; how < 3; how++) {
			char *g = c->gen[got];
			cb_check_result r = CB_CHECK_RESULT_INIT;
			size_t m = len / 2;

			memcpy(g, code, len + 1);
			if (how == 0)
				memmove(g + m, g + m + 1, len - m);
			else if (how == 1) {
				char t = g[m];
				g[m] = g[m + 1];
				g[m + 1] = t;
			} else {
				memmove(g + m + 1, g + m, len - m + 1);
			}
			for (i = 0; i < got; i++)
				if (strcmp(c->gen[i], g) == 0)
					break;
			if (i < got)
				continue;
			if (cb_check(&r, c->cs, g, strlen(g), NULL, 0) == CB_OK &&
			    r.reason == CB_UNKNOWN_CODE && r.nalts > 0) {
				c->codes[got++] = g;
				break;
			}
		}
	}
	return got == NIN ? 0 : -1;
}

static int
prepare(struct bcase *c, const cb_catalog *cat)
{
	cb_check_result r = CB_CHECK_RESULT_INIT;
	cb_ctx ctx = cb_ctx_make(c->dim, c->value);
	size_t k;

	if ((c->cs = cb_catalog_find(cat, c->set)) == NULL) {
		fprintf(stderr, "bench_check: no set %s\n", c->set);
		return -1;
	}
	if (c->codes[0] == NULL && near_misses(c) != 0) {
		fprintf(stderr, "bench_check: %s: no near misses found\n", c->set);
		return -1;
	}
	for (k = 0; k < NIN; k++) {
		c->lens[k] = strlen(c->codes[k]);
		if (cb_check(&r, c->cs, c->codes[k], c->lens[k], &ctx, c->dim ? 1 : 0) != CB_OK ||
		    r.reason != c->want) {
			fprintf(stderr, "bench_check: %s: %s is %s in %s, not %s\n", c->name, c->codes[k],
			    cb_reason_name(r.reason), c->set, cb_reason_name(c->want));
			return -1;
		}
	}
	return 0;
}

static struct bcase cases[] = {
	{ "valid, no context", "outbound",
	  { "FRAUD.CHARGEBACK", "FULFILLMENT.SHORT_PICK", "FULFILLMENT.OUT_OF_STOCK", "FRAUD.CONFIRMED" },
	  NULL, NULL, CB_VALID, 4000000, 0, NULL, { 0 }, { "" } },
	{ "valid, no context", "tiktok-shop-error",
	  { "36009002", "106001", "36009014", "105005" },
	  NULL, NULL, CB_VALID, 4000000, 0, NULL, { 0 }, { "" } },
	{ "valid, context rule=R1", "qe-reason",
	  { "SELLER_TIKTOKSHOP_AUTHORIZATION_REVOKED", "SELLER_UNINSTALLED_DTC_APP",
	    "SELLER_DTC_NO_SKU", "SELLER_APP_OWE_FEE" },
	  "rule", "R1", CB_VALID, 2000000, 0, NULL, { 0 }, { "" } },
	{ "not applicable, rule=A3", "qe-reason",
	  { "APP_MISSED_WEBHOOK", "SELLER_DTC_NO_SKU", "SELLER_APP_OWE_FEE", "SELLER_DTC_STORE_UNAVAILABLE" },
	  "rule", "A3", CB_NOT_APPLICABLE, 200000, 0, NULL, { 0 }, { "" } },
	{ "unknown, suggestions", "outbound", { NULL }, NULL, NULL, CB_UNKNOWN_CODE, 100000, 0, NULL, { 0 }, { "" } },
	{ "unknown, suggestions", "qe-reason", { NULL }, NULL, NULL, CB_UNKNOWN_CODE, 100000, 0, NULL, { 0 }, { "" } },
	{ "unknown, suggestions", "tiktok-reverse-reason@GB", { NULL }, NULL, NULL, CB_UNKNOWN_CODE, 100000, 0, NULL, { 0 }, { "" } },
	{ "unknown, suggestions", "tiktok-shop-error", { NULL }, NULL, NULL, CB_UNKNOWN_CODE, 100000, 0, NULL, { 0 }, { "" } },
	{ "unknown, suggestions", "ttls-error", { NULL }, NULL, NULL, CB_UNKNOWN_CODE, 100000, 0, NULL, { 0 }, { "" } },
	{ "unknown + message", "outbound", { NULL }, NULL, NULL, CB_UNKNOWN_CODE, 50000, 1, NULL, { 0 }, { "" } },
};

#define NCASES (sizeof(cases) / sizeof(cases[0]))

/* Case @i: the median of @runs timings of its checks, printed. */
static void
measure(size_t i, int runs, double scale)
{
	struct bcase *c = &cases[i];
	long n = (long)((double)c->iterations * scale);
	double t[64];
	int k;

	if (n < NIN)
		n = NIN;
	bench_loop(c, n / 10 + 1);	/* warm the caches and the branch predictors */
	for (k = 0; k < runs; k++) {
		double t0 = now_ns();
		bench_loop(c, n);
		t[k] = (now_ns() - t0) / (double)n;
	}
	qsort(t, (size_t)runs, sizeof(t[0]), by_value);
	printf("%-2zu %-26s %-22s %10ld %10.1f  (%.1f .. %.1f)\n", i + 1, c->name, c->set, n,
	    t[runs / 2], t[0], t[runs - 1]);
}

int
main(int argc, char **argv)
{
	const char *dir = CB_SOURCE_DIR "/catalogs", *only = NULL;
	int runs = 9, k;
	double scale = 1.0;
	cb_catalog *cat = NULL;
	size_t i;

	for (k = 1; k < argc; k++) {
		if (strcmp(argv[k], "--catalogs") == 0 && k + 1 < argc)
			dir = argv[++k];
		else if (strcmp(argv[k], "--runs") == 0 && k + 1 < argc)
			runs = (int)strtol(argv[++k], NULL, 10);
		else if (strcmp(argv[k], "--scale") == 0 && k + 1 < argc)
			scale = strtod(argv[++k], NULL);
		else if (strcmp(argv[k], "--case") == 0 && k + 1 < argc)
			only = argv[++k];
		else {
			fprintf(stderr, "usage: bench_check [--catalogs DIR] [--runs N] [--scale X] [--case N]\n");
			return 2;
		}
	}
	if (runs < 1 || runs > 64 || scale <= 0) {
		fprintf(stderr, "bench_check: --runs 1..64, --scale > 0\n");
		return 2;
	}
	if (!CB_VERSION_CHECK()) {
		fprintf(stderr, "bench_check: libcodebook %s does not implement %s\n", cb_version(), CB_VERSION_STRING);
		return 1;
	}
	if (cb_catalog_load_dir(&cat, dir) != CB_OK) {
		fprintf(stderr, "bench_check: %s\n", cb_errmsg());
		return 1;
	}
	for (i = 0; i < NCASES; i++)
		if (prepare(&cases[i], cat) != 0)
			return 1;
	if (only != NULL) {
		/* one case, once: case numbers count from 1 as printed */
		long n = strtol(only, NULL, 10);
		if (n < 1 || (size_t)n > NCASES) {
			fprintf(stderr, "bench_check: --case 1..%zu\n", NCASES);
			return 2;
		}
		bench_loop(&cases[n - 1], (long)((double)cases[n - 1].iterations * scale));
		printf("%ld %s %s %ld\n", n, cases[n - 1].name, cases[n - 1].set,
		    (long)((double)cases[n - 1].iterations * scale));
		cb_catalog_free(cat);
		return 0;
	}
	printf("libcodebook %s, static; median of %d runs of a fixed number of checks, four inputs in rotation\n",
	    cb_version(), runs);
	printf("%-2s %-26s %-22s %10s %10s  %s\n", "", "case", "set", "checks", "ns/check", "(min .. max)");
	for (i = 0; i < NCASES; i++)
		measure(i, runs, scale);
	cb_catalog_free(cat);
	return 0;
}
