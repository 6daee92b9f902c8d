/*
 * fsafe - file operations that no planted link can redirect; see fsafe.h.
 *
 * Implementation notes. The threat is an unprivileged account that owns
 * a directory root works in (mail_owner owns public/ and private/) and
 * renames links into place in a loop. Three rules defeat it:
 *
 * 1. Never resolve a path whose directory the account controls more
 *    than once, and never follow a link in the last component: names
 *    are looked up relative to a verified directory descriptor, with
 *    O_NOFOLLOW (and O_DIRECTORY where a directory is meant).
 * 2. Never chown or chmod by name: only through a descriptor of the
 *    object just created (or opened and checked with fstat).
 * 3. Where neither is possible (bind() of a UNIX socket takes a path and
 *    the socket file has no descriptor of its own; fchmod on the socket
 *    changes nothing on disk), create the object under the account's
 *    own file-system identity (setfsuid/setfsgid): the kernel then makes
 *    it owned by the account with the umask's mode, no chown or chmod is
 *    needed afterwards, and any lookup through a planted link is checked
 *    against the account's permissions, not root's. The object is made
 *    under a fresh unpredictable name and renamed over the real one, so
 *    a link planted at the real name is replaced, never followed, and
 *    cannot make the start fail with "Address already in use".
 *
 * Supplementary groups are reduced to the account's group for the
 * duration of fsafe_become(), since permission checks consult them too.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/fsuid.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "fsafe.h"
#include "mem.h"
#include "msg.h"

#define FSAFE_TRIES 20 /* fresh names tried before giving up */

static int fsafe_active;    /* fsafe_become() in force */
static uid_t fsafe_uid;	    /* its identity */
static gid_t *fsafe_groups; /* root's supplementary groups */
static int fsafe_ngroups;

/* fsafe_become - the account's file-system identity, when root */

int
fsafe_become(uid_t uid, gid_t gid)
{
	int n, saved;

	if (fsafe_active)
		msg_panic("fsafe_become: nested call");
	if (geteuid() != 0)
		return (0);
	if ((n = getgroups(0, NULL)) < 0)
		return (-1);
	fsafe_groups = mem_alloc(sizeof(gid_t) * (size_t)(n + 1));
	if ((fsafe_ngroups = getgroups(n, fsafe_groups)) < 0 ||
	    setgroups(1, &gid) < 0) {
		saved = errno;
		fsafe_groups = mem_free(fsafe_groups);
		errno = saved;
		return (-1);
	}
	(void)setfsgid(gid);
	(void)setfsuid(uid);
	/* setfsuid() reports no error: an invalid id returns the current. */
	fsafe_active = 1;
	fsafe_uid = uid;
	if ((uid_t)setfsuid((uid_t)-1) != uid ||
	    (gid_t)setfsgid((gid_t)-1) != gid) {
		fsafe_restore();
		errno = EPERM;
		return (-1);
	}
	return (0);
}

/* fsafe_restore - back to root's identity */

void
fsafe_restore(void)
{
	if (!fsafe_active)
		return;
	(void)setfsuid(geteuid());
	(void)setfsgid(getegid());
	if ((uid_t)setfsuid((uid_t)-1) != geteuid() ||
	    (gid_t)setfsgid((gid_t)-1) != getegid() ||
	    setgroups((size_t)fsafe_ngroups, fsafe_groups) < 0)
		msg_fatal("cannot return to the file-system identity of "
			  "uid %ld: %m",
		    (long)geteuid());
	fsafe_groups = mem_free(fsafe_groups);
	fsafe_active = 0;
}

/* fsafe_type - the name of a file type */

const char *
fsafe_type(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFDIR:
		return ("directory");
	case S_IFREG:
		return ("regular file");
	case S_IFLNK:
		return ("symbolic link");
	case S_IFSOCK:
		return ("socket");
	case S_IFIFO:
		return ("FIFO");
	case S_IFCHR:
		return ("character device");
	case S_IFBLK:
		return ("block device");
	default:
		return ("file of unknown type");
	}
}

/* fsafe_user - user name or number */

const char *
fsafe_user(uid_t uid, struct vbuf *out)
{
	struct passwd *pw = getpwuid(uid);

	vbuf_reset(out);
	if (pw != NULL)
		vbuf_puts(out, pw->pw_name);
	else
		vbuf_printf(out, "%ld", (long)uid);
	return (vbuf_str(out));
}

/* fsafe_group - group name or number */

