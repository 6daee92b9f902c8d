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
 * The sites are the nexthop list ("a, b", Postfix 3.5+) followed by
 * smtp_fallback_relay. For each site, while recipients are left: a
 * bare host gets an MX lookup (unless disable_dns_lookups or
 * smtp_dns_support_level = disabled), then the address lookups of all
 * its MX hosts run concurrently; [host], numeric hosts and the
 * implicit MX (NXDOMAIN or no MX record) get one address lookup. The
 * list is cut by loop detection (port 25 only), shuffled among equal
 * preferences and tried in order (at most smtp_mx_address_limit, at
 * most smtp_mx_session_limit sessions that got past HELO, both per
 * site) while recipients are left without a final result. Only the
 * last address of the last site is the "final" one: a site's DNS
 * failure or a hard failure elsewhere is recorded as soft and the next
 * site is tried. When this host is one of a site's MX hosts, no later
 * site (nor the fallback relay) is tried.
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
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "attr.h"
#include "deliv.h"
#include "dlog.h"
#include "dns.h"
#include "mem.h"
#include "msg.h"
#include "qid.h"
#include "server.h"
#include "smtp.h"

#define SMTP_RESOLVE_TIMEOUT 120    /* safety net over c-ares' own */
#define SMTP_LOCK_TRIES 50	    /* shared lock attempts, 100 ms apart */
#define SMTP_BODY_CHUNK (64 * 1024) /* output kept buffered */
#define SMTP_INPUT_MAX (64 * 1024)  /* read high-watermark */

/* A recipient's last failure, reported if nothing better happens. */
struct smtp_why {
	char dsn[16];
	char *reason;
	char *diag;  /* server reply, or NULL */
	char *mta;   /* server host name with diag */
	char *relay; /* "host[addr]:port" or "none" */
	double conn_done;
	int site; /* site-level failure */
};

struct smtp_rcpt {
	struct deliv_rcpt r; /* strings below */
	char *address;
	char *orig_rcpt;
	char *dsn_orig_rcpt;
	int final;	      /* result reported */
	int accepted;	      /* RCPT 2xx in this connection */
	struct smtp_why last; /* last soft failure */
};

struct smtp_session {
	enum smtp_state state;
	smtp_session_done_fn *done;
	void *done_ctx;
	struct event *timer;
	struct event *done_ev;

	/* The request. */
	char *queue_id;
	char *nexthop;
	struct deliv_times times;
	struct smtp_rcpt *rcpt;
	size_t nrcpt;

	/* The message. */
	struct smtp_queue q;
	int queue_open;
	int lock_tries;
	int marked;   /* a recipient was marked done */
	int deferred; /* some recipient stays pending */

	/* Where to: the sites (nexthop list, then fallback relays). */
	char **sites;
	size_t nsites;
	size_t first_fallback; /* index of the first fallback relay */
	size_t site;	       /* the current one */
	int is_mx;	       /* this host is an MX: no more sites */
	struct smtp_nexthop nh;
	struct dns_req *dns; /* MX or host address lookup */
	int mx_query;	     /* dns is the MX lookup */
	struct dns_mx *mx;   /* sorted MX hosts of the site */
	size_t nmx;
	struct smtp_mxq *mxq; /* their address lookups */
	size_t mxq_pending;
	struct smtp_addr *addrs;
	size_t naddr;
	size_t addr_next;
	int nsessions; /* got past HELO */

	/* The current connection. */
	unsigned conn_gen;
	int fd;
	struct event *conn_ev;
	struct bufferevent *bev;
	const struct smtp_addr *addr;
	char *hostaddr; /* "host[addr]" */
	char *relay;	/* "host[addr]:port" */
	int features;
	long size_limit;
	int pipelining;
	int last_try; /* no further address after this */
	double conn_done;
	size_t *todo; /* recipients in this transaction */
	size_t ntodo;
	size_t rcpt_sent;
	size_t rcpt_replies;
	size_t naccepted;
	struct smtp_reply reply;
	int skip_to_eol;
	int body_done; /* final "." queued for output */
	struct smtp_text text;
	struct vbuf out;

