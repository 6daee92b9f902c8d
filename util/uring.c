/*
 * uring - the process's io_uring ring (see uring.h)
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "msg.h"
#include "uring.h"

static struct {
	int state; /* 0: not tried, 1: usable, -1: refused */
	pid_t pid; /* the process that set it up */
	struct io_uring ring;
} ur;

/* uring_ok - the process's ring, set up at first use */

int
uring_ok(void)
{
	const char *env = getenv(URING_ENV);
	int ret;

	if (env != 0 && strcmp(env, "0") == 0)
		return (0);
	if (ur.state == 1 && ur.pid != getpid()) {
		/* Forked: the mapping is the parent's ring; make our own. */
		io_uring_queue_exit(&ur.ring);
		ur.state = 0;
	}
	if (ur.state == 0) {
		ret = io_uring_queue_init(URING_ENTRIES, &ur.ring,
		    IORING_SETUP_COOP_TASKRUN);
		if (ret == -EINVAL) /* kernels before 5.19 */
			ret = io_uring_queue_init(URING_ENTRIES, &ur.ring, 0);
		ur.state = ret < 0 ? -1 : 1;
		ur.pid = getpid();
	}
	return (ur.state == 1);
}

/* uring_live - has this process a usable ring now? */

int
uring_live(void)
{
	return (ur.state == 1 && ur.pid == getpid());
}

/* uring_sqe - the next submission entry, tagged */

struct io_uring_sqe *
uring_sqe(uint64_t data)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&ur.ring);

	if (sqe == 0)
		msg_panic("io_uring submission queue full");
	io_uring_sqe_set_data64(sqe, data);
	return (sqe);
}

/* uring_run - submit and wait for n completions */

void
uring_run(unsigned n, uring_done_fn *done, void *ctx)
{
	struct io_uring_cqe *cqe;
	unsigned got = 0;
	int ret;

	ret = io_uring_submit_and_wait(&ur.ring, n);
	for (;;) {
		if (ret < 0 && ret != -EINTR) {
			errno = -ret;
			msg_fatal("io_uring: %m");
		}
		while (got < n && io_uring_peek_cqe(&ur.ring, &cqe) == 0) {
			done(ctx, cqe->user_data, cqe->res);
			io_uring_cqe_seen(&ur.ring, cqe);
			got++;
		}
		if (got >= n)
			return;
		ret = io_uring_wait_cqe(&ur.ring, &cqe);
	}
}
