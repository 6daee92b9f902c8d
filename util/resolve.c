/*
 * resolve - the one address resolver (see resolve.h), after Postfix's
 * trivial-rewrite (rewrite.c, resolve.c) and global/resolve_local.c;
 * docs/postfix/tables-routing.md.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <netinet/in.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "resolve.h"
#include "addr.h"
#include "dns.h"
#include "maps.h"
#include "mem.h"
#include "msg.h"
#include "param.h"

static const struct param_var resolve_params[] = {
    PARAM_VAR(myhostname),
    PARAM_VAR(mydomain),
    PARAM_VAR(myorigin),
    PARAM_VAR(mydestination),
    PARAM_VAR(relay_domains),
    PARAM_VAR(virtual_alias_domains),
    PARAM_VAR(virtual_mailbox_domains),
    PARAM_VAR(parent_domain_matches_subdomains),
    PARAM_VAR(inet_interfaces),
    PARAM_VAR(proxy_interfaces),
    PARAM_VAR(swap_bangpath),
    PARAM_VAR(allow_percent_hack),
    PARAM_VAR(append_at_myorigin),
    PARAM_VAR(append_dot_mydomain),
    PARAM_VAR(resolve_dequoted_address),
    PARAM_VAR(allow_untrusted_routing),
    PARAM_VAR(empty_address_recipient),
    PARAM_VAR(relayhost),
    PARAM_VAR(relay_transport),
    PARAM_VAR(default_transport),
    PARAM_VAR(recipient_delimiter),
    PARAM_VAR(transport_maps),
    PARAM_VAR(sender_dependent_relayhost_maps),
    PARAM_VAR(sender_dependent_default_transport_maps),
    PARAM_VAR(relay_recipient_maps),
    PARAM_VAR(empty_address_relayhost_maps_lookup_key),
    PARAM_VAR(empty_address_default_transport_maps_lookup_key),
    PARAM_VAR_END,
};

/*
 * The tables step 3 reads, opened once per process by resolve_init() (a
 * daemon calls it from pre_init, before privileges are dropped) and kept
 * while the parameter keeps its value; resolve_addr() refreshes them.
 */
enum { RT_TRANSPORT, RT_SND_RELAY, RT_SND_XPORT, RT_RELAY_RCPT, RT_COUNT };

static struct resolve_table {
	const char *param;
	const char **value;
	char *spec; /* the value the tables were opened with */
	struct maps *maps;
} resolve_tables[RT_COUNT] = {
    {"transport_maps", &var_transport_maps, NULL, NULL},
    {"sender_dependent_relayhost_maps", &var_sender_dependent_relayhost_maps,
	NULL, NULL},
    {"sender_dependent_default_transport_maps",
	&var_sender_dependent_default_transport_maps, NULL, NULL},
    {"relay_recipient_maps", &var_relay_recipient_maps, NULL, NULL},
};

static int resolve_ready;

/*
 * This host's addresses for "[ip]" domain literals: inet_interfaces
 * ("all": every interface address, from getifaddrs) plus proxy_interfaces.
 */
struct own_addr {
	int family;
	unsigned char addr[16];
};

static struct own_addr *own;
static size_t nown, own_cap;

static void
own_add(int family, const void *a)
{
	size_t len = family == AF_INET ? 4 : 16;

	for (size_t i = 0; i < nown; i++)
		if (own[i].family == family && memcmp(own[i].addr, a, len) == 0)
			return;
	if (nown == own_cap) {
		own_cap = own_cap ? 2 * own_cap : 8;
		own = mem_realloc(own, own_cap * sizeof(*own));
	}
	memset(own + nown, 0, sizeof(*own));
	own[nown].family = family;
	memcpy(own[nown].addr, a, len);
	nown++;
}

static void
own_add_sockaddr(const struct sockaddr *sa)
{
	if (sa == NULL)
		return;
	if (sa->sa_family == AF_INET)
		own_add(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr);
	else if (sa->sa_family == AF_INET6)
		own_add(AF_INET6,
		    &((const struct sockaddr_in6 *)sa)->sin6_addr);
}

