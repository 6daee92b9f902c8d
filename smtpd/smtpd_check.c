/*
 * smtpd_check - relay control: mynetworks and the restriction lists
 * smtpd_client_restrictions, smtpd_helo_restrictions,
 * smtpd_sender_restrictions, then smtpd_relay_restrictions and
 * smtpd_recipient_restrictions, each evaluated until its first decisive
 * entry (Postfix semantics; docs/postfix/smtpd-flush.md section 1).
 *
 * Where a recipient goes (mydestination, relay_domains, our own address
 * literals, routed addresses, transport_maps, relay_recipient_maps) is
 * util/resolve's answer: the policy here asks
 * resolve_auth_destination_from(), resolve_addr(),
 * resolve_relay_recipient() and resolve_fqdn() and resolves nothing
 * itself. After the restriction lists, smtpd_reject_unlisted_recipient
 * (default yes) refuses a recipient whose transport is error: (550 with
 * the text of the table) and an unknown recipient of a relay domain when
 * relay_recipient_maps is set (550 5.1.1 ... User unknown in relay
 * recipient table); a table lookup error answers 451 4.3.0 Temporary
 * lookup failure (Postfix smtpd_check.c: check_rcpt_maps(),
 * reject_dict_retry()).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <stdlib.h>

#include "smtpd.h"
#include "dns.h"
#include "mem.h"
#include "msg.h"
#include "param.h"
#include "resolve.h"

const struct param_var smtpd_check_params[] = {
    PARAM_VAR(mynetworks),
    PARAM_VAR(smtpd_forbid_bare_newline_exclusions),
    PARAM_VAR(smtpd_client_restrictions),
    PARAM_VAR(smtpd_helo_restrictions),
    PARAM_VAR(smtpd_sender_restrictions),
    PARAM_VAR(smtpd_relay_restrictions),
    PARAM_VAR(smtpd_recipient_restrictions),
    PARAM_VAR(relay_domains_reject_code),
    PARAM_VAR(non_fqdn_reject_code),
    PARAM_VAR(invalid_hostname_reject_code),
    PARAM_VAR(reject_code),
    PARAM_VAR(defer_code),
    PARAM_VAR(smtpd_reject_unlisted_recipient),
    PARAM_VAR(unknown_relay_recipient_reject_code),
    PARAM_VAR(show_user_unknown_table_name),
    PARAM_VAR_END,
};

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

/* The bound value of a list parameter of smtpd_check_params. */
static char **
check_list(const char *param)
{
	for (const struct param_var *v = smtpd_check_params; v->name; v++)
		if (v->kind == PARAM_KIND_LIST && strcmp(v->name, param) == 0)
			return *(char ***)v->var;
	msg_panic("smtpd_check: list parameter %s is not bound", param);
}

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
	char **list = check_list(param);
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
	param_bind(smtpd_check_params);
	(void)netlist_get("mynetworks");
	resolve_init();

	/* The Postfix start-up sanity check: some list must refuse relaying. */
	static const char *const stoppers[] = {"reject_unauth_destination",
	    "defer_unauth_destination", "reject", "defer", "defer_if_permit",
	    "check_relay_domains", NULL};
	int found = 0;
	char **lists[] = {var_smtpd_relay_restrictions,
	    var_smtpd_recipient_restrictions};
	for (int l = 0; l < 2 && !found; l++) {
		char **r = lists[l];
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
    "reject_sender_login_mismatch", "permit_tls_clientcerts",
    "permit_tls_all_clientcerts", NULL};
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

	return helo[0] == '[' ? resolve_literal(helo, bin) != 0
			      : dns_valid_hostname(helo);
}

/*
 * The restrictions that refuse a recipient, sender or HELO name for what
 * it is (relay access, syntax). Each test returns the name it refuses, or
 * NULL when it lets the list go on.
 */
typedef const char *reject_test_fn(const struct smtpd_check_ctx *ctx,
    const char *rcpt);

static const char *
refuse_unauth_destination(const struct smtpd_check_ctx *ctx, const char *rcpt)
{
	return resolve_auth_destination_from(ctx->sender, rcpt) ? NULL : rcpt;
}

/* Postfix's reject_dict_retry(): a table lookup failed. */
static int
lookup_retry(const char *rcpt, struct vbuf *why)
{
	vbuf_reset(why);
	vbuf_printf(why, "4.3.0 <%s>: Temporary lookup failure", rcpt);
	return 451;
}

