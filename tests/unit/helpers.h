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

/* A minimal valid set, with %s slots for extra top-level fields and entries. */
#define MINI_SET(extra, entries) \
	"{\"name\":\"mini\",\"title\":\"Mini\",\"version\":1," extra \
	"\"format\":{\"charset\":\"A-Z0-9_\",\"shape\":\"plain\"}," \
	"\"entries\":[" entries "]}"

#endif