/* One inet_interfaces/proxy_interfaces entry: address, [address] or name. */
static void
own_add_entry(const char *param, const char *entry)
{
	char host[256];
	size_t len = strlen(entry);
	unsigned char a[16];

	if (strcasecmp(entry, "loopback-only") == 0) {
		own_add_entry(param, "127.0.0.1");
		own_add_entry(param, "::1");
		return;
	}
	if (*entry == '[' && len >= 2 && entry[len - 1] == ']') {
		entry++;
		len -= 2;
	}
	if (len == 0 || len >= sizeof(host))
		return;
	memcpy(host, entry, len);
	host[len] = 0;
	if (inet_pton(AF_INET, host, a) == 1) {
		own_add(AF_INET, a);
	} else if (inet_pton(AF_INET6, host, a) == 1) {
		own_add(AF_INET6, a);
	} else {
		struct addrinfo hints, *res, *r;

		memset(&hints, 0, sizeof(hints));
		hints.ai_socktype = SOCK_STREAM;
		if (getaddrinfo(host, NULL, &hints, &res) != 0) {
			msg_warn("%s: unable to look up host %s", param, host);
			return;
		}
		for (r = res; r; r = r->ai_next)
			own_add_sockaddr(r->ai_addr);
		freeaddrinfo(res);
	}
}

static void
own_init(void)
{
	char **list = var_inet_interfaces;
	int all = 0;

	nown = 0;
	for (size_t i = 0; list[i]; i++)
		if (strcasecmp(list[i], "all") == 0)
			all = 1;
	if (all) {
		struct ifaddrs *ifa, *p;

		if (getifaddrs(&ifa) < 0) {
			msg_warn("getifaddrs: %m");
			own_add_entry("inet_interfaces", "loopback-only");
		} else {
			for (p = ifa; p; p = p->ifa_next)
				own_add_sockaddr(p->ifa_addr);
			freeifaddrs(ifa);
		}
	} else {
		for (size_t i = 0; list[i]; i++)
			own_add_entry("inet_interfaces", list[i]);
	}
	list = var_proxy_interfaces;
	for (size_t i = 0; list[i]; i++)
		own_add_entry("proxy_interfaces", list[i]);
}

static void
resolve_tables_open(void)
{
	for (int i = 0; i < RT_COUNT; i++) {
		struct resolve_table *t = &resolve_tables[i];
		const char *spec = *t->value ? *t->value : "";

		if (t->spec != NULL && strcmp(t->spec, spec) == 0)
			continue;
		t->maps = maps_free(t->maps);
		mem_free(t->spec);
		t->spec = mem_strdup(spec);
		if (*spec)
			t->maps = maps_create(t->param, spec, 0);
	}
}

void
resolve_init(void)
{
	param_bind(resolve_params);
	own_init();
	resolve_tables_open();
	resolve_ready = 1;
}

static void
resolve_ready_check(void)
{
	if (!resolve_ready)
		resolve_init();
}

int
resolve_literal(const char *host, unsigned char a[16])
{
	size_t len = strlen(host);
	char buf[INET6_ADDRSTRLEN + 8];

	if (len < 3 || host[0] != '[' || host[len - 1] != ']' ||
	    len - 2 >= sizeof(buf))
		return 0;
	memcpy(buf, host + 1, len - 2);
	buf[len - 2] = 0;
	if (strncasecmp(buf, "IPv6:", 5) == 0)
		return inet_pton(AF_INET6, buf + 5, a) == 1 ? AF_INET6 : 0;
	return inet_pton(AF_INET, buf, a) == 1 ? AF_INET : 0;
}

/* Is the literal "[...]" one of this host's addresses? */
static int
own_literal(const char *lit)
{
	unsigned char a[16];
	int family = resolve_literal(lit, a);

	if (family == 0)
		return 0;
	for (size_t i = 0; i < nown; i++)
		if (own[i].family == family &&
		    memcmp(own[i].addr, a, family == AF_INET ? 4 : 16) == 0)
			return 1;
	return 0;
}

/*
 * A Postfix string list (mydestination, resolve_local.c): exact,
 * case-insensitive names; "!name" excludes; the first match decides.
 */
static int
string_list_match(const char *name, char **list)
{
	for (size_t i = 0; list[i]; i++) {
		const char *pat = list[i];
		int neg = (*pat == '!');

		if (strcasecmp(pat + neg, name) == 0)
			return !neg;
	}
	return 0;
}

/*
 * A final destination of this host (Postfix resolve_local): one trailing
 * dot is ignored; mydestination entries match exactly (no subdomains);
 * an address literal matches when it is one of this host's addresses.
 */
