/*
 * test_flush_log - the flush daemon's per-site logs and queue work in a
 * throwaway queue_directory: site names and paths (flat and hashed),
 * add, send_site (distinct IDs, bad and overlong lines, messages already
 * gone or in incoming, the log emptied), send_file (g+r bit), refresh and
 * purge ages, and the request dispatch (BAD, DENY, UNKNOWN, OK).
 *
 * Each test writes main.cf and loads it with param_load() (binding flush's
 * parameters as server_main() does); qmgr is not
 * running, so the triggers fail with a warning, as they may in real life.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "attr.h"
#include "deliv.h"
#include "param.h"
#include "qdir.h"
#include "vbuf.h"
#include "../../flush/flush.h"
#include "testdir.h"

static struct testdir td;

static void
configure(const char *extra)
{
	testdir_config(&td, TESTDIR_CHDIR, "compatibility_level = 3.6\n", extra,
	    (char *)0);
	param_bind(flush_params);
}

static int
setup(void **state)
{
	return testdir_make(&td, "test_flush_log", "incoming deferred flush");
}

static int
teardown(void **state)
{
	return testdir_remove(&td);
}

/* put - a ready queue file in queue with mtime when */

static void
put(const char *queue, const char *id, time_t when)
{
	struct vbuf path = VBUF_INIT;
	struct timespec ts[2];
	int fd;

	qdir_path(&path, queue, id);
	assert_int_equal(qdir_mkdirs(path.data), 0);
	fd = open(path.data, O_WRONLY | O_CREAT | O_EXCL, 0700);
	assert_true(fd >= 0);
	assert_int_equal(fchmod(fd, 0700), 0);
	ts[0].tv_sec = ts[1].tv_sec = when;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	assert_int_equal(futimens(fd, ts), 0);
	close(fd);
	vbuf_free(&path);
}

/* in - 1 if queue holds id; *mtime and *mode set */

static int
in(const char *queue, const char *id, time_t *mtime, mode_t *mode)
{
	struct vbuf path = VBUF_INIT;
	struct stat st;
	int found;

	qdir_path(&path, queue, id);
	found = stat(path.data, &st) == 0;
	if (found && mtime)
		*mtime = st.st_mtime;
	if (found && mode)
		*mode = st.st_mode & 07777;
	vbuf_free(&path);
	return found;
}

static long
file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

static const struct name_case {
	const char *label;
	const char *site;
	const char *name;
} name_cases[] = {
    {"domain", "example.com", "example_com"},
    {"upper case", "EXAMPLE.Com", "example_com"},
    {"ipv4 literal", "[192.0.2.1]", "_192_0_2_1_"},
    {"ipv6 literal", "[IPv6:2001:db8::1]", "_ipv6_2001_db8__1_"},
    {"path tricks", "../../etc/passwd", "______etc_passwd"},
    {"8-bit", "\xc3\xa9t\xc3\xa9.fr", "__t___fr"},
    {"hyphen", "a-b.example", "a_b_example"},
};

static void
test_site_name(void **state)
{
	struct vbuf out = VBUF_INIT;
	size_t i;

	for (i = 0; i < sizeof(name_cases) / sizeof(name_cases[0]); i++) {
		flush_site_name(&out, name_cases[i].site);
		if (strcmp(vbuf_str(&out), name_cases[i].name) != 0)
			fail_msg("%s: got \"%s\"", name_cases[i].label,
			    vbuf_str(&out));
	}
	vbuf_free(&out);
}

static void
test_site_path(void **state)
{
	struct vbuf out = VBUF_INIT;

	configure("");
	flush_site_path(&out, "Example.COM");
	assert_string_equal(vbuf_str(&out), "flush/example_com");
	configure("hash_queue_names = deferred, flush\nhash_queue_depth = 2\n");
	flush_site_path(&out, "example.com");
	assert_string_equal(vbuf_str(&out), "flush/e/x/example_com");
	flush_site_path(&out, "a");
	assert_string_equal(vbuf_str(&out), "flush/a/_/a");
	vbuf_free(&out);
}

