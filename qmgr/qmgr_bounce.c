/*
 * NAME
 *	qmgr_bounce - ask the bounce service for a notice
 * SYNOPSIS
 *	#include "qmgr.h"
 *
 *	void qmgr_bounce_request(struct qmgr_message *msg,
 *			const char *request, const char *log,
 *			qmgr_bounce_done_fn *done);
 * DESCRIPTION
 *	qmgr_bounce_request() opens a non-blocking connection to
 *	private/$bounce_service_name and sends one attribute block: request
 *(flush or warn), queue_id, log (flush: "bounce" or "defer") and sender. The
 *	reply (status=0, or status=1 with reason) is awaited in the event
 *	loop; done(msg, result) is then called exactly once, possibly
 *	before qmgr_bounce_request() returns, with QMGR_BOUNCE_OK (the
 *	notice was sent or there was nothing to send), QMGR_BOUNCE_NONE
 *	(there is no bounce service: its socket does not exist) or
 *	QMGR_BOUNCE_FAIL (any other failure: refused connection, timeout,
 *	lost connection, malformed reply, status other than 0; a warning
 *	names it). The message must stay in core until done runs.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <event2/event.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include "attr.h"
#include "ipc.h"
#include "mem.h"
#include "msg.h"
#include "param.h"
#include "qmgr.h"

#define QMGR_BOUNCE_TIMEOUT 300 /* seconds for the reply */
#define QMGR_BOUNCE_REPLY_MAX (ATTR_LINE_MAX + 4096)

/* Bound at the first request (the daemon's table is qmgr_param.c's). */

static const struct param_var qmgr_bounce_params[] = {
    PARAM_VAR(bounce_service_name),
    PARAM_VAR_END,
};

struct qmgr_bounce {
	struct qmgr_message *msg;
	qmgr_bounce_done_fn *done;
	struct bufferevent *bev;
	char *request;
};

static void
qmgr_bounce_finish(struct qmgr_bounce *b, int result, const char *why)
{
	struct qmgr_message *msg = b->msg;
	qmgr_bounce_done_fn *done = b->done;

	if (result == QMGR_BOUNCE_FAIL)
		msg_warn("%s: sender %s notification failed: %s", msg->queue_id,
		    strcmp(b->request, "warn") == 0 ? "delay" : "non-delivery",
		    why);
	if (b->bev)
		bufferevent_free(b->bev);
	mem_free(b->request);
	mem_free(b);
	done(msg, result);
}

static void
qmgr_bounce_read(struct bufferevent *bev, void *ctx)
{
	struct qmgr_bounce *b = ctx;
	struct attr_list list = {0};
	struct vbuf why = VBUF_INIT;
	const char *status;
	const char *reason;
	const char *bad;
	int got;

	if ((got = ipc_reply_parse(bev, QMGR_BOUNCE_REPLY_MAX, &list, &bad)) <
	    0)
		qmgr_bounce_finish(b, QMGR_BOUNCE_FAIL, bad);
	if (got <= 0)
		return;
	status = attr_get(&list, "status");
	reason = attr_get(&list, "reason");
	if (status != 0 && strcmp(status, "0") == 0) {
		attr_list_free(&list);
		qmgr_bounce_finish(b, QMGR_BOUNCE_OK, "");
		return;
	}
	vbuf_printf(&why, "bounce service: %s",
	    reason	 ? reason
		: status ? "failed"
			 : "reply without a status");
	attr_list_free(&list);
	qmgr_bounce_finish(b, QMGR_BOUNCE_FAIL, why.data);
	vbuf_free(&why);
}

static void
qmgr_bounce_event(struct bufferevent *bev, short what, void *ctx)
{
	struct qmgr_bounce *b = ctx;
	struct vbuf why = VBUF_INIT;

	if (what & BEV_EVENT_TIMEOUT)
		vbuf_printf(&why, "timeout while %s the bounce service",
		    (what & BEV_EVENT_READING) ? "waiting for" : "writing to");
	else if (what & BEV_EVENT_EOF)
		vbuf_set(&why, "lost connection with the bounce service");
	else if (what & BEV_EVENT_ERROR)
		vbuf_printf(&why, "bounce service: %s",
		    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
	else {
		vbuf_free(&why);
		return;
	}
	qmgr_bounce_finish(b, QMGR_BOUNCE_FAIL, why.data);
	vbuf_free(&why);
}

void
qmgr_bounce_request(struct qmgr_message *msg, const char *request,
    const char *log, qmgr_bounce_done_fn *done)
{
	struct qmgr_bounce *b;
	struct vbuf req = VBUF_INIT;
	struct vbuf why = VBUF_INIT;
	struct ipc_events how = {qmgr_bounce_read, 0, qmgr_bounce_event,
	    QMGR_BOUNCE_TIMEOUT, var_qmgr_ipc_timeout};

	b = mem_calloc(1, sizeof(*b));
	b->msg = msg;
	b->done = done;
	b->request = mem_strdup(request);
	if (var_bounce_service_name == 0)
		param_bind(qmgr_bounce_params);
	if ((b->bev = ipc_bufferevent_connect(qmgr_base(), "private",
		 var_bounce_service_name, &how, b, &why)) == 0) {
		qmgr_bounce_finish(b,
		    errno == ENOENT ? QMGR_BOUNCE_NONE : QMGR_BOUNCE_FAIL,
		    why.data);
		vbuf_free(&why);
		return;
	}
	attr_put(&req, "request", request);
	attr_put(&req, "queue_id", msg->queue_id);
	if (log)
		attr_put(&req, "log", log);
	attr_put(&req, "sender", msg->env.sender);
	attr_end(&req);
	if (bufferevent_enable(b->bev, EV_READ | EV_WRITE) < 0 ||
	    ipc_write(b->bev, req.data, req.len) < 0) {
		vbuf_free(&req);
		qmgr_bounce_finish(b, QMGR_BOUNCE_FAIL,
		    "cannot queue the request");
		return;
	}
	vbuf_free(&req);
}
