/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store.h - codebook's storage: the published versions of every code set,
 * the API keys (hashes only), incident reasons, outbound events, orders and
 * their refunds.  It knows nothing of HTTP; the service, the orders domain
 * and the CLI (codebook keys, codebook worker) call it.
 * docs/internals/store.md explains the interface, the backends and the
 * schema.
 *
 * A cb_store is a thin dispatcher over a backend (struct cb_store_ops in
 * store_int.h), chosen by the database named at open: a file path selects
 * SQLite (src/store/sqlite), a postgresql:// URL PostgreSQL.  Every backend
 * gives the guarantees this header states.
 *
 * Conventions as in libcodebook: functions return CB_OK or a negative
 * cb_err and explain failures through cb_errmsg(); outputs come first.  A
 * cb_store may be used from any number of threads.  Every call that writes
 * is one transaction, durable when it returns CB_OK.  Failures are
 * classed: CB_EUNAVAIL (the database is busy or unreachable; nothing was
 * done, retry later), CB_ECONFLICT (the write conflicts with what is
 * stored), CB_EIO (the write failed before its commit: nothing was stored),
 * CB_EUNKNOWN (the commit itself failed: the write may or may not be
 * stored; retry it with the same ids, every write is idempotent by them),
 * CB_ENOMEM, and CB_EINVAL for bad arguments.
 */
#ifndef CB_STORE_H
#define CB_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <codebook.h>

typedef struct cb_store cb_store;

/** Schema version this build migrates to. */
#define CB_STORE_SCHEMA_VERSION 8

/**
 * Open the database named by @p db and migrate its schema to
 * CB_STORE_SCHEMA_VERSION.  @p db is a file path (its directory is
 * created), sqlite:PATH, or a file: URI (SQLite's, query parameters
 * included; busy_timeout=MS sets how long a write waits for another
 * process's lock, 5000 by default): these select SQLite, which creates the
 * file when absent.  postgresql:// and postgres:// URLs select PostgreSQL.
 * Any other URL scheme is refused: a file whose name has a colon is
 * written ./NAME.  @p nreaders read connections are opened besides the one
 * writer (0 is allowed: reads then share the writer).
 *
 * @param[out] out on CB_OK, the store; close with cb_store_close().
 * @return CB_OK; CB_EINVAL for a @p db that names no supported database
 *         (cb_errmsg() quotes it, any password masked) or a schema newer
 *         than this build; CB_EIO when the file cannot be opened or is not a
 *         codebook database; CB_EUNAVAIL when it stays locked, or when the
 *         PostgreSQL server cannot be reached or has no such database.
 */
int cb_store_open(cb_store **out, const char *db, unsigned nreaders);
/** NULL is a no-op. */
void cb_store_close(cb_store *st);
/**
 * @p db as it may be shown in logs and messages: the password of a URL
 * (user:PASSWORD@, password=) masked, into @p out (@p size bytes).
 */
void cb_store_db_shown(char *out, size_t size, const char *db);
/** The schema version found in the database after migration. */
int cb_store_schema_version(const cb_store *st);
/** The backend's name: "sqlite" (or "postgresql"). */
const char *cb_store_backend(const cb_store *st);

/**
 * How the writes of this process have fared, for a readiness probe: the
 * dispatcher notes the outcome of every write.  A failure is counted when
 * the database is at fault (CB_EIO, CB_EUNKNOWN, CB_EUNAVAIL), a success
 * when a write returned CB_OK; a refusal (a conflict, nothing due, a lost
 * lease) is neither, since it may have written nothing.
 */
typedef struct {
	int64_t  last_ok_ms;       /**< Unix ms of the last write that committed; 0: none yet */
	int64_t  last_fail_ms;     /**< of the last write the database failed; 0: none */
	int      last_fail_rc;     /**< its cb_err */
	unsigned fails_since_ok;   /**< failures since the last success */
	char     last_fail[256];   /**< its message */
} cb_store_health;

/** A copy of the health record of @p st (thread-safe). */
void cb_store_health_get(cb_store *st, cb_store_health *out);

/* ---- code-set versions ---------------------------------------------- */

/** One stored version of a code set.  Strings are owned by the struct. */
typedef struct {
	char   *name;
	int     version;
	char   *body;          /**< canonical JSON (cb_codeset_to_json), NUL-terminated */
	size_t  body_len;
	char    etag[80];      /**< "\"sha256:<hex>\"", a strong entity tag */
	char    published_at[32];
	char    source[16];    /**< "catalog", "api" or "marketplace" */
	char    published_by[64]; /**< key name for "api"; file name for "catalog" */
	char   *changes;       /**< the changes from the version before, as the gate listed them: a
	                        * JSON array of {rule, severity, subject}; NULL when none were kept */
} cb_store_setver;

