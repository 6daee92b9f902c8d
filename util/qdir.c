/*
 * qdir - the queue directory: names, hashing, creation, moves, scans;
 * see qdir.h.
 *
 * Implementation notes:
 *
 *	qdir_create() follows Postfix's mail_queue_enter(): the temporary
 *	name "queue/USEC.PID" contains a '.', so no reader ever sees it
 *	(qid_ok() rejects it); the final name is made from the clock at
 *	rename time and the file's inode. Unlike Postfix we rename with
 *	RENAME_NOREPLACE where the file system supports it, so a collision
 *	can never replace another message; it is retried with a new clock
 *	reading instead.
 *
 *	qdir_mkdirs() takes a file path, as Postfix's mail_queue_mkdirs():
 *	the last component is the file and is not created, unless the path
 *	ends in '/'.
 *
 *	The scanner keeps one open directory per level, at most
 *	QDIR_SCAN_DEPTH levels, plus the current path: its memory does not
 *	grow with the number of files. Like Postfix's mail_scan_dir it
 *	descends into every one-character name that is a directory.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <sys/types.h>
#include <unistd.h>

#include "qdir.h"
#include "qid.h"
#include "mem.h"
#include "msg.h"
#include "param.h"
#include "vbuf.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif

#define QDIR_NAME_MAX 100      /* Postfix's limit on queue names */
#define QDIR_CREATE_TRIES 1000 /* as in mail_queue_enter() */
#define QDIR_SCAN_DEPTH 16     /* levels below the queue itself */

static void qdir_pool_reset(void);

const char *const qdir_all_queues[] = {
    QDIR_MAILDROP,
    QDIR_INCOMING,
    QDIR_ACTIVE,
    QDIR_DEFERRED,
    QDIR_HOLD,
    QDIR_CORRUPT,
    QDIR_SAVED,
    QDIR_DEFER,
    QDIR_BOUNCE,
    QDIR_TRACE,
    QDIR_FLUSH,
    QDIR_RECYCLE,
    "public",
    "private",
    "pid",
    0,
};

/* qdir_name_ok - Postfix's mail_queue_name_ok() */

static int
qdir_name_ok(const char *queue)
{
	const char *cp;

	if (queue == 0 || *queue == 0 || strlen(queue) > QDIR_NAME_MAX)
		return (0);
	for (cp = queue; *cp; cp++)
		if (!((*cp >= 'A' && *cp <= 'Z') ||
			(*cp >= 'a' && *cp <= 'z') ||
			(*cp >= '0' && *cp <= '9')))
			return (0);
	return (1);
}

/*
 * The parameters qdir uses. qdir_param_init() binds them again on every
 * call, so that a process that reloads its configuration (param_load())
 * never uses a value the reload freed.
 */

static const struct param_var qdir_params[] = {
    PARAM_VAR(enable_long_queue_ids),
    PARAM_VAR(hash_queue_depth),
    PARAM_VAR(hash_queue_names),
    PARAM_VAR(queue_directory),
    PARAM_VAR_END,
};

static void
qdir_param_init(void)
{
	param_bind(qdir_params);
}

/* qdir_chdir - go to queue_directory */

void
qdir_chdir(void)
{
	qdir_param_init();
	if (chdir(var_queue_directory) < 0)
		msg_fatal("chdir %s: %m", var_queue_directory);
	qdir_pool_reset();
}

/* qdir_hashed - is this queue hashed? */

int
qdir_hashed(const char *queue)
{
	char **names;

	if (strcmp(queue, QDIR_MAILDROP) == 0)
		return (0);
	qdir_param_init();
	for (names = var_hash_queue_names; names && *names; names++)
		if (strcasecmp(*names, queue) == 0)
			return (1);
	return (0);
}

/* qdir_path - relative path of a queue file */

const char *
qdir_path(struct vbuf *out, const char *queue, const char *id)
{
	char hash[8];
	int depth;
	int i;

	if (!qdir_name_ok(queue))
		msg_panic("qdir_path: invalid queue name: %s",
		    queue ? queue : "(null)");
	if (!qid_ok(id))
		msg_panic("qdir_path: invalid queue id: %s",
		    id ? id : "(null)");
	vbuf_reset(out);
	vbuf_puts(out, queue);
	vbuf_putc(out, '/');
	if (qdir_hashed(queue)) {
		depth = (int)var_hash_queue_depth;
		depth = qid_hash_chars(id, hash, depth);
		for (i = 0; i < depth; i++) {
			vbuf_putc(out, hash[i]);
			vbuf_putc(out, '/');
		}
	}
	vbuf_puts(out, id);
	return (out->data);
}

