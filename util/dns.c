/*
 * dns - asynchronous address lookups with c-ares inside libevent; see dns.h.
 *
 * Implementation notes. c-ares owns its sockets; through the
 * sock_state callback it tells us which to watch, and we keep one
 * persistent libevent event per socket (a short list: c-ares opens one
 * UDP socket per server, plus TCP for truncated answers). One evtimer,
 * re-armed from ares_timeout() after every query start and every
 * ares_process_fd(), handles retransmission and timeouts.
 *
 * A request runs up to two c-ares queries (A, AAAA). Each c-ares
 * callback gets a struct dns_sub that points back to its request; the
 * request is freed when no query is outstanding and the user callback
 * has run or was cancelled. A cancelled request has cb == NULL, so the
 * late answers only count down and free. A request that completes
 * while it is being started (numeric address, or c-ares failing a
 * query synchronously) is delivered from a zero-delay timer, so the
 * user callback never runs inside dns_query_addr().
 *
 * A reverse lookup is one sub-request of type PTR. Its first step is
 * ares_gethostbyaddr() on our channel, whose lookup order is "f" (hosts
 * file only): c-ares then reads the file and calls back before it
 * returns, without a query. The DNS step is our own ares_query() for
 * the reverse name, because ares_gethostbyaddr() with "b" in the order
 * reports every DNS failure (timeout, SERVFAIL, NXDOMAIN) as
 * ARES_ENOTFOUND, and the caller must tell temporary from permanent.
 * The file callback copes with running later too: it then starts the
 * DNS step from the event loop.
 */
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <ares.h>
#include <event2/event.h>

#include "dns.h"
#include "mem.h"
#include "msg.h"
#include "vbuf.h"

#define DNS_TIMEOUT_MS 5000
#define DNS_TRIES 2

struct dns_sock {
	ares_socket_t fd;
	struct event *ev;
	struct dns_sock *next;
};

struct dns_sub {
	struct dns_req *req;
	int type;    /* ns_t_a, ns_t_aaaa, ns_t_mx, ns_t_ptr */
	int pending; /* c-ares query outstanding */
	int done;
	int status; /* DNS_* */
	char *why;
	struct dns_addr *addrs;
	size_t naddr;
	struct dns_mx *mx; /* ns_t_mx */
	size_t nmx;
	char *name; /* ns_t_ptr: first name, no dot */
};

struct dns_req {
	char *host;
	char *qname; /* PTR: reverse name; else NULL */
	int family;  /* PTR: AF_INET or AF_INET6 */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} ptr_addr;	 /* PTR: the address asked */
	dns_done_fn *cb; /* NULL once cancelled */
	void *ctx;
	struct dns_sub sub[2];
	int nsub;
	int starting; /* inside dns_query_addr() */
	int in_callback;
	int delivered;
	struct event *done_ev; /* deferred delivery */
	struct dns_addr literal;
	int is_literal;
	struct dns_req *prev; /* all live requests */
	struct dns_req *next;
};

static struct dns_state {
	struct event_base *base;
	ares_channel channel;
	int have_channel;
	struct event *timer;
	struct dns_sock *socks;
	struct dns_req *reqs;
} dns;

static void dns_req_free(struct dns_req *req);
static void dns_ares_done(void *, int, int, unsigned char *, int);
static void dns_deliver_later(struct dns_req *req);

/* dns_status_name - debug name of a status */

const char *
dns_status_name(int status)
{
	switch (status) {
	case DNS_OK:
		return "ok";
	case DNS_RETRY:
		return "retry";
	case DNS_NOTFOUND:
		return "notfound";
	case DNS_FAIL:
		return "fail";
	case DNS_INVAL:
		return "invalid";
	default:
		return "unknown";
	}
}

/* dns_timer_rearm - let c-ares tell when it next needs attention */

static void
dns_timer_rearm(void)
{
	struct timeval tv;
	struct timeval *tvp;

	if (!dns.have_channel)
		return;
	tvp = ares_timeout(dns.channel, NULL, &tv);
	if (tvp)
		evtimer_add(dns.timer, tvp);
	else
		evtimer_del(dns.timer);
}

