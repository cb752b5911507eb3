/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sq_fault.c - the "cbfault" VFS (sq_fault.h): a pass-through wrapper of
 * the default VFS whose reads, writes and syncs fail on demand.  The unit
 * tests use it to prove the error classes of the transaction helper: a
 * failed sync during COMMIT is CB_EUNKNOWN (the transaction may be on
 * disk), a failed write before it CB_EIO (nothing stored).
 */
#include "sq_fault.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <codebook.h>

struct ffile {
	sqlite3_file  base;
	sqlite3_file *real;         /* the default VFS's file, allocated just after */
	int           main_db;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static enum sq_fault_op armed_op;
static int armed_skip, armed_count, armed_err, armed_main_only, hits;
static sqlite3_vfs *real_vfs;
static sqlite3_vfs fault_vfs;
static int registered;
static const char *ctl_path;	/* cbfault_ctl (test builds) */
#ifdef CB_FAULT_INJECTION
static char ctl_buf[4096];
#endif

static void arm_locked(enum sq_fault_op op, int skip, int count, int err, int main_only);
static void read_ctl_locked(void);

/* 0: let the call through; else the error to return. */
static int
fault(const struct ffile *f, enum sq_fault_op op)
{
	int err = 0;

	pthread_mutex_lock(&mu);
	if (ctl_path != NULL)
		read_ctl_locked();
	if (armed_op == op && armed_count > 0 && (!armed_main_only || f->main_db)) {
		if (armed_skip > 0)
			armed_skip--;
		else {
			armed_count--;
			hits++;
			err = armed_err;
		}
	}
	pthread_mutex_unlock(&mu);
	return err;
}

static void
arm_locked(enum sq_fault_op op, int skip, int count, int err, int main_only)
{
	armed_op = op;
	armed_skip = skip;
	armed_count = count;
	armed_err = err;
	armed_main_only = main_only;
	hits = 0;
}

void
sq__fault_arm(enum sq_fault_op op, int skip, int count, int err, int main_only)
{
	pthread_mutex_lock(&mu);
	arm_locked(op, skip, count, err, main_only);
	pthread_mutex_unlock(&mu);
}

/* Arm from the control file when there is one (then delete it). */
static void
read_ctl_locked(void)
{
	static const struct { const char *name; enum sq_fault_op op; int err; } ops[] = {
		{ "fsync", SQ_FAULT_SYNC, SQLITE_IOERR_FSYNC }, { "write", SQ_FAULT_WRITE, SQLITE_IOERR_WRITE },
		{ "full", SQ_FAULT_WRITE, SQLITE_FULL }, { "read", SQ_FAULT_READ, SQLITE_IOERR_READ },
	};
	char line[128], op[16] = "", where[16] = "";
	int skip = 0, count = 0, n;
	size_t i;
	FILE *fp;

	if (access(ctl_path, F_OK) != 0 || (fp = fopen(ctl_path, "r")) == NULL)
		return;
	n = fgets(line, sizeof(line), fp) != NULL ? sscanf(line, "%15s %d %d %15s", op, &skip, &count, where) : 0;
	fclose(fp);
	(void)unlink(ctl_path);
	for (i = 0; n >= 3 && i < sizeof(ops) / sizeof(ops[0]); i++)
		if (strcmp(op, ops[i].name) == 0) {
			arm_locked(ops[i].op, skip, count, ops[i].err, n == 4 && strcmp(where, "main") == 0);
			return;
		}
	arm_locked(SQ_FAULT_NONE, 0, 0, 0, 0);	/* anything else disarms */
}

void
sq__fault_disarm(void)
{
	pthread_mutex_lock(&mu);
	armed_op = SQ_FAULT_NONE;
	armed_count = 0;
	pthread_mutex_unlock(&mu);
}

int
sq__fault_hits(void)
{
	int n;

	pthread_mutex_lock(&mu);
	n = hits;
	pthread_mutex_unlock(&mu);
	return n;
}

/* ---- the file methods: each passes to the real file ------------------- */

#define REAL(p) (((struct ffile *)(p))->real)

static int
f_close(sqlite3_file *p)
{
	return REAL(p)->pMethods->xClose(REAL(p));
}

static int
f_read(sqlite3_file *p, void *buf, int n, sqlite3_int64 off)
{
	int err = fault((struct ffile *)p, SQ_FAULT_READ);

	return err ? err : REAL(p)->pMethods->xRead(REAL(p), buf, n, off);
}

static int
f_write(sqlite3_file *p, const void *buf, int n, sqlite3_int64 off)
{
	int err = fault((struct ffile *)p, SQ_FAULT_WRITE);

	return err ? err : REAL(p)->pMethods->xWrite(REAL(p), buf, n, off);
}

static int
f_truncate(sqlite3_file *p, sqlite3_int64 size)
{
	return REAL(p)->pMethods->xTruncate(REAL(p), size);
}

static int
f_sync(sqlite3_file *p, int flags)
{
	int err = fault((struct ffile *)p, SQ_FAULT_SYNC);

	return err ? err : REAL(p)->pMethods->xSync(REAL(p), flags);
}

static int
f_size(sqlite3_file *p, sqlite3_int64 *size)
{
	return REAL(p)->pMethods->xFileSize(REAL(p), size);
}

static int
f_lock(sqlite3_file *p, int lock)
{
	return REAL(p)->pMethods->xLock(REAL(p), lock);
}

static int
f_unlock(sqlite3_file *p, int lock)
{
	return REAL(p)->pMethods->xUnlock(REAL(p), lock);
}

static int
f_check_reserved(sqlite3_file *p, int *out)
{
	return REAL(p)->pMethods->xCheckReservedLock(REAL(p), out);
}

static int
f_control(sqlite3_file *p, int op, void *arg)
{
	return REAL(p)->pMethods->xFileControl(REAL(p), op, arg);
}

static int
f_sector(sqlite3_file *p)
{
	return REAL(p)->pMethods->xSectorSize(REAL(p));
}

static int
f_device(sqlite3_file *p)
{
	return REAL(p)->pMethods->xDeviceCharacteristics(REAL(p));
}

static int
f_shm_map(sqlite3_file *p, int region, int size, int extend, void volatile **out)
{
	return REAL(p)->pMethods->xShmMap(REAL(p), region, size, extend, out);
}

static int
f_shm_lock(sqlite3_file *p, int off, int n, int flags)
{
	return REAL(p)->pMethods->xShmLock(REAL(p), off, n, flags);
}

static void
f_shm_barrier(sqlite3_file *p)
{
	REAL(p)->pMethods->xShmBarrier(REAL(p));
}

static int
f_shm_unmap(sqlite3_file *p, int del)
{
	return REAL(p)->pMethods->xShmUnmap(REAL(p), del);
}

static int
f_fetch(sqlite3_file *p, sqlite3_int64 off, int n, void **out)
{
	return REAL(p)->pMethods->xFetch(REAL(p), off, n, out);
}

static int
f_unfetch(sqlite3_file *p, sqlite3_int64 off, void *ptr)
{
	return REAL(p)->pMethods->xUnfetch(REAL(p), off, ptr);
}

static const sqlite3_io_methods fault_io = {
	3, f_close, f_read, f_write, f_truncate, f_sync, f_size, f_lock, f_unlock, f_check_reserved,
	f_control, f_sector, f_device, f_shm_map, f_shm_lock, f_shm_barrier, f_shm_unmap, f_fetch,
	f_unfetch,
};

/* ---- the VFS: open wraps; everything else is the default VFS's -------- */

static int
v_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags, int *out_flags)
{
	struct ffile *f = (struct ffile *)file;
	int rc;

	(void)vfs;
	f->real = (sqlite3_file *)(f + 1);
	f->main_db = (flags & SQLITE_OPEN_MAIN_DB) != 0;
	rc = real_vfs->xOpen(real_vfs, name, f->real, flags, out_flags);
	/* the default VFS's methods are version 3: ours may stand for them */
	f->base.pMethods = f->real->pMethods != NULL ? &fault_io : NULL;
	return rc;
}

