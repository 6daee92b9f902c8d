/*
 * test_smtpd_session - the smtpd session state machine, driven over a
 * socketpair: no network, no master. The session runs in this process's
 * own event loop on one end; each case plays the client on the other end
 * and compares the server's replies byte for byte with Postfix's.
 *
 * A temporary queue_directory holds main.cf (myhostname mx.example.net,
 * mydestination localhost, line_length_limit 2048 and each case's own
 * settings) and the log file (maillog_file). A UNIX-domain client is
 * unknown[...] and inside mynetworks. Cases that need cleanup bind a
 * listening socket at public/cleanup that never answers, so the dialogue
 * stops at the 354 of DATA.
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
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "attr.h"
#include "mem.h"
#include "msg.h"
#include "param.h"
#include "qfile.h"
#include "vbuf.h"
#include "../../smtpd/smtpd.h"

#include "testdir.h"

static struct testdir td;
static struct event_base *base;
static int cfd = -1;	/* the client's end */
static int eof;		/* the server closed the connection */
static struct vbuf got; /* replies read by the last exchange */

static int
group_setup(void **state)
{
	msg_init("smtpd", 0);
	if ((base = event_base_new()) == NULL)
		return -1;
	return testdir_make(&td, "test_smtpd_session", "public");
}

static int
group_teardown(void **state)
{
	event_base_free(base);
	vbuf_free(&got);
	return testdir_remove(&td);
}

/* main.cf: the shared settings, then the case's own lines. */
static void
configure(const char *extra)
{
	char log[sizeof(td.queuedir) + 32];

	snprintf(log, sizeof(log), "maillog_file = %s/maillog\n", td.queuedir);
	testdir_config(&td, TESTDIR_CHDIR, "myhostname = mx.example.net\n",
	    "mydomain = example.net\n", "mydestination = localhost\n",
	    "relay_domains = relay.example\n", "inet_interfaces = all\n",
	    "smtpd_peername_lookup = no\n", "maillog_file_prefixes = /tmp\n",
	    log, extra ? extra : "", (char *)NULL);
	param_bind(smtpd_params);
	param_log_open();
	smtpd_check_init();
	smtpd_session_init(base);
}

/* A new session on one end of a socketpair; the client gets the other. */
static void
connect_session(const char *extra)
{
	int sv[2];

	configure(extra);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(fcntl(sv[1], F_SETFL, O_NONBLOCK), 0);
	cfd = sv[1];
	eof = 0;
	smtpd_session_create(sv[0]);
}

static int
case_teardown(void **state)
{
	smtpd_session_stop_all();
	if (cfd >= 0)
		close(cfd);
	cfd = -1;
	return 0;
}

/* Complete replies in text: lines "NNN text" (a "NNN-" line continues). */
static int
final_lines(const char *text)
{
	int n = 0;

	for (const char *p = text; *p; p = strchr(p, '\n') + 1) {
		if (strchr(p, '\n') == NULL)
			break;
		if (strlen(p) > 3 && p[3] == ' ')
			n++;
	}
	return n;
}

/* Run the loop and read until n complete replies (with n < 0: the end of
 * the connection; with n = 0: some 100 ms) have arrived, or 5 seconds
 * have passed. */
static const char *
await(int n)
{
	char buf[4096];
	struct timespec pause = {0, 2000000};

	vbuf_reset(&got);
	vbuf_puts(&got, "");
	for (int i = 0; i < 2500 && !eof; i++) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		ssize_t r = read(cfd, buf, sizeof(buf));
		if (r > 0)
			vbuf_append(&got, buf, (size_t)r);
		else if (r == 0)
			eof = 1;
		else if (errno != EAGAIN)
			fail_msg("read: %s", strerror(errno));
		if (n > 0 && final_lines(vbuf_str(&got)) >= n)
			break;
		if (n == 0 && i >= 50) /* no reply expected: 100 ms or so */
			break;
		if (r <= 0)
			nanosleep(&pause, NULL);
	}
	return vbuf_str(&got);
}

/* Send text; expect no reply yet. */
static void
say_only(const char *text)
{
	size_t len = strlen(text);

	assert_int_equal(write(cfd, text, len), (ssize_t)len);
	assert_string_equal(await(0), "");
}

/* Send text; expect exactly these replies. */
static void
say(const char *text, const char *expect)
{
	size_t len = strlen(text);

	assert_int_equal(write(cfd, text, len), (ssize_t)len);
	assert_string_equal(await(final_lines(expect)), expect);
}

static void cleanup_says(int fd, const char *status, const char *id);

/* Expect exactly these replies, with nothing sent. */
static void
expect(const char *want)
{
	assert_string_equal(await(final_lines(want)), want);
}

