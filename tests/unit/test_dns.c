/*
 * test_dns - c-ares inside libevent against a real dnsmasq on 127.0.0.1.
 *
 * The group setup starts "dnsmasq --no-daemon" on a free UDP port with
 * fixture records, and the teardown kills it by pid. Without dnsmasq
 * the DNS cases are skipped; the cases that need no server (literals,
 * bad names, bad server lists) always run.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <event2/event.h>

#include "testdir.h"

#include "dns.h"
#include "mem.h"
#include "msg.h"
#include "vbuf.h"

static struct event_base *base;
static pid_t dnsmasq_pid = -1;
static int dns_port;
static char servers[64];

/* One finished lookup, copied out of the callback. */
struct result {
	int called;
	int status;
	char dsn[16];
	char why[512];
	char addrs[512]; /* "a b c" */
	size_t naddr;
};

static void
on_done(const struct dns_reply *r, void *ctx)
{
	struct result *res = ctx;

	res->called++;
	res->status = r->status;
	snprintf(res->dsn, sizeof(res->dsn), "%s", r->dsn);
	snprintf(res->why, sizeof(res->why), "%s", r->why);
	res->naddr = r->naddr;
	res->addrs[0] = 0;
	for (size_t i = 0; i < r->naddr; i++) {
		if (i)
			strncat(res->addrs, " ",
			    sizeof(res->addrs) - strlen(res->addrs) - 1);
		strncat(res->addrs, r->addrs[i].text,
		    sizeof(res->addrs) - strlen(res->addrs) - 1);
	}
}

/* run_until - dispatch until *flag or the deadline (bounded) */

static void
run_until(int *flag, int seconds)
{
	time_t deadline = time(NULL) + seconds;
	struct timeval slice = {0, 100000};

	for (int i = 0; !*flag && time(NULL) < deadline && i < 100000; i++) {
		event_base_loopexit(base, &slice);
		event_base_loop(base, EVLOOP_ONCE);
	}
}

/* free_udp_port - a UDP port on 127.0.0.1 nothing is bound to */

static int
free_udp_port(void)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	int port;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) < 0)
		return -1;
	port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

/* port_busy - someone (dnsmasq) has bound the UDP port */

static int
port_busy(int port)
{
	struct sockaddr_in sin;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	int busy;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)port);
	busy = bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 &&
	    errno == EADDRINUSE;
	close(fd);
	return busy;
}

static const char *
dnsmasq_path(void)
{
	static const char *const paths[] = {"/usr/sbin/dnsmasq",
	    "/usr/bin/dnsmasq", "/usr/local/sbin/dnsmasq", 0};

	for (int i = 0; paths[i]; i++)
		if (access(paths[i], X_OK) == 0)
			return paths[i];
	return NULL;
}

static int
group_setup(void **state)
{
	const char *path = dnsmasq_path();
	char portarg[32];
	struct vbuf why = VBUF_INIT;

	msg_init("test_dns", MSG_STDERR);
	base = event_base_new();
	if (base == NULL)
		return -1;
	if (path == NULL || (dns_port = free_udp_port()) < 0)
		return 0;
	snprintf(portarg, sizeof(portarg), "--port=%d", dns_port);
	if ((dnsmasq_pid = fork()) == 0) {
		int devnull = open("/dev/null", 1);

		dup2(devnull, 1);
		dup2(devnull, 2);
		execl(path, "dnsmasq", "--no-daemon", "--conf-file=/dev/null",
		    "--pid-file=", portarg, "--listen-address=127.0.0.1",
		    "--bind-interfaces", "--no-resolv", "--no-hosts",
		    "--address=/test.example/127.0.0.1",
		    "--address=/nx.example/", "--local=/nodata.example/",
		    "--host-record=nodata.example,127.0.0.3",
		    "--host-record=both.example,127.0.0.2,::2",
		    "--cname=alias.example,both.example",
		    "--mx-host=mx.example,mx2.mx.example,20",
		    "--mx-host=mx.example,mx1.mx.example,10",
		    "--mx-host=mx.example,mx3.mx.example,10",
		    "--mx-host=null.example,.,0", "--local=/mx.example/",
		    "--local=/null.example/",
		    /* Reverse lookups: PTR records, NXDOMAIN, no PTR. */
		    "--host-record=ptr.example,192.0.2.1",
		    "--host-record=v6.example,2001:db8::25",
		    "--ptr-record=4.2.0.192.in-addr.arpa,second.example.",
		    "--local=/100.51.198.in-addr.arpa/",
		    "--local=/8.b.d.0.1.0.0.2.ip6.arpa/",
		    "--local=/113.0.203.in-addr.arpa/",
		    "--txt-record=9.113.0.203.in-addr.arpa,no ptr here",
		    (char *)0);
		_exit(127);
	}
	for (int i = 0; i < 100 && !port_busy(dns_port); i++)
		usleep(50000);
	if (!port_busy(dns_port)) {
		kill(dnsmasq_pid, SIGTERM);
		waitpid(dnsmasq_pid, NULL, 0);
		dnsmasq_pid = -1;
		return 0;
	}
	snprintf(servers, sizeof(servers), "127.0.0.1:%d", dns_port);
	if (dns_init(base, servers, &why) < 0) {
		fprintf(stderr, "dns_init: %s\n", vbuf_str(&why));
		return -1;
	}
	vbuf_free(&why);
	return 0;
}

