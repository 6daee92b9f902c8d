/*
 * test_smtp_mx - MX sorting, address lists (limit, preference order,
 * randomization among equal preferences, family preference) and loop
 * detection.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../../smtp/smtp.h"
#include "mem.h"
#include "vbuf.h"

/* mx_text - "10:a 20:b" */

static void
mx_text(const struct dns_mx *mx, size_t n, char *buf, size_t len)
{
	buf[0] = 0;
	for (size_t i = 0; i < n; i++)
		snprintf(buf + strlen(buf), len - strlen(buf), "%s%d:%s",
		    i ? " " : "", mx[i].pref, mx[i].name);
}

/* addr_text - "10:host[addr] ..." */

static void
addr_text(const struct smtp_addr *a, size_t n, char *buf, size_t len)
{
	buf[0] = 0;
	for (size_t i = 0; i < n; i++)
		snprintf(buf + strlen(buf), len - strlen(buf), "%s%d:%s[%s]",
		    i ? " " : "", a[i].pref, a[i].host, a[i].a.text);
}

struct mx_case {
	const char *name;
	const char *input; /* "pref:name ..." ("" name = root) */
	const char *want;
};

static const struct mx_case mx_cases[] = {
    {"already sorted", "10:a 20:b", "10:a 20:b"},
    {"reversed", "30:c 20:b 10:a", "10:a 20:b 30:c"},
    {"equal preferences keep answer order", "20:x 10:b 10:a 20:y 10:c",
	"10:b 10:a 10:c 20:x 20:y"},
    {"root exchange dropped", "10:a 0: 5:b", "5:b 10:a"},
    {"only the root", "0:", ""},
    {"preference zero and 65535", "65535:z 0:a", "0:a 65535:z"},
    {"empty", "", ""},
};

static size_t
mx_parse(const char *input, struct dns_mx *mx)
{
	size_t n = 0;
	const char *cp = input;

	while (*cp) {
		int pref;
		int used = 0;
		size_t len;

		if (sscanf(cp, "%d:%n", &pref, &used) != 1)
			break;
		cp += used;
		len = strcspn(cp, " ");
		mx[n].pref = pref;
		memcpy(mx[n].name, cp, len);
		mx[n].name[len] = 0;
		n++;
		cp += len;
		cp += strspn(cp, " ");
	}
	return n;
}

static void
test_mx_sort(void **state)
{
	for (size_t i = 0; i < sizeof(mx_cases) / sizeof(mx_cases[0]); i++) {
		struct dns_mx mx[16];
		char got[256];
		size_t n = mx_parse(mx_cases[i].input, mx);

		print_message("case: %s\n", mx_cases[i].name);
		n = smtp_mx_sort(mx, n);
		mx_text(mx, n, got, sizeof(got));
		assert_string_equal(got, mx_cases[i].want);
	}
}

/* A list from "pref:host:addr ..." */

static size_t
addr_parse(const char *input, struct smtp_addr *list)
{
	size_t n = 0;
	char buf[512];
	char *save = NULL;

	snprintf(buf, sizeof(buf), "%s", input);
	for (char *tok = strtok_r(buf, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save)) {
		char *host = strchr(tok, ':') + 1;
		char *addr = strchr(host, ':') + 1;
		struct dns_addr a;
		size_t nlist = n;

		host[-1] = 0;
		addr[-1] = 0;
		assert_true(dns_addr_literal(addr, DNS_INET_ALL, &a));
		smtp_addr_add(list, &nlist, &a, 1, atoi(tok), host);
		n = nlist;
	}
	return n;
}

/* Deterministic "random": always index 0 (a fixed permutation). */
static long
rand_first(long n)
{
	(void)n;
	return 0;
}

/* Hostile "random": out of range values are clamped. */
static long
rand_huge(long n)
{
	return n + 1000;
}

struct sort_case {
	const char *name;
	const char *input;
	int randomize;
	int family;
	long (*rand_fn)(long);
	const char *want;
};

