/*
 * test_smtp_session - the smtp client's SMTP dialogue, over a socketpair.
 *
 * Each case writes a queue file (sender, recipients, a short body with
 * a line that needs dot-stuffing) into a temporary queue_directory,
 * starts a session on one end of a socketpair with
 * smtp_session_start_fd() and plays the server on the other end in the
 * same libevent loop, answering each command from the case's script.
 * It then checks what a user would see: the exact commands the client
 * sent, the status line logged per recipient (dsn, status and reason,
 * from "dsn=" on; delays vary), the status handed back to qmgr with the
 * hop status, and which recipients are marked done in the queue file.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include <event2/event.h>

#include "attr.h"
#include "mem.h"
#include "msg.h"
#include "param.h"
#include "qdir.h"
#include "qfile.h"
#include "vbuf.h"
#include "../../smtp/smtp.h"
#include "testdir.h"

#define QUEUE_ID "4ABCDEF0123"
#define NRCPT 2
#define MX_HOST "mx.example.com"
#define MX_ADDR "192.0.2.25"
#define HOSTADDR MX_HOST "[" MX_ADDR "]"
#define RELAY "relay=" HOSTADDR ":25"

static const char *const rcpts[NRCPT] = {"a@example.com", "b@example.com"};

/* The body in the queue file, and what must go out after DATA. */
static const char *const body[] = {"Subject: test", "", "hello", ".dot", "bye"};
#define BODY_DATA "Subject: test\r\n\r\nhello\r\n..dot\r\nbye\r\n.\r\n"

/* One case: the server's replies (NULL: close the connection instead). */
struct script {
	const char *greeting;
	const char *ehlo;
	const char *helo;
	const char *mail;
	const char *rcpt[NRCPT];
	const char *data;
	const char *dot;
};

/* The server side and what came back from the session. */
struct run {
	const struct script *sc;
	struct event_base *base;
	int fd;		      /* server end; -1 once closed */
	struct event *ev;     /* reading fd */
	struct vbuf in;	      /* bytes not yet a whole line */
	struct vbuf commands; /* every line received, CRLF-ended */
	int in_data;	      /* between 354 and "." */
	int nrcpt;	      /* RCPT commands seen */
	int done;	      /* the session completed */
	int status;	      /* its status: 0 final, 1 some deferred */
	char hop_status[512]; /* site-level failure, or "" */
	char hop_dsn[16];
	long offsets[NRCPT]; /* the R records */
};

static struct testdir td;
static size_t log_seen;

static int
setup(void **state)
{
	char path[sizeof(td.top) + 16];

	signal(SIGPIPE, SIG_IGN);
	if (testdir_make(&td, "test_smtp_session", "active defer bounce") < 0)
		return -1;
	testdir_config(&td, TESTDIR_CHDIR,
	    "smtp_helo_name = client.example.com\n", "fast_flush_domains =\n",
	    (char *)0);
	param_bind(smtp_params);
	smtp_params_init();
	snprintf(path, sizeof(path), "%s/maillog", td.top);
	msg_log_open("postfix", path, "client.example.com");
	return 0;
}

static int
teardown(void **state)
{
	return testdir_remove(&td);
}

/* write_queue_file - active/QUEUE_ID with NRCPT recipients and body[] */

static void
write_queue_file(struct run *r)
{
	FILE *fp;
	long fields[6] = {0};
	char size[96];
	long data_offset;
	long xtra_offset;

	fp = fopen("active/" QUEUE_ID, "w+");
	assert_non_null(fp);
	rec_size_format(size, fields); /* fixed width: rewritten below */
	rec_puts(fp, REC_TYPE_SIZE, size);
	rec_puts(fp, REC_TYPE_TIME, "1700000000 0");
	rec_puts(fp, REC_TYPE_FROM, "sender@example.com");
	for (int i = 0; i < NRCPT; i++) {
		r->offsets[i] = ftell(fp);
		rec_puts(fp, REC_TYPE_RCPT, rcpts[i]);
	}
	rec_put(fp, REC_TYPE_MESG, "", 0);
	data_offset = ftell(fp);
	for (size_t i = 0; i < sizeof(body) / sizeof(body[0]); i++)
		rec_puts(fp, REC_TYPE_NORM, body[i]);
	xtra_offset = ftell(fp);
	rec_put(fp, REC_TYPE_XTRA, "", 0);
	rec_put(fp, REC_TYPE_END, "", 0);
	fields[0] = xtra_offset - data_offset;
	fields[1] = data_offset;
	fields[2] = NRCPT;
	rec_size_format(size, fields);
	assert_int_equal(fseek(fp, 0, SEEK_SET), 0);
	rec_puts(fp, REC_TYPE_SIZE, size);
	assert_int_equal(fclose(fp), 0);
}

