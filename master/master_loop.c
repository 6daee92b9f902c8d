/*
 * master_loop - start-up, signals, reload and shutdown; see master.h.
 *
 * Implementation notes. Signals arrive through libevent (evsignal), so
 * every handler runs in the loop, never inside a signal handler.
 *
 * Reload first proves the new configuration in a short-lived child
 * (param_load() and master_conf_build() are fatal or return errors on bad
 * input, and the master must survive a bad edit): only if that child
 * exits 0 does the master re-read main.cf and master.cf itself. The child
 * is waited for synchronously; it only reads two files and has an alarm.
 *
 * Shutdown sends SIGTERM to every child and waits for them in the loop;
 * MASTER_KILL_DELAY seconds later the stragglers get SIGKILL. Abort
 * (SIGQUIT) sends SIGKILL at once. Either way the pid file is removed
 * before the master exits, and the lock goes with the process.
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

#include <event2/event.h>

#include "master.h"
#include "mem.h"
#include "msg.h"
#include "param.h"
#include "pcheck.h"
#include "qdir.h"

#define MASTER_REAP_WAIT 3 /* seconds to collect SIGKILLed children */

struct event_base *master_base;
int master_foreground;
int master_terminating;
const char *master_config_dir;

static struct event *master_kill_ev;

/* master_cf_path - $config_directory/master.cf */

static char *
master_cf_path(void)
{
	struct vbuf buf = VBUF_INIT;

	vbuf_printf(&buf, "%s/master.cf", master_config_dir);
	return (vbuf_export(&buf));
}

/* master_finish - every child is gone: leave */

static void
master_finish(void)
{
	master_pid_remove();
	exit(0);
}

/* master_wait_all - collect SIGKILLed children, bounded */

static void
master_wait_all(void)
{
	struct timespec ts = {0, 10 * 1000 * 1000};
	int n;

	for (n = 0; n < MASTER_REAP_WAIT * 100 && master_children() > 0; n++) {
		master_reap();
		if (master_children() > 0)
			nanosleep(&ts, NULL);
	}
}

/* master_kill_event - shutdown deadline: kill what is left */

static void
master_kill_event(evutil_socket_t unused, short what, void *ctx)
{
	if (master_children() > 0) {
		msg_warn("%d process(es) did not stop in %d seconds; sending "
			 "SIGKILL",
		    master_children(), MASTER_KILL_DELAY);
		master_signal_children(SIGKILL);
		master_wait_all();
	}
	master_finish();
}

/* master_timer_arm - make *evp on first use, then (re)arm it for seconds */

void
master_timer_arm(struct event **evp, short flags, event_callback_fn cb,
    void *arg, long seconds)
{
	struct timeval tv;

	if (*evp == NULL)
		*evp = event_new(master_base, -1, flags, cb, arg);
	tv.tv_sec = seconds;
	tv.tv_usec = 0;
	event_add(*evp, &tv);
}

/* master_timer_stop - disarm a timer made by master_timer_arm(), if any */

void
master_timer_stop(struct event *ev)
{
	if (ev != NULL)
		event_del(ev);
}

/* master_terminate - stop everything (SIGTERM, SIGINT) or abort (SIGQUIT) */

void
master_terminate(int sig)
{
	struct master_serv *s;
	int i;

	if (master_terminating && sig != SIGQUIT)
		return;
	msg_info("terminating on signal %d", sig);
	master_terminating = 1;
	for (s = master_services; s; s = s->next) {
		master_wakeup_stop(s);
		for (i = 0; i < s->nslot; i++)
			master_slot_cancel(&s->slots[i]);
	}
	if (sig == SIGQUIT) {
		master_signal_children(SIGKILL);
		master_wait_all();
		master_finish();
	}
	master_signal_children(SIGTERM);
	if (master_children() == 0)
		master_finish();
	master_timer_arm(&master_kill_ev, 0, master_kill_event, NULL,
	    MASTER_KILL_DELAY);
}

/* master_conf_ok - does the new configuration load? (in a child) */

