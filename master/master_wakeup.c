/*
 * master_wakeup - periodic wake-up triggers; see master.h.
 *
 * Implementation notes. Every wakeup seconds the master writes "W" to
 * the service's endpoint, as Postfix's master does: trigger_send() for a
 * UNIX socket (it never blocks more than a second; the listen backlog
 * takes the connection even while the daemon is busy), a non-blocking
 * write for a FIFO. The "N?" form ("only once the service was used")
 * is treated as N: sluice's daemons always run, so "used" is moot and
 * the wake-up is harmless. A lost wake-up only delays work until the
 * next one, so failures are logged only in verbose mode.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <event2/event.h>

#include "master.h"
#include "msg.h"
#include "server.h"

/* master_wakeup_event - time to poke the service */

static void
master_wakeup_event(evutil_socket_t unused, short what, void *ctx)
{
	struct master_serv *serv = ctx;
	int fd;

	if (serv->endpoint == NULL || master_terminating)
		return;
	if (serv->type == MASTER_FIFO) {
		fd = open(serv->endpoint, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0 || write(fd, "W", 1) != 1) {
			if (msg_verbose)
				msg_info("wakeup %s: %m", serv->endpoint);
		}
		if (fd >= 0)
			close(fd);
	} else if (trigger_send(serv->endpoint, "W", 1) < 0 && msg_verbose) {
		msg_info("wakeup %s: %m", serv->endpoint);
	}
}

/* master_wakeup_start - arm the periodic trigger, if the entry has one */

void
master_wakeup_start(struct master_serv *serv)
{
	if (serv->wakeup <= 0 || serv->type == MASTER_INET)
		return;
	master_timer_arm(&serv->wakeup_ev, EV_PERSIST, master_wakeup_event,
	    serv, serv->wakeup);
}

/* master_wakeup_stop - disarm it */

void
master_wakeup_stop(struct master_serv *serv)
{
	master_timer_stop(serv->wakeup_ev);
}
