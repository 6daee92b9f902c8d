/*
 * smtp_session - one delivery request as an event-driven state machine;
 * see smtp.h.
 *
 * Implementation notes. A session is created per delivery request and
 * lives until its results are reported. All transitions go through
 * smtp_enter_state(), which also (re)arms the session's one timer with
 * the phase's timeout; a timer firing is a timeout in that phase.
 *
 *   RESOLVE -> CONNECT -> GREETING -> EHLO [-> HELO] -> MAIL -> RCPT
 *     -> DATA -> BODY -> DOT -> QUIT -> (next address | DONE)
 *
 * Which addresses are tried, in which order, is smtp_site.c's
 * business: it calls smtp_connect() for each and gets control back
 * through smtp_next_address() when a connection is over.
 * Final results (sent, bounced) are reported at once through
 * deliv_result(); a soft failure is remembered per recipient and the
 * recipient stays for the next address; whatever is left after the
 * last one is deferred with the last error seen. A site-level failure
 * (connect, greeting, HELO, lost connection, timeout) applies to every
 * recipient still open and, when it is the last word, becomes the
 * hop_status of the reply so that qmgr throttles the destination.
 *
 * Lines from the server are read from the bufferevent input with a
 * bounded length; the reply parser joins them. Because a handler may
 * close the connection (and open the next one), the read loop stops as
 * soon as the connection generation changes. The session object
 * itself is never freed inside its own callbacks: completion is
 * delivered from a zero-delay timer.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <openssl/ssl.h>

#include "attr.h"
#include "deliv.h"
#include "dlog.h"
#include "dns.h"
#include "ipc.h"
#include "mem.h"
#include "metrics.h"
#include "msg.h"
#include "qid.h"
#include "smtp.h"

#define SMTP_RESOLVE_TIMEOUT 120    /* safety net over c-ares' own */
#define SMTP_LOCK_TRIES 50	    /* shared lock attempts, 100 ms apart */
#define SMTP_BODY_CHUNK (64 * 1024) /* output kept buffered */
#define SMTP_INPUT_MAX (64 * 1024)  /* read high-watermark */

static void smtp_conn_close(struct smtp_session *s);
static void smtp_io_fail(struct smtp_session *s, int timeout);
static void smtp_tls_failed(struct smtp_session *s, int timeout);
static void smtp_tls_up(struct smtp_session *s);
static void smtp_read(struct bufferevent *bev, void *ctx);
static void smtp_written(struct bufferevent *bev, void *ctx);
static void smtp_bev_event(struct bufferevent *bev, short what, void *ctx);
static void smtp_after_ehlo(struct smtp_session *s);
static void smtp_connect_fail(struct smtp_session *s, const char *err);

/* smtp_state_name - for debug logs */

const char *
smtp_state_name(enum smtp_state state)
{
	static const char *const names[] = {
	    "INIT",
	    "RESOLVE",
	    "CONNECT",
	    "GREETING",
	    "EHLO",
	    "HELO",
	    "STARTTLS",
	    "TLS",
	    "AUTH",
	    "MAIL",
	    "RCPT",
	    "DATA",
	    "BODY",
	    "DOT",
	    "QUIT",
	    "RSET",
	    "DONE",
	};

	if ((unsigned)state >= sizeof(names) / sizeof(names[0]))
		msg_panic("smtp_state_name: unknown state %d", (int)state);
	return names[state];
}

/* smtp_phase - Postfix's "while ..." text of a state */

static const char *
smtp_phase(enum smtp_state state)
{
	switch (state) {
	case SMTP_ST_GREETING:
		return "receiving the initial server greeting";
	case SMTP_ST_EHLO:
		return "performing the EHLO handshake";
	case SMTP_ST_HELO:
		return "performing the HELO handshake";
	case SMTP_ST_STARTTLS:
		return "receiving the STARTTLS response";
	case SMTP_ST_AUTH:
		return "performing the EHLO handshake";
	case SMTP_ST_MAIL:
		return "sending MAIL FROM";
	case SMTP_ST_RCPT:
		return "sending RCPT TO";
	case SMTP_ST_DATA:
		return "sending DATA command";
	case SMTP_ST_BODY:
		return "sending message body";
	case SMTP_ST_DOT:
		return "sending end of data -- message may be sent more than "
		       "once";
	case SMTP_ST_QUIT:
		return "sending QUIT";
	case SMTP_ST_RSET:
		return "sending final RSET";
	default:
		return "talking to the server";
	}
}

static int
smtp_state_timeout(enum smtp_state state)
{
	switch (state) {
	case SMTP_ST_RESOLVE:
		return SMTP_RESOLVE_TIMEOUT;
	case SMTP_ST_CONNECT:
		return (int)var_smtp_connect_timeout;
	case SMTP_ST_GREETING:
	case SMTP_ST_EHLO:
	case SMTP_ST_HELO:
	case SMTP_ST_AUTH:
		return (int)var_smtp_helo_timeout;
	case SMTP_ST_STARTTLS:
	case SMTP_ST_TLS:
		return (int)var_smtp_starttls_timeout;
	case SMTP_ST_RSET:
		return (int)var_smtp_rset_timeout;
	case SMTP_ST_MAIL:
		return (int)var_smtp_mail_timeout;
	case SMTP_ST_RCPT:
		return (int)var_smtp_rcpt_timeout;
	case SMTP_ST_DATA:
		return (int)var_smtp_data_init_timeout;
	case SMTP_ST_BODY:
		return (int)var_smtp_data_xfer_timeout;
	case SMTP_ST_DOT:
		return (int)var_smtp_data_done_timeout;
	case SMTP_ST_QUIT:
		return (int)var_smtp_quit_timeout;
	default:
		return 0;
	}
}

/* smtp_arm_timer - restart the phase timer */

static void
smtp_arm_timer(struct smtp_session *s)
{
	int secs = smtp_state_timeout(s->state);
	struct timeval tv = {secs > 0 ? secs : 1, 0};

	if (secs > 0)
		evtimer_add(s->timer, &tv);
	else
		evtimer_del(s->timer);
}

void
smtp_enter_state(struct smtp_session *s, enum smtp_state state)
{
	if (msg_verbose)
		msg_info("%s: %s -> %s", s->queue_id, smtp_state_name(s->state),
		    smtp_state_name(state));
	s->state = state;
	smtp_arm_timer(s);
}

/* smtp_why_set - replace a recipient's last failure */

static void
smtp_why_clear(struct smtp_why *w)
{
	w->reason = mem_free(w->reason);
	w->diag = mem_free(w->diag);
	w->mta = mem_free(w->mta);
	w->relay = mem_free(w->relay);
}

static void
smtp_why_set(struct smtp_why *w, const char *dsn, const char *reason,
    const char *diag, const char *mta, const char *relay, double conn_done,
    int site)
{
	smtp_why_clear(w);
	snprintf(w->dsn, sizeof(w->dsn), "%s", dsn);
	w->reason = mem_strdup(reason);
	w->diag = diag ? mem_strdup(diag) : NULL;
	w->mta = mta ? mem_strdup(mta) : NULL;
	w->relay = mem_strdup(relay ? relay : "none");
	w->conn_done = conn_done;
	w->site = site;
}