/* The log has a line that holds text. */
static void
assert_logged(const char *text)
{
	char path[sizeof(td.queuedir) + 16], line[2048];
	FILE *fp;
	int found = 0;

	snprintf(path, sizeof(path), "%s/maillog", td.queuedir);
	assert_non_null(fp = fopen(path, "r"));
	while (!found && fgets(line, sizeof(line), fp)) {
		found = strstr(line, text) != NULL;
	}
	fclose(fp);
	if (!found)
		fail_msg("not logged: %s", text);
}

#define BANNER "220 mx.example.net ESMTP sluice\r\n"

static void
test_banner(void **state)
{
	connect_session(NULL);
	assert_string_equal(await(1), BANNER);
	assert_int_equal(smtpd_session_active(), 1);
}

static void
test_ehlo(void **state)
{
	connect_session(NULL);
	await(1);
	say("EHLO client.example\r\n",
	    "250-mx.example.net\r\n"
	    "250-PIPELINING\r\n"
	    "250-SIZE 10240000\r\n"
	    "250-VRFY\r\n"
	    "250-ETRN\r\n"
	    "250-ENHANCEDSTATUSCODES\r\n"
	    "250-8BITMIME\r\n"
	    "250 DSN\r\n");
}

/* smtpd_discard_ehlo_keywords and message_size_limit shape the list. */
static void
test_ehlo_discard(void **state)
{
	connect_session("smtpd_discard_ehlo_keywords = etrn, dsn, vrfy\n"
			"message_size_limit = 0\n");
	await(1);
	say("EHLO client.example\r\n",
	    "250-mx.example.net\r\n"
	    "250-PIPELINING\r\n"
	    "250-SIZE\r\n"
	    "250-ENHANCEDSTATUSCODES\r\n"
	    "250 8BITMIME\r\n");
	assert_logged("discarding EHLO keywords: VRFY ETRN DSN");
}

static void
test_helo(void **state)
{
	connect_session(NULL);
	await(1);
	say("HELO client.example\r\n", "250 mx.example.net\r\n");
	say("HELO\r\n", "501 Syntax: HELO hostname\r\n");
}

static void
test_sequence_errors(void **state)
{
	connect_session(NULL);
	await(1);
	say("RCPT TO:<user@localhost>\r\n",
	    "503 5.5.1 Error: need MAIL command\r\n");
	say("DATA\r\n", "503 5.5.1 Error: need RCPT command\r\n");
	say("MAIL FROM:<a@example.org>\r\n", "250 2.1.0 Ok\r\n");
	say("MAIL FROM:<a@example.org>\r\n",
	    "503 5.5.1 Error: nested MAIL command\r\n");
	say("DATA\r\n", "554 5.5.1 Error: no valid recipients\r\n");
}

static void
test_helo_required(void **state)
{
	connect_session("smtpd_helo_required = yes\n");
	await(1);
	say("MAIL FROM:<a@example.org>\r\n",
	    "503 5.5.1 Error: send HELO/EHLO first\r\n");
	say("HELO client.example\r\n", "250 mx.example.net\r\n");
	say("MAIL FROM:<a@example.org>\r\n", "250 2.1.0 Ok\r\n");
}

static void
test_unknown_command(void **state)
{
	connect_session(NULL);
	await(1);
	say("FROBNICATE now\r\n",
	    "502 5.5.2 Error: command not recognized\r\n");
	say("NOOP\r\n", "250 2.0.0 Ok\r\n");
}

/* Longer than line_length_limit: refused, the rest of the line dropped,
 * and the session goes on. */
static void
test_command_too_long(void **state)
{
	char *line = mem_calloc(1, 5000);

	connect_session(NULL);
	await(1);
	memcpy(line, "NOOP ", 5);
	memset(line + 5, 'x', 4000);
	strcat(line, "\r\n");
	say(line, "500 5.5.2 mx.example.net Error: command too long\r\n");
	mem_free(line);
	say("NOOP\r\n", "250 2.0.0 Ok\r\n");
}

/* RSET ends the transaction: a new MAIL is no nested one. */
static void
test_rset_noop(void **state)
{
	connect_session(NULL);
	await(1);
	say("MAIL FROM:<a@example.org>\r\n", "250 2.1.0 Ok\r\n");
	say("RSET\r\n", "250 2.0.0 Ok\r\n");
	say("NOOP\r\n", "250 2.0.0 Ok\r\n");
	say("MAIL FROM:<>\r\n", "250 2.1.0 Ok\r\n");
}

static void
test_quit(void **state)
{
	connect_session(NULL);
	await(1);
	say("HELO client.example\r\n", "250 mx.example.net\r\n");
	say("QUIT\r\n", "221 2.0.0 Bye\r\n");
	await(-1);
	assert_true(eof);
	assert_int_equal(smtpd_session_active(), 0);
	assert_logged("] helo=1 quit=1 commands=2\n");
}

