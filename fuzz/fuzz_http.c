/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_http.c - the service's parsers of outside input: the route matcher
 * (method and path), the validation of POST /v1/incidents and /v1/events
 * bodies (with the reason-code check), the check route's body, and RFC 3339
 * normalisation.  Input: one mode byte, then the data.  Checks invariants:
 * an accepted record has every required field and an accepted code; a
 * fault has a problem type; nothing reads outside the input.
 *
 * It links the service's core (cb_svc_core), without libmicrohttpd.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <codebook.h>

#include "store/store.h"
#include "svc/items.h"
#include "svc/problem.h"
#include "svc/route.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static cb_catalog *cat;

static void
fuzz_route(const char *p, size_t n)
{
	char buf[1024], *path;
	struct svc_match m;
	unsigned allow;
	size_t i, len;
	int r;

	if (n >= sizeof(buf))
		n = sizeof(buf) - 1;
	memcpy(buf, p, n);
	buf[n] = '\0';
	path = memchr(buf, ' ', n);
	path = path ? (*path = '\0', path + 1) : buf + n;
	r = svc_route_match(path, svc_method_parse(buf), &m, &allow);
	if (r >= 0) {
		if ((size_t)r >= svc_nroutes)
			abort();
		for (i = 0; i < m.n; i++)
			if (m.val_len[i] == 0 || m.val[i] < path || m.val[i] + m.val_len[i] > path + strlen(path))
				abort();
		(void)svc_match_get(&m, "set", &len);
	} else if (r == -2 && allow == 0)
		abort();
}

static void
fuzz_items(cb_rec_kind k, const char *p, size_t n)
{
	const cb_rec_desc *d = cb_rec_describe(k);
	const cb_codeset *cs = cb_catalog_find(cat, d->code_set);
	struct svc_items it;
	size_t i, f;

	if (cs == NULL)
		abort();
	if (svc_items_parse(&it, d, cs, p, n) != CB_OK) {
		svc_items_free(&it);
		return;
	}
	if (it.fault.problem == P_NONE) {
		for (i = 0; i < it.n; i++) {
			cb_check_result r = CB_CHECK_RESULT_INIT;
			for (f = 0; f < d->nfields; f++)
				if ((d->required & (1u << f)) && it.recs[i].v[f] == NULL)
					abort();
			if (it.recs[i].category == NULL)
				abort();
			f = (size_t)cb_rec_field_index(d, "reason_code");
			cb_check(&r, cs, it.recs[i].v[f], it.recs[i].len[f], NULL, 0);
			if (r.reason == CB_INVALID_FORMAT || r.reason == CB_UNKNOWN_CODE ||
			    r.reason == CB_UNKNOWN_CATEGORY)
				abort();	/* an accepted record carries a known code */
		}
	} else if (it.fault.problem == P_INVALID_INPUT && it.nerrors == 0)
		abort();
	svc_items_free(&it);
}

static void
fuzz_checks(const char *p, size_t n)
{
	struct svc_checks c;
	const cb_codeset *cs = cb_catalog_get(cat, n % cb_catalog_count(cat));
	cb_check_result r = CB_CHECK_RESULT_INIT;
	size_t i;

	if (svc_checks_parse(&c, p, n, CB_SVC_MAX_BATCH) == CB_OK && c.fault.problem == P_NONE)
		for (i = 0; i < c.n; i++)
			cb_check(&r, cs, c.items[i].code, c.items[i].code_len, c.items[i].ctx, c.items[i].nctx);
	svc_checks_free(&c);
}

static void
fuzz_time(const char *p, size_t n)
{
	char out[CB_TIME_MAX], again[CB_TIME_MAX];
	const char *why;
	int64_t us, us2;

	if (cb_time_parse(p, n, out, &us, &why)) {
		/* normal form is a fixed point, and names the same instant */
		if (!cb_time_parse(out, strlen(out), again, &us2, &why) || strcmp(out, again) != 0 ||
		    us != us2)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data + 1;

	if (cat == NULL) {
		const char *dir = getenv("CB_CATALOGS");
		if (cb_catalog_load_dir(&cat, dir ? dir : CB_FUZZ_CATALOGS) != CB_OK) {
			fprintf(stderr, "fuzz_http: %s\n", cb_errmsg());
			abort();
		}
	}
	if (size < 1)
		return 0;
	switch (data[0] % 5) {
	case 0: fuzz_route(p, size - 1); break;
	case 1: fuzz_items(CB_REC_INCIDENT, p, size - 1); break;
	case 2: fuzz_items(CB_REC_EVENT, p, size - 1); break;
	case 3: fuzz_checks(p, size - 1); break;
	default: fuzz_time(p, size - 1); break;
	}
	return 0;
}