/** Release the strings of @p v (the struct itself is the caller's). */
void cb_store_setver_clear(cb_store_setver *v);

/** Latest version of set @p name.  CB_ENOTFOUND when none is stored. */
int cb_store_set_latest(cb_store *st, const char *name, cb_store_setver *out);
/** Version @p version of set @p name.  CB_ENOTFOUND when absent. */
int cb_store_set_get(cb_store *st, const char *name, int version, cb_store_setver *out);

/**
 * Store a new version.  @p body is the canonical JSON of the set; the ETag
 * is computed here.  CB_ECONFLICT (nothing stored) when that version exists.
 */
int cb_store_set_put(cb_store *st, const char *name, int version,
    const char *body, size_t len, const char *source, const char *by);

/*
 * Publishing is a compare-and-swap: the caller's gate judges the proposed
 * version against the latest one stored, read inside the write
 * transaction, so that what it judged cannot change before the write, and
 * every instance sharing the database judges against the same thing.
 */
enum { CB_GATE_PUBLISH = 0, CB_GATE_UNCHANGED = 1, CB_GATE_REFUSE = 2 };

/**
 * The caller's rule on a new version (the service's governance gate), run
 * by cb_store_set_publish() inside its write transaction: @p latest is the
 * latest stored version of the set, body included, or NULL when none is
 * stored.  Returns CB_GATE_PUBLISH (store the proposed version),
 * CB_GATE_UNCHANGED (it is already stored: write nothing) or
 * CB_GATE_REFUSE (write nothing; the gate keeps its reasons in @p arg), or
 * a negative cb_err that fails the publish.  It may run more than once for
 * one publish (after a concurrent one, see below) and must not call the
 * store.
 */
typedef int (*cb_store_set_gate)(void *arg, const cb_store_setver *latest);

/** A proposed version of a set, for cb_store_set_publish(). */
typedef struct {
	const char *name;
	int         version;
	const char *body;          /**< canonical JSON (cb_codeset_to_json) */
	size_t      len;
	const char *source;        /**< "catalog" or "api" */
	const char *by;            /**< may be NULL */
	/** The set-count limit, checked before anything is written: a set not
	 * yet stored is CB_SETPUB_FULL when the stored sets and the reserved
	 * names not yet stored together number @p max_sets.  0: no limit. */
	unsigned    max_sets;
	/** Names that always have room (the bundled sets): never FULL, and
	 * counted whether stored or not.  May be NULL. */
	const char *const *reserved;
	size_t      nreserved;
	cb_store_set_gate gate;    /**< NULL: publish whenever the body differs from the latest */
	void       *gate_arg;
	/** Where the gate leaves the changes it found (a JSON array, kept with
	 * the version: cb_store_setver.changes): *changes is read after the
	 * gate said CB_GATE_PUBLISH.  NULL, or *changes NULL: none kept. */
	char      **changes;
} cb_store_setpub;

typedef enum {
	CB_SETPUB_CREATED = 0,     /* stored as the latest version */
	CB_SETPUB_UNCHANGED,       /* the gate said it is stored already */
	CB_SETPUB_REFUSED,         /* the gate refused it */
	CB_SETPUB_FULL             /* a new set, and no room for it (max_sets) */
} cb_store_setpub_status;

/**
 * Publish @p p->version of set @p p->name in one write transaction: read
 * the latest stored version, check the set-count limit (a new set only),
 * ask the gate, and store the version only when the gate says
 * CB_GATE_PUBLISH.  *status says which.  When another process published
 * the set between the read and the write (a backend that does not
 * serialise writers sees the version's key taken), the publish is tried
 * again with the new latest, a few times, and then fails with
 * CB_ECONFLICT.  Errors are classed as for every write (CB_EUNKNOWN: the
 * commit failed and the version may be stored).
 */
int cb_store_set_publish(cb_store *st, const cb_store_setpub *p, cb_store_setpub_status *status);

/**
 * Wait until the published versions change (a version published by this
 * process or by any other sharing the database) or @p timeout_ms passes.
 * @p serial, in: the value last returned (-1: return at once); out: the
 * current value, which changes whenever a version is published (it is not
 * a version number; compare it only for equality).  One thread at a time
 * may wait (the service's follower).  CB_OK on a change or a timeout
 * (compare *serial); CB_EUNAVAIL when the database cannot be read.
 */
