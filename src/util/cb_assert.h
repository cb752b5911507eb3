/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cb_assert.h - two kinds of internal check (SQLite's assert/NEVER,
 * libgit2's assert_safe): neither is for arguments from a caller of the
 * library, which are always checked and refused with CB_EINVAL.
 *
 *   CB_ASSERT(x)  an invariant the code relies on.  Checked in debug, CI,
 *                 sanitizer and fuzz builds (CB_DEBUG, or no NDEBUG); gone
 *                 in release builds.
 *   CB_NEVER(x)   a condition that cannot happen, with code to survive it
 *                 anyway: `if (CB_NEVER(i >= n)) return CB_ERROR;`.  Debug
 *                 builds abort when it holds; release builds take the branch,
 *                 so a library bug fails one call instead of its host.
 */
#ifndef CB_UTIL_ASSERT_H
#define CB_UTIL_ASSERT_H

#if defined(CB_DEBUG) || !defined(NDEBUG)
# include <stdio.h>
# include <stdlib.h>

static inline int __attribute__((noreturn, cold))
cb__assert_fail(const char *what, const char *expr, const char *file, int line)
{
	fprintf(stderr, "%s:%d: %s(%s) failed\n", file, line, what, expr);
	abort();
}

# define CB_ASSERT(x) ((x) ? (void)0 : (void)cb__assert_fail("CB_ASSERT", #x, __FILE__, __LINE__))
# define CB_NEVER(x)  ((x) ? cb__assert_fail("CB_NEVER", #x, __FILE__, __LINE__) : 0)
#else
# define CB_ASSERT(x) ((void)sizeof(!(x)))
# define CB_NEVER(x)  (__builtin_expect(!!(x), 0))
#endif

#endif
