/*
 * NAME
 *	master - sluice's resident supervisor
 * SYNOPSIS
 *	master [-c config_dir] [-d] [-w] [-v]
 * DESCRIPTION
 *	The master reads main.cf and master.cf, creates the endpoint of
 *	every service, starts one child process per endpoint (at once or
 *	on demand: below), restarts children that exit, sends periodic
 *	wake-up triggers, and stops everything on request. It is
 *	normally started and stopped by the sluice(1) command (`sluice
 *	start`, `stop`, `reload`, ...), never by hand.
 *
 *	Each master.cf entry (Postfix's eight columns) that is not named in
 *	master_service_disable and whose program exists in daemon_directory
 *	becomes a service. Its endpoint is:
 *	  unix	a UNIX stream socket public/NAME (mode 0666 inside the 0710
 *		public directory) or private/NAME (mode 0600);
 *	  fifo	a named pipe public/NAME or private/NAME (mode 0622);
 *	  inet	a TCP socket for "port", "host:port" or "[address]:port";
 *		a bare port listens on every address of inet_interfaces
 *		("all", "loopback-only" or a list) for inet_protocols.
 *	unix-dgram and pass entries are not supported and are skipped with a
 *	warning, as is an entry whose program does not exist yet (one
 *	warning per start or reload, no restart loop).
 *
 *	The child runs daemon_directory/COMMAND with its endpoint on file
 *	descriptor 3 and the arguments
 *	    COMMAND -c CONFIG_DIR -n SERVICE -t TYPE [entry arguments]
 *	(entry arguments are the rest of the master.cf line, e.g.
 *	"-o name=value"). sluice's daemons are event driven and serve many
 *	clients at once, so one process per endpoint is the rule.
 *
 *	On demand. As with Postfix's master, a service whose wakeup column
 *	is a plain "N" (qmgr and pickup, which must scan the queue and the
 *	maildrop at start; Postfix's master wakes such a service at start)
 *	gets its process at once. Every other service (smtpd, cleanup,
 *	smtp, relay, bounce, showq, flush with its "1000?"...) gets none
 *	until its endpoint becomes readable: a client connects, or a
 *	trigger arrives. The master watches the endpoint (never accepting
 *	or reading there itself), forks the process when it is readable,
 *	and stops watching while the endpoint has a process; the process
 *	then accepts or reads as usual. Once the endpoint has no process
 *	again (a crash, a reload), the master watches it again. So an
 *	unused service costs no process.
 *
 *	smtpd, smtp and cleanup may run several (their state is per
 *	connection and every queue file they create has a name no other
 *	process can have): up to min(maxproc, online CPUs, 16) processes
 *	share the endpoint, maxproc "-" meaning default_process_limit and
 *	0 no limit. The first runs as above; the others are started when
 *	a process of the service reports, on the status pipe (fd 4), that
 *	it serves two clients at once.
 *	Every other daemon (qmgr and pickup keep the queue in memory) runs
 *	one process whatever maxproc says.
 *	The unpriv column is not used: when started as root, the master
 *	stays root and every child drops to mail_owner itself. chroot is
 *	not supported: sluice check (and so start and reload) refuses it;
 *	a master started otherwise logs a warning and runs without it.
 *
 *	A child that exits is restarted at once (a service started at
 *	once, or a copy beside other running processes of its endpoint),
 *	else when its endpoint is next readable (a client already waiting
 *	starts it at once). If a restarted child exits again within 10
 *	seconds of its start, it is throttled: started (or watched) again
 *	after service_throttle_time (logged once per service). An
 *	exit with a non-zero status or by a signal is always logged.
 *
 *	Every wakeup seconds the master writes the trigger "W" to the
 *	service's endpoint; for the "N?" form only from the service's
 *	first process on (else a wake-up would start an unused service).
 * SIGNALS
 *	SIGHUP	reload: the new main.cf and master.cf are first checked in a
 *		child process, with the checks of sluice check (util/pcheck:
 *		every value, chroot, missing programs, unsupported types;
 *		each problem logged); if they pass, services whose endpoint is
 *		unchanged keep it and their children are restarted with the
 *		new settings (those of a service that may run several
 *		processes get a successor, at once or on demand, and finish
 *		their clients first; a service whose number of processes
 *		shrank drains the surplus ones), removed services are
 *		stopped, new ones started. A bad configuration is logged
 *		and ignored.
 *	SIGTERM, SIGINT
 *		stop: every child gets SIGTERM, those still alive 5 seconds
 *		later SIGKILL; then the pid file is removed and the master
 *		exits with status 0.
 *	SIGQUIT	abort: every child gets SIGKILL at once.
 * OPTIONS
 *	-c config_dir
 *		Read main.cf and master.cf there (else $MAIL_CONFIG, else the
 *		compiled-in default).
 *	-d	Stay in the foreground: keep the terminal and standard
 *		input/output (`sluice start-fg`).
 *	-w	Start in the background and wait: the command returns 0 only
 *		once the master has created every endpoint, started the
 *		children that start at once and written its pid file, 1
 *		if it failed or took more than 10 seconds (`sluice
 *		start`).
 *	-v	Verbose logging.
 * FILES
 *	queue_directory/pid/master.pid: the pid, right-aligned in a field of
 *	32 characters plus a newline, written once the master is up. The
 *	master holds a write lock (fcntl) on it while it runs, so a second
 *	master for the same queue refuses to start ("the sluice mail system
 *	is already running").
 * DIAGNOSTICS
 *	Logged as Postfix's master: "daemon started -- version V,
 *	configuration DIR", "reload -- version V, configuration DIR",
 *	"terminating on signal N", "warning: process PATH pid N exit
 *	status S", "warning: process PATH pid N killed by signal S",
 *	"warning: PATH: bad command startup -- throttling".
 * SECURITY
 *	The master runs with the privileges it was started with (root for
 *	a system instance) because it binds ports and creates the public
 *	and private endpoints; it reads only main.cf and master.cf, talks
 *	to no client, and hands each endpoint only to the children of its
 *	service; from them it reads nothing but pids on the status pipe
 *	(an unknown pid is ignored, a known one can only start the
 *	processes master.cf allows anyway). As
 *	root it never follows a link an unprivileged account could plant:
 *	queue_directory and pid/ must be root's and writable by nobody
 *	else, public/ and private/ mail_owner's; the pid file is opened
 *	without following links; socket and FIFO files are created with
 *	mail_owner's file-system identity (so they are born owned by it,
 *	and no chown or chmod by path follows) under a fresh name renamed
 *	over the real one, and removed and woken up with that identity too
 *	(master_listen.c, util/fsafe).
 * PARAMETERS
 *	daemon_directory, queue_directory, inet_interfaces (all),
 *	inet_protocols (all), master_service_disable (empty),
 *	service_throttle_time (60s), default_process_limit (100),
 *	mail_owner (for endpoint ownership), mail_name, mail_version,
 *	syslog_name, maillog_file.
 * SEE ALSO
 *	sluice(1), server(3) (the children's side), Postfix master(8).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "master.h"
#include "msg.h"
#include "param.h"

#define MASTER_WAIT_INIT 10 /* seconds `master -w` waits for the daemon */

