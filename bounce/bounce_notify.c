/*
 * bounce_notify - compose a delivery status notification; see bounce.h.
 *
 * Implementation notes:
 *
 *	The notice follows RFC 3464 the way Postfix lays it out: a
 *	multipart/report with a human-readable part (our own wording of a
 *	mail system's apology, then one "<addr>: reason" paragraph per
 *	recipient), a message/delivery-status part, and the original
 *	message (or its headers) preceded by a Return-Path: header. Every
 *	line becomes an N record; the original's records are copied as
 *	they are (N and L), so its bytes stay untouched.
 *
 *	Long texts (reasons, Diagnostic-Code fields) are wrapped at 79
 *	columns with 4-space continuation lines, which is also valid header
 *	folding inside the delivery-status part.
 */
#include <stdarg.h>
#include <string.h>
#include <strings.h>

#include "header.h"
#include "mem.h"
#include "qfile.h"
#include "vbuf.h"
#include "bounce.h"

/* bounce_wrap - break text into lines at spaces */

void
bounce_wrap(struct vbuf *out, const char *text, size_t width, size_t indent)
{
	const char *p = text;
	size_t cur = 0; /* indent of the current line */
	size_t room;
	size_t len;
	size_t brk;
	size_t end;
	size_t i;

	if (indent >= width)
		indent = width > 1 ? width - 1 : 0;
	for (;;) {
		room = width - cur;
		len = strlen(p);
		if (len <= room) {
			vbuf_printf(out, "%*s%s\n", (int)cur, "", p);
			return;
		}
		/* The last space that leaves at most room bytes on this line.
		 */
		brk = end = 0;
		for (i = room; i > 0; i--) {
			if (p[i] == ' ') {
				end = i;
				while (end > 0 && p[end - 1] == ' ')
					end--;
				if (end > 0) {
					brk = i;
					break;
				}
			}
		}
		if (brk == 0) {
			/* A word longer than the line: keep it whole. */
			const char *sp = strchr(p + room, ' ');

			if (sp == 0) {
				vbuf_printf(out, "%*s%s\n", (int)cur, "", p);
				return;
			}
			brk = end = sp - p;
		}
		vbuf_printf(out, "%*s%.*s\n", (int)cur, "", (int)end, p);
		p += brk;
		while (*p == ' ')
			p++;
		if (*p == 0)
			return;
		cur = indent;
	}
}

/* bounce_boundary - Postfix's MIME boundary */

void
bounce_boundary(struct vbuf *out, const char *queue_id, long now,
    const char *myhostname)
{
	vbuf_printf(out, "%s.%ld/%s", queue_id, now, myhostname);
}

/* bounce_rcpt_wanted - DSN NOTIFY filter */

int
bounce_rcpt_wanted(const struct bounce_rcpt *r, int kind)
{
	if (r->notify_flags == 0)
		return (1);
	if (r->notify_flags & BOUNCE_NOTIFY_NEVER)
		return (0);
	return ((r->notify_flags &
		    (kind == BOUNCE_DELAY ? BOUNCE_NOTIFY_DELAY
					  : BOUNCE_NOTIFY_FAILURE)) != 0);
}

/* wanted - is this recipient in this notice */

static int
wanted(const struct bounce_info *info, const struct bounce_rcpt *r)
{
	return (info->postmaster || bounce_rcpt_wanted(r, info->kind));
}

/* put_line - one N record */

static void __attribute__((format(printf, 2, 3)))
put_line(struct vbuf *rec, const char *fmt, ...)
{
	struct vbuf line = VBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	vbuf_vprintf(&line, fmt, ap);
	va_end(ap);
	rec_encode(rec, REC_TYPE_NORM, line.data ? line.data : "", line.len);
	vbuf_free(&line);
}

/* put_lines - the '\n'-separated lines of text as N records */

static void
put_lines(struct vbuf *rec, const char *text, size_t len)
{
	const char *p = text;
	const char *end = text + len;
	const char *nl;

	while (p < end) {
		if ((nl = memchr(p, '\n', end - p)) == 0)
			nl = end;
		rec_encode(rec, REC_TYPE_NORM, p, nl - p);
		p = nl + 1;
	}
}

/* put_wrapped - text wrapped at 79 columns */

static void
put_wrapped(struct vbuf *rec, const char *text)
{
	struct vbuf buf = VBUF_INIT;

	bounce_wrap(&buf, text, BOUNCE_WRAP_WIDTH, BOUNCE_WRAP_INDENT);
	put_lines(rec, buf.data, buf.len);
	vbuf_free(&buf);
}

/* put_template - the human-readable introduction */

