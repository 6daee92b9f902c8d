/*
 * test_commit - util/commit: every job completes exactly once, from the
 * loop's thread and never inside commit_file(); with one thread in
 * submission order; the file is flushed, made mode 0700 and closed; a
 * failing fsync (a pipe) or a closed descriptor is reported with its
 * errno and the file named is removed; a cancelled job, even one a worker
 * is blocked in, still completes its commit but calls nobody;
 * commit_pool_finish() waits for the jobs and runs their callbacks.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>

#include "commit.h"
#include "testdir.h"

#define NJOBS 40

struct result {
	int calls;
	int err;
	int seq; /* order of the callback */
	pthread_t thread;
};

static struct result results[NJOBS];
static int callbacks;

static void
done(int err, void *ctx)
{
	struct result *r = ctx;

	r->calls++;
	r->err = err;
	r->seq = callbacks++;
	r->thread = pthread_self();
}

static int
setup(void **state)
{
	static struct testdir td;

	memset(results, 0, sizeof(results));
	callbacks = 0;
	*state = &td;
	return (testdir_make(&td, "test_commit", NULL));
}

static int
teardown(void **state)
{
	return (testdir_remove(*state));
}

/* run_until - dispatch the loop until no callback is pending (bounded) */

static void
run_until(struct event_base *base, struct commit_pool *pool)
{
	for (int i = 0; i < 1000 && commit_pending(pool) > 0; i++)
		event_base_loop(base, EVLOOP_ONCE);
	assert_int_equal(commit_pending(pool), 0);
}

/* new_file - a file NAME with some buffered (unflushed) content */

static FILE *
new_file(const char *name)
{
	FILE *fp = fopen(name, "w+");

	assert_non_null(fp);
	assert_true(fprintf(fp, "content of %s\n", name) > 0);
	return (fp);
}

static void
test_order_one_thread(void **state)
{
	struct event_base *base = event_base_new();
	struct commit_pool *pool = commit_pool_create(base, 1);
	char name[32];
	struct stat st;

	for (int i = 0; i < NJOBS; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		assert_non_null(commit_file(pool, new_file(name), 0700, name,
		    done, &results[i]));
	}
	assert_int_equal(callbacks, 0); /* never from commit_file() */
	assert_int_equal(commit_pending(pool), NJOBS);
	run_until(base, pool);
	for (int i = 0; i < NJOBS; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		assert_int_equal(results[i].calls, 1);
		assert_int_equal(results[i].err, 0);
		assert_int_equal(results[i].seq, i);
		assert_true(pthread_equal(results[i].thread, pthread_self()));
		assert_int_equal(stat(name, &st), 0);
		assert_int_equal(st.st_mode & 07777, 0700);
		assert_int_equal(st.st_size,
		    strlen("content of ") + strlen(name) + 1);
	}
	commit_pool_free(pool);
	event_base_free(base);
}

static void
test_many_threads(void **state)
{
	struct event_base *base = event_base_new();
	struct commit_pool *pool = commit_pool_create(base, 8);
	char name[32];

	for (int i = 0; i < NJOBS; i++) {
		snprintf(name, sizeof(name), "g%d", i);
		commit_file(pool, new_file(name), -1, name, done, &results[i]);
	}
	run_until(base, pool);
	assert_int_equal(callbacks, NJOBS);
	for (int i = 0; i < NJOBS; i++) {
		assert_int_equal(results[i].calls, 1);
		assert_int_equal(results[i].err, 0);
	}
	commit_pool_free(pool);
	event_base_free(base);
}

static void
test_fsync_error(void **state)
{
	struct event_base *base = event_base_new();
	struct commit_pool *pool = commit_pool_create(base, 2);
	FILE *marker = new_file("pipe-job");
	int fds[2];
	FILE *fp;

	fclose(marker);
	assert_int_equal(pipe(fds), 0);
	assert_non_null(fp = fdopen(fds[1], "w"));
	fputs("x", fp);
	commit_file(pool, fp, -1, "pipe-job", done, &results[0]);
	run_until(base, pool);
	assert_int_equal(results[0].calls, 1);
	assert_int_equal(results[0].err, EINVAL); /* no fsync on a pipe */
	assert_int_equal(access("pipe-job", F_OK), -1);
	close(fds[0]);
	commit_pool_free(pool);
	event_base_free(base);
}

static void
test_closed_fd(void **state)
{
	struct event_base *base = event_base_new();
	struct commit_pool *pool = commit_pool_create(base, 2);
	FILE *fp = fopen("closed", "w");

	assert_non_null(fp);
	assert_int_equal(close(fileno(fp)), 0);
	commit_file(pool, fp, 0700, "closed", done, &results[0]);
	commit_pool_finish(pool); /* blocking: runs the callback */
	assert_int_equal(results[0].calls, 1);
	assert_int_equal(results[0].err, EBADF);
	assert_int_equal(access("closed", F_OK), -1);
	commit_pool_free(pool);
	event_base_free(base);
}

static void
test_cancel_in_flight(void **state)
{
	struct event_base *base = event_base_new();
	struct commit_pool *pool = commit_pool_create(base, 1);
	static char big[256 * 1024], sink[65536], buf[512 * 1024];
	struct commit_job *busy, *queued;
	struct pollfd pfd;
	struct stat st;
	size_t got = 0;
	ssize_t n;
	int fds[2];
	FILE *fp;

	/* A job the worker blocks in: flushing more than a pipe holds. */
	fclose(new_file("busy"));
	assert_int_equal(pipe(fds), 0);
	assert_non_null(fp = fdopen(fds[1], "w"));
	assert_int_equal(setvbuf(fp, buf, _IOFBF, sizeof(buf)), 0);
	memset(big, 'x', sizeof(big));
	assert_int_equal(fwrite(big, 1, sizeof(big), fp), sizeof(big));
	busy = commit_file(pool, fp, -1, "busy", done, &results[0]);
	queued = commit_file(pool, new_file("queued"), 0700, "queued", done,
	    &results[1]);
	pfd.fd = fds[0];
	pfd.events = POLLIN;
	assert_int_equal(poll(&pfd, 1, 10000), 1); /* the worker writes */
	commit_cancel(busy);
	commit_cancel(queued);
	assert_int_equal(commit_pending(pool), 2);
	/* Let it go: read to EOF (the worker closes the pipe). */
	while (got < sizeof(big) + 1) {
		assert_int_equal(poll(&pfd, 1, 10000), 1);
		if ((n = read(fds[0], sink, sizeof(sink))) <= 0)
			break;
		got += (size_t)n;
	}
	assert_int_equal(got, sizeof(big));
	close(fds[0]);
	run_until(base, pool);
	assert_int_equal(callbacks, 0);
	/* The failed one is removed, the other one completed all the same. */
	assert_int_equal(access("busy", F_OK), -1);
	assert_int_equal(stat("queued", &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_true(st.st_size > 0);
	commit_pool_free(pool);
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_order_one_thread, setup,
		teardown),
	    cmocka_unit_test_setup_teardown(test_many_threads, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fsync_error, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_closed_fd, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cancel_in_flight, setup,
		teardown),
	};

	return (cmocka_run_group_tests(tests, 0, 0));
}
