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
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "master.h"
#include "msg.h"

#define MASTER_PID_DIR "pid"
#define MASTER_PID_FILE "pid/master.pid"
#define MASTER_PID_WIDTH 32 /* as Postfix on LP64: sizeof(long) * 4 */

static int master_pid_fd = -1;

/* master_pid_lock - take the lock or die */

void
master_pid_lock(void)
{
	struct flock lock;

	if (mkdir(MASTER_PID_DIR, 0755) < 0 && errno != EEXIST)
		msg_fatal("mkdir %s: %m", MASTER_PID_DIR);
	master_pid_fd =
	    open(MASTER_PID_FILE, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (master_pid_fd < 0)
		msg_fatal("open %s: %m", MASTER_PID_FILE);
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
		(void)unlink(MASTER_PID_FILE);
}
