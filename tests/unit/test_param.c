/* Unit tests for util/param: the table, time units, typed validation with
 * file/line diagnostics (fatal via the msg hook), overrides, expansion,
 * list splitting, host-derived defaults, MAIL_CONFIG. */
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

#include "param.h"
#include "msg.h"

static char dir[256];
static char main_cf[300];

static void
write_main(const char *text)
{
	FILE *fp = fopen(main_cf, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static int
setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/sluice-test-param.%ld",
	    (long)getpid());
	mkdir(dir, 0700);
	snprintf(main_cf, sizeof(main_cf), "%s/main.cf", dir);
	msg_init("test_param", 0);
	fatal_catch();
	return 0;
}

static int
teardown(void **state)
{
	unlink(main_cf);
	rmdir(dir);
	return 0;
}

/* Reset overrides by loading a fresh main.cf: overrides persist by design,
 * so tests that use them set every overridden name explicitly. */
static void
load(const char *text)
{
	write_main(text);
	param_load(dir);
}

/* ---- table ---------------------------------------------------------- */

static void
test_table_sorted_and_complete(void **state)
{
	size_t n, i;
	const struct param_def *t = param_table(&n);
	static const char *must[] = {
	    "myhostname",
	    "mydomain",
	    "myorigin",
	    "mydestination",
	    "mynetworks",
	    "relay_domains",
	    "inet_interfaces",
	    "queue_directory",
	    "mail_owner",
	    "setgid_group",
	    "syslog_name",
	    "maillog_file",
	    "relayhost",
	    "transport_maps",
	    "fallback_relay",
	    "smtp_tcp_port",
	    "fast_flush_domains",
	    "fast_flush_refresh_time",
	    "fast_flush_purge_time",
	    "minimal_backoff_time",
	    "maximal_backoff_time",
	    "queue_run_delay",
	    "maximal_queue_lifetime",
	    "bounce_queue_lifetime",
	    "delay_warning_time",
	    "soft_bounce",
	    "notify_classes",
	    "default_process_limit",
	    "service_throttle_time",
	    "default_destination_concurrency_limit",
	    "initial_destination_concurrency",
	    "message_size_limit",
	    "line_length_limit",
	    "header_size_limit",
	    "smtpd_recipient_limit",
	    "smtpd_relay_restrictions",
	    "smtpd_recipient_restrictions",
	    "smtpd_forbid_bare_newline",
	    "hash_queue_names",
	    "hash_queue_depth",
	    "disable_dns_lookups",
	    "ignore_mx_lookup_error",
	    "smtp_connect_timeout",
	    "smtp_helo_timeout",
	    "smtp_data_done_timeout",
	    "dns_servers",
	    "config_directory",
	    "daemon_directory",
	    "command_directory",
	    "data_directory",
	    "compatibility_level",
	    "enable_long_queue_ids",
	    "maillog_file_permissions",
	    "multi_instance_name",
	    "master_service_disable",
	    "process_id_directory",
	};

	assert_true(n > 890);
	for (i = 1; i < n; i++)
		if (strcmp(t[i - 1].name, t[i].name) >= 0)
			fail_msg("table not sorted at %s", t[i].name);
	for (i = 0; i < n; i++)
		if (t[i].def == NULL)
			fail_msg("%s has no default", t[i].name);
	for (i = 0; i < sizeof(must) / sizeof(must[0]); i++)
		if (param_find(must[i]) == NULL)
			fail_msg("%s missing", must[i]);
	assert_null(param_find("no_such_parameter"));
	assert_string_equal(param_find("dns_servers")->def, "");
	assert_string_equal(param_find("relay_domains")->def,
	    "${{$compatibility_level} <level {2} ? {$mydestination} : {}}");
	assert_string_equal(param_find("compatibility_level")->def, "0");
	assert_string_equal(param_find("mail_owner")->def, "sluice");
	assert_string_equal(param_find("syslog_name")->def,
	    "${multi_instance_name?{$multi_instance_name}:{postfix}}");
	assert_string_equal(param_find("queue_directory")->def,
	    "/var/spool/sluice");
	assert_string_equal(param_find("config_directory")->def,
	    SLUICE_PREFIX "/etc/sluice");
	assert_int_equal(param_find("minimal_backoff_time")->type, PARAM_TIME);
	assert_int_equal(param_find("fast_flush_refresh_time")->unit, 'h');
	assert_int_equal(param_find("soft_bounce")->type, PARAM_BOOL);
	assert_int_equal(param_find("append_dot_mydomain")->type, PARAM_BOOL);
	assert_int_equal(param_find("smtpd_timeout")->type, PARAM_TIME);
	assert_int_equal(param_find("smtpd_hard_error_limit")->type, PARAM_INT);
	assert_int_equal(param_find("smtpd_forbid_bare_newline")->type,
	    PARAM_STR);
	assert_int_equal(param_find("compatibility_level")->type, PARAM_STR);
}