/* marked_done - is the R record at offset now marked done? */

static int
marked_done(long offset)
{
	char type = 0;
	int fd = open("active/" QUEUE_ID, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &type, 1, offset), 1);
	close(fd);
	return type != REC_TYPE_RCPT;
}

static void
server_close(struct run *r)
{
	if (r->fd < 0)
		return;
	event_del(r->ev);
	close(r->fd);
	r->fd = -1;
}

/* server_say - one reply; NULL: hang up instead */

static void
server_say(struct run *r, const char *reply)
{
	if (reply == NULL) {
		server_close(r);
		return;
	}
	/* The client may be gone already (QUIT written): ignore errors. */
	if (write(r->fd, reply, strlen(reply)) < 0 ||
	    write(r->fd, "\r\n", 2) < 0)
		return;
}

/* server_line - the script's answer to one line from the client */

static void
server_line(struct run *r, const char *line)
{
	const struct script *sc = r->sc;

	vbuf_printf(&r->commands, "%s\r\n", line);
	if (r->in_data) {
		if (strcmp(line, ".") == 0) {
			r->in_data = 0;
			server_say(r, sc->dot);
		}
	} else if (strncmp(line, "EHLO ", 5) == 0) {
		server_say(r, sc->ehlo);
	} else if (strncmp(line, "HELO ", 5) == 0) {
		server_say(r, sc->helo);
	} else if (strncmp(line, "MAIL FROM:", 10) == 0) {
		server_say(r, sc->mail);
	} else if (strncmp(line, "RCPT TO:", 8) == 0) {
		assert_true(r->nrcpt < NRCPT);
		server_say(r, sc->rcpt[r->nrcpt++]);
	} else if (strcmp(line, "DATA") == 0) {
		r->in_data = sc->data != NULL && sc->data[0] == '3';
		server_say(r, sc->data);
	} else if (strcmp(line, "QUIT") == 0) {
		server_say(r, "221 2.0.0 Bye");
	} else {
		fail_msg("unexpected command \"%s\"", line);
	}
}

/* server_read - split what arrived into lines; 0 at end of file */

static int
server_read(struct run *r)
{
	char buf[4096];
	ssize_t n;
	char *eol;

	n = read(r->fd, buf, sizeof(buf));
	if (n <= 0)
		return n < 0 && errno == EAGAIN;
	vbuf_append(&r->in, buf, (size_t)n);
	while (r->fd >= 0 &&
	    (eol = memmem(r->in.data, r->in.len, "\r\n", 2)) != NULL) {
		size_t len = (size_t)(eol - r->in.data);
		char *line = mem_strndup(r->in.data, len);

		memmove(r->in.data, eol + 2, r->in.len - len - 2);
		r->in.len -= len + 2;
		server_line(r, line);
		mem_free(line);
	}
	return 1;
}

static void
server_event(evutil_socket_t fd, short what, void *ctx)
{
	struct run *r = ctx;

	if (!server_read(r))
		server_close(r);
}

static void
session_done(struct smtp_session *s, int status, const char *hop_status,
    const char *hop_dsn, void *ctx)
{
	struct run *r = ctx;

	r->done = 1;
	r->status = status;
	snprintf(r->hop_status, sizeof(r->hop_status), "%s",
	    hop_status ? hop_status : "");
	snprintf(r->hop_dsn, sizeof(r->hop_dsn), "%s", hop_dsn ? hop_dsn : "");
	smtp_session_free(s);
	event_base_loopbreak(r->base);
}

