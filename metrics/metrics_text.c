/*
 * metrics_text - the exposition of the counters and queue gauges; see
 * metrics.h.
 *
 * Implementation notes. One table describes the counter families, so
 * both text formats come from the same rows: OpenMetrics names a counter
 * family without "_total" and adds a "_created" sample (the creation
 * time of the counter file), the Prometheus text format 0.0.4 names the
 * family with it. The queue gauges come from a walk over the queues with
 * util/showq (what mailq lists), at most every METRICS_QUEUE_CACHE
 * seconds and for at most METRICS_SCAN_BUDGET seconds: a bigger queue
 * is reported as far as the walk got, with sluice_queue_scan_truncated
 * 1.
 */
#include <stdint.h>
#include <time.h>

#include "msg.h"
#include "showq.h"
#include "vbuf.h"
#include "metrics.h" /* this directory's, which includes util/metrics.h */

struct metrics_counter_row {
	const char *family; /* without _total */
	const char *help;
	const char *label;     /* label name, or NULL */
	const char *values[3]; /* label values */
	enum metrics_counter c[3];
};

static const struct metrics_counter_row metrics_counter_rows[] = {
    {"sluice_messages_received",
	"Messages written to the queue by cleanup (smtpd, pickup, notices).",
	NULL, {NULL}, {METRIC_RECEIVED}},
    {"sluice_deliveries", "Per-recipient delivery results (status= lines).",
	"status", {"sent", "deferred", "bounced"},
	{METRIC_SENT, METRIC_DEFERRED, METRIC_BOUNCED}},
    {"sluice_smtpd_rejects",
	"SMTP requests refused by smtpd (reject: lines), by reply class.",
	"class", {"4xx", "5xx"}, {METRIC_REJECT_4XX, METRIC_REJECT_5XX}},
    {"sluice_smtpd_connections", "SMTP client connections accepted.", NULL,
	{NULL}, {METRIC_SMTPD_CONN}},
    {"sluice_smtp_connections",
	"SMTP sessions established by the smtp client (after EHLO).", NULL,
	{NULL}, {METRIC_SMTP_CONN}},
    {"sluice_tls_connections", "TLS sessions established.", "direction",
	{"in", "out"}, {METRIC_TLS_IN, METRIC_TLS_OUT}},
};

static const char *const metrics_stage_names[METRICS_STAGES] = {"before_qmgr",
    "in_qmgr", "conn_setup", "transmission"};

static const char *const metrics_queue_names[] = {"maildrop", "incoming",
    "active", "deferred", "hold"};
#define METRICS_NQUEUES (sizeof(metrics_queue_names) / sizeof(char *))

static uint64_t
load64(const uint64_t *p)
{
	return (__atomic_load_n(p, __ATOMIC_RELAXED));
}

/* family - the HELP and TYPE lines of a family */

static void
family(struct vbuf *out, const char *name, const char *type, const char *help,
    const char *unit, int om)
{
	vbuf_printf(out, "# HELP %s %s\n", name, help);
	vbuf_printf(out, "# TYPE %s %s\n", name, type);
	if (om && unit)
		vbuf_printf(out, "# UNIT %s %s\n", name, unit);
}

static void
render_counter(struct vbuf *out, int om, const struct metrics_counter_row *r,
    const struct metrics_shm *m, long long created)
{
	char name[128];
	char labels[64] = "";

	snprintf(name, sizeof(name), "%s%s", r->family, om ? "" : "_total");
	family(out, name, "counter", r->help, NULL, om);
	for (int i = 0; i < 3 && (i == 0 || r->values[i]); i++) {
		if (r->label)
			snprintf(labels, sizeof(labels), "{%s=\"%s\"}",
			    r->label, r->values[i]);
		vbuf_printf(out, "%s_total%s %llu\n", r->family, labels,
		    (unsigned long long)load64(&m->counter[r->c[i]]));
		if (om)
			vbuf_printf(out, "%s_created%s %lld\n", r->family,
			    labels, created);
	}
}

static void
render_hist(struct vbuf *out, int om, const struct metrics_shm *m,
    long long created)
{
	const char *name = "sluice_delivery_delay_seconds";

	family(out, name, "histogram",
	    "Delivery delays per stage (Postfix's delays=a/b/c/d), per "
	    "status= line.",
	    "seconds", om);
	for (int st = 0; st < METRICS_STAGES; st++) {
		const struct metrics_hist *h = &m->hist[st];
		const char *stage = metrics_stage_names[st];
		uint64_t cum = 0;

		for (int b = 0; b <= METRICS_BUCKETS; b++) {
			cum += load64(&h->bucket[b]);
			vbuf_printf(out,
			    "%s_bucket{stage=\"%s\",le=\"%s\"} %llu\n", name,
			    stage,
			    b < METRICS_BUCKETS ? metrics_bound_text[b]
						: "+Inf",
			    (unsigned long long)cum);
		}
		/* The count is the +Inf bucket, so that they always agree. */
		vbuf_printf(out, "%s_count{stage=\"%s\"} %llu\n", name, stage,
		    (unsigned long long)cum);
		vbuf_printf(out, "%s_sum{stage=\"%s\"} %.6f\n", name, stage,
		    load64(&h->sum_us) / 1e6);
		if (om)
			vbuf_printf(out, "%s_created{stage=\"%s\"} %lld\n",
			    name, stage, created);
	}
}

