/*
 * pcheck - parameter value validation; see pcheck.h.
 *
 * Implementation notes. The rules describe what the daemons accept, not
 * everything Postfix knows: smtpd_tls_security_level has the levels
 * smtpd implements, and the restriction table is smtpd's (smtpd_check.c
 * dispatches on the supported names and skips the others with a
 * warning, their argument included). Enumerations compare without case,
 * as the daemons do. A restriction list is split as param_list() splits
 * it (param_split()), so "check_sender_access hash:/x" is a name and its
 * argument; the table of a restriction smtpd ignores is not opened,
 * since smtpd never reads it (its type:name form is still checked). The
 * misspelling hint is the optimal string alignment
 * distance (adjacent transpositions count once), computed against every
 * candidate; the nearest within the limit wins, the first on a tie.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/stat.h>

#include "pcheck.h"
#include "cfg.h"
#include "maps.h"
#include "mem.h"
#include "msg.h"
#include "param.h"

/* ---- the restrictions smtpd knows ----------------------------------- */

#define R0(n)                                                                  \
	{                                                                      \
		n, PCHECK_ARG_NONE, 1                                          \
	}
#define U0(n)                                                                  \
	{                                                                      \
		n, PCHECK_ARG_NONE, 0                                          \
	}
#define UT(n)                                                                  \
	{                                                                      \
		n, PCHECK_ARG_TABLE, 0                                         \
	}
#define UX(n)                                                                  \
	{                                                                      \
		n, PCHECK_ARG_TEXT, 0                                          \
	}

static const struct pcheck_restr pcheck_restrs[] = {
    R0("permit"),
    R0("reject"),
    R0("defer"),
    R0("defer_if_permit"),
    R0("permit_mynetworks"),
    R0("permit_sasl_authenticated"),
    R0("permit_auth_destination"),
    R0("reject_unauth_destination"),
    R0("defer_unauth_destination"),
    R0("check_relay_domains"),
    R0("reject_unlisted_recipient"),
    R0("check_recipient_maps"),
    R0("reject_non_fqdn_recipient"),
    R0("reject_non_fqdn_sender"),
    R0("reject_invalid_helo_hostname"),
    R0("reject_invalid_hostname"),
    R0("reject_non_fqdn_helo_hostname"),
    R0("reject_non_fqdn_hostname"),
    U0("reject_unauth_pipelining"),
    U0("reject_unknown_recipient_domain"),
    U0("reject_unknown_sender_domain"),
    U0("reject_unknown_helo_hostname"),
    U0("reject_unknown_client_hostname"),
    U0("reject_unknown_reverse_client_hostname"),
    U0("reject_unverified_sender"),
    U0("reject_unverified_recipient"),
    U0("reject_unlisted_sender"),
    U0("reject_sender_login_mismatch"),
    U0("permit_tls_clientcerts"),
    U0("permit_tls_all_clientcerts"),
    UT("check_client_access"),
    UT("check_reverse_client_hostname_access"),
    UT("check_helo_access"),
    UT("check_sender_access"),
    UT("check_recipient_access"),
    UT("check_client_mx_access"),
    UT("check_client_ns_access"),
    UT("check_client_a_access"),
    UT("check_helo_mx_access"),
    UT("check_helo_ns_access"),
    UT("check_helo_a_access"),
    UT("check_sender_mx_access"),
    UT("check_sender_ns_access"),
    UT("check_sender_a_access"),
    UT("check_recipient_mx_access"),
    UT("check_recipient_ns_access"),
    UT("check_recipient_a_access"),
    UT("check_ccert_access"),
    UX("check_policy_service"),
    UX("reject_rbl_client"),
    UX("reject_rhsbl_client"),
    UX("reject_rhsbl_sender"),
    UX("reject_rhsbl_helo"),
    UX("reject_rhsbl_recipient"),
    UX("reject_rhsbl_reverse_client"),
    UX("permit_dnswl_client"),
    UX("permit_rhswl_client"),
};

#define PCHECK_NRESTR (sizeof(pcheck_restrs) / sizeof(pcheck_restrs[0]))