int cb_store_set_watch(cb_store *st, int64_t *serial, unsigned timeout_ms);

/** Called per row by the listing functions; a non-zero return stops. */
typedef int (*cb_store_setver_fn)(void *arg, const cb_store_setver *v);
/** Every stored version of @p name (body NULL), oldest first. */
int cb_store_set_versions(cb_store *st, const char *name, cb_store_setver_fn fn, void *arg);
/**
 * A pinned version of @p name (body included): @p version when it is not
 * 0, else the version in force at @p at_us (the last published at or before
 * it).  CB_ENOTFOUND with a message that names what exists: the latest
 * version, or the first one and when it was published.
 */
int cb_store_set_pinned(cb_store *st, const char *name, int version, int64_t at_us, cb_store_setver *out);
/** The number of the version of @p name in force at @p at_us; CB_ENOTFOUND as above. */
int cb_store_set_in_force(cb_store *st, const char *name, int64_t at_us, int *version);
/** The latest version of every stored set (body included), by name. */
int cb_store_set_each_latest(cb_store *st, cb_store_setver_fn fn, void *arg);

/*
 * Drift seen in traffic: codes of a set that the marketplace client met
 * and the set did not hold (an error code a reply carried, a reason on an
 * order's cancellation), one row per set and code, with how often, when
 * first and last, where last and an example request id.  Candidates for
 * the set's next version (codebook observed, codebook lint --db).
 */
typedef struct {
	const char *set;
	const char *code;
	const char *seen_in;        /**< where it was last met: "POST /api/reverse/order/cancel" */
	int64_t     count;
	const char *first_seen, *last_seen;   /**< RFC 3339 */
	const char *request_id;     /**< the marketplace's request id of the last sighting, or NULL */
} cb_store_obs;

#define CB_STORE_OBS_MAX 1024       /**< bytes of a code, a place, a request id */

/** Note one sighting of @p code, not in set @p set, in one transaction
 * (count + 1, last seen now).  @p request_id may be NULL.  CB_EINVAL for
 * an empty or too long value. */
int cb_store_obs_note(cb_store *st, const char *set, const char *code, const char *seen_in,
    const char *request_id);

typedef int (*cb_store_obs_fn)(void *arg, const cb_store_obs *o);
/** The sightings of @p set by code, at most @p limit (0: 1000). */
int cb_store_obs_list(cb_store *st, const char *set, unsigned limit, cb_store_obs_fn fn, void *arg);

/*
 * Usage evidence (issue 13): how often each code of a set version was
 * checked, stored (in an incident or event) and rejected, and when last
 * seen, one row per set, code and version.  The service counts in memory
 * and adds its counts in batches: an add never overwrites, so several
 * instances on one database sum up.
 */
typedef struct {
	const char *set;
	const char *code;
	int         version;
	int64_t     checked, stored, rejected;
	const char *last_seen;      /**< RFC 3339 UTC ("2026-12-06T11:52:00Z"); the later one is kept */
} cb_store_usage;

#define CB_STORE_USAGE_BATCH 4096   /**< rows of one cb_store_usage_add() at most */

/** Add @p n rows' counts (in one transaction).  CB_EINVAL for a NULL or
 * empty name or code, a negative count, or more than CB_STORE_USAGE_BATCH. */
int cb_store_usage_add(cb_store *st, const cb_store_usage *rows, size_t n);

typedef int (*cb_store_usage_fn)(void *arg, const cb_store_usage *u);
/** The rows of @p set, by code then version. */
int cb_store_usage_list(cb_store *st, const char *set, cb_store_usage_fn fn, void *arg);

/** "\"sha256:<hex>\"" of @p len bytes at @p p, into @p out (80 bytes). */
void cb_store_etag(char out[80], const void *p, size_t len);

/* ---- marketplace shops (issue 12) --------------------------------------- */

#define CB_SHOP_NAME_MAX     64    /**< bytes of a shop's name: A-Z a-z 0-9 . _ - */
#define CB_SHOP_SETTINGS_MAX 4096  /**< bytes of its settings text */
#define CB_SHOP_SECRET_MAX   512   /**< bytes of a key, secret or token */

/**
 * A shop's credentials, as stored (table shops).  The secrets are kept
 * as they are: the marketplace needs them in clear, so a dump of the
 * database holds them (docs/marketplace.md, "Shops and tokens").
 */
