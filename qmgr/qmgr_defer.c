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
 *	qmgr_defer_builtin() finishes a recipient that resolves to one of
 *	Postfix's built-in transports, which sluice runs inside qmgr (no
 *	error(8) or discard(8) process): "error" bounces with the next hop
 *	text (dsn_split, default 5.0.0; a 4.x.x status defers instead),
 *	"retry" defers with it (default 4.0.0), "discard" marks the
 *	recipient delivered (status=sent, default 2.0.0, text: the next
 *	hop). All with relay=none, as Postfix's error and discard agents
 *	log. Returns 1 when the transport was one of these, else 0.
 *
 *	qmgr_defer_rcpt() defers one recipient. qmgr_defer_entry() defers
 *	the recipients of an entry; with check_done, recipients whose
 *	record the agent already marked done ('D') are left alone (the
 *	agent went away after finishing some of them).
 */
#include <errno.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/time.h>
#include "deliv.h"
#include "msg.h"
#include "qdir.h"
#include "qmgr.h"
#include "resolve.h"

static double
qmgr_defer_tv(const struct timeval *tv)
{
	return (tv->tv_sec + tv->tv_usec / 1e6);
}

/* qmgr_defer_fill - a recipient's log fields, and times up to now */

static void
qmgr_defer_fill(const struct qmgr_message *msg, const struct qmgr_rcpt *rcpt,
    struct deliv_rcpt *r, struct deliv_times *t)
{
	struct timeval now;

	gettimeofday(&now, 0);
	r->offset = rcpt->offset;
	r->address = rcpt->address;
	r->orig_rcpt = rcpt->orig_rcpt;
	r->dsn_orig_rcpt = rcpt->dsn_orig_rcpt;
	r->notify_flags = rcpt->notify_flags;
	t->arrival = msg->env.arrival_sec + msg->env.arrival_usec / 1e6;
	t->active = qmgr_defer_tv(&msg->active_time);
	t->agent = qmgr_defer_tv(&now);
	t->conn_done = 0;
	t->done = t->agent;
}

void
qmgr_defer_rcpt(struct qmgr_message *msg, const struct qmgr_rcpt *rcpt,
    const char *dsn, const char *reason)
{
	struct deliv_rcpt r;
	struct deliv_times t;

	qmgr_defer_fill(msg, rcpt, &r, &t);
	msg->flags |= QMGR_MSG_DEFER;
	(void)deliv_result(msg->queue_id, &r, -1, "none", &t, 0, "deferred",
	    dsn ? dsn : "4.0.0", reason ? reason : "(description unavailable)",
	    0, 0);
}

/* Log a final status for one recipient and mark it done in active/ID. */
static void
qmgr_defer_final(struct qmgr_message *msg, const struct qmgr_rcpt *rcpt,
    const char *status, const char *dsn, const char *text)
{
	struct vbuf path = VBUF_INIT;
	struct deliv_rcpt r;
	struct deliv_times t;
	int fd;

	qdir_path(&path, QDIR_ACTIVE, msg->queue_id);
	if ((fd = open(path.data, O_RDWR | O_CLOEXEC)) < 0) {
		msg_warn("%s: open %s: %m", msg->queue_id, path.data);
		vbuf_free(&path);
		qmgr_defer_rcpt(msg, rcpt, "4.3.0", "queue file write error");
		return;
	}
	vbuf_free(&path);
	qmgr_defer_fill(msg, rcpt, &r, &t);
	if (deliv_result(msg->queue_id, &r, fd, "none", &t, 0, status, dsn,
		text, 0, 0) != 0)
		msg->flags |= QMGR_MSG_DEFER;
	/* Not synced: see qmgr_active_defer_msg(). */
	close(fd);
}

int
qmgr_defer_builtin(struct qmgr_message *msg, const struct qmgr_rcpt *rcpt,
    const char *transport, const char *nexthop)
{
	const char *def, *text;
	char dsn[16];

	if (strcmp(transport, "error") == 0)
		def = "5.0.0";
	else if (strcmp(transport, "retry") == 0)
		def = "4.0.0";
	else if (strcmp(transport, "discard") == 0)
		def = "2.0.0";
	else
		return (0);
	text = resolve_dsn_split(def, nexthop, dsn);
	if (*def == '4' || (*def == '5' && dsn[0] == '4'))
		qmgr_defer_rcpt(msg, rcpt, dsn, text);
	else
		qmgr_defer_final(msg, rcpt, *def == '2' ? "sent" : "bounced",
		    dsn, text);
	return (1);
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
