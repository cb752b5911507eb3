/* SPDX-License-Identifier: Apache-2.0 */
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
 *
 * Besides the bundled sets, a generated set of 100,000 codes (issue 10):
 * the time to load it from its JSON (targets: under 200 ms) and the checks
 * of near misses on it (an unknown code with suggestions: at most 50 us).
 */
#include <codebook.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define GEN_SET   "generated-100k"	/* the set of gen_json() */
#define GEN_CODES 100000

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

static cb_codeset *gen_set;	/* made by main() */

static int
prepare(struct bcase *c, const cb_catalog *cat)
{
	cb_check_result r = CB_CHECK_RESULT_INIT;
	cb_ctx ctx = cb_ctx_make(c->dim, c->value);
	size_t k;

	c->cs = strcmp(c->set, GEN_SET) == 0 ? gen_set : cb_catalog_find(cat, c->set);
	if (c->cs == NULL) {
		fprintf(stderr, "bench_check: no set %s\n", c->set);
		return -1;
	}
	if (c->codes[0] == NULL && c->want == CB_VALID) {
		for (k = 0; k < NIN; k++)	/* codes spread over the set */
			c->codes[k] = cb_entry_code(cb_codeset_entry(c->cs, (k * 24989 + 7) % cb_codeset_entry_count(c->cs)));
	} else if (c->codes[0] == NULL && near_misses(c) != 0) {
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
	{ "valid, no context", GEN_SET, { NULL }, NULL, NULL, CB_VALID, 2000000, 0, NULL, { 0 }, { "" } },
	{ "unknown, suggestions", GEN_SET, { NULL }, NULL, NULL, CB_UNKNOWN_CODE, 20000, 0, NULL, { 0 }, { "" } },
	{ "unknown + message", GEN_SET, { NULL }, NULL, NULL, CB_UNKNOWN_CODE, 10000, 1, NULL, { 0 }, { "" } },
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

/* xorshift64: the generated set is the same on every run */
static uint64_t gen_state = 0x9e3779b97f4a7c15ull;

static unsigned
gen_rand(unsigned n)
{
	gen_state ^= gen_state << 13;
	gen_state ^= gen_state >> 7;
	gen_state ^= gen_state << 17;
	return (unsigned)(gen_state % n);
}

/* A word of 2 to 4 syllables, upper case, into @w. */
static void
gen_word(char *w, size_t size)
{
	static const char *const syl[] = { "BA", "CO", "DA", "FE", "GO", "HI", "JU", "KA", "LO", "ME", "NI", "PO",
	    "QUA", "RI", "SA", "TE", "VU", "WI", "XO", "ZE", "STR", "PL", "AN", "OR", "EX", "IN", "UN", "RE", "DE", "PRO" };
	unsigned n = 2 + gen_rand(3), i;

	w[0] = '\0';
	for (i = 0; i < n; i++)
		strncat(w, syl[gen_rand(sizeof(syl) / sizeof(syl[0]))], size - strlen(w) - 1);
}

/*
 * The JSON of a set of GEN_CODES codes like a large taxonomy's: 40
 * categories, codes CATEGORY.WORD[_WORD[_WORD]] from a vocabulary of 2,000
 * words, each with an id and a description, compact.  Codes that come out
 * twice are skipped by a hash of those made.  NULL when out of memory.
 */
static char *
gen_json(size_t *len)
{
	enum { NCAT = 40, NWORD = 2000 };
	static char cats[NCAT][24], words[NWORD][24];
	size_t cap = (size_t)GEN_CODES * 160 + 65536, n = 0, i, nslots = 1u << 18;
	uint64_t *seen = calloc(nslots, sizeof(*seen));
	char *j = malloc(cap), code[96];
	unsigned made = 0;

	if (j == NULL || seen == NULL) {
		free(j);
		free(seen);
		return NULL;
	}
	for (i = 0; i < NCAT; i++)
		gen_word(cats[i], sizeof(cats[i]));
	for (i = 0; i < NWORD; i++)
		gen_word(words[i], sizeof(words[i]));
	n += (size_t)snprintf(j + n, cap - n, "{\"name\":\"%s\",\"title\":\"Generated\",\"version\":1,"
	    "\"format\":{\"charset\":\"A-Z0-9_.\",\"shape\":\"category.code\",\"case\":\"upper\"},"
	    "\"categories\":[", GEN_SET);
	for (i = 0; i < NCAT; i++)
		n += (size_t)snprintf(j + n, cap - n, "%s{\"name\":\"%s\"}", i ? "," : "", cats[i]);
	n += (size_t)snprintf(j + n, cap - n, "],\"entries\":[");
	while (made < GEN_CODES) {
		unsigned nw = 1 + gen_rand(3), w;
		uint64_t h = 1469598103934665603ull;
		size_t s, k;
		k = (size_t)snprintf(code, sizeof(code), "%s.", cats[gen_rand(NCAT)]);
		for (w = 0; w < nw; w++)
			k += (size_t)snprintf(code + k, sizeof(code) - k, "%s%s", w ? "_" : "", words[gen_rand(NWORD)]);
		for (s = 0; s < k; s++)
			h = (h ^ (unsigned char)code[s]) * 1099511628211ull;
		h |= 1;
		for (s = h & (nslots - 1); seen[s] != 0 && seen[s] != h; s = (s + 1) & (nslots - 1))
			;
		if (seen[s] == h)
			continue;	/* made before (or a hash twin: one code fewer to try) */
		seen[s] = h;
		made++;
		n += (size_t)snprintf(j + n, cap - n, "%s{\"code\":\"%s\",\"id\":%u,\"description\":\"Generated code "
		    "number %u of the benchmark\",\"status\":\"active\"}", made > 1 ? "," : "", code, made, made);
	}
	n += (size_t)snprintf(j + n, cap - n, "]}\n");
	free(seen);
	*len = n;
	return j;
}

static double
cpu_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

/* Load the generated set @runs times: the median time, and keep one. */
static int
measure_load(const char *json, size_t len, int runs, int quiet)
{
	double wall[64], cpu[64];
	cb_codeset *cs = NULL;
	int k;

	for (k = 0; k < runs; k++) {
		double t0 = now_ns(), c0 = cpu_ns();
		cb_codeset_free(cs);
		cs = NULL;
		if (cb_codeset_load_buffer(&cs, json, len, GEN_SET) != CB_OK) {
			fprintf(stderr, "bench_check: %s\n", cb_errmsg());
			return -1;
		}
		wall[k] = now_ns() - t0;
		cpu[k] = cpu_ns() - c0;
	}
	qsort(wall, (size_t)runs, sizeof(wall[0]), by_value);
	qsort(cpu, (size_t)runs, sizeof(cpu[0]), by_value);
	if (!quiet)
		printf("load %s: %zu codes, %.1f MB of JSON: %.1f ms (min %.1f), %.1f ms of CPU; median of %d\n",
		    GEN_SET, cb_codeset_entry_count(cs), (double)len / 1e6, wall[runs / 2] / 1e6, wall[0] / 1e6,
		    cpu[runs / 2] / 1e6, runs);
	gen_set = cs;
	return 0;
}

int
main(int argc, char **argv)
{
	const char *dir = CB_SOURCE_DIR "/catalogs", *only = NULL;
	char *json;
	size_t jlen;
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
	if ((json = gen_json(&jlen)) == NULL) {
		fprintf(stderr, "bench_check: out of memory\n");
		return 1;
	}
	if (measure_load(json, jlen, only != NULL ? 1 : runs, only != NULL) != 0)
		return 1;
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
		cb_codeset_free(gen_set);
		free(json);
		return 0;
	}
	printf("libcodebook %s, static; median of %d runs of a fixed number of checks, four inputs in rotation\n",
	    cb_version(), runs);
	printf("%-2s %-26s %-22s %10s %10s  %s\n", "", "case", "set", "checks", "ns/check", "(min .. max)");
	for (i = 0; i < NCASES; i++)
		measure(i, runs, scale);
	cb_catalog_free(cat);
	cb_codeset_free(gen_set);
	free(json);
	return 0;
}
