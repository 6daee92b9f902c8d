/*
 * postsuper_ops - delete, hold, release, requeue and expire messages.
 *
 * Implementation notes. Only ready files (qdir_ready()) are touched, as in
 * Postfix: a file still being written is invisible. A lookup by ID tries
 * the queues twice, because qmgr may move the message between two of
 * them while we look (Postfix does the same). ALL walks the queues with
 * qdir_scan, which keeps its memory constant; deleting is lstat + unlink,
 * nothing is fsync()ed and nothing is re-scanned, so "-d ALL" on 10,000
 * files takes a fraction of a second. Renaming a file out of a directory
 * that is being read is safe: at worst readdir() returns a name once
 * more, and the second lstat() then fails with ENOENT.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "dlog.h"
#include "msg.h"
#include "qdir.h"
#include "vbuf.h"
#include "postsuper.h"

unsigned long ps_count[PS_OP_COUNT];

 /*
  * The queues each operation looks at (further limited by the command
  * line list), and what it prints per message.
  */
static const char *const ps_delete_queues[] = {
    QDIR_MAILDROP, QDIR_INCOMING, QDIR_ACTIVE, QDIR_DEFERRED, QDIR_HOLD, 0,
};
static const char *const ps_hold_queues[] = {
    QDIR_INCOMING, QDIR_ACTIVE, QDIR_DEFERRED, 0,
};
static const char *const ps_release_queues[] = {
    QDIR_HOLD, 0,
};
static const char *const ps_requeue_queues[] = {
    QDIR_INCOMING, QDIR_ACTIVE, QDIR_DEFERRED, QDIR_HOLD, 0,
};

static const struct ps_op_info {
    const char *const *queues;
    const char *done;			/* "ID: removed" */
} ps_op_info[PS_OP_COUNT] = {
    [PS_REQUEUE] = {ps_requeue_queues, "requeued"},
    [PS_DELETE] = {ps_delete_queues, "removed"},
    [PS_EXPIRE] = {ps_requeue_queues, "expired"},
    [PS_HOLD] = {ps_hold_queues, "placed on hold"},
    [PS_RELEASE] = {ps_release_queues, "released from hold"},
};

/* ps_is_message_queue - holds queue files (not logs) */

int
ps_is_message_queue(const char *queue)
{
    const char *const *qp;

    for (qp = ps_delete_queues; *qp; qp++)
	if (strcmp(*qp, queue) == 0)
	    return (1);
    return (0);
}

/* ps_op_uses - does op look in this queue? */

static int
ps_op_uses(enum ps_op op, const char *queue)
{
    const char *const *qp;

    for (qp = ps_op_info[op].queues; *qp; qp++)
	if (strcmp(*qp, queue) == 0)
	    return (1);
    return (0);
}

/* ps_remove_logs - bounce, defer, trace logs of a message */

static void
ps_remove_logs(const char *id)
{
    static const char *const logs[] = {QDIR_BOUNCE, QDIR_DEFER, QDIR_TRACE, 0};
    struct vbuf path = VBUF_INIT;
    const char *const *qp;

    for (qp = logs; *qp; qp++) {
	qdir_path(&path, *qp, id);
	if (unlink(path.data) < 0 && errno != ENOENT)
	    msg_warn("remove file %s: %m", path.data);
    }
    vbuf_free(&path);
}

/*
 * ps_apply - do op on the ready file queue/id at path. Returns 1 when
 * done, 0 when the file went away (look elsewhere), -1 on other errors.
 */
