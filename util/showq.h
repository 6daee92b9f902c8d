#ifndef SLUICE_SHOWQ_H
#define SLUICE_SHOWQ_H
/*
 * NAME
 *	showq - stream the mail queue listing (postqueue -p, -j, mailq)
 * SYNOPSIS
 *	#include "showq.h"
 *
 *	struct showq_rcpt { const char *address; const char *reason; };
 *	struct showq_msg { queue, id, path, arrival, size, forced_expire,
 *			sender, rcpt, rcpt_count, dev, ino };
 *	typedef int showq_fn(const struct showq_msg *msg, void *ctx);
 *
 *	extern const char *const showq_queues[];
 *	int  showq_walk(const char *const *queues, showq_fn *fn, void *ctx,
 *			struct vbuf *why);
 *	int  showq_read(const char *queue, const char *id, showq_fn *fn,
 *			void *ctx);
 *
 *	struct showq_scan *showq_scan_open(const char *const *queues);
 *	struct showq_scan *showq_scan_open_part(const char *const *queues,
 *			unsigned part, unsigned nparts);
 *	int  showq_scan_next(struct showq_scan *s, showq_fn *fn, void *ctx,
 *			int *fn_ret, struct vbuf *why);
 *	struct showq_scan *showq_scan_close(struct showq_scan *s);
 *
 *	struct showq_out *showq_out_create(FILE *fp, int flags);
 *	int  showq_out_msg(const struct showq_msg *msg, void *ctx);
 *	int  showq_out_end(struct showq_out *out);
 *	struct showq_out *showq_out_free(struct showq_out *out);
 *
 *	void showq_fmt_head(struct vbuf *out, int flags);
 *	void showq_fmt_msg(struct vbuf *out, int flags,
 *			const struct showq_msg *msg);
 *	void showq_fmt_tail(struct vbuf *out, int flags,
 *			unsigned long count, unsigned long long bytes);
 *
 *	void showq_printable(struct vbuf *out, const char *s);
 * DESCRIPTION
 *	This is what Postfix's showq(8) daemon reports, read directly from
 *	the queue (docs/postfix/admin-tools.md section 1.1), and the two
 *	ways postqueue prints it (sections 1.2 and 1.3). The working
 *	directory must be queue_directory (qdir_chdir()).
 *
 *	showq_walk() lists the queues named in queues (NULL-terminated;
 *	NULL means showq_queues: maildrop, active, incoming, deferred,
 *	hold), each recursively in readdir() order, and calls fn once per
 *	ready queue file (qdir_ready(); complete maildrop files are 0744,
 *	so the same test applies), wherever the scan finds it (also in a
 *	hash directory that the current settings would not use). Memory
 *	does not grow with the number of messages: one message is read,
 *	reported and forgotten before the next. A nonzero return from fn stops
 *the walk and is returned; otherwise showq_walk() returns 0, or -1 with why
 *when a queue directory exists but cannot be read (a missing one is skipped).
 *
 *	showq_scan_open() starts the same walk in steps, for a caller that
 *	must not block (the showq daemon fills a client's output buffer a
 *	piece at a time): each showq_scan_next() looks at one queue file,
 *	calls fn if it is a ready message, stores fn's result (0 when fn
 *	was not called) in fn_ret and returns SHOWQ_SCAN_MORE; it returns
 *	SHOWQ_SCAN_END when every queue is done, and SHOWQ_SCAN_ERR with
 *	why when a queue directory exists but cannot be read (a further
 *	call goes on with the next queue). showq_walk() is a loop over
 *	it. showq_scan_close() accepts NULL and returns NULL.
 *	showq_scan_open_part() walks only part (0 to nparts - 1) of each
 *	queue (qdir_scan_open_part()): nparts such walks, in any order or
 *	at the same time in separate processes, report every message once.
 *
 *	dev and ino are those of the file that was read (0 from the showq
 *	protocol decoder). The reader keeps that file open until fn
 *	returns, so while fn runs no other file can get that inode: a path
 *	whose lstat() shows the same dev and ino still names the very
 *	message reported, even if it was renamed meanwhile, and a queue ID
 *	(which holds the inode number) cannot be reused on that file
 *	system meanwhile.
 *
 *	A walk reads its files in batches through io_uring where the kernel
 *	allows it (SLUICE_IO_URING=0 in the environment: never), one at a
 *	time otherwise; what it reports is the same.
 *
 *	showq_read() reports one message, queue/[hash/]ID: it returns fn's
 *	result, or 0 without calling fn when the file is missing, not ready
 *	or has no sender record (a damaged file gets a warning).
 *
 *	What a message report holds (all strings borrowed until fn
 *	returns): queue name; queue ID; path relative to queue_directory;
 *	arrival time (seconds of the first T record, else the file mtime);
 *	size (field 1 of the C record when it is a positive number, else
 *	the file size, so postdrop's maildrop files show their file size);
 *	forced_expire (group execute bit); sender; recipients. Recipients
 *	are first every entry of defer/ID with its reason, then the R
 *	records in file order (envelope and extracted segment) except
 *	those whose address was already listed from the log (a filter of
 *	at most duplicate_filter_limit addresses, 0 = no limit); D records
 *	are never listed. A recipient without a log entry has reason NULL.
 *	Addresses are shown with the local part quoted per RFC 5321
 *	(dlog_quote_rcpt()) and then showq_printable(); an empty address
 *	becomes "MAILER-DAEMON". A second S record ends the report of that
 *	file with a warning. The message content is not read: the reader
 *	seeks from the C record's data offset past the content to the
 *	extracted segment (and falls back to reading through the content
 *	when the C record does not lead to an X record).
 *
 *	showq_out_create() returns a printer for fp; flags is one of
 *	SHOWQ_OUT_COMPAT (postqueue -p / mailq) or SHOWQ_OUT_JSON
 *	(postqueue -j, Postfix 3.7 fields: no orig_address), optionally
 *	with SHOWQ_OUT_LONG_IDS (the wider -p columns for long queue IDs).
 *	showq_out_msg() is a showq_fn (ctx = the printer) that prints one
 *	message and returns 0. showq_out_end() prints the -p trailer
 *	("-- N Kbytes in N Requests.") or "Mail queue is empty", flushes,
 *	and returns 0, or -1 when a write to fp failed. showq_out_free()
 *	releases the printer (not fp) and returns NULL.
 *
 *	The printer's pieces, for a caller that assembles the listing
 *	itself (showq_par(3)): showq_fmt_head() appends the -p column
 *	header, showq_fmt_msg() one message (in the -p format followed by
 *	the blank line that separates it from what comes next), and
 *	showq_fmt_tail() the -p trailer for count messages of bytes in all
 *	(JSON has neither header nor trailer). Head, the messages in any
 *	order, then tail: the same bytes as the printer's.
 *
 *	showq_printable() appends s with every byte outside printable
 *	ASCII (0x20-0x7e) replaced by '?'.
 * DIAGNOSTICS
 *	Warnings: unreadable or damaged queue files, bad size records,
 *	duplicate sender records. Fatal: out of memory.
 * SEE ALSO
 *	qdir(3), qfile(3), dlog(3), postqueue(1).
 */
