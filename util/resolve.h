#ifndef SLUICE_RESOLVE_H
#define SLUICE_RESOLVE_H
/*
 * NAME
 *	resolve - where a recipient goes: the one address resolver
 * SYNOPSIS
 *	#include "resolve.h"
 *
 *	void resolve_init(void);
 *	void resolve_addr(const char *sender, const char *addr,
 *			struct resolve_reply *reply);
 *	void resolve_reply_free(struct resolve_reply *reply);
 *
 *	void resolve_internal(const char *external, struct vbuf *out);
 *	int resolve_auth_destination(const char *addr);
 *	int resolve_bad_nexthop(const char *addr);
 *	int resolve_fqdn(const char *addr);
 *	int resolve_literal(const char *host, unsigned char a[16]);
 * DESCRIPTION
 *	This module is sluice's trivial-rewrite: smtpd asks it whether a
 *	recipient is an authorised destination, qmgr asks it for the
 *	transport and next hop. Addresses are in Postfix's internal
 *	(unquoted) form unless said otherwise.
 *
 *	resolve_init() binds the parameters the resolver reads (its own
 *	table: myhostname, mydomain, myorigin, mydestination, relay_domains,
 *	virtual_alias_domains, virtual_mailbox_domains,
 *	parent_domain_matches_subdomains, inet_interfaces, proxy_interfaces,
 *	swap_bangpath, allow_percent_hack, append_at_myorigin,
 *	append_dot_mydomain, resolve_dequoted_address,
 *	allow_untrusted_routing, empty_address_recipient, relayhost) from
 *	the loaded configuration and builds the list of this host's
 *	addresses for "[address]" literals: every interface address when
 *	inet_interfaces is "all", else the listed ones (names looked up),
 *	plus proxy_interfaces. Call it after param_load() and overrides,
 *	and again after every param_load(); resolve_addr() and the helpers
 *	call it themselves when no call was made yet.
 *
 *	resolve_addr() resolves addr in three steps:
 *
 *	1. Rewriting, as trivial-rewrite: the local part is quoted where
 *	   RFC 822 requires it (so a quoted local part is one token and a
 *	   leading "@a:" inside it is a source route of the internal form);
 *	   then canonical form: without a domain "site!user" becomes
 *	   "user@site" (swap_bangpath), else "user%site" becomes "user@site"
 *	   (allow_percent_hack), else "@$myorigin" is appended
 *	   (append_at_myorigin); a domain without a dot gets ".$mydomain"
 *	   (append_dot_mydomain); one trailing dot goes, but not from "..".
 *	   Local domains (mydestination, an exact, case-insensitive string
 *	   list; our own address literals) are stripped repeatedly, with the
 *	   routing operators of the local part promoted each time and quoted
 *	   local parts cracked open (resolve_dequoted_address). The result,
 *	   reply->recipient, is "local@domain"; a local address that has no
 *	   domain left gets @$myhostname, an empty local part
 *	   $empty_address_recipient.
 *
 *	2. Class and flags, in reply->flags: RESOLVE_CLASS_LOCAL (a local
 *	   domain, or none), RESOLVE_CLASS_ALIAS (virtual_alias_domains),
 *	   RESOLVE_CLASS_VIRTUAL (virtual_mailbox_domains),
 *	   RESOLVE_CLASS_RELAY (relay_domains; subdomains too when
 *	   parent_domain_matches_subdomains names relay_domains; ".domain"
 *	   matches subdomains only; "!pattern" excludes; the first match
 *	   decides; type:table entries never match), else
 *	   RESOLVE_CLASS_DEFAULT. RESOLVE_FLAG_ROUTED when the resolved local
 *	   part still holds @, ! or %; RESOLVE_FLAG_ERROR when a remote
 *	   domain is no valid host name (an all-numeric name is invalid) nor
 *	   address literal ("user@", "user@.", "user@a..b", ...).
 *
 *	3. Transport and next hop (THE place where transport_maps,
 *	   relay_recipient_maps and sender_dependent_relayhost_maps will be
 *	   consulted; sender is for the latter and unused today). sluice has
 *	   no local delivery agent, so whatever the class every recipient
 *	   goes to reply->transport "smtp", and reply->nexthop is $relayhost
 *	   as written (e.g. "[127.0.0.1]:2626") when set, else the domain
 *	   of addr AS GIVEN (after its last '@', not the resolved domain:
 *	   "user%remote.test@localhost" goes to "localhost") in lower case,
 *	   else $myhostname ("user", "user@"). This is qmgr's rule and
 *	   tests/unit/test_resolve.c pins it.
 *
 *	A struct resolve_reply starts as RESOLVE_REPLY_INIT (or zeroed),
 *	may be reused for any number of calls (each replaces its contents),
 *	and is released with resolve_reply_free().
 *
 *	resolve_internal() is smtpd's extract_addr(): the address as the
 *	client sent it between <> (or one already internal) becomes the
 *	internal form in out: a source route "@a,@b:" is dropped, quotes
 *	are removed and backslash escapes undone in the local part.
 *
 *	resolve_auth_destination() is permit_auth_destination: 1 when addr
 *	resolves to class local, alias, virtual or relay, without
 *	RESOLVE_FLAG_ERROR, and not routed unless allow_untrusted_routing.
 *
 *	resolve_bad_nexthop() returns 1 when a non-empty addr resolves with
 *	RESOLVE_FLAG_ERROR (Postfix smtpd: 501 5.1.3 / 5.1.7).
 *
 *	resolve_fqdn() is the test of reject_non_fqdn_recipient/_sender:
 *	addr (internal form, as resolve_internal() reads it) has a domain
 *	with a dot, or an address literal; one trailing dot is ignored.
 *
 *	resolve_literal() parses an address literal as Postfix's
 *	valid_mailhost_literal(): "[a.b.c.d]" or "[IPv6:...]" (prefix in
 *	any case). It returns AF_INET or AF_INET6 with the address bytes in
 *	a, else 0.
 * DIAGNOSTICS
 *	Warnings: an inet_interfaces/proxy_interfaces name that does not
 *	resolve; getifaddrs() failure (then the loopback addresses are
 *	ours); an address that does not resolve within its length plus 100
 *	rounds. Fatal: out of memory.
 */