static int
ps_apply(enum ps_op op, const char *queue, const char *id, const char *path,
	 const struct stat *st, int remove_logs)
{
    struct vbuf dest = VBUF_INIT;
    int     ret = 1;

    switch (op) {
    case PS_DELETE:
	if (remove_logs)
	    ps_remove_logs(id);
	if (unlink(path) < 0)
	    ret = -1;
	break;
    case PS_HOLD:
	if (qdir_move(id, queue, QDIR_HOLD) < 0)
	    ret = -1;
	break;
    case PS_RELEASE:
	if (qdir_move(id, queue, QDIR_DEFERRED) < 0)
	    ret = -1;
	break;
    case PS_REQUEUE:
	if (qdir_move(id, queue, QDIR_MAILDROP) < 0) {
	    ret = -1;
	    break;
	}
	/* pickup takes it from here; mode 0700 says "requeued" */
	qdir_path(&dest, QDIR_MAILDROP, id);
	if (utimensat(AT_FDCWD, dest.data, 0, 0) < 0 && errno != ENOENT)
	    msg_warn("set time stamps of %s: %m", dest.data);
	break;
    case PS_EXPIRE:
	if (chmod(path, (st->st_mode | S_IXGRP) & 07777) < 0)
	    ret = -1;
	break;
    default:
	msg_panic("ps_apply: bad operation %d", op);
    }
    if (ret < 0 && errno == ENOENT)
	ret = 0;
    else if (ret < 0)
	msg_warn("%s: %s: %m", path,
		 op == PS_DELETE ? "remove" : op == PS_EXPIRE ? "chmod" :
		 "rename");
    vbuf_free(&dest);
    return (ret);
}

/* ps_op_id - one operation on one message */

void
ps_op_id(enum ps_op op, const char *id, char **queues)
{
    struct vbuf path = VBUF_INIT;
    struct stat st;
    char  **qp;
    int     round;
    int     ret = 0;

    for (round = 0; round < 2 && ret == 0; round++) {
	for (qp = queues; *qp && ret == 0; qp++) {
	    if (!ps_op_uses(op, *qp))
		continue;
	    qdir_path(&path, *qp, id);
	    if (lstat(path.data, &st) < 0) {
		if (errno != ENOENT)
		    msg_warn("%s: %m", path.data);
		continue;
	    }
	    if (!qdir_ready(&st))
		continue;
	    ret = ps_apply(op, *qp, id, path.data, &st, 1);
	}
    }
    if (ret > 0) {
	msg_info("%s: %s", id, ps_op_info[op].done);
	ps_count[op]++;
    }
    vbuf_free(&path);
}

/* ps_delete_logs_all - -d ALL in a log queue: every file */

static void
ps_delete_logs_all(const char *queue)
{
    struct qdir_scan *scan;

    if ((scan = qdir_scan_open(queue)) == 0) {
	if (errno != ENOENT)
	    msg_warn("open directory %s: %m", queue);
	return;
    }
    while (qdir_scan_next(scan) != 0)
	if (unlink(qdir_scan_path(scan)) < 0 && errno != ENOENT
	    && errno != EISDIR)
	    msg_warn("remove file %s: %m", qdir_scan_path(scan));
    (void) qdir_scan_close(scan);
}

/* ps_op_all - one operation on every ready message of the queues */

void
ps_op_all(enum ps_op op, char **queues)
{
    struct qdir_scan *scan;
    const char *id;
    struct stat st;
    char  **qp;

    for (qp = queues; *qp; qp++) {
	if (op == PS_DELETE && !ps_is_message_queue(*qp)) {
	    ps_delete_logs_all(*qp);
	    continue;
	}
	if (!ps_op_uses(op, *qp))
	    continue;
	if ((scan = qdir_scan_open(*qp)) == 0) {
	    if (errno != ENOENT)
		msg_warn("open directory %s: %m", *qp);
	    continue;
	}
	while ((id = qdir_scan_next(scan)) != 0) {
	    if (lstat(qdir_scan_path(scan), &st) < 0) {
		if (errno != ENOENT)
		    msg_warn("%s: %m", qdir_scan_path(scan));
		continue;
	    }
	    if (!qdir_ready(&st))
		continue;
	    /* qdir_move() computes paths from id; the scan may differ */
	    if (ps_apply(op, *qp, id, qdir_scan_path(scan), &st, 0) > 0)
		ps_count[op]++;
	}
	(void) qdir_scan_close(scan);
    }
}
