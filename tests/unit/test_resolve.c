/*
 * test_resolve - the one address resolver: rewriting and class (what
 * smtpd's relay check asks), transport and next hop (what qmgr asks).
 *
 * A main.cf in a temporary directory sets myhostname = mx.example.net,
 * mydestination = localhost, relay_domains = relay.example,
 * inet_interfaces = all, proxy_interfaces = 192.0.2.7; each case reloads
 * it with its own settings ("name=value;name=value") appended and runs
 * resolve_init(). Every row of every table is checked; the failures are
 * printed, then counted.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mem.h"
#include "relayconf.h"
#include "msg.h"
#include "param.h"
#include "resolve.h"
#include "vbuf.h"

/* Load the test main.cf with settings ("a=b;c=d") added. */
static void
configure(const char *settings)
{
	relayconf_load("", settings);
	resolve_init();
}

/*
 * Rewriting and class, for addresses as a client sends them in <>
 * (turned into the internal form by resolve_internal(), as smtpd does):
 * the resolved address, the routed flag and permit_auth_destination.
 * The expected results follow Postfix's trivial-rewrite (rewrite.c,
 * resolve.c); the comment of each case says why.
 */
struct resolve_case {
	const char *name;
	const char *addr;     /* as the client sent it in <> */
	const char *settings; /* overrides, or NULL */
	const char *resolved; /* internal form */
	int routed;
	int authorised;
};

