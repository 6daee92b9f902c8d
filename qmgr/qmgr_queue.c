/*
 * NAME
 *	qmgr_queue - transports, per-destination queues, entries, dispatch
 * SYNOPSIS
 *	#include "qmgr.h"
 *
 *	void qmgr_queue_init(struct event_base *base);
 *	struct qmgr_transport *qmgr_transport_find(const char *name);
 *	struct qmgr_queue *qmgr_queue_find(struct qmgr_transport *t,
 *			const char *name);
 *	void qmgr_queue_add_rcpt(struct qmgr_queue *q,
 *			struct qmgr_message *msg, struct qmgr_rcpt *rcpt);
 *	void qmgr_entry_done(struct qmgr_entry *e, int status,
 *			const char *hop_status, const char *hop_dsn);
 *	void qmgr_entry_transport_failure(struct qmgr_entry *e,
 *			const char *why);
 *	void qmgr_entry_requeue(struct qmgr_entry *e);
 *	void qmgr_queue_revive_all(void);
 *	void qmgr_queue_revive(struct qmgr_queue *q);
 *	void qmgr_dispatch_request(void);
 *	int  qmgr_queue_is_dead(const struct qmgr_queue *q);
 * DESCRIPTION
 *	A transport is created on first use with its per-transport limits
 *	(<transport>_destination_concurrency_limit, ..._recipient_limit,
 *	<transport>_initial_destination_concurrency, the feedback and
 *	failed-cohort parameters, each falling back to the default_
 *	parameter). Its in-flight requests are capped by
 *	default_process_limit. A transport that could not be reached is
 *	throttled for transport_retry_time: its queued entries and new
 *	recipients are deferred with "mail transport unavailable".
 *
 *	A queue is created on first use and freed when it holds nothing
 *	and is not dead. qmgr_queue_add_rcpt() adds a recipient to the
 *	message's open entry for the queue (up to the recipient limit) or
 *	to a new entry, or defers it at once when the queue is dead or the
 *	transport throttled.
 *
 *	The dispatcher runs from a zero-timeout event: round-robin over the
 *	transport's queues that have entries and room in their window, it
 *	hands the oldest entry of each to qmgr_deliver_start().
 *
 *	qmgr_entry_done() applies an agent's reply: status 1 marks the
 *	message deferred; a hop_status is a site-level failure (negative
 *	feedback; the destination may die, which defers its queued entries
 *	with "delivery temporarily suspended: HOP_STATUS" and arms a revival
 *	after minimal_backoff_time); no hop_status is positive feedback.
 *	qmgr_entry_transport_failure() logs why (unless NULL: the caller
 *	did), defers the entry's recipients that are not yet marked done and
 *	throttles the transport.
 *	qmgr_entry_requeue() puts a request that could not be sent back at
 *	the head of its queue and pauses the transport for a second.
 *	qmgr_queue_revive_all() forgets all dead destinations and
 *	transport throttles (trigger 'F').
 */
#include <stdlib.h>
#include <string.h>
#include <event2/event.h>
#include "mem.h"
#include "msg.h"
#include "qmgr.h"

#define QMGR_TRANSPORT_UNAVAIL "mail transport unavailable"
#define QMGR_SUSPENDED "delivery temporarily suspended: "

static struct event_base *qmgr_queue_base;
static struct qmgr_transport *qmgr_transports;
static struct event *qmgr_dispatch_ev;
static int qmgr_dispatch_pending;

static struct qmgr_queue **qmgr_queue_table;
static size_t qmgr_queue_table_size;
static size_t qmgr_queue_table_count;

static void qmgr_dispatch(evutil_socket_t, short, void *);
static void qmgr_queue_update(struct qmgr_queue *q);

void
qmgr_queue_init(struct event_base *base)
{
	qmgr_queue_base = base;
	if (base && qmgr_dispatch_ev == 0)
		qmgr_dispatch_ev = evtimer_new(base, qmgr_dispatch, 0);
	if (qmgr_queue_table == 0) {
		qmgr_queue_table_size = 256;
		qmgr_queue_table = mem_calloc(qmgr_queue_table_size,
		    sizeof(*qmgr_queue_table));
	}
}

void
qmgr_dispatch_request(void)
{
	struct timeval zero = {0, 0};

	if (qmgr_dispatch_ev == 0 || qmgr_dispatch_pending)
		return;
	qmgr_dispatch_pending = 1;
	evtimer_add(qmgr_dispatch_ev, &zero);
}

