/*
 * commit - make files durable off the event loop; see commit.h.
 *
 * Implementation notes:
 *
 *	Jobs go from the loop to the workers through a FIFO under the pool
 *	mutex (cond "work"), and back through a second list under the same
 *	mutex: the worker that puts the first job on an empty done list
 *	writes to an eventfd watched by the loop, which takes the whole list
 *	and runs the callbacks. A job is owned by the pool from commit_file()
 *	until its callback has run (or, cancelled, until the loop has taken
 *	it back): the cancel flag and the pending count are read and written
 *	only in the loop's thread, the workers look at fp, mode, path and err.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>

#include "mem.h"
#include "msg.h"
#include "commit.h"

#define COMMIT_STACK (256 * 1024) /* a worker needs very little */

struct commit_job {
	struct commit_job *next;
	FILE *fp;
	int mode;
	char *path;
	int err; /* set by the worker */
	commit_fn done;
	void *ctx;
	int cancelled; /* loop only */
};

struct commit_pool {
	struct event_base *base;
	struct event *ev;
	int efd;
	pthread_mutex_t lock;
	pthread_cond_t work; /* todo not empty, or quit */
	pthread_cond_t idle; /* busy dropped to 0 */
	struct commit_job *todo, *todo_tail;
	struct commit_job *done, *done_tail;
	int queued;  /* on todo */
	int busy;    /* on todo or being worked on */
	int waiting; /* threads waiting for work */
	int nthreads, max_threads;
	pthread_t *threads;
	int quit;
	int pending; /* loop only: callbacks not yet run */
};

/* commit_run - the blocking part of one job */

static void
commit_run(struct commit_job *job)
{
	int err = 0;

	if (fflush(job->fp) != 0)
		err = errno;
	if (err == 0 && job->mode >= 0 &&
	    fchmod(fileno(job->fp), (mode_t)job->mode) < 0)
		err = errno;
	if (err == 0 && fsync(fileno(job->fp)) < 0)
		err = errno;
	if (fclose(job->fp) != 0 && err == 0)
		err = errno;
	job->fp = 0;
	if (err != 0 && job->path != 0)
		(void)unlink(job->path);
	job->err = err;
}

/* commit_done_locked - hand a finished job back to the loop */

static void
commit_done_locked(struct commit_pool *pool, struct commit_job *job)
{
	uint64_t one = 1;
	int was_empty = pool->done == 0;

	job->next = 0;
	if (pool->done_tail)
		pool->done_tail->next = job;
	else
		pool->done = job;
	pool->done_tail = job;
	if (was_empty) {
		/* Fails only if the counter is at its maximum: awake anyway. */
		while (
		    write(pool->efd, &one, sizeof(one)) < 0 && errno == EINTR)
			continue;
	}
}

/* commit_worker - take jobs until told to quit */

static void *
commit_worker(void *arg)
{
	struct commit_pool *pool = arg;
	struct commit_job *job;

	pthread_mutex_lock(&pool->lock);
	for (;;) {
		while (pool->todo == 0 && !pool->quit) {
			pool->waiting++;
			pthread_cond_wait(&pool->work, &pool->lock);
			pool->waiting--;
		}
		if (pool->todo == 0)
			break;
		job = pool->todo;
		if ((pool->todo = job->next) == 0)
			pool->todo_tail = 0;
		pool->queued--;
		pthread_mutex_unlock(&pool->lock);
		commit_run(job);
		pthread_mutex_lock(&pool->lock);
		commit_done_locked(pool, job);
		if (--pool->busy == 0)
			pthread_cond_broadcast(&pool->idle);
	}
	pthread_mutex_unlock(&pool->lock);
	return (0);
}

/* commit_start_locked - one more worker; -1 if none could be started */

static int
commit_start_locked(struct commit_pool *pool)
{
	pthread_attr_t attr;
	sigset_t all, old;
	int err;

	if (pool->nthreads >= pool->max_threads)
		return (-1);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_attr_init(&attr);
	(void)pthread_attr_setstacksize(&attr, COMMIT_STACK);
	err = pthread_create(&pool->threads[pool->nthreads], &attr,
	    commit_worker, pool);
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, 0);
	if (err != 0)
		return (-1);
	pool->nthreads++;
	return (0);
}

/* commit_dispatch - run the callbacks of the finished jobs */

