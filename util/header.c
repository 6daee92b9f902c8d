/*
 * header - known message headers and the RFC 822 date; see
 * header.h.
 *
 * Implementation notes:
 *
 *	The table is Postfix's header_opts (src/global/header_opts.c): which
 *	headers carry sender or recipient addresses, which sendmail -t reads,
 *	which cleanup removes (Bcc, Resent-Bcc, Content-Length, Return-Path),
 *	and which are Resent- headers. Lookups ignore case and blanks between
 *	the name and the colon. The table is short; a linear scan is enough.
 *
 *	The date is Postfix's mail_date(): "%a, %e %b %Y %H:%M:%S " in local
 *	time, the UTC offset as +hhmm, then " (%Z)".
 */
#include <stdlib.h>
#include <strings.h>
#include <time.h>

#include "vbuf.h"
#include "header.h"

#define S HEADER_SENDER
#define R HEADER_RECIP
#define X (HEADER_RECIP | HEADER_EXTRACT)
#define D HEADER_DROP
#define RR HEADER_RR
#define M HEADER_MIME

static const struct header_def header_table[] = {
    {"Apparently-To", HEADER_OTHER, R},
    {"Bcc", HEADER_BCC, D | X},
    {"Cc", HEADER_CC, X},
    {"Content-Description", HEADER_OTHER, M},
    {"Content-Disposition", HEADER_OTHER, M},
    {"Content-ID", HEADER_OTHER, M},
    {"Content-Length", HEADER_CONTENT_LENGTH, D},
    {"Content-Transfer-Encoding", HEADER_CONTENT_TRANSFER_ENCODING, M},
    {"Content-Type", HEADER_OTHER, M},
    {"Delivered-To", HEADER_OTHER, 0},
    {"Disposition-Notification-To", HEADER_OTHER, S},
    {"Date", HEADER_DATE, 0},
    {"Errors-To", HEADER_OTHER, S},
    {"From", HEADER_FROM, S},
    {"Mail-Followup-To", HEADER_OTHER, S},
    {"Message-Id", HEADER_MESSAGE_ID, 0},
    {"MIME-Version", HEADER_OTHER, M},
    {"Received", HEADER_RECEIVED, 0},
    {"Reply-To", HEADER_OTHER, S},
    {"Resent-Bcc", HEADER_RESENT_BCC, D | X | RR},
    {"Resent-Cc", HEADER_RESENT_CC, X | RR},
    {"Resent-Date", HEADER_RESENT_DATE, RR},
    {"Resent-From", HEADER_RESENT_FROM, S | RR},
    {"Resent-Message-Id", HEADER_RESENT_MESSAGE_ID, RR},
    {"Resent-Reply-To", HEADER_OTHER, R | RR},
    {"Resent-Sender", HEADER_OTHER, S | RR},
    {"Resent-To", HEADER_RESENT_TO, X | RR},
    {"Return-Path", HEADER_RETURN_PATH, D | S},
    {"Return-Receipt-To", HEADER_OTHER, S},
    {"Sender", HEADER_OTHER, S},
    {"To", HEADER_TO, X},
    {0, HEADER_OTHER, 0},
};

#undef S
#undef R
#undef X
#undef D
#undef RR
#undef M

/* header_find - look up a header name */

const struct header_def *
header_find(const char *name, size_t len)
{
	const struct header_def *hp;

	while (len > 0 && (name[len - 1] == ' ' || name[len - 1] == '\t'))
		len--;
	for (hp = header_table; hp->name; hp++)
		if (strncasecmp(hp->name, name, len) == 0 && hp->name[len] == 0)
			return (hp);
	return (0);
}

/* header_date - Postfix's mail_date() */

void
header_date(struct vbuf *out, time_t when)
{
	struct tm lt;
	char buf[128];
	long off;

	localtime_r(&when, &lt);
	if (strftime(buf, sizeof(buf), "%a, %e %b %Y %H:%M:%S ", &lt) == 0)
		buf[0] = 0;
	vbuf_puts(out, buf);
	off = lt.tm_gmtoff / 60;
	vbuf_printf(out, "%c%02ld%02ld", off < 0 ? '-' : '+', labs(off) / 60,
	    labs(off) % 60);
	if (strftime(buf, sizeof(buf), " (%Z)", &lt) == 0)
		buf[0] = 0;
	vbuf_puts(out, buf);
}
