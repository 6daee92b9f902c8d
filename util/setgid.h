#ifndef SLUICE_SETGID_H
#define SLUICE_SETGID_H
/*
 * NAME
 *	setgid - what a set-group-ID command does before it trusts anything
 * SYNOPSIS
 *	#include "setgid.h"
 *
 *	void setgid_init(void);
 *	int  setgid_privileged(void);
 *	void setgid_load(const char *config_dir);
 * DESCRIPTION
 *	postdrop and postqueue are installed set-group-ID setgid_group
 *	(sluice set-permissions), so any local user runs them with the
 *	group that may write maildrop/ and reach public/. Everything the
 *	caller controls is then untrusted: the environment, the open
 *	descriptors, and above all the configuration directory, since a
 *	main.cf names the queue, the daemon directory and the log.
 *
 *	setgid_init() is the first call in main(). When the process holds
 *	privileges its caller does not (effective and real group or user
 *	differ), it opens /dev/null on whichever of descriptors 0, 1 and 2
 *	are closed (so that no file the program opens later becomes its
 *	standard output), remembers $MAIL_CONFIG, and clears the whole
 *	environment except TZ (log time stamps) and LANG. Without extra
 *	privileges it changes nothing.
 *
 *	setgid_privileged() tells whether setgid_init() found extra
 *	privileges.
 *
 *	setgid_load() is param_load() for such a command. The directory is
 *	config_dir (the -c option) if not NULL, else the remembered
 *	$MAIL_CONFIG, else the compiled-in default. As in Postfix, a
 *	privileged process accepts a directory other than the default only
 *	when the real user is root or when the default main.cf lists that
 *	exact name in alternate_config_directories or
 *	multi_instance_directories; otherwise it stops with "unauthorized
 *	configuration directory name: DIR". An unprivileged process (the
 *	program run without its set-group-ID bit, e.g. from a build tree)
 *	loads the directory as any command does: it has only its caller's
 *	rights.
 * DIAGNOSTICS
 *	Fatal: cannot open /dev/null, unauthorized directory, and whatever
 *	param_load() finds.
 * SEE ALSO
 *	docs/postfix/admin-tools.md, param(3).
 */

void setgid_init(void);
int setgid_privileged(void);
void setgid_load(const char *config_dir);

#endif
