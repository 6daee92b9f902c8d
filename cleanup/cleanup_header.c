/*
 * cleanup_header - known message headers and the RFC 822 date; see
 * cleanup.h.
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
#include "cleanup.h"

#define S	CLEANUP_HDR_SENDER
#define R	CLEANUP_HDR_RECIP
#define X	(CLEANUP_HDR_RECIP | CLEANUP_HDR_EXTRACT)
#define D	CLEANUP_HDR_DROP
#define RR	CLEANUP_HDR_RR
#define M	CLEANUP_HDR_MIME

static const struct cleanup_hdr cleanup_hdr_table[] = {
    {"Apparently-To", CLEANUP_HDR_OTHER, R},
    {"Bcc", CLEANUP_HDR_BCC, D | X},
    {"Cc", CLEANUP_HDR_CC, X},
    {"Content-Description", CLEANUP_HDR_OTHER, M},
    {"Content-Disposition", CLEANUP_HDR_OTHER, M},
    {"Content-ID", CLEANUP_HDR_OTHER, M},
    {"Content-Length", CLEANUP_HDR_CONTENT_LENGTH, D},
    {"Content-Transfer-Encoding", CLEANUP_HDR_CONTENT_TRANSFER_ENCODING, M},
    {"Content-Type", CLEANUP_HDR_OTHER, M},
    {"Delivered-To", CLEANUP_HDR_OTHER, 0},
    {"Disposition-Notification-To", CLEANUP_HDR_OTHER, S},
    {"Date", CLEANUP_HDR_DATE, 0},
    {"Errors-To", CLEANUP_HDR_OTHER, S},
    {"From", CLEANUP_HDR_FROM, S},
    {"Mail-Followup-To", CLEANUP_HDR_OTHER, S},
    {"Message-Id", CLEANUP_HDR_MESSAGE_ID, 0},
    {"MIME-Version", CLEANUP_HDR_OTHER, M},
    {"Received", CLEANUP_HDR_RECEIVED, 0},
    {"Reply-To", CLEANUP_HDR_OTHER, S},
    {"Resent-Bcc", CLEANUP_HDR_RESENT_BCC, D | X | RR},
    {"Resent-Cc", CLEANUP_HDR_RESENT_CC, X | RR},
    {"Resent-Date", CLEANUP_HDR_RESENT_DATE, RR},
    {"Resent-From", CLEANUP_HDR_RESENT_FROM, S | RR},
    {"Resent-Message-Id", CLEANUP_HDR_RESENT_MESSAGE_ID, RR},
    {"Resent-Reply-To", CLEANUP_HDR_OTHER, R | RR},
    {"Resent-Sender", CLEANUP_HDR_OTHER, S | RR},
    {"Resent-To", CLEANUP_HDR_RESENT_TO, X | RR},
    {"Return-Path", CLEANUP_HDR_RETURN_PATH, D | S},
    {"Return-Receipt-To", CLEANUP_HDR_OTHER, S},
    {"Sender", CLEANUP_HDR_OTHER, S},
    {"To", CLEANUP_HDR_TO, X},
    {0, CLEANUP_HDR_OTHER, 0},
};

#undef S
#undef R
#undef X
#undef D
#undef RR
#undef M

/* cleanup_header_find - look up a header name */

const struct cleanup_hdr *
cleanup_header_find(const char *name, size_t len)
{
    const struct cleanup_hdr *hp;

    while (len > 0 && (name[len - 1] == ' ' || name[len - 1] == '\t'))
	len--;
    for (hp = cleanup_hdr_table; hp->name; hp++)
	if (strncasecmp(hp->name, name, len) == 0 && hp->name[len] == 0)
	    return (hp);
    return (0);
}

/* cleanup_header_date - Postfix's mail_date() */

void
cleanup_header_date(struct vbuf *out, time_t when)
{
    struct tm lt;
    char    buf[128];
    long    off;

    localtime_r(&when, &lt);
    if (strftime(buf, sizeof(buf), "%a, %e %b %Y %H:%M:%S ", &lt) == 0)
	buf[0] = 0;
    vbuf_puts(out, buf);
    off = lt.tm_gmtoff / 60;
    vbuf_printf(out, "%c%02ld%02ld", off < 0 ? '-' : '+',
		labs(off) / 60, labs(off) % 60);
    if (strftime(buf, sizeof(buf), " (%Z)", &lt) == 0)
	buf[0] = 0;
    vbuf_puts(out, buf);
}
