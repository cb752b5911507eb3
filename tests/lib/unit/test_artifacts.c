/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_artifacts.c - the files seed 002 names are generated from the
 * outbound catalog and must not drift from it: internal-docs/
 * reason-code-taxonomy.md (Markdown) and schemas/reason-code.schema.json
 * (JSON Schema).  internal-docs/README.md says how to regenerate them.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

#define REGENERATE \
	"regenerate from the top of the source tree:\n" \
	"  build/bin/codebook --catalogs catalogs export outbound --format markdown -o internal-docs/reason-code-taxonomy.md\n" \
	"  build/bin/codebook --catalogs catalogs export outbound --format jsonschema -o schemas/reason-code.schema.json"

/* The first line where @a and @b differ (1-based), 0 when they are equal. */
static size_t
first_difference(const char *a, const char *b)
{
	size_t line = 1;

	for (; *a && *a == *b; a++, b++)
		line += *a == '\n';
	return *a == *b ? 0 : line;
}

static void
same_as_generated(const char *file, cb_export_format fmt)
{
	cb_codeset *cs = load_bundled("outbound");
	char *want = NULL, *got;
	size_t n;

	cr_assert_eq(cb_export(&want, NULL, cs, fmt), CB_OK, "%s", cb_errmsg());
	got = read_source_file(file, &n);
	cr_assert_eq(strlen(got), n, "%s holds a NUL", file);
	cr_assert(first_difference(want, got) == 0, "%s differs from catalogs/outbound.json from line %zu on; "
	    REGENERATE, file, first_difference(want, got));
	free(got);
	cb_free(want);
	cb_codeset_free(cs);
}

Test(artifacts, the_taxonomy_is_the_catalogs)
{
	same_as_generated("internal-docs/reason-code-taxonomy.md", CB_EXPORT_MARKDOWN);
}

Test(artifacts, the_json_schema_is_the_catalogs)
{
	same_as_generated("schemas/reason-code.schema.json", CB_EXPORT_JSONSCHEMA);
}

/* The check can fail: a file one byte off is caught, and on which line. */
Test(artifacts, a_changed_line_is_found)
{
	cr_assert_eq(first_difference("a\nb\nc\n", "a\nb\nc\n"), 0);
	cr_assert_eq(first_difference("a\nb\nc\n", "a\nB\nc\n"), 2);
	cr_assert_eq(first_difference("a\nb\n", "a\nb\nc\n"), 3);
	cr_assert_eq(first_difference("", "x"), 1);
}
