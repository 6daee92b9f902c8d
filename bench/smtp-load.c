/*
 * NAME
 *	smtp-load 1
 * SUMMARY
 *	SMTP load client for bench/run (smtp-source stand-in)
 * SYNOPSIS
 *	smtp-load [-q] -s sessions -m messages -l length [-f from]
 *		[-t to] [-M helo] [-T timeout] host:port
 * DESCRIPTION
 *	smtp-load is what bench/run uses when Postfix's smtp-source is
 *	not available. It keeps -s SMTP sessions open at a
 *	time and sends -m messages in all, one message per
 *	connection (as smtp-source does without -d): greeting, EHLO,
 *	MAIL FROM, RCPT TO, DATA, the message, ".", QUIT. Commands are
 *	not pipelined; each waits for its reply.
 *
 *	A message is a few header lines (From, To, Subject, Message-Id)
 *	and a body of 78-character lines, -l bytes of body
 *	in all (CRLF counted).
 *
 *	When done, one line goes to stdout:
 *	"sent=N accepted=K failed=F seconds=S", where accepted counts
 *	the 250 replies to the end of DATA and failed counts sessions
 *	that ended otherwise (a refused connection, an unexpected
 *	reply, a timeout). The exit status is 0 when accepted = N.
 *
 *	Options:
 * -s sessions
 *	Concurrent sessions, 1..1000 (default 1).
 * -m messages
 *	Messages to send, 1..10000000 (default 1).
 * -l length
 *	Body length in bytes, 0..100000000 (default 1024).
 * -f from, -t to, -M helo
 *	Envelope sender, recipient, and the EHLO name.
 * -T timeout
 *	Seconds without progress after which a session fails (default
 *	60). The whole run also gives up after one progress-free
 *	timeout.
 * -q
 *	Print nothing on stderr about failed sessions.
 * DIAGNOSTICS
 *	Failed sessions are reported on stderr (the first 10), with the
 *	reply that ended them. Usage errors exit with status 2.
 * BUGS
 *	IPv4 literal addresses only; it is a loopback benchmark tool.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define LOAD_MAX_SESS 1000
#define LOAD_REPLY_MAX 4096 /* bytes of one reply (all lines) */

enum load_state {
	LOAD_GREETING, /* waiting for 220 */
	LOAD_EHLO,     /* waiting for 250 to EHLO */
	LOAD_MAIL,     /* waiting for 250 to MAIL FROM */
	LOAD_RCPT,     /* waiting for 250 to RCPT TO */
	LOAD_DATA,     /* waiting for 354 */
	LOAD_DOT,      /* waiting for the reply to "." */
	LOAD_QUIT,     /* waiting for 221 */
};

static const char *load_state_name[] = {
    "greeting",
    "EHLO",
    "MAIL FROM",
    "RCPT TO",
    "DATA",
    "end of data",
    "QUIT",
};

struct load_sess {
	int fd; /* -1: slot free */
	enum load_state state;
	int connecting; /* non-blocking connect pending */
	char *out;	/* pending output (malloc'ed) */
	size_t out_len;
	size_t out_off;
	char in[LOAD_REPLY_MAX]; /* current reply */
	size_t in_len;
	double last; /* time of last progress */
	long msgno;
};

static struct sockaddr_in load_addr;
static const char *load_from = "sender@client.bench.test";
static const char *load_to = "rcpt@sink.bench.test";
static const char *load_helo = "client.bench.test";
static char *load_body; /* shared message body */
static size_t load_body_len;
static double load_timeout = 60;
static int load_quiet;
static long load_failed;
static long load_accepted;

/* load_now - monotonic seconds */

static double
load_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

/* load_usage - complain and exit 2 */

static void
load_usage(const char *why)
{
	fprintf(stderr,
	    "smtp-load: %s\n"
	    "usage: smtp-load [-q] -s sessions -m messages -l length "
	    "[-f from] [-t to] [-M helo] [-T timeout] host:port\n",
	    why);
	exit(2);
}

