/*
 * test_qdir - the queue directory in a throwaway queue_directory: paths and
 * hashing (depth 1 and 2, short and long IDs), Postfix-style creation,
 * reuse of finished files through the recycle pool, moves that create hash
 * directories, the ready test, lookups, and the recursive scan.
 *
 * Each test writes main.cf into a temporary config directory and loads it
 * with param_load(), as the programs do.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "qdir.h"
#include "qid.h"
#include "mem.h"
#include "msg.h"
#include "param.h"
#include "vbuf.h"
#include "testdir.h"

static struct testdir td;

/* configure - write main.cf, load it and go to queue_directory */

static void
configure(const char *extra)
{
	testdir_config(&td, TESTDIR_CHDIR, extra, (char *)0);
}

static int
setup(void **state)
{
	return testdir_make(&td, "test_qdir",
	    "incoming hold maildrop deferred active");
}

static int
teardown(void **state)
{
	return testdir_remove(&td);
}

static jmp_buf panic_jmp;

static void
panic_hook(const char *text)
{
	longjmp(panic_jmp, 1);
}

static void
test_chdir(void **state)
{
	char cwd[4096];

	configure("");
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_string_equal(cwd, td.queuedir);
}

static void
test_hashed(void **state)
{
	configure("");
	assert_true(qdir_hashed("deferred"));
	assert_true(qdir_hashed("defer"));
	assert_false(qdir_hashed("incoming"));
	assert_false(qdir_hashed("maildrop"));
	assert_false(qdir_hashed("hold"));
	configure("hash_queue_names = Incoming, HOLD maildrop\n");
	assert_true(qdir_hashed("incoming"));
	assert_true(qdir_hashed("hold"));
	assert_false(qdir_hashed("maildrop")); /* never */
	assert_false(qdir_hashed("deferred"));
}

static const struct path_case {
	const char *name;
	const char *config;
	const char *queue;
	const char *id;
	const char *path;
} path_cases[] = {
    {"default deferred", "", "deferred", "3D4DDA76052",
	"deferred/3/3D4DDA76052"},
    {"default defer", "", "defer", "D5CA1A75992", "defer/D/D5CA1A75992"},
    {"flat incoming", "", "incoming", "3D4DDA76052", "incoming/3D4DDA76052"},
    {"depth 2", "hash_queue_depth = 2\n", "deferred", "3D4DDA76052",
	"deferred/3/D/3D4DDA76052"},
    {"long id", "", "deferred", "4jYFGl5Yc7z1bgLW",
	"deferred/B/4jYFGl5Yc7z1bgLW"},
    {"long id depth 2", "hash_queue_depth = 2\n", "deferred",
	"4jYFGl5Yc7z1bgLW", "deferred/B/F/4jYFGl5Yc7z1bgLW"},
    {"short name", "hash_queue_depth = 2\n", "defer", "A", "defer/A/_/A"},
    {"flush log", "hash_queue_names = flush\n", "flush", "example_com",
	"flush/e/example_com"},
};

static void
test_path(void **state)
{
	struct vbuf out = VBUF_INIT;
	size_t i;

	for (i = 0; i < sizeof(path_cases) / sizeof(path_cases[0]); i++) {
		const struct path_case *c = path_cases + i;

		configure(c->config);
		if (strcmp(qdir_path(&out, c->queue, c->id), c->path) != 0)
			fail_msg("%s: got %s want %s", c->name, out.data,
			    c->path);
	}
	vbuf_free(&out);
}

static void
test_path_panics(void **state)
{
	static const char *bad[][2] = {
	    {"deferred", "../x"},
	    {"deferred", "a.b"},
	    {"deferred", ""},
	    {"../etc", "ABC"},
	    {"", "ABC"},
	    {"de ferred", "ABC"},
	};
	struct vbuf out = VBUF_INIT;
	size_t i;

	configure("");
	msg_fatal_hook(panic_hook);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (setjmp(panic_jmp) == 0) {
			qdir_path(&out, bad[i][0], bad[i][1]);
			fail_msg("no panic for %s/%s", bad[i][0], bad[i][1]);
		}
	}
	msg_fatal_hook(NULL);
	vbuf_free(&out);
}

/* check_created - the file exists under its ID, 0600, ID matches inode */

