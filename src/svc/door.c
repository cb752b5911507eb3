/* SPDX-License-Identifier: Apache-2.0 */
/*
 * door.c - the front door (door.h): one thread with an epoll loop that
 * accepts, admits (connection limits), reads request heads by peeking,
 * refuses with problem documents, hands good connections over, and keeps
 * every connection's deadlines.  docs/internals/svc.md (The door) has the
 * design; docs/http.md (Timeouts and connection limits) the behaviour.
 *
 * A first head is read with MSG_PEEK: its bytes stay in the socket for the
 * relay (relay.c), which passes them on to the HTTP layer with the rest of
 * the connection.  The socket is watched edge-triggered, so a peek that
 * finds the head incomplete waits for new bytes rather than spinning.  A
 * client that sends its head in many small pieces is peeked at most every
 * tick after its first CB_DOOR_FAST_PEEKS pieces, so no client makes the
 * door re-read its head more than a few times a second.
 *
 * Every connection has one record (struct svc_conn, door_int.h) from
 * accept to close; once handed over it is found by the layer's descriptor
 * (d->conns[lfd]).  The HTTP layer moves its phase (one atomic word: the
 * phase and the time it began), and the door's tick cuts it (shutdown of
 * both the client's socket and the pair) when the phase's deadline has
 * passed.  The door closes only its own descriptors; the record is freed
 * when both the door's side and the layer (svc_door_release) have let go.
 */
#include "door.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <codebook.h>

#include "alloc.h"
#include "buf.h"
#include "err.h"
#include "framing.h"
#include "jsonw.h"
#include "logger.h"
#include "rfc3339.h"
#include "door_int.h"

/* the epoll data of the two descriptors that are not connections */
static unsigned char listen_tag, wake_tag;	/* KIND_TAG */

static uint64_t
now_ms(const struct svc_door *d)
{
	return (cb_time_mono_ns() - d->start_ns) / 1000000u;
}

uint64_t
door__now_ms(const struct svc_door *d)
{
	return now_ms(d);
}

static void
list_add(struct list *l, struct svc_conn *c)
{
	c->next = NULL;
	c->prev = l->tail;
	if (l->tail != NULL)
		l->tail->next = c;
	else
		l->head = c;
	l->tail = c;
}

static void
list_del(struct list *l, struct svc_conn *c)
{
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		l->head = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	else
		l->tail = c->prev;
	c->prev = c->next = NULL;
}

/* ---- per-client counts (under d->mu) -------------------------------------- */

static size_t
ip_hash(const struct svc_door *d, const unsigned char key[16])
{
	uint64_t h = 1469598103934665603ull;
	int i;

	for (i = 0; i < 16; i++)
		h = (h ^ key[i]) * 1099511628211ull;
	return (size_t)(h ^ (h >> 29)) & (d->nips - 1);
}

static struct ipnode **
ip_find(struct svc_door *d, const unsigned char key[16])
{
	struct ipnode **pp = &d->ips[ip_hash(d, key)];

	while (*pp != NULL && memcmp((*pp)->key, key, 16) != 0)
		pp = &(*pp)->next;
	return pp;
}

/* 0 when the client may open one more; -1 at its limit or out of memory. */
static int
ip_acquire(struct svc_door *d, const unsigned char key[16])
{
	struct ipnode **pp = ip_find(d, key), *n = *pp;

	if (n == NULL) {
		if ((n = cb__calloc(1, sizeof(*n))) == NULL)
			return -1;
		memcpy(n->key, key, 16);
		n->tokens = CB_SVC_ANON_BURST;
		n->refill_ms = now_ms(d);
		*pp = n;
		d->nnodes++;
	}
	if (d->o.max_per_client > 0 && n->count >= d->o.max_per_client)
		return -1;
	n->count++;
	return 0;
}

/* Bring @n's bucket up to now. */
static void
refill(struct svc_door *d, struct ipnode *n)
{
	uint64_t now = now_ms(d);

	if (now > n->refill_ms) {
		int64_t add = (int64_t)((now - n->refill_ms) * (uint64_t)CB_SVC_ANON_RATE / 1000u);
		n->tokens = n->tokens + add > CB_SVC_ANON_BURST ? CB_SVC_ANON_BURST : n->tokens + add;
		n->refill_ms = now;
	}
}

