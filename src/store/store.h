/*
 * store.h - codebook's storage: one SQLite file (WAL) holding the published
 * versions of every code set, the API keys (hashes only), incident reasons
 * and outbound events.  It knows nothing of HTTP; the service and the CLI
 * (codebook keys) call it.  docs/internals/store.md explains the schema and
 * the locking.
 *
 * Conventions as in libcodebook: functions return CB_OK or a negative
 * cb_err and explain failures through cb_errmsg(); outputs come first.  A
 * cb_store may be used from any number of threads: every call takes a
 * connection from a small pool, and every call that writes is one
 * transaction, committed durably (synchronous=FULL) before it returns.
 */
#ifndef CB_STORE_H
#define CB_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <codebook.h>

typedef struct cb_store cb_store;

/** Schema version this build migrates to. */
#define CB_STORE_SCHEMA_VERSION 1

/**
 * Open (creating when absent) the database at @p path and migrate its
 * schema to CB_STORE_SCHEMA_VERSION.  @p nreaders read connections are
 * opened besides the one writer (0 is allowed: reads then share the writer).
 *
 * @param[out] out on CB_OK, the store; close with cb_store_close().
 * @return CB_OK; CB_EIO when the file cannot be opened or is not a codebook
 *         database; CB_EINVAL when its schema is newer than this build.
 */
int cb_store_open(cb_store **out, const char *path, unsigned nreaders);
/** NULL is a no-op. */
void cb_store_close(cb_store *st);
/** The schema version found in the file after migration. */
int cb_store_schema_version(const cb_store *st);

/* ---- code-set versions ---------------------------------------------- */

/** One stored version of a code set.  Strings are owned by the struct. */
typedef struct {
	char   *name;
	int     version;
	char   *body;          /**< canonical JSON (cb_codeset_to_json), NUL-terminated */
	size_t  body_len;
	char    etag[80];      /**< "\"sha256:<hex>\"", a strong entity tag */
	char    published_at[32];
	char    source[16];    /**< "catalog" or "api" */
	char    published_by[64]; /**< key name for "api"; file name for "catalog" */
} cb_store_setver;

/** Release the strings of @p v (the struct itself is the caller's). */
void cb_store_setver_clear(cb_store_setver *v);

/** Latest version of set @p name.  CB_ENOTFOUND when none is stored. */
int cb_store_set_latest(cb_store *st, const char *name, cb_store_setver *out);
/** Version @p version of set @p name.  CB_ENOTFOUND when absent. */
int cb_store_set_get(cb_store *st, const char *name, int version, cb_store_setver *out);

/**
 * Store a new version.  @p body is the canonical JSON of the set; the ETag
 * is computed here.  CB_EINVAL (nothing stored) when that version exists.
 */
int cb_store_set_put(cb_store *st, const char *name, int version,
    const char *body, size_t len, const char *source, const char *by);

/** Called per row by the listing functions; a non-zero return stops. */
typedef int (*cb_store_setver_fn)(void *arg, const cb_store_setver *v);
/** Every stored version of @p name (body NULL), oldest first. */
int cb_store_set_versions(cb_store *st, const char *name, cb_store_setver_fn fn, void *arg);
/** The latest version of every stored set (body included), by name. */
int cb_store_set_each_latest(cb_store *st, cb_store_setver_fn fn, void *arg);

/** "\"sha256:<hex>\"" of @p len bytes at @p p, into @p out (80 bytes). */
void cb_store_etag(char out[80], const void *p, size_t len);

/* ---- API keys --------------------------------------------------------- */

#define CB_KEY_NAME_MAX 64

/**
 * Create key @p name and return the secret, once, in @p secret (NUL-
 * terminated, CB_KEY_SECRET_LEN chars).  Only its SHA-256 is stored.
 * CB_EINVAL when the name is taken or not [A-Za-z0-9_.-]{1,64}.
 */
#define CB_KEY_SECRET_LEN 56
int cb_store_key_add(cb_store *st, const char *name, char secret[CB_KEY_SECRET_LEN + 1]);
/** Revoke key @p name.  CB_ENOTFOUND when there is no active key so named. */
int cb_store_key_revoke(cb_store *st, const char *name);
/**
 * Authenticate @p secret (length @p len).  On CB_OK the key's name is in
 * @p name.  CB_ENOTFOUND for an unknown or revoked key.  The hashes are
 * compared in constant time.
 */