static int
group_teardown(void **state)
{
	dns_shutdown();
	if (dnsmasq_pid > 0) {
		kill(dnsmasq_pid, SIGTERM);
		waitpid(dnsmasq_pid, NULL, 0);
	}
	event_base_free(base);
	return 0;
}

static void
need_dnsmasq(void)
{
	if (dnsmasq_pid <= 0)
		skip();
}

/* Lookups answered by the dnsmasq fixtures. */
struct lookup_case {
	const char *name;
	const char *host;
	int families;
	int status;
	const char *dsn;
	const char *why;
	const char *addrs;
};

static const struct lookup_case lookups[] = {
    {"A record", "test.example", DNS_INET4, DNS_OK, "2.0.0", "", "127.0.0.1"},
    {"A record of a subdomain", "mx.test.example", DNS_INET4, DNS_OK, "2.0.0",
	"", "127.0.0.1"},
    {"trailing dot", "test.example.", DNS_INET4, DNS_OK, "2.0.0", "",
	"127.0.0.1"},
    {"both families, IPv4 first", "both.example", DNS_INET_ALL, DNS_OK, "2.0.0",
	"", "127.0.0.2 ::2"},
    {"AAAA only", "both.example", DNS_INET6, DNS_OK, "2.0.0", "", "::2"},
    {"CNAME followed", "alias.example", DNS_INET4, DNS_OK, "2.0.0", "",
	"127.0.0.2"},
    {"NXDOMAIN", "nx.example", DNS_INET4, DNS_NOTFOUND, "5.4.4",
	"Host or domain name not found. Name service error for "
	"name=nx.example type=A: Host not found",
	""},
    {"NXDOMAIN both families reports AAAA", "nx.example", DNS_INET_ALL,
	DNS_NOTFOUND, "5.4.4",
	"Host or domain name not found. Name service error for "
	"name=nx.example type=AAAA: Host not found",
	""},
    {"no data of the type", "nodata.example", DNS_INET6, DNS_NOTFOUND, "5.4.4",
	"Host or domain name not found. Name service error for "
	"name=nodata.example type=AAAA: Host found but no data record of "
	"requested type",
	""},
    {"one family suffices", "nodata.example", DNS_INET_ALL, DNS_OK, "2.0.0", "",
	"127.0.0.3"},
    /* c-ares tries every server and then reports "cannot contact". */
    {"REFUSED from every server is temporary", "elsewhere.example", DNS_INET4,
	DNS_RETRY, "4.4.3",
	"Host or domain name not found. "
	"Name service error for name=elsewhere.example type=A: Host not found, "
	"try again",
	""},
};

static void
test_lookups(void **state)
{
	need_dnsmasq();
	for (size_t i = 0; i < sizeof(lookups) / sizeof(lookups[0]); i++) {
		const struct lookup_case *c = &lookups[i];
		struct result res = {0};
		struct dns_req *req;

		req = dns_query_addr(c->host, c->families, on_done, &res);
		assert_non_null(req);
		assert_int_equal(res.called, 0); /* never synchronous */
		run_until(&res.called, 15);
		print_message("case: %s\n", c->name);
		assert_int_equal(res.called, 1);
		assert_int_equal(res.status, c->status);
		assert_string_equal(res.dsn, c->dsn);
		assert_string_equal(res.why, c->why);
		assert_string_equal(res.addrs, c->addrs);
	}
}

