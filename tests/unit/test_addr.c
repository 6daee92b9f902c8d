/*
 * test_addr - RFC 822 address lists, header names, quoting, the
 * From: phrase, qualification, the header table and the date format.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "vbuf.h"
#include "addr.h"
#include "header.h"

struct parse_case {
	const char *name;
	const char *input;
	const char *want; /* addresses joined by '|' */
};

static const struct parse_case parse_cases[] = {
    {"plain", "a@example.com", "a@example.com"},
    {"list", "a@x, b@y", "a@x|b@y"},
    {"phrase and angle", "Kyle Dent <kdent@example.com>", "kdent@example.com"},
    {"quoted phrase with comma", "\"Zed, Z\" <zed@x>, amy@x", "zed@x|amy@x"},
    {"comment", "amy@x (Amy, the (nested) one)", "amy@x"},
    {"comment inside", "amy(c)@x", "amy@x"},
    {"group", "undisclosed: a@x, b@y;", "a@x|b@y"},
    {"empty group", "undisclosed-recipients:;", ""},
    {"group then more", "g: a@x;, c@z", "a@x|c@z"},
    {"quoted local part", "\"john doe\"@x", "john doe@x"},
    {"escaped quote", "\"a\\\"b\"@x", "a\"b@x"},
    {"null address", "<>", ""},
    {"source route", "<@r1,@r2:user@x>", "user@x"},
    {"unqualified", "bob", "bob"},
    {"domain literal", "u@[127.0.0.1]", "u@[127.0.0.1]"},
    {"folded", "a@x,\n\tb@y", "a@x|b@y"},
    {"spaces around dots", "a . b @ x . y", "a.b@x.y"},
    {"empty elements", ",,a@x,,", "a@x"},
    {"unterminated quote", "\"abc", "abc"},
    {"unterminated comment", "a@x (oops", "a@x"},
    {"unterminated angle", "Name <a@x", "a@x"},
    {"8-bit", "caf\xc3\xa9@x", "caf\xc3\xa9@x"},
    {"nul inside", "a\0b@x", "a b@x"},
    {"only blanks", "  \t ", ""},
};

static void
test_parse(void **unused)
{
	size_t i;
	size_t j;

	for (i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		const struct parse_case *tc = parse_cases + i;
		struct addr_list list = {0};
		struct vbuf got = VBUF_INIT;
		size_t len = strlen(tc->input);

		if (strcmp(tc->name, "nul inside") == 0)
			len = 6;
		addr_parse(tc->input, len, &list);
		for (j = 0; j < list.n; j++) {
			if (j)
				vbuf_putc(&got, '|');
			vbuf_puts(&got, list.addr[j]);
		}
		if (strcmp(vbuf_str(&got), tc->want) != 0)
			fail_msg("%s: got [%s], want [%s]", tc->name,
			    vbuf_str(&got), tc->want);
		if (strcmp(tc->name, "null address") == 0)
			assert_int_equal(list.n, 1);
		addr_list_free(&list);
		vbuf_free(&got);
	}
}

static void
test_parse_hostile(void **unused)
{
	struct addr_list list = {0};
	struct vbuf big = VBUF_INIT;
	int i;

	/* Deep nesting, long input, lone specials: no crash, bounded work. */
	for (i = 0; i < 10000; i++)
		vbuf_putc(&big, '(');
	addr_parse(big.data, big.len, &list);
	assert_int_equal(list.n, 0);
	vbuf_reset(&big);
	for (i = 0; i < 5000; i++)
		vbuf_puts(&big, "a@x,");
	assert_int_equal(addr_parse(big.data, big.len, &list), 5000);
	addr_list_free(&list);
	addr_parse("<<<>>>\\", 7, &list);
	addr_parse("\\", 1, &list);
	addr_parse("\"\\", 2, &list);
	addr_parse("[\\", 2, &list);
	addr_list_free(&list);
	vbuf_free(&big);
}

struct header_case {
	const char *name;
	const char *line;
	size_t want;
};

static const struct header_case header_cases[] = {
    {"simple", "Subject: x", 7},
    {"no space", "To:a@x", 2},
    {"blank before colon", "Subject  : x", 7},
    {"empty value", "X-Empty:", 7},
    {"continuation", " folded", 0},
    {"no colon", "From nobody", 0},
    {"empty line", "", 0},
    {"colon first", ": x", 0},
    {"8-bit name", "Caf\xc3\xa9: x", 0},
    {"control char", "Sub\x01ject: x", 0},
};

static void
test_is_header(void **unused)
{
	size_t i;

	for (i = 0; i < sizeof(header_cases) / sizeof(header_cases[0]); i++) {
		const struct header_case *tc = header_cases + i;
		size_t got = addr_is_header(tc->line, strlen(tc->line));

		if (got != tc->want)
			fail_msg("%s: got %zu, want %zu", tc->name, got,
			    tc->want);
	}
}

