/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_mapping.c - the mapping parser on arbitrary bytes: a mapping whose
 * links translate back to themselves, or an error with a position, never a
 * crash or a leak.  A parsed mapping is linted against a small set too.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <codebook.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char set_json[] =
    "{\"name\":\"a\",\"title\":\"A\",\"version\":1,\"format\":{\"charset\":\"A-Z\",\"shape\":\"plain\"},"
    "\"entries\":[{\"code\":\"X\",\"id\":1,\"description\":\"x\",\"status\":\"active\",\"since\":1}]}";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static cb_codeset *cs;
	cb_mapping *m = NULL;
	cb_report *r = NULL;
	size_t i, first, n;

	if (cs == NULL && cb_codeset_load_buffer(&cs, set_json, sizeof(set_json) - 1, "fuzz-set") != CB_OK)
		abort();
	(void)cb_mapping_sniff((const char *)data, size);
	if (cb_mapping_load_buffer(&m, (const char *)data, size, "fuzz") != CB_OK) {
		if (m != NULL || strncmp(cb_errmsg(), "fuzz:", 5) != 0)
			abort();	/* every fault names the buffer and where */
		return 0;
	}
	for (i = 0; i < cb_mapping_link_count(m); i++) {
		const cb_mapping_link *l = cb_mapping_link_get(m, i);
		n = cb_mapping_translate(m, l->from, strlen(l->from), &first);
		if (n == 0 || i < first || i >= first + n)
			abort();
		if ((l->to == NULL) != (l->equivalence == CB_EQ_UNMATCHED))
			abort();
	}
	if (cb_mapping_lint(&r, m, cs, cs) != CB_OK)
		abort();
	cb_report_free(r);
	cb_mapping_free(m);
	return 0;
}