/* load_num - bounded decimal option value */

static long
load_num(const char *opt, const char *s, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi) {
		fprintf(stderr, "smtp-load: bad %s value \"%s\" (%ld..%ld)\n",
		    opt, s, lo, hi);
		exit(2);
	}
	return (v);
}

/* load_build_body - the body of every message */

static void
load_build_body(size_t len)
{
	size_t n = 0;

	load_body = malloc(len + 1);
	if (load_body == 0) {
		perror("smtp-load: malloc");
		exit(1);
	}
	while (n < len) {
		size_t line = len - n < 80 ? len - n : 80;
		size_t i;

		/* Lines of 'x' ending in CRLF; a short tail is plain 'x'. */
		for (i = 0; i < line; i++)
			load_body[n + i] = 'x';
		if (line >= 2) {
			load_body[n + line - 2] = '\r';
			load_body[n + line - 1] = '\n';
		}
		n += line;
	}
	load_body_len = len;
}

/* load_queue - append formatted output for the session */

static void
load_queue(struct load_sess *sp, const char *fmt, ...)
{
	va_list ap;
	int need;

	va_start(ap, fmt);
	need = vsnprintf(0, 0, fmt, ap);
	va_end(ap);
	if (need < 0)
		abort();
	sp->out = realloc(sp->out, sp->out_len + need + 1);
	if (sp->out == 0) {
		perror("smtp-load: realloc");
		exit(1);
	}
	va_start(ap, fmt);
	vsnprintf(sp->out + sp->out_len, need + 1, fmt, ap);
	va_end(ap);
	sp->out_len += need;
}

/* load_close - end a session, counting a failure when why != 0 */

static void
load_close(struct load_sess *sp, const char *why)
{
	if (why) {
		if (!load_quiet && load_failed < 10)
			fprintf(stderr, "smtp-load: message %ld: %s: %s\n",
			    sp->msgno, load_state_name[sp->state], why);
		load_failed++;
	}
	close(sp->fd);
	sp->fd = -1;
	free(sp->out);
	sp->out = 0;
	sp->out_len = sp->out_off = 0;
	sp->in_len = 0;
}

/* load_open - start a session for message msgno */

static int
load_open(struct load_sess *sp, long msgno)
{
	int one = 1;

	sp->msgno = msgno;
	sp->state = LOAD_GREETING;
	sp->in_len = 0;
	sp->out = 0;
	sp->out_len = sp->out_off = 0;
	sp->last = load_now();
	if ((sp->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0)) < 0) {
		perror("smtp-load: socket");
		exit(1);
	}
	(void)setsockopt(sp->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(sp->fd, (struct sockaddr *)&load_addr, sizeof(load_addr)) ==
	    0) {
		sp->connecting = 0;
	} else if (errno == EINPROGRESS) {
		sp->connecting = 1;
	} else {
		load_close(sp, strerror(errno));
		return (-1);
	}
	return (0);
}

/* load_reply - act on one complete reply; 0 = session goes on */

