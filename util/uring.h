#ifndef SLUICE_URING_H
#define SLUICE_URING_H
/*
 * NAME
 *	uring - the process's io_uring ring for batched file work
 * SYNOPSIS
 *	#include "uring.h"
 *
 *	typedef void uring_done_fn(void *ctx, uint64_t data, int res);
 *
 *	int  uring_ok(void);
 *	int  uring_live(void);
 *	struct io_uring_sqe *uring_sqe(uint64_t data);
 *	void uring_run(unsigned n, uring_done_fn *done, void *ctx);
 * DESCRIPTION
 *	The queue tools (showq's reader, postsuper -d ALL) hand a batch of
 *	opens, stats, reads, unlinks and closes to the kernel in one system
 *	call. This module owns the one ring of a process; its users own the
 *	batches, and tell their completions apart by the 64-bit data they
 *	attach to each submission.
 *
 *	uring_ok() returns 1 when the ring can be used, setting it up at
 *	first use (URING_ENTRIES entries). It returns 0, for good, when the
 *	kernel refuses a ring (io_uring_disabled, seccomp, an old kernel),
 *	and always when the environment has SLUICE_IO_URING=0: the caller
 *	then does the same work one system call at a time. A child of
 *	fork() does not use its parent's ring: its first uring_ok() makes
 *	its own. uring_live() tells, without setting anything up, whether
 *	this process has a usable ring now.
 *
 *	uring_sqe() returns the next submission entry, tagged with data; the
 *	caller prepares it (io_uring_prep_*()). At most URING_ENTRIES may be
 *	queued before uring_run(); one more is a panic (a caller's bug).
 *
 *	uring_run() submits what is queued and waits until n completions
 *	have arrived, calling done(ctx, data, res) for each, res being the
 *	system call's result or -errno. A failure of the ring itself is
 *	fatal.
 * SEE ALSO
 *	showq(3), docs/architecture.md ("The queue tools").
 */
#include <stdint.h>

#include <liburing.h>

#define URING_ENTRIES 128
#define URING_ENV "SLUICE_IO_URING" /* "0": never use a ring */

typedef void uring_done_fn(void *ctx, uint64_t data, int res);

int uring_ok(void);
int uring_live(void);
struct io_uring_sqe *uring_sqe(uint64_t data);
void uring_run(unsigned n, uring_done_fn *done, void *ctx);

#endif
