/*
 * master_conf - from master.cf to running services; see master.h.
 *
 * Implementation notes. master_conf_build() only reads: it resolves each
 * entry into a struct master_serv (program path, exec vector, endpoint
 * name, inet addresses) and computes two identities. "key" names the
 * endpoint (type plus path or bound addresses); "conf" names everything
 * that affects the child. master_conf_apply() compares the running list
 * with a new one by key: a service whose key survives keeps its listening
 * sockets (its children may still hold them, so a rebind could fail) and
 * its children are restarted with the new settings; a service whose key
 * disappears is retired (children stopped, endpoints closed and files
 * removed) before new endpoints are made, so a path may change type.
 *
 * An entry whose program does not exist in daemon_directory is skipped
 * with one warning per (re)load: a configuration may name a daemon that
 * is not built yet, and restarting a missing program would only loop.
 */
#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <event2/event.h>

#include "master.h"
#include "mem.h"
#include "msg.h"
#include "param.h"
#include "pcheck.h"

#define MASTER_NAME_MAX 100 /* UNIX socket names: sun_path is 108 */

struct master_serv *master_services;
struct master_serv *master_retired;
int master_conf_quiet;

/*
 * The parameters master reads. Bound after every param_load() (start-up,
 * reload, the reload check): master_param_init().
 */
static const struct param_var master_params[] = {
    PARAM_VAR(daemon_directory),
    PARAM_VAR(default_process_limit),
    PARAM_VAR(inet_interfaces),
    PARAM_VAR(inet_protocols),
    PARAM_VAR(mail_name),
    PARAM_VAR(mail_owner),
    PARAM_VAR(mail_version),
    PARAM_VAR(master_service_disable),
    PARAM_VAR(service_throttle_time),
    PARAM_VAR_END,
};

/* master_param_init - bind master's parameters to the loaded main.cf */

void
master_param_init(void)
{
	param_bind(master_params);
}

/* master_version - mail_version, or the compiled-in version */

const char *
master_version(void)
{
	return (*var_mail_version ? var_mail_version : MASTER_VERSION);
}

/* master_mail_name - mail_name, "sluice" when unset */

const char *
master_mail_name(void)
{
	return (*var_mail_name ? var_mail_name : "sluice");
}

/* master_disabled - does master_service_disable name this entry? (the
 * rule sluice check applies too: util/pcheck) */

int
master_disabled(const char *name, const char *type, const char *list)
{
	return (pcheck_disabled(name, type, list));
}

/*
 * The programs that may run as several processes sharing one endpoint.
 * Each keeps its state per connection, and what they share lives in
 * the queue, where every file is created under a name nobody else can
 * have (util/qdir: O_EXCL, then rename without replacing), so two
 * copies never work on the same thing. Their work is CPU-bound per
 * message, so a second copy on a second CPU adds throughput. Not here:
 * qmgr and pickup keep the queue's state in memory and must be alone;
 * bounce, flush, showq and metrics would be safe (bounce is stateless
 * per request, flush locks its logs with flock()) but do little per
 * message, so a second copy would only cost memory.
 */
static const char *const master_multi_commands[] = {
    "smtpd",
    "smtp",
    "cleanup",
    NULL,
};

/* master_nproc - how many processes to run per endpoint: one, or for the
 * programs above min(maxproc, online CPUs, MASTER_MAX_PROC), where
 * maxproc -1 ("-") is default_limit and 0 is no limit */

int
master_nproc(const char *command, int type, int maxproc, long default_limit,
    long ncpu)
{
	long n = ncpu, limit = maxproc < 0 ? default_limit : maxproc;
	int i;

	if (type == MASTER_FIFO)
		return (1);
	for (i = 0; master_multi_commands[i]; i++)
		if (strcmp(command, master_multi_commands[i]) == 0)
			break;
	if (master_multi_commands[i] == NULL)
		return (1);
	if (limit > 0 && limit < n)
		n = limit;
	if (n > MASTER_MAX_PROC)
		n = MASTER_MAX_PROC;
	return (n < 1 ? 1 : (int)n);
}

/* master_addr_text - "1.2.3.4:25" or "[::1]:25" */

static void
master_addr_text(struct master_addr *a)
{
	char host[INET6_ADDRSTRLEN];
	int port;

	if (a->sa.ss_family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&a->sa;

		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
		port = ntohs(s6->sin6_port);
		snprintf(a->text, sizeof(a->text), "[%s]:%d", host, port);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&a->sa;

		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
		port = ntohs(s4->sin_port);
		snprintf(a->text, sizeof(a->text), "%s:%d", host, port);
	}
}

