/*
 * sluice_check - configuration and queue directory check; see sluice.h.
 *
 * Implementation notes. main.cf was already validated by param_load()
 * (fatal with file and line). Directories are created with mkdir() and
 * then chmod()ed, so the umask does not matter. Existing directories are
 * not re-moded, only reported: "check" tells, like postfix check; as root
 * it does fix ownership, like Postfix's set-permissions, because the
 * daemons that drop to mail_owner cannot work otherwise. Hash
 * subdirectories are made on demand by the daemons (0700).
 *
 * As root the check also walks queue_directory's ancestors: a daemon
 * that dropped to mail_owner must be able to search each of them, and a
 * private 0700 parent directory would otherwise fail much later with an
 * obscure "chdir: Permission denied" in the log.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "sluice.h"
#include "cfg.h"
#include "mem.h"
#include "msg.h"
#include "param.h"
#include "qdir.h"
#include "vbuf.h"

/* sluice_dir_mode - Postfix's mode for a queue_directory subdirectory */

static mode_t
sluice_dir_mode(const char *name)
{
	if (strcmp(name, QDIR_MAILDROP) == 0)
		return (0730);
	if (strcmp(name, "public") == 0)
		return (0710);
	if (strcmp(name, "pid") == 0)
		return (0755);
	return (0700);
}

/* sluice_mkdirs - mkdir -p with mode for the missing components */

static void
sluice_mkdirs(const char *path, mode_t mode)
{
	char *copy = mem_strdup(path), *p;
	struct stat st;

	for (p = copy + 1;; p++) {
		if (*p != '/' && *p != 0)
			continue;
		char saved = *p;

		*p = 0;
		if (stat(copy, &st) < 0) {
			if (errno != ENOENT || mkdir(copy, mode) < 0)
				msg_fatal("create directory %s: %m", copy);
			(void)chmod(copy, mode);
		} else if (!S_ISDIR(st.st_mode)) {
			msg_fatal("%s is not a directory", copy);
		}
		*p = saved;
		if (saved == 0)
			break;
	}
	mem_free(copy);
}

/* sluice_reachable - can uid/gid search every directory down to path? */

static void
sluice_reachable(const char *path, const struct passwd *pw)
{
	char *copy = mem_strdup(path), *p;
	struct stat st;
	int ok;

	for (p = copy + 1;; p++) {
		if (*p != '/' && *p != 0)
			continue;
		char saved = *p;

		*p = 0;
		if (stat(copy, &st) == 0) {
			if (st.st_uid == pw->pw_uid)
				ok = st.st_mode & S_IXUSR;
			else if (st.st_gid == pw->pw_gid)
				ok = st.st_mode & S_IXGRP;
			else
				ok = st.st_mode & S_IXOTH;
			if (!ok)
				msg_fatal("queue_directory %s is not reachable "
					  "by mail_owner %s: %s has mode %04o "
					  "(owner %ld); make it searchable "
					  "(e.g. chmod o+x %s)",
				    path, pw->pw_name, copy,
				    (unsigned)(st.st_mode & 07777),
				    (long)st.st_uid, copy);
		}
		*p = saved;
		if (saved == 0)
			break;
	}
	mem_free(copy);
}

/* sluice_chown - Postfix's ownership: pid root, maildrop and public
 * mail_owner:setgid_group, everything else mail_owner */

static int
sluice_chown(const char *path, const char *name, const struct passwd *pw,
    gid_t setgid_gid)
{
	if (strcmp(name, "pid") == 0)
		return (chown(path, 0, 0));
	if (strcmp(name, QDIR_MAILDROP) == 0 || strcmp(name, "public") == 0)
		return (chown(path, pw->pw_uid, setgid_gid));
	return (chown(path, pw->pw_uid, pw->pw_gid));
}

/* sluice_check_master_cf - parse master.cf, fatal with file and line */

static void
sluice_check_master_cf(void)
{
	struct master_ent *ents;
	struct vbuf path = VBUF_INIT, why = VBUF_INIT;
	size_t count;

	vbuf_printf(&path, "%s/master.cf", param_config_dir());
	if (master_cf_load(vbuf_str(&path), &ents, &count, &why) < 0)
		msg_fatal("%s", vbuf_str(&why));
	master_cf_free(ents, count);
	vbuf_free(&path);
	vbuf_free(&why);
}

