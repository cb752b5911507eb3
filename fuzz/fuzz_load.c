/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_load.c - the code-set loader and lint on arbitrary bytes: they must
 * either load or fail with a message, never crash, leak or hang.  What
 * loads must serialise, reload to an equal document, and export.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <codebook.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cb_codeset *cs = NULL, *again = NULL;
	cb_report *r = NULL;
	char *json = NULL, *json2 = NULL, *doc = NULL;
	size_t len = 0, len2 = 0, dlen;
	int f;

	if (cb_lint_buffer(&r, (const char *)data, size, "fuzz") == CB_OK)
		cb_report_free(r);
	if (cb_codeset_load_buffer(&cs, (const char *)data, size, "fuzz") != CB_OK)
		return 0;
	if (cb_codeset_to_json(&json, &len, cs) != CB_OK)
		abort();
	if (cb_codeset_load_buffer(&again, json, len, "reload") != CB_OK)
		abort();	/* what we write we must read */
	if (cb_codeset_to_json(&json2, &len2, again) != CB_OK || len != len2 || memcmp(json, json2, len) != 0)
		abort();	/* serialisation is canonical */
	for (f = CB_EXPORT_JSONSCHEMA; f <= CB_EXPORT_CSV; f++) {
		if (cb_export(&doc, &dlen, cs, (cb_export_format)f) != CB_OK)
			abort();
		cb_free(doc);
	}
	cb_free(json);
	cb_free(json2);
	cb_codeset_free(again);
	cb_codeset_free(cs);
	return 0;
}