/* ---- loading and expansion ----------------------------------------- */

static void
test_load_expand_and_raw(void **state)
{
	load("myhostname = mail.example.com\n"
	     "relayhost = [$relay_host]:2626\n"
	     "relay_host = 127.0.0.1\n"
	     "mydestination = $myhostname,\n    localhost\n");
	assert_string_equal(param_str("myhostname"), "mail.example.com");
	assert_string_equal(param_str("mydomain"), "example.com");
	assert_string_equal(param_str("myorigin"), "mail.example.com");
	assert_string_equal(param_str("relayhost"), "[127.0.0.1]:2626");
	assert_string_equal(param_raw("relayhost"), "[$relay_host]:2626");
	assert_string_equal(param_raw("myorigin"), "$myhostname");
	assert_true(param_is_set("relayhost"));
	assert_false(param_is_set("myorigin"));
	assert_string_equal(param_str("syslog_name"), "postfix");
	assert_string_equal(param_str("relay_domains"),
	    "mail.example.com,    localhost");
	assert_string_equal(param_str("smtpd_relay_restrictions"), "");
	assert_string_equal(param_str("mynetworks_style"), "subnet");
	assert_true(param_bool("append_dot_mydomain"));
	assert_int_equal(param_int("smtpd_hard_error_limit"), 20);
	assert_int_equal(param_time("smtpd_timeout"), 300);
	assert_string_equal(param_config_dir(), dir);
	assert_string_equal(param_main_cf_path(), main_cf);
	assert_string_equal(getenv("MAIL_CONFIG"), dir);
	assert_string_equal(param_raw("config_directory"), dir);
	assert_string_equal(cfg_get(param_cfg(), "relay_host"), "127.0.0.1");
}

static void
test_compatibility_level_changes_defaults(void **state)
{
	load("compatibility_level = 3.6\nmyhostname = h.example.org\n");
	assert_string_equal(param_str("relay_domains"), "");
	assert_string_equal(param_str("mynetworks_style"), "host");
	assert_string_equal(param_str("smtpd_relay_restrictions"),
	    "permit_mynetworks, permit_sasl_authenticated, "
	    "defer_unauth_destination");
	assert_false(param_bool("append_dot_mydomain"));
	assert_true(param_bool("smtputf8_enable"));
	assert_true(param_bool("smtpd_relay_before_recipient_restrictions"));
}

static void
test_mail_config_environment(void **state)
{
	load("myhostname = env.example.net\n");
	setenv("MAIL_CONFIG", dir, 1);
	param_load(NULL);
	assert_string_equal(param_config_dir(), dir);
	assert_string_equal(param_str("myhostname"), "env.example.net");
}

static void
test_host_defaults(void **state)
{
	const char *h, *d;

	load("# nothing\n");
	h = param_str("myhostname");
	d = param_str("mydomain");
	assert_non_null(strchr(h, '.'));
	assert_string_equal(d, strchr(h, '.') + 1);
	{
		char want[700];

		snprintf(want, sizeof(want), "%s, localhost.%s, localhost", h,
		    d);
		assert_string_equal(param_str("mydestination"), want);
	}
	load("mydomain = example.com\n");
	h = param_str("myhostname");
	assert_non_null(strchr(h, '.'));
	load("myhostname = a.b.c.example\n");
	assert_string_equal(param_str("mydomain"), "b.c.example");
	load("myhostname = single\n");
	assert_string_equal(param_str("mydomain"), "localdomain");
}

/* ---- typed values --------------------------------------------------- */

struct time_case {
	const char *param;
	const char *value;
	long seconds; /* -1: fatal */
};

