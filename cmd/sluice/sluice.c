/*
 * NAME
 *	sluice - control the sluice mail system
 * SYNOPSIS
 *	sluice [-v] [-c config_dir] command
 *	sluice init [--mail-owner USER] DIR [PORT]
 * DESCRIPTION
 *	sluice plays the part of Postfix's postfix(1) command. Commands:
 *
 *	init [--mail-owner USER] DIR [PORT]
 *		Create a self-contained unprivileged instance in DIR (made if
 *		missing): DIR/main.cf (conf/main.cf plus queue_directory =
 *		DIR/queue, maillog_file = DIR/log/maillog, inet_interfaces =
 *		127.0.0.1, empty mydestination, mynetworks = 127.0.0.0/8,
 *		daemon_directory and command_directory = the directory of
 *		this sluice binary, mail_owner = the invoking user unless
 *		root; as root, USER or the default "sluice", which must
 *		exist, as must the group "postdrop": init names the useradd
 *		or groupadd to run and never falls back to a shared
 *		account), DIR/master.cf (conf/master.cf with the SMTP server on
 *		127.0.0.1:PORT, default 2525), DIR/log and the queue (as
 *		check). An existing main.cf or master.cf is never
 *		overwritten. With -c, the directory is config_dir and the
 *		only argument is the optional PORT.
 *	check	Validate the configuration as the daemons will read it, then
 *		make the queue. main.cf: a value of the wrong type is fatal
 *		at once, naming file and line; then every value is checked
 *		the way the daemon that reads it checks it (util/pcheck):
 *		enumerations such as smtpd_tls_security_level, restriction
 *		lists (every name smtpd knows, with its argument; a
 *		misspelling gets a hint), lookup tables (opened: type and
 *		file), TLS certificate and key files (readable), Postfix's
 *		rule that smtpd_relay_restrictions or
 *		smtpd_recipient_restrictions refuse relaying. master.cf:
 *		every entry not named in master_service_disable must have a
 *		type sluice serves (not unix-dgram or pass), no chroot (sluice
 *		does not chroot), an executable program in daemon_directory,
 *		and -o overrides whose values pass the same checks. Each
 *		problem is reported as "error: FILE, line N: parameter NAME:
 *		REASON" (master.cf: "error: FILE, line N: service \"NAME\":
 *		REASON"), then "fatal: N configuration errors in DIR; see
 *		above; nothing was changed". A main.cf or -o name that no
 *		parameter knows and nothing references ($name, per-transport
 *		names of master.cf services) is only a warning, since Postfix
 *		takes it for a user-defined macro: "warning: FILE, line N:
 *		unknown parameter \"relyhost\" (did you mean
 *		\"relayhost\"?)". Then check creates every missing queue
 *		directory
 *		with Postfix's modes (maildrop 1730, public 0710, pid 0755,
 *		the others 0700) and fix the mode of one that has another,
 *		with a warning. As root, queue_directory must be owned by
 *		root and writable by nobody else; the queue directories
 *		belong to mail_owner (maildrop and public to group
 *		setgid_group; pid to root), and check fails with the path,
 *		what it expected and what it found when one is a symbolic
 *		link, not a directory, or owned by someone else (it may
 *		have been planted: set-permissions gives it to its owner if
 *		that is intended), or when mail_owner or setgid_group does
 *		not exist or cannot reach queue_directory. maillog_file
 *		must be a regular file with one link (no symbolic link) and
 *		is given to mail_owner. A daemon_directory that someone
 *		other than root owns or may write is reported (the master
 *		starts its programs as root).
 *	set-permissions
 *		As Postfix's postfix set-permissions: queue_directory to
 *		root (mode 0755), every queue directory to its owner with
 *		its mode, whoever owned it, and the files and directories in
 *		the message queues and logs to mail_owner (symbolic links,
 *		other file types and files with several links are skipped
 *		with a warning); in command_directory, postdrop and
 *		postqueue become group setgid_group, mode 2755 (owner root),
 *		a missing one is skipped with a warning.
 *	logrotate
 *		As Postfix 3.4's postfix logrotate: rename maillog_file to
 *		maillog_file.SUFFIX (maillog_file_rotate_suffix, strftime
 *		format, default %Y%m%d-%H%M%S), then compress it with
 *		maillog_file_compressor (default gzip). Every process
 *		continues in a new maillog_file from the next second on (it
 *		looks at the name once a second and reopens the file when
 *		its inode has changed). Errors: "empty 'NAME' parameter
 *		value - logfile rotation failed", "not rotating '/dev/...'",
 *		"logfile 'FILE' rotation failed: WHY".
 *	start	check (a failing check is fatal: nothing is started),
 *		then start the master in the background. Returns 0
 *		once the master runs, has created every endpoint and started
 *		its children; exit 1 with the reason otherwise, or when the
 *		mail system is already running.
 *	start-fg
 *		check, then run the master in the foreground (^C or SIGTERM
 *		stops everything). Logging goes where main.cf says.
 *	stop	Ask the master to stop (SIGTERM) and wait until it is gone
 *		(at most 30 seconds); exit 1 when it is not running.
 *	abort	Stop at once: the master kills every child with SIGKILL.
 *	reload	check, and only when it passes ask the master to re-read
 *		the configuration (SIGHUP); a failing check exits 1 without
 *		signalling anything, so the running daemons keep serving
 *		with the old configuration. (The master checks again
 *		before it reloads, the same way, and keeps the running
 *		configuration when a SIGHUP from elsewhere finds errors.)
 *	status	Exit 0 and print "the sluice mail system is running: PID: N"
 *		when the master runs, else exit 1.
 *	flush	Ask qmgr to retry every deferred message now and pickup to
 *		scan maildrop (as postqueue -f); as root, with mail_owner's
 *		file-system identity.
 * OPTIONS
 *	-c config_dir
 *		The instance's configuration directory (else $MAIL_CONFIG,
 *		else the compiled-in default).
 *	-v	Verbose logging.
 * DIAGNOSTICS
 *	Messages go to standard error and to the log as
 *	"SYSLOG_NAME/sluice-script: TEXT" (like postfix/postfix-script),
 *	e.g. "starting the sluice mail system" and "fatal: the sluice mail
 *	system is already running", where "sluice" is $mail_name.
 *	Configuration errors are fatal with file and line. Exit status 0 on
 *	success, 1 on any error.
 * FILES
 *	$config_directory/main.cf, $config_directory/master.cf,
 *	$queue_directory/pid/master.pid.
 * SECURITY
 *	Run by root, sluice changes ownership and modes only through
 *	descriptors of files it opened without following symbolic links,
 *	relative to directories it verified first (util/fsafe), never by a
 *	path an unprivileged account could redirect; it refuses what looks
 *	planted instead of giving it away. flush wakes the daemons with
 *	mail_owner's file-system identity. It signals the master and never
 *	follows a command from the queue.
 * SEE ALSO
 *	master(8), postconf(1), Postfix postfix(1).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sluice.h"
#include "msg.h"
#include "param.h"

#define SLUICE_USAGE                                                           \
	"usage: sluice [-v] [-c config_dir] "                                  \
	"init|start|start-fg|stop|abort|reload|status|check|flush|"            \
	"set-permissions|logrotate; "                                          \
	"sluice init [--mail-owner USER] DIR [PORT]"

/* sluice_init_args - init [--mail-owner USER] DIR [PORT], or -c DIR init */

