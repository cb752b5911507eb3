/* SPDX-License-Identifier: Apache-2.0 */
/*
 * door_int.h - the front door's records, shared by its two files: door.c
 * (accepting, first heads, limits, deadlines) and relay.c (the bytes of a
 * handed-over connection, each later request head checked on the way).
 * Nothing outside the door includes this.
 */
#ifndef CB_SVC_DOOR_INT_H
#define CB_SVC_DOOR_INT_H

#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/socket.h>

#include "door.h"
#include "framing.h"

#define CB_DOOR_TICK_MS      100   /* deadlines are kept to this precision */
#define CB_DOOR_FAST_PEEKS   16    /* pieces of a head peeked at once; later ones on the tick */
#define CB_DOOR_ACCEPT_BURST 256   /* accepts per wake-up, so that ticks are not starved */
#define CB_DOOR_RELAY_IN     65536 /* the client's bytes a relay reads at once while a large body passes */
#define CB_DOOR_RELAY_OUT    16384 /* the layer's bytes a relay holds for a slow client */
#define CB_DOOR_RELAY_ROUNDS 32    /* read-and-write rounds per event before another connection's turn */
#define CB_DOOR_DRAIN_MS     2000  /* at stop: how long relays may take to pass on the last answers */

#define STR_(x) #x
#define STR(x)  STR_(x)

/* Whether the layer has adopted a handed-over connection (guarded by d->mu);
 * where the door's own side is, is @side. */
enum owner { OWN_DOOR = 0, OWN_PENDING, OWN_LAYER };

/* What an epoll event's pointer points at: the first member of each. */
enum door_kind { KIND_TAG = 0, KIND_CONN, KIND_UP };

/* Where the door's own side of a connection is (the door thread's only). */
enum door_side { SIDE_HEAD = 0, SIDE_LINGER, SIDE_RELAY, SIDE_RLINGER, SIDE_DONE };

/*
 * A handed-over connection's relay: the client talks to the door, the layer
 * to the door's end of a socket pair.  The client's bytes wait in @in until
 * the request head they begin has passed the framing rules; the layer's
 * wait in @out until the client takes them.
 */
struct relay {
	unsigned char kind;          /* KIND_UP: events of @up */
	struct svc_conn *c;
	int      up;                 /* the door's end of the pair */
	/* what epoll last said of each descriptor, until a short read or
	 * write says otherwise (edge-triggered: a new edge comes with new
	 * bytes or new room, so no call is made just to meet EAGAIN) */
	int      c_rd, c_wr, up_rd, up_wr;
	int      c_out, up_out;      /* EPOLLOUT is watched (a write is waiting for room) */
	uint64_t fwd_left;           /* bytes of the current request (head and body) still to pass on */
	unsigned forwarded;          /* requests passed on to the layer */
	uint64_t head_t0;            /* when the pending later head began arriving (door clock) */
	int      head_pending;       /* part of a later head is here */
	int      recheck;            /* new line ends since the pending head was last read */
	int      c_eof, c_err;       /* the client has stopped sending; has gone */
	int      up_eof, up_shut;    /* the layer has closed; takes no more (told so, or gone) */
	int      refusing;           /* @bad is answered once the layer has answered the rest */
	int      again;              /* more to do after its share of a turn */
	struct svc_head bad;
	size_t   inoff, inlen, outoff, outlen;
	size_t   incap;              /* CB_SVC_MAX_HEAD, or CB_DOOR_RELAY_IN while a large body passes */
	char    *in;
	char     out[CB_DOOR_RELAY_OUT];  /* last: relay_open clears only what comes before it */
};

struct svc_conn {
	unsigned char    kind;         /* KIND_CONN: events of @fd */
	int              fd;           /* the client's socket */
	int              lfd;          /* the layer's end of the pair; -1 before the hand-over */
	int              owner;        /* enum owner; guarded by d->mu once handed over */
	int              side;         /* enum door_side */
	int              door_done, layer_done; /* under d->mu: each side has let go */
	unsigned char    key[16];      /* the client's address, IPv4 mapped into IPv6 */
	char             remote[INET6_ADDRSTRLEN];
	struct sockaddr_storage sa;
	socklen_t        salen;
	uint64_t         t0_ms;        /* accepted (door clock) */
	uint64_t         linger_until;
	struct svc_conn *prev, *next;  /* in d->heads, d->lingers or d->layer */
	struct svc_conn *rprev, *rnext; /* in d->relays (door thread) */
	struct relay    *rl;           /* door thread; freed with the record */
	size_t           seen;         /* bytes of the head peeked so far */
	size_t           drained;
	unsigned         npeeks;
	int              dirty;        /* new bytes to peek at on the next tick */
	atomic_ullong    state;        /* handed over: since_ms << 4 | enum svc_phase */
	atomic_uint      completed;    /* requests the layer has answered whole */
	struct svc_door *door;
};

