/*
 * fuzz_resolve - util/resolve, the address resolver: the input is an
 * address as an SMTP client sends it between <> (up to its first NUL).
 * It is made internal with resolve_internal(), as smtpd does, and that is
 * resolved with resolve_addr() and checked with resolve_auth_destination(),
 * resolve_bad_nexthop() and resolve_fqdn(); the input itself is also
 * resolved as an internal-form address (a queue-file recipient, as qmgr
 * resolves it) and parsed with resolve_literal().
 *
 * The main.cf, written once into the target's temporary directory, sets
 * local and relay domains, address literals and the routing options, and
 * only numeric interface addresses (no DNS).
 *
 * Invariant checked: every reply has exactly one class.
 */
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "mem.h"
#include "msg.h"
#include "param.h"
#include "resolve.h"
#include "vbuf.h"

static const char main_cf[] =
    "myhostname = mx.example.net\n"
    "mydomain = example.net\n"
    "myorigin = $mydomain\n"
    "mydestination = localhost, $myhostname, localhost.$mydomain\n"
    "relay_domains = !bad.relay.example, relay.example, .sub.example\n"
    "parent_domain_matches_subdomains = relay_domains\n"
    "inet_interfaces = 127.0.0.1, [::1]\n"
    "proxy_interfaces = 192.0.2.7\n"
    "virtual_alias_domains = alias.example\n"
    "virtual_mailbox_domains = mbox.example\n"
    "empty_address_recipient = MAILER-DAEMON\n";

static void
configure(void)
{
	struct vbuf path = VBUF_INIT;
	const char *dir = fuzz_tmpdir("fuzz_resolve");

	fuzz_msg_init("fuzz_resolve");
	vbuf_printf(&path, "%s/main.cf", dir);
	fuzz_write(vbuf_str(&path), (const uint8_t *)main_cf,
	    sizeof(main_cf) - 1);
	vbuf_free(&path);
	param_load(dir);
	resolve_init();
}

static void
check_class(const struct resolve_reply *r, const char *addr)
{
	int class = r->flags & RESOLVE_CLASS_MASK;

	if (class == 0 || (class & (class - 1)) != 0)
		msg_panic("fuzz_resolve: <%s>: class bits %#x", addr, class);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int configured;
	struct resolve_reply reply = RESOLVE_REPLY_INIT;
	struct vbuf internal = VBUF_INIT;
	unsigned char a[16];
	char *addr;

	if (!configured) {
		configure();
		configured = 1;
	}
	addr = fuzz_string(data, size);
	resolve_internal(addr, &internal);
	resolve_addr("", vbuf_str(&internal), &reply);
	check_class(&reply, addr);
	(void)resolve_auth_destination(vbuf_str(&internal));
	(void)resolve_bad_nexthop(vbuf_str(&internal));
	(void)resolve_fqdn(vbuf_str(&internal));
	resolve_addr("sender@example.org", addr, &reply);
	check_class(&reply, addr);
	(void)resolve_literal(addr, a);
	resolve_reply_free(&reply);
	vbuf_free(&internal);
	mem_free(addr);
	return (0);
}