static const struct resolve_case resolve_cases[] = {
    /* Legitimate: relay_domains matches, subdomains too (parent style). */
    {"relay domain", "user@relay.example", NULL, "user@relay.example", 0, 1},
    {"relay subdomain", "user@sub.relay.example", NULL,
	"user@sub.relay.example", 0, 1},
    /* Case-insensitive; one trailing dot stripped. */
    {"relay upper-case trailing dot", "USER@RELAY.EXAMPLE.", NULL,
	"USER@RELAY.EXAMPLE", 0, 1},
    /* Quotes removed: "quoted local" has no routing operator. */
    {"quoted local part", "\"quoted local\"@relay.example", NULL,
	"quoted local@relay.example", 0, 1},
    /* An empty quoted local part is still a plain address. */
    {"empty quoted local part", "\"\"@relay.example", NULL, "@relay.example", 0,
	1},
    /* Final destinations: mydestination, our own address literals. */
    {"mydestination", "user@localhost", NULL, "user@localhost", 0, 1},
    {"mydestination case and dot", "user@LOCALHOST.", NULL, "user@LOCALHOST", 0,
	1},
    {"own address literal", "user@[127.0.0.1]", NULL, "user@[127.0.0.1]", 0, 1},
    {"proxy_interfaces literal", "user@[192.0.2.7]", NULL, "user@[192.0.2.7]",
	0, 1},
    {"IPv6 loopback-only literal", "user@[IPv6:::1]",
	"inet_interfaces=loopback-only", "user@[IPv6:::1]", 0, 1},
    /* Percent hack / bang path on a local domain reach a relay domain. */
    {"percent to relay domain", "user%relay.example@localhost", NULL,
	"user@relay.example", 0, 1},
    {"bang to relay domain", "relay.example!user@localhost", NULL,
	"user@relay.example", 0, 1},
    {"bang to local domain", "localhost!user@localhost", NULL, "user@localhost",
	0, 1},
    {"two percents to relay", "user%relay.example%localhost@localhost", NULL,
	"user@relay.example", 0, 1},
    /* resolve_dequoted_address = yes looks inside the quotes. */
    {"dequoted at to relay domain", "\"user@relay.example\"@localhost", NULL,
	"user@relay.example", 0, 1},
    /* An unqualified address gets @$myorigin, local when in mydestination. */
    {"unqualified, myorigin local", "user",
	"mydestination=$myhostname, localhost", "user@mx.example.net", 0, 1},

    /* Abuse forms: plain remote domains. */
    {"remote", "user@remote.test", NULL, "user@remote.test", 0, 0},
    {"remote upper-case", "USER@REMOTE.TEST", NULL, "USER@REMOTE.TEST", 0, 0},
    {"remote trailing dot", "user@remote.test.", NULL, "user@remote.test", 0,
	0},
    /* Not a dot boundary, or relay.example is not the parent. */
    {"relay name as prefix", "user@relay.example.evil.test", NULL,
	"user@relay.example.evil.test", 0, 0},
    {"relay name as suffix", "user@evilrelay.example", NULL,
	"user@evilrelay.example", 0, 0},
    /* "..": not stripped, not our relay domain. */
    {"double trailing dot", "user@relay.example..", NULL,
	"user@relay.example..", 0, 0},
    /* Foreign address literals. */
    {"foreign IPv4 literal", "user@[192.0.2.1]", NULL, "user@[192.0.2.1]", 0,
	0},
    {"foreign IPv6 literal", "user@[IPv6:2001:db8::1]", NULL,
	"user@[IPv6:2001:db8::1]", 0, 0},
    {"own literal not listened on", "user@[127.0.0.1]",
	"inet_interfaces=127.0.0.2", "user@[127.0.0.1]", 0, 0},
    /* Local domain stripped, the operator promoted to a remote domain. */
    {"percent hack via localhost", "user%remote.test@localhost", NULL,
	"user@remote.test", 0, 0},
    {"bang path via localhost", "remote.test!user@localhost", NULL,
	"user@remote.test", 0, 0},
    {"percent via own literal", "user%remote.test@[127.0.0.1]", NULL,
	"user@remote.test", 0, 0},
    {"two percents via localhost", "user%remote.test%localhost@localhost", NULL,
	"user@remote.test", 0, 0},
    /* First '!' is the site: "b!user" stays a routed local part at a. */
    {"multi-hop bang path", "a.test!b.test!user@localhost", NULL,
	"b.test!user@a.test", 1, 0},
    /* Quoted routing operators, cracked open (resolve_dequoted_address). */
    {"quoted at via localhost", "\"user@remote.test\"@localhost", NULL,
	"user@remote.test", 0, 0},
    {"quoted percent via localhost", "\"user%remote.test\"@localhost", NULL,
	"user@remote.test", 0, 0},
    {"quoted with space and percent", "\"user name%remote.test\"@localhost",
	NULL, "user name@remote.test", 0, 0},
    /* The internal form of "user@remote.test" is user@remote.test. */
    {"quoted, no domain", "\"user@remote.test\"", NULL, "user@remote.test", 0,
	0},
    {"double at via localhost", "user@remote.test@localhost", NULL,
	"user@remote.test", 0, 0},
    /* Source routes are dropped. */
    {"source route", "@localhost:user@remote.test", NULL, "user@remote.test", 0,
	0},
    {"two-hop source route", "@relay.example,@localhost:user@remote.test", NULL,
	"user@remote.test", 0, 0},
    /* Unqualified: bang and percent before @$myorigin. */
    {"unqualified bang path", "remote.test!user", NULL, "user@remote.test", 0,
	0},
    {"unqualified percent", "user%remote.test", NULL, "user@remote.test", 0, 0},
    {"unqualified, myorigin remote", "user", NULL, "user@mx.example.net", 0, 0},
    /* A relay domain is not local: its local part is never resolved, so
     * the operators stay and the address is routed. */
    {"percent at relay domain", "user%remote.test@relay.example", NULL,
	"user%remote.test@relay.example", 1, 0},
    {"bang at relay domain", "remote.test!user@relay.example", NULL,
	"remote.test!user@relay.example", 1, 0},
    {"double at relay domain", "user@remote.test@relay.example", NULL,
	"user@remote.test@relay.example", 1, 0},
    {"quoted at relay domain", "\"user@remote.test\"@relay.example", NULL,
	"user@remote.test@relay.example", 1, 0},

    /* Settings toggled. allow_percent_hack = no: % stays, routed anyway. */
    {"percent hack off", "user%remote.test@localhost", "allow_percent_hack=no",
	"user%remote.test@localhost", 1, 0},
    {"percent hack off, untrusted routing", "user%remote.test@localhost",
	"allow_percent_hack=no;allow_untrusted_routing=yes",
	"user%remote.test@localhost", 1, 1},
    {"percent hack off, unqualified", "user%remote.test",
	"allow_percent_hack=no", "user%remote.test@mx.example.net", 1, 0},
    {"bang path off", "remote.test!user@localhost", "swap_bangpath=no",
	"remote.test!user@localhost", 1, 0},
    {"bang path off, untrusted routing", "remote.test!user@localhost",
	"swap_bangpath=no;allow_untrusted_routing=yes",
	"remote.test!user@localhost", 1, 1},
    /* resolve_dequoted_address = no: the quoted local part is opaque, so
     * the quoted @ survives: routed (refused even toward a relay domain). */
    {"dequote off, remote", "\"user@remote.test\"@localhost",
	"resolve_dequoted_address=no", "user@remote.test@localhost", 1, 0},
    {"dequote off, relay", "\"user@relay.example\"@localhost",
	"resolve_dequoted_address=no", "user@relay.example@localhost", 1, 0},
    {"dequote off, percent", "\"user%remote.test\"@localhost",
	"resolve_dequoted_address=no", "user@remote.test", 0, 0},
    /* allow_untrusted_routing = yes authorises routed relay-domain mail,
     * never a remote final domain. */
    {"untrusted routing, relay", "user%remote.test@relay.example",
	"allow_untrusted_routing=yes", "user%remote.test@relay.example", 1, 1},
    {"untrusted routing, remote", "user%remote.test@localhost",
	"allow_untrusted_routing=yes", "user@remote.test", 0, 0},
    /* relay_domains patterns. */
    {"dot pattern, parent", "user@relay.example",
	"relay_domains=.relay.example", "user@relay.example", 0, 0},
    {"dot pattern, subdomain", "user@sub.relay.example",
	"relay_domains=.relay.example", "user@sub.relay.example", 0, 1},
    {"no parent matching", "user@sub.relay.example",
	"parent_domain_matches_subdomains=", "user@sub.relay.example", 0, 0},
    {"negated relay subdomain", "user@bad.relay.example",
	"relay_domains=!bad.relay.example, relay.example",
	"user@bad.relay.example", 0, 0},
    /* Hostile input stays bounded. */
    {"many percents", "a%b%c%d%e%f%g%h%i%j%k%l%m@localhost", NULL,
	"a%b%c%d%e%f%g%h%i%j%k%l@m", 1, 0},
};