static void
ip_release(struct svc_door *d, const unsigned char key[16])
{
	struct ipnode **pp = ip_find(d, key), *n = *pp;

	if (n == NULL)
		return;
	n->count--;
	refill(d, n);
	/* a client without connections is kept while it owes its budget, but
	 * never more of them than twice the connections (many addresses must
	 * not make the table grow without end) */
	if (n->count == 0 && (n->tokens >= CB_SVC_ANON_BURST || d->nnodes > 2 * (size_t)d->o.max_connections)) {
		*pp = n->next;
		free(n);
		d->nnodes--;
	}
}

/* Forget the clients with no connection whose budget has refilled (d->mu held). */
static void
ip_sweep(struct svc_door *d)
{
	size_t i;

	for (i = 0; i < d->nips; i++) {
		struct ipnode **pp = &d->ips[i];
		while (*pp != NULL) {
			struct ipnode *n = *pp;
			refill(d, n);
			if (n->count == 0 && n->tokens >= CB_SVC_ANON_BURST) {
				*pp = n->next;
				free(n);
				d->nnodes--;
			} else
				pp = &n->next;
		}
	}
}

/* Forget the layer's descriptor of @c (d->mu held): it is closing, and its
 * number may soon be another connection's. */
static void
forget_lfd(struct svc_door *d, struct svc_conn *c)
{
	if (c->lfd >= 0 && (size_t)c->lfd < d->nconns_max && d->conns[c->lfd] == c)
		d->conns[c->lfd] = NULL;
	c->lfd = -1;
}

/* Forget @c's slot: its count, its client's count, its descriptor (d->mu held). */
static void
unaccount(struct svc_door *d, struct svc_conn *c)
{
	forget_lfd(d, c);
	ip_release(d, c->key);
	d->total--;
	atomic_store(&d->open, d->total);
}

static void
addr_key(const struct sockaddr_storage *sa, unsigned char key[16], char *text, size_t size)
{
	memset(key, 0, 16);
	text[0] = '\0';
	if (sa->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)sa;
		key[10] = key[11] = 0xff;
		memcpy(key + 12, &s4->sin_addr, 4);
		inet_ntop(AF_INET, &s4->sin_addr, text, (socklen_t)size);
	} else if (sa->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)sa;
		memcpy(key, &s6->sin6_addr, 16);
		inet_ntop(AF_INET6, &s6->sin6_addr, text, (socklen_t)size);
	}
}

/* ---- answers --------------------------------------------------------------- */

static const char *
reason_phrase(unsigned status)
{
	switch (status) {
	case 400: return "Bad Request";
	case 408: return "Request Timeout";
	case 411: return "Length Required";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default: return "Error";
	}
}

/* Write @a as a problem response on @fd (best effort: a refused client's
 * socket buffer is empty, so it fits) and report it.  Returns the bytes
 * written. */
size_t
door__answer(struct svc_door *d, int fd, const char *remote, uint64_t t0_ms, size_t bytes_in,
    const struct answer *a)
{
	const struct svc_problem_info *pi = svc_problem_info(a->problem);
	char rid[CB_SVC_REQUEST_ID_MAX + 1], head[320];
	struct svc_refusal rf;
	cb_buf b = CB_BUF_INIT(4096);
	ssize_t w;
	size_t sent = 0;
	int hl;
	cb_jw jw;

	d->o.request_id(d->o.arg, rid);
	cb_jw_init(&jw, &b, 0);
	svc_problem_open(&jw, a->problem, a->detail, a->target && a->target[0] ? a->target : NULL, rid);
	if (a->limit > 0)
		cb_jw_kint(&jw, "limit", (long long)a->limit);
	cb_jw_obj_end(&jw);
	hl = snprintf(head, sizeof(head), "HTTP/1.1 %u %s\r\nContent-Type: application/problem+json\r\n"
	    "Content-Length: %zu\r\nConnection: close\r\nX-Request-Id: %s\r\n%s\r\n", pi->status,
	    reason_phrase(pi->status), b.len, rid,
	    a->problem == P_TOO_MANY_CONNECTIONS || a->problem == P_SERVER_BUSY ||
	    a->problem == P_SHUTTING_DOWN ? "Retry-After: " STR(CB_SVC_RETRY_AFTER_S) "\r\n" : "");
	if (!b.failed && hl > 0 && (size_t)hl < sizeof(head)) {
		struct iovec iov[2] = { { head, (size_t)hl }, { b.p, b.len } };
		struct msghdr mh;
		memset(&mh, 0, sizeof(mh));
		mh.msg_iov = iov;
		mh.msg_iovlen = 2;
		if ((w = sendmsg(fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT)) > 0)
			sent = (size_t)w;
	}
	memset(&rf, 0, sizeof(rf));
	rf.status = pi->status;
	rf.problem = a->problem;
	rf.detail = a->detail;
	rf.method = a->method ? a->method : "";
	rf.target = a->target ? a->target : "";
	rf.remote = remote;
	rf.request_id = rid;
	rf.ns = (now_ms(d) - t0_ms) * 1000000u;
	rf.bytes_in = bytes_in;
	rf.bytes_out = sent;
	d->o.refused(d->o.arg, &rf);
	cb_buf_reset(&b);
	return sent;
}

