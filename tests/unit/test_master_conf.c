/*
 * test_master_conf - the master's pure configuration parts: inet service
 * addresses (port, host:port, [addr]:port, inet_interfaces and
 * inet_protocols, hostile forms), master_service_disable matching, and
 * master_conf_build() on a real master.cf (skipped, disabled and missing
 * programs, exec vector, endpoint names, errors with file and line).
 * Only address literals are used, so no test touches DNS.
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

#include "../../master/master.h"
#include "mem.h"
#include "msg.h"
#include "param.h"

static const struct inet_case {
	const char *name;
	const char *service;
	const char *interfaces;
	const char *protocols;
	int count;	   /* -1: error */
	const char *first; /* text of the first address */
	int dual;	   /* first address is dual-stack */
} inet_cases[] = {
    {"bare port on one interface", "2525", "127.0.0.1", "all", 1,
	"127.0.0.1:2525", 0},
    {"bare port, all, ipv4", "2525", "all", "ipv4", 1, "0.0.0.0:2525", 0},
    {"bare port, all, all: dual stack", "25", "all", "all", 1, "[::]:25", 1},
    {"bare port, all, ipv6 only", "25", "all", "ipv6", 1, "[::]:25", 0},
    {"empty interfaces mean all", "25", "", "ipv4", 1, "0.0.0.0:25", 0},
    {"host:port ignores interfaces", "127.0.0.1:2626", "10.0.0.1", "all", 1,
	"127.0.0.1:2626", 0},
    {"bracketed IPv6", "[::1]:25", "all", "all", 1, "[::1]:25", 0},
    {"bracketed IPv4", "[127.0.0.1]:25", "all", "all", 1, "127.0.0.1:25", 0},
    {"star host", "*:25", "127.0.0.1", "ipv4", 1, "0.0.0.0:25", 0},
    {"duplicate interfaces collapse", "25", "127.0.0.1, 127.0.0.1", "all", 1,
	"127.0.0.1:25", 0},
    {"two interfaces", "25", "127.0.0.1 127.0.0.2", "ipv4", 2, "127.0.0.1:25",
	0},
    {"bracketed interface", "25", "[::1]", "all", 1, "[::1]:25", 0},
    {"loopback-only, ipv4", "25", "loopback-only", "ipv4", 1, "127.0.0.1:25",
	0},
    {"loopback-only, both", "25", "loopback-only", "ipv4, ipv6", 2,
	"127.0.0.1:25", 0},
    {"highest port", "65535", "127.0.0.1", "all", 1, "127.0.0.1:65535", 0},
    /* Hostile or broken forms. */
    {"port zero", "0", "127.0.0.1", "all", -1, NULL, 0},
    {"port too big", "65536", "127.0.0.1", "all", -1, NULL, 0},
    {"huge port", "99999999999999999999999", "127.0.0.1", "all", -1, NULL, 0},
    {"negative port", "-25", "127.0.0.1", "all", -1, NULL, 0},
    {"empty service", "", "127.0.0.1", "all", -1, NULL, 0},
    {"empty port", "127.0.0.1:", "all", "all", -1, NULL, 0},
    {"empty host", ":25", "all", "all", -1, NULL, 0},
    {"unbracketed IPv6", "::1:25", "all", "all", -1, NULL, 0},
    {"unterminated bracket", "[::1:25", "all", "all", -1, NULL, 0},
    {"bracket without port", "[::1]", "all", "all", -1, NULL, 0},
    {"bracket then garbage", "[::1]x25", "all", "all", -1, NULL, 0},
    {"IPv6 literal, ipv4 only", "[::1]:25", "all", "ipv4", -1, NULL, 0},
    {"bad protocol", "25", "all", "ipv5", -1, NULL, 0},
    {"port with space", "25 ", "127.0.0.1", "all", -1, NULL, 0},
    {"port with NUL-ish junk",
	"2\x01"
	"5",
	"127.0.0.1", "all", -1, NULL, 0},
};

static void
test_inet_parse(void **state)
{
	struct master_addr addrs[MASTER_MAX_ADDR];
	struct vbuf why = VBUF_INIT;
	size_t i;
	int n;

	for (i = 0; i < sizeof(inet_cases) / sizeof(inet_cases[0]); i++) {
		const struct inet_case *c = inet_cases + i;

		vbuf_reset(&why);
		memset(addrs, 0, sizeof(addrs));
		n = master_inet_parse(c->service, c->interfaces, c->protocols,
		    addrs, MASTER_MAX_ADDR, &why);
		if (n != c->count)
			fail_msg("%s: got %d addresses (%s), want %d", c->name,
			    n, vbuf_str(&why), c->count);
		if (n < 0) {
			if (why.len == 0)
				fail_msg("%s: error without a reason", c->name);
			continue;
		}
		if (strcmp(addrs[0].text, c->first) != 0)
			fail_msg("%s: got %s want %s", c->name, addrs[0].text,
			    c->first);
		if (addrs[0].dual != c->dual)
			fail_msg("%s: dual %d want %d", c->name, addrs[0].dual,
			    c->dual);
	}
	vbuf_free(&why);
}

