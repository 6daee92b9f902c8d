/*
 * test_ipc - connecting to service endpoints by name, and triggers.
 *
 * Everything runs against UNIX sockets this test creates in a temporary
 * directory, the current directory standing in for queue_directory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "sockdir.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "attr.h"
#include "ipc.h"
#include "vbuf.h"

static void
test_trigger_send(void **state)
{
	int lfd = sockdir_listen("public/qmgr", 5);
	char buf[64];
	int cfd;

	assert_int_equal(trigger_send("public/qmgr", "I", 1), 0);
	cfd = accept(lfd, NULL, NULL);
	assert_true(cfd >= 0);
	assert_int_equal(sockdir_read_all(cfd, buf, sizeof(buf)),
	    1); /* then EOF */
	assert_int_equal(buf[0], 'I');
	close(cfd);

	assert_int_equal(trigger_send("public/qmgr", "WDA", 3), 0);
	cfd = accept(lfd, NULL, NULL);
	assert_int_equal(sockdir_read_all(cfd, buf, sizeof(buf)), 3);
	assert_memory_equal(buf, "WDA", 3);
	close(cfd);
	close(lfd);
	unlink("public/qmgr");
}

static void
test_trigger_send_errors(void **state)
{
	char longname[200];

	errno = 0;
	assert_int_equal(trigger_send("public/nosuch", "W", 1), -1);
	assert_int_equal(errno, ENOENT);

	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	assert_int_equal(trigger_send(longname, "W", 1), -1);
	assert_int_equal(errno, ENAMETOOLONG);

	/* A socket file nobody listens on. */
	int lfd = sockdir_listen("public/dead", 1);
	close(lfd);
	assert_int_equal(trigger_send("public/dead", "W", 1), -1);
	assert_int_equal(errno, ECONNREFUSED);
	unlink("public/dead");
}

/* A listener that never accepts: trigger_send gives up instead of hanging. */
static void
test_trigger_send_backlog_full(void **state)
{
	int lfd = sockdir_listen("public/busy", 0);
	int ok = 0, failed = 0;

	for (int i = 0; i < 50 && failed == 0; i++) {
		if (trigger_send("public/busy", "W", 1) == 0)
			ok++;
		else
			failed++;
	}
	assert_int_equal(failed, 1);
	assert_true(ok >= 1);
	close(lfd);
	unlink("public/busy");
}

/* A blocking connection plus an attribute request/reply over it. */
static void
test_ipc_connect_attr(void **state)
{
	int lfd = sockdir_listen("private/svc", 5);
	struct vbuf why = VBUF_INIT;
	struct vbuf req = VBUF_INIT;
	struct vbuf rep = VBUF_INIT;
	struct attr_list l = {0};
	int cfd, sfd;

	cfd = ipc_connect("private", "svc", 0, 5, &why);
	assert_true(cfd >= 0);
	assert_true(fcntl(cfd, F_GETFD) & FD_CLOEXEC);
	sfd = accept(lfd, NULL, NULL);
	assert_true(sfd >= 0);

	attr_put(&req, "queue_name", "active");
	attr_put(&req, "queue_id", "3D4DDA76052");
	attr_put(&req, "rcpt",
	    "228\t\trfc822;dave@example.net\tdave@example.net");
	attr_put(&req, "rcpt", "300\tx\t\tweird\nname%@example.net");
	attr_end(&req);
	assert_int_equal(attr_write(cfd, &req, 5), 0);
	assert_int_equal(attr_read(sfd, &l, 5, &why), 0);
	assert_int_equal(l.n, 4);
	assert_string_equal(l.a[3].value, "300\tx\t\tweird\nname%@example.net");

	attr_put(&rep, "status", "1");
	attr_put(&rep, "hop_status",
	    "connect to 127.0.0.1[127.0.0.1]:39999: "
	    "Connection refused");
	attr_end(&rep);
	assert_int_equal(attr_write(sfd, &rep, 5), 0);
	assert_int_equal(attr_read(cfd, &l, 5, &why), 0);
	assert_string_equal(attr_get(&l, "status"), "1");
	assert_non_null(strstr(attr_get(&l, "hop_status"), "refused"));

	/* The peer goes away: the reader sees the end, not a hang. */
	close(sfd);
	assert_int_equal(attr_read(cfd, &l, 5, &why), -1);
	close(cfd);
	close(lfd);
	unlink("private/svc");
	attr_list_free(&l);
	vbuf_free(&why);
	vbuf_free(&req);
	vbuf_free(&rep);
}

static void
test_ipc_connect_errors(void **state)
{
	struct vbuf why = VBUF_INIT;

	assert_int_equal(ipc_connect("private", "nosuch", 0, 1, &why), -1);
	assert_int_equal(errno, ENOENT);
	assert_string_equal(vbuf_str(&why),
	    "connect to private/nosuch: No such file or directory");
	vbuf_free(&why);
}