/* Transports. */

static void
qmgr_transport_unthrottle(evutil_socket_t fd, short what, void *ctx)
{
	struct qmgr_transport *t = ctx;

	if (t->throttle_reason)
		msg_info("transport %s: unthrottled", t->name);
	t->throttle_reason = mem_free(t->throttle_reason);
	t->throttle_dsn = mem_free(t->throttle_dsn);
	qmgr_dispatch_request();
}

static void
qmgr_transport_unblock(evutil_socket_t fd, short what, void *ctx)
{
	struct qmgr_transport *t = ctx;

	t->blocked = 0;
	qmgr_dispatch_request();
}

static int
qmgr_transport_feedback(const char *tname, const char *suffix,
    const char *fallback, struct qmgr_feedback *fb)
{
	const char *v = qmgr_transport_str(tname, suffix, fallback);

	if (qmgr_feedback_parse(v, fb) < 0) {
		msg_warn("transport %s: bad %s_%s value \"%s\"; using 1", tname,
		    tname, suffix, v);
		fb->value = 1;
		fb->per_window = 0;
		return (-1);
	}
	return (0);
}

struct qmgr_transport *
qmgr_transport_find(const char *name)
{
	struct qmgr_transport *t;

	for (t = qmgr_transports; t; t = t->next)
		if (strcmp(t->name, name) == 0)
			return (t);
	t = mem_calloc(1, sizeof(*t));
	t->name = mem_strdup(name);
	t->dest_concurrency_limit =
	    (int)qmgr_transport_int(name, "destination_concurrency_limit",
		"default_destination_concurrency_limit");
	t->init_dest_concurrency =
	    (int)qmgr_transport_int(name, "initial_destination_concurrency",
		"initial_destination_concurrency");
	t->recipient_limit =
	    (int)qmgr_transport_int(name, "destination_recipient_limit",
		"default_destination_recipient_limit");
	t->fail_cohort_limit = (double)qmgr_transport_int(name,
	    "destination_concurrency_failed_cohort_limit",
	    "default_destination_concurrency_failed_cohort_limit");
	qmgr_transport_feedback(name,
	    "destination_concurrency_positive_feedback",
	    "default_destination_concurrency_positive_feedback",
	    &t->pos_feedback);
	qmgr_transport_feedback(name,
	    "destination_concurrency_negative_feedback",
	    "default_destination_concurrency_negative_feedback",
	    &t->neg_feedback);
	if (t->dest_concurrency_limit < 0)
		t->dest_concurrency_limit = 0;
	if (t->init_dest_concurrency < 1)
		t->init_dest_concurrency = 1;
	if (t->recipient_limit < 1)
		t->recipient_limit = 1;
	t->busy_limit = (int)var_default_process_limit;
	if (t->busy_limit < 1)
		t->busy_limit = 1;
	TAILQ_INIT(&t->ready);
	TAILQ_INIT(&t->pending);
	if (qmgr_queue_base) {
		t->retry_timer =
		    evtimer_new(qmgr_queue_base, qmgr_transport_unthrottle, t);
		t->block_timer =
		    evtimer_new(qmgr_queue_base, qmgr_transport_unblock, t);
	}
	t->next = qmgr_transports;
	qmgr_transports = t;
	return (t);
}

static void qmgr_entry_defer_now(struct qmgr_entry *e, const char *dsn,
    const char *reason, int check_done);

/* Throttle a transport: defer everything queued for it. */
static void
qmgr_transport_throttle(struct qmgr_transport *t, const char *dsn,
    const char *reason)
{
	struct timeval tv = {var_transport_retry_time, 0};
	struct qmgr_queue *q;
	struct qmgr_entry *e;

	if (t->throttle_reason == 0) {
		msg_warn("transport %s: throttled for %lds: %s", t->name,
		    var_transport_retry_time, reason);
		t->throttle_reason = mem_strdup(reason);
		t->throttle_dsn = mem_strdup(dsn);
		if (t->retry_timer)
			evtimer_add(t->retry_timer, &tv);
	}
	/* New recipients are deferred at once, so this loop ends. */
	while ((q = TAILQ_FIRST(&t->pending)) != 0) {
		e = TAILQ_FIRST(&q->todo);
		TAILQ_REMOVE(&q->todo, e, link);
		q->todo_count--;
		qmgr_queue_update(q);
		qmgr_entry_defer_now(e, t->throttle_dsn, t->throttle_reason, 0);
	}
}

