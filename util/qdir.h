#ifndef SLUICE_QDIR_H
#define SLUICE_QDIR_H
/*
 * NAME
 *	qdir - the queue directory: names, hashing, creation, moves, scans
 * SYNOPSIS
 *	#include "qdir.h"
 *
 *	void qdir_chdir(void);
 *	int  qdir_hashed(const char *queue);
 *	const char *qdir_path(struct vbuf *out, const char *queue,
 *			const char *id);
 *	int  qdir_create(const char *queue, struct vbuf *id,
 *			struct vbuf *why);
 *	int  qdir_create_reuse(const char *queue, struct vbuf *id,
 *			int *reused, struct vbuf *why);
 *	int  qdir_recycle(const char *queue, const char *id, long size);
 *	int  qdir_move(const char *id, const char *from, const char *to);
 *	int  qdir_ready(const struct stat *st);
 *	int  qdir_mkdirs(const char *path);
 *	const char *qdir_find(const char *id, const char *const *queues,
 *			struct vbuf *path);
 *
 *	struct qdir_scan *qdir_scan_open(const char *queue);
 *	struct qdir_scan *qdir_scan_open_part(const char *queue,
 *			unsigned part, unsigned nparts);
 *	const char *qdir_scan_next(struct qdir_scan *s);
 *	const char *qdir_scan_path(struct qdir_scan *s);
 *	int  qdir_scan_dirfd(struct qdir_scan *s);
 *	unsigned qdir_name_part(const char *name, unsigned nparts);
 *	struct qdir_scan *qdir_scan_close(struct qdir_scan *s);
 *
 *	extern const char *const qdir_all_queues[];
 * DESCRIPTION
 *	All paths are relative to queue_directory: every program that touches
 *	the queue first calls qdir_chdir(), which chdir()s there (fatal on
 *	failure). Queue names: QDIR_MAILDROP "maildrop", "incoming", "active",
 *	"deferred", "hold", "corrupt", "saved", and the logs "defer",
 *	"bounce", "trace", "flush"; QDIR_RECYCLE "recycle" is not a queue
 *	(see below).
 *
 *	qdir_hashed() tells whether queue is in hash_queue_names (case
 *	insensitive; maildrop never). qdir_path() writes "queue/ID" or, for
 *	a hashed queue, "queue/H/ID" with hash_queue_depth levels (see
 *	qid_hash_chars()) into out and returns its string.
 *
 *	qdir_create() makes a new queue file in queue the way Postfix's
 *	mail_queue_enter() does: an O_EXCL temp file "queue/USEC.PID" mode
 *	0600, fstat for the inode, then rename to the ID made from the clock
 *	at rename time and the inode (retrying on collision, creating hash
 *	directories on ENOENT). It returns a read/write descriptor positioned
 *	at 0 and sets id; -1 with why on failure. The file stays 0600 (not
 *	ready) until the caller fchmod()s it 0700.
 *
 *	Reuse of finished queue files. Creating a file costs the file
 *	system an inode allocation and removing it an inode and block
 *	release; ext4 without a journal also scans past every inode freed
 *	in the last minutes on each allocation, which made inode allocation
 *	the largest single cost of accepting a message. So the queue
 *	manager hands a message it has finished with to qdir_recycle()
 *	instead of unlink(): the file is set to mode 0600 (never ready
 *	again) and renamed, without replacing anything, to one of the
 *	QDIR_RECYCLE_MAX slots QDIR_RECYCLE/pool.N, in a directory no reader
 *	of the queue looks at (sluice check makes it with the queues; without
 *	it files are simply removed and created). The slots are a ring: the
 *	giver tries the next few after its cursor, a taker the next few after
 *	its own, so the pool never holds more than QDIR_RECYCLE_MAX files and
 *	nothing counts them. The file is removed instead when it is larger
 *	than QDIR_RECYCLE_FILE_MAX bytes (size is the caller's idea of it;
 *	< 0 means unknown: removed), when the slots tried are all taken, or
 *	when the rename fails. qdir_recycle() returns 0 when queue/ID is
 *	gone, -1 with errno as unlink().
 *	qdir_create_reuse() is qdir_create() that first tries to take a
 *	file from a slot: one that is a regular file, mode 0600, one link,
 *	owned by the effective user (anything else found there is removed,
 *	as are files an earlier version kept under their queue IDs).
 *	The file is claimed by renaming it to its new queue ID, made from the
 *	clock and its inode as in qdir_create(); the claim is the rename, so
 *	two processes cannot both take one file, and nothing is written
 *	before it (a slot refilled between the open and the rename is found
 *	by the inode check, and the file the rename moved is removed). Its
 *	times are set to now. *reused is then 1: the file still holds its
 *	old bytes, and the caller must ftruncate() it to the length it wrote
 *	before making it ready. Otherwise (no file in the slots tried, nor
 *	where one reading of the directory finds the oldest; the pool is
 *	then left alone for the next few creations in that second) it is
 *	qdir_create() and *reused is 0. What a process knows of the pool
 *	(its cursors) is reset by qdir_chdir(). A system crash can at worst
 *	leave in QDIR_RECYCLE a file that is still linked elsewhere (then it
 *	has two links and is removed, not reused) or a delivered message
 *	that was not yet renamed away (it is 0600: not ready, and is removed
 *	as a stale temporary file by postsuper -p).
 *
 *	qdir_move() renames queue/ID from one queue to another (paths per
 *	each queue's hashing), creating missing hash directories (0700) on
 *	ENOENT and retrying once. Returns 0 or -1 with errno.
 *
 *	qdir_ready() is Postfix's "ready" test: a regular file whose owner
 *	permission bits are exactly rwx. qdir_mkdirs() creates the missing
 *	directories of a relative path (mode 0700). qdir_find() looks for id
 *	in each of queues (NULL-terminated), returns the queue name (static)
 *	and sets path, or NULL with errno ENOENT.
 *
 *	qdir_scan_open() lists a queue recursively (descending into
 *	one-character directory names, readdir order); qdir_scan_next()
 *	returns the next file name that passes qid_ok() (borrowed until the
 *	next call) or NULL at the end; the current file's relative path is
 *	qdir_scan_path(), and qdir_scan_dirfd() is a descriptor of its
 *	directory (owned by the scan, valid until the next call; -1 when
 *	there is none), for openat() of the name without a path walk.
 *
 *	qdir_scan_open_part() lists part (0 to nparts - 1) of the queue:
 *	the names directly in the queue directory (files and hash
 *	directories alike) are split into nparts fixed shares by a hash of
 *	the name, so nparts scans, one per part, together list every file
 *	exactly once and can run at the same time. qdir_scan_open() is
 *	part 0 of 1. Memory use
 *does not depend on the queue's size. qdir_scan_open() returns NULL (errno set)
 *when the queue directory cannot be opened; qdir_scan_next() and
 *qdir_scan_close() accept NULL. Scans descend at most 16 levels.
 *
 *	qdir_mkdirs() treats the last path component as a file name (as
 *	Postfix's mail_queue_mkdirs()): "deferred/3/ID" creates "deferred"
 *	and "deferred/3"; a path ending in '/' is created entirely.
 * DIAGNOSTICS
 *	Fatal: cannot chdir to queue_directory. Panic: invalid queue name or
 *	queue ID passed by the caller.
 */
