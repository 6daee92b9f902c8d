/*
 * postsuper_ops - delete, hold, release, requeue and expire messages.
 *
 * Implementation notes. Only ready files (qdir_ready()) are touched, as in
 * Postfix: a file still being written is invisible. A lookup by ID tries
 * the queues twice, because qmgr may move the message between two of
 * them while we look (Postfix does the same). ALL walks the queues with
 * qdir_scan, which keeps its memory constant; nothing is fsync()ed and
 * nothing is re-scanned. Renaming a file out of a directory that is being
 * read is safe: at worst readdir() returns a name once more, and the
 * second lstat() then fails with ENOENT.
 *
 * "-d ALL" has its own walk (ps_delete_all). Most of the time of a plain
 * unlink() goes into freeing the file's blocks (on a disk mounted with
 * "discard" each unlink waits for the device), not into removing its
 * name. So each ready file is opened with O_PATH (which needs no read
 * permission and never blocks), checked with fstat() and unlinked by name
 * relative to its directory's descriptor; the name is gone from the queue
 * at once, exactly as with a plain unlink, while the open descriptor
 * keeps the inode alive. Batches of such descriptors are handed to a
 * forked child that closes them, which frees the blocks in the
 * background after postsuper has printed its summary (ps(1) shows these
 * children as "postsuper-close"). If such a child dies, the kernel closes
 * the descriptors all the same: nothing is ever left behind. Small
 * batches, and any failure to fork, are closed in-line. How many children
 * may be closing at a time follows the memory available
 * (ps_reap_kids()): with too few, the removal waits for the disk. The removal
 * itself is shared by one process per processor: each takes a fixed
 * share of the names directly in each queue directory (its hash
 * directories, or its files; qdir_name_part()) and reports its count
 * through a pipe, so that the summary counts every message once.
 *
 * Each file costs an open, a stat (message queues), an unlink and the
 * close, and on a paravirtualised machine the entry and exit of a system
 * call cost about as much as its work. So the names of a directory go
 * through io_uring in batches of PS_BATCH (ps_batch_flush()): one
 * submission opens them all O_PATH and stats them by name, a second
 * unlinks the ready ones; the descriptors then go to the closing children
 * as before. Without a ring (the kernel refuses one, or SLUICE_IO_URING=0
 * in the environment) each name goes through ps_delete_file().
 */
#include <dirent.h>
#include <stdint.h>
#include <stdlib.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "dlog.h"
#include "mem.h"
#include "msg.h"
#include "qdir.h"
#include "qid.h"
#include "uring.h"
#include "vbuf.h"
#include "postsuper.h"

unsigned long ps_count[PS_OP_COUNT];

/*
 * The queues each operation looks at (further limited by the command
 * line list), and what it prints per message.
 */
static const char *const ps_delete_queues[] = {
    QDIR_MAILDROP,
    QDIR_INCOMING,
    QDIR_ACTIVE,
    QDIR_DEFERRED,
    QDIR_HOLD,
    0,
};
static const char *const ps_hold_queues[] = {
    QDIR_INCOMING,
    QDIR_ACTIVE,
    QDIR_DEFERRED,
    0,
};
static const char *const ps_release_queues[] = {
    QDIR_HOLD,
    0,
};
static const char *const ps_requeue_queues[] = {
    QDIR_INCOMING,
    QDIR_ACTIVE,
    QDIR_DEFERRED,
    QDIR_HOLD,
    0,
};

static const struct ps_op_info {
	const char *const *queues;
	const char *done; /* "ID: removed" */
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

int
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
	static const char *const logs[] = {QDIR_BOUNCE, QDIR_DEFER, QDIR_TRACE,
	    0};
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
int
ps_apply(enum ps_op op, const char *queue, const char *id, const char *path,
    const struct stat *st, int remove_logs)
{
	struct vbuf dest = VBUF_INIT;
	int ret = 1;

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
		    op == PS_DELETE	  ? "remove"
			: op == PS_EXPIRE ? "chmod"
					  : "rename");
	vbuf_free(&dest);
	return (ret);
}

/* ps_op_id - one operation on one message */

void
ps_op_id(enum ps_op op, const char *id, char **queues)
{
	struct vbuf path = VBUF_INIT;
	struct stat st;
	char **qp;
	int round;
	int ret = 0;

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
	if (ret > 0)
		ps_done(op, id);
	vbuf_free(&path);
}

