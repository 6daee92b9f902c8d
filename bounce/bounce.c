/*
 * NAME
 *	bounce - sluice delivery status notifications
 * SYNOPSIS
 *	bounce [generic daemon options]   (started by master from master.cf)
 * DESCRIPTION
 *	bounce sends the notices that tell a sender what became of a
 *	message: a non-delivery notice ("Undelivered Mail Returned to
 *	Sender") for recipients that bounced or whose message expired, and
 *	a delay notice ("Delayed Mail (still being retried)") once a message
 *	has waited delay_warning_time.
 *
 *	qmgr connects to private/bounce and sends one attribute block:
 *	request=flush (non-delivery notice from log=bounce, the bounce/ID
 *	log, or log=defer, the defer/ID log of an expired message) or
 *	request=warn (delay notice from defer/ID), queue_id=ID and
 *	sender=SENDER. bounce reads active/ID and the log, composes one
 *	notice for all recipients the log names (RFC 3464 multipart/report:
 *	an explanation, the per-recipient delivery status, the original
 *	message or, for delay notices and DSN RET=HDRS, its headers, at most
 *	bounce_size_limit bytes), and submits it to cleanup with the null
 *	sender, to the original sender. It logs "ID: sender non-delivery
 *	notification: NEWID" (or "delay notification") and replies
 *	status=0; any failure is logged as a warning and replied as status=1
 *	with reason=TEXT, and then nothing has changed: qmgr keeps the
 *	message and the log and asks again later. bounce itself never
 *	deletes anything.
 *
 *	No notice goes to the sender (status=0) when the sender is the null
 *	sender (a bounce that bounced: it is dropped silently, as in
 *	Postfix, unless notify_classes contains 2bounce, which sends it in
 *	full to 2bounce_notice_recipient: "ID: postmaster non-delivery
 *	notification: NEWID"), when the sender is the double-bounce address
 *	("ID: undeliverable postmaster notification discarded", nothing
 *	else), or when DSN NOTIFY leaves out every recipient (NEVER, or
 *	FAILURE resp. DELAY not requested). With notify_classes containing
 *	bounce (resp. delay) the postmaster also gets a copy with the
 *	original's headers (bounce_notice_recipient, delay_notice_recipient;
 *	"Postmaster Copy: Undelivered Mail", "Postmaster Warning: Delayed
 *	Mail"); postmaster notices have the envelope sender
 *	double_bounce_sender, and a failed postmaster copy is only logged.
 *	With soft_bounce = yes non-delivery notices are held (status=1): the
 *	message stays in the queue.
 * SECURITY
 *	bounce reads queue files and logs in the queue directory and talks
 *	to cleanup; it runs as mail_owner and needs no other privilege. The
 *	request comes over a private socket and is bounded in size and
 *	time; texts from remote servers reach the notice only as they were
 *	stored (control characters already masked) and are wrapped, never
 *	interpreted.
 * PARAMETERS
 *	myhostname, myorigin, mail_name, bounce_size_limit (50000),
 *	delay_warning_time (0h), maximal_queue_lifetime (5d),
 *	double_bounce_sender (double-bounce), soft_bounce (no),
 *	notify_classes (resource, software), bounce_notice_recipient,
 *	2bounce_notice_recipient, delay_notice_recipient (postmaster).
 *	max_idle (100s), max_use (100): a bounce process retires after
 *	max_idle seconds without a client, or once it has served max_use
 *	clients and has none left (util/server.h).
 * STANDARDS
 *	RFC 3461 (DSN NOTIFY/RET), RFC 3462 (multipart/report), RFC 3464
 *	(message/delivery-status).
 * SEE ALSO
 *	qmgr(8), cleanup(8), util/dlog.h, docs/postfix/scheduling.md.
 */
#include <stddef.h>

#include "server.h"
#include "bounce.h"

int
main(int argc, char **argv)
{
	static const struct server_spec spec = {
	    .name = "bounce",
	    .mode = SERVER_MULTI,
	    .init = bounce_service_init,
	    .accept = bounce_service_accept,
	    .stop = bounce_service_stop,
	    .active = bounce_service_active,
	    .params = bounce_params,
	};

	return (server_main(argc, argv, &spec));
}
