/*
 * codebook/common.h - export macros, error codes and the per-thread error
 * message shared by every libcodebook module.
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

CB_BEGIN_DECLS

#define CB_VERSION_MAJOR 0
#define CB_VERSION_MINOR 1
#define CB_VERSION_PATCH 0
#define CB_VERSION_STRING "0.1.0"

/**
 * Return codes of every libcodebook function that can fail: 0 on success,
 * a negative value otherwise.  cb_errmsg() explains the most recent failure
 * on the calling thread.
 */
typedef enum {
	CB_OK = 0,
	CB_ERROR = -1,      /**< generic failure */
	CB_ENOMEM = -2,     /**< out of memory */
	CB_EINVAL = -3,     /**< invalid argument from the caller */
	CB_ENOTFOUND = -4,  /**< no such set, code or file */
	CB_ETOOBIG = -5,    /**< input exceeds a limit (see docs/limits.md) */
	CB_EPARSE = -6,     /**< malformed input (JSON syntax or code-set format) */
	CB_EIO = -7,        /**< reading or writing a file or the database failed */
	CB_ECONFLICT = -8,  /**< exists already, or changed since it was read (e.g. a concurrent publish) */
	CB_EUNAVAIL = -9,   /**< a peer or the database is unreachable or busy; nothing was done, retry later */
	CB_EUNKNOWN = -10   /**< a write's outcome is unknown (failed during commit): retry with the same id */
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

/** The library version string, e.g. "0.1.0". */
CB_EXTERN const char *cb_version(void);

CB_END_DECLS

#endif
