#ifndef SLUICE_DELIV_H
#define SLUICE_DELIV_H
/*
 * NAME
 *	deliv - what every delivery agent shares: log line, DSN, queue updates
 * SYNOPSIS
 *	#include "deliv.h"
 *
 *	struct deliv_rcpt { long offset; const char *address;
 *		const char *orig_rcpt; const char *dsn_orig_rcpt;
 *		int notify_flags; };
 *	struct deliv_times { double arrival, active, agent, conn_done, done; };
 *
 *	double deliv_now(void);
 *	void deliv_format_delay(struct vbuf *out, double seconds);
 *	void deliv_log(const char *queue_id, const struct deliv_rcpt *r,
 *			const char *relay, const struct deliv_times *t,
 *			const char *dsn, const char *status, const char *text,
 *			int conn_use);
 *	void deliv_dsn_from_reply(char out[DELIV_DSN_SIZE], const char *reply);
 *	int  deliv_mark_done(int fd, long offset);
 *	int  deliv_sync(int fd);
 *	int  deliv_result(const char *queue_id, const struct deliv_rcpt *r,
 *			int fd, const char *relay, const struct deliv_times *t,
 *			int conn_use, const char *status, const char *dsn,
 *			const char *reason, const char *diag,
 *			const char *mta_host);
 *
 *	int  deliv_flush_site_ok(const char *site);
 *	int  deliv_flush_match(const char *site, char **list);
 *	int  deliv_flush_listed(const char *site);
 *	int  deliv_flush_request(const char *request, const char *site,
 *			const char *queue_id, int timeout);
 *	void deliv_flush_add(const char *site, const char *queue_id);
 * DESCRIPTION
 *	A delivery agent reports each recipient exactly once: the Postfix
 *	status line in the log, then the queue bookkeeping (queue.md sections
 *	8 and 11, smtp-client.md sections 5 and 7).
 *
 *	struct deliv_rcpt is one "rcpt" attribute of the delivery request
 *	(offset of its R record in the queue file, the address, the original
 *	recipient, the DSN original recipient, the DSN NOTIFY flags); all
 *	strings are borrowed; NULL and "" both mean absent.
 *
 *	struct deliv_times holds time stamps in seconds since the epoch
 *	(gettimeofday() precision); 0 means "did not happen": arrival (the
 *	queue file's T record), active (entered the active queue), agent
 *	(handed to the delivery agent), conn_done (connection set-up
 *	finished: DNS, connect, greeting, EHLO, TLS; 0 if no connection was
 *	made), done (delivery finished; 0 = now).
 *
 *	deliv_now() returns the time in those units (gettimeofday()).
 *
 *	deliv_format_delay() appends seconds formatted as Postfix's
 *	format_tv() does with 2 significant digits and 0.01 s resolution:
 *	round half up to 0.01 below 1 s, to 0.1 below 10 s, to 1 s above;
 *	trailing zeros and a bare point are dropped ("0", "0.01", "0.35",
 *	"1.3", "9", "12", "310"). Negative values print "0".
 *
 *	deliv_log() logs with msg_info() exactly
 *	  QID: to=<R>, [orig_to=<O>, ]relay=RELAY, [conn_use=N, ]delay=D,
 *	  delays=a/b/c/d, dsn=X.Y.Z, status=STATUS (TEXT)
 *	R and O in their quoted form (dlog_quote_rcpt(); <> when empty), O
 *	only when it differs from R ignoring case; conn_use only when > 1 (it
 *	counts uses of the connection, this one included); delay = done -
 *	arrival; a = active - arrival, b = agent - active, c = conn_done -
 *	agent, d = done - conn_done (done - agent without a connection), with
 *	Postfix's fallbacks when a stamp is missing. Control characters in
 *	the addresses and TEXT are shown as '?'.
 *
 *	deliv_dsn_from_reply() writes the enhanced status code of an SMTP
 *	reply ("550 5.1.1 <a@b>: ..."): the server's X.Y.Z when its class
 *	digit equals the reply code's first digit, else "X.0.0" from the
 *	code; "5.5.0" when the reply does not start with 2, 4 or 5 (or is
 *	NULL). out always receives a NUL-terminated code.
 *
 *	deliv_mark_done() marks the recipient record at offset in the queue
 *	file open read/write on fd as done: its type byte 'R' becomes 'D'
 *	(pwrite; an already 'D' byte is left alone). Any other byte, or an
 *	offset <= 0, is refused (EINVAL) so that a bad offset cannot corrupt
 *	the file. Returns 0 or -1 with errno. The write is not synced
 *	(Postfix's rule): when every recipient of the message is final the
 *	queue manager removes the file, and a file that stays queued is
 *	made durable with deliv_sync() (fsync) by the queue manager before
 *	it leaves active/; a crash in between repeats a delivery at worst.
 *
 *	deliv_result() does the whole per-recipient job; status is "sent",
 *	"deferred" or "bounced", dsn the X.Y.Z code, reason the text shown in
 *	the log and by mailq, diag the server's reply when the outcome came
 *	from one (else NULL) and mta_host the server's host name with it.
 *	  sent: log line, then mark done.
 *	  bounced: entry in bounce/ID (action failed, with diag_type smtp and
 *	    mta_type dns when given), log line, mark done. With soft_bounce =
 *	    yes it is handled as deferred instead, with status SOFTBOUNCE in
 *	    the log and the DSN class changed from 5 to 4.
 *	  deferred: entry in defer/ID (action delayed), log line.
 *	It returns 0 when the recipient is final (sent, bounced), 1 when it
 *	stays pending (deferred, soft-bounced, or a final result whose queue
 *	update failed: then the recipient is tried again later, and a failed
 *	bounce log becomes a deferral with reason "bounce failed"; the
 *	problem is logged as a warning). Like deliv_mark_done() it does not
 *	fsync the queue file; the logs are fsynced by dlog_append().
 *	A deferred (or soft-bounced) recipient also calls deliv_flush_add()
 *	with the domain after its last '@'.
 *
 *	The fast flush client (smtpd-flush.md section 5). The flush service
 *	(flush(8)) listens on public/$flush_service_name; one request per
 *	connection: attributes request=add|send_site|send_file|refresh|purge,
 *	site, queue_id; reply status=N with the DELIV_FLUSH_* codes (Postfix's
 *	FLUSH_STAT_*: 0 OK, -1 FAIL, 2 UNKNOWN, 3 BAD, 4 DENY).
 *	deliv_flush_site_ok() is 1 for a valid host name (not all-numeric,
 *	labels of letters, digits, '-', '_') or an [address] literal, else 0.
 *	deliv_flush_match() matches site against a fast_flush_domains style
 *	list: the first matching entry decides; "!pattern" excludes; a
 *	parent domain matches subdomains when parent_domain_matches_subdomains
 *	includes fast_flush_domains; ".domain" matches subdomains only;
 *	"/file" entries are read for patterns; type:table entries are skipped
 *	with a warning. Case is ignored. deliv_flush_listed() is that match
 *	against fast_flush_domains (an empty list matches nothing).
 *	deliv_flush_request() sends one request (site and queue_id may be
 *	NULL) and waits at most timeout seconds for the status; it returns
 *	DELIV_FLUSH_FAIL when the service cannot be reached.
 *	deliv_flush_add() is the delivery agents' notification: when site is
 *	eligible (deliv_flush_listed()), it sends "add site queue_id" without
 *	blocking and without waiting for the reply (a full or missing
 *	service is logged as a warning and otherwise ignored; it never
 *	affects the delivery bookkeeping). Every deferral is sent, repeats
 *	included: the log may have been emptied by a flush in between.
 * DIAGNOSTICS
 *	Panic: unknown status. Warnings: failed log or queue-file updates.
 * SEE ALSO
 *	dlog(3), qfile(3), smtp(8).
 */