#include <sys/stat.h>
#include "vbuf.h"

#define QDIR_MAILDROP "maildrop"
#define QDIR_INCOMING "incoming"
#define QDIR_ACTIVE "active"
#define QDIR_DEFERRED "deferred"
#define QDIR_HOLD "hold"
#define QDIR_CORRUPT "corrupt"
#define QDIR_SAVED "saved"
#define QDIR_DEFER "defer"
#define QDIR_BOUNCE "bounce"
#define QDIR_TRACE "trace"
#define QDIR_FLUSH "flush"
#define QDIR_RECYCLE "recycle" /* finished files kept for reuse */

#define QDIR_RECYCLE_MAX 128		   /* files kept: slots pool.0 ... */
#define QDIR_RECYCLE_FILE_MAX (512 * 1024) /* bytes, largest file kept */

/* Every directory sluice check creates under queue_directory. */
extern const char *const qdir_all_queues[];

void qdir_chdir(void);
int qdir_hashed(const char *queue);
const char *qdir_path(struct vbuf *out, const char *queue, const char *id);
int qdir_create(const char *queue, struct vbuf *id, struct vbuf *why);
int qdir_create_reuse(const char *queue, struct vbuf *id, int *reused,
    struct vbuf *why);
int qdir_recycle(const char *queue, const char *id, long size);
int qdir_move(const char *id, const char *from, const char *to);
int qdir_ready(const struct stat *st);
int qdir_mkdirs(const char *path);
const char *qdir_find(const char *id, const char *const *queues,
    struct vbuf *path);

struct qdir_scan;
struct qdir_scan *qdir_scan_open(const char *queue);
struct qdir_scan *qdir_scan_open_part(const char *queue, unsigned part,
    unsigned nparts);
const char *qdir_scan_next(struct qdir_scan *s);
const char *qdir_scan_path(struct qdir_scan *s);
int qdir_scan_dirfd(struct qdir_scan *s);
unsigned qdir_name_part(const char *name, unsigned nparts);
struct qdir_scan *qdir_scan_close(struct qdir_scan *s);

#endif
