/*
 * smtp_nexthop - parse one destination in Postfix's host_port syntax;
 * see smtp.h.
 *
 * The bracketed form takes everything up to the first ']' as the host,
 * then allows only ":port". Otherwise the text after the last ':' is
 * the port, so a bare IPv6 address must be written in brackets. Service
 * names come from a small built-in table first (a container may lack
 * /etc/services), then getservbyname().
 */
#include <ctype.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "dns.h"
#include "mem.h"
#include "smtp.h"

int
smtp_port_parse(const char *service)
{
	static const struct {
		const char *name;
		int port;
	} known[] = {
	    {"smtp", 25},
	    {"submission", 587},
	    {"submissions", 465},
	    {"smtps", 465},
	    {"lmtp", 24},
	    {"domain", 53},
	};
	const char *cp;
	long port = 0;
	struct servent *se;

	if (service == NULL || *service == 0)
		return -1;
	if (isdigit((unsigned char)*service)) {
		for (cp = service; *cp; cp++) {
			if (!isdigit((unsigned char)*cp))
				return -1;
			port = port * 10 + (*cp - '0');
			if (port > 65535)
				return -1;
		}
		return port > 0 ? (int)port : -1;
	}
	for (cp = service; *cp; cp++)
		if (!isalnum((unsigned char)*cp) && *cp != '-' && *cp != '_')
			return -1;
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcasecmp(service, known[i].name) == 0)
			return known[i].port;
	if ((se = getservbyname(service, "tcp")) != NULL)
		return ntohs((unsigned short)se->s_port);
	return -1;
}

void
smtp_nexthop_free(struct smtp_nexthop *nh)
{
	nh->host = mem_free(nh->host);
	nh->name = mem_free(nh->name);
}

int
smtp_nexthop_parse(const char *text, const char *def_port,
    struct smtp_nexthop *nh, struct vbuf *why)
{
	struct dns_addr addr;
	const char *port_text;
	char *host;
	int bracketed = 0;

	memset(nh, 0, sizeof(*nh));
	if (*text == '[') {
		const char *end = strchr(text + 1, ']');

		if (end == NULL) {
			vbuf_set(why, "missing \"]\"");
			return -1;
		}
		if (end[1] != 0 && end[1] != ':') {
			vbuf_set(why, "garbage after \"]\"");
			return -1;
		}
		host = mem_strndup(text + 1, (size_t)(end - text - 1));
		port_text = end[1] == ':' ? end + 2 : "";
		bracketed = 1;
	} else {
		const char *colon = strrchr(text, ':');

		if (colon) {
			host = mem_strndup(text, (size_t)(colon - text));
			port_text = colon + 1;
		} else {
			host = mem_strdup(text);
			port_text = "";
		}
	}
	if (*host == 0 ||
	    (!dns_addr_literal(host, DNS_INET_ALL, &addr) &&
		(strncasecmp(host, "ipv6:", 5) == 0 ||
		    !dns_valid_hostname(host)))) {
		vbuf_set(why, "valid hostname or network address required");
		mem_free(host);
		return -1;
	}
	if ((nh->port = smtp_port_parse(*port_text ? port_text : def_port)) <
	    0) {
		vbuf_set(why, "bad network port");
		mem_free(host);
		return -1;
	}
	nh->host = host;
	nh->name =
	    mem_strdup(strncasecmp(host, "ipv6:", 5) == 0 ? host + 5 : host);
	nh->bracketed = bracketed;
	return 0;
}
