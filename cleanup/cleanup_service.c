/*
 * cleanup_service - the cleanup protocol on libevent bufferevents; see
 * cleanup.h and docs/architecture.md ("Internal protocols").
 *
 * Implementation notes:
 *
 *	One struct cleanup_conn per client, a small state machine:
 *
 *	  CONN_READ	records arrive; the first one creates incoming/ID
 *			(mode 0600) and each is fed to cleanup_state.
 *	  CONN_SKIP	the message was rejected: records are read and
 *			dropped until 'E', so the client is not cut off
 *			while it writes (it reads the reply only after 'E').
 *	  CONN_COMMIT	'E' was seen and the file is being made durable
 *			by the commit pool; input is not read.
 *	  CONN_REPLY	the reply is being written; the connection is freed
 *			when the output buffer is empty.
 *
 *	After 'E' the loop rewrites the C record and flushes the stream
 *	(the writes reach the page cache; no disk wait), then hands the
 *	stream to the commit pool (util/commit.h): a worker thread does
 *	fchmod 0700, fsync and close, and only its completion, back in the
 *	loop, sends status=0 and schedules the qmgr wake-up. So the loop
 *	never waits for the disk, up to CLEANUP_COMMIT_THREADS fsyncs run
 *	in parallel, and status=0 still follows the file's fsync. The file
 *	turns 0700 only after every byte was written, so a ready file is
 *	complete even when cleanup is killed before the fsync. Any failure,
 *	disconnect or timeout unlinks the partial file (a failed commit is
 *	unlinked by the worker), so nothing half-written is ever ready or
 *	acknowledged. A client lost during CONN_COMMIT (only a write error
 *	of the early queue_id block can tell) cancels the callback: the
 *	commit still completes, a failed file is removed, a durable one
 *	stays for qmgr's next scan (its client got no status=0: at worst a
 *	duplicate, never a loss). The remaining file-system calls in the loop,
 *the creation of incoming/ID and the buffered writes, are page-cache operations
 *that do not wait for the disk.
 *
 *	A draining cleanup counts the connections, which include those in
 *	CONN_COMMIT; on SIGTERM the pool is finished first (the in-flight
 *	fsyncs are waited for and their replies are written if the socket
 *	takes them), so no client ever gets status=0 for a file not yet
 *	durable, and no commit is abandoned half-way.
 *
 *	qmgr is woken by a timer CLEANUP_WAKE_MS after the first message
 *	completed since the last wake-up: every durable message is followed
 *	by a "W" within that time, the client's reply goes out before the
 *	trigger's connection is made, and a burst of messages costs one
 *	trigger (and one qmgr scan of incoming/) per interval instead of
 *	one per message.
 *
 *	Input is bounded: the read high-watermark stops reading from the
 *	socket while a callback has not consumed the buffer, and a record
 *	longer than CLEANUP_REC_MAX is a protocol error. Every state has the
 *	ipc_timeout read/write timeout.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "attr.h"
#include "commit.h"
#include "ipc.h"
#include "mem.h"
#include "metrics.h"
#include "msg.h"
#include "param.h"
#include "qdir.h"
#include "qfile.h"
#include "ring.h"
#include "server.h"
#include "vbuf.h"
#include "cleanup.h"

#define CLEANUP_REC_MIN_MAX (128 * 1024) /* longest input record, at least */

enum cleanup_conn_state {
	CONN_READ,
	CONN_SKIP,
	CONN_COMMIT,
	CONN_REPLY,
};

struct cleanup_conn {
	struct bufferevent *bev;
	enum cleanup_conn_state state;
	FILE *fp;
	struct vbuf id;
	struct vbuf path;
	struct cleanup_state *st;
	struct commit_job *job; /* in CONN_COMMIT */
	int status;		/* reply status once known */
	struct vbuf reason;
	struct ring ring; /* in cleanup_conns */
};

