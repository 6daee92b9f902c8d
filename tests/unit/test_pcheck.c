/* Unit tests for util/pcheck: enumerations, restriction lists, tables and
 * files, the relay guard, misspelling hints, the daemon-side check
 * through param_bind(), unknown names and master.cf entries. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "fatal.h"

#include "msg.h"
#include "param.h"
#include "pcheck.h"
#include "var.h"

static char dir[256];
static char path[300];

static void
write_file(const char *name, const char *text)
{
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_non_null(fp = fopen(path, "w"));
	fputs(text, fp);
	fclose(fp);
}

static void
load(const char *main_cf, const char *master_cf)
{
	write_file("main.cf", main_cf);
	write_file("master.cf", master_cf);
	param_load(dir);
}

static int
setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/sluice-test-pcheck.%ld",
	    (long)getpid());
	mkdir(dir, 0700);
	msg_init("test_pcheck", 0);
	fatal_catch();
	return 0;
}

static int
teardown(void **state)
{
	char cmd[400];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* value - pcheck_value()'s verdict; why in text */
static int
value(const char *name, const char *v, int flags, char *text, size_t len)
{
	struct vbuf why = VBUF_INIT;
	int r = pcheck_value(name, v, flags, &why);

	snprintf(text, len, "%s", vbuf_str(&why));
	vbuf_free(&why);
	return r;
}

static void
test_enumerations(void **state)
{
	char t[512];

	load("", "");
	assert_int_equal(value("smtpd_tls_security_level", "may", 0, t, 512),
	    0);
	assert_int_equal(value("smtpd_tls_security_level", "ENCRYPT", 0, t,
			     512),
	    0);
	assert_int_equal(value("smtpd_tls_security_level", "", 0, t, 512), 0);
	assert_int_equal(value("smtpd_tls_security_level", "mandatory", 0, t,
			     512),
	    -1);
	assert_string_equal(t,
	    "invalid value: \"mandatory\" (expected none, "
	    "may or encrypt)");
	assert_int_equal(value("inet_protocols", "ipv4, ipv6", 0, t, 512), 0);
	assert_int_equal(value("inet_protocols", "ipv4 ipv5", 0, t, 512), -1);
	assert_string_equal(t,
	    "invalid value: \"ipv5\" (expected one or more "
	    "of all, ipv4 or ipv6)");
	assert_int_equal(value("inet_protocols", "", 0, t, 512), -1);
	/* No rule: anything goes. */
	assert_int_equal(value("relayhost", "anything", 0, t, 512), 0);
}

static void
test_restrictions(void **state)
{
	char t[512];
	const char *p = "smtpd_relay_restrictions";

	load("smtpd_restriction_classes = myclass\n", "");
	assert_int_equal(value(p,
			     "permit_mynetworks, check_sender_access "
			     "hash:/x, reject_rbl_client zen.example, "
			     "reject_unauth_destination",
			     0, t, 512),
	    0);
	assert_int_equal(value(p, "permit_mynetwork, reject", 0, t, 512), -1);
	assert_string_equal(t,
	    "unknown restriction \"permit_mynetwork\" (did "
	    "you mean \"permit_mynetworks\"?)");
	assert_int_equal(value(p, "bogus_restriction", 0, t, 512), -1);
	assert_string_equal(t, "unknown restriction \"bogus_restriction\"");
	assert_int_equal(value(p, "reject, check_sender_access", 0, t, 512),
	    -1);
	assert_string_equal(t,
	    "restriction \"check_sender_access\" needs an "
	    "argument");
	assert_int_equal(value(p, "check_sender_access reject", 0, t, 512), -1);
	assert_string_equal(t,
	    "restriction \"check_sender_access\": "
	    "\"reject\" is not a lookup table (expected "
	    "type:name)");
	assert_int_equal(value(p, "myclass", 0, t, 512), -1);
	assert_string_equal(t,
	    "restriction class \"myclass\" is not "
	    "supported");
	/* smtpd ignores check_sender_access: its table is not opened. */
	assert_int_equal(value(p, "check_sender_access hash:/nonexistent",
			     PCHECK_FILES, t, 512),
	    0);
	assert_non_null(pcheck_restriction("PERMIT_MYNETWORKS"));
	assert_int_equal(pcheck_restriction("check_helo_access")->arg,
	    PCHECK_ARG_TABLE);
	assert_int_equal(pcheck_restriction("check_helo_access")->supported, 0);
	assert_null(pcheck_restriction("permit_mynetwork"));
}