static int
v_delete(sqlite3_vfs *vfs, const char *name, int sync_dir)
{
	(void)vfs;
	return real_vfs->xDelete(real_vfs, name, sync_dir);
}

static int
v_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
	(void)vfs;
	return real_vfs->xAccess(real_vfs, name, flags, out);
}

static int
v_fullpath(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
	(void)vfs;
	return real_vfs->xFullPathname(real_vfs, name, n, out);
}

static void *
v_dlopen(sqlite3_vfs *vfs, const char *name)
{
	(void)vfs;
	return real_vfs->xDlOpen(real_vfs, name);
}

static void
v_dlerror(sqlite3_vfs *vfs, int n, char *out)
{
	(void)vfs;
	real_vfs->xDlError(real_vfs, n, out);
}

static void (*v_dlsym(sqlite3_vfs *vfs, void *h, const char *sym))(void)
{
	(void)vfs;
	return real_vfs->xDlSym(real_vfs, h, sym);
}

static void
v_dlclose(sqlite3_vfs *vfs, void *h)
{
	(void)vfs;
	real_vfs->xDlClose(real_vfs, h);
}

static int
v_random(sqlite3_vfs *vfs, int n, char *out)
{
	(void)vfs;
	return real_vfs->xRandomness(real_vfs, n, out);
}

