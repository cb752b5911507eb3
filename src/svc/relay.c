/* SPDX-License-Identifier: Apache-2.0 */
/*
 * relay.c - the door's side of a handed-over connection (door_int.h).
 *
 * libmicrohttpd 0.9.75 answers a request head it cannot parse with its own
 * HTML page, and on a keep-alive connection it would read every request
 * after the first one by itself.  So it never gets the client's socket: it
 * gets one end of a socket pair, and the door passes the bytes along,
 * reading each request head as it read the first (framing.c) before any
 * byte of it goes on.  A head that fails is never passed on: once the
 * layer has answered the requests before it, the door answers it with a
 * problem document and closes, as it does a first head.
 *
 * A request is passed on whole by count: its head's bytes and then
 * Content-Length more (the framing rules leave no other way to send a
 * body), so the next head starts exactly where the count ends.  The
 * layer's bytes go back as they come, unread.
 *
 * Every descriptor is non-blocking and watched edge-triggered; a pump moves
 * what it can each way until nothing moves, at most CB_DOOR_RELAY_ROUNDS
 * rounds per event before the other connections' turn.  It calls only
 * what epoll said is ready and stops at a short read or write: the relay
 * costs each request two calls each way (measured in docs/http.md).
 */
#include "door_int.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "alloc.h"

static void grow_in(struct relay *rl);

static int
would_block(void)
{
	return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
}

int
relay_open(struct svc_door *d, struct svc_conn *c, size_t len, uint64_t body, int *lfd)
{
	struct relay *rl;
	int sv[2];

	*lfd = -1;
	/* the answers' buffer is written before it is read: only the rest is cleared */
	if ((rl = cb__malloc(sizeof(*rl))) == NULL)
		return -1;
	memset(rl, 0, offsetof(struct relay, out));
	if ((rl->in = cb__malloc(CB_SVC_MAX_HEAD)) == NULL) {
		free(rl);
		return -1;
	}
	rl->incap = CB_SVC_MAX_HEAD;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0) {
		relay_free(rl);
		return -1;
	}
	if ((size_t)sv[1] >= d->nconns_max) {
		close(sv[0]);
		close(sv[1]);
		relay_free(rl);
		errno = EMFILE;
		return -1;
	}
	rl->kind = KIND_UP;
	rl->c = c;
	rl->up = sv[0];
	rl->fwd_left = (uint64_t)len + body;	/* the first request, read by the door already */
	rl->forwarded = 1;
	grow_in(rl);
	c->rl = rl;
	*lfd = sv[1];
	return 0;
}

void
relay_free(struct relay *rl)
{
	if (rl == NULL)
		return;
	free(rl->in);
	free(rl);
}

/* A large body is passing: read it in larger pieces (fewer calls); the
 * buffer goes back to a head's size once the connection is quiet (tick). */
static void
grow_in(struct relay *rl)
{
	char *p;

	if (rl->incap >= CB_DOOR_RELAY_IN || rl->fwd_left < CB_SVC_MAX_HEAD)
		return;
	if ((p = cb__realloc(rl->in, CB_DOOR_RELAY_IN)) == NULL)
		return;	/* the small buffer still works */
	rl->in = p;
	rl->incap = CB_DOOR_RELAY_IN;
}

static void
shrink_in(struct relay *rl)
{
	char *p;

	if (rl->incap == CB_SVC_MAX_HEAD || rl->inlen > 0 || rl->fwd_left > 0)
		return;
	if ((p = cb__malloc(CB_SVC_MAX_HEAD)) == NULL)
		return;
	free(rl->in);
	rl->in = p;
	rl->incap = CB_SVC_MAX_HEAD;
}

/* Stop watching and close the door's descriptors of @c; its record goes
 * when the layer has let go too. */
