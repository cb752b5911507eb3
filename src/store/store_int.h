/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store_int.h - private to src/store: the operations table that a backend
 * implements, the dispatcher's handle, and the backend-neutral helpers
 * every backend shares (fingerprints, ETags, timestamps, the parsing of the
 * database name).  docs/internals/store.md states the backend contract.
 *
 * Split of the work: the public functions (store.c, sets.c, keys.c,
 * records.c, orders.c) check their arguments, compute whatever does not
 * depend on the database (ETags, fingerprints, key secrets, the time of a
 * write), write the texts of the errors that the API documents, and call
 * the backend.  A backend (src/store/sqlite, later src/store/pg) only
 * stores and reads: each of its write operations is one transaction.
 */
#ifndef CB_STORE_INT_H
#define CB_STORE_INT_H

#include "store.h"

#include <pthread.h>

#include "arena.h"
#include "err.h"

/* ---- the name of a database (target.c) -------------------------------- */

enum store_backend { STORE_BE_SQLITE = 0, STORE_BE_POSTGRES, STORE_BE_COUNT };

#define STORE_PATH_MAX 4096

struct store_target {
	enum store_backend backend;
	const char *conn;            /* for the backend: a path, a file: URI, a postgresql:// URL
	                              * (borrowed from the string parsed, or points into path) */
	int         uri;             /* SQLite: conn is a file: URI (open with SQLITE_OPEN_URI) */
	char        path[STORE_PATH_MAX]; /* SQLite: the file, decoded: its directory is created */
	char        shown[512];      /* the name for messages, any password masked */
};

/*
 * Parse the database name given to cb_store_open() (--db): a path,
 * sqlite:PATH, a file: URI, or a postgresql:// / postgres:// URL.  CB_EINVAL
 * with a message quoting it (password masked) for anything else.
 */
int store__target_parse(struct store_target *t, const char *db);

/* ---- the operations a backend implements ------------------------------ */

/* A budget's row (table shop_budgets): the next send time reserved
 * (theoretical arrival time, microseconds), the reduced rate (0: the
 * configured one) and when it was reduced. */
struct store_budget_row {
	int64_t tat_us;
	int64_t rate_mrps;
	int64_t rate_at_ms;
	int64_t slowdowns;
};

/* An import, as the dispatcher prepared it for the backend. */
struct store_order_put {
	const cb_order      *in;
	int64_t              items_total;   /* sum of quantity * unit_price */
	unsigned char        fp[32];        /* all the import says: equal means a replay */
	unsigned char        money[32];     /* cb_store_order_money_fp() of the import */
	const char          *now;
	const char          *request_id;
	cb_store_order_guard guard;         /* may be NULL */
	void                *guard_arg;
};

/* A refund request, as the dispatcher prepared it. */
struct store_refund {
	int64_t              seq;
	const unsigned char *money_fp;
	int64_t              amount;
	const char          *currency, *reason_key, *request_id, *now;
	const cb_refund_row *rows;
	size_t               nrows;
	const char          *idem_key;      /* NULL: none; checked first, inside the transaction */
	const unsigned char *idem_fp;       /* 32 bytes when idem_key is set */
};

/* A batch of records, fingerprinted by the dispatcher. */
struct store_rec_batch {
	cb_rec_kind          kind;
	const cb_rec        *recs;
	const unsigned char (*fps)[32];     /* one per record */
	size_t               n;
	const char          *request_id;    /* may be NULL */
	const char          *now;           /* received_at of the whole batch */
};

/*
 * The backend contract (docs/internals/store.md): every function returns
 * CB_OK or a negative cb_err with a message; a write is one transaction,
 * durable when CB_OK returns; CB_EIO only when nothing was stored,
 * CB_EUNKNOWN only when the commit itself failed; CB_EUNAVAIL when the
 * database is busy or unreachable; CB_ENOTFOUND and CB_ECONFLICT where the
 * operation says so (the dispatcher writes their texts).  Row callbacks
 * (fn) are called with pointers valid for the call only; a non-zero return
 * stops the listing, which then returns CB_OK.  Callbacks run with a
 * connection held: they must not call the store.
 */
struct cb_store_ops {
	const char *name;
	int  (*open)(void **be, const struct store_target *t, unsigned nreaders, int *schema);
	void (*close)(void *be);

