/* test_attr - attribute block codec: encoding, strict parsing, blocking I/O. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "attr.h"
#include "mem.h"
#include "msg.h"
#include "vbuf.h"

/* Encoding: every special byte escaped, the rest verbatim. */
static void
test_put_escapes(void **state)
{
	struct vbuf b = VBUF_INIT;

	attr_put(&b, "status", "0");
	attr_put(&b, "reason", "50% off\r\nnext line");
	attr_putf(&b, "queue_id", "%s%d", "ABC", 12);
	attr_put(&b, "empty", "");
	attr_end(&b);
	assert_string_equal(vbuf_str(&b),
	    "status=0\n"
	    "reason=50%25 off%0D%0Anext line\n"
	    "queue_id=ABC12\n"
	    "empty=\n"
	    "\n");
	vbuf_free(&b);
}

/* Round trip through attr_parse, order and repeats kept. */
static void
test_round_trip(void **state)
{
	struct vbuf b = VBUF_INIT;
	struct attr_list l = {0};
	const char *tricky = "a%b\nc\rd=e %00 \t\x7f\xc3\xa9";

	attr_put(&b, "rcpt", "1\tx\ty\ta@b");
	attr_put(&b, "rcpt", "2\t\t\tc@d");
	attr_put(&b, "text", tricky);
	attr_end(&b);
	assert_int_equal(attr_parse(b.data, b.len, &l), (long)b.len);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.a[0].name, "rcpt");
	assert_string_equal(l.a[0].value, "1\tx\ty\ta@b");
	assert_string_equal(l.a[1].value, "2\t\t\tc@d");
	assert_string_equal(attr_get(&l, "rcpt"), "1\tx\ty\ta@b");
	assert_string_equal(attr_get(&l, "text"), tricky);
	assert_null(attr_get(&l, "nope"));
	attr_list_free(&l);
	assert_int_equal(l.n, 0);
	attr_list_free(&l); /* twice is fine */
	vbuf_free(&b);
}

/* A second block after the first is not consumed. */
static void
test_two_blocks(void **state)
{
	const char in[] = "a=1\n\nb=2\n\n";
	struct attr_list l = {0};
	long n = attr_parse(in, sizeof(in) - 1, &l);

	assert_int_equal(n, 5);
	assert_int_equal(l.n, 1);
	assert_string_equal(attr_get(&l, "a"), "1");
	n = attr_parse(in + 5, sizeof(in) - 1 - 5, &l);
	assert_int_equal(n, 5);
	assert_int_equal(l.n, 1); /* replaced, not appended */
	assert_string_equal(attr_get(&l, "b"), "2");
	assert_null(attr_get(&l, "a"));
	attr_list_free(&l);
}

struct parse_case {
	const char *name;
	const char *in;
	size_t len;   /* 0: strlen(in) */
	long want;    /* -1 malformed, 0 incomplete, else consumed */
	size_t count; /* attributes when want > 0 */
};

static const struct parse_case parse_cases[] = {
    {"empty block", "\n", 0, 1, 0},
    {"empty input", "", 0, 0, 0},
    {"one attribute", "a=b\n\n", 0, 5, 1},
    {"value with = sign", "a=b=c\n\n", 0, 7, 1},
    {"lowercase hex escape", "a=%0a\n\n", 0, 7, 1},
    {"partial: no terminator", "a=b\n", 0, 0, 0},
    {"partial: mid line", "a=b", 0, 0, 0},
    {"partial: mid escape", "a=%2", 0, 0, 0},
    {"missing '='", "ab\n\n", 0, -1, 0},
    {"empty name", "=x\n\n", 0, -1, 0},
    {"uppercase name", "Status=0\n\n", 0, -1, 0},
    {"space in name", "a b=1\n\n", 0, -1, 0},
    {"dash in name", "a-b=1\n\n", 0, -1, 0},
    {"raw NUL in value", "a=b\0c\n\n", 7, -1, 0},
    {"raw NUL in name", "a\0=c\n\n", 6, -1, 0},
    {"raw CR in value", "a=b\r\n\n", 0, -1, 0},
    {"CRLF line ends", "a=b\r\n\r\n", 0, -1, 0},
    {"bad escape %G0", "a=%G0\n\n", 0, -1, 0},
    {"bad escape %0G", "a=%0G\n\n", 0, -1, 0},
    {"short escape at end", "a=%4\n\n", 0, -1, 0},
    {"bare percent", "a=%\n\n", 0, -1, 0},
    {"encoded NUL", "a=x%00y\n\n", 0, -1, 0},
    {"bad line before the block ends", "a=1\nnonsense\nb=", 0, -1, 0},
    {"bad line after good ones", "a=1\nb=2\nnonsense\n\n", 0, -1, 0},
};