#define CLEANUP_WAKE_MS 10	  /* qmgr wake-up delay, at most */
#define CLEANUP_COMMIT_THREADS 16 /* parallel fsyncs, at most */

static struct event_base *cleanup_base;
static struct event *cleanup_wake_ev; /* pending qmgr wake-up */
static struct commit_pool *cleanup_commits;
static struct cleanup_config cleanup_cfg;
static struct ring cleanup_conns = RING_INIT(cleanup_conns);
static size_t cleanup_rec_max;
static long cleanup_timeout;

const struct param_var cleanup_params[] = {
    PARAM_VAR(append_at_myorigin),
    PARAM_VAR(canonical_classes),
    PARAM_VAR(canonical_maps),
    PARAM_VAR(cleanup_replace_stray_cr_lf),
    PARAM_VAR(delay_warning_time),
    PARAM_VAR(duplicate_filter_limit),
    PARAM_VAR(enable_long_queue_ids),
    PARAM_VAR(header_size_limit),
    PARAM_VAR(hopcount_limit),
    PARAM_VAR(ipc_timeout),
    PARAM_VAR(line_length_limit),
    PARAM_VAR(mail_name),
    PARAM_VAR(masquerade_classes),
    PARAM_VAR(masquerade_domains),
    PARAM_VAR(masquerade_exceptions),
    PARAM_VAR(message_size_limit),
    PARAM_VAR(myhostname),
    PARAM_VAR(mydestination),
    PARAM_VAR(myorigin),
    PARAM_VAR(propagate_unmatched_extensions),
    PARAM_VAR(queue_file_attribute_count_limit),
    PARAM_VAR(recipient_canonical_classes),
    PARAM_VAR(recipient_canonical_maps),
    PARAM_VAR(recipient_delimiter),
    PARAM_VAR(sender_canonical_classes),
    PARAM_VAR(sender_canonical_maps),
    PARAM_VAR_END,
};

/* cleanup_service_init - read the configuration */

void
cleanup_service_init(struct event_base *base)
{
	cleanup_base = base;
	cleanup_commits = commit_pool_create(base, CLEANUP_COMMIT_THREADS);
	cleanup_cfg.myhostname = var_myhostname;
	cleanup_cfg.myorigin = var_myorigin;
	cleanup_cfg.mail_name = var_mail_name;
	cleanup_cfg.append_at_myorigin = var_append_at_myorigin;
	cleanup_cfg.replace_stray_cr_lf = var_cleanup_replace_stray_cr_lf;
	cleanup_cfg.long_queue_ids = var_enable_long_queue_ids;
	cleanup_cfg.message_size_limit = var_message_size_limit;
	cleanup_cfg.header_size_limit = var_header_size_limit;
	cleanup_cfg.line_length_limit = var_line_length_limit;
	cleanup_cfg.hopcount_limit = var_hopcount_limit;
	cleanup_cfg.delay_warning_time = var_delay_warning_time;
	cleanup_cfg.duplicate_filter_limit = var_duplicate_filter_limit;
	cleanup_cfg.attr_count_limit = var_queue_file_attribute_count_limit;
	cleanup_rewrite_config(&cleanup_cfg);
	cleanup_timeout = var_ipc_timeout;
	if (cleanup_timeout <= 0)
		cleanup_timeout = 3600;
	cleanup_rec_max = CLEANUP_REC_MIN_MAX;
	if (cleanup_cfg.line_length_limit > 0 &&
	    (size_t)cleanup_cfg.line_length_limit > cleanup_rec_max)
		cleanup_rec_max = cleanup_cfg.line_length_limit;
	if (cleanup_cfg.header_size_limit > 0 &&
	    (size_t)cleanup_cfg.header_size_limit > cleanup_rec_max)
		cleanup_rec_max = cleanup_cfg.header_size_limit;
}

/* conn_discard - remove the partial queue file */

