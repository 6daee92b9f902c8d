/*
 * test_smtpd_check_review - adversarial review of the relay decision
 * against Postfix 3.7 (trivial-rewrite resolve.c/rewrite.c,
 * global/resolve_local.c, valid_mailhost_addr.c, match_list.c and
 * smtpd.c extract_addr).
 *
 * The configuration is that of test_smtpd_check.c: mydestination =
 * localhost, relay_domains = relay.example, myhostname = mx.example.net
 * (not a final destination), proxy_interfaces = 192.0.2.7, mynetworks =
 * 127.0.0.2/32 so that the client 127.0.0.1 is a stranger.
 *
 * Each case gives the address as the client sends it inside <> (wire) and
 * as smtpd_session.c hands it to smtpd_check_recipient() (internal: an unquoted
 * source route dropped, quotes and backslashes removed). The expected
 * decision is Postfix's permit_auth_destination on that internal form:
 * 1 = an authorised destination (250 from 127.0.0.1 with the default
 * smtpd_relay_restrictions), 0 = "454 4.7.1 <internal>: Relay access
 * denied". Postfix resolves the internal form after quote_822_local(), so
 * a quoted local part is one token; its resolved address is "routed" when
 * anything but the last '@' of it is one of @ ! %; and a resolved domain
 * that is no valid host name or [address literal] is RESOLVE_FLAG_ERROR,
 * class default, never authorised.
 *
 * Where Postfix flags the resolved domain as invalid, its smtpd replies
 * "501 5.1.3 Bad recipient address syntax" already in extract_addr
 * (smtpd_check_addr), to every client; here only the relay decision is
 * checked, and tests/e2e/t_smtpd_relay_review.sh checks the 501.
 *
 * test_agree holds cases where sluice already agrees (regressions);
 * test_bugs holds the differences found by this review, each named
 * "fixed: ..." now that smtpd_check.c follows Postfix there.
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

struct review_case {
	const char *name;
	const char *wire;     /* inside <>, as the client sends it */
	const char *internal; /* what smtpd_check_recipient() gets */
	const char *settings; /* overrides, or NULL */
	int authorised;	      /* Postfix permit_auth_destination */
};

#define LONG_LABEL                                                             \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

static const struct review_case agree_cases[] = {
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
};

static const struct review_case bug_cases[] = {
    /*
     * smtpd_resolve() takes a leading "@...:" of the INTERNAL form for a
     * source route and drops it. smtpd_session.c has already dropped the
     * real (unquoted) source route, so this one came from a quoted local
     * part. Postfix's resolve.c keeps it: at a relay domain the address
     * is routed (an @ before the last @); at localhost, once localhost is
     * stripped, rewrite_tree drops the route and appends @$myorigin
     * (mx.example.net here, not local). The smtp client would send it
     * unquoted: RCPT TO:<@remote.test:user@relay.example> (a source route
     * through the relay domain's MX), as quote_822_local() skips a route.
     */
    {"fixed: quoted source route at a relay domain",
	"\"@remote.test:user\"@relay.example",
	"@remote.test:user@relay.example", NULL, 0},
    {"fixed: quoted source route, two hops",
	"\"@a.test,@remote.test:user\"@relay.example",
	"@a.test,@remote.test:user@relay.example", NULL, 0},
    {"fixed: quoted source route at localhost",
	"\"@remote.test:user\"@localhost", "@remote.test:user@localhost", NULL,
	0},
    /*
     * A domain of "." or "" (trailing @): Postfix keeps it (trailing dot
     * rule skips "@.", resolve_null_domain = no) and flags the invalid
     * host name; sluice strips it and calls the rest local.
     */
    {"fixed: domain \".\"", "user@.", "user@.", NULL, 0},
    {"fixed: trailing @", "user@", "user@", NULL, 0},
    {"fixed: at relay domain then \".\"", "user@relay.example@.",
	"user@relay.example@.", NULL, 0},
    /*
     * smtpd_resolve() unquotes the internal form a second time, so a
     * quote in the domain vanishes; and no resolved domain is checked
     * for host name syntax (valid_hostname, valid_mailhost_literal).
     */
    {"fixed: escaped quote in the domain", "user@relay.examp\\\"le",
	"user@relay.examp\"le", NULL, 0},
    {"fixed: empty first label", "user@.relay.example", "user@.relay.example",
	NULL, 0},
    {"fixed: literal as a subdomain", "user@[192.0.2.99].relay.example",
	"user@[192.0.2.99].relay.example", NULL, 0},
    {"fixed: label longer than 63", "user@" LONG_LABEL ".relay.example",
	"user@" LONG_LABEL ".relay.example", NULL, 0},
    /*
     * mydestination is a string list in Postfix (resolve_local.c,
     * match_string: exact, case-insensitive): ".example.net" matches
     * only the text ".example.net".
     */
    {"fixed: dot pattern in mydestination", "user@sub.example.net",
	"user@sub.example.net", "mydestination=.example.net", 0},
    /*
     * Without a domain (append_at_myorigin = no) Postfix's resolve.c
     * classes the address local and appends @$myhostname only to the
     * result (checked by the lead in resolve.c), so it is authorised.
     */
    {"no domain, append_at_myorigin = no", "user", "user",
	"append_at_myorigin=no", 1},
};

static int
run_cases(const struct review_case *cases, size_t n)
{
	struct vbuf why = VBUF_INIT;
	struct vbuf res = VBUF_INIT;
	int failures = 0;

	for (size_t i = 0; i < n; i++) {
		const struct review_case *c = cases + i;
		struct sockaddr_storage ss;
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		char want[2048];

		memset(&ss, 0, sizeof(ss));
		sin->sin_family = AF_INET;
		assert_int_equal(inet_pton(AF_INET, "127.0.0.1",
				     &sin->sin_addr),
		    1);
		configure(c->settings);
		int auth = smtpd_auth_destination(c->internal);
		struct smtpd_check_ctx ctx = {&ss, "unknown[]", NULL, NULL};
		int code = smtpd_check_recipient(&ctx, c->internal, &why);

		snprintf(want, sizeof(want), "4.7.1 <%s>: Relay access denied",
		    c->internal);
		if (auth != c->authorised ||
		    (c->authorised ? code != 0
				   : (code != 454 ||
					 strcmp(vbuf_str(&why), want) != 0))) {
			(void)smtpd_resolve(c->internal, &res);
			print_error("case \"%s\": wire <%s> internal <%s>: "
				    "sluice authorised %d "
				    "(resolved <%s>, reply %d %s); Postfix "
				    "authorised %d\n",
			    c->name, c->wire, c->internal, auth, vbuf_str(&res),
			    code, vbuf_str(&why), c->authorised);
			failures++;
		}
	}
	vbuf_free(&why);
	vbuf_free(&res);
	return failures;
}

static void
test_agree(void **state)
{
	assert_int_equal(run_cases(agree_cases,
			     sizeof(agree_cases) / sizeof(agree_cases[0])),
	    0);
}

static void
test_bugs(void **state)
{
	assert_int_equal(run_cases(bug_cases,
			     sizeof(bug_cases) / sizeof(bug_cases[0])),
	    0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_agree),
	    cmocka_unit_test(test_bugs),
	};

	msg_init("smtpd", MSG_NOLOG);
	return cmocka_run_group_tests(tests, setup, teardown);
}
