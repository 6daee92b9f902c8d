/*
 * smtpd_session - one SMTP client: a state machine over a bufferevent.
 *
 * Commands are read with a bounded line length and answered in order, so
 * pipelined clients work. The cleanup connection is opened at the first
 * accepted RCPT (Postfix's smtpd_delay_open_until_valid_rcpt); the
 * envelope and the content are streamed to it as queue-file records while
 * the client sends them, and the Received: header goes as cleanup's
 * trace_header attribute with ${queue_id} in place of the ID, which only
 * cleanup knows. "250 Ok: queued as ID" is sent only after cleanup
 * replies status=0 queue_id=ID, which it does after the queue file is
 * fsync'ed.
 *
 * DATA ends only at <CR><LF>.<CR><LF>: a bare LF ends a content line (it is
 * normalised) but never the message, so no client can smuggle a second
 * message past a downstream server.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <string.h>
#include <strings.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "smtpd.h"
#include "smtpd_tls.h"
#include "attr.h"
#include "deliv.h"
#include "dlog.h"
#include "dns.h"
#include "header.h"
#include "mem.h"
#include "msg.h"
#include "param.h"
#include "qfile.h"
#include "qid.h"
#include "server.h"
#include "vbuf.h"

#define CMD_LINE_MIN 512	   /* RFC 5321 4.5.3.1.4 */
#define CMD_LINE_MAX 65536	   /* whatever line_length_limit says */
#define DATA_CHUNK 8192		   /* longest content record we send */
#define CLEANUP_HIWAT (256 * 1024) /* pause the client above this */
#define CLEANUP_TIMEOUT 300
#define CLIENT_HIWAT (64 * 1024) /* pending replies before we stop reading */

enum smtpd_state {
	SS_CMD,		/* reading commands */
	SS_DATA,	/* reading message content */
	SS_WAIT_QUEUED, /* content sent, waiting for cleanup */
	SS_WAIT_FLUSH,	/* ETRN sent to the flush service */
	SS_STARTTLS,	/* flushing "220 Ready to start TLS" */
	SS_LOOKUP,	/* reverse lookup before the banner */
	SS_CLOSING,	/* flushing the last reply */
};

/* Command counters, printed in this order on the disconnect line. */
enum {
	C_HELO,
	C_EHLO,
	C_STARTTLS,
	C_MAIL,
	C_RCPT,
	C_DATA,
	C_RSET,
	C_NOOP,
	C_VRFY,
	C_ETRN,
	C_QUIT,
	C_UNKNOWN,
	C_COUNT
};
static const char *const cmd_names[C_COUNT] = {"helo", "ehlo", "starttls",
    "mail", "rcpt", "data", "rset", "noop", "vrfy", "etrn", "quit", "unknown"};

struct smtpd_session {
	struct bufferevent *bev;  /* client */
	int fd;			  /* client socket (closed by us) */
	struct bufferevent *cbev; /* cleanup, during a transaction */
	struct bufferevent *fbev; /* flush service, during ETRN */
	char *etrn_site;
	enum smtpd_state state;
	struct sockaddr_storage ss;
	char addr[INET6_ADDRSTRLEN];
	char port[8];
	char saddr[INET6_ADDRSTRLEN];
	char sport[8];
	char name[NI_MAXHOST];	/* verified client name or "unknown" */
	char rname[NI_MAXHOST]; /* reverse (PTR) name or "unknown" */
	struct dns_req *dns;	/* reverse or forward lookup */
	char namaddr[NI_MAXHOST + INET6_ADDRSTRLEN + 4];
	char *helo;
	int esmtp;
	int tls;	      /* STARTTLS done (handshake may be running) */
	int tls_up;	      /* the handshake has finished */
	int stdio;	      /* sendmail -bs: stdin and stdout */
	char *sender;	      /* NULL = no MAIL yet */
	char *envid;	      /* DSN ENVID (decoded) */
	int ret;	      /* DSN RET: 1 FULL, 2 HDRS, 0 unset */
	const char *encoding; /* BODY=: "7bit", "8bit" or NULL */
	char *first_rcpt;
	int nrcpt;
	int overshoot; /* RCPTs beyond smtpd_recipient_limit */
	char qid[QID_SIZE];
	long size; /* content bytes seen */
	int too_big;
	int failed; /* cleanup went away mid-transaction */
	int junk;   /* NOOP, RSET, VRFY, ETRN so far */
	int in_header;
	int hops;
	int prev_crlf;	     /* last content line ended in CRLF */
	int bare_lf;	     /* a line ended in a bare LF (session) */
	int data_bare_lf;    /* ... in this message's content */
	int lf_mode;	     /* smtpd_forbid_bare_newline for us */
	struct event *delay; /* smtpd_error_sleep_time timer */
	int delay_pending;
	struct evbuffer *delayed; /* replies held back meanwhile */
	int at_bol;		  /* next content byte starts a line */
	int skip_line;		  /* discarding an overlong command */
	int errors;
	const char *last_cmd; /* for "timeout after X" */
	int ok[C_COUNT];
	int total[C_COUNT];
	struct vbuf scratch;
	struct vbuf logaddr[2]; /* log_addr() results */
	struct smtpd_session *next, *prev;
};

static struct smtpd_session *sessions;

/*
 * Settings read on every reply or content line, read once by
 * smtpd_session_init() (a reload starts a new smtpd process).
 */
static struct {
	long size_limit; /* message_size_limit, 0 = none */
	long soft_erlim; /* smtpd_soft_error_limit */
	long hard_erlim; /* smtpd_hard_error_limit */
	long err_sleep;	 /* smtpd_error_sleep_time */
	size_t cmd_max;	 /* line_length_limit, bounded */
	int soft_bounce;
} lim;

static void session_free(struct smtpd_session *s);
static void session_start(struct smtpd_session *s, int fd,
    struct bufferevent *bev);
static void bs_session_gone(void);
static int bs_eof; /* sendmail -bs: stdin ended */
static void session_greet(struct smtpd_session *s);
static void peer_ptr_done(const struct dns_reply *r, void *ctx);
static void client_read(struct bufferevent *bev, void *ctx);
static void client_write(struct bufferevent *bev, void *ctx);
static void client_event(struct bufferevent *bev, short what, void *ctx);
static void process_input(struct smtpd_session *s);
static void client_pause(struct smtpd_session *s);
static void client_resume(struct smtpd_session *s);

static const char *
state_name(enum smtpd_state st)
{
	switch (st) {
	case SS_CMD:
		return "CMD";
	case SS_DATA:
		return "DATA";
	case SS_WAIT_QUEUED:
		return "WAIT_QUEUED";
	case SS_WAIT_FLUSH:
		return "WAIT_FLUSH";
	case SS_STARTTLS:
		return "STARTTLS";
	case SS_LOOKUP:
		return "LOOKUP";
	case SS_CLOSING:
		return "CLOSING";
	}
	msg_panic("smtpd: unknown state %d", (int)st);
}

static void
enter_state(struct smtpd_session *s, enum smtpd_state st)
{
	if (msg_verbose)
		msg_info("%s: %s -> %s", s->namaddr, state_name(s->state),
		    state_name(st));
	s->state = st;
}

