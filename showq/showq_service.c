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
 *
 * A big queue is read faster on every processor: each client is first
 * offered to a listing process of its own (up to SHOWQ_CHILD_MAX at a
 * time), forked from the daemon, which walks the queues with
 * showq_par_walk(3) (one worker per processor, each a share of every
 * queue) and writes the same stream to the client with blocking writes
 * bounded by a send timeout of ipc_timeout seconds, then exits; the
 * daemon closes its copy of the connection at once and reaps the
 * process on SIGCHLD. Messages of one queue then come in no particular
 * order (Postfix's showq promises none either: directory order). When
 * the limit is reached, or fork() fails, the client is served by the
 * event-driven walk above.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "ipc.h"
#include "mem.h"
#include "msg.h"
#include "param.h"
#include "ring.h"
#include "showq_par.h"
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

#define SHOWQ_CHILD_MAX 4 /* listing processes at a time */

static struct event_base *showq_base;
static struct event *showq_chld_ev;
static int showq_children; /* listing processes not yet reaped */
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

/* child_emit - showq_par_emit: all of a piece to the client, or -1 */

static int
child_emit(const char *data, size_t len, void *ctx)
{
	int fd = *(int *)ctx;
	int ms = var_ipc_timeout > 0 && var_ipc_timeout < INT_MAX / 1000
	    ? (int)var_ipc_timeout * 1000
	    : 3600 * 1000;
	struct pollfd pfd = {fd, POLLOUT, 0};
	ssize_t n;
	int ready;

	/* ipc_timeout without progress ends the listing (as the loop's). */
	while (len > 0) {
		if ((ready = poll(&pfd, 1, ms)) < 0 && errno == EINTR)
			continue;
		if (ready == 0) {
			msg_warn("timeout sending the queue listing to a "
				 "client");
			return (-1);
		}
		if (ready < 0)
			return (-1);
		if ((n = write(fd, data, len)) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return (-1);
		}
		data += n;
		len -= (size_t)n;
	}
	return (0);
}

/* child_fmt - showq_par_fmt: one message in the showq protocol */

static int
child_fmt(struct vbuf *out, const struct showq_msg *msg, void *ctx)
{
	(void)ctx;
	showq_proto_msg(out, msg);
	return (1);
}

/* child_list - the listing process: the whole stream, then exit */

static void
child_list(int fd)
{
	struct showq_par_total total;
	struct vbuf buf = VBUF_INIT;
	struct vbuf why = VBUF_INIT;
	int status = 1;

	signal(SIGTERM, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0)
		msg_warn("fcntl O_NONBLOCK: %m");
	showq_proto_hello(&buf);
	if (child_emit(buf.data, buf.len, &fd) < 0)
		goto out;
	if (showq_par_walk(NULL, showq_par_workers(), child_fmt, 0, child_emit,
		&fd, &total, &why) < 0) {
		/* A client that left or timed out is not worth more. */
		if (strcmp(vbuf_str(&why),
			"cannot pass on the queue listing") != 0)
			msg_warn("%s", vbuf_str(&why));
		goto out;
	}
	vbuf_reset(&buf);
	showq_proto_end(&buf);
	if (child_emit(buf.data, buf.len, &fd) == 0)
		status = 0;
out:
	_exit(status);
}

/* child_reap - SIGCHLD: collect finished listing processes */

static void
child_reap(evutil_socket_t sig, short what, void *ctx)
{
	(void)sig, (void)what, (void)ctx;
	while (showq_children > 0 && waitpid(-1, 0, WNOHANG) > 0)
		showq_children--;
}

/* child_start - hand the client to a listing process; 0 when done */

static int
child_start(int fd)
{
	pid_t pid;

	if (showq_chld_ev == 0 || showq_children >= SHOWQ_CHILD_MAX)
		return (-1);
	if ((pid = fork()) < 0) {
		msg_warn("fork: %m");
		return (-1);
	}
	if (pid == 0)
		child_list(fd);
	showq_children++;
	(void)close(fd);
	return (0);
}

/* showq_service_accept - one client */

void
showq_service_accept(int fd)
{
	struct showq_conn *c;
	struct ipc_events how = {conn_read, conn_write, conn_event, 0,
	    (int)var_ipc_timeout};

	if (child_start(fd) == 0)
		return;
	c = mem_calloc(1, sizeof(*c));
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
	showq_chld_ev = evsignal_new(base, SIGCHLD, child_reap, 0);
	if (showq_chld_ev != 0 && event_add(showq_chld_ev, 0) < 0) {
		event_free(showq_chld_ev);
		showq_chld_ev = 0;
	}
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
	child_reap(SIGCHLD, 0, 0);
	return (ring_count(&showq_conns) + showq_children);
}