static const struct time_case time_cases[] = {
    {"minimal_backoff_time", "10", 10},
    {"minimal_backoff_time", "10s", 10},
    {"minimal_backoff_time", "5m", 300},
    {"minimal_backoff_time", "2h", 7200},
    {"minimal_backoff_time", "1d", 86400},
    {"minimal_backoff_time", "1w", 604800},
    {"fast_flush_refresh_time", "2", 7200}, /* default unit h */
    {"fast_flush_purge_time", "1", 86400},  /* default unit d */
    {"maximal_queue_lifetime", "0", 0},
    {"minimal_backoff_time", "abc", -1},
    {"minimal_backoff_time", "5x", -1},
    {"minimal_backoff_time", "5 m", -1},
    {"minimal_backoff_time", "5mm", -1},
    {"minimal_backoff_time", "-5", -1},
    {"minimal_backoff_time", "", -1},
    {"minimal_backoff_time", "99999999999", -1},
    {"minimal_backoff_time", "3000000w", -1},
    {"minimal_backoff_time", "0", -1}, /* below min 1 */
    {"minimal_backoff_time", "5M", -1},
};

static void
test_time_units(void **state)
{
	volatile size_t i;

	for (i = 0; i < sizeof(time_cases) / sizeof(time_cases[0]); i++) {
		const struct time_case *tc = &time_cases[i];
		char text[256];

		snprintf(text, sizeof(text), "a = 1\n%s = %s\n", tc->param,
		    tc->value);
		if (tc->seconds >= 0) {
			load(text);
			if (param_time(tc->param) != tc->seconds)
				fail_msg("%s = %s: got %ld, want %ld",
				    tc->param, tc->value, param_time(tc->param),
				    tc->seconds);
		} else {
			EXPECT_FATAL(load(text), tc->param);
			if (strstr(fatal_text, ", line 2: ") == NULL)
				fail_msg("%s = %s: no line number in \"%s\"",
				    tc->param, tc->value, fatal_text);
		}
	}
}

struct bad_case {
	const char *name;
	const char *main_cf;
	const char *text; /* after "DIR/main.cf" */
};

static const struct bad_case bad_cases[] = {
    {"bad time", "a = 1\n\nminimal_backoff_time = abc\n",
	", line 3: parameter minimal_backoff_time: bad time value or unit: "
	"abc"},
    {"bad time via expansion", "queue_run_delay = $x\nx = soon\n",
	", line 1: parameter queue_run_delay: bad time value or unit: soon"},
    {"bad number", "hopcount_limit = many\n",
	", line 1: bad numerical configuration: hopcount_limit = many"},
    {"number with junk", "smtpd_recipient_limit = 10k\n",
	", line 1: bad numerical configuration: smtpd_recipient_limit = 10k"},
    {"huge number", "message_size_limit = 999999999999999999999999\n",
	", line 1: bad numerical configuration: message_size_limit = "
	"999999999999999999999999"},
    {"bad boolean", "x = 1\nsoft_bounce = maybe\n",
	", line 2: bad boolean configuration: soft_bounce = maybe"},
    {"int below minimum", "hopcount_limit = 0\n",
	", line 1: invalid hopcount_limit parameter value 0 < 1"},
    {"time below minimum", "queue_run_delay = 0s\n",
	", line 1: invalid queue_run_delay: 0 (min 1)"},
    {"continued entry uses first line", "#\nsoft_bounce = yes\n   no\n",
	", line 2: bad boolean configuration: soft_bounce = yes   no"},
    {"syntax error", "a = 1\nnot an assignment\n",
	", line 2: missing '=' after attribute name: \"not an assignment\""},
    {"recursion",
	"relayhost = $loop\nloop = x$loop\nsoft_bounce = $relayhost\n",
	"unreasonable macro call nesting"},
};

static void
test_bad_values_are_fatal_with_location(void **state)
{
	volatile size_t i;

	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		char want[600];

		write_main(bad_cases[i].main_cf);
		EXPECT_FATAL(param_load(dir), bad_cases[i].text);
		snprintf(want, sizeof(want), "%s/main.cf", dir);
		if (strstr(bad_cases[i].text, "nesting") == NULL &&
		    strncmp(fatal_text, want, strlen(want)) != 0)
			fail_msg("%s: \"%s\" does not start with %s",
			    bad_cases[i].name, fatal_text, want);
	}
}

static void
test_missing_main_cf_is_fatal(void **state)
{
	char other[300];

	snprintf(other, sizeof(other), "%s/nonexistent", dir);
	EXPECT_FATAL(param_load(other), "main.cf: No such file or directory");
}