typedef struct {
	const char *name;
	const char *settings;          /**< the non-secret configuration: "key = value" lines */
	const char *app_key;
	const char *app_secret;        /**< secret */
	const char *access_token;      /**< secret */
	int64_t     access_expires_at; /**< Unix seconds; 0: not known */
	const char *refresh_token;     /**< secret, or NULL */
	int64_t     refresh_expires_at;
	int64_t     token_version;     /**< 1 when added, + 1 at every change of the tokens */
	const char *attention;         /**< NULL: fine; else why the shop needs a person */
	const char *attention_at;      /**< when it was set, or NULL */
	const char *created_at, *updated_at;
} cb_store_shop;
typedef int (*cb_store_shop_fn)(void *arg, const cb_store_shop *s);

/** Add shop @p s->name.  CB_ECONFLICT when it exists; CB_EINVAL for a bad name or value. */
int cb_store_shop_add(cb_store *st, const cb_store_shop *s);
/** Call @p fn with shop @p name.  CB_ENOTFOUND when there is none. */
int cb_store_shop_get(cb_store *st, const char *name, cb_store_shop_fn fn, void *arg);
/** Call @p fn with every shop, by name. */
int cb_store_shop_each(cb_store *st, cb_store_shop_fn fn, void *arg);
/** Remove shop @p name.  CB_ENOTFOUND when there is none. */
int cb_store_shop_remove(cb_store *st, const char *name);
/**
 * Replace the tokens of shop @p name by those of @p t (access_token and
 * its expiry; refresh_token and its expiry when the refresh token is not
 * NULL; app_secret when not NULL; in one transaction), bump token_version and clear the attention, provided
 * token_version is still @p expect (-1: whatever it is).
 * @return CB_OK; CB_ENOTFOUND; CB_ECONFLICT when the version moved on
 *         (another process changed the tokens first).
 */
int cb_store_shop_tokens(cb_store *st, const char *name, int64_t expect, const cb_store_shop *t);
/** Set (@p text) or clear (NULL) the attention of shop @p name.  CB_ENOTFOUND. */
int cb_store_shop_attention(cb_store *st, const char *name, const char *text);

/* ---- API keys --------------------------------------------------------- */

#define CB_KEY_NAME_MAX 64

/**
 * Create key @p name and return the secret, once, in @p secret (NUL-
 * terminated, CB_KEY_SECRET_LEN chars).  Only its SHA-256 is stored.
 * CB_EINVAL when the name is not [A-Za-z0-9_.-]{1,64}, CB_ECONFLICT when an
 * active key has it.
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

/* ---- orders, payments, refund rows (seed 003) ------------------------- */

/*
 * Orders as imported from the marketplace, their payments (type Payment or
 * Refund) and the refund rows of each refund.  Money is integer minor
 * units (pence for GBP) of the order's ISO 4217 currency, never floating
 * point.  orddesc.c names the statuses; orders.c keeps the rows; the
 * worker (src/orders) moves refunds through their statuses, each step
 * guarded by the lease it holds on the payment.  docs/orders.md has the
 * life of a cancellation.
 */
typedef enum {
	CB_ORD_INCOMPLETE = 0,   /* unpaid (marketplace reason status 0 in the UK) */
	CB_ORD_READY,            /* "Ready for Shipping": paid, awaiting shipment (200) */
	CB_ORD_SHIPPED,
	CB_ORD_DELIVERED,
	CB_ORD_CANCELLED,
	CB_ORD_STATUS_COUNT
} cb_ord_status;

typedef enum { CB_PAY_PAYMENT = 0, CB_PAY_REFUND, CB_PAY_TYPE_COUNT } cb_pay_type;
typedef enum {
	CB_PAY_PENDING = 0,      /* not sent to the marketplace (or refused by it unread) */
	CB_PAY_PROCESSING,       /* sent: the outcome is not known yet, or the marketplace is deciding */
	CB_PAY_COMPLETED,
	CB_PAY_ERROR,
	CB_PAY_UNKNOWN,          /* sent, and its outcome checks ran past their deadline: needs attention */
	CB_PAY_STATUS_COUNT
} cb_pay_status;
typedef enum { CB_ROW_ITEM_COST = 0, CB_ROW_SHIPPING_COST, CB_ROW_KIND_COUNT } cb_row_kind;

/* Where a refund's marketplace cancel stands (the record that keeps a
 * cancel from being sent twice). */
typedef enum {
	CB_CANCEL_NONE = 0,      /* no cancel sent, or the last one was refused unread */
	CB_CANCEL_SENDING,       /* sent; its outcome is unknown until the marketplace is asked */
	CB_CANCEL_PENDING,       /* accepted, pending (current API): transaction_id is the cancel_id */
	CB_CANCEL_DONE,          /* the cancel is done (success or refusal recorded) */
	CB_CANCEL_STATE_COUNT
} cb_cancel_state;