static void
test_parse_table(void **state)
{
	for (size_t i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]);
	     i++) {
		const struct parse_case *c = &parse_cases[i];
		struct attr_list l = {0};
		size_t len = c->len ? c->len : strlen(c->in);
		long got = attr_parse(c->in, len, &l);

		if (got != c->want)
			fail_msg("case \"%s\": got %ld want %ld", c->name, got,
			    c->want);
		if (got > 0 && l.n != c->count)
			fail_msg("case \"%s\": %zu attributes, want %zu",
			    c->name, l.n, c->count);
		if (got <= 0 && l.n != 0)
			fail_msg("case \"%s\": list filled on failure",
			    c->name);
		attr_list_free(&l);
	}
}

/* A failed parse leaves an earlier list alone. */
static void
test_failure_keeps_list(void **state)
{
	struct attr_list l = {0};

	assert_int_equal(attr_parse("a=1\n\n", 5, &l), 5);
	assert_int_equal(attr_parse("bad\n\n", 5, &l), -1);
	assert_int_equal(attr_parse("a=1\n", 4, &l), 0);
	assert_string_equal(attr_get(&l, "a"), "1");
	attr_list_free(&l);
}

/* Line length limit: exactly at the limit ok, one more rejected. */
static void
test_line_limit(void **state)
{
	size_t max = ATTR_LINE_MAX;
	char *buf = mem_alloc(max + 16);
	struct attr_list l = {0};

	memcpy(buf, "a=", 2);
	memset(buf + 2, 'x', max - 2);
	memcpy(buf + max, "\n\n", 2);
	assert_int_equal(attr_parse(buf, max + 2, &l), (long)max + 2);
	assert_int_equal(strlen(attr_get(&l, "a")), max - 2);

	/* One byte longer. */
	memset(buf + 2, 'x', max - 1);
	memcpy(buf + max + 1, "\n\n", 2);
	assert_int_equal(attr_parse(buf, max + 3, &l), -1);
	/* Overlong without any newline yet: malformed, not "incomplete". */
	assert_int_equal(attr_parse(buf, max + 1, &l), -1);
	/* At the limit without newline: may still complete. */
	assert_int_equal(attr_parse(buf, max, &l), 0);
	attr_list_free(&l);
	mem_free(buf);
}

/* Attribute count limit. */
static void
test_count_limit(void **state)
{
	struct vbuf b = VBUF_INIT;
	struct attr_list l = {0};

	for (int i = 0; i < ATTR_COUNT_MAX; i++)
		attr_put(&b, "r", "x");
	attr_end(&b);
	assert_int_equal(attr_parse(b.data, b.len, &l), (long)b.len);
	assert_int_equal(l.n, ATTR_COUNT_MAX);
	vbuf_truncate(&b, b.len - 1);
	attr_put(&b, "r", "x");
	attr_end(&b);
	assert_int_equal(attr_parse(b.data, b.len, &l), -1);
	/* Too many lines is detected before the block is complete. */
	vbuf_truncate(&b, b.len - 1);
	assert_int_equal(attr_parse(b.data, b.len, &l), -1);
	attr_list_free(&l);
	vbuf_free(&b);
}

/* Every prefix of a valid block is "incomplete", never malformed. */
static void
test_prefixes(void **state)
{
	struct vbuf b = VBUF_INIT;
	struct attr_list l = {0};

	attr_put(&b, "status", "4");
	attr_put(&b, "reason", "100%\nsure");
	attr_end(&b);
	for (size_t i = 0; i < b.len; i++)
		assert_int_equal(attr_parse(b.data, i, &l), 0);
	assert_int_equal(attr_parse(b.data, b.len, &l), (long)b.len);
	assert_string_equal(attr_get(&l, "reason"), "100%\nsure");
	attr_list_free(&l);
	vbuf_free(&b);
}

