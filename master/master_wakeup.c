/*
 * master_wakeup - periodic wake-up triggers; see master.h.
 *
 * Implementation notes. Every wakeup seconds the master writes "W" to
 * the service's endpoint, as Postfix's master does: trigger_send() for a
 * UNIX socket (it never blocks more than a second; the listen backlog
 * takes the connection even while the daemon is busy), made with
 * mail_owner's file-system identity so that a link planted at the name
 * leads nowhere mail_owner could not write itself; for a FIFO, a
 * non-blocking write to the master's own read-write descriptor of it
 * (no path at all). The "N?" form ("only once the service was used")
 * arms the timer when the service's first process starts (master_spawn()),
 * so the wake-up of an unused ondemand service (flush) starts no
 * process. A lost wake-up only delays work until the
 * next one, so failures are logged only in verbose mode.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <event2/event.h>

#include "master.h"
#include "fsafe.h"
#include "msg.h"
#include "server.h"

/* master_wakeup_event - time to poke the service */

static void
master_wakeup_event(evutil_socket_t unused, short what, void *ctx)
{
	struct master_serv *serv = ctx;
	struct vbuf why = VBUF_INIT;

	if (serv->endpoint == NULL || master_terminating)
		return;
	if (serv->type == MASTER_FIFO) {
		/* Our own read-write descriptor: no path to follow. */
		if (serv->nslot > 0 && serv->slots[0].fd >= 0 &&
		    write(serv->slots[0].fd, "W", 1) != 1 && msg_verbose)
			msg_info("wakeup %s: %m", serv->endpoint);
	} else if (master_as_owner(&why) < 0) {
		msg_warn("wakeup %s: %s", serv->endpoint, vbuf_str(&why));
	} else {
		if (trigger_send(serv->endpoint, "W", 1) < 0 && msg_verbose)
			msg_info("wakeup %s: %m", serv->endpoint);
		fsafe_restore();
	}
	vbuf_free(&why);
}

/* master_wakeup_start - arm the periodic trigger, if the entry has one */

void
master_wakeup_start(struct master_serv *serv)
{
	if (serv->wakeup <= 0 || serv->type == MASTER_INET ||
	    (serv->wakeup_if_used && !serv->used))
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