static void
dns_timer_event(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	ares_process_fd(dns.channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	dns_timer_rearm();
}

static void
dns_sock_event(evutil_socket_t fd, short what, void *arg)
{
	(void)arg;
	/* The dns_sock may be freed inside ares_process_fd(); use only fd. */
	ares_process_fd(dns.channel,
	    (what & EV_READ) ? (ares_socket_t)fd : ARES_SOCKET_BAD,
	    (what & EV_WRITE) ? (ares_socket_t)fd : ARES_SOCKET_BAD);
	dns_timer_rearm();
}

/* dns_sock_state - c-ares opens, changes interest in, or closes a socket */

static void
dns_sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
	struct dns_sock **pp;
	struct dns_sock *s;

	(void)data;
	for (pp = &dns.socks; (s = *pp) != NULL; pp = &s->next)
		if (s->fd == fd)
			break;
	if (!readable && !writable) {
		if (s) {
			*pp = s->next;
			event_free(s->ev);
			mem_free(s);
		}
		return;
	}
	if (s == NULL) {
		s = mem_calloc(1, sizeof(*s));
		s->fd = fd;
		s->ev = NULL;
		s->next = dns.socks;
		dns.socks = s;
	} else {
		event_free(s->ev);
	}
	s->ev = event_new(dns.base, fd,
	    (readable ? EV_READ : 0) | (writable ? EV_WRITE : 0) | EV_PERSIST,
	    dns_sock_event, s);
	if (s->ev == NULL)
		msg_fatal("dns: cannot create socket event");
	event_add(s->ev, NULL);
}

/* dns_servers_csv - "a, b:53 c" -> "a,b:53,c"; 0 if empty */

static size_t
dns_servers_csv(const char *servers, struct vbuf *out)
{
	const char *cp = servers;
	size_t n = 0;

	vbuf_reset(out);
	while (*cp) {
		size_t len;

		while (*cp == ',' || isspace((unsigned char)*cp))
			cp++;
		len = strcspn(cp, ", \t\r\n");
		if (len == 0)
			break;
		if (n++)
			vbuf_putc(out, ',');
		vbuf_append(out, cp, len);
		cp += len;
	}
	return n;
}

/* dns_res_options - timeout:N and attempts:N from RES_OPTIONS */

static void
dns_res_options(int *timeout_ms, int *tries)
{
	const char *env = getenv("RES_OPTIONS");
	const char *cp;

	if (env == NULL)
		return;
	for (cp = env; *cp; cp += strcspn(cp, " \t,")) {
		char *end;
		long val;

		cp += strspn(cp, " \t,");
		if (strncmp(cp, "timeout:", 8) == 0) {
			val = strtol(cp + 8, &end, 10);
			if (end > cp + 8 && val >= 1 && val <= 30)
				*timeout_ms = (int)val * 1000;
		} else if (strncmp(cp, "attempts:", 9) == 0) {
			val = strtol(cp + 9, &end, 10);
			if (end > cp + 9 && val >= 1 && val <= 5)
				*tries = (int)val;
		}
	}
}

/* dns_destroy - tear down the resolver; requests are dropped */

static void dns_hosts_clear(void);

static void
dns_destroy(void)
{
	struct dns_sock *s;

	dns_hosts_clear();

	if (dns.have_channel) {
		/* Callbacks run with ARES_EDESTRUCTION and free their requests.
		 */
		ares_destroy(dns.channel);
		dns.have_channel = 0;
	}
	while (dns.reqs) /* deferred deliveries */
		dns_req_free(dns.reqs);
	while ((s = dns.socks) != NULL) {
		dns.socks = s->next;
		event_free(s->ev);
		mem_free(s);
	}
	if (dns.timer) {
		event_free(dns.timer);
		dns.timer = NULL;
	}
}

int
dns_init(struct event_base *base, const char *servers, struct vbuf *why)
{
	static int lib_done;
	static char lookups[] = "f"; /* see the notes at the top */
	struct ares_options opts;
	struct vbuf csv = VBUF_INIT;
	int status;

	dns_destroy();
	if (!lib_done) {
		if ((status = ares_library_init(ARES_LIB_INIT_ALL)) !=
		    ARES_SUCCESS) {
			vbuf_printf(why, "c-ares initialization failed: %s",
			    ares_strerror(status));
			return -1;
		}
		lib_done = 1;
	}
	memset(&opts, 0, sizeof(opts));
	opts.sock_state_cb = dns_sock_state;
	opts.sock_state_cb_data = NULL;
	opts.timeout = DNS_TIMEOUT_MS;
	opts.tries = DNS_TRIES;
	dns_res_options(&opts.timeout, &opts.tries);
	opts.lookups = lookups;
	status = ares_init_options(&dns.channel, &opts,
	    ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES |
		ARES_OPT_LOOKUPS);
	if (status != ARES_SUCCESS) {
		vbuf_printf(why, "c-ares initialization failed: %s",
		    ares_strerror(status));
		return -1;
	}
	dns.have_channel = 1;
	dns.base = base;
	if (servers && dns_servers_csv(servers, &csv) > 0) {
		status =
		    ares_set_servers_ports_csv(dns.channel, vbuf_str(&csv));
		if (status != ARES_SUCCESS) {
			vbuf_printf(why, "bad dns_servers value \"%s\": %s",
			    servers, ares_strerror(status));
			vbuf_free(&csv);
			dns_destroy();
			return -1;
		}
	}
	vbuf_free(&csv);
	dns.timer = evtimer_new(base, dns_timer_event, NULL);
	if (dns.timer == NULL)
		msg_fatal("dns: cannot create timer");
	return 0;
}

