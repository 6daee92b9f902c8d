/*
 * test_qselect - the queue selection behind postqueue -p/-j and
 * postsuper's per-message operations (util/qselect).
 *
 * Values: every option's good and bad forms and the error text. Matching:
 * addresses as mailq shows them (case, quotes, <>, the null sender),
 * domains and subdomains, the strict age and size limits, queues, AND
 * between kinds and OR within one. The ID-reuse check: while showq(3)'s
 * callback runs, qselect_same_file() accepts the file that was read, also
 * after a rename, and refuses a file put in its place under the same name
 * or a missing one.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "msg.h"
#include "qdir.h"
#include "qfile.h"
#include "qselect.h"
#include "showq.h"
#include "vbuf.h"
#include "testdir.h"

static struct testdir td;

/* opt - the getopt_long() val of a selection option */

static int
opt(const char *name)
{
	const struct option *o;

	for (o = qselect_options; o->name; o++)
		if (strcmp(o->name, name) == 0)
			return (o->val);
	fail_msg("no option %s", name);
	return (0);
}

/* sel_of - a selection of "name", "value" pairs, up to NULL */

static struct qselect *
sel_of(const char *name, ...)
{
	struct qselect *sel = qselect_create();
	struct vbuf why = VBUF_INIT;
	const char *value;
	va_list ap;

	va_start(ap, name);
	for (; name; name = va_arg(ap, const char *)) {
		value = va_arg(ap, const char *);
		if (qselect_add(sel, opt(name), value, &why) != 1)
			fail_msg("--%s %s: %s", name, value, vbuf_str(&why));
	}
	va_end(ap);
	vbuf_free(&why);
	return (sel);
}

/* bad - the value is refused with this text */

static void
bad(const char *name, const char *value, const char *want)
{
	struct qselect *sel = qselect_create();
	struct vbuf why = VBUF_INIT;

	assert_int_equal(qselect_add(sel, opt(name), value, &why), -1);
	assert_string_equal(vbuf_str(&why), want);
	assert_int_equal(qselect_any(sel), 0);
	vbuf_free(&why);
	qselect_free(sel);
}

static void
test_values(void **state)
{
	static const char *const times[] = {"", "x", "3x", "-5", "1.5h", "10ms",
	    "99999999999999999999", "9223372036854775807w", 0};
	static const char *const sizes[] = {"", "k", "1kb", "-1", "1 k",
	    "99999999999999999g", 0};
	static const char *const domains[] = {"", "@", ".", "a@b", "a b", "<a>",
	    0};
	struct qselect *sel = qselect_create();
	struct vbuf why = VBUF_INIT;
	char want[256];
	size_t i;

	assert_int_equal(qselect_any(sel), 0);
	assert_int_equal(qselect_add(sel, 'p', 0, &why), 0);
	assert_int_equal(qselect_add(sel, '?', 0, &why), 0);
	assert_int_equal(qselect_any(sel), 0);
	assert_int_equal(qselect_add(sel, opt("older-than"), "2w", &why), 1);
	assert_int_equal(qselect_any(sel), 1);
	qselect_free(sel);
	assert_null(qselect_free(0));

	for (i = 0; times[i]; i++) {
		snprintf(want, sizeof(want),
		    "invalid --newer-than value: \"%s\" (want a number with "
		    "an optional unit s, m, h, d or w)",
		    times[i]);
		bad("newer-than", times[i], want);
	}
	for (i = 0; sizes[i]; i++) {
		snprintf(want, sizeof(want),
		    "invalid --larger-than value: \"%s\" (want a number of "
		    "bytes with an optional k, m or g)",
		    sizes[i]);
		bad("larger-than", sizes[i], want);
	}
	for (i = 0; domains[i]; i++) {
		snprintf(want, sizeof(want),
		    "invalid --domain value: \"%s\" (want a domain name)",
		    domains[i]);
		bad("domain", domains[i], want);
	}
	bad("sender-domain", "a\tb",
	    "invalid --sender-domain value: \"a?b\" (want a domain name)");
	bad("queue", "defer",
	    "invalid --queue value: \"defer\" (want maildrop, incoming, "
	    "active, deferred or hold)");
	bad("queue", "Hold",
	    "invalid --queue value: \"Hold\" (want maildrop, incoming, "
	    "active, deferred or hold)");
	vbuf_free(&why);
}