static int
domain_local(const char *domain)
{
	char *d = mem_strdup(domain);
	size_t len = strlen(d);
	int ok = 0;

	if (len > 0 && d[len - 1] == '.')
		d[--len] = 0;
	if (len == 0 || d[len - 1] == '.') {
		mem_free(d);
		return 0;
	}
	if (string_list_match(d, var_mydestination)) {
		ok = 1;
	} else if (d[0] == '[') {
		ok = own_literal(d);
	}
	mem_free(d);
	return ok;
}

/*
 * Domain lists (relay_domains, virtual_*_domains). Patterns are compared
 * case-insensitively; "!pattern" negates (the first matching pattern
 * decides); "type:table" and "/file" entries are not supported and never
 * match. With subdomains "example.com" also matches "x.example.com";
 * ".example.com" matches subdomains only, whatever that setting.
 */
static int
pattern_match(const char *domain, const char *pat, int subdomains)
{
	size_t dlen = strlen(domain);

	if (strcasecmp(pat, domain) == 0)
		return *pat != '.';
	if (subdomains || *pat == '.') {
		const char *base = *pat == '.' ? pat + 1 : pat;
		size_t blen = strlen(base);

		if (blen > 0 && dlen > blen && domain[dlen - blen - 1] == '.' &&
		    strcasecmp(domain + dlen - blen, base) == 0)
			return 1;
	}
	return 0;
}

static int
domain_list_match(const char *domain, char **list, int subdomains)
{
	for (size_t i = 0; list && list[i]; i++) {
		const char *pat = list[i];
		int neg = (*pat == '!');

		pat += neg;
		if (*pat == '/' || (*pat != '[' && strchr(pat, ':') != NULL))
			continue; /* tables: not supported */
		if (pattern_match(domain, pat, subdomains))
			return !neg;
	}
	return 0;
}

/* A "routed" address still holds @, ! or % in its local part. */
static int
addr_routed(const char *addr)
{
	const char *at = strrchr(addr, '@');
	size_t len = at ? (size_t)(at - addr) : strlen(addr);

	return strcspn(addr, "@!%") < len;
}

/*
 * A mail host as Postfix's valid_hostname() or valid_mailhost_literal():
 * a host name that is not all numeric, "[a.b.c.d]" or "[IPv6:...]".
 */
static int
mail_host_ok(const char *host)
{
	unsigned char bin[16];

	if (host[0] == '[')
		return resolve_literal(host, bin) != 0;
	if (!dns_valid_hostname(host))
		return 0;
	return host[strspn(host, "0123456789.")] != 0;
}

/*
 * An address being resolved is held as (local part, domain) in internal
 * (unquoted) form; the domain is absent while has_domain is 0. Postfix
 * tokenises the address after quoting the local part as RFC 822 requires:
 * a local part that needs quoting is one opaque quoted string whose @, !
 * and % are no routing operators until resolve_dequoted_address cracks
 * it open. local_quoted() tells which case applies.
 */
struct raddr {
	struct vbuf local;
	struct vbuf domain;
	int has_domain;
};

#define RADDR_INIT                                                             \
	{                                                                      \
		VBUF_INIT, VBUF_INIT, 0                                        \
	}

static void
raddr_free(struct raddr *a)
{
	vbuf_free(&a->local);
	vbuf_free(&a->domain);
}

static int
local_quoted(const char *s)
{
	if (*s == 0 || *s == '.')
		return 1;
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c <= ' ' || c == 0x7f ||
		    strchr("()<>@,;:\\\"[]", c) != NULL)
			return 1;
		if (c == '.' && (p[1] == '.' || p[1] == 0))
			return 1;
	}
	return 0;
}

/* Split local at byte offset at: local = after, domain = before (bang). */
static void
raddr_swap_bang(struct raddr *a, size_t at)
{
	char *s = vbuf_export(&a->local);

	vbuf_set(&a->domain, "");
	vbuf_append(&a->domain, s, at);
	vbuf_set(&a->local, s + at + 1);
	a->has_domain = 1;
	mem_free(s);
}

/* Split local at byte offset at: local = before, domain = after (% or @). */
static void
raddr_split(struct raddr *a, size_t at)
{
	vbuf_set(&a->domain, a->local.data + at + 1);
	vbuf_truncate(&a->local, at);
	a->has_domain = 1;
}

/*
 * Canonical form in the "local" rewriting context (trivial-rewrite's
 * rewrite_tree): without a domain, "site!user" becomes "user@site" (first
 * '!', swap_bangpath), else "user%site" becomes "user@site" (last '%',
 * allow_percent_hack), else "@$myorigin" is appended (append_at_myorigin);
 * a domain without a dot gets ".$mydomain" (append_dot_mydomain); one
 * trailing dot of the domain goes, but not from "..".
 */