static void
give_up(evutil_socket_t fd, short what, void *ctx)
{
	struct run *r = ctx;

	event_base_loopbreak(r->base);
}

/* new_results - "to=<..>: dsn=..., status=..." per status line logged */

static char *
new_results(void)
{
	FILE *fp = fopen("../maillog", "r");
	struct vbuf out = VBUF_INIT;
	char line[4096];
	long pos = 0;

	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp) != NULL) {
		const char *to = strstr(line, "to=<");
		const char *dsn = strstr(line, ", dsn=");

		pos += (long)strlen(line);
		if ((size_t)pos <= log_seen || to == NULL || dsn == NULL)
			continue;
		if (strstr(line, ", " RELAY ", ") == NULL)
			fail_msg("no %s in %s", RELAY, line);
		vbuf_printf(&out, "%.*s: %s", (int)(strcspn(to, ",")), to,
		    dsn + 2);
	}
	fclose(fp);
	log_seen = (size_t)pos;
	return vbuf_export(&out);
}

/* run_script - one delivery of the queue file to the scripted server */

static void
run_script(struct run *r, const struct script *sc)
{
	struct vbuf req = VBUF_INIT;
	struct vbuf why = VBUF_INIT;
	struct attr_list list = {0};
	struct smtp_session *s;
	struct event *timeout;
	struct timeval tv = {10, 0};
	int sv[2];

	memset(r, 0, sizeof(*r));
	r->sc = sc;
	write_queue_file(r);
	attr_put(&req, "queue_name", "active");
	attr_put(&req, "queue_id", QUEUE_ID);
	attr_put(&req, "nexthop", MX_HOST);
	for (int i = 0; i < NRCPT; i++)
		attr_putf(&req, "rcpt", "%ld\t%s\t\t%s", r->offsets[i],
		    rcpts[i], rcpts[i]);
	attr_end(&req);
	assert_true(attr_parse(req.data, req.len, &list) > 0);

	r->base = event_base_new();
	assert_non_null(r->base);
	s = smtp_session_create(r->base, &list, session_done, r, &why);
	assert_non_null(s);
	assert_int_equal(socketpair(AF_UNIX,
			     SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv),
	    0);
	r->fd = sv[1];
	r->ev =
	    event_new(r->base, r->fd, EV_READ | EV_PERSIST, server_event, r);
	event_add(r->ev, NULL);
	timeout = evtimer_new(r->base, give_up, r);
	evtimer_add(timeout, &tv);
	server_say(r, sc->greeting);
	smtp_session_start_fd(s, MX_HOST, MX_ADDR, 25, sv[0]);
	event_base_dispatch(r->base);
	assert_true(r->done);

	/* What the client wrote before it closed (QUIT, usually). */
	if (r->fd >= 0)
		assert_int_equal(fcntl(r->fd, F_SETFL, 0), 0);
	while (r->fd >= 0 && server_read(r))
		continue;
	server_close(r);
	event_free(r->ev);
	event_free(timeout);
	event_base_free(r->base);
	attr_list_free(&list);
	vbuf_free(&req);
	vbuf_free(&why);
	vbuf_free(&r->in);
}

static void
assert_results(struct run *r, const char *commands, const char *results,
    int status, const char *hop_dsn, int done0, int done1)
{
	char *got = new_results();

	assert_string_equal(vbuf_str(&r->commands), commands);
	assert_string_equal(got, results);
	assert_int_equal(r->status, status);
	assert_string_equal(r->hop_dsn, hop_dsn);
	assert_int_equal(marked_done(r->offsets[0]), done0);
	assert_int_equal(marked_done(r->offsets[1]), done1);
	mem_free(got);
	vbuf_free(&r->commands);
}

#define GREETING "220 mx.example.com ESMTP"
#define EHLO_SIZE "250-mx.example.com\r\n250-SIZE 10240000\r\n250 8BITMIME"
#define EHLO_PIPE "250-mx.example.com\r\n250 PIPELINING"
#define HELLO "EHLO client.example.com\r\n"
#define MAIL "MAIL FROM:<sender@example.com> SIZE=35\r\n"
#define RCPTS "RCPT TO:<a@example.com>\r\nRCPT TO:<b@example.com>\r\n"

