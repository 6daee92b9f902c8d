/*
 * NAME
 *	metrics - serve sluice's counters to Prometheus (OpenMetrics)
 * SYNOPSIS
 *	metrics [-c config_dir] [-n service] [-t type] [-o name=value] [-v]
 * DESCRIPTION
 *	metrics is an optional service: enabled by a master.cf line such as
 *	    127.0.0.1:9154  inet  n  -  n  -  1  metrics
 *	it answers HTTP GET (and HEAD) requests for /metrics with the
 *	counters every sluice daemon keeps in the shared file
 *	private/.metrics-v1 (metrics(3)), and gauges of the queue read at
 *	scrape time:
 *	    sluice_messages_received_total
 *	    sluice_deliveries_total{status="sent|deferred|bounced"}
 *	    sluice_smtpd_rejects_total{class="4xx|5xx"}
 *	    sluice_smtpd_connections_total, sluice_smtpd_active_connections
 *	    sluice_smtp_connections_total
 *	    sluice_tls_connections_total{direction="in|out"}
 *	    sluice_delivery_delay_seconds{stage="before_qmgr|in_qmgr|
 *	        conn_setup|transmission"} (histogram; delays=a/b/c/d)
 *	    sluice_queue_messages{queue=...}, sluice_queue_bytes{queue=...},
 *	    sluice_queue_oldest_age_seconds{queue=...}
 *	    sluice_queue_scan_truncated
 *	The counters are counted where the log line they match is logged,
 *	not read from the log. A client that asks for
 *	application/openmetrics-text in its Accept header (Prometheus does)
 *	gets OpenMetrics 1.0.0, with _created samples; any other client the
 *	Prometheus text format 0.0.4. docs/metrics.md has an example scrape
 *	configuration and queries.
 *
 *	The queues (maildrop, incoming, active, deferred, hold) are walked
 *	as mailq walks them, at most every 2 seconds (later scrapes reuse
 *	the result) and for at most 2 seconds (then
 *	sluice_queue_scan_truncated is 1 and the figures cover what was
 *	seen).
 * SECURITY
 *	Runs as mail_owner in queue_directory. Only clients on a loopback
 *	address get an answer (403 otherwise); bind the service to
 *	127.0.0.1 in master.cf. A request head is read up to 8 KB, with 10
 *	seconds for each read and write; the body of a request is never
 *	read.
 * CONFIGURATION PARAMETERS
 *	queue_directory, hash_queue_names, hash_queue_depth,
 *	duplicate_filter_limit, max_idle (100s), max_use (100)
 *	(util/server.h, "Lifetimes").
 * SEE ALSO
 *	master(5), metrics(3), showq(8), docs/metrics.md
 */
#include <stddef.h>

#include "server.h"
#include "metrics.h"

int
main(int argc, char **argv)
{
	static const struct server_spec spec = {
	    .name = "metrics",
	    .mode = SERVER_MULTI,
	    .init = metrics_http_init,
	    .accept = metrics_http_accept,
	    .stop = metrics_http_stop,
	    .active = metrics_http_active,
	};

	return (server_main(argc, argv, &spec));
}