#include "vbuf.h"

/* Class: exactly one of these. */
#define RESOLVE_CLASS_LOCAL (1 << 0)
#define RESOLVE_CLASS_ALIAS (1 << 1)
#define RESOLVE_CLASS_VIRTUAL (1 << 2)
#define RESOLVE_CLASS_RELAY (1 << 3)
#define RESOLVE_CLASS_DEFAULT (1 << 4)
#define RESOLVE_CLASS_MASK (0x1f)
/* Flags. */
#define RESOLVE_FLAG_ROUTED (1 << 8)
#define RESOLVE_FLAG_ERROR (1 << 9) /* next hop is no host name or literal */

struct resolve_reply {
	struct vbuf transport; /* "smtp" */
	struct vbuf nexthop;   /* host, [host], host:port, ... */
	struct vbuf recipient; /* resolved address, internal form */
	int flags;	       /* RESOLVE_CLASS_* | RESOLVE_FLAG_* */
};

#define RESOLVE_REPLY_INIT                                                     \
	{                                                                      \
		VBUF_INIT, VBUF_INIT, VBUF_INIT, 0                             \
	}

void resolve_init(void);
void resolve_addr(const char *sender, const char *addr,
    struct resolve_reply *reply);
void resolve_reply_free(struct resolve_reply *reply);

void resolve_internal(const char *external, struct vbuf *out);
int resolve_auth_destination(const char *addr);
int resolve_bad_nexthop(const char *addr);
int resolve_fqdn(const char *addr);
int resolve_literal(const char *host, unsigned char a[16]);

#endif
