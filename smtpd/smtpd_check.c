/*
 * smtpd_check - relay control: mynetworks, relay_domains, mydestination and
 * the restriction lists smtpd_relay_restrictions then
 * smtpd_recipient_restrictions, each evaluated until its first decisive
 * entry (Postfix semantics; ../shared/spec/smtpd-flush.md section 1).
 *
 * Whether a recipient is an authorised destination is decided on the
 * address as Postfix's trivial-rewrite resolves it: canonical rewriting
 * (bang path, percent hack, @$myorigin), then local domains (mydestination,
 * our own [address] literals) stripped repeatedly with the routing
 * operators of the local part promoted, quoted local parts cracked open
 * (resolve_dequoted_address); an address whose resolved local part still
 * holds @, ! or % is "routed" and never authorised unless
 * allow_untrusted_routing = yes.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <stdlib.h>

#include "smtpd.h"
#include "addr.h"
#include "dns.h"
#include "mem.h"
#include "msg.h"
#include "param.h"

struct smtpd_net {
	int family;
	unsigned char addr[16];
	int bits;
};

/* Used when neither restriction list is set and compatibility_level < 1
 * leaves both empty: sluice is never an open relay by default. */
static char *safe_default[] = {"permit_mynetworks", "permit_sasl_authenticated",
    "defer_unauth_destination", NULL};
static int use_safe_default;

static void own_init(void);

static int
net_parse(const char *text, struct smtpd_net *n)
{
	char buf[128];
	const char *slash;
	size_t len;

	snprintf(buf, sizeof(buf), "%s", text);
	/* [ipv6]/len or [ipv6] */
	char *p = buf;
	if (*p == '[') {
		char *close = strchr(p, ']');
		if (close == NULL)
			return -1;
		memmove(close, close + 1, strlen(close + 1) + 1);
		p++;
	}
	slash = strchr(p, '/');
	len = slash ? (size_t)(slash - p) : strlen(p);
	char host[64];
	if (len >= sizeof(host))
		return -1;
	memcpy(host, p, len);
	host[len] = 0;
	if (inet_pton(AF_INET, host, n->addr) == 1) {
		n->family = AF_INET;
		n->bits = 32;
	} else if (inet_pton(AF_INET6, host, n->addr) == 1) {
		n->family = AF_INET6;
		n->bits = 128;
	} else {
		return -1;
	}
	if (slash) {
		char *end;
		long b = strtol(slash + 1, &end, 10);
		if (*end || end == slash + 1 || b < 0 || b > n->bits)
			return -1;
		n->bits = (int)b;
	}
	return 0;
}

/* Network lists by parameter name (mynetworks and the like), parsed once. */
struct netlist {
	const char *param;
	struct smtpd_net *nets;
	size_t n;
};
static struct netlist netlists[4];

static struct netlist *
netlist_get(const char *param)
{
	struct netlist *l;
	size_t i;

	for (i = 0;
	     i < sizeof(netlists) / sizeof(netlists[0]) && netlists[i].param;
	     i++)
		if (strcmp(netlists[i].param, param) == 0)
			return netlists + i;
	if (i == sizeof(netlists) / sizeof(netlists[0]))
		msg_panic("smtpd_check: too many network lists");
	l = netlists + i;
	l->param = param;
	char **list = param_list(param);
	for (size_t k = 0; list[k]; k++)
		l->n++;
	l->nets = mem_calloc(l->n ? l->n : 1, sizeof(*l->nets));
	size_t j = 0;
	for (size_t k = 0; list[k]; k++) {
		if (net_parse(list[k], l->nets + j) == 0)
			j++;
		else
			msg_warn("%s: ignoring bad network: %s", param,
			    list[k]);
	}
	l->n = j;
	return l;
}

