/*
 * ipc - connect to a sluice service endpoint; see ipc.h.
 *
 * Implementation notes. A UNIX stream connect either completes or fails
 * at once, except when the listener's backlog is full: a non-blocking
 * socket then fails with EAGAIN (not EINPROGRESS, as a TCP socket would),
 * a blocking one waits up to SO_SNDTIMEO. trigger_send() is non-blocking
 * throughout and keeps its own one-second deadline.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "attr.h"

#include "ipc.h"
#include "vbuf.h"

/* ipc_addr - fill sun from a relative or absolute path */

static int
ipc_addr(struct sockaddr_un *sun, const char *endpoint)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlen(endpoint) >= sizeof(sun->sun_path)) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	memcpy(sun->sun_path, endpoint, strlen(endpoint) + 1);
	return (0);
}

/* ipc_fail - the reason text, errno kept */

static int
ipc_fail(struct vbuf *why, const char *endpoint, int err, int shown)
{
	if (why) {
		vbuf_reset(why);
		errno = shown;
		vbuf_printf(why, "connect to %s: %m", endpoint);
	}
	errno = err;
	return (-1);
}

int
ipc_connect_path(const char *endpoint, int flags, int timeout, struct vbuf *why)
{
	struct sockaddr_un sun;
	struct timeval tv;
	int type = SOCK_STREAM | SOCK_CLOEXEC;
	int fd;
	int err;

	if (ipc_addr(&sun, endpoint) < 0)
		return (ipc_fail(why, endpoint, errno, errno));
	if (flags & IPC_NONBLOCK)
		type |= SOCK_NONBLOCK;
	if ((fd = socket(AF_UNIX, type, 0)) < 0) {
		err = errno;
		if (why) {
			vbuf_reset(why);
			vbuf_printf(why, "socket: %m");
		}
		errno = err;
		return (-1);
	}
	if ((flags & IPC_NONBLOCK) == 0) {
		tv.tv_sec = timeout > 0 ? timeout : 0;
		tv.tv_usec = 0;
		if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) <
			0 ||
		    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) <
			0)
			goto fail;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0 ||
	    ((flags & IPC_NONBLOCK) && errno == EINPROGRESS))
		return (fd);
fail:
	err = errno;
	(void)close(fd);
	if ((flags & IPC_NONBLOCK) == 0 &&
	    (err == EAGAIN || err == EINPROGRESS))
		return (ipc_fail(why, endpoint, err, ETIMEDOUT));
	return (ipc_fail(why, endpoint, err, err));
}

int
ipc_connect(const char *class, const char *service, int flags, int timeout,
    struct vbuf *why)
{
	struct vbuf ep = VBUF_INIT;
	int fd;
	int err;

	vbuf_printf(&ep, "%s/%s", class, service);
	fd = ipc_connect_path(vbuf_str(&ep), flags, timeout, why);
	err = errno;
	vbuf_free(&ep);
	errno = err;
	return (fd);
}

/* ipc_ms_left - milliseconds until deadline */

static long
ipc_ms_left(const struct timespec *deadline)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return ((deadline->tv_sec - now.tv_sec) * 1000 +
	    (deadline->tv_nsec - now.tv_nsec) / 1000000);
}

/* ipc_wait_out - wait until fd is writable; -1 (ETIMEDOUT) past deadline */

static int
ipc_wait_out(int fd, const struct timespec *deadline)
{
	struct pollfd pfd = {.fd = fd, .events = POLLOUT};
	long ms = ipc_ms_left(deadline);

	if (ms > 0 && poll(&pfd, 1, (int)ms) > 0)
		return (0);
	errno = ETIMEDOUT;
	return (-1);
}

/* trigger_connected - finish a pending connect; 0 or -1 (errno) */

static int
trigger_connected(int fd, const struct timespec *deadline)
{
	int err = 0;
	socklen_t elen = sizeof(err);

	if (ipc_wait_out(fd, deadline) < 0)
		return (-1);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0)
		return (-1);
	if (err != 0) {
		errno = err;
		return (-1);
	}
	return (0);
}

int
trigger_send(const char *endpoint, const char *bytes, size_t len)
{
	struct sockaddr_un sun;
	struct timespec deadline;
	size_t off = 0;
	ssize_t n;
	int fd;
	int saved;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += 1;
	if (ipc_addr(&sun, endpoint) < 0)
		return (-1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return (-1);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 &&
	    ((errno != EINPROGRESS && errno != EINTR) ||
		trigger_connected(fd, &deadline) < 0))
		goto fail;
	while (off < len) {
		if ((n = send(fd, bytes + off, len - off, MSG_NOSIGNAL)) > 0) {
			off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) &&
		    ipc_wait_out(fd, &deadline) == 0)
			continue;
		goto fail;
	}
	(void)close(fd);
	return (0);

fail:
	saved = errno;
	(void)close(fd);
	errno = saved;
	return (-1);
}

struct bufferevent *
ipc_bufferevent(struct event_base *base, int fd, const struct ipc_events *how,
    void *ctx)
{
	struct bufferevent *bev;
	struct timeval rtv = {how->read_timeout, 0};
	struct timeval wtv = {how->write_timeout, 0};

	if ((bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE)) ==
	    0) {
		(void)close(fd);
		errno = ENOMEM;
		return (0);
	}
	bufferevent_setcb(bev, how->read, how->write, how->event, ctx);
	bufferevent_set_timeouts(bev, how->read_timeout > 0 ? &rtv : 0,
	    how->write_timeout > 0 ? &wtv : 0);
	return (bev);
}

/* ipc_send_now - what the kernel takes at once of bytes for a plain socket */

size_t
ipc_send_now(struct bufferevent *bev, const void *data, size_t len)
{
	evutil_socket_t fd;
	ssize_t n;

	if (!(bufferevent_get_enabled(bev) & EV_WRITE) ||
	    evbuffer_get_length(bufferevent_get_output(bev)) > 0 ||
	    (fd = bufferevent_getfd(bev)) < 0)
		return (0);
	n = send(fd, data, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	return (n > 0 ? (size_t)n : 0);
}

/* ipc_write - bytes for the peer, at once when they can go */

int
ipc_write(struct bufferevent *bev, const void *data, size_t len)
{
	size_t sent = ipc_send_now(bev, data, len);

	if (sent == len) {
		bufferevent_trigger(bev, EV_WRITE, BEV_TRIG_DEFER_CALLBACKS);
		return (0);
	}
	return (bufferevent_write(bev, (const char *)data + sent, len - sent));
}

struct bufferevent *
ipc_bufferevent_connect(struct event_base *base, const char *class,
    const char *service, const struct ipc_events *how, void *ctx,
    struct vbuf *why)
{
	struct bufferevent *bev;
	int fd;

	if ((fd = ipc_connect(class, service, IPC_NONBLOCK, 0, why)) < 0)
		return (0);
	if ((bev = ipc_bufferevent(base, fd, how, ctx)) == 0 && why) {
		vbuf_reset(why);
		vbuf_puts(why, "cannot create a buffer event");
		errno = ENOMEM;
	}
	return (bev);
}

int
ipc_reply_parse(struct bufferevent *bev, size_t max, struct attr_list *list,
    const char **why)
{
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t len = evbuffer_get_length(in);
	long n;

	if (len == 0)
		return (0);
	n = attr_parse((const char *)evbuffer_pullup(in, -1), len, list);
	if (n > 0)
		return (1);
	attr_list_free(list);
	if (n < 0)
		*why = "malformed reply";
	else if (len > max)
		*why = "reply too long";
	else
		return (0);
	return (-1);
}