/* Non-blocking: the descriptor's flags, and a full backlog is EAGAIN. */
static void
test_ipc_connect_nonblock(void **state)
{
	int lfd = sockdir_listen("private/busy", 0);
	struct vbuf why = VBUF_INIT;
	int fds[64];
	int n = 0, fd = -1;

	fd = ipc_connect("private", "busy", IPC_NONBLOCK, 0, &why);
	assert_true(fd >= 0);
	assert_true(fcntl(fd, F_GETFL) & O_NONBLOCK);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	fds[n++] = fd;
	while (n < 64 &&
	    (fd = ipc_connect("private", "busy", IPC_NONBLOCK, 0, &why)) >= 0)
		fds[n++] = fd;
	assert_int_equal(fd, -1);
	assert_int_equal(errno, EAGAIN);
	assert_string_equal(vbuf_str(&why),
	    "connect to private/busy: Resource temporarily unavailable");
	/* Blocking with a timeout: the same full backlog times out. */
	assert_int_equal(ipc_connect_path("private/busy", 0, 1, &why), -1);
	assert_string_equal(vbuf_str(&why),
	    "connect to private/busy: Connection timed out");
	while (n > 0)
		close(fds[--n]);
	close(lfd);
	unlink("private/busy");

	assert_int_equal(ipc_connect("private", "gone", IPC_NONBLOCK, 0, &why),
	    -1);
	assert_int_equal(errno, ENOENT);
	assert_string_equal(vbuf_str(&why),
	    "connect to private/gone: No such file or directory");
	vbuf_free(&why);
}

/* A name too long for a socket address. */
static void
test_ipc_connect_long_name(void **state)
{
	struct vbuf why = VBUF_INIT;
	char longname[200];

	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	assert_int_equal(ipc_connect("private", longname, IPC_NONBLOCK, 0,
			     &why),
	    -1);
	assert_int_equal(errno, ENAMETOOLONG);
	assert_non_null(strstr(vbuf_str(&why), "File name too long"));
	vbuf_free(&why);
}

static int writes_done; /* write callbacks seen */

static void
count_write(struct bufferevent *bev, void *ctx)
{
	writes_done++;
}

/* peer_read - what the other end has received so far (never blocks) */
static size_t
peer_read(int fd, char *buf, size_t size)
{
	ssize_t n = recv(fd, buf, size - 1, MSG_DONTWAIT);

	buf[n > 0 ? n : 0] = 0;
	return (n > 0 ? (size_t)n : 0);
}

/*
 * ipc_write: at once to the kernel when nothing waits, with the write
 * callback still coming from the loop; buffered, in order, otherwise.
 */
static void
test_ipc_write(void **state)
{
	struct ipc_events how = {0, count_write, 0, 0, 0};
	struct event_base *base = event_base_new();
	struct bufferevent *bev;
	char buf[64];
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(fcntl(sv[0], F_SETFL, O_NONBLOCK), 0);
	assert_non_null(bev = ipc_bufferevent(base, sv[0], &how, 0));

	/* Nothing buffered: the peer has the bytes before the loop runs;
	 * the callback comes from the loop, once. */
	writes_done = 0;
	assert_int_equal(ipc_write(bev, "one\n", 4), 0);
	assert_int_equal(peer_read(sv[1], buf, sizeof(buf)), 4);
	assert_string_equal(buf, "one\n");
	assert_int_equal(evbuffer_get_length(bufferevent_get_output(bev)), 0);
	assert_int_equal(writes_done, 0);
	event_base_loop(base, EVLOOP_NONBLOCK);
	assert_int_equal(writes_done, 1);

	/* Writing disabled: held in the buffer until it is enabled. */
	bufferevent_disable(bev, EV_WRITE);
	assert_int_equal(ipc_write(bev, "two\n", 4), 0);
	assert_int_equal(peer_read(sv[1], buf, sizeof(buf)), 0);
	/* Something buffered: the next bytes queue behind it. */
	bufferevent_enable(bev, EV_WRITE);
	assert_int_equal(ipc_write(bev, "three\n", 6), 0);
	assert_int_equal(peer_read(sv[1], buf, sizeof(buf)), 0);
	event_base_loop(base, EVLOOP_NONBLOCK);
	assert_int_equal(peer_read(sv[1], buf, sizeof(buf)), 10);
	assert_string_equal(buf, "two\nthree\n");

	/* ipc_send_now() reports what went; nothing when bytes wait. */
	assert_int_equal(ipc_send_now(bev, "four", 4), 4);
	bufferevent_write(bev, "x", 1);
	assert_int_equal(ipc_send_now(bev, "five", 4), 0);

	bufferevent_free(bev);
	close(sv[1]);
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_trigger_send),
	    cmocka_unit_test(test_trigger_send_errors),
	    cmocka_unit_test(test_trigger_send_backlog_full),
	    cmocka_unit_test(test_ipc_connect_attr),
	    cmocka_unit_test(test_ipc_connect_errors),
	    cmocka_unit_test(test_ipc_connect_nonblock),
	    cmocka_unit_test(test_ipc_connect_long_name),
	    cmocka_unit_test(test_ipc_write),
	};

	return cmocka_run_group_tests(tests, sockdir_setup, sockdir_teardown);
}