static void reply(struct smtpd_session *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The held-back replies go out; the client is read again. */
static void
delay_done(evutil_socket_t fd, short what, void *ctx)
{
	struct smtpd_session *s = ctx;

	s->delay_pending = 0;
	evbuffer_add_buffer(bufferevent_get_output(s->bev), s->delayed);
	if (s->state == SS_CMD || s->state == SS_DATA)
		client_resume(s);
	else if (s->state == SS_CLOSING)
		bufferevent_enable(s->bev,
		    EV_WRITE); /* client_write() frees it */
}

/*
 * smtpd_error_sleep_time: once a session has made smtpd_soft_error_limit
 * errors, each reply waits that long (Postfix sleeps; one process here
 * serves many clients, so the reply is held back and the client is not
 * read meanwhile).
 */
static struct evbuffer *
reply_buffer(struct smtpd_session *s)
{
	long sleep_time;

	if (s->delay_pending)
		return s->delayed;
	if (s->errors < lim.soft_erlim || (sleep_time = lim.err_sleep) <= 0)
		return bufferevent_get_output(s->bev);
	if (s->delay == NULL) {
		s->delay = evtimer_new(server_base(), delay_done, s);
		s->delayed = evbuffer_new();
	}
	struct timeval tv = {sleep_time, 0};
	evtimer_add(s->delay, &tv);
	s->delay_pending = 1;
	client_pause(s);
	return s->delayed;
}

static void
vreply(struct smtpd_session *s, const char *fmt, va_list ap)
{
	struct evbuffer *out = reply_buffer(s);
	struct vbuf line = VBUF_INIT;

	vbuf_vprintf(&line, fmt, ap);
	/* soft_bounce: every permanent refusal becomes a temporary one, the
	 * enhanced status code too ("550 5.1.1" -> "450 4.1.1"). */
	if (line.len >= 3 && line.data[0] == '5' && lim.soft_bounce) {
		line.data[0] = '4';
		if (line.len >= 6 && line.data[4] == '5' && line.data[5] == '.')
			line.data[4] = '4';
	}
	vbuf_append(&line, "\r\n", 2);
	evbuffer_add(out, line.data, line.len);
	vbuf_free(&line);
}

static void
reply(struct smtpd_session *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreply(s, fmt, ap);
	va_end(ap);
}

/* Is this EHLO keyword in smtpd_discard_ehlo_keywords? */
static int
ehlo_discarded(const char *keyword)
{
	char **discard = param_list("smtpd_discard_ehlo_keywords");

	for (size_t d = 0; discard[d]; d++)
		if (strcasecmp(discard[d], keyword) == 0)
			return 1;
	return 0;
}

/* An error reply that counts toward smtpd_hard_error_limit; -1 when that
 * limit ends the session. */
static int error_reply(struct smtpd_session *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
error_reply(struct smtpd_session *s, const char *fmt, ...)
{
	va_list ap;

	s->errors++;
	va_start(ap, fmt);
	vreply(s, fmt, ap);
	va_end(ap);
	if (s->errors >= lim.hard_erlim) {
		msg_info("too many errors after %s from %s",
		    s->last_cmd ? s->last_cmd : "CONNECT", s->namaddr);
		reply(s, "421 4.7.0 %s Error: too many errors",
		    param_str("myhostname"));
		enter_state(s, SS_CLOSING);
		return -1;
	}
	return 0;
}

/*
 * smtpd_forbid_bare_newline: every mode normalizes (a bare LF ends a line,
 * never the message); "note" also flags the disconnect line, "reject"
 * refuses commands and messages that hold a bare LF. Clients listed in
 * smtpd_forbid_bare_newline_exclusions are only normalized.
 */
#define LF_NORMALIZE 0
#define LF_NOTE 1
#define LF_REJECT 2

static int
bare_lf_mode(struct smtpd_session *s)
{
	const char *v = param_str("smtpd_forbid_bare_newline");
	int mode = strcasecmp(v, "reject") == 0 ? LF_REJECT
	    : strcasecmp(v, "note") == 0	? LF_NOTE
						: LF_NORMALIZE;

	if (mode != LF_NORMALIZE &&
	    smtpd_check_netlist(&s->ss, "smtpd_forbid_bare_newline_exclusions"))
		mode = LF_NORMALIZE;
	return mode;
}

/* The refusal for a bare LF (reject mode); code 521 also disconnects. */
static void
bare_lf_reject(struct smtpd_session *s, const char *where)
{
	long code = param_int("smtpd_forbid_bare_newline_reject_code");

	if (code < 400 || code > 599)
		code = 550;
	msg_info("NOQUEUE: reject: %s from %s: %ld 5.5.2 %s Error: bare <LF> "
		 "received; "
		 "proto=%s helo=<%s>",
	    where, s->namaddr, code, param_str("myhostname"),
	    s->esmtp ? "ESMTP" : "SMTP", s->helo ? s->helo : "");
	if (error_reply(s, "%ld %d.5.2 %s Error: bare <LF> received", code,
		(int)(code / 100), param_str("myhostname")) == 0 &&
	    code == 521)
		enter_state(s, SS_CLOSING);
}

/* ---- the cleanup side ---------------------------------------------------- */

static void
cleanup_send(struct smtpd_session *s, int type, const void *data, size_t len)
{
	if (s->cbev == NULL)
		return;
	vbuf_reset(&s->scratch);
	rec_encode(&s->scratch, type, data, len);
	bufferevent_write(s->cbev, s->scratch.data, s->scratch.len);
}

static void cleanup_sendf(struct smtpd_session *s, int type, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));

static void
cleanup_sendf(struct smtpd_session *s, int type, const char *fmt, ...)
{
	struct vbuf b = VBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	vbuf_vprintf(&b, fmt, ap);
	va_end(ap);
	cleanup_send(s, type, b.data, b.len);
	vbuf_free(&b);
}

static void
cleanup_close(struct smtpd_session *s)
{
	if (s->cbev) {
		bufferevent_free(s->cbev);
		s->cbev = NULL;
	}
}

static void
transaction_reset(struct smtpd_session *s)
{
	cleanup_close(s);
	s->sender = mem_free(s->sender);
	s->envid = mem_free(s->envid);
	s->ret = 0;
	s->encoding = NULL;
	s->first_rcpt = mem_free(s->first_rcpt);
	s->nrcpt = 0;
	s->overshoot = 0;
	s->qid[0] = 0;
	s->size = 0;
	s->too_big = 0;
	s->failed = 0;
}

static void
client_pause(struct smtpd_session *s)
{
	bufferevent_disable(s->bev, EV_READ);
}

static void
client_resume(struct smtpd_session *s)
{
	if (s->delay_pending)
		return; /* delay_done() resumes */
	bufferevent_enable(s->bev, EV_READ);
	process_input(s);
}

/* The envelope records that start every message. */
static void
cleanup_send_envelope(struct smtpd_session *s)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	cleanup_sendf(s, REC_TYPE_TIME, "%ld %ld", (long)tv.tv_sec,
	    (long)tv.tv_usec);
	cleanup_sendf(s, REC_TYPE_ATTR, "notify_queue_id=yes");
	cleanup_sendf(s, REC_TYPE_ATTR, "rewrite_context=%s",
	    smtpd_check_mynetworks(&s->ss) ? "local" : "remote");
	cleanup_send(s, REC_TYPE_FROM, s->sender, strlen(s->sender));
	if (s->encoding)
		cleanup_sendf(s, REC_TYPE_ATTR, "encoding=%s", s->encoding);
	if (s->envid)
		cleanup_sendf(s, REC_TYPE_ATTR, "envelope_id=%s", s->envid);
	if (s->ret)
		cleanup_sendf(s, REC_TYPE_ATTR, "ret_flags=%d", s->ret);
	cleanup_sendf(s, REC_TYPE_ATTR, "log_client_name=%s", s->name);
	cleanup_sendf(s, REC_TYPE_ATTR, "log_client_address=%s", s->addr);
	cleanup_sendf(s, REC_TYPE_ATTR, "log_client_port=%s", s->port);
	cleanup_sendf(s, REC_TYPE_ATTR, "log_message_origin=%s", s->namaddr);
	if (s->helo)
		cleanup_sendf(s, REC_TYPE_ATTR, "log_helo_name=%s", s->helo);
	cleanup_sendf(s, REC_TYPE_ATTR, "log_protocol_name=%s",
	    s->esmtp ? "ESMTP" : "SMTP");
	cleanup_sendf(s, REC_TYPE_ATTR, "client_name=%s", s->name);
	cleanup_sendf(s, REC_TYPE_ATTR, "reverse_client_name=%s", s->rname);
	cleanup_sendf(s, REC_TYPE_ATTR, "client_address=%s", s->addr);
	cleanup_sendf(s, REC_TYPE_ATTR, "client_port=%s", s->port);
	cleanup_sendf(s, REC_TYPE_ATTR, "server_address=%s", s->saddr);
	cleanup_sendf(s, REC_TYPE_ATTR, "server_port=%s", s->sport);
	if (s->helo)
		cleanup_sendf(s, REC_TYPE_ATTR, "helo_name=%s", s->helo);
	cleanup_sendf(s, REC_TYPE_ATTR, "protocol_name=%s",
	    s->esmtp ? "ESMTP" : "SMTP");
	cleanup_sendf(s, REC_TYPE_ATTR, "client_address_type=%d",
	    s->ss.ss_family == AF_INET6 ? 10 : 2);
	cleanup_sendf(s, REC_TYPE_ATTR, "log_origin=%s", s->namaddr);
}

/*
 * The cleanup connection failed. Never leave DATA early: the rest of the
 * client's content must not be read as commands. The transaction is marked
 * failed and the client learns it at DATA or at the end of DATA.
 */
static void
cleanup_fail(struct smtpd_session *s, const char *why)
{
	msg_warn("NOQUEUE: cleanup service: %s (client %s)", why, s->namaddr);
	cleanup_close(s);
	s->failed = 1;
	if (s->state == SS_WAIT_QUEUED) {
		reply(s, "451 4.3.0 Error: queue file write error");
		transaction_reset(s);
		enter_state(s, SS_CMD);
		client_resume(s);
	} else if (s->state == SS_DATA &&
	    !(bufferevent_get_enabled(s->bev) & EV_READ)) {
		/* Paused for cleanup's backlog: nothing else would ever resume
		 * the client. Read and drop the rest; data_end() answers 451.
		 */
		client_resume(s);
	}
}

/* SMTP reply for a cleanup refusal, after Postfix's cleanup_strerror(). */
static void
cleanup_refusal(struct smtpd_session *s, const char *status, const char *why)
{
	msg_info("NOQUEUE: reject: cleanup from %s: %s", s->namaddr,
	    why ? why : "(no reason)");
	if (status == NULL || strcmp(status, "75") == 0 || why == NULL)
		reply(s, "451 4.3.0 Error: queue file write error");
	else if (strstr(why, "too big"))
		reply(s, "552 5.3.4 Error: message file too big");
	else if (strstr(why, "too many hops"))
		reply(s, "554 5.4.0 Error: too many hops");
	else if (strstr(why, "header"))
		reply(s, "552 5.6.0 Error: message header size exceeds limit");
	else
		reply(s, "550 5.7.1 Error: message content rejected");
}

/* The queue ID, as soon as cleanup has created the file (Postfix logs
 * "QID: client=" at the first accepted recipient). */
static void
queue_id_known(struct smtpd_session *s, const char *id)
{
	if (s->qid[0] == 0 && id && qid_ok(id) && strlen(id) < sizeof(s->qid)) {
		snprintf(s->qid, sizeof(s->qid), "%s", id);
		msg_info("%s: client=%s", s->qid, s->namaddr);
	}
}