static void
test_header_find(void **unused)
{
	const struct header_def *hp;

	hp = header_find("bcc", 3);
	assert_non_null(hp);
	assert_int_equal(hp->type, HEADER_BCC);
	assert_true(hp->flags & HEADER_DROP);
	assert_true(hp->flags & HEADER_EXTRACT);
	hp = header_find("RESENT-TO ", 10);
	assert_non_null(hp);
	assert_true(hp->flags & HEADER_RR);
	hp = header_find("Message-ID", 10);
	assert_non_null(hp);
	assert_int_equal(hp->type, HEADER_MESSAGE_ID);
	assert_true(header_find("Return-Path", 11)->flags & HEADER_DROP);
	assert_false(header_find("Apparently-To", 13)->flags & HEADER_EXTRACT);
	assert_null(header_find("X-Mailer", 8));
	assert_null(header_find("T", 1));
	assert_null(header_find("", 0));
}

struct str_case {
	const char *name;
	const char *input;
	const char *want;
};

static const struct str_case quote_cases[] = {
    {"plain", "a@x", "a@x"},
    {"dots", "a.b.c@x", "a.b.c@x"},
    {"space", "john doe@x", "\"john doe\"@x"},
    {"leading dot", ".a@x", "\".a\"@x"},
    {"double dot", "a..b@x", "\"a..b\"@x"},
    {"quote and backslash", "a\"b\\c@x", "\"a\\\"b\\\\c\"@x"},
    {"last at", "a@b@x", "\"a@b\"@x"},
    {"no domain", "MAILER-DAEMON", "MAILER-DAEMON"},
};

static const struct str_case phrase_cases[] = {
    {"plain", "root", "root"},
    {"words", "  Kyle   Dent ", "Kyle Dent"},
    {"special", "Dent, Kyle", "\"Dent, Kyle\""},
    {"percent", "50% off", "\"50% off\""},
    {"quote", "a \"b\" c", "\"a \\\"b\\\" c\""},
    {"only blanks", "   ", ""},
    {"newline", "a\nb", "a b"},
};

static void
test_quote_phrase(void **unused)
{
	size_t i;
	struct vbuf out = VBUF_INIT;

	for (i = 0; i < sizeof(quote_cases) / sizeof(quote_cases[0]); i++) {
		vbuf_reset(&out);
		addr_quote_local(&out, quote_cases[i].input);
		if (strcmp(vbuf_str(&out), quote_cases[i].want) != 0)
			fail_msg("quote %s: got [%s]", quote_cases[i].name,
			    vbuf_str(&out));
	}
	for (i = 0; i < sizeof(phrase_cases) / sizeof(phrase_cases[0]); i++) {
		vbuf_reset(&out);
		addr_phrase(&out, phrase_cases[i].input);
		if (strcmp(vbuf_str(&out), phrase_cases[i].want) != 0)
			fail_msg("phrase %s: got [%s]", phrase_cases[i].name,
			    vbuf_str(&out));
	}
	vbuf_free(&out);
}

static void
test_qualify(void **unused)
{
	struct vbuf out = VBUF_INIT;

	addr_qualify(&out, "bob", "example.com");
	assert_string_equal(vbuf_str(&out), "bob@example.com");
	vbuf_reset(&out);
	addr_qualify(&out, "bob@x", "example.com");
	assert_string_equal(vbuf_str(&out), "bob@x");
	vbuf_reset(&out);
	addr_qualify(&out, "", "example.com");
	assert_string_equal(vbuf_str(&out), "");
	vbuf_reset(&out);
	addr_qualify(&out, "bob", 0);
	assert_string_equal(vbuf_str(&out), "bob");
	vbuf_free(&out);
}

static void
test_date(void **unused)
{
	struct vbuf out = VBUF_INIT;

	setenv("TZ", "UTC", 1);
	tzset();
	header_date(&out, (time_t)1795460121);
	assert_string_equal(vbuf_str(&out),
	    "Mon, 23 Nov 2026 18:55:21 +0000 (UTC)");
	vbuf_reset(&out);
	header_date(&out, (time_t)1796083200); /* Dec 1 2026 */
	assert_string_equal(vbuf_str(&out),
	    "Tue,  1 Dec 2026 00:00:00 +0000 (UTC)");
	setenv("TZ", "EST5EDT", 1);
	tzset();
	vbuf_reset(&out);
	header_date(&out, (time_t)1795460121);
	assert_string_equal(vbuf_str(&out),
	    "Mon, 23 Nov 2026 13:55:21 -0500 (EST)");
	setenv("TZ", "UTC", 1);
	tzset();
	vbuf_free(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse),
	    cmocka_unit_test(test_parse_hostile),
	    cmocka_unit_test(test_is_header),
	    cmocka_unit_test(test_header_find),
	    cmocka_unit_test(test_quote_phrase),
	    cmocka_unit_test(test_qualify),
	    cmocka_unit_test(test_date),
	};

	return (cmocka_run_group_tests(tests, 0, 0));
}
