/* test_smtp_reply - SMTP reply parsing, enhanced status codes, EHLO keywords.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "../../smtp/smtp.h"
#include "vbuf.h"

/* feed_all - feed "\n"-separated lines; returns the line count consumed */

static int
feed_all(struct smtp_reply *r, const char *lines)
{
	int n = 0;
	int done = 0;

	while (*lines && !done) {
		size_t len = strcspn(lines, "\n");

		done = smtp_reply_feed(r, lines, len);
		n++;
		lines += len;
		if (*lines == '\n')
			lines++;
	}
	return done ? n : -n;
}

struct reply_case {
	const char *name;
	const char *input;
	int consumed; /* lines until complete; negative: incomplete */
	int code;
	const char *dsn;
	const char *text;
};

static const struct reply_case replies[] = {
    {"single line", "250 2.0.0 Ok: queued as ABC", 1, 250, "2.0.0",
	"250 2.0.0 Ok: queued as ABC"},
    {"no enhanced code", "250 Ok", 1, 250, "2.0.0", "250 Ok"},
    {"code only", "354", 1, 354, "2.0.0", "354"},
    {"multi-line joined with spaces",
	"550-5.7.1 first line\n550-5.7.1 second\n550 5.7.1 last", 3, 550,
	"5.7.1", "550-5.7.1 first line 550-5.7.1 second 550 5.7.1 last"},
    {"stops at the last line", "451-4.3.0 a\n451 4.3.0 b\n250 extra", 2, 451,
	"4.3.0", "451-4.3.0 a 451 4.3.0 b"},
    {"incomplete", "250-sink\n250-PIPELINING", -2, 0, "",
	"250-sink 250-PIPELINING"},
    {"class mismatch uses X.0.0", "550 4.1.1 odd", 1, 550, "5.0.0",
	"550 4.1.1 odd"},
    {"4xx default", "421 closing", 1, 421, "4.0.0", "421 closing"},
    {"dsn with 3-digit parts", "554 5.123.456 x", 1, 554, "5.123.456",
	"554 5.123.456 x"},
    {"dsn too long part", "554 5.1234.1 x", 1, 554, "5.0.0", "554 5.1234.1 x"},
    {"dsn glued to text", "550 5.1.1x", 1, 550, "5.0.0", "550 5.1.1x"},
    /* Malformed lines are continuation lines, as in Postfix. */
    {"garbage line does not end a reply", "HTTP/1.1 400 Bad Request", -1, 0, "",
	"HTTP/1.1 400 Bad Request"},
    {"garbage, then a final line", "HTTP/1.1 400 Bad\n\n250 ok", 3, 250,
	"2.0.0", "HTTP/1.1 400 Bad  250 ok"},
    {"code out of range", "600 what", 1, 600, "5.5.0", "600 what"},
    {"two digits", "25 short", -1, 0, "", "25 short"},
    {"four digits", "2500 x", -1, 0, "", "2500 x"},
    {"code glued to text", "250ok", -1, 0, "", "250ok"},
    {"mixed classes use the last code", "250-a\n451 4.1.1 b", 2, 451, "4.0.0",
	"250-a 451 4.1.1 b"},
    {"control characters masked",
	"550 5.1.1 bad\x01\x7f"
	"char\r",
	1, 550, "5.1.1", "550 5.1.1 bad??char?"},
    {"garbage continuation does not end it", "250-ok\nxyz", -2, 0, "",
	"250-ok xyz"},
};

static void
test_replies(void **state)
{
	for (size_t i = 0; i < sizeof(replies) / sizeof(replies[0]); i++) {
		const struct reply_case *c = &replies[i];
		struct smtp_reply r = {0};
		int n;

		print_message("case: %s\n", c->name);
		n = feed_all(&r, c->input);
		assert_int_equal(n, c->consumed);
		assert_int_equal(r.code, c->code);
		if (n > 0)
			assert_string_equal(r.dsn, c->dsn);
		assert_string_equal(vbuf_str(&r.text), c->text);
		smtp_reply_free(&r);
	}
}

/* Empty lines are continuation lines too. */
static void
test_empty_lines(void **state)
{
	struct smtp_reply r = {0};

	for (int i = 0; i < 1000; i++)
		assert_int_equal(smtp_reply_feed(&r, "", 0), 0);
	assert_int_equal(smtp_reply_feed(&r, "250 ok", 6), 1);
	assert_int_equal(r.code, 250);
	assert_int_equal(r.nlines, 1001);
	assert_true(r.text.len <= SMTP_REPLY_TEXT_MAX + 1);
	smtp_reply_free(&r);
}