	/* code-set versions: @latest ignores @version; CB_ENOTFOUND when none */
	int (*set_get)(void *be, const char *name, int version, int latest, cb_store_setver *out);
	/* CB_ECONFLICT when the version exists */
	int (*set_put)(void *be, const char *name, int version, const char *body, size_t len,
	    const char *etag, const char *source, const char *by);
	/* one transaction: read the latest version of @p->name, check the
	 * set-count limit when there is none (store__setpub_full), ask the gate,
	 * insert when it says CB_GATE_PUBLISH; CB_ECONFLICT when the version's
	 * key is taken (the dispatcher tries again) */
	int (*set_publish)(void *be, const cb_store_setpub *p, const char *etag,
	    cb_store_setpub_status *status);
	/* wait for *serial to change, at most @timeout_ms (cb_store_set_watch) */
	int (*set_watch)(void *be, int64_t *serial, unsigned timeout_ms);
	/* every version of @name, oldest first, no body */
	int (*set_versions)(void *be, const char *name, cb_store_setver_fn fn, void *arg);
	/* the latest version of every set, body included, by name */
	int (*set_each_latest)(void *be, cb_store_setver_fn fn, void *arg);

	/* shops (issue 12): add CB_ECONFLICT when it exists; get with @name
	 * NULL lists all; remove, tokens, attention CB_ENOTFOUND when there is
	 * no such shop; tokens CB_ECONFLICT when token_version is not @expect
	 * (-1: any) */
	int (*shop_add)(void *be, const cb_store_shop *s, const char *now);
	int (*shop_get)(void *be, const char *name, cb_store_shop_fn fn, void *arg);
	int (*shop_remove)(void *be, const char *name);
	int (*shop_tokens)(void *be, const char *name, int64_t expect, const cb_store_shop *t, const char *now);
	int (*shop_attention)(void *be, const char *name, const char *text, const char *now);

	/* API keys: CB_ECONFLICT when an active key has @name */
	int (*key_add)(void *be, const char *name, const char *key_id, const unsigned char hash[32]);
	/* CB_ENOTFOUND when no active key has @name */
	int (*key_revoke)(void *be, const char *name);
	/* the active key @key_id: its name and hash; CB_ENOTFOUND when none */
	int (*key_find)(void *be, const char *key_id, char name[CB_KEY_NAME_MAX + 1],
	    unsigned char hash[32]);
	int (*key_each)(void *be, cb_store_key_fn fn, void *arg);

	/* records: see cb_store_rec_insert(); @group indexes desc->group_by */
	int (*rec_insert)(void *be, const struct store_rec_batch *b, cb_rec_status *status,
	    size_t *nconflicts);
	int (*rec_list)(void *be, cb_rec_kind k, const cb_rec_filter *f, cb_rec_fn fn, void *arg);
	int (*rec_report)(void *be, cb_rec_kind k, int group, const cb_rec_filter *f,
	    cb_rec_group_fn fn, void *arg);
	int (*rec_count)(void *be, cb_rec_kind k, int64_t *out);

	/* orders: the guard is called inside the transaction (see store.h) */
	int (*order_put)(void *be, const struct store_order_put *p, cb_ord_put_status *status,
	    char *why, size_t whylen);
	/* fill @rec (empty, allocated by the caller) from one snapshot;
	 * CB_ENOTFOUND when there is no such order */
	int (*order_get)(void *be, const char *order_id, int64_t seq, cb_order_rec *rec);
	int (*order_list)(void *be, const cb_ord_filter *f, cb_ord_fn fn, void *arg);
	/* CB_ENOTFOUND when there is no order @seq */
	int (*refund_create)(void *be, const struct store_refund *r, cb_refund_put_status *status,
	    int64_t *payment_id);
	/* the refund whose request carried @key; CB_ENOTFOUND when none */
	int (*refund_by_key)(void *be, const char *key, int64_t *payment_id, int64_t *order_seq,
	    unsigned char fp[32]);

	/* the worker's claims and lease-guarded transitions: a claim must be
	 * exclusive (two claimers never get one payment); CB_ENOTFOUND when
	 * none is due / when @owner no longer holds the lease */
	int (*pay_claim)(void *be, const char *owner, int64_t now_ms, int64_t due_ms, int64_t lease_ms,
	    int64_t *payment_id, int64_t *order_seq);
	int (*pay_sending)(void *be, int64_t payment_id, const char *owner, const char *reason_key,
	    int defaulted, int64_t lease_until_ms, const char *now);
	int (*pay_extend)(void *be, int64_t payment_id, const char *owner, int64_t lease_until_ms);
	int (*pay_later)(void *be, int64_t payment_id, const char *owner, const cb_pay_later *l,
	    const char *now);
	int (*pay_fail)(void *be, int64_t payment_id, const char *owner, const char *error_text,
	    const char *error_code, const char *market_request_id, const char *reason_key,
	    int defaulted, const char *now);
	int (*pay_complete)(void *be, int64_t payment_id, const char *owner, const char *transaction_id,
	    const char *market_request_id, const char *now);
	int (*pay_counts)(void *be, int64_t counts[CB_PAY_TYPE_COUNT][CB_PAY_STATUS_COUNT]);

