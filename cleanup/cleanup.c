/*
 * NAME
 *	cleanup - canonicalize and enqueue mail
 * SYNOPSIS
 *	cleanup [-c config_dir] [-n service] [-t type] [-o name=value] [-v]
 * DESCRIPTION
 *	cleanup is the only program that writes complete queue files. A
 *	client (pickup, smtpd) connects to public/cleanup and streams one
 *	message as queue records in the maildrop format: envelope ('T', 'A',
 *	'F', 'S', per recipient optional 'A notify_flags' / 'A dsn_orig_rcpt'
 *	/ 'O' and 'R'), 'M', content ('N' and 'L'), 'X', extracted envelope
 *	(recipients found by sendmail -t), 'E'. cleanup writes incoming/ID in
 *	Postfix's layout (queue.md section 7):
 *
 *	- the C size record, the client's T, its own A create_time, the
 *	  client's envelope records with the sender qualified;
 *	- per recipient A dsn_orig_rcpt=rfc822;ADDRESS (unless the client
 *	  sent one), O (the address as given) and R (qualified with
 *	  @$myorigin when append_at_myorigin = yes; duplicates removed);
 *	- the content: for local submissions the Received: header
 *	  "by $myhostname ($mail_name, from userid UID)", the headers with
 *	  Bcc, Resent-Bcc, Content-Length and Return-Path removed, and at
 *	  their end a missing (Resent-)Message-Id
 *<YYYYMMDDHHMMSS.ID@$myhostname>, Date and From; lines longer than
 *line_length_limit are split;
 *	- the extracted segment: A encoding (from sendmail -B or an 8bit
 *	  Content-Transfer-Encoding), recipients from sendmail -t, E.
 *
 *	As soon as the first record has created incoming/ID cleanup tells
 *	the client with the attribute block "queue_id=ID". When the file is
 *	complete cleanup rewrites the C record, flushes, and (in one of at
 *	most 16 worker threads, so that other clients are served and other
 *	fsyncs run meanwhile) sets mode 0700, fsyncs and closes it; only
 *	then it replies with the final block
 *	"status=0 queue_id=ID" and wakes qmgr with "W" on
 *	public/qmgr (within 10 ms; the messages completed in that time share
 *	one wake-up). On any error the partial file is removed and the reply
 *	is "status=N reason=TEXT" with N from sysexits.h: 65 (EX_DATAERR)
 *	for a message that can never be accepted (malformed records, "message
 *	file too big", no recipients, too many hops), 75 (EX_TEMPFAIL) when
 *	it may work later (disk full, write errors).
 *
 *	Input-only attributes (never written): submit_uid=UID asks for the
 *	local Received: header, trace_header=TEXT supplies another first
 *	header (with ${queue_id} replaced), log_origin=TEXT names the client
 *	in reject logs.
 * LOGGING
 *	"ID: message-id=<...>" for every message (as Postfix); warnings
 *	"ID: message rejected: REASON" for rejects.
 * SECURITY
 *	cleanup talks only to local clients on public/cleanup, whose input
 *	(maildrop files) is untrusted: records are length-bounded, CR/LF/NUL
 *	are refused in envelope records, headers are bounded by
 *	header_size_limit, the whole file by message_size_limit. It runs as
 *	mail_owner and needs write access to incoming/ only.
 * CONFIGURATION PARAMETERS
 *	myhostname, myorigin ($myhostname), append_at_myorigin (yes),
 *	mail_name (sluice), enable_long_queue_ids (no), message_size_limit
 *	(10240000), header_size_limit (102400), line_length_limit (2048),
 *	hopcount_limit (50), delay_warning_time (0h), duplicate_filter_limit
 *	(1000), queue_file_attribute_count_limit (100), ipc_timeout (3600s),
 *	max_idle (100s), max_use (100) (util/server.h, "Lifetimes").
 * STANDARDS
 *	RFC 822, RFC 5322 (message headers), RFC 3461 (DSN attributes).
 * SEE ALSO
 *	pickup(8), qmgr(8), docs/postfix/queue.md
 */
#include <stddef.h>

#include "server.h"
#include "cleanup.h"

int
main(int argc, char **argv)
{
	static const struct server_spec spec = {
	    .name = "cleanup",
	    .mode = SERVER_MULTI,
	    .init = cleanup_service_init,
	    .accept = cleanup_service_accept,
	    .stop = cleanup_service_stop,
	    .active = cleanup_service_active,
	    .params = cleanup_params,
	};

	return (server_main(argc, argv, &spec));
}