/* Read and drop what the client has sent; 1 when it is done (end of
 * stream, an error, or more than the linger allows), else 0. */
int
door__drain(struct svc_door *d, struct svc_conn *c)
{
	for (;;) {
		ssize_t n = recv(c->fd, d->buf, sizeof(d->buf), MSG_DONTWAIT);
		if (n > 0) {
			c->drained += (size_t)n;
			if (c->drained > CB_SVC_LINGER_BYTES)
				return 1;
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n < 0 && errno == EINTR)
			continue;
		return 1;
	}
}

/* Close a connection the door holds.  The record is freed after this turn
 * of the loop: an event for it may still be in the batch being handled. */
static void
close_conn(struct svc_door *d, struct svc_conn *c)
{
	(void)epoll_ctl(d->ep, EPOLL_CTL_DEL, c->fd, NULL);
	list_del(c->side == SIDE_LINGER ? &d->lingers : &d->heads, c);
	pthread_mutex_lock(&d->mu);
	unaccount(d, c);
	pthread_mutex_unlock(&d->mu);
	close(c->fd);
	c->fd = -1;
	c->side = SIDE_DONE;
	c->next = d->dead;
	d->dead = c;
}

static void
bury(struct svc_door *d)
{
	struct svc_conn *c;

	while ((c = d->dead) != NULL) {
		d->dead = c->next;
		relay_free(c->rl);
		free(c);
	}
	pthread_mutex_lock(&d->mu);
	while ((c = d->retired) != NULL) {
		d->retired = c->next;
		relay_free(c->rl);
		free(c);
	}
	pthread_mutex_unlock(&d->mu);
}

/* Take @c out of the layer's list and the counts, to be freed after this
 * turn of the door's loop (d->mu held). */
static void
retire(struct svc_door *d, struct svc_conn *c)
{
	list_del(&d->layer, c);
	unaccount(d, c);
	c->next = d->retired;
	d->retired = c;
}

void
door__side_done(struct svc_door *d, struct svc_conn *c)
{
	pthread_mutex_lock(&d->mu);
	c->door_done = 1;
	/* a connection the layer never adopted will not be released by it */
	if (c->layer_done || c->owner == OWN_PENDING)
		retire(d, c);
	pthread_mutex_unlock(&d->mu);
}

/* Answer @a, then linger: the client's unread bytes are drained, so that
 * closing does not reset the connection before it has read the answer. */
static void
refuse(struct svc_door *d, struct svc_conn *c, const struct answer *a)
{
	(void)door__answer(d, c->fd, c->remote, c->t0_ms, c->seen, a);
	(void)shutdown(c->fd, SHUT_WR);
	list_del(&d->heads, c);
	c->side = SIDE_LINGER;
	c->linger_until = now_ms(d) + CB_SVC_LINGER_MS;
	list_add(&d->lingers, c);
	if (door__drain(d, c))
		close_conn(d, c);
}

/* ---- heads ------------------------------------------------------------------- */

/* The first head of @c has passed (@h): the layer gets one end of a socket
 * pair, and the door passes the bytes between it and the client from now on,
 * reading every later request head as it read this one. */