const char *
fsafe_group(gid_t gid, struct vbuf *out)
{
	struct group *gr = getgrgid(gid);

	vbuf_reset(out);
	if (gr != NULL)
		vbuf_puts(out, gr->gr_name);
	else
		vbuf_printf(out, "%ld", (long)gid);
	return (vbuf_str(out));
}

/* fsafe_describe - "a TYPE owned by USER:GROUP, mode MODE" */

const char *
fsafe_describe(struct vbuf *out, const struct stat *st)
{
	struct vbuf u = VBUF_INIT, g = VBUF_INIT;

	vbuf_reset(out);
	vbuf_printf(out, "a %s owned by %s:%s, mode %04o",
	    fsafe_type(st->st_mode), fsafe_user(st->st_uid, &u),
	    fsafe_group(st->st_gid, &g), (unsigned)(st->st_mode & 07777));
	vbuf_free(&u);
	vbuf_free(&g);
	return (vbuf_str(out));
}

/* fsafe_what - why an O_NOFOLLOW open of name failed; errno kept */

static void
fsafe_what(int dirfd, const char *name, struct vbuf *why)
{
	char target[PATH_MAX];
	struct stat st;
	ssize_t n;
	int saved = errno;

	if ((saved == ELOOP || saved == ENOTDIR || saved == ENXIO) &&
	    fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (S_ISLNK(st.st_mode) &&
		    (n = readlinkat(dirfd, name, target, sizeof(target) - 1)) >=
			0) {
			target[n] = 0;
			vbuf_printf(why, "is a symbolic link to %s", target);
		} else {
			vbuf_printf(why, "is a %s", fsafe_type(st.st_mode));
		}
	} else {
		vbuf_printf(why, "cannot be opened: %s", strerror(saved));
	}
	errno = saved;
}

/* fsafe_opendir - open a directory, no link followed */

int
fsafe_opendir(int dirfd, const char *name, struct stat *st, struct vbuf *why)
{
	int fd, saved;

	fd = openat(dirfd, name,
	    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		fsafe_what(dirfd, name, why);
		return (-1);
	}
	if (fstat(fd, st) < 0) {
		saved = errno;
		vbuf_printf(why, "cannot be examined: %s", strerror(saved));
		close(fd);
		errno = saved;
		return (-1);
	}
	return (fd);
}

/* fsafe_mkdir - create, verify, then chown and chmod the descriptor */

int
fsafe_mkdir(int dirfd, const char *name, mode_t mode, uid_t uid, gid_t gid,
    struct vbuf *why)
{
	struct stat st;
	int fd, saved;

	if (mkdirat(dirfd, name, 0700) < 0) {
		vbuf_printf(why, "cannot be created: %s", strerror(errno));
		return (-1);
	}
	if ((fd = fsafe_opendir(dirfd, name, &st, why)) < 0)
		return (-1);
	if (st.st_uid != (fsafe_active ? fsafe_uid : geteuid())) {
		vbuf_printf(why, "was replaced while it was being created");
		close(fd);
		errno = EPERM;
		return (-1);
	}
	if (((uid != (uid_t)-1 || gid != (gid_t)-1) &&
		fchown(fd, uid, gid) < 0) ||
	    fchmod(fd, mode) < 0) {
		saved = errno;
		vbuf_printf(why, "cannot be given its owner and mode: %s",
		    strerror(saved));
		close(fd);
		errno = saved;
		return (-1);
	}
	return (fd);
}

/* fsafe_open - a regular file with one link, no link followed */

int
fsafe_open(int dirfd, const char *name, int flags, mode_t mode, struct stat *st,
    struct vbuf *why)
{
	int fd;

	fd = openat(dirfd, name,
	    flags | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, mode);
	if (fd < 0) {
		fsafe_what(dirfd, name, why);
		return (-1);
	}
	if (fstat(fd, st) < 0) {
		vbuf_printf(why, "cannot be examined: %s", strerror(errno));
	} else if (!S_ISREG(st->st_mode)) {
		vbuf_printf(why, "is a %s (expected a regular file)",
		    fsafe_type(st->st_mode));
		errno = EINVAL;
	} else if (st->st_nlink != 1) {
		vbuf_printf(why,
		    "has %lu hard links (expected one: another name could "
		    "belong to someone else's file)",
		    (unsigned long)st->st_nlink);
		errno = EMLINK;
	} else {
		return (fd);
	}
	close(fd);
	return (-1);
}

/* fsafe_tmpname - ".NAME.XXXXXXXXXXXX", unpredictable */