/* master_add_addr - append one address unless present; -1 when full */

static int
master_add_addr(struct master_addr *addrs, int *n, int max,
    const struct sockaddr *sa, socklen_t len, int dual)
{
	struct master_addr a;
	int i;

	memset(&a, 0, sizeof(a));
	memcpy(&a.sa, sa, len);
	a.len = len;
	a.dual = dual;
	master_addr_text(&a);
	for (i = 0; i < *n; i++)
		if (strcmp(addrs[i].text, a.text) == 0)
			return (0);
	if (*n >= max)
		return (-1);
	addrs[(*n)++] = a;
	return (0);
}

/* master_port - parse a port number or service name; -1 if bad */

static int
master_port(const char *text)
{
	struct servent *se;
	char *end;
	long v;

	if (*text == 0 || strlen(text) > 32)
		return (-1);
	if (strspn(text, "0123456789") == strlen(text)) {
		errno = 0;
		v = strtol(text, &end, 10);
		if (errno || *end || v < 1 || v > 65535)
			return (-1);
		return ((int)v);
	}
	if ((se = getservbyname(text, "tcp")) == NULL)
		return (-1);
	return (ntohs((unsigned short)se->s_port));
}

/* master_host_addrs - the addresses of host (literal or name) */

static int
master_host_addrs(const char *host, int port, int want4, int want6,
    struct master_addr *addrs, int *n, int max, struct vbuf *why)
{
	struct addrinfo hints, *res, *ai;
	char portbuf[16];
	int err, added = 0;

	memset(&hints, 0, sizeof(hints));
	if (want4 && want6)
		hints.ai_family = AF_UNSPEC;
	else
		hints.ai_family = want4 ? AF_INET : AF_INET6;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(portbuf, sizeof(portbuf), "%d", port);
	if ((err = getaddrinfo(host, portbuf, &hints, &res)) != 0) {
		vbuf_printf(why, "host \"%s\": %s", host, gai_strerror(err));
		return (-1);
	}
	for (ai = res; ai; ai = ai->ai_next) {
		if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
			continue;
		if (master_add_addr(addrs, n, max, ai->ai_addr, ai->ai_addrlen,
			0) < 0) {
			freeaddrinfo(res);
			vbuf_printf(why, "too many addresses (limit %d)", max);
			return (-1);
		}
		added++;
	}
	freeaddrinfo(res);
	if (added == 0) {
		vbuf_printf(why, "host \"%s\": no address for inet_protocols",
		    host);
		return (-1);
	}
	return (0);
}

/* master_wildcard - listen on every interface */

static void
master_wildcard(int port, int want4, int want6, struct master_addr *addrs,
    int *n)
{
	struct sockaddr_in s4;
	struct sockaddr_in6 s6;

	if (want6) {
		/* One dual-stack socket; IPv4-only hosts fall back at bind. */
		memset(&s6, 0, sizeof(s6));
		s6.sin6_family = AF_INET6;
		s6.sin6_addr = in6addr_any;
		s6.sin6_port = htons((unsigned short)port);
		(void)master_add_addr(addrs, n, MASTER_MAX_ADDR,
		    (struct sockaddr *)&s6, sizeof(s6), want4);
	} else {
		memset(&s4, 0, sizeof(s4));
		s4.sin_family = AF_INET;
		s4.sin_addr.s_addr = htonl(INADDR_ANY);
		s4.sin_port = htons((unsigned short)port);
		(void)master_add_addr(addrs, n, MASTER_MAX_ADDR,
		    (struct sockaddr *)&s4, sizeof(s4), 0);
	}
}

/* master_unbracket - copy host, dropping [] around an address literal */

static char *
master_unbracket(const char *text, size_t len)
{
	if (len >= 2 && text[0] == '[' && text[len - 1] == ']')
		return (mem_strndup(text + 1, len - 2));
	return (mem_strndup(text, len));
}

/* master_inet_protocols - inet_protocols: all, ipv4, ipv6 */

static int
master_inet_protocols(const char *protocols, int *want4, int *want6,
    struct vbuf *why)
{
	char *list, *item, *save = NULL;