static void
test_add_and_send_site(void **state)
{
	time_t later = time(NULL) + 86400;
	time_t now;
	time_t mtime;
	char buf[256];
	FILE *fp;
	int fd;

	configure("fast_flush_domains = example.com\n");
	put("deferred", "AAAA1111111", later);
	put("deferred", "BBBB2222222", later);
	put("deferred", "CCCC3333333", later); /* never logged */
	put("incoming", "DDDD4444444", later); /* already in incoming */
	assert_int_equal(flush_add("example.com", "AAAA1111111"),
	    DELIV_FLUSH_OK);
	assert_int_equal(flush_add("example.com", "BBBB2222222"),
	    DELIV_FLUSH_OK);
	assert_int_equal(flush_add("example.com", "AAAA1111111"),
	    DELIV_FLUSH_OK);
	assert_int_equal(flush_add("example.com", "EEEE5555555"),
	    DELIV_FLUSH_OK);
	assert_int_equal(flush_add("example.com", "DDDD4444444"),
	    DELIV_FLUSH_OK);
	/* Hostile lines a reader must survive. */
	fp = fopen("flush/example_com", "a");
	assert_non_null(fp);
	fputs("../../etc/passwd\n\n", fp);
	for (int i = 0; i < 1000; i++)
		fputs("FFFF6666666", fp);
	fputs("\n", fp);
	fclose(fp);
	put("deferred", "FFFF6666666", later);
	fp = fopen("flush/example_com", "r");
	assert_non_null(fp);
	assert_non_null(fgets(buf, sizeof(buf), fp));
	assert_string_equal(buf, "AAAA1111111\n");
	fclose(fp);
	assert_int_equal(file_size("flush/example_com") > 0, 1);

	now = time(NULL);
	assert_int_equal(flush_send_site("example.com"), DELIV_FLUSH_OK);
	assert_true(in("incoming", "AAAA1111111", &mtime, NULL));
	assert_true(mtime >= now && mtime < later);
	assert_false(in("deferred", "AAAA1111111", NULL, NULL));
	assert_true(in("incoming", "BBBB2222222", NULL, NULL));
	assert_true(in("deferred", "CCCC3333333", &mtime, NULL));
	assert_true(mtime == later); /* untouched */
	assert_true(in("incoming", "DDDD4444444", &mtime, NULL));
	assert_true(mtime < later); /* touched in place */
	assert_true(
	    in("deferred", "FFFF6666666", NULL, NULL)); /* overlong line */
	assert_int_equal(file_size("flush/example_com"), 0);

	/* A log without a trailing newline (interrupted append). */
	fd = open("flush/example_com", O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "CCCC3333333", 11), 11);
	close(fd);
	assert_int_equal(flush_send_site("example.com"), DELIV_FLUSH_OK);
	assert_true(in("incoming", "CCCC3333333", NULL, NULL));

	/* Nothing logged for this site. */
	assert_int_equal(flush_send_site("other.example.com"), DELIV_FLUSH_OK);
}

static void
test_send_file(void **state)
{
	time_t later = time(NULL) + 86400;
	time_t mtime;
	mode_t mode;

	configure("");
	put("deferred", "AAAA1111111", later);
	assert_int_equal(flush_send_file("AAAA1111111"), DELIV_FLUSH_OK);
	assert_true(in("incoming", "AAAA1111111", &mtime, &mode));
	assert_true(mtime < later);
	assert_int_equal(mode, 0740);
	assert_int_equal(flush_send_file("NOSUCH11111"), DELIV_FLUSH_OK);
}

static void
test_refresh(void **state)
{
	time_t old = time(NULL) - 3 * 86400;
	time_t later = time(NULL) + 86400;
	struct timespec ts[2];

	configure(
	    "fast_flush_domains = a.example b.example c.example d.example\n");
	put("deferred", "AAAA1111111", later);
	put("deferred", "BBBB2222222", later);
	testdir_write("flush/a_example", "");		   /* empty, old */
	testdir_write("flush/b_example", "");		   /* empty, new */
	testdir_write("flush/c_example", "AAAA1111111\n"); /* unread for long */
	testdir_write("flush/d_example", "BBBB2222222\n"); /* read recently */
	ts[0].tv_sec = ts[1].tv_sec = old;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	assert_int_equal(utimensat(AT_FDCWD, "flush/a_example", ts, 0), 0);
	assert_int_equal(utimensat(AT_FDCWD, "flush/c_example", ts, 0), 0);
	assert_int_equal(flush_refresh(86400, 2 * 86400), DELIV_FLUSH_OK);
	assert_int_equal(file_size("flush/a_example"), -1);
	assert_int_equal(file_size("flush/b_example"), 0);
	assert_int_equal(file_size("flush/c_example"), 0);
	assert_true(in("incoming", "AAAA1111111", NULL, NULL));
	assert_true(in("deferred", "BBBB2222222", NULL, NULL));
	assert_int_equal(file_size("flush/d_example"), 12);
	/* purge: ages 0 */
	assert_int_equal(flush_refresh(0, 0), DELIV_FLUSH_OK);
	assert_int_equal(file_size("flush/b_example"), -1);
	assert_int_equal(file_size("flush/d_example"), 0);
	assert_true(in("incoming", "BBBB2222222", NULL, NULL));
}