void
qmgr_transport_block(struct qmgr_transport *t)
{
	struct timeval tv = {1, 0};

	t->blocked = 1;
	if (t->block_timer)
		evtimer_add(t->block_timer, &tv);
}

/* Queues. */

static size_t
qmgr_queue_hash(const struct qmgr_transport *t, const char *name)
{
	size_t h = (size_t)t;
	const unsigned char *p;

	for (p = (const unsigned char *)name; *p; p++)
		h = h * 33 + *p;
	return (h ^ (h >> 16));
}

static void
qmgr_queue_table_grow(void)
{
	size_t nsize = qmgr_queue_table_size * 2;
	struct qmgr_queue **nt = mem_calloc(nsize, sizeof(*nt));
	struct qmgr_queue *q, *next;
	size_t i, h;

	for (i = 0; i < qmgr_queue_table_size; i++) {
		for (q = qmgr_queue_table[i]; q; q = next) {
			next = q->hash_next;
			h = qmgr_queue_hash(q->transport, q->name) % nsize;
			q->hash_next = nt[h];
			nt[h] = q;
		}
	}
	mem_free(qmgr_queue_table);
	qmgr_queue_table = nt;
	qmgr_queue_table_size = nsize;
}

static void qmgr_queue_revive_timer(evutil_socket_t, short, void *);

struct qmgr_queue *
qmgr_queue_find(struct qmgr_transport *t, const char *name)
{
	struct qmgr_queue *q;
	size_t h;

	if (qmgr_queue_table == 0)
		qmgr_queue_init(qmgr_queue_base);
	h = qmgr_queue_hash(t, name) % qmgr_queue_table_size;
	for (q = qmgr_queue_table[h]; q; q = q->hash_next)
		if (q->transport == t && strcmp(q->name, name) == 0)
			return (q);
	if (qmgr_queue_table_count >= 2 * qmgr_queue_table_size) {
		qmgr_queue_table_grow();
		h = qmgr_queue_hash(t, name) % qmgr_queue_table_size;
	}
	q = mem_calloc(1, sizeof(*q));
	q->transport = t;
	q->name = mem_strdup(name);
	qmgr_window_init(&q->w, t->init_dest_concurrency,
	    t->dest_concurrency_limit);
	TAILQ_INIT(&q->todo);
	TAILQ_INIT(&q->busy_list);
	if (qmgr_queue_base)
		q->revive_timer =
		    evtimer_new(qmgr_queue_base, qmgr_queue_revive_timer, q);
	q->hash_next = qmgr_queue_table[h];
	qmgr_queue_table[h] = q;
	qmgr_queue_table_count++;
	return (q);
}

int
qmgr_queue_is_dead(const struct qmgr_queue *q)
{
	return (q->w.window == 0);
}

/* Keep the queue's list memberships in line with its state. */
static void
qmgr_queue_update(struct qmgr_queue *q)
{
	struct qmgr_transport *t = q->transport;
	int pending = q->todo_count > 0;
	int ready = pending && q->w.window > 0 && q->busy < q->w.window;

	if (pending && !q->on_pending) {
		TAILQ_INSERT_TAIL(&t->pending, q, pending_link);
		q->on_pending = 1;
	} else if (!pending && q->on_pending) {
		TAILQ_REMOVE(&t->pending, q, pending_link);
		q->on_pending = 0;
	}
	if (ready && !q->on_ready) {
		TAILQ_INSERT_TAIL(&t->ready, q, ready_link);
		q->on_ready = 1;
		qmgr_dispatch_request();
	} else if (!ready && q->on_ready) {
		TAILQ_REMOVE(&t->ready, q, ready_link);
		q->on_ready = 0;
	}
}