static void
test_inet_too_many(void **state)
{
	struct master_addr addrs[MASTER_MAX_ADDR];
	struct vbuf list = VBUF_INIT, why = VBUF_INIT;
	int i;

	for (i = 1; i <= MASTER_MAX_ADDR + 1; i++)
		vbuf_printf(&list, "127.0.0.%d ", i);
	assert_int_equal(master_inet_parse("25", vbuf_str(&list), "ipv4", addrs,
			     MASTER_MAX_ADDR, &why),
	    -1);
	assert_non_null(strstr(vbuf_str(&why), "too many"));
	vbuf_free(&list);
	vbuf_free(&why);
}

static const struct disable_case {
	const char *name;
	const char *service;
	const char *type;
	const char *list;
	int want;
} disable_cases[] = {
    {"empty list", "qmgr", "unix", "", 0},
    {"null list", "qmgr", "unix", NULL, 0},
    {"by type", "smtp", "inet", "inet", 1},
    {"by type, other type", "smtp", "unix", "inet", 0},
    {"type is case-insensitive", "a", "unix", "UNIX", 1},
    {"by name/type", "smtp", "inet", "smtp/inet", 1},
    {"name/type, other type", "smtp", "unix", "smtp/inet", 0},
    {"second item", "qmgr", "unix", "pickup/unix, qmgr/unix", 1},
    {"bare name is not a type", "qmgr", "unix", "qmgr", 0},
    {"inet service with colon", "127.0.0.1:2525", "inet", "127.0.0.1:2525/inet",
	1},
    {"prefix is no match", "smt", "inet", "smtp/inet", 0},
    {"longer name is no match", "smtpx", "inet", "smtp/inet", 0},
    {"empty name part", "smtp", "inet", "/inet", 0},
    {"separators only", "smtp", "inet", " ,, \t", 0},
};

static void
test_disabled(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(disable_cases) / sizeof(disable_cases[0]); i++) {
		const struct disable_case *c = disable_cases + i;
		int got = master_disabled(c->service, c->type, c->list);

		if (got != c->want)
			fail_msg("%s: got %d want %d", c->name, got, c->want);
	}
}

/* A configuration directory with main.cf and master.cf. */

static char conf_dir[64];

static void
write_file(const char *name, const char *text)
{
	char path[128];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", conf_dir, name);
	assert_non_null(fp = fopen(path, "w"));
	fputs(text, fp);
	fclose(fp);
}

static struct master_serv *
build(const char *main_cf, const char *master_cf, struct vbuf *why)
{
	char path[128];

	write_file("main.cf", main_cf);
	write_file("master.cf", master_cf);
	param_load(conf_dir);
	master_param_init();
	master_config_dir = conf_dir;
	master_conf_quiet = 1;
	snprintf(path, sizeof(path), "%s/master.cf", conf_dir);
	vbuf_reset(why);
	return (master_conf_build(path, why));
}

static int
setup(void **state)
{
	strcpy(conf_dir, "/tmp/test_master_conf.XXXXXX");
	assert_non_null(mkdtemp(conf_dir));
	return (0);
}

static int
teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", conf_dir);
	return (system(cmd) == 0 ? 0 : -1);
}

static void
test_build(void **state)
{
	struct vbuf why = VBUF_INIT;
	struct master_serv *list, *s;
	char want[256];

	/* /bin/true exists; /bin/no-such-daemon does not. */
	list = build("daemon_directory = /bin\n"
		     "inet_interfaces = 127.0.0.1\n"
		     "master_service_disable = off/unix\n",
	    "# comment\n"
	    "one       unix  n       -       n       60      1       true\n"
	    "two       unix  -       -       n       -       -       true\n"
	    "    -o name=value -o {x = a b}\n"
	    "2525      inet  n       -       n       -       -       true\n"
	    "pipe      fifo  n       -       n       -       1       true\n"
	    "off       unix  n       -       n       -       -       true\n"
	    "missing   unix  n       -       n       -       -       "
	    "no-such-daemon\n"
	    "log       unix-dgram n  -       n       -       1       true\n",
	    &why);
	if (list == NULL)
		fail_msg("build failed: %s", vbuf_str(&why));

	s = list;
	assert_string_equal(s->name, "one");
	assert_string_equal(s->endpoint, "public/one");
	assert_string_equal(s->key, "unix public/one");
	assert_string_equal(s->path, "/bin/true");
	assert_int_equal(s->wakeup, 60);
	assert_string_equal(s->argv[0], "true");
	assert_string_equal(s->argv[1], "-c");
	assert_string_equal(s->argv[2], conf_dir);
	assert_string_equal(s->argv[3], "-n");
	assert_string_equal(s->argv[4], "one");
	assert_string_equal(s->argv[5], "-t");
	assert_string_equal(s->argv[6], "unix");
	assert_null(s->argv[7]);

	s = s->next;
	assert_string_equal(s->endpoint, "private/two");
	assert_string_equal(s->argv[7], "-o");
	assert_string_equal(s->argv[8], "name=value");
	assert_string_equal(s->argv[9], "-o");
	assert_non_null(s->argv[10]);
	assert_null(s->argv[11]);

	s = s->next;
	assert_int_equal(s->type, MASTER_INET);
	assert_null(s->endpoint);
	assert_int_equal(s->naddr, 1);
	assert_string_equal(s->addrs[0].text, "127.0.0.1:2525");
	assert_string_equal(s->key, "inet 127.0.0.1:2525");

	s = s->next;
	assert_int_equal(s->type, MASTER_FIFO);
	snprintf(want, sizeof(want), "fifo public/pipe");
	assert_string_equal(s->key, want);

	/* off (disabled), missing (no program), log (unix-dgram): skipped. */
	assert_null(s->next);
	master_conf_free_list(list);
	vbuf_free(&why);
}

