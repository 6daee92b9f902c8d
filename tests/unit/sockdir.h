/*
 * sockdir.h - a scratch queue_directory for the socket tests (test_ipc,
 * test_server); header-only, include it after cmocka.h.
 *
 *	int    sockdir_setup(void **state);
 *	int    sockdir_teardown(void **state);
 *	int    sockdir_listen(const char *path, int backlog);
 *	size_t sockdir_read_all(int fd, char *buf, size_t max);
 *
 * sockdir_setup() (a cmocka group fixture) makes /tmp/test_sockdir.XXXXXX
 * with public/ and private/ in it, makes it the working directory and
 * ignores SIGPIPE; sockdir_teardown() goes back and removes it.
 * sockdir_listen() listens on a UNIX socket at path (replacing a stale
 * one) and returns the descriptor. sockdir_read_all() reads until EOF or
 * max bytes, waiting at most 10 s in all, and returns what it got.
 */
#ifndef SLUICE_TEST_SOCKDIR_H
#define SLUICE_TEST_SOCKDIR_H

#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

static char sockdir_path[] = "/tmp/test_sockdir.XXXXXX";
static char sockdir_oldcwd[4096];

static int
sockdir_setup(void **state)
{
	if (getcwd(sockdir_oldcwd, sizeof(sockdir_oldcwd)) == NULL ||
	    mkdtemp(sockdir_path) == NULL || chdir(sockdir_path) < 0 ||
	    mkdir("public", 0755) < 0 || mkdir("private", 0700) < 0)
		return -1;
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

static int
sockdir_teardown(void **state)
{
	char cmd[256];

	if (chdir(sockdir_oldcwd) < 0)
		return -1;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", sockdir_path);
	return system(cmd) == 0 ? 0 : -1;
}

static int
sockdir_listen(const char *path, int backlog)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	unlink(path);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(fd, backlog), 0);
	return fd;
}

static size_t
sockdir_read_all(int fd, char *buf, size_t max)
{
	size_t len = 0;

	for (int i = 0; i < 100 && len < max; i++) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, 100) <= 0)
			continue;
		ssize_t n = read(fd, buf + len, max - len);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	return len;
}

#endif