static void
cleanup_read(struct bufferevent *cbev, void *ctx)
{
	struct smtpd_session *s = ctx;
	struct evbuffer *in = bufferevent_get_input(cbev);
	struct attr_list list = {0};
	size_t len = evbuffer_get_length(in);
	const char *buf = (const char *)evbuffer_pullup(in, -1);
	long used = attr_parse(buf, len, &list);

	if (used == 0) {
		attr_list_free(&list);
		return;
	}
	if (used < 0) {
		attr_list_free(&list);
		cleanup_fail(s, "malformed reply");
		return;
	}
	evbuffer_drain(in, (size_t)used);
	if (attr_get(&list, "status") == NULL &&
	    attr_get(&list, "queue_id") != NULL) {
		queue_id_known(s, attr_get(&list, "queue_id"));
		attr_list_free(&list);
		if (evbuffer_get_length(in) > 0)
			cleanup_read(cbev,
			    ctx); /* the final block may follow */
		return;
	}
	if (s->state == SS_WAIT_QUEUED) {
		const char *st = attr_get(&list, "status");
		const char *why = attr_get(&list, "reason");
		const char *id = attr_get(&list, "queue_id");
		if (st && strcmp(st, "0") == 0 && id && qid_ok(id) &&
		    strlen(id) < sizeof(s->qid)) {
			queue_id_known(s, id);
			s->ok[C_DATA]++;
			reply(s, "250 2.0.0 Ok: queued as %s", s->qid);
		} else {
			cleanup_refusal(s, st, why);
		}
		attr_list_free(&list);
		transaction_reset(s);
		enter_state(s, SS_CMD);
		client_resume(s);
		return;
	}
	attr_list_free(&list);
	cleanup_fail(s, "unexpected reply");
}

static void
cleanup_write(struct bufferevent *cbev, void *ctx)
{
	struct smtpd_session *s = ctx;
	/* Output drained below the low-water mark: the client may go on. */
	if (s->state == SS_DATA && !(bufferevent_get_enabled(s->bev) & EV_READ))
		client_resume(s);
}

static void
cleanup_event(struct bufferevent *cbev, short what, void *ctx)
{
	struct smtpd_session *s = ctx;

	if (what & BEV_EVENT_CONNECTED)
		return;
	cleanup_fail(s,
	    (what & BEV_EVENT_TIMEOUT)	 ? "timeout"
		: (what & BEV_EVENT_EOF) ? "connection closed"
					 : strerror(errno));
}

static int
cleanup_open(struct smtpd_session *s)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "public/cleanup");
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		 0)) < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 &&
	    errno != EINPROGRESS) {
		msg_warn("connect to public/cleanup: %m");
		close(fd);
		return -1;
	}
	s->cbev =
	    bufferevent_socket_new(server_base(), fd, BEV_OPT_CLOSE_ON_FREE);
	/* cleanup says nothing until the end of DATA: only writes are timed
	 * now; data_end() arms the read timeout. */
	struct timeval tv = {CLEANUP_TIMEOUT, 0};
	bufferevent_set_timeouts(s->cbev, NULL, &tv);
	bufferevent_setcb(s->cbev, cleanup_read, cleanup_write, cleanup_event,
	    s);
	bufferevent_setwatermark(s->cbev, EV_WRITE, CLEANUP_HIWAT / 4, 0);
	bufferevent_enable(s->cbev, EV_READ | EV_WRITE);
	return 0;
}

/* ---- commands --------------------------------------------------------------
 */

/* Extract the address from "FROM:<addr> params" / "TO:<addr> params".
 * Returns the parameters part, or NULL on a syntax error. */
static char *
parse_path(char *arg, const char *keyword, char **addr)
{
	size_t kl = strlen(keyword);

	if (strncasecmp(arg, keyword, kl) != 0)
		return NULL;
	arg += kl;
	while (*arg == ' ')
		arg++;
	if (*arg != '<') {
		/* Postfix accepts a bare address too (strict_rfc821_envelopes =
		 * no). */
		char *end = arg + strcspn(arg, " ");
		if (end == arg)
			return NULL;
		*addr = arg;
		if (*end)
			*end++ = 0;
		return end;
	}
	char *close = NULL;
	int quoted = 0;
	for (char *p = arg + 1; *p; p++) {
		if (*p == '\\' && p[1]) {
			p++;
		} else if (*p == '"') {
			quoted = !quoted;
		} else if (*p == '>' && !quoted) {
			close = p;
			break;
		}
	}
	if (close == NULL)
		return NULL;
	*close = 0;
	*addr = arg + 1;
	return close + 1;
}

static int
addr_ok(const char *a)
{
	for (const unsigned char *p = (const unsigned char *)a; *p; p++)
		if (*p < 0x20 || *p == 0x7f || *p == '<' || *p == '>')
			return 0;
	return strlen(a) <= 1000;
}

/*
 * Postfix's internal address form, in place (it is never longer): source
 * route dropped, quotes and backslash escapes removed ("john doe"@example.com
 * -> john doe@example.com). Queue files, the relay check and replies use
 * it; log lines and the smtp client quote it again.
 */
static void
addr_internalize(struct smtpd_session *s, char *a)
{
	resolve_internal(a, &s->scratch);
	if (s->scratch.len <= strlen(a))
		memcpy(a, s->scratch.data ? s->scratch.data : "",
		    s->scratch.len + 1);
	else
		msg_panic("addr_internalize: internal form of <%s> is longer",
		    a);
}

/* An address for the log in its external (quoted) form, as Postfix's
 * info_log_address_format = external; two slots per session. */
static const char *
log_addr(struct smtpd_session *s, int slot, const char *addr)
{
	vbuf_reset(&s->logaddr[slot]);
	if (*addr)
		dlog_quote_rcpt(&s->logaddr[slot], addr);
	return vbuf_str(&s->logaddr[slot]);
}

static void
cmd_helo(struct smtpd_session *s, char *arg, int ehlo)
{
	if (*arg == 0) {
		error_reply(s, "501 Syntax: HELO hostname");
		return;
	}
	mem_free(s->helo);
	s->helo = mem_strndup(arg, 255);
	for (char *p = s->helo; *p; p++) /* as Postfix's printable() */
		if ((unsigned char)*p < 0x20 || (unsigned char)*p == 0x7f)
			*p = '?';
	s->esmtp = ehlo;
	transaction_reset(s);
	s->ok[ehlo ? C_EHLO : C_HELO]++;
	if (!ehlo) {
		reply(s, "250 %s", param_str("myhostname"));
		return;
	}
	/* Postfix's keywords in Postfix's order, less
	 * smtpd_discard_ehlo_keywords. */
	const char *kw[8];
	char size[32];
	int n = 0;
	if (lim.size_limit > 0)
		snprintf(size, sizeof(size), "SIZE %ld", lim.size_limit);
	else
		snprintf(size, sizeof(size), "SIZE");
	kw[n++] = "PIPELINING";
	kw[n++] = size;
	if (!param_bool("disable_vrfy_command"))
		kw[n++] = "VRFY";
	kw[n++] = "ETRN";
	if (smtpd_tls_level() != SMTPD_TLS_NONE && !s->tls && !s->stdio)
		kw[n++] = "STARTTLS";
	kw[n++] = "ENHANCEDSTATUSCODES";
	kw[n++] = "8BITMIME";
	kw[n++] = "DSN";
	int last = -1;
	struct vbuf gone = VBUF_INIT;
	for (int i = 0; i < n; i++) {
		char word[32];
		snprintf(word, sizeof(word), "%.*s", (int)strcspn(kw[i], " "),
		    kw[i]);
		if (ehlo_discarded(word)) {
			vbuf_printf(&gone, "%s%s", gone.len ? " " : "", word);
			kw[i] = NULL;
		}
		if (kw[i])
			last = i;
	}
	if (gone.len && !ehlo_discarded("silent-discard"))
		msg_info("discarding EHLO keywords: %s", vbuf_str(&gone));
	vbuf_free(&gone);
	reply(s, "250%c%s", last < 0 ? ' ' : '-', param_str("myhostname"));
	for (int i = 0; i <= last; i++)
		if (kw[i])
			reply(s, "250%c%s", i == last ? ' ' : '-', kw[i]);
}

/* RFC 3461 xtext: "+HH" escapes, printable ASCII otherwise. -1 if bad. */
static int
xtext_decode(const char *in, struct vbuf *out)
{
	vbuf_reset(out);
	for (const char *p = in; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '+') {
			int v = 0;
			for (int k = 1; k <= 2; k++) {
				int h = p[k];
				if (!isxdigit(h) || islower(h))
					return -1;
				v = v * 16 +
				    (isdigit(h) ? h - '0' : h - 'A' + 10);
			}
			if (v < 33 || v > 126)
				return -1;
			vbuf_putc(out, (char)v);
			p += 2;
		} else if (c < 33 || c > 126 || c == '=') {
			return -1;
		} else {
			vbuf_putc(out, (char)c);
		}
	}
	return 0;
}

/* STARTTLS (RFC 3207): reply 220, then the TLS handshake replaces the
 * plain stream; the SMTP state is reset as if the client had just
 * connected, and plain-text bytes pipelined after the command are dropped
 * (they must never be read as if they had come over TLS). */
