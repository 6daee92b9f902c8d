/*
 * smtpd_cleanup - a session's connection to the cleanup service (util/ipc,
 * util/enqueue): opened at the first accepted RCPT, the envelope and
 * content go as queue-file records, and the Received: header as cleanup's
 * trace_header attribute. cleanup replies with the queue ID once the file
 * exists, then with the final status. The records made during one turn
 * of the event loop (the envelope and a recipient, the content of one
 * read) go to cleanup together, from an event activated by the first of
 * them: one write to the socket instead of a write event to arm, wait
 * for and disarm (util/ipc's ipc_write()). The start of the content (the
 * Received: header and the 'M' record, made at DATA) waits for the first
 * content, so cleanup is woken once less per message.
 *
 * "sendmail -bs" (smtpd -S) runs with the user's privileges and cannot
 * reach public/cleanup: as Postfix's stand-alone smtpd it submits through
 * postdrop (util/enqueue's enqueue_postdrop(), the same protocol: the
 * queue ID of maildrop/ID first, the final status after 'E'). Only what a
 * user may submit is sent: no client attributes, and the Received: header
 * as the first content lines (pickup adds its own "from userid" header).
 */
#include <errno.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "smtpd.h"
#include "enqueue.h"
#include "header.h"
#include "ipc.h"
#include "msg.h"
#include "param.h"
#include "qfile.h"
#include "mem.h"
#include "metrics.h"
#include "qid.h"
#include "vbuf.h"

static void resume_later(struct smtpd_session *s);

/* cleanup_flush - hand the records made this turn to the connection */

static void
cleanup_flush(evutil_socket_t fd, short what, void *ctx)
{
	struct smtpd_session *s = ctx;

	(void)fd;
	(void)what;
	if (s->state == SS_DATA && s->size == 0)
		return; /* with the first content */
	if (s->cbev && s->cpend.len > 0)
		(void)ipc_write(s->cbev, s->cpend.data, s->cpend.len);
	vbuf_reset(&s->cpend);
}

/* cleanup_pending - where the next record goes (the flush is armed; an
 * event already active stays as it is) */

static struct vbuf *
cleanup_pending(struct smtpd_session *s)
{
	event_active(s->cflush, EV_TIMEOUT, 0);
	return (&s->cpend);
}

void
smtpd_cleanup_send(struct smtpd_session *s, int type, const void *data,
    size_t len)
{
	if (s->cbev == NULL)
		return;
	enqueue_rec(cleanup_pending(s), type, data, len);
}

void
smtpd_cleanup_sendf(struct smtpd_session *s, int type, const char *fmt, ...)
{
	va_list ap;

	if (s->cbev == NULL)
		return;
	va_start(ap, fmt);
	enqueue_vrecf(cleanup_pending(s), type, fmt, ap);
	va_end(ap);
}

void
smtpd_cleanup_close(struct smtpd_session *s)
{
	int status;

	if (s->cbev) {
		bufferevent_free(s->cbev);
		s->cbev = NULL;
	}
	if (s->cflush) {
		event_free(s->cflush);
		s->cflush = NULL;
	}
	vbuf_reset(&s->cpend);
	/* postdrop exits after its reply, or at once when we close early;
	 * one not gone yet is reaped with the process. */
	if (s->postdrop_pid > 0)
		(void)waitpid(s->postdrop_pid, &status, WNOHANG);
	s->postdrop_pid = 0;
}

