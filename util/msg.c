/*
 * msg - diagnostics; see msg.h.
 * The maillog_file writer formats the whole line and appends it with a
 * single write(2) on an O_APPEND descriptor, so lines from several
 * processes never interleave. The file is reopened when its inode changes
 * (log rotation by rename); the name is looked at again only when the
 * second has changed since the last look, so a busy daemon makes one
 * stat(2) a second rather than one a line, and a line written after a
 * rotation goes to the renamed file only within the second of the
 * rotation ("sluice logrotate" waits a second before it compresses). The text
 * is made printable once, right after formatting, so stderr, syslog,
 * maillog_file and the fatal hook all see the same safe line.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <pthread.h>

#include "msg.h"
#include "printable.h"

#define MSG_TEXT_LIMIT 2000

int msg_verbose;

static char msg_progname[64] = "sluice";
static int msg_flags;
static int msg_status = 1;
static void (*msg_cleanup_fn)(void);
static void (*msg_hook_fn)(const char *);
static int msg_error_count;

static enum { DEST_NONE, DEST_SYSLOG, DEST_FILE } msg_dest = DEST_NONE;
static char msg_ident[128]; /* syslog_name/prog */
static char msg_host[64];
static char msg_path[1024];
static int msg_fd = -1;
static int msg_facility = LOG_MAIL;
static dev_t msg_dev;
static ino_t msg_ino;
static time_t msg_looked; /* when msg_path was last compared */
static pid_t msg_cached_pid;

/* msg_forked - a child process logs its own process ID */

static void
msg_forked(void)
{
	msg_cached_pid = 0;
}

/* msg_pid - getpid() once per process */

pid_t
msg_pid(void)
{
	static int registered;

	if (msg_cached_pid == 0) {
		if (!registered && pthread_atfork(0, 0, msg_forked) == 0)
			registered = 1;
		msg_cached_pid = getpid();
	}
	return (msg_cached_pid);
}

void
msg_init(const char *prog, int flags)
{
	snprintf(msg_progname, sizeof(msg_progname), "%s", prog);
	msg_flags = flags;
}

const char *
msg_prog(void)
{
	return msg_progname;
}

void
msg_fatal_status(int status)
{
	msg_status = status;
}
void
msg_cleanup(void (*fn)(void))
{
	msg_cleanup_fn = fn;
}
void
msg_fatal_hook(void (*fn)(const char *))
{
	msg_hook_fn = fn;
}

/*
 * msg_file_open - (re)open maillog_file. A root master opens it too, so a
 * link planted at its name is not followed and only a regular file with
 * one link is written (a /dev/ name such as /dev/stdout is a link by
 * design and is opened as it is).
 */
static void
msg_file_open(void)
{
	struct stat st;
	int dev = strncmp(msg_path, "/dev/", 5) == 0;
	int fd;

	fd = open(msg_path,
	    O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
		(dev ? 0 : O_NOFOLLOW | O_NONBLOCK | O_NOCTTY),
	    0600);
	if (fd >= 0 &&
	    (fstat(fd, &st) < 0 ||
		(!dev && (!S_ISREG(st.st_mode) || st.st_nlink != 1)))) {
		close(fd);
		fd = -1;
	}
	/*
	 * After a rotation by rename, a daemon running as mail_owner may not
	 * be allowed to create the new file: until someone has, it keeps
	 * writing to the file it has open (the renamed one), so no line is
	 * lost.
	 */
	if (fd < 0)
		return;
	if (msg_fd >= 0)
		close(msg_fd);
	msg_fd = fd;
	msg_dev = st.st_dev;
	msg_ino = st.st_ino;
}

/* syslog facility names, as Postfix accepts them in syslog_facility */

int
msg_syslog_facility(const char *name)
{
	static const struct {
		const char *name;
		int code;
	} map[] = {{"auth", LOG_AUTH}, {"authpriv", LOG_AUTHPRIV},
	    {"cron", LOG_CRON}, {"daemon", LOG_DAEMON}, {"ftp", LOG_FTP},
	    {"kern", LOG_KERN}, {"lpr", LOG_LPR}, {"mail", LOG_MAIL},
	    {"news", LOG_NEWS}, {"syslog", LOG_SYSLOG}, {"user", LOG_USER},
	    {"uucp", LOG_UUCP}, {"local0", LOG_LOCAL0}, {"local1", LOG_LOCAL1},
	    {"local2", LOG_LOCAL2}, {"local3", LOG_LOCAL3},
	    {"local4", LOG_LOCAL4}, {"local5", LOG_LOCAL5},
	    {"local6", LOG_LOCAL6}, {"local7", LOG_LOCAL7}};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcasecmp(name, map[i].name) == 0) {
			msg_facility = map[i].code;
			return (0);
		}
	return (-1);
}