static void
cmd_starttls(struct smtpd_session *s, char *arg)
{
	if (*arg) {
		error_reply(s, "501 5.5.4 Syntax: STARTTLS");
		return;
	}
	if (s->tls) {
		error_reply(s, "554 5.5.1 Error: TLS already active");
		return;
	}
	if (smtpd_tls_level() == SMTPD_TLS_NONE || ehlo_discarded("starttls") ||
	    s->stdio) {
		error_reply(s, "502 5.5.1 Error: command not implemented");
		return;
	}
	if (!smtpd_tls_ready()) {
		error_reply(s,
		    "454 4.7.0 TLS not available due to local problem");
		return;
	}
	reply(s, "220 2.0.0 Ready to start TLS");
	s->ok[C_STARTTLS]++;
	transaction_reset(s);
	s->helo = mem_free(s->helo);
	s->esmtp = 0;
	client_pause(s);
	enter_state(s, SS_STARTTLS); /* client_write() goes on */
}

/* The 220 has reached the kernel: replace the plain stream with TLS. */
static void
starttls_switch(struct smtpd_session *s)
{
	struct vbuf why = VBUF_INIT;
	struct bufferevent *tb;

	/* Bytes the client sent before it saw our 220 are dropped unread. */
	bufferevent_free(s->bev);
	s->bev = NULL;
	if ((tb = smtpd_tls_start(s->fd)) == NULL) {
		smtpd_tls_errors(&why);
		msg_warn("cannot start TLS for %s: %s", s->namaddr,
		    vbuf_str(&why));
		vbuf_free(&why);
		session_free(s);
		return;
	}
	s->bev = tb;
	s->tls = 1;
	bufferevent_setcb(s->bev, client_read, client_write, client_event, s);
	struct timeval tv = {param_time("smtpd_starttls_timeout"), 0};
	bufferevent_set_timeouts(s->bev, &tv, &tv);
	bufferevent_enable(s->bev, EV_READ | EV_WRITE);
	enter_state(s, SS_CMD);
}

/* With smtpd_tls_security_level = encrypt, no mail before STARTTLS. */
static int
tls_required(struct smtpd_session *s)
{
	if (smtpd_tls_level() != SMTPD_TLS_ENCRYPT || s->tls)
		return 0;
	error_reply(s, "530 5.7.0 Must issue a STARTTLS command first");
	return 1;
}

/*
 * Room in the queue file system for a message of the announced size, as
 * Postfix's smtpd_check_queue(): queue_minfree must stay free, and no
 * single message may take more than half of what is left.
 */
static int
queue_has_room(unsigned long long size)
{
	struct statvfs fs;
	unsigned long long minfree =
	    (unsigned long long)param_size("queue_minfree");

	if (statvfs(".", &fs) < 0) {
		msg_warn("statvfs queue directory: %m");
		return 1;
	}
	unsigned long long bsize = fs.f_frsize ? fs.f_frsize : fs.f_bsize;
	unsigned long long avail =
	    fs.f_bavail; /* blocks an unprivileged user may use */
	if (bsize == 0)
		return 1;
	if (minfree / bsize >= avail ||
	    size / bsize >= avail - minfree / bsize ||
	    size / bsize >= avail / 2)
		return 0;
	return 1;
}

static void
cmd_mail(struct smtpd_session *s, char *arg)
{
	char *addr = NULL, *params;

	if (param_bool("smtpd_helo_required") && s->helo == NULL) {
		error_reply(s, "503 5.5.1 Error: send HELO/EHLO first");
		return;
	}
	if (s->sender) {
		error_reply(s, "503 5.5.1 Error: nested MAIL command");
		return;
	}
	if (tls_required(s))
		return;
	if ((params = parse_path(arg, "FROM:", &addr)) == NULL ||
	    !addr_ok(addr)) {
		error_reply(s, "501 5.1.7 Bad sender address syntax");
		return;
	}
	addr_internalize(s, addr);
	if (resolve_bad_nexthop(addr)) {
		error_reply(s, "501 5.1.7 Bad sender address syntax");
		return;
	}
	long limit = lim.size_limit;
	char *envid = NULL;
	int ret = 0;
	unsigned long long msg_size = 0;
	const char *encoding = NULL;
	for (char *tok = strtok(params, " "); tok; tok = strtok(NULL, " ")) {
		if (strncasecmp(tok, "SIZE=", 5) == 0) {
			char *end;
			const char *digits = tok + 5;
			if (*digits == 0 ||
			    digits[strspn(digits, "0123456789")] != 0) {
				error_reply(s,
				    "501 5.5.4 Bad message size syntax");
				mem_free(envid);
				return;
			}
			errno = 0;
			unsigned long long v = strtoull(digits, &end, 10);
			if (errno == ERANGE ||
			    v > (unsigned long long)LONG_MAX) {
				error_reply(s,
				    "552 5.3.4 Message size exceeds file "
				    "system imposed limit");
				mem_free(envid);
				return;
			}
			if (limit > 0 && v > (unsigned long long)limit) {
				error_reply(s,
				    "552 5.3.4 Message size exceeds fixed "
				    "limit");
				mem_free(envid);
				return;
			}
			msg_size = v;
		} else if (strncasecmp(tok, "BODY=", 5) == 0) {
			if (strcasecmp(tok + 5, "8BITMIME") != 0 &&
			    strcasecmp(tok + 5, "7BIT") != 0) {
				error_reply(s,
				    "501 5.5.4 Unsupported BODY parameter");
				mem_free(envid);
				return;
			}
			encoding = strcasecmp(tok + 5, "8BITMIME") == 0
			    ? "8bit"
			    : "7bit";
		} else if (strcasecmp(tok, "SMTPUTF8") == 0) {
			continue;
		} else if ((strncasecmp(tok, "RET=", 4) == 0 ||
			       strncasecmp(tok, "ENVID=", 6) == 0) &&
		    ehlo_discarded("dsn")) {
			error_reply(s, "501 5.7.1 DSN support is disabled");
			mem_free(envid);
			return;
		} else if (strncasecmp(tok, "RET=", 4) == 0) {
			if (ret ||
			    (strcasecmp(tok + 4, "FULL") != 0 &&
				strcasecmp(tok + 4, "HDRS") != 0)) {
				error_reply(s,
				    "501 5.5.4 Bad RET parameter syntax");
				mem_free(envid);
				return;
			}
			ret = strcasecmp(tok + 4, "FULL") == 0 ? 1 : 2;
		} else if (strncasecmp(tok, "ENVID=", 6) == 0) {
			if (envid || xtext_decode(tok + 6, &s->scratch) < 0 ||
			    s->scratch.len == 0 || s->scratch.len > 100) {
				error_reply(s,
				    "501 5.5.4 Bad ENVID parameter syntax");
				mem_free(envid);
				return;
			}
			envid = mem_strdup(vbuf_str(&s->scratch));
		} else {
			error_reply(s, "555 5.5.4 Unsupported option: %.100s",
			    tok);
			mem_free(envid);
			return;
		}
	}
	if (!queue_has_room(msg_size)) {
		msg_info("NOQUEUE: reject: MAIL from %s: 452 4.3.1 "
			 "Insufficient system storage; "
			 "from=<%s> proto=%s helo=<%s>",
		    s->namaddr, log_addr(s, 0, addr),
		    s->esmtp ? "ESMTP" : "SMTP", s->helo ? s->helo : "");
		error_reply(s, "452 4.3.1 Insufficient system storage");
		mem_free(envid);
		return;
	}
	s->envid = envid;
	s->ret = ret;
	s->encoding = encoding;
	s->sender = mem_strdup(addr);
	s->ok[C_MAIL]++;
	reply(s, "250 2.1.0 Ok");
}

/* RCPT TO parameters (RFC 3461 NOTIFY, ORCPT): 0, or -1 after a reply. */
static int
rcpt_params(struct smtpd_session *s, char *params, int *notify, char **orcpt)
{
	static const struct {
		const char *name;
		int bit;
	} kw[] = {{"NEVER", 1}, {"SUCCESS", 2}, {"FAILURE", 4}, {"DELAY", 8}};

	for (char *tok = strtok(params, " "); tok; tok = strtok(NULL, " ")) {
		if ((strncasecmp(tok, "NOTIFY=", 7) == 0 ||
			strncasecmp(tok, "ORCPT=", 6) == 0) &&
		    ehlo_discarded("dsn")) {
			error_reply(s, "501 5.7.1 DSN support is disabled");
			return -1;
		}
		if (strncasecmp(tok, "NOTIFY=", 7) == 0) {
			char *save = NULL;
			int bad = *notify != 0 || tok[7] == 0;
			for (char *w = strtok_r(tok + 7, ",", &save); w && !bad;
			     w = strtok_r(NULL, ",", &save)) {
				int bit = 0;
				for (size_t i = 0;
				     i < sizeof(kw) / sizeof(kw[0]); i++)
					if (strcasecmp(w, kw[i].name) == 0)
						bit = kw[i].bit;
				if (bit == 0 || (*notify & bit))
					bad = 1;
				*notify |= bit;
			}
			if (bad || *notify == 0 ||
			    ((*notify & 1) && *notify != 1)) {
				error_reply(s,
				    "501 5.5.4 Error: Bad NOTIFY parameter "
				    "syntax");
				return -1;
			}
		} else if (strncasecmp(tok, "ORCPT=", 6) == 0) {
			char *semi = strchr(tok + 6, ';');
			int bad =
			    *orcpt != NULL || semi == NULL || semi == tok + 6;
			for (char *p = tok + 6; !bad && p < semi; p++)
				if (!isalnum((unsigned char)*p) && *p != '-')
					bad = 1;
			if (!bad &&
			    (xtext_decode(semi + 1, &s->scratch) < 0 ||
				s->scratch.len == 0 || s->scratch.len > 1000))
				bad = 1;
			if (bad) {
				error_reply(s,
				    "501 5.5.4 Error: Bad ORCPT parameter "
				    "syntax");
				return -1;
			}
			*semi = 0;
			struct vbuf o = VBUF_INIT;
			vbuf_printf(&o, "%s;%s", tok + 6,
			    vbuf_str(&s->scratch));
			*orcpt = mem_strdup(vbuf_str(&o));
			vbuf_free(&o);
		} else {
			error_reply(s, "555 5.5.4 Unsupported option: %.100s",
			    tok);
			return -1;
		}
	}
	return 0;
}

