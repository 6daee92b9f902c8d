/*
 * sluice_check - configuration and queue directory check; see sluice.h.
 *
 * Implementation notes. main.cf types were already validated by
 * param_load() (fatal with file and line); sluice_check_config() then
 * validates every value and master.cf as the daemons will (util/pcheck).
 * "check" tells, like postfix check, and creates what is missing;
 * "set-permissions" (sluice_perms.c) shares the walk below with set_perms on.
 *
 * Privileges and paths. Run by root, every step here works on a
 * descriptor, never on a path an unprivileged account could redirect
 * (util/fsafe): queue_directory is opened once (O_NOFOLLOW, O_DIRECTORY)
 * and must be owned by root and writable by nobody else (Postfix's
 * rule), so nothing but root can add or rename entries in it; each queue
 * directory is opened relative to it with O_NOFOLLOW|O_DIRECTORY, a new
 * one made with mkdirat() and then given its owner and mode with
 * fchown()/fchmod() on the opened descriptor. A symbolic link or another
 * file type where a queue directory should be, or a queue directory
 * owned by someone other than its expected owner (mail_owner; root for
 * pid/), is refused with the path, what was expected and what was found:
 * it may have been planted, and giving it to mail_owner could hand over
 * whatever it is. A directory whose owner is right gets its group and
 * mode fixed (with a warning for the mode), as before. set-permissions
 * instead gives every queue directory its owner, whoever owned it.
 * Hash subdirectories are made on demand by the daemons (0700).
 *
 * The log file is opened with O_NOFOLLOW, must be a regular file with
 * one link owned by root or mail_owner, and is given to mail_owner with
 * fchown() on that descriptor. Missing directories on the way to the
 * queue and the log are made by root and fchmod()ed through a descriptor.
 *
 * As root the check also walks queue_directory's ancestors: a daemon
 * that dropped to mail_owner must be able to search each of them, and a
 * private 0700 parent directory would otherwise fail much later with an
 * obscure "chdir: Permission denied" in the log.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "sluice.h"
#include "cfg.h"
#include "fsafe.h"
#include "mem.h"
#include "msg.h"
#include "param.h"
#include "qdir.h"
#include "vbuf.h"

/* sluice_dir_mode - Postfix's mode for a queue_directory subdirectory
 * (maildrop sticky, as Debian's Postfix: a postdrop-group writer cannot
 * remove or rename another user's submission) */

static mode_t
sluice_dir_mode(const char *name)
{
	if (strcmp(name, QDIR_MAILDROP) == 0)
		return (01730);
	if (strcmp(name, "public") == 0)
		return (0710);
	if (strcmp(name, "pid") == 0)
		return (0755);
	return (0700);
}

/* sluice_dir_owner - Postfix's ownership: pid root, maildrop and public
 * mail_owner:setgid_group, everything else mail_owner */

static void
sluice_dir_owner(const char *name, const struct sluice_ids *ids, uid_t *uid,
    gid_t *gid)
{
	if (strcmp(name, "pid") == 0) {
		*uid = 0;
		*gid = 0;
	} else if (strcmp(name, QDIR_MAILDROP) == 0 ||
	    strcmp(name, "public") == 0) {
		*uid = ids->uid;
		*gid = ids->setgid_gid;
	} else {
		*uid = ids->uid;
		*gid = ids->gid;
	}
}

/* sluice_mkdirs - mkdir -p with mode for the missing components, each
 * fchmod()ed through a descriptor (no chmod by path) */

