/*
 * flush_service - the flush daemon's connections and requests; see flush.h.
 *
 * Implementation notes. One request per connection: an attribute block
 * (bounded by FLUSH_REQ_MAX bytes and FLUSH_TIMEOUT seconds), one reply
 * "status=N", close. The work itself is a few renames and is done at once.
 * The master's wake-up is the single byte "W" followed by end of file,
 * which is never a complete attribute block. Delivery agents send "add"
 * without waiting for the reply, so a reply that cannot be written is not
 * an error.
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "attr.h"
#include "deliv.h"
#include "ipc.h"
#include "mem.h"
#include "msg.h"
#include "param.h"
#include "qid.h"
#include "ring.h"
#include "vbuf.h"
#include "flush.h"

/* The parameters flush reads; server_main() binds them (flush.c). */
const struct param_var flush_params[] = {
    PARAM_VAR(fast_flush_purge_time),
    PARAM_VAR(fast_flush_refresh_time),
    PARAM_VAR_END,
};

#define FLUSH_REQ_MAX 4096 /* request bytes */
#define FLUSH_TIMEOUT 30   /* seconds per connection */
#define FLUSH_SITE_MAX 255

enum flush_conn_state { FC_READ, FC_REPLY };

struct flush_conn {
	struct bufferevent *bev;
	enum flush_conn_state state;
	struct ring ring; /* in flush_conns */
};

static struct event_base *flush_base;
static struct ring flush_conns = RING_INIT(flush_conns);

/* flush_lower - lower-case copy of a site name */

static char *
flush_lower(const char *site)
{
	char *copy = mem_strdup(site);
	char *cp;

	for (cp = copy; *cp; cp++)
		*cp = (char)tolower((unsigned char)*cp);
	return (copy);
}

/* flush_request - check and dispatch one request */

int
flush_request(const struct attr_list *req)
{
	const char *request = attr_get(req, "request");
	const char *site = attr_get(req, "site");
	const char *queue_id = attr_get(req, "queue_id");
	char *lower;
	int status;

	if (request == 0)
		return (DELIV_FLUSH_BAD);
	if (strcmp(request, "add") == 0) {
		if (site == 0 || *site == 0 || strlen(site) > FLUSH_SITE_MAX ||
		    queue_id == 0 || !qid_ok(queue_id))
			return (DELIV_FLUSH_BAD);
		lower = flush_lower(site);
		status = deliv_flush_listed(lower) ? flush_add(lower, queue_id)
						   : DELIV_FLUSH_DENY;
		mem_free(lower);
		return (status);
	}
	if (strcmp(request, "send_site") == 0) {
		if (site == 0 || !deliv_flush_site_ok(site))
			return (DELIV_FLUSH_BAD);
		lower = flush_lower(site);
		status = deliv_flush_listed(lower) ? flush_send_site(lower)
						   : DELIV_FLUSH_DENY;
		mem_free(lower);
		return (status);
	}
	if (strcmp(request, "send_file") == 0) {
		if (queue_id == 0 || !qid_ok(queue_id))
			return (DELIV_FLUSH_BAD);
		return (flush_send_file(queue_id));
	}
	if (strcmp(request, "refresh") == 0)
		return (flush_refresh(var_fast_flush_refresh_time,
		    var_fast_flush_purge_time));
	if (strcmp(request, "purge") == 0)
		return (flush_refresh(0, 0));
	msg_warn("unknown request: \"%.100s\"", request);
	return (DELIV_FLUSH_UNKNOWN);
}

/* flush_trigger - the master's wake-up */

void
flush_trigger(const char *bytes, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (bytes[i] == 'W')
			(void)flush_refresh(var_fast_flush_refresh_time,
			    var_fast_flush_purge_time);
		else
			msg_warn("unknown trigger: 0x%02x",
			    (unsigned char)bytes[i]);
	}
}

static void
conn_free(struct flush_conn *c)
{
	ring_detach(&c->ring);
	bufferevent_free(c->bev);
	mem_free(c);
}

/* conn_reply - send the status, then close */

static void
conn_reply(struct flush_conn *c, int status)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	struct vbuf buf = VBUF_INIT;

	attr_putf(&buf, "status", "%d", status);
	attr_end(&buf);
	evbuffer_add(out, buf.data, buf.len);
	vbuf_free(&buf);
	c->state = FC_REPLY;
	bufferevent_disable(c->bev, EV_READ);
}

static void
conn_read(struct bufferevent *bev, void *ctx)
{
	struct flush_conn *c = ctx;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t avail = evbuffer_get_length(in);
	struct attr_list req = {0};
	const char *buf;
	long n;

	if (c->state != FC_READ || avail == 0)
		return;
	buf = (const char *)evbuffer_pullup(in, -1);
	n = attr_parse(buf, avail, &req);
	if (n > 0) {
		evbuffer_drain(in, avail);
		conn_reply(c, flush_request(&req));
	} else if (n < 0 || avail > FLUSH_REQ_MAX) {
		msg_warn("malformed or oversized request");
		evbuffer_drain(in, avail);
		conn_reply(c, DELIV_FLUSH_BAD);
	}
	attr_list_free(&req);
}

static void
conn_write(struct bufferevent *bev, void *ctx)
{
	struct flush_conn *c = ctx;

	if (c->state == FC_REPLY &&
	    evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		conn_free(c);
}

static void
conn_event(struct bufferevent *bev, short what, void *ctx)
{
	struct flush_conn *c = ctx;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t avail = evbuffer_get_length(in);

	if (what & BEV_EVENT_TIMEOUT) {
		msg_warn("timeout on a client connection");
	} else if ((what & BEV_EVENT_EOF) && c->state == FC_READ && avail > 0) {
		/* Not an attribute block: a trigger such as the master's "W".
		 */
		flush_trigger((const char *)evbuffer_pullup(in, -1), avail);
	}
	conn_free(c);
}

/* flush_service_accept - one client */

void
flush_service_accept(int fd)
{
	struct flush_conn *c = mem_calloc(1, sizeof(*c));
	struct ipc_events how = {conn_read, conn_write, conn_event,
	    FLUSH_TIMEOUT, FLUSH_TIMEOUT};

	if ((c->bev = ipc_bufferevent(flush_base, fd, &how, c)) == 0) {
		msg_warn("cannot create bufferevent for client");
		mem_free(c);
		return;
	}
	c->state = FC_READ;
	ring_prepend(&flush_conns, &c->ring);
	bufferevent_setwatermark(c->bev, EV_READ, 0, FLUSH_REQ_MAX + 1);
	bufferevent_enable(c->bev, EV_READ);
}

/* flush_service_active - clients being served */

int
flush_service_active(void)
{
	return (ring_count(&flush_conns));
}

/* flush_service_init - after privileges are dropped */

void
flush_service_init(struct event_base *base)
{
	flush_base = base;
	if (mkdir(FLUSH_DIR, 0700) < 0 && errno != EEXIST)
		msg_warn("create directory %s: %m", FLUSH_DIR);
}

void
flush_service_stop(void)
{
	struct ring *r;

	while ((r = ring_first(&flush_conns)) != 0)
		conn_free(RING_ENTRY(r, struct flush_conn, ring));
}