void
dns_shutdown(void)
{
	dns_destroy();
}

/* dns_addr_fill - a's address from the raw network-order bytes of family af */

static void
dns_addr_fill(struct dns_addr *a, int af, const void *raw)
{
	if (af == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&a->sa;

		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, raw, sizeof(sin->sin_addr));
		a->salen = sizeof(*sin);
		inet_ntop(AF_INET, &sin->sin_addr, a->text, sizeof(a->text));
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&a->sa;

		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, raw, sizeof(sin6->sin6_addr));
		a->salen = sizeof(*sin6);
		inet_ntop(AF_INET6, &sin6->sin6_addr, a->text, sizeof(a->text));
	}
}

/* dns_addr_literal - numeric address without DNS */

int
dns_addr_literal(const char *host, int families, struct dns_addr *out)
{
	unsigned char bin[16];
	const char *name = host;

	memset(out, 0, sizeof(*out));
	if (strncasecmp(name, "ipv6:", 5) == 0) {
		name += 5;
		if (!(families & DNS_INET6))
			return 0;
		if (inet_pton(AF_INET6, name, bin) != 1)
			return 0;
	} else if ((families & DNS_INET4) &&
	    inet_pton(AF_INET, name, bin) == 1) {
		dns_addr_fill(out, AF_INET, bin);
		return 1;
	} else if (!(families & DNS_INET6) ||
	    inet_pton(AF_INET6, name, bin) != 1) {
		return 0;
	}
	dns_addr_fill(out, AF_INET6, bin);
	return 1;
}

/* dns_valid_hostname - host name syntax: dot-separated labels of [A-Za-z0-9_-]
 */

int
dns_valid_hostname(const char *name)
{
	size_t total = strlen(name);
	size_t i = 0;

	if (total > 0 && name[total - 1] == '.')
		total--;
	if (total == 0 || total > 253)
		return 0;
	while (i < total) {
		size_t start = i;

		while (i < total && name[i] != '.') {
			unsigned char c = (unsigned char)name[i];

			if (!isalnum(c) && c != '-' && c != '_')
				return 0;
			i++;
		}
		if (i == start || i - start > 63 || name[start] == '-' ||
		    name[i - 1] == '-')
			return 0;
		if (i < total && ++i == total)
			return 0; /* "a." inside total: empty label */
	}
	return 1;
}

/* dns_req_free - release a request that has nothing outstanding */

static void
dns_req_free(struct dns_req *req)
{
	if (req->prev)
		req->prev->next = req->next;
	else
		dns.reqs = req->next;
	if (req->next)
		req->next->prev = req->prev;
	for (int i = 0; i < req->nsub; i++) {
		mem_free(req->sub[i].why);
		mem_free(req->sub[i].addrs);
		mem_free(req->sub[i].mx);
		mem_free(req->sub[i].name);
	}
	if (req->done_ev)
		event_free(req->done_ev);
	mem_free(req->host);
	mem_free(req->qname);
	mem_free(req);
}

static const char *
dns_type_name(int type)
{
	return type == ns_t_aaaa ? "AAAA"
	    : type == ns_t_mx	 ? "MX"
	    : type == ns_t_ptr	 ? "PTR"
				 : "A";
}

/* dns_deliver - combine the sub-results and run the user callback */