/* ps_done - "ID: removed", and count it */

void
ps_done(enum ps_op op, const char *id)
{
	msg_info("%s: %s", id, ps_op_info[op].done);
	ps_count[op]++;
}

/*
 * -d ALL: descriptors of unlinked files, closed by a child (see the notes
 * at the top).
 */
#define PS_REAP_BATCH 4096   /* descriptors per closing child */
#define PS_REAP_INLINE 64    /* fewer are closed in-line */
#define PS_REAP_KIDS 8	     /* closing children at a time, at least */
#define PS_REAP_KIDS_MAX 32  /* ... and at most */
#define PS_REAP_INODE 1536   /* kernel memory held per open file */
#define PS_REAP_NOFILE 65536 /* raise the soft limit up to this */
#define PS_SCAN_DEPTH 16     /* levels below a queue, as qdir_scan */
#define PS_REAP_NAME "postsuper-close" /* the children, for ps(1) */
#define PS_DELETE_PROCS 8	       /* removal processes at most */

struct ps_reap {
	int *fds; /* open, already unlinked */
	size_t len;
	int kids;      /* closing children not waited for */
	int max_kids;  /* how many may be closing at a time */
	unsigned part; /* the share of each queue this process removes */
	unsigned nparts;
};

/* ps_reap_close - close the batch here */

static void
ps_reap_close(struct ps_reap *r)
{
	size_t i;

	for (i = 0; i < r->len; i++)
		(void)close(r->fds[i]);
	r->len = 0;
}

/* ps_reap_flush - hand the batch to a child that closes it */

static void
ps_reap_flush(struct ps_reap *r)
{
	int sync_pipe[2];
	pid_t pid;
	char ch;

	if (r->len < PS_REAP_INLINE) {
		ps_reap_close(r);
		return;
	}
	while (r->kids > 0 && waitpid(-1, 0, WNOHANG) > 0)
		r->kids--;
	while (r->kids >= r->max_kids) {
		if (waitpid(-1, 0, 0) > 0)
			r->kids--;
		else if (errno != EINTR)
			r->kids = 0;
	}
	if (pipe(sync_pipe) < 0) {
		ps_reap_close(r);
		return;
	}
	(void)fflush(stdout);
	(void)fflush(stderr);
	switch (pid = fork()) {
	case -1:
		(void)close(sync_pipe[0]);
		(void)close(sync_pipe[1]);
		ps_reap_close(r);
		return;
	case 0:
		/*
		 * The child holds no terminal or pipe of the caller open, and
		 * closes the batch only after the parent has closed its copies,
		 * so that the slow last close() happens here. _exit() closes
		 * them.
		 */
		(void)close(sync_pipe[1]);
		(void)prctl(PR_SET_NAME, PS_REAP_NAME, 0, 0, 0);
		(void)close(0);
		(void)close(1);
		(void)close(2);
		(void)setsid();
		while (read(sync_pipe[0], &ch, 1) < 0 && errno == EINTR)
			/* void */;
		_exit(0);
	default:
		(void)close(sync_pipe[0]);
		ps_reap_close(r);
		(void)close(sync_pipe[1]);
		r->kids++;
	}
}

/* ps_reap_openat - openat() that makes room when descriptors run out */

static int
ps_reap_openat(struct ps_reap *r, int dfd, const char *name, int flags)
{
	int fd;

	if ((fd = openat(dfd, name, flags)) < 0 &&
	    (errno == EMFILE || errno == ENFILE) && r->len > 0) {
		ps_reap_flush(r);
		fd = openat(dfd, name, flags);
	}
	return (fd);
}

/*
 * ps_delete_file - unlink dir/name: a ready message file, or any log file
 * that is not a directory. Returns 1 when a message was deleted.
 */
static int
ps_delete_file(struct ps_reap *r, int dfd, const char *dir, const char *name,
    int messages)
{
	struct stat st;
	int fd;

	fd = ps_reap_openat(r, dfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (messages) {
		if (fd >= 0
			? fstat(fd, &st) < 0
			: fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno != ENOENT)
				msg_warn("%s/%s: %m", dir, name);
			if (fd >= 0)
				(void)close(fd);
			return (0);
		}
		if (!qdir_ready(&st)) {
			if (fd >= 0)
				(void)close(fd);
			return (0);
		}
	}
	if (unlinkat(dfd, name, 0) < 0) {
		if (errno != ENOENT && errno != EISDIR)
			msg_warn("%s/%s: remove: %m", dir, name);
		if (fd >= 0)
			(void)close(fd);
		return (0);
	}
	if (fd >= 0) {
		r->fds[r->len++] = fd;
		if (r->len >= PS_REAP_BATCH)
			ps_reap_flush(r);
	}
	return (messages);
}

