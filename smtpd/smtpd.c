/*
 * NAME
 *	smtpd - sluice SMTP server
 * SYNOPSIS
 *	smtpd [generic daemon options]   (started by master from master.cf)
 * DESCRIPTION
 *	smtpd accepts mail over SMTP (RFC 5321) on the listening socket that
 *	master hands it and passes each message to cleanup, answering
 *	"250 Ok: queued as ID" only after cleanup has fsync'ed the queue file.
 *	One process serves many clients; each is an event-driven session with
 *	a bounded command line (line_length_limit), bounded content records,
 *	the message_size_limit, smtpd_recipient_limit, the error limits and
 *	smtpd_timeout on every read and write. The number of sessions per
 *	process follows from the descriptor limit (raised to the hard limit):
 *	idle clients cost a few kilobytes each.
 *
 *	Commands: HELO, EHLO (PIPELINING, SIZE, VRFY, ETRN, STARTTLS,
 *	ENHANCEDSTATUSCODES, 8BITMIME, DSN, less smtpd_discard_ehlo_keywords),
 *	STARTTLS, MAIL FROM (SIZE, BODY, RET, ENVID, SMTPUTF8), RCPT TO
 *	(NOTIFY, ORCPT), DATA, RSET, NOOP, VRFY (252 for an address that the
 *	recipient restrictions allow, unless disable_vrfy_command), ETRN
 *	(through the flush service), QUIT.
 *
 *	Restrictions, all evaluated at RCPT time (smtpd_delay_reject):
 *	smtpd_client_restrictions, smtpd_helo_restrictions,
 *	smtpd_sender_restrictions, smtpd_relay_restrictions, then
 *	smtpd_recipient_restrictions, each up to its first decisive entry;
 *	entries permit_mynetworks, permit_auth_destination,
 *	reject_unauth_destination, defer_unauth_destination,
 *	reject_invalid_helo_hostname, reject_non_fqdn_helo_hostname,
 *	reject_non_fqdn_sender, reject_non_fqdn_recipient, permit, reject,
 *	defer. Entries that need DNS, lookup tables or policy servers
 *	(check_*_access, reject_rbl_client, reject_unknown_*,
 *	check_policy_service ...) are ignored with a warning. The recipient is
 *resolved as Postfix's trivial-rewrite does (source routes, percent hack, bang
 *paths, quoted local parts, IP literals, trailing dots) before its domain is
 *compared with mydestination and relay_domains; an address that still routes
 *	elsewhere is never an authorised destination.
 *
 *	End of DATA is only <CR><LF>.<CR><LF>. As Postfix 3.9's
 *	smtpd_forbid_bare_newline = normalize does for every client, a bare LF
 *	ends a content line, and a "." line next to a bare LF is dropped;
 *	"note" adds notes=bare_lf to the disconnect line, "reject" refuses
 *	commands and messages with a bare LF (5.5.2). cleanup replaces stray
 *	CR and LF inside content lines with spaces.
 *
 *	STARTTLS: smtpd_tls_security_level may or encrypt (or the legacy
 *	smtpd_use_tls / smtpd_enforce_tls), smtpd_tls_cert_file,
 *	smtpd_tls_key_file, read before privileges are dropped. A certificate
 *	or key that does not load disables TLS with a warning. Plain text sent
 *	after STARTTLS, before the handshake, is dropped.
 *
 *	Stand-alone (-S, as "sendmail -bs" runs it): one session over
 *	standard input and output, for the local client localhost[127.0.0.1]
 *	without access policies, STARTTLS or ETRN (458); mail still goes
 *	through cleanup, so the mail system must be running. The session
 *	answers everything it has read before it ends with its input.
 *
 *	Client names: with smtpd_peername_lookup (yes), the client address
 *	is looked up before the banner (hosts file, then DNS PTR, through
 *	c-ares and dns_servers), and the name is used only when it resolves
 *	back to the client; otherwise the client is unknown[ADDR].
 *
 *	Free space: with the announced SIZE, MAIL is refused with 452 4.3.1
 *	when the queue file system would keep less than queue_minfree, or the
 *	message would take half of what is left.
 * SECURITY
 *	smtpd talks to untrusted network clients. It runs as mail_owner,
 *	writes no files, and reaches the queue only through cleanup.
 * LOGGING
 *	connect from NAME[ADDR]; Anonymous TLS connection established from
 *	NAME[ADDR]: TLSv1.3 with cipher ...; QID: client=NAME[ADDR];
 *	NOQUEUE: reject: RCPT from ...; timeout after CMD from ...; lost
 *	connection after CMD from ...; too many errors after CMD from ...;
 *	disconnect from NAME[ADDR] ehlo=2 starttls=1 mail=1 rcpt=1 data=1
 *	quit=1 commands=7 (Postfix's formats).
 * PARAMETERS
 *	smtpd_banner ($myhostname ESMTP $mail_name), smtpd_timeout (300s),
 *	message_size_limit (10240000), smtpd_recipient_limit (1000),
 *	smtpd_recipient_overshoot_limit (1000), smtpd_soft_error_limit (10),
 *	smtpd_error_sleep_time (1s), smtpd_hard_error_limit (20),
 *	smtpd_junk_command_limit (100), smtpd_client_connection_count_limit
 *	(50, not for mynetworks), line_length_limit (2048), hopcount_limit
 *	(50), queue_minfree (0), smtpd_helo_required (no),
 *	disable_vrfy_command (no), smtpd_discard_ehlo_keywords, mynetworks,
 *	mydestination, relay_domains, relay_domains_reject_code (554),
 *	allow_percent_hack, swap_bangpath, resolve_dequoted_address,
 *	allow_untrusted_routing, smtpd_relay_restrictions,
 *	smtpd_recipient_restrictions, smtpd_forbid_bare_newline,
 *	smtpd_forbid_bare_newline_exclusions ($mynetworks),
 *	smtpd_forbid_bare_newline_reject_code (550), smtpd_tls_*.
 *	max_idle (100s), max_use (100): util/server.h, "Lifetimes".
 * STANDARDS
 *	RFC 5321 (SMTP), RFC 1870 (SIZE), RFC 2920 (PIPELINING), RFC 6152
 *	(8BITMIME), RFC 2034 (ENHANCEDSTATUSCODES), RFC 3207 (STARTTLS),
 *	RFC 3461 (DSN), RFC 1985 (ETRN).
 */
#include <stddef.h>

#include "dns.h"
#include "msg.h"
#include "resolve.h"
#include "server.h"
#include "smtpd.h"
#include "smtpd_tls.h"

/* As root: the TLS key file is often readable by root only. */
static void
smtpd_pre_init(void)
{
	smtpd_tls_init();
	resolve_init(); /* tables: opened once, before the privilege drop */
}

static void
smtpd_init(struct event_base *base)
{
	struct vbuf why = VBUF_INIT;

	if (dns_init(base, var_dns_servers, &why) < 0)
		msg_fatal("%s", vbuf_str(&why));
	vbuf_free(&why);
	smtpd_check_init();
	smtpd_session_init(base);
	if (server_standalone())
		smtpd_session_stdio();
}

int
main(int argc, char **argv)
{
	static const struct server_spec spec = {
	    .name = "smtpd",
	    .mode = SERVER_MULTI,
	    .pre_init = smtpd_pre_init,
	    .init = smtpd_init,
	    .accept = smtpd_session_create,
	    .stop = smtpd_session_stop_all,
	    .active = smtpd_session_active,
	    .params = smtpd_params,
	};
	return server_main(argc, argv, &spec);
}