static void
commit_dispatch(struct commit_pool *pool)
{
	struct commit_job *list, *job;

	pthread_mutex_lock(&pool->lock);
	list = pool->done;
	pool->done = pool->done_tail = 0;
	pthread_mutex_unlock(&pool->lock);
	while ((job = list) != 0) {
		list = job->next;
		pool->pending--;
		if (!job->cancelled)
			job->done(job->err, job->ctx);
		mem_free(job->path);
		mem_free(job);
	}
}

/* commit_event - the eventfd is readable: jobs are done */

static void
commit_event(evutil_socket_t fd, short what, void *ctx)
{
	uint64_t count;

	while (read(fd, &count, sizeof(count)) < 0 && errno == EINTR)
		continue;
	commit_dispatch(ctx);
}

/* commit_pool_create - a pool for the loop base */

struct commit_pool *
commit_pool_create(struct event_base *base, int threads)
{
	struct commit_pool *pool = mem_calloc(1, sizeof(*pool));

	if (threads < 1)
		threads = 1;
	if (threads > COMMIT_THREADS_MAX)
		threads = COMMIT_THREADS_MAX;
	pool->base = base;
	pool->max_threads = threads;
	pool->threads = mem_calloc((size_t)threads, sizeof(*pool->threads));
	pthread_mutex_init(&pool->lock, 0);
	pthread_cond_init(&pool->work, 0);
	pthread_cond_init(&pool->idle, 0);
	if ((pool->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0)
		msg_fatal("commit: eventfd: %m");
	pool->ev = event_new(base, pool->efd, EV_READ | EV_PERSIST,
	    commit_event, pool);
	if (pool->ev == 0 || event_add(pool->ev, 0) < 0)
		msg_fatal("commit: cannot register the completion event");
	return (pool);
}

/* commit_file - make fp durable in a worker, then call done in the loop */

struct commit_job *
commit_file(struct commit_pool *pool, FILE *fp, int mode, const char *path,
    commit_fn done, void *ctx)
{
	struct commit_job *job = mem_calloc(1, sizeof(*job));

	job->fp = fp;
	job->mode = mode;
	job->path = path ? mem_strdup(path) : 0;
	job->done = done;
	job->ctx = ctx;
	pool->pending++;
	pthread_mutex_lock(&pool->lock);
	if (pool->queued < COMMIT_QUEUE_MAX &&
	    (pool->waiting > pool->queued || commit_start_locked(pool) == 0 ||
		pool->nthreads > 0)) {
		if (pool->todo_tail)
			pool->todo_tail->next = job;
		else
			pool->todo = job;
		pool->todo_tail = job;
		pool->queued++;
		pool->busy++;
		pthread_cond_signal(&pool->work);
		pthread_mutex_unlock(&pool->lock);
		return (job);
	}
	pthread_mutex_unlock(&pool->lock);
	/* Saturated or no thread at all: do it here, report it later. */
	commit_run(job);
	pthread_mutex_lock(&pool->lock);
	commit_done_locked(pool, job);
	pthread_mutex_unlock(&pool->lock);
	return (job);
}

/* commit_cancel - the callback of job is not wanted any more */

void
commit_cancel(struct commit_job *job)
{
	job->cancelled = 1;
}

/* commit_pending - callbacks not yet run */

int
commit_pending(const struct commit_pool *pool)
{
	return (pool ? pool->pending : 0);
}

/* commit_pool_finish - wait for every job, run the callbacks */

void
commit_pool_finish(struct commit_pool *pool)
{
	if (pool == 0)
		return;
	pthread_mutex_lock(&pool->lock);
	while (pool->busy > 0)
		pthread_cond_wait(&pool->idle, &pool->lock);
	pthread_mutex_unlock(&pool->lock);
	commit_dispatch(pool);
}

/* commit_pool_free - finish, stop the workers, release */

void
commit_pool_free(struct commit_pool *pool)
{
	if (pool == 0)
		return;
	commit_pool_finish(pool);
	pthread_mutex_lock(&pool->lock);
	pool->quit = 1;
	pthread_cond_broadcast(&pool->work);
	pthread_mutex_unlock(&pool->lock);
	for (int i = 0; i < pool->nthreads; i++)
		pthread_join(pool->threads[i], 0);
	event_free(pool->ev);
	(void)close(pool->efd);
	pthread_cond_destroy(&pool->idle);
	pthread_cond_destroy(&pool->work);
	pthread_mutex_destroy(&pool->lock);
	mem_free(pool->threads);
	mem_free(pool);
}