static void
test_booleans(void **state)
{
	static const struct {
		const char *value;
		int want;
	} cases[] = {
	    {"yes", 1},
	    {"YES", 1},
	    {"true", 1},
	    {"1", 1},
	    {"no", 0},
	    {"No", 0},
	    {"false", 0},
	    {"0", 0},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[100];

		snprintf(text, sizeof(text), "soft_bounce = %s\n",
		    cases[i].value);
		load(text);
		assert_int_equal(param_bool("soft_bounce"), cases[i].want);
	}
}

/* ---- overrides ------------------------------------------------------ */

/* A program's parameter table: each variable gets its typed value. */
static const char *var_no_such_parameter;

static void
test_bind(void **state)
{
	const struct param_var vars[] = {
	    PARAM_VAR(relayhost),
	    PARAM_VAR(maximal_backoff_time),
	    PARAM_VAR(message_size_limit),
	    PARAM_VAR(smtpd_recipient_limit),
	    PARAM_VAR(soft_bounce),
	    PARAM_VAR(mynetworks),
	    PARAM_VAR_END,
	};
	const struct param_var bad[] = {
	    PARAM_VAR(no_such_parameter),
	    PARAM_VAR_END,
	};

	load("relayhost = [bind.example.com]\nmaximal_backoff_time = 2m\n"
	     "message_size_limit = 1234\nsoft_bounce = yes\n"
	     "mynetworks = 127.0.0.0/8, [::1]/128\n");
	param_bind(vars);
	assert_string_equal(var_relayhost, "[bind.example.com]");
	assert_int_equal(var_maximal_backoff_time, 120);
	assert_int_equal(var_message_size_limit, 1234);
	assert_int_equal(var_smtpd_recipient_limit, 1000);
	assert_int_equal(var_soft_bounce, 1);
	assert_non_null(var_mynetworks);
	assert_string_equal(var_mynetworks[0], "127.0.0.0/8");
	assert_string_equal(var_mynetworks[1], "[::1]/128");
	assert_null(var_mynetworks[2]);
	param_bind(NULL);
	EXPECT_FATAL(param_bind(bad), "no_such_parameter");
	load("myhostname = h.example.com\n");
}

static void
test_overrides(void **state)
{
	load("myhostname = file.example.com\nqueue_run_delay = 100s\n");
	param_override("myhostname=override.example.com");
	assert_string_equal(param_str("myhostname"), "override.example.com");
	assert_string_equal(param_str("myorigin"), "override.example.com");
	assert_string_equal(param_raw("myhostname"), "override.example.com");
	param_override(" syslog_name = sluice/submission ");
	assert_string_equal(param_str("syslog_name"), "sluice/submission");
	assert_true(param_is_set("syslog_name"));
	param_override("stress=yes");
	assert_int_equal(param_int("smtpd_hard_error_limit"), 1);
	assert_int_equal(param_time("smtpd_timeout"), 10);
	param_override("stress=");
	assert_int_equal(param_int("smtpd_hard_error_limit"), 20);
	/* overrides survive a reload */
	load("myhostname = again.example.com\n");
	assert_string_equal(param_str("myhostname"), "override.example.com");
	/* a bad override is fatal without a file name */
	EXPECT_FATAL(param_override("queue_run_delay=later"),
	    "parameter queue_run_delay: bad time value or unit: later");
	assert_null(strstr(fatal_text, "main.cf"));
	param_override("queue_run_delay=7s");
	assert_int_equal(param_time("queue_run_delay"), 7);
	EXPECT_FATAL(param_override("no equals sign"),
	    "bad parameter override");
	EXPECT_FATAL(param_override("=value"), "bad parameter override");
	/* restore for later tests */
	param_override("myhostname=h.example.com");
	param_override("syslog_name=sluice");
}

/* ---- lists ---------------------------------------------------------- */

struct list_case {
	const char *value;
	const char *want[6];
};

static const struct list_case list_cases[] = {
    {"a b c", {"a", "b", "c"}},
    {"a,b,,c", {"a", "b", "c"}},
    {" , a ,\tb\n c , ", {"a", "b", "c"}},
    {"", {NULL}},
    {",,,", {NULL}},
    {"check_x {a, b} reject", {"check_x", "{a, b}", "reject"}},
    {"regexp:{{/^x/ y}}, z", {"regexp:{{/^x/ y}}", "z"}},
    {"unbalanced {a b", {"unbalanced", "{a b"}},
};

