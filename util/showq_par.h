#ifndef SLUICE_SHOWQ_PAR_H
#define SLUICE_SHOWQ_PAR_H
/*
 * NAME
 *	showq_par - the queue listing read by several worker processes
 * SYNOPSIS
 *	#include "showq_par.h"
 *
 *	typedef int showq_par_fmt(struct vbuf *out,
 *			const struct showq_msg *msg, void *ctx);
 *	typedef int showq_par_emit(const char *data, size_t len, void *ctx);
 *
 *	int  showq_par_workers(void);
 *	int  showq_par_walk(const char *const *queues, int workers,
 *			showq_par_fmt *fmt, void *fmt_ctx,
 *			showq_par_emit *emit, void *emit_ctx,
 *			struct showq_par_total *total, struct vbuf *why);
 * DESCRIPTION
 *	showq_par_walk() does what showq_walk() does, with the reading
 *	shared by workers processes (forked; at most SHOWQ_PAR_MAX): worker
 *	i walks part i of each queue (showq_scan_open_part()) and calls
 *	fmt(out, msg, fmt_ctx) for each message, which appends the
 *	message's text to out and returns 1, or returns 0 to leave the
 *	message out (a selection). Whole messages travel to the caller in
 *	pieces of about SHOWQ_PAR_CHUNK bytes; the caller's process hands
 *	each piece to emit(data, len, emit_ctx), which returns 0, or -1 to
 *	stop the walk. Queues are listed one after another in the order of
 *	queues (NULL: showq_queues); within a queue the pieces of the
 *	workers interleave, so the order of messages within a queue is
 *	not the single-process one (Postfix promises none: it is directory
 *	order). total gets the number of messages fmt took and the sum of
 *	their positive sizes.
 *
 *	Memory does not grow with the queue: each worker holds one message
 *	and one piece, the caller one piece. With workers <= 1, or when a
 *	worker cannot be started, the walk runs in the caller's process
 *	(emit still gets pieces).
 *
 *	showq_par_walk() returns 0, or -1 with why: a queue directory that
 *	exists cannot be read (as showq_walk()), a worker ended without
 *	finishing, or emit failed. The workers then in progress are
 *	stopped (SIGTERM) and waited for. fmt runs in the workers: it may
 *	keep no state meant for the caller. Warnings of the workers go
 *	where the caller's go (the same descriptors and syslog).
 *
 *	showq_par_workers() is the number of online processors, 1 to
 *	SHOWQ_PAR_MAX.
 * SEE ALSO
 *	showq(3), qdir(3).
 */
#include <stddef.h>
#include "showq.h"
#include "vbuf.h"

#define SHOWQ_PAR_MAX 8
#define SHOWQ_PAR_CHUNK (32 * 1024)

typedef int showq_par_fmt(struct vbuf *out, const struct showq_msg *msg,
    void *ctx);
typedef int showq_par_emit(const char *data, size_t len, void *ctx);

struct showq_par_total {
	unsigned long count;
	unsigned long long bytes;
};

int showq_par_workers(void);
int showq_par_walk(const char *const *queues, int workers, showq_par_fmt *fmt,
    void *fmt_ctx, showq_par_emit *emit, void *emit_ctx,
    struct showq_par_total *total, struct vbuf *why);

#endif