static void
test_all_accepted(void **state)
{
	static const struct script sc = {GREETING, EHLO_SIZE, NULL,
	    "250 2.1.0 Ok", {"250 2.1.5 Ok", "250 2.1.5 Ok"},
	    "354 End data with <CR><LF>.<CR><LF>", "250 2.0.0 Ok: queued as X"};
	struct run r;

	run_script(&r, &sc);
	assert_results(&r, HELLO MAIL RCPTS "DATA\r\n" BODY_DATA "QUIT\r\n",
	    "to=<a@example.com>: dsn=2.0.0, status=sent (250 2.0.0 Ok: "
	    "queued as X)\n"
	    "to=<b@example.com>: dsn=2.0.0, status=sent (250 2.0.0 Ok: "
	    "queued as X)\n",
	    0, "", 1, 1);
}

static void
test_rcpt_4xx_5xx(void **state)
{
	static const struct script sc = {GREETING, EHLO_SIZE, NULL,
	    "250 2.1.0 Ok",
	    {"450 4.2.0 <a@example.com>: Recipient address rejected: "
	     "Greylisted",
		"550 5.1.1 <b@example.com>: User unknown"},
	    "354 go ahead", "250 2.0.0 Ok"};
	struct run r;

	run_script(&r, &sc);
	/* Nobody accepted: no DATA. */
	assert_results(&r, HELLO MAIL RCPTS "QUIT\r\n",
	    "to=<b@example.com>: dsn=5.1.1, status=bounced (host " HOSTADDR
	    " said: 550 5.1.1 <b@example.com>: User unknown (in reply to "
	    "RCPT TO command))\n"
	    "to=<a@example.com>: dsn=4.2.0, status=deferred (host " HOSTADDR
	    " said: 450 4.2.0 <a@example.com>: Recipient address rejected: "
	    "Greylisted (in reply to RCPT TO command))\n",
	    1, "", 0, 1);
}

static void
test_rcpt_one_deferred(void **state)
{
	static const struct script sc = {GREETING, EHLO_SIZE, NULL,
	    "250 2.1.0 Ok", {"250 2.1.5 Ok", "452 4.5.3 Too many recipients"},
	    "354 go ahead", "250 2.0.0 Ok: queued as Y"};
	struct run r;

	run_script(&r, &sc);
	assert_results(&r, HELLO MAIL RCPTS "DATA\r\n" BODY_DATA "QUIT\r\n",
	    "to=<a@example.com>: dsn=2.0.0, status=sent (250 2.0.0 Ok: "
	    "queued as Y)\n"
	    "to=<b@example.com>: dsn=4.5.3, status=deferred (host " HOSTADDR
	    " said: 452 4.5.3 Too many recipients (in reply to RCPT TO "
	    "command))\n",
	    1, "", 1, 0);
}

static void
test_mail_5xx(void **state)
{
	static const struct script sc = {GREETING, EHLO_SIZE, NULL,
	    "553 5.7.1 <sender@example.com>: Sender address rejected",
	    {NULL, NULL}, NULL, NULL};
	struct run r;
	const char *why = "(host " HOSTADDR " said: 553 5.7.1 "
			  "<sender@example.com>: Sender address rejected (in "
			  "reply to MAIL FROM command))\n";
	struct vbuf want = VBUF_INIT;

	run_script(&r, &sc);
	vbuf_printf(&want,
	    "to=<a@example.com>: dsn=5.7.1, status=bounced %s"
	    "to=<b@example.com>: dsn=5.7.1, status=bounced %s",
	    why, why);
	assert_results(&r, HELLO MAIL "QUIT\r\n", want.data, 0, "", 1, 1);
	vbuf_free(&want);
}

