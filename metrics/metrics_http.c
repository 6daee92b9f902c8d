/*
 * metrics_http - the metrics daemon's HTTP connections; see metrics.h.
 *
 * Implementation notes. The smallest HTTP server a scraper needs: the
 * request head is read up to METRICS_REQ_MAX bytes (an empty line ends
 * it; a body is never read), answered at once with a complete reply
 * carrying Content-Length and "Connection: close", and the connection is
 * closed once the reply has left. Reads and writes time out after
 * METRICS_IO_TIMEOUT seconds. Only loopback clients get an answer (403
 * otherwise): the counters tell traffic volumes, and who may scrape
 * from elsewhere is a question for a proxy in front of this service.
 * The format follows the Accept header: OpenMetrics when the client
 * names application/openmetrics-text (Prometheus does), else the
 * Prometheus text format 0.0.4.
 */
#include <netinet/in.h>
#include <stdint.h>
#include <unistd.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "mem.h"
#include "msg.h"
#include "ring.h"
#include "vbuf.h"
#include "metrics.h"

#define CT_OPENMETRICS                                                         \
	"application/openmetrics-text; version=1.0.0; charset=utf-8"
#define CT_TEXT "text/plain; version=0.0.4; charset=utf-8"

struct metrics_conn {
	struct ring ring;
	struct bufferevent *bev;
	int answered;
};

static struct event_base *metrics_base;
static struct ring metrics_conns = RING_INIT(metrics_conns);

static void
conn_free(struct metrics_conn *c)
{
	ring_detach(&c->ring);
	bufferevent_free(c->bev);
	mem_free(c);
}

/* reply - status line, headers and body (none for HEAD) */

static int
reply(struct vbuf *out, int code, const char *ctype, const char *body,
    size_t len, int head)
{
	const char *reason = code == 200 ? "OK"
	    : code == 400		 ? "Bad Request"
	    : code == 403		 ? "Forbidden"
	    : code == 404		 ? "Not Found"
	    : code == 405		 ? "Method Not Allowed"
					 : "Request Header Fields Too Large";

	vbuf_printf(out, "HTTP/1.1 %d %s\r\n", code, reason);
	vbuf_printf(out, "Content-Type: %s\r\n", ctype);
	vbuf_printf(out, "Content-Length: %zu\r\n", len);
	if (code == 405)
		vbuf_puts(out, "Allow: GET, HEAD\r\n");
	vbuf_puts(out, "Connection: close\r\n\r\n");
	if (!head)
		vbuf_append(out, body, len);
	return (code);
}

static int
reply_text(struct vbuf *out, int code, const char *text)
{
	return (reply(out, code, "text/plain; charset=utf-8", text,
	    strlen(text), 0));
}

/* wants_openmetrics - an Accept header line names OpenMetrics */

static int
wants_openmetrics(const char *head)
{
	for (const char *l = strchr(head, '\n'); l; l = strchr(l, '\n')) {
		l++;
		if (strncasecmp(l, "Accept:", 7) != 0)
			continue;
		const char *e = strchr(l, '\n');
		size_t n = e ? (size_t)(e - l) : strlen(l);
		if (memmem(l, n, "application/openmetrics-text", 28))
			return (1);
	}
	return (0);
}

int
metrics_http_request(const char *req, size_t len, struct vbuf *out)
{
	char *head = mem_strndup(req, len);
	char method[16], target[256], version[16];
	int code;

	if (sscanf(head, "%15s %255s %15s", method, target, version) != 3 ||
	    strncmp(version, "HTTP/1.", 7) != 0) {
		code = reply_text(out, 400, "bad request\n");
	} else if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		code = reply_text(out, 405, "only GET and HEAD\n");
	} else if (strcmp(target, "/metrics") != 0 &&
	    strncmp(target, "/metrics?", 9) != 0 && strcmp(target, "/") != 0) {
		code = reply_text(out, 404, "the metrics are at /metrics\n");
	} else if (strcmp(target, "/") == 0) {
		code = reply_text(out, 200, "sluice metrics: /metrics\n");
	} else {
		struct vbuf body = VBUF_INIT;
		int om = wants_openmetrics(head);

		metrics_render(&body, om);
		code = reply(out, 200, om ? CT_OPENMETRICS : CT_TEXT,
		    vbuf_str(&body), body.len, strcmp(method, "HEAD") == 0);
		vbuf_free(&body);
	}
	mem_free(head);
	return (code);
}