static void
raddr_canon(struct raddr *a)
{
	if (!a->has_domain) {
		const char *l = vbuf_str(&a->local);
		const char *op;
		int quoted = local_quoted(l);

		if (*l == 0)
			return; /* the null address */
		if (!quoted && var_swap_bangpath &&
		    (op = strchr(l, '!')) != NULL) {
			raddr_swap_bang(a, (size_t)(op - l));
		} else if (!quoted && var_allow_percent_hack &&
		    (op = strrchr(l, '%')) != NULL) {
			raddr_split(a, (size_t)(op - l));
		} else if (var_append_at_myorigin && *var_myorigin) {
			vbuf_set(&a->domain, var_myorigin);
			a->has_domain = 1;
		}
	}
	if (!a->has_domain)
		return;
	if (var_append_dot_mydomain && a->domain.len > 0 && *var_mydomain &&
	    a->domain.data[0] != '[' &&
	    strchr(vbuf_str(&a->domain), '.') == NULL)
		vbuf_printf(&a->domain, ".%s", var_mydomain);
	if (a->domain.len >= 2 && a->domain.data[a->domain.len - 1] == '.' &&
	    a->domain.data[a->domain.len - 2] != '.')
		vbuf_truncate(&a->domain, a->domain.len - 1);
}

/*
 * The address as the client sent it (or already internal): a source route
 * "@a,@b:" is dropped, quotes are removed and backslash escapes undone.
 */
static void
raddr_internalize(struct raddr *a, const char *text)
{
	struct vbuf in = VBUF_INIT;
	int quoted = 0;
	const char *p;

	if (*text == '@') {
		for (p = text; *p && *p != ':'; p++)
			if (*p == '"')
				break;
		if (*p == ':' && p[1])
			text = p + 1;
	}
	/* The domain is what follows the last '@' outside quotes; only the
	 * local part is unquoted (quotes in a domain make it invalid). */
	const char *dom = NULL;
	for (p = text; *p; p++) {
		if (*p == '\\' && p[1])
			p++;
		else if (*p == '"')
			quoted = !quoted;
		else if (*p == '@' && !quoted)
			dom = p;
	}
	quoted = 0;
	for (p = text; *p && p != dom; p++) {
		if (*p == '\\' && p[1]) {
			vbuf_putc(&in, *++p);
		} else if (*p == '"') {
			quoted = !quoted;
		} else {
			vbuf_putc(&in, *p);
		}
	}
	if (dom)
		vbuf_puts(&in, dom);
	const char *s = vbuf_str(&in);
	const char *at = strrchr(s, '@');

	vbuf_reset(&a->local);
	vbuf_reset(&a->domain);
	a->has_domain = 0;
	if (at) {
		vbuf_append(&a->local, s, (size_t)(at - s));
		vbuf_set(&a->domain, at + 1);
		a->has_domain = 1;
	} else {
		vbuf_set(&a->local, s);
	}
	vbuf_free(&in);
}

void
resolve_internal(const char *external, struct vbuf *out)
{
	struct raddr a = RADDR_INIT;

	raddr_internalize(&a, external);
	vbuf_reset(out);
	vbuf_puts(out, vbuf_str(&a.local));
	if (a.has_domain)
		vbuf_printf(out, "@%s", vbuf_str(&a.domain));
	raddr_free(&a);
}

/*
 * One round with a local (or no) domain: promote a routing operator of
 * the local part to a new domain. Returns 1 when it did, 0 when the local
 * part is final.
 */
static int
raddr_promote(struct raddr *a)
{
	const char *l = vbuf_str(&a->local);
	const char *op;

	if (!local_quoted(l) &&
	    ((var_swap_bangpath && strchr(l, '!')) ||
		(var_allow_percent_hack && strchr(l, '%')))) {
		raddr_canon(a);
		return 1;
	}
	if (local_quoted(l) && var_resolve_dequoted_address &&
	    ((op = strrchr(l, '@')) != NULL ||
		(var_allow_percent_hack && (op = strrchr(l, '%')) != NULL) ||
		(var_swap_bangpath && (op = strchr(l, '!')) != NULL))) {
		if (*op == '!')
			raddr_swap_bang(a, (size_t)(op - l));
		else
			raddr_split(a, (size_t)(op - l));
		raddr_canon(a);
		return 1;
	}
	return 0;
}

