/*
 * server - the daemon skeleton; see server.h.
 *
 * Implementation notes. The order in server_main() matters: options,
 * main.cf and -o overrides, the log, chdir to queue_directory, then the
 * privilege drop (verified afterwards, as dma does), and only then the
 * parent-death signal: Linux clears PR_SET_PDEATHSIG when the process
 * changes its credentials. The parent's pid is remembered first so that
 * "the master died before we asked" is detected by getppid() changing
 * (comparing against 1 would break when the master itself is pid 1).
 *
 * The listening socket is used only if fd 3 really is a listening socket
 * (SO_ACCEPTCONN). Accepts run in bounded batches; when the process runs
 * out of descriptors the listener is paused for a second instead of
 * spinning. Trigger connections get a private buffer of at most
 * SERVER_TRIGGER_MAX bytes and one 10 s timeout; whatever arrived by EOF,
 * by the limit or by the timeout is handed to spec->trigger().
 *
 * The status pipe is used only by a daemon the master started (fd 3 is a
 * listening socket): writes of one int, atomic on a pipe, non-blocking
 * (the master made it so). Our pid once, when spec->active() first
 * reaches 2 right after an accept (asked after every accept until then);
 * -pid when we retire.
 *
 * Lifetimes. One timer, server_life_ev, either polls the work in progress
 * every second (after an accept, while busy; every SERVER_RETIRE_POLL_MS
 * past max_use) or runs max_idle once the work is 0; it fires with the
 * work still 0 and we retire. So an idle daemon wakes up once per
 * max_idle, a busy one once a second, and the exit comes max_idle to
 * max_idle + 1 s after the last client left. The race with a client that
 * connects as we leave is harmless: the connection waits in the backlog
 * of the socket, which the master keeps open, and the master, told by
 * -pid (or by our exit), watches the endpoint and starts the successor
 * when it is readable. Past max_use we keep accepting while we have
 * clients, as Postfix's multi_server does: under steady load a daemon
 * is not replaced every max_use connections.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <event2/event.h>

#include "server.h"
#include "metrics.h"
#include "mem.h"
#include "msg.h"
#include "param.h"
#include "qdir.h"

#define SERVER_TRIGGER_MAX 1024	  /* bytes per trigger connection */
#define SERVER_TRIGGER_TIMEOUT 10 /* seconds */
#define SERVER_ACCEPT_BATCH 64	  /* accepts per readiness event */
#define SERVER_RETIRE_POLL_MS 100 /* past max_use: look for no work */

static struct event_base *server_evbase;
static const struct server_spec *server_spec;
static char *server_service;
static struct event *server_listen_ev;
static struct event *server_pause_ev;
static struct event *server_sig_ev[3];
static int server_status_fd = -1;     /* master's status pipe */
static int server_busy_told;	      /* our pid went up the pipe once */
static struct event *server_drain_ev; /* 1 s tick while draining */
static struct event *server_life_ev;  /* max_idle timer or 1 s busy poll */
static int server_lifetime;	      /* max_idle and max_use apply */
static int server_life_idle;	      /* server_life_ev runs max_idle */
static int server_retiring;	      /* max_use reached, no notice sent */
static long server_uses;	      /* connections (triggers) served */
static int server_triggers;	      /* trigger connections being read */
static int server_left;		      /* server_leave() was called */

static int server_listening(int fd);

struct server_trigger {
	int fd;
	struct event *ev;
	size_t len;
	char buf[SERVER_TRIGGER_MAX];
};

struct event_base *
server_base(void)
{
	return server_evbase;
}

static int server_alone;

int
server_standalone(void)
{
	return server_alone;
}

const char *
server_service_name(void)
{
	return server_service ? server_service
			      : (server_spec ? server_spec->name : "");
}

void
server_stop(void)
{
	if (server_evbase)
		event_base_loopbreak(server_evbase);
}

static void server_used(void);
static void server_drain_begin(void);
static void server_life_arm(int idle);

/* server_work - clients (trigger connections) in progress */