	list = mem_strdup(protocols && *protocols ? protocols : "all");
	for (item = strtok_r(list, ", \t\r\n", &save); item;
	     item = strtok_r(NULL, ", \t\r\n", &save)) {
		if (strcasecmp(item, "all") == 0)
			*want4 = *want6 = 1;
		else if (strcasecmp(item, "ipv4") == 0)
			*want4 = 1;
		else if (strcasecmp(item, "ipv6") == 0)
			*want6 = 1;
		else {
			vbuf_printf(why, "bad inet_protocols value: \"%s\"",
			    item);
			mem_free(list);
			return (-1);
		}
	}
	mem_free(list);
	if (!*want4 && !*want6) {
		vbuf_printf(why, "inet_protocols is empty");
		return (-1);
	}
	return (0);
}

/* master_inet_parse - the addresses an inet service listens on */

int
master_inet_parse(const char *service, const char *interfaces,
    const char *protocols, struct master_addr *addrs, int max, struct vbuf *why)
{
	const char *colon, *close;
	char *host = NULL, *list, *item, *save = NULL;
	int want4 = 0, want6 = 0, port, n = 0, ret = 0;

	if (max > MASTER_MAX_ADDR)
		max = MASTER_MAX_ADDR;
	if (master_inet_protocols(protocols, &want4, &want6, why) < 0)
		return (-1);

	/* Service: port, host:port, [addr]:port. */
	if (*service == '[') {
		if ((close = strchr(service, ']')) == NULL || close[1] != ':') {
			vbuf_printf(why,
			    "bad service \"%s\": expected [address]:port",
			    service);
			return (-1);
		}
		host = mem_strndup(service + 1, (size_t)(close - service - 1));
		colon = close + 1;
	} else if ((colon = strrchr(service, ':')) != NULL) {
		if (strchr(service, ':') != colon) {
			vbuf_printf(why,
			    "bad service \"%s\": an IPv6 address "
			    "must be in brackets",
			    service);
			return (-1);
		}
		host = mem_strndup(service, (size_t)(colon - service));
	}
	if ((port = master_port(colon ? colon + 1 : service)) < 0) {
		vbuf_printf(why, "bad service \"%s\": bad port \"%s\"", service,
		    colon ? colon + 1 : service);
		mem_free(host);
		return (-1);
	}
	if (host != NULL) {
		if (*host == 0) {
			vbuf_printf(why, "bad service \"%s\": empty host",
			    service);
			ret = -1;
		} else if (strcmp(host, "*") == 0) {
			master_wildcard(port, want4, want6, addrs, &n);
		} else if (master_host_addrs(host, port, want4, want6, addrs,
			       &n, max, why) < 0) {
			ret = -1;
		}
		mem_free(host);
		return (ret < 0 ? -1 : n);
	}

	/* Bare port: every address in inet_interfaces. */
	list = mem_strdup(interfaces && *interfaces ? interfaces : "all");
	for (item = strtok_r(list, ", \t\r\n", &save); item && ret == 0;
	     item = strtok_r(NULL, ", \t\r\n", &save)) {
		if (strcasecmp(item, "all") == 0) {
			master_wildcard(port, want4, want6, addrs, &n);
		} else if (strcasecmp(item, "loopback-only") == 0) {
			if (want4 &&
			    master_host_addrs("127.0.0.1", port, 1, 0, addrs,
				&n, max, why) < 0)
				ret = -1;
			if (ret == 0 && want6 &&
			    master_host_addrs("::1", port, 0, 1, addrs, &n, max,
				why) < 0)
				ret = -1;
		} else {
			host = master_unbracket(item, strlen(item));
			if (master_host_addrs(host, port, want4, want6, addrs,
				&n, max, why) < 0)
				ret = -1;
			host = mem_free(host);
		}
	}
	mem_free(list);
	if (ret == 0 && n == 0) {
		vbuf_printf(why, "inet_interfaces is empty");
		ret = -1;
	}
	return (ret < 0 ? -1 : n);
}

/* master_serv_free - release one service (endpoints must be closed) */

struct master_serv *
master_serv_free(struct master_serv *serv)
{
	int i;

	if (serv == NULL)
		return (NULL);
	for (i = 0; i < serv->nslot; i++) {
		if (serv->slots[i].timer)
			event_free(serv->slots[i].timer);
		if (serv->slots[i].watch)
			event_free(serv->slots[i].watch);
	}
	mem_free(serv->slots);
	if (serv->wakeup_ev)
		event_free(serv->wakeup_ev);
	if (serv->argv)
		for (i = 0; serv->argv[i]; i++)
			mem_free(serv->argv[i]);
	mem_free(serv->argv);
	mem_free(serv->name);
	mem_free(serv->type_name);
	mem_free(serv->command);
	mem_free(serv->path);
	mem_free(serv->endpoint);
	mem_free(serv->key);
	mem_free(serv->conf);
	mem_free(serv);
	return (NULL);
}