	/* The last site-level failure of the last attempt (hop status). */
	int site_failed;
	char site_dsn[16];
	char *site_reason;
};

/* One MX host's address lookup. */
struct smtp_mxq {
	struct smtp_session *s;
	struct dns_req *req;
	int done;
	int status;
	char dsn[16];
	char *why;
	struct dns_addr *addrs;
	size_t naddr;
};

static void smtp_enter_state(struct smtp_session *s, enum smtp_state state);
static void smtp_next_address(struct smtp_session *s);
static void smtp_next_site(struct smtp_session *s);
static void smtp_site_start(struct smtp_session *s);
static void smtp_resolve_cancel(struct smtp_session *s);
static int smtp_final_site(const struct smtp_session *s);
static void smtp_finish(struct smtp_session *s);
static void smtp_conn_close(struct smtp_session *s);

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
	    "MAIL",
	    "RCPT",
	    "DATA",
	    "BODY",
	    "DOT",
	    "QUIT",
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
		return (int)var_smtp_helo_timeout;
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

static double
smtp_now(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return tv.tv_sec + tv.tv_usec / 1e6;
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

static void
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
	if (deliv_result(s->queue_id, &rc->r, s->queue_open ? s->q.rw_fd : -1,
		relay ? relay : "none", &t, 1, status, dsn, reason, diag,
		mta) != 0)
		s->deferred = 1;
	if (strcmp(status, "deferred") != 0)
		s->marked = 1;
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

/* smtp_relayhost_hard - a hard error from $relayhost is a config problem */

static const char *
smtp_soften(struct smtp_session *s, const char *dsn, char buf[16])
{
	if (dsn[0] == '5' && s->site >= s->first_fallback &&
	    s->site < s->nsites) {
		msg_warn("%s: smtp_fallback_relay configuration problem",
		    s->queue_id);
		strcpy(buf, "4.3.5");
		return buf;
	}
	if (dsn[0] == '5' && *var_relayhost &&
	    strcmp(s->nexthop, var_relayhost) == 0) {
		msg_warn("%s: relayhost configuration problem", s->queue_id);
		strcpy(buf, "4.3.5");
		return buf;
	}
	return dsn;
}

/* smtp_site_fail - the connection or the destination failed */

static void
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

static int
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

/* smtp_finish - report the leftovers, sync, and complete */

static void
smtp_finish(struct smtp_session *s)
{
	static const struct timeval zero = {0, 0};
	int leftovers = 0;

	smtp_conn_close(s);
	smtp_resolve_cancel(s);
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
	if (s->marked && s->queue_open && deliv_sync(s->q.rw_fd) < 0) {
		msg_warn("%s: fsync queue file: %m", s->queue_id);
		s->deferred = 1;
	}
	if (s->queue_open) {
		smtp_queue_close(&s->q);
		s->queue_open = 0;
	}
	smtp_enter_state(s, SMTP_ST_DONE);
	evtimer_add(s->done_ev, &zero);
}

/* smtp_write - queue bytes for the server */

static void
smtp_write(struct smtp_session *s, const char *text, size_t len)
{
	if (msg_verbose > 1)
		msg_info("> %s[%s]: %.*s", s->addr->host, s->addr->a.text,
		    (int)(len > 2 ? len - 2 : len), text);
	bufferevent_write(s->bev, text, len);
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
	if (s->bev) {
		bufferevent_free(s->bev); /* closes the socket */
		s->bev = NULL;
		s->fd = -1;
	}
	if (s->fd >= 0) {
		close(s->fd);
		s->fd = -1;
	}
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

	if (s->state == SMTP_ST_QUIT) { /* all said and done */
		smtp_conn_end(s);
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
		dlog_quote_rcpt(&addr, s->q.sender);
	vbuf_printf(&s->out, "MAIL FROM:<%s>", vbuf_str(&addr));
	if (s->features & SMTP_FEAT_SIZE)
		vbuf_printf(&s->out, " SIZE=%ld", s->q.content_size);
	if (s->q.eightbit && (s->features & SMTP_FEAT_8BITMIME))
		vbuf_puts(&s->out, " BODY=8BITMIME");
	vbuf_append(&s->out, "\r\n", 2);
	if (s->pipelining) {
		for (size_t k = 0; k < s->ntodo; k++) {
			vbuf_reset(&addr);
			dlog_quote_rcpt(&addr, s->rcpt[s->todo[k]].address);
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

	dlog_quote_rcpt(&addr, s->rcpt[s->todo[s->rcpt_sent++]].address);
	vbuf_reset(&s->out);
	smtp_cmd(s, &s->out, "RCPT TO:<%s>", vbuf_str(&addr));
	smtp_write(s, s->out.data, s->out.len);
	vbuf_reset(&s->out);
	vbuf_free(&addr);
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
		bufferevent_write(s->bev, s->out.data, s->out.len);
	}
	vbuf_reset(&s->out);
	if (rc < 0) {
		struct vbuf why = VBUF_INIT;

		msg_warn("%s: error reading queue file content", s->queue_id);
		vbuf_printf(&why, "local data error while talking to %s",
		    s->hostaddr);
		/* Never send the final dot: close so the server drops it. */
		for (size_t k = 0; k < s->ntodo; k++)
			if (s->rcpt[s->todo[k]].accepted)
				smtp_rcpt_fail(s, &s->rcpt[s->todo[k]], "4.3.0",
				    why.data, NULL, 0);
		vbuf_free(&why);
		smtp_conn_end(s);
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
	for (size_t k = 0; k < s->ntodo; k++)
		if (s->rcpt[s->todo[k]].accepted)
			smtp_rcpt_fail(s, &s->rcpt[s->todo[k]], s->reply.dsn,
			    why.data, vbuf_str(&s->reply.text), 0);
	vbuf_free(&why);
}

/* smtp_helo_done - the session is established */

static void
smtp_helo_done(struct smtp_session *s)
{
	s->nsessions++;
	s->conn_done = smtp_now();
	if (var_smtp_mx_session_limit > 0 &&
	    s->nsessions >= var_smtp_mx_session_limit && smtp_final_site(s))
		s->last_try = 1;
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

/* smtp_on_reply - one complete reply in the current state */

static void
smtp_on_reply(struct smtp_session *s)
{
	int code = s->reply.code;
	int cls = code / 100;
	struct vbuf why = VBUF_INIT;

	if (msg_verbose > 1)
		msg_info("< %s: %s", s->hostaddr, vbuf_str(&s->reply.text));
	switch (s->state) {
	case SMTP_ST_GREETING:
		if (cls != 2) {
			smtp_refused(s, code);
			break;
		}
		vbuf_reset(&s->out);
		smtp_cmd(s, &s->out, "EHLO %s", var_smtp_helo_name);
		smtp_write(s, s->out.data, s->out.len);
		vbuf_reset(&s->out);
		smtp_enter_state(s, SMTP_ST_EHLO);
		break;
	case SMTP_ST_EHLO:
		if (cls == 2) {
			s->features =
			    smtp_ehlo_parse(&s->reply, &s->size_limit);
			s->pipelining =
			    (s->features & SMTP_FEAT_PIPELINING) != 0;
			smtp_helo_done(s);
		} else if (code == 421) {
			smtp_refused(s, code);
		} else {
			vbuf_reset(&s->out);
			smtp_cmd(s, &s->out, "HELO %s", var_smtp_helo_name);
			smtp_write(s, s->out.data, s->out.len);
			vbuf_reset(&s->out);
			smtp_enter_state(s, SMTP_ST_HELO);
		}
		break;
	case SMTP_ST_HELO:
		if (cls != 2) {
			smtp_refused(s, code);
			break;
		}
		s->features = 0;
		s->pipelining = 0;
		smtp_helo_done(s);
		break;
	case SMTP_ST_MAIL:
		if (cls != 2) {
			smtp_reply_text(s, &why, "MAIL FROM");
			for (size_t k = 0; k < s->ntodo; k++)
				smtp_rcpt_fail(s, &s->rcpt[s->todo[k]],
				    s->reply.dsn, why.data,
				    vbuf_str(&s->reply.text), 0);
			smtp_quit(s);
			break;
		}
		if (!s->pipelining)
			smtp_send_rcpt(s);
		smtp_enter_state(s, SMTP_ST_RCPT);
		break;
	case SMTP_ST_RCPT: {
		struct smtp_rcpt *rc = &s->rcpt[s->todo[s->rcpt_replies++]];

		if (cls == 2) {
			rc->accepted = 1;
			s->naccepted++;
		} else {
			smtp_reply_text(s, &why, "RCPT TO");
			smtp_rcpt_fail(s, rc, s->reply.dsn, why.data,
			    vbuf_str(&s->reply.text), 0);
		}
	}
		smtp_arm_timer(s);
		if (s->rcpt_replies < s->ntodo) {
			if (!s->pipelining)
				smtp_send_rcpt(s);
			break;
		}
		if (s->pipelining) {
			smtp_enter_state(s,
			    SMTP_ST_DATA); /* DATA already sent */
		} else if (s->naccepted == 0) {
			smtp_quit(s);
		} else {
			smtp_write(s, "DATA\r\n", 6);
			smtp_enter_state(s, SMTP_ST_DATA);
		}
		break;
	case SMTP_ST_DATA:
		if (s->naccepted == 0) { /* pipelined, nobody took it */
			smtp_quit(s);
			break;
		}
		if (cls != 3) {
			smtp_accepted_fail(s, "DATA");
			smtp_quit(s);
			break;
		}
		if (smtp_queue_rewind(&s->q) < 0) {
			msg_warn("%s: seek queue file: %m", s->queue_id);
			vbuf_printf(&why,
			    "local data error while talking to %s",
			    s->hostaddr);
			for (size_t k = 0; k < s->ntodo; k++)
				if (s->rcpt[s->todo[k]].accepted)
					smtp_rcpt_fail(s, &s->rcpt[s->todo[k]],
					    "4.3.0", why.data, NULL, 0);
			smtp_conn_end(s);
			break;
		}
		smtp_text_init(&s->text,
		    (size_t)smtp_derived.line_length_limit);
		s->body_done = 0;
		bufferevent_setwatermark(s->bev, EV_WRITE, SMTP_BODY_CHUNK / 4,
		    0);
		smtp_enter_state(s, SMTP_ST_BODY);
		smtp_body_fill(s);
		break;
	case SMTP_ST_BODY:
		/* A reply before the end of the content: only a rejection
		 * counts. */
		if (cls == 2 || cls == 3)
			break;
		smtp_accepted_fail(s, "end of DATA");
		smtp_quit(s);
		break;
	case SMTP_ST_DOT:
		if (cls == 2) {
			for (size_t k = 0; k < s->ntodo; k++) {
				struct smtp_rcpt *rc = &s->rcpt[s->todo[k]];

				if (rc->accepted && !rc->final)
					smtp_report(s, rc, "sent", s->reply.dsn,
					    vbuf_str(&s->reply.text), NULL,
					    NULL, s->relay, s->conn_done);
			}
		} else {
			smtp_accepted_fail(s, "end of DATA");
		}
		smtp_quit(s);
		break;
	default:
		msg_panic("%s: reply in state %s", s->queue_id,
		    smtp_state_name(s->state));
	}
	vbuf_free(&why);
}

/* smtp_read - reply lines from the server */

static void
smtp_read(struct bufferevent *bev, void *ctx)
{
	struct smtp_session *s = ctx;
	struct evbuffer *in = bufferevent_get_input(bev);
	unsigned gen = s->conn_gen;
	char line[SMTP_REPLY_LINE_MAX];

	while (gen == s->conn_gen && s->bev != NULL) {
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
		if (s->state < SMTP_ST_GREETING || s->state > SMTP_ST_DOT) {
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

	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		/* A reply may still sit in the input: deliver it first. */
		unsigned gen = s->conn_gen;

		smtp_read(bev, s);
		if (gen == s->conn_gen)
			smtp_io_fail(s, 0);
	}
}

/* smtp_connected - the TCP connection is up: wait for the greeting */

static void
smtp_connected(struct smtp_session *s)
{
	s->bev =
	    bufferevent_socket_new(server_base(), s->fd, BEV_OPT_CLOSE_ON_FREE);
	if (s->bev == NULL)
		msg_fatal("%s: cannot create bufferevent", s->queue_id);
	bufferevent_setcb(s->bev, smtp_read, smtp_written, smtp_bev_event, s);
	bufferevent_setwatermark(s->bev, EV_READ, 0, SMTP_INPUT_MAX);
	bufferevent_enable(s->bev, EV_READ | EV_WRITE);
	smtp_reply_reset(&s->reply);
	smtp_enter_state(s, SMTP_ST_GREETING);
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
	smtp_connected(s);
}

/* smtp_connect - non-blocking connect to s->addr */

static void
smtp_connect(struct smtp_session *s)
{
	struct sockaddr_storage ss = s->addr->a.sa;
	struct vbuf tmp = VBUF_INIT;

	if (ss.ss_family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_port =
		    htons((uint16_t)s->nh.port);
	else
		((struct sockaddr_in6 *)&ss)->sin6_port =
		    htons((uint16_t)s->nh.port);
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

	smtp_enter_state(s, SMTP_ST_CONNECT);
	s->fd =
	    socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0) {
		smtp_connect_fail(s, strerror(errno));
		return;
	}
	if (connect(s->fd, (struct sockaddr *)&ss, s->addr->a.salen) == 0) {
		smtp_connected(s);
		return;
	}
	if (errno != EINPROGRESS) {
		smtp_connect_fail(s, strerror(errno));
		return;
	}
	s->conn_ev =
	    event_new(server_base(), s->fd, EV_WRITE, smtp_connect_event, s);
	if (s->conn_ev == NULL)
		msg_fatal("%s: cannot create event", s->queue_id);
	event_add(s->conn_ev, NULL);
}

/* smtp_final_site - no site is tried after the current one */

static int
smtp_final_site(const struct smtp_session *s)
{
	return s->is_mx || s->site + 1 >= s->nsites;
}

/* smtp_addr_limit - addresses of this site that may be tried */

static size_t
smtp_addr_limit(const struct smtp_session *s)
{
	size_t limit = s->naddr;

	if (var_smtp_mx_address_limit > 0 &&
	    (size_t)var_smtp_mx_address_limit < limit)
		limit = (size_t)var_smtp_mx_address_limit;
	return limit;
}

/* smtp_next_address - connect to the next address, or the next site */

static void
smtp_next_address(struct smtp_session *s)
{
	size_t limit = smtp_addr_limit(s);

	if (s->last_try || s->addr_next >= limit ||
	    (var_smtp_mx_session_limit > 0 &&
		s->nsessions >= var_smtp_mx_session_limit)) {
		smtp_next_site(s);
		return;
	}
	s->addr = &s->addrs[s->addr_next++];
	s->last_try = smtp_final_site(s) && s->addr_next >= limit;
	s->site_failed = 0;
	smtp_connect(s);
}

/* smtp_resolve_cancel - abandon the lookups of the current site */

static void
smtp_resolve_cancel(struct smtp_session *s)
{
	s->dns = dns_cancel(s->dns);
	s->mx_query = 0;
	for (size_t i = 0; s->mxq && i < s->nmx; i++) {
		s->mxq[i].req = dns_cancel(s->mxq[i].req);
		mem_free(s->mxq[i].why);
		mem_free(s->mxq[i].addrs);
	}
	s->mxq = mem_free(s->mxq);
	s->mxq_pending = 0;
}

/* smtp_site_reset - forget the previous site */

static void
smtp_site_reset(struct smtp_session *s)
{
	smtp_resolve_cancel(s);
	smtp_nexthop_free(&s->nh);
	s->mx = mem_free(s->mx);
	s->nmx = 0;
	s->addrs = mem_free(s->addrs);
	s->naddr = s->addr_next = 0;
	s->nsessions = 0;
	s->addr = NULL;
	s->relay = mem_free(s->relay);
	s->hostaddr = mem_free(s->hostaddr);
	s->last_try = 0;
}

/* smtp_dest_fail - the site failed before any connection (DNS, loops) */

static void
smtp_dest_fail(struct smtp_session *s, const char *dsn, const char *why)
{
	smtp_resolve_cancel(s);
	s->addr = NULL;
	s->relay = mem_free(s->relay); /* relay=none */
	s->last_try = smtp_final_site(s);
	smtp_site_fail(s, dsn, why, NULL);
	smtp_next_site(s);
}

/* smtp_next_site - the current site is done: next one, or finish */

static void
smtp_next_site(struct smtp_session *s)
{
	if (!smtp_any_open(s) || smtp_final_site(s)) {
		smtp_finish(s);
		return;
	}
	s->site++;
	smtp_site_start(s);
}

/* smtp_try_addrs - the site's address list is complete: try it */

static void
smtp_try_addrs(struct smtp_session *s, const char *domain, int mx)
{
	int self_pref = -1;
	struct vbuf why = VBUF_INIT;

	/* Loop detection only for the SMTP port. */
	if (s->nh.port == 25 && smtp_derived.nown > 0) {
		smtp_addr_sort(s->addrs, s->naddr, 0, 0, NULL);
		s->naddr = smtp_addr_unloop(s->addrs, s->naddr,
		    smtp_derived.own, smtp_derived.nown, &self_pref);
	}
	if (self_pref >= 0) {
		s->is_mx = 1; /* no other site, no fallback */
		if (s->naddr == 0) {
			int better = 0;

			for (size_t i = 0; mx && i < s->nmx; i++)
				if (s->mx[i].pref < self_pref)
					better = 1;
			if (better) {
				vbuf_printf(&why,
				    "unable to find primary relay for %s",
				    domain);
				smtp_dest_fail(s, "4.4.4", why.data);
			} else {
				vbuf_printf(&why,
				    "mail for %s loops back to myself", domain);
				smtp_dest_fail(s, "5.4.6", why.data);
			}
			vbuf_free(&why);
			return;
		}
	}
	smtp_addr_sort(s->addrs, s->naddr, var_smtp_randomize_addresses,
	    smtp_derived.family_pref, NULL);
	if (msg_verbose)
		for (size_t i = 0; i < s->naddr; i++)
			msg_info("%s: %s: address %s[%s] pref %d", s->queue_id,
			    domain, s->addrs[i].host, s->addrs[i].a.text,
			    s->addrs[i].pref);
	vbuf_free(&why);
	smtp_next_address(s);
}

/* smtp_on_addr - the address lookup of a host (no MX) finished */

static void
smtp_on_addr(const struct dns_reply *r, void *ctx)
{
	struct smtp_session *s = ctx;

	s->dns = NULL;
	if (r->status != DNS_OK) {
		smtp_dest_fail(s, r->dsn, r->why);
		return;
	}
	s->addrs = mem_calloc(DNS_ADDR_MAX, sizeof(*s->addrs));
	s->naddr = 0;
	smtp_addr_add(s->addrs, &s->naddr, r->addrs, r->naddr, 0, s->nh.name);
	smtp_try_addrs(s, s->nh.name, 0);
}

/* smtp_mx_addrs_done - every MX host's address lookup finished */

static void
smtp_mx_addrs_done(struct smtp_session *s)
{
	const struct smtp_mxq *soft = NULL;
	const struct smtp_mxq *hard = NULL;

	s->addrs = mem_calloc(DNS_ADDR_MAX, sizeof(*s->addrs));
	s->naddr = 0;
	for (size_t i = 0; i < s->nmx; i++) {
		const struct smtp_mxq *q = &s->mxq[i];

		if (q->status == DNS_OK)
			smtp_addr_add(s->addrs, &s->naddr, q->addrs, q->naddr,
			    s->mx[i].pref, s->mx[i].name);
		else if (q->status == DNS_RETRY)
			soft = q;
		else
			hard = q;
	}
	if (s->naddr == 0) {
		const struct smtp_mxq *q = soft ? soft : hard;
		char dsn[16];
		struct vbuf why = VBUF_INIT;

		msg_warn("no MX host for %s has a valid address record",
		    s->nh.name);
		if (q) {
			snprintf(dsn, sizeof(dsn), "%s", q->dsn);
			vbuf_set(&why, q->why);
		} else { /* cannot happen: nmx > 0 */
			strcpy(dsn, "5.4.4");
			vbuf_printf(&why,
			    "no MX host for %s has a valid address record",
			    s->nh.name);
		}
		if (var_smtp_defer_if_no_mx_address_found)
			dsn[0] = '4';
		smtp_dest_fail(s, dsn, why.data);
		vbuf_free(&why);
		return;
	}
	smtp_resolve_cancel(s);
	smtp_try_addrs(s, s->nh.name, 1);
}

static void
smtp_on_mx_addr(const struct dns_reply *r, void *ctx)
{
	struct smtp_mxq *q = ctx;
	struct smtp_session *s = q->s;

	q->req = NULL;
	q->done = 1;
	q->status = r->status;
	snprintf(q->dsn, sizeof(q->dsn), "%s", r->dsn);
	q->why = mem_strdup(r->why);
	if (r->naddr > 0) {
		q->addrs = mem_calloc(r->naddr, sizeof(*q->addrs));
		memcpy(q->addrs, r->addrs, r->naddr * sizeof(*q->addrs));
		q->naddr = r->naddr;
	}
	if (--s->mxq_pending == 0)
		smtp_mx_addrs_done(s);
}

/* smtp_host_lookup - address lookup of the nexthop host itself */

static void
smtp_host_lookup(struct smtp_session *s)
{
	smtp_enter_state(s, SMTP_ST_RESOLVE);
	s->dns = dns_query_addr(s->nh.host,
	    smtp_derived.families | (smtp_derived.native_hosts ? DNS_HOSTS : 0),
	    smtp_on_addr, s);
}

/* smtp_on_mx - the MX lookup finished */

static void
smtp_on_mx(const struct dns_reply *r, void *ctx)
{
	struct smtp_session *s = ctx;
	struct vbuf why = VBUF_INIT;

	s->dns = NULL;
	s->mx_query = 0;
	if (r->status == DNS_OK && r->nullmx) {
		vbuf_printf(&why, "Domain %s does not accept mail (nullMX)",
		    s->nh.name);
		smtp_dest_fail(s, "5.1.0", why.data);
	} else if (r->status == DNS_OK) {
		s->mx = mem_calloc(r->nmx, sizeof(*s->mx));
		memcpy(s->mx, r->mx, r->nmx * sizeof(*s->mx));
		s->nmx = smtp_mx_sort(s->mx, r->nmx);
		if (s->nmx == 0) { /* only "." among others */
			vbuf_printf(&why,
			    "no MX host for %s has a valid address record",
			    s->nh.name);
			msg_warn("%s", why.data);
			smtp_dest_fail(s, "5.4.4", why.data);
		} else {
			s->mxq = mem_calloc(s->nmx, sizeof(*s->mxq));
			s->mxq_pending = s->nmx;
			smtp_enter_state(s, SMTP_ST_RESOLVE); /* fresh timer */
			for (size_t i = 0; i < s->nmx; i++) {
				s->mxq[i].s = s;
				s->mxq[i].req = dns_query_addr(s->mx[i].name,
				    smtp_derived.families, smtp_on_mx_addr,
				    &s->mxq[i]);
			}
		}
	} else if (r->status == DNS_NOTFOUND || var_ignore_mx_lookup_error) {
		/* Implicit MX: the domain's own address records. */
		smtp_host_lookup(s);
	} else {
		smtp_dest_fail(s, r->dsn, r->why);
	}
	vbuf_free(&why);
}

/* smtp_timer_event - the current phase took too long */

static void
smtp_timer_event(evutil_socket_t fd, short what, void *ctx)
{
	struct smtp_session *s = ctx;

	switch (s->state) {
	case SMTP_ST_RESOLVE: {
		struct vbuf why = VBUF_INIT;

		vbuf_printf(&why,
		    "Host or domain name not found. Name service "
		    "error for name=%s type=%s: Host not found, try again",
		    s->nh.name, s->mx_query ? "MX" : "A");
		smtp_dest_fail(s, "4.4.3", why.data);
		vbuf_free(&why);
	} break;
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

/* smtp_site_start - parse the current site, then look it up */

static void
smtp_site_start(struct smtp_session *s)
{
	struct vbuf why = VBUF_INIT;
	const char *site = s->sites[s->site];
	struct dns_addr lit;

	smtp_site_reset(s);
	if (smtp_nexthop_parse(site, var_smtp_tcp_port, &s->nh, &why) < 0) {
		struct vbuf reason = VBUF_INIT;

		msg_warn("%s: malformed nexthop \"%s\": %s", s->queue_id, site,
		    why.data);
		vbuf_printf(&reason, "malformed nexthop \"%s\": %s", site,
		    why.data);
		s->nh.name = mem_strdup(site);
		smtp_dest_fail(s, "4.3.5", reason.data);
		vbuf_free(&reason);
		vbuf_free(&why);
		return;
	}
	vbuf_free(&why);
	if (s->nh.bracketed || !smtp_derived.mx_lookups ||
	    dns_addr_literal(s->nh.host, DNS_INET_ALL, &lit)) {
		smtp_host_lookup(s);
	} else {
		smtp_enter_state(s, SMTP_ST_RESOLVE);
		s->mx_query = 1;
		s->dns = dns_query_mx(s->nh.host, smtp_on_mx, s);
	}
}

/* smtp_sites_add - append a destination list to the sites */

static void
smtp_sites_add(struct smtp_session *s, const char *list)
{
	const char *cp = list;

	while (*cp) {
		size_t len;

		cp += strspn(cp, ", \t\r\n");
		if ((len = strcspn(cp, ", \t\r\n")) == 0)
			break;
		s->sites =
		    mem_realloc(s->sites, (s->nsites + 2) * sizeof(*s->sites));
		s->sites[s->nsites++] = mem_strndup(cp, len);
		s->sites[s->nsites] = NULL;
		cp += len;
	}
}

/* smtp_session_start - open the queue file, then look up the nexthop */

void
smtp_session_start(struct smtp_session *s)
{
	struct vbuf why = VBUF_INIT;
	int rc;

	rc = smtp_queue_open(&s->q, s->queue_id, &why);
	if (rc == SMTP_QUEUE_LOCKED && ++s->lock_tries < SMTP_LOCK_TRIES) {
		struct timeval tv = {0, 100000};

		evtimer_add(s->timer, &tv);
		vbuf_free(&why);
		return;
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
		return;
	}
	vbuf_free(&why);
	s->queue_open = 1;
	if (s->times.arrival <= 0)
		s->times.arrival = s->q.arrival;

	smtp_sites_add(s, s->nexthop);
	if (s->nsites == 0)		 /* only separators */
		smtp_sites_add(s, "[]"); /* a parse error below */
	s->first_fallback = s->nsites;
	smtp_sites_add(s, var_smtp_fallback_relay);
	s->site = 0;
	smtp_site_start(s);
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
smtp_session_create(const struct attr_list *req, smtp_session_done_fn *done,
    void *ctx, struct vbuf *why)
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
	s->fd = -1;
	s->q.fd = s->q.rw_fd = -1;
	s->done = done;
	s->done_ctx = ctx;
	s->queue_id = mem_strdup(queue_id);
	s->nexthop = mem_strdup(nexthop);
	s->times.arrival = smtp_time_parse(attr_get(req, "arrival_time"));
	s->times.active = smtp_time_parse(attr_get(req, "active_time"));
	s->times.agent = smtp_now();
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
	s->timer = evtimer_new(server_base(), smtp_timer_event, s);
	s->done_ev = evtimer_new(server_base(), smtp_done_event, s);
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
	smtp_resolve_cancel(s);
	if (s->queue_open) {
		if (s->marked)
			(void)deliv_sync(s->q.rw_fd);
		smtp_queue_close(&s->q);
	}
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
	mem_free(s->addrs);
	mem_free(s->mx);
	for (size_t i = 0; i < s->nsites; i++)
		mem_free(s->sites[i]);
	mem_free(s->sites);
	smtp_nexthop_free(&s->nh);
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
