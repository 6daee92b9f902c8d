/*
 * test_enqueue - the client side of the cleanup protocol.
 *
 * The reply parser is fed cleanup's blocks whole and byte by byte; the
 * blocking client talks to a fake cleanup at the other end of a socket
 * pair, and to a public/cleanup socket this test creates in a temporary
 * directory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "enqueue.h"
#include "qfile.h"
#include "vbuf.h"

/* Records encode as qfile's reader decodes them. */
static void
test_enqueue_rec(void **state)
{
	struct vbuf out = VBUF_INIT;
	size_t off, len;
	long n;
	int type;

	enqueue_rec(&out, REC_TYPE_FROM, "a@example.com", 13);
	enqueue_recf(&out, REC_TYPE_ATTR, "submit_uid=%d", 1000);
	n = rec_parse(out.data, out.len, 0, &type, &off, &len);
	assert_int_equal(n, 15);
	assert_int_equal(type, REC_TYPE_FROM);
	assert_memory_equal(out.data + off, "a@example.com", 13);
	n = rec_parse(out.data + 15, out.len - 15, 0, &type, &off, &len);
	assert_int_equal(type, REC_TYPE_ATTR);
	assert_int_equal(len, strlen("submit_uid=1000"));
	assert_memory_equal(out.data + 15 + off, "submit_uid=1000", len);
	assert_int_equal((size_t)n + 15, out.len);
	vbuf_free(&out);
}

static const char accepted[] = "queue_id=4F2A1C0D3E\n\n"
			       "status=0\nqueue_id=4F2A1C0D3E\n\n";

/* The queue ID block, then the final one, from one buffer. */
static void
test_enqueue_reply_whole(void **state)
{
	struct enqueue_reply r = ENQUEUE_REPLY_INIT;
	size_t used, pos = 0, len = strlen(accepted);

	assert_int_equal(enqueue_reply_parse(&r, accepted, len, &used),
	    ENQUEUE_QUEUE_ID);
	assert_string_equal(r.queue_id, "4F2A1C0D3E");
	assert_int_equal(r.status, -1);
	pos += used;
	assert_int_equal(enqueue_reply_parse(&r, accepted + pos, len - pos,
			     &used),
	    ENQUEUE_DONE);
	pos += used;
	assert_int_equal(pos, len);
	assert_int_equal(r.status, 0);
	assert_null(r.reason);
	assert_string_equal(r.queue_id, "4F2A1C0D3E");
	assert_int_equal(enqueue_reply_parse(&r, "", 0, &used), ENQUEUE_MORE);
	assert_int_equal(used, 0);
	enqueue_reply_free(&r);
}

/* Bytes arriving one at a time: nothing until a block is complete. */
static void
test_enqueue_reply_bytewise(void **state)
{
	static const char rejected[] = "queue_id=ABC\n\n"
				       "status=69\nreason=5.3.4 message file "
				       "too big\n\n";
	struct enqueue_reply r = ENQUEUE_REPLY_INIT;
	size_t used, start = 0;
	int events[2], nev = 0, ret;

	for (size_t end = 1; end <= strlen(rejected); end++) {
		ret = enqueue_reply_parse(&r, rejected + start, end - start,
		    &used);
		if (ret == ENQUEUE_MORE) {
			assert_int_equal(used, 0);
			continue;
		}
		assert_true(nev < 2);
		events[nev++] = ret;
		start += used;
		assert_int_equal(start, end);
	}
	assert_int_equal(nev, 2);
	assert_int_equal(events[0], ENQUEUE_QUEUE_ID);
	assert_int_equal(events[1], ENQUEUE_DONE);
	assert_int_equal(r.status, 69);
	assert_string_equal(r.reason, "5.3.4 message file too big");
	assert_string_equal(r.queue_id, "ABC");
	enqueue_reply_free(&r);
}

/* A refusal before any file existed, a missing status, garbage. */
static void
test_enqueue_reply_odd(void **state)
{
	struct enqueue_reply r = ENQUEUE_REPLY_INIT;
	size_t used;
	const char *s;

	s = "status=75\nreason=queue file create error: x\n\n";
	assert_int_equal(enqueue_reply_parse(&r, s, strlen(s), &used),
	    ENQUEUE_DONE);
	assert_int_equal(r.status, 75);
	assert_null(r.queue_id);
	enqueue_reply_free(&r);
	s = "reason=what\n\n";
	assert_int_equal(enqueue_reply_parse(&r, s, strlen(s), &used),
	    ENQUEUE_DONE);
	assert_int_equal(r.status, -1);
	assert_string_equal(r.reason, "what");
	enqueue_reply_free(&r);
	s = "status=zero\n\n";
	assert_int_equal(enqueue_reply_parse(&r, s, strlen(s), &used),
	    ENQUEUE_DONE);
	assert_int_equal(r.status, -1);
	s = "no equals sign\n\n";
	assert_int_equal(enqueue_reply_parse(&r, s, strlen(s), &used),
	    ENQUEUE_BAD);
	enqueue_reply_free(&r);
}

