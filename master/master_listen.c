/*
 * master_listen - create and remove service endpoints; see master.h.
 *
 * Implementation notes. Every endpoint is close-on-exec and non-blocking
 * in the master; the child gets its own on fd 3 (dup2() clears the flag).
 * A UNIX socket is bound at public/NAME (mode 0666: public/ itself is
 * 0710, so only the owner and setgid_group get in) or private/NAME (mode
 * 0600). A FIFO is public/NAME or private/NAME with mode 0622, opened
 * read-write so the reader never sees end-of-file.
 *
 * Privileges and paths. public/ and private/ belong to mail_owner, so a
 * compromised daemon can rename links into them at any moment; the root
 * master therefore never touches a file there by path with root's
 * rights. It opens the directory (O_NOFOLLOW, O_DIRECTORY) and checks
 * that mail_owner owns it, then creates or removes the endpoint relative
 * to that descriptor while running with mail_owner's file-system
 * identity (util/fsafe): the socket or FIFO is born owned by mail_owner
 * with its mode from the umask, under a fresh unpredictable name that is
 * then renamed over the real one. No chown or chmod follows, a planted
 * link is replaced instead of followed, and a start never fails because
 * something sits at the name. Anything a link could lead the master to
 * is checked against mail_owner's permissions, not root's.
 *
 * An inet service gets one socket per address; the IPv6 wildcard also
 * accepts IPv4 (IPV6_V6ONLY off) and falls back to 0.0.0.0 when the host
 * has no IPv6.
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "master.h"
#include "fsafe.h"
#include "mem.h"
#include "msg.h"
#include "server.h"
#include "var.h"

#define MASTER_BACKLOG SOMAXCONN

/* master_owner - mail_owner's ids when we are root; 0 = nothing to do */

