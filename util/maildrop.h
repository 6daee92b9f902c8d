#ifndef SLUICE_MAILDROP_H
#define SLUICE_MAILDROP_H
/*
 * NAME
 *	maildrop - what a local user may put into a maildrop file
 * SYNOPSIS
 *	#include "maildrop.h"
 *
 *	MAILDROP_ENVELOPE, MAILDROP_CONTENT, MAILDROP_EXTRACT
 *
 *	const char *maildrop_attr_split(char *buf, char **name, char **value);
 *	int  maildrop_attr_ok(const char *name, const char *value);
 * DESCRIPTION
 *	A maildrop file written for a local user (sendmail, sendmail -bs,
 *	through postdrop) is untrusted input: postdrop accepts, and pickup
 *	passes on, only what a user may ask for.
 *
 *	MAILDROP_ENVELOPE, MAILDROP_CONTENT and MAILDROP_EXTRACT are the
 *	record types of each segment (Postfix's REC_TYPE_POST_* with the
 *	T record a submitter may send, which postdrop replaces, and the C
 *	placeholder of Postfix 3.11 sendmail -O); the first type of each
 *	set ('M', 'X', 'E') ends the previous segment.
 *
 *	maildrop_attr_split() splits the text of an A record in place as
 *	Postfix's split_nameval() does (blanks around the name and value
 *	removed): NULL with *name and *value set, or the error text
 *	"missing attribute name" or "missing '=' after attribute name".
 *
 *	maildrop_attr_ok() tells whether a user may set the attribute
 *	(Postfix's postdrop list): encoding=7bit|8bit|none, envelope_id,
 *	notify_flags, dsn_orig_rcpt, ret_flags, create_time,
 *	rewrite_context=local|remote, trace_flags. Everything else is
 *	internal (submit_uid, trace_header, log_origin, log_client_*,
 *	client_*...) and is dropped with Postfix's warning "uid=N: ignoring
 *	attribute record: NAME=VALUE".
 * SEE ALSO
 *	postdrop(1), pickup(8), docs/postfix/queue.md
 */

#define MAILDROP_ENVELOPE "MCTFSRVA"
#define MAILDROP_CONTENT "XLN"
#define MAILDROP_EXTRACT "EAR"

const char *maildrop_attr_split(char *buf, char **name, char **value);
int maildrop_attr_ok(const char *name, const char *value);

#endif