static void
test_resolve(void **state)
{
	struct resolve_reply reply = RESOLVE_REPLY_INIT;
	struct vbuf in = VBUF_INIT;
	int failures = 0;

	for (size_t i = 0; i < sizeof(resolve_cases) / sizeof(resolve_cases[0]);
	     i++) {
		const struct resolve_case *c = resolve_cases + i;

		configure(c->settings);
		resolve_internal(c->addr, &in);
		resolve_addr(NULL, vbuf_str(&in), &reply);
		int routed = (reply.flags & RESOLVE_FLAG_ROUTED) != 0;
		int auth = resolve_auth_destination(vbuf_str(&in));

		if (strcmp(vbuf_str(&reply.recipient), c->resolved) != 0 ||
		    routed != c->routed || auth != c->authorised) {
			print_error("case \"%s\" <%s>: resolved <%s> routed %d "
				    "authorised %d; expected <%s> %d %d\n",
			    c->name, c->addr, vbuf_str(&reply.recipient),
			    routed, auth, c->resolved, c->routed,
			    c->authorised);
			failures++;
		}
	}
	resolve_reply_free(&reply);
	vbuf_free(&in);
	assert_int_equal(failures, 0);
}

/*
 * Adversarial cases compared with Postfix 3.7 (trivial-rewrite
 * resolve.c/rewrite.c, global/resolve_local.c, valid_mailhost_addr.c,
 * match_list.c and smtpd.c extract_addr). Each gives the address as the
 * client sends it inside <> (wire) and Postfix's internal form of it (an
 * unquoted source route dropped, quotes and backslashes removed). The
 * expected decision is Postfix's permit_auth_destination on the internal
 * form; the internal form resolve_internal() makes of the wire form must
 * get the same decision. Postfix resolves it
 * after quote_822_local(), so a quoted local part is one token; the
 * resolved address is "routed" when anything but its last '@' is one of
 * @ ! %; a resolved domain that is no valid host name or [address
 * literal] is RESOLVE_FLAG_ERROR, class default, never authorised (and
 * Postfix's smtpd replies 501 5.1.3 to it, which
 * tests/e2e/t_smtpd_relay_review.sh checks).
 */
struct postfix37_case {
	const char *name;
	const char *wire;     /* inside <>, as the client sends it */
	const char *internal; /* Postfix's internal form */
	const char *settings; /* overrides, or NULL */
	int authorised;	      /* Postfix 3.7 permit_auth_destination */
};

#define LONG_LABEL                                                             \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

