/*
 * test_smtpd_check - the relay resolver and the restriction lists.
 *
 * A main.cf in a temporary directory sets mydestination = localhost,
 * relay_domains = relay.example, proxy_interfaces = 192.0.2.7 and
 * mynetworks = 127.0.0.2/32 (so 127.0.0.1 is outside). Each case reloads
 * it with its own settings ("name=value;name=value") appended, then runs
 * smtpd_check_init(), then checks the resolved address, the routed flag and
 * whether the recipient is an authorised destination. The expected results
 * follow Postfix's trivial-rewrite (rewrite.c, resolve.c) and
 * permit_auth_destination; the comment of each case says why.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mem.h"
#include "msg.h"
#include "param.h"
#include "vbuf.h"
#include "../../smtpd/smtpd.h"

#include "smtpd_check_conf.h"

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
	struct vbuf res = VBUF_INIT;
	struct vbuf in = VBUF_INIT;
	int failures = 0;

	for (size_t i = 0; i < sizeof(resolve_cases) / sizeof(resolve_cases[0]);
	     i++) {
		const struct resolve_case *c = resolve_cases + i;

		configure(c->settings);
		/* As smtpd hands it over: the internal form of the text in <>.
		 */
		smtpd_addr_internal(c->addr, &in);
		int flags = smtpd_resolve(vbuf_str(&in), &res);
		int routed = (flags & SMTPD_RESOLVE_ROUTED) != 0;
		int auth = smtpd_auth_destination(vbuf_str(&in));

		if (strcmp(vbuf_str(&res), c->resolved) != 0 ||
		    routed != c->routed || auth != c->authorised) {
			print_error("case \"%s\" <%s>: resolved <%s> routed %d "
				    "authorised %d; "
				    "expected <%s> %d %d\n",
			    c->name, c->addr, vbuf_str(&res), routed, auth,
			    c->resolved, c->routed, c->authorised);
			failures++;
		}
	}
	vbuf_free(&res);
	vbuf_free(&in);
	assert_int_equal(failures, 0);
}

struct rcpt_case {
	const char *name;
	const char *client;
	const char *addr;
	const char *settings;
	int code;
	const char *why;
};

static const struct rcpt_case rcpt_cases[] = {
    {"default list defers", "127.0.0.1", "user@remote.test", NULL, 454,
	"4.7.1 <user@remote.test>: Relay access denied"},
    {"default list, routed", "127.0.0.1", "user%remote.test@localhost", NULL,
	454, "4.7.1 <user%remote.test@localhost>: Relay access denied"},
    {"default list, relay domain", "127.0.0.1", "user@relay.example", NULL, 0,
	""},
    {"mynetworks may relay anything", "127.0.0.2", "user%remote.test@localhost",
	NULL, 0, ""},
    {"reject_unauth_destination", "127.0.0.1", "\"user@remote.test\"@localhost",
	"smtpd_relay_restrictions=permit_mynetworks, reject_unauth_destination",
	554, "5.7.1 <user@remote.test@localhost>: Relay access denied"},
    {"relay_domains_reject_code", "127.0.0.1", "user@remote.test",
	"relay_domains_reject_code=550", 450,
	"4.7.1 <user@remote.test>: Relay access denied"},
    {"permit_auth_destination", "127.0.0.1", "user@sub.relay.example",
	"smtpd_relay_restrictions=permit_auth_destination, reject", 0, ""},
    {"permit_auth_destination then reject", "127.0.0.1", "user@remote.test",
	"smtpd_relay_restrictions=permit_auth_destination, reject", 554,
	"5.7.1 <user@remote.test>: Recipient address rejected: Access denied"},
    {"recipient list after relay permit", "127.0.0.2", "user@localhost",
	"smtpd_recipient_restrictions=reject_non_fqdn_recipient", 504,
	"5.5.2 <user@localhost>: Recipient address rejected: need "
	"fully-qualified address"},
    {"non-fqdn passes fqdn", "127.0.0.2", "user@remote.test",
	"smtpd_recipient_restrictions=reject_non_fqdn_recipient", 0, ""},
    {"ignored restriction", "127.0.0.1", "user@relay.example",
	"smtpd_relay_restrictions=reject_unauth_pipelining, permit_mynetworks, "
	"reject_unknown_recipient_domain, reject_unauth_destination",
	0, ""},
    {"unknown restriction", "127.0.0.1", "user@relay.example",
	"smtpd_relay_restrictions=bogus_restriction, reject_unauth_destination",
	451, "4.3.5 Server configuration error"},
};

static void
test_rcpt(void **state)
{
	struct vbuf why = VBUF_INIT;
	struct vbuf in = VBUF_INIT;
	int failures = 0;

	for (size_t i = 0; i < sizeof(rcpt_cases) / sizeof(rcpt_cases[0]);
	     i++) {
		const struct rcpt_case *c = rcpt_cases + i;
		struct sockaddr_storage ss;
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		memset(&ss, 0, sizeof(ss));
		sin->sin_family = AF_INET;
		assert_int_equal(inet_pton(AF_INET, c->client, &sin->sin_addr),
		    1);
		configure(c->settings);
		smtpd_addr_internal(c->addr, &in);
		struct smtpd_check_ctx ctx = {&ss, "unknown[]", NULL, NULL};
		int code = smtpd_check_recipient(&ctx, vbuf_str(&in), &why);

		if (code != c->code || strcmp(vbuf_str(&why), c->why) != 0) {
			print_error("case \"%s\": got %d [%s], expected %d "
				    "[%s]\n",
			    c->name, code, vbuf_str(&why), c->code, c->why);
			failures++;
		}
	}
	vbuf_free(&in);
	vbuf_free(&why);
	assert_int_equal(failures, 0);
}