static void
test_greeting_421(void **state)
{
	static const struct script sc = {"421 4.3.2 mx.example.com Service "
					 "shutting down",
	    NULL, NULL, NULL, {NULL, NULL}, NULL, NULL};
	struct run r;
	const char *why = "(host " HOSTADDR " refused to talk to me: 421 "
			  "4.3.2 mx.example.com Service shutting down)\n";
	struct vbuf want = VBUF_INIT;

	run_script(&r, &sc);
	vbuf_printf(&want,
	    "to=<a@example.com>: dsn=4.3.2, status=deferred %s"
	    "to=<b@example.com>: dsn=4.3.2, status=deferred %s",
	    why, why);
	assert_results(&r, "QUIT\r\n", want.data, 1, "4.3.2", 0, 0);
	assert_string_equal(r.hop_status,
	    "host " HOSTADDR " refused to talk to me: 421 4.3.2 "
	    "mx.example.com Service shutting down");
	vbuf_free(&want);
}

static void
test_server_closes(void **state)
{
	/* The server hangs up instead of answering MAIL FROM. */
	static const struct script sc = {GREETING, EHLO_SIZE, NULL, NULL,
	    {NULL, NULL}, NULL, NULL};
	struct run r;
	const char *why = "(lost connection with " HOSTADDR " while sending "
			  "MAIL FROM)\n";
	struct vbuf want = VBUF_INIT;

	run_script(&r, &sc);
	vbuf_printf(&want,
	    "to=<a@example.com>: dsn=4.4.2, status=deferred %s"
	    "to=<b@example.com>: dsn=4.4.2, status=deferred %s",
	    why, why);
	assert_results(&r, HELLO MAIL, want.data, 1, "4.4.2", 0, 0);
	assert_string_equal(r.hop_status,
	    "lost connection with " HOSTADDR " while sending MAIL FROM");
	vbuf_free(&want);
}

static void
test_helo_fallback(void **state)
{
	/* No EHLO: HELO, and then no SIZE parameter. */
	static const struct script sc = {GREETING,
	    "502 5.5.2 Error: command not recognized", "250 mx.example.com",
	    "250 2.1.0 Ok", {"250 2.1.5 Ok", "250 2.1.5 Ok"}, "354 go ahead",
	    "250 2.0.0 Ok: queued as Z"};
	struct run r;

	run_script(&r, &sc);
	assert_results(&r,
	    HELLO "HELO client.example.com\r\n"
		  "MAIL FROM:<sender@example.com>\r\n" RCPTS
		  "DATA\r\n" BODY_DATA "QUIT\r\n",
	    "to=<a@example.com>: dsn=2.0.0, status=sent (250 2.0.0 Ok: "
	    "queued as Z)\n"
	    "to=<b@example.com>: dsn=2.0.0, status=sent (250 2.0.0 Ok: "
	    "queued as Z)\n",
	    0, "", 1, 1);
}

static void
test_pipelining(void **state)
{
	/* MAIL, RCPTs and DATA in one write; a refused RCPT still counts. */
	static const struct script sc = {GREETING, EHLO_PIPE, NULL,
	    "250 2.1.0 Ok",
	    {"550 5.1.1 <a@example.com>: User unknown", "250 2.1.5 Ok"},
	    "354 go ahead", "250 2.0.0 Ok: queued as P"};
	struct run r;

	run_script(&r, &sc);
	assert_results(&r,
	    HELLO "MAIL FROM:<sender@example.com>\r\n" RCPTS
		  "DATA\r\n" BODY_DATA "QUIT\r\n",
	    "to=<a@example.com>: dsn=5.1.1, status=bounced (host " HOSTADDR
	    " said: 550 5.1.1 <a@example.com>: User unknown (in reply to "
	    "RCPT TO command))\n"
	    "to=<b@example.com>: dsn=2.0.0, status=sent (250 2.0.0 Ok: "
	    "queued as P)\n",
	    0, "", 1, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_all_accepted),
	    cmocka_unit_test(test_rcpt_4xx_5xx),
	    cmocka_unit_test(test_rcpt_one_deferred),
	    cmocka_unit_test(test_mail_5xx),
	    cmocka_unit_test(test_greeting_421),
	    cmocka_unit_test(test_server_closes),
	    cmocka_unit_test(test_helo_fallback),
	    cmocka_unit_test(test_pipelining),
	};

	msg_init("smtp", MSG_NOLOG);
	return cmocka_run_group_tests(tests, setup, teardown);
}