static int
sluice_init_args(const char *config_dir, int nargs, char **args)
{
	const char *owner = NULL;

	if (nargs >= 1 && strcmp(args[0], "--mail-owner") == 0) {
		if (nargs < 2 || *args[1] == 0)
			msg_fatal("%s", SLUICE_USAGE);
		owner = args[1];
		args += 2;
		nargs -= 2;
	}
	if (config_dir != NULL && nargs <= 1)
		return (sluice_init(config_dir, nargs ? args[0] : NULL, owner));
	if (config_dir == NULL && (nargs == 1 || nargs == 2))
		return (
		    sluice_init(args[0], nargs == 2 ? args[1] : NULL, owner));
	msg_fatal("%s", SLUICE_USAGE);
}

int
main(int argc, char **argv)
{
	const char *config_dir = NULL, *cmd;
	static char *abs_dir; /* for the whole run: still reachable */
	int c, nargs;

	msg_init("sluice", MSG_STDERR);
	while ((c = getopt(argc, argv, "+c:v")) != -1) {
		switch (c) {
		case 'c':
			config_dir = optarg;
			break;
		case 'v':
			msg_verbose++;
			break;
		default:
			msg_fatal("%s", SLUICE_USAGE);
		}
	}
	if (optind >= argc)
		msg_fatal("%s", SLUICE_USAGE);
	cmd = argv[optind];
	nargs = argc - optind - 1;

	if (strcmp(cmd, "init") == 0)
		return (sluice_init_args(config_dir, nargs, argv + optind + 1));
	if (nargs != 0)
		msg_fatal("%s", SLUICE_USAGE);
	if (strcmp(cmd, "start") && strcmp(cmd, "start-fg") &&
	    strcmp(cmd, "stop") && strcmp(cmd, "abort") &&
	    strcmp(cmd, "reload") && strcmp(cmd, "status") &&
	    strcmp(cmd, "check") && strcmp(cmd, "flush") &&
	    strcmp(cmd, "set-permissions") && strcmp(cmd, "logrotate"))
		msg_fatal("unknown command: '%s'. %s", cmd, SLUICE_USAGE);

	/* The master and its children chdir() to the queue: no relative -c. */
	if (config_dir != NULL && *config_dir != '/') {
		if ((abs_dir = realpath(config_dir, NULL)) == NULL)
			msg_fatal("%s: %m", config_dir);
		config_dir = abs_dir;
	}
	param_load(config_dir);
	param_bind(sluice_params);
	sluice_script_msgs();
	if (strcmp(cmd, "check") == 0) {
		sluice_check();
		return (0);
	}
	if (strcmp(cmd, "set-permissions") == 0)
		return (sluice_set_permissions());
	if (strcmp(cmd, "logrotate") == 0)
		return (sluice_logrotate());
	if (strcmp(cmd, "start") == 0)
		return (sluice_start(0));
	if (strcmp(cmd, "start-fg") == 0)
		return (sluice_start(1));
	if (strcmp(cmd, "stop") == 0)
		return (sluice_stop(0));
	if (strcmp(cmd, "abort") == 0)
		return (sluice_stop(1));
	if (strcmp(cmd, "reload") == 0)
		return (sluice_reload());
	if (strcmp(cmd, "status") == 0)
		return (sluice_status());
	return (sluice_flush());
}
