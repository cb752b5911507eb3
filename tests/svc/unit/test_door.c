/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_door.c - the front door (door.c) on a loopback socket, with a fake
 * HTTP layer: hand-over with the head left unread, refusals as problems,
 * the per-client and total limits, the head deadline, the deadlines of a
 * handed-over connection, the budget of clients without a key, deferred
 * calls.
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "svc/door.h"

static struct svc_door *door;
static int port;
static atomic_int refusals, handed, keep_mode;
static char last_read[1024];
static struct svc_conn *kept;
static int kept_fd = -1;

static void
rid(void *arg, char out[CB_SVC_REQUEST_ID_MAX + 1])
{
	(void)arg;
	snprintf(out, CB_SVC_REQUEST_ID_MAX + 1, "test-%d", atomic_load(&refusals));
}

static void
refused(void *arg, const struct svc_refusal *rf)
{
	(void)arg;
	(void)rf;
	atomic_fetch_add(&refusals, 1);
}

/* The fake layer: adopt, read the request the door left unread, answer. */
static int
hand_off(void *arg, int fd, const struct sockaddr *sa, socklen_t salen)
{
	struct svc_conn *c = svc_door_adopt(door, fd);
	struct pollfd pfd = { fd, POLLIN, 0 };
	ssize_t n;

	(void)arg;
	(void)sa;
	(void)salen;
	cr_assert_not_null(c, "the door handed over a connection it knows");
	atomic_fetch_add(&handed, 1);
	if (atomic_load(&keep_mode)) {
		/* keep it, idle, as a keep-alive connection would be */
		kept = c;
		kept_fd = fd;
		(void)svc_conn_phase(c, SVC_PH_IDLE, 1);
		return 0;
	}
	(void)poll(&pfd, 1, 2000);
	n = recv(fd, last_read, sizeof(last_read) - 1, MSG_DONTWAIT);
	last_read[n > 0 ? n : 0] = '\0';
	(void)!write(fd, "HTTP/1.1 204 No Content\r\n\r\n", 27);
	svc_door_release(door, c);
	close(fd);
	return 0;
}

static void
start(unsigned max_conn, unsigned per_client, unsigned head_ms)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	struct svc_door_opts o;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	cr_assert_eq(listen(fd, 128), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	port = ntohs(sa.sin_port);
	memset(&o, 0, sizeof(o));
	o.listen_fd = fd;
	o.max_connections = max_conn;
	o.max_per_client = per_client;
	o.header_timeout_ms = head_ms;
	o.body_timeout_ms = head_ms;
	o.send_timeout_ms = head_ms;
	o.hand_off = hand_off;
	o.refused = refused;
	o.request_id = rid;
	cr_assert_eq(svc_door_start(&door, &o), 0);
}

static void
stop(void)
{
	svc_door_quiesce(door);
	if (kept != NULL) {
		svc_door_release(door, kept);
		close(kept_fd);
		kept = NULL;
	}
	svc_door_free(door);
	door = NULL;
}

static int
dial(const char *src)
{
	struct sockaddr_in sa, me;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	memset(&me, 0, sizeof(me));
	me.sin_family = AF_INET;
	inet_pton(AF_INET, src, &me.sin_addr);
	cr_assert_eq(bind(fd, (struct sockaddr *)&me, sizeof(me)), 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0, "%s", strerror(errno));
	return fd;
}

/* Everything the server sends until it closes or @ms pass; -1 on a reset. */
static ssize_t
answer(int fd, char *buf, size_t size, int ms)
{
	size_t o = 0;
	struct pollfd pfd = { fd, POLLIN, 0 };

	while (o + 1 < size && poll(&pfd, 1, ms) > 0) {
		ssize_t n = recv(fd, buf + o, size - o - 1, 0);
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		o += (size_t)n;
	}
	buf[o] = '\0';
	return (ssize_t)o;
}

static void
say(int fd, const char *s)
{
	cr_assert_eq(send(fd, s, strlen(s), MSG_NOSIGNAL), (ssize_t)strlen(s));
}

Test(door, hands_over_with_the_head_unread)
{
	char buf[2048];
	const char *req = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
	int fd;

	start(64, 8, 5000);
	fd = dial("127.0.0.1");
	say(fd, req);
	cr_assert_gt(answer(fd, buf, sizeof(buf), 3000), 0);
	cr_assert(strncmp(buf, "HTTP/1.1 204", 12) == 0, "%s", buf);
	cr_assert_str_eq(last_read, req, "the layer reads the head the door peeked at");
	close(fd);
	stop();
}

Test(door, refuses_bad_framing_with_a_problem)
{
	char buf[2048];
	int fd, before;

	start(64, 8, 5000);
	before = atomic_load(&refusals);
	fd = dial("127.0.0.1");
	say(fd, "POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello");
	cr_assert_gt(answer(fd, buf, sizeof(buf), 3000), 0);
	cr_assert(strncmp(buf, "HTTP/1.1 400 Bad Request\r\n", 26) == 0, "%s", buf);
	cr_assert(strstr(buf, "Content-Type: application/problem+json\r\n") != NULL);
	cr_assert(strstr(buf, "\"type\":\"/problems/malformed-request\"") != NULL, "%s", buf);
	cr_assert(strstr(buf, "Connection: close") != NULL);
	cr_assert(strstr(buf, "\"instance\":\"/v1/events\"") != NULL, "%s", buf);
	cr_assert_eq(atomic_load(&refusals), before + 1);
	close(fd);
	stop();
}

