/*
 * NAME
 *	qmgr_active - moving messages through active/
 * SYNOPSIS
 *	#include "qmgr.h"
 *
 *	void qmgr_active_recover(void);
 *	int  qmgr_active_feed(const char *queue, const char *queue_id,
 *			int scan_all);
 *	void qmgr_active_done(struct qmgr_message *msg);
 * DESCRIPTION
 *	qmgr_active_recover() runs once at start-up: every file left in
 *	active/ by an earlier queue manager goes back to incoming/ with its
 *	mtime set to now (its in-core state died with that process).
 *
 *	qmgr_active_feed() considers one file found by a scan of queue
 *	(incoming or deferred): it is skipped unless ready (mode 0700) and,
 *	without scan_all, due (mtime <= now + 1). Otherwise it is moved to
 *	active/ and opened (qmgr_message_alloc()). A file that a delivery
 *	agent still holds goes back to incoming/ with mtime now + 60 s
 *	("skipped, still being delivered"); a corrupt one to corrupt/. A
 *	good one is logged ("from=<S>, size=N, nrcpt=N (queue active)") and
 *	its recipients are assigned. Returns 1 when a message came in
 *	core, else 0.
 *
 *	qmgr_active_done() finishes a message whose recipients all have a
 *	result, in Postfix's order. 1. A non-empty bounce log: the bounce
 *	service sends one non-delivery notice (qmgr_bounce_request(),
 *	asynchronous), then the log is removed. 2. With deferred
 *	recipients the message either expires (maximal_queue_lifetime,
 *	bounce_queue_lifetime for the null sender, or the force-expire bit:
 *	"status=expired, returned to sender"; the defer log becomes a
 *	non-delivery notice, then the remaining recipients are marked done
 *	and the message removed), or, when its W record time has come, a
 *	delay notice is sent from the defer log and W is rewritten to -1 in
 *	place; then it is fsync'ed (the one sync of the agents' D marks
 *	and the W update) and goes to deferred/ with mtime = now + its age
 *	clamped to [minimal_backoff_time, maximal_backoff_time]. 3. Without
 *	recipients left the file is removed ("removed"), without a sync of
 *	its marks (a crash before the removal is durable can only repeat
 *	a delivery). When the bounce
 *	service fails, nothing is lost: the message goes to deferred/ with
 *	its logs and the notice is asked for again at its next attempt.
 *	Without a bounce service at all (no private/bounce) the notice is
 *	skipped with a warning. The message is freed at the end, which may
 *	come after qmgr_active_done() returned.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>
#include <sys/stat.h>
#include <sys/time.h>
#include "dlog.h"
#include "deliv.h"
#include "mem.h"
#include "msg.h"
#include "qdir.h"
#include "qfile.h"
#include "qmgr.h"

/* The sender for a log line: control characters shown as '?'. */
static const char *
qmgr_active_printable(struct vbuf *out, const char *s)
{
	vbuf_reset(out);
	for (; *s; s++)
		vbuf_putc(out,
		    ((unsigned char)*s < 0x20 || *s == 0x7f) ? '?' : *s);
	return (vbuf_str(out));
}

static int
qmgr_active_utime(const char *queue, const char *queue_id, time_t when)
{
	struct vbuf path = VBUF_INIT;
	struct utimbuf tb;
	int ret;

	tb.actime = tb.modtime = when;
	qdir_path(&path, queue, queue_id);
	if ((ret = utime(path.data, &tb)) < 0)
		msg_warn("%s: utime %s: %m", queue_id, path.data);
	vbuf_free(&path);
	return (ret);
}

void
qmgr_active_recover(void)
{
	struct qdir_scan *scan;
	const char *id;
	char *copy;
	time_t now = time(0);
	long n = 0;

	if ((scan = qdir_scan_open(QDIR_ACTIVE)) == 0) {
		msg_warn("open queue %s: %m", QDIR_ACTIVE);
		return;
	}
	while ((id = qdir_scan_next(scan)) != 0) {
		copy = mem_strdup(id);
		(void)qmgr_active_utime(QDIR_ACTIVE, copy, now);
		if (qdir_move(copy, QDIR_ACTIVE, QDIR_INCOMING) < 0 &&
		    errno != ENOENT)
			msg_warn("%s: move from %s to %s: %m", copy,
			    QDIR_ACTIVE, QDIR_INCOMING);
		else
			n++;
		mem_free(copy);
	}
	qdir_scan_close(scan);
	if (n > 0 && msg_verbose)
		msg_info("recovered %ld message%s from %s", n,
		    n == 1 ? "" : "s", QDIR_ACTIVE);
}

