/*
 * smtp_cache - idle SMTP connections kept for reuse; see smtp.h.
 *
 * Implementation notes. One smtp process runs every delivery of its
 * transport in one event loop, so Postfix's scache(8) service becomes
 * a list in this process. A connection is kept after its transaction
 * (once a RSET got 250) when its destination is in
 * smtp_connection_cache_destinations, or, with
 * smtp_connection_cache_on_demand, when another delivery to the same
 * destination is in progress in this process at that moment (qmgr has a
 * backlog for it: Postfix's qmgr says so in the request; ours shows it
 * by the concurrent requests). An encrypted connection is kept only
 * with smtp_tls_connection_reuse (or connection_reuse=yes in its
 * policy), as in Postfix. Limits: smtp_connection_reuse_count_limit
 * uses (0: none), smtp_connection_reuse_time_limit since the connection
 * was made, and smtp_connection_cache_time_limit idle (then QUIT).
 *
 * The key is the destination as written (the nexthop, "[host]:port" or
 * a domain), its TLS level, and the sender when credentials depend on
 * it. A delivery looks here before any DNS lookup, as Postfix's
 * smtp_reuse_nexthop() does. An idle connection stays readable: if the
 * server talks or closes, it is dropped at once; before use, a peek at
 * the socket makes sure nothing (an EOF, a 421) arrived meanwhile. A
 * cached connection that fails before the server accepted anything
 * makes the delivery start the destination again on new connections
 * (smtp_site_restart()), so a server that drops idle connections costs
 * no mail.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <openssl/ssl.h>

#include "mem.h"
#include "msg.h"
#include "ring.h"
#include "smtp.h"

struct smtp_cached {
	struct ring ring;
	char *key;
	int fd;
	struct bufferevent *bev;
	int tls_owns_fd;
	struct smtp_addr addr;
	int port;
	char *hostaddr;
	char *relay;
	int features;
	long size_limit;
	const char *tls_kind;
	char *tls_summary;
	int tls_on;
	int authed;
	int uses;
	double conn_start;
	struct event *timer;
	int quitting;
};

struct smtp_demand {
	struct ring ring;
	char *key;
	int count;
};

static struct ring smtp_cached = RING_INIT(smtp_cached);
static struct ring smtp_demands = RING_INIT(smtp_demands);

void
smtp_cache_key(const struct smtp_session *s, struct vbuf *key)
{
	vbuf_printf(key, "%s/%s", s->sites[s->site],
	    smtp_tls_level_name(s->tls.level));
	if (var_smtp_sasl_auth_enable &&
	    var_smtp_sender_dependent_authentication)
		vbuf_printf(key, "/%s", s->q.sender ? s->q.sender : "");
}

/* ---- demand: deliveries in progress per key ------------------------------ */

static struct smtp_demand *
smtp_demand_find(const char *key)
{
	struct ring *e;

	RING_FOREACH(e, &smtp_demands)
	{
		struct smtp_demand *d = RING_ENTRY(e, struct smtp_demand, ring);

		if (strcmp(d->key, key) == 0)
			return d;
	}
	return NULL;
}

void
smtp_cache_demand(struct smtp_session *s)
{
	struct vbuf key = VBUF_INIT;
	struct smtp_demand *d;

	smtp_cache_undemand(s);
	smtp_cache_key(s, &key);
	if ((d = smtp_demand_find(key.data)) == NULL) {
		d = mem_calloc(1, sizeof(*d));
		d->key = mem_strdup(key.data);
		ring_prepend(&smtp_demands, &d->ring);
	}
	d->count++;
	s->cache_key = vbuf_export(&key);
}

void
smtp_cache_undemand(struct smtp_session *s)
{
	struct smtp_demand *d;

	if (s->cache_key == NULL)
		return;
	if ((d = smtp_demand_find(s->cache_key)) != NULL && --d->count <= 0) {
		ring_detach(&d->ring);
		mem_free(d->key);
		mem_free(d);
	}
	s->cache_key = mem_free(s->cache_key);
}

/* smtp_cache_listed - in smtp_connection_cache_destinations? */

static int
smtp_cache_listed(const char *site)
{
	static const char sep[] = " \t\r\n,";
	const char *cp = var_smtp_connection_cache_destinations;
	size_t len;

	for (cp += strspn(cp, sep); *cp; cp += len, cp += strspn(cp, sep)) {
		len = strcspn(cp, sep);
		if (strlen(site) == len && strncasecmp(cp, site, len) == 0)
			return 1;
	}
	return 0;
}

int
smtp_cache_wanted(struct smtp_session *s)
{
	struct smtp_demand *d;

	if (s->cache_key == NULL || s->bev == NULL || s->sites == NULL)
		return 0;
	if (s->tls_on && !s->tls.conn_reuse)
		return 0;
	if (var_smtp_connection_reuse_count_limit > 0 &&
	    s->conn_use >= var_smtp_connection_reuse_count_limit)
		return 0;
	if (deliv_now() - s->conn_start >= var_smtp_connection_reuse_time_limit)
		return 0;
	if (smtp_cache_listed(s->sites[s->site]))
		return 1;
	return var_smtp_connection_cache_on_demand &&
	    (d = smtp_demand_find(s->cache_key)) != NULL && d->count > 1;
}

/* ---- idle connections ---------------------------------------------------- */

