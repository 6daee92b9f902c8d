/*
 * smtpd_session - one SMTP client: a state machine over a bufferevent.
 *
 * Commands are read with a bounded line length and answered in order, so
 * pipelined clients work (smtpd_cmd.c runs them). The cleanup connection is
 * opened at the first accepted RCPT (Postfix's
 * smtpd_delay_open_until_valid_rcpt); the envelope and the content are
 * streamed to it as queue-file records while the client sends them
 * (smtpd_cleanup.c). "250 Ok: queued as ID" is sent only after cleanup
 * replies status=0 queue_id=ID, which it does after the queue file is
 * fsync'ed.
 *
 * DATA ends only at <CR><LF>.<CR><LF>: a bare LF ends a content line (it is
 * normalised) but never the message, so no client can smuggle a second
 * message past a downstream server.
 */
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <string.h>
#include <strings.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "smtpd.h"
#include "smtpd_tls.h"
#include "dns.h"
#include "ipc.h"
#include "mem.h"
#include "metrics.h"
#include "msg.h"
#include "qfile.h"
#include "vbuf.h"

const char *const smtpd_cmd_names[C_COUNT] = {"helo", "ehlo", "starttls",
    "mail", "rcpt", "data", "rset", "noop", "vrfy", "etrn", "quit", "unknown"};

static struct ring sessions = RING_INIT(sessions);
static struct event_base *smtpd_base;
static size_t cmd_max; /* line_length_limit, within sane bounds */

struct event_base *
smtpd_event_base(void)
{
	return smtpd_base;
}

static void client_read(struct bufferevent *bev, void *ctx);
static void client_write(struct bufferevent *bev, void *ctx);
static void client_event(struct bufferevent *bev, short what, void *ctx);

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
	case SS_WAIT_QID:
		return "WAIT_QID";
	case SS_STARTTLS:
		return "STARTTLS";
	case SS_LOOKUP:
		return "LOOKUP";
	case SS_CLOSING:
		return "CLOSING";
	}
	msg_panic("smtpd: unknown state %d", (int)st);
}

void
smtpd_enter_state(struct smtpd_session *s, enum smtpd_state st)
{
	if (msg_verbose)
		msg_info("%s: %s -> %s", s->namaddr, state_name(s->state),
		    state_name(st));
	s->state = st;
}

/* The held-back replies go out; the client is read again. */
static void
delay_done(evutil_socket_t fd, short what, void *ctx)
{
	struct smtpd_session *s = ctx;

	s->delay_pending = 0;
	evbuffer_add_buffer(bufferevent_get_output(s->bev), s->delayed);
	if (s->state == SS_CMD || s->state == SS_DATA)
		smtpd_client_resume(s);
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
	if (s->errors < var_smtpd_soft_error_limit ||
	    (sleep_time = var_smtpd_error_sleep_time) <= 0)
		return bufferevent_get_output(s->bev);
	if (s->delay == NULL) {
		s->delay = evtimer_new(smtpd_event_base(), delay_done, s);
		s->delayed = evbuffer_new();
	}
	struct timeval tv = {sleep_time, 0};
	evtimer_add(s->delay, &tv);
	s->delay_pending = 1;
	smtpd_client_pause(s);
	return s->delayed;
}

/*
 * reply_send - hand a reply to the kernel at once when nothing waits
 * before it (ipc_send_now(); a plain TCP session only): returns the bytes
 * the kernel took. There is no write callback for those: the states that
 * wait for the output to drain see to an empty one themselves
 * (smtpd_output_drained(), input_settle(), the timeout).
 */
static size_t
reply_send(struct smtpd_session *s, struct evbuffer *out, const char *data,
    size_t len)
{
	if (s->tls || s->stdio || out != bufferevent_get_output(s->bev))
		return (0);
	return (ipc_send_now(s->bev, data, len));
}

/*
 * smtpd_output_drained - for a state that waits for the replies to drain
 * (SS_STARTTLS): when they already have, client_write() runs from the
 * loop all the same.
 */
void
smtpd_output_drained(struct smtpd_session *s)
{
	if (evbuffer_get_length(bufferevent_get_output(s->bev)) == 0)
		bufferevent_trigger(s->bev, EV_WRITE, BEV_TRIG_DEFER_CALLBACKS);
}