/* qdir_mkdirs - create the missing parent directories of a path */

int
qdir_mkdirs(const char *path)
{
	char *copy = mem_strdup(path);
	char *cp;
	int saved;

	for (cp = copy; (cp = strchr(cp, '/')) != 0; cp++) {
		if (cp == copy)
			continue;
		*cp = 0;
		if (mkdir(copy, 0700) < 0 && errno != EEXIST) {
			saved = errno;
			mem_free(copy);
			errno = saved;
			return (-1);
		}
		*cp = '/';
	}
	mem_free(copy);
	return (0);
}

/* qdir_rename_new - rename without replacing an existing file */

static int
qdir_rename_new(const char *from, const char *to)
{
	static int no_noreplace;

	if (!no_noreplace) {
		if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) ==
		    0)
			return (0);
		if (errno != EINVAL && errno != ENOSYS)
			return (-1);
		no_noreplace = 1;
	}
	return (rename(from, to));
}

/*
 * qdir_name - rename the file at from (relative to queue_directory) to its
 * queue ID in queue, made from the clock now and ino; the ID goes to buf.
 * Returns 0, or -1 with errno (ENOENT: from is gone).
 */
static int
qdir_name(const char *from, const char *queue, ino_t ino, char *buf,
    struct vbuf *path)
{
	struct timeval tv;
	struct stat st;
	int count;

	for (count = 0; /* void */; count++) {
		gettimeofday(&tv, (struct timezone *)0);
		if (var_enable_long_queue_ids)
			qid_long(buf, (long)tv.tv_sec, (long)tv.tv_usec,
			    (unsigned long)ino);
		else
			qid_short(buf, (long)tv.tv_usec, (unsigned long)ino);
		qdir_path(path, queue, buf);
		if (qdir_rename_new(from, path->data) == 0)
			return (0);
		if (count >= QDIR_CREATE_TRIES)
			return (-1);
		if (errno == EEXIST || errno == EPERM || errno == EISDIR ||
		    errno == ENOTEMPTY)
			continue;
		if (errno != ENOENT)
			return (-1);
		if (lstat(from, &st) < 0 || qdir_mkdirs(path->data) < 0) {
			errno = ENOENT;
			return (-1);
		}
	}
}

/* qdir_create - make a new queue file, Postfix style */

int
qdir_create(const char *queue, struct vbuf *id, struct vbuf *why)
{
	struct vbuf temp = VBUF_INIT;
	struct vbuf path = VBUF_INIT;
	struct timeval tv;
	struct stat st;
	char buf[QID_SIZE];
	long pid = (long)getpid();
	int fd = -1;
	int count;

	if (!qdir_name_ok(queue))
		msg_panic("qdir_create: invalid queue name: %s",
		    queue ? queue : "(null)");
	qdir_param_init();

	/*
	 * Create a file under a name that no reader looks at.
	 */
	for (count = 0; /* void */; count++) {
		gettimeofday(&tv, (struct timezone *)0);
		vbuf_reset(&temp);
		vbuf_printf(&temp, "%s/%ld.%ld", queue, (long)tv.tv_usec, pid);
		if ((fd = open(temp.data, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC,
			 0600)) >= 0)
			break;
		if ((errno == EEXIST || errno == EISDIR) &&
		    count < QDIR_CREATE_TRIES)
			continue;
		vbuf_reset(why);
		vbuf_printf(why, "create file %s: %m", temp.data);
		goto fail;
	}
	if (fstat(fd, &st) < 0) {
		vbuf_reset(why);
		vbuf_printf(why, "fstat %s: %m", temp.data);
		goto fail;
	}

	/*
	 * Give it its name from the clock now and the inode number.
	 */
	if (qdir_name(temp.data, queue, st.st_ino, buf, &path) < 0) {
		vbuf_reset(why);
		vbuf_printf(why, "rename %s to %s: %m", temp.data, path.data);
		goto fail;
	}
	vbuf_set(id, buf);
	vbuf_free(&temp);
	vbuf_free(&path);
	return (fd);

fail:
	if (fd >= 0) {
		(void)unlink(temp.data);
		(void)close(fd);
	}
	vbuf_free(&temp);
	vbuf_free(&path);
	return (-1);
}

