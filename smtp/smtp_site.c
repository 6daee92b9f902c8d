/*
 * smtp_site - the destinations of one delivery and their addresses;
 * see smtp.h.
 *
 * Implementation notes. The sites are the nexthop list ("a, b",
 * Postfix 3.5+) followed by smtp_fallback_relay. For each site, while
 * recipients are left: a bare host gets an MX lookup (unless
 * disable_dns_lookups or smtp_dns_support_level = disabled), then the
 * address lookups of all its MX hosts run concurrently; [host], numeric
 * hosts and the implicit MX (NXDOMAIN or no MX record) get one address
 * lookup. The list is cut by loop detection (port 25 only), shuffled
 * among equal preferences and tried in order (at most
 * smtp_mx_address_limit, at most smtp_mx_session_limit sessions that
 * got past HELO, both per site) while recipients are left without a
 * final result. Only the last address of the last site is the "final"
 * one: a site's DNS failure or a hard failure elsewhere is recorded as
 * soft and the next site is tried. When this host is one of a site's
 * MX hosts, no later site (nor the fallback relay) is tried.
 * smtp_session.c runs the SMTP dialogue with each address and comes
 * back through smtp_next_address() when a connection is over.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "mem.h"
#include "msg.h"
#include "smtp.h"

static void smtp_next_site(struct smtp_session *s);
static void smtp_site_start(struct smtp_session *s);
static void smtp_dest_fail(struct smtp_session *s, const char *dsn,
    const char *why);

/* smtp_relayhost_hard - a hard error from $relayhost is a config problem */

const char *
smtp_soften(struct smtp_session *s, const char *dsn, char buf[16])
{
	if (dsn[0] == '5' && s->site >= s->first_fallback &&
	    s->site < s->nsites) {
		msg_warn("%s: smtp_fallback_relay configuration problem",
		    s->queue_id);
		strcpy(buf, "4.3.5");
		return buf;
	}
	if (dsn[0] == '5' && *var_relayhost &&
	    strcmp(s->nexthop, var_relayhost) == 0) {
		msg_warn("%s: relayhost configuration problem", s->queue_id);
		strcpy(buf, "4.3.5");
		return buf;
	}
	return dsn;
}

/* smtp_final_site - no site is tried after the current one */

int
smtp_final_site(const struct smtp_session *s)
{
	return s->is_mx || s->site + 1 >= s->nsites;
}

/* smtp_addr_limit - addresses of this site that may be tried */

static size_t
smtp_addr_limit(const struct smtp_session *s)
{
	size_t limit = s->naddr;

	if (var_smtp_mx_address_limit > 0 &&
	    (size_t)var_smtp_mx_address_limit < limit)
		limit = (size_t)var_smtp_mx_address_limit;
	return limit;
}

/* smtp_next_address - connect to the next address, or the next site */

void
smtp_next_address(struct smtp_session *s)
{
	size_t limit = smtp_addr_limit(s);

	if (s->last_try || s->addr_next >= limit ||
	    (var_smtp_mx_session_limit > 0 &&
		s->nsessions >= var_smtp_mx_session_limit)) {
		smtp_next_site(s);
		return;
	}
	s->addr = &s->addrs[s->addr_next++];
	s->last_try = smtp_final_site(s) && s->addr_next >= limit;
	s->site_failed = 0;
	s->tls_plain = 0;
	smtp_connect(s);
}

/* smtp_resolve_cancel - abandon the lookups of the current site */

void
smtp_resolve_cancel(struct smtp_session *s)
{
	s->dns = dns_cancel(s->dns);
	s->mx_query = 0;
	for (size_t i = 0; s->mxq && i < s->nmx; i++) {
		s->mxq[i].req = dns_cancel(s->mxq[i].req);
		mem_free(s->mxq[i].why);
		mem_free(s->mxq[i].addrs);
	}
	s->mxq = mem_free(s->mxq);
	s->mxq_pending = 0;
}

/* smtp_site_reset - forget the previous site */

static void
smtp_site_reset(struct smtp_session *s)
{
	smtp_resolve_cancel(s);
	smtp_nexthop_free(&s->nh);
	s->mx = mem_free(s->mx);
	s->nmx = 0;
	s->addrs = mem_free(s->addrs);
	s->naddr = s->addr_next = 0;
	s->nsessions = 0;
	s->addr = NULL;
	s->relay = mem_free(s->relay);
	s->hostaddr = mem_free(s->hostaddr);
	s->last_try = 0;
}

