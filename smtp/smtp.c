/*
 * NAME
 *	smtp - sluice SMTP delivery agent
 * SYNOPSIS
 *	smtp [generic daemon options]   (started by master from master.cf)
 * DESCRIPTION
 *	smtp delivers queued mail to the next hop over SMTP (RFC 5321). One
 *	process runs many deliveries at once: every delivery is an
 *	event-driven session in the process's libevent loop, with DNS
 *	through c-ares in the same loop (util/dns), so no delivery ever
 *	waits for another.
 *
 *	qmgr connects to private/smtp once per delivery request and sends
 *	one attribute block (queue_name=active, queue_id, transport,
 *	nexthop, arrival_time, active_time, one rcpt per recipient; see
 *	docs/architecture.md). smtp reads sender, size and content from
 *	active/ID itself (shared lock), delivers, and reports each
 *	recipient exactly once with deliv_result(): the Postfix status line
 *	("QID: to=<...>, relay=..., delay=..., delays=..., dsn=...,
 *	status=sent|deferred|bounced (...)"), the R record marked done for
 *	sent and bounced recipients, bounce/ID or defer/ID entries (those
 *	logs are fsync'ed; the D marks are not: qmgr removes the file when
 *	every recipient is final and fsyncs it before a file with deferred
 *	recipients leaves active/, so a system crash can at worst repeat
 *	a delivery, as with Postfix). It replies "status=0" (all
 *	final) or "status=1" (some deferred), plus "hop_status" and
 *	"hop_dsn" when a site-level failure (DNS, connect, greeting, HELO,
 *	lost connection, timeout) was the last word, so that qmgr throttles
 *	the destination.
 *
 *	Nexthop forms: "[host]:port", "[1.2.3.4]:port", "[ipv6:2001:db8::1]",
 *	"host:port", "host"; the port is a number or service name and
 *	defaults to smtp_tcp_port. The nexthop may be a list ("a.example,
 *	[b.example]:2525", Postfix 3.5+), tried in order, followed by the
 *	smtp_fallback_relay list once every earlier site has failed.
 *
 *	A bare "host" (not bracketed, not numeric) gets an MX lookup; its
 *	MX hosts are sorted by preference and each gets an A/AAAA lookup
 *	(per inet_protocols, all concurrently, at most 100 addresses in
 *	all). NXDOMAIN or no MX record: implicit MX, the host's own
 *	addresses. Null MX (a single "." record): bounce 5.1.0 "Domain D
 *	does not accept mail (nullMX)". Temporary MX lookup failure: defer
 *	4.4.3, other failures 5.4.3/5.4.4 (with ignore_mx_lookup_error the
 *	implicit MX is used instead). When no MX host has an address:
 *	warning "no MX host for D has a valid address record" and the
 *	address lookup's own error (a soft one wins; 4.x.x with
 *	smtp_defer_if_no_mx_address_found). Loop detection (only for port
 *	25): an address of this host (inet_interfaces, proxy_interfaces)
 *	drops itself and every MX of the same or worse preference;
 *	nothing left is "4.4.4 unable to find primary relay for D" (better
 *	MX hosts without address) or "5.4.6 mail for D loops back to
 *	myself". Addresses are shuffled among equal preferences with
 *	smtp_randomize_addresses, ordered by smtp_address_preference within
 *	a preference, and tried in order: at most smtp_mx_address_limit of
 *	them and at most smtp_mx_session_limit sessions past HELO per site,
 *	while recipients are left; connect, greeting and HELO failures and
 *	4xx results on a non-final address keep the recipient for the next
 *	one (a 4xx reply logs "QID: REASON"). Leftovers get the last error
 *	seen. With disable_dns_lookups (or smtp_dns_support_level =
 *	disabled) there is no MX lookup and host lookups are "native": the
 *	hosts file first, then A/AAAA through c-ares (getaddrinfo() would
 *	block the event loop); smtp_host_lookup containing "native" does
 *	the same for host lookups only. A hard error from the fallback
 *	relay is deferred with 4.3.5 ("smtp_fallback_relay configuration
 *	problem").
 *
 *	The dialogue: greeting (4xx, or 5xx with smtp_skip_5xx_greeting,
 *	is "host H[A] refused to talk to me: REPLY" and a site failure),
 *	EHLO $smtp_helo_name (HELO when EHLO is rejected; 421 is a site
 *	failure), MAIL FROM:<sender> with SIZE=N when SIZE is offered and
 *	BODY=8BITMIME when the message is 8-bit and 8BITMIME is offered, one
 *	RCPT TO per recipient, DATA, the content, ".", then QUIT without
 *	waiting for its reply. With PIPELINING, MAIL, RCPTs and DATA go out
 *	in one write and the replies are read in order. Negative replies
 *	become "host H[A] said: REPLY (in reply to MAIL FROM|RCPT TO|DATA|
 *	end of DATA command)", 4xx deferred, 5xx bounced, with the reply's
 *	enhanced status code. A message larger than the server's SIZE is
 *	bounced with 5.3.4. A hard error from $relayhost itself is deferred
 *	with 4.3.5 ("relayhost configuration problem").
 *
 *	Content: the queue file's N/L records become lines with CRLF; a
 *	leading "." is doubled; lines of at most smtp_line_length_limit
 *	bytes go out unchanged, longer ones are broken after that many
 *	bytes with CRLF and a space (Postfix's behaviour). 8-bit content
 *	goes out as is, also to servers without 8BITMIME (no MIME
 *	conversion).
 *
 *	STARTTLS (RFC 3207) per smtp_tls_security_level or the
 *	destination's entry in smtp_tls_policy_maps (looked up as the
 *	nexthop is written, "[host]:port" or a domain and its parents):
 *	none; may (STARTTLS when offered; a failed handshake defers
 *	4.7.5 "Cannot start TLS: handshake failure" and falls back to
 *	plaintext only once the message has waited minimal_backoff_time);
 *	encrypt ("TLS is required, but was not offered by host H[A]",
 *	4.7.4); fingerprint, verify and secure (certificate digest, or
 *	chain from smtp_tls_CAfile/CApath plus the names of
 *	smtp_tls_verify_cert_match or smtp_tls_secure_cert_match; else
 *	"Server certificate not verified", 4.7.5). Nothing is sent in
 *	plaintext when a level above may is not met, and a policy or
 *	configuration problem defers ("client TLS configuration
 *	problem"). With smtp_tls_loglevel >= 1 each handshake logs
 *	Postfix's "Trusted|Verified|Untrusted TLS connection established
 *	to H[A]:P: TLSv1.3 with cipher ..." line. TLS sessions are
 *	resumed from an in-memory cache.
 *
 *	SASL (RFC 4954) with smtp_sasl_auth_enable through Cyrus SASL:
 *	credentials "user:password" from smtp_sasl_password_maps (sender
 *	with smtp_sender_dependent_authentication, then host name, then
 *	nexthop), mechanisms from the server's AUTH list filtered by
 *	smtp_sasl_mechanism_filter and limited by
 *	smtp_sasl_security_options (plaintext) or
 *	smtp_sasl_tls_security_options (TLS). A rejection defers with
 *	"SASL authentication failed; server H[A] said: REPLY".
 *
 *	Connection reuse: with smtp_connection_cache_on_demand (another
 *	delivery to the same destination in progress) or for
 *	smtp_connection_cache_destinations, a connection is kept after
 *	its transaction (RSET) for smtp_connection_cache_time_limit and
 *	used by the next delivery to that destination, at most
 *	smtp_connection_reuse_count_limit times and for
 *	smtp_connection_reuse_time_limit; TLS connections only with
 *	smtp_tls_connection_reuse. Such deliveries log "conn_use=N".
 *
 *	Every phase has its Postfix timeout; a timeout or lost connection
 *	is "conversation with H[A] timed out while PHASE" or "lost
 *	connection with H[A] while PHASE" (4.4.2); a failed connect logs
 *	"connect to H[A]:PORT: REASON" and defers with 4.4.1 and
 *	relay=none. Reply lines are cut at 2048 bytes, joined reply text
 *	at about 4096.
 * SECURITY
 *	smtp talks to untrusted SMTP servers on the network and trusts
 *	nothing they send: every reply line is bounded, control characters
 *	are masked before anything reaches a log or a defer/bounce log,
 *	every phase has a timeout, and no server text is ever used to build
 *	a command. From qmgr it accepts requests on a private socket only
 *	(mode 0700 directory). It runs as mail_owner, opens queue files in
 *	active/ (read-only with a shared lock, plus read-write only to flip
 *	R to D at offsets that must point at an R record), appends to
 *	defer/ and bounce/, and needs no other privilege. Envelope data
 *	never reaches a shell.
 * PARAMETERS
 *	smtp_connect_timeout (30s), smtp_helo_timeout (300s),
 *	smtp_mail_timeout (300s), smtp_rcpt_timeout (300s),
 *	smtp_data_init_timeout (120s), smtp_data_xfer_timeout (180s, per
 *	write), smtp_data_done_timeout (600s), smtp_quit_timeout (300s),
 *	smtp_helo_name ($myhostname), smtp_tcp_port (smtp),
 *	smtp_mx_address_limit (5), smtp_mx_session_limit (2),
 *	smtp_skip_5xx_greeting (yes), smtp_randomize_addresses (yes),
 *	smtp_line_length_limit (998), inet_protocols (all), relayhost,
 *	smtp_fallback_relay ($fallback_relay), disable_dns_lookups (no),
 *	smtp_dns_support_level, smtp_host_lookup (dns),
 *	ignore_mx_lookup_error (no), smtp_defer_if_no_mx_address_found (no),
 *	smtp_address_preference (any), inet_interfaces, proxy_interfaces,
 *	soft_bounce (no, via deliv_result), dns_servers (sluice extension:
 *	resolver list instead of /etc/resolv.conf). TLS:
 *	smtp_tls_security_level, smtp_tls_policy_maps, smtp_tls_CAfile,
 *	smtp_tls_CApath, smtp_tls_cert_file, smtp_tls_key_file,
 *	smtp_tls_loglevel, smtp_tls_protocols,
 *	smtp_tls_mandatory_protocols, smtp_tls_ciphers,
 *	smtp_tls_mandatory_ciphers, smtp_tls_exclude_ciphers,
 *	smtp_tls_mandatory_exclude_ciphers, smtp_tls_verify_cert_match,
 *	smtp_tls_secure_cert_match, smtp_tls_fingerprint_cert_match,
 *	smtp_tls_fingerprint_digest, smtp_tls_servername,
 *	smtp_tls_session_cache_timeout, smtp_tls_connection_reuse,
 *	smtp_starttls_timeout, smtp_use_tls, smtp_enforce_tls. SASL:
 *	smtp_sasl_auth_enable, smtp_sasl_password_maps,
 *	smtp_sasl_security_options, smtp_sasl_tls_security_options,
 *	smtp_sasl_tls_verified_security_options,
 *	smtp_sasl_mechanism_filter, smtp_sasl_auth_soft_bounce,
 *	smtp_sender_dependent_authentication. Reuse:
 *	smtp_connection_cache_on_demand,
 *	smtp_connection_cache_destinations,
 *	smtp_connection_cache_time_limit,
 *	smtp_connection_reuse_time_limit,
 *	smtp_connection_reuse_count_limit, smtp_rset_timeout. Process:
 *	max_idle (100s), max_use (100) (util/server.h, "Lifetimes").
 * STANDARDS
 *	RFC 5321 (SMTP), RFC 1870 (SIZE), RFC 2920 (PIPELINING), RFC 6152
 *	(8BITMIME), RFC 3463 (enhanced status codes), RFC 3207 (STARTTLS),
 *	RFC 4954 (AUTH).
 * SEE ALSO
 *	qmgr(8), util/deliv.h, util/dns.h, docs/postfix/smtp-client.md.
 */
#include <stddef.h>

#include "dns.h"
#include "msg.h"
#include "param.h"
#include "server.h"
#include "smtp.h"
#include "vbuf.h"

static void
smtp_init(struct event_base *base)
{
	struct vbuf why = VBUF_INIT;

	smtp_params_init();
	smtp_generic_init();
	smtp_tls_init();
	smtp_sasl_init();
	if (dns_init(base, var_dns_servers, &why) < 0)
		msg_fatal("%s", why.data);
	vbuf_free(&why);
}

static void
smtp_stop(void)
{
	smtp_request_stop_all();
	smtp_cache_flush();
	dns_shutdown();
}

int
main(int argc, char **argv)
{
	static const struct server_spec spec = {
	    .name = "smtp",
	    .mode = SERVER_MULTI,
	    .pre_init = smtp_tls_pre_init,
	    .init = smtp_init,
	    .accept = smtp_request_accept,
	    .stop = smtp_stop,
	    .active = smtp_request_active,
	    .params = smtp_params,
	};

	return server_main(argc, argv, &spec);
}