/*
 * Step 1: rewrite addr and strip local domains (see resolve.h) until a
 * remote domain or a plain local part is left; store "local@domain" in
 * result. Returns 1 for a remote domain, 0 for a local address.
 */
static int
resolve_rewrite(const char *addr, struct vbuf *result)
{
	struct raddr a = RADDR_INIT;
	struct vbuf quoted = VBUF_INIT;
	char *saved = NULL;
	int remote = 0;
	size_t loop_max = strlen(addr) + 100;

	/* A local part that holds '@' or ':' becomes one opaque quoted
	 * string, never a source route. */
	addr_quote_local(&quoted, addr);
	raddr_internalize(&a, vbuf_str(&quoted));
	vbuf_free(&quoted);
	raddr_canon(&a);

	for (size_t loop = 0;; loop++) {
		if (loop > loop_max) {
			msg_warn("resolve_addr: <%s>: giving up after %zu "
				 "iterations",
			    addr, loop);
			remote = a.has_domain;
			break;
		}
		if (a.has_domain && a.domain.len > 0 &&
		    a.domain.data[a.domain.len - 1] == '.' &&
		    (a.domain.len < 2 ||
			a.domain.data[a.domain.len - 2] != '.'))
			vbuf_truncate(&a.domain, a.domain.len - 1);
		if (a.has_domain && a.domain.len == 0) {
			remote = 1; /* "user@" or "user@.": no host */
			break;
		}
		if (a.has_domain) {
			if (!domain_local(vbuf_str(&a.domain))) {
				remote = 1;
				break;
			}
			mem_free(saved);
			saved = vbuf_export(&a.domain);
			a.has_domain = 0;
		}
		if (raddr_promote(&a))
			continue;
		if (a.local.len == 0)
			vbuf_set(&a.local, var_empty_address_recipient);
		break;
	}
	vbuf_reset(result);
	vbuf_printf(result, "%s@%s", vbuf_str(&a.local),
	    remote	? vbuf_str(&a.domain)
		: saved ? saved
			: var_myhostname);
	mem_free(saved);
	raddr_free(&a);
	return remote;
}

/* Step 2: the class of the resolved address, and its flags. */
static int
resolve_class(const char *resolved, int remote)
{
	const char *dom = strrchr(resolved, '@') + 1;
	int flags;

	if (!remote)
		flags = RESOLVE_CLASS_LOCAL;
	else if (domain_list_match(dom, var_virtual_alias_domains, 0))
		flags = RESOLVE_CLASS_ALIAS;
	else if (domain_list_match(dom, var_virtual_mailbox_domains, 0))
		flags = RESOLVE_CLASS_VIRTUAL;
	else if (domain_list_match(dom, var_relay_domains,
		     strstr(var_parent_domain_matches_subdomains,
			 "relay_domains") != NULL))
		flags = RESOLVE_CLASS_RELAY;
	else
		flags = RESOLVE_CLASS_DEFAULT;

	/* Routing operators left in the local part, whatever our settings. */
	if (addr_routed(resolved))
		flags |= RESOLVE_FLAG_ROUTED;
	/* A next hop that is no host name or address literal: bad syntax. */
	if (remote && !mail_host_ok(dom))
		flags |= RESOLVE_FLAG_ERROR;
	return flags;
}

/*
 * Step 3: transport and next hop, as trivial-rewrite's resolve.c and
 * transport.c (docs/postfix/tables-routing.md, "Routing").
 */

/* Is param named in parent_domain_matches_subdomains (match_parent_style)? */
static int
parent_style(const char *param)
{
	const char *p = var_parent_domain_matches_subdomains;
	size_t len = strlen(param), n;

	while (*p) {
		p += strspn(p, " \t\r\n,");
		n = strcspn(p, " \t\r\n,");
		if (n == len && strncmp(p, param, len) == 0)
			return 1;
		p += n;
	}
	return 0;
}

/*
 * Postfix's strip_addr(): addr without its extension (from the first
 * recipient_delimiter character of the local part on), or NULL when it
 * has none. As split_addr(), postmaster and MAILER-DAEMON keep theirs, a
 * delimiter at the start does not count, and with "-" owner-foo and
 * foo-request are not split.
 */