/* The envelope records that start every message. */
void
smtpd_cleanup_envelope(struct smtpd_session *s)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	smtpd_cleanup_sendf(s, REC_TYPE_TIME, "%ld %ld", (long)tv.tv_sec,
	    (long)tv.tv_usec);
	smtpd_cleanup_sendf(s, REC_TYPE_ATTR, "rewrite_context=%s",
	    s->stdio || smtpd_check_mynetworks(&s->ss) ? "local" : "remote");
	smtpd_cleanup_send(s, REC_TYPE_FROM, s->sender, strlen(s->sender));
	if (s->encoding)
		smtpd_cleanup_sendf(s, REC_TYPE_ATTR, "encoding=%s",
		    s->encoding);
	if (s->envid)
		smtpd_cleanup_sendf(s, REC_TYPE_ATTR, "envelope_id=%s",
		    s->envid);
	if (s->ret)
		smtpd_cleanup_sendf(s, REC_TYPE_ATTR, "ret_flags=%d", s->ret);
	if (s->stdio)
		return; /* postdrop: nothing a user may not set */
	smtpd_cleanup_sendf(s, REC_TYPE_ATTR, "log_client_name=%s", s->name);
	smtpd_cleanup_sendf(s, REC_TYPE_ATTR, "log_client_address=%s", s->addr);
	smtpd_cleanup_sendf(s, REC_TYPE_ATTR, "log_client_port=%s", s->port);
	smtpd_cleanup_sendf(s, REC_TYPE_ATTR, "log_message_origin=%s",
	    s->namaddr);
	if (s->helo)
		smtpd_cleanup_sendf(s, REC_TYPE_ATTR, "log_helo_name=%s",
		    s->helo);
	smtpd_cleanup_sendf(s, REC_TYPE_ATTR, "log_protocol_name=%s",
	    s->esmtp ? "ESMTP" : "SMTP");
	smtpd_cleanup_sendf(s, REC_TYPE_ATTR, "client_name=%s", s->name);
	smtpd_cleanup_sendf(s, REC_TYPE_ATTR, "reverse_client_name=%s",
	    s->rname);
	smtpd_cleanup_sendf(s, REC_TYPE_ATTR, "client_address=%s", s->addr);
	smtpd_cleanup_sendf(s, REC_TYPE_ATTR, "client_port=%s", s->port);
	smtpd_cleanup_sendf(s, REC_TYPE_ATTR, "server_address=%s", s->saddr);
	smtpd_cleanup_sendf(s, REC_TYPE_ATTR, "server_port=%s", s->sport);
	if (s->helo)
		smtpd_cleanup_sendf(s, REC_TYPE_ATTR, "helo_name=%s", s->helo);
	smtpd_cleanup_sendf(s, REC_TYPE_ATTR, "protocol_name=%s",
	    s->esmtp ? "ESMTP" : "SMTP");
	smtpd_cleanup_sendf(s, REC_TYPE_ATTR, "client_address_type=%d",
	    s->ss.ss_family == AF_INET6 ? 10 : 2);
	smtpd_cleanup_sendf(s, REC_TYPE_ATTR, "log_origin=%s", s->namaddr);
}

/*
 * The cleanup connection failed. Never leave DATA early: the rest of the
 * client's content must not be read as commands. The transaction is marked
 * failed and the client learns it at DATA or at the end of DATA.
 */
static void
cleanup_fail(struct smtpd_session *s, const char *why)
{
	msg_warn("%s: cleanup service: %s (client %s)",
	    s->qid[0] ? s->qid : "NOQUEUE", why, s->namaddr);
	smtpd_cleanup_close(s);
	if (s->state == SS_WAIT_QID) {
		/* As when cleanup cannot be reached at all: this recipient is
		 * refused, a later one tries again with a new connection. */
		if (--s->nrcpt == 0)
			s->first_rcpt = mem_free(s->first_rcpt);
		smtpd_enter_state(s, SS_CMD);
		smtpd_error_reply(s, "451 4.3.0 Error: queue file write error");
		resume_later(s);
		return;
	}
	s->failed = 1;
	if (s->state == SS_WAIT_QUEUED) {
		smtpd_reply(s, "451 4.3.0 Error: queue file write error");
		smtpd_transaction_reset(s);
		smtpd_enter_state(s, SS_CMD);
		smtpd_client_resume(s);
	} else if (s->state == SS_DATA &&
	    !(bufferevent_get_enabled(s->bev) & EV_READ)) {
		/* Paused for cleanup's backlog: nothing else would ever resume
		 * the client. Read and drop the rest; data_end() answers 451.
		 */
		smtpd_client_resume(s);
	}
}

/* SMTP reply for a cleanup refusal, after Postfix's cleanup_strerror(). */
static void
cleanup_refusal(struct smtpd_session *s, int status, const char *why)
{
	msg_info("%s: reject: cleanup from %s: %s",
	    s->qid[0] ? s->qid : "NOQUEUE", s->namaddr,
	    why ? why : "(no reason)");
	/* 451 below, else a 5xx refusal */
	metrics_reject(status < 0 || status == 75 || why == NULL ? 451 : 550);
	if (status < 0 || status == 75 || why == NULL)
		smtpd_reply(s, "451 4.3.0 Error: queue file write error");
	else if (strstr(why, "too big"))
		smtpd_reply(s, "552 5.3.4 Error: message file too big");
	else if (strstr(why, "too many hops"))
		smtpd_reply(s, "554 5.4.0 Error: too many hops");
	else if (strstr(why, "header"))
		smtpd_reply(s,
		    "552 5.6.0 Error: message header size exceeds limit");
	else
		smtpd_reply(s, "550 5.7.1 Error: message content rejected");
}

