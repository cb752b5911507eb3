/* SPDX-License-Identifier: Apache-2.0 */
/*
 * err.h - the one error setter of every module: a call that fails records
 * why in this thread's message (libgit2's git_error_last model) and returns
 * its negative cb_err code in one step.  libcodebook's public cb_errmsg()
 * returns the same message, so a failure anywhere below the CLI or the
 * service explains itself the same way.
 */
#ifndef CB_UTIL_ERR_H
#define CB_UTIL_ERR_H

/* Record the message (printf-style) and return @code. */
int cb__fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* As cb__fail, appending ": strerror(errno)" of the errno at the call. */
int cb__fail_errno(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* This thread's most recent message; never NULL ("no error" at first). */
const char *cb__errmsg(void);

#endif