/* The client, helo and sender lists, evaluated at RCPT time. */
struct list_case {
	const char *name;
	const char *client;
	const char *helo; /* NULL: no HELO yet */
	const char *sender;
	const char *rcpt;
	const char *settings;
	int code;
	const char *why;
};

static const struct list_case list_cases[] = {
    {"client reject", "127.0.0.1", "h.example", "s@example.org",
	"user@relay.example",
	"smtpd_client_restrictions=permit_mynetworks, reject", 554,
	"5.7.1 <unknown[127.0.0.1]>: Client host rejected: Access denied"},
    {"client permit by mynetworks", "127.0.0.2", "h.example", "s@example.org",
	"user@remote.test",
	"smtpd_client_restrictions=permit_mynetworks, reject", 0, ""},
    {"client permit ends only its own list", "127.0.0.1", "h.example",
	"s@example.org", "user@remote.test", "smtpd_client_restrictions=permit",
	454, "4.7.1 <user@remote.test>: Relay access denied"},
    {"helo defer", "127.0.0.1", "h.example", "s@example.org",
	"user@relay.example", "smtpd_helo_restrictions=defer", 450,
	"4.7.1 <h.example>: Helo command rejected: Access denied"},
    {"invalid helo", "127.0.0.1", "bad..name", "s@example.org",
	"user@relay.example",
	"smtpd_helo_restrictions=reject_invalid_helo_hostname", 501,
	"5.5.2 <bad..name>: Helo command rejected: Invalid name"},
    {"helo address literal is valid", "127.0.0.1", "[192.0.2.1]",
	"s@example.org", "user@relay.example",
	"smtpd_helo_restrictions=reject_invalid_helo_hostname", 0, ""},
    {"non-fqdn helo", "127.0.0.1", "laptop", "s@example.org",
	"user@relay.example",
	"smtpd_helo_restrictions=reject_non_fqdn_helo_hostname", 504,
	"5.5.2 <laptop>: Helo command rejected: need fully-qualified hostname"},
    {"no helo: helo checks skip", "127.0.0.1", NULL, "s@example.org",
	"user@relay.example",
	"smtpd_helo_restrictions=reject_invalid_helo_hostname", 0, ""},
    {"non-fqdn sender", "127.0.0.1", "h.example", "s@localhost",
	"user@relay.example",
	"smtpd_sender_restrictions=reject_non_fqdn_sender", 504,
	"5.5.2 <s@localhost>: Sender address rejected: need fully-qualified "
	"address"},
    {"null sender is fqdn enough", "127.0.0.1", "h.example", "",
	"user@relay.example",
	"smtpd_sender_restrictions=reject_non_fqdn_sender", 0, ""},
    {"sender reject", "127.0.0.1", "h.example", "s@example.org",
	"user@relay.example", "smtpd_sender_restrictions=reject", 554,
	"5.7.1 <s@example.org>: Sender address rejected: Access denied"},
    {"access map ignored with its table", "127.0.0.1", "h.example",
	"s@example.org", "user@relay.example",
	"smtpd_sender_restrictions=check_sender_access hash:/nonexistent", 0,
	""},
    {"client list runs before the relay list", "127.0.0.1", "h.example",
	"s@example.org", "user@remote.test", "smtpd_client_restrictions=reject",
	554, "5.7.1 <unknown[127.0.0.1]>: Client host rejected: Access denied"},
};

static void
test_lists(void **state)
{
	struct vbuf why = VBUF_INIT;
	int failures = 0;

	for (size_t i = 0; i < sizeof(list_cases) / sizeof(list_cases[0]);
	     i++) {
		const struct list_case *c = list_cases + i;
		struct sockaddr_storage ss;
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		char namaddr[64];

		memset(&ss, 0, sizeof(ss));
		sin->sin_family = AF_INET;
		assert_int_equal(inet_pton(AF_INET, c->client, &sin->sin_addr),
		    1);
		snprintf(namaddr, sizeof(namaddr), "unknown[%s]", c->client);
		configure(c->settings);
		struct smtpd_check_ctx ctx = {&ss, namaddr, c->helo, c->sender};
		int code = smtpd_check_recipient(&ctx, c->rcpt, &why);

		if (code != c->code || strcmp(vbuf_str(&why), c->why) != 0) {
			print_error("case \"%s\": got %d [%s], expected %d "
				    "[%s]\n",
			    c->name, code, vbuf_str(&why), c->code, c->why);
			failures++;
		}
	}
	vbuf_free(&why);
	assert_int_equal(failures, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_resolve),
	    cmocka_unit_test(test_rcpt),
	    cmocka_unit_test(test_lists),
	};

	msg_init("smtpd", MSG_NOLOG);
	return cmocka_run_group_tests(tests, setup, teardown);
}