static void
dns_deliver(struct dns_req *req)
{
	struct dns_reply reply;
	struct dns_addr *all = NULL;
	size_t nall = 0;
	const struct dns_sub *pick = NULL;

	memset(&reply, 0, sizeof(reply));
	reply.host = req->host;
	if (req->is_literal) {
		reply.status = DNS_OK;
		reply.addrs = &req->literal;
		reply.naddr = 1;
	} else {
		for (int i = 0; i < req->nsub; i++)
			nall += req->sub[i].naddr;
		if (req->sub[0].type == ns_t_ptr && req->sub[0].name != NULL) {
			reply.status = DNS_OK;
			snprintf(reply.name, sizeof(reply.name), "%s",
			    req->sub[0].name);
		} else if (req->sub[0].type == ns_t_mx && req->sub[0].nmx > 0) {
			reply.status = DNS_OK;
			reply.mx = req->sub[0].mx;
			reply.nmx = req->sub[0].nmx;
			reply.nullmx =
			    (reply.nmx == 1 && reply.mx[0].name[0] == 0);
		} else if (nall > 0) {
			size_t k = 0;

			all = mem_calloc(nall, sizeof(*all));
			for (int i = 0; i < req->nsub; i++)
				for (size_t j = 0;
				     j < req->sub[i].naddr && k < DNS_ADDR_MAX;
				     j++)
					all[k++] = req->sub[i].addrs[j];
			reply.status = DNS_OK;
			reply.addrs = all;
			reply.naddr = k;
		} else {
			for (int i = 0; i < req->nsub; i++)
				if (req->sub[i].status == DNS_RETRY)
					pick = &req->sub[i];
			if (pick == NULL)
				pick = &req->sub[req->nsub - 1];
			reply.status = pick->status;
			reply.why = pick->why;
		}
	}
	switch (reply.status) {
	case DNS_OK:
		reply.dsn = "2.0.0";
		reply.why = "";
		break;
	case DNS_RETRY:
		reply.dsn = "4.4.3";
		break;
	case DNS_FAIL:
		reply.dsn = "5.4.3";
		break;
	default:
		reply.dsn = "5.4.4";
		break;
	}
	req->delivered = 1;
	if (req->cb) {
		req->in_callback = 1;
		req->cb(&reply, req->ctx);
		req->in_callback = 0;
	}
	mem_free(all);
}

static void
dns_done_event(evutil_socket_t fd, short what, void *arg)
{
	struct dns_req *req = arg;

	(void)fd;
	(void)what;
	dns_deliver(req);
	dns_req_free(req);
}

/* dns_maybe_done - after a sub-query finished */

static void
dns_maybe_done(struct dns_req *req)
{
	for (int i = 0; i < req->nsub; i++)
		if (req->sub[i].pending)
			return;
	if (req->cb == NULL) { /* cancelled */
		dns_req_free(req);
	} else if (req->starting) {
		dns_deliver_later(req);
	} else {
		dns_deliver(req);
		dns_req_free(req);
	}
}

/* dns_sub_fail - record a failure of one query */

static void
dns_sub_fail(struct dns_sub *sub, int status, const char *text, int with_prefix)
{
	struct vbuf why = VBUF_INIT;
	const char *name = sub->req->qname ? sub->req->qname : sub->req->host;

	sub->status = status;
	if (with_prefix)
		vbuf_printf(&why,
		    "Host or domain name not found. "
		    "Name service error for name=%s type=%s: %s",
		    name, dns_type_name(sub->type), text);
	else
		vbuf_printf(&why, "Name service error for name=%s type=%s: %s",
		    name, dns_type_name(sub->type), text);
	mem_free(sub->why);
	sub->why = vbuf_export(&why);
}

/* dns_ptr_name - keep a PTR name without its trailing dot; 0 if too long */

static int
dns_ptr_name(struct dns_sub *sub, const char *name)
{
	size_t len = strlen(name);

	if (len > 0 && name[len - 1] == '.')
		len--;
	if (len >= DNS_NAME_MAX)
		return 0;
	mem_free(sub->name);
	sub->name = mem_strndup(name, len);
	return 1;
}

/* dns_parse - addresses from an answer; c-ares status */