/* Commands sent at once are answered in order. */
static void
test_pipelining(void **state)
{
	connect_session(NULL);
	await(1);
	say("EHLO client.example\r\nMAIL FROM:<a@example.org>\r\n"
	    "NOOP\r\nBOGUS\r\nRSET\r\nQUIT\r\n",
	    "250-mx.example.net\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n"
	    "250-VRFY\r\n250-ETRN\r\n250-ENHANCEDSTATUSCODES\r\n"
	    "250-8BITMIME\r\n250 DSN\r\n"
	    "250 2.1.0 Ok\r\n250 2.0.0 Ok\r\n"
	    "502 5.5.2 Error: command not recognized\r\n"
	    "250 2.0.0 Ok\r\n221 2.0.0 Bye\r\n");
	await(-1);
	assert_true(eof);
	assert_logged("] ehlo=1 mail=1 rset=1 noop=1 quit=1 unknown=0/1 "
		      "commands=5/6\n");
}

/* smtpd_hard_error_limit ends the session with 421. */
static void
test_hard_error_limit(void **state)
{
	connect_session("smtpd_hard_error_limit = 2\n");
	await(1);
	say("BOGUS\r\n", "502 5.5.2 Error: command not recognized\r\n");
	say("BOGUS\r\n",
	    "502 5.5.2 Error: command not recognized\r\n"
	    "421 4.7.0 mx.example.net Error: too many errors\r\n");
	await(-1);
	assert_true(eof);
	assert_logged("too many errors after UNKNOWN from unknown[");
	assert_logged("] unknown=0/2 commands=0/2\n");
}

/* Without a cleanup service the first valid recipient gets 451. */
static void
test_rcpt_no_cleanup(void **state)
{
	connect_session(NULL);
	await(1);
	say("MAIL FROM:<a@example.org>\r\n", "250 2.1.0 Ok\r\n");
	say("RCPT TO:<user@localhost>\r\n",
	    "451 4.3.0 Error: queue file write error\r\n");
}

/* With a cleanup endpoint that accepts connections: the recipient is
 * taken, DATA invites the content; the dialogue stops there. */
static void
test_rcpt_data(void **state)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int lfd, cl;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "public/cleanup");
	unlink(sun.sun_path);
	assert_true((lfd = socket(AF_UNIX, SOCK_STREAM, 0)) >= 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(lfd, 4), 0);
	connect_session(NULL);
	await(1);
	say("EHLO client.example\r\n",
	    "250-mx.example.net\r\n"
	    "250-PIPELINING\r\n"
	    "250-SIZE 10240000\r\n"
	    "250-VRFY\r\n"
	    "250-ETRN\r\n"
	    "250-ENHANCEDSTATUSCODES\r\n"
	    "250-8BITMIME\r\n"
	    "250 DSN\r\n");
	say("MAIL FROM:<a@example.org>\r\n", "250 2.1.0 Ok\r\n");
	/* The first recipient is answered once cleanup names the file. */
	say_only("RCPT TO:<user@localhost>\r\n");
	assert_true((cl = accept(lfd, NULL, NULL)) >= 0);
	cleanup_says(cl, NULL, "4XyZq1Ab2c");
	expect("250 2.1.5 Ok\r\n");
	assert_logged(": 4XyZq1Ab2c: client=unknown[");
	say("RCPT TO:<other@relay.example>\r\n", "250 2.1.5 Ok\r\n");
	say("DATA\r\n", "354 End data with <CR><LF>.<CR><LF>\r\n");
	smtpd_session_stop_all();
	close(cl);
	assert_int_equal(smtpd_session_active(), 0);
	assert_logged("] ehlo=1 mail=1 rcpt=2 data=0/1 commands=4/5\n");
	close(lfd);
	unlink(sun.sun_path);
}

/* cleanup goes away before it names the queue file: the first recipient
 * gets 451 4.3.0 and is not counted; the next one tries a new connection. */
static void
test_rcpt_cleanup_lost(void **state)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int lfd, cl;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "public/cleanup");
	unlink(sun.sun_path);
	assert_true((lfd = socket(AF_UNIX, SOCK_STREAM, 0)) >= 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(lfd, 4), 0);
	connect_session(NULL);
	await(1);
	say("HELO client.example\r\n", "250 mx.example.net\r\n");
	say("MAIL FROM:<a@example.org>\r\n", "250 2.1.0 Ok\r\n");
	say_only("RCPT TO:<user@localhost>\r\n");
	assert_true((cl = accept(lfd, NULL, NULL)) >= 0);
	close(cl);
	expect("451 4.3.0 Error: queue file write error\r\n");
	say_only("RCPT TO:<other@localhost>\r\n");
	assert_true((cl = accept(lfd, NULL, NULL)) >= 0);
	cleanup_says(cl, NULL, "4XyZq1Ab2d");
	expect("250 2.1.5 Ok\r\n");
	say("DATA\r\n", "354 End data with <CR><LF>.<CR><LF>\r\n");
	smtpd_session_stop_all();
	assert_logged("] helo=1 mail=1 rcpt=1/2 data=0/1 commands=3/5\n");
	close(cl);
	close(lfd);
	unlink(sun.sun_path);
}