/* Names, as stored and shown ("Ready for Shipping", "Refund", "Processing",
 * "item_cost", "sending"); the parse functions return -1 for unknown names. */
const char *cb_ord_status_name(cb_ord_status s);
int cb_ord_status_parse(const char *s, size_t len);
const char *cb_pay_type_name(cb_pay_type t);
int cb_pay_type_parse(const char *s, size_t len);
const char *cb_pay_status_name(cb_pay_status s);
int cb_pay_status_parse(const char *s, size_t len);
const char *cb_row_kind_name(cb_row_kind k);
int cb_row_kind_parse(const char *s, size_t len);
const char *cb_cancel_state_name(cb_cancel_state s);
int cb_cancel_state_parse(const char *s, size_t len);

typedef struct {
	int         line;            /* 1-based position in the order */
	const char *sku;
	const char *line_item_id;    /* the marketplace's line item id, or NULL */
	const char *title;           /* or NULL */
	int64_t     quantity;
	int64_t     unit_price;
	int64_t     amount;          /* quantity * unit_price */
	int64_t     refunded;
	const char *payment_status;  /* "Unpaid", "Paid", "Partially Refunded", "Refunded" */
} cb_ord_item;

typedef struct {
	int         row;             /* 1-based position in the refund */
	const char *sku;             /* the item's SKU; NULL for shipping */
	cb_row_kind kind;
	int         item_line;       /* the order item refunded; 0 for shipping */
	int64_t     amount;
	cb_pay_status status;        /* Pending, Completed or Error */
} cb_refund_row;

typedef struct {
	int64_t         id;
	cb_pay_type     type;
	cb_pay_status   status;
	int             by_marketplace;  /* "process by marketplace" */
	int64_t         amount;
	const char     *currency;
	const char     *reason_key;      /* requested, or the default the worker chose; NULL */
	int             reason_defaulted;
	const char     *transaction_id;  /* reverse_main_order_id (legacy) or cancel_id; NULL */
	const char     *error_text;      /* status Error: what the user is shown; NULL */
	int             attempts;        /* cancels sent */
	cb_cancel_state cancel_state;
	int64_t         next_attempt_ms; /* Unix ms: not before */
	const char     *lease_owner;     /* NULL when not claimed */
	int64_t         lease_expires_ms;
	const char     *last_error_code; /* of the last failed marketplace call, or NULL */
	const char     *last_error;
	const char     *market_request_id;
	const char     *created_at, *updated_at, *completed_at, *cancel_sent_at;
	cb_refund_row  *rows;
	size_t          nrows;
} cb_ord_payment;

typedef struct {
	int64_t         seq;             /* internal id; paging cursor */
	const char     *order_id;        /* the marketplace's order id */
	const char     *marketplace;     /* "tiktok" */
	const char     *shop;            /* the shop's section in the marketplace configuration */
	cb_ord_status   status;
	const char     *marketplace_status; /* as the marketplace says it, or NULL */
	int64_t         mkt_status_time; /* imports: the marketplace's update_time of that status (Unix
	                                  * seconds; 0: not said); the status is stored only when it is
	                                  * not older than the stored one's (webhooks, order pull) */
	const char     *currency;        /* ISO 4217 */
	int64_t         items_total, shipping_cost, total;
	int64_t         refunded, shipping_refunded;
	const char     *created_at, *updated_at;
	const char     *refund_status;   /* listings: status of the latest refund, or NULL */
	cb_ord_item    *items;
	size_t          nitems;
	cb_ord_payment *payments;
	size_t          npayments;
} cb_order;

/** An order read from the store; everything it points to is owned by it. */
typedef struct cb_order_rec cb_order_rec;
const cb_order *cb_order_rec_get(const cb_order_rec *r);
/** NULL is a no-op. */
void cb_order_rec_free(cb_order_rec *r);

typedef enum {
	CB_ORD_CREATED = 0,
	CB_ORD_UPDATED,
	CB_ORD_UNCHANGED,
	CB_ORD_FROZEN        /* refused by the guard (cb_store_order_guard) */
} cb_ord_put_status;

/**
 * What a guard decides about an import (cb_store_order_put()): allow it, or
 * refuse it with a reason.  A negative cb_err fails the import instead.
 */
enum { CB_GUARD_ALLOW = 0, CB_GUARD_REFUSE = 1 };

