/*
 * postsuper_repair - postsuper -s, -S (structure) and -p (purge).
 *
 * Implementation notes. The walk here sees every directory entry, not
 * only valid queue IDs: -p must find temporary files ("USEC.PID") and
 * -s must warn about names that are neither. It descends into
 * one-character directories (hash levels), at most PS_MAX_DEPTH deep,
 * one open directory per level.
 *
 * -s puts every valid file where the current hash settings want it
 * (qdir_path()), and, in the message queues but maildrop, renames files
 * whose ID does not match their inode number (after a restore from
 * backup), or whose ID has the wrong form for enable_long_queue_ids.
 * The new ID keeps the old microseconds, so it hashes to the same
 * directory. Renaming goes through "NEWID#FIX" (a name no reader sees)
 * in a first pass and to NEWID in a second one, so that a new name can
 * never replace a message that has not been renamed yet; the message's
 * defer/bounce/trace logs follow it. Hash subdirectories that the
 * settings no longer use are removed when empty.
 *
 * -p removes, in message queues, files that are not ready (never
 * completed: cleanup or postdrop died) and older than 7 days, and any
 * entry that is neither a regular file nor a directory, everywhere.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "mem.h"
#include "msg.h"
#include "param.h"
#include "qdir.h"
#include "qid.h"
#include "vbuf.h"
#include "postsuper.h"

#define PS_MAX_DEPTH 16
#define PS_TEMP_AGE (7 * 86400) /* seconds before -p removes */
#define PS_FIX_SUFFIX "#FIX"

struct ps_repair {
	const char *queue;
	int message;	 /* a message queue */
	int inode_check; /* message queue but maildrop */
	int hashed;
	int depth;     /* hash_queue_depth if hashed */
	int structure; /* -s */
	int strict;    /* -S: long IDs must match too */
	int purge;     /* -p */
	int long_ids;  /* enable_long_queue_ids */
	int pass;      /* 1: check, 2: finish renames */
	int renamed;
	time_t now;
};

static const char ps_b51[] =
    "0123456789BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxy";

/* ps_short_inode - inode encoded in a short ID, or -1 if not short */

static long long
ps_short_inode(const char *id)
{
	unsigned long long ino = 0;
	const char *cp;

	if (strlen(id) < 6 || qid_is_long(id))
		return (-1);
	for (cp = id; *cp; cp++)
		if (!((*cp >= '0' && *cp <= '9') || (*cp >= 'A' && *cp <= 'F')))
			return (-1);
	for (cp = id + 5; *cp; cp++) {
		if (ino > (~0ULL >> 4))
			return (-1);
		ino = ino * 16 +
		    (unsigned)(*cp <= '9' ? *cp - '0' : *cp - 'A' + 10);
	}
	return ((long long)ino);
}

/* ps_long_inode - inode encoded in a long ID, or -1 */

static long long
ps_long_inode(const char *id)
{
	const char *z = strrchr(id, 'z');
	const char *cp;
	const char *pos;
	unsigned long long ino = 0;

	if (z == 0 || z[1] == 0)
		return (-1);
	for (cp = z + 1; *cp; cp++) {
		if ((pos = strchr(ps_b51, *cp)) == 0 || *cp == 0 ||
		    ino > (~0ULL) / 51)
			return (-1);
		ino = ino * 51 + (unsigned long long)(pos - ps_b51);
	}
	return ((long long)ino);
}

/* ps_new_id - the name this message should have; 0 if it has it */

static int
ps_new_id(struct ps_repair *r, const char *id, const struct stat *st,
    char newid[QID_SIZE])
{
	char usec_hex[8];
	long usec;
	int is_long = qid_is_long(id);
	long long ino;

	if (is_long) {
		ino = ps_long_inode(id);
		if (r->long_ids && (!r->strict || ino == (long long)st->st_ino))
			return (0);
	} else {
		if ((ino = ps_short_inode(id)) < 0)
			return (0); /* not a queue ID we made */
		if (!r->long_ids && ino == (long long)st->st_ino)
			return (0);
	}
	if (qid_hash_chars(id, usec_hex, 5) != 5)
		return (0);
	usec_hex[5] = 0;
	usec = strtol(usec_hex, 0, 16) % 1000000;
	if (r->long_ids)
		qid_long(newid, (long)st->st_mtime, usec,
		    (unsigned long)st->st_ino);
	else
		qid_short(newid, usec, (unsigned long)st->st_ino);
	return (strcmp(newid, id) != 0);
}

/* ps_rename_new - rename unless the target exists */

static int
ps_rename_new(const char *from, const char *to)
{
	struct stat st;

	if (lstat(from, &st) < 0)
		return (-1); /* ENOENT: nothing to move */
	if (lstat(to, &st) == 0) {
		errno = EEXIST;
		return (-1);
	}
	if (rename(from, to) == 0)
		return (0);
	if (errno == ENOENT && qdir_mkdirs(to) == 0)
		return (rename(from, to));
	return (-1);
}

/* ps_move_logs - logs of a renamed message follow it */

static void
ps_move_logs(const char *old_id, const char *new_id)
{
	static const char *const logs[] = {QDIR_DEFER, QDIR_BOUNCE, QDIR_TRACE,
	    0};
	struct vbuf from = VBUF_INIT;
	struct vbuf to = VBUF_INIT;
	const char *const *qp;

	for (qp = logs; *qp; qp++) {
		qdir_path(&from, *qp, old_id);
		qdir_path(&to, *qp, new_id);
		if (ps_rename_new(from.data, to.data) < 0 && errno != ENOENT)
			msg_warn("rename %s to %s: %m", from.data, to.data);
	}
	vbuf_free(&from);
	vbuf_free(&to);
}