static void
relay_close(struct svc_door *d, struct svc_conn *c)
{
	if (c->side == SIDE_RELAY)
		atomic_fetch_sub(&d->nrelaying, 1);
	if (c->rl->again)
		d->nagain--;
	c->rl->again = 0;
	if (c->rl->up >= 0)
		close(c->rl->up);
	c->rl->up = -1;	/* the relay itself goes with the record: an event may still point at it */
	close(c->fd);
	c->fd = -1;
	c->side = SIDE_DONE;
	if (c->rprev != NULL)
		c->rprev->rnext = c->rnext;
	else
		d->relays = c->rnext;
	if (c->rnext != NULL)
		c->rnext->rprev = c->rprev;
	c->rprev = c->rnext = NULL;
	door__side_done(d, c);
}

/* Nothing more goes either way: close the layer's side, tell the client
 * it is over, and read what it still sends for a while, so that closing
 * does not reset the connection before it has read the last answer. */
static void
relay_linger(struct svc_door *d, struct svc_conn *c)
{
	if (c->rl->c_eof) {
		relay_close(d, c);
		return;
	}
	atomic_fetch_sub(&d->nrelaying, 1);
	c->side = SIDE_RLINGER;
	(void)shutdown(c->rl->up, SHUT_RDWR);	/* the layer sees the end and closes */
	(void)shutdown(c->fd, SHUT_WR);
	c->linger_until = door__now_ms(d) + CB_SVC_LINGER_MS;
	if (door__drain(d, c))
		relay_close(d, c);
}

/* Watch @fd for room to write (@out) or not; *@state remembers which. */
static void
watch_out(struct svc_door *d, int fd, void *ptr, int out, int *state)
{
	struct epoll_event ev;

	if (*state == out || fd < 0)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | EPOLLRDHUP | EPOLLET | (out ? EPOLLOUT : 0);
	ev.data.ptr = ptr;
	if (epoll_ctl(d->ep, EPOLL_CTL_MOD, fd, &ev) == 0)
		*state = out;
}

/* Read the client's bytes into @in; 1 when something happened. */
static int
from_client(struct svc_conn *c, struct relay *rl)
{
	ssize_t n;

	if (rl->c_eof || rl->refusing || !rl->c_rd)
		return 0;
	if (rl->inoff > 0) {
		memmove(rl->in, rl->in + rl->inoff, rl->inlen - rl->inoff);
		rl->inlen -= rl->inoff;
		rl->inoff = 0;
	}
	if (rl->inlen == rl->incap)
		return 0;
	n = recv(c->fd, rl->in + rl->inlen, rl->incap - rl->inlen, MSG_DONTWAIT);
	if (n >= 0 && (size_t)n < rl->incap - rl->inlen)
		rl->c_rd = 0;	/* it has given all it had */
	if (n > 0) {
		/* a head can only end, or be found at fault, on a line end: read
		 * again then, not on every piece of a head sent byte by byte */
		if (memchr(rl->in + rl->inlen, '\n', (size_t)n) != NULL)
			rl->recheck = 1;
		rl->inlen += (size_t)n;
		return 1;
	}
	if (n < 0 && would_block()) {
		rl->c_rd = errno == EINTR;
		return 0;
	}
	rl->c_eof = 1;
	rl->c_err = n < 0;
	return 1;
}

/* Pass on the client's bytes, a request at a time, each head read first;
 * 1 when something happened. */
