/*
 * sluice_perms - set-permissions; see sluice.h.
 *
 * Implementation notes. As Postfix's `postfix set-permissions` (its
 * postfix-files list): queue_directory root, mode 0755; every queue
 * directory its owner and mode as `sluice check` makes them, whoever
 * owned it; the contents of the message queues and logs (active bounce
 * corrupt defer deferred flush hold incoming saved trace: Postfix's "r"
 * flag) owned by mail_owner, their modes untouched (group bits are flags
 * on queue files); maildrop's files keep their submitters, public/,
 * private/ and pid/ keep what the master made. In command_directory,
 * postdrop and postqueue become group setgid_group, mode 2755 (owner
 * root when we are root); a missing one is skipped with a warning.
 *
 * Privileges and paths. Everything goes through descriptors
 * (util/fsafe). The walk opens each entry relative to its directory's
 * descriptor with O_NOFOLLOW (files with O_PATH, so no device or FIFO is
 * ever really opened), checks that it is the directory or regular file
 * that fstatat() saw, skips symbolic links, other types and files with
 * several links (a hard link mail_owner made could be another name of
 * a file root owns), and changes the owner with fchownat(AT_EMPTY_PATH)
 * on that descriptor. postdrop and postqueue are opened O_NOFOLLOW,
 * must be regular files with one link, owned by root (as root) in a
 * command_directory that only root can write (else whoever can write
 * there could put their own program in place and have it made
 * set-group-ID), and get fchown()/fchmod() on the descriptor.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "sluice.h"
#include "fsafe.h"
#include "msg.h"
#include "qdir.h"
#include "var.h"
#include "vbuf.h"

#define SLUICE_TREE_DEPTH 16 /* as qdir's scans */
#define SLUICE_SETGID_MODE 02755

/* The queues whose contents belong to mail_owner (Postfix's "r"). */
static const char *const sluice_recursive[] = {
    QDIR_ACTIVE,
    QDIR_BOUNCE,
    QDIR_CORRUPT,
    QDIR_DEFER,
    QDIR_DEFERRED,
    QDIR_FLUSH,
    QDIR_HOLD,
    QDIR_INCOMING,
    QDIR_RECYCLE,
    QDIR_SAVED,
    QDIR_TRACE,
    0,
};

/* The set-group-ID programs in command_directory. */
static const char *const sluice_setgid_cmds[] = {"postdrop", "postqueue", 0};

int
sluice_perms_recursive(const char *queue)
{
	const char *const *q;

	for (q = sluice_recursive; *q; q++)
		if (strcmp(*q, queue) == 0)
			return (1);
	return (0);
}

/* sluice_perms_entry - one directory entry: give it to mail_owner */

static void
sluice_perms_entry(int dfd, const char *dir, const char *name,
    const struct sluice_ids *ids, int depth)
{
	struct vbuf path = VBUF_INIT, why = VBUF_INIT;
	struct stat st, fst;
	int fd = -1;

	vbuf_printf(&path, "%s/%s", dir, name);
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno != ENOENT) /* gone meanwhile: nothing to do */
			msg_warn("stat %s: %m; skipped", vbuf_str(&path));
	} else if (S_ISDIR(st.st_mode) && depth >= SLUICE_TREE_DEPTH) {
		msg_warn("%s: more than %d levels deep; skipped",
		    vbuf_str(&path), SLUICE_TREE_DEPTH);
	} else if (S_ISDIR(st.st_mode)) {
		fd = fsafe_opendir(dfd, name, &fst, &why);
	} else if (S_ISREG(st.st_mode)) {
		fd = fsafe_open(dfd, name, O_PATH, 0, &fst, &why);
	} else {
		msg_warn("%s is a %s; skipped", vbuf_str(&path),
		    fsafe_type(st.st_mode));
	}
	if (fd < 0 && why.len > 0) {
		msg_warn("%s %s; skipped", vbuf_str(&path), vbuf_str(&why));
	} else if (fd >= 0 &&
	    (fst.st_dev != st.st_dev || fst.st_ino != st.st_ino)) {
		msg_warn("%s changed while it was examined; skipped",
		    vbuf_str(&path));
	} else if (fd >= 0) {
		if (fst.st_uid != ids->uid &&
		    fchownat(fd, "", ids->uid, (gid_t)-1, AT_EMPTY_PATH) < 0)
			msg_fatal("chown %s: %m", vbuf_str(&path));
		if (S_ISDIR(fst.st_mode))
			sluice_perms_tree(fd, vbuf_str(&path), ids, depth + 1);
	}
	if (fd >= 0)
		close(fd);
	vbuf_free(&path);
	vbuf_free(&why);
}