/*
 * -d ALL in batches: the names of one directory, up to PS_BATCH at a
 * time, go through io_uring: one submission opens them all (O_PATH) and,
 * in a message queue, stats them by name; a second one unlinks those to
 * be removed. Without a ring (SLUICE_IO_URING=0, or the kernel refuses
 * one) each name goes through ps_delete_file().
 */
#define PS_BATCH 64
#define PS_OP_OPEN 0
#define PS_OP_STAT 1
#define PS_OP_UNLINK 2

struct ps_batch {
	char name[PS_BATCH][256]; /* d_name */
	int fd[PS_BATCH];	  /* O_PATH descriptor, or -errno */
	int stat_res[PS_BATCH];
	int unlink_res[PS_BATCH];
	struct statx stx[PS_BATCH];
	int count;
};

_Static_assert(2 * PS_BATCH <= URING_ENTRIES, "a batch fits the ring");

/* ps_sqe - the next submission entry, for name idx */

static struct io_uring_sqe *
ps_sqe(int idx, int op)
{
	return (uring_sqe(((uint64_t)idx << 2) | op));
}

/* ps_ring_done - store one completion */

static void
ps_ring_done(void *ctx, uint64_t data, int res)
{
	struct ps_batch *b = ctx;
	int i = (int)(data >> 2);

	switch (data & 3) {
	case PS_OP_OPEN:
		b->fd[i] = res;
		break;
	case PS_OP_STAT:
		b->stat_res[i] = res;
		break;
	case PS_OP_UNLINK:
		b->unlink_res[i] = res;
		break;
	}
}

/* ps_batch_ready - may name i be removed? (a warning when it cannot) */

static int
ps_batch_ready(struct ps_batch *b, int i, const char *dir, int messages)
{
	struct stat st;

	if (!messages)
		return (1);
	if (b->stat_res[i] < 0) {
		if (b->stat_res[i] != -ENOENT) {
			errno = -b->stat_res[i];
			msg_warn("%s/%s: %m", dir, b->name[i]);
		}
		return (0);
	}
	memset(&st, 0, sizeof(st));
	st.st_mode = b->stx[i].stx_mode;
	return (qdir_ready(&st));
}

/* ps_batch_flush - remove the names of the batch (see above) */

static void
ps_batch_flush(struct ps_reap *r, struct ps_batch *b, int dfd, const char *dir,
    int messages)
{
	unsigned n = 0;
	int i;

	for (i = 0; i < b->count; i++) {
		io_uring_prep_openat(ps_sqe(i, PS_OP_OPEN), dfd, b->name[i],
		    O_PATH | O_NOFOLLOW | O_CLOEXEC, 0);
		if (messages)
			io_uring_prep_statx(ps_sqe(i, PS_OP_STAT), dfd,
			    b->name[i], AT_SYMLINK_NOFOLLOW,
			    STATX_TYPE | STATX_MODE, b->stx + i);
		n += messages ? 2 : 1;
	}
	uring_run(n, ps_ring_done, b);
	for (n = 0, i = 0; i < b->count; i++) {
		b->unlink_res[i] = -ENOENT;
		if (!ps_batch_ready(b, i, dir, messages))
			continue;
		io_uring_prep_unlinkat(ps_sqe(i, PS_OP_UNLINK), dfd, b->name[i],
		    0);
		n++;
	}
	if (n > 0)
		uring_run(n, ps_ring_done, b);
	for (i = 0; i < b->count; i++) {
		if (b->unlink_res[i] < 0) {
			if (b->unlink_res[i] != -ENOENT &&
			    b->unlink_res[i] != -EISDIR) {
				errno = -b->unlink_res[i];
				msg_warn("%s/%s: remove: %m", dir, b->name[i]);
			}
			if (b->fd[i] >= 0)
				(void)close(b->fd[i]);
			continue;
		}
		if (messages)
			ps_count[PS_DELETE]++;
		if (b->fd[i] >= 0) {
			r->fds[r->len++] = b->fd[i];
			if (r->len >= PS_REAP_BATCH)
				ps_reap_flush(r);
		}
	}
	b->count = 0;
}