/* A message as showq(3) reports it. */
static const struct showq_rcpt rcpts[] = {
    {"bob@Example.COM", "connect to x: Connection refused"},
    {"\"c d\"@sub.example.net.", 0},
};
static const struct showq_msg msg = {
    .queue = "deferred",
    .id = "3D4DDA76052",
    .path = "deferred/3/3D4DDA76052",
    .arrival = 1000,
    .size = 2048,
    .sender = "\"a b\"@Example.ORG",
    .rcpt = rcpts,
    .rcpt_count = 2,
};
static const struct showq_msg bounce = {
    .queue = "hold",
    .id = "DE272A7606D",
    .arrival = 1000,
    .size = 10,
    .sender = "MAILER-DAEMON",
    .rcpt = rcpts,
    .rcpt_count = 1,
};

#define NOW 1000 + 3600 /* msg is one hour old */
#define YES(sel) check(sel, 1, __LINE__)
#define NO(sel) check(sel, 0, __LINE__)

static void
check(struct qselect *sel, int want, int line)
{
	if (qselect_match(sel, &msg, NOW) != want)
		fail_msg("line %d: want %d", line, want);
	qselect_free(sel);
}

static void
test_addresses(void **state)
{
	struct qselect *sel;

	YES(qselect_create());
	YES(sel_of("sender", "\"a b\"@example.org", (char *)0));
	YES(sel_of("sender", "A b@EXAMPLE.org", (char *)0));
	YES(sel_of("sender", "<\"A B\"@example.org>", (char *)0));
	NO(sel_of("sender", "\"a b\\\"c\"@example.org", (char *)0));
	NO(sel_of("sender", "a@example.org", (char *)0));
	NO(sel_of("sender", "", (char *)0));
	YES(sel_of("recipient", "BOB@example.com", (char *)0));
	YES(sel_of("recipient", "c d@sub.example.net.", (char *)0));
	NO(sel_of("recipient", "bob@example", (char *)0));
	YES(sel_of("domain", "example.com", (char *)0));
	YES(sel_of("domain", "@Example.Com.", (char *)0));
	YES(sel_of("domain", "example.net", (char *)0));
	YES(sel_of("domain", "sub.example.net", (char *)0));
	YES(sel_of("domain", ".example.net", (char *)0));
	NO(sel_of("domain", "ample.net", (char *)0));
	NO(sel_of("domain", "example.org", (char *)0));
	YES(sel_of("sender-domain", "example.org", (char *)0));
	NO(sel_of("sender-domain", "example.com", (char *)0));

	/* the null sender: "", "<>" and MAILER-DAEMON alike */
	sel = sel_of("sender", "", (char *)0);
	assert_int_equal(qselect_match(sel, &bounce, NOW), 1);
	qselect_free(sel);
	sel = sel_of("sender", "<>", (char *)0);
	assert_int_equal(qselect_match(sel, &bounce, NOW), 1);
	qselect_free(sel);
	sel = sel_of("sender", "mailer-daemon", (char *)0);
	assert_int_equal(qselect_match(sel, &bounce, NOW), 1);
	qselect_free(sel);
	sel = sel_of("sender-domain", "example.org", (char *)0);
	assert_int_equal(qselect_match(sel, &bounce, NOW), 0);
	qselect_free(sel);
}

