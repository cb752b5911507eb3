/* SPDX-License-Identifier: Apache-2.0 */
/*
 * codebook/common.h - export macros, error codes, versions and the
 * per-thread error message shared by every libcodebook module.
 */
#ifndef CODEBOOK_COMMON_H
#define CODEBOOK_COMMON_H

#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
# define CB_EXTERN extern __attribute__((visibility("default")))
#else
# define CB_EXTERN extern
#endif

#ifdef __cplusplus
# define CB_BEGIN_DECLS extern "C" {
# define CB_END_DECLS   }
#else
# define CB_BEGIN_DECLS
# define CB_END_DECLS
#endif

/*
 * The version of these headers.  A program checks at run time that the
 * library it loaded implements them with CB_VERSION_CHECK()
 * (docs/library.md, "Versions and the SOVERSION").
 */
#define CB_VERSION_MAJOR 1
#define CB_VERSION_MINOR 0
#define CB_VERSION_PATCH 0
#define CB_VERSION_STRING "1.0.0"
/** 0xMMmmpp: one number that compares in release order (1.0.0 is 0x010000). */
#define CB_VERSION_NUMBER ((CB_VERSION_MAJOR << 16) | (CB_VERSION_MINOR << 8) | CB_VERSION_PATCH)

/*
 * Structs that the caller allocates and the library fills or reads carry a
 * version as their first member, so that they can grow without breaking
 * programs built against older headers (docs/library.md, "Versioned
 * structs").  Initialise them with their *_INIT macro; the library refuses
 * a version it does not know with CB_EINVAL.
 */
#ifdef __cplusplus
/* C++ before C++20 has no designated initialisers: a value-initialised
 * struct with its version set. */
extern "C++" {
template <typename T> inline T cb__versioned(unsigned v) { T t = T(); t.version = v; return t; }
}
# define CB__VERSIONED(type, v) cb__versioned<type>(v)
#else
# define CB__VERSIONED(type, v) { .version = (v) }
#endif

CB_BEGIN_DECLS

/**
 * Return codes of every libcodebook function that can fail: 0 on success,
 * a negative value otherwise.  cb_errmsg() explains the most recent failure
 * on the calling thread.  The class tells a caller what it can do about
 * the failure; the values never change.
 */
typedef enum {
	CB_OK = 0,
	/** An internal invariant did not hold: a bug in the library (report it). */
	CB_ERROR = -1,
	/** Out of memory.  Nothing was changed; the call may be repeated. */
	CB_ENOMEM = -2,
	/** The caller broke a function's contract: a NULL or out-of-range
	 * argument, or a struct whose version this library does not know. */
	CB_EINVAL = -3,
	/** No such file, set, dimension or entry. */
	CB_ENOTFOUND = -4,
	/** Input exceeds a limit of docs/limits.md (a size, a count, a length). */
	CB_ETOOBIG = -5,
	/** Malformed input: JSON syntax, or content that is not a valid code set
	 * (a duplicate code, an undeclared category ...), whether it came from a
	 * file or from a cb_builder. */
	CB_EPARSE = -6,
	/** Reading or writing a file or the database failed. */
	CB_EIO = -7,
	/** Exists already, or changed since it was read (e.g. a concurrent publish). */
	CB_ECONFLICT = -8,
	/** A peer or the database is unreachable or busy; nothing was done, retry later. */
	CB_EUNAVAIL = -9,
	/** A write's outcome is unknown (failed during commit): retry with the same id. */
	CB_EUNKNOWN = -10
} cb_err;

/** The most negative cb_err (for tables indexed by -err). */
#define CB_ERR_LAST CB_EUNKNOWN

/**
 * The message for this thread's most recent failure, e.g.
 * "catalogs/x.json:12:5: entries[3].category: expected a string".
 * Never NULL; owned by the library; overwritten by the next failing call.
 */
CB_EXTERN const char *cb_errmsg(void);

/** Short name of an error code ("CB_EPARSE"). Never NULL. */
CB_EXTERN const char *cb_strerror(int err);

/** Release memory that a libcodebook function documented as "free with cb_free". NULL is a no-op. */
CB_EXTERN void cb_free(void *p);

/** The version of the library loaded at run time, e.g. "1.0.0". */
CB_EXTERN const char *cb_version(void);

/** The loaded library's version as a CB_VERSION_NUMBER (0xMMmmpp). */
CB_EXTERN unsigned cb_version_number(void);

/**
 * 1 when the loaded library implements the API of version @p major.@p minor:
 * the same major version and at least that minor version; else 0.
 * CB_VERSION_CHECK() asks it about the headers a program was compiled with.
 */
CB_EXTERN int cb_version_check(unsigned major, unsigned minor);
#define CB_VERSION_CHECK() cb_version_check(CB_VERSION_MAJOR, CB_VERSION_MINOR)

CB_END_DECLS

#endif
