#ifndef SLUICE_IPC_H
#define SLUICE_IPC_H
/*
 * NAME
 *	ipc - connect to a sluice service endpoint by name
 * SYNOPSIS
 *	#include "ipc.h"
 *
 *	int ipc_connect(const char *class, const char *service, int flags,
 *			int timeout, struct vbuf *why);
 *	int ipc_connect_path(const char *endpoint, int flags, int timeout,
 *			struct vbuf *why);
 *	int trigger_send(const char *endpoint, const char *bytes, size_t len);
 *
 *	Event-driven connections (libevent):
 *
 *	struct bufferevent *ipc_bufferevent(struct event_base *base, int fd,
 *			const struct ipc_events *how, void *ctx);
 *	struct bufferevent *ipc_bufferevent_connect(struct event_base *base,
 *			const char *class, const char *service,
 *			const struct ipc_events *how, void *ctx,
 *			struct vbuf *why);
 *	int ipc_reply_parse(struct bufferevent *bev, size_t max,
 *			struct attr_list *list, const char **why);
 *	int ipc_write(struct bufferevent *bev, const void *data, size_t len);
 *	size_t ipc_send_now(struct bufferevent *bev, const void *data,
 *			size_t len);
 * DESCRIPTION
 *	A service listens on the UNIX socket CLASS/SERVICE relative to
 *	queue_directory (the current directory of every daemon and command
 *	that talks to one): class is "public" or "private", service the
 *	master.cf service name, usually the value of a *_service_name
 *	parameter (cleanup_service_name, bounce_service_name, ...).
 *
 *	ipc_connect() connects to CLASS/SERVICE; ipc_connect_path() to an
 *	endpoint path given whole ("public/qmgr", or absolute). Both return
 *	a close-on-exec stream descriptor, or -1 with errno set and, if why
 *	is not NULL, the reason in why: "connect to private/smtp: No such
 *	file or directory" (a path longer than a socket name can hold gives
 *	ENAMETOOLONG, a socket() failure "socket: REASON").
 *
 *	flags:
 *	  IPC_NONBLOCK	the descriptor is non-blocking and the connect may
 *			still be in progress (its outcome shows at the first
 *			write or read, e.g. through a bufferevent); timeout
 *			is ignored. A full listen backlog fails at once with
 *			errno EAGAIN (callers that requeue test for it).
 *	  0		blocking, with timeout seconds (0 = none) as the
 *			connect, send and receive timeout (SO_SNDTIMEO,
 *			SO_RCVTIMEO); a connect that times out says
 *			"Connection timed out" in why (errno stays what the
 *			kernel said, EAGAIN or EINPROGRESS).
 *
 *	trigger_send() connects to endpoint, writes the bytes and closes,
 *	never blocking more than a second in all; returns 0 or -1 (errno).
 *	A lost trigger only delays work until the next periodic scan.
 *
 *	ipc_bufferevent() wraps a connected (or accepted) descriptor in a
 *	bufferevent that closes it when freed, with how's callbacks (NULL
 *	= none) and ctx as their argument, and how's read and write
 *	timeouts in seconds (0 = none). It enables nothing: the caller
 *	enables EV_READ and/or EV_WRITE when it is ready. It returns NULL
 *	(the descriptor closed, errno ENOMEM) when the bufferevent cannot
 *	be made.
 *	ipc_bufferevent_connect() is ipc_connect(class, service,
 *	IPC_NONBLOCK) and ipc_bufferevent() in one: NULL with errno and, if
 *	why is not NULL, the reason in why (ipc_connect()'s, or "cannot
 *	create a buffer event").
 *
 *	ipc_write() is bufferevent_write() for a bufferevent on a plain
 *	socket (not TLS, not a pair) that hands the bytes to the kernel at
 *	once when nothing waits in the output buffer and writing is
 *	enabled: through the bufferevent, each write would arm a write
 *	event, wait a loop turn for it and disarm it again (two epoll_ctl()
 *	calls and an epoll_wait()). The write callback then still runs,
 *	from the loop (deferred), as after a buffered write that drained;
 *	what the kernel does not take is buffered as before. It returns
 *	bufferevent_write()'s result. ipc_send_now() is its first half: it
 *	returns how many bytes the kernel took at once (0 when anything is
 *	buffered or writing is disabled), and the caller buffers the rest
 *	and sees to its own callbacks.
 *
 *	ipc_reply_parse() looks for a service's one-block attribute reply
 *	in bev's input (which it leaves as it is): 1 with the block in list
 *	(the caller frees it), 0 while it is incomplete, or -1 with list
 *	freed and *why "reply too long" (more than max bytes and still no
 *	complete block) or "malformed reply".
 * DIAGNOSTICS
 *	Everything is returned; nothing is logged.
 */
#include <stddef.h>
#include "attr.h"
#include "vbuf.h"

#include <event2/bufferevent.h>

#define IPC_NONBLOCK (1 << 0)

struct ipc_events {
	bufferevent_data_cb read;
	bufferevent_data_cb write;
	bufferevent_event_cb event;
	int read_timeout;  /* seconds, 0 = none */
	int write_timeout; /* seconds, 0 = none */
};

int ipc_connect(const char *class, const char *service, int flags, int timeout,
    struct vbuf *why);
int ipc_connect_path(const char *endpoint, int flags, int timeout,
    struct vbuf *why);
int trigger_send(const char *endpoint, const char *bytes, size_t len);
struct bufferevent *ipc_bufferevent(struct event_base *base, int fd,
    const struct ipc_events *how, void *ctx);
struct bufferevent *ipc_bufferevent_connect(struct event_base *base,
    const char *class, const char *service, const struct ipc_events *how,
    void *ctx, struct vbuf *why);
int ipc_reply_parse(struct bufferevent *bev, size_t max, struct attr_list *list,
    const char **why);
int ipc_write(struct bufferevent *bev, const void *data, size_t len);
size_t ipc_send_now(struct bufferevent *bev, const void *data, size_t len);

#endif
