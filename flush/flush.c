/*
 * NAME
 *	flush - fast flush service: per-site logs of deferred mail
 * SYNOPSIS
 *	flush [-c config_dir] [-n service] [-t type] [-o name=value] [-v]
 * DESCRIPTION
 *	flush remembers, per destination site, which queue IDs were
 *	deferred, so that ETRN (smtpd), "postqueue -s site" and
 *	"postqueue -i queue_id" can schedule just those messages at once.
 *	It listens on public/flush (master.cf "flush unix n - n 1000? 0
 *	flush"); one request per connection, an attribute block (attr(3))
 *	with request=NAME, site and queue_id, answered with status=N:
 *	0 OK, -1 FAIL, 2 UNKNOWN (request), 3 BAD (parameter), 4 DENY (the
 *	site is not eligible). Requests:
 *
 *	add (site, queue_id): a delivery agent deferred a recipient at site
 *	  (util/deliv): when site is eligible, append "queue_id\n" to its
 *	  log, else DENY.
 *	send_site (site): DENY unless eligible; tell qmgr "F" (forget dead
 *	  destinations); for each distinct queue ID in the site's log: set
 *	  the atime and mtime of deferred/ID to now and move it to
 *	  incoming/ (a message already in incoming/ is only touched, a
 *	  missing one skipped); empty the log, set its atime; tell qmgr "I".
 *	  Messages that are still undeliverable are logged again when they
 *	  are deferred again.
 *	send_file (queue_id): the same for one message, which also gets
 *	  the g+r "unthrottle" bit; no eligibility check; a missing message
 *	  is OK.
 *	refresh: for every log: empty and not modified for
 *	  fast_flush_purge_time: removed; not empty and not read for
 *	  fast_flush_refresh_time: send_site without the "F" trigger.
 *	purge: refresh with both times 0.
 *	The master's periodic wake-up "W" is a refresh.
 *
 *	Eligible sites match fast_flush_domains (default $relay_domains,
 *	which is empty at compatibility_level 2 and later: fast flush is off
 *	until configured); see deliv(3) deliv_flush_match() for the list
 *	syntax. The log of a site is flush/NAME (flush/H/NAME when flush is
 *	in hash_queue_names), NAME being the site with letters and digits
 *	lowercased and every other byte replaced by '_'; mode 0600, one
 *	queue ID per line, duplicates allowed, locked with flock() while
 *	written or read.
 * SECURITY
 *	Runs as mail_owner in queue_directory. Requests are bounded (4096
 *	bytes, 30 seconds); queue IDs are checked before they become paths,
 *	and site names never reach a path unmapped.
 * CONFIGURATION PARAMETERS
 *	fast_flush_domains ($relay_domains), fast_flush_refresh_time (12h),
 *	fast_flush_purge_time (7d), parent_domain_matches_subdomains,
 *	hash_queue_names, hash_queue_depth, flush_service_name (flush).
 *	max_idle (100s), max_use (100): a flush process retires after
 *	max_idle seconds without a client, or once it has served max_use
 *	clients and has none left (util/server.h).
 * SEE ALSO
 *	qmgr(8), smtpd(8), postqueue(1), docs/postfix/smtpd-flush.md
 */
#include <stddef.h>

#include "server.h"
#include "flush.h"

int
main(int argc, char **argv)
{
	static const struct server_spec spec = {
	    .name = "flush",
	    .mode = SERVER_MULTI,
	    .init = flush_service_init,
	    .accept = flush_service_accept,
	    .stop = flush_service_stop,
	    .active = flush_service_active,
	    .params = flush_params,
	};

	return (server_main(argc, argv, &spec));
}
