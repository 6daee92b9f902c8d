#ifndef SLUICE_CLEANUP_H
#define SLUICE_CLEANUP_H
/*
 * NAME
 *	cleanup - private interfaces of the cleanup daemon
 * SYNOPSIS
 *	#include "cleanup.h"
 *
 *	RFC 822 syntax (cleanup_addr.c, also compiled into sendmail):
 *
 *	size_t cleanup_addr_parse(const char *text, size_t len,
 *			struct cleanup_addr_list *list);
 *	void cleanup_addr_list_free(struct cleanup_addr_list *list);
 *	size_t cleanup_addr_is_header(const char *line, size_t len);
 *	void cleanup_addr_quote_local(struct vbuf *out, const char *addr);
 *	void cleanup_addr_phrase(struct vbuf *out, const char *fullname);
 *	void cleanup_addr_qualify(struct vbuf *out, const char *addr,
 *			const char *origin);
 *
 *	Headers and dates (cleanup_header.c):
 *
 *	const struct cleanup_hdr *cleanup_header_find(const char *name,
 *			size_t len);
 *	void cleanup_header_date(struct vbuf *out, time_t when);
 *
 *	The queue-file writer (cleanup_state.c):
 *
 *	struct cleanup_state *cleanup_state_create(FILE *fp,
 *			const char *queue_id, time_t now,
 *			const struct cleanup_config *cfg);
 *	int  cleanup_state_record(struct cleanup_state *st, int type,
 *			const char *data, size_t len);
 *	int  cleanup_state_done(const struct cleanup_state *st);
 *	int  cleanup_state_finish(struct cleanup_state *st);
 *	int  cleanup_state_status(const struct cleanup_state *st);
 *	const char *cleanup_state_reason(const struct cleanup_state *st);
 *	const char *cleanup_state_sender(const struct cleanup_state *st);
 *	int  cleanup_state_rcpt_count(const struct cleanup_state *st);
 *	struct cleanup_state *cleanup_state_free(struct cleanup_state *st);
 *
 *	The service (cleanup_service.c):
 *
 *	void cleanup_service_init(struct event_base *base);
 *	void cleanup_service_accept(int fd);
 *	void cleanup_service_stop(void);
 * DESCRIPTION
 *	cleanup_addr_parse() parses an RFC 822 address list (a header value
 *	or a command-line argument): comments are dropped, quoted strings
 *	unquoted, group names and phrases skipped, "<...>" route-addrs
 *	reduced to their address (source routes dropped). Each address is
 *	appended to list in Postfix's internal (unquoted) form, "" for "<>".
 *	Returns the number of addresses added. Unterminated quotes, comments
 *	or brackets end at the end of text. cleanup_addr_list_free()
 *	releases the list's contents (a zeroed list is valid and empty).
 *
 *	cleanup_addr_is_header() returns the length of the header name when
 *	line starts with "name:" (name: printable non-space ASCII except ':',
 *	optionally followed by blanks before the colon), else 0.
 *
 *	cleanup_addr_quote_local() appends addr with its local part (up to
 *	the last '@') quoted when RFC 822 requires it. cleanup_addr_phrase()
 *	appends fullname as a From: phrase: a quoted string if it holds
 *	specials, '%' or '!', else its words joined by single spaces (empty
 *	when it has none). cleanup_addr_qualify() appends addr, plus
 *	"@origin" when addr has no '@' (origin NULL: never).
 *
 *	cleanup_header_find() looks up the header name (case-insensitive)
 *	in Postfix's table of known headers; NULL when unknown.
 *	cleanup_header_date() appends the RFC 822 date of when in local time
 *	as Postfix writes it: "Mon,  3 Nov 2026 18:55:21 +0000 (UTC)".
 *
 *	cleanup_state_create() starts a queue file on fp (positioned at 0,
 *	owned by the caller) for queue_id; now is the file creation time
 *	(create_time and the Message-Id stamp). cleanup_state_record()
 *	processes one client record in the maildrop/postdrop format and
 *	writes the queue-file records; it returns 0, or the sysexits status
 *	of the first error (later records are then ignored). After the 'E'
 *	record cleanup_state_done() is true and cleanup_state_finish()
 *	rewrites the C record and flushes the stream (not fsync, not chmod);
 *	it returns the final status. cleanup_state_reason() is the error
 *	text (borrowed), cleanup_state_sender() the rewritten sender (NULL
 *	before 'S'). cleanup_state_free() releases the state, not fp.
 *
 *	cleanup_service_accept() takes a connected client (non-blocking
 *	descriptor) and runs the cleanup protocol on it (docs/architecture.md,
 *	"Internal protocols").
 * DIAGNOSTICS
 *	Fatal: out of memory. Everything else is returned.
 */
