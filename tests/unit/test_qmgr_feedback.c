/*
 * test_qmgr_feedback - qmgr's pure scheduling arithmetic: concurrency
 * window feedback, failed cohorts and dead destinations
 * (scheduling.md section 3), retry backoff and expiry (section 4).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "../../qmgr/qmgr.h"

static const struct qmgr_feedback one = {1, 0};

/* scheduling.md's example: window 5, cohort limit 1: the 4th kills. */
static void
test_fourth_failure_kills(void **state)
{
	struct qmgr_window w;
	static const int after[] = {4, 3, 2, 0};

	qmgr_window_init(&w, 5, 20);
	for (int i = 0; i < 4; i++) {
		int killed = qmgr_window_failure(&w, 1, &one);

		assert_int_equal(killed, i == 3);
		assert_int_equal(w.window, after[i]);
	}
	/* A dead window takes no more negative feedback. */
	assert_int_equal(qmgr_window_failure(&w, 1, &one), 0);
	assert_int_equal(w.window, 0);
}

/* At window 1 the first site failure kills. */
static void
test_window_one_dies_at_once(void **state)
{
	struct qmgr_window w;

	qmgr_window_init(&w, 1, 20);
	assert_int_equal(qmgr_window_failure(&w, 1, &one), 1);
	assert_int_equal(w.window, 0);
}

/* A clean completion resets the cohorts: failures must be consecutive. */
static void
test_success_resets_cohorts(void **state)
{
	struct qmgr_window w;

	qmgr_window_init(&w, 5, 20);
	assert_int_equal(qmgr_window_failure(&w, 1, &one), 0); /* 5 -> 4 */
	assert_int_equal(qmgr_window_failure(&w, 1, &one), 0); /* 4 -> 3 */
	assert_int_equal(qmgr_window_failure(&w, 1, &one), 0); /* 3 -> 2 */
	qmgr_window_success(&w, 0, 5, 20, &one);
	assert_true(w.fail_cohorts == 0);
	assert_int_equal(w.window, 3);
	/* Now 1/3 + 1/2 < 1, 1/3 + 1/2 + 1/1 >= 1: the third kills. */
	assert_int_equal(qmgr_window_failure(&w, 1, &one), 0);
	assert_int_equal(w.window, 2);
	assert_int_equal(qmgr_window_failure(&w, 1, &one), 0);
	assert_int_equal(w.window, 1);
	assert_int_equal(qmgr_window_failure(&w, 1, &one), 1);
}

/* A cohort limit of 0 never kills; the window stays at least 1. */
static void
test_no_cohort_limit(void **state)
{
	struct qmgr_window w;

	qmgr_window_init(&w, 5, 20);
	for (int i = 0; i < 50; i++)
		assert_int_equal(qmgr_window_failure(&w, 0, &one), 0);
	assert_int_equal(w.window, 1);
}

/* A higher cohort limit needs more failures: 5 at window 5, limit 2. */
static void
test_cohort_limit_two(void **state)
{
	struct qmgr_window w;
	int n = 0;

	qmgr_window_init(&w, 5, 20);
	while (!qmgr_window_failure(&w, 2, &one) && n < 100)
		n++;
	/* 1/5+1/4+1/3+1/2 = 1.28; +1 = 2.28 >= 2 at the 5th failure. */
	assert_int_equal(n + 1, 5);
}

/* Positive feedback: +1 per clean delivery, capped by the limit and by
 * busy + initial concurrency. */
static void
test_positive_feedback(void **state)
{
	static const struct {
		const char *name;
		int init, limit, busy, rounds, expect;
	} cases[] = {
	    {"grows by one per success", 5, 20, 5, 3, 8},
	    {"capped by the limit", 5, 7, 100, 10, 7},
	    {"capped by busy + initial", 5, 20, 0, 10, 5},
	    {"no limit (0)", 5, 0, 100, 10, 15},
	    {"initial above limit starts at limit", 10, 4, 100, 3, 4},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct qmgr_window w;

		qmgr_window_init(&w, cases[i].init, cases[i].limit);
		for (int r = 0; r < cases[i].rounds; r++)
			qmgr_window_success(&w, cases[i].busy, cases[i].init,
			    cases[i].limit, &one);
		if (w.window != cases[i].expect)
			fail_msg("%s: window %d, expected %d", cases[i].name,
			    w.window, cases[i].expect);
	}
}

/* "1/concurrency": the window grows by one after about window successes. */
static void
test_per_window_feedback(void **state)
{
	struct qmgr_feedback fb;
	struct qmgr_window w;
	int n = 0;

	assert_int_equal(qmgr_feedback_parse("1/concurrency", &fb), 0);
	assert_int_equal(fb.per_window, 1);
	qmgr_window_init(&w, 4, 20);
	while (w.window == 4 && n < 100) {
		qmgr_window_success(&w, 10, 4, 20, &fb);
		n++;
	}
	assert_int_equal(w.window, 5);
	assert_in_range(n, 3, 4);
}