void
msg_log_open(const char *syslog_name, const char *maillog_file,
    const char *myhostname)
{
	const char *base = strrchr(msg_progname, '/');
	base = base ? base + 1 : msg_progname;
	snprintf(msg_ident, sizeof(msg_ident), "%s/%s", syslog_name, base);
	snprintf(msg_host, sizeof(msg_host), "%.*s",
	    (int)strcspn(myhostname, "."), myhostname);
	if (msg_dest == DEST_SYSLOG)
		closelog();
	if (msg_fd >= 0) {
		close(msg_fd);
		msg_fd = -1;
	}
	if (maillog_file == NULL || *maillog_file == 0) {
		openlog(msg_ident, LOG_NDELAY | LOG_PID, msg_facility);
		msg_dest = DEST_SYSLOG;
	} else {
		snprintf(msg_path, sizeof(msg_path), "%s", maillog_file);
		msg_dest = DEST_FILE;
		msg_file_open();
	}
	msg_flags &= ~MSG_NOLOG;
}

static void
msg_to_file(const char *prefix, const char *text)
{
	struct stat st;
	char line[MSG_TEXT_LIMIT + 512];
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;

	if ((msg_path[0] != '/' || strncmp(msg_path, "/dev/", 5) != 0) &&
	    (now != msg_looked || msg_fd < 0)) {
		msg_looked = now;
		if (stat(msg_path, &st) != 0 || st.st_ino != msg_ino ||
		    st.st_dev != msg_dev)
			msg_file_open();
	}
	if (msg_fd < 0)
		return;
	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%b %d %H:%M:%S", &tm);
	int n = snprintf(line, sizeof(line), "%s %s %s[%ld]: %s%s\n", stamp,
	    msg_host, msg_ident, (long)msg_pid(), prefix, text);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line)) {
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	ssize_t w = write(msg_fd, line, (size_t)n);
	(void)w;
}

static void
msg_vlog(int prio, const char *prefix, const char *fmt, va_list ap)
{
	int saved = errno;
	char text[MSG_TEXT_LIMIT + 1];

	errno = saved;
	vsnprintf(text, sizeof(text), fmt, ap);
	printable(text, '?');
	if (msg_flags & MSG_STDERR) {
		fprintf(stderr, "%s: %s%s\n", msg_progname, prefix, text);
		fflush(stderr);
	}
	if (!(msg_flags & MSG_NOLOG)) {
		if (msg_dest == DEST_SYSLOG)
			syslog(prio, "%s%s", prefix, text);
		else if (msg_dest == DEST_FILE)
			msg_to_file(prefix, text);
	}
	if (msg_hook_fn && (prio == LOG_CRIT || prio == LOG_ALERT)) {
		msg_hook_fn(text);
	}
	errno = saved;
}

#define MSG_BODY(prio, prefix)                                                 \
	do {                                                                   \
		va_list ap;                                                    \
		va_start(ap, fmt);                                             \
		msg_vlog(prio, prefix, fmt, ap);                               \
		va_end(ap);                                                    \
	} while (0)

void
msg_info(const char *fmt, ...)
{
	MSG_BODY(LOG_INFO, "");
}
void
msg_warn(const char *fmt, ...)
{
	MSG_BODY(LOG_WARNING, "warning: ");
}

void
msg_error(const char *fmt, ...)
{
	MSG_BODY(LOG_ERR, "error: ");
	if (++msg_error_count >= 13)
		msg_fatal("too many errors - program terminated");
}

void
msg_fatal(const char *fmt, ...)
{
	static int reentered;
	if (msg_hook_fn || reentered++ == 0) {
		MSG_BODY(LOG_CRIT, "fatal: ");
		if (msg_cleanup_fn)
			msg_cleanup_fn();
	}
	exit(msg_status);
}

void
msg_panic(const char *fmt, ...)
{
	MSG_BODY(LOG_ALERT, "panic: ");
	abort();
}