static const struct bad_case {
	const char *name;
	const char *master_cf;
	const char *why; /* substring of the reason */
} bad_cases[] = {
    {"duplicate endpoint",
	"a unix n - n - - true\n"
	"b unix n - n - - true\n"
	"a unix n - n - - true\n",
	"master.cf, line 3: duplicate service \"a\" (already at line 1)"},
    {"slash in name", "../x unix n - n - - true\n",
	"master.cf, line 1: bad service name"},
    {"dot-dot name", ".. unix n - n - - true\n",
	"master.cf, line 1: bad service name"},
    {"slash in command", "a unix n - n - - ../bin/true\n",
	"master.cf, line 1: bad command name"},
    {"bad inet port", "\n\nx:99999 inet n - n - - true\n",
	"master.cf, line 3: bad service"},
    {"overlong name",
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	" unix n - n - - true\n",
	"master.cf, line 1: bad service name"},
    {"too few fields", "a unix n - n\n", "master.cf, line 1"},
};

static void
test_build_errors(void **state)
{
	struct vbuf why = VBUF_INIT;
	struct master_serv *list;
	size_t i;

	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = bad_cases + i;

		list = build("daemon_directory = /bin\n", c->master_cf, &why);
		if (list != NULL)
			fail_msg("%s: accepted", c->name);
		if (strstr(vbuf_str(&why), c->why) == NULL)
			fail_msg("%s: reason \"%s\" lacks \"%s\"", c->name,
			    vbuf_str(&why), c->why);
	}
	vbuf_free(&why);
}

/* master_nproc: several copies only for the programs that may run so,
 * bounded by maxproc ("-" = default_process_limit, 0 = none), the CPUs and
 * MASTER_MAX_PROC; never for a FIFO */
static const struct nproc_case {
	const char *command;
	int type, maxproc;
	long limit, ncpu;
	int want;
} nproc_cases[] = {
    {"smtpd", MASTER_INET, -1, 100, 2, 2},
    {"smtpd", MASTER_INET, 0, 100, 4, 4},
    {"cleanup", MASTER_UNIX, 0, 100, 2, 2},
    {"smtp", MASTER_UNIX, -1, 1, 8, 1},
    {"smtp", MASTER_UNIX, 3, 100, 8, 3},
    {"smtp", MASTER_UNIX, 1, 100, 8, 1},
    {"smtpd", MASTER_INET, 0, 100, 1, 1},
    {"smtpd", MASTER_INET, 0, 100, 0, 1},
    {"smtpd", MASTER_INET, 0, 100, 64, MASTER_MAX_PROC},
    {"cleanup", MASTER_FIFO, 0, 100, 4, 1},
    {"qmgr", MASTER_UNIX, 0, 100, 4, 1},
    {"pickup", MASTER_UNIX, -1, 100, 4, 1},
    {"bounce", MASTER_UNIX, 0, 100, 4, 1},
    {"flush", MASTER_UNIX, 0, 100, 4, 1},
    {"showq", MASTER_UNIX, -1, 100, 4, 1},
    {"smtpdx", MASTER_INET, 0, 100, 4, 1},
};

static void
test_nproc(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(nproc_cases) / sizeof(nproc_cases[0]); i++) {
		const struct nproc_case *c = nproc_cases + i;
		int got = master_nproc(c->command, c->type, c->maxproc,
		    c->limit, c->ncpu);

		if (got != c->want)
			fail_msg("%s maxproc %d limit %ld cpus %ld: %d, want "
				 "%d",
			    c->command, c->maxproc, c->limit, c->ncpu, got,
			    c->want);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_inet_parse),
	    cmocka_unit_test(test_inet_too_many),
	    cmocka_unit_test(test_disabled),
	    cmocka_unit_test(test_build),
	    cmocka_unit_test(test_build_errors),
	    cmocka_unit_test(test_nproc),
	};

	msg_init("test_master_conf", MSG_NOLOG);
	return (cmocka_run_group_tests(tests, setup, teardown));
}