/* Postfix's start-up rule: one of these must refuse relaying. */
static const char *const pcheck_stoppers[] = {"reject_unauth_destination",
    "defer_unauth_destination", "reject", "defer", "defer_if_permit",
    "check_relay_domains", NULL};

/* ---- the rules ------------------------------------------------------ */

enum pcheck_kind {
	PCHECK_ENUM,	  /* one word of values ("" allowed if listed) */
	PCHECK_ENUM_LIST, /* words of values, at least one */
	PCHECK_RESTR,	  /* a restriction list */
	PCHECK_MAPS,	  /* lookup tables */
	PCHECK_FILE	  /* a readable file, when set */
};

struct pcheck_rule {
	const char *name;
	enum pcheck_kind kind;
	const char *const *values; /* ENUM, ENUM_LIST */
};

static const char *const pcheck_smtpd_tls[] = {"", "none", "may", "encrypt",
    NULL};
static const char *const pcheck_smtp_tls[] = {"", "none", "may", "encrypt",
    "dane", "dane-only", "fingerprint", "verify", "secure", NULL};
static const char *const pcheck_dns_level[] = {"", "disabled", "enabled",
    "dnssec", NULL};
static const char *const pcheck_addr_pref[] = {"any", "ipv4", "ipv6", NULL};
static const char *const pcheck_host_lookup[] = {"dns", "native", NULL};
static const char *const pcheck_protocols[] = {"all", "ipv4", "ipv6", NULL};

/* Sorted by name. */
static const struct pcheck_rule pcheck_rules[] = {
    {"canonical_maps", PCHECK_MAPS, NULL},
    {"inet_protocols", PCHECK_ENUM_LIST, pcheck_protocols},
    {"recipient_canonical_maps", PCHECK_MAPS, NULL},
    {"relay_recipient_maps", PCHECK_MAPS, NULL},
    {"sender_canonical_maps", PCHECK_MAPS, NULL},
    {"sender_dependent_default_transport_maps", PCHECK_MAPS, NULL},
    {"sender_dependent_relayhost_maps", PCHECK_MAPS, NULL},
    {"smtp_address_preference", PCHECK_ENUM, pcheck_addr_pref},
    {"smtp_dns_support_level", PCHECK_ENUM, pcheck_dns_level},
    {"smtp_generic_maps", PCHECK_MAPS, NULL},
    {"smtp_host_lookup", PCHECK_ENUM_LIST, pcheck_host_lookup},
    {"smtp_tls_CAfile", PCHECK_FILE, NULL},
    {"smtp_tls_cert_file", PCHECK_FILE, NULL},
    {"smtp_tls_key_file", PCHECK_FILE, NULL},
    {"smtp_tls_security_level", PCHECK_ENUM, pcheck_smtp_tls},
    {"smtpd_client_restrictions", PCHECK_RESTR, NULL},
    {"smtpd_helo_restrictions", PCHECK_RESTR, NULL},
    {"smtpd_recipient_restrictions", PCHECK_RESTR, NULL},
    {"smtpd_relay_restrictions", PCHECK_RESTR, NULL},
    {"smtpd_sender_restrictions", PCHECK_RESTR, NULL},
    {"smtpd_tls_cert_file", PCHECK_FILE, NULL},
    {"smtpd_tls_key_file", PCHECK_FILE, NULL},
    {"smtpd_tls_security_level", PCHECK_ENUM, pcheck_smtpd_tls},
    {"transport_maps", PCHECK_MAPS, NULL},
};

#define PCHECK_NRULES (sizeof(pcheck_rules) / sizeof(pcheck_rules[0]))