struct list { struct svc_conn *head, *tail; };

/* A client (an IP address): its open connections, and the budget of work
 * it may have done without an API key (a token bucket in bytes, refilled
 * at CB_SVC_ANON_RATE a second up to CB_SVC_ANON_BURST).  A node lives while
 * the client has connections or owes the bucket anything, so a client
 * cannot clear its debt by reconnecting. */
struct ipnode {
	unsigned char  key[16];
	unsigned       count;
	int64_t        tokens;
	uint64_t       refill_ms;
	struct ipnode *next;
};

/* A call the door makes later, on its thread (svc_door_defer). */
struct deferral {
	uint64_t due_ms;
	void   (*fn)(void *);
	void    *arg;
};

struct svc_door {
	struct svc_door_opts o;
	int              ep, wake, listen_fd;
	pthread_t        thread;
	int              running;
	atomic_int       stop, quiesce;
	int              quiesced;
	uint64_t         start_ns;
	uint64_t         last_tick, accept_paused_until;
	/* the door thread's own */
	struct list      heads, lingers;
	struct svc_conn *relays;      /* handed over, the door's side still open (rnext) */
	atomic_uint      nrelaying;   /* of them, those still passing bytes */
	unsigned         nagain;      /* relays with more to do */
	struct svc_conn *dead;        /* closed during this turn of the loop: freed after it */
	char             buf[CB_SVC_MAX_HEAD];
	/* shared with the layer's threads */
	pthread_mutex_t  mu;
	struct svc_conn **conns;      /* by the layer's descriptor */
	size_t           nconns_max;  /* size of conns */
	struct list      layer;       /* handed over (pending or adopted) */
	struct svc_conn *retired;     /* let go by both sides: freed by the door thread */
	unsigned         total;
	struct ipnode  **ips;
	size_t           nips;        /* buckets, a power of two */
	size_t           nnodes;      /* clients known; those kept only for their debt are bounded */
	atomic_uint      open;        /* == total, readable without the lock */
	struct deferral *defer;       /* calls due later */
	size_t           ndefer, defer_cap;
	uint64_t         last_sweep;
};

/* A refusal the door writes itself. */
struct answer {
	enum svc_problem problem;
	const char      *detail;
	const char      *method, *target;
	size_t           limit;
};

/* door.c */
uint64_t door__now_ms(const struct svc_door *d);
size_t door__answer(struct svc_door *d, int fd, const char *remote, uint64_t t0_ms, size_t bytes_in,
    const struct answer *a);
int  door__drain(struct svc_door *d, struct svc_conn *c);
/* The door's side of a handed-over connection is done (d->mu not held):
 * the record goes when the layer has let go too. */
void door__side_done(struct svc_door *d, struct svc_conn *c);

/* relay.c (door thread) */
/* Pass @c's bytes (its first head, of @len bytes and @body more, has passed)
 * through a new socket pair; the layer's end in *@lfd.  0, or -1 (errno). */
int  relay_open(struct svc_door *d, struct svc_conn *c, size_t len, uint64_t body, int *lfd);
/* Move what can be moved either way; answer a refused later head; close
 * when both sides are done.  @cev and @upev: the epoll events just seen on
 * the client's descriptor and on the pair's (0: none). */
void relay_pump(struct svc_door *d, struct svc_conn *c, uint32_t cev, uint32_t upev);
/* Deadlines of the door's side: a later head that has not arrived whole, a
 * refusal's linger; and the relays left with more to do. */
void relay_tick(struct svc_door *d, uint64_t now);
/* Free @rl (NULL is a no-op); its descriptors are closed already. */
void relay_free(struct relay *rl);
/* Cut @c both ways (its phase's deadline passed). */
void relay_cut(struct svc_conn *c);
/* Close every relay now (the door stops). */
void relay_close_all(struct svc_door *d);

#endif
