#ifndef SLUICE_DNS_H
#define SLUICE_DNS_H
/*
 * NAME
 *	dns - asynchronous address lookups with c-ares inside libevent
 * SYNOPSIS
 *	#include "dns.h"
 *
 *	int  dns_init(struct event_base *base, const char *servers,
 *			struct vbuf *why);
 *	void dns_shutdown(void);
 *
 *	typedef void dns_done_fn(const struct dns_reply *reply, void *ctx);
 *	struct dns_req *dns_query_addr(const char *host, int families,
 *			dns_done_fn *cb, void *ctx);
 *	struct dns_req *dns_query_mx(const char *name, dns_done_fn *cb,
 *			void *ctx);
 *	struct dns_req *dns_query_ptr(const struct sockaddr_storage *addr,
 *			dns_done_fn *cb, void *ctx);
 *	struct dns_req *dns_cancel(struct dns_req *req);
 *
 *	int  dns_addr_literal(const char *host, int families,
 *			struct dns_addr *out);
 *	int  dns_valid_hostname(const char *name);
 *	const char *dns_status_name(int status);
 * DESCRIPTION
 *	One resolver per process, sharing the process's event_base: every
 *	resolver socket gets one libevent event (c-ares tells us about them
 *	through ARES_OPT_SOCK_STATE_CB), readiness calls ares_process_fd(),
 *	and one timer, re-armed from ares_timeout() after every change,
 *	drives c-ares' retransmissions and timeouts. Nothing here blocks.
 *
 *	dns_init() creates the resolver on base. servers is the
 *	dns_servers parameter: a comma and/or white space separated list of
 *	numeric "host[:port]" entries ("[ipv6]:port" for an IPv6 address
 *	with a port) used instead of /etc/resolv.conf; NULL or "" keeps the
 *	system configuration. Each query is sent at most twice per server
 *	with a 5 s timeout; "timeout:N" (1..30 s) and "attempts:N" (1..5)
 *	in the RES_OPTIONS environment variable override these, as they
 *	do for the libc resolver (other options there are ignored;
 *	timeout and attempts in resolv.conf are not used). Returns 0, or
 *	-1 with why (bad server list, c-ares failure); the caller picks
 *	the severity (daemons: fatal).
 *	Calling it again replaces the resolver (outstanding requests are
 *	dropped without callback). dns_shutdown() destroys the resolver;
 *	outstanding requests are dropped without callback.
 *
 *	dns_query_addr() looks up the addresses of host: A records when
 *	families has DNS_INET4, AAAA when it has DNS_INET6 (both queries
 *	run concurrently; IPv4 addresses are listed first). The name is
 *	queried as given (absolute; no search list). A numeric IPv4 or
 *	IPv6 address (an "ipv6:" prefix is allowed) resolves without DNS.
 *	The callback runs later from the event loop, exactly once, unless
 *	the request is cancelled first; it never runs inside
 *	dns_query_addr(). It returns a request handle owned by the dns
 *	module: it stays valid until the callback has returned or until
 *	dns_cancel(). Callers keep the handle in their session and clear it
 *	in the callback.
 *
 *	With DNS_HOSTS in families (disable_dns_lookups, Postfix's
 *	"native" lookups), the hosts file (/etc/hosts, c-ares'
 *	ares_gethostbyname_file(), a local file read) is consulted first
 *	for each family; only when it has no address of any wanted family
 *	are the DNS queries sent. getaddrinfo() is never used: it would
 *	block the event loop. The hosts file's answers (forward and
 *	reverse, found or not) are kept until the clock's second changes,
 *	so an edit shows within a second and a busy smtpd does not read the
 *	file three times per client.
 *
 *	dns_query_mx() looks up the MX records of name (same rules for
 *	names, callbacks and handles as dns_query_addr(); a numeric
 *	address or invalid name gives DNS_INVAL without a query). The
 *	reply has mx/nmx: at most DNS_MX_MAX records in answer order
 *	(unsorted), each with its preference and its exchange name
 *	(without trailing dot; "" for the root "."). nullmx is set when
 *	the answer is exactly one record whose exchange is "." (RFC 7505).
 *	status is DNS_OK when there is at least one record; NXDOMAIN and
 *	"no MX record" are both DNS_NOTFOUND (the caller falls back to the
 *	implicit MX), with the texts and dsn codes of the address lookup
 *	and type=MX in the text. naddr is 0 in an MX reply, and nmx is 0
 *	in an address reply.
 *
 *	dns_query_ptr() looks up the host name of addr (AF_INET or
 *	AF_INET6; the port is ignored) the way Postfix's smtpd does with
 *	getnameinfo(NI_NAMEREQD) under "hosts: files dns": first the hosts
 *	file (/etc/hosts, through c-ares' ares_gethostbyaddr() with a
 *	files-only lookup order: a local file read, no query), then a DNS
 *	PTR query for the reverse name ("4.3.2.1.in-addr.arpa", or the
 *	nibble form under "ip6.arpa"; CNAMEs are followed). This order is
 *	fixed: nsswitch.conf is not read. An IPv4-mapped IPv6 address
 *	(::ffff:1.2.3.4) is looked up as the IPv4 address. Same rules for
 *	callbacks, handles and dns_cancel() as dns_query_addr(). The reply
 *	has host = the address looked up as text ("1.2.3.4" also for the
 *	mapped form) and, with DNS_OK, name = the first name of the hosts
 *	file line or of the answer's PTR records, without trailing dot; it
 *	is not checked further (the caller applies dns_valid_hostname() and
 *	rejects numeric names, as smtpd does). Statuses: DNS_OK; DNS_RETRY
 *	(timeout, SERVFAIL, unreachable server, REFUSED, malformed reply);
 *	DNS_NOTFOUND (NXDOMAIN, or no PTR record); DNS_FAIL (FORMERR);
 *	DNS_INVAL only for an address family other than IPv4/IPv6 (why
 *	"Name service error for name= type=PTR: Address family not
 *	supported"). The why texts are those of dns_query_addr() with
 *	name=the reverse name and type=PTR, e.g. "Host or domain name not
 *	found. Name service error for name=4.3.2.1.in-addr.arpa type=PTR:
 *	Host not found". naddr and nmx are 0 in a PTR reply, and name is
 *	"" in every other reply.
 *
 *	Forward confirmation (smtpd's "hostname does not resolve to
 *	address" check) is dns_query_addr(name, DNS_INET_ALL | DNS_HOSTS,
 *	...) on the name from dns_query_ptr() (or only the client's family,
 *	as Postfix's inet_protocols allows), then a search of addrs for the
 *	client address; compare an IPv4-mapped client address as IPv4,
 *	because the reply lists IPv4 addresses as AF_INET.
 *
 *	dns_cancel() abandons a request (e.g. when its session is freed):
 *	its callback will not run, and a late answer is dropped. It takes
 *	NULL and always returns NULL ("s->dns = dns_cancel(s->dns);").
 *	Cancelling from inside the request's own callback is a panic.
 *
 *	The reply (borrowed; valid only during the callback):
 *	    status  DNS_OK (naddr > 0), DNS_RETRY (temporary failure:
 *		    SERVFAIL, timeout, unreachable server; also REFUSED and
 *		    NOTIMP, because c-ares then tries the next server and
 *		    finally reports every server as unreachable),
 *		    DNS_NOTFOUND (NXDOMAIN or no record of the type: hard),
 *		    DNS_FAIL (non-recoverable, e.g. FORMERR: hard),
 *		    DNS_INVAL (the name is not a valid host name: hard);
 *	    dsn     "2.0.0", "4.4.3" (RETRY), "5.4.4" (NOTFOUND, INVAL),
 *		    "5.4.3" (FAIL), as Postfix's smtp maps them;
 *	    why     "" for DNS_OK, else Postfix's text, e.g.
 *		    "Host or domain name not found. Name service error for
 *		    name=NAME type=A: Host not found" with the last part one
 *		    of "Host not found", "Host not found, try again",
 *		    "Non-recoverable error", "Host found but no data record
 *		    of requested type"; a malformed reply gives "Name
 *		    service error for name=NAME type=TYPE: Malformed or
 *		    unexpected name server reply" (RETRY);
 *	    addrs, naddr  at most DNS_ADDR_MAX addresses, port 0.
 *	With both families, any address makes the reply DNS_OK; otherwise a
 *	temporary failure dominates, and with equal failures the AAAA text
 *	is reported (Postfix reports the last type queried).
 *
 *	dns_addr_literal() fills out and returns 1 when host is a numeric
 *	address of an allowed family ("ipv6:" prefix allowed), else 0.
 *	dns_valid_hostname() tells whether name is a syntactically valid
 *	host name: dot-separated labels of 1..63 letters, digits, '-' and
 *	'_', not starting or ending with '-', at most 253 characters, one
 *	optional trailing dot. dns_status_name() names a status for debug
 *	logs.
 * DIAGNOSTICS
 *	Fatal: out of memory. Panic: a query before dns_init(), a NULL
 *	callback (or address), cancelling a request from its own callback.
 * SEE ALSO
 *	docs/postfix/smtp-client.md section 3; c-ares(3).
 */