/* smtp_report - the one place where a recipient gets its result */

static void
smtp_report(struct smtp_session *s, struct smtp_rcpt *rc, const char *status,
    const char *dsn, const char *reason, const char *diag, const char *mta,
    const char *relay, double conn_done)
{
	struct deliv_times t = s->times;

	if (rc->final)
		msg_panic("%s: recipient %s reported twice", s->queue_id,
		    rc->address);
	t.conn_done = conn_done;
	t.done = 0;
	rc->final = 1;
	if (deliv_result(s->queue_id, &rc->r, s->queue_open ? s->q.fd : -1,
		relay ? relay : "none", &t,
		relay && s->bev && s->relay && strcmp(relay, s->relay) == 0
		    ? s->conn_use
		    : 1,
		status, dsn, reason, diag, mta) != 0)
		s->deferred = 1;
}

/* smtp_rcpt_fail - a recipient's failure from a reply or the site */

static void
smtp_rcpt_fail(struct smtp_session *s, struct smtp_rcpt *rc, const char *dsn,
    const char *reason, const char *diag, int site)
{
	const char *relay = s->relay; /* NULL: no connection */
	double conn_done = relay ? s->conn_done : 0;
	const char *mta = diag && s->addr ? s->addr->host : NULL;

	if (rc->final)
		return;
	if (dsn[0] == '5') {
		smtp_report(s, rc, "bounced", dsn, reason, diag, mta, relay,
		    conn_done);
		return;
	}
	if (!s->last_try && !site)
		msg_info("%s: %s", s->queue_id, reason);
	smtp_why_set(&rc->last, dsn, reason, diag, mta, relay, conn_done, site);
}

/* smtp_fail_open - apply one failure to every recipient still open */

static void
smtp_fail_open(struct smtp_session *s, const char *dsn, const char *reason,
    const char *diag, int site)
{
	for (size_t i = 0; i < s->nrcpt; i++)
		smtp_rcpt_fail(s, &s->rcpt[i], dsn, reason, diag, site);
}

/* smtp_site_fail - the connection or the destination failed */

void
smtp_site_fail(struct smtp_session *s, const char *dsn, const char *reason,
    const char *diag)
{
	char buf[16];

	/* A hard site failure counts only at the last address. */
	if (dsn[0] == '5' && !s->last_try) {
		snprintf(buf, sizeof(buf), "4%s", dsn + 1);
		dsn = buf;
	}
	dsn = smtp_soften(s, dsn, buf);
	smtp_fail_open(s, dsn, reason, diag, 1);
	if (dsn[0] == '4') {
		s->site_failed = 1;
		snprintf(s->site_dsn, sizeof(s->site_dsn), "%s", dsn);
		mem_free(s->site_reason);
		s->site_reason = mem_strdup(reason);
	}
}

/* smtp_any_open - recipients without a final result? */

int
smtp_any_open(const struct smtp_session *s)
{
	for (size_t i = 0; i < s->nrcpt; i++)
		if (!s->rcpt[i].final)
			return 1;
	return 0;
}

/* smtp_done_event - tell the requester, outside any session callback */

static void
smtp_done_event(evutil_socket_t fd, short what, void *ctx)
{
	struct smtp_session *s = ctx;

	s->done(s, s->deferred ? 1 : 0, s->site_failed ? s->site_reason : NULL,
	    s->site_failed ? s->site_dsn : NULL, s->done_ctx);
}

/*
 * smtp_finish - report the leftovers and complete. The D marks are not
 * synced here: when every recipient is final qmgr removes the file, and
 * when some stay queued qmgr syncs the file before it leaves active/
 * (a crash before then can only repeat a delivery, never lose one).
 */

void
smtp_finish(struct smtp_session *s)
{
	static const struct timeval zero = {0, 0};
	int leftovers = 0;

	smtp_conn_close(s);
	smtp_resolve_cancel(s);
	smtp_cache_undemand(s); /* no longer working on the destination */
	for (size_t i = 0; i < s->nrcpt; i++) {
		struct smtp_rcpt *rc = &s->rcpt[i];

		if (rc->final)
			continue;
		leftovers = 1;
		if (rc->last.reason == NULL)
			smtp_why_set(&rc->last, "4.3.0",
			    "server unavailable or unable to receive mail",
			    NULL, NULL, NULL, 0, 0);
		smtp_report(s, rc, "deferred", rc->last.dsn, rc->last.reason,
		    rc->last.diag, rc->last.mta, rc->last.relay,
		    rc->last.conn_done);
	}
	/* Only a site failure that is the final word throttles the site. */
	if (!leftovers)
		s->site_failed = 0;
	if (s->queue_open) {
		smtp_queue_close(&s->q);
		s->queue_open = 0;
	}
	smtp_enter_state(s, SMTP_ST_DONE);
	evtimer_add(s->done_ev, &zero);
}

/*
 * smtp_send - bytes for the server. On a plain connection with nothing
 * waiting in the output buffer they go to the kernel at once: through the
 * bufferevent each command batch or piece of content would arm a write
 * event, wait a loop turn and disarm it (two epoll_ctl() calls and an
 * epoll_wait()). Then smtp_written() still runs from the loop, as after a
 * buffered write. What the kernel does not take is buffered as before.
 */
static void
smtp_send(struct smtp_session *s, const char *data, size_t len)
{
	if (bufferevent_openssl_get_ssl(s->bev) == NULL)
		(void)ipc_write(s->bev, data, len);
	else
		bufferevent_write(s->bev, data, len);
}

/* smtp_write - commands for the server (logged when verbose) */

static void
smtp_write(struct smtp_session *s, const char *text, size_t len)
{
	if (msg_verbose > 1)
		msg_info("> %s[%s]: %.*s", s->addr->host, s->addr->a.text,
		    (int)(len > 2 ? len - 2 : len), text);
	smtp_send(s, text, len);
}

static void smtp_cmd(struct smtp_session *s, struct vbuf *buf, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));

static void
smtp_cmd(struct smtp_session *s, struct vbuf *buf, const char *fmt, ...)
{
	va_list ap;
	size_t start = buf->len;

	va_start(ap, fmt);
	vbuf_vprintf(buf, fmt, ap);
	va_end(ap);
	vbuf_append(buf, "\r\n", 2);
	if (msg_verbose > 1)
		msg_info("> %s: %.*s", s->hostaddr, (int)(buf->len - start - 2),
		    buf->data + start);
}

/* smtp_conn_close - drop the current connection, if any */

