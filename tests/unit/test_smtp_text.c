/* test_smtp_text - content lines to SMTP DATA: CRLF, dot-stuffing, long lines.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "mem.h"
#include "../../smtp/smtp.h"
#include "vbuf.h"

/* A line given as pieces; "|" separates pieces, lines end at "\n". */
struct text_case {
	const char *name;
	size_t limit;
	const char *input;
	const char *output;
};

static const struct text_case cases[] = {
    {"plain lines", 998, "Subject: x\n\nbody\n",
	"Subject: x\r\n\r\nbody\r\n.\r\n"},
    {"dot stuffed", 998, ".\n..two\n.x\nnot.first\n",
	"..\r\n...two\r\n..x\r\nnot.first\r\n.\r\n"},
    {"dot in a later piece is not stuffed", 998, "a|.b\n", "a.b\r\n.\r\n"},
    {"dot in the first piece is", 998, ".a|b\n", "..ab\r\n.\r\n"},
    {"empty first piece", 998, "|.a\n", "..a\r\n.\r\n"},
    {"unterminated last line", 998, "a\nlast", "a\r\nlast\r\n.\r\n"},
    {"empty message", 998, "", ".\r\n"},
    {"exactly the limit", 5, "12345\n", "12345\r\n.\r\n"},
    {"one over", 5, "123456\n", "12345\r\n 6\r\n.\r\n"},
    {"many breaks", 4, "abcdefghij\n", "abcd\r\n efg\r\n hij\r\n.\r\n"},
    {"breaks across pieces", 4, "ab|cd|ef\n", "abcd\r\n ef\r\n.\r\n"},
    {"dot then long", 3, ".abcd\n", "..ab\r\n cd\r\n.\r\n"},
    {"8-bit and CR kept", 998, "caf\xc3\xa9\rx\n", "caf\xc3\xa9\rx\r\n.\r\n"},
};

static void
run_case(const struct text_case *c, struct vbuf *out)
{
	struct smtp_text t;
	const char *cp = c->input;

	smtp_text_init(&t, c->limit);
	while (*cp) {
		size_t len = strcspn(cp, "|\n");

		smtp_text_put(&t, out, cp, len, cp[len] == '\n');
		cp += len;
		if (*cp)
			cp++;
	}
	smtp_text_end(&t, out);
}

static void
test_cases(void **state)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vbuf out = VBUF_INIT;

		print_message("case: %s\n", cases[i].name);
		run_case(&cases[i], &out);
		assert_string_equal(vbuf_str(&out), cases[i].output);
		vbuf_free(&out);
	}
}

/* A 998-byte line is sent unchanged; 999 bytes are broken once. */
static void
test_default_limit(void **state)
{
	struct vbuf out = VBUF_INIT;
	struct smtp_text t;
	char *line = mem_alloc(2000);

	memset(line, 'x', 2000);
	smtp_text_init(&t, 998);
	smtp_text_put(&t, &out, line, 998, 1);
	assert_int_equal(out.len, 1000);
	assert_memory_equal(out.data + 998, "\r\n", 2);
	vbuf_reset(&out);
	smtp_text_put(&t, &out, line, 999, 1);
	assert_int_equal(out.len, 998 + 3 + 1 + 2);
	assert_memory_equal(out.data + 998, "\r\n x\r\n", 6);
	vbuf_reset(&out);
	/* A line that arrives as 2048-byte L records plus an N record. */
	for (int i = 0; i < 3; i++)
		smtp_text_put(&t, &out, line, 1000, 0);
	smtp_text_put(&t, &out, "", 0, 1);
	for (size_t i = 0, col = 0; i < out.len; i++) {
		if (out.data[i] == '\r') {
			assert_true(col <= 998);
			col = 0;
			i++;
		} else {
			col++;
		}
	}
	mem_free(line);
	vbuf_free(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cases),
	    cmocka_unit_test(test_default_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
