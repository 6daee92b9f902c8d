/*
 * postsuper_select - delete, hold, release, requeue or expire the messages
 * that a selection (qselect(3): --sender, --domain, --older-than, ...)
 * chooses.
 *
 * Implementation notes. Selection and action are one step per message:
 * showq(3) reads the message (envelope and defer log, as the listing
 * shows it) and, while it still holds the file open, calls back here;
 * the callback matches it and changes that very file. Before the change
 * qselect_same_file() checks that the path (always the hashed path
 * queue/H/ID, the one a move renames) is a ready file with the device and
 * inode of the file that was read. The open descriptor keeps that inode
 * allocated, so no other file can have it meanwhile: a queue ID that was
 * reused (a message delivered and another created under the same name)
 * fails the check and is left alone. Both of Postfix's queue ID forms
 * hold the inode number, so while the descriptor is open a new message
 * cannot even get the same ID on that file system. What remains is the
 * time between that lstat() and the unlink() or rename(), two adjacent
 * system calls with nothing in between.
 *
 * When qmgr moved the message after it was read (deferred to active, for
 * example), it is looked for in the operation's other queues, twice as
 * ps_op_id() does, and found by its device and inode; a queue it moved
 * to must also satisfy the selection (--queue). A message that matched
 * but is gone when acted upon is not counted.
 *
 * ALL walks the operation's queues in showq(3)'s order (maildrop,
 * active, incoming, deferred, hold); no operation moves a message into a
 * queue it walks, so none is seen twice. Unlike Postfix's ALL, a
 * selection prints "ID: removed" (etc.) for every message it changes,
 * as an explicit list of IDs does, and -d also removes the message's
 * defer, bounce and trace logs, as "-d ID" does.
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>

#include "msg.h"
#include "qdir.h"
#include "qselect.h"
#include "showq.h"
#include "vbuf.h"
#include "postsuper.h"

#define PS_SELECT_QUEUES 8 /* more than showq_queues[] holds */

struct ps_select {
	enum ps_op op;
	char **queues; /* the command line's list */
	const struct qselect *sel;
	long now;
	int found;	  /* an explicit ID was read */
	struct vbuf path; /* scratch */
};

/* ps_select_queue - may the operation act on a message in queue? */

static int
ps_select_queue(const struct ps_select *ps, const char *queue)
{
	char **qp;

	if (!ps_op_uses(ps->op, queue))
		return (0);
	for (qp = ps->queues; *qp; qp++)
		if (strcmp(*qp, queue) == 0)
			return (1);
	return (0);
}

/* ps_select_try - act on msg if queue/H/ID is the file that was read */

static int
ps_select_try(struct ps_select *ps, const struct showq_msg *msg,
    const char *queue)
{
	struct showq_msg moved = *msg;
	struct stat st;

	if (!ps_select_queue(ps, queue))
		return (0);
	moved.queue = queue;
	if (strcmp(queue, msg->queue) != 0 &&
	    !qselect_match(ps->sel, &moved, ps->now))
		return (0);
	qdir_path(&ps->path, queue, msg->id);
	if (!qselect_same_file(msg, ps->path.data, &st)) {
		if (errno != ENOENT)
			msg_warn("%s: %m", ps->path.data);
		return (0);
	}
	return (ps_apply(ps->op, queue, msg->id, ps->path.data, &st, 1));
}

/* ps_select_msg - showq_fn: match one message and act on it */

static int
ps_select_msg(const struct showq_msg *msg, void *ctx)
{
	struct ps_select *ps = ctx;
	char **qp;
	int round;
	int ret;

	ps->found = 1;
	if (!qselect_match(ps->sel, msg, ps->now))
		return (0);
	if ((ret = ps_select_try(ps, msg, msg->queue)) == 0) {
		for (round = 0; round < 2 && ret == 0; round++)
			for (qp = ps->queues; *qp && ret == 0; qp++)
				ret = ps_select_try(ps, msg, *qp);
	}
	if (ret > 0)
		ps_done(ps->op, msg->id);
	return (0);
}

/* ps_select_init - the context of one request */

static void
ps_select_init(struct ps_select *ps, enum ps_op op, char **queues,
    const struct qselect *sel)
{
	memset(ps, 0, sizeof(*ps));
	ps->op = op;
	ps->queues = queues;
	ps->sel = sel;
	ps->now = (long)time((time_t *)0);
}

/* ps_select_id - one ID, if the selection chooses it */

void
ps_select_id(enum ps_op op, const char *id, char **queues,
    const struct qselect *sel)
{
	struct ps_select ps;
	char **qp;
	int round;

	ps_select_init(&ps, op, queues, sel);
	for (round = 0; round < 2 && !ps.found; round++)
		for (qp = queues; *qp && !ps.found; qp++)
			if (ps_select_queue(&ps, *qp))
				(void)showq_read(*qp, id, ps_select_msg, &ps);
	vbuf_free(&ps.path);
}

/* ps_select_all - every message of the queues that the selection chooses */

void
ps_select_all(enum ps_op op, char **queues, const struct qselect *sel)
{
	const char *walk[PS_SELECT_QUEUES];
	struct showq_scan *scan;
	struct ps_select ps;
	struct vbuf why = VBUF_INIT;
	size_t n = 0;
	size_t i;
	int status;
	int fn_ret;

	ps_select_init(&ps, op, queues, sel);
	for (i = 0; showq_queues[i] && n < PS_SELECT_QUEUES - 1; i++)
		if (ps_select_queue(&ps, showq_queues[i]))
			walk[n++] = showq_queues[i];
	walk[n] = 0;
	/* a queue that cannot be read gets a warning; the others go on */
	scan = showq_scan_open(walk);
	while ((status = showq_scan_next(scan, ps_select_msg, &ps, &fn_ret,
		    &why)) != SHOWQ_SCAN_END)
		if (status == SHOWQ_SCAN_ERR)
			msg_warn("%s", vbuf_str(&why));
	showq_scan_close(scan);
	vbuf_free(&why);
	vbuf_free(&ps.path);
}