static int
master_conf_ok(void)
{
	struct master_serv *list;
	struct vbuf why = VBUF_INIT;
	sigset_t all, old;
	char *path;
	pid_t pid;
	int status;

	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	pid = fork();
	if (pid == 0) {
		master_child_signals();
		alarm(10);
		param_load(master_config_dir);
		master_param_init();
		master_conf_quiet = 1;
		path = master_cf_path();
		if ((list = master_conf_build(path, &why)) == NULL &&
		    why.len > 0)
			msg_fatal("%s", vbuf_str(&why));
		/* The check sluice reload and sluice check run (util/pcheck),
		 * so a SIGHUP from elsewhere is refused the same way. */
		if (pcheck_config(PCHECK_FILES) +
			pcheck_master_cf(path, PCHECK_FILES) >
		    0)
			_exit(1);
		_exit(0);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (pid < 0) {
		msg_warn("fork: %m");
		return (0);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return (0);
	return (WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* master_reload - SIGHUP: re-read main.cf and master.cf */

void
master_reload(void)
{
	struct master_serv *list;
	struct vbuf why = VBUF_INIT;
	char *path;

	if (master_terminating)
		return;
	if (!master_conf_ok()) {
		msg_warn("reload failed: configuration error in %s; keeping "
			 "the running configuration",
		    master_config_dir);
		return;
	}
	param_load(master_config_dir);
	master_param_init();
	param_log_open();
	msg_info("reload -- version %s, configuration %s", master_version(),
	    master_config_dir);
	path = master_cf_path();
	list = master_conf_build(path, &why);
	if (list == NULL && why.len > 0) {
		msg_warn("%s; keeping the running services", vbuf_str(&why));
	} else {
		master_conf_apply(list, 0);
	}
	mem_free(path);
	vbuf_free(&why);
}

/* master_sig_event - a signal, delivered by the loop */

static void
master_sig_event(evutil_socket_t sig, short what, void *ctx)
{
	switch (sig) {
	case SIGCHLD:
		master_reap();
		if (master_terminating && master_children() == 0)
			master_finish();
		break;
	case SIGHUP:
		master_reload();
		break;
	case SIGTERM:
	case SIGINT:
	case SIGQUIT:
		master_terminate((int)sig);
		break;
	}
}

/* master_sig_init - route the signals the master cares about */

void
master_sig_init(void)
{
	static const int sigs[] = {SIGCHLD, SIGHUP, SIGTERM, SIGINT, SIGQUIT};
	struct event *ev;
	size_t i;

	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		ev = evsignal_new(master_base, sigs[i], master_sig_event, NULL);
		if (ev == NULL || evsignal_add(ev, NULL) < 0)
			msg_fatal("cannot handle signal %d", sigs[i]);
	}
}

/* master_run - from a loaded main.cf to the event loop */

int
master_run(int ready_fd)
{
	struct master_serv *list;
	struct vbuf why = VBUF_INIT;
	char *path;
	int null;

	master_config_dir = mem_strdup(param_config_dir());
	qdir_chdir();
	master_pid_lock();
	if ((master_base = event_base_new()) == NULL)
		msg_fatal("cannot create the event loop");
	master_sig_init();
	master_status_init();
	path = master_cf_path();
	if ((list = master_conf_build(path, &why)) == NULL && why.len > 0)
		msg_fatal("%s", vbuf_str(&why));
	mem_free(path);
	vbuf_free(&why);
	msg_info("daemon started -- version %s, configuration %s",
	    master_version(), master_config_dir);
	master_conf_apply(list, 1);
	master_pid_write();

	/* Initialization is done: release `master -w` and the terminal. */
	if (ready_fd >= 0) {
		if (write(ready_fd, "R", 1) != 1)
			msg_warn("cannot notify the parent: %m");
		close(ready_fd);
	}
	if (!master_foreground) {
		if ((null = open("/dev/null", O_RDWR)) >= 0) {
			(void)dup2(null, 2);
			if (null > 2)
				close(null);
		}
		msg_fatal_hook(NULL);
	}
	event_base_dispatch(master_base);
	msg_fatal("event loop ended unexpectedly");
}