static const struct sort_case sort_cases[] = {
    {"by preference, stable", "20:b:10.0.0.2 10:a:10.0.0.1 10:a:10.0.0.3", 0, 0,
	NULL, "10:a[10.0.0.1] 10:a[10.0.0.3] 20:b[10.0.0.2]"},
    {"shuffle stays within a preference",
	"10:a:10.0.0.1 10:a:10.0.0.2 20:b:10.0.0.3 20:c:10.0.0.4", 1, 0,
	rand_first,
	"10:a[10.0.0.2] 10:a[10.0.0.1] 20:b[10.0.0.3] 20:c[10.0.0.4]"},
    {"hostile random is clamped", "10:a:10.0.0.1 10:b:10.0.0.2", 1, 0,
	rand_huge, "10:a[10.0.0.1] 10:b[10.0.0.2]"},
    {"prefer ipv6 within a preference",
	"10:a:10.0.0.1 10:a:2001:db8::1 5:z:10.9.9.9", 0, AF_INET6, NULL,
	"5:z[10.9.9.9] 10:a[2001:db8::1] 10:a[10.0.0.1]"},
    {"prefer ipv4 never beats preference", "10:a:10.0.0.1 5:b:2001:db8::2", 0,
	AF_INET, NULL, "5:b[2001:db8::2] 10:a[10.0.0.1]"},
    {"empty list", "", 1, 0, NULL, ""},
};

static void
test_addr_sort(void **state)
{
	for (size_t i = 0; i < sizeof(sort_cases) / sizeof(sort_cases[0]);
	     i++) {
		const struct sort_case *c = &sort_cases[i];
		struct smtp_addr list[16];
		char got[512];
		size_t n = addr_parse(c->input, list);

		print_message("case: %s\n", c->name);
		smtp_addr_sort(list, n, c->randomize, c->family, c->rand_fn);
		addr_text(list, n, got, sizeof(got));
		assert_string_equal(got, c->want);
	}
}

/* The real shuffle: every order of equal preferences shows up, better
 * preferences always first. */
static void
test_addr_shuffle(void **state)
{
	int seen_first[3] = {0, 0, 0};

	for (int round = 0; round < 300; round++) {
		struct smtp_addr list[8];
		size_t n =
		    addr_parse("10:a:10.0.0.1 10:b:10.0.0.2 10:c:10.0.0.3 "
			       "5:best:10.0.0.9 99:worst:10.0.0.8",
			list);

		smtp_addr_sort(list, n, 1, 0, NULL);
		assert_string_equal(list[0].host, "best");
		assert_string_equal(list[4].host, "worst");
		seen_first[list[1].host[0] - 'a']++;
	}
	for (int i = 0; i < 3; i++)
		assert_true(seen_first[i] > 0);
}

/* At most DNS_ADDR_MAX addresses in all; long host names are cut. */
static void
test_addr_add_limit(void **state)
{
	struct smtp_addr *list = mem_calloc(DNS_ADDR_MAX, sizeof(*list));
	struct dns_addr addrs[60];
	size_t n = 0;
	char longname[400];

	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	for (int i = 0; i < 60; i++) {
		char text[32];

		snprintf(text, sizeof(text), "10.0.%d.%d", i / 250,
		    i % 250 + 1);
		assert_true(dns_addr_literal(text, DNS_INET4, &addrs[i]));
	}
	assert_int_equal(smtp_addr_add(list, &n, addrs, 60, 10, "a"), 60);
	assert_int_equal(smtp_addr_add(list, &n, addrs, 60, 20, longname), 40);
	assert_int_equal(n, DNS_ADDR_MAX);
	assert_int_equal(smtp_addr_add(list, &n, addrs, 1, 30, "c"), 0);
	assert_int_equal(n, DNS_ADDR_MAX);
	assert_int_equal(strlen(list[99].host), DNS_NAME_MAX - 1);
	assert_int_equal(list[99].pref, 20);
	assert_int_equal(smtp_addr_add(list, &n, addrs, 0, 30, "c"), 0);
	mem_free(list);
}

