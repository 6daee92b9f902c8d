#ifndef SLUICE_CLEANUP_H
#define SLUICE_CLEANUP_H
/*
 * NAME
 *	cleanup - private interfaces of the cleanup daemon
 * SYNOPSIS
 *	#include "cleanup.h"
 *
 *	The queue-file writer (cleanup_state.c):
 *
 *	struct cleanup_state *cleanup_state_create(FILE *fp,
 *			const char *queue_id, time_t now,
 *			const struct cleanup_config *cfg);
 *	int  cleanup_state_record(struct cleanup_state *st, int type,
 *			const char *data, size_t len);
 *	int  cleanup_state_done(const struct cleanup_state *st);
 *	int  cleanup_state_in_content(const struct cleanup_state *st);
 *	void cleanup_state_reused(struct cleanup_state *st);
 *	int  cleanup_state_finish(struct cleanup_state *st);
 *	int  cleanup_state_status(const struct cleanup_state *st);
 *	const char *cleanup_state_reason(const struct cleanup_state *st);
 *	const char *cleanup_state_sender(const struct cleanup_state *st);
 *	int  cleanup_state_rcpt_count(const struct cleanup_state *st);
 *	struct cleanup_state *cleanup_state_free(struct cleanup_state *st);
 *
 *	Address rewriting (cleanup_rewrite.c):
 *
 *	void cleanup_rewrite_config(struct cleanup_config *cfg);
 *	int  cleanup_rewrite_active(const struct cleanup_config *cfg,
 *			int class);
 *	int  cleanup_rewrite_addr(const struct cleanup_config *cfg,
 *			int class, const char *addr, struct vbuf *out,
 *			struct vbuf *why);
 *	int  cleanup_rewrite_hdr(const struct cleanup_config *cfg,
 *			int class, const char *hdr, size_t len,
 *			struct vbuf *out, struct vbuf *why);
 *
 *	The service (cleanup_service.c):
 *
 *	void cleanup_service_init(struct event_base *base);
 *	void cleanup_service_accept(int fd);
 *	void cleanup_service_stop(void);
 *	int  cleanup_service_active(void);
 *	extern const struct param_var cleanup_params[];
 * DESCRIPTION
 *	cleanup_state_create() starts a queue file on fp (positioned at 0,
 *	owned by the caller) for queue_id; now is the file creation time
 *	(create_time and the Message-Id stamp). cleanup_state_record()
 *	processes one client record in the maildrop/postdrop format and
 *	writes the queue-file records; it returns 0, or the sysexits status
 *	of the first error (later records are then ignored). After the 'E'
 *	record cleanup_state_done() is true and cleanup_state_finish()
 *	rewrites the C record and flushes the stream (not fsync, not chmod);
 *	it returns the final status. cleanup_state_reused() says that fp
 *	is a reused queue file (qdir_create_reuse()) that may hold older
 *	bytes past what is written: cleanup_state_finish() then also
 *	truncates it at the end of the new queue file.
 *cleanup_state_in_content() is true once the 'M' record (start of content) was
 *processed. cleanup_state_reason() is the error text (borrowed),
 *cleanup_state_sender() the rewritten sender (NULL before 'S').
 *cleanup_state_free() releases the state, not fp.
 *
 *	cleanup_rewrite_config() opens canonical_maps,
 *	sender_canonical_maps, recipient_canonical_maps and
 *	masquerade_exceptions and reads the *_classes, masquerade_domains,
 *	recipient_delimiter and propagate_unmatched_extensions parameters
 *	into cfg. cleanup_rewrite_addr() rewrites one address of a class
 *	(CLEANUP_CANON_*): sender_canonical_maps or recipient_canonical_maps,
 *	then canonical_maps, then masquerade_domains, each where its classes
 *	allow (Postfix's order); out gets the result; -1 with why on a table
 *	error (the message must be deferred). cleanup_rewrite_hdr() does the
 *	same to every address in a header "Name: value" (out set only when
 *	something changed; returns the number of changed addresses, or -1).
 *	cleanup_rewrite_active() tells whether anything applies to class.
 *
 *	cleanup_params is what the daemon reads (bound by server_main()
 *	before cleanup_service_init() copies it into its configuration).
 *
 *	cleanup_service_accept() takes a connected client (non-blocking
 *	descriptor) and runs the cleanup protocol on it (docs/architecture.md,
 *	"Internal protocols", and util/enqueue.h): as soon as the first
 *	record has created the queue file the client gets the reply block
 *	"queue_id=ID", before the final one. The record
 *	"A notify_queue_id=yes" that once asked for it is accepted and
 *	ignored.
 * DIAGNOSTICS
 *	Fatal: out of memory. Everything else is returned.
 */