/* Many concurrent lookups all complete, each exactly once. */
static void
test_concurrent(void **state)
{
	enum { N = 40 };
	struct result res[N];
	int done = 0;

	need_dnsmasq();
	memset(res, 0, sizeof(res));
	for (int i = 0; i < N; i++)
		dns_query_addr(i % 2 ? "test.example" : "nx.example", DNS_INET4,
		    on_done, &res[i]);
	for (int round = 0; round < 300 && done < N; round++) {
		struct timeval slice = {0, 50000};

		event_base_loopexit(base, &slice);
		event_base_dispatch(base);
		done = 0;
		for (int i = 0; i < N; i++)
			done += res[i].called;
	}
	assert_int_equal(done, N);
	for (int i = 0; i < N; i++) {
		assert_int_equal(res[i].called, 1);
		assert_int_equal(res[i].status, i % 2 ? DNS_OK : DNS_NOTFOUND);
	}
}

/* A cancelled request never calls back, even when the answer arrives. */
static void
test_cancel(void **state)
{
	struct result cancelled = {0};
	struct result later = {0};
	struct dns_req *req;

	need_dnsmasq();
	req = dns_query_addr("test.example", DNS_INET_ALL, on_done, &cancelled);
	req = dns_cancel(req);
	assert_null(req);
	/* A second lookup to the same server: its answer comes after ours. */
	dns_query_addr("both.example", DNS_INET_ALL, on_done, &later);
	run_until(&later.called, 15);
	assert_int_equal(later.called, 1);
	assert_int_equal(cancelled.called, 0);
	assert_null(dns_cancel(NULL));
}

/* Numeric addresses and malformed names need no server. */
struct literal_case {
	const char *name;
	const char *host;
	int families;
	int status;
	const char *addrs;
	const char *why;
};

static const struct literal_case literals[] = {
    {"IPv4", "192.0.2.1", DNS_INET4, DNS_OK, "192.0.2.1", ""},
    {"IPv6", "2001:db8::1", DNS_INET_ALL, DNS_OK, "2001:db8::1", ""},
    {"ipv6: prefix", "ipv6:::1", DNS_INET_ALL, DNS_OK, "::1", ""},
    {"IPV6: prefix case", "IPv6:2001:DB8::2", DNS_INET6, DNS_OK, "2001:db8::2",
	""},
    {"empty label", "a..example", DNS_INET4, DNS_INVAL, "",
	"Name service error for name=a..example type=A: Malformed domain name"},
    {"leading hyphen", "-a.example", DNS_INET4, DNS_INVAL, "",
	"Name service error for name=-a.example type=A: Malformed domain name"},
    {"bad character", "a b.example", DNS_INET_ALL, DNS_INVAL, "",
	"Name service error for name=a b.example type=AAAA: Malformed domain "
	"name"},
    {"empty", "", DNS_INET4, DNS_INVAL, "",
	"Name service error for name= type=A: Malformed domain name"},
    {"only a dot", ".", DNS_INET4, DNS_INVAL, "",
	"Name service error for name=. type=A: Malformed domain name"},
    {"label too long",
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa."
	"example",
	DNS_INET4, DNS_INVAL, "",
	"Name service error for name=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	"aaaaaaaaaaaaaaaaaaaaaa.example type=A: Malformed domain name"},
};

static void
test_literals(void **state)
{
	struct vbuf why = VBUF_INIT;
	int local = 0;

	if (dnsmasq_pid <= 0) { /* still need a resolver object */
		assert_int_equal(dns_init(base, "127.0.0.1:9", &why), 0);
		local = 1;
	}
	for (size_t i = 0; i < sizeof(literals) / sizeof(literals[0]); i++) {
		const struct literal_case *c = &literals[i];
		struct result res = {0};

		print_message("case: %s\n", c->name);
		dns_query_addr(c->host, c->families, on_done, &res);
		assert_int_equal(res.called, 0);
		run_until(&res.called, 2);
		assert_int_equal(res.called, 1);
		assert_int_equal(res.status, c->status);
		assert_string_equal(res.addrs, c->addrs);
		assert_string_equal(res.why, c->why);
		if (c->status == DNS_INVAL)
			assert_string_equal(res.dsn, "5.4.4");
	}
	/* A cancelled literal does not call back either. */
	{
		struct result res = {0};
		int flag = 0;

		dns_cancel(
		    dns_query_addr("10.0.0.1", DNS_INET4, on_done, &res));
		run_until(&flag, 1);
		assert_int_equal(res.called, 0);
	}
	{
		struct dns_addr a;

		assert_int_equal(dns_addr_literal("10.1.2.3", DNS_INET6, &a),
		    0);
		assert_int_equal(dns_addr_literal("::1", DNS_INET4, &a), 0);
		assert_int_equal(dns_addr_literal("host.example", DNS_INET_ALL,
				     &a),
		    0);
		assert_int_equal(dns_addr_literal("10.1.2.3", DNS_INET4, &a),
		    1);
		assert_int_equal(a.sa.ss_family, AF_INET);
		assert_string_equal(a.text, "10.1.2.3");
	}
	if (local)
		dns_shutdown();
	vbuf_free(&why);
}

/* A server that refuses (closed UDP port): temporary error. */
static void
test_soft_failure(void **state)
{
	struct vbuf why = VBUF_INIT;
	struct result res = {0};
	char dead[64];
	int port = free_udp_port();

	snprintf(dead, sizeof(dead), " 127.0.0.1:%d ,", port);
	assert_int_equal(dns_init(base, dead, &why), 0);
	dns_query_addr("test.example", DNS_INET4, on_done, &res);
	run_until(&res.called, 30);
	assert_int_equal(res.called, 1);
	assert_int_equal(res.status, DNS_RETRY);
	assert_string_equal(res.dsn, "4.4.3");
	assert_string_equal(res.why,
	    "Host or domain name not found. Name service "
	    "error for name=test.example type=A: Host not found, "
	    "try again");
	/* Shutdown with a request outstanding drops it silently. */
	memset(&res, 0, sizeof(res));
	dns_query_addr("test.example", DNS_INET4, on_done, &res);
	dns_query_addr("192.0.2.7", DNS_INET4, on_done, &res);
	dns_shutdown();
	assert_int_equal(res.called, 0);
	/* Back to the fixture server for later tests. */
	if (dnsmasq_pid > 0)
		assert_int_equal(dns_init(base, servers, &why), 0);
	vbuf_free(&why);
}

/* Server lists: separators, and garbage rejected with a reason. */
static void
test_server_lists(void **state)
{
	static const struct {
		const char *name;
		const char *servers;
		int ok;
	} cases[] = {
	    {"one", "127.0.0.1", 1},
	    {"with port", "127.0.0.1:5353", 1},
	    {"list with spaces", "127.0.0.1:53, 127.0.0.2  127.0.0.3:54", 1},
	    {"ipv6 with port", "[::1]:53", 1},
	    {"empty keeps system", "", 1},
	    {"host name", "dns.example", 0},
	    {"garbage", "1.2.3.4:53:99x", 0},
	};
	struct vbuf why = VBUF_INIT;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		vbuf_reset(&why);
		print_message("case: %s\n", cases[i].name);
		assert_int_equal(dns_init(base, cases[i].servers, &why) == 0,
		    cases[i].ok);
		if (!cases[i].ok)
			assert_non_null(
			    strstr(vbuf_str(&why), "bad dns_servers value"));
	}
	dns_shutdown();
	if (dnsmasq_pid > 0)
		assert_int_equal(dns_init(base, servers, &why), 0);
	vbuf_free(&why);
}