/**
 * A business rule on imports, run by cb_store_order_put() inside its write
 * transaction, so that what it judges cannot change before the write:
 * @p stored is the order as stored (items and payments with their refund
 * rows, payments in id order), or NULL when the import creates it; @p in
 * the import.  On CB_GUARD_REFUSE it writes the reason into @p why (size
 * @p whylen, never NULL).  It runs while the store's write lock is held:
 * it must not call the store.  src/orders/order_rules.c holds the rules.
 */
typedef int (*cb_store_order_guard)(void *arg, const cb_order *stored, const cb_order *in,
    char *why, size_t whylen);

/**
 * Create or update order @p in (items and imported payments of type
 * Payment included; its refunded amounts, seq and times are ignored) in one
 * transaction.  An update replaces the imported fields.  An import equal to
 * what is stored is CB_ORD_UNCHANGED without asking @p guard; otherwise
 * @p guard (NULL: none) is asked, and when it refuses the import is
 * CB_ORD_FROZEN, with its reason in @p why (size @p whylen), and nothing is
 * stored.
 */
int cb_store_order_put(cb_store *st, const cb_order *in, cb_store_order_guard guard, void *guard_arg,
    const char *request_id, cb_ord_put_status *status, char *why, size_t whylen);

/** The order with marketplace id @p order_id (or internal @p seq when
 * @p order_id is NULL), with items, payments and refund rows.
 * CB_ENOTFOUND when there is none. */
int cb_store_order_get(cb_store *st, const char *order_id, int64_t seq, cb_order_rec **out);

typedef struct {
	const char *status;          /* codebook status name, or NULL */
	const char *shop;
	const char *marketplace_status;
	const char *refund_status;   /* status of the latest refund */
	int64_t     after_seq;
	unsigned    limit;
} cb_ord_filter;

typedef int (*cb_ord_fn)(void *arg, const cb_order *o);
/** Orders matching @p f in seq order (no items or payments; refund_status
 * set), at most f->limit. */
int cb_store_order_list(cb_store *st, const cb_ord_filter *f, cb_ord_fn fn, void *arg);

typedef enum {
	CB_REFUND_CREATED = 0,
	CB_REFUND_BUSY,      /* a refund of the order is Pending or Processing: *payment_id */
	CB_REFUND_STALE,     /* the order's money changed since it was read: read and check again */
	CB_REFUND_REPLAYED,  /* the idempotency key made this very request before: *payment_id is its refund */
	CB_REFUND_KEY_REUSED /* the idempotency key made another request (*payment_id): nothing stored */
} cb_refund_put_status;

/** An idempotency key: what a client sends as Idempotency-Key. */
#define CB_IDEM_KEY_MAX 255

/**
 * Record a Pending refund processed by the marketplace for order @p seq:
 * @p amount (the sum of @p rows, which the caller checked against the
 * order it read, whose money fingerprint was @p money_fp), an optional
 * reason key.  On CB_REFUND_CREATED *payment_id is the new payment.
 *
 * @p idem_key (NULL: none; at most CB_IDEM_KEY_MAX bytes) with @p idem_fp,
 * a fingerprint of the whole request, makes the call idempotent: the key
 * is kept with the refund, in the same transaction, and a later call with
 * the key is CB_REFUND_REPLAYED (same fingerprint: *payment_id is the
 * refund it made) or CB_REFUND_KEY_REUSED (another request), and stores
 * nothing.  Keys are unique across orders.  This is what makes a retry
 * after CB_EUNKNOWN safe: it finds the refund if the commit reached the
 * disk, or stores it once.
 */
int cb_store_refund_create(cb_store *st, int64_t seq, const unsigned char money_fp[32],
    int64_t amount, const char *currency, const char *reason_key,
    const cb_refund_row *rows, size_t nrows, const char *request_id,
    const char *idem_key, const unsigned char *idem_fp,
    cb_refund_put_status *status, int64_t *payment_id);

/**
 * The refund made by the request that carried idempotency key @p key: its
 * payment, its order and the fingerprint of that request (to tell a replay
 * from another request reusing the key).  CB_ENOTFOUND when no refund has
 * the key.
 */
int cb_store_refund_by_key(cb_store *st, const char *key, int64_t *payment_id, int64_t *order_seq,
    unsigned char fp[32]);

/** SHA-256 of @p len bytes at @p p: the fingerprint of a request. */
void cb_store_fingerprint(unsigned char out[32], const void *p, size_t len);

/** The fingerprint of an order's money (currency, shipping, items), as
 * cb_store_refund_create() compares it. */
void cb_store_order_money_fp(const cb_order *o, unsigned char out[32]);

/* ---- the worker's side: claims and transitions, guarded by a lease ---- */