static void
put_template(struct vbuf *rec, const struct bounce_info *info)
{
	put_line(rec, "This is the mail system at host %s.", info->myhostname);
	put_line(rec, "%s", "");
	if (info->postmaster) {
		put_line(rec, "%s",
		    "This is a copy for the postmaster, as notify_classes"
		    " asks. The");
		put_line(rec, "%s",
		    info->kind == BOUNCE_DELAY
			? "recipients below have not received the message yet."
			: "recipients below could not be reached; the sender "
			  "was told"
			  " if possible.");
		put_line(rec, "%s",
		    "The delivery report and the original message"
		    " follow.");
	} else if (info->kind == BOUNCE_DELAY) {
		put_line(rec, "%s",
		    "  *** This is a warning only: there is no need"
		    " to send your message again. ***");
		put_line(rec, "%s", "");
		put_line(rec,
		    "Your message has not been delivered for %ld hour(s)"
		    " yet.",
		    info->warn_hours);
		put_line(rec,
		    "The mail system keeps trying until it is %ld day(s)"
		    " old.",
		    info->lifetime_days);
		put_line(rec, "%s", "");
		put_line(rec, "%s",
		    "The recipients concerned and the reasons for the"
		    " delay follow.");
	} else {
		put_line(rec, "%s",
		    "Your message could not be delivered to one or"
		    " more recipients.");
		put_line(rec, "%s",
		    "The reasons follow below, and the message itself"
		    " is attached.");
		put_line(rec, "%s", "");
		put_line(rec, "%s",
		    "If you need help, send mail to postmaster and"
		    " include this");
		put_line(rec, "%s",
		    "report; you may delete your own text from the"
		    " attached copy.");
	}
	put_line(rec, "%s", "");
	put_line(rec, "%s", "                   The mail system");
}

/* put_original - part 3: the original content, bounded */

static int
put_original(struct vbuf *rec, FILE *fp, const struct bounce_info *info,
    int headers_only, struct vbuf *why)
{
	struct vbuf buf = VBUF_INIT;
	long used = 0;
	int line_start = 1;
	int type;
	int ret = -1;

	if (fseek(fp, info->data_offset, SEEK_SET) < 0) {
		vbuf_printf(why, "seek to the message content: %m");
		goto out;
	}
	for (;;) {
		type = rec_get(fp, &buf, 1024 * 1024, REC_FOLLOW_PTR);
		if (type == REC_TYPE_XTRA)
			break;
		if (type != REC_TYPE_NORM && type != REC_TYPE_CONT) {
			vbuf_set(why,
			    type == REC_ERR || type == REC_EOF
				? "malformed or truncated message content"
				: "unexpected record in the message content");
			goto out;
		}
		if (headers_only && line_start && buf.len == 0)
			break;
		if (info->size_limit > 0 && used >= info->size_limit)
			break;
		used += (long)buf.len + 2;
		rec_encode(rec, type, buf.data ? buf.data : "", buf.len);
		line_start = (type == REC_TYPE_NORM);
	}
	ret = 0;
out:
	vbuf_free(&buf);
	return (ret);
}

/* compose_headers - the notice's own headers and the MIME preamble */

static void
compose_headers(struct vbuf *out, const struct bounce_info *info,
    const char *boundary)
{
	struct vbuf date = VBUF_INIT;
	int delay = (info->kind == BOUNCE_DELAY);
	const char *subject;

	header_date(&date, (time_t)info->now);
	put_line(out, "Date: %s", date.data);
	put_line(out, "From: Mail Delivery System <MAILER-DAEMON@%s>",
	    info->myorigin);
	if (info->postmaster)
		subject = delay ? "Postmaster Warning: Delayed Mail"
				: "Postmaster Copy: Undelivered Mail";
	else
		subject = delay ? "Delayed Mail (still being retried)"
				: "Undelivered Mail Returned to Sender";
	put_line(out, "Subject: %s", subject);
	put_line(out, "To: %s", info->to ? info->to : info->sender);
	put_line(out, "Auto-Submitted: %s",
	    info->postmaster ? "auto-generated" : "auto-replied");
	put_line(out, "%s", "MIME-Version: 1.0");
	put_line(out, "%s",
	    "Content-Type: multipart/report;"
	    " report-type=delivery-status;");
	put_line(out, "\tboundary=\"%s\"", boundary);
	if (info->eight_bit)
		put_line(out, "%s", "Content-Transfer-Encoding: 8bit");
	put_line(out, "%s", "");
	put_line(out, "%s", "This is a MIME-encapsulated message.");
	put_line(out, "%s", "");
	vbuf_free(&date);
}

/* put_part - the headers that open one part of the report */

static void
put_part(struct vbuf *out, const char *boundary, const char *description,
    const char *type, int eight_bit)
{
	put_line(out, "--%s", boundary);
	put_line(out, "Content-Description: %s", description);
	put_line(out, "Content-Type: %s", type);
	if (eight_bit)
		put_line(out, "%s", "Content-Transfer-Encoding: 8bit");
	put_line(out, "%s", "");
}

/* compose_text - part 1: the text for humans */

