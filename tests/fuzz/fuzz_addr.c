/*
 * fuzz_addr - util/addr: addr_parse() of an address list (a header value
 * or a sendmail argument, untrusted), addr_is_header() of the same bytes,
 * and for every address found addr_quote_local() and addr_qualify(); the
 * text up to its first NUL also goes through addr_phrase().
 *
 * Invariant checked: parsing an address quoted by addr_quote_local()
 * gives at most one address back (quoting never splits one in two),
 * unless its domain holds list specials ("<a@b,c>" is one address, and
 * only the local part is quoted).
 */
#include <stdint.h>
#include <string.h>

#include "addr.h"
#include "fuzz.h"
#include "mem.h"
#include "msg.h"
#include "vbuf.h"

/* plain_domain - nothing after the last '@' that could split a list */

static int
plain_domain(const char *addr)
{
	const char *at = strrchr(addr, '@');

	for (const char *p = at ? at + 1 : ""; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 127 ||
		    strchr("()<>,;:\\\"", *p) != NULL)
			return (0);
	return (1);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	struct addr_list list = {0};
	struct addr_list again = {0};
	struct vbuf out = VBUF_INIT;
	char *text;

	if (!init) {
		fuzz_msg_init("fuzz_addr");
		init = 1;
	}
	(void)addr_parse((const char *)data, size, &list);
	(void)addr_is_header((const char *)data, size);
	for (size_t i = 0; i < list.n; i++) {
		vbuf_reset(&out);
		addr_quote_local(&out, list.addr[i]);
		if (plain_domain(list.addr[i]) &&
		    addr_parse(out.data ? out.data : "", out.len, &again) > 1)
			msg_panic("fuzz_addr: <%s> quoted as <%s> parses as "
				  "%zu addresses",
			    list.addr[i], vbuf_str(&out), again.n);
		addr_list_free(&again);
		vbuf_reset(&out);
		addr_qualify(&out, list.addr[i], i & 1 ? NULL : "example.org");
	}
	text = fuzz_string(data, size);
	vbuf_reset(&out);
	addr_phrase(&out, text);
	mem_free(text);
	vbuf_free(&out);
	addr_list_free(&list);
	return (0);
}
