/*
 * NAME
 *	qmgr_scan - triggers, incremental queue scans, the feed loop
 * SYNOPSIS
 *	#include "qmgr.h"
 *
 *	void qmgr_scan_init(struct event_base *base);
 *	void qmgr_trigger(const char *buf, size_t len);
 *	void qmgr_feed_request(void);
 *	struct event_base *qmgr_base(void);
 * DESCRIPTION
 *	qmgr_scan_init() starts an incoming and a deferred scan and a timer
 *	that starts a deferred scan every queue_run_delay.
 *
 *	qmgr_trigger() handles the bytes of one trigger connection; each
 *	byte is a request, duplicates collapse: I and W start an incoming
 *	scan, D a deferred scan (a scan in progress is restarted when it
 *	ends), A makes the current and the next scans of both queues ignore
 *	file mtimes, F forgets dead destinations and transport throttles.
 *	Other bytes are ignored.
 *
 *	Scans are incremental: a zero-timeout timer takes at most
 *	QMGR_SCAN_BATCH directory entries per turn of the event loop,
 *	alternating between the incoming and the deferred scan, and only
 *	while fewer than qmgr_message_active_limit messages are in core, so
 *	a huge queue never blocks the loop. qmgr_feed_request() re-arms it
 *	(a message left core).
 */
#include <string.h>
#include <event2/event.h>
#include "mem.h"
#include "msg.h"
#include "qdir.h"
#include "qmgr.h"

#define QMGR_SCAN_BATCH 100 /* directory entries per loop turn */

struct qmgr_scan {
	const char *queue;
	struct qdir_scan *handle; /* non-NULL: in progress */
	int all;		  /* this scan ignores mtimes */
	int next_all;		  /* the next scan ignores mtimes */
	int restart;		  /* start again when done */
};

static struct qmgr_scan qmgr_incoming = {.queue = QDIR_INCOMING};
static struct qmgr_scan qmgr_deferred = {.queue = QDIR_DEFERRED};
static struct event_base *qmgr_scan_base;
static struct event *qmgr_feed_ev;
static struct event *qmgr_deferred_ev;
static int qmgr_feed_pending;
static int qmgr_feed_turn;

struct event_base *
qmgr_base(void)
{
	return (qmgr_scan_base);
}

void
qmgr_feed_request(void)
{
	struct timeval zero = {0, 0};

	if (qmgr_feed_ev == 0 || qmgr_feed_pending)
		return;
	if (qmgr_incoming.handle == 0 && qmgr_deferred.handle == 0)
		return;
	if (qmgr_message_count >= var_qmgr_message_active_limit)
		return;
	qmgr_feed_pending = 1;
	evtimer_add(qmgr_feed_ev, &zero);
}

static void
qmgr_scan_start(struct qmgr_scan *s)
{
	s->all = s->next_all;
	s->next_all = 0;
	s->restart = 0;
	if ((s->handle = qdir_scan_open(s->queue)) == 0)
		msg_warn("open queue %s: %m", s->queue);
	qmgr_feed_request();
}

static void
qmgr_scan_request(struct qmgr_scan *s, int start, int all)
{
	if (all) {
		if (s->handle)
			s->all = 1;
		s->next_all = 1;
	}
	if (!start)
		return;
	if (s->handle)
		s->restart = 1;
	else
		qmgr_scan_start(s);
}

/* The next file name of a scan, or NULL when it just ended. */
static const char *
qmgr_scan_next(struct qmgr_scan *s)
{
	const char *id;

	if ((id = qdir_scan_next(s->handle)) != 0)
		return (id);
	s->handle = qdir_scan_close(s->handle);
	if (s->restart)
		qmgr_scan_start(s);
	return (0);
}

static void
qmgr_feed(evutil_socket_t fd, short what, void *ctx)
{
	struct qmgr_scan *order[2];
	struct qmgr_scan *s;
	const char *id;
	char *copy;
	int budget;
	int i;

	qmgr_feed_pending = 0;
	for (budget = QMGR_SCAN_BATCH; budget > 0; budget--) {
		if (qmgr_message_count >= var_qmgr_message_active_limit) {
			/* Incoming goes first when there is room again. */
			qmgr_feed_turn = 0;
			break;
		}
		order[0] = qmgr_feed_turn ? &qmgr_deferred : &qmgr_incoming;
		order[1] = qmgr_feed_turn ? &qmgr_incoming : &qmgr_deferred;
		s = 0;
		for (i = 0; i < 2; i++)
			if (order[i]->handle) {
				s = order[i];
				break;
			}
		if (s == 0)
			break;
		qmgr_feed_turn = (s == &qmgr_incoming);
		if ((id = qmgr_scan_next(s)) == 0)
			continue;
		copy = mem_strdup(id);
		(void)qmgr_active_feed(s->queue, copy, s->all);
		mem_free(copy);
	}
	qmgr_feed_request();
}

static void
qmgr_deferred_timer(evutil_socket_t fd, short what, void *ctx)
{
	struct timeval tv = {var_queue_run_delay, 0};

	qmgr_scan_request(&qmgr_deferred, 1, 0);
	evtimer_add(qmgr_deferred_ev, &tv);
}

void
qmgr_trigger(const char *buf, size_t len)
{
	int incoming = 0, deferred = 0, all = 0, flush = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		switch (buf[i]) {
		case 'I':
		case 'W':
			incoming = 1;
			break;
		case 'D':
			deferred = 1;
			break;
		case 'A':
			all = 1;
			break;
		case 'F':
			flush = 1;
			break;
		default:
			break;
		}
	}
	if (flush)
		qmgr_queue_revive_all();
	if (incoming || all)
		qmgr_scan_request(&qmgr_incoming, incoming, all);
	if (deferred || all)
		qmgr_scan_request(&qmgr_deferred, deferred, all);
	qmgr_dispatch_request();
}

void
qmgr_scan_init(struct event_base *base)
{
	struct timeval tv = {var_queue_run_delay, 0};

	qmgr_scan_base = base;
	qmgr_feed_ev = evtimer_new(base, qmgr_feed, 0);
	qmgr_deferred_ev = evtimer_new(base, qmgr_deferred_timer, 0);
	if (qmgr_feed_ev == 0 || qmgr_deferred_ev == 0)
		msg_fatal("cannot create scan timers");
	qmgr_scan_request(&qmgr_incoming, 1, 0);
	qmgr_scan_request(&qmgr_deferred, 1, 0);
	evtimer_add(qmgr_deferred_ev, &tv);
}
