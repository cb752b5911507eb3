/* SPDX-License-Identifier: Apache-2.0 */
/*
 * door.h - the service's front door: it accepts every connection, holds it
 * until the client's first request head has arrived whole and passed the
 * strict framing rules (framing.h), answers refusals itself with problem
 * documents, and only then hands the connection to the HTTP layer
 * (server.c, libmicrohttpd): the layer gets one end of a socket pair, and
 * the door passes the bytes between it and the client, reading every later
 * request head on the way as strictly as the first (relay.c).  It also
 * keeps the connection limits (in all and per client address) and the
 * deadlines of every connection for its whole life, the handed-over ones
 * included.  No HTTP library here.
 *
 * docs/internals/svc.md (The door) explains why it exists: libmicrohttpd
 * 0.9.75 restarts its idle timer on every byte (slowloris), has no per-
 * request deadline, and answers framing faults with its own HTML.
 */
#ifndef CB_SVC_DOOR_H
#define CB_SVC_DOOR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "problem.h"
#include "svc_limits.h"

struct svc_door;
struct svc_conn;

/* Where a handed-over connection is; each phase has its deadline. */
enum svc_phase {
	SVC_PH_IDLE = 0,  /* waiting for the next request (keep-alive): header timeout */
	SVC_PH_LINE,      /* its request line has arrived, the rest of the head not: header timeout */
	SVC_PH_BODY,      /* the head is in, the body is arriving: body timeout */
	SVC_PH_WORK,      /* the request is being answered: no deadline (the server's own time) */
	SVC_PH_SEND,      /* the response is queued, the client is reading it: send timeout */
	SVC_PH_CUT        /* the door cut the connection: drop the request */
};

/* A request the door refused, for the log line and the metrics. */
struct svc_refusal {
	unsigned         status;
	enum svc_problem problem;
	const char      *detail;
	const char      *method;     /* "" when unknown */
	const char      *target;     /* "" when unknown */
	const char      *remote;
	const char      *request_id;
	uint64_t         ns;         /* since the connection was accepted */
	size_t           bytes_in, bytes_out;
};

struct svc_door_opts {
	int      listen_fd;          /* bound, listening, non-blocking; the door closes it */
	unsigned max_connections;    /* in all, the handed-over ones included */
	unsigned max_per_client;     /* from one IP address; 0: no limit */
	unsigned header_timeout_ms, body_timeout_ms, send_timeout_ms;
	/*
	 * A head passed: hand @fd, the layer's end of the connection's socket
	 * pair, over (the request arrives on it); @sa is the client's address.
	 * Return 0 when it was taken; otherwise the callee has closed @fd.  The
	 * door expects svc_door_adopt() from the layer's connection callback.
	 */
	int  (*hand_off)(void *arg, int fd, const struct sockaddr *sa, socklen_t salen);
	void (*refused)(void *arg, const struct svc_refusal *rf);
	void (*request_id)(void *arg, char out[CB_SVC_REQUEST_ID_MAX + 1]);
	void *arg;
};

/* Start the door's thread.  CB_OK, or an error with the message set. */
int  svc_door_start(struct svc_door **out, const struct svc_door_opts *o);
/* Stop accepting (the listening socket is closed) and close the
 * connections whose first head has not arrived (503 shutting-down to
 * those that sent part of one).  Handed-over connections keep their
 * deadlines until svc_door_free(). */
void svc_door_quiesce(struct svc_door *d);
/* Stop the thread and free the door; NULL is a no-op.  Call after the
 * HTTP layer has released every connection. */
void svc_door_free(struct svc_door *d);

/* Connections open (in all), for /metrics and tests. */
unsigned svc_door_open_connections(struct svc_door *d);

/*
 * From the HTTP layer's connection callbacks (any thread).
 * svc_door_adopt: the connection on @fd is now the layer's; returns its
 * record (the socket context), or NULL for a connection the door did not
 * hand over.  svc_door_release: it is closing (before its descriptor is
 * closed); @c must not be used again (the door frees it once its own side
 * is done too).
 */
struct svc_conn *svc_door_adopt(struct svc_door *d, int fd);
void svc_door_release(struct svc_door *d, struct svc_conn *c);

/*
 * Move @c to phase @to; its deadline clock restarts when @restart.
 * Returns 0, or -1 when the door has cut the connection (the caller drops
 * the request).  @c may be NULL (a no-op).
 */
int svc_conn_phase(struct svc_conn *c, enum svc_phase to, int restart);
/* The client's address as text ("127.0.0.1"). */
const char *svc_conn_remote(const struct svc_conn *c);

/*
 * The work budget of clients without an API key, per client address: a
 * token bucket of bytes (request and answer), CB_SVC_ANON_RATE a second up
 * to CB_SVC_ANON_BURST.  svc_door_charge takes @cost from @c's client (it
 * may go into debt); svc_door_owed says how long (ms, at most
 * CB_SVC_ANON_MAX_WAIT_MS) its next request should wait: 0 when it owes
 * nothing.  A client that asks faster than its budget is slowed down, not
 * refused, so a closed loop of requests cannot take the server's time.
 */
void svc_door_charge(struct svc_door *d, struct svc_conn *c, size_t cost);
unsigned svc_door_owed(struct svc_door *d, struct svc_conn *c);

/*
 * Call @fn(@arg) on the door's thread in @ms (tick precision), or at once
 * when the door quiesces.  Returns 0, or -1 when the door is stopping or out
 * of memory (then nothing will be called).
 */
int svc_door_defer(struct svc_door *d, unsigned ms, void (*fn)(void *), void *arg);

#endif