static const struct postfix37_case postfix37_cases[] = {
    /* Address literals: valid_mailhost_addr wants a dotted quad, or the
     * (case-insensitive) IPv6: prefix; resolve_local strips one trailing
     * dot after the ']' only. */
    {"[127.1] is no address literal", "user@[127.1]", "user@[127.1]", NULL, 0},
    {"[0x7f.0.0.1] is no address literal", "user@[0x7f.0.0.1]",
	"user@[0x7f.0.0.1]", NULL, 0},
    {"dot inside the brackets", "user@[127.0.0.1.]", "user@[127.0.0.1.]", NULL,
	0},
    {"dot after the brackets", "user@[127.0.0.1].", "user@[127.0.0.1].", NULL,
	1},
    {"v4-mapped IPv6 is not our IPv4", "user@[IPv6:::ffff:127.0.0.1]",
	"user@[IPv6:::ffff:127.0.0.1]", "inet_interfaces=loopback-only", 0},
    {"lower-case ipv6: prefix", "user@[ipv6:::1]", "user@[ipv6:::1]",
	"inet_interfaces=loopback-only", 1},
    {"upper-case IPV6: prefix, long form", "user@[IPV6:0:0:0:0:0:0:0:1]",
	"user@[IPV6:0:0:0:0:0:0:0:1]", "inet_interfaces=loopback-only", 1},
    {"IPv6 without the prefix", "user@[::1]", "user@[::1]",
	"inet_interfaces=loopback-only", 0},
    {"percent via own literal, quoted", "\"user%remote.test\"@[127.0.0.1]",
	"user%remote.test@[127.0.0.1]", NULL, 0},
    {"double at via own literal", "user@remote.test@[127.0.0.1]",
	"user@remote.test@[127.0.0.1]", NULL, 0},
    /* Trailing dots: one is stripped, "..." is bogus. */
    {"three trailing dots", "user@relay.example...", "user@relay.example...",
	NULL, 0},
    {"routed relay domain with a dot", "user%remote.test@relay.example.",
	"user%remote.test@relay.example.", NULL, 0},
    /* Quotes and escapes: the quoted form is cracked open or routed. */
    {"quoted percent at a relay domain", "\"user%remote.test\"@relay.example",
	"user%remote.test@relay.example", NULL, 0},
    {"quoted bang via LOCALHOST", "\"remote.test!user\"@LOCALHOST",
	"remote.test!user@LOCALHOST", NULL, 0},
    {"escaped quote in a local part", "\"a\\\"b\"@relay.example",
	"a\"b@relay.example", NULL, 1},
    {"escaped at in a quoted local part", "\"user\\@remote.test\"@localhost",
	"user@remote.test@localhost", NULL, 0},
    {"nested quotes and percent", "\"\\\"user%remote.test\\\"\"@localhost",
	"\"user%remote.test\"@localhost", NULL, 0},
    {"bang then percent via localhost", "remote.test!user%localhost@localhost",
	"remote.test!user%localhost@localhost", NULL, 0},
    {"empty quoted local part, relay", "\"\"@relay.example", "@relay.example",
	NULL, 1},
    /* Domain lists: first match wins, ".d" matches subdomains only,
     * case does not matter, mydestination never matches subdomains. */
    {"dot pattern before negation", "user@sub.relay.example",
	"user@sub.relay.example",
	"relay_domains=.relay.example, !sub.relay.example", 1},
    {"negation before dot pattern", "user@sub.relay.example",
	"user@sub.relay.example",
	"relay_domains=!sub.relay.example, .relay.example", 0},
    {"dot pattern without parent matching", "user@sub.relay.example",
	"user@sub.relay.example",
	"relay_domains=.relay.example;parent_domain_matches_subdomains=", 1},
    {"upper-case relay_domains", "user@relay.example", "user@relay.example",
	"relay_domains=RELAY.EXAMPLE", 1},
    {"mydestination with $myhostname", "user@MX.example.net",
	"user@MX.example.net", "mydestination=$myhostname, localhost", 1},
    {"no subdomains of mydestination", "user@sub.mx.example.net",
	"user@sub.mx.example.net", "mydestination=$myhostname, localhost", 0},
    /* A long remote address stays remote. */
    {"long remote domain", "user@" LONG_LABEL "." LONG_LABEL ".remote.test",
	"user@" LONG_LABEL "." LONG_LABEL ".remote.test", NULL, 0},
    /*
     * A leading "@...:" of the internal form came from a quoted local
     * part (smtpd drops only a real, unquoted source route). Postfix's
     * resolve.c keeps it: at a relay domain the address
     * is routed (an @ before the last @); at localhost, once localhost is
     * stripped, rewrite_tree drops the route and appends @$myorigin
     * (mx.example.net here, not local). The smtp client would send it
     * unquoted: RCPT TO:<@remote.test:user@relay.example> (a source route
     * through the relay domain's MX), as quote_822_local() skips a route.
     */
    {"quoted source route at a relay domain",
	"\"@remote.test:user\"@relay.example",
	"@remote.test:user@relay.example", NULL, 0},
    {"quoted source route, two hops",
	"\"@a.test,@remote.test:user\"@relay.example",
	"@a.test,@remote.test:user@relay.example", NULL, 0},
    {"quoted source route at localhost", "\"@remote.test:user\"@localhost",
	"@remote.test:user@localhost", NULL, 0},
    /*
     * A domain of "." or "" (trailing @): Postfix keeps it (trailing dot
     * rule skips "@.", resolve_null_domain = no) and flags the invalid
     * host name.
     */
    {"domain \".\"", "user@.", "user@.", NULL, 0},
    {"trailing @", "user@", "user@", NULL, 0},
    {"at relay domain then \".\"", "user@relay.example@.",
	"user@relay.example@.", NULL, 0},
    /*
     * The internal form is not unquoted again, so a quote in the domain
     * stays; a resolved domain must be a valid host name or address
     * literal (valid_hostname, valid_mailhost_literal).
     */
    {"escaped quote in the domain", "user@relay.examp\\\"le",
	"user@relay.examp\"le", NULL, 0},
    {"empty first label", "user@.relay.example", "user@.relay.example", NULL,
	0},
    {"literal as a subdomain", "user@[192.0.2.99].relay.example",
	"user@[192.0.2.99].relay.example", NULL, 0},
    {"label longer than 63", "user@" LONG_LABEL ".relay.example",
	"user@" LONG_LABEL ".relay.example", NULL, 0},
    /*
     * mydestination is a string list in Postfix (resolve_local.c,
     * match_string: exact, case-insensitive): ".example.net" matches
     * only the text ".example.net".
     */
    {"dot pattern in mydestination", "user@sub.example.net",
	"user@sub.example.net", "mydestination=.example.net", 0},
    /*
     * Without a domain (append_at_myorigin = no) Postfix's resolve.c
     * classes the address local and appends @$myhostname only to the
     * result, so it is authorised.
     */
    {"no domain, append_at_myorigin = no", "user", "user",
	"append_at_myorigin=no", 1},
};