static const char *
refuse_non_fqdn_recipient(const struct smtpd_check_ctx *ctx, const char *rcpt)
{
	return resolve_fqdn(rcpt) ? NULL : rcpt;
}

static const char *
refuse_non_fqdn_sender(const struct smtpd_check_ctx *ctx, const char *rcpt)
{
	const char *sender = ctx->sender;

	return !sender || !*sender || resolve_fqdn(sender) ? NULL : sender;
}

static const char *
refuse_invalid_helo(const struct smtpd_check_ctx *ctx, const char *rcpt)
{
	return !ctx->helo || helo_valid(ctx->helo) ? NULL : ctx->helo;
}

static const char *
refuse_non_fqdn_helo(const struct smtpd_check_ctx *ctx, const char *rcpt)
{
	const char *helo = ctx->helo;

	return !helo || helo[0] == '[' || strchr(helo, '.') != NULL ? NULL
								    : helo;
}

/* One row a restriction: its names, test, reply code and reply text. */
static const struct reject_rule {
	const char *names[4];
	reject_test_fn *refuses;
	const long *code;
	const char *detail; /* the DSN's subject.detail */
	const char *text;
} reject_rules[] = {
    {{"reject_unauth_destination", "defer_unauth_destination",
	 "check_relay_domains"},
	refuse_unauth_destination, &var_relay_domains_reject_code, "7.1",
	"Relay access denied"},
    {{"reject_non_fqdn_recipient"}, refuse_non_fqdn_recipient,
	&var_non_fqdn_reject_code, "5.2",
	"Recipient address rejected: need fully-qualified address"},
    {{"reject_non_fqdn_sender"}, refuse_non_fqdn_sender,
	&var_non_fqdn_reject_code, "5.2",
	"Sender address rejected: need fully-qualified address"},
    {{"reject_invalid_helo_hostname", "reject_invalid_hostname"},
	refuse_invalid_helo, &var_invalid_hostname_reject_code, "5.2",
	"Helo command rejected: Invalid name"},
    {{"reject_non_fqdn_helo_hostname", "reject_non_fqdn_hostname"},
	refuse_non_fqdn_helo, &var_non_fqdn_reject_code, "5.2",
	"Helo command rejected: need fully-qualified hostname"},
};

/*
 * Apply restriction x if it is one of reject_rules: -1 when it is none of
 * them, 0 when it does not refuse (the list goes on), else the SMTP code
 * with the reply in why. The defer_ form softens the code to 4xx.
 */
static int
eval_reject(const char *x, const struct smtpd_check_ctx *ctx, const char *rcpt,
    struct vbuf *why)
{
	for (size_t i = 0; i < sizeof(reject_rules) / sizeof(*reject_rules);
	     i++) {
		const struct reject_rule *rr = &reject_rules[i];
		const char *subject;
		int code;

		if (!in_list(x, rr->names))
			continue;
		if (rr->refuses == refuse_unauth_destination &&
		    resolve_auth_destination_from(ctx->sender, rcpt) < 0)
			return lookup_retry(rcpt, why);
		if ((subject = rr->refuses(ctx, rcpt)) == NULL)
			return 0;
		code = (int)*rr->code;
		if (strncasecmp(x, "defer", 5) == 0)
			code -= 100;
		vbuf_printf(why, "%d.%s <%s>: %s", code / 100, rr->detail,
		    subject, rr->text);
		return code;
	}
	return -1;
}

/*
 * Postfix's check_rcpt_maps() for a recipient (reject_unlisted_recipient,
 * smtpd_reject_unlisted_recipient): a resolver failure is a temporary
 * lookup failure; a recipient that resolves to the error (retry)
 * transport is refused with 550 (450) and the DSN and text of its next
 * hop; a recipient of a relay domain must be listed in
 * relay_recipient_maps when that is set. Returns 0 or the SMTP code with
 * the reply in why.
 */
static int
check_rcpt_maps(const struct smtpd_check_ctx *ctx, const char *rcpt,
    struct vbuf *why)
{
	struct resolve_reply reply = RESOLVE_REPLY_INIT;
	const char *transport, *text;
	char dsn[16];
	int code = 0, r;