static void
vreply(struct smtpd_session *s, const char *fmt, va_list ap)
{
	struct evbuffer *out = reply_buffer(s);
	struct vbuf line = VBUF_INIT;

	vbuf_vprintf(&line, fmt, ap);
	/* soft_bounce: every permanent refusal becomes a temporary one, the
	 * enhanced status code too ("550 5.1.1" -> "450 4.1.1"). */
	if (line.len >= 3 && line.data[0] == '5' && var_soft_bounce) {
		line.data[0] = '4';
		if (line.len >= 6 && line.data[4] == '5' && line.data[5] == '.')
			line.data[4] = '4';
	}
	vbuf_append(&line, "\r\n", 2);
	size_t sent = reply_send(s, out, line.data, line.len);
	if (sent < line.len)
		evbuffer_add(out, line.data + sent, line.len - sent);
	vbuf_free(&line);
}

void
smtpd_reply(struct smtpd_session *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreply(s, fmt, ap);
	va_end(ap);
}

int
smtpd_error_reply(struct smtpd_session *s, const char *fmt, ...)
{
	va_list ap;

	s->errors++;
	va_start(ap, fmt);
	vreply(s, fmt, ap);
	va_end(ap);
	if (s->errors >= var_smtpd_hard_error_limit) {
		msg_info("too many errors after %s from %s",
		    s->last_cmd ? s->last_cmd : "CONNECT", s->namaddr);
		smtpd_reply(s, "421 4.7.0 %s Error: too many errors",
		    var_myhostname);
		smtpd_enter_state(s, SS_CLOSING);
		return -1;
	}
	return 0;
}

/* smtpd_forbid_bare_newline for this client (LF_* in smtpd.h). */
static int
bare_lf_mode(struct smtpd_session *s)
{
	const char *v = var_smtpd_forbid_bare_newline;

	if (s->stdio)
		return LF_LOCAL; /* never a network client */
	int mode = strcasecmp(v, "reject") == 0 ? LF_REJECT
	    : strcasecmp(v, "note") == 0	? LF_NOTE
						: LF_NORMALIZE;

	if (mode != LF_NORMALIZE &&
	    smtpd_check_netlist(&s->ss, "smtpd_forbid_bare_newline_exclusions"))
		mode = LF_NORMALIZE;
	return mode;
}

/* The refusal for a bare LF (reject mode); code 521 also disconnects. */
void
smtpd_bare_lf_reject(struct smtpd_session *s, const char *where)
{
	long code = var_smtpd_forbid_bare_newline_reject_code;

	if (code < 400 || code > 599)
		code = 550;
	msg_info("NOQUEUE: reject: %s from %s: %ld 5.5.2 %s Error: bare <LF> "
		 "received; "
		 "proto=%s helo=<%s>",
	    where, s->namaddr, code, var_myhostname,
	    s->esmtp ? "ESMTP" : "SMTP", s->helo ? s->helo : "");
	metrics_reject((int)code);
	if (smtpd_error_reply(s, "%ld %d.5.2 %s Error: bare <LF> received",
		code, (int)(code / 100), var_myhostname) == 0 &&
	    code == 521)
		smtpd_enter_state(s, SS_CLOSING);
}

void
smtpd_transaction_reset(struct smtpd_session *s)
{
	smtpd_cleanup_close(s);
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

void
smtpd_client_pause(struct smtpd_session *s)
{
	bufferevent_disable(s->bev, EV_READ);
}

void
smtpd_client_resume(struct smtpd_session *s)
{
	if (s->delay_pending)
		return; /* delay_done() resumes */
	bufferevent_enable(s->bev, EV_READ);
	smtpd_process_input(s);
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
		smtpd_session_free(s);
		return;
	}
	s->bev = tb;
	s->tls = 1;
	bufferevent_setcb(s->bev, client_read, client_write, client_event, s);
	struct timeval tv = {var_smtpd_starttls_timeout, 0};
	bufferevent_set_timeouts(s->bev, &tv, &tv);
	bufferevent_enable(s->bev, EV_READ | EV_WRITE);
	smtpd_enter_state(s, SS_CMD);
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
	if (var_message_size_limit > 0 && s->size > var_message_size_limit)
		s->too_big = 1;
	if (!s->too_big)
		smtpd_cleanup_send(s, complete ? REC_TYPE_NORM : REC_TYPE_CONT,
		    p, len);
	s->at_bol = complete;
}