static int
dns_parse(struct dns_sub *sub, unsigned char *abuf, int alen)
{
	int n = DNS_ADDR_MAX;
	int status;

	if (sub->type == ns_t_ptr) {
		struct dns_req *req = sub->req;
		struct hostent *he = NULL;

		status = ares_parse_ptr_reply(abuf, alen, &req->ptr_addr,
		    req->family == AF_INET ? (int)sizeof(req->ptr_addr.v4)
					   : (int)sizeof(req->ptr_addr.v6),
		    req->family, &he);
		if (status != ARES_SUCCESS)
			return status;
		if (he == NULL || he->h_name == NULL)
			status = ARES_ENODATA;
		else if (!dns_ptr_name(sub, he->h_name))
			status = ARES_EBADRESP; /* no valid name is that long */
		if (he)
			ares_free_hostent(he);
		return status;
	} else if (sub->type == ns_t_mx) {
		struct ares_mx_reply *list = NULL;
		struct ares_mx_reply *mx;
		size_t k = 0;

		if ((status = ares_parse_mx_reply(abuf, alen, &list)) !=
		    ARES_SUCCESS)
			return status;
		for (mx = list; mx; mx = mx->next)
			k++;
		if (k > DNS_MX_MAX)
			k = DNS_MX_MAX;
		sub->mx = k > 0 ? mem_calloc(k, sizeof(*sub->mx)) : NULL;
		k = 0;
		for (mx = list; mx && k < DNS_MX_MAX; mx = mx->next) {
			size_t len = strlen(mx->host);

			if (len > 0 && mx->host[len - 1] == '.')
				len--; /* "." is the root: "" */
			if (len >= DNS_NAME_MAX)
				continue; /* cannot be a valid name */
			sub->mx[k].pref = mx->priority;
			memcpy(sub->mx[k].name, mx->host, len);
			sub->mx[k].name[len] = 0;
			k++;
		}
		ares_free_data(list);
		sub->nmx = k;
		return ARES_SUCCESS;
	} else if (sub->type == ns_t_a) {
		struct ares_addrttl ttl[DNS_ADDR_MAX];

		if ((status = ares_parse_a_reply(abuf, alen, NULL, ttl, &n)) !=
		    ARES_SUCCESS)
			return status;
		sub->addrs =
		    n > 0 ? mem_calloc((size_t)n, sizeof(*sub->addrs)) : NULL;
		for (int i = 0; i < n; i++)
			dns_addr_fill(&sub->addrs[i], AF_INET, &ttl[i].ipaddr);
	} else {
		struct ares_addr6ttl ttl[DNS_ADDR_MAX];

		if ((status = ares_parse_aaaa_reply(abuf, alen, NULL, ttl,
			 &n)) != ARES_SUCCESS)
			return status;
		sub->addrs =
		    n > 0 ? mem_calloc((size_t)n, sizeof(*sub->addrs)) : NULL;
		for (int i = 0; i < n; i++)
			dns_addr_fill(&sub->addrs[i], AF_INET6,
			    &ttl[i].ip6addr);
	}
	sub->naddr = (size_t)(n > 0 ? n : 0);
	return ARES_SUCCESS;
}

/* dns_ares_done - one c-ares query finished */

static void
dns_ares_done(void *arg, int status, int timeouts, unsigned char *abuf,
    int alen)
{
	struct dns_sub *sub = arg;
	struct dns_req *req = sub->req;

	(void)timeouts;
	sub->pending = 0;
	sub->done = 1;
	if (status == ARES_EDESTRUCTION || status == ARES_ECANCELLED) {
		req->cb = NULL; /* resolver going away: drop */
		dns_maybe_done(req);
		return;
	}
	if (req->cb == NULL) {
		dns_maybe_done(req);
		return;
	}
	switch (status) {
	case ARES_SUCCESS:
		if ((status = dns_parse(sub, abuf, alen)) != ARES_SUCCESS) {
			if (status == ARES_ENODATA)
				dns_sub_fail(sub, DNS_NOTFOUND,
				    "Host found but no data record of "
				    "requested type",
				    1);
			else
				dns_sub_fail(sub, DNS_RETRY,
				    "Malformed or unexpected name server reply",
				    0);
		} else if (sub->naddr == 0 && sub->nmx == 0 &&
		    sub->name == NULL) {
			dns_sub_fail(sub, DNS_NOTFOUND,
			    "Host found but no data record of requested type",
			    1);
		} else {
			sub->status = DNS_OK;
		}
		break;
	case ARES_ENOTFOUND:
		dns_sub_fail(sub, DNS_NOTFOUND, "Host not found", 1);
		break;
	case ARES_ENODATA:
		dns_sub_fail(sub, DNS_NOTFOUND,
		    "Host found but no data record of requested type", 1);
		break;
	case ARES_EREFUSED:
	case ARES_EFORMERR:
	case ARES_ENOTIMP:
		dns_sub_fail(sub, DNS_FAIL, "Non-recoverable error", 1);
		break;
	case ARES_EBADRESP:
		dns_sub_fail(sub, DNS_RETRY,
		    "Malformed or unexpected name server reply", 0);
		break;
	case ARES_EBADNAME:
		dns_sub_fail(sub, DNS_INVAL, "Malformed domain name", 0);
		break;
	default: /* SERVFAIL, timeout, refused socket */
		dns_sub_fail(sub, DNS_RETRY, "Host not found, try again", 1);
		break;
	}
	dns_maybe_done(req);
}