	resolve_addr(ctx->sender, rcpt, &reply);
	transport = vbuf_str(&reply.transport);
	vbuf_reset(why);
	if (reply.flags & RESOLVE_FLAG_FAIL) {
		code = lookup_retry(rcpt, why);
	} else if (strcmp(transport, "error") == 0 ||
	    strcmp(transport, "retry") == 0) {
		code = *transport == 'e' ? 550 : 450;
		text = resolve_dsn_split(code == 550 ? "5.1.1" : "4.1.1",
		    vbuf_str(&reply.nexthop), dsn);
		dsn[0] = (char)('0' + code / 100); /* as the reply code */
		if (strcmp(dsn + 1, ".1.7") == 0)  /* smtpd_dsn_fix() */
			dsn[4] = '1';
		else if (strcmp(dsn + 1, ".1.8") == 0)
			dsn[4] = '2';
		vbuf_printf(why, "%s <%s>: Recipient address rejected: %s", dsn,
		    rcpt, text);
	} else if ((reply.flags & RESOLVE_CLASS_MASK) == RESOLVE_CLASS_RELAY &&
	    (r = resolve_relay_recipient(vbuf_str(&reply.recipient))) <= 0) {
		if (r < 0) {
			code = lookup_retry(rcpt, why);
		} else {
			code = (int)var_unknown_relay_recipient_reject_code;
			vbuf_printf(why,
			    "%d.1.1 <%s>: Recipient address rejected: User "
			    "unknown%s",
			    code / 100, rcpt,
			    var_show_user_unknown_table_name
				? " in relay recipient table"
				: "");
		}
	}
	resolve_reply_free(&reply);
	return code;
}

/* Evaluate one restriction list: 0 = permit/dunno (continue), else a code. */
static int
eval_list(char **r, enum stage st, const struct smtpd_check_ctx *ctx,
    const char *rcpt, struct vbuf *why)
{
	const char *what = stage_what[st];
	const char *subject = st == ST_CLIENT ? ctx->namaddr
	    : st == ST_HELO		      ? ctx->helo
	    : st == ST_SENDER		      ? ctx->sender
					      : rcpt;
	int code;

	if (subject == NULL)
		subject = "";
	for (size_t i = 0; r[i]; i++) {
		const char *x = r[i];
		if (strcasecmp(x, "permit_mynetworks") == 0) {
			if (smtpd_check_mynetworks(ctx->client))
				return 0;
		} else if (strcasecmp(x, "permit_sasl_authenticated") == 0) {
			continue; /* no SASL: never authenticated */
		} else if (strcasecmp(x, "permit_auth_destination") == 0) {
			if ((code = resolve_auth_destination_from(ctx->sender,
				 rcpt)) < 0)
				return lookup_retry(rcpt, why);
			if (code > 0)
				return 0;
		} else if (strcasecmp(x, "reject_unlisted_recipient") == 0 ||
		    strcasecmp(x, "check_recipient_maps") == 0) {
			if ((code = check_rcpt_maps(ctx, rcpt, why)) != 0)
				return code;
		} else if ((code = eval_reject(x, ctx, rcpt, why)) >= 0) {
			if (code != 0)
				return code;
		} else if (in_list(x, ignored0)) {
			warn_ignored(x);
		} else if (in_list(x, ignored1)) {
			warn_ignored(x);
			if (r[i + 1])
				i++; /* its table or server */
		} else if (strcasecmp(x, "permit") == 0) {
			return 0;
		} else if (strcasecmp(x, "reject") == 0 ||
		    strcasecmp(x, "defer") == 0 ||
		    strcasecmp(x, "defer_if_permit") == 0) {
			code = (int)(strcasecmp(x, "reject") == 0
				? var_reject_code
				: var_defer_code);
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
	const struct {
		char **list;
		enum stage st;
	} lists[] = {
	    {var_smtpd_client_restrictions, ST_CLIENT},
	    {var_smtpd_helo_restrictions, ST_HELO},
	    {var_smtpd_sender_restrictions, ST_SENDER},
	    {use_safe_default ? safe_default : var_smtpd_relay_restrictions,
		ST_RCPT},
	    {var_smtpd_recipient_restrictions, ST_RCPT},
	};
	int code;

	vbuf_reset(why);
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		if ((code = eval_list(lists[i].list, lists[i].st, ctx, rcpt,
			 why)) != 0)
			return code;
	/* smtpd_check_rcpt(): the unlisted-recipient check comes last. */
	if (var_smtpd_reject_unlisted_recipient)
		return check_rcpt_maps(ctx, rcpt, why);
	return 0;
}