static const struct pcheck_rule *
pcheck_rule(const char *name)
{
	size_t lo = 0, hi = PCHECK_NRULES;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int cmp = strcmp(name, pcheck_rules[mid].name);

		if (cmp == 0)
			return (&pcheck_rules[mid]);
		if (cmp < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return (NULL);
}

/* ---- misspellings --------------------------------------------------- */

/* pcheck_distance - optimal string alignment distance, capped at 9 */

static int
pcheck_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	int d[3][64], r;

	if (la >= 63 || lb >= 63 || (la > lb ? la - lb : lb - la) > 3)
		return (9);
	for (j = 0; j <= lb; j++)
		d[0][j] = (int)j;
	for (i = 1; i <= la; i++) {
		int *cur = d[i % 3], *prev = d[(i - 1) % 3];
		int *prev2 = d[(i + 1) % 3];

		cur[0] = (int)i;
		for (j = 1; j <= lb; j++) {
			int cost = tolower((unsigned char)a[i - 1]) !=
			    tolower((unsigned char)b[j - 1]);

			r = prev[j] + 1;
			if (cur[j - 1] + 1 < r)
				r = cur[j - 1] + 1;
			if (prev[j - 1] + cost < r)
				r = prev[j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && prev2[j - 2] + 1 < r)
				r = prev2[j - 2] + 1;
			cur[j] = r;
		}
	}
	return (d[la % 3][lb]);
}

/* pcheck_nearest - keep candidate when it is nearer than *best */

static void
pcheck_nearest(const char *name, const char *cand, int *best,
    const char **found)
{
	int d = pcheck_distance(name, cand);

	if (d > 0 && d < *best) {
		*best = d;
		*found = cand;
	}
}

const char *
pcheck_suggest(const char *name, const char *const *names)
{
	const struct param_def *tab;
	const char *found = NULL;
	int best = (strlen(name) <= 4 ? 1 : 2) + 1;
	size_t n, i;

	if (names != NULL) {
		for (i = 0; names[i] != NULL; i++)
			pcheck_nearest(name, names[i], &best, &found);
		return (found);
	}
	tab = param_table(&n);
	for (i = 0; i < n; i++)
		pcheck_nearest(name, tab[i].name, &best, &found);
	return (found);
}

/* ---- one value ------------------------------------------------------ */

const struct pcheck_restr *
pcheck_restriction(const char *name)
{
	size_t i;

	for (i = 0; i < PCHECK_NRESTR; i++)
		if (strcasecmp(name, pcheck_restrs[i].name) == 0)
			return (&pcheck_restrs[i]);
	return (NULL);
}

/* pcheck_in - is word one of values (case-insensitive)? */

static int
pcheck_in(const char *word, const char *const *values)
{
	for (; *values; values++)
		if (strcasecmp(word, *values) == 0)
			return (1);
	return (0);
}

/* pcheck_expected - "none, may or encrypt" (the empty value left out) */

static void
pcheck_expected(struct vbuf *why, const char *const *values)
{
	size_t n = 0, i, k = 0;

	for (i = 0; values[i]; i++)
		n += *values[i] != 0;
	for (i = 0; values[i]; i++) {
		if (*values[i] == 0)
			continue;
		k++;
		vbuf_printf(why, "%s%s",
		    k == 1	 ? ""
			: k == n ? " or "
				 : ", ",
		    values[i]);
	}
}

static int
pcheck_enum(const struct pcheck_rule *r, const char *value, struct vbuf *why)
{
	char **words;
	size_t i;
	int bad = -1;

	if (r->kind == PCHECK_ENUM) {
		if (pcheck_in(value, r->values))
			return (0);
		vbuf_printf(why, "invalid value: \"%s\" (expected ", value);
	} else {
		words = param_split(value);
		for (i = 0; words[i] != NULL && bad < 0; i++)
			if (!pcheck_in(words[i], r->values))
				bad = (int)i;
		if (words[0] != NULL && bad < 0) {
			param_split_free(words);
			return (0);
		}
		vbuf_printf(why,
		    "invalid value: \"%s\" (expected one or more "
		    "of ",
		    bad < 0 ? value : words[bad]);
		param_split_free(words);
	}
	pcheck_expected(why, r->values);
	vbuf_puts(why, ")");
	return (-1);
}

/* pcheck_unknown_restr - the text for a name that is no restriction */

static void
pcheck_unknown_restr(const char *x, struct vbuf *why)
{
	const char *names[PCHECK_NRESTR + 1], *hint;
	char **classes = param_list("smtpd_restriction_classes");
	size_t i;

	if (pcheck_in(x, (const char *const *)classes)) {
		vbuf_printf(why, "restriction class \"%s\" is not supported",
		    x);
		return;
	}
	for (i = 0; i < PCHECK_NRESTR; i++)
		names[i] = pcheck_restrs[i].name;
	names[i] = NULL;
	vbuf_printf(why, "unknown restriction \"%s\"", x);
	if ((hint = pcheck_suggest(x, names)) != NULL)
		vbuf_printf(why, " (did you mean \"%s\"?)", hint);
}