static void
qmgr_active_corrupt(const char *queue_id, const char *why)
{
	msg_warn("%s: %s", queue_id, why);
	msg_warn("saving corrupt file \"%s\" from queue \"%s\" to queue \"%s\"",
	    queue_id, QDIR_ACTIVE, QDIR_CORRUPT);
	if (qdir_move(queue_id, QDIR_ACTIVE, QDIR_CORRUPT) < 0)
		msg_warn("%s: move from %s to %s: %m", queue_id, QDIR_ACTIVE,
		    QDIR_CORRUPT);
}

int
qmgr_active_feed(const char *queue, const char *queue_id, int scan_all)
{
	struct vbuf path = VBUF_INIT;
	struct vbuf why = VBUF_INIT;
	struct qmgr_message *msg;
	struct timeval now;
	struct stat st;
	int ret = 0;

	qdir_path(&path, queue, queue_id);
	if (stat(path.data, &st) < 0) {
		if (errno != ENOENT)
			msg_warn("stat %s: %m", path.data);
		goto out;
	}
	if (!qdir_ready(&st))
		goto out;
	gettimeofday(&now, 0);
	if (!scan_all && st.st_mtime > now.tv_sec + 1)
		goto out;
	if (qdir_move(queue_id, queue, QDIR_ACTIVE) < 0) {
		if (errno != ENOENT)
			msg_warn("%s: move from %s to %s: %m", queue_id, queue,
			    QDIR_ACTIVE);
		goto out;
	}
	switch (
	    qmgr_message_alloc(queue_id, (int)st.st_mode, now, &msg, &why)) {
	case QMGR_ALLOC_LOCKED:
		msg_info("%s: skipped, still being delivered", queue_id);
		(void)qmgr_active_utime(QDIR_ACTIVE, queue_id, now.tv_sec + 60);
		if (qdir_move(queue_id, QDIR_ACTIVE, QDIR_INCOMING) < 0)
			msg_warn("%s: move from %s to %s: %m", queue_id,
			    QDIR_ACTIVE, QDIR_INCOMING);
		goto out;
	case QMGR_ALLOC_CORRUPT:
		qmgr_active_corrupt(queue_id, why.data);
		goto out;
	case QMGR_ALLOC_GONE:
		msg_warn("%s: %s", queue_id, why.data);
		/* Still there but unreadable now (EMFILE, EACCES, EIO...): do
		 * not strand it in active/, which no scan visits; retry it
		 * later. */
		if (stat(qdir_path(&path, QDIR_ACTIVE, queue_id), &st) == 0) {
			(void)qmgr_active_utime(QDIR_ACTIVE, queue_id,
			    now.tv_sec + 60);
			if (qdir_move(queue_id, QDIR_ACTIVE, QDIR_INCOMING) < 0)
				msg_warn("%s: move from %s to %s: %m", queue_id,
				    QDIR_ACTIVE, QDIR_INCOMING);
		}
		goto out;
	default:
		break;
	}
	msg_info("%s: from=<%s>, size=%ld, nrcpt=%ld (queue active)",
	    msg->queue_id, qmgr_active_printable(&why, msg->env.sender),
	    msg->env.cont_length, msg->env.nrcpt);
	ret = 1;
	qmgr_message_assign(msg);
	if (msg->refcount == 0)
		qmgr_message_slice_done(msg);
out:
	vbuf_free(&path);
	vbuf_free(&why);
	return (ret);
}

/* Mark every recipient still to do as done (expired message). */
static void
qmgr_active_mark_all_done(struct qmgr_message *msg)
{
	struct qmgr_envelope env;
	struct vbuf path = VBUF_INIT;
	struct vbuf why = VBUF_INIT;
	FILE *fp = 0;
	int fd;
	size_t i;
	int rounds;

	memset(&env, 0, sizeof(env));
	qdir_path(&path, QDIR_ACTIVE, msg->queue_id);
	if ((fd = open(path.data, O_RDWR | O_CLOEXEC)) < 0 ||
	    (fp = fdopen(fd, "r")) == 0) {
		msg_warn("%s: open %s: %m", msg->queue_id, path.data);
		if (fd >= 0)
			close(fd);
		goto out;
	}
	if (qmgr_envelope_read(fp, &env, 1000, &why) < 0) {
		msg_warn("%s: %s", msg->queue_id, why.data);
		goto out;
	}
	for (rounds = 0;; rounds++) {
		for (i = 0; i < env.rcpt_count; i++)
			if (deliv_mark_done(fd, env.rcpt[i].offset) < 0)
				msg_warn("%s: mark recipient at offset %ld "
					 "done:"
					 " %m",
				    msg->queue_id, env.rcpt[i].offset);
		if (env.resume_offset <= 0)
			break;
		if (qmgr_envelope_more(fp, &env, 1000, &why) < 0) {
			msg_warn("%s: %s", msg->queue_id, why.data);
			break;
		}
	}
	/* Not synced: the file is removed next (a crash repeats the bounce). */
out:
	if (fp)
		fclose(fp);
	qmgr_envelope_free(&env);
	vbuf_free(&path);
	vbuf_free(&why);
}