#include <netinet/in.h>
#include <sys/socket.h>
#include "vbuf.h"

#define DNS_INET4 (1 << 0)
#define DNS_INET6 (1 << 1)
#define DNS_INET_ALL (DNS_INET4 | DNS_INET6)
#define DNS_HOSTS (1 << 2) /* hosts file first (native) */

#define DNS_OK 0
#define DNS_RETRY 1
#define DNS_NOTFOUND 2
#define DNS_FAIL 3
#define DNS_INVAL 4

#define DNS_ADDR_MAX 100
#define DNS_MX_MAX 100
#define DNS_NAME_MAX 256 /* 255 + NUL */

struct dns_addr {
	struct sockaddr_storage sa; /* family and address; port 0 */
	socklen_t salen;
	char text[64]; /* "192.0.2.1", "2001:db8::1" */
};

struct dns_mx {
	int pref;
	char name[DNS_NAME_MAX]; /* "" for "." */
};

struct dns_reply {
	const char *host; /* the name as asked */
	int status;
	const char *dsn;
	const char *why;
	const struct dns_addr *addrs;
	size_t naddr;
	const struct dns_mx *mx; /* dns_query_mx() only */
	size_t nmx;
	int nullmx;
	char name[DNS_NAME_MAX]; /* dns_query_ptr() only; else "" */
};

struct event_base;
struct dns_req;

typedef void dns_done_fn(const struct dns_reply *reply, void *ctx);

int dns_init(struct event_base *base, const char *servers, struct vbuf *why);
void dns_shutdown(void);
struct dns_req *dns_query_addr(const char *host, int families, dns_done_fn *cb,
    void *ctx);
struct dns_req *dns_query_mx(const char *name, dns_done_fn *cb, void *ctx);
struct dns_req *dns_query_ptr(const struct sockaddr_storage *addr,
    dns_done_fn *cb, void *ctx);
struct dns_req *dns_cancel(struct dns_req *req);
int dns_addr_literal(const char *host, int families, struct dns_addr *out);
int dns_valid_hostname(const char *name);
const char *dns_status_name(int status);

#endif
