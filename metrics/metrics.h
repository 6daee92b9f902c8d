/*
 * metrics - private interface between the metrics daemon's source files.
 *
 * metrics_http.c: the connections.
 *	void metrics_http_init(struct event_base *base);
 *	void metrics_http_accept(int fd);
 *		one HTTP client: one request (GET or HEAD), one answer,
 *		then the connection is closed.
 *	void metrics_http_stop(void);
 *	int  metrics_http_active(void);
 *		the number of clients being served.
 *	int  metrics_http_request(const char *req, size_t len,
 *			struct vbuf *reply);
 *		the complete reply (status line, headers, body) to one
 *		request head; returns the HTTP status code.
 *
 * metrics_text.c: the exposition.
 *	void metrics_render(struct vbuf *out, int openmetrics);
 *		every metric in the text format 0.0.4 (openmetrics 0) or
 *		OpenMetrics 1.0.0 (1, ending with "# EOF").
 *	void metrics_render_counters(struct vbuf *out, int openmetrics,
 *			const struct metrics_shm *m);
 *		the counter and histogram families of m.
 *	void metrics_render_queues(struct vbuf *out,
 *			const struct metrics_queue_stat *q, size_t n,
 *			int truncated, long now);
 *		the queue gauges.
 *
 * The working directory is queue_directory.
 */
#ifndef SLUICE_METRICS_DAEMON_H
#define SLUICE_METRICS_DAEMON_H

#include <stddef.h>

#include "../util/metrics.h" /* the shared counters (same base name) */
#include "vbuf.h"

#define METRICS_REQ_MAX 8192	/* request head, bytes */
#define METRICS_IO_TIMEOUT 10	/* seconds per read or write */
#define METRICS_QUEUE_CACHE 2	/* seconds a queue scan is reused */
#define METRICS_SCAN_BUDGET 2.0 /* seconds a queue scan may take */

struct event_base;
struct metrics_shm;

struct metrics_queue_stat {
	const char *queue;
	long messages;
	long bytes;
	long oldest; /* arrival time of the oldest message; 0 = none */
};

void metrics_http_init(struct event_base *base);
void metrics_http_accept(int fd);
void metrics_http_stop(void);
int metrics_http_active(void);
int metrics_http_request(const char *req, size_t len, struct vbuf *reply);

void metrics_render(struct vbuf *out, int openmetrics);
void metrics_render_counters(struct vbuf *out, int openmetrics,
    const struct metrics_shm *m);
void metrics_render_queues(struct vbuf *out, const struct metrics_queue_stat *q,
    size_t n, int truncated, long now);

#endif
