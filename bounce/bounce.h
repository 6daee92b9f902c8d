#ifndef SLUICE_BOUNCE_H
#define SLUICE_BOUNCE_H
/*
 * NAME
 *	bounce.h - private interfaces of the bounce daemon
 * SYNOPSIS
 *	#include "bounce.h"
 *
 *	The notice composer (bounce_notify.c, pure: unit tested):
 *
 *	void bounce_wrap(struct vbuf *out, const char *text, size_t width,
 *			size_t indent);
 *	void bounce_boundary(struct vbuf *out, const char *queue_id,
 *			long now, const char *myhostname);
 *	int  bounce_rcpt_wanted(const struct bounce_rcpt *r, int kind);
 *	int  bounce_compose(const struct bounce_info *info, FILE *orig,
 *			struct vbuf *records, struct vbuf *why);
 *
 *	The service (bounce_service.c):
 *
 *	void bounce_service_init(struct event_base *base);
 *	void bounce_service_accept(int fd);
 *	void bounce_service_stop(void);
 *	int  bounce_service_active(void);
 *	extern const struct param_var bounce_params[];
 * DESCRIPTION
 *	bounce_wrap() appends text to out as lines of at most width
 *	columns, each ended by '\n': the text is broken at spaces; every
 *	line after the first starts with indent spaces (counted in width);
 *	a word longer than a line is kept whole on a line of its own (never
 *	cut); runs of spaces at a break are dropped. Postfix wraps the
 *	per-recipient texts this way with width 79 and indent 4.
 *
 *	bounce_boundary() appends the MIME boundary Postfix uses,
 *	"QUEUEID.UNIXTIME/MYHOSTNAME".
 *
 *	bounce_rcpt_wanted() tells whether a recipient belongs in a notice
 *	of that kind under its DSN NOTIFY flags (RFC 3461): no flags (NOTIFY
 *	not given) always; NEVER never; otherwise FAILURE resp. DELAY must
 *	be among them.
 *
 *	bounce_compose() appends to records the content of a notice as
 *	encoded queue-file records (N, and L for the pieces of an original
 *	line longer than a record): the headers Date, From, Subject, To,
 *	Auto-Submitted, MIME-Version, Content-Type (the Received: header
 *	and the Message-Id are cleanup's job), then the three MIME parts
 *	(text, message/delivery-status, the original message or its
 *	headers) and the closing boundary. With info->postmaster the notice
 *	is a postmaster's copy (notify_classes): To: info->to, subject
 *	"Postmaster Copy: Undelivered Mail" or "Postmaster Warning: Delayed
 *	Mail", "Auto-Submitted: auto-generated", a text for the postmaster,
 *	every recipient regardless of DSN NOTIFY, and the original's headers
 *	only unless info->ret is BOUNCE_RET_FULL (a double bounce).
 *	orig is the original queue file;
 *	its content is read from info->data_offset up to its X record, at
 *	most info->size_limit bytes (counting 2 per line end). For the
 *	sender, only the recipients that bounce_rcpt_wanted() accepts are
 *	reported.
 *	Returns the number of recipients reported (0: nothing was appended),
 *	or -1 with why when the original cannot be read.
 *
 *	bounce_service_active() counts the clients being served: the work
 *	the daemon skeleton looks at for max_idle, max_use and a drain.
 * DIAGNOSTICS
 *	Fatal: out of memory.
 */
#include <stdio.h>
#include "param.h"
#include "vbuf.h"

#define BOUNCE_FAILURE 0 /* non-delivery notice */
#define BOUNCE_DELAY 1	 /* delayed mail notice */

#define BOUNCE_WRAP_WIDTH 79
#define BOUNCE_WRAP_INDENT 4

/* DSN NOTIFY bits (Postfix's dsn_mask.h). */
#define BOUNCE_NOTIFY_NEVER (1 << 0)
#define BOUNCE_NOTIFY_SUCCESS (1 << 1)
#define BOUNCE_NOTIFY_FAILURE (1 << 2)
#define BOUNCE_NOTIFY_DELAY (1 << 3)

/* DSN RET values (the '<' record). */
#define BOUNCE_RET_FULL 1
#define BOUNCE_RET_HDRS 2

/* One recipient of a notice: a copy of one defer/bounce log entry. */
struct bounce_rcpt {
	char *recipient;	  /* quoted form, as in the log */
	char *original_recipient; /* "" if none */
	char *dsn_orig_rcpt;	  /* "" if none */
	int notify_flags;
	char *status;	 /* X.Y.Z */
	char *action;	 /* failed, delayed */
	char *diag_type; /* "" if none */
	char *diag_text;
	char *mta_type; /* "" if none */
	char *mta_mname;
	char *reason;
};

/* What a notice is about. Strings are borrowed. */
struct bounce_info {
	int kind;	      /* BOUNCE_FAILURE, BOUNCE_DELAY */
	const char *queue_id; /* of the original message */
	const char *sender;   /* its envelope sender: the notice's recipient */
	const char *myhostname;
	const char *myorigin;
	const char *envid;     /* DSN ENVID, "" if none */
	int ret;	       /* BOUNCE_RET_*; 0: not given (full) */
	int eight_bit;	       /* original is 8-bit */
	long arrival;	       /* original's T record */
	long now;	       /* notice time (Date:, boundary) */
	long will_retry_until; /* delay notices */
	long warn_hours;       /* delay_warning_time in hours */
	long lifetime_days;    /* maximal_queue_lifetime in days */
	long data_offset;      /* original content in the queue file */
	long size_limit;       /* bounce_size_limit, 0 = none */
	int postmaster;	       /* a postmaster notice (notify_classes) */
	const char *to;	       /* To: header; NULL = sender */
	const struct bounce_rcpt *rcpt;
	size_t rcpt_count;
};

void bounce_wrap(struct vbuf *out, const char *text, size_t width,
    size_t indent);
void bounce_boundary(struct vbuf *out, const char *queue_id, long now,
    const char *myhostname);
int bounce_rcpt_wanted(const struct bounce_rcpt *r, int kind);
int bounce_compose(const struct bounce_info *info, FILE *orig,
    struct vbuf *records, struct vbuf *why);

/*
 * The service.
 */
struct event_base;

void bounce_service_init(struct event_base *base);
void bounce_service_accept(int fd);
void bounce_service_stop(void);
int bounce_service_active(void);

extern const struct param_var bounce_params[]; /* what bounce reads */

#endif