static void
hand_off(struct svc_door *d, struct svc_conn *c, const struct svc_head *h)
{
	struct epoll_event ev;
	int lfd;

	list_del(&d->heads, c);
	if (relay_open(d, c, h->len, h->has_length ? h->content_length : 0, &lfd) != 0) {
		struct answer a;
		memset(&a, 0, sizeof(a));
		a.problem = P_SERVER_BUSY;
		a.detail = "the server has no room for another connection";
		(void)door__answer(d, c->fd, c->remote, c->t0_ms, c->seen, &a);
		list_add(&d->heads, c);	/* close_conn takes it off again */
		close_conn(d, c);
		return;
	}
	c->side = SIDE_RELAY;
	c->rnext = d->relays;
	if (d->relays != NULL)
		d->relays->rprev = c;
	d->relays = c;
	atomic_fetch_add(&d->nrelaying, 1);
	pthread_mutex_lock(&d->mu);
	c->owner = OWN_PENDING;
	c->lfd = lfd;
	/* a record left there belongs to a connection whose layer closed this
	 * descriptor without adopting it: the door's side of it still ends it */
	d->conns[lfd] = c;
	atomic_store(&c->state, (unsigned long long)c->t0_ms << 4 | SVC_PH_LINE);
	list_add(&d->layer, c);
	pthread_mutex_unlock(&d->mu);
	memset(&ev, 0, sizeof(ev));
	/* EPOLLOUT only while a write waits for room (relay.c): otherwise every
	 * read by the peer would wake the door */
	ev.events = EPOLLIN | EPOLLRDHUP | EPOLLET;
	ev.data.ptr = c;
	if (epoll_ctl(d->ep, EPOLL_CTL_MOD, c->fd, &ev) != 0)
		relay_cut(c);
	ev.data.ptr = c->rl;
	if (epoll_ctl(d->ep, EPOLL_CTL_ADD, c->rl->up, &ev) != 0)
		relay_cut(c);
	if (d->o.hand_off(d->o.arg, lfd, (const struct sockaddr *)&c->sa, c->salen) != 0) {
		/* the layer closed its end: the relay sees that and ends */
		pthread_mutex_lock(&d->mu);
		forget_lfd(d, c);
		pthread_mutex_unlock(&d->mu);
		relay_cut(c);
	}
	relay_pump(d, c, EPOLLIN | EPOLLOUT, EPOLLOUT);	/* the head's bytes are there */
}

static void
inspect(struct svc_door *d, struct svc_conn *c, int hangup)
{
	struct svc_head h;
	struct answer a;
	ssize_t n;
	int rc;

	c->dirty = 0;
	c->npeeks++;
	n = recv(c->fd, d->buf, sizeof(d->buf), MSG_PEEK | MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) && !hangup)
		return;
	if (n <= 0) {
		close_conn(d, c);	/* gone before its head was whole: no one to answer */
		return;
	}
	if ((size_t)n == c->seen && !hangup)
		return;
	c->seen = (size_t)n;
	rc = svc_head_check(&h, d->buf, (size_t)n);
	if (rc == SVC_HEAD_OK) {
		hand_off(d, c, &h);
		return;
	}
	if (rc == SVC_HEAD_MORE) {
		if (hangup)
			close_conn(d, c);	/* the head can no longer end */
		return;
	}
	memset(&a, 0, sizeof(a));
	a.problem = h.problem;
	a.detail = h.detail;
	a.method = h.method;
	a.target = h.target;
	a.limit = h.limit;
	refuse(d, c, &a);
}

/* Free a slot for a new connection: the oldest lingering one, else the one
 * that has waited longest for its head.  0 when a slot was freed. */
static int
evict(struct svc_door *d)
{
	struct svc_conn *c;
	struct answer a;
	char detail[160];

	if ((c = d->lingers.head) != NULL) {
		close_conn(d, c);
		return 0;
	}
	if ((c = d->heads.head) == NULL)
		return -1;
	if (c->seen > 0) {
		(void)snprintf(detail, sizeof(detail), "the server is full and this connection had not sent "
		    "its whole request head in %llu ms", (unsigned long long)(now_ms(d) - c->t0_ms));
		memset(&a, 0, sizeof(a));
		a.problem = P_SERVER_BUSY;
		a.detail = detail;
		(void)door__answer(d, c->fd, c->remote, c->t0_ms, c->seen, &a);
		(void)door__drain(d, c);
	}
	close_conn(d, c);
	return 0;
}

/* Turn away a connection that was never admitted. */
static void
turn_away(struct svc_door *d, int fd, const char *remote, enum svc_problem p, const char *detail)
{
	struct answer a;

	memset(&a, 0, sizeof(a));
	a.problem = p;
	a.detail = detail;
	(void)door__answer(d, fd, remote, now_ms(d), 0, &a);
	(void)shutdown(fd, SHUT_WR);
	/* what the client may already have sent, so that close() does not reset */
	(void)recv(fd, d->buf, sizeof(d->buf), MSG_DONTWAIT);
	close(fd);
}