static void
data_end(struct smtpd_session *s)
{
	if (s->cbev == NULL) { /* cleanup went away meanwhile */
		smtpd_transaction_reset(s);
		smtpd_enter_state(s, SS_CMD);
		smtpd_error_reply(s, "451 4.3.0 Error: queue file write error");
		return;
	}
	if (s->data_bare_lf && s->lf_mode == LF_REJECT) {
		smtpd_transaction_reset(s);
		smtpd_enter_state(s, SS_CMD);
		smtpd_bare_lf_reject(s, "DATA");
		return;
	}
	if (s->too_big) {
		msg_info("%s: reject: size limit exceeded from %s",
		    s->qid[0] ? s->qid : "NOQUEUE", s->namaddr);
		smtpd_transaction_reset(s);
		smtpd_enter_state(s, SS_CMD);
		metrics_reject(552);
		smtpd_error_reply(s, "552 5.3.4 Error: message file too big");
		return;
	}
	if (s->hops > var_hopcount_limit) {
		smtpd_transaction_reset(s);
		smtpd_enter_state(s, SS_CMD);
		smtpd_error_reply(s, "554 5.4.0 Error: too many hops");
		return;
	}
	smtpd_cleanup_finish(s);
	smtpd_enter_state(s, SS_WAIT_QUEUED);
	smtpd_client_pause(s);
}

/* ---- input loop ------------------------------------------------------------
 */

/* A client that pipelines without reading our replies must not grow our
 * output buffer without bound: stop reading until it drains. */
static int
client_congested(struct smtpd_session *s)
{
	return evbuffer_get_length(bufferevent_get_output(s->bev)) >
	    CLIENT_HIWAT;
}

/*
 * The steps of the input loop. Each consumes what it can of the client's
 * input and returns 1 to go on, or 0 to wait: for more input, for cleanup
 * or the client to drain, or because the session ends.
 */

/* Flow control: wait for cleanup to drain. */
static int
data_flow_ok(struct smtpd_session *s)
{
	if (smtpd_cleanup_congested(s)) {
		smtpd_client_pause(s);
		return 0;
	}
	return 1;
}

/* Content without a line end yet: an overlong line goes on in pieces. */
static int
data_input_piece(struct smtpd_session *s, struct evbuffer *in, size_t avail)
{
	if (avail < DATA_CHUNK)
		return 0;
	/* Pass a piece on as a partial record, never splitting a CR from
	 * the LF that may follow it. */
	char *p = (char *)evbuffer_pullup(in, DATA_CHUNK);
	size_t piece = p[DATA_CHUNK - 1] == '\r' ? DATA_CHUNK - 1 : DATA_CHUNK;
	s->prev_crlf = 0;
	data_line(s, p, piece, 0);
	evbuffer_drain(in, piece);
	return data_flow_ok(s);
}

/* One content line of len bytes before its LF: the end of DATA, a "."
 * line next to a bare LF, or content. */
static int
data_input_line(struct smtpd_session *s, struct evbuffer *in, size_t len)
{
	char *p = (char *)evbuffer_pullup(in, (ssize_t)len + 1);
	int crlf = len > 0 && p[len - 1] == '\r';
	size_t tlen = crlf ? len - 1 : len;

	if (s->at_bol && tlen == 1 && p[0] == '.') {
		int end = (crlf && s->prev_crlf) || s->lf_mode == LF_LOCAL;
		s->prev_crlf = crlf;
		evbuffer_drain(in, len + 1);
		if (end) {
			data_end(s);
		} else {
			/* Postfix 3.9 "normalize": a "." line next to a bare
			 * LF neither ends the message nor is content. */
			s->bare_lf = s->data_bare_lf = 1;
		}
		return 1;
	}
	if (!crlf && s->at_bol)
		s->bare_lf = s->data_bare_lf = 1;
	data_line(s, p, tlen, 1);
	s->prev_crlf = crlf;
	evbuffer_drain(in, len + 1);
	return data_flow_ok(s);
}

/* A command line with a bare LF in reject mode: counted and refused. */
static void
command_bare_lf(struct smtpd_session *s, const char *line)
{
	char verb[16];
	size_t vl = strcspn(line, " ");

	snprintf(verb, sizeof(verb), "%.*s", (int)(vl < 15 ? vl : 15), line);
	int c = smtpd_cmd_index(verb);
	s->total[c]++;
	for (char *v = verb; *v; v++)
		*v = (char)toupper((unsigned char)*v);
	smtpd_bare_lf_reject(s, c == C_UNKNOWN ? "UNKNOWN" : verb);
}