/* request - build and dispatch one request; NULL values are left out */

static int
request(const char *req, const char *site, const char *queue_id)
{
	struct vbuf buf = VBUF_INIT;
	struct attr_list list = {0};
	int status;

	if (req)
		attr_put(&buf, "request", req);
	if (site)
		attr_put(&buf, "site", site);
	if (queue_id)
		attr_put(&buf, "queue_id", queue_id);
	attr_end(&buf);
	assert_true(attr_parse(buf.data, buf.len, &list) > 0);
	status = flush_request(&list);
	attr_list_free(&list);
	vbuf_free(&buf);
	return status;
}

static const struct request_case {
	const char *label;
	const char *req;
	const char *site;
	const char *queue_id;
	int status;
} request_cases[] = {
    {"no request", NULL, "example.com", "AAAA1111111", DELIV_FLUSH_BAD},
    {"unknown", "flush_all", NULL, NULL, DELIV_FLUSH_UNKNOWN},
    {"add ok", "add", "example.com", "AAAA1111111", DELIV_FLUSH_OK},
    {"add case", "add", "EXAMPLE.com", "BBBB2222222", DELIV_FLUSH_OK},
    {"add subdomain", "add", "mx.example.com", "CCCC3333333", DELIV_FLUSH_OK},
    {"add unlisted", "add", "example.net", "AAAA1111111", DELIV_FLUSH_DENY},
    {"add bad id", "add", "example.com", "../x", DELIV_FLUSH_BAD},
    {"add no id", "add", "example.com", NULL, DELIV_FLUSH_BAD},
    {"add empty site", "add", "", "AAAA1111111", DELIV_FLUSH_BAD},
    {"send_site bad", "send_site", "bad..site", NULL, DELIV_FLUSH_BAD},
    {"send_site none", "send_site", NULL, NULL, DELIV_FLUSH_BAD},
    {"send_site unlisted", "send_site", "example.net", NULL, DELIV_FLUSH_DENY},
    {"send_site literal unlisted", "send_site", "[192.0.2.1]", NULL,
	DELIV_FLUSH_DENY},
    {"send_site ok", "send_site", "Example.Com", NULL, DELIV_FLUSH_OK},
    {"send_file bad", "send_file", NULL, "a/b", DELIV_FLUSH_BAD},
    {"send_file ok", "send_file", NULL, "NOSUCH11111", DELIV_FLUSH_OK},
    {"refresh", "refresh", NULL, NULL, DELIV_FLUSH_OK},
    {"purge", "purge", NULL, NULL, DELIV_FLUSH_OK},
};

static void
test_request(void **state)
{
	size_t i;
	int got;

	configure("fast_flush_domains = example.com\n");
	for (i = 0; i < sizeof(request_cases) / sizeof(request_cases[0]); i++) {
		const struct request_case *rc = request_cases + i;

		got = request(rc->req, rc->site, rc->queue_id);
		if (got != rc->status)
			fail_msg("%s: status %d, want %d", rc->label, got,
			    rc->status);
		if (strcmp(rc->label, "add subdomain") == 0) {
			assert_int_equal(file_size("flush/example_com"), 24);
			assert_int_equal(file_size("flush/mx_example_com"), 12);
		}
	}
	assert_int_equal(file_size("flush/example_net"), -1);
	/* purge removed the emptied logs */
	assert_int_equal(file_size("flush/example_com"), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_site_name),
	    cmocka_unit_test_setup_teardown(test_site_path, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_add_and_send_site, setup,
		teardown),
	    cmocka_unit_test_setup_teardown(test_send_file, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_refresh, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_request, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
