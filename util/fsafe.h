#ifndef SLUICE_FSAFE_H
#define SLUICE_FSAFE_H
/*
 * NAME
 *	fsafe - file operations that no planted link can redirect
 * SYNOPSIS
 *	#include "fsafe.h"
 *
 *	int  fsafe_become(uid_t uid, gid_t gid);
 *	void fsafe_restore(void);
 *
 *	int  fsafe_opendir(int dirfd, const char *name, struct stat *st,
 *			struct vbuf *why);
 *	int  fsafe_mkdir(int dirfd, const char *name, mode_t mode, uid_t uid,
 *			gid_t gid, struct vbuf *why);
 *	int  fsafe_open(int dirfd, const char *name, int flags, mode_t mode,
 *			struct stat *st, struct vbuf *why);
 *	int  fsafe_bind(int dirfd, const char *name, int sock, mode_t mode,
 *			struct vbuf *why);
 *	int  fsafe_mkfifo(int dirfd, const char *name, mode_t mode,
 *			struct vbuf *why);
 *
 *	const char *fsafe_type(mode_t mode);
 *	const char *fsafe_describe(struct vbuf *out, const struct stat *st);
 *	const char *fsafe_user(uid_t uid, struct vbuf *out);
 *	const char *fsafe_group(gid_t gid, struct vbuf *out);
 * DESCRIPTION
 *	For a process running as root inside directories that an
 *	unprivileged account owns (queue_directory/public and private
 *	belong to mail_owner): every call here names its file relative to a
 *	directory descriptor, never follows a symbolic link in the last
 *	component, and changes owner and mode only through a descriptor of
 *	the object it has just created or verified, so a link that the
 *	account renames into place at any moment can neither redirect a
 *	chown/chmod nor make root create or open a file elsewhere.
 *
 *	fsafe_become() makes the calling thread's file-system identity
 *	uid/gid (setfsuid/setfsgid, supplementary groups reduced to gid) when
 *	the process runs as root, and is a no-op otherwise; fsafe_restore()
 *	undoes it (fatal if it cannot). In between, files are created owned
 *	by uid:gid with modes from the umask, and every path lookup and
 *	permission check is the account's: whatever a planted link points
 *	to, the kernel refuses what the account itself could not do. The
 *	effective uid stays 0 throughout (signals, ports), so nothing may
 *	fork or log to a file in between. Calls do not nest. 0, or -1 with
 *	errno and the identity unchanged.
 *
 *	fsafe_opendir() opens directory name under dirfd (AT_FDCWD or a
 *	descriptor) with O_DIRECTORY|O_NOFOLLOW and fills st (fstat of the
 *	descriptor). On failure (-1) why says what is there instead: "is a
 *	symbolic link to TARGET", "is a regular file", or "cannot be opened:
 *	ERROR"; errno is kept.
 *
 *	fsafe_mkdir() creates directory name under dirfd (mkdirat, mode 0700
 *	first), opens it as fsafe_opendir() does, checks that the new
 *	directory belongs to us (nobody swapped it), then fchown()s it to
 *	uid:gid ((uid_t)-1 / (gid_t)-1 leave a field) and fchmod()s it to
 *	mode (after the chown, which may clear set-id bits). It returns the
 *	open descriptor, or -1 with why; an existing name is an error
 *	(EEXIST).
 *
 *	fsafe_open() is openat(dirfd, name, flags|O_NOFOLLOW|O_NONBLOCK|
 *	O_NOCTTY|O_CLOEXEC, mode) that accepts only a regular file with a
 *	single link (a hard link could be another name of a file root
 *	owns); st gets its fstat. O_NONBLOCK stays set (harmless on a
 *	regular file; a planted FIFO cannot block the open). flags may be
 *	O_PATH (the file is then not really opened; fchownat() with
 *	AT_EMPTY_PATH works on the result). -1 with why (as fsafe_opendir(),
 *	or "is a TYPE (expected a regular file)", "has N hard links ...").
 *
 *	fsafe_bind() binds the UNIX stream socket sock at name under dirfd
 *	with mode (through the umask) and no chmod or chown by path: it
 *	binds a fresh unpredictable name ".NAME.XXXXXXXXXXXX" (bind() never
 *	follows a link and fails on any existing name, in which case it
 *	tries another), then renameat()s it over name, which atomically
 *	replaces whatever link or stale socket is there. The owner is the
 *	caller's file-system identity (see fsafe_become()). The working
 *	directory is changed for the bind() and restored. 0, or -1 with why.
 *
 *	fsafe_mkfifo() does the same for a FIFO: mkfifoat() under a fresh
 *	name with exactly mode, opened O_RDWR|O_NONBLOCK|O_NOFOLLOW and
 *	checked to be a FIFO before it is renamed over name. It returns the
 *	open descriptor, or -1 with why.
 *
 *	fsafe_type() names a file type ("directory", "symbolic link", ...).
 *	fsafe_describe() writes "a TYPE owned by USER:GROUP, mode MODE" into
 *	out (reset first) and returns its string. fsafe_user() and
 *	fsafe_group() write a user or group name (or the number) into out
 *	(reset first) and return its string.
 * DIAGNOSTICS
 *	Fatal: fsafe_restore() cannot return to root's identity, nested
 *	fsafe_become(). Everything else is reported through why.
 * BUGS
 *	Linux only (setfsuid, O_PATH). The identity is per thread; callers
 *	are single-threaded.
 */
#include <sys/types.h>
#include <sys/stat.h>
#include "vbuf.h"

int fsafe_become(uid_t uid, gid_t gid);
void fsafe_restore(void);
int fsafe_opendir(int dirfd, const char *name, struct stat *st,
    struct vbuf *why);
int fsafe_mkdir(int dirfd, const char *name, mode_t mode, uid_t uid, gid_t gid,
    struct vbuf *why);
int fsafe_open(int dirfd, const char *name, int flags, mode_t mode,
    struct stat *st, struct vbuf *why);
int fsafe_bind(int dirfd, const char *name, int sock, mode_t mode,
    struct vbuf *why);
int fsafe_mkfifo(int dirfd, const char *name, mode_t mode, struct vbuf *why);
const char *fsafe_type(mode_t mode);
const char *fsafe_describe(struct vbuf *out, const struct stat *st);
const char *fsafe_user(uid_t uid, struct vbuf *out);
const char *fsafe_group(gid_t gid, struct vbuf *out);

#endif
