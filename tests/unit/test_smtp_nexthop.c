/* test_smtp_nexthop - Postfix host_port syntax for nexthops and ports. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "../../smtp/smtp.h"
#include "vbuf.h"

struct nexthop_case {
	const char *name;
	const char *input;
	const char *def_port;
	int ok;
	const char *host; /* or the error text */
	const char *text_name;
	int port;
	int bracketed;
};

static const struct nexthop_case cases[] = {
    {"bracketed IPv4 with port", "[127.0.0.1]:2626", "smtp", 1, "127.0.0.1",
	"127.0.0.1", 2626, 1},
    {"bracketed host default port", "[relay.example]", "smtp", 1,
	"relay.example", "relay.example", 25, 1},
    {"bracketed ipv6 prefix", "[ipv6:2001:db8::1]:587", "25", 1,
	"ipv6:2001:db8::1", "2001:db8::1", 587, 1},
    {"bracketed bare ipv6", "[::1]", "25", 1, "::1", "::1", 25, 1},
    {"host and port", "mx.example:2525", "smtp", 1, "mx.example", "mx.example",
	2525, 0},
    {"service name port", "mx.example:submission", "smtp", 1, "mx.example",
	"mx.example", 587, 0},
    {"bare host", "example.com", "smtp", 1, "example.com", "example.com", 25,
	0},
    {"numeric default port", "example.com", "2500", 1, "example.com",
	"example.com", 2500, 0},
    {"empty port means default", "[10.0.0.1]:", "smtp", 1, "10.0.0.1",
	"10.0.0.1", 25, 1},
    {"missing bracket", "[127.0.0.1:25", "smtp", 0, "missing \"]\"", NULL, 0,
	0},
    {"garbage after bracket", "[127.0.0.1]x", "smtp", 0, "garbage after \"]\"",
	NULL, 0, 0},
    {"garbage after bracket 2", "[127.0.0.1] :25", "smtp", 0,
	"garbage after \"]\"", NULL, 0, 0},
    {"empty brackets", "[]", "smtp", 0,
	"valid hostname or network address required", NULL, 0, 0},
    {"empty", "", "smtp", 0, "valid hostname or network address required", NULL,
	0, 0},
    {"bad host characters", "[a b]", "smtp", 0,
	"valid hostname or network address required", NULL, 0, 0},
    {"ipv6 prefix with non-address", "[ipv6:example.com]", "smtp", 0,
	"valid hostname or network address required", NULL, 0, 0},
    {"unbracketed ipv6 splits at last colon", "2001:db8::1", "smtp", 0,
	"valid hostname or network address required", NULL, 0, 0},
    {"port zero", "[127.0.0.1]:0", "smtp", 0, "bad network port", NULL, 0, 0},
    {"port too big", "[127.0.0.1]:65536", "smtp", 0, "bad network port", NULL,
	0, 0},
    {"port garbage", "host.example:25x", "smtp", 0, "bad network port", NULL, 0,
	0},
    {"unknown service", "host.example:nosuchservice", "smtp", 0,
	"bad network port", NULL, 0, 0},
    {"bad default port", "host.example", "nosuchservice", 0, "bad network port",
	NULL, 0, 0},
    {"list is not one host", "a.example, b.example", "smtp", 0,
	"valid hostname or network address required", NULL, 0, 0},
};

static void
test_cases(void **state)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct nexthop_case *c = &cases[i];
		struct smtp_nexthop nh;
		struct vbuf why = VBUF_INIT;
		int rc;

		print_message("case: %s\n", c->name);
		rc = smtp_nexthop_parse(c->input, c->def_port, &nh, &why);
		if (c->ok) {
			assert_int_equal(rc, 0);
			assert_string_equal(nh.host, c->host);
			assert_string_equal(nh.name, c->text_name);
			assert_int_equal(nh.port, c->port);
			assert_int_equal(nh.bracketed, c->bracketed);
			smtp_nexthop_free(&nh);
		} else {
			assert_int_equal(rc, -1);
			assert_string_equal(vbuf_str(&why), c->host);
			assert_null(nh.host);
		}
		vbuf_free(&why);
	}
}

static void
test_ports(void **state)
{
	static const struct {
		const char *in;
		int port;
	} ports[] = {
	    {"25", 25},
	    {"smtp", 25},
	    {"SMTP", 25},
	    {"65535", 65535},
	    {"1", 1},
	    {"0", -1},
	    {"-1", -1},
	    {"", -1},
	    {"99999999999", -1},
	    {"2 5", -1},
	    {"sm tp", -1},
	};

	for (size_t i = 0; i < sizeof(ports) / sizeof(ports[0]); i++)
		assert_int_equal(smtp_port_parse(ports[i].in), ports[i].port);
	assert_int_equal(smtp_port_parse(NULL), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cases),
	    cmocka_unit_test(test_ports),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