static int
pcheck_restrictions(const char *value, int flags, struct vbuf *why)
{
	char **items = param_split(value);
	const struct pcheck_restr *r;
	const char *arg;
	size_t i;
	int bad = 0;

	for (i = 0; items[i] != NULL && !bad; i++) {
		if ((r = pcheck_restriction(items[i])) == NULL) {
			pcheck_unknown_restr(items[i], why);
			bad = 1;
		} else if (r->arg != PCHECK_ARG_NONE && items[i + 1] == NULL) {
			vbuf_printf(why, "restriction \"%s\" needs an argument",
			    items[i]);
			bad = 1;
		} else if (r->arg == PCHECK_ARG_TABLE) {
			arg = items[++i];
			if (strchr(arg, ':') == NULL) {
				vbuf_printf(why,
				    "restriction \"%s\": \"%s\" is not a "
				    "lookup table (expected type:name)",
				    r->name, arg);
				bad = 1;
			} else if ((flags & PCHECK_FILES) && r->supported &&
			    maps_check(r->name, arg, why) < 0) {
				bad = 1;
			}
		} else if (r->arg == PCHECK_ARG_TEXT) {
			i++;
		}
	}
	param_split_free(items);
	return (bad ? -1 : 0);
}

static int
pcheck_file(const char *value, struct vbuf *why)
{
	int fd;

	if (*value == 0)
		return (0);
	if ((fd = open(value, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0) {
		vbuf_printf(why, "cannot read \"%s\": %s", value,
		    strerror(errno));
		return (-1);
	}
	close(fd);
	return (0);
}

int
pcheck_value(const char *name, const char *value, int flags, struct vbuf *why)
{
	const struct pcheck_rule *r = pcheck_rule(name);

	if (r == NULL)
		return (0);
	switch (r->kind) {
	case PCHECK_ENUM:
	case PCHECK_ENUM_LIST:
		return (pcheck_enum(r, value, why));
	case PCHECK_RESTR:
		return (pcheck_restrictions(value, flags, why));
	case PCHECK_MAPS:
		return (
		    (flags & PCHECK_FILES) ? maps_check(name, value, why) : 0);
	case PCHECK_FILE:
		return ((flags & PCHECK_FILES) ? pcheck_file(value, why) : 0);
	}
	return (0);
}

/* ---- the loaded configuration --------------------------------------- */

int
pcheck_param(const char *name, int flags, struct vbuf *why)
{
	struct vbuf text = VBUF_INIT;
	int r;

	if ((r = pcheck_value(name, param_str(name), flags, &text)) < 0)
		vbuf_printf(why, "%sparameter %s: %s", param_where(name), name,
		    vbuf_str(&text));
	vbuf_free(&text);
	return (r);
}

int
pcheck_relay_guard(struct vbuf *why)
{
	const char *lists[] = {"smtpd_relay_restrictions",
	    "smtpd_recipient_restrictions"};
	char **r;
	size_t l, i;

	for (l = 0; l < 2; l++)
		for (r = param_list(lists[l]), i = 0; r[i] != NULL; i++)
			if (pcheck_in(r[i], pcheck_stoppers))
				return (0);
	if (!param_is_set(lists[0]) && !param_is_set(lists[1]))
		return (1);
	vbuf_puts(why,
	    "in parameter smtpd_relay_restrictions or "
	    "smtpd_recipient_restrictions, specify at least one "
	    "working instance of: reject_unauth_destination, "
	    "defer_unauth_destination, reject, defer, "
	    "defer_if_permit or check_relay_domains");
	return (-1);
}

int
pcheck_config(int flags)
{
	struct vbuf why = VBUF_INIT;
	size_t i;
	int bad = 0;

	for (i = 0; i < PCHECK_NRULES; i++) {
		vbuf_reset(&why);
		if (pcheck_param(pcheck_rules[i].name, flags, &why) < 0) {
			msg_error("%s", vbuf_str(&why));
			bad++;
		}
	}
	vbuf_reset(&why);
	if (pcheck_relay_guard(&why) < 0) {
		msg_error("%s: %s", param_main_cf_path(), vbuf_str(&why));
		bad++;
	}
	vbuf_free(&why);
	return (bad);
}

void
pcheck_bound(const char *name)
{
	const struct pcheck_rule *r = pcheck_rule(name);
	struct vbuf why = VBUF_INIT;

	if (r == NULL)
		return;
	if (pcheck_param(name, 0, &why) < 0) {
		static char text[2048];

		/* Copied and freed first: a test's fatal hook may jump. */
		snprintf(text, sizeof(text), "%s", vbuf_str(&why));
		vbuf_free(&why);
		if (r->kind == PCHECK_RESTR)
			msg_warn("%s", text);
		else
			msg_fatal("%s", text);
	}
	vbuf_free(&why);
}

/* ---- names nothing uses (postconf's "unused parameter") -------------- */

static const char *const pcheck_service_suffixes[] = {
    "_delivery_slot_cost",
    "_delivery_slot_discount",
    "_delivery_slot_loan",
    "_destination_concurrency_failed_cohort_limit",
    "_destination_concurrency_limit",
    "_destination_concurrency_negative_feedback",
    "_destination_concurrency_positive_feedback",
    "_destination_rate_delay",
    "_destination_recipient_limit",
    "_extra_recipient_limit",
    "_initial_destination_concurrency",
    "_minimum_delivery_slots",
    "_recipient_limit",
    "_recipient_refill_delay",
    "_recipient_refill_limit",
    "_time_limit",
    NULL,
};

void
pcheck_names_add(struct pcheck_names *s, const char *name, size_t len)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 32;
		s->v = mem_realloc(s->v, s->cap * sizeof(char *));
	}
	s->v[s->n++] = mem_strndup(name, len);
}