/* smtp_dest_fail - the site failed before any connection (DNS, loops) */

static void
smtp_dest_fail(struct smtp_session *s, const char *dsn, const char *why)
{
	smtp_resolve_cancel(s);
	s->addr = NULL;
	s->relay = mem_free(s->relay); /* relay=none */
	s->last_try = smtp_final_site(s);
	smtp_site_fail(s, dsn, why, NULL);
	smtp_next_site(s);
}

/* smtp_next_site - the current site is done: next one, or finish */

static void
smtp_next_site(struct smtp_session *s)
{
	if (!smtp_any_open(s) || smtp_final_site(s)) {
		smtp_finish(s);
		return;
	}
	s->site++;
	smtp_site_start(s);
}

/* smtp_try_addrs - the site's address list is complete: try it */

static void
smtp_try_addrs(struct smtp_session *s, const char *domain, int mx)
{
	int self_pref = -1;
	struct vbuf why = VBUF_INIT;

	/* Loop detection only for the SMTP port. */
	if (s->nh.port == 25 && smtp_derived.nown > 0) {
		smtp_addr_sort(s->addrs, s->naddr, 0, 0, NULL);
		s->naddr = smtp_addr_unloop(s->addrs, s->naddr,
		    smtp_derived.own, smtp_derived.nown, &self_pref);
	}
	if (self_pref >= 0) {
		s->is_mx = 1; /* no other site, no fallback */
		if (s->naddr == 0) {
			int better = 0;

			for (size_t i = 0; mx && i < s->nmx; i++)
				if (s->mx[i].pref < self_pref)
					better = 1;
			if (better) {
				vbuf_printf(&why,
				    "unable to find primary relay for %s",
				    domain);
				smtp_dest_fail(s, "4.4.4", why.data);
			} else {
				vbuf_printf(&why,
				    "mail for %s loops back to myself", domain);
				smtp_dest_fail(s, "5.4.6", why.data);
			}
			vbuf_free(&why);
			return;
		}
	}
	smtp_addr_sort(s->addrs, s->naddr, var_smtp_randomize_addresses,
	    smtp_derived.family_pref, NULL);
	if (msg_verbose)
		for (size_t i = 0; i < s->naddr; i++)
			msg_info("%s: %s: address %s[%s] pref %d", s->queue_id,
			    domain, s->addrs[i].host, s->addrs[i].a.text,
			    s->addrs[i].pref);
	vbuf_free(&why);
	smtp_next_address(s);
}

/* smtp_on_addr - the address lookup of a host (no MX) finished */

static void
smtp_on_addr(const struct dns_reply *r, void *ctx)
{
	struct smtp_session *s = ctx;

	s->dns = NULL;
	if (r->status != DNS_OK) {
		smtp_dest_fail(s, r->dsn, r->why);
		return;
	}
	s->addrs = mem_calloc(DNS_ADDR_MAX, sizeof(*s->addrs));
	s->naddr = 0;
	smtp_addr_add(s->addrs, &s->naddr, r->addrs, r->naddr, 0, s->nh.name);
	smtp_try_addrs(s, s->nh.name, 0);
}

/* smtp_mx_addrs_done - every MX host's address lookup finished */

static void
smtp_mx_addrs_done(struct smtp_session *s)
{
	const struct smtp_mxq *soft = NULL;
	const struct smtp_mxq *hard = NULL;

	s->addrs = mem_calloc(DNS_ADDR_MAX, sizeof(*s->addrs));
	s->naddr = 0;
	for (size_t i = 0; i < s->nmx; i++) {
		const struct smtp_mxq *q = &s->mxq[i];

		if (q->status == DNS_OK)
			smtp_addr_add(s->addrs, &s->naddr, q->addrs, q->naddr,
			    s->mx[i].pref, s->mx[i].name);
		else if (q->status == DNS_RETRY)
			soft = q;
		else
			hard = q;
	}
	if (s->naddr == 0) {
		const struct smtp_mxq *q = soft ? soft : hard;
		char dsn[16];
		struct vbuf why = VBUF_INIT;

		msg_warn("no MX host for %s has a valid address record",
		    s->nh.name);
		if (q) {
			snprintf(dsn, sizeof(dsn), "%s", q->dsn);
			vbuf_set(&why, q->why);
		} else { /* cannot happen: nmx > 0 */
			strcpy(dsn, "5.4.4");
			vbuf_printf(&why,
			    "no MX host for %s has a valid address record",
			    s->nh.name);
		}
		if (var_smtp_defer_if_no_mx_address_found)
			dsn[0] = '4';
		smtp_dest_fail(s, dsn, why.data);
		vbuf_free(&why);
		return;
	}
	smtp_resolve_cancel(s);
	smtp_try_addrs(s, s->nh.name, 1);
}

