/*
 * NAME
 *	pickup - local mail pickup
 * SYNOPSIS
 *	pickup [-c config_dir] [-n service] [-t type] [-o name=value] [-v]
 * DESCRIPTION
 *	pickup moves mail from the maildrop queue (written by postdrop for
 *	sendmail and "sendmail -bs", or by postsuper -r) to cleanup. It scans
 *	maildrop/ when it starts and on every trigger on public/pickup
 *	(postdrop writes "W"; the master sends "W" every wake-up period of
 *	master.cf). Each ready file (mode 0744, or 0700 for a requeued one)
 *	is validated completely, then its records are streamed to
 *	public/cleanup, preceded by "A submit_uid=UID" (the file owner) so
 *	that cleanup adds the local Received: header. When cleanup answers
 *	status=0 the maildrop file is removed and pickup logs "NEWID:
 *	uid=UID from=<SENDER>" (with " orig_id=OLDID" for a requeued file).
 *
 *	A file that is not a valid maildrop file (unknown record types, CR/LF
 *	in envelope records, no sender, no recipient, no end record, records
 *	over the limit), or that cleanup rejects permanently, is moved to
 *	corrupt/ with a warning; the scan goes on. When cleanup cannot be
 *	reached the file stays and the pass ends; the next trigger or
 *	wake-up retries.
 *
 *	Files are handled in batches of PICKUP_BATCH per event-loop turn,
 *	so triggers and signals are served while a large maildrop drains;
 *	a pass that removed files is followed by another pass, as Postfix's
 *	pickup does, and a trigger during a pass asks for one more.
 * SECURITY
 *	Maildrop files are written for local users and are untrusted: they
 *	are opened without following symlinks, checked before use and
 *	bounded in record length; the submitting uid is the file's owner,
 *	never anything in the file. Only a requeued file is trusted, as
 *	Postfix's pickup (MAIL_IS_REQUEUED) decides it: owned by mail_owner
 *	(pickup's own uid) and not world-readable, i.e. moved there by
 *	postsuper -r; it may hold any queue-file record. Every other file
 *	(whoever owns it, root included) gets postdrop's record subset, and
 *	an attribute a user may not set (submit_uid, trace_header,
 *	log_origin, client attributes...) is dropped with Postfix's warning
 *	"uid=UID: ignoring attribute record: NAME=VALUE" (util/maildrop.h),
 *	in case a file reached maildrop/ without postdrop. pickup runs as
 *	mail_owner and talks only to cleanup.
 * CONFIGURATION PARAMETERS
 *	queue_directory, cleanup_service_name (cleanup), ipc_timeout
 *	(3600s; pickup waits at most min(ipc_timeout, 100s) for cleanup at
 *	each step), max_idle (100s), max_use (100 triggers) (util/server.h,
 *	"Lifetimes"; the wake-up timer or postdrop's trigger restarts it).
 * SEE ALSO
 *	sendmail(1), postdrop(1), cleanup(8), postsuper(1)
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <event2/event.h>

#include "msg.h"
#include "param.h"
#include "qdir.h"
#include "server.h"
#include "pickup.h"

#define PICKUP_BATCH 100   /* files per event-loop turn */
#define PICKUP_TIMEOUT 100 /* seconds, at most */

static struct event *pickup_ev;	      /* runs the next batch */
static struct qdir_scan *pickup_scan; /* the pass in progress */
static int pickup_progress;	      /* files removed in this pass */
static int pickup_again;	      /* trigger arrived during a pass */
static int pickup_timeout;

static const struct param_var pickup_params[] = {
    PARAM_VAR(cleanup_service_name),
    PARAM_VAR(ipc_timeout),
    PARAM_VAR_END,
};

/* pickup_schedule - run the next batch soon */

static void
pickup_schedule(void)
{
	struct timeval tv = {0, 0};

	evtimer_add(pickup_ev, &tv);
}

/* pickup_batch - process up to PICKUP_BATCH files of the current pass */

static void
pickup_batch(evutil_socket_t unused_fd, short unused_what, void *unused_ctx)
{
	const char *id;
	int count;

	if (pickup_scan == 0) {
		pickup_scan = qdir_scan_open(QDIR_MAILDROP);
		pickup_progress = 0;
		pickup_again = 0;
		if (pickup_scan == 0) {
			msg_warn("open directory %s: %m", QDIR_MAILDROP);
			return;
		}
	}
	for (count = 0; count < PICKUP_BATCH; count++) {
		if ((id = qdir_scan_next(pickup_scan)) == 0)
			break;
		switch (
		    pickup_file(id, var_cleanup_service_name, pickup_timeout)) {
		case PICKUP_DONE:
		case PICKUP_CORRUPT:
			pickup_progress++;
			break;
		case PICKUP_DOWN:
			/* Cleanup is not there: retry at the next trigger. */
			pickup_scan = qdir_scan_close(pickup_scan);
			return;
		default:
			break;
		}
	}
	if (count == PICKUP_BATCH) {
		pickup_schedule();
		return;
	}
	pickup_scan = qdir_scan_close(pickup_scan);
	if (pickup_progress > 0 || pickup_again)
		pickup_schedule();
}

/* pickup_trigger - any trigger asks for a scan */

static void
pickup_trigger(const char *unused_buf, size_t unused_len)
{
	if (pickup_scan != 0)
		pickup_again = 1;
	else
		pickup_schedule();
}

/* pickup_init - set up the batch event, scan once at start */

static void
pickup_init(struct event_base *base)
{
	long t = var_ipc_timeout;

	pickup_timeout =
	    (t > 0 && t < PICKUP_TIMEOUT) ? (int)t : PICKUP_TIMEOUT;
	if ((pickup_ev = evtimer_new(base, pickup_batch, 0)) == 0)
		msg_fatal("cannot create timer event");
	pickup_schedule();
}

/* pickup_active - a pass in progress or due (util/server: a retiring
 * pickup finishes it first) */

static int
pickup_active(void)
{
	return (pickup_scan != 0 || evtimer_pending(pickup_ev, NULL));
}

/* pickup_stop - leave the pass */

static void
pickup_stop(void)
{
	pickup_scan = qdir_scan_close(pickup_scan);
}

int
main(int argc, char **argv)
{
	static const struct server_spec spec = {
	    .name = "pickup",
	    .mode = SERVER_TRIGGER,
	    .init = pickup_init,
	    .trigger = pickup_trigger,
	    .stop = pickup_stop,
	    .active = pickup_active,
	    .params = pickup_params,
	};

	return (server_main(argc, argv, &spec));
}
