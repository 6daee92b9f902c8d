/*
 * master_status - the status pipe: a copy asks for its siblings; see
 * master.h.
 *
 * Implementation notes. A service that may run several processes per
 * endpoint (master_nproc() > 1) starts with one; the others are started
 * when a child reports that it serves two clients at once (util/server:
 * one write of its pid on fd SERVER_STATUS_FD, once). So an unused
 * service (relay next to smtp, say) costs no process (its first one
 * starts on demand: master_spawn.c), and a loaded one gets a process per
 * CPU within one round trip. Copies stay until they retire, stop or
 * reload (reload keeps the service's "grown" state).
 *
 * Retirement (max_idle, max_use): a child writes -pid when it gives up
 * its slot; it has closed its listener, or exits with nothing in
 * progress. The master moves it to the draining children and watches the
 * endpoint, so a client queued in the shared backlog, or the next one,
 * starts the successor while the old process finishes its own clients.
 * A child that cannot write the notice keeps accepting until it exits.
 *
 * One pipe serves every child, as Postfix's master status pipe does:
 * writes of an int are atomic, so reads come in whole records. Both ends
 * are close-on-exec and non-blocking (a child never blocks on a full
 * pipe: its report is then lost, and a later child reports again) and
 * live above fd SERVER_STATUS_FD, so setting up fds 3 and 4 in a child
 * never overwrites them. A child can only name a pid; an unknown one or
 * a service already grown is ignored, so a compromised child can at most
 * start the processes master.cf allows anyway, or (naming another
 * child's pid as retiring) have a successor started beside a process it
 * could signal anyway (same mail_owner uid), bounded by the table of
 * draining children.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

#include <event2/event.h>

#include "master.h"
#include "msg.h"
#include "server.h"

#define MASTER_STATUS_BATCH 64 /* records per read */

int master_status_wfd = -1;
static int master_status_rfd = -1;
static struct event *master_status_ev;

/* master_status_event - children asked for their siblings */

static void
master_status_event(evutil_socket_t fd, short what, void *ctx)
{
	int pids[MASTER_STATUS_BATCH];
	struct master_slot *slot;
	ssize_t n;
	int i, rounds;

	for (rounds = 0; rounds < 16; rounds++) {
		n = read(fd, pids, sizeof(pids));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		for (i = 0; i < (int)(n / (ssize_t)sizeof(int)); i++)
			if (pids[i] < 0 && pids[i] != INT_MIN)
				master_slot_retire((pid_t)-pids[i]);
			else if ((slot = master_slot_of((pid_t)pids[i])) !=
			    NULL)
				master_serv_grow(slot->serv);
	}
}

/* master_status_poll - read what the children wrote, now: before their
 * exits are reaped, so that a retirement notice is seen first */

void
master_status_poll(void)
{
	if (master_status_rfd >= 0)
		master_status_event(master_status_rfd, EV_READ, NULL);
}

/* master_fd_above - move fd to a close-on-exec descriptor above fd 4 */

static int
master_fd_above(int fd)
{
	int moved = fcntl(fd, F_DUPFD_CLOEXEC, SERVER_STATUS_FD + 1);

	if (moved < 0)
		msg_fatal("status pipe: %m");
	(void)close(fd);
	return (moved);
}

/* master_status_init - make the pipe and listen to it */

void
master_status_init(void)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
		msg_fatal("status pipe: %m");
	master_status_rfd = master_fd_above(p[0]);
	master_status_wfd = master_fd_above(p[1]);
	master_status_ev = event_new(master_base, master_status_rfd,
	    EV_READ | EV_PERSIST, master_status_event, NULL);
	if (master_status_ev == NULL || event_add(master_status_ev, NULL) < 0)
		msg_fatal("cannot register the status pipe");
}