static void
test_postfix37(void **state)
{
	struct vbuf in = VBUF_INIT;
	int failures = 0;

	for (size_t i = 0;
	     i < sizeof(postfix37_cases) / sizeof(postfix37_cases[0]); i++) {
		const struct postfix37_case *c = postfix37_cases + i;

		configure(c->settings);
		resolve_internal(c->wire, &in);
		int auth = resolve_auth_destination(c->internal);
		int auth_wire = resolve_auth_destination(vbuf_str(&in));

		if (auth != c->authorised || auth_wire != c->authorised) {
			print_error("case \"%s\": <%s> authorised %d, wire "
				    "<%s> as <%s> authorised %d; Postfix %d\n",
			    c->name, c->internal, auth, c->wire, vbuf_str(&in),
			    auth_wire, c->authorised);
			failures++;
		}
	}
	vbuf_free(&in);
	assert_int_equal(failures, 0);
}

/*
 * Transport and next hop without tables (Postfix resolve.c): relay
 * domains go to $relay_transport ("relay"), other remote domains to
 * $default_transport ("smtp"), both to $relayhost as written when set,
 * else to the domain of the resolved address in lower case. Local
 * domains (sluice has no local delivery agent) go to "smtp", $relayhost,
 * else the domain of the address as given, else $myhostname. Addresses
 * are in internal form, as in queue files.
 */
struct route_case {
	const char *name;
	const char *addr;     /* internal form */
	const char *settings; /* overrides, or NULL */
	const char *nexthop;
	int class;
};

static const struct route_case route_cases[] = {
    {"remote domain", "user@remote.test", NULL, "remote.test",
	RESOLVE_CLASS_DEFAULT},
    {"upper-case domain", "USER@Remote.TEST", NULL, "remote.test",
	RESOLVE_CLASS_DEFAULT},
    {"trailing dot stripped", "user@Remote.Test.", NULL, "remote.test",
	RESOLVE_CLASS_DEFAULT},
    {"relay domain", "user@relay.example", NULL, "relay.example",
	RESOLVE_CLASS_RELAY},
    {"relayhost", "user@remote.test", "relayhost=[127.0.0.1]:2626",
	"[127.0.0.1]:2626", RESOLVE_CLASS_DEFAULT},
    {"relayhost as written", "user@remote.test",
	"relayhost=[Smart.Example]:587", "[Smart.Example]:587",
	RESOLVE_CLASS_DEFAULT},
    {"relayhost for a relay domain", "user@relay.example",
	"relayhost=smart.example", "smart.example", RESOLVE_CLASS_RELAY},
    {"relayhost for a local domain", "user@localhost",
	"relayhost=smart.example", "smart.example", RESOLVE_CLASS_LOCAL},
    {"no domain", "user", NULL, "mx.example.net", RESOLVE_CLASS_DEFAULT},
    {"no domain, local myhostname", "user",
	"mydestination=$myhostname, localhost", "mx.example.net",
	RESOLVE_CLASS_LOCAL},
    {"empty domain", "user@", NULL, "mx.example.net", RESOLVE_CLASS_DEFAULT},
    {"null address", "", NULL, "mx.example.net", RESOLVE_CLASS_LOCAL},
    {"local domain", "user@LocalHost", NULL, "localhost", RESOLVE_CLASS_LOCAL},
    {"own address literal", "user@[127.0.0.1]", NULL, "[127.0.0.1]",
	RESOLVE_CLASS_LOCAL},
    /* Remote classes go to the domain of the resolved address. */
    {"percent hack via local domain", "user%remote.test@localhost", NULL,
	"remote.test", RESOLVE_CLASS_DEFAULT},
    {"bang path via local domain", "remote.test!user@localhost", NULL,
	"remote.test", RESOLVE_CLASS_DEFAULT},
    {"unqualified percent hack", "user%remote.test", NULL, "remote.test",
	RESOLVE_CLASS_DEFAULT},
    {"quoted at in the local part", "user@remote.test@localhost", NULL,
	"remote.test", RESOLVE_CLASS_DEFAULT},
    {"quoted at at a relay domain", "user@remote.test@Relay.Example", NULL,
	"relay.example", RESOLVE_CLASS_RELAY},
    {"source route in the internal form", "@a.test:user@relay.example", NULL,
	"relay.example", RESOLVE_CLASS_RELAY},
};