static void
cleanup_says(int fd, const char *status, const char *id)
{
	struct vbuf b = VBUF_INIT;

	if (status)
		attr_put(&b, "status", status);
	attr_put(&b, "queue_id", id);
	attr_end(&b);
	assert_int_equal(write(fd, b.data, b.len), (ssize_t)b.len);
	vbuf_free(&b);
}

/* What the session has sent to cleanup so far; with end, wait for the
 * end-of-message record. */
static void
cleanup_got(int fd, struct vbuf *recs, int end)
{
	char buf[4096];
	ssize_t n;
	static const char end_rec[] = {REC_TYPE_END, 0};

	for (int i = 0; i < 50; i++) {
		await(0);
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			vbuf_append(recs, buf, (size_t)n);
		if (!end ||
		    (recs->len >= 2 &&
			memcmp(recs->data + recs->len - 2, end_rec, 2) == 0))
			return;
	}
	fail_msg("no end-of-message record");
}

#define RECEIVED_BY                                                            \
	"\tby mx.example.net (sluice) with SMTP id 4XyZq1Ab2c\n\tfor "         \
	"<user@localhost>; "
#define MESSAGE "Subject: t\r\n\r\nhi\r\n.\r\n"

/* A whole message through a scripted cleanup: the queue ID that cleanup
 * announces at the first record is in the Received: header and in the
 * final reply. */
static void
test_message_queued(void **state)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct vbuf recs = VBUF_INIT;
	int lfd, cl;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "public/cleanup");
	unlink(sun.sun_path);
	assert_true((lfd = socket(AF_UNIX, SOCK_STREAM, 0)) >= 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(lfd, 4), 0);
	connect_session(NULL);
	await(1);
	say("HELO client.example\r\n", "250 mx.example.net\r\n");
	say("MAIL FROM:<a@example.org>\r\n", "250 2.1.0 Ok\r\n");
	say_only("RCPT TO:<user@localhost>\r\n");
	assert_true((cl = accept(lfd, NULL, NULL)) >= 0);
	assert_int_equal(fcntl(cl, F_SETFL, O_NONBLOCK), 0);
	cleanup_says(cl, NULL, "4XyZq1Ab2c");
	expect("250 2.1.5 Ok\r\n");
	cleanup_got(cl, &recs, 0);
	assert_logged(": 4XyZq1Ab2c: client=unknown[");
	say("DATA\r\n", "354 End data with <CR><LF>.<CR><LF>\r\n");
	say_only(MESSAGE);
	cleanup_got(cl, &recs, 1);
	/* The Received: header (held until the content came) before it. */
	const char *by =
	    memmem(recs.data, recs.len, RECEIVED_BY, sizeof(RECEIVED_BY) - 1);
	const char *subject = memmem(recs.data, recs.len, "Subject: t", 10);
	assert_non_null(by);
	assert_non_null(subject);
	assert_true(by < subject);
	cleanup_says(cl, "0", "4XyZq1Ab2c");
	assert_string_equal(await(1), "250 2.0.0 Ok: queued as 4XyZq1Ab2c\r\n");
	say("QUIT\r\n", "221 2.0.0 Bye\r\n");
	vbuf_free(&recs);
	close(cl);
	close(lfd);
	unlink(sun.sun_path);
}

static void
test_vrfy(void **state)
{
	connect_session(NULL);
	await(1);
	say("VRFY\r\n", "501 5.5.4 Syntax: VRFY address\r\n");
	say("VRFY <user@localhost>\r\n", "252 2.0.0 <user@localhost>\r\n");
}

#define CASE(f) cmocka_unit_test_teardown(f, case_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    CASE(test_banner),
	    CASE(test_ehlo),
	    CASE(test_ehlo_discard),
	    CASE(test_helo),
	    CASE(test_sequence_errors),
	    CASE(test_helo_required),
	    CASE(test_unknown_command),
	    CASE(test_command_too_long),
	    CASE(test_rset_noop),
	    CASE(test_quit),
	    CASE(test_pipelining),
	    CASE(test_hard_error_limit),
	    CASE(test_rcpt_no_cleanup),
	    CASE(test_rcpt_data),
	    CASE(test_rcpt_cleanup_lost),
	    CASE(test_message_queued),
	    CASE(test_vrfy),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
