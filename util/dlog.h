#ifndef SLUICE_DLOG_H
#define SLUICE_DLOG_H
/*
 * NAME
 *	dlog - per-message defer and bounce logs (defer/ID, bounce/ID)
 * SYNOPSIS
 *	#include "dlog.h"
 *
 *	int  dlog_append(const char *queue, const char *id,
 *			const struct dlog_entry *e);
 *	struct dlog_reader *dlog_open(const char *queue, const char *id);
 *	struct dlog_reader *dlog_fdopen(struct dlog_reader *r, int fd,
 *			const char *queue, const char *path);
 *	struct dlog_reader *dlog_bufopen(struct dlog_reader *r, int fd,
 *			const char *queue, const char *path,
 *			const char *data, size_t len, int more);
 *	int  dlog_next(struct dlog_reader *r, struct dlog_entry *e);
 *	struct dlog_reader *dlog_close(struct dlog_reader *r);
 *	int  dlog_remove(const char *queue, const char *id);
 *	void dlog_quote_rcpt(struct vbuf *out, const char *addr);
 * DESCRIPTION
 *	The file format is Postfix's (docs/postfix/queue.md section 11):
 *	per entry an empty line, the old-style "<recipient>: reason" line,
 *	then name=value lines (recipient, original_recipient, offset,
 *	dsn_orig_rcpt, notify_flags, status, action, diag_type, diag_text,
 *	mta_type, mta_mname, reason), then an empty line. Fields that are
 *	NULL/empty/0 are left out as Postfix leaves them out.
 *
 *	dlog_append() appends one entry to queue/[hash/]ID ("defer" or
 *	"bounce"; paths from qdir_path()) opened O_APPEND|O_CREAT 0600 under
 *	an exclusive flock, then fsync()s; 0 or -1 with errno.
 *	dlog_open() returns a reader or NULL (errno ENOENT when absent);
 *	dlog_next() fills e with the next entry (strings borrowed until the
 *	next call; missing fields get Postfix's defaults: status 4.0.0 and
 *	action "delayed" for defer, 5.0.0 and "failed" for bounce, reason
 *	"(description unavailable)") and returns 1, or 0 at the end. Lines
 *	are read with a bounded length. dlog_remove() unlinks the log (0 if
 *	it did not exist).
 *
 *	dlog_fdopen() reads the log of queue already open on fd (path is
 *	for messages only) and owns fd from then on; r is NULL, or an
 *	earlier reader, whose descriptor is closed and whose memory is
 *	reused (a reader per listing instead of one per message). It reads
 *	a snapshot: a read that returns less than its buffer is taken as
 *	the end of the file, which saves the read that would return 0
 *	(an entry appended meanwhile is not seen, as if the log had been
 *	read a moment earlier).
 *
 *	dlog_bufopen() is dlog_fdopen() for a caller that has already read
 *	the first len bytes (at most DLOG_PRELOAD_MAX) of the log into data
 *	with one read from fd's file position: more is 0 when that read
 *	returned less than it asked for (the end of the file, as above), and
 *	reading then goes on from fd otherwise. fd stays the caller's (the
 *	reader never closes it) and may be -1 when more is 0.
 *
 *	Details. Addresses are written in their quoted form (dlog_quote_rcpt())
 *	and control bytes in any value become '?'; an empty recipient is
 *	written "<>" (old-style line "<>: reason"). dlog_next() returns the
 *	recipient as stored (quoted form; "(recipient address unavailable)"
 *	when absent), missing string fields as "" (never NULL), and drops an
 *	entry not yet ended by its blank line; lines are cut at DLOG_LINE_MAX.
 *	dlog_quote_rcpt() appends addr to out with its local part quoted per
 *	RFC 5321 when it is not a dot-string ("a b"@x, "a..b"@x; 8-bit kept),
 *	as Postfix's quote_822_local() does.
 */
#include "vbuf.h"

#define DLOG_LINE_MAX 8192
#define DLOG_PRELOAD_MAX 8192 /* dlog_bufopen() */

struct dlog_entry {
	const char *recipient;
	const char *original_recipient;
	long offset;
	const char *dsn_orig_rcpt;
	int notify_flags;
	const char *status;
	const char *action;
	const char *diag_type;
	const char *diag_text;
	const char *mta_type;
	const char *mta_mname;
	const char *reason;
};

int dlog_append(const char *queue, const char *id, const struct dlog_entry *e);
struct dlog_reader;
struct dlog_reader *dlog_open(const char *queue, const char *id);
struct dlog_reader *dlog_fdopen(struct dlog_reader *r, int fd,
    const char *queue, const char *path);
struct dlog_reader *dlog_bufopen(struct dlog_reader *r, int fd,
    const char *queue, const char *path, const char *data, size_t len,
    int more);
int dlog_next(struct dlog_reader *r, struct dlog_entry *e);
struct dlog_reader *dlog_close(struct dlog_reader *r);
int dlog_remove(const char *queue, const char *id);
void dlog_quote_rcpt(struct vbuf *out, const char *addr);

#endif