/* master_wait - the -w parent: wait for "R" from the real master */

static int
master_wait(pid_t child, int rfd)
{
	struct pollfd pfd = {.fd = rfd, .events = POLLIN};
	struct timespec t0, t;
	int left, status;
	char c;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		left = MASTER_WAIT_INIT * 1000 -
		    (int)((t.tv_sec - t0.tv_sec) * 1000 +
			(t.tv_nsec - t0.tv_nsec) / 1000000);
		if (left <= 0) {
			(void)kill(child, SIGTERM);
			msg_fatal("daemon initialization timed out");
		}
		if (poll(&pfd, 1, left) < 0) {
			if (errno == EINTR)
				continue;
			msg_fatal("poll: %m");
		}
		if (pfd.revents == 0)
			continue;
		if (read(rfd, &c, 1) == 1 && c == 'R')
			return (0);
		(void)waitpid(child, &status, WNOHANG);
		msg_fatal("daemon initialization failure");
	}
}

/* master_fatal_stderr - until the master is up, fatal errors reach the
 * terminal of `sluice start` too (after being logged) */

static void
master_fatal_stderr(const char *text)
{
	fprintf(stderr, "master: fatal: %s\n", text);
	fflush(stderr);
	exit(1);
}

int
main(int argc, char **argv)
{
	const char *config_dir = NULL;
	char *abs_dir;
	int c, wait_mode = 0, ready_fd = -1, null, p[2];
	pid_t pid;

	/* Descriptors 0-2 must exist so no endpoint lands there. */
	while ((null = open("/dev/null", O_RDWR)) >= 0 && null <= 2)
		;
	if (null > 2)
		close(null);
	msg_init("master", 0);
	msg_fatal_hook(master_fatal_stderr);
	umask(022);
	while ((c = getopt(argc, argv, "c:dwv")) != -1) {
		switch (c) {
		case 'c':
			config_dir = optarg;
			break;
		case 'd':
			master_foreground = 1;
			break;
		case 'w':
			wait_mode = 1;
			break;
		case 'v':
			msg_verbose++;
			break;
		default:
			msg_fatal(
			    "usage: master [-c config_dir] [-d] [-w] [-v]");
		}
	}
	if (optind < argc)
		msg_fatal("usage: master [-c config_dir] [-d] [-w] [-v]");
	if (master_foreground) {
		msg_fatal_hook(NULL);
		msg_init("master", MSG_STDERR);
	}
	if (config_dir != NULL && *config_dir != '/') {
		if ((abs_dir = realpath(config_dir, NULL)) == NULL)
			msg_fatal("%s: %m", config_dir);
		config_dir = abs_dir; /* children run in queue_directory */
	}
	param_load(config_dir);
	master_param_init();
	param_log_open();

	if (wait_mode && !master_foreground) {
		if (pipe2(p, O_CLOEXEC) < 0)
			msg_fatal("pipe: %m");
		if ((pid = fork()) < 0)
			msg_fatal("fork: %m");
		if (pid > 0) {
			close(p[1]);
			exit(master_wait(pid, p[0]));
		}
		close(p[0]);
		ready_fd = p[1];
	}
	if (!master_foreground) {
		if ((null = open("/dev/null", O_RDWR)) >= 0) {
			(void)dup2(null, 0);
			(void)dup2(null, 1);
			if (null > 2)
				close(null);
		}
		(void)setsid();
	}
	return (master_run(ready_fd));
}