/*
 * The recipient restrictions for RCPT or VRFY (addr in internal form): 0
 * when addr is accepted, else 1 after the refusal was logged as Postfix
 * logs it and sent.
 */
static int
rcpt_refused(struct smtpd_session *s, const char *cmd, const char *addr)
{
	struct smtpd_check_ctx ctx = {&s->ss, s->namaddr, s->helo, s->sender};
	int code = smtpd_check_recipient(&ctx, addr, &s->scratch);

	if (code == 0)
		return 0;
	char *text = mem_strdup(vbuf_str(&s->scratch));
	if (s->sender)
		msg_info("%s: reject: %s from %s: %d %s; from=<%s> to=<%s> "
			 "proto=%s helo=<%s>",
		    s->qid[0] ? s->qid : "NOQUEUE", cmd, s->namaddr, code, text,
		    log_addr(s, 0, s->sender), log_addr(s, 1, addr),
		    s->esmtp ? "ESMTP" : "SMTP", s->helo ? s->helo : "");
	else
		msg_info("NOQUEUE: reject: %s from %s: %d %s; to=<%s> proto=%s "
			 "helo=<%s>",
		    cmd, s->namaddr, code, text, log_addr(s, 1, addr),
		    s->esmtp ? "ESMTP" : "SMTP", s->helo ? s->helo : "");
	error_reply(s, "%d %s", code, text);
	mem_free(text);
	return 1;
}

static void
cmd_rcpt(struct smtpd_session *s, char *arg)
{
	char *addr = NULL, *params;
	int notify = 0;
	char *orcpt = NULL;

	if (s->sender == NULL) {
		error_reply(s, "503 5.5.1 Error: need MAIL command");
		return;
	}
	if (s->failed) {
		error_reply(s, "451 4.3.0 Error: queue file write error");
		return;
	}
	char typed[1024]; /* addr_ok() allows 1000 bytes */
	if ((params = parse_path(arg, "TO:", &addr)) == NULL ||
	    !addr_ok(addr) ||
	    (snprintf(typed, sizeof(typed), "%s", addr),
		addr_internalize(s, addr), *addr == 0) ||
	    resolve_bad_nexthop(addr)) {
		error_reply(s, "501 5.1.3 Bad recipient address syntax");
		return;
	}
	if (rcpt_params(s, params, &notify, &orcpt) < 0) {
		mem_free(orcpt);
		return;
	}
	if (s->nrcpt >= param_int("smtpd_recipient_limit")) {
		/* The first smtpd_recipient_overshoot_limit extras are no
		 * errors. */
		if (++s->overshoot >
		    param_int("smtpd_recipient_overshoot_limit"))
			error_reply(s, "452 4.5.3 Error: too many recipients");
		else
			reply(s, "452 4.5.3 Error: too many recipients");
		mem_free(orcpt);
		return;
	}
	if (rcpt_refused(s, "RCPT", addr)) {
		mem_free(orcpt);
		return;
	}
	s->nrcpt++;
	if (s->first_rcpt == NULL)
		s->first_rcpt = mem_strdup(addr);
	if (s->cbev == NULL) {
		/* First valid recipient: open cleanup, send the envelope. */
		if (cleanup_open(s) < 0) {
			s->nrcpt--;
			error_reply(s,
			    "451 4.3.0 Error: queue file write error");
			mem_free(orcpt);
			return;
		}
		cleanup_send_envelope(s);
	}
	/* Postfix: without ORCPT, the address as the client typed it. */
	if (orcpt)
		cleanup_sendf(s, REC_TYPE_ATTR, "dsn_orig_rcpt=%s", orcpt);
	else
		cleanup_sendf(s, REC_TYPE_ATTR, "dsn_orig_rcpt=rfc822;%s",
		    typed);
	if (notify)
		cleanup_sendf(s, REC_TYPE_ATTR, "notify_flags=%d", notify);
	mem_free(orcpt);
	cleanup_send(s, REC_TYPE_RCPT, addr, strlen(addr));
	s->ok[C_RCPT]++;
	reply(s, "250 2.1.5 Ok");
}

/* The Received: header, sent as cleanup's trace_header attribute. */
static void
send_received(struct smtpd_session *s)
{
	struct vbuf dbuf = VBUF_INIT;
	/* RFC 3848, as Postfix writes it: "with ESMTPS" over TLS. */
	const char *proto = s->esmtp ? (s->tls ? "ESMTPS" : "ESMTP") : "SMTP";

	header_date(&dbuf, time(NULL));
	const char *date = vbuf_str(&dbuf);
	if (s->nrcpt == 1)
		cleanup_sendf(s, REC_TYPE_ATTR,
		    "trace_header=Received: from %s (%s [%s])\n"
		    "\tby %s (%s) with %s id ${queue_id}\n\tfor <%s>; %s",
		    s->helo ? s->helo : s->name, s->name, s->addr,
		    param_str("myhostname"), param_str("mail_name"), proto,
		    s->first_rcpt, date);
	else
		cleanup_sendf(s, REC_TYPE_ATTR,
		    "trace_header=Received: from %s (%s [%s])\n"
		    "\tby %s (%s) with %s id ${queue_id};\n\t%s",
		    s->helo ? s->helo : s->name, s->name, s->addr,
		    param_str("myhostname"), param_str("mail_name"), proto,
		    date);
	vbuf_free(&dbuf);
}

static void
cmd_data(struct smtpd_session *s, char *arg)
{
	if (*arg) {
		error_reply(s, "501 5.5.4 Syntax: DATA");
		return;
	}
	if (s->sender == NULL) {
		error_reply(s, "503 5.5.1 Error: need RCPT command");
		return;
	}
	if (s->failed) {
		transaction_reset(s);
		error_reply(s, "451 4.3.0 Error: queue file write error");
		return;
	}
	if (s->nrcpt == 0 || s->cbev == NULL) {
		error_reply(s, "554 5.5.1 Error: no valid recipients");
		return;
	}
	send_received(s);
	cleanup_send(s, REC_TYPE_MESG, "", 0);
	s->size = 0;
	s->too_big = 0;
	s->in_header = 1;
	s->hops = 0;
	s->prev_crlf = 1;
	s->at_bol = 1;
	s->data_bare_lf = 0;
	enter_state(s, SS_DATA);
	reply(s, "354 End data with <CR><LF>.<CR><LF>");
}

/*
 * ETRN (RFC 1985) through the fast flush service: the checks and replies
 * of Postfix's etrn_cmd(). The eligibility check is done here first (as
 * Postfix's flush client does), so a site that is not listed costs no
 * connection. The send_site request is synchronous (bounded by
 * DELIV_FLUSH_TIMEOUT); the flush service answers after a few renames.
 */
static void etrn_finish(struct smtpd_session *s, int status);

static void
etrn_close(struct smtpd_session *s)
{
	if (s->fbev) {
		bufferevent_free(s->fbev);
		s->fbev = NULL;
	}
}

static void
etrn_done(struct smtpd_session *s, int status)
{
	etrn_close(s);
	enter_state(s, SS_CMD);
	etrn_finish(s, status);
	client_resume(s);
}

static void
etrn_read(struct bufferevent *fbev, void *ctx)
{
	struct smtpd_session *s = ctx;
	struct evbuffer *in = bufferevent_get_input(fbev);
	struct attr_list list = {0};
	size_t len = evbuffer_get_length(in);
	long used =
	    attr_parse((const char *)evbuffer_pullup(in, -1), len, &list);
	int status = DELIV_FLUSH_FAIL;

	if (used == 0) {
		attr_list_free(&list);
		return;
	}
	if (used > 0) {
		const char *st = attr_get(&list, "status");
		char *end;
		long v = st ? strtol(st, &end, 10) : 0;
		if (st && *st && *end == 0)
			status = (int)v;
	}
	attr_list_free(&list);
	etrn_done(s, status);
}

static void
etrn_event(struct bufferevent *fbev, short what, void *ctx)
{
	if (what & BEV_EVENT_CONNECTED)
		return;
	etrn_done(ctx, DELIV_FLUSH_FAIL);
}

static int
etrn_open(struct smtpd_session *s)
{
	struct sockaddr_un sun;
	struct vbuf req = VBUF_INIT;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "public/%s",
	    param_str("flush_service_name"));
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		 0)) < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 &&
	    errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	s->fbev =
	    bufferevent_socket_new(server_base(), fd, BEV_OPT_CLOSE_ON_FREE);
	struct timeval tv = {DELIV_FLUSH_TIMEOUT, 0};
	bufferevent_set_timeouts(s->fbev, &tv, &tv);
	bufferevent_setcb(s->fbev, etrn_read, NULL, etrn_event, s);
	attr_put(&req, "request", "send_site");
	attr_put(&req, "site", s->etrn_site);
	attr_end(&req);
	bufferevent_write(s->fbev, req.data, req.len);
	vbuf_free(&req);
	bufferevent_enable(s->fbev, EV_READ | EV_WRITE);
	return 0;
}