/*
 * The pool of finished files: QDIR_RECYCLE_MAX fixed slots, recycle/pool.N.
 * The giver (qmgr) puts a file into the first free slot at or after its
 * cursor (rename without replacing: an occupied slot fails with EEXIST);
 * a taker (cleanup) claims the first full slot at or after its own
 * cursor, by renaming it to the new queue ID. So the slots work as a
 * ring buffer shared by processes, with no count to keep: the pool never
 * holds more than QDIR_RECYCLE_MAX files, and a taker that follows the
 * giver finds a file at its first or second probe. A taker that finds
 * nothing near its cursor reads the directory once to find the oldest
 * file. Each process keeps only its cursor, and after finding the pool
 * empty, how many creations (within that second) go without a look.
 */
#define QDIR_POOL_GIVE_TRIES 4	/* slots tried before a file is removed */
#define QDIR_POOL_TAKE_TRIES 8	/* slots tried before a file is created */
#define QDIR_POOL_EMPTY_SKIP 16 /* creations without a look, after a miss */

static unsigned qdir_pool_give_at;
static unsigned qdir_pool_take_at;
static int qdir_pool_skip;     /* creations left before a look... */
static time_t qdir_pool_empty; /* ...within the second it was empty */

/* qdir_pool_reset - forget what this process knew of the pool */

static void
qdir_pool_reset(void)
{
	qdir_pool_take_at = qdir_pool_give_at = 0;
	qdir_pool_skip = 0;
	qdir_pool_empty = 0;
}

/* qdir_pool_slot - the name of slot n */

static void
qdir_pool_slot(struct vbuf *path, unsigned n)
{
	vbuf_reset(path);
	vbuf_printf(path, "%s/pool.%u", QDIR_RECYCLE, n % QDIR_RECYCLE_MAX);
}

/*
 * qdir_pool_take - claim the file in slot n for queue, or -1. The slot may
 * change hands between the open() and the rename() (another taker claims
 * it, the giver fills it again): the rename then moved a file other than
 * the one opened, which the inode check finds; that file, unclaimed by
 * anyone else, is removed.
 */
static int
qdir_pool_take(unsigned n, const char *queue, struct vbuf *id)
{
	struct vbuf from = VBUF_INIT;
	struct vbuf path = VBUF_INIT;
	struct stat st;
	struct stat st2;
	char buf[QID_SIZE];
	int fd;

	qdir_pool_slot(&from, n);
	fd = open(from.data,
	    O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd >= 0 &&
	    (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1 ||
		(st.st_mode & 07777) != (S_IRUSR | S_IWUSR) ||
		st.st_uid != geteuid())) {
		(void)close(fd);
		fd = -1;
		if (unlink(from.data) == 0)
			msg_warn("%s: removed, not a reusable queue file",
			    from.data);
	}

	/*
	 * The rename is the claim; nothing is written before it.
	 */
	if (fd >= 0 && qdir_name(from.data, queue, st.st_ino, buf, &path) < 0) {
		if (errno != ENOENT) /* ENOENT: another process took it */
			msg_warn("rename %s to %s: %m", from.data, path.data);
		(void)close(fd);
		fd = -1;
	}
	if (fd >= 0 &&
	    (lstat(path.data, &st2) < 0 || st2.st_ino != st.st_ino ||
		st2.st_dev != st.st_dev)) {
		(void)unlink(path.data);
		(void)close(fd);
		fd = -1;
	}
	if (fd >= 0) {
		if (futimens(fd, (const struct timespec *)0) < 0)
			msg_warn("utime %s: %m", path.data);
		vbuf_set(id, buf);
	}
	vbuf_free(&from);
	vbuf_free(&path);
	return (fd);
}

/*
 * qdir_pool_find - where a taker should look: the oldest file of the ring
 * (a full slot after an empty one), found by one reading of the
 * directory; -1 when the pool is empty. Files an earlier version kept
 * under their queue IDs are removed on the way.
 */
static int
qdir_pool_find(unsigned *at)
{
	unsigned char full[QDIR_RECYCLE_MAX] = {0};
	struct dirent *dp;
	unsigned n;
	unsigned k;
	int any = 0;
	char *end;
	DIR *dir;

	if ((dir = opendir(QDIR_RECYCLE)) == 0)
		return (-1);
	while ((dp = readdir(dir)) != 0) {
		/* A file kept under its queue ID by an earlier version. */
		if (qid_ok(dp->d_name) &&
		    unlinkat(dirfd(dir), dp->d_name, 0) == 0)
			continue;
		if (strncmp(dp->d_name, "pool.", 5) != 0 ||
		    !isdigit((unsigned char)dp->d_name[5]))
			continue;
		errno = 0;
		n = (unsigned)strtoul(dp->d_name + 5, &end, 10);
		if (*end == 0 && errno == 0 && n < QDIR_RECYCLE_MAX)
			full[n] = any = 1;
	}
	(void)closedir(dir);
	if (!any)
		return (-1);
	for (k = 0; k < QDIR_RECYCLE_MAX; k++) {
		n = (*at + k) % QDIR_RECYCLE_MAX;
		if (full[n] &&
		    !full[(n + QDIR_RECYCLE_MAX - 1) % QDIR_RECYCLE_MAX]) {
			*at = n;
			break;
		}
	}
	return (0);
}