static void
check_created(const char *queue, int fd, const char *id, int long_ids)
{
	struct vbuf path = VBUF_INIT;
	struct stat st;
	struct stat fst;
	char want[QID_SIZE];

	assert_true(fd >= 0);
	assert_true(qid_ok(id));
	assert_int_equal(qid_is_long(id), long_ids);
	qdir_path(&path, queue, id);
	assert_int_equal(stat(path.data, &st), 0);
	assert_int_equal(fstat(fd, &fst), 0);
	assert_int_equal(st.st_ino, fst.st_ino);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_false(qdir_ready(&st));
	assert_int_equal(lseek(fd, 0, SEEK_CUR), 0);
	if (!long_ids) {
		/* The inode part of a short ID follows the 5 usec digits. */
		snprintf(want, sizeof(want), "%lX", (unsigned long)st.st_ino);
		assert_string_equal(id + 5, want);
	}
	/* It is writable. */
	assert_int_equal(write(fd, "x", 1), 1);
	vbuf_free(&path);
}

/* no_temp_files - nothing with a '.' left in the queue */

static void
no_temp_files(const char *queue)
{
	DIR *dir = opendir(queue);
	struct dirent *dp;

	assert_non_null(dir);
	while ((dp = readdir(dir)) != NULL)
		if (dp->d_name[0] != '.' && strchr(dp->d_name, '.'))
			fail_msg("left behind: %s/%s", queue, dp->d_name);
	closedir(dir);
}

static void
test_create(void **state)
{
	struct vbuf id = VBUF_INIT;
	struct vbuf why = VBUF_INIT;
	char ids[20][QID_SIZE];
	int i;
	int j;
	int fd;

	/* Flat queue. */
	configure("");
	for (i = 0; i < 20; i++) {
		fd = qdir_create("incoming", &id, &why);
		check_created("incoming", fd, id.data, 0);
		snprintf(ids[i], QID_SIZE, "%s", id.data);
		for (j = 0; j < i; j++)
			assert_string_not_equal(ids[i], ids[j]);
		close(fd);
	}
	no_temp_files("incoming");

	/* Hashed, depth 2: hash directories appear on demand. */
	configure("hash_queue_depth = 2\n");
	fd = qdir_create("deferred", &id, &why);
	check_created("deferred", fd, id.data, 0);
	close(fd);
	no_temp_files("deferred");

	/* Long IDs. */
	configure("enable_long_queue_ids = yes\n");
	fd = qdir_create("deferred", &id, &why);
	check_created("deferred", fd, id.data, 1);
	close(fd);
	vbuf_free(&id);
	vbuf_free(&why);
}

/* recycle_one - a ready queue file of len bytes in active; its inode */

static ino_t
recycle_one(struct vbuf *id, size_t len)
{
	struct vbuf why = VBUF_INIT;
	struct stat st;
	char *buf = mem_alloc(len);
	int fd;

	memset(buf, 'A', len);
	fd = qdir_create("incoming", id, &why);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, 0700), 0);
	assert_int_equal(fstat(fd, &st), 0);
	close(fd);
	assert_int_equal(qdir_move(id->data, "incoming", "active"), 0);
	mem_free(buf);
	vbuf_free(&why);
	return (st.st_ino);
}

static int
count_files(const char *dir)
{
	struct dirent *dp;
	DIR *d = opendir(dir);
	int n = 0;

	assert_non_null(d);
	while ((dp = readdir(d)) != 0)
		if (dp->d_name[0] != '.')
			n++;
	closedir(d);
	return (n);
}

