#ifndef SLUICE_SLUICE_H
#define SLUICE_SLUICE_H
/*
 * NAME
 *	sluice.h - private interface of the sluice control command
 * SYNOPSIS
 *	#include "sluice.h"
 * DESCRIPTION
 *	sluice_params is the table of the parameters sluice reads, as
 *	var_<name>; main() and sluice_init() bind it (param_bind()) after
 *	every param_load() (sluice_ctl.c).
 *
 *	sluice_script_msgs() switches diagnostics to the
 *	"SYSLOG_NAME/sluice-script: " prefix (stderr and log) once main.cf
 *	is loaded, as Postfix's postfix-script does.
 *
 *	sluice_init() writes a new instance (sluice_init.c).
 *
 *	sluice_check() checks main.cf and master.cf and creates the missing
 *	queue directories with Postfix's modes (and, as root, ownership);
 *	fatal with file and line on configuration errors, and as root on a
 *	queue_directory not owned by root or writable by others, or a queue
 *	directory that is a link, no directory, or someone else's
 *	(sluice_check.c): sluice_check_config(), then sluice_check_queue(),
 *	the queue and log part alone (sluice_init() runs only that: a new
 *	instance's daemon_directory may still have to be set). sluice_ids()
 *fills struct sluice_ids (as root, mail_owner's and setgid_group's ids, fatal
 *when missing; otherwise our own). sluice_qdir_open() opens and verifies
 *queue_directory (set_perms: gives it to root, mode 0755). sluice_queue()
 *checks or creates every queue directory through descriptors; with set_perms it
 *also gives a foreign-owned one to its owner and walks the contents of the
 *recursive ones.
 *
 *	sluice_set_permissions() implements set-permissions;
 *	sluice_perms_recursive() tells whether a queue's contents belong to
 *	mail_owner (Postfix's "r" flag); sluice_perms_tree() gives them to
 *	it through descriptors, skipping links and files with several
 *	links (sluice_perms.c).
 *
 *	sluice_check_config() validates every main.cf and master.cf value
 *	as the daemons will (util/pcheck: enumerations, restriction lists,
 *	tables, readable files, master.cf entries and -o overrides), warns
 *	about unknown parameter names with a hint, and is fatal after
 *	reporting every error (sluice_config.c).
 *
 *	sluice_master_pid() tells whether a master holds the lock on
 *	queue_directory/pid/master.pid: 1 and *pid (0 while the master is
 *	still starting), or 0. sluice_start(), sluice_stop() etc. implement
 *	the commands; they return the exit status (sluice_ctl.c).
 *
 *	sluice_logrotate() implements logrotate (sluice_logrotate.c).
 *
 *	sluice_main_cf and sluice_master_cf are conf/main.cf and
 *	conf/master.cf (sluice_conf.c).
 */
#include <sys/types.h>
#include "param.h"

extern const char sluice_main_cf[];
extern const char sluice_master_cf[];

void sluice_script_msgs(void);
const char *sluice_mail_name(void);
extern const struct param_var sluice_params[];

int sluice_init(const char *dir, const char *port, const char *owner);
int sluice_logrotate(void);
void sluice_check(void);
void sluice_check_queue(void);
int sluice_check_config(void);
/*
 * sluice_smtp_check() (sluice_smtp.c) warns about each problem in the smtp
 * client's TLS and SASL settings (level names, CA data, client
 * certificate, protocol lists, cipher grades, policy and password
 * tables) and returns how many it found; sluice_check() calls it.
 */
int sluice_smtp_check(void);

struct sluice_ids {
	int root;	   /* running as root */
	const char *owner; /* mail_owner */
	uid_t uid;	   /* mail_owner's (else ours) */
	gid_t gid;	   /* its primary group */
	gid_t setgid_gid;  /* setgid_group's */
};
void sluice_ids(struct sluice_ids *ids);
int sluice_qdir_open(const struct sluice_ids *ids, int set_perms);
void sluice_queue(const struct sluice_ids *ids, int set_perms);

int sluice_set_permissions(void);
int sluice_perms_recursive(const char *queue);
void sluice_perms_tree(int fd, const char *path, const struct sluice_ids *ids,
    int depth);

int sluice_master_pid(pid_t *pid);
int sluice_status(void);
int sluice_start(int foreground);
int sluice_stop(int abort_);
int sluice_reload(void);
int sluice_flush(void);

#endif