int cb_store_key_verify(cb_store *st, const char *secret, size_t len,
    char name[CB_KEY_NAME_MAX + 1]);

typedef struct {
	const char *name, *key_id, *created_at, *revoked_at; /* revoked_at NULL if active */
} cb_store_key;
typedef int (*cb_store_key_fn)(void *arg, const cb_store_key *k);
int cb_store_key_each(cb_store *st, cb_store_key_fn fn, void *arg);

/* ---- records: incidents and events ------------------------------------ */

/**
 * A kind of record (incidents, events), described by data: the service
 * validates the fields a client sends, the store keeps them in a table of
 * the same columns.  Field 0 is the record's idempotency key.
 */
typedef enum { CB_REC_INCIDENT = 0, CB_REC_EVENT, CB_REC_KIND_COUNT } cb_rec_kind;

#define CB_REC_MAX_FIELDS 12

typedef struct {
	const char *name;        /* "incident" */
	const char *plural;      /* "incidents" */
	const char *code_set;    /* the set reason_code is checked against */
	const char *context_dim; /* a field passed to the check as context, or NULL */
	size_t      nfields;     /* client fields */
	const char *fields[CB_REC_MAX_FIELDS];
	unsigned    required;    /* bit i: fields[i] is required */
	unsigned    nullable;    /* bit i: fields[i] may be null */
	unsigned    filters;     /* bit i: GET ?fields[i]= filters on it */
	const char *group_by[4]; /* allowed report groupings (field names or "category") */
} cb_rec_desc;

const cb_rec_desc *cb_rec_describe(cb_rec_kind k);
/** Index of field @p name in @p d, or -1. */
int cb_rec_field_index(const cb_rec_desc *d, const char *name);

/**
 * One record: values of the client fields (NULL when absent/null), plus
 * what the check found (category, set version).  On listing, seq and
 * received_at are filled too.
 */
typedef struct {
	const char *v[CB_REC_MAX_FIELDS];
	size_t      len[CB_REC_MAX_FIELDS];
	const char *category;
	int         set_version;
	int64_t     time_us;     /* occurred_at as microseconds since 1970 (filters sort by it) */
	int64_t     seq;
	const char *received_at;
} cb_rec;

typedef enum { CB_REC_CREATED = 0, CB_REC_UNCHANGED, CB_REC_CONFLICT } cb_rec_status;

/**
 * Insert @p n records in one transaction.  A record whose key exists is
 * compared with the stored one: equal is CB_REC_UNCHANGED, different is
 * CB_REC_CONFLICT.  When any record conflicts nothing is stored, and
 * *nconflicts says how many did.  @p status (n entries) gets each verdict.
 * @p request_id is kept with new rows (may be NULL).
 */
int cb_store_rec_insert(cb_store *st, cb_rec_kind k, const cb_rec *recs, size_t n,
    const char *request_id, cb_rec_status *status, size_t *nconflicts);

/** Filters of a listing or report: field values (NULL = any), time range. */
typedef struct {
	const char *eq[CB_REC_MAX_FIELDS];
	const char *category;
	int         has_since, has_until;
	int64_t     since_us, until_us; /* occurred_at >= since, < until (microseconds) */
	int64_t     after_seq;      /* paging cursor: rows with seq > this */
	unsigned    limit;
} cb_rec_filter;

typedef int (*cb_rec_fn)(void *arg, const cb_rec *r);
/** Rows matching @p f in seq order, at most f->limit. */
int cb_store_rec_list(cb_store *st, cb_rec_kind k, const cb_rec_filter *f,
    cb_rec_fn fn, void *arg);

/** One group of a report: the key, a reason code within it, the count. */
typedef int (*cb_rec_group_fn)(void *arg, const char *key, const char *code,
    const char *category, int64_t count);
/**
 * Counts of rows matching @p f grouped by @p group (a field name or
 * "category") and reason_code, in key order.  CB_EINVAL for a grouping the
 * kind does not offer.
 */
int cb_store_rec_report(cb_store *st, cb_rec_kind k, const char *group,
    const cb_rec_filter *f, cb_rec_group_fn fn, void *arg);

/** Number of rows of kind @p k (tests and metrics). */
int cb_store_rec_count(cb_store *st, cb_rec_kind k, int64_t *out);

#endif
