/*
 * fuzz_attr - util/attr: attr_parse() of IPC attribute blocks as a daemon
 * reads them from a peer, block after block, with attr_get() lookups.
 *
 * Invariant checked: a decoded block encoded again with attr_put() and
 * attr_end() decodes to the same names and values.
 */
#include <stdint.h>
#include <string.h>

#include "attr.h"
#include "fuzz.h"
#include "msg.h"
#include "vbuf.h"

/* reencode - the block's attributes survive a round trip */

static void
reencode(const struct attr_list *list)
{
	struct attr_list back = {0};
	struct vbuf out = VBUF_INIT;
	size_t i;

	for (i = 0; i < list->n; i++)
		attr_put(&out, list->a[i].name, list->a[i].value);
	attr_end(&out);
	if (attr_parse(out.data, out.len, &back) != (long)out.len)
		msg_panic("fuzz_attr: re-encoded block does not parse");
	if (back.n != list->n)
		msg_panic("fuzz_attr: %zu attributes became %zu", list->n,
		    back.n);
	for (i = 0; i < back.n; i++)
		if (strcmp(back.a[i].name, list->a[i].name) != 0 ||
		    strcmp(back.a[i].value, list->a[i].value) != 0)
			msg_panic("fuzz_attr: attribute %zu changed", i);
	attr_list_free(&back);
	vbuf_free(&out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	struct attr_list list = {0};
	const char *buf = (const char *)data;
	long n;

	if (!init) {
		fuzz_msg_init("fuzz_attr");
		init = 1;
	}
	while (size > 0 && (n = attr_parse(buf, size, &list)) > 0) {
		if ((size_t)n > size)
			msg_panic("fuzz_attr: consumed %ld of %zu bytes", n,
			    size);
		(void)attr_get(&list, "status");
		(void)attr_get(&list, "queue_id");
		reencode(&list);
		buf += n;
		size -= (size_t)n;
	}
	attr_list_free(&list);
	return (0);
}
