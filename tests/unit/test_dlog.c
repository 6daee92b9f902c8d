/*
 * test_dlog - defer/bounce logs: Postfix fixtures read and reproduced byte
 * for byte, RFC 5321 quoting, hostile file contents.
 *
 * qdir_path() is replaced by a local stub (defer/ and bounce/ hashed one
 * level deep by the first ID character, as with Postfix's defaults) so the
 * test needs no main.cf; dlog.o needs nothing else from qdir.
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
#include <unistd.h>
#include <sys/stat.h>

#include "dlog.h"
#include "mem.h"
#include "msg.h"
#include "qdir.h"
#include "vbuf.h"
#include "testdir.h"

/* Made by real Postfix (tests/fixtures/README.md); tests start at the top
 * of the source tree, then testdir_make() leaves it. */
#define FIXTURE_DIR "tests/fixtures"

const char *
qdir_path(struct vbuf *out, const char *queue, const char *id)
{
	vbuf_reset(out);
	if (strcmp(queue, "defer") == 0 || strcmp(queue, "bounce") == 0)
		vbuf_printf(out, "%s/%c/%s", queue, id[0], id);
	else
		vbuf_printf(out, "%s/%s", queue, id);
	return vbuf_str(out);
}

static struct testdir td;

static int
setup(void **state)
{
	return testdir_make(&td, "test_dlog", NULL);
}

static int
teardown(void **state)
{
	return testdir_remove(&td);
}