static int
server_work(void)
{
	int n = server_triggers;

	if (server_spec->active != NULL)
		n += server_spec->active();
	return (n);
}

/* server_leave - spec->stop, then leave the loop (exit status 0) */

static void
server_leave(void)
{
	if (server_left++)
		return;
	if (server_spec->stop)
		server_spec->stop();
	event_base_loopbreak(server_evbase);
}

/* server_status_send - one int up the master's status pipe; 0 or -1 */

static int
server_status_send(int value)
{
	if (server_status_fd < 0)
		return (-1);
	if (write(server_status_fd, &value, sizeof(value)) != sizeof(value)) {
		if (msg_verbose)
			msg_info("status pipe: %m");
		return (-1);
	}
	return (0);
}

/*
 * server_retire - max_idle or max_use. Postfix's multi-server rule: a
 * daemon past max_use goes on serving, new clients included, for as
 * long as it has any, and leaves only when none is left (a trigger
 * server likewise waits for its work: pickup's pass over maildrop).
 * Leaving: -pid up the status pipe, so that the master frees our slot
 * and starts a successor when the endpoint is next readable (a failed
 * notice only delays that until our exit), then out of the loop.
 */
static void
server_retire(void)
{
	if (server_drain_ev != NULL)
		return;
	if (server_work() > 0) {
		if (!server_retiring ||
		    !evtimer_pending(server_life_ev, NULL)) {
			server_retiring = 1;
			server_life_arm(0);
		}
		return;
	}
	(void)server_status_send(-(int)getpid());
	server_leave();
}

/* server_life_arm - the next look at our work: in 1 s (busy) or after
 * max_idle (idle) */

static void
server_life_arm(int idle)
{
	struct timeval tv = {idle ? var_max_idle : 1, 0};

	if (!idle && server_retiring) { /* past max_use: leave soon */
		tv.tv_sec = 0;
		tv.tv_usec = SERVER_RETIRE_POLL_MS * 1000;
	}

	server_life_idle = idle;
	evtimer_add(server_life_ev, &tv);
}

/* server_life_event - busy poll or idle timer: retire when idle long
 * enough, or when max_use was reached and the work is done */

static void
server_life_event(evutil_socket_t fd, short what, void *ctx)
{
	if (server_drain_ev != NULL)
		return;
	if (server_work() > 0) {
		server_life_arm(0);
	} else if (server_retiring) {
		server_retire();
	} else if (!server_life_idle && var_max_idle > 0) {
		server_life_arm(1);
	} else if (var_max_idle > 0) {
		if (msg_verbose)
			msg_info("idle timeout -- exiting");
		server_retire();
	}
}

/* server_used - one more connection (trigger) served; max_use */

static void
server_used(void)
{
	if (!server_lifetime)
		return;
	server_uses++;
	if (var_max_use > 0 && server_uses >= var_max_use) {
		if (msg_verbose && !server_retiring)
			msg_info("use limit %ld reached -- exiting when done",
			    var_max_use);
		server_retire();
	} else if (server_life_idle || !evtimer_pending(server_life_ev, NULL)) {
		server_life_arm(0);
	}
}

/* server_trigger_done - hand over what arrived, release the connection */

static void
server_trigger_done(struct server_trigger *t)
{
	event_free(t->ev);
	close(t->fd);
	server_triggers--;
	if (t->len > 0)
		server_spec->trigger(t->buf, t->len);
	mem_free(t);
	server_used();
}

