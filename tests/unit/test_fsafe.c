/* Unit tests for util/fsafe: no link followed, links replaced, not used. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <cmocka.h>

#include "fsafe.h"
#include "vbuf.h"

struct fx {
	char top[64];
	char target[128];
	int dfd;
};

static int
fx_setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	int fd;

	snprintf(fx->top, sizeof(fx->top), "/tmp/test_fsafe.XXXXXX");
	if (mkdtemp(fx->top) == NULL)
		return (-1);
	snprintf(fx->target, sizeof(fx->target), "%s/target", fx->top);
	if ((fd = open(fx->target, O_WRONLY | O_CREAT, 0600)) < 0 ||
	    write(fd, "secret", 6) != 6)
		return (-1);
	close(fd);
	if ((fx->dfd = open(fx->top, O_RDONLY | O_DIRECTORY)) < 0)
		return (-1);
	*state = fx;
	return (0);
}

static int
fx_teardown(void **state)
{
	struct fx *fx = *state;
	char cmd[128];

	close(fx->dfd);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", fx->top);
	if (system(cmd) != 0)
		return (-1);
	free(fx);
	return (0);
}

/* The target keeps its mode and contents. */
static void
assert_target_intact(struct fx *fx)
{
	struct stat st;
	char buf[16];
	int fd;

	assert_int_equal(stat(fx->target, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_size, 6);
	fd = open(fx->target, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, buf, sizeof(buf)), 6);
	assert_memory_equal(buf, "secret", 6);
	close(fd);
}

/* Names in the directory, "." and ".." aside. */
static int
entries(struct fx *fx)
{
	struct dirent *de;
	DIR *dp = opendir(fx->top);
	int n = 0;

	assert_non_null(dp);
	while ((de = readdir(dp)) != NULL)
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(dp);
	return (n);
}