/* qdir_create_reuse - a queue file from the pool, else a new one */

int
qdir_create_reuse(const char *queue, struct vbuf *id, int *reused,
    struct vbuf *why)
{
	unsigned n;
	int round;
	int fd;

	if (!qdir_name_ok(queue))
		msg_panic("qdir_create_reuse: invalid queue name: %s",
		    queue ? queue : "(null)");
	qdir_param_init();
	*reused = 0;
	if (qdir_pool_skip > 0 && qdir_pool_empty == time((time_t *)0)) {
		qdir_pool_skip--;
		return (qdir_create(queue, id, why));
	}
	for (round = 0; round < 2; round++) {
		for (n = 0; n < QDIR_POOL_TAKE_TRIES; n++) {
			if ((fd = qdir_pool_take(qdir_pool_take_at + n, queue,
				 id)) >= 0) {
				qdir_pool_take_at += n + 1;
				*reused = 1;
				return (fd);
			}
		}
		/* Nothing where we look: find where the files are. */
		if (round > 0 || qdir_pool_find(&qdir_pool_take_at) < 0)
			break;
	}
	qdir_pool_skip = QDIR_POOL_EMPTY_SKIP;
	qdir_pool_empty = time((time_t *)0);
	return (qdir_create(queue, id, why));
}

/* qdir_recycle - remove a finished queue file, keeping it for reuse */

int
qdir_recycle(const char *queue, const char *id, long size)
{
	struct vbuf path = VBUF_INIT;
	struct vbuf to = VBUF_INIT;
	int ret = -1;
	int saved;
	int n;

	qdir_path(&path, queue, id);
	if (size >= 0 && size <= QDIR_RECYCLE_FILE_MAX &&
	    chmod(path.data, S_IRUSR | S_IWUSR) == 0) {
		/* The cursor moves only past a slot filled: a full ring
		 * keeps it where the takers free the next slot. */
		for (n = 0; n < QDIR_POOL_GIVE_TRIES; n++) {
			qdir_pool_slot(&to, qdir_pool_give_at + n);
			if ((ret = qdir_rename_new(path.data, to.data)) == 0) {
				qdir_pool_give_at += n + 1;
				break;
			}
			if (errno != EEXIST)
				break;
		}
	}
	if (ret < 0)
		ret = unlink(path.data);
	saved = errno;
	vbuf_free(&path);
	vbuf_free(&to);
	errno = saved;
	return (ret);
}

/* qdir_move - move a queue file to another queue */

int
qdir_move(const char *id, const char *from, const char *to)
{
	struct vbuf old_path = VBUF_INIT;
	struct vbuf new_path = VBUF_INIT;
	int ret;
	int saved;

	qdir_path(&old_path, from, id);
	qdir_path(&new_path, to, id);
	if ((ret = rename(old_path.data, new_path.data)) < 0 &&
	    errno == ENOENT && qdir_mkdirs(new_path.data) == 0)
		ret = rename(old_path.data, new_path.data);
	saved = errno;
	vbuf_free(&old_path);
	vbuf_free(&new_path);
	errno = saved;
	return (ret);
}

/* qdir_ready - Postfix's "this file is complete" test */

int
qdir_ready(const struct stat *st)
{
	return (S_ISREG(st->st_mode) && (st->st_mode & S_IRWXU) == S_IRWXU);
}

/* qdir_find - which of these queues holds id? */

const char *
qdir_find(const char *id, const char *const *queues, struct vbuf *path)
{
	const char *const *qp;
	struct stat st;

	for (qp = queues; *qp; qp++) {
		qdir_path(path, *qp, id);
		if (stat(path->data, &st) == 0)
			return (*qp);
	}
	errno = ENOENT;
	return (0);
}

/*
 * Recursive scan with one open directory per level.
 */
