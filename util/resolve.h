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
 *	int resolve_auth_destination_from(const char *sender,
 *			const char *addr);
 *	int resolve_relay_recipient(const char *recipient);
 *	const char *resolve_dsn_split(const char *def, const char *text,
 *			char dsn[16]);
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
 *	allow_untrusted_routing, empty_address_recipient, relayhost,
 *	relay_transport, default_transport, recipient_delimiter, the
 *	empty_address_*_lookup_key pair and the tables transport_maps,
 *	sender_dependent_relayhost_maps,
 *	sender_dependent_default_transport_maps, relay_recipient_maps) from
 *	the loaded configuration, opens the tables (once per process: a
 *	table stays open while its parameter keeps its value, so a daemon
 *	calls resolve_init() from pre_init, before privileges are dropped,
 *	and again later at no cost) and builds the list of this host's
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
 *	3. Transport and next hop, as trivial-rewrite (resolve.c,
 *	   transport.c; docs/postfix/tables-routing.md). Local, alias and
 *	   virtual classes: sluice has no local or virtual delivery agent, so
 *	   their default is "smtp" to $relayhost, else the domain of addr AS
 *	   GIVEN in lower case ("user%remote.test@localhost" goes to
 *	   "localhost"), else $myhostname. Relay class: $relay_transport;
 *	   default class: sender_dependent_default_transport_maps (by
 *	   sender, then without extension, then @domain; the null sender as
 *	   $empty_address_default_transport_maps_lookup_key; DUNNO means
 *	   none), else $default_transport. For both the next hop is
 *	   sender_dependent_relayhost_maps (same keys; DUNNO: the recipient
 *	   domain), else $relayhost, else the recipient domain (resolved, in
 *	   lower case). A "transport:nexthop" default sets the next hop; an
 *	   empty transport is an error. Then transport_maps overrides both
 *	   (not for the alias class): the full address (every table), the
 *	   address without its recipient_delimiter extension, the domain,
 *	   each parent as ".parent" (as "parent" when
 *	   parent_domain_matches_subdomains lists transport_maps), these
 *	   with fixed-string tables only, then "*" (every table). A result
 *	   "transport:nexthop": an empty transport keeps the current one and
 *	   its next hop unless one is given; a transport without next hop
 *	   gets the recipient domain ("error": "Address is undeliverable").
 *	   A table lookup error sets RESOLVE_FLAG_FAIL (warning "NAME lookup
 *	   failure"): transport and next hop must not be used, the caller
 *	   defers. The tables are refreshed (maps_refresh(), at most once a
 *	   second) at each call, so an edited table takes effect without a
 *	   restart.
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
 *	resolve_auth_destination_from() is the same with the sender the
 *	sender-dependent tables see; it returns -1 on RESOLVE_FLAG_FAIL
 *	(smtpd: 451 4.3.0 Temporary lookup failure).
 *
 *	resolve_relay_recipient() looks a resolved recipient of a relay
 *	domain up in relay_recipient_maps as Postfix's mail_addr_find()
 *	does (address, without extension, @domain): 1 listed (or no table
 *	set), 0 not listed, -1 lookup error (warning logged).
 *
 *	resolve_dsn_split() splits the next hop of the error, retry and
 *	discard transports as Postfix's dsn_split(): a leading RFC 3463
 *	status ("5.1.2 closed") goes into dsn, else def does; it returns the
 *	text after it (leading white space skipped).
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
#define RESOLVE_FLAG_FAIL (1 << 10) /* table lookup error: defer */

struct resolve_reply {
	struct vbuf transport; /* "smtp", "relay", "error", ... */
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
int resolve_auth_destination_from(const char *sender, const char *addr);
int resolve_relay_recipient(const char *recipient);
const char *resolve_dsn_split(const char *def, const char *text, char dsn[16]);
int resolve_bad_nexthop(const char *addr);
int resolve_fqdn(const char *addr);
int resolve_literal(const char *host, unsigned char a[16]);

#endif