struct loop_case {
	const char *name;
	const char *input; /* sorted by preference */
	const char *own;   /* "a b" numeric */
	int self_pref;
	const char *want;
};

static const struct loop_case loop_cases[] = {
    {"not ours", "10:a:10.0.0.1 20:b:10.0.0.2", "192.0.2.1", -1,
	"10:a[10.0.0.1] 20:b[10.0.0.2]"},
    {"we are the backup MX", "10:a:10.0.0.1 20:me:192.0.2.1 30:c:10.0.0.3",
	"192.0.2.1", 20, "10:a[10.0.0.1]"},
    {"same preference as us is dropped too",
	"10:a:10.0.0.1 20:b:10.0.0.2 20:me:192.0.2.1", "192.0.2.1", 20,
	"10:a[10.0.0.1]"},
    {"we are the best MX", "10:me:192.0.2.1 20:b:10.0.0.2", "192.0.2.1", 10,
	""},
    {"IPv6 own address", "10:a:2001:db8::1 20:me:2001:db8::99",
	"10.1.1.1 2001:db8::99", 20, "10:a[2001:db8::1]"},
    {"v4 vs v6 never equal", "10:a:127.0.0.1", "::1", -1, "10:a[127.0.0.1]"},
    {"no own addresses", "10:a:10.0.0.1", "", -1, "10:a[10.0.0.1]"},
};

static void
test_unloop(void **state)
{
	for (size_t i = 0; i < sizeof(loop_cases) / sizeof(loop_cases[0]);
	     i++) {
		const struct loop_case *c = &loop_cases[i];
		struct smtp_addr list[16];
		struct dns_addr own[8];
		size_t nown = 0;
		size_t n = addr_parse(c->input, list);
		char buf[256];
		char *save = NULL;
		char got[512];
		int self = 12345;

		print_message("case: %s\n", c->name);
		snprintf(buf, sizeof(buf), "%s", c->own);
		for (char *tok = strtok_r(buf, " ", &save); tok;
		     tok = strtok_r(NULL, " ", &save))
			assert_true(
			    dns_addr_literal(tok, DNS_INET_ALL, &own[nown++]));
		n = smtp_addr_unloop(list, n, own, nown, &self);
		assert_int_equal(self, c->self_pref);
		addr_text(list, n, got, sizeof(got));
		assert_string_equal(got, c->want);
	}
}

static void
test_own_addrs(void **state)
{
	char *inet1[] = {"192.0.2.1", "[2001:db8::5]", "host.example", "bad[",
	    0};
	char *proxy1[] = {"198.51.100.7", "192.0.2.1", 0};
	char *loop[] = {"loopback-only", 0};
	char *all[] = {"all", 0};
	struct dns_addr *v;
	size_t n;
	int has_lo = 0;

	v = smtp_own_addrs(inet1, proxy1, &n);
	assert_int_equal(n, 3); /* duplicates and names skipped */
	assert_string_equal(v[0].text, "192.0.2.1");
	assert_string_equal(v[1].text, "2001:db8::5");
	assert_string_equal(v[2].text, "198.51.100.7");
	mem_free(v);

	v = smtp_own_addrs(loop, NULL, &n);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].text, "127.0.0.1");
	assert_string_equal(v[1].text, "::1");
	mem_free(v);

	v = smtp_own_addrs(all, NULL, &n);
	for (size_t i = 0; i < n; i++)
		if (v[i].sa.ss_family == AF_INET)
			has_lo |=
			    memcmp(&((struct sockaddr_in *)&v[i].sa)->sin_addr,
				"\177\0\0\1", 4) == 0;
	assert_true(has_lo); /* lo is always there */
	mem_free(v);

	v = smtp_own_addrs(NULL, NULL, &n);
	assert_int_equal(n, 0);
	mem_free(v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mx_sort),
	    cmocka_unit_test(test_addr_sort),
	    cmocka_unit_test(test_addr_shuffle),
	    cmocka_unit_test(test_addr_add_limit),
	    cmocka_unit_test(test_unloop),
	    cmocka_unit_test(test_own_addrs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
