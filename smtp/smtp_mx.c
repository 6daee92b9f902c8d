/*
 * smtp_mx - MX sorting, address lists and loop detection for one
 * destination; see smtp.h.
 *
 * Implementation notes. Lists are short (at most DNS_MX_MAX records and
 * DNS_ADDR_MAX addresses), so the stable sorts are insertion sorts:
 * qsort() is not stable, and stability is what keeps the shuffle (or
 * the answer order) among equal preferences.
 */
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "dns.h"
#include "mem.h"
#include "smtp.h"

size_t
smtp_mx_sort(struct dns_mx *mx, size_t nmx)
{
	size_t n = 0;

	for (size_t i = 0; i < nmx; i++) /* drop root exchanges */
		if (mx[i].name[0] != 0)
			mx[n++] = mx[i];
	for (size_t i = 1; i < n; i++) {
		struct dns_mx tmp = mx[i];
		size_t j = i;

		while (j > 0 && mx[j - 1].pref > tmp.pref) {
			mx[j] = mx[j - 1];
			j--;
		}
		mx[j] = tmp;
	}
	return n;
}

size_t
smtp_addr_add(struct smtp_addr *list, size_t *nlist,
    const struct dns_addr *addrs, size_t naddr, int pref, const char *host)
{
	size_t taken = 0;

	while (taken < naddr && *nlist < DNS_ADDR_MAX) {
		struct smtp_addr *a = &list[(*nlist)++];

		a->a = addrs[taken++];
		a->pref = pref;
		strncpy(a->host, host, sizeof(a->host) - 1);
		a->host[sizeof(a->host) - 1] = 0;
	}
	return taken;
}

/* smtp_addr_rank - sort key within one preference */

static int
smtp_addr_rank(const struct smtp_addr *a, int family_pref)
{
	if (family_pref == 0)
		return 0;
	return a->a.sa.ss_family == family_pref ? 0 : 1;
}

static long
smtp_rand(long n)
{
	return random() % n;
}

void
smtp_addr_sort(struct smtp_addr *list, size_t n, int randomize, int family_pref,
    long (*rand_fn)(long))
{
	if (rand_fn == NULL)
		rand_fn = smtp_rand;
	if (randomize)
		for (size_t i = n; i > 1; i--) {
			size_t j = (size_t)rand_fn((long)i);
			struct smtp_addr tmp;

			if (j >= i)
				j = i - 1;
			tmp = list[i - 1];
			list[i - 1] = list[j];
			list[j] = tmp;
		}
	for (size_t i = 1; i < n; i++) {
		struct smtp_addr tmp = list[i];
		size_t j = i;

		while (j > 0 &&
		    (list[j - 1].pref > tmp.pref ||
			(list[j - 1].pref == tmp.pref &&
			    smtp_addr_rank(&list[j - 1], family_pref) >
				smtp_addr_rank(&tmp, family_pref)))) {
			list[j] = list[j - 1];
			j--;
		}
		list[j] = tmp;
	}
}

/* smtp_addr_same - same family and address (ports ignored) */

static int
smtp_addr_same(const struct dns_addr *a, const struct dns_addr *b)
{
	if (a->sa.ss_family != b->sa.ss_family)
		return 0;
	if (a->sa.ss_family == AF_INET)
		return memcmp(&((const struct sockaddr_in *)&a->sa)->sin_addr,
			   &((const struct sockaddr_in *)&b->sa)->sin_addr,
			   sizeof(struct in_addr)) == 0;
	if (a->sa.ss_family == AF_INET6)
		return memcmp(&((const struct sockaddr_in6 *)&a->sa)->sin6_addr,
			   &((const struct sockaddr_in6 *)&b->sa)->sin6_addr,
			   sizeof(struct in6_addr)) == 0;
	return 0;
}

size_t
smtp_addr_unloop(struct smtp_addr *list, size_t n, const struct dns_addr *own,
    size_t nown, int *self_pref)
{
	*self_pref = -1;
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < nown; k++)
			if (smtp_addr_same(&list[i].a, &own[k])) {
				size_t keep = 0;

				*self_pref = list[i].pref;
				for (size_t j = 0; j < n; j++)
					if (list[j].pref < *self_pref)
						list[keep++] = list[j];
				return keep;
			}
	return n;
}

/* smtp_own_add - append one address, growing the vector */

static void
smtp_own_add(struct dns_addr **v, size_t *n, size_t *cap,
    const struct dns_addr *a)
{
	for (size_t i = 0; i < *n; i++)
		if (smtp_addr_same(&(*v)[i], a))
			return;
	if (*n == *cap) {
		*cap = *cap ? 2 * *cap : 8;
		*v = mem_realloc(*v, *cap * sizeof(**v));
	}
	(*v)[(*n)++] = *a;
}

struct dns_addr *
smtp_own_addrs(char **inet_interfaces, char **proxy_interfaces, size_t *nown)
{
	struct dns_addr *v = NULL;
	struct dns_addr a;
	size_t n = 0;
	size_t cap = 0;
	char **lists[2] = {inet_interfaces, proxy_interfaces};

	for (int l = 0; l < 2; l++) {
		for (size_t i = 0; lists[l] && lists[l][i]; i++) {
			const char *item = lists[l][i];

			if (strcasecmp(item, "all") == 0) {
				struct ifaddrs *ifa = NULL;

				if (getifaddrs(&ifa) < 0)
					continue;
				for (struct ifaddrs *p = ifa; p;
				     p = p->ifa_next) {
					int fam;

					if (p->ifa_addr == NULL)
						continue;
					fam = p->ifa_addr->sa_family;
					if (fam != AF_INET && fam != AF_INET6)
						continue;
					memset(&a, 0, sizeof(a));
					a.salen = fam == AF_INET
					    ? sizeof(struct sockaddr_in)
					    : sizeof(struct sockaddr_in6);
					memcpy(&a.sa, p->ifa_addr, a.salen);
					smtp_own_add(&v, &n, &cap, &a);
				}
				freeifaddrs(ifa);
			} else if (strcasecmp(item, "loopback-only") == 0) {
				if (dns_addr_literal("127.0.0.1", DNS_INET4,
					&a))
					smtp_own_add(&v, &n, &cap, &a);
				if (dns_addr_literal("::1", DNS_INET6, &a))
					smtp_own_add(&v, &n, &cap, &a);
			} else {
				char buf[DNS_NAME_MAX];
				size_t len = strlen(item);

				/* "[addr]" is allowed in these lists. */
				if (len >= 2 && item[0] == '[' &&
				    item[len - 1] == ']' &&
				    len - 2 < sizeof(buf)) {
					memcpy(buf, item + 1, len - 2);
					buf[len - 2] = 0;
					item = buf;
				}
				if (dns_addr_literal(item, DNS_INET_ALL, &a))
					smtp_own_add(&v, &n, &cap, &a);
			}
		}
	}
	*nown = n;
	return v;
}