/* A dead window revives on success or explicitly: busy, else initial. */
static void
test_revive(void **state)
{
	struct qmgr_window w;

	qmgr_window_init(&w, 1, 20);
	assert_int_equal(qmgr_window_failure(&w, 1, &one), 1);
	qmgr_window_success(&w, 0, 5, 20, &one);
	assert_int_equal(w.window, 5);
	assert_int_equal(qmgr_window_failure(&w, 1, &one), 0);
	w.window = 0;
	qmgr_window_revive(&w, 3, 5);
	assert_int_equal(w.window, 3);
	assert_true(w.fail_cohorts == 0);
}

static void
test_feedback_parse(void **state)
{
	static const struct {
		const char *text;
		int ok;
		double value;
		int per_window;
	} cases[] = {
	    {"1", 0, 1, 0},
	    {"2", 0, 2, 0},
	    {"0.5", 0, 0.5, 0},
	    {" 1 / concurrency ", 0, 1, 1},
	    {"1/concurrency", 0, 1, 1},
	    {"", -1, 0, 0},
	    {"0", -1, 0, 0},
	    {"-1", -1, 0, 0},
	    {"abc", -1, 0, 0},
	    {"1/", -1, 0, 0},
	    {"1/concurrencyx", -1, 0, 0},
	    {"1 2", -1, 0, 0},
	    {"1e300", -1, 0, 0},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct qmgr_feedback fb = {0, 0};
		int rc = qmgr_feedback_parse(cases[i].text, &fb);

		if (rc != cases[i].ok)
			fail_msg("\"%s\": rc %d", cases[i].text, rc);
		if (rc == 0 &&
		    (fb.value != cases[i].value ||
			fb.per_window != cases[i].per_window))
			fail_msg("\"%s\": %g %d", cases[i].text, fb.value,
			    fb.per_window);
	}
}

/* Backoff: age clamped to [min, max]; the schedule 300, 300, 600, ... */
static void
test_backoff(void **state)
{
	static const struct {
		const char *name;
		long now, create, min, max, expect;
	} cases[] = {
	    {"first failure: minimal", 1000, 1000, 300, 4000, 300},
	    {"age below minimal", 1100, 1000, 300, 4000, 300},
	    {"age 600", 1600, 1000, 300, 4000, 600},
	    {"age 1200", 2200, 1000, 300, 4000, 1200},
	    {"age 2400", 3400, 1000, 300, 4000, 2400},
	    {"old: maximal", 100000, 1000, 300, 4000, 4000},
	    {"clock stepped back", 500, 1000, 300, 4000, 300},
	    {"test settings", 1003, 1000, 2, 4, 3},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long d = qmgr_backoff_delay(cases[i].now, cases[i].create,
		    cases[i].min, cases[i].max);

		if (d != cases[i].expect)
			fail_msg("%s: %ld, expected %ld", cases[i].name, d,
			    cases[i].expect);
	}
}

static void
test_expired(void **state)
{
	static const struct {
		const char *name;
		long now, create;
		const char *sender;
		long max, bounce;
		int expect;
	} cases[] = {
	    {"young", 1000, 900, "a@b", 432000, 432000, 0},
	    {"exactly at the lifetime", 433000, 1000, "a@b", 432000, 432000, 1},
	    {"one second before", 432999, 1000, "a@b", 432000, 432000, 0},
	    {"lifetime 0: first failure", 1000, 1000, "a@b", 0, 0, 1},
	    {"null sender uses bounce lifetime", 2000, 1000, "", 432000, 600,
		1},
	    {"non-null ignores bounce lifetime", 2000, 1000, "a@b", 432000, 600,
		0},
	    {"bounce lifetime clamped to max", 2000, 1000, "", 500, 432000, 1},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int e = qmgr_expired(cases[i].now, cases[i].create,
		    cases[i].sender, cases[i].max, cases[i].bounce);

		if (e != cases[i].expect)
			fail_msg("%s: %d", cases[i].name, e);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fourth_failure_kills),
	    cmocka_unit_test(test_window_one_dies_at_once),
	    cmocka_unit_test(test_success_resets_cohorts),
	    cmocka_unit_test(test_no_cohort_limit),
	    cmocka_unit_test(test_cohort_limit_two),
	    cmocka_unit_test(test_positive_feedback),
	    cmocka_unit_test(test_per_window_feedback),
	    cmocka_unit_test(test_revive),
	    cmocka_unit_test(test_feedback_parse),
	    cmocka_unit_test(test_backoff),
	    cmocka_unit_test(test_expired),
	};

	return cmocka_run_group_tests(tests, 0, 0);
}
