/*
 * NAME
 *	qmgr_feedback - concurrency window, backoff and expiry arithmetic
 * SYNOPSIS
 *	#include "qmgr.h"
 *
 *	int  qmgr_feedback_parse(const char *text, struct qmgr_feedback *fb);
 *	double qmgr_feedback_value(const struct qmgr_feedback *fb, int window);
 *	void qmgr_window_init(struct qmgr_window *w, int initial, int limit);
 *	void qmgr_window_success(struct qmgr_window *w, int busy, int initial,
 *			int limit, const struct qmgr_feedback *pos);
 *	int  qmgr_window_failure(struct qmgr_window *w, double cohort_limit,
 *			const struct qmgr_feedback *neg);
 *	void qmgr_window_revive(struct qmgr_window *w, int busy, int initial);
 *	long qmgr_backoff_delay(long now, long create_time, long min_backoff,
 *			long max_backoff);
 *	int  qmgr_expired(long now, long create_time, const char *sender,
 *			long max_lifetime, long bounce_lifetime);
 * DESCRIPTION
 *	Pure functions, no I/O; the numbers are Postfix's (see
 *	docs/postfix/scheduling.md sections 3 and 4).
 *
 *	qmgr_feedback_parse() reads a feedback parameter value: "N" (a
 *	constant) or "N/concurrency" (N divided by the current window);
 *	N is a positive decimal number. Returns 0, or -1 if the text is not
 *	one of those forms. qmgr_feedback_value() gives the amount for a
 *	window.
 *
 *	qmgr_window_init() starts a new destination at the initial
 *	concurrency, capped by the transport limit (0 = no limit), at least 1.
 *
 *	qmgr_window_success() applies a delivery that completed without a
 *	site-level problem: the failed-cohort count is reset; a dead window
 *	is revived; otherwise, while the window is below the limit and below
 *	busy + initial, the positive feedback accumulates and each time it
 *	reaches the hysteresis (1) the window grows by one.
 *
 *	qmgr_window_failure() applies a site-level failure: the failed
 *	cohorts grow by 1/window, and when they reach cohort_limit (> 0) the
 *	window becomes 0 (dead); the test comes before the window shrinks.
 *	Otherwise the negative feedback shrinks the window, never below 1.
 *	Returns 1 when this failure killed the destination, else 0. The
 *	caller must not call it for a dead window.
 *
 *	qmgr_window_revive() brings a dead window back to the number of
 *	deliveries still in flight, or the initial concurrency if none.
 *
 *	qmgr_backoff_delay() is the time to the next attempt of a message:
 *	its age clamped to [min_backoff, max_backoff] (a negative age, from
 *	a clock step back, counts as 0).
 *
 *	qmgr_expired() tells whether a message with deferred recipients has
 *	passed its lifetime: now >= create_time + lifetime, where lifetime
 *	is bounce_lifetime (clamped to max_lifetime) for the null sender and
 *	max_lifetime otherwise.
 */
#include <stdlib.h>
#include <string.h>
#include "qmgr.h"

#define QMGR_HYSTERESIS 1.0

int
qmgr_feedback_parse(const char *text, struct qmgr_feedback *fb)
{
	char *end;
	double v;

	while (*text == ' ' || *text == '\t')
		text++;
	if (*text < '0' || *text > '9')
		return (-1);
	v = strtod(text, &end);
	if (end == text || !(v > 0) || v > 1e6)
		return (-1);
	while (*end == ' ' || *end == '\t')
		end++;
	fb->value = v;
	fb->per_window = 0;
	if (*end == 0)
		return (0);
	if (*end != '/')
		return (-1);
	end++;
	while (*end == ' ' || *end == '\t')
		end++;
	if (strncmp(end, "concurrency", 11) != 0)
		return (-1);
	end += 11;
	while (*end == ' ' || *end == '\t')
		end++;
	if (*end != 0)
		return (-1);
	fb->per_window = 1;
	return (0);
}

double
qmgr_feedback_value(const struct qmgr_feedback *fb, int window)
{
	if (fb->per_window)
		return (fb->value / (window > 0 ? window : 1));
	return (fb->value);
}

void
qmgr_window_init(struct qmgr_window *w, int initial, int limit)
{
	w->window = initial;
	if (limit > 0 && w->window > limit)
		w->window = limit;
	if (w->window < 1)
		w->window = 1;
	w->success = w->failure = w->fail_cohorts = 0;
}

void
qmgr_window_revive(struct qmgr_window *w, int busy, int initial)
{
	w->window = busy > 0 ? busy : (initial > 0 ? initial : 1);
	w->success = w->failure = w->fail_cohorts = 0;
}

void
qmgr_window_success(struct qmgr_window *w, int busy, int initial, int limit,
    const struct qmgr_feedback *pos)
{
	double fb;

	w->fail_cohorts = 0;
	if (w->window == 0) {
		qmgr_window_revive(w, busy, initial);
		return;
	}
	if (limit != 0 && limit <= w->window)
		return;
	if (w->window >= busy + initial)
		return;
	fb = qmgr_feedback_value(pos, w->window);
	w->success += fb;
	/* Overshoot (feedback > hysteresis, rounding): loop, bounded. */
	while (w->success + fb / 2 >= QMGR_HYSTERESIS && w->window < 1000000) {
		w->window += 1;
		w->success -= QMGR_HYSTERESIS;
		w->failure = 0;
	}
	if (limit > 0 && w->window > limit)
		w->window = limit;
}

int
qmgr_window_failure(struct qmgr_window *w, double cohort_limit,
    const struct qmgr_feedback *neg)
{
	double fb;

	if (w->window <= 0)
		return (0);
	w->fail_cohorts += 1.0 / w->window;
	if (cohort_limit > 0 && w->fail_cohorts >= cohort_limit - 1e-9) {
		w->window = 0;
		w->success = w->failure = 0;
		return (1);
	}
	fb = qmgr_feedback_value(neg, w->window);
	w->failure -= fb;
	while (w->failure + fb / 2 < 0 && w->window > -1000000) {
		w->window -= 1;
		w->success = 0;
		w->failure += QMGR_HYSTERESIS;
	}
	if (w->window < 1)
		w->window = 1;
	return (0);
}

long
qmgr_backoff_delay(long now, long create_time, long min_backoff,
    long max_backoff)
{
	long delay = now - create_time;

	if (delay < 0)
		delay = 0;
	if (delay > max_backoff)
		delay = max_backoff;
	if (delay < min_backoff)
		delay = min_backoff;
	return (delay);
}

int
qmgr_expired(long now, long create_time, const char *sender, long max_lifetime,
    long bounce_lifetime)
{
	long lifetime = max_lifetime;

	if (sender == 0 || *sender == 0)
		lifetime = bounce_lifetime < max_lifetime ? bounce_lifetime
							  : max_lifetime;
	return (now >= create_time + lifetime);
}
