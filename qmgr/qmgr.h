#ifndef SLUICE_QMGR_H
#define SLUICE_QMGR_H
/*
 * NAME
 *	qmgr.h - the queue manager's private interfaces
 * DESCRIPTION
 *	One block per qmgr_<topic>.c file. The objects:
 *
 *	struct qmgr_message: one queue file in active/ with the recipients
 *	of its current slice in core (at most a bounded number at a time).
 *	struct qmgr_transport: a delivery transport ("smtp") with its
 *	limits and its throttle state. struct qmgr_queue: one destination
 *	(transport, nexthop) with its concurrency window and its entries.
 *	struct qmgr_entry: recipients of one message bound for one queue,
 *	at most the transport's recipient limit: one delivery request.
 */
#include <sys/queue.h>
#include <sys/time.h>
#include <stdio.h>
#include "param.h"
#include "vbuf.h"

struct event_base;
struct event;

/*
 * qmgr_param.c: parameters, as var_<main.cf name>.
 */
extern const struct param_var qmgr_params[];

void qmgr_param_init(void);
long qmgr_transport_int(const char *transport, const char *suffix,
    const char *fallback);
const char *qmgr_transport_str(const char *transport, const char *suffix,
    const char *fallback);

/*
 * qmgr_envelope.c: reading a queue file's envelope (pure: FILE in,
 * struct out; unit tested on Postfix's own files).
 */
struct qmgr_rcpt {
	long offset;	     /* of the R record in the file */
	char *address;	     /* R */
	char *orig_rcpt;     /* O, "" if none */
	char *dsn_orig_rcpt; /* A dsn_orig_rcpt, "" if none */
	int notify_flags;    /* A notify_flags, 0 if none */
};

#define QMGR_RFLAG_MASK 0x1f /* C field 4 bits qmgr understands */

struct qmgr_envelope {
	long data_size;	  /* C field 1: content size */
	long data_offset; /* C field 2 */
	long nrcpt;	  /* C field 3 */
	long rflags;	  /* C field 4 */
	long cont_length; /* C field 5 (0: use field 1) */
	long arrival_sec; /* T */
	long arrival_usec;
	long create_time;	/* A create_time, else T seconds */
	long warn_time;		/* W, 0 if none */
	long warn_offset;	/* of the W record, 0 if none */
	char *sender;		/* S ("" = null sender) */
	struct qmgr_rcpt *rcpt; /* the slice in core */
	size_t rcpt_count;
	size_t rcpt_cap;
	long resume_offset;   /* next slice starts here; 0 = no more */
	int resume_extracted; /* ... inside the extracted segment */
	long rcpt_total;      /* R records seen in the full read */
};

#define QMGR_REC_MAX (1024 * 1024) /* longest record we accept */
#define QMGR_JUMP_MAX 10000	   /* 'p' records followed per read */

int qmgr_envelope_read(FILE *fp, struct qmgr_envelope *env, size_t limit,
    struct vbuf *why);
int qmgr_envelope_more(FILE *fp, struct qmgr_envelope *env, size_t limit,
    struct vbuf *why);
void qmgr_envelope_free_rcpts(struct qmgr_envelope *env);
void qmgr_envelope_free(struct qmgr_envelope *env);

/*
 * qmgr_feedback.c: pure scheduling arithmetic.
 */
struct qmgr_feedback {
	double value;	/* N */
	int per_window; /* N/concurrency */
};

struct qmgr_window {
	int window; /* 0 = dead */
	double success;
	double failure;
	double fail_cohorts;
};

int qmgr_feedback_parse(const char *text, struct qmgr_feedback *fb);
double qmgr_feedback_value(const struct qmgr_feedback *fb, int window);
void qmgr_window_init(struct qmgr_window *w, int initial, int limit);
void qmgr_window_success(struct qmgr_window *w, int busy, int initial,
    int limit, const struct qmgr_feedback *pos);
int qmgr_window_failure(struct qmgr_window *w, double cohort_limit,
    const struct qmgr_feedback *neg);
void qmgr_window_revive(struct qmgr_window *w, int busy, int initial);
long qmgr_backoff_delay(long now, long create_time, long min_backoff,
    long max_backoff);
int qmgr_expired(long now, long create_time, const char *sender,
    long max_lifetime, long bounce_lifetime);

/*
 * qmgr_message.c: in-core messages.
 */
#define QMGR_MSG_DEFER (1 << 0)	       /* some recipient was deferred */
#define QMGR_MSG_FORCE_EXPIRE (1 << 1) /* g+x on the file */
#define QMGR_MSG_UNTHROTTLE (1 << 2)   /* g+r on the file */
#define QMGR_MSG_READ_ERROR (1 << 3)   /* a later slice could not be read */
/* No defer log since activation (unless DEFER), no bounce log at the end. */
#define QMGR_MSG_NO_DEFER_LOG (1 << 4)
#define QMGR_MSG_NO_BOUNCE_LOG (1 << 5)

struct qmgr_message {
	char *queue_id;
	struct qmgr_envelope env;
	struct timeval active_time; /* when it was moved to active */
	int flags;
	int refcount;  /* unfinished entries of this slice */
	int assigning; /* inside qmgr_message_assign() */
};