/* MX lookups: records, null MX, NXDOMAIN, no data, errors. */
struct mx_result {
	int called;
	int status;
	char dsn[16];
	char why[512];
	char mx[512]; /* "10:a 20:b" in answer order */
	size_t nmx;
	size_t naddr;
	int nullmx;
};

static int
mx_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void
on_mx(const struct dns_reply *r, void *ctx)
{
	struct mx_result *res = ctx;
	char item[DNS_NAME_MAX + 16];
	char *items[DNS_MX_MAX];

	res->called++;
	res->status = r->status;
	snprintf(res->dsn, sizeof(res->dsn), "%s", r->dsn);
	snprintf(res->why, sizeof(res->why), "%s", r->why);
	res->nmx = r->nmx;
	res->naddr = r->naddr;
	res->nullmx = r->nullmx;
	res->mx[0] = 0;
	/* Answer order is the server's: compare sorted. */
	for (size_t i = 0; i < r->nmx; i++) {
		snprintf(item, sizeof(item), "%d:%s", r->mx[i].pref,
		    r->mx[i].name);
		items[i] = mem_strdup(item);
	}
	qsort(items, r->nmx, sizeof(items[0]), mx_cmp);
	for (size_t i = 0; i < r->nmx; i++) {
		if (i)
			strncat(res->mx, " ",
			    sizeof(res->mx) - strlen(res->mx) - 1);
		strncat(res->mx, items[i],
		    sizeof(res->mx) - strlen(res->mx) - 1);
		mem_free(items[i]);
	}
}

