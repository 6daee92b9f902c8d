#ifndef SLUICE_MASTER_H
#define SLUICE_MASTER_H
/*
 * NAME
 *	master.h - private interface of the master daemon
 * SYNOPSIS
 *	#include "master.h"
 * DESCRIPTION
 *	A struct master_serv is one enabled master.cf entry whose program
 *	exists. It owns its listening endpoints and nproc struct master_slot
 *	per listening socket (an inet service bound to two addresses has
 *	two endpoints), endpoint-major: slot e * nproc + k is copy k of
 *	endpoint e, with its own descriptor of the same socket. Each slot
 *	runs at most one child process, which gets that socket on fd 3.
 *	nproc is master_nproc(): 1, or for smtpd, smtp and cleanup
 *	min(maxproc, online CPUs, MASTER_MAX_PROC). Copy 0 runs from the
 *	start (a service whose wakeup column is a plain "N") or from the
 *	moment its endpoint first becomes readable (every other service:
 *	ondemand), the others once the service has "grown"
 *	(master_status.c).
 *	The list of services is master_services.
 *
 *	master_conf.c: master_conf_build() turns master.cf into a list of
 *	services without endpoints; master_conf_apply() makes that list the
 *	running one (start-up and reload); master_conf_free_list().
 *	master_inet_parse() and master_disabled() are the pure parts, unit
 *	tested.
 *
 *	master_listen.c: master_listen_open() creates a service's endpoints
 *	and slots (returns -1 with why on failure); master_listen_copies()
 *	gives copies from k = from on a descriptor of their endpoint;
 *master_listen_close() closes them and removes UNIX socket and FIFO files. Both
 *work relative to a verified public/ or private/ descriptor under mail_owner's
 *file-system identity (util/fsafe). master_as_owner() enters that identity when
 *the master is root (0, or -1 with why; fsafe_restore() leaves it).
 *
 *	master_spawn.c: master_spawn() forks and execs a slot's child;
 *	master_reap() collects every exited child and restarts or throttles
 *	as needed; master_signal_children() signals every child;
 *	master_children() counts them; master_slot_stop() asks one child to
 *	leave and arms a SIGKILL deadline. master_slot_idle() is what a slot
 *	without a process does next: start one at once, or (ondemand) watch
 *	its endpoint and start one when it is readable;
 *	master_slot_unwatch() stops watching.
 *
 *	master_status.c: master_status_init() makes the status pipe whose
 *	write end every child gets on fd 4; a pid
 *	read from it grows that child's service (master_serv_grow(): start
 *	every copy); a negative one, -pid, says that child retires
 *	(max_idle, max_use: master_slot_retire() frees its slot and watches
 *	the endpoint). master_status_poll() reads the pipe at once
 *	(master_reap() does, so a notice is seen before the exit).
 *
 *	master_wakeup.c: master_wakeup_start()/stop() arm and disarm a
 *	service's periodic "W" trigger.
 *
 *	master_loop.c: master_run() takes the lock, builds and applies the
 *	configuration, writes the pid file and runs the loop;
 *	master_sig_init() routes SIGHUP (master_reload()), SIGTERM and
 *	SIGINT (master_terminate()), SIGQUIT (abort) and SIGCHLD
 *	(master_reap()) through the event base. master_timer_arm() makes a
 *	timer event on first use (EV_PERSIST or 0 in flags) and (re)arms it
 *	for seconds; master_timer_stop() disarms one, if it exists.
 *
 *	master_pid.c: master_pid_lock() opens and locks pid/master.pid
 *	(fatal "already running" when another master holds it),
 *	master_pid_write() writes our pid, master_pid_remove() unlinks it.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <time.h>
#include <event2/event.h>
#include "cfg.h"
#include "vbuf.h"

struct master_serv;

#define MASTER_QUICK_EXIT 10 /* s: a restart dying sooner is throttled */
#define MASTER_KILL_DELAY 5  /* seconds between SIGTERM and SIGKILL */
#define MASTER_MAX_ADDR 16   /* listening addresses per inet service */
#define MASTER_VERSION "0.1" /* when main.cf has no mail_version */
#define MASTER_MAX_PROC 16   /* processes per endpoint */