static void
smtp_on_mx_addr(const struct dns_reply *r, void *ctx)
{
	struct smtp_mxq *q = ctx;
	struct smtp_session *s = q->s;

	q->req = NULL;
	q->done = 1;
	q->status = r->status;
	snprintf(q->dsn, sizeof(q->dsn), "%s", r->dsn);
	q->why = mem_strdup(r->why);
	if (r->naddr > 0) {
		q->addrs = mem_calloc(r->naddr, sizeof(*q->addrs));
		memcpy(q->addrs, r->addrs, r->naddr * sizeof(*q->addrs));
		q->naddr = r->naddr;
	}
	if (--s->mxq_pending == 0)
		smtp_mx_addrs_done(s);
}

/* smtp_host_lookup - address lookup of the nexthop host itself */

static void
smtp_host_lookup(struct smtp_session *s)
{
	smtp_enter_state(s, SMTP_ST_RESOLVE);
	s->dns = dns_query_addr(s->nh.host,
	    smtp_derived.families | (smtp_derived.native_hosts ? DNS_HOSTS : 0),
	    smtp_on_addr, s);
}

/* smtp_on_mx - the MX lookup finished */

static void
smtp_on_mx(const struct dns_reply *r, void *ctx)
{
	struct smtp_session *s = ctx;
	struct vbuf why = VBUF_INIT;

	s->dns = NULL;
	s->mx_query = 0;
	if (r->status == DNS_OK && r->nullmx) {
		vbuf_printf(&why, "Domain %s does not accept mail (nullMX)",
		    s->nh.name);
		smtp_dest_fail(s, "5.1.0", why.data);
	} else if (r->status == DNS_OK) {
		s->mx = mem_calloc(r->nmx, sizeof(*s->mx));
		memcpy(s->mx, r->mx, r->nmx * sizeof(*s->mx));
		s->nmx = smtp_mx_sort(s->mx, r->nmx);
		if (s->nmx == 0) { /* only "." among others */
			vbuf_printf(&why,
			    "no MX host for %s has a valid address record",
			    s->nh.name);
			msg_warn("%s", why.data);
			smtp_dest_fail(s, "5.4.4", why.data);
		} else {
			s->mxq = mem_calloc(s->nmx, sizeof(*s->mxq));
			s->mxq_pending = s->nmx;
			smtp_enter_state(s, SMTP_ST_RESOLVE); /* fresh timer */
			for (size_t i = 0; i < s->nmx; i++) {
				s->mxq[i].s = s;
				s->mxq[i].req = dns_query_addr(s->mx[i].name,
				    smtp_derived.families, smtp_on_mx_addr,
				    &s->mxq[i]);
			}
		}
	} else if (r->status == DNS_NOTFOUND || var_ignore_mx_lookup_error) {
		/* Implicit MX: the domain's own address records. */
		smtp_host_lookup(s);
	} else {
		smtp_dest_fail(s, r->dsn, r->why);
	}
	vbuf_free(&why);
}

/* smtp_site_start - parse the current site, then look it up */

