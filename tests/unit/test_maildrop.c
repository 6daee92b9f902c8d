/*
 * test_maildrop - the attributes a local user may submit, and Postfix's
 * split_nameval() rules for an A record.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "maildrop.h"

static void
test_split(void **unused)
{
	char a[] = "  encoding =  8bit  ";
	char b[] = "novalue";
	char c[] = "   ";
	char d[] = "name=";
	char *name, *value;

	assert_null(maildrop_attr_split(a, &name, &value));
	assert_string_equal(name, "encoding");
	assert_string_equal(value, "8bit");
	assert_string_equal(maildrop_attr_split(b, &name, &value),
	    "missing '=' after attribute name");
	assert_string_equal(maildrop_attr_split(c, &name, &value),
	    "missing attribute name");
	assert_null(maildrop_attr_split(d, &name, &value));
	assert_string_equal(name, "name");
	assert_string_equal(value, "");
}

static void
test_allowed(void **unused)
{
	static const char *const ok[][2] = {{"encoding", "7bit"},
	    {"encoding", "8bit"}, {"encoding", "none"}, {"envelope_id", "x"},
	    {"notify_flags", "2"}, {"dsn_orig_rcpt", "rfc822;a@x"},
	    {"ret_flags", "1"}, {"create_time", "1"},
	    {"rewrite_context", "local"}, {"rewrite_context", "remote"},
	    {"trace_flags", "1024"}};
	static const char *const bad[][2] = {{"submit_uid", "0"},
	    {"trace_header", "Received: from trusted.example.com"},
	    {"log_origin", "x[1.2.3.4]"}, {"log_client_name", "x"},
	    {"client_address", "1.2.3.4"}, {"encoding", "binary"},
	    {"rewrite_context", "other"}, {"", "x"}, {"ENCODING", "8bit"}};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		assert_true(maildrop_attr_ok(ok[i][0], ok[i][1]));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(maildrop_attr_ok(bad[i][0], bad[i][1]));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_split),
	    cmocka_unit_test(test_allowed),
	};

	return (cmocka_run_group_tests(tests, 0, 0));
}