static void
conn_discard(struct cleanup_conn *c)
{
	c->st = cleanup_state_free(c->st);
	if (c->fp) {
		(void)fclose(c->fp);
		c->fp = 0;
		if (unlink(c->path.data) < 0 && errno != ENOENT)
			msg_warn("remove %s: %m", c->path.data);
	}
}

/* conn_free - release a connection */

static void
conn_free(struct cleanup_conn *c)
{
	if (c->job != 0) /* still committed; removed if that fails */
		commit_cancel(c->job);
	conn_discard(c);
	ring_detach(&c->ring);
	bufferevent_free(c->bev);
	vbuf_free(&c->id);
	vbuf_free(&c->path);
	vbuf_free(&c->reason);
	mem_free(c);
}

/* conn_reply - send the one reply block and close when written */

static void
conn_reply(struct cleanup_conn *c, int status, const char *reason)
{
	struct vbuf buf = VBUF_INIT;

	c->state = CONN_REPLY;
	bufferevent_disable(c->bev, EV_READ);
	attr_putf(&buf, "status", "%d", status);
	if (status == 0)
		attr_put(&buf, "queue_id", c->id.data);
	else
		attr_put(&buf, "reason", reason);
	attr_end(&buf);
	/* On failure the timeout frees the connection. */
	if (ipc_write(c->bev, buf.data, buf.len) < 0)
		msg_warn("%s: cannot queue reply to client",
		    c->id.len ? c->id.data : "cleanup");
	vbuf_free(&buf);
}

/* conn_reject - remember a failure; the reply waits for 'E' */

static void
conn_reject(struct cleanup_conn *c, int status, const char *reason)
{
	char *copy = mem_strdup(reason); /* may point into c->st */

	conn_discard(c);
	c->status = status;
	vbuf_set(&c->reason, copy);
	mem_free(copy);
	c->state = CONN_SKIP;
}

/* conn_open - create incoming/ID for the first record */

static int
conn_open(struct cleanup_conn *c)
{
	struct vbuf why = VBUF_INIT;
	int reused;
	int fd;

	if ((fd = qdir_create_reuse(QDIR_INCOMING, &c->id, &reused, &why)) <
	    0) {
		msg_warn("queue file create error: %s", vbuf_str(&why));
		vbuf_printf(&c->reason, "queue file create error: %s",
		    vbuf_str(&why));
		vbuf_free(&why);
		conn_reject(c, EX_TEMPFAIL, c->reason.data);
		return (-1);
	}
	vbuf_free(&why);
	qdir_path(&c->path, QDIR_INCOMING, c->id.data);
	if ((c->fp = fdopen(fd, "w+")) == 0) {
		msg_warn("fdopen %s: %m", c->path.data);
		(void)close(fd);
		(void)unlink(c->path.data);
		conn_reject(c, EX_TEMPFAIL, "queue file write error");
		return (-1);
	}
	c->st = cleanup_state_create(c->fp, c->id.data, time((time_t *)0),
	    &cleanup_cfg);
	if (reused)
		cleanup_state_reused(c->st);
	return (0);
}

/* cleanup_wake_send - wake qmgr now */

static void
cleanup_wake_send(evutil_socket_t unused_fd, short unused_what,
    void *unused_ctx)
{
	if (trigger_send("public/qmgr", "W", 1) < 0 && msg_verbose)
		msg_info("cannot wake up qmgr: %m");
}

/* cleanup_wake_qmgr - wake qmgr soon; requests collapse */

static void
cleanup_wake_qmgr(void)
{
	struct timeval tv = {0, CLEANUP_WAKE_MS * 1000};

	if (cleanup_wake_ev == 0 && cleanup_base != 0)
		cleanup_wake_ev =
		    evtimer_new(cleanup_base, cleanup_wake_send, 0);
	if (cleanup_wake_ev == 0 ||
	    (!evtimer_pending(cleanup_wake_ev, 0) &&
		evtimer_add(cleanup_wake_ev, &tv) < 0))
		cleanup_wake_send(-1, 0, 0);
}