int
pcheck_names_has(const struct pcheck_names *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->v[i], name) == 0)
			return (1);
	return (0);
}

void
pcheck_names_free(struct pcheck_names *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		mem_free(s->v[i]);
	mem_free(s->v);
	memset(s, 0, sizeof(*s));
}

/* pcheck_scan_refs - remember every $name / ${name...} / $(name...) */

static void
pcheck_scan_refs(struct pcheck_names *refs, const char *text)
{
	const char *cp = text;

	while ((cp = strchr(cp, '$')) != NULL) {
		size_t len;

		cp++;
		if (*cp == '$') {
			cp++;
			continue;
		}
		if (*cp == '{' || *cp == '(')
			cp++;
		while (*cp == ' ' || *cp == '\t')
			cp++;
		for (len = 0; isalnum((unsigned char)cp[len]) || cp[len] == '_';
		     len++)
			;
		if (len > 0)
			pcheck_names_add(refs, cp, len);
		cp += len;
	}
}

static int
pcheck_strcmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

/* pcheck_master_refs - services, $name references and (with_o) -o names */

static void
pcheck_master_refs(const char *master_cf, struct pcheck_names *refs,
    struct pcheck_names *services, int with_o)
{
	struct master_ent *ents;
	size_t count, i;
	int j;

	if (access(master_cf, F_OK) < 0 ||
	    master_cf_load(master_cf, &ents, &count, NULL) < 0)
		return;
	for (i = 0; i < count; i++) {
		if (services != NULL)
			pcheck_names_add(services, ents[i].service,
			    strlen(ents[i].service));
		for (j = 1; j < ents[i].argc; j++) {
			const char *arg = ents[i].argv[j];

			pcheck_scan_refs(refs, arg);
			if (with_o && strcmp(ents[i].argv[j - 1], "-o") == 0)
				pcheck_names_add(refs, arg,
				    strcspn(arg, "= \t"));
		}
	}
	master_cf_free(ents, count);
}

void
pcheck_refs(const char *master_cf, struct pcheck_names *refs)
{
	struct cfg *c = param_cfg();
	size_t i;

	for (i = 0; i < cfg_count(c); i++)
		pcheck_scan_refs(refs, cfg_get(c, cfg_name_at(c, i)));
	pcheck_master_refs(master_cf, refs, NULL, 0);
}