/* sluice_check_log - as root, the log file must be writable by the daemons */

static void
sluice_check_log(const struct passwd *pw)
{
	const char *log = var_maillog_file;
	int fd;

	if (*log == 0 || strncmp(log, "/dev/", 5) == 0)
		return;
	if ((fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600)) <
	    0)
		msg_fatal("open maillog_file %s: %m", log);
	if (pw != NULL && fchown(fd, pw->pw_uid, pw->pw_gid) < 0)
		msg_fatal("chown %s: %m", log);
	close(fd);
}

void
sluice_check(void)
{
	const char *qdir = var_queue_directory;
	const char *owner = var_mail_owner;
	const char *group = var_setgid_group;
	const char *const *q;
	struct passwd *pw = NULL, pwcopy;
	struct group *gr = NULL;
	gid_t setgid_gid = 0;
	struct vbuf path = VBUF_INIT;
	struct stat st;
	mode_t mode;
	const char *log;
	char *slash;

	sluice_check_master_cf();
	sluice_check_maps();
	if (*qdir != '/')
		msg_fatal("queue_directory must be an absolute path: \"%s\"",
		    qdir);
	if (geteuid() == 0) {
		if ((pw = getpwnam(owner)) == NULL)
			msg_fatal("mail_owner: user \"%s\" does not exist; "
				  "create it or set mail_owner in %s",
			    owner, param_main_cf_path());
		if (pw->pw_uid == 0)
			msg_fatal("mail_owner: user \"%s\" has the user ID of "
				  "root; use a dedicated account",
			    owner);
		pwcopy = *pw;
		pwcopy.pw_name = mem_strdup(pw->pw_name);
		pw = &pwcopy;
		if ((gr = getgrnam(group)) == NULL)
			msg_fatal("setgid_group: group \"%s\" does not exist; "
				  "create it or set setgid_group in %s",
			    group, param_main_cf_path());
		setgid_gid = gr->gr_gid;
	}

	/* The log directory, if the log is a file of its own. */
	log = var_maillog_file;
	if (*log == '/' && strncmp(log, "/dev/", 5) != 0 &&
	    (slash = strrchr(log, '/')) != NULL && slash != log) {
		char *dir = mem_strndup(log, (size_t)(slash - log));

		sluice_mkdirs(dir, 0755);
		mem_free(dir);
	}

	sluice_mkdirs(qdir, 0755);
	if (pw != NULL)
		sluice_reachable(qdir, pw);
	for (q = qdir_all_queues; *q; q++) {
		vbuf_reset(&path);
		vbuf_printf(&path, "%s/%s", qdir, *q);
		mode = sluice_dir_mode(*q);
		if (lstat(vbuf_str(&path), &st) < 0) {
			if (errno != ENOENT ||
			    mkdir(vbuf_str(&path), mode) < 0 ||
			    chmod(vbuf_str(&path), mode) < 0)
				msg_fatal("create directory %s: %m",
				    vbuf_str(&path));
		} else if (!S_ISDIR(st.st_mode)) {
			msg_fatal("%s is not a directory", vbuf_str(&path));
		} else if ((st.st_mode & 07777) != mode) {
			msg_warn("bad permissions: %s has mode %04o, expected "
				 "%04o",
			    vbuf_str(&path), (unsigned)(st.st_mode & 07777),
			    (unsigned)mode);
		}
		if (pw != NULL &&
		    sluice_chown(vbuf_str(&path), *q, pw, setgid_gid) < 0)
			msg_fatal("chown %s: %m", vbuf_str(&path));
	}
	if (pw != NULL)
		sluice_check_log(pw);
	vbuf_reset(&path);
	vbuf_printf(&path, "%s/master", var_daemon_directory);
	if (access(vbuf_str(&path), X_OK) < 0)
		msg_warn("%s: %m (check daemon_directory in %s)",
		    vbuf_str(&path), param_main_cf_path());
	vbuf_free(&path);
	if (pw != NULL)
		mem_free(pwcopy.pw_name);
}