/* Free a queue that holds nothing and remembers nothing. */
static void
qmgr_queue_maybe_free(struct qmgr_queue *q)
{
	struct qmgr_queue **pp;
	size_t h;

	if (q->todo_count > 0 || q->busy > 0 || q->w.window == 0)
		return;
	if (q->on_pending || q->on_ready)
		msg_panic("qmgr_queue_maybe_free: queue %s is listed", q->name);
	h = qmgr_queue_hash(q->transport, q->name) % qmgr_queue_table_size;
	for (pp = &qmgr_queue_table[h]; *pp; pp = &(*pp)->hash_next) {
		if (*pp == q) {
			*pp = q->hash_next;
			break;
		}
	}
	qmgr_queue_table_count--;
	if (q->revive_timer)
		event_free(q->revive_timer);
	mem_free(q->dead_reason);
	mem_free(q->dead_dsn);
	mem_free(q->name);
	mem_free(q);
}

/* Declare a queue dead: defer what it holds, arm the revival. */
static void
qmgr_queue_kill(struct qmgr_queue *q, const char *hop_status,
    const char *hop_dsn)
{
	struct timeval tv = {var_minimal_backoff_time, 0};
	struct vbuf reason = VBUF_INIT;
	struct qmgr_entry *e;

	vbuf_printf(&reason, "%s%s", QMGR_SUSPENDED, hop_status);
	mem_free(q->dead_reason);
	mem_free(q->dead_dsn);
	q->dead_reason = vbuf_export(&reason);
	q->dead_dsn = mem_strdup(hop_dsn ? hop_dsn : "4.4.1");
	if (q->revive_timer)
		evtimer_add(q->revive_timer, &tv);
	qmgr_queue_update(q);
	/* New recipients for a dead queue are deferred at once. */
	while ((e = TAILQ_FIRST(&q->todo)) != 0) {
		TAILQ_REMOVE(&q->todo, e, link);
		q->todo_count--;
		qmgr_queue_update(q);
		qmgr_entry_defer_now(e, q->dead_dsn, q->dead_reason, 0);
	}
}

static void
qmgr_queue_revive_nofree(struct qmgr_queue *q)
{
	if (q->w.window != 0)
		return;
	if (q->revive_timer)
		evtimer_del(q->revive_timer);
	qmgr_window_revive(&q->w, q->busy, q->transport->init_dest_concurrency);
	q->dead_reason = mem_free(q->dead_reason);
	q->dead_dsn = mem_free(q->dead_dsn);
	qmgr_queue_update(q);
}

void
qmgr_queue_revive(struct qmgr_queue *q)
{
	if (q->w.window != 0)
		return;
	qmgr_queue_revive_nofree(q);
	qmgr_queue_maybe_free(q);
}

static void
qmgr_queue_revive_timer(evutil_socket_t fd, short what, void *ctx)
{
	qmgr_queue_revive((struct qmgr_queue *)ctx);
}

void
qmgr_queue_revive_all(void)
{
	struct qmgr_transport *t;
	struct qmgr_queue *q, *next;
	size_t i;

	for (t = qmgr_transports; t; t = t->next) {
		if (t->retry_timer)
			evtimer_del(t->retry_timer);
		qmgr_transport_unthrottle(-1, 0, t);
	}
	for (i = 0; i < qmgr_queue_table_size; i++) {
		for (q = qmgr_queue_table[i]; q; q = next) {
			next = q->hash_next;
			qmgr_queue_revive(q);
		}
	}
}

/* Entries. */

void
qmgr_queue_add_rcpt(struct qmgr_queue *q, struct qmgr_message *msg,
    struct qmgr_rcpt *rcpt)
{
	struct qmgr_transport *t = q->transport;
	struct qmgr_entry *e;

	if (q->w.window == 0 && (msg->flags & QMGR_MSG_UNTHROTTLE))
		qmgr_queue_revive_nofree(q);
	if (t->throttle_reason) {
		qmgr_defer_rcpt(msg, rcpt, t->throttle_dsn, t->throttle_reason);
		return;
	}
	if (q->w.window == 0) {
		qmgr_defer_rcpt(msg, rcpt, q->dead_dsn, q->dead_reason);
		return;
	}
	e = TAILQ_LAST(&q->todo, qmgr_entry_list);
	if (e == 0 || e->msg != msg ||
	    e->rcpt_count >= (size_t)t->recipient_limit) {
		e = mem_calloc(1, sizeof(*e));
		e->msg = msg;
		e->queue = q;
		e->rcpt = mem_calloc(t->recipient_limit, sizeof(*e->rcpt));
		msg->refcount++;
		TAILQ_INSERT_TAIL(&q->todo, e, link);
		q->todo_count++;
		qmgr_queue_update(q);
	}
	e->rcpt[e->rcpt_count++] = rcpt;
}