static char *
strip_extension(const char *addr)
{
	const char *delims = var_recipient_delimiter;
	const char *at = strrchr(addr, '@');
	size_t llen = at ? (size_t)(at - addr) : strlen(addr), n;
	struct vbuf out = VBUF_INIT;
	char *local;

	if (*delims == 0)
		return NULL;
	local = mem_strndup(addr, llen);
	n = strcspn(local, delims);
	if (n == 0 || n == llen || strcasecmp(local, "postmaster") == 0 ||
	    strcasecmp(local, "mailer-daemon") == 0 ||
	    (strchr(delims, '-') != NULL &&
		(strncasecmp(local, "owner-", 6) == 0 ||
		    (llen > 8 &&
			strcasecmp(local + llen - 8, "-request") == 0)))) {
		mem_free(local);
		return NULL;
	}
	vbuf_append(&out, addr, n);
	if (at)
		vbuf_puts(&out, at);
	mem_free(local);
	return vbuf_export(&out);
}

/*
 * A transport table result "transport:nexthop" applied as Postfix's
 * update_entry(): an empty transport keeps the transport (and the next
 * hop unless one is given); a transport without next hop gets the
 * recipient domain, or for "error" the text "Address is undeliverable".
 */
static void
transport_update(const char *value, const char *domain,
    struct resolve_reply *reply)
{
	const char *colon = strchr(value, ':');
	size_t tlen = colon ? (size_t)(colon - value) : strlen(value);
	const char *hop = colon ? colon + 1 : "";

	if (tlen == 0) {
		if (*hop)
			vbuf_set(&reply->nexthop, hop);
		return;
	}
	vbuf_reset(&reply->transport);
	vbuf_append(&reply->transport, value, tlen);
	if (*hop)
		vbuf_set(&reply->nexthop, hop);
	else if (strcmp(vbuf_str(&reply->transport), "error") != 0)
		vbuf_set(&reply->nexthop, domain);
	else
		vbuf_set(&reply->nexthop, "Address is undeliverable");
}

/* One transport_maps key: 1 found (reply updated), 0 not found, -1 error. */
static int
transport_find(struct maps *m, const char *key, int flags, const char *domain,
    struct resolve_reply *reply)
{
	const char *value = maps_find(m, key, flags);

	if (value == NULL)
		return maps_error(m) ? -1 : 0;
	transport_update(value, domain, reply);
	return 1;
}

/*
 * transport(5) lookup order (transport.c): the full address (every table),
 * the address without extension, the domain, each parent domain as
 * ".parent" (bare "parent" with parent_domain_matches_subdomains =
 * transport_maps), all fixed-string tables only, then "*" (every table).
 * Returns 1 found, 0 not found, -1 lookup error.
 */
static int
transport_lookup(const char *rcpt, const char *domain,
    struct resolve_reply *reply)
{
	struct maps *m = resolve_tables[RT_TRANSPORT].maps;
	const char *at = strrchr(rcpt, '@');
	const char *name, *next;
	char *stripped;
	int r, parent = parent_style("transport_maps");

	if (m == NULL || at == NULL || at[1] == 0)
		return 0;
	if ((r = transport_find(m, rcpt, 0, domain, reply)) != 0)
		return r;
	if ((stripped = strip_extension(rcpt)) != NULL) {
		r = transport_find(m, stripped, MAPS_FIXED, domain, reply);
		mem_free(stripped);
		if (r != 0)
			return r;
	}
	for (name = at + 1; *name; name = next) {
		if ((r = transport_find(m, name, MAPS_FIXED, domain, reply)) !=
		    0)
			return r;
		if ((next = strchr(name + 1, '.')) == NULL)
			break;
		if (parent)
			next++;
	}
	return transport_find(m, "*", 0, domain, reply);
}

/* Is the domain of addr one of ours (for sender table lookups)? */
static int
addr_local(const char *addr)
{
	const char *at = strrchr(addr, '@');

	return at == NULL || domain_local(at + 1);
}

/*
 * A sender-dependent table (mail_addr_find): the sender, without its
 * extension, its local part when its domain is ours, then @domain; the
 * null sender as null_key. Returns the value, NULL when not found, or
 * NULL with *err set on a lookup error. An empty value is DUNNO.
 */
static const char *
sender_lookup(struct resolve_table *t, const char *sender, const char *null_key,
    int *err)
{
	const char *key = *sender ? sender : null_key;
	const char *v;

	*err = 0;
	v = maps_addr_find(t->maps, key, var_recipient_delimiter,
	    addr_local(key) && *sender ? MAPS_LOCAL : 0);
	if (v == NULL && maps_error(t->maps))
		*err = 1;
	if (v != NULL && *v == 0) {
		msg_warn("%s: ignoring null lookup result for %s", t->param,
		    key);
		v = "DUNNO";
	}
	return v;
}