/*
 * The hosts file's answers of the current second. c-ares reads the file
 * afresh for every lookup (open, fstat, reads, close), and an smtpd asks
 * it three times per client (the client's name, then that name's
 * addresses of both families); under load the same few answers are asked
 * for hundreds of times a second. So each answer, found or not, is kept
 * until the clock's second changes (an edited hosts file shows within a
 * second), in a few entries reused in turn.
 */
#define DNS_HOSTS_CACHE 8

struct dns_hosts_entry {
	int type;		/* ns_t_a, ns_t_aaaa, ns_t_ptr; 0: free */
	char key[DNS_NAME_MAX]; /* the host name, or the address (PTR) */
	char *name;		/* ns_t_ptr: the name found, or NULL */
	struct dns_addr *addrs; /* ns_t_a, ns_t_aaaa: the addresses */
	size_t naddr;		/* 0: not in the file */
};

static struct {
	time_t second; /* when the entries were made */
	int next;      /* the entry to reuse next */
	struct dns_hosts_entry e[DNS_HOSTS_CACHE];
} dns_hosts;

/* dns_hosts_clear - forget every answer (also at dns_shutdown()) */

static void
dns_hosts_clear(void)
{
	dns_hosts.second = 0;
	for (int i = 0; i < DNS_HOSTS_CACHE; i++) {
		struct dns_hosts_entry *e = &dns_hosts.e[i];

		e->name = mem_free(e->name);
		e->addrs = mem_free(e->addrs);
		e->naddr = 0;
		e->type = 0;
	}
	dns_hosts.next = 0;
}

/* dns_hosts_find - this second's answer for type and key, or NULL */

static struct dns_hosts_entry *
dns_hosts_find(int type, const char *key)
{
	time_t now = time((time_t *)0);

	if (dns_hosts.second != now) {
		dns_hosts_clear();
		dns_hosts.second = now;
		return (NULL);
	}
	for (int i = 0; i < DNS_HOSTS_CACHE; i++)
		if (dns_hosts.e[i].type == type &&
		    strcmp(dns_hosts.e[i].key, key) == 0)
			return (&dns_hosts.e[i]);
	return (NULL);
}

/* dns_hosts_new - an entry for an answer (the key must fit) */

static struct dns_hosts_entry *
dns_hosts_new(int type, const char *key)
{
	struct dns_hosts_entry *e = &dns_hosts.e[dns_hosts.next];

	if (strlen(key) >= sizeof(e->key))
		return (NULL);
	dns_hosts.next = (dns_hosts.next + 1) % DNS_HOSTS_CACHE;
	e->name = mem_free(e->name);
	e->addrs = mem_free(e->addrs);
	e->naddr = 0;
	e->type = type;
	strcpy(e->key, key);
	return (e);
}

/* dns_hosts_lookup - the addresses of host of family af in the file */

static size_t
dns_hosts_lookup(int type, const char *host, struct dns_addr **addrs)
{
	struct dns_hosts_entry *e;
	int af = type == ns_t_aaaa ? AF_INET6 : AF_INET;
	struct hostent *he = NULL;
	size_t n = 0;

	if ((e = dns_hosts_find(type, host)) == NULL) {
		if (ares_gethostbyname_file(dns.channel, host, af, &he) ==
			ARES_SUCCESS &&
		    he != NULL && he->h_addrtype == af)
			while (he->h_addr_list[n] && n < DNS_ADDR_MAX)
				n++;
		if ((e = dns_hosts_new(type, host)) != NULL && n > 0) {
			e->addrs = mem_calloc(n, sizeof(*e->addrs));
			for (size_t j = 0; j < n; j++)
				dns_addr_fill(&e->addrs[j], af,
				    he->h_addr_list[j]);
			e->naddr = n;
		}
		if (he != NULL)
			ares_free_hostent(he);
		if (e == NULL)
			return (0);
	}
	*addrs = e->naddr ? mem_calloc(e->naddr, sizeof(**addrs)) : NULL;
	if (e->naddr)
		memcpy(*addrs, e->addrs, e->naddr * sizeof(**addrs));
	return (e->naddr);
}

/* dns_hosts_file - addresses from the hosts file; 1 if any */