/* One command line of len bytes before its LF, taken from the input. */
static void
command_line(struct smtpd_session *s, struct evbuffer *in, size_t len)
{
	char *p = (char *)evbuffer_pullup(in, (ssize_t)len + 1);
	int bare = !(len && p[len - 1] == '\r');
	size_t tlen = bare ? len : len - 1;
	int has_nul = memchr(p, 0, tlen) != NULL;
	char *line = mem_strndup(p, tlen);

	evbuffer_drain(in, len + 1);
	if (bare)
		s->bare_lf = 1;
	if (bare && s->lf_mode == LF_REJECT) {
		command_bare_lf(s, line);
	} else if (has_nul) {
		s->total[C_UNKNOWN]++;
		smtpd_error_reply(s, "500 5.5.2 Error: bad syntax");
	} else {
		smtpd_command(s, line);
	}
	mem_free(line);
}

/* Command mode: one line, bounded by line_length_limit. */
static int
command_input(struct smtpd_session *s, struct evbuffer *in, size_t avail,
    ssize_t nl)
{
	if (client_congested(s)) {
		smtpd_client_pause(s);
		return 0;
	}
	if (nl < 0) {
		if (avail > cmd_max) {
			evbuffer_drain(in, avail);
			s->skip_line = 1;
		}
		return 0;
	}
	if (s->skip_line || (size_t)nl > cmd_max) {
		s->skip_line = 0;
		evbuffer_drain(in, (size_t)nl + 1);
		s->total[C_UNKNOWN]++;
		return smtpd_error_reply(s,
			   "500 5.5.2 %s Error: command too long",
			   var_myhostname) < 0
		    ? 0
		    : 1;
	}
	command_line(s, in, (size_t)nl);
	return 1;
}

/* After the input loop: the end of a sendmail -bs session's input, and
 * the end of a closing session once its last reply is out. */
static void
input_settle(struct smtpd_session *s, struct evbuffer *in)
{
	if (s->stdio && smtpd_stdio_ended() && s->state == SS_CMD &&
	    !s->delay_pending && evbuffer_get_length(in) == 0) {
		/* Standard input ended and everything it held is answered. */
		msg_info("lost connection after %s from %s",
		    s->last_cmd ? s->last_cmd : "CONNECT", s->namaddr);
		smtpd_enter_state(s, SS_CLOSING);
	} else if (s->stdio && smtpd_stdio_ended() && s->state == SS_DATA &&
	    !smtpd_cleanup_congested(s) &&
	    evbuffer_search(in, "\n", 1, NULL).pos < 0) {
		/* Every line is in and no end of DATA came: give up the
		 * message now (a partial last line is lost, as over TCP). */
		msg_info("lost connection after DATA (%ld bytes) from %s",
		    s->size, s->namaddr);
		smtpd_transaction_reset(s);
		smtpd_enter_state(s, SS_CLOSING);
	}
	if (s->state == SS_CLOSING) {
		bufferevent_disable(s->bev, EV_READ);
		if (evbuffer_get_length(bufferevent_get_output(s->bev)) == 0 &&
		    !s->delay_pending)
			smtpd_session_free(s);
	}
}

void
smtpd_process_input(struct smtpd_session *s)
{
	struct evbuffer *in = bufferevent_get_input(s->bev);
	int more = 1;

	while (more && (s->state == SS_CMD || s->state == SS_DATA) &&
	    !s->delay_pending) {
		size_t avail = evbuffer_get_length(in);
		if (avail == 0)
			break;
		struct evbuffer_ptr nl = evbuffer_search(in, "\n", 1, NULL);
		if (s->state == SS_DATA)
			more = nl.pos < 0
			    ? data_input_piece(s, in, avail)
			    : data_input_line(s, in, (size_t)nl.pos);
		else
			more = command_input(s, in, avail, nl.pos);
	}
	input_settle(s, in);
}

static void
client_read(struct bufferevent *bev, void *ctx)
{
	smtpd_process_input(ctx);
}