void
metrics_render_counters(struct vbuf *out, int om, const struct metrics_shm *m)
{
	long long created = __atomic_load_n(&m->created, __ATOMIC_RELAXED);
	size_t n =
	    sizeof(metrics_counter_rows) / sizeof(metrics_counter_rows[0]);

	for (size_t i = 0; i < n; i++)
		render_counter(out, om, &metrics_counter_rows[i], m, created);
	render_hist(out, om, m, created);
}

void
metrics_render_queues(struct vbuf *out, const struct metrics_queue_stat *q,
    size_t n, int truncated, long now)
{
	family(out, "sluice_queue_messages", "gauge",
	    "Messages in each queue (as mailq lists them).", NULL, 0);
	for (size_t i = 0; i < n; i++)
		vbuf_printf(out, "sluice_queue_messages{queue=\"%s\"} %ld\n",
		    q[i].queue, q[i].messages);
	family(out, "sluice_queue_bytes", "gauge",
	    "Message bytes in each queue (sizes as mailq shows them).", NULL,
	    0);
	for (size_t i = 0; i < n; i++)
		vbuf_printf(out, "sluice_queue_bytes{queue=\"%s\"} %ld\n",
		    q[i].queue, q[i].bytes);
	family(out, "sluice_queue_oldest_age_seconds", "gauge",
	    "Age of the oldest message in each queue (0 when empty).", NULL, 0);
	for (size_t i = 0; i < n; i++)
		vbuf_printf(out,
		    "sluice_queue_oldest_age_seconds{queue=\"%s\"} %ld\n",
		    q[i].queue,
		    q[i].oldest > 0 && now > q[i].oldest ? now - q[i].oldest
							 : 0L);
	family(out, "sluice_queue_scan_truncated", "gauge",
	    "1 when the last queue scan stopped at its time budget.", NULL, 0);
	vbuf_printf(out, "sluice_queue_scan_truncated %d\n", truncated);
}

/* The queue scan and its cache. */

struct scan_ctx {
	struct metrics_queue_stat *q;
	struct timespec deadline;
	long seen;
};

static double
mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

static int
scan_msg(const struct showq_msg *msg, void *ctx)
{
	struct scan_ctx *sc = ctx;
	struct metrics_queue_stat *q = sc->q;

	q->messages++;
	q->bytes += msg->size > 0 ? msg->size : 0;
	if (msg->arrival > 0 && (q->oldest == 0 || msg->arrival < q->oldest))
		q->oldest = msg->arrival;
	if ((++sc->seen & 63) == 0) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		if (ts.tv_sec > sc->deadline.tv_sec ||
		    (ts.tv_sec == sc->deadline.tv_sec &&
			ts.tv_nsec > sc->deadline.tv_nsec))
			return (1);
	}
	return (0);
}

static struct metrics_queue_stat metrics_qstat[METRICS_NQUEUES];
static int metrics_qtruncated;
static double metrics_qtime = -1e9;

static void
scan_queues(void)
{
	struct scan_ctx sc = {0};
	struct vbuf why = VBUF_INIT;
	double budget = METRICS_SCAN_BUDGET;

	if (mono_now() - metrics_qtime < METRICS_QUEUE_CACHE)
		return;
	clock_gettime(CLOCK_MONOTONIC, &sc.deadline);
	sc.deadline.tv_sec += (time_t)budget;
	metrics_qtruncated = 0;
	for (size_t i = 0; i < METRICS_NQUEUES; i++) {
		const char *one[2] = {metrics_queue_names[i], NULL};

		metrics_qstat[i] =
		    (struct metrics_queue_stat){metrics_queue_names[i], 0, 0,
			0};
		sc.q = &metrics_qstat[i];
		if (metrics_qtruncated)
			continue;
		vbuf_reset(&why);
		int rc = showq_walk(one, scan_msg, &sc, &why);
		if (rc < 0)
			msg_warn("%s", vbuf_str(&why));
		else if (rc > 0)
			metrics_qtruncated = 1;
	}
	vbuf_free(&why);
	metrics_qtime = mono_now();
}

void
metrics_render(struct vbuf *out, int om)
{
	const struct metrics_shm *m = metrics_shared();

	if (m) {
		metrics_render_counters(out, om, m);
		family(out, "sluice_smtpd_active_connections", "gauge",
		    "SMTP client connections open now.", NULL, 0);
		vbuf_printf(out, "sluice_smtpd_active_connections %ld\n",
		    metrics_gauge_sum(METRIC_GAUGE_SMTPD_SESSIONS));
	}
	scan_queues();
	metrics_render_queues(out, metrics_qstat, METRICS_NQUEUES,
	    metrics_qtruncated, (long)time(NULL));
	if (om)
		vbuf_puts(out, "# EOF\n");
}