/* conn_committed - the commit pool is done with the file */

static void
conn_committed(int err, void *ctx)
{
	struct cleanup_conn *c = ctx;

	c->job = 0;
	if (err != 0) { /* the pool removed the file */
		msg_warn("%s: queue file write error: %s", c->id.data,
		    strerror(err));
		c->status = EX_TEMPFAIL;
		vbuf_set(&c->reason, "queue file write error");
		conn_reply(c, c->status, c->reason.data);
		return;
	}
	conn_reply(c, 0, "");
	metrics_inc(METRIC_RECEIVED);
	cleanup_wake_qmgr();
}

/* conn_complete - 'E' seen: make the file durable, then acknowledge */

static void
conn_complete(struct cleanup_conn *c)
{
	FILE *fp;
	int status;

	if ((status = cleanup_state_finish(c->st)) != 0) {
		conn_reject(c, status, cleanup_state_reason(c->st));
		conn_reply(c, c->status, c->reason.data);
		return;
	}
	/* Flushed: the pool owns the stream from here. */
	c->st = cleanup_state_free(c->st);
	fp = c->fp;
	c->fp = 0;
	c->state = CONN_COMMIT;
	bufferevent_disable(c->bev, EV_READ);
	c->job = commit_file(cleanup_commits, fp, 0700, c->path.data,
	    conn_committed, c);
}

/* conn_early_id - tell the client the queue ID as soon as the file exists */

static void
conn_early_id(struct cleanup_conn *c)
{
	struct vbuf buf = VBUF_INIT;

	attr_put(&buf, "queue_id", c->id.data);
	attr_end(&buf);
	if (ipc_write(c->bev, buf.data, buf.len) < 0)
		msg_warn("%s: cannot queue reply to client", c->id.data);
	vbuf_free(&buf);
}

/* conn_record - one complete input record */

static void
conn_record(struct cleanup_conn *c, int type, const char *data, size_t len)
{
	int status;

	if (c->state == CONN_SKIP) {
		if (type == REC_TYPE_END)
			conn_reply(c, c->status, c->reason.data);
		return;
	}
	if (c->st == 0) {
		if (conn_open(c) < 0) {
			if (type == REC_TYPE_END)
				conn_reply(c, c->status, c->reason.data);
			return;
		}
		conn_early_id(c);
	}
	/* Old clients still ask for the ID they now always get. */
	if (type == REC_TYPE_ATTR && len == sizeof(CLEANUP_NOTIFY_ID) - 1 &&
	    memcmp(data, CLEANUP_NOTIFY_ID, len) == 0)
		return;
	if ((status = cleanup_state_record(c->st, type, data, len)) != 0) {
		conn_reject(c, status, cleanup_state_reason(c->st));
		if (type == REC_TYPE_END)
			conn_reply(c, c->status, c->reason.data);
		return;
	}
	if (cleanup_state_done(c->st))
		conn_complete(c);
}

/* conn_read - parse every complete record in the input buffer */

static void
conn_read(struct bufferevent *bev, void *ctx)
{
	struct cleanup_conn *c = ctx;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t avail = evbuffer_get_length(in);
	const unsigned char *buf;
	size_t pos = 0;
	size_t off;
	size_t len;
	long n;
	int type;

	if (avail == 0 || c->state == CONN_REPLY || c->state == CONN_COMMIT)
		return;
	buf = evbuffer_pullup(in, -1);
	while (
	    pos < avail && c->state != CONN_REPLY && c->state != CONN_COMMIT) {
		n = rec_parse(buf + pos, avail - pos, cleanup_rec_max, &type,
		    &off, &len);
		if (n == 0)
			break;
		if (n < 0) {
			msg_warn("%s: malformed or oversized input record",
			    c->id.len ? c->id.data : "cleanup");
			evbuffer_drain(in, avail);
			conn_reject(c, EX_DATAERR, "malformed input record");
			conn_reply(c, c->status, c->reason.data);
			return;
		}
		conn_record(c, type, (const char *)buf + pos + off, len);
		pos += n;
	}
	evbuffer_drain(in, pos);
}