/* pcheck_per_service - "<service>_<suffix>" of a master.cf service? */

static int
pcheck_per_service(const char *name, const struct pcheck_names *services)
{
	const char *const *sfx;
	size_t k, sl;

	for (k = 0; k < services->n; k++) {
		sl = strlen(services->v[k]);
		if (strncmp(name, services->v[k], sl) != 0)
			continue;
		for (sfx = pcheck_service_suffixes; *sfx; sfx++)
			if (strcmp(name + sl, *sfx) == 0)
				return (1);
	}
	return (0);
}

void
pcheck_classify(const char *master_cf, struct pcheck_names *user,
    struct pcheck_names *unused)
{
	struct cfg *c = param_cfg();
	struct pcheck_names refs = {0}, services = {0}, *to;
	size_t i;

	for (i = 0; i < cfg_count(c); i++)
		pcheck_scan_refs(&refs, cfg_get(c, cfg_name_at(c, i)));
	pcheck_master_refs(master_cf, &refs, &services, 1);
	for (i = 0; i < cfg_count(c); i++) {
		const char *name = cfg_name_at(c, i);

		if (param_find(name) != NULL)
			continue;
		to = pcheck_names_has(&refs, name) ||
			pcheck_per_service(name, &services)
		    ? user
		    : unused;
		if (to != NULL)
			pcheck_names_add(to, name, strlen(name));
	}
	if (user != NULL && user->n > 1)
		qsort(user->v, user->n, sizeof(char *), pcheck_strcmp);
	if (unused != NULL && unused->n > 1)
		qsort(unused->v, unused->n, sizeof(char *), pcheck_strcmp);
	pcheck_names_free(&refs);
	pcheck_names_free(&services);
}

/* ---- master.cf ------------------------------------------------------ */

int
pcheck_disabled(const char *name, const char *type, const char *list)
{
	char *copy, *item, *save = NULL;
	const char *slash;
	int hit = 0;

	if (list == NULL || *list == 0)
		return (0);
	copy = mem_strdup(list);
	for (item = strtok_r(copy, ", \t\r\n", &save); item && !hit;
	     item = strtok_r(NULL, ", \t\r\n", &save)) {
		if ((slash = strrchr(item, '/')) == NULL) {
			hit = strcasecmp(item, type) == 0;
		} else {
			hit = (size_t)(slash - item) == strlen(name) &&
			    strncmp(item, name, strlen(name)) == 0 &&
			    strcasecmp(slash + 1, type) == 0;
		}
	}
	mem_free(copy);
	return (hit);
}

/* pcheck_override - one "-o name=value" of a service; 1 if bad */

static int
pcheck_override(const char *where, const char *arg, int flags,
    const struct pcheck_names *refs)
{
	struct vbuf name = VBUF_INIT, val = VBUF_INIT, why = VBUF_INIT;
	const char *eq = strchr(arg, '='), *hint, *value;
	size_t n;
	int bad = 0;

	if (eq == NULL || eq == arg) {
		msg_error("%s: bad parameter override: \"%s\"", where, arg);
		return (1);
	}
	n = (size_t)(eq - arg);
	while (n > 0 && isspace((unsigned char)arg[n - 1]))
		n--;
	vbuf_append(&name, arg, n);
	for (value = eq + 1; isspace((unsigned char)*value); value++)
		;
	if (param_find(vbuf_str(&name)) == NULL) {
		if (!pcheck_names_has(refs, vbuf_str(&name))) {
			hint = pcheck_suggest(vbuf_str(&name), NULL);
			msg_warn("%s: unknown parameter \"%s\"%s%s%s", where,
			    vbuf_str(&name), hint ? " (did you mean \"" : "",
			    hint ? hint : "", hint ? "\"?)" : "");
		}
	} else if (param_expand(&val, value, &why) < 0 ||
	    param_type_check(vbuf_str(&name), vbuf_str(&val), &why) < 0) {
		msg_error("%s: %s", where, vbuf_str(&why));
		bad = 1;
	} else if (pcheck_value(vbuf_str(&name), vbuf_str(&val), flags, &why) <
	    0) {
		msg_error("%s: parameter %s: %s", where, vbuf_str(&name),
		    vbuf_str(&why));
		bad = 1;
	}
	vbuf_free(&name);
	vbuf_free(&val);
	vbuf_free(&why);
	return (bad);
}

