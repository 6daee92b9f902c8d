/*
 * fuzz_smtpd_cmd - smtpd's SMTP command parser and dispatch: the input is
 * what an SMTP client sends. One smtpd session runs in this process's
 * event loop on one end of a socketpair; the input is written to the other
 * end, then that end is shut down for writing, and the loop runs until
 * the session is gone. Every command goes through the real input loop
 * (line splitting, length limits, bare LF handling) into smtpd_command():
 * HELO/EHLO, MAIL FROM and RCPT TO address and ESMTP parameter parsing
 * (SIZE, BODY, RET, ENVID, NOTIFY, ORCPT), the relay check, VRFY, ETRN,
 * STARTTLS, DATA.
 *
 * cleanup is played by the harness at public/cleanup: it feeds what smtpd
 * sends to a real cleanup state machine (cleanup/cleanup_state.c, writing
 * into an anonymous memory file) and answers as the cleanup service does,
 * so message content reaches cleanup's header processing too. There is no
 * flush service (ETRN gets smtpd's error reply) and no TLS.
 *
 * Everything lives in the target's temporary directory (queue_directory
 * with main.cf); the log goes to /dev/null. time() is fixed, so the
 * Received: header and the queue file are the same on every run.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "attr.h"
#include "fuzz.h"
#include "mem.h"
#include "msg.h"
#include "param.h"
#include "qfile.h"
#include "vbuf.h"
#include "../../cleanup/cleanup.h"
#include "../../smtpd/smtpd.h"

#define FUZZ_NOW 1700000000
#define FUZZ_QID "3D4DDA76052"
#define FUZZ_CONNS 8	  /* cleanup connections served per input */
#define FUZZ_ROUNDS 20000 /* event loop turns per input, at most */

/* A fixed clock: the Received: header's date, cleanup's times. */
time_t
time(time_t *t)
{
	if (t)
		*t = FUZZ_NOW;
	return (FUZZ_NOW);
}

static struct event_base *base;
static int listen_fd = -1;

/* One connection from smtpd to the pretend cleanup service. */
struct fake_conn {
	int fd;
	struct vbuf in;
	FILE *fp;
	struct cleanup_state *st;
	int said_id;
};
static struct fake_conn conns[FUZZ_CONNS];

static const struct cleanup_config cleanup_cfg = {
    .myhostname = "mx.example.net",
    .myorigin = "example.net",
    .mail_name = "Postfix",
    .append_at_myorigin = 1,
    .replace_stray_cr_lf = 1,
    .message_size_limit = 20000,
    .header_size_limit = 4000,
    .line_length_limit = 1024,
    .hopcount_limit = 10,
    .duplicate_filter_limit = 100,
    .attr_count_limit = 100,
};

static const char main_cf[] =
    "myhostname = mx.example.net\n"
    "mydomain = example.net\n"
    "mydestination = localhost\n"
    "relay_domains = relay.example\n"
    "inet_interfaces = 127.0.0.1\n"
    "smtpd_peername_lookup = no\n"
    "smtpd_error_sleep_time = 0\n"
    "smtpd_soft_error_limit = 3\n"
    "smtpd_hard_error_limit = 30\n"
    "smtpd_junk_command_limit = 30\n"
    "smtpd_recipient_limit = 5\n"
    "smtpd_recipient_overshoot_limit = 2\n"
    "line_length_limit = 1024\n"
    "message_size_limit = 20000\n"
    "smtpd_helo_restrictions = reject_invalid_helo_hostname\n"
    "smtpd_relay_restrictions = reject_non_fqdn_recipient, "
    "reject_non_fqdn_sender, reject_unauth_destination\n"
    "maillog_file = /dev/null\n"
    "maillog_file_prefixes = /dev/null\n";

static void
configure(void)
{
	const char *dir = fuzz_tmpdir("fuzz_smtpd_cmd");
	struct vbuf buf = VBUF_INIT;
	struct sockaddr_un sun;

	fuzz_msg_init("smtpd");
	vbuf_printf(&buf, "queue_directory = %s\n%s", dir, main_cf);
	if (chdir(dir) < 0 || mkdir("public", 0700) < 0)
		msg_fatal("%s: %m", dir);
	fuzz_write("main.cf", (const uint8_t *)buf.data, buf.len);
	vbuf_free(&buf);
	param_load(dir);
	param_bind(smtpd_params);
	param_log_open();
	smtpd_check_init();
	if ((base = event_base_new()) == NULL)
		msg_fatal("event_base_new failed");
	smtpd_session_init(base);

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "public/cleanup");
	if ((listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0)) < 0 ||
	    bind(listen_fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    listen(listen_fd, 16) < 0)
		msg_fatal("public/cleanup: %m");
	for (int i = 0; i < FUZZ_CONNS; i++)
		conns[i].fd = -1;
}