static void
fsafe_tmpname(struct vbuf *out, const char *name)
{
	static unsigned long counter;
	unsigned char r[6];
	int i;

	if (getrandom(r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r)) {
		unsigned long v = (unsigned long)time(NULL) ^
		    ((unsigned long)getpid() << 16) ^ (++counter << 40);

		for (i = 0; i < (int)sizeof(r); i++)
			r[i] = (unsigned char)(v >> (8 * i));
	}
	vbuf_reset(out);
	vbuf_printf(out, ".%s.", name);
	for (i = 0; i < (int)sizeof(r); i++)
		vbuf_printf(out, "%02x", r[i]);
}

/* fsafe_rename - move the fresh name over name; 0 or -1 with why */

static int
fsafe_rename(int dirfd, const char *tmp, const char *name, struct vbuf *why)
{
	int saved;

	if (renameat(dirfd, tmp, dirfd, name) == 0)
		return (0);
	saved = errno;
	vbuf_printf(why, "cannot be put in place: %s", strerror(saved));
	(void)unlinkat(dirfd, tmp, 0);
	errno = saved;
	return (-1);
}

/* fsafe_bind_here - bind sock to a fresh name in the working directory */

static int
fsafe_bind_here(int sock, const char *name, mode_t mode, struct vbuf *tmp,
    struct vbuf *why)
{
	struct sockaddr_un sun;
	mode_t old;
	int i, r = -1;

	for (i = 0; i < FSAFE_TRIES && r < 0; i++) {
		fsafe_tmpname(tmp, name);
		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		if (tmp->len >= sizeof(sun.sun_path)) {
			vbuf_printf(why, "cannot be bound: name too long");
			errno = ENAMETOOLONG;
			return (-1);
		}
		memcpy(sun.sun_path, vbuf_str(tmp), tmp->len + 1);
		old = umask(~mode & 0777);
		r = bind(sock, (struct sockaddr *)&sun, sizeof(sun));
		umask(old);
		if (r < 0 && errno != EADDRINUSE)
			break;
	}
	if (r < 0)
		vbuf_printf(why, "cannot be bound: %s", strerror(errno));
	return (r);
}

/* fsafe_bind - bind a UNIX socket at dirfd/name, race-free */

int
fsafe_bind(int dirfd, const char *name, int sock, mode_t mode, struct vbuf *why)
{
	struct vbuf tmp = VBUF_INIT;
	int cwd, r = -1, saved;

	if ((cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) {
		vbuf_printf(why, "cannot be bound: open .: %s",
		    strerror(errno));
		return (-1);
	}
	if (fchdir(dirfd) < 0) {
		vbuf_printf(why, "cannot be bound: fchdir: %s",
		    strerror(errno));
	} else if (fsafe_bind_here(sock, name, mode, &tmp, why) == 0) {
		r = fsafe_rename(dirfd, vbuf_str(&tmp), name, why);
	}
	saved = errno;
	if (fchdir(cwd) < 0)
		msg_fatal("cannot return to the working directory: %m");
	close(cwd);
	vbuf_free(&tmp);
	errno = saved;
	return (r);
}

/* fsafe_mkfifo - make and open a FIFO at dirfd/name, race-free */

int
fsafe_mkfifo(int dirfd, const char *name, mode_t mode, struct vbuf *why)
{
	struct vbuf tmp = VBUF_INIT;
	struct stat st;
	mode_t old;
	int i, r = -1, fd = -1;

	for (i = 0; i < FSAFE_TRIES && r < 0; i++) {
		fsafe_tmpname(&tmp, name);
		old = umask(0);
		r = mkfifoat(dirfd, vbuf_str(&tmp), mode);
		umask(old);
		if (r < 0 && errno != EEXIST)
			break;
	}
	if (r < 0) {
		vbuf_printf(why, "cannot be created: %s", strerror(errno));
	} else if ((fd = openat(dirfd, vbuf_str(&tmp),
			O_RDWR | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
	    fstat(fd, &st) < 0 || !S_ISFIFO(st.st_mode)) {
		vbuf_printf(why, "cannot be opened as the FIFO just made");
		(void)unlinkat(dirfd, vbuf_str(&tmp), 0);
		if (fd >= 0)
			close(fd);
		fd = -1;
	} else if (fsafe_rename(dirfd, vbuf_str(&tmp), name, why) < 0) {
		close(fd);
		fd = -1;
	}
	vbuf_free(&tmp);
	return (fd);
}
