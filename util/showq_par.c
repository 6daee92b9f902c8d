/*
 * showq_par - the queue listing read by several worker processes; see
 * showq_par.h.
 *
 * Implementation notes. Processes, not threads: the reader (showq(3))
 * and the message and parameter modules keep process-wide state, and a
 * worker that dies takes nothing of the caller with it. The caller forks
 * the workers once, each with a pipe; each walks its part of every queue
 * in turn. The caller reads frames from whichever pipe of the current
 * queue is ready: a frame is a type byte, a 4-byte length in host order
 * and the payload. 'D' carries whole formatted messages, 'E' ends a
 * worker's part of a queue with its count and bytes, 'X' carries the
 * text of a fatal walk error. A frame is read whole before the next
 * poll(), so pieces never mix; a worker blocks when its pipe is full,
 * which bounds its memory. The caller moves to the next queue when every
 * worker has sent 'E' for this one, and does not read the pipe of a
 * worker that is already ahead until then, which keeps Postfix's queue
 * order. (Forking the workers once, not once per queue, saves eight
 * forks and rings of a two-processor listing: most of the cost of
 * listing an empty queue.)
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "mem.h"
#include "msg.h"
#include "showq_par.h"

#define PAR_DATA 'D'
#define PAR_END 'E'
#define PAR_ERR 'X'
#define PAR_HDR 5 /* type, length */

/* What a worker's showq_fn needs. */
struct par_work {
	showq_par_fmt *fmt;
	void *fmt_ctx;
	struct vbuf buf; /* frame being filled: header, then messages */
	struct showq_par_total total;
	int fd; /* to the caller; -1 in the caller's process */
	showq_par_emit *emit;
	void *emit_ctx;
	int failed; /* emit failed */
};

/* par_write - write all of it; -1 when the reader is gone */

static int
par_write(int fd, const char *data, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, data, len)) < 0) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		data += n;
		len -= (size_t)n;
	}
	return (0);
}

/* par_frame_start - empty frame of type in w->buf */

static void
par_frame_start(struct par_work *w, int type)
{
	vbuf_reset(&w->buf);
	vbuf_putc(&w->buf, (char)type);
	vbuf_append(&w->buf, "\0\0\0\0", 4);
}

/* par_frame_send - finish the frame in w->buf and send or emit it */

static int
par_frame_send(struct par_work *w)
{
	uint32_t len = (uint32_t)(w->buf.len - PAR_HDR);

	if (w->fd < 0) {
		if (len > 0 &&
		    w->emit(w->buf.data + PAR_HDR, len, w->emit_ctx) < 0)
			w->failed = 1;
		par_frame_start(w, PAR_DATA);
		return (w->failed ? -1 : 0);
	}
	memcpy(w->buf.data + 1, &len, 4);
	if (par_write(w->fd, w->buf.data, w->buf.len) < 0)
		return (-1);
	par_frame_start(w, PAR_DATA);
	return (0);
}

/* par_msg - showq_fn: format one message into the current frame */

static int
par_msg(const struct showq_msg *msg, void *ctx)
{
	struct par_work *w = ctx;

	if (w->fmt(&w->buf, msg, w->fmt_ctx) == 0)
		return (0);
	w->total.count++;
	if (msg->size > 0)
		w->total.bytes += (unsigned long long)msg->size;
	if (w->buf.len - PAR_HDR >= SHOWQ_PAR_CHUNK)
		return (par_frame_send(w));
	return (0);
}

/* par_part - walk one part of one queue; 0, or -1 with why */

static int
par_part(struct par_work *w, const char *queue, unsigned part, unsigned nparts,
    struct vbuf *why)
{
	const char *queues[2] = {queue, 0};
	struct showq_scan *s = showq_scan_open_part(queues, part, nparts);
	int status;
	int fn_ret = 0;