#include <stdio.h>
#include <time.h>

#define CLEANUP_NOTIFY_ID "notify_queue_id=yes" /* obsolete: ignored */
#include "param.h"
#include "vbuf.h"
#include "addr.h"
#include "header.h"
#include "maps.h"

/*
 * Settings of one cleanup state; the daemon fills them from main.cf, tests
 * by hand.
 */
struct cleanup_config {
	const char *myhostname;
	const char *myorigin;
	const char *mail_name; /* "Postfix" in the Received: header */
	int append_at_myorigin;
	int replace_stray_cr_lf; /* cleanup_replace_stray_cr_lf */
	int long_queue_ids;
	long message_size_limit; /* bytes, 0 = none */
	long header_size_limit;
	long line_length_limit;
	long hopcount_limit;
	long delay_warning_time; /* seconds, 0 = none */
	long duplicate_filter_limit;
	long attr_count_limit; /* queue_file_attribute_count_limit */

	/* Address rewriting (cleanup_rewrite.c); all NULL/0: none. */
	struct maps *canonical, *sender_canonical, *recipient_canonical;
	int canonical_classes; /* CLEANUP_CANON_* bits */
	int sender_canonical_classes;
	int recipient_canonical_classes;
	int masquerade_classes;
	char **masquerade_domains;
	struct maps *masquerade_exceptions;
	const char *recipient_delimiter;
	int propagate_canonical; /* propagate_unmatched_extensions */
	char **local_domains;	 /* mydestination (myorigin is local too) */
};

#define CLEANUP_CANON_ENV_FROM (1 << 0) /* envelope_sender */
#define CLEANUP_CANON_ENV_RCPT (1 << 1) /* envelope_recipient */
#define CLEANUP_CANON_HDR_FROM (1 << 2) /* header_sender */
#define CLEANUP_CANON_HDR_RCPT (1 << 3) /* header_recipient */

void cleanup_rewrite_config(struct cleanup_config *cfg);
int cleanup_rewrite_active(const struct cleanup_config *cfg, int class);
int cleanup_rewrite_addr(const struct cleanup_config *cfg, int class,
    const char *addr, struct vbuf *out, struct vbuf *why);
int cleanup_rewrite_hdr(const struct cleanup_config *cfg, int class,
    const char *hdr, size_t len, struct vbuf *out, struct vbuf *why);

struct cleanup_state;

struct cleanup_state *cleanup_state_create(FILE *fp, const char *queue_id,
    time_t now, const struct cleanup_config *cfg);
int cleanup_state_record(struct cleanup_state *st, int type, const char *data,
    size_t len);
int cleanup_state_done(const struct cleanup_state *st);
int cleanup_state_in_content(const struct cleanup_state *st);
void cleanup_state_reused(struct cleanup_state *st);
int cleanup_state_finish(struct cleanup_state *st);
int cleanup_state_status(const struct cleanup_state *st);
const char *cleanup_state_reason(const struct cleanup_state *st);
const char *cleanup_state_sender(const struct cleanup_state *st);
int cleanup_state_rcpt_count(const struct cleanup_state *st);
struct cleanup_state *cleanup_state_free(struct cleanup_state *st);

/*
 * Input-only attributes: a client may send these as 'A' records in the
 * envelope; cleanup acts on them and never writes them to the queue file.
 *
 *	submit_uid=UID	(pickup) prepend Postfix's local Received: header
 *			"Received: by $myhostname ($mail_name, from userid UID)"
 *			+ "\tid QUEUEID; DATE" (DATE = arrival time).
 *	trace_header=TEXT  prepend TEXT (lines separated by LF) as the first
 *			header, with every "${queue_id}" replaced by the new
 *			queue ID (for smtpd's Received: header).
 *	log_origin=TEXT	names the client in cleanup's reject log lines.
 */
#define CLEANUP_ATTR_SUBMIT_UID "submit_uid"
#define CLEANUP_ATTR_TRACE_HEADER "trace_header"
#define CLEANUP_ATTR_LOG_ORIGIN "log_origin"
#define CLEANUP_QUEUE_ID_MACRO "${queue_id}"

/*
 * The service.
 */
struct event_base;

void cleanup_service_init(struct event_base *base);
void cleanup_service_accept(int fd);
void cleanup_service_stop(void);

extern const struct param_var cleanup_params[];
int cleanup_service_active(void);
#endif
