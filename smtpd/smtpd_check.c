/*
 * smtpd_check - relay control: mynetworks, relay_domains, mydestination and
 * the restriction lists smtpd_relay_restrictions then
 * smtpd_recipient_restrictions, each evaluated until its first decisive
 * entry (Postfix semantics; ../shared/spec/smtpd-flush.md section 1).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <string.h>
#include <strings.h>
#include <stdlib.h>

#include "smtpd.h"
#include "mem.h"
#include "msg.h"
#include "param.h"

struct smtpd_net {
    int     family;
    unsigned char addr[16];
    int     bits;
};

static struct smtpd_net *nets;
static size_t nnets;

/* Used when neither restriction list is set and compatibility_level < 1
 * leaves both empty: sluice is never an open relay by default. */
static char *safe_default[] = {
    "permit_mynetworks", "permit_sasl_authenticated", "defer_unauth_destination", NULL
};
static int use_safe_default;

static int net_parse(const char *text, struct smtpd_net *n)
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
    len = slash ? (size_t) (slash - p) : strlen(p);
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
        n->bits = (int) b;
    }
    return 0;
}

void smtpd_check_init(void)
{
    char **list = param_list("mynetworks");

    nets = mem_free(nets);
    nnets = 0;
    for (size_t i = 0; list[i]; i++)
        nnets++;
    nets = mem_calloc(nnets ? nnets : 1, sizeof(*nets));
    size_t j = 0;
    for (size_t i = 0; list[i]; i++) {
        if (net_parse(list[i], nets + j) == 0)
            j++;
        else
            msg_warn("mynetworks: ignoring bad network: %s", list[i]);
    }
    nnets = j;

    /* The Postfix start-up sanity check: some list must refuse relaying. */
    static const char *const stoppers[] = {
        "reject_unauth_destination", "defer_unauth_destination", "reject",
        "defer", "defer_if_permit", "check_relay_domains", NULL
    };
    int found = 0;
    const char *lists[] = {"smtpd_relay_restrictions", "smtpd_recipient_restrictions"};
    for (int l = 0; l < 2 && !found; l++) {
        char **r = param_list(lists[l]);
        for (size_t i = 0; r[i] && !found; i++)
            for (size_t s = 0; stoppers[s]; s++)
                if (strcasecmp(r[i], stoppers[s]) == 0)
                    found = 1;
    }
    use_safe_default = 0;
    if (!found && !param_is_set("smtpd_relay_restrictions")
        && !param_is_set("smtpd_recipient_restrictions")) {
        msg_warn("using the safe default smtpd_relay_restrictions = "
                 "permit_mynetworks, permit_sasl_authenticated, defer_unauth_destination");
        use_safe_default = 1;
        found = 1;
    }
    if (!found)
        msg_fatal("in parameter smtpd_relay_restrictions or smtpd_recipient_restrictions, "
                  "specify at least one working instance of: reject_unauth_destination, "
                  "defer_unauth_destination, reject, defer, defer_if_permit or "
                  "check_relay_domains");
}

static int net_match(const struct smtpd_net *n, int family, const unsigned char *a)
{
    if (n->family != family)
        return 0;
    int full = n->bits / 8, rest = n->bits % 8;
    if (memcmp(n->addr, a, (size_t) full) != 0)
        return 0;
    if (rest) {
        unsigned char mask = (unsigned char) (0xff << (8 - rest));
        if ((n->addr[full] & mask) != (a[full] & mask))
            return 0;
    }
    return 1;
}

int smtpd_check_mynetworks(const struct sockaddr_storage *ss)
{
    const unsigned char *a;
    int family = ss->ss_family;
    unsigned char v4[4];

    if (family == AF_INET) {
        a = (const unsigned char *) &((const struct sockaddr_in *) ss)->sin_addr;
    } else if (family == AF_INET6) {
        a = ((const struct sockaddr_in6 *) ss)->sin6_addr.s6_addr;
        /* IPv4-mapped IPv6 addresses match IPv4 networks. */
        if (IN6_IS_ADDR_V4MAPPED((const struct in6_addr *) a)) {
            memcpy(v4, a + 12, 4);
            a = v4;
            family = AF_INET;
        }
    } else {
        return 1;				/* local (UNIX) clients */
    }
    for (size_t i = 0; i < nnets; i++)
        if (net_match(nets + i, family, a))
            return 1;
    return 0;
}