static void
test_numbers_and_rules(void **state)
{
	/* strict limits: one hour old, 2048 bytes */
	YES(sel_of("older-than", "59m", (char *)0));
	NO(sel_of("older-than", "1h", (char *)0));
	NO(sel_of("older-than", "3600", (char *)0));
	YES(sel_of("older-than", "3599s", (char *)0));
	YES(sel_of("newer-than", "3601", (char *)0));
	NO(sel_of("newer-than", "1h", (char *)0));
	NO(sel_of("older-than", "1d", (char *)0));
	NO(sel_of("older-than", "1w", (char *)0));
	YES(sel_of("larger-than", "2047", (char *)0));
	NO(sel_of("larger-than", "2k", (char *)0));
	YES(sel_of("smaller-than", "2049", (char *)0));
	NO(sel_of("smaller-than", "2K", (char *)0));
	YES(sel_of("smaller-than", "1m", (char *)0));
	YES(sel_of("smaller-than", "1G", (char *)0));
	YES(sel_of("queue", "deferred", (char *)0));
	NO(sel_of("queue", "hold", (char *)0));

	/* OR within a kind, AND between kinds */
	YES(sel_of("queue", "hold", "queue", "deferred", (char *)0));
	YES(sel_of("sender", "x@y", "sender", "a b@example.org", (char *)0));
	NO(sel_of("sender", "x@y", "sender", "z@y", (char *)0));
	YES(sel_of("older-than", "2h", "older-than", "1m", (char *)0));
	YES(sel_of("domain", "nowhere.test", "domain", "example.com",
	    (char *)0));
	YES(sel_of("sender-domain", "example.org", "recipient",
	    "bob@example.com", "domain", "example.net", "older-than", "30m",
	    "newer-than", "2h", "larger-than", "1k", "smaller-than", "3k",
	    "queue", "deferred", (char *)0));
	NO(sel_of("sender-domain", "example.org", "recipient",
	    "bob@example.com", "domain", "example.net", "older-than", "30m",
	    "newer-than", "2h", "larger-than", "1k", "smaller-than", "3k",
	    "queue", "hold", (char *)0));
	NO(sel_of("domain", "example.com", "sender", "x@y", (char *)0));
}

/*
 * The ID-reuse check, inside showq(3)'s callback.
 */
enum same_step { SAME_KEEP, SAME_REPLACE, SAME_REMOVE, SAME_MOVE };

struct same_ctx {
	enum same_step step;
	int result;
	int err;
	int called;
};

/* same_write - a small ready queue file at path */

static void
same_write(const char *path, const char *sender)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	rec_printf(fp, REC_TYPE_TIME, "%ld 0", 1000L);
	rec_puts(fp, REC_TYPE_FROM, sender);
	rec_puts(fp, REC_TYPE_RCPT, "c@d.example");
	rec_puts(fp, REC_TYPE_END, "");
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(chmod(path, 0700), 0);
}

static int
same_fn(const struct showq_msg *m, void *ctx)
{
	struct same_ctx *c = ctx;
	struct stat st;
	const char *path = "deferred/3/3D4DDA76052";

	c->called++;
	assert_string_equal(m->path, path);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(m->dev == st.st_dev && m->ino == st.st_ino);
	switch (c->step) {
	case SAME_KEEP:
		break;
	case SAME_REPLACE:
		/* another message under the same name, as a reused ID */
		same_write("deferred/3/new", "other@example.org");
		assert_int_equal(rename("deferred/3/new", path), 0);
		break;
	case SAME_REMOVE:
		assert_int_equal(unlink(path), 0);
		break;
	case SAME_MOVE:
		assert_int_equal(rename(path, "hold/3D4DDA76052"), 0);
		path = "hold/3D4DDA76052";
		break;
	}
	errno = 0;
	c->result = qselect_same_file(m, path, &st);
	c->err = errno;
	if (c->result)
		assert_true(st.st_ino == m->ino && qdir_ready(&st));
	return (0);
}

static void
same_run(enum same_step step, int want)
{
	struct same_ctx c = {step, -1, 0, 0};

	same_write("deferred/3/3D4DDA76052", "a@example.org");
	assert_int_equal(showq_read("deferred", "3D4DDA76052", same_fn, &c), 0);
	assert_int_equal(c.called, 1);
	assert_int_equal(c.result, want);
	if (!want)
		assert_int_equal(c.err, ENOENT);
	(void)unlink("deferred/3/3D4DDA76052");
	(void)unlink("hold/3D4DDA76052");
}

static void
test_same_file(void **state)
{
	testdir_config(&td, TESTDIR_CHDIR, (char *)0);
	assert_int_equal(qdir_mkdirs("deferred/3/"), 0);
	same_run(SAME_KEEP, 1);
	same_run(SAME_REPLACE, 0);
	same_run(SAME_REMOVE, 0);
	same_run(SAME_MOVE, 1);
}

static int
setup(void **state)
{
	msg_init("test_qselect", MSG_STDERR);
	return testdir_make(&td, "test_qselect",
	    "maildrop incoming active deferred hold defer");
}

static int
teardown(void **state)
{
	return testdir_remove(&td);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_values),
	    cmocka_unit_test(test_addresses),
	    cmocka_unit_test(test_numbers_and_rules),
	    cmocka_unit_test(test_same_file),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