	par_frame_start(w, PAR_DATA);
	while ((status = showq_scan_next(s, par_msg, w, &fn_ret, why)) ==
		SHOWQ_SCAN_MORE &&
	    fn_ret == 0)
		/* void */;
	showq_scan_close(s);
	if (status == SHOWQ_SCAN_ERR)
		return (-1);
	if (fn_ret != 0 || par_frame_send(w) < 0) {
		vbuf_set(why, "cannot pass on the queue listing");
		return (-1);
	}
	return (0);
}

/* par_worker - the worker process: its part of each queue, each part
 * followed by its end frame */

static void __attribute__((noreturn)) par_worker(struct par_work *w,
    const char *const *queues, unsigned part, unsigned nparts)
{
	struct vbuf why = VBUF_INIT;

	(void)signal(SIGPIPE, SIG_DFL);
	for (; *queues; queues++) {
		if (par_part(w, *queues, part, nparts, &why) < 0) {
			vbuf_reset(&w->buf);
			vbuf_putc(&w->buf, PAR_ERR);
			vbuf_append(&w->buf, "\0\0\0\0", 4);
			vbuf_append(&w->buf, why.data, why.len);
			(void)par_frame_send(w);
			_exit(1);
		}
		par_frame_start(w, PAR_END);
		vbuf_append(&w->buf, &w->total, sizeof(w->total));
		memset(&w->total, 0, sizeof(w->total));
		if (par_frame_send(w) < 0)
			_exit(1);
	}
	_exit(0);
}

/* par_read - read exactly len bytes; 0 at a clean end of file first */

static ssize_t
par_read(int fd, char *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		if ((n = read(fd, buf + got, len - got)) < 0) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return ((ssize_t)got);
}

/* The caller's side of one queue. */
struct par_kid {
	pid_t pid;
	int fd;	   /* the pipe from it */
	int ended; /* its 'E' for the current queue came */
};

/* par_frame - one frame from a worker; 1 = more, 0 = done, -1 = error */

static int
par_frame(struct par_kid *k, struct par_work *w, struct showq_par_total *total,
    struct vbuf *why)
{
	char hdr[PAR_HDR];
	struct showq_par_total t;
	uint32_t len;

	if (par_read(k->fd, hdr, PAR_HDR) != PAR_HDR) {
		vbuf_set(why, "a queue listing worker ended early");
		return (-1);
	}
	memcpy(&len, hdr + 1, 4);
	vbuf_reset(&w->buf);
	vbuf_reserve(&w->buf, (size_t)len + 1);
	if (par_read(k->fd, w->buf.data, len) != (ssize_t)len) {
		vbuf_set(why, "a queue listing worker ended early");
		return (-1);
	}
	w->buf.len = len;
	w->buf.data[len] = 0;
	switch (hdr[0]) {
	case PAR_DATA:
		if (len > 0 && w->emit(w->buf.data, len, w->emit_ctx) < 0) {
			vbuf_set(why, "cannot pass on the queue listing");
			return (-1);
		}
		return (1);
	case PAR_END:
		if (len != sizeof(t))
			break;
		memcpy(&t, w->buf.data, sizeof(t));
		total->count += t.count;
		total->bytes += t.bytes;
		return (0);
	case PAR_ERR:
		vbuf_set(why, w->buf.data);
		return (-1);
	}
	vbuf_set(why, "malformed frame from a queue listing worker");
	return (-1);
}

/* par_start - fork the workers, once for all queues; how many started */

static int
par_start(struct par_work *w, const char *const *queues, struct par_kid *kids,
    int workers)
{
	int pfd[2];
	int i;
	int j;

	(void)fflush(stdout);
	(void)fflush(stderr);
	for (i = 0; i < workers; i++) {
		if (pipe(pfd) < 0)
			break;
		switch (kids[i].pid = fork()) {
		case -1:
			(void)close(pfd[0]);
			(void)close(pfd[1]);
			return (i);
		case 0:
			for (j = 0; j < i; j++)
				(void)close(kids[j].fd);
			(void)close(pfd[0]);
			w->fd = pfd[1];
			par_worker(w, queues, (unsigned)i, (unsigned)workers);
		default:
			(void)close(pfd[1]);
			kids[i].fd = pfd[0];
		}
	}
	return (i);
}