#include <stdio.h>
#include <time.h>
#include "vbuf.h"

/*
 * RFC 822 syntax.
 */
struct cleanup_addr_list {
    char  **addr;
    size_t  n;
    size_t  cap;
};

size_t cleanup_addr_parse(const char *text, size_t len,
			          struct cleanup_addr_list *list);
void cleanup_addr_list_free(struct cleanup_addr_list *list);
size_t cleanup_addr_is_header(const char *line, size_t len);
void cleanup_addr_quote_local(struct vbuf *out, const char *addr);
void cleanup_addr_phrase(struct vbuf *out, const char *fullname);
void cleanup_addr_qualify(struct vbuf *out, const char *addr,
			          const char *origin);

/*
 * Known headers (Postfix's header_opts table).
 */
#define CLEANUP_HDR_SENDER	(1<<0)	/* holds sender addresses */
#define CLEANUP_HDR_RECIP	(1<<1)	/* holds recipient addresses */
#define CLEANUP_HDR_EXTRACT	(1<<2)	/* sendmail -t takes recipients */
#define CLEANUP_HDR_DROP	(1<<3)	/* removed from the message */
#define CLEANUP_HDR_RR		(1<<4)	/* Resent- header */
#define CLEANUP_HDR_MIME	(1<<5)	/* MIME header */

enum cleanup_hdr_type {
    CLEANUP_HDR_OTHER,
    CLEANUP_HDR_BCC, CLEANUP_HDR_CC, CLEANUP_HDR_CONTENT_LENGTH,
    CLEANUP_HDR_CONTENT_TRANSFER_ENCODING, CLEANUP_HDR_DATE,
    CLEANUP_HDR_FROM, CLEANUP_HDR_MESSAGE_ID, CLEANUP_HDR_RECEIVED,
    CLEANUP_HDR_RESENT_BCC, CLEANUP_HDR_RESENT_CC, CLEANUP_HDR_RESENT_DATE,
    CLEANUP_HDR_RESENT_FROM, CLEANUP_HDR_RESENT_MESSAGE_ID,
    CLEANUP_HDR_RESENT_TO, CLEANUP_HDR_RETURN_PATH, CLEANUP_HDR_TO,
};

struct cleanup_hdr {
    const char *name;
    enum cleanup_hdr_type type;
    int     flags;
};

const struct cleanup_hdr *cleanup_header_find(const char *name, size_t len);
void cleanup_header_date(struct vbuf *out, time_t when);

/*
 * Settings of one cleanup state; the daemon fills them from main.cf, tests
 * by hand.
 */
struct cleanup_config {
    const char *myhostname;
    const char *myorigin;
    const char *mail_name;		/* "Postfix" in the Received: header */
    int     append_at_myorigin;
    int     long_queue_ids;
    long    message_size_limit;		/* bytes, 0 = none */
    long    header_size_limit;
    long    line_length_limit;
    long    hopcount_limit;
    long    delay_warning_time;		/* seconds, 0 = none */
    long    duplicate_filter_limit;
    long    attr_count_limit;		/* queue_file_attribute_count_limit */
};

struct cleanup_state;

struct cleanup_state *cleanup_state_create(FILE *fp, const char *queue_id,
				             time_t now,
				             const struct cleanup_config *cfg);
int cleanup_state_record(struct cleanup_state *st, int type,
			         const char *data, size_t len);
int cleanup_state_done(const struct cleanup_state *st);
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
#define CLEANUP_ATTR_SUBMIT_UID		"submit_uid"
#define CLEANUP_ATTR_TRACE_HEADER	"trace_header"
#define CLEANUP_ATTR_LOG_ORIGIN		"log_origin"
#define CLEANUP_QUEUE_ID_MACRO		"${queue_id}"

/*
 * The service.
 */
struct event_base;

void cleanup_service_init(struct event_base *base);
void cleanup_service_accept(int fd);
void cleanup_service_stop(void);

#endif