struct master_slot {
	struct master_serv *serv; /* owner */
	int fd;			  /* listening endpoint, -1 if none */
	pid_t pid;		  /* child, 0 if none */
	double started;		  /* when the child was forked (monotonic s) */
	int restarted;		  /* this child replaces one that exited */
	int stopping;		  /* we asked it to leave */
	int throttled;		  /* waiting for service_throttle_time */
	struct event *timer;	  /* throttle delay or SIGKILL deadline */
	struct event *watch;	  /* on demand: endpoint readable */
};

struct master_addr {
	struct sockaddr_storage sa;
	socklen_t len;
	int dual;      /* IPv6 wildcard that also takes IPv4 */
	char text[64]; /* "127.0.0.1:2525", "[::1]:25" */
};

struct master_serv {
	struct master_serv *next;
	char *name;	 /* master.cf field 1 */
	char *type_name; /* field 2 as written */
	enum master_type type;
	int private_;
	int wakeup;	    /* seconds, 0 = never */
	int wakeup_if_used; /* "N?": wake-ups only once it has run */
	int ondemand;	    /* first process when the endpoint is readable */
	int used;	    /* a process of it has run */
	int maxproc;
	int nproc;	/* processes per endpoint (master_nproc()) */
	int grown;	/* copies beyond the first started (status pipe) */
	int line;	/* master.cf line */
	char *command;	/* argv[0] of the entry */
	char *path;	/* daemon_directory/command */
	char **argv;	/* exec vector, NULL-terminated, owned */
	char *endpoint; /* "public/NAME", "private/NAME", or NULL */
	char *key;	/* endpoint identity for reload */
	char *conf;	/* whole entry identity for reload */
	struct master_addr addrs[MASTER_MAX_ADDR]; /* inet only */
	int naddr;
	struct master_slot *slots;
	int nslot;
	struct event *wakeup_ev;
	int retired; /* removed by reload */
};

/* master.c options and global state (master_loop.c). */
extern struct event_base *master_base;
extern struct master_serv *master_services;
extern int master_foreground; /* -d: keep stdio, no setsid */
extern int master_terminating;
extern const char *master_config_dir;
extern struct master_serv
    *master_retired;	      /* removed by reload, children alive */
extern int master_conf_quiet; /* build without warnings */

/* master_conf.c */
struct master_serv *master_conf_build(const char *master_cf, struct vbuf *why);
void master_conf_apply(struct master_serv *list, int starting);
struct master_serv *master_conf_free_list(struct master_serv *list);
struct master_serv *master_serv_free(struct master_serv *serv);
int master_inet_parse(const char *service, const char *interfaces,
    const char *protocols, struct master_addr *addrs, int max,
    struct vbuf *why);
int master_disabled(const char *name, const char *type,
    const char *disable_list);
int master_nproc(const char *command, int type, int maxproc, long default_limit,
    long ncpu);
void master_param_init(void);
const char *master_version(void);
const char *master_mail_name(void);

/* master_listen.c */
int master_listen_open(struct master_serv *serv, struct vbuf *why);
void master_listen_close(struct master_serv *serv);
int master_listen_copies(struct master_serv *serv, int from, struct vbuf *why);
int master_as_owner(struct vbuf *why);

/* master_spawn.c */
void master_spawn(struct master_slot *slot);
void master_reap(void);
void master_signal_children(int sig);
int master_children(void);
void master_slot_stop(struct master_slot *slot);
int master_slot_drain(struct master_slot *slot);
void master_slot_cancel(struct master_slot *slot);
void master_throttle(struct master_slot *slot);
void master_child_signals(void);
struct master_slot *master_slot_of(pid_t pid);
void master_serv_grow(struct master_serv *serv);
void master_slot_idle(struct master_slot *slot);
void master_slot_unwatch(struct master_slot *slot);
void master_slot_retire(pid_t pid);

/* master_status.c */
extern int master_status_wfd; /* write end, given to children on fd 4 */
void master_status_init(void);
void master_status_poll(void);

/* master_wakeup.c */
void master_wakeup_start(struct master_serv *serv);
void master_wakeup_stop(struct master_serv *serv);

/* master_loop.c */
void master_timer_arm(struct event **evp, short flags, event_callback_fn cb,
    void *arg, long seconds);
void master_timer_stop(struct event *ev);
int master_run(int ready_fd);
void master_sig_init(void);
void master_reload(void);
void master_terminate(int sig);

/* master_pid.c */
void master_pid_lock(void);
void master_pid_write(void);
void master_pid_remove(void);

#endif
