/*
 * enqueue - the client side of the cleanup protocol; see enqueue.h.
 *
 * Implementation notes. Records are qfile's encoding (rec_encode) and
 * replies are attribute blocks (attr_parse); this module only knows which
 * blocks cleanup sends and in what order. The blocking client reads each
 * block with attr_read(), which takes no byte beyond the block, so the
 * reason texts of a failed read are attr_read()'s.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "attr.h"
#include "enqueue.h"
#include "ipc.h"
#include "mem.h"
#include "msg.h"
#include "qfile.h"
#include "vbuf.h"

void
enqueue_rec(struct vbuf *out, int type, const void *data, size_t len)
{
	rec_encode(out, type, data, len);
}

void
enqueue_vrecf(struct vbuf *out, int type, const char *fmt, va_list ap)
{
	struct vbuf b = VBUF_INIT;

	vbuf_vprintf(&b, fmt, ap);
	rec_encode(out, type, b.data, b.len);
	vbuf_free(&b);
}

void
enqueue_recf(struct vbuf *out, int type, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	enqueue_vrecf(out, type, fmt, ap);
	va_end(ap);
}

/* enqueue_set - replace a reply string */

static void
enqueue_set(char **field, const char *value)
{
	mem_free(*field);
	*field = value ? mem_strdup(value) : 0;
}

/* enqueue_block - interpret one reply block */

static int
enqueue_block(struct enqueue_reply *r, const struct attr_list *list)
{
	const char *status = attr_get(list, "status");
	const char *id = attr_get(list, "queue_id");
	char *end;
	long n;

	if (status == 0 && id != 0) {
		enqueue_set(&r->queue_id, id);
		return (ENQUEUE_QUEUE_ID);
	}
	r->status = -1;
	if (status != 0) {
		errno = 0;
		n = strtol(status, &end, 10);
		if (end != status && *end == 0 && errno == 0 && n >= 0 &&
		    n < 256)
			r->status = (int)n;
	}
	enqueue_set(&r->reason, attr_get(list, "reason"));
	if (id != 0)
		enqueue_set(&r->queue_id, id);
	return (ENQUEUE_DONE);
}

int
enqueue_reply_parse(struct enqueue_reply *r, const void *buf, size_t len,
    size_t *used)
{
	struct attr_list list = {0};
	long n;
	int ret;

	*used = 0;
	if (len == 0 || (n = attr_parse(buf, len, &list)) == 0) {
		attr_list_free(&list);
		return (ENQUEUE_MORE);
	}
	if (n < 0) {
		attr_list_free(&list);
		return (ENQUEUE_BAD);
	}
	*used = (size_t)n;
	ret = enqueue_block(r, &list);
	attr_list_free(&list);
	return (ret);
}

void
enqueue_reply_free(struct enqueue_reply *r)
{
	r->queue_id = mem_free(r->queue_id);
	r->reason = mem_free(r->reason);
	r->status = -1;
}

void
enqueue_fdopen(struct enqueue *eq, int fd, int timeout)
{
	memset(eq, 0, sizeof(*eq));
	eq->fd = fd;
	eq->timeout = timeout;
	eq->reply.status = -1;
}

int
enqueue_open(struct enqueue *eq, const char *service, int timeout,
    struct vbuf *why)
{
	int fd;

	enqueue_fdopen(eq, -1, timeout);
	if ((fd = ipc_connect("public", service ? service : "cleanup", 0,
		 timeout, why)) < 0)
		return (-1);
	eq->fd = fd;
	return (0);
}

/* enqueue_flush - write the buffered records */

static int
enqueue_flush(struct enqueue *eq)
{
	if (eq->err == 0 && eq->out.len > 0 &&
	    attr_write(eq->fd, &eq->out, eq->timeout) < 0)
		eq->err = errno ? errno : EIO;
	vbuf_reset(&eq->out);
	if (eq->err) {
		errno = eq->err;
		return (-1);
	}
	return (0);
}

/* enqueue_failed - -1 with the errno of an earlier write failure, or 0 */