static int
to_layer(struct svc_door *d, struct relay *rl)
{
	int moved = 0;

	while (rl->inoff < rl->inlen && !rl->refusing && !rl->up_eof && !rl->up_shut && rl->up_wr) {
		size_t k = rl->inlen - rl->inoff;
		ssize_t w;

		if (rl->fwd_left == 0) {
			struct svc_head h;
			int rc;

			if (!rl->head_pending) {
				rl->head_pending = 1;	/* its deadline runs from its first byte */
				rl->head_t0 = door__now_ms(d);
			}
			if (!rl->recheck && k < CB_SVC_MAX_HEAD)
				break;
			rl->recheck = 0;
			rc = svc_head_check(&h, rl->in + rl->inoff, k);
			if (rc == SVC_HEAD_MORE)
				break;
			if (rc == SVC_HEAD_BAD) {
				rl->refusing = 1;
				rl->bad = h;
				return 1;
			}
			rl->fwd_left = (uint64_t)h.len + (h.has_length ? h.content_length : 0);
			rl->forwarded++;
			grow_in(rl);
			rl->head_pending = 0;
		}
		if (k > rl->fwd_left)
			k = (size_t)rl->fwd_left;
		w = send(rl->up, rl->in + rl->inoff, k, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (w < 0) {
			/* the layer has closed: what it wrote before is still to be read */
			if (!would_block())
				rl->up_shut = 1;
			rl->up_wr = errno == EINTR;
			break;
		}
		if ((size_t)w < k)
			rl->up_wr = 0;	/* full: EPOLLOUT will say when there is room */
		rl->inoff += (size_t)w;
		rl->fwd_left -= (uint64_t)w;
		if (rl->fwd_left == 0)
			rl->recheck = 1;	/* the next head may be here already */
		moved = 1;
	}
	if (rl->inoff == rl->inlen)
		rl->inoff = rl->inlen = 0;
	return moved;
}

/* Read the layer's bytes into @out; 1 when something happened. */
static int
from_layer(struct relay *rl)
{
	ssize_t n;

	if (rl->up_eof || rl->outlen == sizeof(rl->out) || !rl->up_rd)
		return 0;
	n = recv(rl->up, rl->out + rl->outlen, sizeof(rl->out) - rl->outlen, MSG_DONTWAIT);
	if (n >= 0 && (size_t)n < sizeof(rl->out) - rl->outlen)
		rl->up_rd = 0;
	if (n > 0) {
		rl->outlen += (size_t)n;
		return 1;
	}
	if (n < 0 && would_block()) {
		rl->up_rd = errno == EINTR;
		return 0;
	}
	rl->up_eof = 1;
	return 1;
}

/* Give the client the layer's bytes; 1 when something happened. */
static int
to_client(struct svc_conn *c, struct relay *rl)
{
	ssize_t w;

	if (rl->outoff == rl->outlen || rl->c_err || !rl->c_wr)
		return 0;
	w = send(c->fd, rl->out + rl->outoff, rl->outlen - rl->outoff, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (w < 0) {
		if (would_block()) {
			rl->c_wr = errno == EINTR;
			return 0;
		}
		rl->c_eof = rl->c_err = 1;	/* gone: nothing it sends or is sent matters now */
		return 1;
	}
	if ((size_t)w < rl->outlen - rl->outoff)
		rl->c_wr = 0;
	rl->outoff += (size_t)w;
	if (rl->outoff == rl->outlen)
		rl->outoff = rl->outlen = 0;
	return 1;
}

/* Answer the refused later head (the layer has answered every request
 * before it, and the client has all of those answers). */
static void
answer_refusal(struct svc_door *d, struct svc_conn *c)
{
	struct relay *rl = c->rl;
	struct answer a;

	memset(&a, 0, sizeof(a));
	a.problem = rl->bad.problem;
	a.detail = rl->bad.detail;
	a.method = rl->bad.method;
	a.target = rl->bad.target;
	a.limit = rl->bad.limit;
	(void)door__answer(d, c->fd, c->remote, c->t0_ms, rl->inlen - rl->inoff, &a);
	relay_linger(d, c);
}

/* What to do once nothing more moves: end, answer, or wait. */
static void
settle(struct svc_door *d, struct svc_conn *c, unsigned done_before)
{
	struct relay *rl = c->rl;
	int flushed = rl->outoff == rl->outlen;

	if (rl->c_err) {
		relay_close(d, c);
		return;
	}
	/* a write that found no room waits for EPOLLOUT; once all is written,
	 * the peer's reads need not wake the door */
	watch_out(d, c->fd, c, !rl->c_wr && rl->outoff < rl->outlen, &rl->c_out);
	watch_out(d, rl->up, rl, !rl->up_wr && rl->inoff < rl->inlen && rl->fwd_left > 0, &rl->up_out);
	if (rl->refusing && flushed && done_before == rl->forwarded) {
		answer_refusal(d, c);
		return;
	}
	if (rl->up_eof && flushed) {
		relay_linger(d, c);	/* the layer has closed: its last answer is out */
		return;
	}
	/* the client sends no more: once its whole requests are on, the layer
	 * is told (the bytes of an unfinished one will never come) */
	if (rl->c_eof && !rl->up_shut && (rl->inoff == rl->inlen || rl->fwd_left == 0)) {
		rl->up_shut = 1;
		(void)shutdown(rl->up, SHUT_WR);
	}
}

void
relay_pump(struct svc_door *d, struct svc_conn *c, uint32_t cev, uint32_t upev)
{
	struct relay *rl = c->rl;
	unsigned done_before;
	int round;

	if (cev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		rl->c_rd = 1;
	if (cev & (EPOLLOUT | EPOLLHUP | EPOLLERR))
		rl->c_wr = 1;
	if (upev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		rl->up_rd = 1;
	if (upev & (EPOLLOUT | EPOLLHUP | EPOLLERR))
		rl->up_wr = 1;
	if (c->side == SIDE_RLINGER) {
		if (door__drain(d, c))
			relay_close(d, c);
		return;
	}
	if (c->side != SIDE_RELAY)
		return;
	/* the layer's answers to requests it finished before this point are
	 * in the pair already: read until it is empty, and they are all read
	 * (epoll may not have said so yet: a refusal waiting on them looks) */
	done_before = atomic_load(&c->completed);
	if (rl->refusing)
		rl->up_rd = 1;
	if (rl->again) {
		rl->again = 0;
		d->nagain--;
	}
	for (round = 0; round < CB_DOOR_RELAY_ROUNDS; round++) {
		int moved = from_client(c, rl);
		moved |= to_layer(d, rl);
		moved |= from_layer(rl);
		moved |= to_client(c, rl);
		if (!moved)
			break;
	}
	if (round == CB_DOOR_RELAY_ROUNDS) {
		rl->again = 1;	/* its turn is up: the rest after the others' */
		d->nagain++;
		return;
	}
	settle(d, c, done_before);
}

void
relay_tick(struct svc_door *d, uint64_t now)
{
	struct svc_conn *c, *next;

	for (c = d->relays; c != NULL; c = next) {
		struct relay *rl = c->rl;
		next = c->rnext;
		if (c->side == SIDE_RLINGER) {
			if (now >= c->linger_until)
				relay_close(d, c);
			continue;
		}
		shrink_in(rl);
		if (rl->head_pending && !rl->refusing && now >= rl->head_t0 + d->o.header_timeout_ms) {
			rl->refusing = 1;
			memset(&rl->bad, 0, sizeof(rl->bad));
			rl->bad.problem = P_REQUEST_TIMEOUT;
			(void)snprintf(rl->bad.detail, sizeof(rl->bad.detail), "the request head did not arrive "
			    "within %u ms (%zu bytes came)", d->o.header_timeout_ms, rl->inlen - rl->inoff);
			relay_pump(d, c, 0, 0);
		} else if (rl->refusing || rl->again) {
			relay_pump(d, c, 0, 0);	/* the layer may have finished meanwhile */
		}
	}
}

void
relay_cut(struct svc_conn *c)
{
	(void)shutdown(c->fd, SHUT_RDWR);
	if (c->rl != NULL && c->rl->up >= 0)
		(void)shutdown(c->rl->up, SHUT_RDWR);
}

void
relay_close_all(struct svc_door *d)
{
	while (d->relays != NULL)
		relay_close(d, d->relays);
}