/* conn_say - one attribute block to smtpd (small: it always fits) */

static void
conn_say(struct fake_conn *c, int status, const char *reason)
{
	struct vbuf out = VBUF_INIT;

	if (status >= 0)
		attr_putf(&out, "status", "%d", status);
	if (reason)
		attr_put(&out, "reason", reason);
	else
		attr_put(&out, "queue_id", FUZZ_QID);
	attr_end(&out);
	ssize_t w = write(c->fd, out.data, out.len);
	(void)w;
	vbuf_free(&out);
}

static void
conn_close(struct fake_conn *c)
{
	if (c->fd < 0)
		return;
	close(c->fd);
	c->fd = -1;
	vbuf_free(&c->in);
	if (c->st)
		c->st = cleanup_state_free(c->st);
	if (c->fp)
		fclose(c->fp);
	c->fp = NULL;
	c->said_id = 0;
}

/* conn_records - the complete records smtpd has sent, as cleanup_service */

static void
conn_records(struct fake_conn *c)
{
	size_t pos = 0, off, len;
	int type, status;
	long n;

	while ((n = rec_parse(c->in.data + pos, c->in.len - pos, 0, &type, &off,
		    &len)) > 0) {
		if (!c->said_id) {
			conn_say(c, -1, NULL);
			c->said_id = 1;
		}
		status = cleanup_state_record(c->st, type,
		    c->in.data + pos + off, len);
		pos += (size_t)n;
		if (type != REC_TYPE_END)
			continue;
		if (status == 0 && cleanup_state_done(c->st))
			status = cleanup_state_finish(c->st);
		conn_say(c, status,
		    status ? cleanup_state_reason(c->st) : NULL);
	}
	if (n < 0)
		msg_panic("fuzz_smtpd_cmd: smtpd sent a malformed record");
	memmove(c->in.data, c->in.data + pos, c->in.len - pos);
	vbuf_truncate(&c->in, c->in.len - pos);
}

/* serve_cleanup - accept and read whatever is ready; 1 if anything was */

static int
serve_cleanup(void)
{
	char buf[8192];
	ssize_t r = -1;
	int fd, busy = 0;

	while ((fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
		struct fake_conn *c = NULL;
		for (int i = 0; i < FUZZ_CONNS && c == NULL; i++)
			if (conns[i].fd < 0)
				c = conns + i;
		busy = 1;
		if (c == NULL) {
			close(fd);
			continue;
		}
		c->fd = fd;
		c->fp = fuzz_memfile(NULL, 0);
		c->st = cleanup_state_create(c->fp, FUZZ_QID, FUZZ_NOW,
		    &cleanup_cfg);
	}
	for (int i = 0; i < FUZZ_CONNS; i++) {
		struct fake_conn *c = conns + i;
		while (c->fd >= 0 && (r = read(c->fd, buf, sizeof(buf))) > 0) {
			vbuf_append(&c->in, buf, (size_t)r);
			conn_records(c);
			busy = 1;
		}
		if (c->fd >= 0 && r == 0)
			conn_close(c);
	}
	return (busy);
}

/* client_io - write input, discard replies; 1 if anything moved */

static int
client_io(int fd, const uint8_t **data, size_t *size, int *shut)
{
	char buf[8192];
	ssize_t r;
	int busy = 0;

	if (*size > 0 && (r = write(fd, *data, *size)) > 0) {
		*data += r;
		*size -= (size_t)r;
		busy = 1;
	}
	if (*size == 0 && !*shut) {
		shutdown(fd, SHUT_WR);
		*shut = 1;
	}
	while ((r = read(fd, buf, sizeof(buf))) > 0)
		busy = 1;
	return (busy);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int sv[2], shut = 0;

	if (base == NULL)
		configure();
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0 ||
	    fcntl(sv[1], F_SETFL, O_NONBLOCK) < 0)
		msg_fatal("socketpair: %m");
	smtpd_session_create(sv[0]);
	for (int i = 0; i < FUZZ_ROUNDS && smtpd_session_active(); i++) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		(void)client_io(sv[1], &data, &size, &shut);
		(void)serve_cleanup();
	}
	smtpd_session_stop_all();
	event_base_loop(base, EVLOOP_NONBLOCK);
	for (int i = 0; i < FUZZ_CONNS; i++)
		conn_close(conns + i);
	close(sv[1]);
	return (0);
}