/* par_queue - one queue: the parts of workers that did not start, then
 * the workers' frames up to the end frame of each; 0, or -1 with why */

static int
par_queue(struct par_work *w, const char *queue, struct par_kid *kids,
    int started, int workers, struct showq_par_total *total, struct vbuf *why)
{
	struct pollfd pfd[SHOWQ_PAR_MAX];
	int idx[SHOWQ_PAR_MAX];
	int status = 0;
	int ret;
	int i;
	int n;

	for (i = 0; status == 0 && i < workers; i++) {
		if (i < started)
			kids[i].ended = 0;
		else if (par_part(w, queue, (unsigned)i, (unsigned)workers,
			     why) < 0)
			status = -1;
	}
	total->count += w->total.count;
	total->bytes += w->total.bytes;
	memset(&w->total, 0, sizeof(w->total));
	while (status == 0) {
		/* the workers whose 'E' for this queue has not come yet */
		for (i = n = 0; i < started; i++) {
			if (kids[i].ended)
				continue;
			pfd[n].fd = kids[i].fd;
			pfd[n].events = POLLIN;
			pfd[n].revents = 0;
			idx[n++] = i;
		}
		if (n == 0)
			break;
		if (poll(pfd, (nfds_t)n, -1) < 0) {
			if (errno == EINTR)
				continue;
			vbuf_printf(why, "poll: %m");
			return (-1);
		}
		for (i = 0; status == 0 && i < n; i++) {
			if (pfd[i].revents == 0)
				continue;
			if ((ret = par_frame(&kids[idx[i]], w, total, why)) < 0)
				status = -1;
			else if (ret == 0)
				kids[idx[i]].ended = 1;
		}
	}
	return (status);
}

/* par_stop - the end of the workers: stopped unless done, waited for */

static void
par_stop(struct par_kid *kids, int started, int done)
{
	int i;

	for (i = 0; i < started; i++) {
		if (!done)
			(void)kill(kids[i].pid, SIGTERM);
		(void)close(kids[i].fd);
		while (waitpid(kids[i].pid, 0, 0) < 0 && errno == EINTR)
			/* void */;
	}
}

/* showq_par_workers - one per processor */

int
showq_par_workers(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return (n < 1 ? 1 : n > SHOWQ_PAR_MAX ? SHOWQ_PAR_MAX : (int)n);
}

/* showq_par_walk - the listing, read by workers */

int
showq_par_walk(const char *const *queues, int workers, showq_par_fmt *fmt,
    void *fmt_ctx, showq_par_emit *emit, void *emit_ctx,
    struct showq_par_total *total, struct vbuf *why)
{
	struct par_work w;
	struct par_kid kids[SHOWQ_PAR_MAX];
	const char *const *qp;
	int started = 0;
	int status = 0;

	memset(&w, 0, sizeof(w));
	vbuf_init(&w.buf);
	w.fmt = fmt;
	w.fmt_ctx = fmt_ctx;
	w.fd = -1;
	w.emit = emit;
	w.emit_ctx = emit_ctx;
	memset(total, 0, sizeof(*total));
	if (workers > SHOWQ_PAR_MAX)
		workers = SHOWQ_PAR_MAX;
	if (workers < 1)
		workers = 1;
	if (queues == 0)
		queues = showq_queues;
	/* One worker: no process started, par_queue() reads it all here. */
	if (workers > 1)
		started = par_start(&w, queues, kids, workers);
	for (qp = queues; status == 0 && *qp; qp++)
		status = par_queue(&w, *qp, kids, started, workers, total, why);
	par_stop(kids, started, status == 0);
	vbuf_free(&w.buf);
	return (status);
}