static void
qmgr_entry_free(struct qmgr_entry *e)
{
	struct qmgr_message *msg = e->msg;

	mem_free(e->rcpt);
	mem_free(e);
	qmgr_message_entry_done(msg);
}

/* Defer a queued (not in flight) entry and release it. */
static void
qmgr_entry_defer_now(struct qmgr_entry *e, const char *dsn, const char *reason,
    int check_done)
{
	qmgr_defer_entry(e, dsn, reason, check_done);
	qmgr_entry_free(e);
}

/* Take an in-flight entry off its queue's busy list. */
static void
qmgr_entry_unbusy(struct qmgr_entry *e)
{
	struct qmgr_queue *q = e->queue;

	TAILQ_REMOVE(&q->busy_list, e, link);
	q->busy--;
	q->transport->busy--;
	qmgr_queue_update(q);
}

void
qmgr_entry_done(struct qmgr_entry *e, int status, const char *hop_status,
    const char *hop_dsn)
{
	struct qmgr_queue *q = e->queue;
	struct qmgr_transport *t = q->transport;

	qmgr_entry_unbusy(e);
	if (status != 0)
		e->msg->flags |= QMGR_MSG_DEFER;
	if (hop_status && *hop_status) {
		if (q->w.window > 0 &&
		    qmgr_window_failure(&q->w, t->fail_cohort_limit,
			&t->neg_feedback))
			qmgr_queue_kill(q, hop_status, hop_dsn);
	} else {
		int was_dead = q->w.window == 0;

		qmgr_window_success(&q->w, q->busy, t->init_dest_concurrency,
		    t->dest_concurrency_limit, &t->pos_feedback);
		if (was_dead) {
			if (q->revive_timer)
				evtimer_del(q->revive_timer);
			q->dead_reason = mem_free(q->dead_reason);
			q->dead_dsn = mem_free(q->dead_dsn);
		}
	}
	qmgr_queue_update(q);
	qmgr_entry_free(e);
	qmgr_queue_maybe_free(q);
	qmgr_dispatch_request();
}

void
qmgr_entry_transport_failure(struct qmgr_entry *e, const char *why)
{
	struct qmgr_queue *q = e->queue;
	struct qmgr_transport *t = q->transport;

	if (why != NULL) /* NULL: the caller has logged the problem */
		msg_warn("%s: delivery agent %s: %s", e->msg->queue_id, t->name,
		    why);
	qmgr_entry_unbusy(e);
	qmgr_defer_entry(e, "4.3.0", QMGR_TRANSPORT_UNAVAIL, 1);
	qmgr_entry_free(e);
	qmgr_transport_throttle(t, "4.3.0", QMGR_TRANSPORT_UNAVAIL);
	qmgr_queue_maybe_free(q);
	qmgr_dispatch_request();
}

void
qmgr_entry_requeue(struct qmgr_entry *e)
{
	struct qmgr_queue *q = e->queue;

	qmgr_entry_unbusy(e);
	TAILQ_INSERT_HEAD(&q->todo, e, link);
	q->todo_count++;
	qmgr_queue_update(q);
	qmgr_transport_block(q->transport);
}

/* Dispatch: start what the windows allow. */
static void
qmgr_dispatch(evutil_socket_t fd, short what, void *ctx)
{
	struct qmgr_transport *t;
	struct qmgr_queue *q;
	struct qmgr_entry *e;
	long guard;

	qmgr_dispatch_pending = 0;
	for (t = qmgr_transports; t; t = t->next) {
		for (guard = 0; guard < 100000; guard++) {
			if (t->throttle_reason || t->blocked ||
			    t->busy >= t->busy_limit)
				break;
			if ((q = TAILQ_FIRST(&t->ready)) == 0)
				break;
			e = TAILQ_FIRST(&q->todo);
			TAILQ_REMOVE(&q->todo, e, link);
			q->todo_count--;
			TAILQ_INSERT_TAIL(&q->busy_list, e, link);
			q->busy++;
			t->busy++;
			/* Round robin: to the back of the line. */
			TAILQ_REMOVE(&t->ready, q, ready_link);
			q->on_ready = 0;
			qmgr_queue_update(q);
			qmgr_deliver_start(e);
		}
		if (guard >= 100000)
			qmgr_dispatch_request();
	}
}