static void
sluice_mkdirs(const char *path, mode_t mode)
{
	char *copy = mem_strdup(path), *p;
	struct stat st;
	int fd;

	for (p = copy + 1;; p++) {
		if (*p != '/' && *p != 0)
			continue;
		char saved = *p;

		*p = 0;
		if (stat(copy, &st) < 0) {
			if (errno != ENOENT || mkdir(copy, 0700) < 0)
				msg_fatal("create directory %s: %m", copy);
			fd = open(copy,
			    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (fd < 0 || fchmod(fd, mode) < 0)
				msg_fatal("create directory %s: %m", copy);
			close(fd);
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
sluice_reachable(const char *path, const struct sluice_ids *ids)
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
			if (st.st_uid == ids->uid)
				ok = st.st_mode & S_IXUSR;
			else if (st.st_gid == ids->gid)
				ok = st.st_mode & S_IXGRP;
			else
				ok = st.st_mode & S_IXOTH;
			if (!ok)
				msg_fatal("queue_directory %s is not reachable "
					  "by mail_owner %s: %s has mode %04o "
					  "(owner %ld); make it searchable "
					  "(e.g. chmod o+x %s)",
				    path, ids->owner, copy,
				    (unsigned)(st.st_mode & 07777),
				    (long)st.st_uid, copy);
		}
		*p = saved;
		if (saved == 0)
			break;
	}
	mem_free(copy);
}

/* sluice_check_log - as root, the log file must be writable by the daemons */

static void
sluice_check_log(const struct sluice_ids *ids)
{
	const char *log = var_maillog_file;
	struct vbuf why = VBUF_INIT;
	struct stat st;
	int fd;

	if (*log == 0 || strncmp(log, "/dev/", 5) == 0)
		return;
	fd = fsafe_open(AT_FDCWD, log, O_WRONLY | O_APPEND | O_CREAT, 0600, &st,
	    &why);
	if (fd < 0)
		msg_fatal("maillog_file %s %s", log, vbuf_str(&why));
	if (st.st_uid != 0 && st.st_uid != ids->uid)
		msg_fatal("maillog_file %s is %s; expected a regular file "
			  "owned "
			  "by root or mail_owner %s",
		    log, fsafe_describe(&why, &st), ids->owner);
	if (fchown(fd, ids->uid, ids->gid) < 0)
		msg_fatal("chown %s: %m", log);
	close(fd);
	vbuf_free(&why);
}

/* sluice_check_daemon_dir - as root: the master execs these as root */

static void
sluice_check_daemon_dir(void)
{
	struct vbuf desc = VBUF_INIT;
	struct stat st;

	if (stat(var_daemon_directory, &st) == 0 &&
	    (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH))))
		msg_warn("daemon_directory %s is %s; the master starts its "
			 "programs as root, so it should be owned by root and "
			 "not writable by group or others",
		    var_daemon_directory, fsafe_describe(&desc, &st));
	vbuf_free(&desc);
}

/* sluice_ids - mail_owner and setgid_group; as root they must exist */

void
sluice_ids(struct sluice_ids *ids)
{
	struct passwd *pw;
	struct group *gr;

	memset(ids, 0, sizeof(*ids));
	ids->owner = var_mail_owner;
	ids->uid = geteuid();
	ids->gid = getegid();
	ids->setgid_gid = getegid();
	if (geteuid() != 0)
		return;
	ids->root = 1;
	if ((pw = getpwnam(ids->owner)) == NULL)
		msg_fatal("mail_owner: user \"%s\" does not exist; "
			  "create it or set mail_owner in %s",
		    ids->owner, param_main_cf_path());
	if (pw->pw_uid == 0)
		msg_fatal("mail_owner: user \"%s\" has the user ID of "
			  "root; use a dedicated account",
		    ids->owner);
	ids->uid = pw->pw_uid;
	ids->gid = pw->pw_gid;
	if ((gr = getgrnam(var_setgid_group)) == NULL)
		msg_fatal("setgid_group: group \"%s\" does not exist; "
			  "create it or set setgid_group in %s",
		    var_setgid_group, param_main_cf_path());
	ids->setgid_gid = gr->gr_gid;
}

/* sluice_qdir_open - open queue_directory; as root: root's, not writable
 * by group or others, no link at its last component (set_perms: made so) */

int
sluice_qdir_open(const struct sluice_ids *ids, int set_perms)
{
	const char *qdir = var_queue_directory;
	struct vbuf why = VBUF_INIT;
	struct stat st;
	int fd;

	fd = ids->root ? fsafe_opendir(AT_FDCWD, qdir, &st, &why)
		       : open(qdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 && ids->root)
		msg_fatal("queue_directory %s %s", qdir, vbuf_str(&why));
	if (fd < 0)
		msg_fatal("open queue_directory %s: %m", qdir);
	if (ids->root && set_perms &&
	    ((st.st_uid != 0 && fchown(fd, 0, (gid_t)-1) < 0) ||
		((st.st_mode & 07777) != 0755 && fchmod(fd, 0755) < 0)))
		msg_fatal("set owner root and mode 0755 on %s: %m", qdir);
	else if (ids->root && !set_perms &&
	    (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH))))
		msg_fatal("queue_directory %s is %s; expected a directory "
			  "owned by root and not writable by group or others",
		    qdir, fsafe_describe(&why, &st));
	vbuf_free(&why);
	return (fd);
}

/* sluice_expected - "a directory owned by USER:GROUP, mode MODE" */

static const char *
sluice_expected(struct vbuf *out, uid_t uid, gid_t gid, mode_t mode)
{
	struct vbuf u = VBUF_INIT, g = VBUF_INIT;

	vbuf_reset(out);
	vbuf_printf(out, "a directory owned by %s:%s, mode %04o",
	    fsafe_user(uid, &u), fsafe_group(gid, &g), (unsigned)mode);
	vbuf_free(&u);
	vbuf_free(&g);
	return (vbuf_str(out));
}

/* sluice_queue_fix - owner and mode of one open queue directory */