/* answer - queue the reply; the write callback closes */

static void
answer(struct metrics_conn *c, const char *req, size_t len)
{
	struct vbuf out = VBUF_INIT;

	c->answered = 1;
	bufferevent_disable(c->bev, EV_READ);
	if (req)
		(void)metrics_http_request(req, len, &out);
	else
		(void)reply_text(&out, 431, "request head too large\n");
	if (bufferevent_write(c->bev, out.data, out.len) < 0)
		msg_warn("cannot queue the reply to a metrics client");
	vbuf_free(&out);
}

static void
conn_read(struct bufferevent *bev, void *ctx)
{
	struct metrics_conn *c = ctx;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t len = evbuffer_get_length(in);
	struct evbuffer_ptr p;

	if (c->answered) {
		evbuffer_drain(in, len);
		return;
	}
	p = evbuffer_search(in, "\r\n\r\n", 4, NULL);
	if (p.pos < 0)
		p = evbuffer_search(in, "\n\n", 2, NULL);
	if (p.pos >= 0 && (size_t)p.pos <= METRICS_REQ_MAX) {
		size_t n = (size_t)p.pos;
		answer(c, (const char *)evbuffer_pullup(in, (ssize_t)n), n);
		evbuffer_drain(in, len);
	} else if (p.pos >= 0 || len > METRICS_REQ_MAX) {
		answer(c, NULL, 0);
		evbuffer_drain(in, len);
	}
}

static void
conn_write(struct bufferevent *bev, void *ctx)
{
	struct metrics_conn *c = ctx;

	if (c->answered &&
	    evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		conn_free(c);
}

static void
conn_event(struct bufferevent *bev, short what, void *ctx)
{
	(void)bev;
	(void)what;
	conn_free(ctx);
}

/* loopback - the peer is 127.0.0.0/8, ::1 or ::ffff:127.0.0.0/104 */

static int
loopback(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getpeername(fd, (struct sockaddr *)&ss, &len) < 0)
		return (0);
	if (ss.ss_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)&ss;
		return ((ntohl(in->sin_addr.s_addr) >> 24) == 127);
	}
	if (ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)&ss;
		const uint8_t *a = in6->sin6_addr.s6_addr;
		if (IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr))
			return (1);
		return (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) && a[12] == 127);
	}
	return (ss.ss_family == AF_UNIX);
}

void
metrics_http_accept(int fd)
{
	struct metrics_conn *c = mem_calloc(1, sizeof(*c));
	struct timeval tv = {METRICS_IO_TIMEOUT, 0};

	c->bev =
	    bufferevent_socket_new(metrics_base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		msg_warn("cannot create a buffer event for a metrics client");
		(void)close(fd);
		mem_free(c);
		return;
	}
	ring_prepend(&metrics_conns, &c->ring);
	bufferevent_setcb(c->bev, conn_read, conn_write, conn_event, c);
	bufferevent_set_timeouts(c->bev, &tv, &tv);
	if (!loopback(fd)) {
		struct vbuf out = VBUF_INIT;

		msg_warn("refusing a metrics client that is not on loopback");
		c->answered = 1;
		(void)reply_text(&out, 403, "loopback clients only\n");
		(void)bufferevent_write(c->bev, out.data, out.len);
		vbuf_free(&out);
		bufferevent_enable(c->bev, EV_WRITE);
		return;
	}
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

void
metrics_http_init(struct event_base *base)
{
	metrics_base = base;
}

void
metrics_http_stop(void)
{
	struct ring *r;

	while ((r = ring_first(&metrics_conns)) != NULL)
		conn_free(RING_ENTRY(r, struct metrics_conn, ring));
}

int
metrics_http_active(void)
{
	return (ring_count(&metrics_conns));
}