static void
test_mx(void **state)
{
	static const struct {
		const char *name;
		const char *domain;
		int status;
		const char *dsn;
		const char *why;
		const char *mx;
		int nullmx;
		int need_server;
	} cases[] = {
	    {"three records", "mx.example", DNS_OK, "2.0.0", "",
		"10:mx1.mx.example 10:mx3.mx.example 20:mx2.mx.example", 0, 1},
	    {"trailing dot", "mx.example.", DNS_OK, "2.0.0", "",
		"10:mx1.mx.example 10:mx3.mx.example 20:mx2.mx.example", 0, 1},
	    {"null MX", "null.example", DNS_OK, "2.0.0", "", "0:", 1, 1},
	    {"NXDOMAIN", "nx.example", DNS_NOTFOUND, "5.4.4",
		"Host or domain name not found. Name service error for "
		"name=nx.example type=MX: Host not found",
		"", 0, 1},
	    {"no MX record", "nodata.example", DNS_NOTFOUND, "5.4.4",
		"Host or domain name not found. Name service error for "
		"name=nodata.example type=MX: Host found but no data record of "
		"requested type",
		"", 0, 1},
	    {"refused is temporary", "elsewhere.example", DNS_RETRY, "4.4.3",
		"Host or domain name not found. Name service error for "
		"name=elsewhere.example type=MX: Host not found, try again",
		"", 0, 1},
	    {"numeric address", "192.0.2.1", DNS_INVAL, "5.4.4",
		"Name service error for name=192.0.2.1 type=MX: Malformed "
		"domain "
		"name",
		"", 0, 0},
	    {"malformed name", "a..example", DNS_INVAL, "5.4.4",
		"Name service error for name=a..example type=MX: Malformed "
		"domain "
		"name",
		"", 0, 0},
	};
	struct vbuf why = VBUF_INIT;
	int local = 0;

	if (dnsmasq_pid <= 0) {
		assert_int_equal(dns_init(base, "127.0.0.1:9", &why), 0);
		local = 1;
	}
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mx_result res = {0};

		if (cases[i].need_server && local)
			continue;
		print_message("case: %s\n", cases[i].name);
		dns_query_mx(cases[i].domain, on_mx, &res);
		assert_int_equal(res.called, 0);
		run_until(&res.called, 15);
		assert_int_equal(res.called, 1);
		assert_int_equal(res.status, cases[i].status);
		assert_string_equal(res.dsn, cases[i].dsn);
		assert_string_equal(res.why, cases[i].why);
		assert_string_equal(res.mx, cases[i].mx);
		assert_int_equal(res.nullmx, cases[i].nullmx);
		assert_int_equal(res.naddr, 0);
	}
	/* An address reply has no MX records. */
	if (!local) {
		struct result res = {0};

		dns_query_addr("mx1.mx.example", DNS_INET4, on_done, &res);
		run_until(&res.called, 15);
		assert_int_equal(res.status, DNS_NOTFOUND);
	}
	if (local)
		dns_shutdown();
	vbuf_free(&why);
}

/* DNS_HOSTS: the hosts file answers first ("localhost" is in every one). */
static void
test_hosts_file(void **state)
{
	struct result res = {0};
	struct vbuf why = VBUF_INIT;
	FILE *fp = fopen("/etc/hosts", "r");
	char line[512];
	int has_localhost = 0;

	while (fp && fgets(line, sizeof(line), fp))
		if (strncmp(line, "127.0.0.1", 9) == 0 &&
		    strstr(line, "localhost"))
			has_localhost = 1;
	if (fp)
		fclose(fp);
	if (!has_localhost)
		skip();
	/* A dead server: only the file can answer. */
	assert_int_equal(dns_init(base, "127.0.0.1:9", &why), 0);
	dns_query_addr("localhost", DNS_INET4 | DNS_HOSTS, on_done, &res);
	assert_int_equal(res.called, 0);
	run_until(&res.called, 5);
	assert_int_equal(res.called, 1);
	assert_int_equal(res.status, DNS_OK);
	assert_string_equal(res.addrs, "127.0.0.1");
	if (dnsmasq_pid > 0)
		assert_int_equal(dns_init(base, servers, &why), 0);
	else
		dns_shutdown();
	vbuf_free(&why);
}

/* Reverse lookups. */
struct ptr_result {
	int called;
	int status;
	char dsn[16];
	char why[512];
	char host[64];
	char name[DNS_NAME_MAX];
	size_t naddr;
	size_t nmx;
};

static void
on_ptr(const struct dns_reply *r, void *ctx)
{
	struct ptr_result *res = ctx;

	res->called++;
	res->status = r->status;
	snprintf(res->dsn, sizeof(res->dsn), "%s", r->dsn);
	snprintf(res->why, sizeof(res->why), "%s", r->why);
	snprintf(res->host, sizeof(res->host), "%s", r->host);
	snprintf(res->name, sizeof(res->name), "%s", r->name);
	res->naddr = r->naddr;
	res->nmx = r->nmx;
}