static void
server_trigger_read(evutil_socket_t fd, short what, void *ctx)
{
	struct server_trigger *t = ctx;
	ssize_t n;

	if (what & EV_TIMEOUT) {
		if (msg_verbose)
			msg_info("trigger connection timed out after %zu bytes",
			    t->len);
		server_trigger_done(t);
		return;
	}
	n = read(fd, t->buf + t->len, sizeof(t->buf) - t->len);
	if (n < 0 &&
	    (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	if (n < 0) {
		msg_warn("read trigger: %m");
		t->len = 0;
		server_trigger_done(t);
		return;
	}
	t->len += (size_t)n;
	if (n == 0 || t->len >= sizeof(t->buf))
		server_trigger_done(t);
}

static void
server_pause_done(evutil_socket_t fd, short what, void *ctx)
{
	event_add(server_listen_ev, NULL);
}

/* server_status_open - the master's status pipe on fd 4: only where fd 3
 * is a listening socket (started by the master) */

static void
server_status_open(void)
{
	struct stat st;

	if (server_listening(SERVER_LISTEN_FD) &&
	    fstat(SERVER_STATUS_FD, &st) == 0 && S_ISFIFO(st.st_mode) &&
	    fcntl(SERVER_STATUS_FD, F_SETFD, FD_CLOEXEC) == 0)
		server_status_fd = SERVER_STATUS_FD;
}

/* server_status_forget - not for us after all: leave fd 4 alone */

static void
server_status_forget(void)
{
	server_status_fd = -1;
}

/* server_report_busy - a second client at once: tell the master, once */

static void
server_report_busy(void)
{
	if (server_busy_told || server_spec->mode != SERVER_MULTI ||
	    server_spec->active == NULL || server_spec->active() < 2)
		return;
	server_busy_told = 1;
	(void)server_status_send((int)getpid());
}

static void
server_accept(evutil_socket_t lfd, short what, void *ctx)
{
	for (int i = 0; i < SERVER_ACCEPT_BATCH; i++) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED ||
			    errno == EPROTO)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			msg_warn("accept connection: %m");
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				struct timeval tv = {1, 0};
				event_del(server_listen_ev);
				evtimer_add(server_pause_ev, &tv);
			}
			return;
		}
		if (server_spec->mode == SERVER_MULTI) {
			server_spec->accept(fd);
			server_report_busy();
			server_used();
			if (server_drain_ev != NULL || server_left)
				return; /* retired: accept no more */
		} else {
			struct server_trigger *t = mem_calloc(1, sizeof(*t));
			struct timeval tv = {SERVER_TRIGGER_TIMEOUT, 0};

			t->fd = fd;
			server_triggers++;
			t->ev = event_new(server_evbase, fd,
			    EV_READ | EV_PERSIST, server_trigger_read, t);
			if (t->ev == NULL || event_add(t->ev, &tv) < 0)
				msg_fatal("cannot register trigger connection");
		}
	}
}

/* server_drain_check - exit once a draining daemon has nothing to do */

static void
server_drain_check(evutil_socket_t fd, short what, void *ctx)
{
	static int waited;

	if (server_work() > 0 && ++waited < SERVER_DRAIN_LIMIT)
		return;
	server_leave();
}

/* server_drain_begin - close the listener, exit when the work is done */

static void
server_drain_begin(void)
{
	struct timeval tv = {1, 0};

	event_del(server_listen_ev);
	evtimer_del(server_pause_ev);
	if (server_life_ev != NULL)
		evtimer_del(server_life_ev);
	(void)close(SERVER_LISTEN_FD);
	server_drain_ev =
	    event_new(server_evbase, -1, EV_PERSIST, server_drain_check, NULL);
	if (server_drain_ev == NULL || event_add(server_drain_ev, &tv) < 0)
		msg_fatal("cannot register the drain timer");
	server_drain_check(-1, 0, NULL);
}

/* server_drain - SIGHUP: leave new clients to the successor, finish ours */

static void
server_drain(evutil_socket_t sig, short what, void *ctx)
{
	if (server_spec->mode != SERVER_MULTI || server_spec->active == NULL ||
	    server_listen_ev == NULL) {
		server_leave();
		return;
	}
	if (server_drain_ev == NULL)
		server_drain_begin();
}

static void
server_signal(evutil_socket_t sig, short what, void *ctx)
{
	if (msg_verbose)
		msg_info("received signal %d, exiting", (int)sig);
	server_leave();
}

/* The skeleton's own parameters, bound before the program's. */