struct qdir_scan {
	DIR *dirs[QDIR_SCAN_DEPTH + 1];
	size_t dir_len[QDIR_SCAN_DEPTH + 1]; /* path length of each level */
	int depth;			     /* index of innermost open level */
	struct vbuf path;		     /* current directory or file */
	size_t name_off;		     /* current file name in path */
	unsigned part;			     /* this part of nparts */
	unsigned nparts;		     /* 1: the whole queue */
};

/* qdir_scan_open - start listing a queue */

struct qdir_scan *
qdir_scan_open(const char *queue)
{
	return (qdir_scan_open_part(queue, 0, 1));
}

/* qdir_name_part - which part a name of the queue directory belongs to */

unsigned
qdir_name_part(const char *name, unsigned nparts)
{
	uint32_t h = 2166136261U; /* FNV-1a, then a final mix */

	for (; *name; name++)
		h = (h ^ (unsigned char)*name) * 16777619U;
	h ^= h >> 15;
	h *= 0x2c1b3c6dU;
	h ^= h >> 12;
	return (h % nparts);
}

/* qdir_scan_open_part - start listing one part of a queue */

struct qdir_scan *
qdir_scan_open_part(const char *queue, unsigned part, unsigned nparts)
{
	struct qdir_scan *s;
	DIR *dir;

	if (!qdir_name_ok(queue))
		msg_panic("qdir_scan_open: invalid queue name: %s",
		    queue ? queue : "(null)");
	if ((dir = opendir(queue)) == 0)
		return (0);
	s = mem_calloc(1, sizeof(*s));
	vbuf_init(&s->path);
	vbuf_set(&s->path, queue);
	s->dirs[0] = dir;
	s->dir_len[0] = s->path.len;
	s->depth = 0;
	s->nparts = nparts ? nparts : 1;
	s->part = part % s->nparts;
	return (s);
}

/* qdir_scan_next - next queue file name */

const char *
qdir_scan_next(struct qdir_scan *s)
{
	struct dirent *dp;
	DIR *sub;
	size_t dlen;

	if (s == 0)
		return (0);
	while (s->depth >= 0) {
		dlen = s->dir_len[s->depth];
		vbuf_truncate(&s->path, dlen);
		if ((dp = readdir(s->dirs[s->depth])) == 0) {
			closedir(s->dirs[s->depth]);
			s->dirs[s->depth] = 0;
			s->depth--;
			continue;
		}
		if (strcmp(dp->d_name, ".") == 0 ||
		    strcmp(dp->d_name, "..") == 0)
			continue;
		/* A part takes its share of the queue's own names. */
		if (s->depth == 0 && s->nparts > 1 &&
		    qdir_name_part(dp->d_name, s->nparts) != s->part)
			continue;
		vbuf_putc(&s->path, '/');
		vbuf_puts(&s->path, dp->d_name);

		/*
		 * One-character names are hash subdirectories.
		 */
		if (dp->d_name[1] == 0
#ifdef _DIRENT_HAVE_D_TYPE
		    && (dp->d_type == DT_DIR || dp->d_type == DT_UNKNOWN ||
			   dp->d_type == DT_LNK)
#endif
		) {
			if (s->depth >= QDIR_SCAN_DEPTH)
				continue;
			if ((sub = opendir(s->path.data)) != 0) {
				s->depth++;
				s->dirs[s->depth] = sub;
				s->dir_len[s->depth] = s->path.len;
				continue;
			}
			if (errno != ENOTDIR) {
				msg_warn("open directory %s: %m", s->path.data);
				continue;
			}
		}
		if (!qid_ok(dp->d_name))
			continue;
		s->name_off = dlen + 1;
		return (s->path.data + s->name_off);
	}
	vbuf_truncate(&s->path, 0);
	return (0);
}

/* qdir_scan_path - relative path of the current file */

const char *
qdir_scan_path(struct qdir_scan *s)
{
	return (s ? s->path.data : "");
}

/* qdir_scan_dirfd - descriptor of the current file's directory */

int
qdir_scan_dirfd(struct qdir_scan *s)
{
	if (s == 0 || s->depth < 0 || s->dirs[s->depth] == 0)
		return (-1);
	return (dirfd(s->dirs[s->depth]));
}

/* qdir_scan_close - stop listing */

struct qdir_scan *
qdir_scan_close(struct qdir_scan *s)
{
	if (s == 0)
		return (0);
	for (/* void */; s->depth >= 0; s->depth--)
		if (s->dirs[s->depth])
			closedir(s->dirs[s->depth]);
	vbuf_free(&s->path);
	mem_free(s);
	return (0);
}
