/* Unit tests for util/tls: protocol lists, cipher grades, level names. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "tls.h"

static void
test_protocols(void **state)
{
	static const struct {
		const char *spec;
		int min, max, rc;
	} cases[] = {
	    {">=TLSv1", TLS1_VERSION, TLS1_3_VERSION, 0},
	    {">=TLSv1.2", TLS1_2_VERSION, TLS1_3_VERSION, 0},
	    {"!SSLv2, !SSLv3, !TLSv1, !TLSv1.1", TLS1_2_VERSION, TLS1_3_VERSION,
		0},
	    {"TLSv1.2", TLS1_2_VERSION, TLS1_2_VERSION, 0},
	    {"TLSv1.2 TLSv1.3", TLS1_2_VERSION, TLS1_3_VERSION, 0},
	    {"<=TLSv1.2", TLS1_VERSION, TLS1_2_VERSION, 0},
	    {">=TLSv1.1:<=TLSv1.2", TLS1_1_VERSION, TLS1_2_VERSION, 0},
	    {"", TLS1_VERSION, TLS1_3_VERSION, 0},
	    {">=TLSv9", 0, 0, -1},
	    {"SSLv3", 0, 0, -1},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vbuf why = VBUF_INIT;
		int min = -1, max = -1;
		int rc = tls_protocols(cases[i].spec, &min, &max, &why);

		print_message("case: %s\n", cases[i].spec);
		assert_int_equal(rc, cases[i].rc);
		if (rc == 0) {
			assert_int_equal(min, cases[i].min);
			assert_int_equal(max, cases[i].max);
		} else {
			assert_true(why.len > 0);
		}
		vbuf_free(&why);
	}
}

static void
test_ciphers(void **state)
{
	struct vbuf out = VBUF_INIT, why = VBUF_INIT;

	assert_int_equal(tls_cipher_list("medium", "aNULL, RC4", &out, &why),
	    0);
	assert_string_equal(out.data,
	    "aNULL:-aNULL:HIGH:MEDIUM:+RC4:@STRENGTH:!aNULL:!RC4");
	vbuf_reset(&out);
	assert_int_equal(tls_cipher_list("HIGH", "", &out, &why), 0);
	assert_string_equal(out.data, "aNULL:-aNULL:HIGH:@STRENGTH");
	assert_int_equal(tls_cipher_list("strong", "", &out, &why), -1);
	assert_string_equal(why.data, "invalid cipher grade: \"strong\"");
	vbuf_free(&out);
	vbuf_free(&why);
}

static void
test_levels(void **state)
{
	assert_int_equal(tls_level_lookup("none"), TLS_LEV_NONE);
	assert_int_equal(tls_level_lookup("MAY"), TLS_LEV_MAY);
	assert_int_equal(tls_level_lookup("encrypt"), TLS_LEV_ENCRYPT);
	assert_int_equal(tls_level_lookup("fingerprint"), TLS_LEV_FPRINT);
	assert_int_equal(tls_level_lookup("verify"), TLS_LEV_VERIFY);
	assert_int_equal(tls_level_lookup("secure"), TLS_LEV_SECURE);
	assert_int_equal(tls_level_lookup("dane"), TLS_LEV_MAY);
	assert_int_equal(tls_level_lookup("dane-only"), -1);
	assert_int_equal(tls_level_lookup("bogus"), -1);
	assert_string_equal(tls_level_name(TLS_LEV_FPRINT), "fingerprint");
	assert_string_equal(tls_level_name(-1), "invalid");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_protocols),
	    cmocka_unit_test(test_ciphers),
	    cmocka_unit_test(test_levels),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