	/* issue 10: drift seen in traffic (an upsert), open refunds for the dry run */
	int (*obs_note)(void *be, const char *set, const char *code, const char *seen_in,
	    const char *request_id, const char *now);
	int (*obs_list)(void *be, const char *set, unsigned limit, cb_store_obs_fn fn, void *arg);
	int (*refund_open_each)(void *be, unsigned limit, cb_store_open_refund_fn fn, void *arg);

	/* issue 12: budgets (budget.c): read the row of @shop/@family under a
	 * write lock (absent: *row zeroed), let @step change it, write it */
	int (*budget_update)(void *be, const char *shop, const char *family,
	    void (*step)(void *arg, struct store_budget_row *row), void *arg);
	/* lease refund @payment_id (open, lease free or expired) for @owner;
	 * CB_ENOTFOUND when it is not open or another holds it */
	int (*pay_take)(void *be, int64_t payment_id, const char *owner, int64_t now_ms, int64_t lease_ms);
	/* the row of @shop/@family as stored (a read); *found 0 when absent */
	int (*budget_get)(void *be, const char *shop, const char *family, struct store_budget_row *row, int *found);
	int (*budget_each)(void *be, int (*fn)(void *arg, const char *shop, const char *family,
	    const struct store_budget_row *row), void *arg);
	/* issue 12: notifications (hook_put: CB_ECONFLICT when the id is
	 * stored), the marketplace's status of an order, the seizure of a lease */
	int (*hook_seen)(void *be, const char *id);
	int (*hook_put)(void *be, const cb_store_hook *h, const char *now);
	int (*order_mkt_status)(void *be, const char *order_id, const cb_ord_mkt_status *u, const char *now,
	    int *applied);
	int (*order_checked)(void *be, int64_t seq, int64_t *checked_ms, int64_t *mkt_time);
	int (*pay_seize)(void *be, int64_t payment_id, const char *owner, int64_t lease_until_ms);

	/* issue 13: usage evidence, counts added by an upsert */
	int (*usage_add)(void *be, const cb_store_usage *rows, size_t n);
	int (*usage_list)(void *be, const char *set, cb_store_usage_fn fn, void *arg);
};

/* The backends this build has (NULL: not built).  sqlite/sq_store.c,
 * pg/pg_store.c */
extern const struct cb_store_ops store__sqlite_ops;
extern const struct cb_store_ops store__pg_ops;

struct cb_store {
	const struct cb_store_ops *ops;
	void                      *be;
	int                        schema;
	pthread_mutex_t            health_mu;
	cb_store_health            health;
};

/* The operations issue 9 added (set_publish, set_watch, pay_extend,
 * refund_by_key) may be missing from a backend written before them: the
 * dispatcher says so instead of calling NULL. */
#define STORE_NEED_OP(st, op) \
	do { \
		if ((st)->ops->op == NULL) \
			return cb__fail(CB_ERROR, "the %s backend does not implement %s yet", (st)->ops->name, #op); \
	} while (0)

/* Note the outcome @rc of a write in st->health (store.c); returns @rc. */
int store__note(cb_store *st, int rc);

/* The set-count rule of a publish (sets.c), for backends: given that
 * @p->name has no stored version, that @nstored sets are stored, and
 * @is_stored(@arg, name) for each reserved name, is there no room? */
int store__setpub_full(const cb_store_setpub *p, int64_t nstored,
    int (*is_stored)(void *arg, const char *name), void *arg);

/* The gate's word on @p against @latest (NULL: none stored), inside the
 * publishing transaction: 1 to insert; 0 with *status set (unchanged or
 * refused) to roll back; a negative cb_err when the gate failed. */
int store__setpub_decide(const cb_store_setpub *p, const cb_store_setver *latest,
    cb_store_setpub_status *status);

/* An order read from the store: everything it points to lives in its arena. */
struct cb_order_rec {
	cb_arena a;
	cb_order o;
};

/* ---- backend-neutral helpers (digest.c, orders.c, schema.c) ----------- */

/* SHA-256 of @len bytes. */
void store__sha256(unsigned char out[32], const void *p, size_t len);

/* Fingerprints of an order: its money (what refunds depend on) and all
 * that an import says (@all may be NULL).  CB_OK or CB_ENOMEM. */
int store__order_fps(const cb_order *o, unsigned char money[32], unsigned char all[32]);

/* The fingerprints of @n records of kind @k (every client field,
 * length-prefixed, absent told from empty), into @out. */
int store__rec_fps(const cb_rec_desc *d, const cb_rec *recs, size_t n, unsigned char (*out)[32]);

/* Hand each payment of @o (in id order) its run of @rows, which are in
 * payment order; @owner[i] is the payment id of rows[i]. */
void store__order_attach_rows(cb_order *o, cb_refund_row *rows, const int64_t *owner, size_t nrows);

/* The schema every backend carries (schema.c): what step i + 1 brings. */
extern const char *const store__schema_steps[CB_STORE_SCHEMA_VERSION];

#endif
