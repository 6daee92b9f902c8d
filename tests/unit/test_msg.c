/* Unit tests for util/msg: log line format in maillog_file, severities,
 * the fatal hook, errno preservation, printable text, and the reopening
 * after a rotation by rename. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "msg.h"
#include "printable.h"

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

/* empty_log - start the log afresh (same file: its name is looked at
 * again only once a second) */
static void
empty_log(void)
{
	assert_int_equal(truncate(logpath, 0), 0);
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
	empty_log();
	msg_info("%s", big);
	char *text = slurp(logpath);
	size_t qs = strspn(strstr(text, "]: ") + 3, "q");
	assert_int_equal(qs, 2000);
}

/* printable() on a copy of in must give want. */
static void
check_printable(const char *in, const char *want)
{
	char buf[256];

	snprintf(buf, sizeof(buf), "%s", in);
	assert_ptr_equal(printable(buf, '?'), buf);
	assert_string_equal(buf, want);
}

static void
test_printable_control_bytes(void **state)
{
	check_printable("plain text ~!", "plain text ~!");
	check_printable("a\x1b[31mb", "a?[31mb");
	check_printable("cr\rlf\ntab\tdel\x7f.", "cr?lf?tab?del?.");
	check_printable("\x01\x1f", "??");
	check_printable("", "");
}

static void
test_printable_utf8(void **state)
{
	/* "é" (2 bytes) and "€" (3 bytes) and U+1F600 (4 bytes) are kept. */
	check_printable("caf\xc3\xa9 5\xe2\x82\xac",
	    "caf\xc3\xa9 5\xe2\x82\xac");
	check_printable("\xf0\x9f\x98\x80!", "\xf0\x9f\x98\x80!");
	/* High bytes that are not UTF-8, each one a '?'. */
	check_printable("\xff\xfe\x80x", "???x");
	check_printable("\xc0\xaf", "??");	     /* overlong '/' */
	check_printable("\xed\xa0\x80", "???");	     /* surrogate */
	check_printable("\xf4\x90\x80\x80", "????"); /* above U+10FFFF */
	/* A truncated sequence: the lead bytes go, what follows stays. */
	check_printable("\xe2\x82", "??");
	check_printable("\xe2\x82z", "??z");
	check_printable("\xc3 ok", "? ok");
	check_printable("\xf0\x9f\x98", "???");
}

static void
test_log_line_is_printable(void **state)
{
	empty_log();
	msg_warn("invalid size record: %s",
	    "3312 \x1b\r\x7f\xff\xfe caf\xc3\xa9 \xe2\x82");
	assert_non_null(strstr(slurp(logpath),
	    "]: warning: invalid size record: 3312 ????? caf\xc3\xa9 ??\n"));
	/* The fatal hook gets the same printable text. */
	msg_fatal_hook(hook);
	if (setjmp(fatal_jmp) == 0)
		msg_fatal("bad\tline\n%s", "\x1b");
	assert_string_equal(fatal_text, "bad?line??");
	msg_fatal_hook(NULL);
}

/* wait_next_second - return in the second after the one it was called in */
static void
wait_next_second(void)
{
	time_t start = time(NULL);
	int i;

	for (i = 0; i < 300 && time(NULL) == start; i++)
		usleep(10 * 1000);
	assert_true(time(NULL) != start);
}

/*
 * After a rotation by rename, lines go to the renamed file at most until
 * the second changes, then to a new file under the name; nothing is lost.
 */
static void
test_rotation_by_rename(void **state)
{
	char old[300];

	(void)state;
	snprintf(old, sizeof(old), "%s.old", logpath);
	msg_info("before rotation");
	wait_next_second();
	msg_info("first of its second");
	assert_int_equal(rename(logpath, old), 0);
	msg_info("same second");
	wait_next_second();
	msg_info("next second");
	char *text = slurp(old);
	assert_non_null(strstr(text, "]: before rotation\n"));
	assert_non_null(strstr(text, "]: first of its second\n"));
	assert_non_null(strstr(text, "]: same second\n"));
	assert_null(strstr(text, "next second"));
	text = slurp(logpath);
	assert_non_null(strstr(text, "]: next second\n"));
	assert_null(strstr(text, "same second"));
	unlink(old);
}

static void
test_syslog_facility(void **state)
{
	(void)state;
	assert_int_equal(msg_syslog_facility("mail"), 0);
	assert_int_equal(msg_syslog_facility("LOCAL3"), 0);
	assert_int_equal(msg_syslog_facility("authpriv"), 0);
	assert_int_equal(msg_syslog_facility("bogus"), -1);
	assert_int_equal(msg_syslog_facility(""), -1);
	assert_int_equal(msg_syslog_facility("mail"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_syslog_facility),
	    cmocka_unit_test(test_line_format),
	    cmocka_unit_test(test_errno_kept_and_percent_m),
	    cmocka_unit_test(test_fatal_goes_through_hook_with_prefix_in_log),
	    cmocka_unit_test(test_long_text_is_cut),
	    cmocka_unit_test(test_printable_control_bytes),
	    cmocka_unit_test(test_printable_utf8),
	    cmocka_unit_test(test_log_line_is_printable),
	    cmocka_unit_test(test_rotation_by_rename),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