/*
 * Move a message with recipients left to deferred/, due after its
 * backoff. The file stays queued, so the in-place updates since it was
 * activated (the agents' D marks, a cleared W record) are made durable
 * first: this is the one fsync they get (a message whose recipients are
 * all final is removed without it). A failed fsync keeps the move: the
 * worst outcome is a repeated delivery.
 */
static void
qmgr_active_defer_msg(struct qmgr_message *msg)
{
	struct vbuf path = VBUF_INIT;
	struct timespec ts[2];
	time_t now = time(0);
	long delay;
	int fd;

	delay = qmgr_backoff_delay(now, msg->env.create_time,
	    var_minimal_backoff_time, var_maximal_backoff_time);
	qdir_path(&path, QDIR_ACTIVE, msg->queue_id);
	if ((fd = open(path.data, O_RDWR | O_CLOEXEC)) < 0) {
		if (errno != ENOENT)
			msg_warn("%s: open %s: %m", msg->queue_id, path.data);
	} else {
		if (deliv_sync(fd) < 0)
			msg_warn("%s: fsync %s: %m", msg->queue_id, path.data);
		ts[0].tv_sec = ts[1].tv_sec = now + delay;
		ts[0].tv_nsec = ts[1].tv_nsec = 0;
		if (futimens(fd, ts) < 0)
			msg_warn("%s: utime %s: %m", msg->queue_id, path.data);
		close(fd);
	}
	vbuf_free(&path);
	if (qdir_move(msg->queue_id, QDIR_ACTIVE, QDIR_DEFERRED) < 0)
		msg_warn("%s: move from %s to %s: %m", msg->queue_id,
		    QDIR_ACTIVE, QDIR_DEFERRED);
	qmgr_message_free(msg);
}

/*
 * Remove a finished message and its logs: those that may exist, that is
 * (a defer log only after a deferral in this pass or when the one of
 * the previous attempt could not be removed; a bounce log only when
 * qmgr_active_done() did not find it absent or remove it).
 */
static void
qmgr_active_remove(struct qmgr_message *msg)
{
	struct vbuf path = VBUF_INIT;

	qdir_path(&path, QDIR_ACTIVE, msg->queue_id);
	if (qdir_recycle(QDIR_ACTIVE, msg->queue_id, msg->env.data_size) < 0) {
		if (errno != ENOENT)
			msg_warn("%s: remove %s: %m", msg->queue_id, path.data);
	} else {
		msg_info("%s: removed", msg->queue_id);
	}
	if (((msg->flags & QMGR_MSG_NO_DEFER_LOG) == 0 ||
		(msg->flags & QMGR_MSG_DEFER)) &&
	    dlog_remove(QDIR_DEFER, msg->queue_id) < 0)
		msg_warn("%s: remove defer log: %m", msg->queue_id);
	if ((msg->flags & QMGR_MSG_NO_BOUNCE_LOG) == 0 &&
	    dlog_remove(QDIR_BOUNCE, msg->queue_id) < 0)
		msg_warn("%s: remove bounce log: %m", msg->queue_id);
	vbuf_free(&path);
	qmgr_message_free(msg);
}

/*
 * Rewrite the W record in place to -1 (delay notice sent), keeping its
 * length: Postfix writes it as "%15ld" for this purpose.
 */