int smtpd_domain_match(const char *domain, char **list, int subdomains)
{
    size_t dlen = strlen(domain);

    for (size_t i = 0; list[i]; i++) {
        const char *pat = list[i];
        if (strcasecmp(pat, domain) == 0)
            return 1;
        if (subdomains || *pat == '.') {
            const char *base = *pat == '.' ? pat + 1 : pat;
            size_t blen = strlen(base);
            if (dlen > blen && domain[dlen - blen - 1] == '.'
                && strcasecmp(domain + dlen - blen, base) == 0)
                return 1;
        }
    }
    return 0;
}

/* A "routed" address still holds @, ! or % in its local part. */
int smtpd_addr_routed(const char *addr)
{
    const char *at = strrchr(addr, '@');
    size_t len = at ? (size_t) (at - addr) : strlen(addr);
    for (size_t i = 0; i < len; i++)
        if (addr[i] == '@' || addr[i] == '!' || addr[i] == '%')
            return 1;
    return 0;
}

static int rcpt_authorised(const char *rcpt)
{
    const char *at = strrchr(rcpt, '@');
    if (at == NULL || at[1] == 0)
        return 0;				/* no domain: local, not ours to relay */
    if (smtpd_addr_routed(rcpt))
        return 0;
    char *domain = mem_strdup(at + 1);
    size_t n = strlen(domain);
    if (n && domain[n - 1] == '.')
        domain[n - 1] = 0;
    int ok = smtpd_domain_match(domain, param_list("mydestination"), 0)
        || smtpd_domain_match(domain, param_list("relay_domains"), 1);
    mem_free(domain);
    return ok;
}

/* Evaluate one restriction list: 0 = permit/dunno (continue), else a code. */
static int eval_list(const char *pname, const struct sockaddr_storage *client,
                     const char *rcpt, struct vbuf *why)
{
    char **r = param_list(pname);
    if (use_safe_default && strcmp(pname, "smtpd_relay_restrictions") == 0)
        r = safe_default;
    for (size_t i = 0; r[i]; i++) {
        const char *x = r[i];
        if (strcasecmp(x, "permit_mynetworks") == 0) {
            if (smtpd_check_mynetworks(client))
                return 0;
        } else if (strcasecmp(x, "permit_sasl_authenticated") == 0) {
            continue;				/* no SASL: never authenticated */
        } else if (strcasecmp(x, "permit_auth_destination") == 0) {
            if (rcpt_authorised(rcpt))
                return 0;
        } else if (strcasecmp(x, "reject_unauth_destination") == 0
                   || strcasecmp(x, "defer_unauth_destination") == 0
                   || strcasecmp(x, "check_relay_domains") == 0) {
            if (!rcpt_authorised(rcpt)) {
                int code = (int) param_int("relay_domains_reject_code");
                if (strncasecmp(x, "defer", 5) == 0)
                    code -= 100;
                vbuf_printf(why, "%d.7.1 <%s>: Relay access denied", code / 100, rcpt);
                return code;
            }
        } else if (strcasecmp(x, "permit") == 0) {
            return 0;
        } else if (strcasecmp(x, "reject") == 0) {
            vbuf_printf(why, "5.7.1 <%s>: Recipient address rejected: Access denied", rcpt);
            return 554;
        } else if (strcasecmp(x, "defer") == 0 || strcasecmp(x, "defer_if_permit") == 0) {
            vbuf_printf(why, "4.7.1 <%s>: Recipient address rejected: Access denied", rcpt);
            return 450;
        } else {
            msg_warn("unknown smtpd restriction: \"%s\"", x);
            vbuf_set(why, "4.3.5 Server configuration error");
            return 451;
        }
    }
    return 0;
}

int smtpd_check_rcpt(const struct sockaddr_storage *client, const char *rcpt,
                     struct vbuf *why)
{
    int code;

    vbuf_reset(why);
    if ((code = eval_list("smtpd_relay_restrictions", client, rcpt, why)) != 0)
        return code;
    return eval_list("smtpd_recipient_restrictions", client, rcpt, why);
}