/* master_conf_free_list - release a list built by master_conf_build() */

struct master_serv *
master_conf_free_list(struct master_serv *list)
{
	struct master_serv *next;

	for (; list; list = next) {
		next = list->next;
		master_serv_free(list);
	}
	return (NULL);
}

/* master_name_ok - a UNIX socket or FIFO name must stay in its directory */

static int
master_name_ok(const char *name)
{
	size_t len = strlen(name);

	return (len > 0 && len <= MASTER_NAME_MAX &&
	    strchr(name, '/') == NULL && strcmp(name, ".") != 0 &&
	    strcmp(name, "..") != 0);
}

/* master_conf_endpoint - a service's addresses or endpoint, and its key */

static int
master_conf_endpoint(const char *master_cf, const struct master_ent *e,
    struct master_serv *serv, struct vbuf *why)
{
	struct vbuf buf = VBUF_INIT;
	int i, n;

	if (e->type == MASTER_INET) {
		/* inet_interfaces is a list; master_inet_parse() takes text. */
		for (i = 0; var_inet_interfaces && var_inet_interfaces[i]; i++)
			vbuf_printf(&buf, "%s%s", i ? " " : "",
			    var_inet_interfaces[i]);
		char *ifaces = vbuf_export(&buf);
		n = master_inet_parse(e->service, ifaces, var_inet_protocols,
		    serv->addrs, MASTER_MAX_ADDR, &buf);
		mem_free(ifaces);
		if (n < 0) {
			vbuf_printf(why, "%s, line %d: %s", master_cf, e->line,
			    vbuf_str(&buf));
			vbuf_free(&buf);
			return (-1);
		}
		serv->naddr = n;
		vbuf_puts(&buf, "inet");
		for (i = 0; i < n; i++)
			vbuf_printf(&buf, " %s%s", serv->addrs[i].text,
			    serv->addrs[i].dual ? "+v4" : "");
		serv->key = vbuf_export(&buf);
	} else {
		vbuf_printf(&buf, "%s/%s", e->private_ ? "private" : "public",
		    e->service);
		serv->endpoint = vbuf_export(&buf);
		vbuf_printf(&buf, "%s %s",
		    e->type == MASTER_FIFO ? "fifo" : "unix", serv->endpoint);
		serv->key = vbuf_export(&buf);
	}
	return (0);
}

/* master_conf_entry - one master.cf entry; NULL when skipped or bad */

