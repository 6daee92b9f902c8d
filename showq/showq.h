/*
 * showq - private interface between the showq daemon's source files.
 *
 * showq_service.c: the connections.
 *	extern const struct param_var showq_params[];
 *	void showq_service_init(struct event_base *base);
 *	void showq_service_accept(int fd);
 *		one client: the listing is streamed to it (showq_proto(3))
 *		as fast as it reads, then the connection is closed.
 *	void showq_service_stop(void);
 *	int  showq_service_active(void);
 *		the number of clients being served.
 *
 * The working directory is queue_directory.
 */
#ifndef SLUICE_SHOWQ_DAEMON_H
#define SLUICE_SHOWQ_DAEMON_H

#include "param.h"

/* Output kept ready per client: refilled below SHOWQ_FILL_LOW. */
#define SHOWQ_FILL (64 * 1024)
#define SHOWQ_FILL_LOW (16 * 1024)

struct event_base;

extern const struct param_var showq_params[];
void showq_service_init(struct event_base *base);
void showq_service_accept(int fd);
void showq_service_stop(void);
int showq_service_active(void);

#endif
