/*
 * NAME
 *	showq - list the mail queue for postqueue and other readers
 * SYNOPSIS
 *	showq [-c config_dir] [-n service] [-t type] [-o name=value] [-v]
 * DESCRIPTION
 *	showq reports the queue to any local user: it listens on
 *	public/showq (master.cf "showq unix n - n - - showq"), whose
 *	directory setgid_group may enter, so the set-group-ID postqueue
 *	(-p, -j, and mailq / sendmail -bp through it) lists a queue that
 *	only mail_owner can read, and third-party readers such as
 *	prometheus-postfix-exporter get Postfix's stream.
 *
 *	A client connects and reads; it sends nothing. showq answers with
 *	Postfix 3's showq protocol (showq_proto(3), the null-terminated
 *	attribute encoding): the protocol identification
 *	"protocol"="mail_queue_list_protocol", then for each message of
 *	the queues maildrop, active, incoming, deferred and hold (showq(3)
 *	decides what is listed and how: defer log reasons, quoting, the
 *	duplicate filter) its queue_name, queue_id, time, size,
 *	forced_expire and sender, one recipient/reason pair per
 *	recipient and an end of group, and an end of group after the last
 *	message. Then it closes the connection.
 *
 *	The listing is streamed: a client costs one message and a 64 KB
 *	output window however long the queue is, and many clients are
 *	served at once. Up to 4 clients at a time are each listed by a
 *	process of their own that reads the queues with one worker per
 *	processor (messages of one queue then come in no fixed order; in
 *	Postfix it is directory order). A client that stops reading is
 *	dropped after
 *	ipc_timeout without progress. A queue directory that cannot be
 *	read ends the connection without the end marker (postqueue then
 *	says "malformed showq server response"), as Postfix's showq does
 *	when it dies on such an error.
 * SECURITY
 *	Runs as mail_owner in queue_directory and takes no input. The
 *	listing shows senders, recipients and delay reasons to every local
 *	user who can reach public/showq (authorized_mailq_users is checked
 *	by postqueue, as in Postfix).
 * CONFIGURATION PARAMETERS
 *	ipc_timeout (3600s), duplicate_filter_limit (1000),
 *	queue_directory, hash_queue_names, hash_queue_depth,
 *	showq_service_name (the name postqueue connects to), max_idle
 *	(100s), max_use (100) (util/server.h, "Lifetimes").
 * SEE ALSO
 *	postqueue(1), showq(3), showq_proto(3), docs/postfix/admin-tools.md
 */
#include <stddef.h>

#include "server.h"
#include "showq.h"

int
main(int argc, char **argv)
{
	static const struct server_spec spec = {
	    .name = "showq",
	    .mode = SERVER_MULTI,
	    .init = showq_service_init,
	    .accept = showq_service_accept,
	    .stop = showq_service_stop,
	    .active = showq_service_active,
	    .params = showq_params,
	};

	return (server_main(argc, argv, &spec));
}