static int
master_owner(uid_t *uid, gid_t *gid, struct vbuf *why)
{
	const char *user;
	struct passwd *pw;

	if (geteuid() != 0)
		return (0);
	user = var_mail_owner;
	if ((pw = getpwnam(user)) == NULL) {
		vbuf_printf(why, "mail_owner user \"%s\" does not exist", user);
		return (-1);
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return (1);
}

/* master_split - "public/NAME": the directory and the name in it */

static const char *
master_split(const struct master_serv *serv, const char **name)
{
	const char *slash = strchr(serv->endpoint, '/');

	*name = slash ? slash + 1 : serv->endpoint;
	return (serv->private_ ? "private" : "public");
}

/* master_dir - open public/ or private/ and check who owns it */

static int
master_dir(const char *dir, struct vbuf *why)
{
	struct vbuf what = VBUF_INIT, desc = VBUF_INIT;
	struct stat st;
	uid_t uid;
	gid_t gid;
	int fd, r;

	if ((fd = fsafe_opendir(AT_FDCWD, dir, &st, &what)) < 0) {
		vbuf_printf(why, "%s/%s %s", var_queue_directory, dir,
		    vbuf_str(&what));
	} else if ((r = master_owner(&uid, &gid, why)) < 0 ||
	    (r > 0 && st.st_uid != uid) || (st.st_mode & S_IWOTH)) {
		if (r >= 0)
			vbuf_printf(why,
			    "%s/%s is %s; expected a directory owned by "
			    "mail_owner %s and not writable by others (run "
			    "sluice check)",
			    var_queue_directory, dir,
			    fsafe_describe(&desc, &st), var_mail_owner);
		close(fd);
		fd = -1;
	}
	vbuf_free(&what);
	vbuf_free(&desc);
	return (fd);
}

/* master_as_owner - enter mail_owner's file-system identity when root */

int
master_as_owner(struct vbuf *why)
{
	uid_t uid;
	gid_t gid;
	int r;

	if ((r = master_owner(&uid, &gid, why)) <= 0)
		return (r);
	if (fsafe_become(uid, gid) < 0) {
		vbuf_printf(why,
		    "cannot take the identity of mail_owner %s: %s",
		    var_mail_owner, strerror(errno));
		return (-1);
	}
	return (0);
}

/*
 * master_unix_listen - a UNIX stream socket at public/NAME or private/NAME,
 * bound under mail_owner's identity (see fsafe.h), so it is born owned by
 * mail_owner with the right mode and nothing is changed by path later.
 */
static int
master_unix_listen(const struct master_serv *serv, int mode, struct vbuf *why)
{
	struct vbuf what = VBUF_INIT;
	const char *dir, *name;
	int dfd, fd = -1;

	dir = master_split(serv, &name);
	if ((dfd = master_dir(dir, why)) < 0)
		return (-1);
	if (master_as_owner(why) < 0) {
		close(dfd);
		return (-1);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		vbuf_printf(&what, "socket: %s", strerror(errno));
	else if (fsafe_bind(dfd, name, fd, (mode_t)mode, &what) < 0 ||
	    listen(fd, MASTER_BACKLOG) < 0) {
		if (what.len == 0)
			vbuf_printf(&what, "listen: %s", strerror(errno));
		close(fd);
		fd = -1;
	}
	fsafe_restore();
	if (fd < 0)
		vbuf_printf(why, "bind/listen %s: %s", serv->endpoint,
		    vbuf_str(&what));
	close(dfd);
	vbuf_free(&what);
	return (fd);
}

/* master_fifo_listen - make and open a FIFO, as mail_owner when root */

static int
master_fifo_listen(const struct master_serv *serv, struct vbuf *why)
{
	struct vbuf what = VBUF_INIT;
	const char *dir, *name;
	int dfd, fd;

	dir = master_split(serv, &name);
	if ((dfd = master_dir(dir, why)) < 0)
		return (-1);
	if (master_as_owner(why) < 0) {
		close(dfd);
		return (-1);
	}
	fd = fsafe_mkfifo(dfd, name, 0622, &what);
	fsafe_restore();
	if (fd < 0)
		vbuf_printf(why, "mkfifo %s: %s", serv->endpoint,
		    vbuf_str(&what));
	close(dfd);
	vbuf_free(&what);
	return (fd);
}

/* master_inet_try - socket, bind, listen; -1 with errno */

static int
master_inet_try(const struct sockaddr *sa, socklen_t len, int v6only)
{
	int fd, on = 1, saved;

	fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0);
	if (fd < 0)
		return (-1);
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (sa->sa_family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only,
		    sizeof(v6only));
	if (bind(fd, sa, len) < 0 || listen(fd, MASTER_BACKLOG) < 0) {
		saved = errno;
		close(fd);
		errno = saved;
		return (-1);
	}
	return (fd);
}

/* master_inet_listen - listen on one address */

static int
master_inet_listen(const struct master_addr *a, struct vbuf *why)
{
	struct sockaddr_in s4;
	int fd;

	fd = master_inet_try((const struct sockaddr *)&a->sa, a->len, !a->dual);
	if (fd < 0 && a->dual &&
	    (errno == EAFNOSUPPORT || errno == EADDRNOTAVAIL)) {
		/* No IPv6 here: the wildcard becomes 0.0.0.0. */
		memset(&s4, 0, sizeof(s4));
		s4.sin_family = AF_INET;
		s4.sin_addr.s_addr = htonl(INADDR_ANY);
		s4.sin_port = ((const struct sockaddr_in6 *)&a->sa)->sin6_port;
		fd = master_inet_try((struct sockaddr *)&s4, sizeof(s4), 0);
	}
	if (fd < 0)
		vbuf_printf(why, "bind %s: %s", a->text, strerror(errno));
	return (fd);
}

/* master_listen_copies - give every copy of an endpoint its own descriptor
 * of the same socket: slot e * nproc + k (k > 0) gets a dup of slot
 * e * nproc; -1 with why when out of descriptors */

int
master_listen_copies(struct master_serv *serv, int from, struct vbuf *why)
{
	int e, k, fd, nend = serv->nslot / serv->nproc;

	for (e = 0; e < nend; e++)
		for (k = from; k < serv->nproc; k++) {
			struct master_slot *slot =
			    &serv->slots[e * serv->nproc + k];

			if (slot->fd >= 0)
				continue;
			fd = fcntl(serv->slots[e * serv->nproc].fd,
			    F_DUPFD_CLOEXEC, SERVER_LISTEN_FD + 1);
			if (fd < 0) {
				vbuf_printf(why, "%s: dup endpoint: %s",
				    serv->name, strerror(errno));
				return (-1);
			}
			slot->fd = fd;
		}
	return (0);
}

/* master_listen_open - create a service's endpoints and slots: nproc
 * slots per endpoint, endpoint-major */

int
master_listen_open(struct master_serv *serv, struct vbuf *why)
{
	int n = serv->type == MASTER_INET ? serv->naddr : 1;
	int i, fd;

	if (serv->nproc < 1)
		serv->nproc = 1;
	serv->nslot = n * serv->nproc;
	serv->slots = mem_calloc((size_t)serv->nslot, sizeof(*serv->slots));
	for (i = 0; i < serv->nslot; i++) {
		serv->slots[i].serv = serv;
		serv->slots[i].fd = -1;
	}
	for (i = 0; i < n; i++) {
		if (serv->type == MASTER_INET)
			fd = master_inet_listen(&serv->addrs[i], why);
		else if (serv->type == MASTER_FIFO)
			fd = master_fifo_listen(serv, why);
		else
			fd = master_unix_listen(serv,
			    serv->private_ ? 0600 : 0666, why);
		if (fd < 0) {
			master_listen_close(serv);
			return (-1);
		}
		serv->slots[i * serv->nproc].fd = fd;
	}
	if (master_listen_copies(serv, 1, why) < 0) {
		master_listen_close(serv);
		return (-1);
	}
	return (0);
}

/* master_listen_close - close endpoints; remove socket and FIFO files */

void
master_listen_close(struct master_serv *serv)
{
	struct vbuf why = VBUF_INIT;
	const char *dir, *name;
	int i, dfd, opened = 0;

	for (i = 0; i < serv->nslot; i++) {
		if (serv->slots[i].fd >= 0) {
			close(serv->slots[i].fd);
			serv->slots[i].fd = -1;
			opened = 1;
		}
	}
	if (!opened || serv->endpoint == NULL)
		return;
	/* Whatever is there now goes, as mail_owner could remove it: a
	 * link is removed, never followed. */
	dir = master_split(serv, &name);
	if ((dfd = master_dir(dir, &why)) >= 0) {
		if (master_as_owner(&why) == 0) {
			if (unlinkat(dfd, name, 0) < 0 && errno != ENOENT)
				msg_warn("remove %s: %m", serv->endpoint);
			fsafe_restore();
		}
		close(dfd);
	}
	if (why.len > 0)
		msg_warn("%s", vbuf_str(&why));
	vbuf_free(&why);
}