/**
 * Claim the next refund due for the marketplace (type Refund, processed by
 * marketplace, Pending or Processing, next attempt at or before @p due_ms,
 * lease free or expired at @p now_ms) for @p owner until @p now_ms +
 * @p lease_ms.  One transaction: two workers never claim the same payment.
 * A worker passes the time its pass began as @p due_ms, so what it puts
 * back for later is not taken again in the same pass.  CB_ENOTFOUND when
 * none is due.
 */
int cb_store_pay_claim(cb_store *st, const char *owner, int64_t now_ms, int64_t due_ms, int64_t lease_ms,
    int64_t *payment_id, int64_t *order_seq);

/* Every transition below applies only while @owner holds the lease on the
 * payment: CB_ENOTFOUND ("lease lost") otherwise, and nothing changes. */

/** Record that a cancel is about to be sent: Processing, cancel_state
 * sending, attempts + 1, the reason key that will be sent; the lease is
 * extended to @p lease_until_ms.  Committed before the request leaves. */
int cb_store_pay_sending(cb_store *st, int64_t payment_id, const char *owner,
    const char *reason_key, int defaulted, int64_t lease_until_ms);

typedef struct {
	cb_pay_status   status;          /* Pending or Processing */
	cb_cancel_state cancel_state;
	int64_t         next_attempt_ms;
	const char     *last_error_code; /* may be NULL */
	const char     *last_error;
	const char     *transaction_id;  /* NULL keeps the stored one */
	const char     *market_request_id;
} cb_pay_later;

/**
 * Heartbeat: while a marketplace call is out, extend the lease @p owner
 * holds on the payment to @p lease_until_ms, so that a short lease can be
 * taken over soon after a worker dies without being taken from a live one.
 * CB_ENOTFOUND ("lease lost") when @p owner no longer holds it.
 */
int cb_store_pay_extend(cb_store *st, int64_t payment_id, const char *owner, int64_t lease_until_ms);

/** Try again later: set what @p l says and release the lease. */
int cb_store_pay_later(cb_store *st, int64_t payment_id, const char *owner, const cb_pay_later *l);

/** The refund failed: Error with @p error_text, refund rows Error, lease
 * released.  @p reason_key (may be NULL) records the key that was judged. */
int cb_store_pay_fail(cb_store *st, int64_t payment_id, const char *owner,
    const char *error_text, const char *error_code, const char *market_request_id,
    const char *reason_key, int defaulted);

/**
 * The cancel succeeded, in one transaction: the order Cancelled, its
 * refunded amounts and its items' raised by the refund rows, the payment
 * Completed with @p transaction_id, the rows Completed, lease released.
 */
int cb_store_pay_complete(cb_store *st, int64_t payment_id, const char *owner,
    const char *transaction_id, const char *market_request_id);

/** An open refund (Pending or Processing), as the dry run of a new
 * reverse-reason set judges it again. */
typedef struct {
	int64_t        payment_id;
	const char    *order_id;
	const char    *shop;
	cb_ord_status  order_status;
	cb_pay_status  status;
	const char    *reason_key;       /**< NULL: the default is chosen */
	int            reason_defaulted;
} cb_store_open_refund;

typedef int (*cb_store_open_refund_fn)(void *arg, const cb_store_open_refund *r);
/** The open refunds processed by the marketplace, by payment id, at most
 * @p limit (through the index of due refunds: a scan of the open ones
 * only). */
int cb_store_refund_open_each(cb_store *st, unsigned limit, cb_store_open_refund_fn fn, void *arg);

/**
 * Take the lease of refund @p payment_id for @p owner until @p now_ms +
 * @p lease_ms, as a worker's claim would, when it is open (Pending,
 * Processing or Unknown) and no one holds it: an outcome observed outside
 * the worker (a webhook, a person) then settles it with the transitions
 * above.  CB_ENOTFOUND when the refund is not open or its lease is held.
 */
int cb_store_pay_take(cb_store *st, int64_t payment_id, const char *owner, int64_t now_ms, int64_t lease_ms);

/** Count of payments by type and status (metrics). */
int cb_store_pay_counts(cb_store *st, int64_t counts[CB_PAY_TYPE_COUNT][CB_PAY_STATUS_COUNT]);



/* ---- budgets: a request budget per shop and endpoint family ----------- */

/*
 * A token bucket per (shop, family), kept as the next send time it
 * reserves (GCRA: one row, one short transaction per request), shared by
 * every worker and instance on the database.  The configured rate and
 * burst come with every call (a configuration change applies at once);
 * the row keeps the reservation and, after rate-limit errors, the reduced
 * rate, which recovers linearly to the configured one over @recover_ms.
 * src/store/budget.c has the arithmetic, docs/orders.md the use.
 */