static void
put_file(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static const char *fixtures[] = {
    "deferlog-1.D5CA1A75992",
    "deferlog-2.C21D3A75972",
    "deferlog-3.45A9EA757A3",
    "deferlog-4.4EE5EA75951",
};

/* Copy a fixture into defer/H/ID; return its ID (static). */
static const char *
install_fixture(const char *name, char **data, size_t *len)
{
	static char id[64];
	char src[8192];
	struct vbuf path = VBUF_INIT;

	snprintf(src, sizeof(src), "%s/%s/%s", td.oldcwd, FIXTURE_DIR, name);
	*data = testdir_read(src, len);
	assert_non_null(*data);
	snprintf(id, sizeof(id), "%s", strchr(name, '.') + 1);
	qdir_path(&path, "defer", id);
	mkdir("defer", 0700);
	*strrchr(path.data, '/') = 0;
	mkdir(vbuf_str(&path), 0700);
	qdir_path(&path, "defer", id);
	put_file(vbuf_str(&path), *data, *len);
	vbuf_free(&path);
	return id;
}

/* Fixture 4 read field by field. */
static void
test_read_fixture(void **state)
{
	char *data;
	size_t len;
	const char *id = install_fixture(fixtures[3], &data, &len);
	struct dlog_reader *r = dlog_open("defer", id);
	struct dlog_entry e;
	static const struct {
		const char *rcpt;
		long offset;
	} want[] = {
	    {"alice@example.net", 248},
	    {"bob@example.net", 322},
	    {"carol@flush.example.net", 410},
	};

	assert_non_null(r);
	for (size_t i = 0; i < 3; i++) {
		char dsn[128];
		assert_int_equal(dlog_next(r, &e), 1);
		assert_string_equal(e.recipient, want[i].rcpt);
		assert_int_equal(e.offset, want[i].offset);
		snprintf(dsn, sizeof(dsn), "rfc822;%s", want[i].rcpt);
		assert_string_equal(e.dsn_orig_rcpt, dsn);
		assert_string_equal(e.original_recipient, "");
		assert_int_equal(e.notify_flags, 0);
		assert_string_equal(e.status, "4.4.1");
		assert_string_equal(e.action, "delayed");
		assert_string_equal(e.diag_type, "");
		assert_string_equal(e.mta_mname, "");
		assert_string_equal(e.reason,
		    "connect to 127.0.0.1[127.0.0.1]:39999: Connection "
		    "refused");
	}
	assert_int_equal(dlog_next(r, &e), 0);
	assert_int_equal(dlog_next(r, &e), 0);
	assert_null(dlog_close(r));
	mem_free(data);
}

/*
 * dlog_bufopen(): the first bytes come from memory, the rest from the
 * descriptor's position (more = 1), or nothing more (more = 0, a short
 * read); the descriptor stays open.
 */
static void
test_bufopen(void **state)
{
	char *data;
	size_t len;
	const char *id = install_fixture(fixtures[3], &data, &len);
	struct vbuf path = VBUF_INIT;
	struct dlog_reader *r;
	struct dlog_entry e;
	char head[100];
	int fd;
	int n;

	qdir_path(&path, "defer", id);
	fd = open(path.data, O_RDONLY);
	assert_true(fd >= 0);
	assert_true(len > sizeof(head));
	assert_int_equal(read(fd, head, sizeof(head)), (ssize_t)sizeof(head));
	r = dlog_bufopen(NULL, fd, "defer", path.data, head, sizeof(head), 1);
	for (n = 0; dlog_next(r, &e) > 0; n++)
		assert_string_equal(e.status, "4.4.1");
	assert_int_equal(n, 3);

	/* the same bytes as a complete snapshot: only what they hold */
	r = dlog_bufopen(r, -1, "defer", path.data, data, len, 0);
	for (n = 0; dlog_next(r, &e) > 0; n++)
		/* void */;
	assert_int_equal(n, 3);
	r = dlog_bufopen(r, fd, "defer", path.data, head, sizeof(head), 0);
	assert_int_equal(dlog_next(r, &e), 0);
	assert_null(dlog_close(r));
	assert_true(fcntl(fd, F_GETFD) >= 0); /* still open */
	assert_int_equal(close(fd), 0);
	vbuf_free(&path);
	mem_free(data);
}

/* Every fixture: read all entries, append them to a fresh log: same bytes. */
static void
test_reproduce_fixtures(void **state)
{
	for (size_t f = 0; f < sizeof(fixtures) / sizeof(fixtures[0]); f++) {
		char *data, *copy;
		size_t len, clen;
		const char *id = install_fixture(fixtures[f], &data, &len);
		struct dlog_reader *r = dlog_open("defer", id);
		struct dlog_entry e;
		char newid[80];
		struct vbuf path = VBUF_INIT;
		int n = 0;

		assert_non_null(r);
		snprintf(newid, sizeof(newid), "%sX", id);
		while (dlog_next(r, &e) == 1) {
			assert_int_equal(dlog_append("defer", newid, &e), 0);
			n++;
		}
		assert_true(n >= 1);
		dlog_close(r);
		copy = testdir_read(qdir_path(&path, "defer", newid), &clen);
		assert_non_null(copy);
		if (clen != len || memcmp(copy, data, len) != 0)
			fail_msg("%s: rewritten log differs:\n%s", fixtures[f],
			    copy);
		assert_int_equal(dlog_remove("defer", newid), 0);
		assert_int_equal(dlog_remove("defer", newid), 0);
		mem_free(copy);
		mem_free(data);
		vbuf_free(&path);
	}
}

/* A full entry with every optional field, exact layout. */
static void
test_write_all_fields(void **state)
{
	struct dlog_entry e = {
	    .recipient = "john doe@example.com",
	    .original_recipient = "John.Doe@Example.COM",
	    .offset = 645,
	    .dsn_orig_rcpt = "rfc822;john.doe@example.com",
	    .notify_flags = 12,
	    .status = "4.3.0",
	    .action = "delayed",
	    .diag_type = "smtp",
	    .diag_text = "451 4.3.0 Try again later",
	    .mta_type = "dns",
	    .mta_mname = "mx.example.com",
	    .reason =
		"host mx.example.com[192.0.2.1] said: 451 4.3.0 Try again "
		"later (in reply to RCPT TO command)",
	};
	struct vbuf path = VBUF_INIT;
	char *got;
	size_t len;
	struct stat st;
	const char *want =
	    "\n"
	    "<\"john doe\"@example.com>: host mx.example.com[192.0.2.1] said: "
	    "451 4.3.0 Try again later (in reply to RCPT TO command)\n"
	    "recipient=\"john doe\"@example.com\n"
	    "original_recipient=John.Doe@Example.COM\n"
	    "offset=645\n"
	    "dsn_orig_rcpt=rfc822;john.doe@example.com\n"
	    "notify_flags=12\n"
	    "status=4.3.0\n"
	    "action=delayed\n"
	    "diag_type=smtp\n"
	    "diag_text=451 4.3.0 Try again later\n"
	    "mta_type=dns\n"
	    "mta_mname=mx.example.com\n"
	    "reason=host mx.example.com[192.0.2.1] said: 451 4.3.0 Try again "
	    "later (in reply to RCPT TO command)\n"
	    "\n";

	/* Hash directory bounce/A does not exist yet: it is created. */
	assert_int_equal(dlog_append("bounce", "ABCDEF123", &e), 0);
	got = testdir_read(qdir_path(&path, "bounce", "ABCDEF123"), &len);
	assert_non_null(got);
	assert_string_equal(got, want);
	assert_int_equal(stat(vbuf_str(&path), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	mem_free(got);

	/* original_recipient equal but for case: left out; pairs need both. */
	e.recipient = "a@b";
	e.original_recipient = "A@B";
	e.offset = 0;
	e.dsn_orig_rcpt = NULL;
	e.notify_flags = 0;
	e.diag_text = "";
	e.mta_type = NULL;
	e.reason = "r";
	e.action = "failed";
	e.status = "5.1.1";
	assert_int_equal(dlog_append("bounce", "ABCDEF123", &e), 0);
	got = testdir_read(vbuf_str(&path), &len);
	assert_string_equal(got + strlen(want),
	    "\n<a@b>: "
	    "r\nrecipient=a@b\nstatus=5.1.1\naction=failed\nreason=r\n\n");
	mem_free(got);

	/* Read both back. */
	struct dlog_reader *r = dlog_open("bounce", "ABCDEF123");
	struct dlog_entry g;
	assert_non_null(r);
	assert_int_equal(dlog_next(r, &g), 1);
	assert_string_equal(g.recipient, "\"john doe\"@example.com");
	assert_string_equal(g.original_recipient, "John.Doe@Example.COM");
	assert_int_equal(g.notify_flags, 12);
	assert_string_equal(g.diag_text, "451 4.3.0 Try again later");
	assert_string_equal(g.mta_mname, "mx.example.com");
	assert_int_equal(dlog_next(r, &g), 1);
	assert_string_equal(g.recipient, "a@b");
	assert_string_equal(g.status, "5.1.1");
	assert_int_equal(dlog_next(r, &g), 0);
	dlog_close(r);
	assert_int_equal(dlog_remove("bounce", "ABCDEF123"), 0);
	errno = 0;
	assert_null(dlog_open("bounce", "ABCDEF123"));
	assert_int_equal(errno, ENOENT);
	vbuf_free(&path);
}

/* Empty recipient and a reason carrying CR/LF (no forged lines). */
static void
test_write_hostile(void **state)
{
	struct dlog_entry e = {
	    .recipient = "",
	    .status = "4.0.0",
	    .action = "delayed",
	    .reason = "bad\r\nrecipient=evil@x\n\nstatus=2.0.0",
	};
	struct vbuf path = VBUF_INIT;
	size_t len;
	char *got;
	struct dlog_reader *r;
	struct dlog_entry g;

	assert_int_equal(dlog_append("defer", "QQ1", &e), 0);
	got = testdir_read(qdir_path(&path, "defer", "QQ1"), &len);
	assert_string_equal(got,
	    "\n<>: bad??recipient=evil@x??status=2.0.0\n"
	    "recipient=<>\nstatus=4.0.0\naction=delayed\n"
	    "reason=bad??recipient=evil@x??status=2.0.0\n\n");
	r = dlog_open("defer", "QQ1");
	assert_int_equal(dlog_next(r, &g), 1);
	assert_string_equal(g.recipient, "<>");
	assert_string_equal(g.status, "4.0.0");
	assert_int_equal(dlog_next(r, &g), 0);
	dlog_close(r);
	mem_free(got);
	vbuf_free(&path);
}

struct quote_case {
	const char *in;
	const char *want;
};

static const struct quote_case quote_cases[] = {
    {"a@x", "a@x"},
    {"a.b.c@x", "a.b.c@x"},
    {"a b@x", "\"a b\"@x"},
    {"a..b@x", "\"a..b\"@x"},
    {".a@x", "\".a\"@x"},
    {"a.@x", "\"a.\"@x"},
    {"a\"b@x", "\"a\\\"b\"@x"},
    {"a\\b@x", "\"a\\\\b\"@x"},
    {"a@b@x", "\"a@b\"@x"},
    {"@x", "\"\"@x"},
    {"postmaster", "postmaster"},
    {"a:b@x", "\"a:b\"@x"},
    {"a(b)@x", "\"a(b)\"@x"},
    {"a[b]@x", "\"a[b]\"@x"},
    {"a,b;c<d>@x", "\"a,b;c<d>\"@x"},
    {"@r1,@r2:a b@x", "@r1,@r2:\"a b\"@x"},
    {"j\xc3\xb6rg@x", "j\xc3\xb6rg@x"},
    {"tab\there@x", "\"tab\there\"@x"},
    {"a+b=c!d#e$f%g&h'i*j/k?l^m_n`o{p|q}r~s@x",
	"a+b=c!d#e$f%g&h'i*j/k?l^m_n`o{p|q}r~s@x"},
};

static void
test_quote_table(void **state)
{
	struct vbuf b = VBUF_INIT;

	for (size_t i = 0; i < sizeof(quote_cases) / sizeof(quote_cases[0]);
	     i++) {
		vbuf_reset(&b);
		dlog_quote_rcpt(&b, quote_cases[i].in);
		if (strcmp(vbuf_str(&b), quote_cases[i].want) != 0)
			fail_msg("quote \"%s\": got [%s] want [%s]",
			    quote_cases[i].in, vbuf_str(&b),
			    quote_cases[i].want);
	}
	vbuf_free(&b);
}

struct read_case {
	const char *name;
	const char *queue;
	const char *data;
	size_t len; /* 0: strlen */
	int entries;
	const char *rcpt; /* of the first entry */
	const char *status;
	const char *action;
	const char *reason;
	long offset;
	int notify;
};

static const struct read_case read_cases[] = {
    {"empty file", "defer", "", 0, 0, NULL, NULL, NULL, NULL, 0, 0},
    {"only blank lines", "defer", "\n\n\n", 0, 0, NULL, NULL, NULL, NULL, 0, 0},
    {"old style only, defer defaults", "defer", "\n<a@b>: gone away\n\n", 0, 1,
	"a@b", "4.0.0", "delayed", "gone away", 0, 0},
    {"old style only, bounce defaults", "bounce", "<a@b>: nope\n\n", 0, 1,
	"a@b", "5.0.0", "failed", "nope", 0, 0},
    {"reason= overrides old style", "defer",
	"<a@b>: old\nrecipient=a@b\nreason=new\n\n", 0, 1, "a@b", "4.0.0",
	"delayed", "new", 0, 0},
    {"nothing but junk", "defer", "!!!\n\n", 0, 1,
	"(recipient address unavailable)", "4.0.0", "delayed",
	"(description unavailable)", 0, 0},
    {"missing '='", "defer", "recipient a@b\nstatus=4.1.1\n\n", 0, 1,
	"(recipient address unavailable)", "4.1.1", "delayed",
	"(description unavailable)", 0, 0},
    {"spaces around '='", "defer", "recipient = a@b \noffset= 12\n\n", 0, 1,
	"a@b", "4.0.0", "delayed", "(description unavailable)", 12, 0},
    {"unknown attribute ignored", "defer", "recipient=a@b\nfoo=bar\n\n", 0, 1,
	"a@b", "4.0.0", "delayed", "(description unavailable)", 0, 0},
    {"bad numbers", "defer", "recipient=a@b\noffset=-5\nnotify_flags=3\n\n", 0,
	1, "a@b", "4.0.0", "delayed", "(description unavailable)", 0, 0},
    {"garbage number", "defer",
	"recipient=a@b\noffset=12x\nnotify_flags=99999999999999999999\n\n", 0,
	1, "a@b", "4.0.0", "delayed", "(description unavailable)", 0, 0},
    {"good notify", "defer", "recipient=a@b\nnotify_flags=6\n\n", 0, 1, "a@b",
	"4.0.0", "delayed", "(description unavailable)", 0, 6},
    {"entry without its blank line", "defer",
	"\nrecipient=a@b\nstatus=4.4.1\n\nrecipient=c@d\n", 0, 1, "a@b",
	"4.4.1", "delayed", "(description unavailable)", 0, 0},
    {"NUL and CR in values", "defer", "recipient=a\0b@c\nreason=x\ry\n\n", 28,
	1, "a?b@c", "4.0.0", "delayed", "x?y", 0, 0},
    {"old style without '>: '", "defer", "<a@b> no colon\n\n", 0, 1,
	"(recipient address unavailable)", "4.0.0", "delayed",
	"(description unavailable)", 0, 0},
    {"several entries", "defer",
	"\nrecipient=a@b\n\n\nrecipient=c@d\n\n\nrecipient=e@f\n\n", 0, 3,
	"a@b", "4.0.0", "delayed", "(description unavailable)", 0, 0},
};

static void
test_read_table(void **state)
{
	mkdir("defer", 0700);
	mkdir("defer/R", 0700);
	mkdir("bounce", 0700);
	mkdir("bounce/R", 0700);
	for (size_t i = 0; i < sizeof(read_cases) / sizeof(read_cases[0]);
	     i++) {
		const struct read_case *c = &read_cases[i];
		struct vbuf path = VBUF_INIT;
		struct dlog_reader *r;
		struct dlog_entry e;
		int n = 0;

		qdir_path(&path, c->queue, "RCASE");
		put_file(vbuf_str(&path), c->data,
		    c->len ? c->len : strlen(c->data));
		r = dlog_open(c->queue, "RCASE");
		assert_non_null(r);
		while (dlog_next(r, &e) == 1) {
			if (n++ == 0) {
				if (strcmp(e.recipient, c->rcpt) ||
				    strcmp(e.status, c->status) ||
				    strcmp(e.action, c->action) ||
				    strcmp(e.reason, c->reason) ||
				    e.offset != c->offset ||
				    e.notify_flags != c->notify)
					fail_msg("case \"%s\": got rcpt=[%s] "
						 "status=[%s] "
						 "action=[%s] reason=[%s] "
						 "offset=%ld notify=%d",
					    c->name, e.recipient, e.status,
					    e.action, e.reason, e.offset,
					    e.notify_flags);
			}
		}
		if (n != c->entries)
			fail_msg("case \"%s\": %d entries, want %d", c->name, n,
			    c->entries);
		dlog_close(r);
		vbuf_free(&path);
	}
}

/* An overlong line is cut at DLOG_LINE_MAX; following entries still read. */
static void
test_read_overlong(void **state)
{
	struct vbuf data = VBUF_INIT;
	struct vbuf path = VBUF_INIT;
	struct dlog_reader *r;
	struct dlog_entry e;

	vbuf_puts(&data, "recipient=a@b\nreason=");
	for (int i = 0; i < 5 * DLOG_LINE_MAX; i++)
		vbuf_putc(&data, 'x');
	vbuf_puts(&data, "\n\nrecipient=c@d\n\n");
	mkdir("defer", 0700);
	mkdir("defer/L", 0700);
	put_file(qdir_path(&path, "defer", "LONG"), data.data, data.len);
	r = dlog_open("defer", "LONG");
	assert_int_equal(dlog_next(r, &e), 1);
	assert_string_equal(e.recipient, "a@b");
	assert_int_equal(strlen(e.reason), DLOG_LINE_MAX - strlen("reason="));
	assert_int_equal(dlog_next(r, &e), 1);
	assert_string_equal(e.recipient, "c@d");
	assert_int_equal(dlog_next(r, &e), 0);
	dlog_close(r);
	vbuf_free(&data);
	vbuf_free(&path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_read_fixture),
	    cmocka_unit_test(test_bufopen),
	    cmocka_unit_test(test_reproduce_fixtures),
	    cmocka_unit_test(test_write_all_fields),
	    cmocka_unit_test(test_write_hostile),
	    cmocka_unit_test(test_quote_table),
	    cmocka_unit_test(test_read_table),
	    cmocka_unit_test(test_read_overlong),
	};

	msg_init("test_dlog", MSG_NOLOG);
	return cmocka_run_group_tests(tests, setup, teardown);
}
