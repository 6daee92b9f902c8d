#ifndef SLUICE_REWRITE_H
#define SLUICE_REWRITE_H
/*
 * NAME
 *	rewrite - address rewriting with tables: canonical, generic,
 *	masquerading, and addresses inside message headers
 * SYNOPSIS
 *	#include "rewrite.h"
 *
 *	int  rewrite_map(struct maps *m, const char *addr, int flags,
 *			const char *delims, struct vbuf *out);
 *	int  rewrite_masquerade(char **domains, struct maps *exceptions,
 *			const char *addr, struct vbuf *out);
 *	typedef int rewrite_fn(void *ctx, const char *addr,
 *			struct vbuf *out);
 *	int  rewrite_header(const char *value, size_t len, rewrite_fn *fn,
 *			void *ctx, struct vbuf *out);
 * DESCRIPTION
 *	Addresses are in Postfix's internal (unquoted) form.
 *
 *	rewrite_map() is Postfix's one-to-one address mapping (canonical(5),
 *	generic(5); docs/postfix/tables-routing.md): addr is looked up with
 *	maps_addr_find() (delims: recipient_delimiter; MAPS_LOCAL in flags
 *	when the domain is ours). A result "@domain" keeps the local part
 *	and replaces the domain; any other result replaces the address. When
 *	the entry matched the address without its extension and flags has
 *	REWRITE_PROPAGATE (propagate_unmatched_extensions lists the table's
 *	class), the extension goes to the result's local part. A result of
 *	several comma-separated addresses uses the first. The mapping is
 *	applied again to its own result, at most REWRITE_MAX_DEPTH times, so
 *	chains resolve and loops end. out receives the result: 1 when it
 *	differs from addr, 0 when nothing matched (out = addr), -1 when a
 *	table could not be read (maps_why() has the reason; out = addr).
 *
 *	rewrite_masquerade() applies masquerade_domains (domains, a
 *	NULL-terminated list, in order): the first entry that equals the
 *	address's domain stops the search with no change; the first that the
 *	domain is a subdomain of replaces the domain, unless the entry starts
 *	with "!" (then no change). Addresses whose local part is found in
 *	exceptions (masquerade_exceptions; NULL or empty: none) are left
 *	alone. Returns 1 when out differs from addr, else 0 (out = addr),
 *	-1 on a table error.
 *
 *	rewrite_header() rewrites the addresses in a header value (an
 *	address list as in To: or From:): for each address fn gets it in
 *	internal form and returns 1 with the new address in out, 0 for no
 *	change, -1 on error (which stops the work). Everything except the
 *	replaced addresses is kept byte for byte: phrases, comments, groups,
 *	white space and line folding. A replaced address is written with its
 *	local part quoted where RFC 822 requires it. Returns the number of
 *	addresses replaced (out = the new value; = value when 0), or -1.
 * SEE ALSO
 *	maps(3), addr(3).
 */
#include <stddef.h>

#include "maps.h"
#include "vbuf.h"

#define REWRITE_PROPAGATE (1 << 0)
#define REWRITE_LOCAL MAPS_LOCAL
#define REWRITE_MAX_DEPTH 10

int rewrite_map(struct maps *m, const char *addr, int flags, const char *delims,
    struct vbuf *out);
int rewrite_masquerade(char **domains, struct maps *exceptions,
    const char *addr, struct vbuf *out);

typedef int rewrite_fn(void *ctx, const char *addr, struct vbuf *out);
int rewrite_header(const char *value, size_t len, rewrite_fn *fn, void *ctx,
    struct vbuf *out);

#endif
