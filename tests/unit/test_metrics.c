/*
 * test_metrics - the shared counters (util/metrics) and the metrics
 * daemon's answers (metrics/metrics_http.c, metrics_text.c).
 *
 * The tests run in order in one process: the first one before
 * metrics_attach(), the others on the file it creates in a temporary
 * queue_directory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "testdir.h"

#include "vbuf.h"
#include "../../metrics/metrics.h" /* the daemon's, with util/metrics.h */

static struct testdir td;

static int
setup(void **state)
{
	(void)state;
	if (testdir_make(&td, "test_metrics",
		"private maildrop incoming active deferred hold") < 0)
		return (-1);
	testdir_config(&td, TESTDIR_CHDIR, NULL);
	return (0);
}

static int
teardown(void **state)
{
	(void)state;
	return (testdir_remove(&td));
}

static void
test_unattached(void **state)
{
	(void)state;
	assert_null(metrics_shared());
	metrics_inc(METRIC_SENT); /* no-op, no crash */
	metrics_observe(METRIC_STAGE_IN_QMGR, 1);
	metrics_gauge_add(METRIC_GAUGE_SMTPD_SESSIONS, 1);
	assert_int_equal(metrics_gauge_sum(METRIC_GAUGE_SMTPD_SESSIONS), 0);
}

static void
test_attach(void **state)
{
	struct stat st;
	const struct metrics_shm *m;

	(void)state;
	assert_int_equal(metrics_attach(), 0);
	assert_int_equal(metrics_attach(), 0); /* once */
	m = metrics_shared();
	assert_non_null(m);
	assert_true(m->magic == METRICS_MAGIC);
	assert_true(m->size == sizeof(*m));
	assert_true(m->created > 0);
	assert_int_equal(stat(METRICS_FILE, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_true((size_t)st.st_size >= sizeof(*m));
}

static void
test_counters(void **state)
{
	const struct metrics_shm *m = metrics_shared();

	(void)state;
	metrics_inc(METRIC_RECEIVED);
	metrics_delivery("sent");
	metrics_delivery("sent");
	metrics_delivery("deferred");
	metrics_delivery("SOFTBOUNCE");
	metrics_delivery("bounced");
	metrics_delivery("expired"); /* not a delivery status */
	metrics_reject(454);
	metrics_reject(554);
	metrics_reject(550);
	metrics_reject(250);
	metrics_reject(600);
	assert_true(m->counter[METRIC_RECEIVED] == 1);
	assert_true(m->counter[METRIC_SENT] == 2);
	assert_true(m->counter[METRIC_DEFERRED] == 2);
	assert_true(m->counter[METRIC_BOUNCED] == 1);
	assert_true(m->counter[METRIC_REJECT_4XX] == 1);
	assert_true(m->counter[METRIC_REJECT_5XX] == 2);
}

static void
test_histogram(void **state)
{
	const struct metrics_hist *h = &metrics_shared()->hist[1];

	(void)state;
	metrics_observe(METRIC_STAGE_IN_QMGR, 0.01);  /* le="0.01" */
	metrics_observe(METRIC_STAGE_IN_QMGR, 0.011); /* le="0.05" */
	metrics_observe(METRIC_STAGE_IN_QMGR, -3);    /* as 0 */
	metrics_observe(METRIC_STAGE_IN_QMGR, 1e6);   /* +Inf */
	assert_true(h->bucket[0] == 2);
	assert_true(h->bucket[1] == 1);
	assert_true(h->bucket[METRICS_BUCKETS] == 1);
	assert_true(h->count == 4);
	assert_true(h->sum_us == 10000 + 11000 + 1000000000000ULL);
}

static void
test_gauges(void **state)
{
	struct metrics_shm *m = (struct metrics_shm *)metrics_shared();
	int free_slot = -1;

	(void)state;
	metrics_gauge_add(METRIC_GAUGE_SMTPD_SESSIONS, 2);
	metrics_gauge_add(METRIC_GAUGE_SMTPD_SESSIONS, -1);
	assert_int_equal(metrics_gauge_sum(METRIC_GAUGE_SMTPD_SESSIONS), 1);
	/* A slot left by a process that is gone does not count. */
	for (int i = 0; i < METRICS_SLOTS && free_slot < 0; i++)
		if (m->slot[i].pid == 0)
			free_slot = i;
	assert_true(free_slot >= 0);
	m->slot[free_slot].pid = 0x7ffffff0; /* above pid_max */
	m->slot[free_slot].gauge[METRIC_GAUGE_SMTPD_SESSIONS] = 5;
	assert_int_equal(metrics_gauge_sum(METRIC_GAUGE_SMTPD_SESSIONS), 1);
	metrics_gauge_add(METRIC_GAUGE_SMTPD_SESSIONS, -1);
	assert_int_equal(metrics_gauge_sum(METRIC_GAUGE_SMTPD_SESSIONS), 0);
}

static int
request(const char *req, struct vbuf *out)
{
	vbuf_reset(out);
	return (metrics_http_request(req, strlen(req), out));
}

static void
test_http(void **state)
{
	struct vbuf out = VBUF_INIT;
	const char *om = "GET /metrics HTTP/1.1\r\nHost: x\r\n"
			 "Accept: application/openmetrics-text;version=1.0.0,"
			 "text/plain;q=0.5";

	(void)state;
	assert_int_equal(request(om, &out), 200);
	assert_non_null(strstr(out.data,
	    "Content-Type: application/openmetrics-text; version=1.0.0"));
	assert_non_null(strstr(out.data, "# TYPE sluice_deliveries counter\n"));
	assert_non_null(
	    strstr(out.data, "sluice_deliveries_total{status=\"sent\"} 2\n"));
	assert_non_null(strstr(out.data, "sluice_deliveries_created{"));
	assert_non_null(strstr(out.data,
	    "sluice_delivery_delay_seconds_bucket{stage=\"in_qmgr\","
	    "le=\"0.05\"} 3\n"));
	assert_non_null(strstr(out.data,
	    "sluice_delivery_delay_seconds_count{stage=\"in_qmgr\"} 4\n"));
	assert_non_null(
	    strstr(out.data, "sluice_queue_messages{queue=\"deferred\"} 0\n"));
	assert_non_null(strstr(out.data, "\n# EOF\n"));

	assert_int_equal(request("GET /metrics HTTP/1.0\r\n", &out), 200);
	assert_non_null(strstr(out.data, "text/plain; version=0.0.4"));
	assert_non_null(
	    strstr(out.data, "# TYPE sluice_deliveries_total counter\n"));
	assert_null(strstr(out.data, "_created"));
	assert_null(strstr(out.data, "# EOF"));

	assert_int_equal(request("HEAD /metrics HTTP/1.1\r\n", &out), 200);
	assert_non_null(strstr(out.data, "\r\n\r\n"));
	assert_string_equal(strstr(out.data, "\r\n\r\n"), "\r\n\r\n");
	assert_int_equal(request("POST /metrics HTTP/1.1\r\n", &out), 405);
	assert_int_equal(request("GET /other HTTP/1.1\r\n", &out), 404);
	assert_int_equal(request("GET /metrics\r\n", &out), 400);
	assert_int_equal(request("GET /metrics SMTP/1.0\r\n", &out), 400);
	vbuf_free(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_unattached),
	    cmocka_unit_test(test_attach),
	    cmocka_unit_test(test_counters),
	    cmocka_unit_test(test_histogram),
	    cmocka_unit_test(test_gauges),
	    cmocka_unit_test(test_http),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
