/*
 * test_deliv_site - the fast flush client in util/deliv as the flush daemon,
 * postqueue and smtpd use it: site syntax (host names, address literals,
 * hostile input), fast_flush_domains matching (parent domains, ".domain",
 * "!domain", /file entries, parent_domain_matches_subdomains), and
 * requests when the service is down (FAIL, never a hang or a crash).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "deliv.h"
#include "param.h"
#include "qdir.h"
#include "testdir.h"

static struct testdir td;
static char listfile[sizeof(td.confdir) + 16];

static void
configure(const char *extra)
{
	testdir_config(&td, TESTDIR_CHDIR, "compatibility_level = 3.6\n", extra,
	    (char *)0);
}

static int
setup(void **state)
{
	FILE *fp;

	if (testdir_make(&td, "test_deliv_site", "public") < 0)
		return -1;
	snprintf(listfile, sizeof(listfile), "%s/flush_sites", td.confdir);
	if ((fp = fopen(listfile, "w")) == NULL)
		return -1;
	fputs("# sites\n!no.file.example, file.example\n\n.sub.example\n", fp);
	fclose(fp);
	return 0;
}

static int
teardown(void **state)
{
	return testdir_remove(&td);
}

static const struct syntax_case {
	const char *label;
	const char *site;
	int ok;
} syntax_cases[] = {
    {"domain", "example.com", 1},
    {"single label", "localhost", 1},
    {"underscore", "a_b.example", 1},
    {"hyphen inside", "a-b.example", 1},
    {"upper case", "EXAMPLE.COM", 1},
    {"ipv4 literal", "[192.0.2.1]", 1},
    {"ipv6 literal", "[IPv6:2001:db8::1]", 1},
    {"bare ipv6 literal", "[2001:db8::1]", 1},
    {"empty", "", 0},
    {"all numeric", "1.2.3.4", 0},
    {"empty label", "bad..site", 0},
    {"leading dot", ".example.com", 0},
    {"trailing dot", "example.com.", 0},
    {"leading hyphen", "-a.example", 0},
    {"trailing hyphen", "a-.example", 0},
    {"bang", "bad site!", 0},
    {"slash", "../etc", 0},
    {"bad literal", "[300.1.2.3]", 0},
    {"unclosed literal", "[192.0.2.1", 0},
    {"empty literal", "[]", 0},
    {"8-bit", "\xc3\xa9t\xc3\xa9.fr", 0},
    {"control", "a\tb.example", 0},
    {"label of 64",
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.x",
	0},
    {"label of 63",
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.x", 1},
};

static void
test_site_ok(void **state)
{
	char big[400];
	size_t i;

	for (i = 0; i < sizeof(syntax_cases) / sizeof(syntax_cases[0]); i++)
		if (deliv_flush_site_ok(syntax_cases[i].site) !=
		    syntax_cases[i].ok)
			fail_msg("%s: want %d", syntax_cases[i].label,
			    syntax_cases[i].ok);
	/* 256 bytes of valid labels: too long */
	memset(big, 0, sizeof(big));
	for (i = 0; i < 64; i++)
		memcpy(big + 4 * i, "abc.", 4);
	big[255] = 'x';
	big[256] = 0;
	assert_int_equal(deliv_flush_site_ok(big), 0);
	big[255] = 0;
	big[254] = 'x';
	assert_int_equal(deliv_flush_site_ok(big), 1);
}

static const struct match_case {
	const char *label;
	const char *config;
	const char *site;
	int listed;
} match_cases[] = {
    {"default is empty", "", "example.com", 0},
    {"exact", "fast_flush_domains = example.com\n", "example.com", 1},
    {"case", "fast_flush_domains = Example.COM\n", "example.com", 1},
    {"parent", "fast_flush_domains = example.com\n", "mx.example.com", 1},
    {"not a suffix match", "fast_flush_domains = example.com\n",
	"badexample.com", 0},
    {"parent off",
	"fast_flush_domains = example.com\n"
	"parent_domain_matches_subdomains = relay_domains\n",
	"mx.example.com", 0},
    {"dot: not the domain", "fast_flush_domains = .example.com\n",
	"example.com", 0},
    {"dot: subdomain", "fast_flush_domains = .example.com\n", "a.b.example.com",
	1},
    {"negation first", "fast_flush_domains = !no.example.com, example.com\n",
	"no.example.com", 0},
    {"negation later", "fast_flush_domains = example.com, !no.example.com\n",
	"no.example.com", 1},
    {"literal", "fast_flush_domains = [192.0.2.1]\n", "[192.0.2.1]", 1},
    {"relay_domains default", "relay_domains = relay.example\n",
	"relay.example", 1},
    {"table skipped", "fast_flush_domains = hash:/etc/x, example.com\n",
	"example.com", 1},
};

static void
test_listed(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(match_cases) / sizeof(match_cases[0]); i++) {
		configure(match_cases[i].config);
		if (deliv_flush_listed(match_cases[i].site) !=
		    match_cases[i].listed)
			fail_msg("%s: want %d", match_cases[i].label,
			    match_cases[i].listed);
	}
}

static void
test_listed_file(void **state)
{
	char conf[200];

	snprintf(conf, sizeof(conf),
	    "fast_flush_domains = %s, no.file.example, other.file.example\n",
	    listfile);
	configure(conf);
	assert_int_equal(deliv_flush_listed("file.example"), 1);
	assert_int_equal(deliv_flush_listed("mx.file.example"), 1);
	assert_int_equal(deliv_flush_listed("no.file.example"), 0);
	assert_int_equal(deliv_flush_listed("a.sub.example"), 1);
	assert_int_equal(deliv_flush_listed("sub.example"), 0);
	assert_int_equal(deliv_flush_listed("other.example"), 0);
	configure("fast_flush_domains = /nonexistent/file, x.example\n");
	assert_int_equal(deliv_flush_listed("x.example"), 1);
}

static void
test_service_down(void **state)
{
	configure("fast_flush_domains = example.com\n");
	assert_int_equal(deliv_flush_request("send_site", "example.com", NULL,
			     2),
	    DELIV_FLUSH_FAIL);
	assert_int_equal(deliv_flush_request("send_file", NULL, "AAAA1111111",
			     2),
	    DELIV_FLUSH_FAIL);
	/* Best effort: returns, logs a warning, never fails the caller. */
	deliv_flush_add("example.com", "AAAA1111111");
	deliv_flush_add("example.com", "AAAA1111111");
	deliv_flush_add("not.listed", "AAAA1111111");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_site_ok),
	    cmocka_unit_test(test_listed),
	    cmocka_unit_test(test_listed_file),
	    cmocka_unit_test(test_service_down),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