/* A lookup error: warn as trivial-rewrite does; the recipient is deferred. */
static void
route_fail(struct resolve_reply *reply, struct maps *m)
{
	if (*maps_why(m))
		msg_warn("%s", maps_why(m));
	msg_warn("%s lookup failure", maps_title(m));
	reply->flags |= RESOLVE_FLAG_FAIL;
}

/*
 * Off-host classes (relay, default): relay_transport, or for the default
 * class sender_dependent_default_transport_maps, else default_transport;
 * the next hop from sender_dependent_relayhost_maps, else $relayhost,
 * else the recipient domain. Returns -1 after a lookup error.
 */
static int
route_remote(const char *sender, const char *domain,
    struct resolve_reply *reply)
{
	struct resolve_table *sx = &resolve_tables[RT_SND_XPORT];
	struct resolve_table *sr = &resolve_tables[RT_SND_RELAY];
	const char *v;
	int err;

	if ((reply->flags & RESOLVE_CLASS_MASK) == RESOLVE_CLASS_RELAY) {
		vbuf_set(&reply->transport, var_relay_transport);
	} else if (sx->maps != NULL &&
	    (v = sender_lookup(sx, sender,
		 var_empty_address_default_transport_maps_lookup_key, &err)) !=
		NULL) {
		vbuf_set(&reply->transport,
		    strcasecmp(v, "DUNNO") == 0 ? var_default_transport : v);
	} else if (sx->maps != NULL && err) {
		route_fail(reply, sx->maps);
		return -1;
	} else {
		vbuf_set(&reply->transport, var_default_transport);
	}
	if (sr->maps != NULL &&
	    (v = sender_lookup(sr, sender,
		 var_empty_address_relayhost_maps_lookup_key, &err)) != NULL) {
		vbuf_set(&reply->nexthop,
		    strcasecmp(v, "DUNNO") == 0 ? domain : v);
	} else if (sr->maps != NULL && err) {
		route_fail(reply, sr->maps);
		return -1;
	} else {
		vbuf_set(&reply->nexthop,
		    *var_relayhost ? var_relayhost : domain);
	}
	return 0;
}

/*
 * Local, alias and virtual classes: sluice has no local or virtual
 * delivery agent, so as before tables they go to "smtp", $relayhost, else
 * the domain of addr AS GIVEN in lower case, else $myhostname.
 */
static void
route_local(const char *addr, struct resolve_reply *reply)
{
	const char *at;

	vbuf_set(&reply->transport, "smtp");
	vbuf_reset(&reply->nexthop);
	if (*var_relayhost) {
		vbuf_set(&reply->nexthop, var_relayhost);
	} else if ((at = strrchr(addr, '@')) != NULL && at[1] != 0) {
		for (const char *p = at + 1; *p; p++)
			vbuf_putc(&reply->nexthop, tolower((unsigned char)*p));
	} else {
		vbuf_set(&reply->nexthop, var_myhostname);
	}
}

/*
 * The class default first (resolve.c), then "transport:nexthop" in that
 * default overrides the next hop, then transport_maps overrides both
 * (not for the alias class, as Postfix).
 */
static void
resolve_route(const char *sender, const char *addr, struct resolve_reply *reply)
{
	const char *rcpt = vbuf_str(&reply->recipient);
	int cls = reply->flags & RESOLVE_CLASS_MASK;
	struct vbuf domain = VBUF_INIT;
	char *colon;

	for (const char *p = strrchr(rcpt, '@') + 1; *p; p++)
		vbuf_putc(&domain, tolower((unsigned char)*p));
	if (domain.len == 0) /* "user@": bad syntax, but a queue name */
		vbuf_set(&domain, var_myhostname);
	if (cls == RESOLVE_CLASS_RELAY || cls == RESOLVE_CLASS_DEFAULT) {
		if (route_remote(sender ? sender : "", vbuf_str(&domain),
			reply) < 0)
			goto done;
	} else {
		route_local(addr, reply);
	}
	if ((colon = strchr(vbuf_str(&reply->transport), ':')) != NULL) {
		if (colon[1])
			vbuf_set(&reply->nexthop, colon + 1);
		vbuf_truncate(&reply->transport,
		    (size_t)(colon - reply->transport.data));
	}
	if (reply->transport.len == 0) {
		msg_warn("file %s/main.cf: parameter %s: null transport is "
			 "not allowed",
		    param_config_dir(),
		    cls == RESOLVE_CLASS_RELAY ? "relay_transport"
					       : "default_transport");
		reply->flags |= RESOLVE_FLAG_FAIL;
		goto done;
	}
	if (cls != RESOLVE_CLASS_ALIAS &&
	    transport_lookup(rcpt, vbuf_str(&domain), reply) < 0)
		route_fail(reply, resolve_tables[RT_TRANSPORT].maps);
done:
	vbuf_free(&domain);
}