static int
dns_hosts_file(struct dns_req *req)
{
	size_t found = 0;

	for (int i = 0; i < req->nsub; i++) {
		struct dns_sub *sub = &req->sub[i];
		size_t n = dns_hosts_lookup(sub->type, req->host, &sub->addrs);

		if (n == 0)
			continue;
		sub->naddr = n;
		sub->status = DNS_OK;
		found += n;
	}
	return found > 0;
}

/* dns_req_new - a request on the live list */

static struct dns_req *
dns_req_new(const char *host, dns_done_fn *cb, void *ctx)
{
	struct dns_req *req;

	if (!dns.have_channel)
		msg_panic("dns_query: dns_init() was not called");
	req = mem_calloc(1, sizeof(*req));
	req->host = mem_strdup(host);
	req->cb = cb;
	req->ctx = ctx;
	req->next = dns.reqs;
	if (dns.reqs)
		dns.reqs->prev = req;
	dns.reqs = req;
	return req;
}

/* dns_deliver_later - deliver from a zero-delay timer */

static void
dns_deliver_later(struct dns_req *req)
{
	static const struct timeval zero = {0, 0};

	if (req->done_ev == NULL &&
	    (req->done_ev = evtimer_new(dns.base, dns_done_event, req)) == NULL)
		msg_fatal("dns: cannot create event");
	evtimer_add(req->done_ev, &zero);
}

/* dns_query_start - common part of the address and MX lookups */

static struct dns_req *
dns_query_start(const char *host, int families, int mx, dns_done_fn *cb,
    void *ctx)
{
	static const struct timeval zero = {0, 0};
	struct dns_req *req;

	if (cb == NULL || (!mx && (families & DNS_INET_ALL) == 0))
		msg_panic("dns_query: bad arguments");
	req = dns_req_new(host, cb, ctx);
	if (mx) {
		req->sub[req->nsub++].type = ns_t_mx;
	} else {
		if (families & DNS_INET4)
			req->sub[req->nsub++].type = ns_t_a;
		if (families & DNS_INET6)
			req->sub[req->nsub++].type = ns_t_aaaa;
	}
	for (int i = 0; i < req->nsub; i++)
		req->sub[i].req = req;

	if (mx && dns_addr_literal(host, DNS_INET_ALL, &req->literal)) {
		dns_sub_fail(&req->sub[0], DNS_INVAL, "Malformed domain name",
		    0);
	} else if (!mx && dns_addr_literal(host, families, &req->literal)) {
		req->is_literal = 1;
	} else if (!mx && (families & DNS_HOSTS) && dns_valid_hostname(host) &&
	    dns_hosts_file(req)) {
		/* Delivered from the timer below, like a literal. */
	} else if (!dns_valid_hostname(host)) {
		struct dns_sub *last = &req->sub[req->nsub - 1];

		dns_sub_fail(last, DNS_INVAL, "Malformed domain name", 0);
	} else {
		req->starting = 1;
		for (int i = 0; i < req->nsub; i++)
			req->sub[i].pending = 1;
		for (int i = 0; i < req->nsub; i++)
			ares_query(dns.channel, host, ns_c_in, req->sub[i].type,
			    dns_ares_done, &req->sub[i]);
		req->starting = 0;
		dns_timer_rearm();
		/* If all finished synchronously, dns_maybe_done() armed
		 * done_ev. */
		return req;
	}
	req->done_ev = evtimer_new(dns.base, dns_done_event, req);
	if (req->done_ev == NULL)
		msg_fatal("dns: cannot create event");
	evtimer_add(req->done_ev, &zero);
	return req;
}

struct dns_req *
dns_query_addr(const char *host, int families, dns_done_fn *cb, void *ctx)
{
	return dns_query_start(host, families, 0, cb, ctx);
}

struct dns_req *
dns_query_mx(const char *name, dns_done_fn *cb, void *ctx)
{
	return dns_query_start(name, 0, 1, cb, ctx);
}

/* dns_ptr_qname - the reverse name of the request's address */

static char *
dns_ptr_qname(const struct dns_req *req)
{
	struct vbuf name = VBUF_INIT;

	if (req->family == AF_INET) {
		const unsigned char *b =
		    (const unsigned char *)&req->ptr_addr.v4;

		vbuf_printf(&name, "%u.%u.%u.%u.in-addr.arpa", b[3], b[2], b[1],
		    b[0]);
	} else {
		const unsigned char *b =
		    (const unsigned char *)&req->ptr_addr.v6;

		for (int i = 15; i >= 0; i--)
			vbuf_printf(&name, "%x.%x.", b[i] & 0xf, b[i] >> 4);
		vbuf_puts(&name, "ip6.arpa");
	}
	return vbuf_export(&name);
}