/* sockaddr_of - "192.0.2.1" or "2001:db8::1" with port 25 (ignored) */

static struct sockaddr_storage
sockaddr_of(const char *text)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

	memset(&ss, 0, sizeof(ss));
	if (strchr(text, ':')) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(25);
		assert_int_equal(inet_pton(AF_INET6, text, &sin6->sin6_addr),
		    1);
	} else {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(25);
		assert_int_equal(inet_pton(AF_INET, text, &sin->sin_addr), 1);
	}
	return ss;
}

static void
test_ptr(void **state)
{
	static const struct {
		const char *name;
		const char *addr;
		int status;
		const char *dsn;
		const char *why;
		const char *host;
		const char *ptr;
	} cases[] = {
	    {"PTR record", "192.0.2.1", DNS_OK, "2.0.0", "", "192.0.2.1",
		"ptr.example"},
	    {"PTR target given with a trailing dot", "192.0.2.4", DNS_OK,
		"2.0.0", "", "192.0.2.4", "second.example"},
	    {"IPv6 PTR record", "2001:db8::25", DNS_OK, "2.0.0", "",
		"2001:db8::25", "v6.example"},
	    {"IPv4-mapped IPv6 is looked up as IPv4", "::ffff:192.0.2.1",
		DNS_OK, "2.0.0", "", "192.0.2.1", "ptr.example"},
	    {"NXDOMAIN", "198.51.100.7", DNS_NOTFOUND, "5.4.4",
		"Host or domain name not found. Name service error for "
		"name=7.100.51.198.in-addr.arpa type=PTR: Host not found",
		"198.51.100.7", ""},
	    {"IPv6 NXDOMAIN", "2001:db8::26", DNS_NOTFOUND, "5.4.4",
		"Host or domain name not found. Name service error for "
		"name=6.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0."
		"1.0.0.2"
		".ip6.arpa type=PTR: Host not found",
		"2001:db8::26", ""},
	    {"no PTR record", "203.0.113.9", DNS_NOTFOUND, "5.4.4",
		"Host or domain name not found. Name service error for "
		"name=9.113.0.203.in-addr.arpa type=PTR: Host found but no "
		"data "
		"record of requested type",
		"203.0.113.9", ""},
	    {"REFUSED is temporary", "192.0.2.99", DNS_RETRY, "4.4.3",
		"Host or domain name not found. Name service error for "
		"name=99.2.0.192.in-addr.arpa type=PTR: Host not found, try "
		"again",
		"192.0.2.99", ""},
	};

	need_dnsmasq();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sockaddr_storage ss = sockaddr_of(cases[i].addr);
		struct ptr_result res = {0};
		struct dns_req *req;

		print_message("case: %s\n", cases[i].name);
		req = dns_query_ptr(&ss, on_ptr, &res);
		assert_non_null(req);
		assert_int_equal(res.called, 0); /* never synchronous */
		run_until(&res.called, 15);
		assert_int_equal(res.called, 1);
		assert_int_equal(res.status, cases[i].status);
		assert_string_equal(res.dsn, cases[i].dsn);
		assert_string_equal(res.why, cases[i].why);
		assert_string_equal(res.host, cases[i].host);
		assert_string_equal(res.name, cases[i].ptr);
		assert_int_equal(res.naddr, 0);
		assert_int_equal(res.nmx, 0);
	}
}

/* Only a PTR reply has a name. */
static void
test_ptr_name_only_in_ptr_reply(void **state)
{
	struct ptr_result res = {0};

	need_dnsmasq();
	dns_query_addr("ptr.example", DNS_INET4, on_ptr, &res);
	run_until(&res.called, 15);
	assert_int_equal(res.status, DNS_OK);
	assert_int_equal(res.naddr, 1);
	assert_string_equal(res.name, "");
}

/* A cancelled reverse lookup never calls back, from DNS or the file. */
static void
test_ptr_cancel(void **state)
{
	struct sockaddr_storage ss = sockaddr_of("192.0.2.1");
	struct sockaddr_storage lo = sockaddr_of("127.0.0.1");
	struct ptr_result cancelled = {0};
	struct ptr_result from_file = {0};
	struct ptr_result later = {0};

	need_dnsmasq();
	assert_null(dns_cancel(dns_query_ptr(&ss, on_ptr, &cancelled)));
	assert_null(dns_cancel(dns_query_ptr(&lo, on_ptr, &from_file)));
	/* A second lookup to the same server: its answer comes after ours. */
	dns_query_ptr(&ss, on_ptr, &later);
	run_until(&later.called, 15);
	assert_int_equal(later.called, 1);
	assert_string_equal(later.name, "ptr.example");
	assert_int_equal(cancelled.called, 0);
	assert_int_equal(from_file.called, 0);
}

