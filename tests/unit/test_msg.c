/* Unit tests for util/msg: log line format in maillog_file, severities,
 * the fatal hook, errno preservation. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "msg.h"

static char logpath[256];
static jmp_buf fatal_jmp;
static char fatal_text[256];

static void
hook(const char *text)
{
	snprintf(fatal_text, sizeof(fatal_text), "%s", text);
	longjmp(fatal_jmp, 1);
}

static char *
slurp(const char *path)
{
	static char buf[8192];
	FILE *fp = fopen(path, "r");
	size_t n = fp ? fread(buf, 1, sizeof(buf) - 1, fp) : 0;
	buf[n] = 0;
	if (fp)
		fclose(fp);
	return buf;
}

static int
setup(void **state)
{
	snprintf(logpath, sizeof(logpath), "/tmp/sluice-test-msg.%ld",
	    (long)getpid());
	unlink(logpath);
	msg_init("qmgr", 0);
	msg_log_open("sluice", logpath, "relay.example.com");
	return 0;
}

static int
teardown(void **state)
{
	unlink(logpath);
	return 0;
}

static void
test_line_format(void **state)
{
	msg_info("3D4DDA76052: removed");
	msg_warn("disk %s", "full");
	char *text = slurp(logpath);
	regex_t re;
	char pat[256];
	snprintf(pat, sizeof(pat),
	    "^[A-Z][a-z][a-z] [0-3][0-9] [0-2][0-9]:[0-5][0-9]:[0-6][0-9] "
	    "relay "
	    "sluice/qmgr\\[%ld\\]: 3D4DDA76052: removed\n"
	    "[A-Z][a-z][a-z] [0-3][0-9] [0-9:]{8} relay sluice/qmgr\\[%ld\\]: "
	    "warning: disk full\n$",
	    (long)getpid(), (long)getpid());
	assert_int_equal(regcomp(&re, pat, REG_EXTENDED | REG_NEWLINE), 0);
	assert_int_equal(regexec(&re, text, 0, NULL, 0), 0);
	regfree(&re);
}

static void
test_errno_kept_and_percent_m(void **state)
{
	errno = ENOENT;
	msg_info("open: %m");
	assert_int_equal(errno, ENOENT);
	assert_non_null(
	    strstr(slurp(logpath), "open: No such file or directory\n"));
}

static void
test_fatal_goes_through_hook_with_prefix_in_log(void **state)
{
	msg_fatal_hook(hook);
	if (setjmp(fatal_jmp) == 0) {
		msg_fatal("bad %s", "thing");
		fail_msg("msg_fatal returned");
	}
	assert_string_equal(fatal_text, "bad thing");
	assert_non_null(strstr(slurp(logpath), "]: fatal: bad thing\n"));
	/* A second fatal still reaches the hook. */
	if (setjmp(fatal_jmp) == 0)
		msg_fatal("again");
	assert_string_equal(fatal_text, "again");
	msg_fatal_hook(NULL);
}

static void
test_long_text_is_cut(void **state)
{
	char big[5000];
	memset(big, 'q', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	unlink(logpath);
	msg_info("%s", big);
	char *text = slurp(logpath);
	size_t qs = strspn(strstr(text, "]: ") + 3, "q");
	assert_int_equal(qs, 2000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_line_format),
	    cmocka_unit_test(test_errno_kept_and_percent_m),
	    cmocka_unit_test(test_fatal_goes_through_hook_with_prefix_in_log),
	    cmocka_unit_test(test_long_text_is_cut),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