typedef struct {
	int64_t rate_mrps;     /* configured rate, requests per 1000 s (10/s: 10000) */
	int64_t burst;         /* requests that may go at once, >= 1 */
	int64_t recover_ms;    /* a halved rate is back to rate after this long */
} cb_budget_cfg;

#define CB_BUDGET_NAME_MAX 64  /* shop and family names */

/** Reserve the next request of @p shop / @p family at @p now_ms: *wait_ms
 * is how long to wait before sending it (0: at once), *rate_mrps (may be
 * NULL) the rate in force.  One transaction. */
int cb_store_budget_take(cb_store *st, const char *shop, const char *family, const cb_budget_cfg *cfg,
    int64_t now_ms, int64_t *wait_ms, int64_t *rate_mrps);

/** The marketplace answered "too many requests": halve the rate in force
 * (at least 1/64 of the configured one) and push the next send time out
 * by one interval of the new rate. */
int cb_store_budget_slow(cb_store *st, const char *shop, const char *family, const cb_budget_cfg *cfg,
    int64_t now_ms);

/** How long a reservation made now would wait (nothing is reserved: a
 * read), so a worker can take another shop's work meanwhile. */
int cb_store_budget_peek(cb_store *st, const char *shop, const char *family, const cb_budget_cfg *cfg,
    int64_t now_ms, int64_t *wait_ms);

typedef struct {
	const char *shop, *family;
	int64_t     rate_mrps;   /* in force at the time asked (recovery applied) */
	int64_t     slowdowns;   /* rate-limit errors met since the row was made */
} cb_store_budget;
typedef int (*cb_store_budget_fn)(void *arg, const cb_store_budget *b);
/** Every budget row, by shop and family, with the rate in force at @p now_ms. */
int cb_store_budget_each(cb_store *st, const cb_budget_cfg *cfg, int64_t now_ms, cb_store_budget_fn fn,
    void *arg);


/* ---- marketplace notifications and the marketplace's view of an order
 * (issue 12: webhooks, order pull; hooks.c) ------------------------------ */

/** A marketplace notification (webhook) as stored: once per id. */
typedef struct {
	const char *id;              /**< tts_notification_id */
	int64_t     type;
	const char *shop_id;
	const char *order_id;        /**< or NULL */
	int64_t     timestamp;       /**< the notification's, Unix seconds */
	const char *body;            /**< the raw body, as signed */
	size_t      body_len;
	const char *outcome;         /**< "applied", "ignored" */
	const char *detail;          /**< what was done, in words */
} cb_store_hook;

/** CB_OK when notification @p id is stored, CB_ENOTFOUND when not. */
int cb_store_hook_seen(cb_store *st, const char *id);
/** Store notification @p h; CB_ECONFLICT (nothing stored) when its id is. */
int cb_store_hook_put(cb_store *st, const cb_store_hook *h);

/** What the marketplace says of an order's status, and when it said it. */
typedef struct {
	cb_ord_status status;             /**< in codebook's terms */
	const char   *marketplace_status; /**< "IN_TRANSIT" */
	int64_t       update_time;        /**< the marketplace's, Unix seconds (0: unknown) */
	int64_t       checked_ms;         /**< when codebook learnt it (Unix ms) */
} cb_ord_mkt_status;

/**
 * Apply the marketplace's status @p u to order @p order_id: written only
 * when the order is not Cancelled locally and @p u->update_time is not
 * older than the status stored (an older notification never overwrites a
 * newer one); the time it was checked is recorded either way.
 * *applied: 1 written, 0 not.  CB_ENOTFOUND when there is no such order.
 */
int cb_store_order_mkt_status(cb_store *st, const char *order_id, const cb_ord_mkt_status *u,
    int *applied);

/** When order @p seq's marketplace status was last checked (Unix ms, 0:
 * never) and the marketplace's time of the status stored (0: unknown). */
int cb_store_order_checked(cb_store *st, int64_t seq, int64_t *checked_ms, int64_t *mkt_time);

/**
 * Take the lease on open refund @p payment_id for @p owner until
 * @p lease_until_ms, whoever holds it: a notification from the marketplace
 * settles the refund with the lease-guarded transitions, and a worker that
 * held it finds its lease lost and stops.  CB_ENOTFOUND when the refund is
 * not open (Pending, Processing or Unknown).
 */
int cb_store_pay_seize(cb_store *st, int64_t payment_id, const char *owner, int64_t lease_until_ms);

#endif