static void
qmgr_active_warn_clear(struct qmgr_message *msg)
{
	struct vbuf path = VBUF_INIT;
	unsigned char head[2];
	char data[16];
	long off = msg->env.warn_offset;
	int fd;

	qdir_path(&path, QDIR_ACTIVE, msg->queue_id);
	if ((fd = open(path.data, O_RDWR | O_CLOEXEC)) < 0) {
		msg_warn("%s: open %s: %m", msg->queue_id, path.data);
		goto out;
	}
	if (off <= 0 || pread(fd, head, 2, off) != 2 ||
	    head[0] != REC_TYPE_WARN || head[1] != 15) {
		msg_warn("%s: cannot update the delay warning time record",
		    msg->queue_id);
	} else {
		snprintf(data, sizeof(data), "%15ld", -1L);
		/* Synced by qmgr_active_defer_msg(), which comes next. */
		if (pwrite(fd, data, 15, off + 2) != 15)
			msg_warn("%s: update the delay warning time record: %m",
			    msg->queue_id);
	}
	close(fd);
out:
	vbuf_free(&path);
}

static void qmgr_active_done_2(struct qmgr_message *msg);

/* After a non-delivery notice for the bounce log. */
static void
qmgr_active_bounced(struct qmgr_message *msg, int result)
{
	switch (result) {
	case QMGR_BOUNCE_OK:
		if (dlog_remove(QDIR_BOUNCE, msg->queue_id) < 0)
			msg_warn("%s: remove bounce log: %m", msg->queue_id);
		else
			msg->flags |= QMGR_MSG_NO_BOUNCE_LOG;
		break;
	case QMGR_BOUNCE_NONE:
		msg_warn("%s: sender non-delivery notification not sent:"
			 " no bounce service (private/bounce)",
		    msg->queue_id);
		break;
	default:
		/* Nothing lost: the log stays, the message waits. */
		qmgr_active_defer_msg(msg);
		return;
	}
	qmgr_active_done_2(msg);
}

/* After a non-delivery notice for an expired message. */
static void
qmgr_active_expired(struct qmgr_message *msg, int result)
{
	if (result == QMGR_BOUNCE_FAIL) {
		qmgr_active_defer_msg(msg);
		return;
	}
	if (result == QMGR_BOUNCE_NONE && *msg->env.sender)
		msg_warn("%s: sender non-delivery notification not sent:"
			 " no bounce service (private/bounce)",
		    msg->queue_id);
	qmgr_active_mark_all_done(msg);
	qmgr_active_remove(msg);
}

/* After a delay notice. */
static void
qmgr_active_warned(struct qmgr_message *msg, int result)
{
	if (result == QMGR_BOUNCE_NONE)
		msg_warn("%s: sender delay notification not sent:"
			 " no bounce service (private/bounce)",
		    msg->queue_id);
	if (result != QMGR_BOUNCE_FAIL)
		qmgr_active_warn_clear(msg);
	qmgr_active_defer_msg(msg);
}

static void
qmgr_active_done_2(struct qmgr_message *msg)
{
	struct vbuf buf = VBUF_INIT;
	time_t now = time(0);
	int expired;

	if ((msg->flags & QMGR_MSG_DEFER) == 0) {
		qmgr_active_remove(msg);
		return;
	}
	expired = (msg->flags & QMGR_MSG_FORCE_EXPIRE) ||
	    qmgr_expired(now, msg->env.create_time, msg->env.sender,
		var_maximal_queue_lifetime, var_bounce_queue_lifetime);
	if (expired) {
		msg_info("%s: from=<%s>, status=%s, returned to sender",
		    msg->queue_id, qmgr_active_printable(&buf, msg->env.sender),
		    (msg->flags & QMGR_MSG_FORCE_EXPIRE) ? "force-expired"
							 : "expired");
		vbuf_free(&buf);
		qmgr_bounce_request(msg, "flush", QDIR_DEFER,
		    qmgr_active_expired);
		return;
	}
	if (msg->env.warn_time > 0 && now >= msg->env.warn_time - 1) {
		qmgr_bounce_request(msg, "warn", 0, qmgr_active_warned);
		return;
	}
	qmgr_active_defer_msg(msg);
}

void
qmgr_active_done(struct qmgr_message *msg)
{
	struct vbuf path = VBUF_INIT;
	struct stat st;

	qdir_path(&path, QDIR_BOUNCE, msg->queue_id);
	if (stat(path.data, &st) < 0) {
		if (errno == ENOENT)
			msg->flags |= QMGR_MSG_NO_BOUNCE_LOG;
	} else {
		if (st.st_size == 0) {
			if (dlog_remove(QDIR_BOUNCE, msg->queue_id) == 0)
				msg->flags |= QMGR_MSG_NO_BOUNCE_LOG;
		} else {
			vbuf_free(&path);
			qmgr_bounce_request(msg, "flush", QDIR_BOUNCE,
			    qmgr_active_bounced);
			return;
		}
	}
	vbuf_free(&path);
	qmgr_active_done_2(msg);
}