/* A server that never answers: timeout, temporary. */
static void
test_ptr_timeout(void **state)
{
	struct sockaddr_storage ss = sockaddr_of("192.0.2.1");
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	struct vbuf why = VBUF_INIT;
	struct ptr_result res = {0};
	char silent[64];
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	/* A bound UDP socket nobody reads: queries vanish. */
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	snprintf(silent, sizeof(silent), "127.0.0.1:%d", ntohs(sin.sin_port));

	/* One try of 1 s instead of the default two of 5 s (15 s in all). */
	setenv("RES_OPTIONS", "rotate timeout:1 attempts:1", 1);
	assert_int_equal(dns_init(base, silent, &why), 0);
	unsetenv("RES_OPTIONS");
	dns_query_ptr(&ss, on_ptr, &res);
	run_until(&res.called, 10);
	assert_int_equal(res.called, 1);
	assert_int_equal(res.status, DNS_RETRY);
	assert_string_equal(res.dsn, "4.4.3");
	assert_string_equal(res.why,
	    "Host or domain name not found. Name service "
	    "error for name=1.2.0.192.in-addr.arpa type=PTR: "
	    "Host not found, try again");
	assert_string_equal(res.name, "");
	close(fd);
	if (dnsmasq_pid > 0)
		assert_int_equal(dns_init(base, servers, &why), 0);
	else
		dns_shutdown();
	vbuf_free(&why);
}

/* hosts_name - the first name of the first /etc/hosts line for addr */

static int
hosts_name(const char *addr, char *name, size_t size)
{
	FILE *fp = fopen("/etc/hosts", "r");
	char line[1024];
	int found = 0;

	while (!found && fp && fgets(line, sizeof(line), fp)) {
		char *cp = strchr(line, '#');
		char *a;
		char *n;

		if (cp)
			*cp = 0;
		if ((a = strtok(line, " \t\r\n")) != NULL &&
		    strcmp(a, addr) == 0 &&
		    (n = strtok(NULL, " \t\r\n")) != NULL) {
			snprintf(name, size, "%s", n);
			found = 1;
		}
	}
	if (fp)
		fclose(fp);
	return found;
}

/*
 * The hosts file answers before DNS (a dead server here), and the name
 * confirms forward through dns_query_addr() with DNS_HOSTS.
 */
static void
test_ptr_hosts_file(void **state)
{
	struct sockaddr_storage lo = sockaddr_of("127.0.0.1");
	struct sockaddr_storage mapped = sockaddr_of("::ffff:127.0.0.1");
	struct vbuf why = VBUF_INIT;
	struct ptr_result res = {0};
	struct result fwd = {0};
	char name[DNS_NAME_MAX];

	if (!hosts_name("127.0.0.1", name, sizeof(name)))
		skip();
	assert_int_equal(dns_init(base, "127.0.0.1:9", &why), 0);
	dns_query_ptr(&lo, on_ptr, &res);
	assert_int_equal(res.called, 0);
	run_until(&res.called, 5);
	assert_int_equal(res.called, 1);
	assert_int_equal(res.status, DNS_OK);
	assert_string_equal(res.name, name);
	assert_string_equal(res.host, "127.0.0.1");
	assert_string_equal(res.why, "");

	memset(&res, 0, sizeof(res));
	dns_query_ptr(&mapped, on_ptr, &res);
	run_until(&res.called, 5);
	assert_int_equal(res.status, DNS_OK);
	assert_string_equal(res.name, name);
	assert_string_equal(res.host, "127.0.0.1");

	dns_query_addr(name, DNS_INET_ALL | DNS_HOSTS, on_done, &fwd);
	run_until(&fwd.called, 5);
	assert_int_equal(fwd.status, DNS_OK);
	assert_non_null(strstr(fwd.addrs, "127.0.0.1"));

	if (dnsmasq_pid > 0)
		assert_int_equal(dns_init(base, servers, &why), 0);
	else
		dns_shutdown();
	vbuf_free(&why);
}

/* hosts_ask - forward and reverse answers for one.test and 192.0.2.10 */
static void
hosts_ask(char *addrs, size_t asize, char *name, size_t nsize)
{
	struct sockaddr_storage ss = sockaddr_of("192.0.2.10");
	struct ptr_result pres = {0};
	struct result res = {0};

	dns_query_addr("one.test", DNS_INET4 | DNS_HOSTS, on_done, &res);
	dns_query_ptr(&ss, on_ptr, &pres);
	run_until(&res.called, 5);
	run_until(&pres.called, 5);
	snprintf(addrs, asize, "%s", res.addrs);
	snprintf(name, nsize, "%s", pres.status == DNS_OK ? pres.name : "");
}