static void
test_bind_replaces_a_planted_link(void **state)
{
	struct fx *fx = *state;
	struct vbuf why = VBUF_INIT;
	struct sockaddr_un sun;
	struct stat st;
	int s, c;

	assert_int_equal(symlinkat(fx->target, fx->dfd, "sock"), 0);
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(fsafe_bind(fx->dfd, "sock", s, 0600, &why), 0);
	assert_int_equal(listen(s, 1), 0);
	assert_int_equal(fstatat(fx->dfd, "sock", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_target_intact(fx);

	/* Reachable under the real name; no temporary name is left. */
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/sock", fx->top);
	c = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(connect(c, (struct sockaddr *)&sun, sizeof(sun)), 0);
	close(c);
	close(s);
	assert_int_equal(entries(fx), 2); /* sock and target */
	vbuf_free(&why);
}

static void
test_mkfifo_replaces_a_planted_link(void **state)
{
	struct fx *fx = *state;
	struct vbuf why = VBUF_INIT;
	struct stat st;
	int fd;

	assert_int_equal(symlinkat(fx->target, fx->dfd, "fifo"), 0);
	fd = fsafe_mkfifo(fx->dfd, "fifo", 0622, &why);
	assert_true(fd >= 0);
	assert_int_equal(fstatat(fx->dfd, "fifo", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISFIFO(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0622);
	assert_int_equal(write(fd, "W", 1), 1);
	close(fd);
	assert_int_equal(entries(fx), 2); /* fifo and target */
	assert_target_intact(fx);
	vbuf_free(&why);
}

static void
test_open_refuses_links(void **state)
{
	struct fx *fx = *state;
	struct vbuf why = VBUF_INIT;
	struct stat st;
	char expect[256];
	int fd;

	assert_int_equal(symlinkat(fx->target, fx->dfd, "log"), 0);
	fd = fsafe_open(fx->dfd, "log", O_WRONLY | O_APPEND | O_CREAT, 0600,
	    &st, &why);
	assert_int_equal(fd, -1);
	snprintf(expect, sizeof(expect), "is a symbolic link to %s",
	    fx->target);
	assert_string_equal(vbuf_str(&why), expect);

	vbuf_reset(&why);
	assert_int_equal(linkat(fx->dfd, "target", fx->dfd, "hard", 0), 0);
	fd = fsafe_open(fx->dfd, "hard", O_WRONLY | O_APPEND, 0, &st, &why);
	assert_int_equal(fd, -1);
	assert_non_null(strstr(vbuf_str(&why), "has 2 hard links"));

	vbuf_reset(&why);
	fd = fsafe_open(fx->dfd, "new", O_WRONLY | O_CREAT, 0600, &st, &why);
	assert_true(fd >= 0);
	assert_true(S_ISREG(st.st_mode));
	close(fd);
	assert_target_intact(fx);
	vbuf_free(&why);
}

static void
test_opendir_and_mkdir(void **state)
{
	struct fx *fx = *state;
	struct vbuf why = VBUF_INIT;
	struct stat st;
	int fd;

	assert_int_equal(symlinkat("/etc", fx->dfd, "deferred"), 0);
	fd = fsafe_opendir(fx->dfd, "deferred", &st, &why);
	assert_int_equal(fd, -1);
	assert_string_equal(vbuf_str(&why), "is a symbolic link to /etc");

	vbuf_reset(&why);
	fd = fsafe_opendir(fx->dfd, "target", &st, &why);
	assert_int_equal(fd, -1);
	assert_string_equal(vbuf_str(&why), "is a regular file");

	vbuf_reset(&why);
	fd =
	    fsafe_mkdir(fx->dfd, "maildrop", 01730, (uid_t)-1, (gid_t)-1, &why);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 01730);
	close(fd);
	assert_int_equal(fsafe_mkdir(fx->dfd, "deferred", 0700, (uid_t)-1,
			     (gid_t)-1, &why),
	    -1);
	assert_int_equal(errno, EEXIST);
	vbuf_free(&why);
}

/* As root: what is made under another identity is born that account's,
 * and a link leads only where that account may go. */
static void
test_become(void **state)
{
	struct fx *fx = *state;
	struct vbuf why = VBUF_INIT;
	struct stat st;
	int s, fd;

	if (geteuid() != 0) {
		skip();
		return;
	}
	assert_int_equal(fchown(fx->dfd, 65534, 65534), 0);
	assert_int_equal(fsafe_become(65534, 65534), 0);
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(fsafe_bind(fx->dfd, "sock", s, 0666, &why), 0);
	/* root's 0600 file is out of reach through a link */
	assert_int_equal(symlinkat(fx->target, fx->dfd, "link"), 0);
	assert_int_equal(openat(fx->dfd, "link", O_RDONLY), -1);
	assert_int_equal(errno, EACCES);
	fsafe_restore();
	assert_int_equal(fstatat(fx->dfd, "sock", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(st.st_uid, 65534);
	assert_int_equal(st.st_gid, 65534);
	assert_int_equal(st.st_mode & 0777, 0666);
	/* root again */
	fd = openat(fx->dfd, "target", O_RDONLY);
	assert_true(fd >= 0);
	close(fd);
	close(s);
	assert_target_intact(fx);
	vbuf_free(&why);
}

static void
test_describe(void **state)
{
	struct vbuf out = VBUF_INIT;
	struct stat st;

	memset(&st, 0, sizeof(st));
	st.st_mode = S_IFDIR | 01730;
	st.st_uid = 0;
	st.st_gid = 0;
	assert_string_equal(fsafe_describe(&out, &st),
	    "a directory owned by root:root, mode 1730");
	assert_string_equal(fsafe_type(S_IFLNK), "symbolic link");
	vbuf_free(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_bind_replaces_a_planted_link,
		fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_mkfifo_replaces_a_planted_link,
		fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_open_refuses_links, fx_setup,
		fx_teardown),
	    cmocka_unit_test_setup_teardown(test_opendir_and_mkdir, fx_setup,
		fx_teardown),
	    cmocka_unit_test_setup_teardown(test_become, fx_setup, fx_teardown),
	    cmocka_unit_test(test_describe),
	};
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