static struct master_serv *
master_conf_entry(const char *master_cf, const struct master_ent *e,
    const char *daemon_dir, struct vbuf *why, int *bad)
{
	struct master_serv *serv;
	struct vbuf buf = VBUF_INIT;
	int i, n;

	if (e->type == MASTER_UNIX_DGRAM || e->type == MASTER_PASS) {
		if (!master_conf_quiet)
			msg_warn("%s, line %d: service \"%s\": type %s is not "
				 "supported; entry skipped",
			    master_cf, e->line, e->service, e->type_name);
		return (NULL);
	}
	if (e->type != MASTER_INET && !master_name_ok(e->service)) {
		vbuf_printf(why, "%s, line %d: bad service name: \"%s\"",
		    master_cf, e->line, e->service);
		*bad = 1;
		return (NULL);
	}
	if (strchr(e->argv[0], '/') != NULL || strcmp(e->argv[0], "..") == 0) {
		vbuf_printf(why, "%s, line %d: bad command name: \"%s\"",
		    master_cf, e->line, e->argv[0]);
		*bad = 1;
		return (NULL);
	}
	serv = mem_calloc(1, sizeof(*serv));
	serv->name = mem_strdup(e->service);
	serv->type_name = mem_strdup(e->type_name);
	serv->type = e->type;
	serv->private_ = e->private_;
	serv->wakeup = e->wakeup;
	serv->wakeup_if_used = e->wakeup_if_used;
	/* A plain wakeup column (qmgr, pickup) starts at once, as Postfix's
	 * master wakes such a service up at start; all others on demand. */
	serv->ondemand =
	    !(e->wakeup > 0 && !e->wakeup_if_used && e->type != MASTER_INET);
	serv->maxproc = e->maxproc;
	serv->nproc = master_nproc(e->argv[0], e->type, e->maxproc,
	    var_default_process_limit, sysconf(_SC_NPROCESSORS_ONLN));
	serv->line = e->line;
	serv->command = mem_strdup(e->argv[0]);
	vbuf_printf(&buf, "%s/%s", daemon_dir, e->argv[0]);
	serv->path = vbuf_export(&buf);

	if (master_conf_endpoint(master_cf, e, serv, why) < 0) {
		*bad = 1;
		return (master_serv_free(serv));
	}

	/* PROG -c CONFIG_DIR -n SERVICE -t TYPE [entry arguments]. */
	serv->argv = mem_calloc((size_t)e->argc + 8, sizeof(char *));
	n = 0;
	serv->argv[n++] = mem_strdup(e->argv[0]);
	serv->argv[n++] = mem_strdup("-c");
	serv->argv[n++] = mem_strdup(master_config_dir);
	serv->argv[n++] = mem_strdup("-n");
	serv->argv[n++] = mem_strdup(e->service);
	serv->argv[n++] = mem_strdup("-t");
	serv->argv[n++] = mem_strdup(e->type_name);
	for (i = 1; i < e->argc; i++)
		serv->argv[n++] = mem_strdup(e->argv[i]);
	serv->argv[n] = NULL;

	vbuf_printf(&buf, "%s|%d%s|%d|%s", serv->key, serv->wakeup,
	    serv->wakeup_if_used ? "?" : "", serv->nproc, serv->path);
	for (i = 0; serv->argv[i]; i++)
		vbuf_printf(&buf, "|%s", serv->argv[i]);
	serv->conf = vbuf_export(&buf);

	if (!master_conf_quiet) {
		if (e->chroot)
			msg_warn("%s, line %d: service \"%s\": chroot is not "
				 "supported; running without it",
			    master_cf, e->line, e->service);
		if (e->wakeup && e->type == MASTER_INET)
			msg_warn("%s, line %d: service \"%s\": wake-up ignored "
				 "for inet services",
			    master_cf, e->line, e->service);
	}
	if (access(serv->path, X_OK) < 0) {
		if (!master_conf_quiet)
			msg_warn("%s, line %d: service \"%s\" (%s): %s: %m; "
				 "entry skipped",
			    master_cf, e->line, e->service, e->argv[0],
			    serv->path);
		return (master_serv_free(serv));
	}
	return (serv);
}

/* master_conf_build - enabled, runnable services of master.cf */

struct master_serv *
master_conf_build(const char *master_cf, struct vbuf *why)
{
	struct master_ent *ents;
	struct master_serv *head = NULL, **tail = &head, *serv, *s;
	const char *daemon_dir, *disable;
	size_t count, i;
	int bad = 0;

	if (master_cf_load(master_cf, &ents, &count, why) < 0)
		return (NULL);
	daemon_dir = var_daemon_directory;
	disable = var_master_service_disable;
	for (i = 0; i < count && !bad; i++) {
		if (master_disabled(ents[i].service, ents[i].type_name,
			disable))
			continue;
		serv = master_conf_entry(master_cf, &ents[i], daemon_dir, why,
		    &bad);
		if (serv == NULL)
			continue;
		for (s = head; s; s = s->next)
			if (strcmp(s->key, serv->key) == 0)
				break;
		if (s != NULL) {
			vbuf_printf(why,
			    "%s, line %d: duplicate service "
			    "\"%s\" (already at line %d)",
			    master_cf, serv->line, serv->name, s->line);
			master_serv_free(serv);
			bad = 1;
			break;
		}
		*tail = serv;
		tail = &serv->next;
	}
	master_cf_free(ents, count);
	if (bad)
		return (master_conf_free_list(head));
	return (head);
}

/* master_retire - stop a service that reload removed */

static void
master_retire(struct master_serv *serv)
{
	int i, busy = 0;

	serv->retired = 1;
	master_wakeup_stop(serv);
	for (i = 0; i < serv->nslot; i++) {
		master_slot_cancel(&serv->slots[i]);
		if (serv->slots[i].pid) {
			master_slot_stop(&serv->slots[i]);
			busy = 1;
		}
	}
	master_listen_close(serv);
	if (!busy) {
		master_serv_free(serv);
		return;
	}
	/* Kept until its last child is reaped (master_reap()). */
	serv->next = master_retired;
	master_retired = serv;
}

/* master_surplus - a copy that reload no longer wants: its child drains
 * (or is stopped) without a slot, its descriptor and timer go */