static void
cmd_etrn(struct smtpd_session *s, char *arg)
{
	const char *site = arg;
	char *lower;

	if (param_bool("smtpd_helo_required") && s->helo == NULL) {
		error_reply(s, "503 Error: send HELO/EHLO first");
		return;
	}
	if (s->sender != NULL) {
		error_reply(s, "503 Error: MAIL transaction in progress");
		return;
	}
	if (*site == 0 || strpbrk(site, " \t") != NULL) {
		error_reply(s, "500 Syntax: ETRN domain");
		return;
	}
	if (*site == '@' || *site == '#')
		site++;
	if (!deliv_flush_site_ok(site)) {
		error_reply(s, "501 Error: invalid parameter syntax");
		return;
	}
	if (s->stdio) {
		msg_warn("do not use ETRN in \"sendmail -bs\" mode");
		error_reply(s, "458 Unable to queue messages");
		return;
	}
	lower = mem_strdup(site);
	for (char *cp = lower; *cp; cp++)
		*cp = (char)tolower((unsigned char)*cp);
	int listed = deliv_flush_listed(lower);
	mem_free(lower);
	mem_free(s->etrn_site);
	s->etrn_site = mem_strdup(site);
	if (!listed) {
		etrn_finish(s, DELIV_FLUSH_DENY);
		return;
	}
	/* Ask the flush service without blocking the other sessions. */
	if (etrn_open(s) < 0) {
		etrn_finish(s, DELIV_FLUSH_FAIL);
		return;
	}
	enter_state(s, SS_WAIT_FLUSH);
	client_pause(s);
}

/* etrn_finish - the ETRN reply for a flush status */

static void
etrn_finish(struct smtpd_session *s, int status)
{
	const char *site = s->etrn_site ? s->etrn_site : "";

	switch (status) {
	case DELIV_FLUSH_OK:
		s->ok[C_ETRN]++;
		reply(s, "250 Queuing started");
		break;
	case DELIV_FLUSH_DENY:
		msg_warn("reject: ETRN %.100s... from %s", site, s->namaddr);
		error_reply(s, "459 <%s>: service unavailable", site);
		break;
	case DELIV_FLUSH_BAD:
		msg_warn("bad ETRN %.100s... from %s", site, s->namaddr);
		error_reply(s, "458 Unable to queue messages");
		break;
	default:
		msg_warn("unable to talk to fast flush service");
		error_reply(s, "458 Unable to queue messages");
		break;
	}
}

/*
 * VRFY (disable_vrfy_command = no, Postfix's default): a relay cannot
 * know whether a remote mailbox exists, so an address that passes the
 * recipient restrictions gets 252, as Postfix answers for a non-local
 * address; one that would be refused gets the same refusal as RCPT.
 */
static void
cmd_vrfy(struct smtpd_session *s, char *arg)
{
	if (param_bool("disable_vrfy_command")) {
		error_reply(s, "502 5.5.1 VRFY command is disabled");
		return;
	}
	if (param_bool("smtpd_helo_required") && s->helo == NULL) {
		error_reply(s, "503 5.5.1 Error: send HELO/EHLO first");
		return;
	}
	if (*arg == 0) {
		error_reply(s, "501 5.5.4 Syntax: VRFY address");
		return;
	}
	if (tls_required(s))
		return;
	char *addr = mem_strdup(arg), *a = addr;
	size_t n = strlen(a);
	if (*a == '<' && n >= 2 && a[n - 1] == '>') {
		a[n - 1] = 0;
		a++;
	}
	if (*a == 0 || !addr_ok(a) || (addr_internalize(s, a), *a == 0) ||
	    resolve_bad_nexthop(a)) {
		error_reply(s, "501 5.1.3 Bad recipient address syntax");
		mem_free(addr);
		return;
	}
	if (!rcpt_refused(s, "VRFY", a)) {
		s->ok[C_VRFY]++;
		reply(s, "252 2.0.0 %s", arg);
	}
	mem_free(addr);
}

static void
do_command(struct smtpd_session *s, char *line)
{
	char *arg = line + strcspn(line, " ");
	if (*arg)
		*arg++ = 0;
	while (*arg == ' ')
		arg++;
	/* Trailing white space is not part of the argument. */
	size_t n = strlen(arg);
	while (n && (arg[n - 1] == ' ' || arg[n - 1] == '\t'))
		arg[--n] = 0;

	int c = C_UNKNOWN;
	for (int i = 0; i < C_COUNT - 1; i++)
		if (strcasecmp(line, cmd_names[i]) == 0)
			c = i;
	s->total[c]++;
	s->last_cmd = c == C_UNKNOWN ? "UNKNOWN" : cmd_names[c];
	if ((c == C_NOOP || c == C_RSET || c == C_VRFY || c == C_ETRN) &&
	    ++s->junk > param_int("smtpd_junk_command_limit") &&
	    ++s->errors >= lim.hard_erlim) {
		msg_info("too many errors after %s from %s", s->last_cmd,
		    s->namaddr);
		reply(s, "421 4.7.0 %s Error: too many errors",
		    param_str("myhostname"));
		enter_state(s, SS_CLOSING);
		return;
	}
	switch (c) {
	case C_HELO:
		cmd_helo(s, arg, 0);
		s->last_cmd = "HELO";
		break;
	case C_EHLO:
		cmd_helo(s, arg, 1);
		s->last_cmd = "EHLO";
		break;
	case C_MAIL:
		s->last_cmd = "MAIL";
		cmd_mail(s, arg);
		break;
	case C_RCPT:
		s->last_cmd = "RCPT";
		cmd_rcpt(s, arg);
		break;
	case C_DATA:
		s->last_cmd = "DATA";
		cmd_data(s, arg);
		break;
	case C_RSET:
		s->last_cmd = "RSET";
		transaction_reset(s);
		s->ok[C_RSET]++;
		reply(s, "250 2.0.0 Ok");
		break;
	case C_NOOP:
		s->last_cmd = "NOOP";
		s->ok[C_NOOP]++;
		reply(s, "250 2.0.0 Ok");
		break;
	case C_VRFY:
		s->last_cmd = "VRFY";
		cmd_vrfy(s, arg);
		break;
	case C_STARTTLS:
		s->last_cmd = "STARTTLS";
		cmd_starttls(s, arg);
		break;
	case C_ETRN:
		s->last_cmd = "ETRN";
		cmd_etrn(s, arg);
		break;
	case C_QUIT:
		s->last_cmd = "QUIT";
		s->ok[C_QUIT]++;
		reply(s, "221 2.0.0 Bye");
		enter_state(s, SS_CLOSING);
		break;
	default:
		error_reply(s, "502 5.5.2 Error: command not recognized");
		break;
	}
}

/* ---- content ------------------------------------------------------------- */

static void
data_line(struct smtpd_session *s, const char *p, size_t len, int complete)
{
	/* Undo dot-stuffing at the start of a line. */
	if (s->at_bol && len > 0 && p[0] == '.') {
		p++;
		len--;
	}
	if (s->in_header && s->at_bol) {
		if (len == 0)
			s->in_header = 0;
		else if (len >= 9 && strncasecmp(p, "Received:", 9) == 0)
			s->hops++;
		else if (!(p[0] == ' ' || p[0] == '\t') &&
		    memchr(p, ':', len) == NULL)
			s->in_header = 0;
	}
	s->size += (long)len + (complete ? 2 : 0);
	if (lim.size_limit > 0 && s->size > lim.size_limit)
		s->too_big = 1;
	if (!s->too_big)
		cleanup_send(s, complete ? REC_TYPE_NORM : REC_TYPE_CONT, p,
		    len);
	s->at_bol = complete;
}

static void
data_end(struct smtpd_session *s)
{
	if (s->cbev == NULL) { /* cleanup went away meanwhile */
		transaction_reset(s);
		enter_state(s, SS_CMD);
		error_reply(s, "451 4.3.0 Error: queue file write error");
		return;
	}
	if (s->data_bare_lf && s->lf_mode == LF_REJECT) {
		transaction_reset(s);
		enter_state(s, SS_CMD);
		bare_lf_reject(s, "DATA");
		return;
	}
	if (s->too_big) {
		msg_info("%s: reject: size limit exceeded from %s",
		    s->qid[0] ? s->qid : "NOQUEUE", s->namaddr);
		transaction_reset(s);
		enter_state(s, SS_CMD);
		error_reply(s, "552 5.3.4 Error: message file too big");
		return;
	}
	if (s->hops > param_int("hopcount_limit")) {
		transaction_reset(s);
		enter_state(s, SS_CMD);
		error_reply(s, "554 5.4.0 Error: too many hops");
		return;
	}
	cleanup_send(s, REC_TYPE_XTRA, "", 0);
	cleanup_send(s, REC_TYPE_END, "", 0);
	struct timeval tv = {CLEANUP_TIMEOUT, 0};
	bufferevent_set_timeouts(s->cbev, &tv, &tv);
	enter_state(s, SS_WAIT_QUEUED);
	client_pause(s);
}

/* ---- input loop ------------------------------------------------------------
 */

static int
cleanup_congested(struct smtpd_session *s)
{
	return s->cbev &&
	    evbuffer_get_length(bufferevent_get_output(s->cbev)) >
	    CLEANUP_HIWAT;
}

/* A client that pipelines without reading our replies must not grow our
 * output buffer without bound: stop reading until it drains. */
static int
client_congested(struct smtpd_session *s)
{
	return evbuffer_get_length(bufferevent_get_output(s->bev)) >
	    CLIENT_HIWAT;
}

