/*
 * test_smtpd_check - the relay policy: the restriction lists and the
 * replies they give at RCPT time.
 *
 * A main.cf in a temporary directory sets mydestination = localhost,
 * relay_domains = relay.example, proxy_interfaces = 192.0.2.7 and
 * mynetworks = 127.0.0.2/32 (so 127.0.0.1 is outside). Each case reloads
 * it with its own settings ("name=value;name=value") appended, then runs
 * smtpd_check_init(), then checks the reply. Where an address goes
 * (util/resolve) is tested in test_resolve.c.
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
#include "relayconf.h"
#include "msg.h"
#include "param.h"
#include "vbuf.h"
#include "../../smtpd/smtpd.h"

/* Load the test main.cf with settings ("a=b;c=d") added. */
static void
configure(const char *settings)
{
	relayconf_load("mynetworks = 127.0.0.2/32\n", settings);
	smtpd_check_init();
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
    /*
     * Relay decisions where sluice once differed from Postfix 3.7 (see
     * test_resolve.c, postfix37_cases): a quoted source route is no
     * source route, but routed; a domain that is no host name is never
     * an authorised destination; mydestination is a string list.
     */
    {"quoted source route at a relay domain", "127.0.0.1",
	"\"@remote.test:user\"@relay.example", NULL, 454,
	"4.7.1 <@remote.test:user@relay.example>: Relay access denied"},
    {"quoted source route, two hops", "127.0.0.1",
	"\"@a.test,@remote.test:user\"@relay.example", NULL, 454,
	"4.7.1 <@a.test,@remote.test:user@relay.example>: Relay access "
	"denied"},
    {"quoted source route at localhost", "127.0.0.1",
	"\"@remote.test:user\"@localhost", NULL, 454,
	"4.7.1 <@remote.test:user@localhost>: Relay access denied"},
    {"domain \".\"", "127.0.0.1", "user@.", NULL, 454,
	"4.7.1 <user@.>: Relay access denied"},
    {"trailing @", "127.0.0.1", "user@", NULL, 454,
	"4.7.1 <user@>: Relay access denied"},
    {"at relay domain then \".\"", "127.0.0.1", "user@relay.example@.", NULL,
	454, "4.7.1 <user@relay.example@.>: Relay access denied"},
    {"empty first label", "127.0.0.1", "user@.relay.example", NULL, 454,
	"4.7.1 <user@.relay.example>: Relay access denied"},
    {"literal as a subdomain", "127.0.0.1", "user@[192.0.2.99].relay.example",
	NULL, 454,
	"4.7.1 <user@[192.0.2.99].relay.example>: Relay access denied"},
    {"dot pattern in mydestination", "127.0.0.1", "user@sub.example.net",
	"mydestination=.example.net", 454,
	"4.7.1 <user@sub.example.net>: Relay access denied"},
    {"no domain, append_at_myorigin = no", "127.0.0.1", "user",
	"append_at_myorigin=no", 0, ""},
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
		resolve_internal(c->addr, &in);
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
	    cmocka_unit_test(test_rcpt),
	    cmocka_unit_test(test_lists),
	};

	msg_init("smtpd", MSG_NOLOG);
	return cmocka_run_group_tests(tests, relayconf_setup,
	    relayconf_teardown);
}