static void
sluice_queue_fix(int fd, const char *path, const struct stat *st, uid_t uid,
    gid_t gid, mode_t mode, int set_perms)
{
	struct vbuf found = VBUF_INIT, want = VBUF_INIT;

	if (!set_perms && st->st_uid != uid)
		msg_fatal("%s is %s; expected %s (refusing a queue directory "
			  "that someone else owns; if that owner is intended, "
			  "run sluice set-permissions)",
		    path, fsafe_describe(&found, st),
		    sluice_expected(&want, uid, gid, mode));
	if ((st->st_uid != uid || st->st_gid != gid) &&
	    fchown(fd, uid, gid) < 0)
		msg_fatal("chown %s: %m", path);
	if ((st->st_mode & 07777) != mode) {
		if (fchmod(fd, mode) < 0)
			msg_fatal("chmod %s: %m", path);
		if (!set_perms)
			msg_warn("bad permissions: %s had mode %04o; set to "
				 "%04o",
			    path, (unsigned)(st->st_mode & 07777),
			    (unsigned)mode);
	}
	vbuf_free(&found);
	vbuf_free(&want);
}

/* sluice_queue_dir - check or create one queue directory; set_perms also
 * fixes a foreign owner and (1) or not (0) walks the contents */

static void
sluice_queue_dir(int qfd, const char *name, const struct sluice_ids *ids,
    int set_perms)
{
	struct vbuf path = VBUF_INIT, why = VBUF_INIT, want = VBUF_INIT;
	struct stat st;
	mode_t mode = sluice_dir_mode(name);
	uid_t uid = ids->uid;
	gid_t gid = ids->gid;
	int fd;

	if (ids->root)
		sluice_dir_owner(name, ids, &uid, &gid);
	vbuf_printf(&path, "%s/%s", var_queue_directory, name);
	fd = fsafe_opendir(qfd, name, &st, &why);
	if (fd < 0 && errno == ENOENT) {
		vbuf_reset(&why);
		fd = fsafe_mkdir(qfd, name, mode, ids->root ? uid : (uid_t)-1,
		    ids->root ? gid : (gid_t)-1, &why);
		if (fd < 0)
			msg_fatal("%s %s", vbuf_str(&path), vbuf_str(&why));
	} else if (fd < 0) {
		msg_fatal("%s %s; expected %s", vbuf_str(&path), vbuf_str(&why),
		    sluice_expected(&want, uid, gid, mode));
	} else if (ids->root) {
		sluice_queue_fix(fd, vbuf_str(&path), &st, uid, gid, mode,
		    set_perms);
	} else if ((st.st_mode & 07777) != mode) {
		/* Not root: our own directories only. */
		if (st.st_uid != geteuid() || fchmod(fd, mode) < 0)
			msg_warn("bad permissions: %s has mode %04o, expected "
				 "%04o",
			    vbuf_str(&path), (unsigned)(st.st_mode & 07777),
			    (unsigned)mode);
		else if (!set_perms)
			msg_warn("bad permissions: %s had mode %04o; set to "
				 "%04o",
			    vbuf_str(&path), (unsigned)(st.st_mode & 07777),
			    (unsigned)mode);
	}
	if (set_perms && sluice_perms_recursive(name))
		sluice_perms_tree(fd, vbuf_str(&path), ids, 0);
	close(fd);
	vbuf_free(&path);
	vbuf_free(&why);
	vbuf_free(&want);
}

/* sluice_queue - the queue directories: checked, created, fixed */

void
sluice_queue(const struct sluice_ids *ids, int set_perms)
{
	const char *const *q;
	int qfd;

	sluice_mkdirs(var_queue_directory, 0755);
	if (ids->root)
		sluice_reachable(var_queue_directory, ids);
	qfd = sluice_qdir_open(ids, set_perms);
	for (q = qdir_all_queues; *q; q++)
		sluice_queue_dir(qfd, *q, ids, set_perms);
	close(qfd);
}

void
sluice_check(void)
{
	sluice_check_config();
	sluice_check_queue();
}

void
sluice_check_queue(void)
{
	const char *qdir = var_queue_directory;
	struct sluice_ids ids;
	struct vbuf path = VBUF_INIT;
	const char *log;
	char *slash;

	if (*qdir != '/')
		msg_fatal("queue_directory must be an absolute path: \"%s\"",
		    qdir);
	sluice_ids(&ids);

	/* The log directory, if the log is a file of its own. */
	log = var_maillog_file;
	if (*log == '/' && strncmp(log, "/dev/", 5) != 0 &&
	    (slash = strrchr(log, '/')) != NULL && slash != log) {
		char *dir = mem_strndup(log, (size_t)(slash - log));

		sluice_mkdirs(dir, 0755);
		mem_free(dir);
	}
	sluice_queue(&ids, 0);
	if (ids.root)
		sluice_check_log(&ids);
	vbuf_printf(&path, "%s/master", var_daemon_directory);
	if (access(vbuf_str(&path), X_OK) < 0)
		msg_warn("%s: %m (check daemon_directory in %s)",
		    vbuf_str(&path), param_main_cf_path());
	if (ids.root)
		sluice_check_daemon_dir();
	(void)sluice_smtp_check(); /* warnings: smtp defers, never downgrades */
	vbuf_free(&path);
}
