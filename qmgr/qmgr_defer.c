/*
 * NAME
 *	qmgr_defer - recipients the queue manager defers itself
 * SYNOPSIS
 *	#include "qmgr.h"
 *
 *	void qmgr_defer_rcpt(struct qmgr_message *msg,
 *			const struct qmgr_rcpt *rcpt, const char *dsn,
 *			const char *reason);
 *	void qmgr_defer_entry(struct qmgr_entry *e, const char *dsn,
 *			const char *reason, int check_done);
 * DESCRIPTION
 *	When no delivery agent reports on a recipient (dead destination,
 *	throttled or unreachable transport), qmgr does the agent's
 *	bookkeeping with deliv_result(): the Postfix status line with
 *	relay=none and status=deferred, and an entry in defer/ID so that
 *	mailq shows the reason. The message is marked deferred.
 *
 *	qmgr_defer_rcpt() defers one recipient. qmgr_defer_entry() defers
 *	the recipients of an entry; with check_done, recipients whose
 *	record the agent already marked done ('D') are left alone (the
 *	agent went away after finishing some of them).
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/time.h>
#include "deliv.h"
#include "msg.h"
#include "qdir.h"
#include "qmgr.h"

static double
qmgr_defer_tv(const struct timeval *tv)
{
	return (tv->tv_sec + tv->tv_usec / 1e6);
}

void
qmgr_defer_rcpt(struct qmgr_message *msg, const struct qmgr_rcpt *rcpt,
    const char *dsn, const char *reason)
{
	struct deliv_rcpt r;
	struct deliv_times t;
	struct timeval now;

	gettimeofday(&now, 0);
	r.offset = rcpt->offset;
	r.address = rcpt->address;
	r.orig_rcpt = rcpt->orig_rcpt;
	r.dsn_orig_rcpt = rcpt->dsn_orig_rcpt;
	r.notify_flags = rcpt->notify_flags;
	t.arrival = msg->env.arrival_sec + msg->env.arrival_usec / 1e6;
	t.active = qmgr_defer_tv(&msg->active_time);
	t.agent = qmgr_defer_tv(&now);
	t.conn_done = 0;
	t.done = t.agent;
	msg->flags |= QMGR_MSG_DEFER;
	(void)deliv_result(msg->queue_id, &r, -1, "none", &t, 0, "deferred",
	    dsn ? dsn : "4.0.0", reason ? reason : "(description unavailable)",
	    0, 0);
}

void
qmgr_defer_entry(struct qmgr_entry *e, const char *dsn, const char *reason,
    int check_done)
{
	struct vbuf path = VBUF_INIT;
	int fd = -1;
	size_t i;
	char c;

	if (check_done) {
		qdir_path(&path, QDIR_ACTIVE, e->msg->queue_id);
		if ((fd = open(path.data, O_RDONLY | O_CLOEXEC)) < 0)
			msg_warn("%s: open %s: %m", e->msg->queue_id,
			    path.data);
		vbuf_free(&path);
	}
	for (i = 0; i < e->rcpt_count; i++) {
		if (fd >= 0 && pread(fd, &c, 1, e->rcpt[i]->offset) == 1 &&
		    c == 'D')
			continue;
		qmgr_defer_rcpt(e->msg, e->rcpt[i], dsn, reason);
	}
	if (fd >= 0)
		close(fd);
}
