/*
 * NAME
 *	qmgr_deliver - one delivery request to a delivery agent
 * SYNOPSIS
 *	#include "qmgr.h"
 *
 *	void qmgr_deliver_init(struct event_base *base);
 *	void qmgr_deliver_start(struct qmgr_entry *e);
 * DESCRIPTION
 *	qmgr_deliver_start() opens a non-blocking UNIX stream connection
 *	to private/<transport> and sends one attribute block (attr(3)):
 *	queue_name=active, queue_id, transport, nexthop, arrival_time and
 *	active_time (SEC.USEC), then one rcpt=OFFSET<TAB>ORIG_RCPT<TAB>
 *	DSN_ORIG_RCPT<TAB>ADDRESS per recipient. The agent does the
 *	per-recipient bookkeeping and replies with one block: status=0 (all
 *	final) or 1 (some deferred), and hop_status=TEXT (optionally
 *	hop_dsn=X.Y.Z) for a site-level failure. The reply goes to
 *	qmgr_entry_done().
 *
 *	A full listen backlog (EAGAIN) puts the entry back and pauses the
 *	transport for a second. Any other failure to connect, a write
 *	that does not finish within qmgr_ipc_timeout, a connection that
 *	ends without a complete reply, a malformed reply, or no reply within
 *	QMGR_REPLY_TIMEOUT is a transport failure
 *	(qmgr_entry_transport_failure()).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <event2/event.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include "attr.h"
#include "ipc.h"
#include "mem.h"
#include "msg.h"
#include "qmgr.h"

#define QMGR_REPLY_TIMEOUT 7200 /* seconds; the agent has its own */
#define QMGR_REPLY_MAX (ATTR_LINE_MAX + 4096)

struct qmgr_deliver {
	struct qmgr_entry *entry;
	struct bufferevent *bev;
};

static struct event_base *qmgr_deliver_base;

void
qmgr_deliver_init(struct event_base *base)
{
	qmgr_deliver_base = base;
}

static void
qmgr_deliver_request(struct vbuf *out, const struct qmgr_entry *e)
{
	const struct qmgr_message *msg = e->msg;
	struct vbuf v = VBUF_INIT;
	size_t i;

	attr_put(out, "queue_name", "active");
	attr_put(out, "queue_id", msg->queue_id);
	attr_put(out, "transport", e->queue->transport->name);
	attr_put(out, "nexthop", e->queue->name);
	attr_putf(out, "arrival_time", "%ld.%06ld", msg->env.arrival_sec,
	    msg->env.arrival_usec);
	attr_putf(out, "active_time", "%ld.%06ld",
	    (long)msg->active_time.tv_sec, (long)msg->active_time.tv_usec);
	for (i = 0; i < e->rcpt_count; i++) {
		const struct qmgr_rcpt *r = e->rcpt[i];

		vbuf_reset(&v);
		vbuf_printf(&v, "%ld\t%s\t%s\t%s", r->offset, r->orig_rcpt,
		    r->dsn_orig_rcpt, r->address);
		attr_put(out, "rcpt", v.data);
	}
	attr_end(out);
	vbuf_free(&v);
}

static void
qmgr_deliver_free(struct qmgr_deliver *d)
{
	if (d->bev)
		bufferevent_free(d->bev);
	mem_free(d);
}

static void
qmgr_deliver_fail(struct qmgr_deliver *d, const char *why)
{
	struct qmgr_entry *e = d->entry;

	qmgr_deliver_free(d);
	qmgr_entry_transport_failure(e, why);
}

static void
qmgr_deliver_read(struct bufferevent *bev, void *ctx)
{
	struct qmgr_deliver *d = ctx;
	struct attr_list list = {0};
	const char *s;
	const char *bad;
	int got;
	char *hop = 0, *hop_dsn = 0;
	struct qmgr_entry *e;
	int status;
	char *end;

	if ((got = ipc_reply_parse(bev, QMGR_REPLY_MAX, &list, &bad)) < 0)
		qmgr_deliver_fail(d, bad);
	if (got <= 0)
		return;
	if ((s = attr_get(&list, "status")) == 0 ||
	    (status = (int)strtol(s, &end, 10), end == s || *end != 0)) {
		attr_list_free(&list);
		qmgr_deliver_fail(d, "reply without a valid status");
		return;
	}
	if ((s = attr_get(&list, "hop_status")) != 0 && *s)
		hop = mem_strdup(s);
	if ((s = attr_get(&list, "hop_dsn")) != 0 && *s)
		hop_dsn = mem_strdup(s);
	attr_list_free(&list);
	e = d->entry;
	qmgr_deliver_free(d);
	qmgr_entry_done(e, status != 0, hop, hop_dsn);
	mem_free(hop);
	mem_free(hop_dsn);
}

static void
qmgr_deliver_event(struct bufferevent *bev, short what, void *ctx)
{
	struct qmgr_deliver *d = ctx;
	struct vbuf why = VBUF_INIT;

	if (what & BEV_EVENT_TIMEOUT)
		vbuf_printf(&why, "timeout while %s",
		    (what & BEV_EVENT_READING) ? "waiting for the reply"
					       : "sending the request");
	else if (what & BEV_EVENT_EOF)
		vbuf_set(&why, "lost connection before the reply");
	else if (what & BEV_EVENT_ERROR)
		vbuf_printf(&why, "%s",
		    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
	else {
		vbuf_free(&why);
		return;
	}
	qmgr_deliver_fail(d, why.data);
	vbuf_free(&why);
}

void
qmgr_deliver_start(struct qmgr_entry *e)
{
	struct qmgr_transport *t = e->queue->transport;
	struct qmgr_deliver *d;
	struct vbuf req = VBUF_INIT;
	struct vbuf why = VBUF_INIT;
	struct ipc_events how = {qmgr_deliver_read, 0, qmgr_deliver_event,
	    QMGR_REPLY_TIMEOUT, var_qmgr_ipc_timeout};

	d = mem_calloc(1, sizeof(*d));
	d->entry = e;
	if ((d->bev = ipc_bufferevent_connect(qmgr_deliver_base, "private",
		 t->name, &how, d, &why)) == 0) {
		if (errno == EAGAIN) {
			qmgr_entry_requeue(e);
		} else if (errno == ENAMETOOLONG) {
			qmgr_entry_transport_failure(e,
			    "transport name too long");
		} else {
			/* Postfix's qmgr_transport.c wording. */
			msg_warn("connect to transport private/%s: %s", t->name,
			    strerror(errno));
			qmgr_entry_transport_failure(e, NULL);
		}
		mem_free(d);
		vbuf_free(&why);
		return;
	}
	qmgr_deliver_request(&req, e);
	/* Writing is enabled from the start: enabling it again would
	 * arm a write event for nothing (two epoll_ctl() calls). */
	if (bufferevent_enable(d->bev, EV_READ) < 0 ||
	    ipc_write(d->bev, req.data, req.len) < 0) {
		vbuf_free(&req);
		qmgr_deliver_fail(d, "cannot queue the request");
		return;
	}
	vbuf_free(&req);
}