static void
accept_some(struct svc_door *d)
{
	int i;

	for (i = 0; i < CB_DOOR_ACCEPT_BURST; i++) {
		struct sockaddr_storage sa;
		socklen_t salen = sizeof(sa);
		unsigned char key[16];
		char remote[INET6_ADDRSTRLEN], detail[160];
		struct svc_conn *c;
		struct epoll_event ev;
		int fd, full, over, one = 1;

		fd = accept4(d->listen_fd, (struct sockaddr *)&sa, &salen, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
				/* out of descriptors: stop accepting for a tick rather than spin */
				d->accept_paused_until = now_ms(d) + CB_DOOR_TICK_MS;
				(void)epoll_ctl(d->ep, EPOLL_CTL_DEL, d->listen_fd, NULL);
				cb_log(CB_LOG_WARN, "cannot accept connections for now", strerror(errno));
			}
			return;
		}
		addr_key(&sa, key, remote, sizeof(remote));
		pthread_mutex_lock(&d->mu);
		full = d->total >= d->o.max_connections;
		pthread_mutex_unlock(&d->mu);
		if (full && evict(d) != 0) {
			turn_away(d, fd, remote, P_SERVER_BUSY, "every connection slot is taken by requests in progress");
			continue;
		}
		if ((c = cb__calloc(1, sizeof(*c))) == NULL) {
			close(fd);
			continue;
		}
		pthread_mutex_lock(&d->mu);
		over = ip_acquire(d, key) != 0;
		if (!over) {
			d->total++;
			atomic_store(&d->open, d->total);
		}
		pthread_mutex_unlock(&d->mu);
		if (over) {
			free(c);
			(void)snprintf(detail, sizeof(detail), "this client already has %u connections open (the most "
			    "one client may have)", d->o.max_per_client);
			turn_away(d, fd, remote, P_TOO_MANY_CONNECTIONS, detail);
			continue;
		}
		/* the door writes the answers now: small ones must not wait for an
		 * ACK (Nagle and delayed ACKs cost 40 ms a request) */
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		c->kind = KIND_CONN;
		c->fd = fd;
		c->lfd = -1;
		c->door = d;
		c->sa = sa;
		c->salen = salen;
		memcpy(c->key, key, 16);
		memcpy(c->remote, remote, sizeof(remote));
		c->t0_ms = now_ms(d);
		list_add(&d->heads, c);
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN | EPOLLRDHUP | EPOLLET;
		ev.data.ptr = c;
		if (epoll_ctl(d->ep, EPOLL_CTL_ADD, fd, &ev) != 0)
			close_conn(d, c);
	}
}

/* ---- deadlines ------------------------------------------------------------------ */

static unsigned
phase_limit(const struct svc_door *d, unsigned phase)
{
	switch (phase) {
	case SVC_PH_IDLE:
	case SVC_PH_LINE: return d->o.header_timeout_ms;
	case SVC_PH_BODY: return d->o.body_timeout_ms;
	case SVC_PH_SEND: return d->o.send_timeout_ms;
	default: return 0;
	}
}

/* Cut handed-over connections past their phase's deadline (d->mu held). */
static void
reap_layer(struct svc_door *d, uint64_t now)
{
	struct svc_conn *c, *next;

	for (c = d->layer.head; c != NULL; c = next) {
		unsigned long long st;
		unsigned phase, limit;
		uint64_t since;

		next = c->next;
		/* not yet adopted, or the door's side is done and the layer's ending */
		if (c->owner == OWN_PENDING || c->door_done || c->side != SIDE_RELAY)
			continue;
		st = atomic_load(&c->state);
		phase = (unsigned)(st & 15u);
		since = st >> 4;
		limit = phase_limit(d, phase);
		/* answered, but the client has not read it all yet */
		if (phase == SVC_PH_IDLE && c->rl != NULL && c->rl->outoff < c->rl->outlen)
			limit = d->o.send_timeout_ms;
		/* the next head is arriving: the relay keeps its deadline (and answers 408) */
		if (phase == SVC_PH_IDLE && c->rl != NULL && c->rl->head_pending)
			continue;
		if (limit == 0 || now < since + limit)
			continue;
		if (!atomic_compare_exchange_strong(&c->state, &st, (since << 4) | SVC_PH_CUT))
			continue;	/* it moved on meanwhile */
		if (phase == SVC_PH_LINE || phase == SVC_PH_BODY) {
			struct answer a;
			char detail[160];
			(void)snprintf(detail, sizeof(detail), "the request %s did not arrive within %u ms",
			    phase == SVC_PH_LINE ? "head" : "body", limit);
			memset(&a, 0, sizeof(a));
			a.problem = P_REQUEST_TIMEOUT;
			a.detail = detail;
			(void)door__answer(d, c->fd, c->remote, since, 0, &a);
		}
		/* the layer sees the end of stream and closes; an idle keep-alive
		 * connection or a client that does not read just goes */
		relay_cut(c);
	}
}