void
sluice_perms_tree(int fd, const char *path, const struct sluice_ids *ids,
    int depth)
{
	struct dirent *de;
	DIR *dp;
	int dfd;

	if ((dfd = dup(fd)) < 0 || (dp = fdopendir(dfd)) == NULL)
		msg_fatal("open directory %s: %m", path);
	rewinddir(dp);
	while ((de = readdir(dp)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		sluice_perms_entry(fd, path, de->d_name, ids, depth);
	}
	closedir(dp);
}

/* sluice_perms_cmd - one set-group-ID program */

static void
sluice_perms_cmd(int dfd, const char *name, const struct sluice_ids *ids)
{
	struct vbuf path = VBUF_INIT, why = VBUF_INIT;
	struct stat st;
	int fd;

	vbuf_printf(&path, "%s/%s", var_command_directory, name);
	fd = fsafe_open(dfd, name, O_RDONLY, 0, &st, &why);
	if (fd < 0 && errno == ENOENT) {
		msg_warn("%s does not exist; not setting its group and mode "
			 "(install it, then run set-permissions again)",
		    vbuf_str(&path));
	} else if (fd < 0) {
		msg_warn("%s %s; not changed", vbuf_str(&path), vbuf_str(&why));
	} else if (ids->root && st.st_uid != 0) {
		msg_warn("%s is %s; expected a file owned by root; not changed",
		    vbuf_str(&path), fsafe_describe(&why, &st));
	} else if (fchown(fd, ids->root ? 0 : (uid_t)-1, ids->setgid_gid) < 0 ||
	    fchmod(fd, SLUICE_SETGID_MODE) < 0) {
		msg_fatal("set group %s and mode %04o on %s: %m",
		    var_setgid_group, SLUICE_SETGID_MODE, vbuf_str(&path));
	}
	if (fd >= 0)
		close(fd);
	vbuf_free(&path);
	vbuf_free(&why);
}

/* sluice_perms_cmds - postdrop and postqueue in command_directory */

static void
sluice_perms_cmds(const struct sluice_ids *ids)
{
	const char *dir = var_command_directory;
	const char *const *p;
	struct vbuf desc = VBUF_INIT;
	struct stat st;
	int dfd;

	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    fstat(dfd, &st) < 0) {
		msg_warn("command_directory %s: %m; postdrop and postqueue not "
			 "changed",
		    dir);
	} else if (ids->root &&
	    (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)))) {
		msg_warn("command_directory %s is %s; expected a directory "
			 "owned by root and not writable by group or others; "
			 "postdrop and postqueue not changed",
		    dir, fsafe_describe(&desc, &st));
	} else {
		for (p = sluice_setgid_cmds; *p; p++)
			sluice_perms_cmd(dfd, *p, ids);
	}
	if (dfd >= 0)
		close(dfd);
	vbuf_free(&desc);
}

int
sluice_set_permissions(void)
{
	struct sluice_ids ids;

	if (*var_queue_directory != '/')
		msg_fatal("queue_directory must be an absolute path: \"%s\"",
		    var_queue_directory);
	sluice_ids(&ids);
	sluice_queue(&ids, 1);
	sluice_perms_cmds(&ids);
	return (0);
}