static void
test_route(void **state)
{
	struct resolve_reply reply = RESOLVE_REPLY_INIT;
	int failures = 0;

	for (size_t i = 0; i < sizeof(route_cases) / sizeof(route_cases[0]);
	     i++) {
		const struct route_case *c = route_cases + i;

		configure(c->settings);
		resolve_addr("sender@example.org", c->addr, &reply);
		const char *tr =
		    c->class == RESOLVE_CLASS_RELAY ? "relay" : "smtp";

		if (strcmp(vbuf_str(&reply.transport), tr) != 0 ||
		    strcmp(vbuf_str(&reply.nexthop), c->nexthop) != 0 ||
		    (reply.flags & RESOLVE_CLASS_MASK) != c->class) {
			print_error("case \"%s\" <%s>: %s:%s class %#x; "
				    "expected %s:%s class %#x\n",
			    c->name, c->addr, vbuf_str(&reply.transport),
			    vbuf_str(&reply.nexthop),
			    reply.flags & RESOLVE_CLASS_MASK, tr, c->nexthop,
			    c->class);
			failures++;
		}
	}
	resolve_reply_free(&reply);
	assert_int_equal(failures, 0);
}

/*
 * Tables (Postfix transport(5), trivial-rewrite resolve.c): every lookup
 * form of transport_maps, the sender-dependent tables and the class
 * defaults. "@D" in settings is the test directory, where
 * write_tables() put the table files.
 */
struct table_case {
	const char *name;
	const char *settings;
	const char *sender;
	const char *addr;
	const char *transport; /* NULL: RESOLVE_FLAG_FAIL expected */
	const char *nexthop;
};

#define TM "transport_maps=texthash:@D/transport"
#define RH "relayhost=[smart.example]:2626"

static const struct table_case table_cases[] = {
    {"full address", TM, "s@x.test", "full@example.com", "smtp", "[full.hop]"},
    {"address without extension", TM ";recipient_delimiter=+", "s@x.test",
	"user+foo@ext.example", "smtp", "[noext.hop]"},
    {"several delimiters: the first one found", TM ";recipient_delimiter=-+",
	"s@x.test", "user-a+b@ext.example", "smtp", "[noext.hop]"},
    {"no recipient_delimiter: no stripping", TM, "s@x.test",
	"user+foo@ext.example", "smtp", "ext.example"},
    {"owner- is never split", TM ";recipient_delimiter=-", "s@x.test",
	"owner-list@ext.example", "smtp", "ext.example"},
    {"domain", TM, "s@x.test", "x@Dom.Example", "smtp", "[dom.hop]"},
    {"subdomain by .parent", TM, "s@x.test", "x@a.b.parent.example", "smtp",
	"[parent.hop]"},
    {".parent does not match the parent itself", TM, "s@x.test",
	"x@parent.example", "smtp", "parent.example"},
    {"bare parent: not without the parent style", TM, "s@x.test",
	"x@sub.dom.example", "smtp", "sub.dom.example"},
    {"bare parent with parent_domain_matches_subdomains",
	TM ";parent_domain_matches_subdomains=relay_domains transport_maps",
	"s@x.test", "x@sub.dom.example", "smtp", "[dom.hop]"},
    {"transport without next hop: the recipient domain, not relayhost",
	TM ";" RH, "s@x.test", "x@nohop.example", "smtp", "nohop.example"},
    {"no entry: relayhost", TM ";" RH, "s@x.test", "x@other.test", "smtp",
	"[smart.example]:2626"},
    {"empty transport keeps relay_transport, sets the next hop",
	TM ";relay_domains=colon.example", "s@x.test", "x@colon.example",
	"relay", "[colon.hop]:26"},
    {"error with text", TM, "s@x.test", "x@err.example", "error",
	"5.1.2 closed"},
    {"error without text", TM, "s@x.test", "x@errbare.example", "error",
	"Address is undeliverable"},
    {"discard", TM, "s@x.test", "x@disc.example", "discard", "disc.example"},
    {"local domain entry", TM, "s@x.test", "x@localhost", "smtp",
	"[local.hop]"},
    {"wildcard", "transport_maps=texthash:@D/wild", "s@x.test", "x@other.test",
	"smtp", "[wild.hop]"},
    {"a domain entry beats the wildcard", "transport_maps=texthash:@D/wild",
	"s@x.test", "x@dom.example", "smtp", "[dom.hop]"},
    {"regexp sees the full address", "transport_maps=regexp:@D/re", "s@x.test",
	"special@any.test", "smtp", "[re.hop]"},
    {"regexp never sees the bare domain", "transport_maps=regexp:@D/re",
	"s@x.test", "x@dom.example", "smtp", "dom.example"},
    {"inline table", "transport_maps=inline:{ inl.example=smtp:[inl.hop] }",
	"s@x.test", "x@inl.example", "smtp", "[inl.hop]"},
    {"each key in every table before the next (* comes last)",
	"transport_maps=texthash:@D/wild, texthash:@D/transport", "s@x.test",
	"full@example.com", "smtp", "[full.hop]"},
    {"missing file: failure, no default", "transport_maps=texthash:@D/none",
	"s@x.test", "x@dom.example", NULL, NULL},
    {"unknown type: failure", "transport_maps=bogus:@D/transport", "s@x.test",
	"x@dom.example", NULL, NULL},
    {"bad regexp: failure", "transport_maps=regexp:@D/bad.re", "s@x.test",
	"x@dom.example", NULL, NULL},
    {"relay_transport", NULL, "s@x.test", "x@relay.example", "relay",
	"relay.example"},
    {"relay_transport with relayhost", RH, "s@x.test", "x@relay.example",
	"relay", "[smart.example]:2626"},
    {"default_transport transport:nexthop", "default_transport=smtp:[dt.hop]",
	"s@x.test", "x@remote.test", "smtp", "[dt.hop]"},
    {"null default_transport: failure", "default_transport=", "s@x.test",
	"x@remote.test", NULL, NULL},
    {"sender-dependent relayhost by @domain",
	RH ";sender_dependent_relayhost_maps=texthash:@D/sdr", "a@special.test",
	"x@remote.test", "smtp", "[sdr.hop]"},
    {"sender-dependent relayhost by address",
	RH ";sender_dependent_relayhost_maps=texthash:@D/sdr",
	"boss@other.test", "x@remote.test", "smtp", "[boss.hop]"},
    {"sender-dependent relayhost: null sender key",
	RH ";sender_dependent_relayhost_maps=texthash:@D/sdr", "",
	"x@remote.test", "smtp", "[null.hop]"},
    {"sender-dependent relayhost: not listed, relayhost",
	RH ";sender_dependent_relayhost_maps=texthash:@D/sdr", "b@x.test",
	"x@remote.test", "smtp", "[smart.example]:2626"},
    {"sender-dependent relayhost: DUNNO is the recipient domain",
	RH ";sender_dependent_relayhost_maps=texthash:@D/sdr", "d@dunno.test",
	"x@remote.test", "smtp", "remote.test"},
    {"transport_maps next hop beats the sender-dependent relayhost",
	TM ";sender_dependent_relayhost_maps=texthash:@D/sdr", "a@special.test",
	"x@dom.example", "smtp", "[dom.hop]"},
    {"sender-dependent relayhost: lookup failure",
	"sender_dependent_relayhost_maps=texthash:@D/none", "a@special.test",
	"x@remote.test", NULL, NULL},
    {"sender-dependent default transport",
	"sender_dependent_default_transport_maps=texthash:@D/sdt",
	"a@special.test", "x@remote.test", "relay", "[sdt.hop]"},
    {"sender-dependent default transport: not for relay domains",
	"sender_dependent_default_transport_maps=texthash:@D/sdt",
	"a@special.test", "x@relay.example", "relay", "relay.example"},
    {"sender-dependent default transport: DUNNO",
	"sender_dependent_default_transport_maps=texthash:@D/sdt",
	"d@dunno.test", "x@remote.test", "smtp", "remote.test"},
    {"transport_maps beats the sender-dependent default transport",
	TM ";sender_dependent_default_transport_maps=texthash:@D/sdt",
	"a@special.test", "x@err.example", "error", "5.1.2 closed"},
};

