/*
 * test_deliv - delivery-agent bookkeeping: delay format, DSN from replies,
 * the status log line, marking recipients done, defer/bounce logs.
 *
 * A main.cf in a temporary directory makes it the queue_directory
 * (defer/ hashed one level, bounce/ flat: Postfix's default); soft_bounce is
 * switched with param_override(). The log goes to a maillog_file the test
 * reads back.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "deliv.h"
#include "dlog.h"
#include "mem.h"
#include "msg.h"
#include "param.h"
#include "qdir.h"
#include "vbuf.h"
#include "testdir.h"

static struct testdir td;
static size_t log_seen; /* bytes of maillog already checked */

static int
setup(void **state)
{
	char path[sizeof(td.top) + 16];

	if (testdir_make(&td, "test_deliv", NULL) < 0)
		return -1;
	testdir_config(&td, TESTDIR_STAY, (char *)0);
	snprintf(path, sizeof(path), "%s/maillog", td.top);
	msg_log_open("postfix", path, "relay.example.com");
	return 0;
}

static int
teardown(void **state)
{
	return testdir_remove(&td);
}

/*
 * new_log_text - the text after "PROG[PID]: " of each log line written
 * since the last call, one per line.
 */
static char *
new_log_text(void)
{
	char *all = testdir_read("maillog", NULL);
	struct vbuf out = VBUF_INIT;
	char *line, *save = NULL;
	size_t len;

	assert_non_null(all);
	len = strlen(all);
	for (line = strtok_r(all + log_seen, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *text = strstr(line, "]: ");
		assert_non_null(text);
		vbuf_puts(&out, text + 3);
		vbuf_putc(&out, '\n');
	}
	log_seen = len;
	mem_free(all);
	return vbuf_export(&out);
}

struct delay_case {
	double in;
	const char *want;
};

static const struct delay_case delay_cases[] = {
    {0, "0"},
    {-3, "0"},
    {0.004, "0"},
    {0.005, "0.01"},
    {0.01, "0.01"},
    {0.05, "0.05"},
    {0.095, "0.1"},
    {0.1, "0.1"},
    {0.35, "0.35"},
    {0.354, "0.35"},
    {0.355, "0.36"},
    {0.994, "0.99"},
    {0.996, "1"},
    {1, "1"},
    {1.04, "1"},
    {1.25, "1.3"},
    {1.3, "1.3"},
    {9, "9"},
    {9.94, "9.9"},
    {9.96, "10"},
    {12, "12"},
    {12.5, "13"},
    {12.4, "12"},
    {310, "310"},
    {310.4, "310"},
    {86400.7, "86401"},
};

static void
test_format_delay(void **state)
{
	struct vbuf b = VBUF_INIT;

	for (size_t i = 0; i < sizeof(delay_cases) / sizeof(delay_cases[0]);
	     i++) {
		vbuf_reset(&b);
		deliv_format_delay(&b, delay_cases[i].in);
		if (strcmp(vbuf_str(&b), delay_cases[i].want) != 0)
			fail_msg("delay %g: got %s want %s", delay_cases[i].in,
			    vbuf_str(&b), delay_cases[i].want);
	}
	/* It appends. */
	vbuf_set(&b, "delay=");
	deliv_format_delay(&b, 0.35);
	assert_string_equal(vbuf_str(&b), "delay=0.35");
	vbuf_free(&b);
}

struct dsn_case {
	const char *name;
	const char *reply;
	const char *want;
};

static const struct dsn_case dsn_cases[] = {
    {"ok", "250 2.0.0 Ok: queued as 4Xyz", "2.0.0"},
    {"rcpt rejected", "550 5.1.1 <x@example.com>: User unknown", "5.1.1"},
    {"tempfail", "451 4.3.0 Try again later", "4.3.0"},
    {"class mismatch", "550 4.1.1 odd server", "5.0.0"},
    {"no enhanced code", "421 Service not available", "4.0.0"},
    {"multi-line separator", "550-5.7.1 policy", "5.7.1"},
    {"three-digit parts", "554 5.123.456 x", "5.123.456"},
    {"four-digit part", "554 5.1234.1 x", "5.0.0"},
    {"junk after code", "554 5.1.1x", "5.0.0"},
    {"empty part", "550 5..1 x", "5.0.0"},
    {"code only at end", "250 2.1.5", "2.1.5"},
    {"bare digit", "4", "4.0.0"},
    {"intermediate 354", "354 End data with <CR><LF>.<CR><LF>", "5.5.0"},
    {"1xx", "199 what", "5.5.0"},
    {"600", "600 x", "5.5.0"},
    {"empty", "", "5.5.0"},
    {"text", "hello", "5.5.0"},
    {"NULL", NULL, "5.5.0"},
    {"bad class in code", "550 3.1.1 x", "5.0.0"},
};

static void
test_dsn_from_reply(void **state)
{
	for (size_t i = 0; i < sizeof(dsn_cases) / sizeof(dsn_cases[0]); i++) {
		char out[DELIV_DSN_SIZE];

		memset(out, 'Z', sizeof(out));
		deliv_dsn_from_reply(out, dsn_cases[i].reply);
		if (strcmp(out, dsn_cases[i].want) != 0)
			fail_msg("case \"%s\": got %s want %s",
			    dsn_cases[i].name, out, dsn_cases[i].want);
	}
}

static const struct deliv_times times = {
    .arrival = 1700000000.0,
    .active = 1700000000.002,
    .agent = 1700000000.004,
    .conn_done = 1700000000.044,
    .done = 1700000000.095,
};

static void
test_log_line(void **state)
{
	struct deliv_rcpt r = {575, "reject@example.com", "reject@example.com",
	    "rfc822;reject@example.com", 0};
	struct deliv_rcpt r2 = {600, "a b@example.com", "Alias@Example.com",
	    NULL, 0};
	struct deliv_rcpt r3 = {700, "c@example.com", "C@EXAMPLE.COM", "", 0};
	struct deliv_times t2 = {.arrival = 1700000000.0,
	    .active = 1700000003.0,
	    .done = 1700000315.3};
	struct deliv_times t3 = {.arrival = 1700000000.0,
	    .active = 1700000000.5,
	    .agent = 1700000001.0,
	    .done = 1700000013.0};
	char *got;

	mem_free(new_log_text());
	deliv_log("BD3E5A7618B", &r, "127.0.0.1[127.0.0.1]:2626", &times,
	    "5.1.1", "bounced",
	    "host 127.0.0.1[127.0.0.1] said: 550 5.1.1 "
	    "<reject@example.com>: Recipient address rejected: User unknown "
	    "(in reply to RCPT TO command)",
	    1);
	/* orig_to differs; reused connection; no agent yet (qmgr deferral). */
	deliv_log("BD3E5A7618B", &r2, "mx.example.com[192.0.2.1]:25", &t2,
	    "4.4.1", "deferred", "bad\nline", 3);
	/* orig_to equal but for case; no connection; relay missing. */
	deliv_log("BD3E5A7618B", &r3, NULL, &t3, "4.4.1", "deferred",
	    "connect to 127.0.0.1[127.0.0.1]:39999: Connection refused", 0);
	got = new_log_text();
	assert_string_equal(got,
	    "BD3E5A7618B: to=<reject@example.com>, "
	    "relay=127.0.0.1[127.0.0.1]:2626,"
	    " delay=0.1, delays=0/0/0.04/0.05, dsn=5.1.1, status=bounced (host "
	    "127.0.0.1[127.0.0.1] said: 550 5.1.1 <reject@example.com>: "
	    "Recipient "
	    "address rejected: User unknown (in reply to RCPT TO command))\n"
	    "BD3E5A7618B: to=<\"a b\"@example.com>, "
	    "orig_to=<Alias@Example.com>, "
	    "relay=mx.example.com[192.0.2.1]:25, conn_use=3, delay=315, "
	    "delays=3/312/0/0, dsn=4.4.1, status=deferred (bad?line)\n"
	    "BD3E5A7618B: to=<c@example.com>, relay=none, delay=13, "
	    "delays=0.5/0.5/0/12, dsn=4.4.1, status=deferred (connect to "
	    "127.0.0.1[127.0.0.1]:39999: Connection refused)\n");
	mem_free(got);
}

/* A queue file with R records at known offsets. */
static int
make_queue_file(const char *path, long *off1, long *off2)
{
	static const char data[] = "C....T....R\x07"
				   "a@b.com"
				   "R\x07"
				   "c@d.com"
				   "E\0";
	int fd;

	mkdir("active", 0700);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, sizeof(data) - 1), sizeof(data) - 1);
	*off1 = 10;
	*off2 = 19;
	return fd;
}