/* pcheck_command - the entry's program: an executable file there */

static int
pcheck_command(const char *where, const char *cmd)
{
	struct vbuf path = VBUF_INIT;
	struct stat st;
	int bad = 0;

	vbuf_printf(&path, "%s/%s", param_str("daemon_directory"), cmd);
	if (strchr(cmd, '/') != NULL) {
		msg_error("%s: bad command name: \"%s\" (a program in "
			  "daemon_directory)",
		    where, cmd);
		bad = 1;
	} else if (stat(vbuf_str(&path), &st) < 0) {
		msg_error("%s: command \"%s\": %s: %m (no such program in "
			  "daemon_directory)",
		    where, cmd, vbuf_str(&path));
		bad = 1;
	} else if (!S_ISREG(st.st_mode) || access(vbuf_str(&path), X_OK) < 0) {
		msg_error("%s: command \"%s\": %s is not an executable file",
		    where, cmd, vbuf_str(&path));
		bad = 1;
	}
	vbuf_free(&path);
	return (bad);
}

/* pcheck_entry - one enabled master.cf entry; the number of errors */

static int
pcheck_entry(const char *path, const struct master_ent *e, int flags,
    const struct pcheck_names *refs)
{
	struct vbuf where = VBUF_INIT;
	int bad = 0, j;

	vbuf_printf(&where, "%s, line %d: service \"%s\"", path, e->line,
	    e->service);
	if (e->type == MASTER_UNIX_DGRAM || e->type == MASTER_PASS) {
		msg_error("%s: type %s is not supported (sluice has no "
			  "daemon that uses it; remove or comment out the "
			  "entry, or list it in master_service_disable)",
		    vbuf_str(&where), e->type_name);
		bad++;
	}
	if (e->chroot) {
		msg_error("%s: chroot is not supported (sluice does not "
			  "chroot its daemons; set the chroot field to n)",
		    vbuf_str(&where));
		bad++;
	}
	bad += pcheck_command(vbuf_str(&where), e->argv[0]);
	for (j = 1; j < e->argc; j++) {
		if (strcmp(e->argv[j], "-o") == 0 && j + 1 < e->argc)
			bad += pcheck_override(vbuf_str(&where), e->argv[++j],
			    flags, refs);
		else if (strncmp(e->argv[j], "-o", 2) == 0 && e->argv[j][2])
			bad += pcheck_override(vbuf_str(&where), e->argv[j] + 2,
			    flags, refs);
	}
	vbuf_free(&where);
	return (bad);
}

int
pcheck_master_cf(const char *path, int flags)
{
	struct pcheck_names refs = {0};
	struct master_ent *ents;
	struct vbuf why = VBUF_INIT;
	size_t count, i;
	int bad = 0;

	if (master_cf_load(path, &ents, &count, &why) < 0) {
		msg_error("%s", vbuf_str(&why));
		vbuf_free(&why);
		return (1);
	}
	pcheck_refs(path, &refs);
	for (i = 0; i < count; i++)
		if (!pcheck_disabled(ents[i].service, ents[i].type_name,
			param_str("master_service_disable")))
			bad += pcheck_entry(path, &ents[i], flags, &refs);
	master_cf_free(ents, count);
	pcheck_names_free(&refs);
	vbuf_free(&why);
	return (bad);
}

void
pcheck_unknown(const char *master_cf)
{
	struct pcheck_names unused = {0};
	const char *hint;
	size_t i;

	pcheck_classify(master_cf, NULL, &unused);
	for (i = 0; i < unused.n; i++) {
		hint = pcheck_suggest(unused.v[i], NULL);
		msg_warn("%s, line %d: unknown parameter \"%s\"%s%s%s",
		    param_main_cf_path(), cfg_line(param_cfg(), unused.v[i]),
		    unused.v[i], hint ? " (did you mean \"" : "",
		    hint ? hint : "", hint ? "\"?)" : "");
	}
	pcheck_names_free(&unused);
}