/* Make the calls that are due (all of them when @now is UINT64_MAX).  They
 * are made without the lock: a call may defer again. */
static void
run_deferrals(struct svc_door *d, uint64_t now)
{
	for (;;) {
		struct deferral due;
		size_t i;
		int found = 0;

		pthread_mutex_lock(&d->mu);
		for (i = 0; i < d->ndefer; i++)
			if (d->defer[i].due_ms <= now) {
				due = d->defer[i];
				d->defer[i] = d->defer[--d->ndefer];
				found = 1;
				break;
			}
		pthread_mutex_unlock(&d->mu);
		if (!found)
			return;
		due.fn(due.arg);
	}
}

static void
tick(struct svc_door *d)
{
	uint64_t now = now_ms(d);
	struct svc_conn *c, *next;

	while ((c = d->heads.head) != NULL && now - c->t0_ms >= d->o.header_timeout_ms) {
		if (c->seen > 0) {
			struct answer a;
			char detail[160];
			(void)snprintf(detail, sizeof(detail), "the request head did not arrive within %u ms "
			    "(%zu bytes came)", d->o.header_timeout_ms, c->seen);
			memset(&a, 0, sizeof(a));
			a.problem = P_REQUEST_TIMEOUT;
			a.detail = detail;
			refuse(d, c, &a);
		} else
			close_conn(d, c);
	}
	for (c = d->heads.head; c != NULL; c = next) {
		next = c->next;
		if (c->dirty)
			inspect(d, c, 0);
	}
	while ((c = d->lingers.head) != NULL && now >= c->linger_until)
		close_conn(d, c);
	relay_tick(d, now);
	pthread_mutex_lock(&d->mu);
	reap_layer(d, now);
	if (now - d->last_sweep >= 1000) {
		ip_sweep(d);
		d->last_sweep = now;
	}
	pthread_mutex_unlock(&d->mu);
	run_deferrals(d, now);
	if (d->accept_paused_until != 0 && now >= d->accept_paused_until && d->listen_fd >= 0) {
		struct epoll_event ev;
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN;
		ev.data.ptr = &listen_tag;
		if (epoll_ctl(d->ep, EPOLL_CTL_ADD, d->listen_fd, &ev) == 0)
			d->accept_paused_until = 0;
	}
	d->last_tick = now;
}

static void
do_quiesce(struct svc_door *d)
{
	struct svc_conn *c;

	d->quiesced = 1;
	if (d->listen_fd >= 0) {
		(void)epoll_ctl(d->ep, EPOLL_CTL_DEL, d->listen_fd, NULL);
		close(d->listen_fd);
		d->listen_fd = -1;
	}
	run_deferrals(d, UINT64_MAX);	/* the layer must have every connection back before it stops */
	while ((c = d->lingers.head) != NULL)
		close_conn(d, c);
	while ((c = d->heads.head) != NULL) {
		if (c->seen > 0) {
			struct answer a;
			memset(&a, 0, sizeof(a));
			a.problem = P_SHUTTING_DOWN;
			a.detail = "the server is shutting down; retry shortly";
			(void)door__answer(d, c->fd, c->remote, c->t0_ms, c->seen, &a);
			(void)door__drain(d, c);
		}
		close_conn(d, c);
	}
}

static void *
door_main(void *arg)
{
	struct svc_door *d = arg;
	struct epoll_event evs[64];
	int i, n;

	while (!atomic_load(&d->stop)) {
		if (atomic_load(&d->quiesce) && !d->quiesced)
			do_quiesce(d);
		/* relays with more to do get their next turn at once */
		n = epoll_wait(d->ep, evs, 64, d->nagain > 0 ? 0 : CB_DOOR_TICK_MS);
		for (i = 0; i < n; i++) {
			void *p = evs[i].data.ptr;
			struct svc_conn *c = p;
			if (*(const unsigned char *)p == KIND_UP) {
				struct relay *rl = p;
				relay_pump(d, rl->c, 0, evs[i].events);
			} else if (p == &listen_tag) {
				if (!d->quiesced)
					accept_some(d);
			} else if (p == &wake_tag) {
				uint64_t v;
				(void)!read(d->wake, &v, sizeof(v));
			} else if (c->side == SIDE_DONE) {
				continue;
			} else if (c->side == SIDE_RELAY || c->side == SIDE_RLINGER) {
				relay_pump(d, c, evs[i].events, 0);
			} else if (c->side == SIDE_LINGER) {
				if (door__drain(d, c))
					close_conn(d, c);
			} else if (c->npeeks < CB_DOOR_FAST_PEEKS || (evs[i].events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))) {
				inspect(d, c, (evs[i].events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0);
			} else
				c->dirty = 1;
		}
		if (now_ms(d) - d->last_tick >= CB_DOOR_TICK_MS)
			tick(d);
		else if (d->nagain > 0)
			relay_tick(d, now_ms(d));
		bury(d);
	}
	return NULL;
}

