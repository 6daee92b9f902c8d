/*
 * NAME
 *	qmgr_message - in-core messages and their recipient slices
 * SYNOPSIS
 *	#include "qmgr.h"
 *
 *	int  qmgr_message_alloc(const char *queue_id, int mode,
 *			struct timeval active_time, struct qmgr_message **out,
 *			struct vbuf *why);
 *	void qmgr_message_assign(struct qmgr_message *msg);
 *	void qmgr_message_slice_done(struct qmgr_message *msg);
 *	void qmgr_message_entry_done(struct qmgr_message *msg);
 *	void qmgr_message_free(struct qmgr_message *msg);
 *	long qmgr_message_count;
 *	long qmgr_recipient_count;
 * DESCRIPTION
 *	qmgr_message_alloc() opens active/ID read/write, takes a
 *	non-blocking exclusive lock (a delivery agent holding a shared lock
 *	means an earlier delivery is still running), reads and validates
 *	the envelope with the first slice of recipients, removes the old
 *	defer log while it still holds the lock, clears the g+r flag bit
 *	(mode is the file's mode as found by the scan) and closes the file.
 *	Returns QMGR_ALLOC_OK with *out, QMGR_ALLOC_LOCKED,
 *	QMGR_ALLOC_CORRUPT (why says what is wrong) or QMGR_ALLOC_GONE
 *	(cannot open; why).
 *
 *	A slice holds at most qmgr_message_recipient_limit minus the
 *	recipients already in core, but at least
 *	qmgr_message_recipient_minimum.
 *
 *	qmgr_message_assign() resolves the slice's recipients (util/resolve:
 *	transport and next hop) and hands them to their (transport, next
 *	hop) queues; a recipient whose resolution failed (table lookup
 *	error) is deferred with Postfix's "address resolver failure"
 *	(4.3.0), one for a built-in transport (error, retry, discard) is
 *	finished at once (qmgr_defer_builtin()), one for a throttled
 *	transport deferred.
 *	qmgr_message_entry_done() is called when one of the message's
 *	entries is finished; when the last one is, the slice is done.
 *	qmgr_message_slice_done() reads and assigns the next slice, and
 *	when there is none, hands the message to qmgr_active_done().
 *	qmgr_message_free() releases a message (the caller has dealt with
 *	its file).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include "dlog.h"
#include "mem.h"
#include "msg.h"
#include "qdir.h"
#include "qmgr.h"
#include "resolve.h"

long qmgr_message_count;
long qmgr_recipient_count;

static size_t
qmgr_message_slice_limit(void)
{
	long room = var_qmgr_message_recipient_limit - qmgr_recipient_count;

	if (room < var_qmgr_message_recipient_minimum)
		room = var_qmgr_message_recipient_minimum;
	return ((size_t)room);
}

static FILE *
qmgr_message_open(const char *queue_id, int *fdp, struct vbuf *why)
{
	struct vbuf path = VBUF_INIT;
	FILE *fp;
	int fd;

	qdir_path(&path, QDIR_ACTIVE, queue_id);
	if ((fd = open(path.data, O_RDWR | O_CLOEXEC)) < 0) {
		vbuf_printf(why, "open %s: %m", path.data);
		vbuf_free(&path);
		return (0);
	}
	vbuf_free(&path);
	if ((fp = fdopen(fd, "r")) == 0) {
		vbuf_printf(why, "fdopen: %m");
		close(fd);
		return (0);
	}
	*fdp = fd;
	return (fp);
}

int
qmgr_message_alloc(const char *queue_id, int mode, struct timeval active_time,
    struct qmgr_message **out, struct vbuf *why)
{
	struct qmgr_message *msg;
	FILE *fp;
	int fd;

	*out = 0;
	vbuf_reset(why);
	if ((fp = qmgr_message_open(queue_id, &fd, why)) == 0)
		return (QMGR_ALLOC_GONE);
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EWOULDBLOCK) {
			fclose(fp);
			return (QMGR_ALLOC_LOCKED);
		}
		msg_warn("%s: flock: %m", queue_id);
	}
	msg = mem_calloc(1, sizeof(*msg));
	msg->queue_id = mem_strdup(queue_id);
	msg->active_time = active_time;
	if (qmgr_envelope_read(fp, &msg->env, qmgr_message_slice_limit(), why) <
	    0) {
		fclose(fp);
		qmgr_envelope_free(&msg->env);
		mem_free(msg->queue_id);
		mem_free(msg);
		return (QMGR_ALLOC_CORRUPT);
	}

	/*
	 * The defer log goes now, under the lock and before any new attempt,
	 * so that mailq shows the reasons of the latest attempt only.
	 */
	if (dlog_remove(QDIR_DEFER, queue_id) < 0)
		msg_warn("%s: remove defer log: %m", queue_id);
	else
		msg->flags |= QMGR_MSG_NO_DEFER_LOG;
	if (mode & S_IXGRP)
		msg->flags |= QMGR_MSG_FORCE_EXPIRE;
	if (mode & S_IRGRP) {
		msg->flags |= QMGR_MSG_UNTHROTTLE;
		if (fchmod(fd, mode & 07777 & ~S_IRGRP) < 0)
			msg_warn("%s: fchmod: %m", queue_id);
	}
	fclose(fp);
	qmgr_message_count++;
	qmgr_recipient_count += msg->env.rcpt_count;
	*out = msg;
	return (QMGR_ALLOC_OK);
}