/* ps_delete_name - remove dir/name now or in a batch */

static void
ps_delete_name(struct ps_reap *r, struct ps_batch *b, int dfd, const char *dir,
    const char *name, int messages)
{
	size_t len = strlen(name);

	if (b == 0 || len >= sizeof(b->name[0])) {
		if (ps_delete_file(r, dfd, dir, name, messages))
			ps_count[PS_DELETE]++;
		return;
	}
	memcpy(b->name[b->count++], name, len + 1);
	if (b->count >= PS_BATCH)
		ps_batch_flush(r, b, dfd, dir, messages);
}

/* ps_delete_dir - -d ALL in one queue directory and its hash levels */

static void
ps_delete_dir(struct ps_reap *r, int dfd, struct vbuf *path, int depth,
    int messages)
{
	size_t len = path->len;
	struct ps_batch *b;
	struct dirent *dp;
	DIR *dir;
	int sub;

	if ((dir = fdopendir(dfd)) == 0) {
		msg_warn("open directory %s: %m", path->data);
		(void)close(dfd);
		return;
	}
	b = uring_ok() ? mem_alloc(sizeof(*b)) : 0;
	if (b != 0)
		b->count = 0;
	while ((dp = readdir(dir)) != 0) {
		if (strcmp(dp->d_name, ".") == 0 ||
		    strcmp(dp->d_name, "..") == 0)
			continue;
		if (depth == 0 && r->nparts > 1 &&
		    qdir_name_part(dp->d_name, r->nparts) != r->part)
			continue;
		/* one-character names are hash subdirectories, as in qdir_scan
		 */
		if (dp->d_name[1] == 0
#ifdef _DIRENT_HAVE_D_TYPE
		    && (dp->d_type == DT_DIR || dp->d_type == DT_UNKNOWN ||
			   dp->d_type == DT_LNK)
#endif
		) {
			if (depth >= PS_SCAN_DEPTH)
				continue;
			sub = ps_reap_openat(r, dirfd(dir), dp->d_name,
			    O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (sub >= 0) {
				vbuf_putc(path, '/');
				vbuf_puts(path, dp->d_name);
				ps_delete_dir(r, sub, path, depth + 1,
				    messages);
				vbuf_truncate(path, len);
				continue;
			}
			if (errno != ENOTDIR) {
				msg_warn("open directory %s/%s: %m", path->data,
				    dp->d_name);
				continue;
			}
		}
		if (!qid_ok(dp->d_name))
			continue;
		ps_delete_name(r, b, dirfd(dir), path->data, dp->d_name,
		    messages);
	}
	if (b != 0) {
		if (b->count > 0)
			ps_batch_flush(r, b, dirfd(dir), path->data, messages);
		mem_free(b);
	}
	(void)closedir(dir);
}

/* ps_delete_part - -d ALL of this process's share of each queue */

static void
ps_delete_part(struct ps_reap *reap, char **queues)
{
	struct vbuf path = VBUF_INIT;
	char **qp;
	int dfd;

	for (qp = queues; *qp; qp++) {
		if ((dfd = ps_reap_openat(reap, AT_FDCWD, *qp,
			 O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
			if (errno != ENOENT)
				msg_warn("open directory %s: %m", *qp);
			continue;
		}
		vbuf_set(&path, *qp);
		ps_delete_dir(reap, dfd, &path, 0, ps_is_message_queue(*qp));
	}
	ps_reap_flush(reap);
	vbuf_free(&path);
}

/*
 * ps_delete_workers - fork the workers for shares 1 to nparts - 1; each
 * removes its share and writes its count to its pipe. Returns how many
 * started (their read ends and pids in fds and pids).
 */
static unsigned
ps_delete_workers(struct ps_reap *reap, char **queues, int *fds, pid_t *pids)
{
	unsigned long count;
	unsigned n = 0;
	unsigned i;
	int pfd[2];

	(void)fflush(stdout);
	(void)fflush(stderr);
	for (i = 1; i < reap->nparts; i++) {
		if (pipe(pfd) < 0)
			break;
		if ((pids[n] = fork()) < 0) {
			(void)close(pfd[0]);
			(void)close(pfd[1]);
			break;
		}
		if (pids[n] == 0) {
			(void)close(pfd[0]);
			reap->part = i;
			reap->kids = 0;
			ps_count[PS_DELETE] = 0;
			ps_delete_part(reap, queues);
			count = ps_count[PS_DELETE];
			(void)write(pfd[1], &count, sizeof(count));
			_exit(0);
		}
		(void)close(pfd[1]);
		fds[n++] = pfd[0];
	}
	return (n);
}

/*
 * ps_reap_kids - how many closing children one removal process may keep.
 * Each holds up to PS_REAP_BATCH unlinked files open, an inode, dentry
 * and file structure each in kernel memory, and its closes wait for the
 * disk (a discard per file where the file system has that option); while
 * none may be started, the removal waits. So the bound is what an eighth
 * of the memory available (MemAvailable) allows, shared by the nparts
 * removal processes, within PS_REAP_KIDS..PS_REAP_KIDS_MAX: on a machine
 * with gigabytes to spare a removal of 50,000 messages then never waits
 * for the disk, and on a small one it behaves as with a fixed bound.
 */
static int
ps_reap_kids(unsigned nparts)
{
	unsigned long long kb = 0;
	unsigned long long kids;
	char line[128];
	FILE *fp;

	if ((fp = fopen("/proc/meminfo", "r")) != 0) {
		while (fgets(line, sizeof(line), fp) != 0)
			if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1)
				break;
		(void)fclose(fp);
	}
	kids = kb * 1024 / 8 /
	    ((unsigned long long)PS_REAP_BATCH * PS_REAP_INODE *
		(nparts ? nparts : 1));
	return (kids < PS_REAP_KIDS	  ? PS_REAP_KIDS
		: kids > PS_REAP_KIDS_MAX ? PS_REAP_KIDS_MAX
					  : (int)kids);
}

/*
 * ps_delete_all - -d ALL: ready messages, and every file of log queues.
 * One process per processor (at most PS_DELETE_PROCS), each removing a
 * fixed share of every queue (qdir_name_part()); a share whose worker
 * could not be started is removed here.
 */
static void
ps_delete_all(char **queues)
{
	struct ps_reap reap;
	struct rlimit rl;
	int fds[PS_DELETE_PROCS];
	pid_t pids[PS_DELETE_PROCS];
	unsigned long count;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned started;
	unsigned i;

	/* room for a full batch of descriptors, where the hard limit allows */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur < PS_REAP_NOFILE && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur =
		    rl.rlim_max < PS_REAP_NOFILE ? rl.rlim_max : PS_REAP_NOFILE;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	reap.fds = mem_alloc(PS_REAP_BATCH * sizeof(*reap.fds));
	reap.len = 0;
	reap.kids = 0;
	reap.nparts = ncpu < 1	     ? 1
	    : ncpu > PS_DELETE_PROCS ? PS_DELETE_PROCS
				     : (unsigned)ncpu;
	reap.max_kids = ps_reap_kids(reap.nparts);
	started = ps_delete_workers(&reap, queues, fds, pids);
	for (i = 0; i < reap.nparts; i++) {
		if (i > 0 && i <= started)
			continue;
		reap.part = i;
		ps_delete_part(&reap, queues);
	}
	for (i = 0; i < started; i++) {
		if (read(fds[i], &count, sizeof(count)) == sizeof(count))
			ps_count[PS_DELETE] += count;
		else
			msg_warn("a removal worker ended early: "
				 "its messages are not counted");
		(void)close(fds[i]);
		while (waitpid(pids[i], 0, 0) < 0 && errno == EINTR)
			/* void */;
	}
	mem_free(reap.fds);
}

/* ps_op_all - one operation on every ready message of the queues */

void
ps_op_all(enum ps_op op, char **queues)
{
	struct qdir_scan *scan;
	const char *id;
	struct stat st;
	char **qp;

	if (op == PS_DELETE) {
		ps_delete_all(queues);
		return;
	}
	for (qp = queues; *qp; qp++) {
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
					msg_warn("%s: %m",
					    qdir_scan_path(scan));
				continue;
			}
			if (!qdir_ready(&st))
				continue;
			/* qdir_move() computes paths from id; the scan may
			 * differ */
			if (ps_apply(op, *qp, id, qdir_scan_path(scan), &st,
				0) > 0)
				ps_count[op]++;
		}
		(void)qdir_scan_close(scan);
	}
}