static int
load_reply(struct load_sess *sp, int code)
{
	switch (sp->state) {
	case LOAD_GREETING:
		if (code != 220)
			return (-1);
		load_queue(sp, "EHLO %s\r\n", load_helo);
		sp->state = LOAD_EHLO;
		return (0);
	case LOAD_EHLO:
		if (code != 250)
			return (-1);
		load_queue(sp, "MAIL FROM:<%s>\r\n", load_from);
		sp->state = LOAD_MAIL;
		return (0);
	case LOAD_MAIL:
		if (code != 250)
			return (-1);
		load_queue(sp, "RCPT TO:<%s>\r\n", load_to);
		sp->state = LOAD_RCPT;
		return (0);
	case LOAD_RCPT:
		if (code != 250)
			return (-1);
		load_queue(sp, "DATA\r\n");
		sp->state = LOAD_DATA;
		return (0);
	case LOAD_DATA:
		if (code != 354)
			return (-1);
		load_queue(sp,
		    "From: <%s>\r\nTo: <%s>\r\nSubject: bench %ld\r\n"
		    "Date: Mon, 23 Nov 2026 00:00:00 +0000\r\n"
		    "Message-Id: <%ld.%ld@%s>\r\n\r\n",
		    load_from, load_to, sp->msgno, sp->msgno, (long)getpid(),
		    load_helo);
		load_queue(sp, "%.*s%s.\r\n", (int)load_body_len, load_body,
		    load_body_len && load_body[load_body_len - 1] != '\n'
			? "\r\n"
			: "");
		sp->state = LOAD_DOT;
		return (0);
	case LOAD_DOT:
		if (code != 250)
			return (-1);
		load_accepted++;
		load_queue(sp, "QUIT\r\n");
		sp->state = LOAD_QUIT;
		return (0);
	case LOAD_QUIT:
		return (1); /* done either way */
	}
	abort();
}

/* load_input - read what is there, handle complete replies */

static void
load_input(struct load_sess *sp)
{
	ssize_t n;
	char *line;
	char *nl;

	n = read(sp->fd, sp->in + sp->in_len, sizeof(sp->in) - 1 - sp->in_len);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		load_close(sp,
		    sp->state == LOAD_QUIT ? 0
			: n == 0	   ? "connection closed"
					   : strerror(errno));
		return;
	}
	sp->in_len += n;
	sp->in[sp->in_len] = 0;
	sp->last = load_now();

	/* A reply ends with a line whose 4th character is not '-'. */
	for (line = sp->in; (nl = strchr(line, '\n')) != 0; line = nl + 1) {
		int code;
		int r;

		if (nl - line >= 3 && line[3] == '-')
			continue;
		if (nl - line < 3 || sscanf(line, "%3d", &code) != 1) {
			load_close(sp, "malformed reply");
			return;
		}
		if ((r = load_reply(sp, code)) != 0) {
			*nl = 0;
			load_close(sp, r < 0 ? line : 0);
			return;
		}
		/* Drop the complete reply; the rest (if any) moves down. */
		sp->in_len -= nl + 1 - sp->in;
		memmove(sp->in, nl + 1, sp->in_len + 1);
		nl = sp->in - 1;
	}
	if (sp->in_len >= sizeof(sp->in) - 1)
		load_close(sp, "reply too long");
}

/* load_output - write pending output */

