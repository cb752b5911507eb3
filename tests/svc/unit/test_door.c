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
#include <stdint.h>
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

/*
 * The fake layer, a thread per connection as libmicrohttpd's pool would
 * be: adopt, then answer 204 to every head it reads (bodies are not sent
 * here), closing after the first unless it carried X-Keep: 1; or, in
 * keep_mode, keep it idle.
 */
#define MAX_LAYERS 64
static pthread_t layers[MAX_LAYERS];
static atomic_int nlayers, layer_faults;

static void *
layer_main(void *arg)
{
	int fd = (int)(intptr_t)arg, first = 1;
	struct svc_conn *c = svc_door_adopt(door, fd);
	struct pollfd pfd = { fd, POLLIN, 0 };
	char buf[4096];
	size_t have = 0;

	if (c == NULL) {
		atomic_fetch_add(&layer_faults, 1);	/* the door handed over a connection it does not know */
		close(fd);
		return NULL;
	}
	atomic_fetch_add(&handed, 1);
	if (atomic_load(&keep_mode)) {
		/* keep it, idle, as a keep-alive connection would be */
		kept_fd = fd;
		(void)svc_conn_phase(c, SVC_PH_IDLE, 1);
		kept = c;
		return NULL;
	}
	while (poll(&pfd, 1, 5000) > 0) {
		ssize_t n = recv(fd, buf + have, sizeof(buf) - have - 1, MSG_DONTWAIT);
		char *end;
		if (n <= 0)
			break;
		have += (size_t)n;
		buf[have] = '\0';
		while ((end = strstr(buf, "\r\n\r\n")) != NULL) {
			size_t len = (size_t)(end + 4 - buf);
			if (first) {
				memcpy(last_read, buf, len < sizeof(last_read) ? len : sizeof(last_read) - 1);
				last_read[len < sizeof(last_read) ? len : sizeof(last_read) - 1] = '\0';
				first = 0;
			}
			(void)svc_conn_phase(c, SVC_PH_WORK, 1);
			(void)!write(fd, "HTTP/1.1 204 No Content\r\n\r\n", 27);
			(void)svc_conn_phase(c, SVC_PH_IDLE, 1);
			memmove(buf, buf + len, have - len + 1);
			have -= len;
			if (strstr(last_read, "X-Keep: 1\r\n") == NULL)
				goto done;	/* one request a connection, unless asked */
		}
		if (have == sizeof(buf) - 1)
			break;
	}
done:
	svc_door_release(door, c);
	close(fd);
	return NULL;
}

static int
hand_off(void *arg, int fd, const struct sockaddr *sa, socklen_t salen)
{
	int i = atomic_fetch_add(&nlayers, 1);

	(void)arg;
	(void)sa;
	(void)salen;
	if (i >= MAX_LAYERS || pthread_create(&layers[i], NULL, layer_main, (void *)(intptr_t)fd) != 0) {
		atomic_fetch_sub(&nlayers, 1);
		close(fd);
		return -1;
	}
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
	int i;

	svc_door_quiesce(door);
	for (i = 0; i < atomic_load(&nlayers); i++)
		pthread_join(layers[i], NULL);
	atomic_store(&nlayers, 0);
	cr_assert_eq(atomic_load(&layer_faults), 0, "every hand-over was adopted");
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

/* Later requests on a keep-alive connection pass the door's reading too:
 * the answers before a bad head come first, then its problem, then the end. */
Test(door, later_heads_are_read_like_the_first)
{
	static const char *bad[] = {
		"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
		"GET / HTTP/1.2\r\nHost: x\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: x\r\nX-Note: one\r\n two\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
		"GET / HTTP/1.1\r\n\r\n",
	};
	static const char *want[] = { "HTTP/1.1 400", "HTTP/1.1 505", "HTTP/1.1 400", "HTTP/1.1 411",
	                              "HTTP/1.1 400" };
	const char *good = "GET / HTTP/1.1\r\nHost: x\r\nX-Keep: 1\r\n\r\n";
	char buf[4096], req[1024];
	size_t i;

	start(64, 8, 5000);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int fd = dial("127.0.0.1");
		char *second, *third;
		snprintf(req, sizeof(req), "%s%s%s", good, good, bad[i]);
		say(fd, req);
		cr_assert_gt(answer(fd, buf, sizeof(buf), 3000), 0);
		cr_assert(strncmp(buf, "HTTP/1.1 204", 12) == 0, "%zu: %s", i, buf);
		second = strstr(buf + 12, "HTTP/1.1 204");
		cr_assert_not_null(second, "%zu: %s", i, buf);
		third = strstr(second + 12, "HTTP/1.1 ");
		cr_assert_not_null(third, "%zu: %s", i, buf);
		cr_assert(strncmp(third, want[i], 12) == 0, "%zu: %s", i, third);
		cr_assert(strstr(third, "application/problem+json") != NULL, "%zu: %s", i, third);
		cr_assert(strstr(buf, "<html") == NULL);
		close(fd);
	}
	stop();
}

Test(door, later_head_too_large)
{
	char buf[4096], big[20000];
	const char *good = "GET / HTTP/1.1\r\nHost: x\r\nX-Keep: 1\r\n\r\n";
	int fd;

	start(64, 8, 5000);
	fd = dial("127.0.0.1");
	memset(big, 'a', sizeof(big));
	memcpy(big, "GET / HTTP/1.1\r\nHost: x\r\nX-Pad: ", 32);
	say(fd, good);
	(void)send(fd, big, sizeof(big), MSG_NOSIGNAL);
	cr_assert_gt(answer(fd, buf, sizeof(buf), 3000), 0);
	cr_assert(strncmp(buf, "HTTP/1.1 204", 12) == 0, "%s", buf);
	cr_assert(strstr(buf, "HTTP/1.1 431") != NULL, "%s", buf);
	cr_assert(strstr(buf, "header-too-large") != NULL, "%s", buf);
	close(fd);
	stop();
}

/* A later head that trickles in is cut at the header timeout with a 408. */
Test(door, later_head_deadline)
{
	char buf[4096];
	struct timespec t0, t1;
	double ms;
	int fd;

	start(64, 8, 400);
	fd = dial("127.0.0.1");
	say(fd, "GET / HTTP/1.1\r\nHost: x\r\nX-Keep: 1\r\n\r\n");
	usleep(100000);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	say(fd, "GET / HT");	/* no line end: the door reads it only at the deadline */
	cr_assert_gt(answer(fd, buf, sizeof(buf), 3000), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	cr_assert(strncmp(buf, "HTTP/1.1 204", 12) == 0, "%s", buf);
	cr_assert(strstr(buf, "HTTP/1.1 408") != NULL, "%s", buf);
	cr_assert(strstr(buf, "request-timeout") != NULL, "%s", buf);
	cr_assert(ms >= 350 && ms < 2500, "cut after %.0f ms: %s", ms, buf);
	close(fd);
	stop();
}