static void
smtp_conn_close(struct smtp_session *s)
{
	s->conn_gen++;
	if (s->conn_ev) {
		event_free(s->conn_ev);
		s->conn_ev = NULL;
	}
	if (s->bev && s->tls_owns_fd) {
		SSL *ssl = bufferevent_openssl_get_ssl(s->bev);

		/* Keep the TLS session resumable. */
		if (ssl && s->tls_on)
			SSL_set_shutdown(ssl,
			    SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
		bufferevent_free(s->bev); /* closes the socket */
		s->fd = -1;
	} else if (s->bev) {
		bufferevent_free(s->bev);
	}
	s->bev = NULL;
	if (s->fd >= 0) {
		close(s->fd);
		s->fd = -1;
	}
	s->tls_owns_fd = 0;
	s->tls_on = 0;
	s->authed = 0;
	smtp_sasl_done(s);
	s->sasl_user = mem_free(s->sasl_user);
	s->sasl_pass = mem_free(s->sasl_pass);
	s->tls_summary = mem_free(s->tls_summary);
	s->tls_err_issuer = mem_free(s->tls_err_issuer);
	s->todo = mem_free(s->todo);
	s->ntodo = 0;
	for (size_t i = 0; i < s->nrcpt; i++)
		s->rcpt[i].accepted = 0;
	smtp_reply_reset(&s->reply);
	s->skip_to_eol = 0;
	vbuf_reset(&s->out);
}

/* smtp_conn_end - this connection is over; what next? */

static void
smtp_conn_end(struct smtp_session *s)
{
	smtp_conn_close(s);
	if (smtp_any_open(s))
		smtp_next_address(s);
	else
		smtp_finish(s);
}

/* smtp_quit - send QUIT, close once it is written (no reply wait) */

static void
smtp_quit(struct smtp_session *s)
{
	struct evbuffer *out = bufferevent_get_output(s->bev);

	smtp_enter_state(s, SMTP_ST_QUIT);
	bufferevent_setwatermark(s->bev, EV_WRITE, 0, 0);
	bufferevent_disable(s->bev, EV_READ);
	smtp_write(s, "QUIT\r\n", 6);
	if (evbuffer_get_length(out) == 0)
		smtp_conn_end(s);
}

/* smtp_io_fail - lost connection or timeout in the current phase */

static void
smtp_io_fail(struct smtp_session *s, int timeout)
{
	struct vbuf why = VBUF_INIT;

	if (s->state == SMTP_ST_QUIT || s->state == SMTP_ST_RSET) {
		smtp_conn_end(s); /* all said and done */
		return;
	}
	if (s->state == SMTP_ST_TLS) {
		smtp_tls_failed(s, timeout);
		return;
	}
	if (s->conn_use > 1 &&
	    (s->state == SMTP_ST_MAIL || s->state == SMTP_ST_RCPT)) {
		/* A cached connection died under us: start afresh. */
		if (msg_verbose)
			msg_info("%s: cached connection to %s was lost",
			    s->queue_id, s->relay);
		smtp_conn_close(s);
		smtp_site_restart(s);
		return;
	}
	if (timeout)
		vbuf_printf(&why, "conversation with %s timed out while %s",
		    s->hostaddr, smtp_phase(s->state));
	else
		vbuf_printf(&why, "lost connection with %s while %s",
		    s->hostaddr, smtp_phase(s->state));
	smtp_site_fail(s, "4.4.2", why.data, NULL);
	vbuf_free(&why);
	smtp_conn_end(s);
}

/* smtp_reply_fail - a negative reply: "host H[A] said: ..." */

static void
smtp_reply_text(struct smtp_session *s, struct vbuf *why, const char *command)
{
	vbuf_printf(why, "host %s said: %s (in reply to %s command)",
	    s->hostaddr, vbuf_str(&s->reply.text), command);
}

/* smtp_out_addr - an envelope address as sent: smtp_generic_maps, quoted */

static void
smtp_out_addr(struct smtp_session *s, struct vbuf *out, const char *addr)
{
	struct vbuf mapped = VBUF_INIT, why = VBUF_INIT;

	/* smtp_generic_check() has made sure the tables answer. */
	(void)s;
	(void)smtp_generic_addr(addr, &mapped, &why);
	dlog_quote_rcpt(out, vbuf_str(&mapped));
	vbuf_free(&mapped);
	vbuf_free(&why);
}

/*
 * smtp_generic_check - can every envelope address be mapped? A table that
 * cannot be read defers the whole delivery: nothing goes out unmapped.
 */
static int
smtp_generic_check(struct smtp_session *s)
{
	struct vbuf mapped = VBUF_INIT, why = VBUF_INIT;
	int ok = smtp_generic_addr(s->q.sender, &mapped, &why) == 0;

	for (size_t i = 0; ok && i < s->nrcpt; i++)
		if (!s->rcpt[i].final)
			ok = smtp_generic_addr(s->rcpt[i].address, &mapped,
				 &why) == 0;
	if (!ok) {
		msg_warn("%s: %s", s->queue_id, vbuf_str(&why));
		smtp_fail_open(s, "4.3.0", "mail system configuration error",
		    NULL, 0);
	}
	vbuf_free(&mapped);
	vbuf_free(&why);
	return (ok ? 0 : -1);
}

/* smtp_send_mail - MAIL FROM, and with PIPELINING all the rest */

static void
smtp_send_mail(struct smtp_session *s)
{
	struct vbuf addr = VBUF_INIT;

	s->ntodo = 0;
	s->todo = mem_calloc(s->nrcpt, sizeof(*s->todo));
	for (size_t i = 0; i < s->nrcpt; i++)
		if (!s->rcpt[i].final)
			s->todo[s->ntodo++] = i;
	s->rcpt_sent = s->rcpt_replies = s->naccepted = 0;

	vbuf_reset(&s->out);
	if (*s->q.sender)
		smtp_out_addr(s, &addr, s->q.sender);
	vbuf_printf(&s->out, "MAIL FROM:<%s>", vbuf_str(&addr));
	if (s->features & SMTP_FEAT_SIZE)
		vbuf_printf(&s->out, " SIZE=%ld", s->q.content_size);
	if (s->q.eightbit && (s->features & SMTP_FEAT_8BITMIME))
		vbuf_puts(&s->out, " BODY=8BITMIME");
	vbuf_append(&s->out, "\r\n", 2);
	if (s->pipelining) {
		for (size_t k = 0; k < s->ntodo; k++) {
			vbuf_reset(&addr);
			smtp_out_addr(s, &addr, s->rcpt[s->todo[k]].address);
			smtp_cmd(s, &s->out, "RCPT TO:<%s>", vbuf_str(&addr));
		}
		s->rcpt_sent = s->ntodo;
		smtp_cmd(s, &s->out, "DATA");
	}
	smtp_write(s, s->out.data, s->out.len);
	vbuf_reset(&s->out);
	vbuf_free(&addr);
	smtp_enter_state(s, SMTP_ST_MAIL);
}

static void
smtp_send_rcpt(struct smtp_session *s)
{
	struct vbuf addr = VBUF_INIT;

	smtp_out_addr(s, &addr, s->rcpt[s->todo[s->rcpt_sent++]].address);
	vbuf_reset(&s->out);
	smtp_cmd(s, &s->out, "RCPT TO:<%s>", vbuf_str(&addr));
	smtp_write(s, s->out.data, s->out.len);
	vbuf_reset(&s->out);
	vbuf_free(&addr);
}

/* smtp_fail_accepted - fail every recipient the server has accepted */

static void
smtp_fail_accepted(struct smtp_session *s, const char *dsn, const char *why,
    const char *diag)
{
	for (size_t k = 0; k < s->ntodo; k++)
		if (s->rcpt[s->todo[k]].accepted)
			smtp_rcpt_fail(s, &s->rcpt[s->todo[k]], dsn, why, diag,
			    0);
}

/*
 * smtp_data_error - the queue file failed us mid-transaction: defer every
 * accepted recipient and close without the final dot, so the server drops it.
 */

static void
smtp_data_error(struct smtp_session *s)
{
	struct vbuf why = VBUF_INIT;

	vbuf_printf(&why, "local data error while talking to %s", s->hostaddr);
	smtp_fail_accepted(s, "4.3.0", why.data, NULL);
	vbuf_free(&why);
	smtp_conn_end(s);
}

/* smtp_body_fill - keep the output buffer topped up with content */

static void
smtp_body_fill(struct smtp_session *s)
{
	struct evbuffer *out = bufferevent_get_output(s->bev);
	int rc = 1;

	while (rc == 1 && evbuffer_get_length(out) < SMTP_BODY_CHUNK) {
		vbuf_reset(&s->out);
		rc = smtp_queue_content(&s->q, &s->text, &s->out,
		    SMTP_BODY_CHUNK / 2);
		if (rc < 0)
			break;
		smtp_send(s, s->out.data, s->out.len);
	}
	vbuf_reset(&s->out);
	if (rc < 0) {
		msg_warn("%s: error reading queue file content", s->queue_id);
		smtp_data_error(s);
		return;
	}
	smtp_arm_timer(s); /* progress: per-write timeout */
	if (rc == 0) {
		/* DOT starts when the last byte has left our buffer. */
		s->body_done = 1;
		bufferevent_setwatermark(s->bev, EV_WRITE, 0, 0);
		if (evbuffer_get_length(out) == 0)
			smtp_enter_state(s, SMTP_ST_DOT);
	}
}

/* smtp_accepted_fail - a reply that fails every accepted recipient */

static void
smtp_accepted_fail(struct smtp_session *s, const char *command)
{
	struct vbuf why = VBUF_INIT;

	smtp_reply_text(s, &why, command);
	smtp_fail_accepted(s, s->reply.dsn, why.data, vbuf_str(&s->reply.text));
	vbuf_free(&why);
}

/* smtp_helo_done - the session is established */

static void
smtp_helo_done(struct smtp_session *s)
{
	smtp_site_established(s);
	metrics_inc(METRIC_SMTP_CONN);
	s->conn_done = deliv_now();
	if ((s->features & SMTP_FEAT_SIZE) && s->size_limit > 0 &&
	    s->q.content_size > s->size_limit) {
		struct vbuf why = VBUF_INIT;

		vbuf_printf(&why,
		    "message size %ld exceeds size limit %ld of server %s",
		    s->q.content_size, s->size_limit, s->hostaddr);
		smtp_fail_open(s, "5.3.4", why.data, NULL, 0);
		vbuf_free(&why);
		smtp_quit(s);
		return;
	}
	if (smtp_generic_check(s) < 0) {
		smtp_quit(s);
		return;
	}
	smtp_send_mail(s);
}

/* smtp_greeting_fail - "refused to talk to me" */

static void
smtp_refused(struct smtp_session *s, int code)
{
	struct vbuf why = VBUF_INIT;
	char dsn[16];

	snprintf(dsn, sizeof(dsn), "%s", s->reply.dsn);
	if (code / 100 == 5 && s->state == SMTP_ST_GREETING &&
	    var_smtp_skip_5xx_greeting)
		dsn[0] = '4';
	else if (code / 100 != 5)
		dsn[0] = '4';
	vbuf_printf(&why, "host %s refused to talk to me: %s", s->hostaddr,
	    vbuf_str(&s->reply.text));
	smtp_site_fail(s, dsn, why.data, vbuf_str(&s->reply.text));
	vbuf_free(&why);
	smtp_quit(s);
}

/* smtp_send_line - one command, outside the MAIL transaction */

static void
smtp_send_line(struct smtp_session *s, const char *cmd, const char *arg)
{
	vbuf_reset(&s->out);
	smtp_cmd(s, &s->out, "%s %s", cmd, arg);
	smtp_write(s, s->out.data, s->out.len);
	vbuf_reset(&s->out);
}

/* smtp_tls_refuse - a TLS requirement is not met: fail, say QUIT */

static void
smtp_tls_refuse(struct smtp_session *s, const char *dsn, const char *why,
    const char *diag)
{
	smtp_site_fail(s, dsn, why, diag);
	smtp_quit(s);
}

/* smtp_auth_maybe - AUTH when enabled, offered and configured: 1 started */

static int
smtp_auth_maybe(struct smtp_session *s)
{
	struct vbuf out = VBUF_INIT, why = VBUF_INIT;
	char dsn[16] = "4.7.0";
	int rc;

	if (!var_smtp_sasl_auth_enable || s->authed ||
	    !(s->features & SMTP_FEAT_AUTH))
		return 0;
	if ((rc = smtp_sasl_lookup(s)) <= 0) {
		if (rc == 0)
			return 0;
		smtp_fail_open(s, "4.3.0", "mail system configuration error",
		    NULL, 0);
		smtp_quit(s);
		return 1;
	}
	if (smtp_sasl_start(s, &out, &why, dsn) < 0) {
		smtp_site_fail(s, dsn, why.data, NULL);
		smtp_quit(s);
	} else {
		smtp_write(s, out.data, out.len);
		smtp_enter_state(s, SMTP_ST_AUTH);
	}
	vbuf_free(&out);
	vbuf_free(&why);
	return 1;
}

/* smtp_after_ehlo - STARTTLS, then AUTH, then the mail transaction */

static void
smtp_after_ehlo(struct smtp_session *s)
{
	int level = s->tls.level;
	struct vbuf why = VBUF_INIT;

	if (s->tls_on || s->tls_plain || level <= SMTP_TLS_NONE) {
		/* no (more) TLS */
	} else if (smtp_tls_unavailable_why() != NULL) {
		if (level > SMTP_TLS_MAY) {
			smtp_tls_refuse(s, "4.7.5",
			    "TLS is required, but our TLS engine is "
			    "unavailable",
			    NULL);
			return;
		}
	} else if (s->features & SMTP_FEAT_STARTTLS) {
		smtp_write(s, "STARTTLS\r\n", 10);
		smtp_enter_state(s, SMTP_ST_STARTTLS);
		return;
	} else if (level > SMTP_TLS_MAY) {
		vbuf_printf(&why,
		    "TLS is required, but was not offered by "
		    "host %s",
		    s->hostaddr);
		smtp_tls_refuse(s, "4.7.4", why.data, NULL);
		vbuf_free(&why);
		return;
	}
	if (!smtp_auth_maybe(s))
		smtp_helo_done(s);
}

/* smtp_tls_begin - "220 Ready to start TLS": the handshake */

static void
smtp_tls_begin(struct smtp_session *s)
{
	struct vbuf why = VBUF_INIT;
	SSL *ssl = smtp_tls_ssl(s, &why);
	struct bufferevent *tb = NULL;

	if (ssl != NULL) {
		/* Anything the server sent after its 220 is dropped. */
		bufferevent_free(s->bev);
		s->bev = NULL;
		tb = bufferevent_openssl_socket_new(s->base, s->fd, ssl,
		    BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
		if (tb == NULL)
			SSL_free(ssl);
	}
	if (tb == NULL) {
		msg_warn("%s: cannot start TLS with %s: %s", s->queue_id,
		    s->relay, ssl ? "bufferevent" : vbuf_str(&why));
		vbuf_free(&why);
		smtp_fail_open(s, "4.7.5", "client TLS configuration problem",
		    NULL, 1);
		smtp_conn_end(s);
		return;
	}
	vbuf_free(&why);
	s->bev = tb;
	s->tls_owns_fd = 1;
	bufferevent_openssl_set_allow_dirty_shutdown(tb, 1);
	bufferevent_setcb(tb, smtp_read, smtp_written, smtp_bev_event, s);
	bufferevent_setwatermark(tb, EV_READ, 0, SMTP_INPUT_MAX);
	bufferevent_enable(tb, EV_READ | EV_WRITE);
	smtp_reply_reset(&s->reply);
	smtp_enter_state(s, SMTP_ST_TLS);
}

/* smtp_on_starttls - 220 starts TLS; a refusal is fatal above "may" */

static void
smtp_on_starttls(struct smtp_session *s, int code)
{
	struct vbuf why = VBUF_INIT;

	if (code / 100 == 2) {
		smtp_tls_begin(s);
		return;
	}
	if (s->tls.level <= SMTP_TLS_MAY) { /* go on in plaintext */
		if (!smtp_auth_maybe(s))
			smtp_helo_done(s);
		return;
	}
	vbuf_printf(&why,
	    "TLS is required, but host %s refused to start TLS: "
	    "%s",
	    s->hostaddr, vbuf_str(&s->reply.text));
	smtp_tls_refuse(s, s->reply.dsn, why.data, vbuf_str(&s->reply.text));
	vbuf_free(&why);
}

/* smtp_tls_up - the handshake is done: check, then EHLO again */

static void
smtp_tls_up(struct smtp_session *s)
{
	struct vbuf why = VBUF_INIT;

	s->tls_on = 1;
	if (smtp_tls_check(s, bufferevent_openssl_get_ssl(s->bev), &why) < 0) {
		smtp_tls_refuse(s, "4.7.5", why.data, NULL);
		vbuf_free(&why);
		return;
	}
	vbuf_free(&why);
	s->features = 0;
	s->pipelining = 0;
	smtp_send_line(s, "EHLO", var_smtp_helo_name);
	smtp_enter_state(s, SMTP_ST_EHLO);
}

/*
 * smtp_tls_failed - the handshake failed or timed out: "Cannot start TLS:
 * handshake failure" (4.7.5). With "may" the same address is tried again
 * at once in plaintext, but only when the message has waited at least
 * minimal_backoff_time before this attempt and no SASL credentials exist
 * for the server (Postfix's rule).
 */
static void
smtp_tls_failed(struct smtp_session *s, int timeout)
{
	unsigned long errs[8];
	size_t nerr = 0;
	unsigned long e;
	int retry;

	while (s->bev && (e = bufferevent_get_openssl_error(s->bev)) != 0)
		if (nerr < sizeof(errs) / sizeof(errs[0]))
			errs[nerr++] = e;
	smtp_tls_connect_error(s, errs, nerr, timeout);
	/* Postfix: no fallback when there are SASL credentials to protect. */
	retry = s->tls.level == SMTP_TLS_MAY && s->times.active > 0 &&
	    s->times.arrival > 0 &&
	    s->times.active - s->times.arrival >= var_minimal_backoff_time &&
	    !(var_smtp_sasl_auth_enable && smtp_sasl_lookup(s) != 0);
	smtp_fail_open(s, "4.7.5", "Cannot start TLS: handshake failure", NULL,
	    1);
	if (retry) {
		smtp_conn_close(s);
		s->tls_plain = 1;
		smtp_connect(s);
		return;
	}
	smtp_conn_end(s);
}

/* smtp_on_auth - 334 continues the exchange, 235 ends it */

static void
smtp_on_auth(struct smtp_session *s, int code)
{
	struct vbuf out = VBUF_INIT, why = VBUF_INIT;
	const char *nl;
	char *challenge;

	if (code == 235) {
		s->authed = 1;
		smtp_sasl_done(s);
		smtp_helo_done(s);
	} else if (code == 334 && s->reply.lines.data != NULL) {
		nl = strchr(s->reply.lines.data, '\n');
		challenge = mem_strndup(s->reply.lines.data,
		    nl ? (size_t)(nl - s->reply.lines.data)
		       : s->reply.lines.len);
		if (smtp_sasl_step(s, challenge, &out, &why) < 0) {
			smtp_site_fail(s, "4.7.0", why.data, NULL);
			smtp_quit(s);
		} else {
			smtp_write(s, out.data, out.len);
			smtp_arm_timer(s);
		}
		mem_free(challenge);
	} else {
		char dsn[16];

		snprintf(dsn, sizeof(dsn), "%s", s->reply.dsn);
		if (dsn[0] == '5' && var_smtp_sasl_auth_soft_bounce)
			dsn[0] = '4';
		vbuf_printf(&why,
		    "SASL authentication failed; server %s said: "
		    "%s",
		    s->hostaddr, vbuf_str(&s->reply.text));
		smtp_site_fail(s, dsn, why.data, vbuf_str(&s->reply.text));
		smtp_quit(s);
	}
	vbuf_free(&out);
	vbuf_free(&why);
}

/* smtp_conn_done - the transaction is over: RSET and cache, or QUIT */

static void
smtp_conn_done(struct smtp_session *s)
{
	if (!smtp_cache_wanted(s)) {
		smtp_quit(s);
		return;
	}
	smtp_write(s, "RSET\r\n", 6);
	smtp_enter_state(s, SMTP_ST_RSET);
}

/* smtp_on_rset - 250: the connection goes to the cache */

static void
smtp_on_rset(struct smtp_session *s, int code)
{
	if (code / 100 != 2) {
		smtp_quit(s);
		return;
	}
	smtp_cache_put(s); /* takes the connection */
	smtp_conn_end(s);
}

/* smtp_on_greeting - 220 sends EHLO, anything else refuses */

static void
smtp_on_greeting(struct smtp_session *s, int code)
{
	if (code / 100 != 2) {
		smtp_refused(s, code);
		return;
	}
	smtp_send_line(s, "EHLO", var_smtp_helo_name);
	smtp_enter_state(s, SMTP_ST_EHLO);
}

/* smtp_on_ehlo - features, or HELO after a refusal other than 421 */

static void
smtp_on_ehlo(struct smtp_session *s, int code)
{
	if (code / 100 == 2) {
		s->features = smtp_ehlo_parse(&s->reply, &s->size_limit);
		s->pipelining = (s->features & SMTP_FEAT_PIPELINING) != 0;
		vbuf_reset(&s->auth_mechs);
		smtp_ehlo_auth(&s->reply, &s->auth_mechs);
		smtp_after_ehlo(s);
	} else if (code == 421) {
		smtp_refused(s, code);
	} else {
		smtp_send_line(s, "HELO", var_smtp_helo_name);
		smtp_enter_state(s, SMTP_ST_HELO);
	}
}

/* smtp_on_helo - the HELO fallback: no extensions */

static void
smtp_on_helo(struct smtp_session *s, int code)
{
	if (code / 100 != 2) {
		smtp_refused(s, code);
		return;
	}
	s->features = 0;
	s->pipelining = 0;
	vbuf_reset(&s->auth_mechs);
	smtp_after_ehlo(s);
}

/* smtp_on_mail - MAIL FROM refused: every recipient of it fails */

static void
smtp_on_mail(struct smtp_session *s, int code)
{
	struct vbuf why = VBUF_INIT;

	if (code / 100 != 2) {
		smtp_reply_text(s, &why, "MAIL FROM");
		for (size_t k = 0; k < s->ntodo; k++)
			smtp_rcpt_fail(s, &s->rcpt[s->todo[k]], s->reply.dsn,
			    why.data, vbuf_str(&s->reply.text), 0);
		vbuf_free(&why);
		smtp_quit(s);
		return;
	}
	if (!s->pipelining)
		smtp_send_rcpt(s);
	smtp_enter_state(s, SMTP_ST_RCPT);
}

/* smtp_on_rcpt - one recipient's reply; after the last, DATA or QUIT */

static void
smtp_on_rcpt(struct smtp_session *s, int code)
{
	struct smtp_rcpt *rc = &s->rcpt[s->todo[s->rcpt_replies++]];
	struct vbuf why = VBUF_INIT;

	if (code / 100 == 2) {
		rc->accepted = 1;
		s->naccepted++;
	} else {
		smtp_reply_text(s, &why, "RCPT TO");
		smtp_rcpt_fail(s, rc, s->reply.dsn, why.data,
		    vbuf_str(&s->reply.text), 0);
		vbuf_free(&why);
	}
	smtp_arm_timer(s);
	if (s->rcpt_replies < s->ntodo) {
		if (!s->pipelining)
			smtp_send_rcpt(s);
		return;
	}
	if (s->pipelining) {
		smtp_enter_state(s, SMTP_ST_DATA); /* DATA already sent */
	} else if (s->naccepted == 0) {
		smtp_quit(s);
	} else {
		smtp_write(s, "DATA\r\n", 6);
		smtp_enter_state(s, SMTP_ST_DATA);
	}
}

/* smtp_on_data - 354 starts the content */

static void
smtp_on_data(struct smtp_session *s, int code)
{
	if (s->naccepted == 0) { /* pipelined, nobody took it */
		smtp_quit(s);
		return;
	}
	if (code / 100 != 3) {
		smtp_accepted_fail(s, "DATA");
		smtp_quit(s);
		return;
	}
	if (smtp_queue_rewind(&s->q) < 0) {
		msg_warn("%s: seek queue file: %m", s->queue_id);
		smtp_data_error(s);
		return;
	}
	smtp_text_init(&s->text, (size_t)smtp_derived.line_length_limit);
	s->body_done = 0;
	bufferevent_setwatermark(s->bev, EV_WRITE, SMTP_BODY_CHUNK / 4, 0);
	smtp_enter_state(s, SMTP_ST_BODY);
	smtp_body_fill(s);
}

/* smtp_on_body - a reply before the end of the content */

static void
smtp_on_body(struct smtp_session *s, int code)
{
	/* Only a rejection counts. */
	if (code / 100 == 2 || code / 100 == 3)
		return;
	smtp_accepted_fail(s, "end of DATA");
	smtp_quit(s);
}

/* smtp_on_dot - the end-of-data reply: sent, or failed */

static void
smtp_on_dot(struct smtp_session *s, int code)
{
	if (code / 100 == 2) {
		for (size_t k = 0; k < s->ntodo; k++) {
			struct smtp_rcpt *rc = &s->rcpt[s->todo[k]];

			if (rc->accepted && !rc->final)
				smtp_report(s, rc, "sent", s->reply.dsn,
				    vbuf_str(&s->reply.text), NULL, NULL,
				    s->relay, s->conn_done);
		}
	} else {
		smtp_accepted_fail(s, "end of DATA");
	}
	smtp_conn_done(s);
}

/* smtp_on_reply - one complete reply in the current state */

static void
smtp_on_reply(struct smtp_session *s)
{
	static void (*const handlers[])(struct smtp_session *, int) = {
	    [SMTP_ST_GREETING] = smtp_on_greeting,
	    [SMTP_ST_EHLO] = smtp_on_ehlo,
	    [SMTP_ST_HELO] = smtp_on_helo,
	    [SMTP_ST_STARTTLS] = smtp_on_starttls,
	    [SMTP_ST_AUTH] = smtp_on_auth,
	    [SMTP_ST_RSET] = smtp_on_rset,
	    [SMTP_ST_MAIL] = smtp_on_mail,
	    [SMTP_ST_RCPT] = smtp_on_rcpt,
	    [SMTP_ST_DATA] = smtp_on_data,
	    [SMTP_ST_BODY] = smtp_on_body,
	    [SMTP_ST_DOT] = smtp_on_dot,
	};

	if (msg_verbose > 1)
		msg_info("< %s: %s", s->hostaddr, vbuf_str(&s->reply.text));
	if ((size_t)s->state >= sizeof(handlers) / sizeof(handlers[0]) ||
	    handlers[s->state] == NULL)
		msg_panic("%s: reply in state %s", s->queue_id,
		    smtp_state_name(s->state));
	handlers[s->state](s, s->reply.code);
}

/* smtp_read - reply lines from the server */

static void
smtp_read(struct bufferevent *bev, void *ctx)
{
	struct smtp_session *s = ctx;
	struct evbuffer *in = bufferevent_get_input(bev);
	unsigned gen = s->conn_gen;
	char line[SMTP_REPLY_LINE_MAX];

	/* Stop when a handler closed the connection or started TLS on it. */
	while (gen == s->conn_gen && s->bev == bev) {
		size_t eol_len = 0;
		struct evbuffer_ptr p =
		    evbuffer_search_eol(in, NULL, &eol_len, EVBUFFER_EOL_CRLF);
		size_t avail = evbuffer_get_length(in);
		size_t len;
		int partial = 0;

		if (p.pos < 0) {
			if (avail < sizeof(line))
				return; /* wait for more */
			len = sizeof(line);
			partial = 1;
		} else {
			len = (size_t)p.pos;
		}
		if (s->skip_to_eol) { /* rest of an overlong line */
			evbuffer_drain(in, partial ? len : len + eol_len);
			s->skip_to_eol = partial;
			continue;
		}
		if (len > sizeof(line)) {
			evbuffer_remove(in, line, sizeof(line));
			evbuffer_drain(in, len - sizeof(line) + eol_len);
			len = sizeof(line);
		} else {
			evbuffer_remove(in, line, len);
			if (partial)
				s->skip_to_eol = 1;
			else
				evbuffer_drain(in, eol_len);
		}
		if (s->state < SMTP_ST_GREETING || s->state > SMTP_ST_RSET ||
		    s->state == SMTP_ST_TLS || s->state == SMTP_ST_QUIT) {
			/* Talking out of turn (e.g. while we QUIT): ignore. */
			continue;
		}
		if (smtp_reply_feed(&s->reply, line, len))
			smtp_on_reply(s);
	}
}

/* smtp_written - output drained below the low-watermark */

static void
smtp_written(struct bufferevent *bev, void *ctx)
{
	struct smtp_session *s = ctx;

	if (s->state == SMTP_ST_BODY && !s->body_done)
		smtp_body_fill(s);
	else if (s->state == SMTP_ST_BODY &&
	    evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		smtp_enter_state(s, SMTP_ST_DOT);
	else if (s->state == SMTP_ST_QUIT &&
	    evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		smtp_conn_end(s);
}

static void
smtp_bev_event(struct bufferevent *bev, short what, void *ctx)
{
	struct smtp_session *s = ctx;

	if ((what & BEV_EVENT_CONNECTED) && s->state == SMTP_ST_TLS) {
		smtp_tls_up(s);
		return;
	}
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		/* A reply may still sit in the input: deliver it first. */
		unsigned gen = s->conn_gen;

		smtp_read(bev, s);
		if (gen == s->conn_gen)
			smtp_io_fail(s, 0);
	}
}

/* smtp_session_connected - the connection is up: wait for the greeting */

void
smtp_session_connected(struct smtp_session *s, int fd)
{
	int on = 1;

	s->fd = fd;
	/*
	 * Every write is a whole batch (pipelined commands, a body chunk,
	 * the end of the content): Nagle's algorithm would only hold the
	 * last piece of the body until the server's delayed ACK (up to
	 * 40 ms per message). Not a TCP socket: nothing to do.
	 */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	/* Not BEV_OPT_CLOSE_ON_FREE: STARTTLS replaces it on the same fd. */
	s->bev = bufferevent_socket_new(s->base, s->fd, 0);
	if (s->bev == NULL)
		msg_fatal("%s: cannot create bufferevent", s->queue_id);
	/* The whole buffered body in one write, not libevent's 16 KB. */
	(void)bufferevent_set_max_single_write(s->bev, SMTP_BODY_CHUNK * 2);
	bufferevent_setcb(s->bev, smtp_read, smtp_written, smtp_bev_event, s);
	bufferevent_setwatermark(s->bev, EV_READ, 0, SMTP_INPUT_MAX);
	bufferevent_enable(s->bev, EV_READ); /* writing: on from the start */
	smtp_reply_reset(&s->reply);
	smtp_enter_state(s, SMTP_ST_GREETING);
}

/* smtp_session_adopt - run the transaction on a cached connection */

void
smtp_session_adopt(struct smtp_session *s)
{
	bufferevent_setcb(s->bev, smtp_read, smtp_written, smtp_bev_event, s);
	bufferevent_setwatermark(s->bev, EV_READ, 0, SMTP_INPUT_MAX);
	bufferevent_setwatermark(s->bev, EV_WRITE, 0, 0);
	bufferevent_enable(s->bev, EV_READ); /* writing: on from the start */
	smtp_reply_reset(&s->reply);
	s->conn_done = deliv_now();
	if (s->tls_on)
		smtp_tls_log(s, 1);
	smtp_helo_done(s);
}

/* smtp_connect_fail - log and remember; try the next address */

static void
smtp_connect_fail(struct smtp_session *s, const char *err)
{
	struct vbuf why = VBUF_INIT;

	vbuf_printf(&why, "connect to %s:%d: %s", s->hostaddr, s->nh.port, err);
	msg_info("%s", why.data);
	s->relay = mem_free(s->relay); /* relay=none */
	smtp_site_fail(s, "4.4.1", why.data, NULL);
	vbuf_free(&why);
	smtp_conn_end(s);
}

static void
smtp_connect_event(evutil_socket_t fd, short what, void *ctx)
{
	struct smtp_session *s = ctx;
	int err = 0;
	socklen_t len = sizeof(err);

	event_free(s->conn_ev);
	s->conn_ev = NULL;
	if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err != 0) {
		smtp_connect_fail(s, strerror(err));
		return;
	}
	smtp_session_connected(s, s->fd);
}

/* smtp_conn_setup - the names of a new connection to s->addr */

static void
smtp_conn_setup(struct smtp_session *s)
{
	struct vbuf tmp = VBUF_INIT;

	mem_free(s->hostaddr);
	mem_free(s->relay);
	vbuf_printf(&tmp, "%s[%s]", s->addr->host, s->addr->a.text);
	s->hostaddr = mem_strdup(tmp.data);
	vbuf_printf(&tmp, ":%d", s->nh.port);
	s->relay = vbuf_export(&tmp);
	s->features = 0;
	s->size_limit = 0;
	s->pipelining = 0;
	s->conn_done = 0;
	s->conn_use = 1;
	s->conn_start = deliv_now();
}

/* smtp_connect - non-blocking connect to s->addr */

void
smtp_connect(struct smtp_session *s)
{
	struct sockaddr_storage ss = s->addr->a.sa;

	if (ss.ss_family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_port =
		    htons((uint16_t)s->nh.port);
	else
		((struct sockaddr_in6 *)&ss)->sin6_port =
		    htons((uint16_t)s->nh.port);
	smtp_conn_setup(s);
	smtp_enter_state(s, SMTP_ST_CONNECT);
	s->fd =
	    socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0) {
		smtp_connect_fail(s, strerror(errno));
		return;
	}
	if (connect(s->fd, (struct sockaddr *)&ss, s->addr->a.salen) == 0) {
		smtp_session_connected(s, s->fd);
		return;
	}
	if (errno != EINPROGRESS) {
		smtp_connect_fail(s, strerror(errno));
		return;
	}
	s->conn_ev = event_new(s->base, s->fd, EV_WRITE, smtp_connect_event, s);
	if (s->conn_ev == NULL)
		msg_fatal("%s: cannot create event", s->queue_id);
	event_add(s->conn_ev, NULL);
}

/* smtp_timer_event - the current phase took too long */

static void
smtp_timer_event(evutil_socket_t fd, short what, void *ctx)
{
	struct smtp_session *s = ctx;

	switch (s->state) {
	case SMTP_ST_RESOLVE:
		smtp_resolve_timeout(s);
		break;
	case SMTP_ST_CONNECT:
		smtp_connect_fail(s, strerror(ETIMEDOUT));
		break;
	case SMTP_ST_INIT:
		/* Waiting for the queue file lock. */
		smtp_session_start(s);
		break;
	case SMTP_ST_DONE:
		break;
	default:
		smtp_io_fail(s, 1);
		break;
	}
}

/* smtp_open_queue - 1: open; 0: waiting for the lock, or finished */

static int
smtp_open_queue(struct smtp_session *s, int may_wait)
{
	struct vbuf why = VBUF_INIT;
	int rc;

	rc = smtp_queue_open(&s->q, s->queue_id, &why);
	if (rc == SMTP_QUEUE_LOCKED && may_wait &&
	    ++s->lock_tries < SMTP_LOCK_TRIES) {
		struct timeval tv = {0, 100000};

		evtimer_add(s->timer, &tv);
		vbuf_free(&why);
		return 0;
	}
	if (rc != 0) {
		if (rc == SMTP_QUEUE_LOCKED)
			vbuf_set(&why, "queue file is locked");
		msg_warn("%s: cannot read queue file: %s", s->queue_id,
		    why.data);
		vbuf_free(&why);
		/* No queue file to update: qmgr retries these recipients. */
		s->deferred = 1;
		for (size_t i = 0; i < s->nrcpt; i++)
			s->rcpt[i].final = 1;
		smtp_finish(s);
		return 0;
	}
	vbuf_free(&why);
	s->queue_open = 1;
	if (s->times.arrival <= 0)
		s->times.arrival = s->q.arrival;
	return 1;
}

/* smtp_session_start - open the queue file, then look up the nexthop */

void
smtp_session_start(struct smtp_session *s)
{
	if (smtp_open_queue(s, 1))
		smtp_sites_start(s);
}

/* smtp_session_start_fd - the same over a connection that is up */

void
smtp_session_start_fd(struct smtp_session *s, const char *host,
    const char *addr, int port, int fd)
{
	if (!smtp_open_queue(s, 0)) {
		close(fd);
		return;
	}
	smtp_sites_one(s, host, addr, port);
	smtp_conn_setup(s);
	smtp_enter_state(s, SMTP_ST_CONNECT);
	smtp_session_connected(s, fd);
}

/* smtp_time_parse - "SEC.USEC" -> seconds */

static double
smtp_time_parse(const char *text)
{
	char *end;
	double t;

	if (text == NULL)
		return 0;
	t = strtod(text, &end);
	return (end != text && *end == 0 && t > 0) ? t : 0;
}

/* smtp_rcpt_parse - "OFFSET\tORIG\tDSN_ORIG\tADDRESS" */

static int
smtp_rcpt_parse(struct smtp_rcpt *rc, const char *value)
{
	const char *f[4];
	const char *cp = value;
	char *end;
	long offset;

	for (int i = 0; i < 3; i++) {
		f[i] = cp;
		if ((cp = strchr(cp, '\t')) == NULL)
			return -1;
		cp++;
	}
	f[3] = cp;
	if (strchr(f[3], '\t') != NULL)
		return -1;
	offset = strtol(f[0], &end, 10);
	if (end == f[0] || *end != '\t' || offset <= 0)
		return -1;
	rc->orig_rcpt = mem_strndup(f[1], (size_t)(f[2] - f[1] - 1));
	rc->dsn_orig_rcpt = mem_strndup(f[2], (size_t)(f[3] - f[2] - 1));
	rc->address = mem_strdup(f[3]);
	rc->r.offset = offset;
	rc->r.address = rc->address;
	rc->r.orig_rcpt = rc->orig_rcpt;
	rc->r.dsn_orig_rcpt = rc->dsn_orig_rcpt;
	rc->r.notify_flags = 0;
	return 0;
}

struct smtp_session *
smtp_session_create(struct event_base *base, const struct attr_list *req,
    smtp_session_done_fn *done, void *ctx, struct vbuf *why)
{
	struct smtp_session *s;
	const char *queue_name = attr_get(req, "queue_name");
	const char *queue_id = attr_get(req, "queue_id");
	const char *nexthop = attr_get(req, "nexthop");
	size_t nrcpt = 0;

	if (queue_name == NULL || strcmp(queue_name, "active") != 0) {
		vbuf_set(why, "bad or missing queue_name");
		return NULL;
	}
	if (queue_id == NULL || !qid_ok(queue_id)) {
		vbuf_set(why, "bad or missing queue_id");
		return NULL;
	}
	if (nexthop == NULL || *nexthop == 0) {
		vbuf_set(why, "missing nexthop");
		return NULL;
	}
	for (size_t i = 0; i < req->n; i++)
		if (strcmp(req->a[i].name, "rcpt") == 0)
			nrcpt++;
	if (nrcpt == 0) {
		vbuf_set(why, "no recipients");
		return NULL;
	}
	s = mem_calloc(1, sizeof(*s));
	s->state = SMTP_ST_INIT;
	s->base = base;
	s->fd = -1;
	s->q.fd = -1;
	s->done = done;
	s->done_ctx = ctx;
	s->queue_id = mem_strdup(queue_id);
	s->nexthop = mem_strdup(nexthop);
	s->times.arrival = smtp_time_parse(attr_get(req, "arrival_time"));
	s->times.active = smtp_time_parse(attr_get(req, "active_time"));
	s->times.agent = deliv_now();
	s->rcpt = mem_calloc(nrcpt, sizeof(*s->rcpt));
	for (size_t i = 0; i < req->n; i++) {
		if (strcmp(req->a[i].name, "rcpt") != 0)
			continue;
		if (smtp_rcpt_parse(&s->rcpt[s->nrcpt], req->a[i].value) < 0) {
			vbuf_printf(why, "malformed rcpt attribute \"%.100s\"",
			    req->a[i].value);
			smtp_session_free(s);
			return NULL;
		}
		s->nrcpt++;
	}
	s->timer = evtimer_new(s->base, smtp_timer_event, s);
	s->done_ev = evtimer_new(s->base, smtp_done_event, s);
	if (s->timer == NULL || s->done_ev == NULL)
		msg_fatal("cannot create timer");
	return s;
}

struct smtp_session *
smtp_session_free(struct smtp_session *s)
{
	if (s == NULL)
		return NULL;
	smtp_conn_close(s);
	if (s->queue_open)
		smtp_queue_close(&s->q);
	if (s->done_ev)
		event_free(s->done_ev);
	if (s->timer)
		event_free(s->timer);
	for (size_t i = 0; i < s->nrcpt; i++) {
		mem_free(s->rcpt[i].address);
		mem_free(s->rcpt[i].orig_rcpt);
		mem_free(s->rcpt[i].dsn_orig_rcpt);
		smtp_why_clear(&s->rcpt[i].last);
	}
	mem_free(s->rcpt);
	smtp_cache_undemand(s);
	smtp_tls_policy_free(&s->tls);
	vbuf_free(&s->auth_mechs);
	smtp_sites_free(s);
	smtp_reply_free(&s->reply);
	vbuf_free(&s->out);
	mem_free(s->hostaddr);
	mem_free(s->relay);
	mem_free(s->site_reason);
	mem_free(s->queue_id);
	mem_free(s->nexthop);
	mem_free(s);
	return NULL;
}