static void
client_write(struct bufferevent *bev, void *ctx)
{
	struct smtpd_session *s = ctx;
	if (s->delay_pending)
		return; /* delay_done() writes the rest */
	if (s->state == SS_CLOSING)
		smtpd_session_free(s);
	else if (s->state == SS_STARTTLS)
		starttls_switch(s);
	else if (s->state == SS_CMD &&
	    !(bufferevent_get_enabled(bev) & EV_READ) && !s->delay_pending)
		smtpd_client_resume(s); /* our replies drained */
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
		metrics_inc(METRIC_TLS_IN);
		struct timeval tv = {var_smtpd_timeout, 0};
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
		smtpd_session_free(s);
		return;
	}
	if (what & BEV_EVENT_TIMEOUT) {
		msg_info("timeout after %s from %s",
		    s->last_cmd ? s->last_cmd : "CONNECT", s->namaddr);
		if (s->state != SS_CLOSING) {
			smtpd_reply(s, "421 4.4.2 %s Error: timeout exceeded",
			    var_myhostname);
			smtpd_enter_state(s, SS_CLOSING);
			bufferevent_disable(bev, EV_READ);
			if (evbuffer_get_length(bufferevent_get_output(bev)) ==
				0 &&
			    !s->delay_pending) {
				smtpd_session_free(s); /* the 421 is out */
				return;
			}
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
	smtpd_session_free(s);
}

void
smtpd_session_free(struct smtpd_session *s)
{
	struct vbuf line = VBUF_INIT;
	int okall = 0, all = 0;

	for (int i = 0; i < C_COUNT; i++) {
		if (s->total[i] == 0)
			continue;
		okall += s->ok[i];
		all += s->total[i];
		if (s->ok[i] == s->total[i])
			vbuf_printf(&line, " %s=%d", smtpd_cmd_names[i],
			    s->ok[i]);
		else
			vbuf_printf(&line, " %s=%d/%d", smtpd_cmd_names[i],
			    s->ok[i], s->total[i]);
	}
	if (okall == all)
		vbuf_printf(&line, " commands=%d", all);
	else
		vbuf_printf(&line, " commands=%d/%d", okall, all);
	if (s->bare_lf && s->lf_mode == LF_NOTE)
		vbuf_puts(&line, " notes=bare_lf");
	msg_info("disconnect from %s%s", s->namaddr, vbuf_str(&line));
	vbuf_free(&line);
	smtpd_transaction_reset(s);
	smtpd_etrn_close(s);
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
		smtpd_stdio_gone();
	vbuf_free(&s->scratch);
	vbuf_free(&s->cpend);
	vbuf_free(&s->logaddr[0]);
	vbuf_free(&s->logaddr[1]);
	ring_detach(&s->ring);
	metrics_gauge_add(METRIC_GAUGE_SMTPD_SESSIONS, -1);
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
smtpd_session_init(struct event_base *base)
{
	struct rlimit rl;
	long n;

	smtpd_base = base;
	/* The longest command line: line_length_limit, within sane bounds. */
	n = var_line_length_limit;
	cmd_max = n < CMD_LINE_MIN ? CMD_LINE_MIN
	    : n > CMD_LINE_MAX	   ? CMD_LINE_MAX
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
	struct ring *e;
	RING_FOREACH(e, &sessions)
	{
		struct smtpd_session *o =
		    RING_ENTRY(e, struct smtpd_session, ring);
		total++;
		if (strcmp(o->addr, s->addr) == 0)
			same++;
	}
	long per_client = var_smtpd_client_connection_count_limit;
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
	smtpd_session_start(s, fd,
	    bufferevent_socket_new(smtpd_event_base(), fd, 0));
}

/* Common to network and stdio sessions: the bufferevent, the list, the
 * name lookup, then the banner. */
void
smtpd_session_start(struct smtpd_session *s, int fd, struct bufferevent *bev)
{
	s->state = SS_LOOKUP;
	s->lf_mode = bare_lf_mode(s);
	s->fd = fd;
	s->bev = bev;
	bufferevent_setcb(s->bev, client_read, client_write, client_event, s);
	struct timeval tv = {var_smtpd_timeout, 0};
	bufferevent_set_timeouts(s->bev, &tv, &tv);
	ring_prepend(&sessions, &s->ring);
	metrics_inc(METRIC_SMTPD_CONN);
	metrics_gauge_add(METRIC_GAUGE_SMTPD_SESSIONS, 1);
	if (var_smtpd_peername_lookup &&
	    (s->ss.ss_family == AF_INET || s->ss.ss_family == AF_INET6)) {
		/* The client is not read until the banner is out. */
		smtpd_peer_lookup(s);
		return;
	}
	smtpd_session_greet(s);
}

/* The client's name is settled: log the connection, send the banner. */
void
smtpd_session_greet(struct smtpd_session *s)
{
	snprintf(s->namaddr, sizeof(s->namaddr), "%s[%s]", s->name, s->addr);
	smtpd_enter_state(s, SS_CMD);
	bufferevent_enable(s->bev, EV_READ); /* writing: on from the start */
	msg_info("connect from %s", s->namaddr);
	smtpd_reply(s, "220 %s", var_smtpd_banner);
}

int
smtpd_session_active(void)
{
	return ring_count(&sessions);
}

void
smtpd_session_stop_all(void)
{
	struct ring *e;

	while ((e = ring_first(&sessions)) != NULL)
		smtpd_session_free(RING_ENTRY(e, struct smtpd_session, ring));
}