static const struct param_var server_params[] = {
    PARAM_VAR(mail_owner),
    PARAM_VAR(max_idle),
    PARAM_VAR(max_use),
    PARAM_VAR_END,
};

/* server_drop_privileges - become mail_owner when running as root */

static void
server_drop_privileges(void)
{
	const char *owner = var_mail_owner;
	struct passwd *pw;
	uid_t uid;
	gid_t gid;

	if (geteuid() != 0)
		return;
	errno = 0;
	if ((pw = getpwnam(owner)) == NULL)
		msg_fatal("file %s: parameter mail_owner: unknown user name "
			  "value: %s",
		    param_main_cf_path(), owner);
	uid = pw->pw_uid;
	gid = pw->pw_gid;
	if (uid == 0)
		msg_fatal("file %s: parameter mail_owner: user %s has "
			  "privileged "
			  "user ID",
		    param_main_cf_path(), owner);
	if (setgroups(1, &gid) < 0)
		msg_fatal("setgroups(1, [%ld]): %m", (long)gid);
	if (setgid(gid) < 0)
		msg_fatal("setgid(%ld): %m", (long)gid);
	if (setuid(uid) < 0)
		msg_fatal("setuid(%ld): %m", (long)uid);
	if (getuid() != uid || geteuid() != uid || getgid() != gid ||
	    getegid() != gid)
		msg_fatal("privilege drop to %s failed: uid %ld/%ld gid "
			  "%ld/%ld",
		    owner, (long)getuid(), (long)geteuid(), (long)getgid(),
		    (long)getegid());
	if (setuid(0) == 0)
		msg_fatal("privilege drop to %s failed: can become root again",
		    owner);
	if (msg_verbose)
		msg_info("running as %s (uid %ld gid %ld)", owner, (long)uid,
		    (long)gid);
}

/* server_listening - is fd a listening socket? */

static int
server_listening(int fd)
{
	int on = 0;
	socklen_t len = sizeof(on);

	if (fcntl(fd, F_GETFD) < 0)
		return 0;
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) < 0)
		return 0;
	return on != 0;
}

static void
server_usage(const char *prog)
{
	msg_fatal("usage: %s [-c config_dir] [-n service] [-t type] "
		  "[-o name=value]... [-v] [-S]",
	    prog);
}

/*
 * server_options - the master's command line: returns -c (or NULL), fills
 * overrides (NULL-terminated) with the -o arguments, sets server_service
 * and server_alone.
 */
static const char *
server_options(int argc, char **argv, char **overrides)
{
	const char *config_dir = NULL;
	int noverrides = 0;
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt(argc, argv, "+c:n:o:t:vS")) != -1) {
		switch (c) {
		case 'c':
			config_dir = optarg;
			break;
		case 'n':
			server_service = optarg;
			break;
		case 'o':
			if (strchr(optarg, '=') == NULL)
				msg_fatal("bad -o argument (need name=value): "
					  "%s",
				    optarg);
			overrides[noverrides++] = optarg;
			break;
		case 't':
			break;
		case 'v':
			msg_verbose++;
			break;
		case 'S':
			server_alone = 1;
			break;
		default:
			server_usage(argv[0]);
		}
	}
	if (optind < argc)
		server_usage(argv[0]);
	return (config_dir);
}

/* server_listen_setup - accept on fd 3; keep the status pipe only where
 * it can be used */

static void
server_listen_setup(void)
{
	int fl = fcntl(SERVER_LISTEN_FD, F_GETFL);
	int multi = server_spec->mode == SERVER_MULTI;

	/* Lifetimes need to see the work in progress: trigger connections,
	 * or what spec->active counts. */
	server_lifetime =
	    !server_spec->long_lived && (!multi || server_spec->active != NULL);
	if (!server_lifetime && !(multi && server_spec->active != NULL))
		server_status_forget();
	if (fl < 0 || fcntl(SERVER_LISTEN_FD, F_SETFL, fl | O_NONBLOCK) < 0 ||
	    fcntl(SERVER_LISTEN_FD, F_SETFD, FD_CLOEXEC) < 0)
		msg_fatal("set listening socket options: %m");
	server_listen_ev = event_new(server_evbase, SERVER_LISTEN_FD,
	    EV_READ | EV_PERSIST, server_accept, NULL);
	server_pause_ev = evtimer_new(server_evbase, server_pause_done, NULL);
	if (server_listen_ev == NULL || server_pause_ev == NULL ||
	    event_add(server_listen_ev, NULL) < 0)
		msg_fatal("cannot register the listening socket");
	if (server_lifetime) {
		server_life_ev =
		    evtimer_new(server_evbase, server_life_event, NULL);
		if (server_life_ev == NULL)
			msg_fatal("cannot register the idle timer");
		server_life_arm(0);
	}
}