#define QMGR_ALLOC_OK 0
#define QMGR_ALLOC_LOCKED 1 /* a delivery agent still has it */
#define QMGR_ALLOC_CORRUPT 2
#define QMGR_ALLOC_GONE 3 /* cannot open */

int qmgr_message_alloc(const char *queue_id, int mode,
    struct timeval active_time, struct qmgr_message **out, struct vbuf *why);
void qmgr_message_assign(struct qmgr_message *msg);
void qmgr_message_slice_done(struct qmgr_message *msg);
void qmgr_message_entry_done(struct qmgr_message *msg);
void qmgr_message_free(struct qmgr_message *msg);
extern long qmgr_message_count;
extern long qmgr_recipient_count;

/*
 * qmgr_queue.c: transports, destinations, entries, dispatch.
 */
struct qmgr_queue;
struct qmgr_entry;
TAILQ_HEAD(qmgr_entry_list, qmgr_entry);
TAILQ_HEAD(qmgr_queue_list, qmgr_queue);

struct qmgr_transport {
	char *name;
	int dest_concurrency_limit; /* 0 = none */
	int init_dest_concurrency;
	int recipient_limit;
	int busy_limit; /* in-flight requests, all queues */
	double fail_cohort_limit;
	struct qmgr_feedback pos_feedback;
	struct qmgr_feedback neg_feedback;
	int busy;
	char *throttle_reason; /* non-NULL: throttled */
	char *throttle_dsn;
	struct event *retry_timer; /* ends the throttle */
	int blocked;		   /* agent backlog full: wait a second */
	struct event *block_timer;
	struct qmgr_queue_list ready;	/* queues that can start a delivery */
	struct qmgr_queue_list pending; /* queues with queued entries */
	struct qmgr_transport *next;
};

struct qmgr_queue {
	struct qmgr_transport *transport;
	char *name; /* nexthop */
	struct qmgr_window w;
	int busy; /* deliveries in flight */
	int todo_count;
	char *dead_reason; /* "delivery temporarily suspended: ..." */
	char *dead_dsn;
	struct event *revive_timer;
	int on_ready;
	int on_pending;
	struct qmgr_entry_list todo;
	struct qmgr_entry_list busy_list;
	TAILQ_ENTRY(qmgr_queue) ready_link;
	TAILQ_ENTRY(qmgr_queue) pending_link;
	struct qmgr_queue *hash_next;
};

struct qmgr_entry {
	struct qmgr_message *msg;
	struct qmgr_queue *queue;
	struct qmgr_rcpt **rcpt; /* borrowed from msg->env.rcpt */
	size_t rcpt_count;
	TAILQ_ENTRY(qmgr_entry) link;
};

void qmgr_queue_init(struct event_base *base);
struct qmgr_transport *qmgr_transport_find(const char *name);
struct qmgr_queue *qmgr_queue_find(struct qmgr_transport *t, const char *name);
void qmgr_queue_add_rcpt(struct qmgr_queue *q, struct qmgr_message *msg,
    struct qmgr_rcpt *rcpt);
void qmgr_entry_done(struct qmgr_entry *e, int status, const char *hop_status,
    const char *hop_dsn);
void qmgr_entry_transport_failure(struct qmgr_entry *e, const char *why);
void qmgr_entry_requeue(struct qmgr_entry *e);
void qmgr_transport_block(struct qmgr_transport *t);
void qmgr_queue_revive_all(void);
void qmgr_queue_revive(struct qmgr_queue *q);
void qmgr_dispatch_request(void);
int qmgr_queue_is_dead(const struct qmgr_queue *q);

/*
 * qmgr_deliver.c: one delivery request over private/<transport>.
 */
void qmgr_deliver_init(struct event_base *base);
void qmgr_deliver_start(struct qmgr_entry *e);

/*
 * qmgr_defer.c: recipients that qmgr defers itself.
 */
void qmgr_defer_rcpt(struct qmgr_message *msg, const struct qmgr_rcpt *rcpt,
    const char *dsn, const char *reason);
void qmgr_defer_entry(struct qmgr_entry *e, const char *dsn, const char *reason,
    int check_done);
int qmgr_defer_builtin(struct qmgr_message *msg, const struct qmgr_rcpt *rcpt,
    const char *transport, const char *nexthop);

/*
 * qmgr_active.c: moves through the queue directories.
 */
void qmgr_active_recover(void);
int qmgr_active_feed(const char *queue, const char *queue_id, int scan_all);
void qmgr_active_done(struct qmgr_message *msg);

/*
 * qmgr_bounce.c: asking the bounce service for a notice.
 */
#define QMGR_BOUNCE_OK 0   /* sent, or nothing to send */
#define QMGR_BOUNCE_NONE 1 /* no bounce service configured */
#define QMGR_BOUNCE_FAIL 2 /* try again later */

typedef void qmgr_bounce_done_fn(struct qmgr_message *msg, int result);
void qmgr_bounce_request(struct qmgr_message *msg, const char *request,
    const char *log, qmgr_bounce_done_fn *done);

/*
 * qmgr_scan.c: triggers, incremental scans, the feed loop.
 */
void qmgr_scan_init(struct event_base *base);
void qmgr_trigger(const char *buf, size_t len);
void qmgr_feed_request(void);
struct event_base *qmgr_base(void);

#endif
