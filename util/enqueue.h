#ifndef SLUICE_ENQUEUE_H
#define SLUICE_ENQUEUE_H
/*
 * NAME
 *	enqueue - submit a message through the cleanup service
 * SYNOPSIS
 *	#include "enqueue.h"
 *
 *	Records and replies (any client, blocking or event-driven):
 *
 *	void enqueue_rec(struct vbuf *out, int type, const void *data,
 *			size_t len);
 *	void enqueue_recf(struct vbuf *out, int type, const char *fmt, ...);
 *	void enqueue_vrecf(struct vbuf *out, int type, const char *fmt,
 *			va_list ap);
 *	int  enqueue_reply_parse(struct enqueue_reply *r, const void *buf,
 *			size_t len, size_t *used);
 *	void enqueue_reply_free(struct enqueue_reply *r);
 *
 *	Blocking clients (pickup, bounce):
 *
 *	int  enqueue_open(struct enqueue *eq, const char *service,
 *			int timeout, struct vbuf *why);
 *	void enqueue_fdopen(struct enqueue *eq, int fd, int timeout);
 *	int  enqueue_send(struct enqueue *eq, int type, const void *data,
 *			size_t len);
 *	int  enqueue_sendf(struct enqueue *eq, int type, const char *fmt, ...);
 *	int  enqueue_send_records(struct enqueue *eq, const void *recs,
 *			size_t len);
 *	int  enqueue_wait_id(struct enqueue *eq, struct vbuf *why);
 *	int  enqueue_finish(struct enqueue *eq, struct vbuf *why);
 *	void enqueue_close(struct enqueue *eq);
 *
 *	Local submission through postdrop (sendmail, smtpd -S):
 *
 *	int  enqueue_postdrop(const char *path, const char *config_dir,
 *			int verbose, pid_t *pid);
 * DESCRIPTION
 *	The cleanup protocol (docs/architecture.md, "Internal protocols"):
 *	the client sends queue-file records (qfile.h REC_TYPE_*: envelope,
 *	'M', content, 'X', extracted, 'E'); cleanup creates the queue file
 *	when the first record arrives and at once answers with an attribute
 *	block "queue_id=ID" (so a client knows the ID before it sends the
 *	headers), and after 'E' with the final block "status=0 queue_id=ID"
 *	or "status=N reason=TEXT" (N a sysexits code; 75 = try again). A
 *	message refused before its file existed gets only the final block,
 *	and cleanup answers nothing before 'E' but the queue ID: a client
 *	must never wait for the ID block with records still unsent. A
 *	client that sends its trace_header before it has read the ID may
 *	write "${queue_id}" in it; cleanup puts the ID in its place.
 *
 *	enqueue_rec() appends one encoded record to out; enqueue_recf()
 *	and enqueue_vrecf() format its data (the one place a formatted
 *	record is encoded: every client's printf-style record writer ends
 *	here).
 *
 *	enqueue_reply_parse() reads cleanup's reply from bytes as they
 *	arrive (for a client on an event loop: call it on the input buffer
 *	after each read, drain *used bytes, and call again while it returns
 *	something other than ENQUEUE_MORE). It returns
 *	  ENQUEUE_MORE		no complete block yet (*used = 0);
 *	  ENQUEUE_QUEUE_ID	the queue ID block: r->queue_id is set;
 *	  ENQUEUE_DONE		the final block: r->status (-1 when missing or
 *				not a number), r->reason (NULL when absent)
 *				and, if the block names one, r->queue_id;
 *	  ENQUEUE_BAD		the bytes are not an attribute block.
 *	A struct enqueue_reply starts zeroed (ENQUEUE_REPLY_INIT);
 *	enqueue_reply_free() releases its strings.
 *
 *	enqueue_open() connects to public/SERVICE (the value of
 *	cleanup_service_name; NULL means "cleanup") as a blocking client
 *	that waits at most timeout seconds for each step; -1 with why
 *	("connect to public/cleanup: REASON") if that fails.
 *	enqueue_fdopen() uses a descriptor that is already connected.
 *	enqueue_send() and enqueue_sendf() buffer one record and write the
 *	buffer whenever it holds ENQUEUE_FLUSH bytes or the record is 'E'.
 *	enqueue_send_records() does the same for records that are already
 *	encoded (enqueue_rec()), e.g. a whole message content. They return
 *	0, or -1 (errno) after a write failed (later sends do nothing).
 *	enqueue_wait_id() reads the queue ID block before any record is
 *	sent (postdrop announces the ID at once, cleanup only after the
 *	first record): 0 with eq->reply.queue_id set, or -1 with why
 *	(attr_read()'s reason, or the final block's reason when the server
 *	refused at once).
 *	enqueue_finish() writes what is left, then reads cleanup's reply
 *	into eq->reply; it returns 0, or -1 with why: "write to
 *	cleanup: REASON" or the reason attr_read() gives ("timeout while
 *	reading attributes", ...). eq->reply.status is then the verdict.
 *	enqueue_close() closes the connection and frees everything.
 *
 *	enqueue_postdrop() runs "path -r" (plus "-c config_dir" and
 *	MAIL_CONFIG=config_dir in its environment when config_dir is not
 *	NULL, and verbose times "-v") with one end of a socketpair as its
 *	standard input and output, as Postfix's mail_stream_command() runs
 *	postdrop; standard error is shared. It returns the other end (close-
 *	on-exec) and sets *pid, or -1 with errno when the pair or the
 *	process cannot be made. postdrop speaks this protocol (the queue ID
 *	block first, records, the final block); a failed exec shows as an
 *	early end of input (the child exits 127 after a warning).
 * DIAGNOSTICS
 *	Fatal: out of memory. Everything else is returned; nothing is logged.
 */
#include <stdarg.h>
#include <stddef.h>
#include <sys/types.h>
#include "vbuf.h"

#define ENQUEUE_MORE 0
#define ENQUEUE_QUEUE_ID 1
#define ENQUEUE_DONE 2
#define ENQUEUE_BAD (-1)

#define ENQUEUE_FLUSH 65536 /* blocking clients write this much at a time */

struct enqueue_reply {
	char *queue_id; /* NULL until known */
	int status;	/* final status; -1 = missing or malformed */
	char *reason;	/* final reason; NULL = none given */
};

#define ENQUEUE_REPLY_INIT                                                     \
	{                                                                      \
		0, -1, 0                                                       \
	}

struct enqueue {
	int fd;
	int timeout;
	int err; /* errno of a failed write, 0 = none */
	struct vbuf out;
	struct enqueue_reply reply;
};

void enqueue_rec(struct vbuf *out, int type, const void *data, size_t len);
void enqueue_recf(struct vbuf *out, int type, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void enqueue_vrecf(struct vbuf *out, int type, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
int enqueue_reply_parse(struct enqueue_reply *r, const void *buf, size_t len,
    size_t *used);
void enqueue_reply_free(struct enqueue_reply *r);

int enqueue_open(struct enqueue *eq, const char *service, int timeout,
    struct vbuf *why);
void enqueue_fdopen(struct enqueue *eq, int fd, int timeout);
int enqueue_send(struct enqueue *eq, int type, const void *data, size_t len);
int enqueue_sendf(struct enqueue *eq, int type, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int enqueue_send_records(struct enqueue *eq, const void *recs, size_t len);
int enqueue_wait_id(struct enqueue *eq, struct vbuf *why);
int enqueue_finish(struct enqueue *eq, struct vbuf *why);
void enqueue_close(struct enqueue *eq);
int enqueue_postdrop(const char *path, const char *config_dir, int verbose,
    pid_t *pid);

#endif
