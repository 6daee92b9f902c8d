#ifndef SLUICE_COMMIT_H
#define SLUICE_COMMIT_H
/*
 * NAME
 *	commit - make files durable off the event loop
 * SYNOPSIS
 *	#include "commit.h"
 *
 *	typedef void (*commit_fn)(int err, void *ctx);
 *
 *	struct commit_pool *commit_pool_create(struct event_base *base,
 *			int threads);
 *	struct commit_job *commit_file(struct commit_pool *pool, FILE *fp,
 *			int mode, const char *path, commit_fn done, void *ctx);
 *	void commit_cancel(struct commit_job *job);
 *	int  commit_pending(const struct commit_pool *pool);
 *	void commit_pool_finish(struct commit_pool *pool);
 *	void commit_pool_free(struct commit_pool *pool);
 * DESCRIPTION
 *	A daemon's single libevent loop must not wait for the disk, and a
 *	disk does many fsyncs in parallel in about the time of one. A commit
 *	pool runs the waiting part of "make this file durable" in at most
 *	threads worker threads and reports each result back in the loop.
 *
 *	commit_pool_create() makes a pool for base (which must be the loop
 *	of the calling thread). Threads are started only when work arrives
 *	and none is idle, up to threads (at most COMMIT_THREADS_MAX), with
 *	every signal blocked (signals stay with the loop's thread). Create
 *	the pool after privileges are dropped and after any fork().
 *
 *	commit_file() takes over fp (the caller must not touch it again):
 *	a worker flushes it, sets mode (unless mode < 0) with fchmod(),
 *	fsync()s and fclose()s it; on any failure it also removes path
 *	(unless NULL; a missing file is no error). Then done(err, ctx) is
 *	called from the loop, err being 0 or the errno value of the first
 *	failure: done is never called before the fsync has returned, and
 *	never from inside commit_file(). When COMMIT_QUEUE_MAX jobs wait
 *	already, or no thread can be started, the work is done in the
 *	caller (blocking, the behaviour without a pool), the callback still
 *	comes later from the loop. The job handle is valid until done is
 *	called or the job is cancelled.
 *
 *	commit_cancel() forgets the callback of a job (e.g. its client went
 *	away): the commit itself still completes (on failure path is still
 *	removed), only done is not called.
 *
 *	commit_pending() counts the jobs whose callback has not run yet,
 *	cancelled ones included (for a draining daemon).
 *	commit_pool_finish() waits (blocking) until every submitted job is
 *	done and runs the callbacks of those not cancelled: for the way out,
 *	so that no commit is abandoned half-way. commit_pool_free() finishes,
 *	stops the threads and releases the pool.
 *
 *	Workers never log and never touch anything but the job (fp, path);
 *	the callbacks run in the loop's thread only.
 * DIAGNOSTICS
 *	Fatal: out of memory, no eventfd for the pool.
 */
#include <stdio.h>

#define COMMIT_THREADS_MAX 64
#define COMMIT_QUEUE_MAX 4096

struct event_base;
struct commit_pool;
struct commit_job;

typedef void (*commit_fn)(int err, void *ctx);

struct commit_pool *commit_pool_create(struct event_base *base, int threads);
struct commit_job *commit_file(struct commit_pool *pool, FILE *fp, int mode,
    const char *path, commit_fn done, void *ctx);
void commit_cancel(struct commit_job *job);
int commit_pending(const struct commit_pool *pool);
void commit_pool_finish(struct commit_pool *pool);
void commit_pool_free(struct commit_pool *pool);

#endif
