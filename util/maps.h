#ifndef SLUICE_MAPS_H
#define SLUICE_MAPS_H
/*
 * NAME
 *	maps - a parameter's list of lookup tables, searched as Postfix does
 * SYNOPSIS
 *	#include "maps.h"
 *
 *	struct maps *maps_create(const char *title, const char *spec,
 *			int flags);
 *	const char *maps_find(struct maps *m, const char *key, int flags);
 *	const char *maps_addr_find(struct maps *m, const char *addr,
 *			const char *delims, int flags);
 *	const char *maps_domain_find(struct maps *m, const char *domain,
 *			int flags);
 *	int  maps_error(const struct maps *m);
 *	const char *maps_why(const struct maps *m);
 *	const char *maps_title(const struct maps *m);
 *	int  maps_empty(const struct maps *m);
 *	int  maps_check(const char *title, const char *spec,
 *			struct vbuf *why);
 *	void maps_refresh(struct maps *m);
 *	struct maps *maps_free(struct maps *m);
 * DESCRIPTION
 *	maps_create() opens every table of spec, the value of the parameter
 *	title: "type:name" items separated by white space or commas, braces
 *	grouping ("inline:{ a=b, c=d }" is one item). flags are dict_open()
 *	flags. A table that cannot be opened is not fatal: it is kept as a
 *	broken entry, logged once, and every lookup that reaches it reports
 *	an error, so that the caller defers the mail instead of taking a
 *	default route. An empty spec gives a list that finds nothing.
 *
 *	maps_find() looks key up in each table in order and returns the
 *	first value found (borrowed until the next lookup in m), or NULL.
 *	NULL with maps_error(m) != 0 means a table failed (maps_why() says
 *	which and why, e.g. "hash:/etc/x: lookup error: ..."): the answer is
 *	unknown, not "not found". With MAPS_FIXED, pattern tables (cidr,
 *	regexp, pcre) are skipped: the key is a partial form of what the
 *	caller looks up, and only fixed-string tables answer partial keys.
 *
 *	maps_addr_find() looks an email address up as Postfix's address
 *	lookups do (docs/postfix/tables-routing.md): the whole address
 *	(pattern tables see only this form), then user@domain without the
 *	extension (the part of the local part from the first character of
 *	delims on, when delims is not empty), then, with MAPS_LOCAL (the
 *	domain is one of ours), user+ext and user, then @domain.
 *
 *	maps_domain_find() looks a domain up: the domain, then for each
 *	parent, nearest first, the ".parent.domain" entry, or with
 *	MAPS_PARENT (parent_domain_matches_subdomains lists the parameter)
 *	the bare "parent.domain" entry instead. Pattern tables see the
 *	domain only.
 *
 *	maps_check() opens spec as maps_create() would and returns -1 with
 *	why naming the parameter and the first table that fails ("title:
 *	TYPE:NAME: reason"), for sluice check.
 *
 *	maps_refresh() re-opens the tables whose files changed since they
 *	were opened (checked at most once a second); a daemon calls it
 *	between requests.
 * DIAGNOSTICS
 *	Warnings: a table that cannot be opened (once per open attempt).
 * SEE ALSO
 *	dict(3), docs/postfix/tables-routing.md.
 */
#include "vbuf.h"

#define MAPS_FIXED (1 << 8)   /* skip pattern tables */
#define MAPS_LOCAL (1 << 9)   /* maps_addr_find(): the domain is ours */
#define MAPS_PARENT (1 << 10) /* maps_domain_find(): bare parent entries */

struct maps;

struct maps *maps_create(const char *title, const char *spec, int flags);
const char *maps_find(struct maps *m, const char *key, int flags);
const char *maps_addr_find(struct maps *m, const char *addr, const char *delims,
    int flags);
const char *maps_domain_find(struct maps *m, const char *domain, int flags);
int maps_error(const struct maps *m);
const char *maps_why(const struct maps *m);
const char *maps_title(const struct maps *m);
int maps_empty(const struct maps *m);
int maps_check(const char *title, const char *spec, struct vbuf *why);
void maps_refresh(struct maps *m);
struct maps *maps_free(struct maps *m);

#endif