/* ps_file - one directory entry that is not a hash directory */

static void
ps_file(struct ps_repair *r, const char *path, const char *name,
    const struct stat *st)
{
	struct vbuf want = VBUF_INIT;
	char newid[QID_SIZE];
	size_t len = strlen(name);
	size_t slen = strlen(PS_FIX_SUFFIX);

	/*
	 * Purge: dead temporary files and things that are not files.
	 */
	if (r->purge && r->pass == 1) {
		if (!S_ISREG(st->st_mode) && !S_ISDIR(st->st_mode)) {
			if (unlink(path) == 0)
				msg_warn("%s: removed non-regular file", path);
			else if (errno != ENOENT)
				msg_warn("remove %s: %m", path);
			return;
		}
		if (r->message && S_ISREG(st->st_mode) && !qdir_ready(st) &&
		    st->st_mtime < r->now - PS_TEMP_AGE) {
			if (unlink(path) == 0)
				msg_info("%s: removed stale temporary file",
				    path);
			else if (errno != ENOENT)
				msg_warn("remove %s: %m", path);
			return;
		}
	}
	if (!r->structure)
		return;

	/*
	 * Second pass: NEWID#FIX -> NEWID.
	 */
	if (len > slen && strcmp(name + len - slen, PS_FIX_SUFFIX) == 0) {
		if (r->pass == 2 && r->inode_check) {
			char *id = mem_strndup(name, len - slen);

			if (qid_ok(id) && S_ISREG(st->st_mode)) {
				qdir_path(&want, r->queue, id);
				if (ps_rename_new(path, want.data) == 0)
					r->renamed++;
				else
					msg_warn("rename %s to %s: %m", path,
					    want.data);
			}
			mem_free(id);
		}
		vbuf_free(&want);
		return;
	}
	if (r->pass != 1)
		return;
	if (!qid_ok(name)) {
		if (strchr(name, '.') == 0)
			msg_warn("bogus file name: %s", path);
		return;
	}
	if (!S_ISREG(st->st_mode)) {
		msg_warn("bogus file name: %s", path);
		return;
	}

	/*
	 * A name that no longer matches its inode (or the ID style).
	 */
	if (r->inode_check && qdir_ready(st) && ps_new_id(r, name, st, newid)) {
		qdir_path(&want, r->queue, newid);
		vbuf_puts(&want, PS_FIX_SUFFIX);
		if (ps_rename_new(path, want.data) == 0)
			ps_move_logs(name, newid);
		else
			msg_warn("rename %s to %s: %m", path, want.data);
		vbuf_free(&want);
		return;
	}

	/*
	 * Hash placement.
	 */
	qdir_path(&want, r->queue, name);
	if (strcmp(want.data, path) != 0 && ps_rename_new(path, want.data) < 0)
		msg_warn("rename %s to %s: %m", path, want.data);
	vbuf_free(&want);
}

/* ps_walk - visit a directory level; path is the directory */

static void
ps_walk(struct ps_repair *r, struct vbuf *path, int level)
{
	DIR *dir;
	struct dirent *dp;
	struct stat st;
	size_t len = path->len;

	if ((dir = opendir(path->data)) == 0) {
		if (errno != ENOENT)
			msg_warn("open directory %s: %m", path->data);
		return;
	}
	while ((dp = readdir(dir)) != 0) {
		if (strcmp(dp->d_name, ".") == 0 ||
		    strcmp(dp->d_name, "..") == 0)
			continue;
		vbuf_truncate(path, len);
		vbuf_putc(path, '/');
		vbuf_puts(path, dp->d_name);
		if (lstat(path->data, &st) < 0) {
			if (errno != ENOENT)
				msg_warn("%s: %m", path->data);
			continue;
		}
		if (S_ISDIR(st.st_mode) && dp->d_name[1] == 0) {
			if (level < PS_MAX_DEPTH)
				ps_walk(r, path, level + 1);
			/* a hash level the settings do not use: remove when
			 * empty */
			if (r->structure && r->pass == 2 &&
			    (!r->hashed || level + 1 > r->depth) &&
			    rmdir(path->data) < 0 && errno != ENOTEMPTY &&
			    errno != EEXIST && errno != ENOENT)
				msg_warn("remove directory %s: %m", path->data);
			continue;
		}
		ps_file(r, path->data, dp->d_name, &st);
	}
	vbuf_truncate(path, len);
	closedir(dir);
}

/* ps_repair - -s, -S, -p over the queues */

int
ps_repair(char **queues, int structure, int strict, int purge)
{
	struct ps_repair r;
	struct vbuf path = VBUF_INIT;
	char **qp;

	memset(&r, 0, sizeof(r));
	r.structure = structure || strict;
	r.strict = strict;
	r.purge = purge;
	r.long_ids = var_enable_long_queue_ids;
	r.now = time((time_t *)0);
	for (r.pass = 1; r.pass <= 2; r.pass++) {
		if (r.pass == 2 && !r.structure)
			break;
		for (qp = queues; *qp; qp++) {
			r.queue = *qp;
			r.message = ps_is_message_queue(*qp);
			r.inode_check =
			    r.message && strcmp(*qp, QDIR_MAILDROP) != 0;
			r.hashed = qdir_hashed(*qp);
			r.depth = r.hashed ? (int)var_hash_queue_depth : 0;
			vbuf_set(&path, *qp);
			ps_walk(&r, &path, 0);
		}
	}
	vbuf_free(&path);
	return (r.renamed);
}