static char
byte_at(int fd, long off)
{
	char c = 0;
	assert_int_equal(pread(fd, &c, 1, off), 1);
	return c;
}

static void
test_mark_done(void **state)
{
	long o1, o2;
	int fd = make_queue_file("active/MARK", &o1, &o2);

	assert_int_equal(byte_at(fd, o1), 'R');
	assert_int_equal(deliv_mark_done(fd, o1), 0);
	assert_int_equal(byte_at(fd, o1), 'D');
	assert_int_equal(deliv_mark_done(fd, o1), 0); /* again: no-op */
	assert_int_equal(byte_at(fd, o2), 'R');
	/* Refused: not an R record, offset 0 or negative, past the end. */
	errno = 0;
	assert_int_equal(deliv_mark_done(fd, 5), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(byte_at(fd, 5), 'T');
	assert_int_equal(deliv_mark_done(fd, 0), -1);
	assert_int_equal(deliv_mark_done(fd, -19), -1);
	assert_int_equal(deliv_mark_done(fd, 100000), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(deliv_mark_done(-1, o2), -1);
	assert_int_equal(errno, EBADF);
	assert_int_equal(deliv_sync(fd), 0);
	close(fd);
}

static void
test_result(void **state)
{
	long o1, o2;
	int fd = make_queue_file("active/5A1B2C3D4E", &o1, &o2);
	struct deliv_rcpt sent = {o1, "a@b.com", "a@b.com", "rfc822;a@b.com",
	    0};
	struct deliv_rcpt defer = {o2, "c@d.com", "old@d.com",
	    "rfc822;old@d.com", 8};
	const char *relay = "mx.d.com[192.0.2.7]:25";
	char *got;

	mem_free(new_log_text());
	assert_int_equal(deliv_result("5A1B2C3D4E", &sent, fd, relay, &times, 1,
			     "sent", "2.0.0", "250 2.0.0 Ok: queued as X", NULL,
			     NULL),
	    0);
	assert_int_equal(byte_at(fd, o1), 'D');
	assert_int_equal(deliv_result("5A1B2C3D4E", &defer, fd, relay, &times,
			     1, "deferred", "4.3.0",
			     "host mx.d.com[192.0.2.7]"
			     " said: 451 4.3.0 Try again later (in reply "
			     "to RCPT TO command)",
			     "451 4.3.0 Try again later", "mx.d.com"),
	    1);
	assert_int_equal(byte_at(fd, o2), 'R');
	assert_null(testdir_read("bounce/5A1B2C3D4E", NULL));
	got = testdir_read("defer/5/5A1B2C3D4E", NULL);
	assert_string_equal(got,
	    "\n<c@d.com>: host mx.d.com[192.0.2.7] said: 451 4.3.0 Try again "
	    "later "
	    "(in reply to RCPT TO command)\n"
	    "recipient=c@d.com\n"
	    "original_recipient=old@d.com\n"
	    "offset=19\n"
	    "dsn_orig_rcpt=rfc822;old@d.com\n"
	    "notify_flags=8\n"
	    "status=4.3.0\n"
	    "action=delayed\n"
	    "diag_type=smtp\n"
	    "diag_text=451 4.3.0 Try again later\n"
	    "mta_type=dns\n"
	    "mta_mname=mx.d.com\n"
	    "reason=host mx.d.com[192.0.2.7] said: 451 4.3.0 Try again later "
	    "(in reply to RCPT TO command)\n\n");
	mem_free(got);

	/* Bounce: bounce log, done. */
	assert_int_equal(deliv_result("5A1B2C3D4E", &defer, fd, relay, &times,
			     2, "bounced", "5.1.1",
			     "host mx.d.com[192.0.2.7]"
			     " said: 550 5.1.1 unknown (in reply to RCPT "
			     "TO command)",
			     "550 5.1.1 unknown", "mx.d.com"),
	    0);
	assert_int_equal(byte_at(fd, o2), 'D');
	got = testdir_read("bounce/5A1B2C3D4E", NULL);
	assert_non_null(got);
	assert_non_null(strstr(got,
	    "\nstatus=5.1.1\naction=failed\n"
	    "diag_type=smtp\ndiag_text=550 5.1.1 unknown\n"));
	mem_free(got);

	got = new_log_text();
	assert_string_equal(got,
	    "5A1B2C3D4E: to=<a@b.com>, relay=mx.d.com[192.0.2.7]:25, "
	    "delay=0.1, "
	    "delays=0/0/0.04/0.05, dsn=2.0.0, status=sent (250 2.0.0 Ok: "
	    "queued "
	    "as X)\n"
	    "5A1B2C3D4E: to=<c@d.com>, orig_to=<old@d.com>, "
	    "relay=mx.d.com[192.0.2.7]:25, delay=0.1, delays=0/0/0.04/0.05, "
	    "dsn=4.3.0, status=deferred (host mx.d.com[192.0.2.7] said: 451 "
	    "4.3.0 "
	    "Try again later (in reply to RCPT TO command))\n"
	    "5A1B2C3D4E: to=<c@d.com>, orig_to=<old@d.com>, "
	    "relay=mx.d.com[192.0.2.7]:25, conn_use=2, delay=0.1, "
	    "delays=0/0/0.04/0.05, dsn=5.1.1, status=bounced (host "
	    "mx.d.com[192.0.2.7] said: 550 5.1.1 unknown (in reply to RCPT TO "
	    "command))\n");
	mem_free(got);
	close(fd);
}

static void
test_soft_bounce(void **state)
{
	long o1, o2;
	int fd = make_queue_file("active/6SOFT", &o1, &o2);
	struct deliv_rcpt r = {o1, "a@b.com", NULL, NULL, 0};
	char *got;

	mem_free(new_log_text());
	param_override("soft_bounce=yes");
	assert_int_equal(deliv_result("6SOFT", &r, fd, "none", &times, 0,
			     "bounced", "5.4.4",
			     "Host or domain name "
			     "not found",
			     NULL, NULL),
	    1);
	param_override("soft_bounce=no");
	assert_int_equal(byte_at(fd, o1), 'R');
	assert_null(testdir_read("bounce/6SOFT", NULL));
	got = testdir_read("defer/6/6SOFT", NULL);
	assert_string_equal(got,
	    "\n<a@b.com>: Host or domain name not found\n"
	    "recipient=a@b.com\noffset=10\nstatus=4.4.4\naction=delayed\n"
	    "reason=Host or domain name not found\n\n");
	mem_free(got);
	got = new_log_text();
	assert_string_equal(got,
	    "6SOFT: to=<a@b.com>, relay=none, delay=0.1, delays=0/0/0.04/0.05, "
	    "dsn=4.4.4, status=SOFTBOUNCE (Host or domain name not found)\n");
	mem_free(got);
	close(fd);
}

/* Failures: the bounce log cannot be written; the offset is bad. */
static void
test_result_failures(void **state)
{
	long o1, o2;
	int fd = make_queue_file("active/7FAIL", &o1, &o2);
	struct deliv_rcpt r = {o1, "a@b.com", NULL, NULL, 0};
	struct deliv_rcpt bad = {5, "c@d.com", NULL, NULL, 0};
	char *got;
	int bfd;

	/* bounce is a file, so bounce/7FAIL cannot be created (even by root).
	 */
	(void)rename("bounce", "bounce.saved");
	bfd = open("bounce", O_WRONLY | O_CREAT, 0600);
	close(bfd);
	mem_free(new_log_text());
	assert_int_equal(deliv_result("7FAIL", &r, fd, "none", &times, 0,
			     "bounced", "5.1.1", "unknown user", NULL, NULL),
	    1);
	assert_int_equal(byte_at(fd, o1), 'R');
	got = testdir_read("defer/7/7FAIL", NULL);
	assert_non_null(got);
	assert_non_null(strstr(got,
	    "status=4.3.0\naction=delayed\n"
	    "reason=bounce failed\n"));
	mem_free(got);
	got = new_log_text();
	assert_non_null(strstr(got, "warning: 7FAIL: append bounce log: "));
	unlink("bounce");
	(void)rename("bounce.saved", "bounce");
	assert_non_null(
	    strstr(got, "dsn=4.3.0, status=deferred (bounce failed)\n"));
	mem_free(got);

	/* Sent, but the offset is no R record: stays pending, warns. */
	assert_int_equal(deliv_result("7FAIL", &bad, fd, "none", &times, 0,
			     "sent", "2.0.0", "250 Ok", NULL, NULL),
	    1);
	assert_int_equal(byte_at(fd, 5), 'T');
	got = new_log_text();
	assert_non_null(strstr(got, "status=sent (250 Ok)\n"));
	assert_non_null(strstr(got,
	    "warning: 7FAIL: mark recipient c@d.com done "
	    "at offset 5: Invalid argument\n"));
	mem_free(got);
	close(fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_format_delay),
	    cmocka_unit_test(test_dsn_from_reply),
	    cmocka_unit_test(test_log_line),
	    cmocka_unit_test(test_mark_done),
	    cmocka_unit_test(test_result),
	    cmocka_unit_test(test_soft_bounce),
	    cmocka_unit_test(test_result_failures),
	};

	msg_init("smtp", MSG_NOLOG);
	return cmocka_run_group_tests(tests, setup, teardown);
}