/* A completed reply is reset by the next line; reuse needs no free. */
static void
test_reuse(void **state)
{
	struct smtp_reply r = {0};

	assert_int_equal(smtp_reply_feed(&r, "250 one", 7), 1);
	assert_int_equal(smtp_reply_feed(&r, "451 4.7.1 two", 13), 1);
	assert_int_equal(r.code, 451);
	assert_string_equal(vbuf_str(&r.text), "451 4.7.1 two");
	assert_string_equal(r.dsn, "4.7.1");
	smtp_reply_free(&r);
}

/* Endless continuation lines: memory stays bounded. */
static void
test_bounded(void **state)
{
	struct smtp_reply r = {0};
	char line[SMTP_REPLY_LINE_MAX];

	memset(line, 'x', sizeof(line));
	memcpy(line, "250-", 4);
	for (int i = 0; i < 10000; i++)
		assert_int_equal(smtp_reply_feed(&r, line, sizeof(line)), 0);
	assert_true(r.text.len <= SMTP_REPLY_TEXT_MAX + 1);
	assert_int_equal(r.nlines, 10000);
	assert_true(r.lines.len <= SMTP_REPLY_LINES_MAX * SMTP_REPLY_LINE_MAX);
	assert_int_equal(smtp_reply_feed(&r, "250 end", 7), 1);
	assert_int_equal(r.code, 250);
	smtp_reply_free(&r);
}

struct ehlo_case {
	const char *name;
	const char *input;
	int feat;
	long size;
};

static const struct ehlo_case ehlos[] = {
    {"all three", "250-sink\n250-PIPELINING\n250-SIZE 10240000\n250 8BITMIME",
	SMTP_FEAT_PIPELINING | SMTP_FEAT_SIZE | SMTP_FEAT_8BITMIME, 10240000},
    {"name line is not a keyword", "250-PIPELINING\n250 SIZE", SMTP_FEAT_SIZE,
	0},
    {"case-insensitive", "250-mx\n250-pipelining\n250 8bitmime",
	SMTP_FEAT_PIPELINING | SMTP_FEAT_8BITMIME, 0},
    {"SIZE without limit", "250-mx\n250 SIZE", SMTP_FEAT_SIZE, 0},
    {"SIZE=old syntax", "250-mx\n250 SIZE=5000", SMTP_FEAT_SIZE, 5000},
    {"SIZE garbage", "250-mx\n250 SIZE 12ab", SMTP_FEAT_SIZE, 0},
    {"SIZE huge", "250-mx\n250 SIZE 99999999999999999999999", SMTP_FEAT_SIZE,
	0},
    {"prefix is not a match", "250-mx\n250-PIPELININGX\n250 8BITMIMEY", 0, 0},
    {"single line", "250 mx.example", 0, 0},
    {"STARTTLS and AUTH", "250-mx\n250-STARTTLS\n250-AUTH PLAIN\n250 DSN",
	SMTP_FEAT_STARTTLS | SMTP_FEAT_AUTH, 0},
    {"other keywords", "250-mx\n250-DSN\n250-ETRN\n250 AUTHX", 0, 0},
};

static void
test_ehlo_auth(void **state)
{
	struct smtp_reply r = {0};
	struct vbuf out = VBUF_INIT;

	assert_true(feed_all(&r,
			"250-mx\n250-AUTH plain LOGIN cram-md5\n"
			"250-AUTH=LOGIN XOAUTH2\n250 8BITMIME") > 0);
	smtp_ehlo_auth(&r, &out);
	assert_string_equal(vbuf_str(&out), "PLAIN LOGIN CRAM-MD5 XOAUTH2");
	vbuf_free(&out);
	smtp_reply_free(&r);
}

static void
test_ehlo(void **state)
{
	for (size_t i = 0; i < sizeof(ehlos) / sizeof(ehlos[0]); i++) {
		struct smtp_reply r = {0};
		long size = -1;

		print_message("case: %s\n", ehlos[i].name);
		assert_true(feed_all(&r, ehlos[i].input) > 0);
		assert_int_equal(smtp_ehlo_parse(&r, &size), ehlos[i].feat);
		assert_int_equal(size, ehlos[i].size);
		smtp_reply_free(&r);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_replies),
	    cmocka_unit_test(test_reuse),
	    cmocka_unit_test(test_empty_lines),
	    cmocka_unit_test(test_bounded),
	    cmocka_unit_test(test_ehlo),
	    cmocka_unit_test(test_ehlo_auth),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
