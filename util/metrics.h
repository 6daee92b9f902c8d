#ifndef SLUICE_METRICS_H
#define SLUICE_METRICS_H
/*
 * NAME
 *	metrics - counters every daemon keeps for the metrics service
 * SYNOPSIS
 *	#include "metrics.h"
 *
 *	int  metrics_attach(void);
 *	void metrics_inc(enum metrics_counter c);
 *	void metrics_gauge_add(enum metrics_gauge g, long delta);
 *	void metrics_observe(enum metrics_stage st, double seconds);
 *	void metrics_reject(int code);
 *	void metrics_delivery(const char *status);
 *	const struct metrics_shm *metrics_shared(void);
 *	long metrics_gauge_sum(enum metrics_gauge g);
 *	extern const double metrics_bounds[METRICS_BUCKETS];
 *	extern const char *const metrics_bound_text[METRICS_BUCKETS];
 * DESCRIPTION
 *	The counters live in one shared file, METRICS_FILE relative to
 *	queue_directory (private/ belongs to mail_owner and no one else
 *	may enter it), mapped MAP_SHARED by every daemon and updated with
 *	atomic additions: a count costs one locked add, no system call,
 *	no message to another process, and survives the restart of any
 *	daemon, the master included. The layout is fixed (struct
 *	metrics_shm); its version is in the file name and in the magic
 *	number, so a sluice with another layout uses another file.
 *
 *	metrics_attach() opens (creating it when absent, mode 0600) and
 *	maps the file; util/server calls it in every daemon once
 *	privileges are dropped, with the working directory
 *	queue_directory. The file must be a regular file with one link
 *	owned by the effective user (O_NOFOLLOW); otherwise, or when
 *	private/ cannot be entered (a local user's "sendmail -bs"), the
 *	process counts nothing (a warning, except for EACCES) and
 *	metrics_attach() returns -1. A process that never attached (the
 *	commands, the unit tests) counts nothing: every update is then a
 *	no-op. The creation time (seconds) is set once, by the first
 *	process to attach a new file; counts only grow until the file is
 *	removed (see docs/metrics.md for crashes and resets).
 *
 *	metrics_inc() adds 1 to a counter. metrics_reject() counts an
 *	SMTP refusal by the class of its reply code (4xx or 5xx; other
 *	codes are ignored). metrics_delivery() counts a per-recipient
 *	delivery status as logged by deliv_log(): "sent", "bounced",
 *	"deferred" (and "SOFTBOUNCE", a deferral); other statuses are
 *	ignored.
 *
 *	metrics_observe() adds one observation to the delay histogram of
 *	a stage (the four parts of delays=a/b/c/d): the bucket of the
 *	first bound >= seconds (METRICS_BUCKETS bounds, then +Inf), the
 *	sum in microseconds and the count. Negative values count as 0.
 *
 *	Gauges (metrics_gauge_add()) are kept per process: each process
 *	owns a slot (its pid) in a table of METRICS_SLOTS, claimed on its
 *	first update; a slot whose process has died is taken over and
 *	cleared. metrics_gauge_sum() is the sum over the slots whose
 *	process is alive, so a daemon that crashes with open connections
 *	leaves no phantom count behind. With every slot taken by a live
 *	process the update is dropped.
 *
 *	metrics_shared() is the mapping for a reader (NULL when not
 *	attached); read the fields with __atomic_load_n().
 * SEE ALSO
 *	deliv(3), docs/metrics.md, metrics(8).
 */
#include <stdint.h>

#define METRICS_FILE "private/.metrics-v1"
#define METRICS_MAGIC 0x736c7569636d7401ULL /* "sluicmt" + version 1 */
#define METRICS_COUNTERS 32
#define METRICS_BUCKETS 16
#define METRICS_STAGES 4
#define METRICS_GAUGES 4
#define METRICS_SLOTS 64

enum metrics_counter {
	METRIC_RECEIVED,     /* cleanup: a queue file committed */
	METRIC_SENT,	     /* deliv_log: status=sent */
	METRIC_DEFERRED,     /* status=deferred or SOFTBOUNCE */
	METRIC_BOUNCED,	     /* status=bounced */
	METRIC_REJECT_4XX,   /* smtpd: a logged reject with a 4xx reply */
	METRIC_REJECT_5XX,   /* smtpd: the same with a 5xx reply */
	METRIC_SMTPD_CONN,   /* smtpd: a client connection accepted */
	METRIC_TLS_IN,	     /* smtpd: a TLS handshake completed */
	METRIC_SMTP_CONN,    /* smtp: a session established (after EHLO) */
	METRIC_TLS_OUT,	     /* smtp: a TLS session established */
	METRIC_COUNTER_LAST, /* not a counter */
};

enum metrics_stage {
	METRIC_STAGE_BEFORE_QMGR, /* delays a */
	METRIC_STAGE_IN_QMGR,	  /* delays b */
	METRIC_STAGE_CONN_SETUP,  /* delays c */
	METRIC_STAGE_TRANSMISSION /* delays d */
};

enum metrics_gauge {
	METRIC_GAUGE_SMTPD_SESSIONS, /* smtpd: connections open now */
};

struct metrics_hist {
	uint64_t bucket[METRICS_BUCKETS + 1]; /* not cumulative; last +Inf */
	uint64_t sum_us;		      /* microseconds */
	uint64_t count;
};

struct metrics_slot {
	int32_t pid; /* 0 = free */
	int32_t pad;
	int64_t gauge[METRICS_GAUGES];
};

struct metrics_shm {
	uint64_t magic;
	uint64_t size; /* sizeof(struct metrics_shm) */
	int64_t created;
	uint64_t counter[METRICS_COUNTERS];
	struct metrics_hist hist[METRICS_STAGES];
	struct metrics_slot slot[METRICS_SLOTS];
};

extern const double metrics_bounds[METRICS_BUCKETS];
extern const char *const metrics_bound_text[METRICS_BUCKETS];

int metrics_attach(void);
void metrics_inc(enum metrics_counter c);
void metrics_reject(int code);
void metrics_delivery(const char *status);
void metrics_observe(enum metrics_stage st, double seconds);
void metrics_gauge_add(enum metrics_gauge g, long delta);
const struct metrics_shm *metrics_shared(void);
long metrics_gauge_sum(enum metrics_gauge g);

#endif