int
server_main(int argc, char **argv, const struct server_spec *spec)
{
	const char *config_dir;
	char **overrides;
	int standalone;
	pid_t parent = getppid();

	/*
	 * Until the log is open, problems (bad options, a bad main.cf) go to
	 * standard error, where master or the person starting us sees them.
	 */
	server_spec = spec;
	msg_init(spec->name, MSG_STDERR);
	if (spec->mode == SERVER_MULTI && spec->accept == NULL)
		msg_panic("server_main: %s: SERVER_MULTI without accept",
		    spec->name);
	if (spec->mode == SERVER_TRIGGER && spec->trigger == NULL)
		msg_panic("server_main: %s: SERVER_TRIGGER without trigger",
		    spec->name);

	/* Options. */
	overrides = mem_calloc((size_t)argc + 1, sizeof(*overrides));
	config_dir = server_options(argc, argv, overrides);
	standalone = server_alone;
	/* Before anything else can be opened at its number. */
	if (!standalone)
		server_status_open();

	/* Configuration, log, queue directory, privileges. */
	param_load(config_dir);
	for (int i = 0; overrides[i] != NULL; i++)
		param_override(overrides[i]);
	overrides = mem_free(overrides);
	param_bind(server_params);
	param_bind(spec->params);
	param_log_open();
	msg_init(spec->name, isatty(2) ? MSG_STDERR : 0);
	qdir_chdir();
	if (spec->pre_init)
		spec->pre_init();
	server_drop_privileges();
	(void)metrics_attach(); /* counters for the metrics service */

	/* Exit when the master goes away (also when it is already gone). */
	if (!standalone) {
		if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0)
			msg_warn("prctl(PR_SET_PDEATHSIG): %m");
		if (getppid() != parent)
			msg_fatal("parent process %ld has gone away",
			    (long)parent);
	}

	signal(SIGPIPE, SIG_IGN);
	/* Past a file size limit a write fails with EFBIG: a clean error for
	 * one message, not the death of the daemon. */
	signal(SIGXFSZ, SIG_IGN);

	if ((server_evbase = event_base_new()) == NULL)
		msg_fatal("cannot create the event base");
	server_sig_ev[0] =
	    evsignal_new(server_evbase, SIGTERM, server_signal, NULL);
	server_sig_ev[1] =
	    evsignal_new(server_evbase, SIGINT, server_signal, NULL);
	server_sig_ev[2] =
	    evsignal_new(server_evbase, SIGHUP, server_drain, NULL);
	if (server_sig_ev[0] == NULL || server_sig_ev[1] == NULL ||
	    server_sig_ev[2] == NULL || event_add(server_sig_ev[0], NULL) < 0 ||
	    event_add(server_sig_ev[1], NULL) < 0 ||
	    event_add(server_sig_ev[2], NULL) < 0)
		msg_fatal("cannot register signal handlers");

	if (spec->init)
		spec->init(server_evbase);

	if (!standalone && server_listening(SERVER_LISTEN_FD))
		server_listen_setup();
	else if (msg_verbose)
		msg_info("no listening socket on fd %d: stand-alone mode",
		    SERVER_LISTEN_FD);
	if (server_listen_ev == NULL)
		server_status_forget();

	if (event_base_dispatch(server_evbase) < 0)
		msg_fatal("event loop failed");
	return 0;
}
