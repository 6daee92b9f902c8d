/*
 * sluice_logrotate - "sluice logrotate"; see sluice.h.
 *
 * Implementation notes. As Postfix 3.4's "postfix logrotate": the three
 * parameters must not be empty, a device is not rotated, maillog_file is
 * renamed to maillog_file.SUFFIX (maillog_file_rotate_suffix, a
 * strftime(3) format, local time), and after a second the renamed file
 * is compressed with maillog_file_compressor (run as "PROGRAM FILE").
 * Postfix then signals the master so that postlogd reopens the file; no
 * signal is needed here: every sluice process reopens maillog_file by
 * itself once its inode has changed (util/msg looks once a second), so
 * lines go to the renamed file at most until the end of the second of
 * the rename, before the compressor starts, and then to a new file. The
 * daemons, running as mail_owner, may not be allowed to create that file, so
 * the new file is made here first, with the old one's owner and mode, and
 * swapped in atomically (renameat2 RENAME_EXCHANGE): no line is written while
 * maillog_file is missing. Any failure is "logfile 'FILE' rotation failed:
 * WHY".
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "sluice.h"
#include "msg.h"
#include "param.h"
#include "vbuf.h"

/* sluice_compress - run the compressor on path; 0, or -1 with why */

static int
sluice_compress(const char *prog, const char *path, struct vbuf *why)
{
	pid_t pid;
	int status;

	if ((pid = fork()) < 0) {
		vbuf_printf(why, "fork: %s", strerror(errno));
		return (-1);
	}
	if (pid == 0) {
		execlp(prog, prog, path, (char *)NULL);
		fprintf(stderr, "%s: %s\n", prog, strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			vbuf_printf(why, "waitpid: %s", strerror(errno));
			return (-1);
		}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		vbuf_printf(why, "%s %s: exit status %d", prog, path,
		    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return (-1);
	}
	return (0);
}

/*
 * sluice_swap - move file to newname, leaving an empty file with the same
 * owner and mode at file; 0, or -1 with why.
 */
static int
sluice_swap(const char *file, const char *newname, struct vbuf *why)
{
	struct stat st;
	int fd;

	if (lstat(file, &st) < 0) {
		vbuf_printf(why, "%s: %s", file, strerror(errno));
		return (-1);
	}
	if (!S_ISREG(st.st_mode)) {
		vbuf_printf(why, "%s: not a regular file", file);
		return (-1);
	}
	fd = open(newname, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd < 0) {
		vbuf_printf(why, "create %s: %s", newname, strerror(errno));
		return (-1);
	}
	if (fchown(fd, st.st_uid, st.st_gid) < 0 && geteuid() == 0)
		vbuf_printf(why, "chown %s: %s", newname, strerror(errno));
	else if (fchmod(fd, st.st_mode & 07777) < 0)
		vbuf_printf(why, "chmod %s: %s", newname, strerror(errno));
	(void)close(fd);
	if (why->len == 0 &&
	    renameat2(AT_FDCWD, file, AT_FDCWD, newname, RENAME_EXCHANGE) < 0)
		vbuf_printf(why, "exchange %s and %s: %s", file, newname,
		    strerror(errno));
	if (why->len > 0) {
		(void)unlink(newname);
		return (-1);
	}
	return (0);
}

int
sluice_logrotate(void)
{
	static const char *const names[] = {"maillog_file",
	    "maillog_file_compressor", "maillog_file_rotate_suffix", NULL};
	struct vbuf why = VBUF_INIT, newname = VBUF_INIT;
	const char *file, *prog, *fmt;
	char suffix[256];
	struct tm tm;
	time_t now = time(NULL);
	int i;

	for (i = 0; names[i] != NULL; i++)
		if (*param_str(names[i]) == 0)
			msg_fatal("empty '%s' parameter value - logfile "
				  "rotation failed",
			    names[i]);
	file = param_str("maillog_file");
	prog = param_str("maillog_file_compressor");
	fmt = param_str("maillog_file_rotate_suffix");
	if (strncmp(file, "/dev/", 5) == 0)
		msg_fatal("not rotating '%s'", file);
	localtime_r(&now, &tm);
	if (strftime(suffix, sizeof(suffix), fmt, &tm) == 0)
		vbuf_printf(&why, "bad maillog_file_rotate_suffix: %s", fmt);
	vbuf_printf(&newname, "%s.%s", file, suffix);
	if (why.len == 0)
		(void)sluice_swap(file, vbuf_str(&newname), &why);
	if (why.len == 0) {
		sleep(1); /* let writers notice the new file first */
		(void)sluice_compress(prog, vbuf_str(&newname), &why);
	}
	if (why.len > 0)
		msg_fatal("logfile '%s' rotation failed: %s", file,
		    vbuf_str(&why));
	vbuf_free(&why);
	vbuf_free(&newname);
	return (0);
}
