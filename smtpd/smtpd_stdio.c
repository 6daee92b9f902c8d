/*
 * smtpd_stdio - smtpd -S: one session over standard input and output, as
 * "sendmail -bs" runs it.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "smtpd.h"
#include "mem.h"
#include "msg.h"
#include "server.h"

/*
 * sendmail -bs: smtpd -S runs one session over standard input and output.
 * The session's bufferevent is one end of a pair; the other end is
 * bridged to stdin (read) and stdout (write). The end of standard input
 * is not passed on at once: the session first answers everything that
 * was read (a message may be waiting for postdrop), as Postfix's does;
 * input that ends inside DATA ends the session at once. Access policies
 * do not apply (the client is local), and there is no STARTTLS or ETRN.
 * As Postfix's stand-alone smtpd: the session runs with the user's
 * privileges, submits through postdrop (smtpd_cleanup.c), and takes CR LF
 * or LF line ends alike ("." LF ends DATA: LF_LOCAL, never for a network
 * client). The process exits once stdout is flushed.
 */
static struct bufferevent *bs_in, *bs_pair[2];
static struct event *bs_file_ev; /* stdin is a regular file */
static struct smtpd_session *bs_session;
static int bs_eof; /* stdin ended */

/* Session output -> stdout, written at once (stdout may be a file, which
 * epoll cannot watch; one local client may wait for us). */
static void
bs_pair_read(struct bufferevent *bev, void *ctx)
{
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t len;

	while ((len = evbuffer_get_length(in)) > 0) {
		const char *p = (const char *)evbuffer_pullup(in, -1);
		ssize_t n = write(1, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			msg_warn("sendmail -bs: write standard output: %m");
			server_stop(); /* nobody listens any more */
			return;
		}
		evbuffer_drain(in, (size_t)n);
	}
}

/* stdin -> session input. */
static void
bs_in_read(struct bufferevent *bev, void *ctx)
{
	evbuffer_add_buffer(bufferevent_get_output(bs_pair[1]),
	    bufferevent_get_input(bev));
}

static void
bs_stdin_ended(void)
{
	bs_eof = 1;
	if (bs_session &&
	    (bs_session->state == SS_CMD || bs_session->state == SS_DATA))
		smtpd_process_input(bs_session);
}

static void
bs_in_event(struct bufferevent *bev, short what, void *ctx)
{
	bufferevent_disable(bev, EV_READ);
	bs_stdin_ended();
}

/* A regular file or a device such as /dev/null on stdin: read a piece per
 * turn of the loop, and only while the session keeps up. */
static void
bs_file_read(evutil_socket_t fd, short what, void *ctx)
{
	char buf[16384];
	struct timeval now = {0, 0}, later = {0, 10000};

	if (evbuffer_get_length(bufferevent_get_output(bs_pair[1])) >
	    CLEANUP_HIWAT) {
		evtimer_add(bs_file_ev, &later);
		return;
	}
	ssize_t n = read(0, buf, sizeof(buf));
	if (n < 0 && errno == EINTR) {
		evtimer_add(bs_file_ev, &now);
		return;
	}
	if (n <= 0) {
		bs_stdin_ended();
		return;
	}
	bufferevent_write(bs_pair[1], buf, (size_t)n);
	evtimer_add(bs_file_ev, &now);
}

void
smtpd_stdio_gone(void)
{
	bs_session = NULL;
	if (bs_pair[1])
		bs_pair_read(bs_pair[1], NULL); /* the last replies */
	server_stop();
}

void
smtpd_session_stdio(void)
{
	struct smtpd_session *s = mem_calloc(1, sizeof(*s));

	struct stat st;

	if (bufferevent_pair_new(smtpd_event_base(), 0, bs_pair) < 0)
		msg_fatal("cannot create a bufferevent pair");
	bufferevent_setcb(bs_pair[1], bs_pair_read, NULL, NULL, NULL);
	bufferevent_enable(bs_pair[1], EV_READ | EV_WRITE);
	int fl = fcntl(1, F_GETFL);
	if (fl >= 0)
		(void)fcntl(1, F_SETFL, fl & ~O_NONBLOCK);
	/* epoll watches pipes, sockets and terminals only: a regular file
	 * or another device (/dev/null) is read from a timer instead. */
	if (fstat(0, &st) == 0 &&
	    (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode) ||
		(S_ISCHR(st.st_mode) && !isatty(0)))) {
		struct timeval now = {0, 0};
		bs_file_ev =
		    evtimer_new(smtpd_event_base(), bs_file_read, NULL);
		evtimer_add(bs_file_ev, &now);
	} else {
		if ((bs_in = bufferevent_socket_new(smtpd_event_base(), 0,
			 0)) == NULL)
			msg_fatal("cannot set up standard input");
		bufferevent_setcb(bs_in, bs_in_read, NULL, bs_in_event, NULL);
		bufferevent_enable(bs_in, EV_READ);
	}

	/* Postfix's stand-alone client: localhost[127.0.0.1], local policy. */
	memset(&s->ss, 0, sizeof(s->ss));
	s->ss.ss_family = AF_UNSPEC;
	snprintf(s->addr, sizeof(s->addr), "127.0.0.1");
	snprintf(s->port, sizeof(s->port), "0");
	snprintf(s->saddr, sizeof(s->saddr), "127.0.0.1");
	snprintf(s->sport, sizeof(s->sport), "0");
	snprintf(s->name, sizeof(s->name), "localhost");
	snprintf(s->rname, sizeof(s->rname), "localhost");
	s->stdio = 1;
	bs_session = s;
	smtpd_session_start(s, -1, bs_pair[0]);
}

int
smtpd_stdio_ended(void)
{
	return bs_eof;
}