void
smtpd_check_init(void)
{
	for (size_t i = 0; i < sizeof(netlists) / sizeof(netlists[0]); i++) {
		mem_free(netlists[i].nets);
		memset(netlists + i, 0, sizeof(netlists[i]));
	}
	(void)netlist_get("mynetworks");
	own_init();

	/* The Postfix start-up sanity check: some list must refuse relaying. */
	static const char *const stoppers[] = {"reject_unauth_destination",
	    "defer_unauth_destination", "reject", "defer", "defer_if_permit",
	    "check_relay_domains", NULL};
	int found = 0;
	const char *lists[] = {"smtpd_relay_restrictions",
	    "smtpd_recipient_restrictions"};
	for (int l = 0; l < 2 && !found; l++) {
		char **r = param_list(lists[l]);
		for (size_t i = 0; r[i] && !found; i++)
			for (size_t s = 0; stoppers[s]; s++)
				if (strcasecmp(r[i], stoppers[s]) == 0)
					found = 1;
	}
	use_safe_default = 0;
	if (!found && !param_is_set("smtpd_relay_restrictions") &&
	    !param_is_set("smtpd_recipient_restrictions")) {
		msg_warn("using the safe default smtpd_relay_restrictions = "
			 "permit_mynetworks, permit_sasl_authenticated, "
			 "defer_unauth_destination");
		use_safe_default = 1;
		found = 1;
	}
	if (!found)
		msg_fatal("in parameter smtpd_relay_restrictions or "
			  "smtpd_recipient_restrictions, "
			  "specify at least one working instance of: "
			  "reject_unauth_destination, "
			  "defer_unauth_destination, reject, defer, "
			  "defer_if_permit or "
			  "check_relay_domains");
}

static int
net_match(const struct smtpd_net *n, int family, const unsigned char *a)
{
	if (n->family != family)
		return 0;
	int full = n->bits / 8, rest = n->bits % 8;
	if (memcmp(n->addr, a, (size_t)full) != 0)
		return 0;
	if (rest) {
		unsigned char mask = (unsigned char)(0xff << (8 - rest));
		if ((n->addr[full] & mask) != (a[full] & mask))
			return 0;
	}
	return 1;
}

int
smtpd_check_mynetworks(const struct sockaddr_storage *ss)
{
	return smtpd_check_netlist(ss, "mynetworks");
}

int
smtpd_addr_bytes(const struct sockaddr_storage *ss, unsigned char a[16])
{
	if (ss->ss_family == AF_INET) {
		memcpy(a, &((const struct sockaddr_in *)ss)->sin_addr, 4);
		return AF_INET;
	}
	if (ss->ss_family == AF_INET6) {
		const unsigned char *v6 =
		    ((const struct sockaddr_in6 *)ss)->sin6_addr.s6_addr;
		if (IN6_IS_ADDR_V4MAPPED((const struct in6_addr *)v6)) {
			memcpy(a, v6 + 12, 4);
			return AF_INET;
		}
		memcpy(a, v6, 16);
		return AF_INET6;
	}
	return 0;
}

int
smtpd_check_netlist(const struct sockaddr_storage *ss, const char *param)
{
	const struct netlist *l = netlist_get(param);
	unsigned char a[16];
	int family = smtpd_addr_bytes(ss, a);

	if (family == 0)
		return 1; /* local clients: sendmail -bs */
	for (size_t i = 0; i < l->n; i++)
		if (net_match(l->nets + i, family, a))
			return 1;
	return 0;
}

/*
 * Domain lists. Patterns are compared case-insensitively; "!pattern"
 * negates (the first matching pattern decides); "type:table" and
 * "/file" entries are not supported and never match. With subdomains
 * (parent_domain_matches_subdomains lists the parameter) "example.com"
 * also matches "x.example.com"; ".example.com" matches subdomains only,
 * whatever that setting.
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
smtpd_domain_match(const char *domain, char **list, int subdomains)
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
smtpd_addr_routed(const char *addr)
{
	const char *at = strrchr(addr, '@');
	size_t len = at ? (size_t)(at - addr) : strlen(addr);

	return strcspn(addr, "@!%") < len;
}

/*
 * This host's addresses for "[ip]" domain literals: inet_interfaces
 * ("all": every interface address, from getifaddrs) plus proxy_interfaces.
 * Built by smtpd_check_init(), so a reload refreshes them.
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
	char **list;
	int all = 0;

	nown = 0;
	list = param_list("inet_interfaces");
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
	list = param_list("proxy_interfaces");
	for (size_t i = 0; list[i]; i++)
		own_add_entry("proxy_interfaces", list[i]);
}

/* "[a.b.c.d]" or "[IPv6:...]" (text inside the brackets) is ours. */
/*
 * An address literal as Postfix's valid_mailhost_literal(): "[a.b.c.d]"
 * or "[IPv6:...]". Returns AF_INET or AF_INET6 with the address in a,
 * else 0.
 */