/* The blocking client: records out in order, the reply read back. */
static void
test_enqueue_blocking(void **state)
{
	struct enqueue eq;
	struct vbuf why = VBUF_INIT;
	char buf[4096];
	size_t off, len;
	ssize_t n;
	int sv[2], type;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	/* The fake cleanup has answered already (the socket holds it). */
	assert_int_equal(write(sv[1], accepted, strlen(accepted)),
	    (ssize_t)strlen(accepted));
	enqueue_fdopen(&eq, sv[0], 5);
	assert_int_equal(enqueue_sendf(&eq, REC_TYPE_ATTR, "x=%d", 1), 0);
	assert_int_equal(enqueue_send(&eq, REC_TYPE_FROM, "", 0), 0);
	/* Nothing written before 'E'. */
	struct pollfd p = {.fd = sv[1], .events = POLLIN};
	assert_int_equal(poll(&p, 1, 0), 0);
	assert_int_equal(enqueue_send(&eq, REC_TYPE_END, "", 0), 0);
	assert_int_equal(enqueue_finish(&eq, &why), 0);
	assert_int_equal(eq.reply.status, 0);
	assert_string_equal(eq.reply.queue_id, "4F2A1C0D3E");
	n = read(sv[1], buf, sizeof(buf));
	assert_int_equal(n, 5 + 2 + 2);
	assert_int_equal(rec_parse(buf, (size_t)n, 0, &type, &off, &len), 5);
	assert_int_equal(type, REC_TYPE_ATTR);
	assert_int_equal(buf[5], REC_TYPE_FROM);
	assert_int_equal(buf[7], REC_TYPE_END);
	enqueue_close(&eq);
	assert_int_equal(eq.fd, -1);

	/* cleanup hangs up after the queue ID: attr_read()'s reason. */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(write(sv[1], "queue_id=ABC\n\n", 14), 14);
	close(sv[1]);
	enqueue_fdopen(&eq, sv[0], 5);
	assert_int_equal(enqueue_finish(&eq, &why), -1);
	assert_string_equal(vbuf_str(&why),
	    "unexpected end of input while reading attributes");
	enqueue_close(&eq);

	/* A write to a closed peer: the send fails and finish says so. */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	close(sv[1]);
	enqueue_fdopen(&eq, sv[0], 5);
	assert_int_equal(enqueue_send(&eq, REC_TYPE_END, "", 0), -1);
	assert_int_equal(errno, EPIPE);
	assert_int_equal(enqueue_send(&eq, REC_TYPE_END, "", 0), -1);
	assert_int_equal(enqueue_finish(&eq, &why), -1);
	assert_string_equal(vbuf_str(&why), "write to cleanup: Broken pipe");
	enqueue_close(&eq);
	vbuf_free(&why);
}

/* enqueue_open() names public/SERVICE. */
static void
test_enqueue_open(void **state)
{
	char dir[] = "/tmp/test_enqueue.XXXXXX";
	char old[4096], cmd[256];
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct vbuf why = VBUF_INIT;
	struct enqueue eq;
	int lfd;

	assert_non_null(getcwd(old, sizeof(old)));
	assert_non_null(mkdtemp(dir));
	assert_int_equal(chdir(dir), 0);
	assert_int_equal(mkdir("public", 0755), 0);
	assert_int_equal(enqueue_open(&eq, NULL, 1, &why), -1);
	assert_string_equal(vbuf_str(&why),
	    "connect to public/cleanup: No such file or directory");
	enqueue_close(&eq);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "public/cleanup2");
	assert_int_equal(bind(lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(lfd, 5), 0);
	assert_int_equal(enqueue_open(&eq, "cleanup2", 1, &why), 0);
	assert_true(eq.fd >= 0);
	enqueue_close(&eq);
	close(lfd);
	assert_int_equal(chdir(old), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	vbuf_free(&why);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_enqueue_rec),
	    cmocka_unit_test(test_enqueue_reply_whole),
	    cmocka_unit_test(test_enqueue_reply_bytewise),
	    cmocka_unit_test(test_enqueue_reply_odd),
	    cmocka_unit_test(test_enqueue_blocking),
	    cmocka_unit_test(test_enqueue_open),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
