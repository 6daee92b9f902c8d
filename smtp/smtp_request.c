/*
 * smtp_request - the qmgr side of the delivery protocol; see smtp.h and
 * docs/architecture.md "Internal protocols".
 *
 * Each accepted connection carries exactly one request: one attribute
 * block, read within SMTP_REQUEST_TIMEOUT and at most
 * SMTP_REQUEST_MAX bytes. After it, reading stops; the session runs;
 * its completion (after every result is logged and the queue file is
 * synced) sends the one reply block, and the connection is closed once
 * the reply is written or SMTP_REQUEST_TIMEOUT passes. A malformed
 * request gets a warning and "status=1": nothing was done, so qmgr
 * keeps every recipient for a later attempt.
 */
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "attr.h"
#include "ipc.h"
#include "mem.h"
#include "msg.h"
#include "ring.h"
#include "server.h"
#include "smtp.h"

#define SMTP_REQUEST_TIMEOUT 60		   /* seconds, each direction */
#define SMTP_REQUEST_MAX (4 * 1024 * 1024) /* bytes */

struct smtp_request {
	struct bufferevent *bev;
	struct smtp_session *session;
	int replying;
	struct ring ring; /* in smtp_requests */
};

static struct ring smtp_requests = RING_INIT(smtp_requests);

static void
smtp_request_free(struct smtp_request *r)
{
	ring_detach(&r->ring);
	r->session = smtp_session_free(r->session);
	if (r->bev)
		bufferevent_free(r->bev);
	mem_free(r);
}

/* smtp_request_reply - send the one reply block, then close */

static void
smtp_request_reply(struct smtp_request *r, int status, const char *hop_status,
    const char *hop_dsn)
{
	struct vbuf out = VBUF_INIT;
	struct timeval tv = {SMTP_REQUEST_TIMEOUT, 0};

	attr_putf(&out, "status", "%d", status);
	if (hop_status && *hop_status) {
		attr_put(&out, "hop_status", hop_status);
		if (hop_dsn && *hop_dsn)
			attr_put(&out, "hop_dsn", hop_dsn);
	}
	attr_end(&out);
	r->replying = 1;
	bufferevent_set_timeouts(r->bev, NULL, &tv);
	bufferevent_disable(r->bev, EV_READ); /* writing stays enabled */
	(void)ipc_write(r->bev, out.data, out.len);
	vbuf_free(&out);
}

static void
smtp_request_done(struct smtp_session *s, int status, const char *hop_status,
    const char *hop_dsn, void *ctx)
{
	smtp_request_reply((struct smtp_request *)ctx, status, hop_status,
	    hop_dsn);
}

static void
smtp_request_read(struct bufferevent *bev, void *ctx)
{
	struct smtp_request *r = ctx;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t len = evbuffer_get_length(in);
	struct attr_list list = {0};
	struct vbuf why = VBUF_INIT;
	long n;

	if (r->session || r->replying) { /* one request only */
		evbuffer_drain(in, len);
		return;
	}
	n = attr_parse((const char *)evbuffer_pullup(in, -1), len, &list);
	if (n == 0) {
		if (len > SMTP_REQUEST_MAX) {
			msg_warn("delivery request too long");
			smtp_request_free(r);
		}
		return;
	}
	if (n < 0) {
		msg_warn("malformed delivery request");
		attr_list_free(&list);
		smtp_request_reply(r, 1, NULL, NULL);
		return;
	}
	evbuffer_drain(in, (size_t)n);
	bufferevent_disable(bev, EV_READ);
	bufferevent_set_timeouts(bev, NULL, NULL);
	smtp_generic_refresh();
	smtp_tls_refresh();
	smtp_sasl_refresh();
	r->session = smtp_session_create(server_base(), &list,
	    smtp_request_done, r, &why);
	attr_list_free(&list);
	if (r->session == NULL) {
		msg_warn("malformed delivery request: %s", why.data);
		vbuf_free(&why);
		smtp_request_reply(r, 1, NULL, NULL);
		return;
	}
	vbuf_free(&why);
	smtp_session_start(r->session);
}

static void
smtp_request_written(struct bufferevent *bev, void *ctx)
{
	struct smtp_request *r = ctx;

	if (r->replying &&
	    evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		smtp_request_free(r);
}

static void
smtp_request_event(struct bufferevent *bev, short what, void *ctx)
{
	struct smtp_request *r = ctx;

	if (r->session && !r->replying) {
		/* qmgr went away mid-delivery: finish anyway, drop the reply.
		 */
		if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
			bufferevent_disable(bev, EV_READ | EV_WRITE);
		return;
	}
	if (what & BEV_EVENT_TIMEOUT)
		msg_warn("timeout on the delivery request connection");
	smtp_request_free(r);
}

/* smtp_request_active - deliveries in progress (for a draining agent) */

int
smtp_request_active(void)
{
	return ring_count(&smtp_requests);
}

void
smtp_request_accept(int fd)
{
	struct smtp_request *r = mem_calloc(1, sizeof(*r));
	struct ipc_events how = {smtp_request_read, smtp_request_written,
	    smtp_request_event, SMTP_REQUEST_TIMEOUT, 0};

	if ((r->bev = ipc_bufferevent(server_base(), fd, &how, r)) == NULL)
		msg_fatal("cannot create bufferevent");
	ring_prepend(&smtp_requests, &r->ring);
	bufferevent_setwatermark(r->bev, EV_READ, 0, SMTP_REQUEST_MAX + 1);
	bufferevent_enable(r->bev, EV_READ);
}

void
smtp_request_stop_all(void)
{
	struct ring *e;

	while ((e = ring_first(&smtp_requests)) != NULL)
		smtp_request_free(RING_ENTRY(e, struct smtp_request, ring));
}