/*
 * The client is read again after a wait for cleanup. Called from a cleanup
 * callback, so the client's pending input is processed from the event loop
 * (a deferred read callback), never from here: that could end the session
 * and free the cleanup connection under its own callback.
 */
static void
resume_later(struct smtpd_session *s)
{
	if (s->delay_pending)
		return; /* delay_done() resumes */
	bufferevent_enable(s->bev, EV_READ);
	bufferevent_trigger(s->bev, EV_READ,
	    BEV_TRIG_IGNORE_WATERMARKS | BEV_TRIG_DEFER_CALLBACKS);
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
	if (s->state == SS_WAIT_QID && s->qid[0]) {
		/* Until the end of DATA cleanup says nothing more. */
		struct timeval tv = {CLEANUP_TIMEOUT, 0};
		bufferevent_set_timeouts(s->cbev, NULL, &tv);
		smtpd_enter_state(s, SS_CMD);
		s->ok[C_RCPT]++;
		smtpd_reply(s, "250 2.1.5 Ok");
		resume_later(s);
	}
}

void
smtpd_cleanup_await_qid(struct smtpd_session *s)
{
	struct timeval tv = {CLEANUP_TIMEOUT, 0};

	bufferevent_set_timeouts(s->cbev, &tv, &tv);
	smtpd_enter_state(s, SS_WAIT_QID);
	smtpd_client_pause(s);
}

/* cleanup's final reply, after the end of the content. */
static void
cleanup_done(struct smtpd_session *s, const struct enqueue_reply *r)
{
	if (s->state != SS_WAIT_QUEUED) {
		cleanup_fail(s, "unexpected reply");
		return;
	}
	if (r->status == 0 && r->queue_id && qid_ok(r->queue_id) &&
	    strlen(r->queue_id) < sizeof(s->qid)) {
		queue_id_known(s, r->queue_id);
		s->ok[C_DATA]++;
		smtpd_reply(s, "250 2.0.0 Ok: queued as %s", s->qid);
	} else {
		cleanup_refusal(s, r->status, r->reason);
	}
	smtpd_transaction_reset(s);
	smtpd_enter_state(s, SS_CMD);
	smtpd_client_resume(s);
}

/* The queue ID block (at the first record), then the final block; both
 * may come in one read. */
static void
cleanup_read(struct bufferevent *cbev, void *ctx)
{
	struct smtpd_session *s = ctx;
	struct evbuffer *in = bufferevent_get_input(cbev);
	struct enqueue_reply r = ENQUEUE_REPLY_INIT;
	size_t used;
	int what;

	while ((what = enqueue_reply_parse(&r, evbuffer_pullup(in, -1),
		    evbuffer_get_length(in), &used)) == ENQUEUE_QUEUE_ID) {
		evbuffer_drain(in, used);
		queue_id_known(s, r.queue_id);
		enqueue_reply_free(&r);
	}
	evbuffer_drain(in, used);
	if (what == ENQUEUE_BAD)
		cleanup_fail(s, "malformed reply");
	else if (what == ENQUEUE_DONE)
		cleanup_done(s, &r);
	enqueue_reply_free(&r);
}

