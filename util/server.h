#ifndef SLUICE_SERVER_H
#define SLUICE_SERVER_H
/*
 * NAME
 *	server - the skeleton every sluice daemon runs on
 * SYNOPSIS
 *	#include "server.h"
 *
 *	int server_main(int argc, char **argv, const struct server_spec *spec);
 *	struct event_base *server_base(void);
 *	const char *server_service_name(void);
 *	int  server_standalone(void);
 *	void server_stop(void);
 * DESCRIPTION
 *	A daemon's main() fills a const struct server_spec and returns
 *	server_main(). The master starts it as
 *	    PROG -c CONFIG_DIR -n SERVICE -t TYPE [-o name=value]... [-v]
 *	with the service's listening socket on fd SERVER_LISTEN_FD (3); run
 *	by hand without fd 3 (or with -S, "stand-alone"), the daemon has no
 *	endpoint and only runs its timers.
 *
 *	server_main() parses those options, loads main.cf (param_load), applies
 *	-o overrides, fills the variables of spec->params (param_bind), opens
 *	the log (param_log_open), chdir()s to
 *	queue_directory, calls spec->pre_init (still with the privileges it
 *	was started with, e.g. to read a TLS private key that only root may
 *	read), drops privileges to mail_owner when started as root
 *	(verifying the result), creates the libevent base, calls spec->init,
 *	and then dispatches:
 *	  SERVER_MULTI: each accepted connection is handed to spec->accept(fd)
 *	    (non-blocking, close-on-exec; the callee owns it);
 *	  SERVER_TRIGGER: each accepted connection is read to EOF (at most
 *	    1024 bytes, 10 s) and the bytes are given to spec->trigger();
 *	    the master's periodic wake-up arrives the same way as "W".
 *	A SERVER_MULTI daemon with spec->active that the master started with
 *	a pipe on fd SERVER_STATUS_FD (4) writes its pid (an int) there
 *	once, the first time spec->active() reaches 2 right after an
 *	accept: the master then starts the other copies of the service
 *	(master.h). Without that pipe nothing changes.
 *
 *	Lifetimes (Postfix's max_idle and max_use, main.cf or -o): a daemon
 *	with a listening socket whose work the skeleton can see (a
 *	SERVER_TRIGGER daemon: its trigger connections; a SERVER_MULTI one
 *	with spec->active) retires when it has had no work for max_idle
 *	seconds (checked every second while busy), or once it has served
 *	max_use connections (SERVER_MULTI, counted at accept) or triggers
 *	(counted when handed over). Work is what spec->active() counts
 *	(for a trigger server, optional: what its triggers started) plus
 *	trigger connections being read. Past max_use a daemon follows
 *	Postfix's multi-server rule: it goes on serving, new clients
 *	included, as long as it has any work (looked at every
 *	SERVER_RETIRE_POLL_MS), so a busy daemon is not replaced under
 *	load. Retiring (no work left), it writes -pid on the status pipe
 *	(the master frees its slot and starts a successor on the next
 *	client; without the notice it does so at the exit) and leaves.
 *	It calls spec->stop and returns 0,
 *	which the master takes as a normal exit (silent, never throttled).
 *	spec->long_lived (qmgr) and a SERVER_MULTI daemon without
 *	spec->active ignore both, as does a stand-alone one. With -v: "idle
 *timeout -- exiting" (Postfix's text).
 *
 *	SIGTERM and SIGINT call spec->stop (if any) and leave the loop.
 *	SIGHUP asks a SERVER_MULTI daemon that has spec->active to drain:
 *	it closes its listening socket (its successor, started by master,
 *	takes the new clients), and exits once spec->active() reports no
 *	work in progress (checked every second; at most SERVER_DRAIN_LIMIT
 *	seconds). Any other daemon treats SIGHUP like SIGTERM. The return
 *	value is the process exit status. server_stop() leaves the
 *	loop from inside a callback. server_standalone() says whether -S was
 *	given (e.g. smtpd for "sendmail -bs").
 *
 *	The client side of services (trigger_send(), ipc_connect()) is in
 *	ipc.h, which this header includes.
 * DIAGNOSTICS
 *	Fatal: bad options, unknown mail_owner as root, failed privilege drop.
 */
#include <stddef.h>
#include "ipc.h"
#include "vbuf.h"

#define SERVER_LISTEN_FD 3
#define SERVER_STATUS_FD 4

struct event_base;
struct param_var;

enum server_mode { SERVER_MULTI, SERVER_TRIGGER };

struct server_spec {
	const char *name; /* program name for logs: "qmgr" */
	enum server_mode mode;
	void (*pre_init)(void); /* before privileges are dropped */
	void (*init)(
	    struct event_base *base); /* after privileges are dropped */
	void (*accept)(int fd);	      /* SERVER_MULTI */
	void (*trigger)(const char *buf, size_t len); /* SERVER_TRIGGER */
	void (*stop)(void);  /* on SIGTERM, before exit */
	int (*active)(void); /* work in progress (SERVER_TRIGGER: optional) */
	int long_lived;	     /* ignore max_idle and max_use (qmgr) */
	/* The parameters the program reads (param_bind()), or NULL. */
	const struct param_var *params;
};

#define SERVER_DRAIN_LIMIT 3600

int server_main(int argc, char **argv, const struct server_spec *spec);
struct event_base *server_base(void);
const char *server_service_name(void);
int server_standalone(void); /* started with -S */
void server_stop(void);

#endif
