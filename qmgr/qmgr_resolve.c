/*
 * NAME
 *	qmgr_resolve - choose transport and nexthop for a recipient
 * SYNOPSIS
 *	#include "qmgr.h"
 *
 *	void qmgr_resolve(const char *address, struct vbuf *transport,
 *			struct vbuf *nexthop);
 * DESCRIPTION
 *	qmgr_resolve() sets transport and nexthop (replacing their
 *	contents) for a recipient address. Today every recipient goes to
 *	the "smtp" transport; the nexthop is $relayhost as written (e.g.
 *	"[127.0.0.1]:2626") when it is set, else the recipient's domain
 *	(after the last '@') in lower case, else $myhostname. This function
 *	is the one place where transport_maps will be consulted.
 */
#include <ctype.h>
#include <string.h>
#include "qmgr.h"

void
qmgr_resolve(const char *address, struct vbuf *transport, struct vbuf *nexthop)
{
	const char *at;
	const char *p;

	vbuf_set(transport, "smtp");
	vbuf_reset(nexthop);
	if (var_relayhost && *var_relayhost) {
		vbuf_set(nexthop, var_relayhost);
		return;
	}
	if ((at = strrchr(address, '@')) != 0 && at[1] != 0) {
		for (p = at + 1; *p; p++)
			vbuf_putc(nexthop, tolower((unsigned char)*p));
		return;
	}
	vbuf_set(nexthop, var_myhostname ? var_myhostname : "localhost");
}