void
qmgr_message_assign(struct qmgr_message *msg)
{
	struct resolve_reply reply = RESOLVE_REPLY_INIT;
	struct qmgr_transport *t;
	struct qmgr_rcpt *r;
	size_t i;

	msg->assigning = 1;
	for (i = 0; i < msg->env.rcpt_count; i++) {
		r = msg->env.rcpt + i;
		resolve_addr(msg->env.sender, r->address, &reply);
		if (reply.flags & RESOLVE_FLAG_FAIL) {
			/* Postfix: redirected to retry, never a default. */
			qmgr_defer_rcpt(msg, r, "4.3.0",
			    "address resolver failure");
			continue;
		}
		if (qmgr_defer_builtin(msg, r, vbuf_str(&reply.transport),
			vbuf_str(&reply.nexthop)))
			continue;
		t = qmgr_transport_find(vbuf_str(&reply.transport));
		if (t->throttle_reason) {
			qmgr_defer_rcpt(msg, r, t->throttle_dsn,
			    t->throttle_reason);
			continue;
		}
		qmgr_queue_add_rcpt(qmgr_queue_find(t,
					vbuf_str(&reply.nexthop)),
		    msg, r);
	}
	msg->assigning = 0;
	resolve_reply_free(&reply);
}

void
qmgr_message_slice_done(struct qmgr_message *msg)
{
	struct vbuf why = VBUF_INIT;
	FILE *fp;
	int fd;

	/* Each round consumes recipients or ends; the file is finite. */
	for (;;) {
		qmgr_recipient_count -= msg->env.rcpt_count;
		qmgr_envelope_free_rcpts(&msg->env);
		if (msg->env.resume_offset <= 0 ||
		    (msg->flags & QMGR_MSG_READ_ERROR))
			break;
		if ((fp = qmgr_message_open(msg->queue_id, &fd, &why)) == 0 ||
		    qmgr_envelope_more(fp, &msg->env,
			qmgr_message_slice_limit(), &why) < 0) {
			msg_warn("%s: cannot read more recipients: %s",
			    msg->queue_id, why.data);
			msg->flags |= QMGR_MSG_READ_ERROR | QMGR_MSG_DEFER;
			qmgr_envelope_free_rcpts(&msg->env);
			if (fp)
				fclose(fp);
			break;
		}
		fclose(fp);
		qmgr_recipient_count += msg->env.rcpt_count;
		qmgr_message_assign(msg);
		if (msg->refcount > 0) {
			vbuf_free(&why);
			return;
		}
	}
	vbuf_free(&why);
	qmgr_active_done(msg);
}

void
qmgr_message_entry_done(struct qmgr_message *msg)
{
	if (msg->refcount <= 0)
		msg_panic("qmgr_message_entry_done: %s: refcount %d",
		    msg->queue_id, msg->refcount);
	if (--msg->refcount == 0 && !msg->assigning)
		qmgr_message_slice_done(msg);
}

void
qmgr_message_free(struct qmgr_message *msg)
{
	if (msg->refcount != 0)
		msg_panic("qmgr_message_free: %s: refcount %d", msg->queue_id,
		    msg->refcount);
	qmgr_recipient_count -= msg->env.rcpt_count;
	qmgr_envelope_free(&msg->env);
	mem_free(msg->queue_id);
	mem_free(msg);
	qmgr_message_count--;
	qmgr_feed_request();
}
