/*
 * test_qid - queue IDs: Postfix's short form (the fixtures' IDs), the long
 * form's observed example, long-ID detection, hash characters and
 * mail_queue_id_ok() validation with hostile names.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "qid.h"
#include "msg.h"

static const struct short_case {
	const char *name;
	long usec;
	unsigned long inode;
	const char *id;
} short_cases[] = {
    {"fixture 1", 0xD5CA1, 0xA75992, "D5CA1A75992"},
    {"fixture 2", 0xC21D3, 0xA75972, "C21D3A75972"},
    {"fixture 3", 0x45A9E, 0xA757A3, "45A9EA757A3"},
    {"spec example", 0x3D4DD, 0xA76052, "3D4DDA76052"},
    {"zero", 0, 0, "000000"},
    {"small usec padded", 1, 0x1F, "000011F"},
    {"max usec", 999999, 1, "F423F1"},
    {"big inode", 0x12345, 0xFFFFFFFFUL, "12345FFFFFFFF"},
};

static void
test_short(void **state)
{
	char buf[QID_SIZE];
	size_t i;

	for (i = 0; i < sizeof(short_cases) / sizeof(short_cases[0]); i++) {
		const struct short_case *c = short_cases + i;

		qid_short(buf, c->usec, c->inode);
		if (strcmp(buf, c->id) != 0)
			fail_msg("%s: got %s want %s", c->name, buf, c->id);
		assert_true(qid_ok(buf));
		assert_false(qid_is_long(buf));
	}
}

static const struct long_case {
	const char *name;
	long sec;
	long usec;
	unsigned long inode;
	const char *id;
} long_cases[] = {
    /* Observed on Postfix 3.7 (queue.md section 3). */
    {"observed", 1795459471L, 783127, 10969362UL, "4jYFGl5Yc7z1bgLW"},
    /* Padding: seconds to 6 digits, usec to 4, inode unpadded. */
    {"all zero", 0, 0, 0, "0000000000z0"},
    {"one", 1, 1, 1, "0000010001z1"},
    /* Base 51 never uses 'z'; base 52 does. */
    {"inode 50", 0, 51, 50, "000000000zzy"},
    {"inode 51", 0, 0, 51, "0000000000z10"},
};

static void
test_long(void **state)
{
	char buf[QID_SIZE];
	size_t i;

	for (i = 0; i < sizeof(long_cases) / sizeof(long_cases[0]); i++) {
		const struct long_case *c = long_cases + i;

		qid_long(buf, c->sec, c->usec, c->inode);
		if (strcmp(buf, c->id) != 0)
			fail_msg("%s: got %s want %s", c->name, buf, c->id);
		assert_true(qid_ok(buf));
		assert_true(qid_is_long(buf));
	}
	/* A big time and inode still fit the buffer. */
	qid_long(buf, 0x7fffffffL, 999999, 0xFFFFFFFFFFFFFFFFUL);
	assert_true(strlen(buf) < QID_SIZE);
	assert_true(qid_is_long(buf));
}

static const struct is_long_case {
	const char *id;
	int is_long;
} is_long_cases[] = {
    {"4jYFGl5Yc7z1bgLW", 1}, {"D5CA1A75992", 0},
    {"abcdefghijz", 1}, /* 'z' at index 10 */
    {"abcdefghiz1", 0}, /* 'z' at index 9 */
    {"z", 0}, {"", 0}, {"zzzzzzzzzzz", 1},
    {"0000000000z0z", 1}, /* the last 'z' counts */
};

static void
test_is_long(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(is_long_cases) / sizeof(is_long_cases[0]); i++)
		if (qid_is_long(is_long_cases[i].id) !=
		    is_long_cases[i].is_long)
			fail_msg("%s: wrong answer", is_long_cases[i].id);
}

static const struct hash_case {
	const char *name;
	const char *id;
	int depth;
	const char *out;
} hash_cases[] = {
    {"short depth 1", "3D4DDA76052", 1, "3"},
    {"short depth 2", "3D4DDA76052", 2, "3D"},
    {"short depth 3", "D5CA1A75992", 3, "D5C"},
    {"short shorter than depth", "AB", 3, "AB_"},
    {"flush log name", "a_b", 2, "a_"},
    {"long depth 1", "4jYFGl5Yc7z1bgLW", 1, "B"},
    {"long depth 2", "4jYFGl5Yc7z1bgLW", 2, "BF"},
    {"long depth 5", "4jYFGl5Yc7z1bgLW", 5, "BF317"},
    {"long deeper than hex", "4jYFGl5Yc7z1bgLW", 7, "BF317__"},
    {"long zero usec", "0000000000z0", 2, "00"},
    {"depth 0", "ABC", 0, ""},
    {"depth clamped", "ABCDEFGHIJK", 9, "ABCDEFG"},
    /* A 'z' late enough but bad usec digits ('a' is a vowel): short rule. */
    {"long look-alike", "aaaaaaaaaaaz1", 2, "aa"},
};

static void
test_hash_chars(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(hash_cases) / sizeof(hash_cases[0]); i++) {
		const struct hash_case *c = hash_cases + i;
		char out[8];
		int n;

		memset(out, '#', sizeof(out));
		n = qid_hash_chars(c->id, out, c->depth);
		assert_int_equal(n, (int)strlen(c->out));
		if (strcmp(out, c->out) != 0)
			fail_msg("%s: got %s want %s", c->name, out, c->out);
	}
}

static void
test_ok(void **state)
{
	static const struct {
		const char *name;
		int ok;
	} cases[] = {
	    {"D5CA1A75992", 1},
	    {"4jYFGl5Yc7z1bgLW", 1},
	    {"a_b", 1},
	    {"_", 1},
	    {"x", 1},
	    {"", 0},
	    {"123.456", 0},
	    {"../etc", 0},
	    {"a/b", 0},
	    {"a b", 0},
	    {"a\tb", 0},
	    {"a\nb", 0},
	    {"A-B", 0},
	    {"caf\xc3\xa9", 0},
	    {"\x7f", 0},
	    {".", 0},
	    {"NEWID#FIX", 0},
	};
	char big[300];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (qid_ok(cases[i].name) != cases[i].ok)
			fail_msg("%s: wrong answer", cases[i].name);
	assert_false(qid_ok(NULL));
	memset(big, 'A', sizeof(big));
	big[255] = 0;
	assert_true(qid_ok(big));
	big[255] = 'A';
	big[256] = 0;
	assert_false(qid_ok(big));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_short),
	    cmocka_unit_test(test_long),
	    cmocka_unit_test(test_is_long),
	    cmocka_unit_test(test_hash_chars),
	    cmocka_unit_test(test_ok),
	};

	msg_init("test_qid", MSG_STDERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