static void
process_input(struct smtpd_session *s)
{
	struct evbuffer *in = bufferevent_get_input(s->bev);

	while (
	    (s->state == SS_CMD || s->state == SS_DATA) && !s->delay_pending) {
		size_t avail = evbuffer_get_length(in);
		if (avail == 0)
			break;
		struct evbuffer_ptr nl = evbuffer_search(in, "\n", 1, NULL);
		if (s->state == SS_DATA) {
			if (nl.pos < 0) {
				if (avail < DATA_CHUNK)
					break;
				/* An overlong line: pass a piece on as a
				 * partial record, never splitting a CR from the
				 * LF that may follow it. */
				char *p =
				    (char *)evbuffer_pullup(in, DATA_CHUNK);
				size_t piece = p[DATA_CHUNK - 1] == '\r'
				    ? DATA_CHUNK - 1
				    : DATA_CHUNK;
				s->prev_crlf = 0;
				data_line(s, p, piece, 0);
				evbuffer_drain(in, piece);
				if (cleanup_congested(s)) {
					client_pause(s);
					break;
				}
				continue;
			}
			size_t len = (size_t)nl.pos;
			char *p = (char *)evbuffer_pullup(in, (ssize_t)len + 1);
			int crlf = len > 0 && p[len - 1] == '\r';
			size_t tlen = crlf ? len - 1 : len;
			if (s->at_bol && tlen == 1 && p[0] == '.') {
				int end = crlf && s->prev_crlf;
				s->prev_crlf = crlf;
				evbuffer_drain(in, len + 1);
				if (end) {
					data_end(s);
				} else {
					/* Postfix 3.9 "normalize": a "." line
					 * next to a bare LF neither ends the
					 * message nor is content. */
					s->bare_lf = s->data_bare_lf = 1;
				}
				continue;
			}
			if (!crlf && s->at_bol)
				s->bare_lf = s->data_bare_lf = 1;
			data_line(s, p, tlen, 1);
			s->prev_crlf = crlf;
			evbuffer_drain(in, len + 1);
			/* Flow control: wait for cleanup to drain. */
			if (cleanup_congested(s)) {
				client_pause(s);
				break;
			}
			continue;
		}
		/* Command mode. */
		if (client_congested(s)) {
			client_pause(s);
			break;
		}
		size_t cmd_max = lim.cmd_max;
		if (nl.pos < 0) {
			if (avail > cmd_max) {
				evbuffer_drain(in, avail);
				s->skip_line = 1;
			}
			break;
		}
		size_t len = (size_t)nl.pos;
		if (s->skip_line || len > cmd_max) {
			s->skip_line = 0;
			evbuffer_drain(in, len + 1);
			s->total[C_UNKNOWN]++;
			if (error_reply(s,
				"500 5.5.2 %s Error: command too long",
				param_str("myhostname")) < 0)
				break;
			continue;
		}
		char *p = (char *)evbuffer_pullup(in, (ssize_t)len + 1);
		int bare = !(len && p[len - 1] == '\r');
		if (!bare)
			len--;
		int has_nul = memchr(p, 0, len) != NULL;
		char *line = mem_strndup(p, len);
		evbuffer_drain(in, (size_t)nl.pos + 1);
		if (bare)
			s->bare_lf = 1;
		if (bare && s->lf_mode == LF_REJECT) {
			char verb[16];
			size_t vl = strcspn(line, " ");
			snprintf(verb, sizeof(verb), "%.*s",
			    (int)(vl < 15 ? vl : 15), line);
			int c = C_UNKNOWN;
			for (int i = 0; i < C_COUNT - 1; i++)
				if (strcasecmp(verb, cmd_names[i]) == 0)
					c = i;
			s->total[c]++;
			for (char *v = verb; *v; v++)
				*v = (char)toupper((unsigned char)*v);
			bare_lf_reject(s, c == C_UNKNOWN ? "UNKNOWN" : verb);
		} else if (has_nul) {
			s->total[C_UNKNOWN]++;
			error_reply(s, "500 5.5.2 Error: bad syntax");
		} else {
			do_command(s, line);
		}
		mem_free(line);
	}
	if (s->stdio && bs_eof && s->state == SS_CMD && !s->delay_pending &&
	    evbuffer_get_length(in) == 0) {
		/* Standard input ended and everything it held is answered. */
		msg_info("lost connection after %s from %s",
		    s->last_cmd ? s->last_cmd : "CONNECT", s->namaddr);
		enter_state(s, SS_CLOSING);
	}
	if (s->state == SS_CLOSING) {
		bufferevent_disable(s->bev, EV_READ);
		if (evbuffer_get_length(bufferevent_get_output(s->bev)) == 0 &&
		    !s->delay_pending)
			session_free(s);
	}
}

static void
client_read(struct bufferevent *bev, void *ctx)
{
	process_input(ctx);
}

static void
client_write(struct bufferevent *bev, void *ctx)
{
	struct smtpd_session *s = ctx;
	if (s->delay_pending)
		return; /* delay_done() writes the rest */
	if (s->state == SS_CLOSING)
		session_free(s);
	else if (s->state == SS_STARTTLS)
		starttls_switch(s);
	else if (s->state == SS_CMD &&
	    !(bufferevent_get_enabled(bev) & EV_READ) && !s->delay_pending)
		client_resume(s); /* our replies drained */
}

static void
client_event(struct bufferevent *bev, short what, void *ctx)
{
	struct smtpd_session *s = ctx;

	if (what & BEV_EVENT_CONNECTED) { /* the TLS handshake is done */
		struct vbuf d = VBUF_INIT;
		smtpd_tls_describe(bev, &d);
		msg_info("Anonymous TLS connection established from %s: %s",
		    s->namaddr, vbuf_str(&d));
		vbuf_free(&d);
		s->tls_up = 1;
		struct timeval tv = {param_time("smtpd_timeout"), 0};
		bufferevent_set_timeouts(s->bev, &tv, &tv);
		return;
	}
	if (s->tls && !s->tls_up) {
		/* The handshake failed or timed out: nothing can be said to the
		 * client in either protocol. */
		struct vbuf why = VBUF_INIT;
		if (what & BEV_EVENT_TIMEOUT) {
			msg_info("timeout after STARTTLS from %s", s->namaddr);
		} else {
			smtpd_tls_errors(&why);
			msg_info("SSL_accept error from %s: %s", s->namaddr,
			    vbuf_str(&why));
			msg_info("lost connection after STARTTLS from %s",
			    s->namaddr);
		}
		vbuf_free(&why);
		s->state = SS_CLOSING;
		session_free(s);
		return;
	}
	if (what & BEV_EVENT_TIMEOUT) {
		msg_info("timeout after %s from %s",
		    s->last_cmd ? s->last_cmd : "CONNECT", s->namaddr);
		if (s->state != SS_CLOSING) {
			reply(s, "421 4.4.2 %s Error: timeout exceeded",
			    param_str("myhostname"));
			enter_state(s, SS_CLOSING);
			bufferevent_disable(bev, EV_READ);
			bufferevent_enable(bev, EV_WRITE);
			struct timeval tv = {5, 0};
			bufferevent_set_timeouts(bev, NULL, &tv);
			return;
		}
	} else if (s->state != SS_CLOSING) {
		if (s->state == SS_DATA)
			msg_info("lost connection after DATA (%ld bytes) from "
				 "%s",
			    s->size, s->namaddr);
		else
			msg_info("lost connection after %s from %s",
			    s->last_cmd ? s->last_cmd : "CONNECT", s->namaddr);
	}
	session_free(s);
}

static void
session_free(struct smtpd_session *s)
{
	struct vbuf line = VBUF_INIT;
	int okall = 0, all = 0;

	for (int i = 0; i < C_COUNT; i++) {
		if (s->total[i] == 0)
			continue;
		okall += s->ok[i];
		all += s->total[i];
		if (s->ok[i] == s->total[i])
			vbuf_printf(&line, " %s=%d", cmd_names[i], s->ok[i]);
		else
			vbuf_printf(&line, " %s=%d/%d", cmd_names[i], s->ok[i],
			    s->total[i]);
	}
	if (okall == all)
		vbuf_printf(&line, " commands=%d", all);
	else
		vbuf_printf(&line, " commands=%d/%d", okall, all);
	if (s->bare_lf && s->lf_mode == LF_NOTE)
		vbuf_puts(&line, " notes=bare_lf");
	msg_info("disconnect from %s%s", s->namaddr, vbuf_str(&line));
	vbuf_free(&line);
	transaction_reset(s);
	etrn_close(s);
	s->dns = dns_cancel(s->dns);
	mem_free(s->etrn_site);
	if (s->delay) {
		event_free(s->delay);
		evbuffer_free(s->delayed);
	}
	if (s->bev)
		bufferevent_free(s->bev);
	if (!s->tls && s->fd >= 0)
		close(s->fd); /* the TLS bufferevent closed it */
	mem_free(s->helo);
	if (s->stdio)
		bs_session_gone();
	vbuf_free(&s->scratch);
	vbuf_free(&s->logaddr[0]);
	vbuf_free(&s->logaddr[1]);
	if (s->prev)
		s->prev->next = s->next;
	else
		sessions = s->next;
	if (s->next)
		s->next->prev = s->prev;
	mem_free(s);
}

