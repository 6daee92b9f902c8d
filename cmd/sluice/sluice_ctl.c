/*
 * sluice_ctl - start, stop, abort, reload, status, flush; see sluice.h.
 *
 * Implementation notes. "Is the master running?" is answered by the
 * write lock the master holds on pid/master.pid (F_GETLK: takes no lock,
 * names the holder), never by kill(pid, 0) on a possibly stale number.
 * start runs `master -w`, which returns only when the master has made
 * every endpoint and started its children (or failed, with the reason on
 * standard error, or timed out after 10 seconds). Every wait here is
 * bounded. The pid file is opened without following a link; flush
 * connects to public/ with mail_owner's file-system identity.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include "sluice.h"
#include "fsafe.h"
#include "mem.h"
#include "msg.h"
#include "param.h"
#include "qdir.h"
#include "server.h"
#include "vbuf.h"

#define SLUICE_STOP_WAIT 30 /* seconds `stop` waits for the master */
#define SLUICE_POLL_MS 100

/* The parameters sluice reads; bound after every param_load(). */
const struct param_var sluice_params[] = {
    PARAM_VAR(command_directory),
    PARAM_VAR(daemon_directory),
    PARAM_VAR(mail_name),
    PARAM_VAR(mail_owner),
    PARAM_VAR(maillog_file),
    PARAM_VAR(queue_directory),
    PARAM_VAR(setgid_group),
    PARAM_VAR(syslog_name),
    PARAM_VAR_END,
};

/* sluice_mail_name - $mail_name, "sluice" if empty */

const char *
sluice_mail_name(void)
{
	return (*var_mail_name ? var_mail_name : "sluice");
}

/* sluice_script_msgs - "SYSLOG_NAME/sluice-script: " on stderr and log */

void
sluice_script_msgs(void)
{
	char prog[128];

	snprintf(prog, sizeof(prog), "%s/sluice-script", var_syslog_name);
	msg_init(prog, MSG_STDERR);
	param_log_open();
}

/* sluice_master_pid - does a master hold the lock? */

int
sluice_master_pid(pid_t *pid)
{
	struct vbuf path = VBUF_INIT;
	struct flock lock;
	int fd;

	vbuf_printf(&path, "%s/pid/master.pid", var_queue_directory);
	fd = open(vbuf_str(&path),
	    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		if (errno != ENOENT)
			msg_fatal("open %s: %m", vbuf_str(&path));
		vbuf_free(&path);
		return (0);
	}
	memset(&lock, 0, sizeof(lock));
	lock.l_type = F_WRLCK;
	lock.l_whence = SEEK_SET;
	if (fcntl(fd, F_GETLK, &lock) < 0)
		msg_fatal("test lock %s: %m", vbuf_str(&path));
	close(fd);
	vbuf_free(&path);
	if (lock.l_type == F_UNLCK)
		return (0);
	*pid = lock.l_pid;
	return (1);
}

/* sluice_sleep_ms - a short pause in a bounded poll loop */

static void
sluice_sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* sluice_alive - pid exists and is not a zombie waiting for its reaper */

static int
sluice_alive(pid_t pid)
{
	char path[64], buf[256], *paren;
	FILE *fp;
	int alive = 1;

	if (kill(pid, 0) < 0 && errno == ESRCH)
		return (0);
	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((fp = fopen(path, "r")) == NULL)
		return (errno != ENOENT);
	if (fgets(buf, sizeof(buf), fp) != NULL &&
	    (paren = strrchr(buf, ')')) != NULL && paren[1] == ' ' &&
	    (paren[2] == 'Z' || paren[2] == 'X'))
		alive = 0;
	fclose(fp);
	return (alive);
}

int
sluice_status(void)
{
	pid_t pid;

	if (!sluice_master_pid(&pid)) {
		msg_info("the %s mail system is not running",
		    sluice_mail_name());
		return (1);
	}
	msg_info("the %s mail system is running: PID: %ld", sluice_mail_name(),
	    (long)pid);
	return (0);
}