static void
test_files_and_tables(void **state)
{
	char t[512], file[400];

	load("", "");
	write_file("cert.pem", "x\n");
	snprintf(file, sizeof(file), "%s", path);
	assert_int_equal(value("smtpd_tls_cert_file", file, PCHECK_FILES, t,
			     512),
	    0);
	assert_int_equal(value("smtpd_tls_cert_file", "/nonexistent/c.pem", 0,
			     t, 512),
	    0);
	assert_int_equal(value("smtpd_tls_cert_file", "/nonexistent/c.pem",
			     PCHECK_FILES, t, 512),
	    -1);
	assert_string_equal(t,
	    "cannot read \"/nonexistent/c.pem\": No such "
	    "file or directory");
	assert_int_equal(value("smtpd_tls_cert_file", "", PCHECK_FILES, t, 512),
	    0);
	assert_int_equal(value("transport_maps", "bogus:/x", PCHECK_FILES, t,
			     512),
	    -1);
	assert_non_null(strstr(t, "transport_maps: bogus:/x"));
	assert_int_equal(value("transport_maps", "inline:{a=b}", PCHECK_FILES,
			     t, 512),
	    0);
}

static void
test_param_and_config(void **state)
{
	struct vbuf why = VBUF_INIT;
	char want[600];

	load("# one\nsmtpd_tls_security_level = mandatory\n", "");
	assert_int_equal(pcheck_param("smtpd_tls_security_level", 0, &why), -1);
	snprintf(want, sizeof(want),
	    "%s/main.cf, line 2: parameter smtpd_tls_security_level: invalid "
	    "value: \"mandatory\" (expected none, may or encrypt)",
	    dir);
	assert_string_equal(vbuf_str(&why), want);
	assert_int_equal(pcheck_config(PCHECK_FILES), 1);
	load("", "");
	assert_int_equal(pcheck_config(PCHECK_FILES), 0);
	vbuf_free(&why);
}

static void
test_relay_guard(void **state)
{
	struct vbuf why = VBUF_INIT;

	load("", "");
	assert_int_equal(pcheck_relay_guard(&why), 1); /* the safe default */
	load("compatibility_level = 2\n", "");
	assert_int_equal(pcheck_relay_guard(&why), 0); /* Postfix 2's lists */
	load("smtpd_relay_restrictions =\nsmtpd_recipient_restrictions = "
	     "permit_mynetworks\n",
	    "");
	assert_int_equal(pcheck_relay_guard(&why), -1);
	assert_non_null(strstr(vbuf_str(&why),
	    "specify at least one working "
	    "instance"));
	load("smtpd_relay_restrictions = DEFER\nsmtpd_recipient_restrictions "
	     "=\n",
	    "");
	assert_int_equal(pcheck_relay_guard(&why), 0);
	vbuf_free(&why);
}

static void
test_suggest(void **state)
{
	static const char *const names[] = {"alpha", "beta", NULL};

	assert_string_equal(pcheck_suggest("relyhost", NULL), "relayhost");
	assert_string_equal(pcheck_suggest("myhostnmae", NULL), "myhostname");
	assert_null(pcheck_suggest("relayhost", NULL)); /* exact: no hint */
	assert_null(pcheck_suggest("completely_unrelated_name", NULL));
	assert_string_equal(pcheck_suggest("alpah", names), "alpha");
	assert_null(pcheck_suggest("gamma", names));
}

