/*
 * NAME
 *	qmgr - sluice queue manager
 * SYNOPSIS
 *	qmgr [generic daemon options]
 * DESCRIPTION
 *	The queue manager waits for mail in the incoming and deferred
 *	queues, moves it to the active queue, hands its recipients to
 *	delivery agents, and afterwards removes the message or moves it to
 *	the deferred queue with the time of its next attempt. It is the one
 *	process that decides when delivery happens; it reads queue files but
 *	never rewrites them, except to mark the recipients of an expired
 *	message done and to set a W record to -1 once a delay notice went
 *	out.
 *
 *	Start-up: every file left in the active queue goes back to the
 *	incoming queue with its mtime set to now (crash recovery: qmgr keeps
 *	no state but the files), then the incoming and deferred queues are
 *	scanned.
 * QUEUES
 *	incoming: new mail from cleanup. deferred: mail waiting for another
 *	attempt; a file's mtime is the time of that attempt and files whose
 *	mtime lies more than a second ahead are left alone. active: the
 *	messages qmgr works on, at most qmgr_message_active_limit of them.
 *	corrupt: files qmgr could not read. defer/, bounce/: per-message
 *	logs written by the delivery agents (and by qmgr for recipients it
 *	defers itself); the defer log of a message is removed each time the
 *	message enters the active queue.
 * TRIGGERS
 *	One-byte requests arrive on the public/qmgr endpoint; a request
 *	may hold several bytes, duplicates collapse:
 *	I	scan the incoming queue.
 *	W	wake up: the same as I (cleanup, master).
 *	D	scan the deferred queue.
 *	A	ignore file mtimes in the current and next scans.
 *	F	forget dead destinations and transport throttles.
 *	"postqueue -f" and "sluice flush" send F, A, D and I. A deferred
 *	scan also starts every $queue_run_delay.
 * STRATEGIES
 *	Routing: util/resolve gives each recipient its transport and next
 *	hop (transport_maps, sender_dependent_default_transport_maps,
 *	relay_transport, default_transport, sender_dependent_relayhost_maps,
 *	relayhost; docs/postfix/tables-routing.md); the tables are opened
 *	before privileges are dropped and re-read when they change. A table
 *	lookup error defers the recipient ("address resolver failure",
 *	4.3.0), never a default route. The built-in transports error,
 *	retry and discard are handled by qmgr itself (bounce, defer,
 *	status=sent with relay=none); any other transport is the master.cf
 *	service private/<transport>, and one that does not exist defers
 *	with "mail transport unavailable". Recipients of a message for the
 *	same (transport, nexthop) destination are bundled into one delivery
 *	request of at most $<transport>_destination_recipient_limit
 *	recipients.
 *
 *	Slow start: each destination may have $initial_destination_
 *	concurrency deliveries in flight at first; the window grows with
 *	each delivery that completes without a site-level problem, up to
 *	the transport's destination concurrency limit, and shrinks when a
 *	delivery agent reports one (connection refused, greeting or HELO
 *	failure, timeout).
 *
 *	Dead destinations: failed pseudo-cohorts (1/window per failure) add
 *	up; when they reach the failed-cohort limit the destination is dead
 *	for $minimal_backoff_time (or until an F trigger): its queued
 *	recipients and new recipients for it are deferred at once with
 *	"delivery temporarily suspended: REASON".
 *
 *	Transport failure: when the delivery agent cannot be reached or
 *	goes away without a reply, the request's recipients are deferred
 *	with "mail transport unavailable" (4.3.0) and the transport is
 *	throttled for $transport_retry_time.
 *
 *	Backoff: a message with deferred recipients is fsync'ed (the
 *	agents do not sync their D marks; a message whose recipients are
 *	all final is removed without a sync) and goes to the deferred
 *	queue; it is tried again after its age, clamped to
 *	[$minimal_backoff_time, $maximal_backoff_time]; it expires after
 *	$maximal_queue_lifetime ($bounce_queue_lifetime for the null
 *	sender): "status=expired, returned to sender", and its remaining
 *	recipients are marked done.
 *
 *	Notices: when a message is finished, a non-empty bounce log is
 *	turned into one non-delivery notice by the bounce service
 *	(private/bounce, request=flush log=bounce); an expired message's
 *	defer log likewise (log=defer); a deferred message whose W record
 *	time has come gets a delay notice (request=warn) and its W record
 *	is rewritten to -1 in place (delay_warning_time). qmgr waits for the
 *	answer in its event loop and removes logs and files only after
 *	status=0; when the bounce service fails, the message goes to the
 *	deferred queue with its logs and the notice is asked for again at
 *	its next attempt. Without a bounce service (no private/bounce), the
 *	notice is skipped with a warning.
 *
 *	Memory: at most $qmgr_message_recipient_limit recipients are held
 *	in core (every message gets at least $qmgr_message_recipient_
 *	minimum); a larger message is read in slices. Queue scans take a
 *	bounded number of directory entries per turn of the event loop.
 * DELIVERY PROTOCOL
 *	One UNIX stream connection to private/<transport> per request; see
 *	qmgr_deliver.c and docs/architecture.md. Notices: one connection to
 *	private/bounce per request; see qmgr_bounce.c.
 * CONFIGURATION PARAMETERS
 *	queue_run_delay (300s)
 *	minimal_backoff_time (300s), maximal_backoff_time (4000s)
 *	maximal_queue_lifetime (5d), bounce_queue_lifetime (5d)
 *	qmgr_message_active_limit (20000)
 *	qmgr_message_recipient_limit (20000)
 *	qmgr_message_recipient_minimum (10)
 *	initial_destination_concurrency (5)
 *	default_destination_concurrency_limit (20)
 *	default_destination_recipient_limit (50)
 *	default_destination_concurrency_failed_cohort_limit (1)
 *	default_destination_concurrency_positive_feedback (1)
 *	default_destination_concurrency_negative_feedback (1)
 *	  and their <transport>_ forms, e.g.
 *	  smtp_destination_concurrency_limit, smtp_destination_recipient_limit
 *	transport_retry_time (60s)
 *	qmgr_ipc_timeout (60s): time to send a delivery request
 *	default_process_limit (100): delivery requests in flight per
 *	  transport
 *	relayhost (empty), myhostname, transport_maps, relay_transport
 *	(relay), default_transport (smtp), sender_dependent_relayhost_maps,
 *	sender_dependent_default_transport_maps, recipient_delimiter
 *	max_idle and max_use do not apply (long-lived, as in Postfix)
 * SECURITY
 *	qmgr runs as mail_owner without privileges. It talks to local
 *	commands only through one-byte triggers (anything else is ignored)
 *	and to delivery agents through private sockets. Queue files are
 *	written by cleanup, but qmgr still reads them as untrusted: every
 *	record is bounded, types are checked per segment, and anything odd
 *	sends the file to the corrupt queue. Envelope data never reaches a
 *	shell.
 * SEE ALSO
 *	docs/postfix/scheduling.md, docs/postfix/queue.md, smtp(8)
 */
#include "server.h"
#include "qmgr.h"
#include "resolve.h"

/* As root: tables may be readable by root only (Postfix opens them first). */
static void
qmgr_pre_init(void)
{
	resolve_init();
}

static void
qmgr_init(struct event_base *base)
{
	qmgr_param_init();
	qmgr_queue_init(base);
	qmgr_deliver_init(base);
	qmgr_active_recover();
	qmgr_scan_init(base);
}

static const struct server_spec qmgr_spec = {
    .name = "qmgr",
    .mode = SERVER_TRIGGER,
    .pre_init = qmgr_pre_init,
    .init = qmgr_init,
    .trigger = qmgr_trigger,
    .long_lived = 1, /* max_idle and max_use do not apply, as in Postfix */
    .params = qmgr_params,
};

int
main(int argc, char **argv)
{
	return (server_main(argc, argv, &qmgr_spec));
}