static int
literal_parse(const char *host, unsigned char a[16])
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
	int family = literal_parse(lit, a);

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
	if (string_list_match(d, param_list("mydestination"))) {
		ok = 1;
	} else if (d[0] == '[') {
		ok = own_literal(d);
	}
	mem_free(d);
	return ok;
}

/*
 * The resolver. An address is held as (local part, domain) in internal
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
		if (!quoted && param_bool("swap_bangpath") &&
		    (op = strchr(l, '!')) != NULL) {
			raddr_swap_bang(a, (size_t)(op - l));
		} else if (!quoted && param_bool("allow_percent_hack") &&
		    (op = strrchr(l, '%')) != NULL) {
			raddr_split(a, (size_t)(op - l));
		} else if (param_bool("append_at_myorigin") &&
		    *param_str("myorigin")) {
			vbuf_set(&a->domain, param_str("myorigin"));
			a->has_domain = 1;
		}
	}
	if (!a->has_domain)
		return;
	if (param_bool("append_dot_mydomain") && a->domain.len > 0 &&
	    *param_str("mydomain") && a->domain.data[0] != '[' &&
	    strchr(vbuf_str(&a->domain), '.') == NULL)
		vbuf_printf(&a->domain, ".%s", param_str("mydomain"));
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

/*
 * A mail host as Postfix's valid_hostname() or valid_mailhost_literal():
 * a host name that is not all numeric, "[a.b.c.d]" or "[IPv6:...]".
 */
static int
mail_host_ok(const char *host)
{
	unsigned char bin[16];

	if (host[0] == '[')
		return literal_parse(host, bin) != 0;
	if (!dns_valid_hostname(host))
		return 0;
	return host[strspn(host, "0123456789.")] != 0;
}

/*
 * smtpd's extract_addr(): the address between <> as the client sent it
 * becomes the internal form. A source route "@a,@b:" is dropped, quotes
 * are removed and backslash escapes undone.
 */
void
smtpd_addr_internal(const char *external, struct vbuf *out)
{
	struct raddr a = {VBUF_INIT, VBUF_INIT, 0};

	raddr_internalize(&a, external);
	vbuf_reset(out);
	vbuf_puts(out, vbuf_str(&a.local));
	if (a.has_domain)
		vbuf_printf(out, "@%s", vbuf_str(&a.domain));
	vbuf_free(&a.local);
	vbuf_free(&a.domain);
}