static void
smtp_cached_free(struct smtp_cached *c)
{
	ring_detach(&c->ring);
	if (c->timer)
		event_free(c->timer);
	if (c->bev) {
		SSL *ssl =
		    c->tls_owns_fd ? bufferevent_openssl_get_ssl(c->bev) : NULL;

		if (ssl)
			SSL_set_shutdown(ssl,
			    SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
		bufferevent_free(c->bev);
	}
	if (!c->tls_owns_fd && c->fd >= 0)
		close(c->fd);
	mem_free(c->key);
	mem_free(c->hostaddr);
	mem_free(c->relay);
	mem_free(c->tls_summary);
	mem_free(c);
}

/* smtp_cached_written - QUIT has left: close */

static void
smtp_cached_written(struct bufferevent *bev, void *ctx)
{
	struct smtp_cached *c = ctx;

	if (c->quitting &&
	    evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		smtp_cached_free(c);
}

/* smtp_cached_read - the server talks to an idle connection: drop it */

static void
smtp_cached_read(struct bufferevent *bev, void *ctx)
{
	struct smtp_cached *c = ctx;

	if (!c->quitting)
		smtp_cached_free(c);
	else
		evbuffer_drain(bufferevent_get_input(bev),
		    evbuffer_get_length(bufferevent_get_input(bev)));
}

static void
smtp_cached_event(struct bufferevent *bev, short what, void *ctx)
{
	smtp_cached_free(ctx);
}

/* smtp_cached_expire - idle too long: QUIT (no reply wait), close */

static void
smtp_cached_expire(evutil_socket_t fd, short what, void *ctx)
{
	struct smtp_cached *c = ctx;
	struct timeval tv = {1, 0};

	if (c->quitting) { /* the QUIT did not leave in time */
		smtp_cached_free(c);
		return;
	}
	c->quitting = 1;
	bufferevent_write(c->bev, "QUIT\r\n", 6);
	evtimer_add(c->timer, &tv);
}

void
smtp_cache_put(struct smtp_session *s)
{
	struct smtp_cached *c = mem_calloc(1, sizeof(*c));
	struct timeval tv = {var_smtp_connection_cache_time_limit, 0};

	c->key = mem_strdup(s->cache_key);
	c->fd = s->fd;
	c->bev = s->bev;
	c->tls_owns_fd = s->tls_owns_fd;
	c->addr = *s->addr;
	c->port = s->nh.port;
	c->hostaddr = mem_strdup(s->hostaddr);
	c->relay = mem_strdup(s->relay);
	c->features = s->features;
	c->size_limit = s->size_limit;
	c->tls_on = s->tls_on;
	c->tls_kind = s->tls_kind;
	c->tls_summary = s->tls_summary;
	s->tls_summary = NULL;
	c->authed = s->authed;
	c->uses = s->conn_use;
	c->conn_start = s->conn_start;
	/* The session no longer has this connection. */
	s->bev = NULL;
	s->fd = -1;
	s->tls_owns_fd = 0;
	bufferevent_setcb(c->bev, smtp_cached_read, smtp_cached_written,
	    smtp_cached_event, c);
	bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);
	bufferevent_enable(c->bev, EV_READ); /* writing: still on */
	if ((c->timer = evtimer_new(s->base, smtp_cached_expire, c)) == NULL)
		msg_fatal("cannot create timer");
	evtimer_add(c->timer, &tv);
	ring_prepend(&smtp_cached, &c->ring);
}

/* smtp_cached_alive - nothing arrived while idle (no EOF, no 421) */

static int
smtp_cached_alive(struct smtp_cached *c)
{
	char byte;
	ssize_t n;

	if (c->quitting ||
	    evbuffer_get_length(bufferevent_get_input(c->bev)) > 0)
		return 0;
	n = recv(c->fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
	return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

/* smtp_cache_take - the session adopts a cached connection */

static void
smtp_cache_take(struct smtp_session *s, struct smtp_cached *c)
{
	s->addrs = mem_free(s->addrs);
	s->addrs = mem_calloc(1, sizeof(*s->addrs));
	s->addrs[0] = c->addr;
	s->naddr = s->addr_next = 1;
	s->addr = &s->addrs[0];
	s->last_try = smtp_final_site(s);
	s->site_failed = 0;
	mem_free(s->hostaddr);
	mem_free(s->relay);
	s->hostaddr = c->hostaddr;
	s->relay = c->relay;
	c->hostaddr = c->relay = NULL;
	s->fd = c->fd;
	s->bev = c->bev;
	s->tls_owns_fd = c->tls_owns_fd;
	s->tls_on = c->tls_on;
	s->tls_kind = c->tls_kind;
	mem_free(s->tls_summary);
	s->tls_summary = c->tls_summary;
	c->tls_summary = NULL;
	s->authed = c->authed;
	s->features = c->features;
	s->size_limit = c->size_limit;
	s->pipelining = (c->features & SMTP_FEAT_PIPELINING) != 0;
	s->conn_use = c->uses + 1;
	s->conn_start = c->conn_start;
	c->bev = NULL;
	c->fd = -1;
	smtp_cached_free(c);
	smtp_session_adopt(s);
}

int
smtp_cache_get(struct smtp_session *s)
{
	struct ring *e;

	if (s->cache_key == NULL)
		return 0;
	for (;;) {
		struct smtp_cached *c = NULL;

		RING_FOREACH(e, &smtp_cached)
		{
			struct smtp_cached *x =
			    RING_ENTRY(e, struct smtp_cached, ring);

			if (!x->quitting && strcmp(x->key, s->cache_key) == 0) {
				c = x;
				break;
			}
		}
		if (c == NULL)
			return 0;
		if (smtp_cached_alive(c)) {
			smtp_cache_take(s, c);
			return 1;
		}
		smtp_cached_free(c);
	}
}

void
smtp_cache_flush(void)
{
	struct ring *e;

	while ((e = ring_first(&smtp_cached)) != NULL)
		smtp_cached_free(RING_ENTRY(e, struct smtp_cached, ring));
}