/* attr_write/attr_read over a socketpair; read stops at the block end. */
static void
test_socketpair(void **state)
{
	int sv[2];
	struct vbuf b = VBUF_INIT;
	struct vbuf why = VBUF_INIT;
	struct attr_list l = {0};
	char rest[16];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	attr_put(&b, "status", "0");
	attr_put(&b, "queue_id", "3D4DDA76052");
	attr_end(&b);
	vbuf_puts(&b, "TAIL");
	assert_int_equal(attr_write(sv[0], &b, 5), 0);
	assert_int_equal(attr_read(sv[1], &l, 5, &why), 0);
	assert_string_equal(attr_get(&l, "queue_id"), "3D4DDA76052");
	assert_int_equal(l.n, 2);
	assert_int_equal(read(sv[1], rest, sizeof(rest)), 4);
	assert_memory_equal(rest, "TAIL", 4);

	/* Timeout when nothing arrives. */
	assert_int_equal(attr_read(sv[1], &l, 1, &why), -1);
	assert_non_null(strstr(vbuf_str(&why), "timeout"));

	/* Malformed block. */
	assert_int_equal(write(sv[0], "x\n\n", 3), 3);
	assert_int_equal(attr_read(sv[1], &l, 5, &why), -1);
	assert_non_null(strstr(vbuf_str(&why), "malformed"));

	/* EOF in the middle. */
	assert_int_equal(write(sv[0], "a=1\n", 4), 4);
	close(sv[0]);
	assert_int_equal(attr_read(sv[1], &l, 5, &why), -1);
	assert_non_null(strstr(vbuf_str(&why), "end of input"));
	close(sv[1]);
	attr_list_free(&l);
	vbuf_free(&b);
	vbuf_free(&why);
}

/* A pipe (not a socket) works too, byte by byte. */
static void
test_pipe(void **state)
{
	int p[2];
	struct vbuf b = VBUF_INIT;
	struct attr_list l = {0};
	char rest[8];

	assert_int_equal(pipe(p), 0);
	attr_put(&b, "a", "1");
	attr_end(&b);
	vbuf_puts(&b, "Z");
	assert_int_equal(attr_write(p[1], &b, 5), 0);
	assert_int_equal(attr_read(p[0], &l, 5, NULL), 0);
	assert_string_equal(attr_get(&l, "a"), "1");
	assert_int_equal(read(p[0], rest, sizeof(rest)), 1);
	close(p[0]);
	close(p[1]);
	attr_list_free(&l);
	vbuf_free(&b);
}

/*
 * Write to a socket or pipe nobody reads: times out, whether the
 * descriptor is blocking or not.
 */
static void
test_write_timeout(void **state)
{
	struct vbuf b = VBUF_INIT;
	int sz = 4096;

	for (int i = 0; i < 4096; i++)
		attr_put(&b, "filler",
		    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
	attr_end(&b);
	for (int kind = 0; kind < 4; kind++) {
		int sv[2];
		if (kind < 2) {
			assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0,
					     sv),
			    0);
			setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sz,
			    sizeof(sz));
		} else {
			assert_int_equal(pipe(sv), 0);
			int t = sv[0];
			sv[0] = sv[1];
			sv[1] = t; /* sv[0] writes */
		}
		if (kind % 2)
			fcntl(sv[0], F_SETFL, O_NONBLOCK);
		errno = 0;
		assert_int_equal(attr_write(sv[0], &b, 1), -1);
		assert_int_equal(errno, ETIMEDOUT);
		close(sv[0]);
		close(sv[1]);
	}
	vbuf_free(&b);
}

/* Overlong line over a socket is rejected without buffering it all. */
static void
test_read_overlong(void **state)
{
	int sv[2];
	struct vbuf why = VBUF_INIT;
	struct attr_list l = {0};
	char *junk = mem_alloc(ATTR_LINE_MAX + 10);

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	memset(junk, 'a', ATTR_LINE_MAX + 10);
	/* The default AF_UNIX send buffer holds this much. */
	assert_int_equal(write(sv[0], junk, ATTR_LINE_MAX + 10),
	    ATTR_LINE_MAX + 10);
	assert_int_equal(attr_read(sv[1], &l, 5, &why), -1);
	assert_non_null(strstr(vbuf_str(&why), "too long"));
	close(sv[0]);
	close(sv[1]);
	mem_free(junk);
	vbuf_free(&why);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_put_escapes),
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_two_blocks),
	    cmocka_unit_test(test_parse_table),
	    cmocka_unit_test(test_failure_keeps_list),
	    cmocka_unit_test(test_line_limit),
	    cmocka_unit_test(test_count_limit),
	    cmocka_unit_test(test_prefixes),
	    cmocka_unit_test(test_socketpair),
	    cmocka_unit_test(test_pipe),
	    cmocka_unit_test(test_write_timeout),
	    cmocka_unit_test(test_read_overlong),
	};

	msg_init("test_attr", MSG_NOLOG);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
