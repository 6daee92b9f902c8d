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
 *	const char *qdir_path(struct vbuf *out, const char *queue, const char
 **id); int  qdir_create(const char *queue, struct vbuf *id, struct vbuf *why);
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
 *	"bounce", "trace", "flush".
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

/* Every directory sluice check creates under queue_directory. */
extern const char *const qdir_all_queues[];

void qdir_chdir(void);
int qdir_hashed(const char *queue);
const char *qdir_path(struct vbuf *out, const char *queue, const char *id);
int qdir_create(const char *queue, struct vbuf *id, struct vbuf *why);
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
