/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sq_fault.h - a fault-injecting SQLite VFS, for tests of what the store
 * answers when the disk fails: "cbfault" passes every call to the default
 * VFS and fails the ones it is armed for.  A database uses it when opened
 * as file:PATH?vfs=cbfault after sq__fault_register().  It costs nothing to
 * databases that do not name it.
 */
#ifndef CB_SQ_FAULT_H
#define CB_SQ_FAULT_H

enum sq_fault_op { SQ_FAULT_NONE = 0, SQ_FAULT_READ, SQ_FAULT_WRITE, SQ_FAULT_SYNC };

/* Register the VFS (once; later calls do nothing).  CB_OK or CB_ERROR. */
int sq__fault_register(void);

/*
 * From now on, let @skip calls of @op through, then fail the next @count
 * with SQLite result @err (SQLITE_IOERR_FSYNC, SQLITE_FULL...); later calls
 * pass again.  @main_only: count and fail only calls on main database
 * files (not on journals or the WAL).  Replaces any earlier arming.
 */
void sq__fault_arm(enum sq_fault_op op, int skip, int count, int err, int main_only);
/* Stop failing. */
void sq__fault_disarm(void);
/* How many calls failed since the last arming. */
int sq__fault_hits(void);

#ifdef CB_FAULT_INJECTION
/*
 * Test builds only (cmake -DCB_FAULT_INJECTION=ON; never in a release),
 * so that tests of the real binary can fail its disk from outside: a
 * database opened as file:PATH?vfs=cbfault&cbfault_ctl=CTL registers the
 * VFS, and whenever the file CTL exists it is read, then deleted, and arms
 * the VFS: one line "OP SKIP COUNT [main]", OP one of fsync, write, full
 * (a write failing with SQLITE_FULL), read; "main" to count only the main
 * database file (not the WAL).  @conn is the --db value.  Returns 1 when
 * it names a control file (the caller logs it), 0 when not, CB_ERROR.
 */
int sq__fault_from_uri(const char *conn);
#endif

#endif
