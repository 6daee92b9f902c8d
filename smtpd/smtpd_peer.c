/*
 * smtpd_peer - the client's name: the reverse (PTR) lookup before the
 * banner, used only when the name resolves back to the client (forward
 * confirmation); otherwise the client stays unknown[ADDR].
 */
#include <string.h>

#include "smtpd.h"
#include "dns.h"
#include "msg.h"

/* Same address? An IPv4-mapped IPv6 client equals the IPv4 address. */
static int
same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	unsigned char x[16], y[16];
	int fx = smtpd_addr_bytes(a, x);

	return fx != 0 && fx == smtpd_addr_bytes(b, y) &&
	    memcmp(x, y, fx == AF_INET ? 4 : 16) == 0;
}

/* Forward confirmation: the name must resolve back to the client. */
static void
peer_addr_done(const struct dns_reply *r, void *ctx)
{
	struct smtpd_session *s = ctx;

	s->dns = NULL;
	for (size_t i = 0; r->status == DNS_OK && i < r->naddr; i++) {
		if (same_addr(&r->addrs[i].sa, &s->ss)) {
			snprintf(s->name, sizeof(s->name), "%s", s->rname);
			smtpd_session_greet(s);
			return;
		}
	}
	if (r->status == DNS_OK)
		msg_warn("hostname %s does not resolve to address %s", s->rname,
		    s->addr);
	else
		msg_warn("hostname %s does not resolve to address %s: %s",
		    s->rname, s->addr,
		    r->status == DNS_RETRY
			? "Temporary failure in name resolution"
			: "Name or service not known");
	smtpd_session_greet(s);
}

/* The reverse (PTR) lookup, as Postfix's getnameinfo(NI_NAMEREQD). */
static void
peer_ptr_done(const struct dns_reply *r, void *ctx)
{
	struct smtpd_session *s = ctx;
	struct dns_addr numeric;

	s->dns = NULL;
	if (r->status == DNS_OK && dns_valid_hostname(r->name) &&
	    !dns_addr_literal(r->name, DNS_INET_ALL, &numeric)) {
		snprintf(s->rname, sizeof(s->rname), "%s", r->name);
		s->dns = dns_query_addr(s->rname, DNS_INET_ALL | DNS_HOSTS,
		    peer_addr_done, s);
		return;
	}
	if (r->status == DNS_OK)
		msg_warn("%s: malformed domain name in resolver result: %s",
		    s->addr, r->name);
	smtpd_session_greet(s);
}

/* Start the reverse lookup; smtpd_session_greet() follows in any case. */
void
smtpd_peer_lookup(struct smtpd_session *s)
{
	s->dns = dns_query_ptr(&s->ss, peer_ptr_done, s);
}