/* ---- the API --------------------------------------------------------------------- */

static void
wake(struct svc_door *d)
{
	uint64_t one = 1;

	(void)!write(d->wake, &one, sizeof(one));
}

int
svc_door_start(struct svc_door **out, const struct svc_door_opts *o)
{
	struct svc_door *d;
	struct epoll_event ev;
	struct rlimit rl;
	size_t want;
	int rc = CB_ENOMEM;

	*out = NULL;
	if ((d = cb__calloc(1, sizeof(*d))) == NULL)
		return cb__fail(CB_ENOMEM, "out of memory");
	d->o = *o;
	d->listen_fd = o->listen_fd;
	d->ep = d->wake = -1;
	d->start_ns = cb_time_mono_ns();
	pthread_mutex_init(&d->mu, NULL);
	d->nconns_max = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur < (1u << 22) ? (size_t)rl.rlim_cur : (1u << 22);
	for (want = 64; want < 2 * (size_t)o->max_connections; want *= 2)
		;
	d->nips = want;
	if ((d->conns = cb__calloc(d->nconns_max, sizeof(*d->conns))) == NULL ||
	    (d->ips = cb__calloc(d->nips, sizeof(*d->ips))) == NULL) {
		rc = cb__fail(CB_ENOMEM, "out of memory");
		goto fail;
	}
	if ((d->ep = epoll_create1(EPOLL_CLOEXEC)) < 0 ||
	    (d->wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0) {
		rc = cb__fail(CB_EIO, "the front door: %s", strerror(errno));
		goto fail;
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.ptr = &listen_tag;
	if (epoll_ctl(d->ep, EPOLL_CTL_ADD, d->listen_fd, &ev) != 0) {
		rc = cb__fail(CB_EIO, "the front door: %s", strerror(errno));
		goto fail;
	}
	ev.data.ptr = &wake_tag;
	if (epoll_ctl(d->ep, EPOLL_CTL_ADD, d->wake, &ev) != 0 ||
	    pthread_create(&d->thread, NULL, door_main, d) != 0) {
		rc = cb__fail(CB_EIO, "the front door: %s", strerror(errno));
		goto fail;
	}
	d->running = 1;
	*out = d;
	return CB_OK;
fail:
	d->listen_fd = -1;	/* the caller still owns it */
	svc_door_free(d);
	return rc;
}

void
svc_door_quiesce(struct svc_door *d)
{
	if (d == NULL)
		return;
	atomic_store(&d->quiesce, 1);
	wake(d);
}

void
svc_door_free(struct svc_door *d)
{
	struct svc_conn *c;
	size_t i;

	if (d == NULL)
		return;
	if (d->running) {
		/* the layer has closed its ends: let the relays pass on its last answers */
		for (i = 0; i < CB_DOOR_DRAIN_MS / 10 && atomic_load(&d->nrelaying) > 0; i++) {
			struct timespec ts = { 0, 10 * 1000000L };
			nanosleep(&ts, NULL);
		}
		atomic_store(&d->stop, 1);
		wake(d);
		pthread_join(d->thread, NULL);
		d->running = 0;
	}
	if (!d->quiesced && d->ep >= 0)
		do_quiesce(d);
	relay_close_all(d);
	bury(d);
	if (d->listen_fd >= 0)
		close(d->listen_fd);
	/* the layer has released every connection by now; forget any record left */
	while ((c = d->layer.head) != NULL) {
		list_del(&d->layer, c);
		relay_free(c->rl);
		free(c);
	}
	for (i = 0; d->ips != NULL && i < d->nips; i++)
		while (d->ips[i] != NULL) {
			struct ipnode *n = d->ips[i];
			d->ips[i] = n->next;
			free(n);
		}
	if (d->ep >= 0)
		close(d->ep);
	if (d->wake >= 0)
		close(d->wake);
	free(d->defer);
	free(d->conns);
	free(d->ips);
	pthread_mutex_destroy(&d->mu);
	free(d);
}

unsigned
svc_door_open_connections(struct svc_door *d)
{
	return d != NULL ? atomic_load(&d->open) : 0;
}

struct svc_conn *
svc_door_adopt(struct svc_door *d, int fd)
{
	struct svc_conn *c = NULL;

	if (d == NULL || fd < 0 || (size_t)fd >= d->nconns_max)
		return NULL;
	pthread_mutex_lock(&d->mu);
	if ((c = d->conns[fd]) != NULL && c->owner == OWN_PENDING && !c->door_done)
		c->owner = OWN_LAYER;
	else
		c = NULL;
	pthread_mutex_unlock(&d->mu);
	return c;
}

void
svc_door_release(struct svc_door *d, struct svc_conn *c)
{
	if (d == NULL || c == NULL)
		return;
	pthread_mutex_lock(&d->mu);
	forget_lfd(d, c);
	c->layer_done = 1;
	if (c->door_done)
		retire(d, c);
	pthread_mutex_unlock(&d->mu);
}

int
svc_conn_phase(struct svc_conn *c, enum svc_phase to, int restart)
{
	unsigned long long st, nst;

	if (c == NULL)
		return 0;
	st = atomic_load(&c->state);
	do {
		if ((st & 15u) == SVC_PH_CUT)
			return -1;
		nst = ((restart ? (unsigned long long)now_ms(c->door) : st >> 4) << 4) | (unsigned)to;
	} while (!atomic_compare_exchange_weak(&c->state, &st, nst));
	if (to == SVC_PH_IDLE)
		atomic_fetch_add(&c->completed, 1);	/* the relay may answer a refused later head */
	return 0;
}

const char *
svc_conn_remote(const struct svc_conn *c)
{
	return c != NULL ? c->remote : "";
}

/* ---- the budget of clients without a key --------------------------------------- */

static struct ipnode *
client_of(struct svc_door *d, const struct svc_conn *c)
{
	struct ipnode *n = *ip_find(d, c->key);

	if (n != NULL)
		refill(d, n);
	return n;
}

unsigned
svc_door_owed(struct svc_door *d, struct svc_conn *c)
{
	struct ipnode *n;
	uint64_t ms = 0;

	if (d == NULL || c == NULL)
		return 0;
	pthread_mutex_lock(&d->mu);
	if ((n = client_of(d, c)) != NULL && n->tokens < 0)
		ms = (uint64_t)(-n->tokens) * 1000u / CB_SVC_ANON_RATE + 1;
	pthread_mutex_unlock(&d->mu);
	return ms > CB_SVC_ANON_MAX_WAIT_MS ? CB_SVC_ANON_MAX_WAIT_MS : (unsigned)ms;
}

void
svc_door_charge(struct svc_door *d, struct svc_conn *c, size_t cost)
{
	struct ipnode *n;

	if (d == NULL || c == NULL)
		return;
	pthread_mutex_lock(&d->mu);
	if ((n = client_of(d, c)) != NULL) {
		int64_t k = cost > (size_t)CB_SVC_ANON_BURST ? CB_SVC_ANON_BURST : (int64_t)cost;
		/* the debt is bounded: a client never waits more than the burst's worth */
		n->tokens = n->tokens - k < -(int64_t)CB_SVC_ANON_BURST ? -(int64_t)CB_SVC_ANON_BURST : n->tokens - k;
	}
	pthread_mutex_unlock(&d->mu);
}

int
svc_door_defer(struct svc_door *d, unsigned ms, void (*fn)(void *), void *arg)
{
	int rc = -1;

	if (d == NULL)
		return -1;
	pthread_mutex_lock(&d->mu);
	if (!atomic_load(&d->quiesce) && !atomic_load(&d->stop)) {
		if (d->ndefer == d->defer_cap) {
			size_t ncap = d->defer_cap ? d->defer_cap * 2 : 64;
			struct deferral *nd = cb__reallocarray(d->defer, ncap, sizeof(*nd));
			if (nd != NULL) {
				d->defer = nd;
				d->defer_cap = ncap;
			}
		}
		if (d->ndefer < d->defer_cap) {
			d->defer[d->ndefer].due_ms = now_ms(d) + ms;
			d->defer[d->ndefer].fn = fn;
			d->defer[d->ndefer].arg = arg;
			d->ndefer++;
			rc = 0;
		}
	}
	pthread_mutex_unlock(&d->mu);
	return rc;
}