/* The daemons: param_bind() refuses an enumeration, warns for a list. */
static const char *var_test_level;
static char **var_test_relay;

static void
test_bound(void **state)
{
	const struct param_var level[] = {
	    {"smtpd_tls_security_level", PARAM_KIND_STR, &var_test_level},
	    PARAM_VAR_END,
	};
	const struct param_var relay[] = {
	    {"smtpd_relay_restrictions", PARAM_KIND_LIST, &var_test_relay},
	    PARAM_VAR_END,
	};

	load("smtpd_tls_security_level = mandatory\n"
	     "smtpd_relay_restrictions = permit_mynetwork, reject\n",
	    "");
	EXPECT_FATAL(param_bind(level),
	    "line 1: parameter smtpd_tls_security_level: invalid value: "
	    "\"mandatory\"");
	param_bind(relay); /* a warning only */
	assert_string_equal(var_test_relay[0], "permit_mynetwork");
}

static void
test_classify(void **state)
{
	struct pcheck_names user = {0}, unused = {0};

	load("relyhost = x\nmy_nets = 10.0.0.0/8\nmynetworks = $my_nets\n"
	     "fast_destination_concurrency_limit = 2\nfoo = 1\n"
	     "bar = 2\n",
	    "fast unix - - n - - smtp -o smtp_helo_name=$bar\n");
	snprintf(path, sizeof(path), "%s/master.cf", dir);
	pcheck_classify(path, &user, &unused);
	assert_int_equal(unused.n, 2);
	assert_string_equal(unused.v[0], "foo");
	assert_string_equal(unused.v[1], "relyhost");
	assert_int_equal(user.n, 3);
	assert_string_equal(user.v[0], "bar");
	assert_string_equal(user.v[1], "fast_destination_concurrency_limit");
	assert_string_equal(user.v[2], "my_nets");
	pcheck_names_free(&user);
	pcheck_names_free(&unused);
}

static void
test_master_cf(void **state)
{
	char main_cf[600], master[1200];

	/* daemon_directory: dir, with one executable "prog". */
	write_file("prog", "#!/bin/sh\n");
	chmod(path, 0755);
	write_file("plain", "not executable\n");
	snprintf(main_cf, sizeof(main_cf),
	    "daemon_directory = %s\nmaster_service_disable = off/unix\n", dir);
	snprintf(master, sizeof(master), "%s",
	    "a unix - - n - - prog\n"
	    "b unix - - y - - prog\n"
	    "c unix - - n - - missing\n"
	    "d unix - - n - - plain\n"
	    "e unix-dgram - - n - - prog\n"
	    "f unix - - n - - prog -o smtpd_tls_security_level=bad\n"
	    "g unix - - n - - prog -o smtpd_timeout=abc\n"
	    "h unix - - n - - prog -o smtpd_tls_securty_level=may\n"
	    "off unix - - y - - missing\n");
	load(main_cf, master);
	snprintf(path, sizeof(path), "%s/master.cf", dir);
	/* b chroot, c missing, d not executable, e type, f and g values;
	 * h is a warning; "off" is disabled. */
	assert_int_equal(pcheck_master_cf(path, PCHECK_FILES), 6);
	assert_int_equal(pcheck_disabled("off", "unix", "off/unix"), 1);
	assert_int_equal(pcheck_disabled("off", "inet", "off/unix, unix"), 0);
	assert_int_equal(pcheck_disabled("x", "UNIX", "inet unix"), 1);
	snprintf(path, sizeof(path), "%s/missing.cf", dir);
	assert_int_equal(pcheck_master_cf(path, 0), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_enumerations),
	    cmocka_unit_test(test_restrictions),
	    cmocka_unit_test(test_files_and_tables),
	    cmocka_unit_test(test_param_and_config),
	    cmocka_unit_test(test_relay_guard),
	    cmocka_unit_test(test_suggest),
	    cmocka_unit_test(test_bound),
	    cmocka_unit_test(test_classify),
	    cmocka_unit_test(test_master_cf),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