static void
master_surplus(struct master_slot *slot)
{
	if (slot->pid != 0 && master_slot_drain(slot) < 0) {
		(void)kill(slot->pid, SIGTERM);
		slot->pid = 0;
	}
	if (slot->fd >= 0)
		(void)close(slot->fd);
	if (slot->timer)
		event_free(slot->timer);
	if (slot->watch)
		event_free(slot->watch);
}

/* master_regroup - old's slots for new's number of processes per
 * endpoint: copy k of endpoint e keeps its child and descriptor while
 * k < new->nproc; new copies get a descriptor from master_adopt() */

static void
master_regroup(struct master_serv *old, struct master_serv *new)
{
	int nend = old->nslot / old->nproc, e, k;
	struct master_slot *from, *to;

	new->nslot = nend *new->nproc;
	new->slots = mem_calloc((size_t) new->nslot, sizeof(*new->slots));
	for (e = 0; e < nend; e++) {
		for (k = 0; k < old->nproc || k < new->nproc; k++) {
			from = k < old->nproc ? &old->slots[e * old->nproc + k]
					      : NULL;
			to = k < new->nproc ? &new->slots[e * new->nproc + k]
					    : NULL;
			if (to == NULL) {
				master_surplus(from);
				continue;
			}
			if (from == NULL) {
				to->fd = -1;
				continue;
			}
			*to = *from;
			/* The timer (idle) names the old slot: make a new one
			 * when needed. */
			if (from->timer)
				event_free(from->timer);
			if (from->watch)
				event_free(from->watch);
			to->timer = NULL;
			to->watch = NULL;
		}
	}
	old->slots = mem_free(old->slots);
	old->nslot = 0;
}

/* master_adopt - give old's endpoints and children to its successor */

static void
master_adopt(struct master_serv *old, struct master_serv *new)
{
	struct vbuf why = VBUF_INIT;
	int i;

	master_wakeup_stop(old);
	new->grown = old->grown &&new->nproc > 1;
	new->used = old->used;
	for (i = 0; i < old->nslot; i++)
		master_slot_cancel(&old->slots[i]);
	if (new->nproc == old->nproc) {
		new->slots = old->slots;
		new->nslot = old->nslot;
		old->slots = NULL;
		old->nslot = 0;
	} else {
		master_regroup(old, new);
	}
	for (i = 0; i < new->nslot; i++) {
		struct master_slot *slot = &new->slots[i];

		slot->serv = new;
		/* A service that may run several processes gets a successor at
		 * once while the old child finishes its clients; one limited to
		 * a single process (qmgr, pickup) is restarted when it exits.
		 */
		if (slot->pid &&
		    (new->maxproc == 1 || master_slot_drain(slot) < 0))
			master_slot_stop(slot);
	}
	/* Copies without a descriptor yet (more processes than before). A
	 * copy that gets none is not started (master_spawn()). */
	if (master_listen_copies(new, 1, &why) < 0)
		msg_warn("%s", vbuf_str(&why));
	vbuf_free(&why);
}

/* master_conf_apply - make list the running configuration */

void
master_conf_apply(struct master_serv *list, int starting)
{
	struct master_serv *old, *next, *s, **pp;
	struct vbuf why = VBUF_INIT;
	int i;

	/* Keep or retire every running service. */
	for (old = master_services; old; old = next) {
		next = old->next;
		for (s = list; s; s = s->next)
			if (s->slots == NULL && strcmp(s->key, old->key) == 0)
				break;
		if (s != NULL) {
			master_adopt(old, s);
			master_serv_free(old);
		} else {
			master_retire(old);
		}
	}
	master_services = NULL;

	/* New endpoints, then children for every slot that has none. */
	for (pp = &list; (s = *pp) != NULL;) {
		if (s->slots == NULL && master_listen_open(s, &why) < 0) {
			if (starting)
				msg_fatal("%s", vbuf_str(&why));
			msg_warn("%s; service skipped", vbuf_str(&why));
			vbuf_reset(&why);
			*pp = s->next;
			master_serv_free(s);
			continue;
		}
		pp = &s->next;
	}
	master_services = list;
	for (s = list; s; s = s->next) {
		/* One process per endpoint (at once or on demand); its
		 * copies once it is busy. */
		for (i = 0; i < s->nslot; i++)
			if (s->slots[i].pid == 0 &&
			    (s->grown || i % s->nproc == 0)) {
				s->slots[i].restarted = 0;
				master_slot_idle(&s->slots[i]);
			}
		master_wakeup_start(s);
	}
	vbuf_free(&why);
}
