/* SPDX-License-Identifier: Apache-2.0 */
/*
 * helpers.h - shared fixtures of the unit tests.
 */
#ifndef CB_TEST_HELPERS_H
#define CB_TEST_HELPERS_H

#include <codebook.h>

/* A bundled catalog set, loaded once per call (free with cb_codeset_free). */
cb_codeset *load_bundled(const char *name);
/* A set from a JSON text; fails the test when it does not load. */
cb_codeset *load_text(const char *json);
/* Read a file under the source tree into a NUL-terminated buffer (free()). */
char *read_source_file(const char *relpath, size_t *len);

/* @s with every ' turned into ", so JSON reads well in C source.  The result
 * lives in one of 8 static buffers used in turn (no free). */
const char *J(const char *s);
/* Lint a JSON text (after J()) and return the report (cb_report_free). */
cb_report *lint_text(const char *json);
/* The first finding of @rule in @r, or NULL. */
const cb_finding *find_rule(const cb_report *r, const char *rule);
/* How many findings of @rule @r holds. */
size_t count_rule(const cb_report *r, const char *rule);
/* The path of a bundled catalog file, in a static buffer. */
const char *bundled_path(const char *name);

/* Under AddressSanitizer: fail the test if memory has leaked so far;
 * otherwise a no-op.  Call it in the test body, once the test freed what it
 * owns: Criterion ignores LeakSanitizer's verdict at exit and assertions
 * made in a .fini. */
void no_leaks(void);

/* The four bundled catalogs. */
extern const char *const bundled_names[4];

/* A minimal valid set, with %s slots for extra top-level fields and entries. */
#define MINI_SET(extra, entries) \
	"{\"name\":\"mini\",\"title\":\"Mini\",\"version\":1," extra \
	"\"format\":{\"charset\":\"A-Z0-9_\",\"shape\":\"plain\"}," \
	"\"entries\":[" entries "]}"

#endif