static void
test_recycle(void **state)
{
	struct vbuf id = VBUF_INIT;
	struct vbuf id2 = VBUF_INIT;
	struct vbuf why = VBUF_INIT;
	struct vbuf path = VBUF_INIT;
	struct stat st;
	ino_t ino;
	int reused;
	int fd;

	configure("");
	assert_int_equal(mkdir(QDIR_RECYCLE, 0700), 0);
	qdir_chdir();

	/* A finished file goes to the pool, not ready any more. */
	ino = recycle_one(&id, 1000);
	assert_int_equal(qdir_recycle("active", id.data, 1000), 0);
	qdir_path(&path, "active", id.data);
	assert_int_equal(lstat(path.data, &st), -1);
	assert_int_equal(lstat("recycle/pool.0", &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_ino, ino);

	/* The next queue file is that one, under a new ID, still 0600. */
	fd = qdir_create_reuse("incoming", &id2, &reused, &why);
	assert_true(fd >= 0);
	assert_int_equal(reused, 1);
	assert_string_not_equal(id.data, id2.data);
	assert_true(qid_ok(id2.data));
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_ino, ino);
	assert_int_equal(st.st_size, 1000); /* the caller truncates */
	assert_false(qdir_ready(&st));
	close(fd);
	qdir_path(&path, "incoming", id2.data);
	assert_int_equal(stat(path.data, &st), 0);
	assert_int_equal(st.st_ino, ino);
	assert_int_equal(count_files(QDIR_RECYCLE), 0);

	/* An empty pool: a new file. */
	fd = qdir_create_reuse("incoming", &id2, &reused, &why);
	assert_true(fd >= 0);
	assert_int_equal(reused, 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_true(st.st_ino != ino);
	close(fd);

	/* Too big or unknown size: removed. */
	recycle_one(&id, 10);
	assert_int_equal(qdir_recycle("active", id.data,
			     QDIR_RECYCLE_FILE_MAX + 1),
	    0);
	recycle_one(&id, 10);
	assert_int_equal(qdir_recycle("active", id.data, -1), 0);
	assert_int_equal(count_files(QDIR_RECYCLE), 0);
	assert_int_equal(count_files("active"), 0);
	assert_int_equal(qdir_recycle("active", id.data, 10), -1);
	assert_int_equal(errno, ENOENT);

	/* What is not a pooled file is removed, never reused: a ready
	 * file, a file with a second link (the other name survives). */
	qdir_chdir();
	recycle_one(&id, 10);
	qdir_path(&why, "active", id.data);
	assert_int_equal(rename(why.data, "recycle/pool.0"), 0); /* 0700 */
	recycle_one(&id, 10);
	vbuf_reset(&path);
	vbuf_set(&path, "recycle/pool.1");
	qdir_path(&why, "active", id.data);
	assert_int_equal(chmod(why.data, 0600), 0);
	assert_int_equal(link(why.data, path.data), 0);
	fd = qdir_create_reuse("incoming", &id2, &reused, &why);
	assert_true(fd >= 0);
	assert_int_equal(reused, 0);
	close(fd);
	assert_int_equal(count_files(QDIR_RECYCLE), 0);
	assert_int_equal(count_files("active"), 1);

	vbuf_free(&id);
	vbuf_free(&id2);
	vbuf_free(&why);
	vbuf_free(&path);
}

/* take_reused - the next queue file must come from the pool: its inode */
static ino_t
take_reused(void)
{
	struct vbuf id = VBUF_INIT;
	struct vbuf why = VBUF_INIT;
	struct stat st;
	int reused;
	int fd;

	fd = qdir_create_reuse("incoming", &id, &reused, &why);
	assert_true(fd >= 0);
	assert_int_equal(reused, 1);
	assert_int_equal(fstat(fd, &st), 0);
	close(fd);
	qdir_path(&why, "incoming", id.data);
	assert_int_equal(unlink(why.data), 0);
	vbuf_free(&id);
	vbuf_free(&why);
	return (st.st_ino);
}

/* pool_put - put the finished file id of active into pool slot name */
static void
pool_put(const struct vbuf *id, const char *name)
{
	struct vbuf from = VBUF_INIT;

	qdir_path(&from, "active", id->data);
	assert_int_equal(chmod(from.data, 0600), 0);
	assert_int_equal(rename(from.data, name), 0);
	vbuf_free(&from);
}

/* The slots as a ring: bounded, emptied and refilled in order. */
static void
test_recycle_ring(void **state)
{
	struct vbuf id = VBUF_INIT;
	struct vbuf path = VBUF_INIT;
	ino_t ino;
	int i;

	configure("");
	assert_int_equal(mkdir(QDIR_RECYCLE, 0700), 0);
	qdir_chdir();

	/* The pool keeps QDIR_RECYCLE_MAX files; the rest go. */
	for (i = 0; i < QDIR_RECYCLE_MAX + 5; i++) {
		recycle_one(&id, 10);
		assert_int_equal(qdir_recycle("active", id.data, 10), 0);
	}
	assert_int_equal(count_files(QDIR_RECYCLE), QDIR_RECYCLE_MAX);
	assert_int_equal(count_files("active"), 0);

	/* Takers empty it, file after file, and the giver fills it again:
	 * every file taken is one that was given. */
	for (i = 0; i < QDIR_RECYCLE_MAX; i++)
		(void)take_reused();
	assert_int_equal(count_files(QDIR_RECYCLE), 0);
	for (i = 0; i < 3; i++) {
		ino = recycle_one(&id, 10);
		assert_int_equal(qdir_recycle("active", id.data, 10), 0);
		assert_int_equal(take_reused(), ino);
	}

	/* A taker whose cursor lies far from the files finds them; a file
	 * an earlier version kept under its ID is removed on the way. */
	qdir_chdir();
	ino = recycle_one(&id, 10);
	pool_put(&id, "recycle/pool.50");
	recycle_one(&id, 10);
	vbuf_printf(&path, "recycle/%s", id.data);
	pool_put(&id, path.data);
	assert_int_equal(take_reused(), ino);
	assert_int_equal(count_files(QDIR_RECYCLE), 0);

	vbuf_free(&id);
	vbuf_free(&path);
}

static void
test_create_fails(void **state)
{
	struct vbuf id = VBUF_INIT;
	struct vbuf why = VBUF_INIT;

	configure("");
	vbuf_set(&id, "unchanged");
	assert_int_equal(qdir_create("nosuchqueue", &id, &why), -1);
	assert_string_equal(id.data, "unchanged");
	assert_non_null(strstr(why.data, "nosuchqueue/"));
	assert_non_null(strstr(why.data, "No such file or directory"));
	vbuf_free(&id);
	vbuf_free(&why);
}

static void
test_move(void **state)
{
	struct vbuf id = VBUF_INIT;
	struct vbuf why = VBUF_INIT;
	struct vbuf path = VBUF_INIT;
	struct stat st;
	const char *q;
	static const char *queues[] = {"incoming", "active", "deferred", "hold",
	    NULL};
	int fd;

	configure("hash_queue_depth = 2\n");
	fd = qdir_create("incoming", &id, &why);
	assert_true(fd >= 0);
	assert_int_equal(fchmod(fd, 0700), 0);
	close(fd);

	/* Into a hashed queue whose subdirectories do not exist yet. */
	assert_int_equal(system("rm -rf deferred/*"), 0);
	assert_int_equal(qdir_move(id.data, "incoming", "deferred"), 0);
	qdir_path(&path, "deferred", id.data);
	assert_int_equal(stat(path.data, &st), 0);
	assert_true(qdir_ready(&st));
	qdir_path(&path, "incoming", id.data);
	assert_int_equal(stat(path.data, &st), -1);

	q = qdir_find(id.data, queues, &path);
	assert_non_null(q);
	assert_string_equal(q, "deferred");
	qdir_path(&why, "deferred", id.data);
	assert_string_equal(path.data, why.data);

	/* Hashed to flat and back. */
	assert_int_equal(qdir_move(id.data, "deferred", "hold"), 0);
	assert_string_equal(qdir_find(id.data, queues, &path), "hold");
	assert_int_equal(qdir_move(id.data, "hold", "deferred"), 0);

	/* Moving what is not there. */
	assert_int_equal(qdir_move(id.data, "hold", "active"), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(qdir_move("NOSUCHID", "incoming", "deferred"), -1);
	assert_int_equal(errno, ENOENT);
	errno = 0;
	assert_null(qdir_find("NOSUCHID", queues, &path));
	assert_int_equal(errno, ENOENT);
	vbuf_free(&id);
	vbuf_free(&why);
	vbuf_free(&path);
}

static void
test_ready(void **state)
{
	static const struct {
		mode_t mode;
		int ready;
	} cases[] = {
	    {S_IFREG | 0700, 1},
	    {S_IFREG | 0744, 1}, /* maildrop done */
	    {S_IFREG | 0710, 1}, /* force-expired */
	    {S_IFREG | 0740, 1}, /* flush this one */
	    {S_IFREG | 0600, 0}, /* still being written */
	    {S_IFREG | 0644, 0},
	    {S_IFREG | 0500, 0},
	    {S_IFREG | 0300, 0},
	    {S_IFDIR | 0700, 0},
	    {S_IFLNK | 0777, 0},
	    {S_IFIFO | 0700, 0},
	};
	struct stat st;
	size_t i;

	memset(&st, 0, sizeof(st));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		st.st_mode = cases[i].mode;
		if (qdir_ready(&st) != cases[i].ready)
			fail_msg("mode %o: wrong answer",
			    (unsigned)cases[i].mode);
	}
}

static void
test_mkdirs(void **state)
{
	struct stat st;

	configure("");
	assert_int_equal(qdir_mkdirs("deferred/x/y/FILE"), 0);
	assert_int_equal(stat("deferred/x/y", &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(stat("deferred/x/y/FILE", &st), -1);
	assert_int_equal(qdir_mkdirs("deferred/x/y/FILE"), 0); /* again */
	assert_int_equal(qdir_mkdirs("newq/"), 0);
	assert_int_equal(stat("newq", &st), 0);
	/* A file where a directory should be. */
	assert_int_equal(system("touch plainfile"), 0);
	assert_int_equal(qdir_mkdirs("plainfile/x/ID"), -1);
}

/* scan_all - count the names a scan returns and check each path */

static int
scan_all(const char *queue, char names[][QID_SIZE], int max)
{
	struct qdir_scan *s = qdir_scan_open(queue);
	struct vbuf path = VBUF_INIT;
	const char *name;
	int n = 0;

	assert_non_null(s);
	while ((name = qdir_scan_next(s)) != NULL) {
		assert_true(n < max);
		assert_true(qid_ok(name));
		qdir_path(&path, queue, name);
		assert_string_equal(qdir_scan_path(s), path.data);
		snprintf(names[n++], QID_SIZE, "%s", name);
	}
	assert_null(qdir_scan_next(s)); /* stays at the end */
	assert_null(qdir_scan_close(s));
	vbuf_free(&path);
	return n;
}

static void
test_scan(void **state)
{
	struct vbuf id = VBUF_INIT;
	struct vbuf why = VBUF_INIT;
	char made[60][QID_SIZE];
	char seen[80][QID_SIZE];
	int depth;
	int n;
	int i;
	int j;
	int fd;

	for (depth = 1; depth <= 2; depth++) {
		configure(depth == 1 ? "" : "hash_queue_depth = 2\n");
		assert_int_equal(system("rm -rf deferred && mkdir deferred"),
		    0);
		for (i = 0; i < 60; i++) {
			fd = qdir_create("deferred", &id, &why);
			assert_true(fd >= 0);
			close(fd);
			snprintf(made[i], QID_SIZE, "%s", id.data);
		}
		/* Things a scan must not return. */
		assert_int_equal(system(
				     "touch deferred/123.456 deferred/.hidden"),
		    0);
		assert_int_equal(system("mkdir -p deferred/Q/R/S && "
					"touch deferred/Q/R/S/789.123"),
		    0);
		n = scan_all("deferred", seen, 80);
		assert_int_equal(n, 60);
		for (i = 0; i < 60; i++) {
			for (j = 0; j < n; j++)
				if (strcmp(made[i], seen[j]) == 0)
					break;
			if (j == n)
				fail_msg("depth %d: %s not listed", depth,
				    made[i]);
		}
	}

	/* A missing queue; NULL is accepted afterwards. */
	errno = 0;
	assert_null(qdir_scan_open("nosuchqueue"));
	assert_int_equal(errno, ENOENT);
	assert_null(qdir_scan_next(NULL));
	assert_null(qdir_scan_close(NULL));

	/* An empty queue. */
	n = scan_all("hold", seen, 80);
	assert_int_equal(n, 0);
	vbuf_free(&id);
	vbuf_free(&why);
}

static void
test_all_queues(void **state)
{
	static const char *want[] = {"maildrop", "incoming", "active",
	    "deferred", "hold", "corrupt", "saved", "defer", "bounce", "trace",
	    "flush", "recycle", "public", "private", "pid"};
	size_t i;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		assert_non_null(qdir_all_queues[i]);
		assert_string_equal(qdir_all_queues[i], want[i]);
	}
	assert_null(qdir_all_queues[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_chdir, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_hashed, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_path, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_path_panics, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_create, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_create_fails, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_recycle, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_recycle_ring, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_move, setup, teardown),
	    cmocka_unit_test(test_ready),
	    cmocka_unit_test_setup_teardown(test_mkdirs, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_scan, setup, teardown),
	    cmocka_unit_test(test_all_queues),
	};

	msg_init("test_qdir", MSG_STDERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