static void
resolve_tables_refresh(void)
{
	for (int i = 0; i < RT_COUNT; i++)
		maps_refresh(resolve_tables[i].maps);
}

void
resolve_addr(const char *sender, const char *addr, struct resolve_reply *reply)
{
	int remote;

	resolve_ready_check();
	resolve_tables_refresh();
	vbuf_reset(&reply->transport);
	vbuf_reset(&reply->nexthop);
	remote = resolve_rewrite(addr, &reply->recipient);
	reply->flags = resolve_class(vbuf_str(&reply->recipient), remote);
	resolve_route(sender, addr, reply);
}

const char *
resolve_dsn_split(const char *def, const char *text, char dsn[16])
{
	const char *cp = text, *p;
	size_t n;

	while (isspace((unsigned char)*cp))
		cp++;
	p = cp;
	if ((*p == '2' || *p == '4' || *p == '5') && p[1] == '.') {
		p += 2;
		for (n = 0; n < 3 && isdigit((unsigned char)*p); n++)
			p++;
		if (n > 0 && *p == '.') {
			p++;
			for (n = 0; n < 3 && isdigit((unsigned char)*p); n++)
				p++;
			if (n > 0 && (*p == 0 || isspace((unsigned char)*p))) {
				memcpy(dsn, cp, (size_t)(p - cp));
				dsn[p - cp] = 0;
				cp = p;
				while (isspace((unsigned char)*cp))
					cp++;
				return cp;
			}
		}
	}
	snprintf(dsn, 16, "%s", def);
	return cp;
}

int
resolve_relay_recipient(const char *recipient)
{
	struct maps *m;
	const char *v;

	resolve_ready_check();
	if ((m = resolve_tables[RT_RELAY_RCPT].maps) == NULL)
		return 1;
	maps_refresh(m);
	v = maps_addr_find(m, recipient, var_recipient_delimiter, 0);
	if (v == NULL && maps_error(m)) {
		if (*maps_why(m))
			msg_warn("%s", maps_why(m));
		return -1;
	}
	return v != NULL;
}

void
resolve_reply_free(struct resolve_reply *reply)
{
	vbuf_free(&reply->transport);
	vbuf_free(&reply->nexthop);
	vbuf_free(&reply->recipient);
	reply->flags = 0;
}

int
resolve_auth_destination_from(const char *sender, const char *addr)
{
	struct resolve_reply reply = RESOLVE_REPLY_INIT;
	int flags;

	resolve_addr(sender, addr, &reply);
	flags = reply.flags;
	resolve_reply_free(&reply);
	if (flags & RESOLVE_FLAG_FAIL)
		return -1;
	if (flags & RESOLVE_FLAG_ERROR)
		return 0;
	if ((flags & RESOLVE_FLAG_ROUTED) && !var_allow_untrusted_routing)
		return 0;
	return (flags &
		   (RESOLVE_CLASS_LOCAL | RESOLVE_CLASS_ALIAS |
		       RESOLVE_CLASS_VIRTUAL | RESOLVE_CLASS_RELAY)) != 0;
}

int
resolve_auth_destination(const char *addr)
{
	return resolve_auth_destination_from(NULL, addr) > 0;
}

int
resolve_bad_nexthop(const char *addr)
{
	struct resolve_reply reply = RESOLVE_REPLY_INIT;
	int flags = 0;

	if (*addr) {
		resolve_addr(NULL, addr, &reply);
		flags = reply.flags;
		resolve_reply_free(&reply);
	}
	return (flags & RESOLVE_FLAG_ERROR) != 0;
}

int
resolve_fqdn(const char *addr)
{
	struct raddr a = RADDR_INIT;
	int ok;

	raddr_internalize(&a, addr);
	if (a.has_domain && a.domain.len > 1 &&
	    a.domain.data[a.domain.len - 1] == '.')
		vbuf_truncate(&a.domain, a.domain.len - 1);
	ok = a.has_domain && a.domain.len > 0 &&
	    (a.domain.data[0] == '[' ||
		strchr(vbuf_str(&a.domain), '.') != NULL);
	raddr_free(&a);
	return ok;
}