Test(door, per_client_limit)
{
	char buf[2048];
	int a, b, c, other;

	start(64, 2, 5000);
	a = dial("127.0.0.1");
	b = dial("127.0.0.1");
	usleep(200000);
	c = dial("127.0.0.1");
	cr_assert_gt(answer(c, buf, sizeof(buf), 3000), 0);
	cr_assert(strncmp(buf, "HTTP/1.1 429", 12) == 0, "%s", buf);
	cr_assert(strstr(buf, "Retry-After: 1\r\n") != NULL);
	cr_assert(strstr(buf, "too-many-connections") != NULL);
	/* another client is not affected */
	other = dial("127.0.0.3");
	say(other, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
	cr_assert_gt(answer(other, buf, sizeof(buf), 3000), 0);
	cr_assert(strncmp(buf, "HTTP/1.1 204", 12) == 0, "%s", buf);
	close(a);
	close(b);
	close(c);
	close(other);
	stop();
}

Test(door, head_deadline)
{
	char buf[2048];
	struct timespec t0, t1;
	int slow, silent;
	double ms;

	start(64, 8, 400);
	slow = dial("127.0.0.1");
	silent = dial("127.0.0.1");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	say(slow, "GET / HTTP/1.1\r\nHo");
	cr_assert_gt(answer(slow, buf, sizeof(buf), 3000), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	cr_assert(strncmp(buf, "HTTP/1.1 408", 12) == 0, "%s", buf);
	cr_assert(ms >= 350 && ms < 2000, "cut after %.0f ms", ms);
	/* one that sent nothing is closed without an answer */
	cr_assert_eq(answer(silent, buf, sizeof(buf), 3000), 0);
	close(slow);
	close(silent);
	stop();
}

Test(door, full_server_drops_the_slowest)
{
	char buf[2048];
	int fds[16], fresh, i;

	start(16, 0, 10000);
	for (i = 0; i < 16; i++) {
		fds[i] = dial("127.0.0.1");
		say(fds[i], "GET / HTTP/1.1\r\n");	/* a head that does not end */
		usleep(10000);
	}
	usleep(200000);
	cr_assert_eq(svc_door_open_connections(door), 16);
	fresh = dial("127.0.0.1");
	/* the oldest waiting connection made room */
	cr_assert_gt(answer(fds[0], buf, sizeof(buf), 3000), 0);
	cr_assert(strncmp(buf, "HTTP/1.1 503", 12) == 0, "%s", buf);
	cr_assert(strstr(buf, "server-busy") != NULL);
	say(fresh, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
	cr_assert_gt(answer(fresh, buf, sizeof(buf), 3000), 0);
	cr_assert(strncmp(buf, "HTTP/1.1 204", 12) == 0, "%s", buf);
	for (i = 0; i < 16; i++)
		close(fds[i]);
	close(fresh);
	stop();
}

Test(door, handed_over_connection_deadline)
{
	char buf[256];
	int fd;

	atomic_store(&keep_mode, 1);
	start(64, 8, 300);
	fd = dial("127.0.0.1");
	say(fd, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
	/* the fake layer keeps it idle: after the header timeout the door cuts it */
	cr_assert_eq(answer(fd, buf, sizeof(buf), 3000), 0, "closed without an answer: %s", buf);
	cr_assert_eq(svc_conn_phase(kept, SVC_PH_BODY, 1), -1, "the layer learns it was cut");
	close(fd);
	stop();
	atomic_store(&keep_mode, 0);
}

static atomic_int called;

static void
mark(void *arg)
{
	(void)arg;
	atomic_fetch_add(&called, 1);
}

Test(door, budget_and_deferrals)
{
	char buf[256];
	int fd, i;
	unsigned owed;

	atomic_store(&keep_mode, 1);
	start(64, 8, 5000);
	fd = dial("127.0.0.1");
	say(fd, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
	for (i = 0; i < 100 && kept == NULL; i++)
		usleep(20000);
	cr_assert_not_null(kept);
	cr_assert_eq(svc_door_owed(door, kept), 0, "a new client owes nothing");
	svc_door_charge(door, kept, CB_SVC_ANON_BURST);
	svc_door_charge(door, kept, CB_SVC_ANON_RATE);
	owed = svc_door_owed(door, kept);
	cr_assert(owed > 900 && owed <= 1001, "owes about a second: %u", owed);
	svc_door_charge(door, kept, 100u << 20);
	cr_assert_leq(svc_door_owed(door, kept), CB_SVC_ANON_MAX_WAIT_MS);
	cr_assert_eq(svc_door_defer(door, 100, mark, NULL), 0);
	for (i = 0; i < 100 && atomic_load(&called) == 0; i++)
		usleep(20000);
	cr_assert_eq(atomic_load(&called), 1);
	/* a deferred call is made at once when the door quiesces */
	cr_assert_eq(svc_door_defer(door, 60000, mark, NULL), 0);
	svc_door_quiesce(door);
	for (i = 0; i < 100 && atomic_load(&called) == 1; i++)
		usleep(20000);
	cr_assert_eq(atomic_load(&called), 2);
	cr_assert_eq(svc_door_defer(door, 10, mark, NULL), -1, "no deferral once quiescing");
	(void)answer;
	(void)buf;
	close(fd);
	stop();
	atomic_store(&keep_mode, 0);
}
