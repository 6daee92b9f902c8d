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
 *	a bounded command line (4096 bytes), bounded content records, the
 *	message_size_limit, smtpd_recipient_limit, smtpd_hard_error_limit and
 *	smtpd_timeout on every read and write.
 *
 *	Supported: HELO, EHLO (PIPELINING, SIZE, ENHANCEDSTATUSCODES,
 *	8BITMIME), MAIL FROM (SIZE=, BODY=), RCPT TO, DATA, RSET, NOOP, QUIT;
 *	VRFY is disabled; ETRN arrives with the flush service.
 *
 *	Relay control: smtpd_relay_restrictions, then
 *	smtpd_recipient_restrictions, each up to its first decisive entry;
 *	entries permit_mynetworks, permit_auth_destination,
 *	reject_unauth_destination, defer_unauth_destination, permit, reject,
 *	defer. A recipient is an authorised destination when its domain is in
 *	mydestination or (with subdomains) relay_domains and its local part
 *	holds no routing operator (@ ! %).
 *
 *	End of DATA is only <CR><LF>.<CR><LF>; a bare LF ends a content line
 *	but never the message (no SMTP smuggling).
 * SECURITY
 *	smtpd talks to untrusted network clients. It runs as mail_owner,
 *	writes no files, and reaches the queue only through cleanup.
 * LOGGING
 *	connect from NAME[ADDR]; QID: client=NAME[ADDR]; NOQUEUE: reject: RCPT
 *	from ...; timeout after CMD from ...; lost connection after CMD from
 *	...; disconnect from NAME[ADDR] ehlo=1 mail=1 rcpt=1 data=1 quit=1
 *	commands=5 (Postfix's formats).
 * PARAMETERS
 *	smtpd_banner ($myhostname ESMTP $mail_name), smtpd_timeout (300s),
 *	message_size_limit (10240000), smtpd_recipient_limit (1000),
 *	smtpd_hard_error_limit (20), hopcount_limit (50), mynetworks,
 *	mydestination, relay_domains, relay_domains_reject_code (554),
 *	smtpd_relay_restrictions, smtpd_recipient_restrictions.
 * STANDARDS
 *	RFC 5321 (SMTP), RFC 1870 (SIZE), RFC 2920 (PIPELINING), RFC 6152
 *	(8BITMIME), RFC 2034 (ENHANCEDSTATUSCODES).
 */
#include <stddef.h>

#include "server.h"
#include "smtpd.h"
#include "smtpd_tls.h"

/* As root: the TLS key file is often readable by root only. */
static void smtpd_pre_init(void)
{
    smtpd_tls_init();
}

static void smtpd_init(struct event_base *base)
{
    smtpd_check_init();
    smtpd_session_init();
}

int main(int argc, char **argv)
{
    static const struct server_spec spec = {
        .name = "smtpd",
        .mode = SERVER_MULTI,
        .pre_init = smtpd_pre_init,
        .init = smtpd_init,
        .accept = smtpd_session_create,
        .stop = smtpd_session_stop_all,
        .active = smtpd_session_active,
    };
    return server_main(argc, argv, &spec);
}