static void
compose_text(struct vbuf *out, const struct bounce_info *info,
    const char *boundary)
{
	struct vbuf tmp = VBUF_INIT;
	const struct bounce_rcpt *r;
	size_t i;

	put_part(out, boundary, "Notification", "text/plain; charset=us-ascii",
	    0);
	put_template(out, info);
	for (i = 0; i < info->rcpt_count; i++) {
		r = info->rcpt + i;
		if (!wanted(info, r))
			continue;
		vbuf_reset(&tmp);
		if (*r->original_recipient &&
		    strcasecmp(r->original_recipient, r->recipient) != 0)
			vbuf_printf(&tmp, "<%s> (expanded from <%s>): %s",
			    r->recipient, r->original_recipient, r->reason);
		else
			vbuf_printf(&tmp, "<%s>: %s", r->recipient, r->reason);
		put_line(out, "%s", "");
		put_wrapped(out, tmp.data);
	}
	put_line(out, "%s", "");
	vbuf_free(&tmp);
}

/* compose_status - part 2: the delivery status for machines */

static void
compose_status(struct vbuf *out, const struct bounce_info *info,
    const char *boundary)
{
	struct vbuf date = VBUF_INIT;
	struct vbuf tmp = VBUF_INIT;
	const struct bounce_rcpt *r;
	size_t i;

	put_part(out, boundary, "Delivery report", "message/delivery-status",
	    0);
	put_line(out, "Reporting-MTA: dns; %s", info->myhostname);
	if (info->envid && *info->envid)
		put_line(out, "Original-Envelope-Id: %s", info->envid);
	put_line(out, "X-Postfix-Queue-ID: %s", info->queue_id);
	put_line(out, "X-Postfix-Sender: rfc822; %s", info->sender);
	header_date(&date, (time_t)info->arrival);
	put_line(out, "Arrival-Date: %s", date.data);
	for (i = 0; i < info->rcpt_count; i++) {
		r = info->rcpt + i;
		if (!wanted(info, r))
			continue;
		put_line(out, "%s", "");
		put_line(out, "Final-Recipient: rfc822; %s", r->recipient);
		if (*r->dsn_orig_rcpt)
			put_line(out, "Original-Recipient: %s",
			    r->dsn_orig_rcpt);
		put_line(out, "Action: %s", r->action);
		put_line(out, "Status: %s", r->status);
		if (*r->mta_type && *r->mta_mname)
			put_line(out, "Remote-MTA: %s; %s", r->mta_type,
			    r->mta_mname);
		vbuf_reset(&tmp);
		if (*r->diag_type && *r->diag_text)
			vbuf_printf(&tmp, "Diagnostic-Code: %s; %s",
			    r->diag_type, r->diag_text);
		else
			vbuf_printf(&tmp, "Diagnostic-Code: X-Postfix; %s",
			    r->reason);
		put_wrapped(out, tmp.data);
		if (info->kind == BOUNCE_DELAY) {
			vbuf_reset(&date);
			header_date(&date, (time_t)info->will_retry_until);
			put_line(out, "Will-Retry-Until: %s", date.data);
		}
	}
	put_line(out, "%s", "");
	vbuf_free(&date);
	vbuf_free(&tmp);
}

/* bounce_compose - the whole notice */

int
bounce_compose(const struct bounce_info *info, FILE *orig, struct vbuf *records,
    struct vbuf *why)
{
	struct vbuf boundary = VBUF_INIT;
	struct vbuf out = VBUF_INIT;
	int delay = (info->kind == BOUNCE_DELAY);
	int headers_only = info->postmaster
	    ? info->ret != BOUNCE_RET_FULL
	    : (delay || info->ret == BOUNCE_RET_HDRS);
	int count = 0;
	size_t i;

	for (i = 0; i < info->rcpt_count; i++)
		if (wanted(info, info->rcpt + i))
			count++;
	if (count == 0)
		goto done;
	bounce_boundary(&boundary, info->queue_id, info->now, info->myhostname);
	compose_headers(&out, info, boundary.data);
	compose_text(&out, info, boundary.data);
	compose_status(&out, info, boundary.data);

	/*
	 * Part 3: the original.
	 */
	if (headers_only)
		put_part(&out, boundary.data, "Undelivered Message Headers",
		    "text/rfc822-headers", info->eight_bit);
	else
		put_part(&out, boundary.data, "Undelivered Message",
		    "message/rfc822", info->eight_bit);
	put_line(&out, "Return-Path: <%s>", info->sender);
	if (put_original(&out, orig, info, headers_only, why) < 0) {
		count = -1;
		goto done;
	}
	put_line(&out, "%s", "");
	put_line(&out, "--%s--", boundary.data);
	vbuf_append(records, out.data, out.len);
done:
	vbuf_free(&boundary);
	vbuf_free(&out);
	return (count);
}
