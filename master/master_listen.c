/*
 * master_listen - create and remove service endpoints; see master.h.
 *
 * Implementation notes. Every endpoint is close-on-exec and non-blocking
 * in the master; the child gets its own on fd 3 (dup2() clears the flag).
 * A UNIX socket is bound at public/NAME (mode 0666: public/ itself is
 * 0710, so only the owner and setgid_group get in) or private/NAME (mode
 * 0600). A FIFO is public/NAME or private/NAME with mode 0622, opened
 * read-write so the reader never sees end-of-file. When the master runs
 * as root, socket and FIFO files are given to mail_owner, because the
 * daemons that use them have dropped to that user.
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
#include "mem.h"
#include "msg.h"
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

/* master_give - chown an endpoint file to mail_owner when root; fd, or
 * -1 with fd closed */

static int
master_give(int fd, const char *path, struct vbuf *why)
{
	uid_t uid;
	gid_t gid;
	int r;

	r = master_owner(&uid, &gid, why);
	if (r > 0 && chown(path, uid, gid) < 0) {
		vbuf_printf(why, "chown %s: %s", path, strerror(errno));
		r = -1;
	}
	if (r < 0) {
		close(fd);
		return (-1);
	}
	return (fd);
}

/* master_unlink - remove a stale endpoint file; 0 or -1 */

static int
master_unlink(const char *path, struct vbuf *why)
{
	if (unlink(path) < 0 && errno != ENOENT) {
		vbuf_printf(why, "remove %s: %s", path, strerror(errno));
		return (-1);
	}
	return (0);
}

/* master_unix_listen - bind a UNIX stream socket at path */

static int
master_unix_listen(const char *path, int mode, struct vbuf *why)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		vbuf_printf(why, "socket name too long: %s", path);
		return (-1);
	}
	strcpy(sun.sun_path, path);
	if (master_unlink(path, why) < 0)
		return (-1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		vbuf_printf(why, "socket: %s", strerror(errno));
		return (-1);
	}
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    listen(fd, MASTER_BACKLOG) < 0 || chmod(path, (mode_t)mode) < 0) {
		vbuf_printf(why, "bind/listen %s: %s", path, strerror(errno));
		close(fd);
		return (-1);
	}
	return (master_give(fd, path, why));
}

/* master_fifo_listen - make and open a FIFO at path */

static int
master_fifo_listen(const char *path, struct vbuf *why)
{
	int fd;

	if (master_unlink(path, why) < 0)
		return (-1);
	if (mkfifo(path, 0622) < 0) {
		vbuf_printf(why, "mkfifo %s: %s", path, strerror(errno));
		return (-1);
	}
	fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 || chmod(path, 0622) < 0) {
		vbuf_printf(why, "open %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return (-1);
	}
	return (master_give(fd, path, why));
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

/* master_listen_open - create a service's endpoints and slots */

int
master_listen_open(struct master_serv *serv, struct vbuf *why)
{
	int n = serv->type == MASTER_INET ? serv->naddr : 1;
	int i, fd;

	serv->slots = mem_calloc((size_t)n, sizeof(*serv->slots));
	serv->nslot = n;
	for (i = 0; i < n; i++) {
		serv->slots[i].serv = serv;
		serv->slots[i].fd = -1;
	}
	for (i = 0; i < n; i++) {
		if (serv->type == MASTER_INET)
			fd = master_inet_listen(&serv->addrs[i], why);
		else if (serv->type == MASTER_FIFO)
			fd = master_fifo_listen(serv->endpoint, why);
		else
			fd = master_unix_listen(serv->endpoint,
			    serv->private_ ? 0600 : 0666, why);
		if (fd < 0) {
			master_listen_close(serv);
			return (-1);
		}
		serv->slots[i].fd = fd;
	}
	return (0);
}

/* master_listen_close - close endpoints; remove socket and FIFO files */

void
master_listen_close(struct master_serv *serv)
{
	int i, opened = 0;

	for (i = 0; i < serv->nslot; i++) {
		if (serv->slots[i].fd >= 0) {
			close(serv->slots[i].fd);
			serv->slots[i].fd = -1;
			opened = 1;
		}
	}
	if (opened && serv->endpoint != NULL)
		(void)unlink(serv->endpoint);
}