#include "vbuf.h"

#define DELIV_DSN_SIZE 16

#define DELIV_FLUSH_FAIL (-1)  /* service unavailable, I/O error */
#define DELIV_FLUSH_OK 0       /* done */
#define DELIV_FLUSH_UNKNOWN 2  /* unknown request */
#define DELIV_FLUSH_BAD 3      /* invalid parameter */
#define DELIV_FLUSH_DENY 4     /* site not eligible */
#define DELIV_FLUSH_TIMEOUT 10 /* seconds, for postqueue and smtpd */

struct deliv_rcpt {
	long offset; /* R record in the queue file */
	const char *address;
	const char *orig_rcpt;
	const char *dsn_orig_rcpt;
	int notify_flags;
};

struct deliv_times {
	double arrival;	  /* message arrival (T record) */
	double active;	  /* entered the active queue */
	double agent;	  /* handed to the delivery agent */
	double conn_done; /* connection set-up finished */
	double done;	  /* delivery finished; 0 = now */
};

double deliv_now(void);
void deliv_format_delay(struct vbuf *out, double seconds);
void deliv_log(const char *queue_id, const struct deliv_rcpt *r,
    const char *relay, const struct deliv_times *t, const char *dsn,
    const char *status, const char *text, int conn_use);
void deliv_dsn_from_reply(char out[DELIV_DSN_SIZE], const char *reply);
int deliv_mark_done(int fd, long offset);
int deliv_sync(int fd);
int deliv_result(const char *queue_id, const struct deliv_rcpt *r, int fd,
    const char *relay, const struct deliv_times *t, int conn_use,
    const char *status, const char *dsn, const char *reason, const char *diag,
    const char *mta_host);
int deliv_flush_site_ok(const char *site);
int deliv_flush_match(const char *site, char **list);
int deliv_flush_listed(const char *site);
int deliv_flush_request(const char *request, const char *site,
    const char *queue_id, int timeout);
void deliv_flush_add(const char *site, const char *queue_id);

#endif