static void
sockaddr_text(const struct sockaddr_storage *ss, char *addr, size_t alen,
    char *port, size_t plen)
{
	if (getnameinfo((const struct sockaddr *)ss, sizeof(*ss), addr,
		(socklen_t)alen, port, (socklen_t)plen,
		NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		snprintf(addr, alen, "unknown");
		snprintf(port, plen, "0");
	}
	/* IPv4-mapped IPv6 addresses are logged as IPv4, as Postfix does. */
	if (strncmp(addr, "::ffff:", 7) == 0 && strchr(addr + 7, '.'))
		memmove(addr, addr + 7, strlen(addr + 7) + 1);
}

/*
 * The per-process session cap. Each session may hold two descriptors (the
 * client and, during a transaction, cleanup), so the cap follows from the
 * descriptor limit, which smtpd_session_init() raises to the hard limit.
 */
static long session_cap = 100;

void
smtpd_session_init(void)
{
	struct rlimit rl;
	long n;

	lim.size_limit = param_size("message_size_limit");
	lim.soft_erlim = param_int("smtpd_soft_error_limit");
	lim.hard_erlim = param_int("smtpd_hard_error_limit");
	lim.err_sleep = param_time("smtpd_error_sleep_time");
	lim.soft_bounce = param_bool("soft_bounce");
	/* The longest command line: line_length_limit, within sane bounds. */
	n = param_int("line_length_limit");
	lim.cmd_max = n < CMD_LINE_MIN ? CMD_LINE_MIN
	    : n > CMD_LINE_MAX	       ? CMD_LINE_MAX
				       : (size_t)n;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rlim_t want =
		    rl.rlim_max == RLIM_INFINITY || rl.rlim_max > 65536
		    ? 65536
		    : rl.rlim_max;
		if (rl.rlim_cur < want) {
			rl.rlim_cur = want;
			if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
				msg_warn("setrlimit RLIMIT_NOFILE %lu: %m",
				    (unsigned long)want);
			(void)getrlimit(RLIMIT_NOFILE, &rl);
		}
		n = rl.rlim_cur == RLIM_INFINITY ? 65536 : (long)rl.rlim_cur;
		session_cap = n > 66 ? (n - 64) / 2 : 1;
	}
	if (msg_verbose)
		msg_info("at most %ld concurrent SMTP sessions", session_cap);
}

void
smtpd_session_create(int fd)
{
	struct smtpd_session *s = mem_calloc(1, sizeof(*s));
	socklen_t len = sizeof(s->ss);
	struct sockaddr_storage local;
	socklen_t llen = sizeof(local);

	if (getpeername(fd, (struct sockaddr *)&s->ss, &len) < 0)
		memset(&s->ss, 0, sizeof(s->ss));
	sockaddr_text(&s->ss, s->addr, sizeof(s->addr), s->port,
	    sizeof(s->port));
	if (getsockname(fd, (struct sockaddr *)&local, &llen) == 0)
		sockaddr_text(&local, s->saddr, sizeof(s->saddr), s->sport,
		    sizeof(s->sport));
	snprintf(s->name, sizeof(s->name), "unknown");
	snprintf(s->rname, sizeof(s->rname), "unknown");
	snprintf(s->namaddr, sizeof(s->namaddr), "%s[%s]", s->name, s->addr);

	/* Bounded concurrency: all clients, and each client address. */
	long total = 0, same = 0;
	for (struct smtpd_session *o = sessions; o; o = o->next) {
		total++;
		if (strcmp(o->addr, s->addr) == 0)
			same++;
	}
	long per_client = param_int("smtpd_client_connection_count_limit");
	const char *refusal = NULL;
	if (total >= session_cap) {
		msg_warn("too many concurrent SMTP sessions (%ld); refusing %s",
		    total, s->namaddr);
		refusal = "421 4.3.2 Service currently unavailable\r\n";
	} else if (per_client > 0 && same >= per_client &&
	    !smtpd_check_mynetworks(&s->ss)) {
		msg_warn("Connection concurrency limit exceeded: %ld from %s "
			 "for service smtp",
		    same + 1, s->namaddr);
		refusal = "421 4.7.0 Error: too many connections\r\n";
	}
	if (refusal) {
		ssize_t w = write(fd, refusal, strlen(refusal));
		(void)w;
		close(fd);
		mem_free(s);
		return;
	}
	session_start(s, fd, bufferevent_socket_new(server_base(), fd, 0));
}

/* Common to network and stdio sessions: the bufferevent, the list, the
 * name lookup, then the banner. */
static void
session_start(struct smtpd_session *s, int fd, struct bufferevent *bev)
{
	s->state = SS_LOOKUP;
	s->lf_mode = bare_lf_mode(s);
	s->fd = fd;
	s->bev = bev;
	bufferevent_setcb(s->bev, client_read, client_write, client_event, s);
	long t = param_time("smtpd_timeout");
	struct timeval tv = {t, 0};
	bufferevent_set_timeouts(s->bev, &tv, &tv);
	s->next = sessions;
	if (sessions)
		sessions->prev = s;
	sessions = s;
	if (param_bool("smtpd_peername_lookup") &&
	    (s->ss.ss_family == AF_INET || s->ss.ss_family == AF_INET6)) {
		/* The client is not read until the banner is out. */
		s->dns = dns_query_ptr(&s->ss, peer_ptr_done, s);
		return;
	}
	session_greet(s);
}

/* The client's name is settled: log the connection, send the banner. */
static void
session_greet(struct smtpd_session *s)
{
	snprintf(s->namaddr, sizeof(s->namaddr), "%s[%s]", s->name, s->addr);
	enter_state(s, SS_CMD);
	bufferevent_enable(s->bev, EV_READ | EV_WRITE);
	msg_info("connect from %s", s->namaddr);
	reply(s, "220 %s", param_str("smtpd_banner"));
}

/* Same address? An IPv4-mapped IPv6 client equals the IPv4 address. */
static int
same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	unsigned char x[16], y[16];
	int fx = smtpd_addr_bytes(a, x);

	return fx != 0 && fx == smtpd_addr_bytes(b, y) &&
	    memcmp(x, y, fx == AF_INET ? 4 : 16) == 0;
}

/* Forward confirmation: the name must resolve back to the client. */
static void
peer_addr_done(const struct dns_reply *r, void *ctx)
{
	struct smtpd_session *s = ctx;

	s->dns = NULL;
	for (size_t i = 0; r->status == DNS_OK && i < r->naddr; i++) {
		if (same_addr(&r->addrs[i].sa, &s->ss)) {
			snprintf(s->name, sizeof(s->name), "%s", s->rname);
			session_greet(s);
			return;
		}
	}
	if (r->status == DNS_OK)
		msg_warn("hostname %s does not resolve to address %s", s->rname,
		    s->addr);
	else
		msg_warn("hostname %s does not resolve to address %s: %s",
		    s->rname, s->addr,
		    r->status == DNS_RETRY
			? "Temporary failure in name resolution"
			: "Name or service not known");
	session_greet(s);
}

/* The reverse (PTR) lookup, as Postfix's getnameinfo(NI_NAMEREQD). */
static void
peer_ptr_done(const struct dns_reply *r, void *ctx)
{
	struct smtpd_session *s = ctx;
	struct dns_addr numeric;

	s->dns = NULL;
	if (r->status == DNS_OK && dns_valid_hostname(r->name) &&
	    !dns_addr_literal(r->name, DNS_INET_ALL, &numeric)) {
		snprintf(s->rname, sizeof(s->rname), "%s", r->name);
		s->dns = dns_query_addr(s->rname, DNS_INET_ALL | DNS_HOSTS,
		    peer_addr_done, s);
		return;
	}
	if (r->status == DNS_OK)
		msg_warn("%s: malformed domain name in resolver result: %s",
		    s->addr, r->name);
	session_greet(s);
}

int
smtpd_session_active(void)
{
	int n = 0;
	for (struct smtpd_session *s = sessions; s; s = s->next)
		n++;
	return n;
}

void
smtpd_session_stop_all(void)
{
	while (sessions)
		session_free(sessions);
}

/*
 * sendmail -bs: smtpd -S runs one session over standard input and output.
 * The session's bufferevent is one end of a pair; the other end is
 * bridged to stdin (read) and stdout (write). The end of standard input
 * is not passed on at once: the session first answers everything that
 * was read (a message may be waiting for cleanup), as Postfix's does.
 * Access policies do not apply (the client is local), and there is no
 * STARTTLS or ETRN. The process exits once stdout is flushed.
 */
static struct bufferevent *bs_in, *bs_pair[2];
static struct event *bs_file_ev; /* stdin is a regular file */
static struct smtpd_session *bs_session;

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
	if (bs_session && bs_session->state == SS_CMD)
		process_input(bs_session);
}

static void
bs_in_event(struct bufferevent *bev, short what, void *ctx)
{
	bufferevent_disable(bev, EV_READ);
	bs_stdin_ended();
}

/* A regular file on stdin: read a piece per turn of the loop, and only
 * while the session keeps up. */
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

static void
bs_session_gone(void)
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

	if (bufferevent_pair_new(server_base(), 0, bs_pair) < 0)
		msg_fatal("cannot create a bufferevent pair");
	bufferevent_setcb(bs_pair[1], bs_pair_read, NULL, NULL, NULL);
	bufferevent_enable(bs_pair[1], EV_READ | EV_WRITE);
	int fl = fcntl(1, F_GETFL);
	if (fl >= 0)
		(void)fcntl(1, F_SETFL, fl & ~O_NONBLOCK);
	if (fstat(0, &st) == 0 && S_ISREG(st.st_mode)) {
		struct timeval now = {0, 0};
		bs_file_ev = evtimer_new(server_base(), bs_file_read, NULL);
		evtimer_add(bs_file_ev, &now);
	} else {
		if ((bs_in = bufferevent_socket_new(server_base(), 0, 0)) ==
		    NULL)
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
	session_start(s, -1, bs_pair[0]);
}