static void
load_output(struct load_sess *sp)
{
	ssize_t n;

	if (sp->connecting) {
		int err = 0;
		socklen_t len = sizeof(err);

		if (getsockopt(sp->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		if (err) {
			load_close(sp, strerror(err));
			return;
		}
		sp->connecting = 0;
		sp->last = load_now();
	}
	if (sp->out_off >= sp->out_len)
		return;
	n = write(sp->fd, sp->out + sp->out_off, sp->out_len - sp->out_off);
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			load_close(sp, strerror(errno));
		return;
	}
	sp->out_off += n;
	sp->last = load_now();
	if (sp->out_off == sp->out_len) {
		free(sp->out);
		sp->out = 0;
		sp->out_len = sp->out_off = 0;
	}
}

/* load_options - the command line: sets the globals, *nsess, *nmsg, *len */

static void
load_options(int argc, char **argv, long *nsess, long *nmsg, long *len)
{
	char *host;
	char *colon;
	int ch;

	while ((ch = getopt(argc, argv, "f:l:m:M:qs:t:T:")) != -1) {
		switch (ch) {
		case 'f':
			load_from = optarg;
			break;
		case 'l':
			*len = load_num("-l", optarg, 0, 100000000);
			break;
		case 'm':
			*nmsg = load_num("-m", optarg, 1, 10000000);
			break;
		case 'M':
			load_helo = optarg;
			break;
		case 'q':
			load_quiet = 1;
			break;
		case 's':
			*nsess = load_num("-s", optarg, 1, LOAD_MAX_SESS);
			break;
		case 't':
			load_to = optarg;
			break;
		case 'T':
			load_timeout = load_num("-T", optarg, 1, 3600);
			break;
		default:
			load_usage("bad option");
		}
	}
	if (optind != argc - 1)
		load_usage("need exactly one host:port");
	host = argv[optind];
	if ((colon = strrchr(host, ':')) == 0)
		load_usage("need host:port");
	*colon = 0;
	memset(&load_addr, 0, sizeof(load_addr));
	load_addr.sin_family = AF_INET;
	load_addr.sin_port = htons(load_num("port", colon + 1, 1, 65535));
	if (inet_pton(AF_INET, host, &load_addr.sin_addr) != 1)
		load_usage("host must be an IPv4 address");
}

/* load_events - handle what poll() reported; returns 1 if anything moved */

static int
load_events(struct load_sess *sess, struct pollfd *pfd, long nsess, double now)
{
	int moved = 0;
	int i;

	for (i = 0; i < nsess; i++) {
		struct load_sess *sp = sess + i;

		if (sp->fd < 0)
			continue;
		if (pfd[i].revents & POLLOUT) {
			load_output(sp);
			moved = 1;
		} else if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR)) {
			load_input(sp);
			moved = 1;
		} else if (now - sp->last > load_timeout) {
			load_close(sp, "timeout");
		}
	}
	return (moved);
}

/* load_run - drive nsess sessions until nmsg messages are done */

static int
load_run(struct load_sess *sess, struct pollfd *pfd, long nsess, long nmsg,
    long *started)
{
	double progress = load_now();
	double now;
	int live;
	int i;

	for (;;) {
		/* Refill free slots; a connection refused at once frees it
		 * again. */
		for (live = 0, i = 0; i < nsess; i++) {
			while (sess[i].fd < 0 && *started < nmsg)
				if (load_open(sess + i, ++*started) == 0)
					break;
			pfd[i].fd = sess[i].fd;
			pfd[i].events = sess[i].fd < 0
			    ? 0
			    : (sess[i].connecting || sess[i].out_len ? POLLOUT
								     : POLLIN);
			pfd[i].revents = 0;
			live += sess[i].fd >= 0;
		}
		if (live == 0)
			return (0);
		if (poll(pfd, nsess, 1000) < 0 && errno != EINTR) {
			perror("smtp-load: poll");
			return (-1);
		}
		now = load_now();
		if (load_events(sess, pfd, nsess, now))
			progress = now;
		/* Bounded: give up when nothing at all moved for a timeout. */
		if (now - progress > load_timeout) {
			for (i = 0; i < nsess; i++)
				if (sess[i].fd >= 0)
					load_close(sess + i, "timeout");
			return (0);
		}
	}
}

int
main(int argc, char **argv)
{
	struct load_sess *sess;
	struct pollfd *pfd;
	long nsess = 1;
	long nmsg = 1;
	long len = 1024;
	long started = 0;
	double t0;
	int i;

	load_options(argc, argv, &nsess, &nmsg, &len);
	signal(SIGPIPE, SIG_IGN);
	load_build_body(len);
	if (nsess > nmsg)
		nsess = nmsg;

	sess = calloc(nsess, sizeof(*sess));
	pfd = calloc(nsess, sizeof(*pfd));
	if (sess == 0 || pfd == 0) {
		perror("smtp-load: calloc");
		return (1);
	}
	for (i = 0; i < nsess; i++)
		sess[i].fd = -1;

	t0 = load_now();
	if (load_run(sess, pfd, nsess, nmsg, &started) < 0)
		return (1);
	printf("sent=%ld accepted=%ld failed=%ld seconds=%.3f\n", started,
	    load_accepted, load_failed + (nmsg - started), load_now() - t0);
	return (load_accepted == nmsg ? 0 : 1);
}