/* conn_write - the reply is out: done */

static void
conn_write(struct bufferevent *bev, void *ctx)
{
	struct cleanup_conn *c = ctx;

	if (c->state == CONN_REPLY &&
	    evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		conn_free(c);
}

/* conn_event - EOF, error or timeout */

static void
conn_event(struct bufferevent *bev, short what, void *ctx)
{
	struct cleanup_conn *c = ctx;

	if (what & BEV_EVENT_TIMEOUT)
		msg_warn("%s: timeout after %ld seconds %s client",
		    c->id.len ? c->id.data : "cleanup", cleanup_timeout,
		    c->state == CONN_REPLY ? "writing to" : "reading from");
	else if ((what & BEV_EVENT_ERROR) && c->state != CONN_READ)
		msg_warn("%s: client connection error: %m",
		    c->id.len ? c->id.data : "cleanup");
	else if (c->st != 0 && c->state == CONN_READ && msg_verbose)
		/* A client that hangs up before 'E' abandons the message: smtpd
		 * after RSET, QUIT, a refused DATA or a lost client. That is no
		 * error here (smtpd logs the session); nothing is left behind.
		 */
		msg_info("%s: client abandoned the message%s", c->id.data,
		    cleanup_state_in_content(c->st) ? " in its content" : "");
	conn_free(c);
}

/* cleanup_service_accept - serve one client */

void
cleanup_service_accept(int fd)
{
	struct cleanup_conn *c = mem_calloc(1, sizeof(*c));
	struct ipc_events how = {conn_read, conn_write, conn_event,
	    (int)cleanup_timeout, (int)cleanup_timeout};

	/* Tables edited since they were opened take effect now. */
	maps_refresh(cleanup_cfg.canonical);
	maps_refresh(cleanup_cfg.sender_canonical);
	maps_refresh(cleanup_cfg.recipient_canonical);
	maps_refresh(cleanup_cfg.masquerade_exceptions);

	if ((c->bev = ipc_bufferevent(cleanup_base, fd, &how, c)) == 0) {
		msg_warn("cannot create bufferevent for client");
		mem_free(c);
		return;
	}
	c->state = CONN_READ;
	ring_prepend(&cleanup_conns, &c->ring);
	bufferevent_setwatermark(c->bev, EV_READ, 0, cleanup_rec_max + 65536);
	bufferevent_enable(c->bev, EV_READ);
}

/* cleanup_service_active - clients in progress (for a draining cleanup) */

int
cleanup_service_active(void)
{
	return (ring_count(&cleanup_conns) + commit_pending(cleanup_commits));
}

/* cleanup_service_stop - remove partial files on the way out */

void
cleanup_service_stop(void)
{
	struct cleanup_conn *c;
	struct ring *r;

	/* Durable first: wait for the fsyncs in flight; their replies go out
	 * now if the sockets take them (a reply lost here leaves a durable
	 * message its client was not told about: at worst a duplicate). */
	commit_pool_finish(cleanup_commits);
	RING_FOREACH(r, &cleanup_conns)
	{
		c = RING_ENTRY(r, struct cleanup_conn, ring);
		if (c->state == CONN_REPLY)
			(void)evbuffer_write(bufferevent_get_output(c->bev),
			    bufferevent_getfd(c->bev));
	}
	while ((r = ring_first(&cleanup_conns)) != 0)
		conn_free(RING_ENTRY(r, struct cleanup_conn, ring));
	if (cleanup_wake_ev != 0 && evtimer_pending(cleanup_wake_ev, 0)) {
		evtimer_del(cleanup_wake_ev);
		cleanup_wake_send(-1, 0, 0);
	}
}
