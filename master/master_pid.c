/*
 * master_pid - the lock and pid file pid/master.pid; see master.h.
 *
 * Implementation notes. The file is opened and write-locked (fcntl)
 * before any endpoint is touched, so a second master on the same queue
 * stops before it could unlink the first one's sockets. The lock lives as
 * long as the master and is not inherited by its children. `sluice
 * status` and `stop` test it with F_GETLK, which takes no lock (so it
 * cannot make a starting master fail) and names the holder's pid; that
 * stays correct when a stale file names a pid that was reused. The pid is
 * written only when the endpoints exist and the children were forked; until
 * then the file is empty. The format is Postfix's: the pid right-aligned in a
 * field of 32 characters, then a newline.
 *
 * Privileges and paths: queue_directory (the working directory) and pid/
 * must belong to the master's own user and be writable by nobody else,
 * else the start is refused; pid/ is opened with O_NOFOLLOW and the file
 * is opened relative to it with O_NOFOLLOW and must be a regular file
 * with one link (util/fsafe), so no link can make a root master create,
 * truncate or remove another file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "master.h"
#include "fsafe.h"
#include "msg.h"
#include "var.h"
#include "vbuf.h"

#define MASTER_PID_DIR "pid"
#define MASTER_PID_NAME "master.pid"
#define MASTER_PID_FILE "pid/master.pid"
#define MASTER_PID_WIDTH 32 /* as Postfix on LP64: sizeof(long) * 4 */

static int master_pid_fd = -1;
static int master_pid_dir = -1;

/* master_pid_safe - is st ours and writable by nobody else? */

static void
master_pid_safe(const struct stat *st, const char *what)
{
	struct vbuf desc = VBUF_INIT;

	if (st->st_uid != geteuid() || (st->st_mode & (S_IWGRP | S_IWOTH)))
		msg_fatal("%s/%s is %s; expected one owned by uid %ld and not "
			  "writable by group or others (run sluice check)",
		    var_queue_directory, what, fsafe_describe(&desc, st),
		    (long)geteuid());
	vbuf_free(&desc);
}

/* master_pid_open - the verified pid/ directory, made if missing */

static int
master_pid_open(void)
{
	struct vbuf why = VBUF_INIT;
	struct stat st;
	int fd;

	if (fstatat(AT_FDCWD, ".", &st, 0) < 0)
		msg_fatal("stat %s: %m", var_queue_directory);
	if (geteuid() == 0)
		master_pid_safe(&st, ".");
	fd = fsafe_opendir(AT_FDCWD, MASTER_PID_DIR, &st, &why);
	if (fd < 0 && errno == ENOENT) {
		vbuf_reset(&why);
		fd = fsafe_mkdir(AT_FDCWD, MASTER_PID_DIR, 0755, (uid_t)-1,
		    (gid_t)-1, &why);
		if (fd >= 0 && fstat(fd, &st) < 0)
			msg_fatal("stat %s: %m", MASTER_PID_DIR);
	}
	if (fd < 0)
		msg_fatal("%s/%s %s", var_queue_directory, MASTER_PID_DIR,
		    vbuf_str(&why));
	master_pid_safe(&st, MASTER_PID_DIR);
	vbuf_free(&why);
	return (fd);
}

/* master_pid_lock - take the lock or die */

void
master_pid_lock(void)
{
	struct vbuf why = VBUF_INIT;
	struct flock lock;
	struct stat st;

	master_pid_dir = master_pid_open();
	master_pid_fd = fsafe_open(master_pid_dir, MASTER_PID_NAME,
	    O_RDWR | O_CREAT, 0644, &st, &why);
	if (master_pid_fd < 0)
		msg_fatal("%s/%s %s", var_queue_directory, MASTER_PID_FILE,
		    vbuf_str(&why));
	master_pid_safe(&st, MASTER_PID_FILE);
	vbuf_free(&why);
	memset(&lock, 0, sizeof(lock));
	lock.l_type = F_WRLCK;
	lock.l_whence = SEEK_SET;
	if (fcntl(master_pid_fd, F_SETLK, &lock) < 0) {
		if (errno == EAGAIN || errno == EACCES)
			msg_fatal("the %s mail system is already running",
			    master_mail_name());
		msg_fatal("lock %s: %m", MASTER_PID_FILE);
	}
	if (ftruncate(master_pid_fd, 0) < 0)
		msg_fatal("truncate %s: %m", MASTER_PID_FILE);
}

/* master_pid_write - record our pid */

void
master_pid_write(void)
{
	char buf[MASTER_PID_WIDTH + 2];
	int len;

	len = snprintf(buf, sizeof(buf), "%*lu\n", MASTER_PID_WIDTH,
	    (unsigned long)getpid());
	if (ftruncate(master_pid_fd, 0) < 0 ||
	    pwrite(master_pid_fd, buf, (size_t)len, 0) != len)
		msg_fatal("write %s: %m", MASTER_PID_FILE);
}

/* master_pid_remove - the master is leaving */

void
master_pid_remove(void)
{
	if (master_pid_fd >= 0)
		(void)unlinkat(master_pid_dir, MASTER_PID_NAME, 0);
}