static int
enqueue_failed(const struct enqueue *eq)
{
	if (eq->err) {
		errno = eq->err;
		return (-1);
	}
	return (0);
}

/* enqueue_queued - write the buffer once it is full or holds the end */

static int
enqueue_queued(struct enqueue *eq, int type)
{
	if (eq->out.len >= ENQUEUE_FLUSH || type == REC_TYPE_END)
		return (enqueue_flush(eq));
	return (0);
}

int
enqueue_send(struct enqueue *eq, int type, const void *data, size_t len)
{
	if (enqueue_failed(eq) < 0)
		return (-1);
	rec_encode(&eq->out, type, data, len);
	return (enqueue_queued(eq, type));
}

int
enqueue_send_records(struct enqueue *eq, const void *recs, size_t len)
{
	if (enqueue_failed(eq) < 0)
		return (-1);
	vbuf_append(&eq->out, recs, len);
	return (enqueue_queued(eq, 0));
}

int
enqueue_sendf(struct enqueue *eq, int type, const char *fmt, ...)
{
	va_list ap;

	if (enqueue_failed(eq) < 0)
		return (-1);
	va_start(ap, fmt);
	enqueue_vrecf(&eq->out, type, fmt, ap);
	va_end(ap);
	return (enqueue_queued(eq, type));
}

int
enqueue_wait_id(struct enqueue *eq, struct vbuf *why)
{
	struct attr_list list = {0};
	int ret;

	if (attr_read(eq->fd, &list, eq->timeout, why) < 0) {
		attr_list_free(&list);
		return (-1);
	}
	ret = enqueue_block(&eq->reply, &list);
	attr_list_free(&list);
	if (ret == ENQUEUE_QUEUE_ID)
		return (0);
	vbuf_set(why, eq->reply.reason ? eq->reply.reason : "no queue ID");
	return (-1);
}

int
enqueue_finish(struct enqueue *eq, struct vbuf *why)
{
	struct attr_list list = {0};
	int ret;

	if (enqueue_flush(eq) < 0) {
		vbuf_reset(why);
		vbuf_printf(why, "write to cleanup: %m");
		return (-1);
	}
	do {
		if (attr_read(eq->fd, &list, eq->timeout, why) < 0) {
			attr_list_free(&list);
			return (-1);
		}
		ret = enqueue_block(&eq->reply, &list);
	} while (ret != ENQUEUE_DONE);
	attr_list_free(&list);
	return (0);
}

void
enqueue_close(struct enqueue *eq)
{
	if (eq->fd >= 0)
		(void)close(eq->fd);
	eq->fd = -1;
	vbuf_free(&eq->out);
	enqueue_reply_free(&eq->reply);
}

/* enqueue_exec - the child: the socket as stdin and stdout, then exec */

static void __attribute__((noreturn))
enqueue_exec(int fd, const char *path, const char *config_dir, int verbose)
{
	const char *argv[16];
	int n = 0;

	if (dup2(fd, 0) < 0 || dup2(fd, 1) < 0)
		_exit(127);
	if (fd > 1)
		(void)close(fd);
	argv[n++] = "postdrop";
	argv[n++] = "-r";
	if (config_dir) {
		argv[n++] = "-c";
		argv[n++] = config_dir;
		(void)setenv("MAIL_CONFIG", config_dir, 1);
	}
	while (verbose-- > 0 && n < 15)
		argv[n++] = "-v";
	argv[n] = 0;
	execv(path, (char *const *)argv);
	msg_warn("execvp %s: %m", path);
	_exit(127);
}

int
enqueue_postdrop(const char *path, const char *config_dir, int verbose,
    pid_t *pid)
{
	int sv[2];
	int saved;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return (-1);
	switch (*pid = fork()) {
	case -1:
		saved = errno;
		(void)close(sv[0]);
		(void)close(sv[1]);
		errno = saved;
		return (-1);
	case 0:
		(void)close(sv[0]);
		enqueue_exec(sv[1], path, config_dir, verbose);
	default:
		(void)close(sv[1]);
		return (sv[0]);
	}
}