int
smtpd_resolve(const char *rcpt, struct vbuf *result)
{
	struct raddr a = {VBUF_INIT, VBUF_INIT, 0};
	struct vbuf quoted = VBUF_INIT;
	char *saved = NULL;
	int remote = 0;
	int flags;
	size_t loop_max = strlen(rcpt) + 100;

	/*
	 * As trivial-rewrite: quote the local part of the internal form where
	 * RFC 822 requires it, then parse that. A local part that holds '@'
	 * or ':' is thus one opaque quoted string, never a source route.
	 */
	addr_quote_local(&quoted, rcpt);
	raddr_internalize(&a, vbuf_str(&quoted));
	vbuf_free(&quoted);
	raddr_canon(&a);

	/*
	 * Strip local domains; after each, promote routing operators in the
	 * local part and try again. Stop at a remote domain or a plain local
	 * part.
	 */
	for (size_t loop = 0;; loop++) {
		const char *l, *op;

		if (loop > loop_max) {
			msg_warn("resolve_addr: <%s>: giving up after %zu "
				 "iterations",
			    rcpt, loop);
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
		l = vbuf_str(&a.local);
		if (!local_quoted(l) &&
		    ((param_bool("swap_bangpath") && strchr(l, '!')) ||
			(param_bool("allow_percent_hack") && strchr(l, '%')))) {
			raddr_canon(&a);
			continue;
		}
		if (local_quoted(l) && param_bool("resolve_dequoted_address") &&
		    ((op = strrchr(l, '@')) != NULL ||
			(param_bool("allow_percent_hack") &&
			    (op = strrchr(l, '%')) != NULL) ||
			(param_bool("swap_bangpath") &&
			    (op = strchr(l, '!')) != NULL))) {
			if (*op == '!')
				raddr_swap_bang(&a, (size_t)(op - l));
			else
				raddr_split(&a, (size_t)(op - l));
			raddr_canon(&a);
			continue;
		}
		if (*l == 0)
			vbuf_set(&a.local,
			    param_str("empty_address_recipient"));
		break;
	}

	vbuf_reset(result);
	vbuf_printf(result, "%s@%s", vbuf_str(&a.local),
	    remote	? vbuf_str(&a.domain)
		: saved ? saved
			: param_str("myhostname"));
	const char *dom = strrchr(vbuf_str(result), '@') + 1;

	if (!remote)
		flags = SMTPD_RESOLVE_LOCAL;
	else if (smtpd_domain_match(dom, param_list("virtual_alias_domains"),
		     0) ||
	    smtpd_domain_match(dom, param_list("virtual_mailbox_domains"), 0))
		flags = SMTPD_RESOLVE_VIRTUAL;
	else if (smtpd_domain_match(dom, param_list("relay_domains"),
		     strstr(param_str("parent_domain_matches_subdomains"),
			 "relay_domains") != NULL))
		flags = SMTPD_RESOLVE_RELAY;
	else
		flags = SMTPD_RESOLVE_DEFAULT;

	/* Routing operators left in the local part, whatever our own settings.
	 */
	if (smtpd_addr_routed(vbuf_str(result)))
		flags |= SMTPD_RESOLVE_ROUTED;
	/* A next hop that is no host name or address literal: bad syntax. */
	if (remote && !mail_host_ok(dom))
		flags |= SMTPD_RESOLVE_ERROR;

	mem_free(saved);
	vbuf_free(&a.local);
	vbuf_free(&a.domain);
	return flags;
}

int
smtpd_addr_bad(const char *addr)
{
	struct vbuf res = VBUF_INIT;
	int flags = *addr ? smtpd_resolve(addr, &res) : 0;

	vbuf_free(&res);
	return (flags & SMTPD_RESOLVE_ERROR) != 0;
}

int
smtpd_auth_destination(const char *rcpt)
{
	struct vbuf res = VBUF_INIT;
	int flags = smtpd_resolve(rcpt, &res);

	vbuf_free(&res);
	if (flags & SMTPD_RESOLVE_ERROR)
		return 0;
	if ((flags & SMTPD_RESOLVE_ROUTED) &&
	    !param_bool("allow_untrusted_routing"))
		return 0;
	return (flags &
		   (SMTPD_RESOLVE_LOCAL | SMTPD_RESOLVE_VIRTUAL |
		       SMTPD_RESOLVE_RELAY)) != 0;
}

/*
 * reject_non_fqdn_recipient: the address as given must have a domain
 * with a dot, or an address literal (one trailing dot ignored).
 */
static int
non_fqdn(const char *rcpt)
{
	struct raddr a = {VBUF_INIT, VBUF_INIT, 0};
	int bad;

	raddr_internalize(&a, rcpt);
	if (a.has_domain && a.domain.len > 1 &&
	    a.domain.data[a.domain.len - 1] == '.')
		vbuf_truncate(&a.domain, a.domain.len - 1);
	bad = !a.has_domain || a.domain.len == 0 ||
	    (a.domain.data[0] != '[' &&
		strchr(vbuf_str(&a.domain), '.') == NULL);
	vbuf_free(&a.local);
	vbuf_free(&a.domain);
	return bad;
}

/*
 * Restriction lists evaluated at RCPT time (smtpd_delay_reject = yes, as
 * Postfix's default): client, helo, sender, then relay and recipient. A
 * generic reject or defer names what the list is about, as Postfix does.
 */
enum stage { ST_CLIENT, ST_HELO, ST_SENDER, ST_RCPT };
static const char *const stage_what[] = {"Client host", "Helo command",
    "Sender address", "Recipient address"};

/* Entries we do not implement (DNS, maps, policy services): ignored with a
 * warning once per name; those in the second list take an argument. */
static const char *const ignored0[] = {"reject_unauth_pipelining",
    "reject_unknown_recipient_domain", "reject_unknown_sender_domain",
    "reject_unknown_helo_hostname", "reject_unknown_client_hostname",
    "reject_unknown_reverse_client_hostname", "reject_unverified_sender",
    "reject_unverified_recipient", "reject_unlisted_sender",
    "reject_unlisted_recipient", "reject_sender_login_mismatch",
    "permit_tls_clientcerts", "permit_tls_all_clientcerts", NULL};
static const char *const ignored1[] = {"check_client_access",
    "check_reverse_client_hostname_access", "check_helo_access",
    "check_sender_access", "check_recipient_access", "check_client_mx_access",
    "check_client_ns_access", "check_client_a_access", "check_helo_mx_access",
    "check_helo_ns_access", "check_helo_a_access", "check_sender_mx_access",
    "check_sender_ns_access", "check_sender_a_access",
    "check_recipient_mx_access", "check_recipient_ns_access",
    "check_recipient_a_access", "check_policy_service", "check_ccert_access",
    "reject_rbl_client", "reject_rhsbl_client", "reject_rhsbl_sender",
    "reject_rhsbl_helo", "reject_rhsbl_recipient",
    "reject_rhsbl_reverse_client", "permit_dnswl_client", "permit_rhswl_client",
    NULL};

static int
in_list(const char *x, const char *const *list)
{
	for (size_t i = 0; list[i]; i++)
		if (strcasecmp(x, list[i]) == 0)
			return 1;
	return 0;
}

static void
warn_ignored(const char *x)
{
	static char **warned;
	static size_t nwarned;

	for (size_t i = 0; i < nwarned; i++)
		if (strcasecmp(warned[i], x) == 0)
			return;
	msg_warn("restriction \"%s\" is not supported: ignored", x);
	warned = mem_realloc(warned, (nwarned + 1) * sizeof(*warned));
	warned[nwarned++] = mem_strdup(x);
}

/* A HELO name as Postfix's valid_hostname() or an address literal. */
static int
helo_valid(const char *helo)
{
	unsigned char bin[16];

	return helo[0] == '[' ? literal_parse(helo, bin) != 0
			      : dns_valid_hostname(helo);
}

/* Evaluate one restriction list: 0 = permit/dunno (continue), else a code. */
static int
eval_list(const char *pname, enum stage st, const struct smtpd_check_ctx *ctx,
    const char *rcpt, struct vbuf *why)
{
	char **r = param_list(pname);
	const char *what = stage_what[st];
	const char *subject = st == ST_CLIENT ? ctx->namaddr
	    : st == ST_HELO		      ? ctx->helo
	    : st == ST_SENDER		      ? ctx->sender
					      : rcpt;

	if (subject == NULL)
		subject = "";
	if (use_safe_default && strcmp(pname, "smtpd_relay_restrictions") == 0)
		r = safe_default;
	for (size_t i = 0; r[i]; i++) {
		const char *x = r[i];
		if (strcasecmp(x, "permit_mynetworks") == 0) {
			if (smtpd_check_mynetworks(ctx->client))
				return 0;
		} else if (strcasecmp(x, "permit_sasl_authenticated") == 0) {
			continue; /* no SASL: never authenticated */
		} else if (strcasecmp(x, "permit_auth_destination") == 0) {
			if (smtpd_auth_destination(rcpt))
				return 0;
		} else if (strcasecmp(x, "reject_unauth_destination") == 0 ||
		    strcasecmp(x, "defer_unauth_destination") == 0 ||
		    strcasecmp(x, "check_relay_domains") == 0) {
			if (!smtpd_auth_destination(rcpt)) {
				int code =
				    (int)param_int("relay_domains_reject_code");
				if (strncasecmp(x, "defer", 5) == 0)
					code -= 100;
				vbuf_printf(why,
				    "%d.7.1 <%s>: Relay access denied",
				    code / 100, rcpt);
				return code;
			}
		} else if (strcasecmp(x, "reject_non_fqdn_recipient") == 0) {
			if (non_fqdn(rcpt)) {
				int code =
				    (int)param_int("non_fqdn_reject_code");

				vbuf_printf(why,
				    "%d.5.2 <%s>: Recipient address rejected: "
				    "need fully-qualified address",
				    code / 100, rcpt);
				return code;
			}
		} else if (strcasecmp(x, "reject_non_fqdn_sender") == 0) {
			if (ctx->sender && *ctx->sender &&
			    non_fqdn(ctx->sender)) {
				int code =
				    (int)param_int("non_fqdn_reject_code");

				vbuf_printf(why,
				    "%d.5.2 <%s>: Sender address rejected: "
				    "need fully-qualified address",
				    code / 100, ctx->sender);
				return code;
			}
		} else if (strcasecmp(x, "reject_invalid_helo_hostname") == 0 ||
		    strcasecmp(x, "reject_invalid_hostname") == 0) {
			if (ctx->helo && !helo_valid(ctx->helo)) {
				int code = (int)param_int(
				    "invalid_hostname_reject_code");

				vbuf_printf(why,
				    "%d.5.2 <%s>: Helo command rejected: "
				    "Invalid name",
				    code / 100, ctx->helo);
				return code;
			}
		} else if (strcasecmp(x, "reject_non_fqdn_helo_hostname") ==
			0 ||
		    strcasecmp(x, "reject_non_fqdn_hostname") == 0) {
			if (ctx->helo && ctx->helo[0] != '[' &&
			    strchr(ctx->helo, '.') == NULL) {
				int code =
				    (int)param_int("non_fqdn_reject_code");

				vbuf_printf(why,
				    "%d.5.2 <%s>: Helo command rejected: need "
				    "fully-qualified hostname",
				    code / 100, ctx->helo);
				return code;
			}
		} else if (in_list(x, ignored0)) {
			warn_ignored(x);
		} else if (in_list(x, ignored1)) {
			warn_ignored(x);
			if (r[i + 1])
				i++; /* its table or server */
		} else if (strcasecmp(x, "permit") == 0) {
			return 0;
		} else if (strcasecmp(x, "reject") == 0) {
			int code = (int)param_int("reject_code");

			vbuf_printf(why,
			    "%d.7.1 <%s>: %s rejected: Access denied",
			    code / 100, subject, what);
			return code;
		} else if (strcasecmp(x, "defer") == 0 ||
		    strcasecmp(x, "defer_if_permit") == 0) {
			int code = (int)param_int("defer_code");

			vbuf_printf(why,
			    "%d.7.1 <%s>: %s rejected: Access denied",
			    code / 100, subject, what);
			return code;
		} else {
			msg_warn("unknown smtpd restriction: \"%s\"", x);
			vbuf_set(why, "4.3.5 Server configuration error");
			return 451;
		}
	}
	return 0;
}

int
smtpd_check_recipient(const struct smtpd_check_ctx *ctx, const char *rcpt,
    struct vbuf *why)
{
	static const struct {
		const char *param;
		enum stage st;
	} lists[] = {
	    {"smtpd_client_restrictions", ST_CLIENT},
	    {"smtpd_helo_restrictions", ST_HELO},
	    {"smtpd_sender_restrictions", ST_SENDER},
	    {"smtpd_relay_restrictions", ST_RCPT},
	    {"smtpd_recipient_restrictions", ST_RCPT},
	};
	int code;

	vbuf_reset(why);
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		if ((code = eval_list(lists[i].param, lists[i].st, ctx, rcpt,
			 why)) != 0)
			return code;
	return 0;
}