#include <stdio.h>
#include <stddef.h>
#include <time.h>
#include <sys/types.h>
#include "vbuf.h"

struct showq_rcpt {
	const char *address; /* quoted, printable */
	const char *reason;  /* defer log reason, or NULL */
};

struct showq_msg {
	const char *queue;	       /* "deferred" */
	const char *id;		       /* queue ID */
	const char *path;	       /* "deferred/3/3D4DDA76052" */
	long arrival;		       /* seconds since the epoch */
	long size;		       /* bytes, as mailq shows it */
	int forced_expire;	       /* g+x bit */
	const char *sender;	       /* quoted, printable, never empty */
	const struct showq_rcpt *rcpt; /* rcpt_count entries */
	size_t rcpt_count;
	dev_t dev; /* the file read (open while fn runs) */
	ino_t ino;
};

typedef int showq_fn(const struct showq_msg *msg, void *ctx);

extern const char *const showq_queues[];

int showq_walk(const char *const *queues, showq_fn *fn, void *ctx,
    struct vbuf *why);
int showq_read(const char *queue, const char *id, showq_fn *fn, void *ctx);

#define SHOWQ_SCAN_END 0
#define SHOWQ_SCAN_MORE 1
#define SHOWQ_SCAN_ERR (-1)

struct showq_scan;
struct showq_scan *showq_scan_open(const char *const *queues);
struct showq_scan *showq_scan_open_part(const char *const *queues,
    unsigned part, unsigned nparts);
int showq_scan_next(struct showq_scan *s, showq_fn *fn, void *ctx, int *fn_ret,
    struct vbuf *why);
struct showq_scan *showq_scan_close(struct showq_scan *s);

#define SHOWQ_OUT_COMPAT 0
#define SHOWQ_OUT_JSON (1 << 0)
#define SHOWQ_OUT_LONG_IDS (1 << 1)

struct showq_out;
struct showq_out *showq_out_create(FILE *fp, int flags);
int showq_out_msg(const struct showq_msg *msg, void *ctx);
int showq_out_end(struct showq_out *out);
struct showq_out *showq_out_free(struct showq_out *out);
void showq_fmt_head(struct vbuf *out, int flags);
void showq_fmt_msg(struct vbuf *out, int flags, const struct showq_msg *msg);
void showq_fmt_tail(struct vbuf *out, int flags, unsigned long count,
    unsigned long long bytes);

void showq_printable(struct vbuf *out, const char *s);

#endif
