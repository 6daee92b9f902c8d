/* Unit tests for util/vbuf and util/mem. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vbuf.h"
#include "mem.h"

static void
test_zeroed_is_empty_string(void **state)
{
	struct vbuf b = VBUF_INIT;
	assert_string_equal(vbuf_str(&b), "");
	assert_int_equal(b.len, 0);
	vbuf_free(&b);
}

static void
test_append_keeps_nul_bytes_and_terminates(void **state)
{
	struct vbuf b = VBUF_INIT;
	vbuf_append(&b, "a\0b", 3);
	assert_int_equal(b.len, 3);
	assert_memory_equal(b.data, "a\0b", 4); /* includes the terminator */
	vbuf_free(&b);
}

static void
test_growth_across_many_appends(void **state)
{
	struct vbuf b = VBUF_INIT;
	for (int i = 0; i < 10000; i++)
		vbuf_putc(&b, 'a' + i % 26);
	assert_int_equal(b.len, 10000);
	assert_int_equal(b.data[10000], 0);
	assert_int_equal(b.data[9999], 'a' + 9999 % 26);
	vbuf_free(&b);
}

static void
test_printf_long_output(void **state)
{
	struct vbuf b = VBUF_INIT;
	char big[5000];
	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	vbuf_puts(&b, "x=");
	vbuf_printf(&b, "%s/%d", big, 42);
	assert_int_equal(b.len, 2 + 4999 + 3);
	assert_string_equal(b.data + b.len - 3, "/42");
	vbuf_free(&b);
}

static void
test_set_truncate_reset_export(void **state)
{
	struct vbuf b = VBUF_INIT;
	vbuf_set(&b, "hello world");
	vbuf_truncate(&b, 5);
	assert_string_equal(vbuf_str(&b), "hello");
	vbuf_truncate(&b, 50); /* not shorter: no-op */
	assert_string_equal(vbuf_str(&b), "hello");
	vbuf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(vbuf_str(&b), "");
	vbuf_set(&b, "mine");
	char *p = vbuf_export(&b);
	assert_string_equal(p, "mine");
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	mem_free(p);
}

static void
test_mem_strndup_and_free(void **state)
{
	char *p = mem_strndup("abcdef", 3);
	assert_string_equal(p, "abc");
	p = mem_free(p);
	assert_null(p);
	assert_null(mem_free(NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_zeroed_is_empty_string),
	    cmocka_unit_test(test_append_keeps_nul_bytes_and_terminates),
	    cmocka_unit_test(test_growth_across_many_appends),
	    cmocka_unit_test(test_printf_long_output),
	    cmocka_unit_test(test_set_truncate_reset_export),
	    cmocka_unit_test(test_mem_strndup_and_free),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