/* hosts_cache_child - the checks, over a private /etc/hosts */
static int
hosts_cache_child(const char *path)
{
	struct vbuf why = VBUF_INIT;
	char addrs[512];
	char name[DNS_NAME_MAX];
	time_t t;

	if (event_reinit(base) < 0 ||
	    dns_init(base, "127.0.0.1:9", &why) < 0) /* no DNS: the file */
		return (2);
	testdir_write(path, "192.0.2.10 one.test\n");
	/* At the start of a second, so that the next steps share it. */
	for (t = time(NULL); time(NULL) == t;)
		usleep(1000);
	hosts_ask(addrs, sizeof(addrs), name, sizeof(name));
	if (strcmp(addrs, "192.0.2.10") != 0 || strcmp(name, "one.test") != 0)
		return (3);
	/* An edit: the answers of this second stand (the file is read
	 * once a second at most)... */
	testdir_write(path, "192.0.2.11 one.test\n192.0.2.10 two.test\n");
	t = time(NULL);
	hosts_ask(addrs, sizeof(addrs), name, sizeof(name));
	if (time(NULL) == t &&
	    (strcmp(addrs, "192.0.2.10") != 0 || strcmp(name, "one.test") != 0))
		return (4);
	/* ...and the next second has the new ones. */
	while (time(NULL) < t + 1)
		usleep(1000);
	hosts_ask(addrs, sizeof(addrs), name, sizeof(name));
	if (strcmp(addrs, "192.0.2.11") != 0 || strcmp(name, "two.test") != 0)
		return (5);
	dns_shutdown();
	vbuf_free(&why);
	return (0);
}

/*
 * The hosts file's answers are kept for the rest of the second: checked
 * in a child with its own mount namespace, where a temporary file is
 * bound over /etc/hosts (as root; skipped elsewhere).
 */
static void
test_hosts_cache(void **state)
{
	char path[] = "/tmp/test_dns_hosts.XXXXXX";
	int status;
	pid_t pid;
	int fd;

	if (geteuid() != 0)
		skip();
	assert_true((fd = mkstemp(path)) >= 0);
	close(fd);
	if ((pid = fork()) == 0) {
		if (unshare(CLONE_NEWNS) < 0 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
		    mount(path, "/etc/hosts", NULL, MS_BIND, NULL) < 0)
			_exit(77);
		_exit(hosts_cache_child(path));
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	unlink(path);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77)
		skip(); /* no mount namespace here */
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* Not an IP address: a hard error, still from the event loop. */
static void
test_ptr_bad_family(void **state)
{
	struct sockaddr_storage ss;
	struct vbuf why = VBUF_INIT;
	struct ptr_result res = {0};
	int local = 0;

	if (dnsmasq_pid <= 0) {
		assert_int_equal(dns_init(base, "127.0.0.1:9", &why), 0);
		local = 1;
	}
	memset(&ss, 0, sizeof(ss));
	ss.ss_family = AF_UNIX;
	dns_query_ptr(&ss, on_ptr, &res);
	assert_int_equal(res.called, 0);
	run_until(&res.called, 2);
	assert_int_equal(res.called, 1);
	assert_int_equal(res.status, DNS_INVAL);
	assert_string_equal(res.dsn, "5.4.4");
	assert_string_equal(res.why,
	    "Name service error for name= type=PTR: "
	    "Address family not supported");
	assert_string_equal(res.name, "");
	if (local)
		dns_shutdown();
	vbuf_free(&why);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_lookups),
	    cmocka_unit_test(test_concurrent),
	    cmocka_unit_test(test_cancel),
	    cmocka_unit_test(test_literals),
	    cmocka_unit_test(test_soft_failure),
	    cmocka_unit_test(test_server_lists),
	    cmocka_unit_test(test_mx),
	    cmocka_unit_test(test_hosts_file),
	    cmocka_unit_test(test_ptr),
	    cmocka_unit_test(test_ptr_name_only_in_ptr_reply),
	    cmocka_unit_test(test_ptr_cancel),
	    cmocka_unit_test(test_ptr_timeout),
	    cmocka_unit_test(test_ptr_hosts_file),
	    cmocka_unit_test(test_hosts_cache),
	    cmocka_unit_test(test_ptr_bad_family),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