static int
v_sleep(sqlite3_vfs *vfs, int us)
{
	(void)vfs;
	return real_vfs->xSleep(real_vfs, us);
}

static int
v_time(sqlite3_vfs *vfs, double *out)
{
	(void)vfs;
	return real_vfs->xCurrentTime(real_vfs, out);
}

static int
v_lasterror(sqlite3_vfs *vfs, int n, char *out)
{
	(void)vfs;
	return real_vfs->xGetLastError(real_vfs, n, out);
}

static int
v_time64(sqlite3_vfs *vfs, sqlite3_int64 *out)
{
	(void)vfs;
	return real_vfs->xCurrentTimeInt64(real_vfs, out);
}

int
sq__fault_register(void)
{
	int rc = CB_OK;

	pthread_mutex_lock(&mu);
	if (registered)
		goto out;
	if ((real_vfs = sqlite3_vfs_find(NULL)) == NULL || real_vfs->iVersion < 2) {
		rc = CB_ERROR;
		goto out;
	}
	fault_vfs = (sqlite3_vfs){
		.iVersion = 2,
		.szOsFile = (int)sizeof(struct ffile) + real_vfs->szOsFile,
		.mxPathname = real_vfs->mxPathname,
		.zName = "cbfault",
		.xOpen = v_open, .xDelete = v_delete, .xAccess = v_access, .xFullPathname = v_fullpath,
		.xDlOpen = v_dlopen, .xDlError = v_dlerror, .xDlSym = v_dlsym, .xDlClose = v_dlclose,
		.xRandomness = v_random, .xSleep = v_sleep, .xCurrentTime = v_time,
		.xGetLastError = v_lasterror, .xCurrentTimeInt64 = v_time64,
	};
	if (sqlite3_vfs_register(&fault_vfs, 0) != SQLITE_OK)
		rc = CB_ERROR;
	else
		registered = 1;
out:
	pthread_mutex_unlock(&mu);
	return rc;
}

#ifdef CB_FAULT_INJECTION
int
sq__fault_from_uri(const char *conn)
{
	const char *q = strchr(conn, '?'), *p;
	size_t n;

	if (strncmp(conn, "file:", 5) != 0 || q == NULL)
		return 0;
	for (p = q; (p = strstr(p + 1, "cbfault_ctl=")) != NULL;)
		if (p[-1] == '?' || p[-1] == '&')
			break;
	if (p == NULL)
		return 0;
	p += strlen("cbfault_ctl=");
	if ((n = strcspn(p, "&#")) == 0 || n >= sizeof(ctl_buf))
		return CB_ERROR;
	if (sq__fault_register() != CB_OK)
		return CB_ERROR;
	pthread_mutex_lock(&mu);
	memcpy(ctl_buf, p, n);
	ctl_buf[n] = '\0';
	ctl_path = ctl_buf;
	pthread_mutex_unlock(&mu);
	return 1;
}
#endif