int
sluice_start(int foreground)
{
	struct vbuf master = VBUF_INIT;
	const char *argv[6];
	pid_t pid;
	int status, n = 0;

	if (sluice_master_pid(&pid))
		msg_fatal("the %s mail system is already running",
		    sluice_mail_name());
	sluice_check();
	vbuf_printf(&master, "%s/master", var_daemon_directory);
	if (access(vbuf_str(&master), X_OK) < 0)
		msg_fatal("%s: %m (check daemon_directory in %s)",
		    vbuf_str(&master), param_main_cf_path());
	msg_info("starting the %s mail system", sluice_mail_name());

	argv[n++] = "master";
	argv[n++] = "-c";
	argv[n++] = param_config_dir();
	argv[n++] = foreground ? "-d" : "-w";
	if (msg_verbose)
		argv[n++] = "-v";
	argv[n] = NULL;
	fflush(stdout);
	fflush(stderr);
	if (foreground) {
		execv(vbuf_str(&master), (char *const *)argv);
		msg_fatal("execute %s: %m", vbuf_str(&master));
	}
	if ((pid = fork()) < 0)
		msg_fatal("fork: %m");
	if (pid == 0) {
		execv(vbuf_str(&master), (char *const *)argv);
		msg_warn("execute %s: %m", vbuf_str(&master));
		_exit(1);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			msg_fatal("waitpid: %m");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
	    !sluice_master_pid(&pid))
		msg_fatal("mail system startup failed");
	vbuf_free(&master);
	return (0);
}

int
sluice_stop(int abort_)
{
	pid_t pid, now;
	int i;

	if (!sluice_master_pid(&pid))
		msg_fatal("the %s mail system is not running",
		    sluice_mail_name());
	msg_info("%s the %s mail system", abort_ ? "aborting" : "stopping",
	    sluice_mail_name());
	if (kill(pid, abort_ ? SIGQUIT : SIGTERM) < 0)
		msg_fatal("cannot signal the master (pid %ld): %m", (long)pid);
	for (i = 0; i < SLUICE_STOP_WAIT * 1000 / SLUICE_POLL_MS; i++) {
		if (!sluice_master_pid(&now) && !sluice_alive(pid))
			return (0);
		if (i == 1000 / SLUICE_POLL_MS)
			msg_info("waiting for the %s mail system to terminate",
			    sluice_mail_name());
		sluice_sleep_ms(SLUICE_POLL_MS);
	}
	msg_fatal("the %s mail system did not stop within %d seconds "
		  "(master pid %ld)",
	    sluice_mail_name(), SLUICE_STOP_WAIT, (long)pid);
}

int
sluice_reload(void)
{
	pid_t pid;

	if (!sluice_master_pid(&pid))
		msg_fatal("the %s mail system is not running",
		    sluice_mail_name());
	sluice_check();
	msg_info("refreshing the %s mail system", sluice_mail_name());
	if (kill(pid, SIGHUP) < 0)
		msg_fatal("cannot signal the master (pid %ld): %m", (long)pid);
	return (0);
}

int
sluice_flush(void)
{
	struct sluice_ids ids;
	pid_t pid;
	int r;

	if (!sluice_master_pid(&pid))
		msg_fatal("Cannot flush mail queue - mail system is down");
	qdir_chdir();
	/* public/ is mail_owner's: connect with its identity, so a link
	 * planted there reaches nothing mail_owner could not. */
	sluice_ids(&ids);
	if (fsafe_become(ids.uid, ids.gid) < 0)
		msg_fatal("cannot take the identity of mail_owner %s: %m",
		    ids.owner);
	r = trigger_send("public/qmgr", "FADI", 4);
	if (r == 0 && trigger_send("public/pickup", "W", 1) < 0)
		r = 1;
	fsafe_restore();
	if (r < 0)
		msg_fatal("Cannot flush mail queue - mail system is down");
	if (r > 0)
		msg_warn("cannot wake up pickup: %m");
	return (0);
}
