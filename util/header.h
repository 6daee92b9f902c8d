#ifndef SLUICE_HEADER_H
#define SLUICE_HEADER_H
/*
 * NAME
 *	header - Postfix's table of known message headers; RFC 822 dates
 * SYNOPSIS
 *	#include "header.h"
 *
 *	Headers and dates, shared by cleanup and sendmail:
 *
 *	const struct header_def *header_find(const char *name,
 *			size_t len);
 *	void header_date(struct vbuf *out, time_t when);
 *
 * DESCRIPTION
 *	header_find() looks up the header name (case-insensitive)
 *	in Postfix's table of known headers; NULL when unknown.
 *	header_date() appends the RFC 822 date of when in local time
 *	as Postfix writes it: "Mon,  3 Nov 2026 18:55:21 +0000 (UTC)".
 *
 */
#include <time.h>
#include "vbuf.h"

/*
 * Known headers (Postfix's header_opts table).
 */
#define HEADER_SENDER (1 << 0)	/* holds sender addresses */
#define HEADER_RECIP (1 << 1)	/* holds recipient addresses */
#define HEADER_EXTRACT (1 << 2) /* sendmail -t takes recipients */
#define HEADER_DROP (1 << 3)	/* removed from the message */
#define HEADER_RR (1 << 4)	/* Resent- header */
#define HEADER_MIME (1 << 5)	/* MIME header */

enum header_type {
	HEADER_OTHER,
	HEADER_BCC,
	HEADER_CC,
	HEADER_CONTENT_LENGTH,
	HEADER_CONTENT_TRANSFER_ENCODING,
	HEADER_DATE,
	HEADER_FROM,
	HEADER_MESSAGE_ID,
	HEADER_RECEIVED,
	HEADER_RESENT_BCC,
	HEADER_RESENT_CC,
	HEADER_RESENT_DATE,
	HEADER_RESENT_FROM,
	HEADER_RESENT_MESSAGE_ID,
	HEADER_RESENT_TO,
	HEADER_RETURN_PATH,
	HEADER_TO,
};

struct header_def {
	const char *name;
	enum header_type type;
	int flags;
};

const struct header_def *header_find(const char *name, size_t len);
void header_date(struct vbuf *out, time_t when);

#endif