static void
cleanup_write(struct bufferevent *cbev, void *ctx)
{
	struct smtpd_session *s = ctx;
	/* Output drained below the low-water mark: the client may go on. */
	if (s->state == SS_DATA && !(bufferevent_get_enabled(s->bev) & EV_READ))
		smtpd_client_resume(s);
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

/* sendmail -bs: run postdrop as the user, with the cleanup protocol. */
static struct bufferevent *
cleanup_postdrop(struct smtpd_session *s, const struct ipc_events *how,
    struct vbuf *why)
{
	const char *dir = param_config_dir();
	struct bufferevent *bev;
	int fd;

	vbuf_reset(why);
	vbuf_printf(why, "%s/postdrop", var_command_directory);
	if (strcmp(dir, param_builtin_config_dir()) == 0)
		dir = NULL;
	if ((fd = enqueue_postdrop(why->data, dir, msg_verbose,
		 &s->postdrop_pid)) < 0 ||
	    (bev = ipc_bufferevent(smtpd_event_base(), fd, how, s)) == NULL) {
		vbuf_printf(why, ": %s", strerror(errno));
		return NULL;
	}
	return bev;
}

int
smtpd_cleanup_open(struct smtpd_session *s)
{
	struct vbuf why = VBUF_INIT;
	/* cleanup says nothing until the end of DATA: only writes are timed
	 * now; data_end() arms the read timeout. */
	struct ipc_events how = {cleanup_read, cleanup_write, cleanup_event, 0,
	    CLEANUP_TIMEOUT};

	if (s->stdio)
		s->cbev = cleanup_postdrop(s, &how, &why);
	else
		s->cbev = ipc_bufferevent_connect(smtpd_event_base(), "public",
		    var_cleanup_service_name, &how, s, &why);
	if (s->cbev == NULL) {
		msg_warn("%s", vbuf_str(&why));
		vbuf_free(&why);
		return -1;
	}
	vbuf_free(&why);
	if ((s->cflush = event_new(smtpd_event_base(), -1, 0, cleanup_flush,
		 s)) == NULL) {
		msg_warn("cleanup service: cannot create an event");
		smtpd_cleanup_close(s);
		return -1;
	}
	bufferevent_setwatermark(s->cbev, EV_WRITE, CLEANUP_HIWAT / 4, 0);
	bufferevent_enable(s->cbev, EV_READ); /* writing: on from the start */
	return 0;
}

/* sendmail -bs: the Received: header as content, one record a line. */
static void
received_lines(struct smtpd_session *s, const char *text)
{
	const char *nl;

	while ((nl = strchr(text, '\n')) != NULL) {
		smtpd_cleanup_send(s, REC_TYPE_NORM, text, (size_t)(nl - text));
		text = nl + 1;
	}
	smtpd_cleanup_send(s, REC_TYPE_NORM, text, strlen(text));
}

/* The start of the content: the Received: header, as cleanup's
 * trace_header attribute before the 'M' record (or, for postdrop, as the
 * first content lines after it). */
void
smtpd_cleanup_received(struct smtpd_session *s)
{
	struct vbuf dbuf = VBUF_INIT;
	/* RFC 3848, as Postfix writes it: "with ESMTPS" over TLS. */
	const char *proto = s->esmtp ? (s->tls ? "ESMTPS" : "ESMTP") : "SMTP";
	/* DATA comes after the first recipient's 250, which waited for the
	 * queue ID (smtpd_cleanup_await_qid()). */
	const char *id = s->qid;

	struct vbuf hdr = VBUF_INIT;

	header_date(&dbuf, time(NULL));
	const char *date = vbuf_str(&dbuf);
	vbuf_puts(&hdr, s->stdio ? "" : "trace_header=");
	if (s->nrcpt == 1)
		vbuf_printf(&hdr,
		    "Received: from %s (%s [%s])\n"
		    "\tby %s (%s) with %s id %s\n\tfor <%s>; %s",
		    s->helo ? s->helo : s->name, s->name, s->addr,
		    var_myhostname, var_mail_name, proto, id, s->first_rcpt,
		    date);
	else
		vbuf_printf(&hdr,
		    "Received: from %s (%s [%s])\n"
		    "\tby %s (%s) with %s id %s;\n\t%s",
		    s->helo ? s->helo : s->name, s->name, s->addr,
		    var_myhostname, var_mail_name, proto, id, date);
	if (s->stdio) {
		smtpd_cleanup_send(s, REC_TYPE_MESG, "", 0);
		received_lines(s, hdr.data);
	} else {
		smtpd_cleanup_send(s, REC_TYPE_ATTR, hdr.data, hdr.len);
		smtpd_cleanup_send(s, REC_TYPE_MESG, "", 0);
	}
	vbuf_free(&hdr);
	vbuf_free(&dbuf);
}

int
smtpd_cleanup_congested(struct smtpd_session *s)
{
	return s->cbev &&
	    s->cpend.len +
		evbuffer_get_length(bufferevent_get_output(s->cbev)) >
	    CLEANUP_HIWAT;
}

/* The end of the content: the last records, then cleanup's reply is
 * awaited (now with a read timeout too). */
void
smtpd_cleanup_finish(struct smtpd_session *s)
{
	smtpd_cleanup_send(s, REC_TYPE_XTRA, "", 0);
	smtpd_cleanup_send(s, REC_TYPE_END, "", 0);
	struct timeval tv = {CLEANUP_TIMEOUT, 0};
	bufferevent_set_timeouts(s->cbev, &tv, &tv);
}