static void
test_list_splitting(void **state)
{
	size_t i, j;

	for (i = 0; i < sizeof(list_cases) / sizeof(list_cases[0]); i++) {
		char text[200];
		char **v;

		snprintf(text, sizeof(text),
		    "smtpd_recipient_restrictions = %s\n", list_cases[i].value);
		load(text);
		v = param_list("smtpd_recipient_restrictions");
		for (j = 0; list_cases[i].want[j]; j++) {
			if (v[j] == NULL ||
			    strcmp(v[j], list_cases[i].want[j]) != 0)
				fail_msg("\"%s\": item %zu is \"%s\", want "
					 "\"%s\"",
				    list_cases[i].value, j,
				    v[j] ? v[j] : "(null)",
				    list_cases[i].want[j]);
		}
		if (v[j] != NULL)
			fail_msg("\"%s\": extra item \"%s\"",
			    list_cases[i].value, v[j]);
		assert_ptr_equal(param_list("smtpd_recipient_restrictions"), v);
	}
	load("hash_queue_names = deferred, defer\n");
	assert_string_equal(param_list("hash_queue_names")[0], "deferred");
	assert_string_equal(param_list("hash_queue_names")[1], "defer");
	assert_null(param_list("hash_queue_names")[2]);
}

/* ---- misuse --------------------------------------------------------- */

static void
test_unknown_name_panics(void **state)
{
	EXPECT_FATAL(param_str("no_such_parameter"), "unknown parameter");
	EXPECT_FATAL(param_time("no_such_parameter"), "unknown parameter");
	EXPECT_FATAL(param_is_set("no_such_parameter"), "unknown parameter");
}

static void
test_accessor_rejects_bad_expanded_value(void **state)
{
	/* The default refers to a name the table does not know, so param_load()
	 * cannot check it; the accessor does. */
	load("postscreen_dnsbl_whitelist_threshold = lots\n");
	EXPECT_FATAL(param_int("postscreen_dnsbl_allowlist_threshold"),
	    "bad numerical configuration: postscreen_dnsbl_allowlist_threshold "
	    "= lots");
	load("postscreen_dnsbl_whitelist_threshold = 3\n");
	assert_int_equal(param_int("postscreen_dnsbl_allowlist_threshold"), 3);
	/* param_bool() is 1 only for yes/true/1, 0 for anything else. */
	load("smtpd_per_record_deadline = maybe\n");
	assert_int_equal(param_bool("smtpd_per_request_deadline"), 0);
	load("smtpd_per_record_deadline = TRUE\n");
	assert_int_equal(param_bool("smtpd_per_request_deadline"), 1);
}

static void
test_log_open_checks_prefixes(void **state)
{
	char text[700];

	snprintf(text, sizeof(text),
	    "maillog_file = %s/log\nmaillog_file_prefixes = /var, %s\n", dir,
	    dir);
	load(text);
	param_log_open();
	msg_info("hello from test_param");
	{
		char path[400], buf[512];
		FILE *fp;

		snprintf(path, sizeof(path), "%s/log", dir);
		fp = fopen(path, "r");
		assert_non_null(fp);
		assert_non_null(fgets(buf, sizeof(buf), fp));
		fclose(fp);
		unlink(path);
		assert_non_null(strstr(buf, " postfix/test_param["));
		assert_non_null(strstr(buf, "]: hello from test_param\n"));
	}
	snprintf(text, sizeof(text), "maillog_file = %s/log\n", dir);
	load(text);
	EXPECT_FATAL(param_log_open(),
	    "does not match any prefix in maillog_file_prefixes");
	load("maillog_file = /dev/null\nmaillog_file_prefixes = /var, "
	     "/dev/null\n");
	param_log_open();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table_sorted_and_complete),
	    cmocka_unit_test(test_load_expand_and_raw),
	    cmocka_unit_test(test_compatibility_level_changes_defaults),
	    cmocka_unit_test(test_mail_config_environment),
	    cmocka_unit_test(test_host_defaults),
	    cmocka_unit_test(test_time_units),
	    cmocka_unit_test(test_bad_values_are_fatal_with_location),
	    cmocka_unit_test(test_missing_main_cf_is_fatal),
	    cmocka_unit_test(test_booleans),
	    cmocka_unit_test(test_list_splitting),
	    cmocka_unit_test(test_unknown_name_panics),
	    cmocka_unit_test(test_accessor_rejects_bad_expanded_value),
	    cmocka_unit_test(test_log_open_checks_prefixes),
	    cmocka_unit_test(test_overrides),
	    cmocka_unit_test(test_bind),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
