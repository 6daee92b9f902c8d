/*
 * showq_service - the showq daemon's connections; see showq.h.
 *
 * Implementation notes. Each client has its own walk over the queues
 * (showq_scan(3)) and its output buffer. Whenever the buffer has drained
 * below SHOWQ_FILL_LOW bytes, the write callback reads more queue files
 * and encodes them until it holds SHOWQ_FILL bytes again, so a process
 * serves any number of clients, each with memory for one message and
 * that window, however large the queue; a client that reads slowly only
 * slows its own walk. A client that stops reading altogether is dropped
 * after ipc_timeout seconds without progress (the bufferevent's write
 * timeout; there is no read timeout, since clients send nothing).
 * Anything a client sends is discarded. After the end marker has been
 * written the connection is closed. A queue directory that cannot be
 * read ends the connection without the end marker, so the client reports
 * a broken listing instead of showing an incomplete one.
 */
#include <errno.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "ipc.h"
#include "mem.h"
#include "msg.h"
#include "param.h"
#include "ring.h"
#include "showq_proto.h" /* and util/showq.h, the queue reader */
#include "vbuf.h"
#include "showq.h" /* this directory's: the daemon's own interface */

/* The parameters showq reads; server_main() binds them (showq.c). */
const struct param_var showq_params[] = {
    PARAM_VAR(ipc_timeout),
    PARAM_VAR_END,
};

struct showq_conn {
	struct ring ring;
	struct bufferevent *bev;
	struct showq_scan *scan;
	int done; /* end marker queued */
};

static struct event_base *showq_base;
static struct ring showq_conns = RING_INIT(showq_conns);
static struct vbuf showq_enc; /* one message, encoded */

/* conn_free - forget a client */

static void
conn_free(struct showq_conn *c)
{
	ring_detach(&c->ring);
	bufferevent_free(c->bev);
	showq_scan_close(c->scan);
	mem_free(c);
}

/* conn_msg - showq_fn: encode one message into the client's output */

static int
conn_msg(const struct showq_msg *msg, void *ctx)
{
	struct evbuffer *out = ctx;

	vbuf_reset(&showq_enc);
	showq_proto_msg(&showq_enc, msg);
	evbuffer_add(out, showq_enc.data, showq_enc.len);
	return (0);
}

/* conn_fill - more of the listing, up to SHOWQ_FILL bytes; -1 on error */

static int
conn_fill(struct showq_conn *c)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	struct vbuf why = VBUF_INIT;
	int fn_ret;
	int status = SHOWQ_SCAN_MORE;

	while (!c->done && evbuffer_get_length(out) < SHOWQ_FILL) {
		status = showq_scan_next(c->scan, conn_msg, out, &fn_ret, &why);
		if (status == SHOWQ_SCAN_ERR) {
			msg_warn("%s", vbuf_str(&why));
			break;
		}
		if (status == SHOWQ_SCAN_END) {
			vbuf_reset(&showq_enc);
			showq_proto_end(&showq_enc);
			evbuffer_add(out, showq_enc.data, showq_enc.len);
			c->done = 1;
		}
	}
	vbuf_free(&why);
	return (status == SHOWQ_SCAN_ERR ? -1 : 0);
}

/* conn_write - the output drained: refill, or close when all is sent */

static void
conn_write(struct bufferevent *bev, void *ctx)
{
	struct showq_conn *c = ctx;

	if (c->done) {
		if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
			conn_free(c);
		return;
	}
	if (conn_fill(c) < 0)
		conn_free(c);
}

/* conn_read - clients send nothing; discard it */

static void
conn_read(struct bufferevent *bev, void *ctx)
{
	struct evbuffer *in = bufferevent_get_input(bev);

	(void)ctx;
	evbuffer_drain(in, evbuffer_get_length(in));
}

/* conn_event - the client left, or stopped reading */

static void
conn_event(struct bufferevent *bev, short what, void *ctx)
{
	struct showq_conn *c = ctx;

	(void)bev;
	if (what & BEV_EVENT_TIMEOUT)
		msg_warn("timeout sending the queue listing to a client");
	conn_free(c);
}

/* showq_service_accept - one client */

void
showq_service_accept(int fd)
{
	struct showq_conn *c = mem_calloc(1, sizeof(*c));
	struct ipc_events how = {conn_read, conn_write, conn_event, 0,
	    (int)var_ipc_timeout};

	if ((c->bev = ipc_bufferevent(showq_base, fd, &how, c)) == 0) {
		msg_warn("cannot create bufferevent for client");
		mem_free(c);
		return;
	}
	ring_prepend(&showq_conns, &c->ring);
	c->scan = showq_scan_open(0);
	bufferevent_setwatermark(c->bev, EV_WRITE, SHOWQ_FILL_LOW, 0);
	vbuf_reset(&showq_enc);
	showq_proto_hello(&showq_enc);
	evbuffer_add(bufferevent_get_output(c->bev), showq_enc.data,
	    showq_enc.len);
	if (conn_fill(c) < 0) {
		conn_free(c);
		return;
	}
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

/* showq_service_init - after privileges are dropped */

void
showq_service_init(struct event_base *base)
{
	showq_base = base;
}

/* showq_service_stop - drop every client */

void
showq_service_stop(void)
{
	struct ring *r;

	while ((r = ring_first(&showq_conns)) != 0)
		conn_free(RING_ENTRY(r, struct showq_conn, ring));
	vbuf_free(&showq_enc);
}

/* showq_service_active - clients in progress (for a drain on reload) */

int
showq_service_active(void)
{
	return (ring_count(&showq_conns));
}