static void
smtp_site_start(struct smtp_session *s)
{
	struct vbuf why = VBUF_INIT;
	const char *site = s->sites[s->site];
	struct dns_addr lit;

	smtp_site_reset(s);
	if (smtp_nexthop_parse(site, var_smtp_tcp_port, &s->nh, &why) < 0) {
		struct vbuf reason = VBUF_INIT;

		msg_warn("%s: malformed nexthop \"%s\": %s", s->queue_id, site,
		    why.data);
		vbuf_printf(&reason, "malformed nexthop \"%s\": %s", site,
		    why.data);
		s->nh.name = mem_strdup(site);
		smtp_dest_fail(s, "4.3.5", reason.data);
		vbuf_free(&reason);
		vbuf_free(&why);
		return;
	}
	vbuf_free(&why);
	if (smtp_tls_policy_find(&s->tls, site) < 0) {
		msg_warn("TLS policy lookup for %s/%s: client TLS "
			 "configuration "
			 "problem",
		    site, s->nh.name);
		smtp_dest_fail(s, "4.7.5", "client TLS configuration problem");
		return;
	}
	smtp_cache_demand(s);
	if (!s->no_cache && smtp_cache_get(s))
		return;
	if (s->nh.bracketed || !smtp_derived.mx_lookups ||
	    dns_addr_literal(s->nh.host, DNS_INET_ALL, &lit)) {
		smtp_host_lookup(s);
	} else {
		smtp_enter_state(s, SMTP_ST_RESOLVE);
		s->mx_query = 1;
		s->dns = dns_query_mx(s->nh.host, smtp_on_mx, s);
	}
}

/* smtp_site_restart - a cached connection failed: the site afresh */

void
smtp_site_restart(struct smtp_session *s)
{
	s->no_cache = 1;
	smtp_site_start(s);
}

/* smtp_sites_add - append a destination list to the sites */

static void
smtp_sites_add(struct smtp_session *s, const char *list)
{
	const char *cp = list;

	while (*cp) {
		size_t len;

		cp += strspn(cp, ", \t\r\n");
		if ((len = strcspn(cp, ", \t\r\n")) == 0)
			break;
		s->sites =
		    mem_realloc(s->sites, (s->nsites + 2) * sizeof(*s->sites));
		s->sites[s->nsites++] = mem_strndup(cp, len);
		s->sites[s->nsites] = NULL;
		cp += len;
	}
}

/* smtp_sites_start - the request's nexthop list, then the fallbacks */

void
smtp_sites_start(struct smtp_session *s)
{
	smtp_sites_add(s, s->nexthop);
	if (s->nsites == 0)		 /* only separators */
		smtp_sites_add(s, "[]"); /* a parse error below */
	s->first_fallback = s->nsites;
	smtp_sites_add(s, var_smtp_fallback_relay);
	s->site = 0;
	smtp_site_start(s);
}

/* smtp_sites_one - one site, one address, the last one to try */

void
smtp_sites_one(struct smtp_session *s, const char *host, const char *addr,
    int port)
{
	smtp_site_reset(s);
	s->nh.host = mem_strdup(host);
	s->nh.name = mem_strdup(host);
	s->nh.port = port;
	s->nh.bracketed = 1;
	s->first_fallback = s->nsites;
	s->addrs = mem_calloc(1, sizeof(*s->addrs));
	snprintf(s->addrs[0].host, sizeof(s->addrs[0].host), "%s", host);
	snprintf(s->addrs[0].a.text, sizeof(s->addrs[0].a.text), "%s", addr);
	s->naddr = s->addr_next = 1;
	s->addr = &s->addrs[0];
	s->last_try = 1;
	s->site_failed = 0;
}

/* smtp_site_established - a session got past HELO */

void
smtp_site_established(struct smtp_session *s)
{
	s->nsessions++;
	if (var_smtp_mx_session_limit > 0 &&
	    s->nsessions >= var_smtp_mx_session_limit && smtp_final_site(s))
		s->last_try = 1;
}

/* smtp_resolve_timeout - the site's lookups took too long */

void
smtp_resolve_timeout(struct smtp_session *s)
{
	struct vbuf why = VBUF_INIT;

	vbuf_printf(&why,
	    "Host or domain name not found. Name service "
	    "error for name=%s type=%s: Host not found, try again",
	    s->nh.name, s->mx_query ? "MX" : "A");
	smtp_dest_fail(s, "4.4.3", why.data);
	vbuf_free(&why);
}

/* smtp_sites_free - release the sites and the current site's state */

void
smtp_sites_free(struct smtp_session *s)
{
	smtp_resolve_cancel(s);
	s->addrs = mem_free(s->addrs);
	s->mx = mem_free(s->mx);
	for (size_t i = 0; i < s->nsites; i++)
		mem_free(s->sites[i]);
	s->sites = mem_free(s->sites);
	s->nsites = 0;
	smtp_nexthop_free(&s->nh);
}