static void
write_file(const char *name, const char *text)
{
	char path[256];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", relayconf_dir, name);
	assert_non_null(fp = fopen(path, "w"));
	fputs(text, fp);
	fclose(fp);
}

static void
write_tables(void)
{
	write_file("transport",
	    "# transport(5)\n"
	    "full@example.com\tsmtp:[full.hop]\n"
	    "user@ext.example\tsmtp:[noext.hop]\n"
	    "owner@ext.example\tsmtp:[owner.hop]\n"
	    "dom.example\tsmtp:[dom.hop]\n"
	    ".parent.example\tsmtp:[parent.hop]\n"
	    "nohop.example\tsmtp:\n"
	    "colon.example\t:[colon.hop]:26\n"
	    "err.example\terror:5.1.2 closed\n"
	    "errbare.example\terror:\n"
	    "disc.example\tdiscard:\n"
	    "localhost\tsmtp:[local.hop]\n");
	write_file("wild",
	    "*\tsmtp:[wild.hop]\n"
	    "dom.example\tsmtp:[dom.hop]\n");
	write_file("re",
	    "/^special@/\tsmtp:[re.hop]\n"
	    "/^dom\\.example$/\tsmtp:[re.bad]\n");
	write_file("bad.re", "/(unclosed/\tsmtp:[x]\n");
	write_file("sdr",
	    "@special.test\t[sdr.hop]\n"
	    "boss@other.test\t[boss.hop]\n"
	    "<>\t[null.hop]\n"
	    "@dunno.test\tDUNNO\n");
	write_file("sdt",
	    "@special.test\trelay:[sdt.hop]\n"
	    "@dunno.test\tDUNNO\n");
	write_file("rr",
	    "known@relay.example\tOK\n"
	    "@open.example\tOK\n");
}

/* settings with "@D" replaced by the test directory. */
static void
configure_tables(const char *settings)
{
	struct vbuf s = VBUF_INIT;

	for (const char *p = settings ? settings : ""; *p; p++) {
		if (p[0] == '@' && p[1] == 'D') {
			vbuf_puts(&s, relayconf_dir);
			p++;
		} else {
			vbuf_putc(&s, *p);
		}
	}
	configure(vbuf_str(&s));
	vbuf_free(&s);
}