/*
 * dns_ptr_file_result - the hosts file step of a reverse lookup is done:
 * name is what the file says, or NULL; then the DNS step.
 */
static void
dns_ptr_file_result(struct dns_sub *sub, const char *name)
{
	struct dns_req *req = sub->req;

	if (name != NULL && dns_ptr_name(sub, name)) {
		sub->pending = 0;
		sub->status = DNS_OK;
		dns_maybe_done(req);
	} else {
		/* Not in the file: the DNS step; sub stays pending. */
		ares_query(dns.channel, req->qname, ns_c_in, ns_t_ptr,
		    dns_ares_done, sub);
		if (!req->starting)
			dns_timer_rearm();
	}
}

/* dns_ptr_file_done - c-ares has read the hosts file for a reverse lookup */

static void
dns_ptr_file_done(void *arg, int status, int timeouts, struct hostent *he)
{
	struct dns_sub *sub = arg;
	struct dns_req *req = sub->req;
	struct dns_hosts_entry *e;
	const char *name;

	(void)timeouts;
	if (status == ARES_EDESTRUCTION || status == ARES_ECANCELLED)
		req->cb = NULL;
	if (req->cb == NULL) {
		sub->pending = 0;
		dns_maybe_done(req);
		return;
	}
	name = status == ARES_SUCCESS && he != NULL ? he->h_name : NULL;
	if ((name != NULL || status == ARES_ENOTFOUND) &&
	    (e = dns_hosts_new(ns_t_ptr, req->host)) != NULL && name != NULL)
		e->name = mem_strdup(name);
	dns_ptr_file_result(sub, name);
}

struct dns_req *
dns_query_ptr(const struct sockaddr_storage *addr, dns_done_fn *cb, void *ctx)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)addr;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)addr;
	char text[INET6_ADDRSTRLEN];
	struct dns_hosts_entry *e;
	struct dns_req *req;
	struct dns_sub *sub;

	if (cb == NULL || addr == NULL)
		msg_panic("dns_query_ptr: bad arguments");
	req = dns_req_new("", cb, ctx);
	sub = &req->sub[req->nsub++];
	sub->type = ns_t_ptr;
	sub->req = req;
	if (addr->ss_family == AF_INET) {
		req->family = AF_INET;
		req->ptr_addr.v4 = sin->sin_addr;
	} else if (addr->ss_family == AF_INET6 &&
	    IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
		req->family = AF_INET;
		memcpy(&req->ptr_addr.v4, sin6->sin6_addr.s6_addr + 12,
		    sizeof(req->ptr_addr.v4));
	} else if (addr->ss_family == AF_INET6) {
		req->family = AF_INET6;
		req->ptr_addr.v6 = sin6->sin6_addr;
	} else {
		req->qname = mem_strdup("");
		dns_sub_fail(sub, DNS_INVAL, "Address family not supported", 0);
		dns_deliver_later(req);
		return req;
	}
	inet_ntop(req->family, &req->ptr_addr, text, sizeof(text));
	mem_free(req->host);
	req->host = mem_strdup(text);
	req->qname = dns_ptr_qname(req);

	/*
	 * The channel's lookup order is "f": this reads the hosts file and
	 * calls back before it returns (see the notes at the top).
	 */
	req->starting = 1;
	sub->pending = 1;
	if ((e = dns_hosts_find(ns_t_ptr, req->host)) != NULL)
		dns_ptr_file_result(sub, e->name);
	else
		ares_gethostbyaddr(dns.channel, &req->ptr_addr,
		    req->family == AF_INET ? (int)sizeof(req->ptr_addr.v4)
					   : (int)sizeof(req->ptr_addr.v6),
		    req->family, dns_ptr_file_done, sub);
	req->starting = 0;
	dns_timer_rearm();
	return req;
}

struct dns_req *
dns_cancel(struct dns_req *req)
{
	int pending = 0;

	if (req == NULL)
		return NULL;
	if (req->in_callback)
		msg_panic(
		    "dns_cancel: request cancelled from its own callback");
	req->cb = NULL;
	for (int i = 0; i < req->nsub; i++)
		pending |= req->sub[i].pending;
	if (!pending) /* only a deferred delivery left */
		dns_req_free(req);
	return NULL;
}
