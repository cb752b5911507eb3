/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_check.c - cb_check() and cb_decide() on arbitrary codes and context
 * pairs against every bundled set.  Input: set index byte, then
 * "code\0dim\0value\0dim\0value...".  Checks the verdict's invariants.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <codebook.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static cb_catalog *cat;

static uint64_t
fixed_rng(void *state)
{
	return (uint64_t)(uintptr_t)state * 0x9e3779b97f4a7c15ull;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cb_ctx ctx[8];
	size_t nctx = 0, off, n;
	const char *p = (const char *)data;
	const cb_codeset *cs;
	cb_check_result r = CB_CHECK_RESULT_INIT;
	cb_decision d = CB_DECISION_INIT;
	char msg[CB_CHECK_MESSAGE_MAX];
	cb_rng rng = { fixed_rng, (void *)(uintptr_t)size };
	const char *code;
	size_t code_len;

	if (cat == NULL) {
		const char *dir = getenv("CB_CATALOGS");
		if (cb_catalog_load_dir(&cat, dir ? dir : CB_FUZZ_CATALOGS) != CB_OK) {
			fprintf(stderr, "fuzz_check: %s\n", cb_errmsg());
			abort();
		}
	}
	if (size < 1 || cb_catalog_count(cat) == 0)
		return 0;
	cs = cb_catalog_get(cat, data[0] % cb_catalog_count(cat));
	p++;
	size--;
	code = p;
	code_len = strnlen(p, size);
	off = code_len + 1;
	while (off < size && nctx < 8) {
		const char *dim = p + off;
		size_t dl = strnlen(dim, size - off);
		if (off + dl + 1 >= size)
			break;
		const char *val = p + off + dl + 1;
		size_t vl = strnlen(val, size - off - dl - 1);
		ctx[nctx].dim = dim;
		ctx[nctx].dim_len = dl;
		ctx[nctx].value = val;
		ctx[nctx].value_len = vl;
		nctx++;
		off += dl + vl + 2;
	}
	if (cb_check(&r, cs, code, code_len, ctx, nctx) != CB_OK)
		abort();
	if (r.accepted != (r.reason == CB_VALID || (r.reason == CB_DEPRECATED && !cb_codeset_rejects_deprecated(cs))))
		abort();
	if ((r.reason == CB_VALID) != (r.entry != NULL && r.accepted && cb_entry_status(r.entry) == CB_STATUS_ACTIVE))
		abort();
	if (r.nalts > CB_CHECK_MAX_ALTS || cb_check_message(msg, sizeof(msg), &r) != CB_OK ||
	    strlen(msg) >= sizeof(msg) || msg[0] == '\0')
		abort();
	n = cb_format_accepts(cs, code, code_len, NULL);
	if (!n && r.reason != CB_INVALID_FORMAT)
		abort();
	if (cb_decide(&d, cs, code, code_len, ctx, nctx, 1 + (size % 7), &rng) != CB_OK)
		abort();
	if (d.retry && d.attempt >= d.max_attempts)
		abort();
	return 0;
}