static void
test_tables(void **state)
{
	struct resolve_reply reply = RESOLVE_REPLY_INIT;
	int failures = 0;

	write_tables();
	for (size_t i = 0; i < sizeof(table_cases) / sizeof(table_cases[0]);
	     i++) {
		const struct table_case *c = table_cases + i;
		int fail;

		configure_tables(c->settings);
		resolve_addr(c->sender, c->addr, &reply);
		fail = (reply.flags & RESOLVE_FLAG_FAIL) != 0;
		if (c->transport == NULL ? !fail
					 : fail ||
			    strcmp(vbuf_str(&reply.transport), c->transport) !=
				0 ||
			    strcmp(vbuf_str(&reply.nexthop), c->nexthop) != 0) {
			print_error("case \"%s\" <%s>: %s:%s%s; expected "
				    "%s:%s\n",
			    c->name, c->addr, vbuf_str(&reply.transport),
			    vbuf_str(&reply.nexthop), fail ? " (FAIL)" : "",
			    c->transport ? c->transport : "FAIL",
			    c->nexthop ? c->nexthop : "");
			failures++;
		}
	}
	resolve_reply_free(&reply);
	configure(NULL);
	assert_int_equal(failures, 0);
}

/* relay_recipient_maps as mail_addr_find(); DSN texts as dsn_split(). */
static void
test_relay_recipients(void **state)
{
	const char *text;
	char dsn[16];

	write_tables();
	configure(NULL);
	assert_int_equal(resolve_relay_recipient("anyone@relay.example"), 1);
	configure_tables("relay_recipient_maps=texthash:@D/rr;"
			 "recipient_delimiter=+");
	assert_int_equal(resolve_relay_recipient("known@relay.example"), 1);
	assert_int_equal(resolve_relay_recipient("known+x@relay.example"), 1);
	assert_int_equal(resolve_relay_recipient("Known@Relay.Example"), 1);
	assert_int_equal(resolve_relay_recipient("other@relay.example"), 0);
	assert_int_equal(resolve_relay_recipient("who@open.example"), 1);
	configure_tables("relay_recipient_maps=texthash:@D/none");
	assert_int_equal(resolve_relay_recipient("known@relay.example"), -1);
	configure(NULL);

	text = resolve_dsn_split("5.0.0", "5.1.2 closed for good", dsn);
	assert_string_equal(dsn, "5.1.2");
	assert_string_equal(text, "closed for good");
	text = resolve_dsn_split("5.0.0", "Address is undeliverable", dsn);
	assert_string_equal(dsn, "5.0.0");
	assert_string_equal(text, "Address is undeliverable");
	text = resolve_dsn_split("4.0.0", "4.7.1", dsn);
	assert_string_equal(dsn, "4.7.1");
	assert_string_equal(text, "");
	text = resolve_dsn_split("5.0.0", "5.1.2x not a status", dsn);
	assert_string_equal(dsn, "5.0.0");
	assert_string_equal(text, "5.1.2x not a status");
	text = resolve_dsn_split("2.0.0", "3.1.1 bad class", dsn);
	assert_string_equal(dsn, "2.0.0");
}

/* The address helpers smtpd uses besides the relay decision. */
static void
test_helpers(void **state)
{
	unsigned char a[16];

	configure(NULL);
	assert_int_equal(resolve_bad_nexthop(""), 0);
	assert_int_equal(resolve_bad_nexthop("user@remote.test"), 0);
	assert_int_equal(resolve_bad_nexthop("user@"), 1);
	assert_int_equal(resolve_bad_nexthop("user@a..test"), 1);
	assert_int_equal(resolve_bad_nexthop("user@123.45"), 1);
	assert_int_equal(resolve_bad_nexthop("user@[127.1]"), 1);
	assert_int_equal(resolve_fqdn("user@remote.test"), 1);
	assert_int_equal(resolve_fqdn("user@remote.test."), 1);
	assert_int_equal(resolve_fqdn("user@[192.0.2.1]"), 1);
	assert_int_equal(resolve_fqdn("user@localhost"), 0);
	assert_int_equal(resolve_fqdn("user@localhost."), 0);
	assert_int_equal(resolve_fqdn("user"), 0);
	assert_int_equal(resolve_fqdn("user@"), 0);
	assert_int_equal(resolve_literal("[192.0.2.1]", a), AF_INET);
	assert_int_equal(resolve_literal("[ipv6:2001:db8::1]", a), AF_INET6);
	assert_int_equal(resolve_literal("[2001:db8::1]", a), 0);
	assert_int_equal(resolve_literal("192.0.2.1", a), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_resolve),
	    cmocka_unit_test(test_postfix37),
	    cmocka_unit_test(test_route),
	    cmocka_unit_test(test_helpers),
	    cmocka_unit_test(test_tables),
	    cmocka_unit_test(test_relay_recipients),
	};

	msg_init("resolve", MSG_NOLOG);
	return cmocka_run_group_tests(tests, relayconf_setup,
	    relayconf_teardown);
}
