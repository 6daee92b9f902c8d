/*
 * master_spawn - start, reap, restart and stop children; see master.h.
 *
 * Implementation notes. All signals are blocked around fork(): the child
 * must not run the master's libevent signal handler (it would write to
 * the master's signal pipe), so it resets every disposition to the
 * default before unblocking. The child gets its endpoint on fd 3,
 * /dev/null on 0-2 unless the master runs in the foreground, its own
 * process group (a terminal's ^C reaches the master only, which then
 * stops the children in order), and SIGTERM if the master dies first.
 * Every other descriptor is close-on-exec.
 *
 * Restart policy. A slot without a process goes through
 * master_slot_idle(): a service started at once gets a process at once;
 * an ondemand one (serv->ondemand: no plain wakeup column) gets a
 * one-shot EV_READ event on its endpoint, and the process is forked when
 * that fires. The master never accepts or reads there, and the event is
 * gone once it fired, so a readable endpoint costs one wake-up of the
 * loop and one fork, never a busy loop while the child starts. A child
 * that exits on its own goes back through master_slot_idle() (restarted
 * at once, or when its endpoint is readable again), unless it was itself
 * a restart and lived less than MASTER_QUICK_EXIT seconds: then the slot
 * is throttled for service_throttle_time, so a daemon that cannot start
 * does not spin, and only then goes back through master_slot_idle().
 * An exit with status 0 is normal (a daemon that retired: max_idle,
 * max_use), silent and never throttled, as in Postfix; a child that
 * announced its retirement on the status pipe (master_slot_retire()) has
 * left its slot already, which then watches the endpoint whatever the
 * wakeup column says (Postfix's master starts processes only on demand;
 * pickup's wake-up timer or a trigger restarts it).
 * Abnormal exits are logged as Postfix does ("process PATH pid N exit
 * status S", "... killed by signal S"). A child that the master asked to
 * leave (reload) is followed by master_slot_idle() with the new
 * settings; after a SIGTERM it gets MASTER_KILL_DELAY seconds before
 * SIGKILL.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <event2/event.h>

#include "master.h"
#include "mem.h"
#include "msg.h"
#include "param.h"
#include "server.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* master_now - monotonic seconds */

static double
master_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

/* master_child_signals - in a fresh child: default signals, unblocked */

void
master_child_signals(void)
{
	struct sigaction sa;
	sigset_t none;
	int sig;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	for (sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			(void)sigaction(sig, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* master_child_exec - the child's half of master_spawn() */

static void
master_child_exec(struct master_slot *slot, pid_t master_pid)
{
	struct master_serv *serv = slot->serv;
	int null, flags;

	master_child_signals();
	(void)setpgid(0, 0);
	(void)prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != master_pid)
		_exit(0);
	if (slot->fd == SERVER_LISTEN_FD) {
		flags = fcntl(SERVER_LISTEN_FD, F_GETFD);
		(void)fcntl(SERVER_LISTEN_FD, F_SETFD, flags & ~FD_CLOEXEC);
	} else if (dup2(slot->fd, SERVER_LISTEN_FD) < 0) {
		msg_warn("dup2 %s endpoint: %m", serv->name);
		_exit(1);
	}
	/* The status pipe: "grow" and "retiring" (master_status.c). */
	if (master_status_wfd >= 0 &&
	    dup2(master_status_wfd, SERVER_STATUS_FD) < 0) {
		msg_warn("dup2 status pipe: %m");
		_exit(1);
	}
	if (!master_foreground && (null = open("/dev/null", O_RDWR)) >= 0) {
		(void)dup2(null, 0);
		(void)dup2(null, 1);
		(void)dup2(null, 2);
		if (null > SERVER_STATUS_FD)
			close(null);
	}
	/* Belt and braces: nothing but 0-4 survives exec. */
	(void)syscall(SYS_close_range, SERVER_STATUS_FD + 1, ~0U,
	    CLOSE_RANGE_CLOEXEC);
	execv(serv->path, serv->argv);
	msg_warn("cannot execute %s: %m", serv->path);
	_exit(127);
}

/* master_spawn - fork and exec the child of a slot */

void
master_spawn(struct master_slot *slot)
{
	sigset_t all, old;
	pid_t pid, me = getpid();

	if (slot->pid != 0 || slot->fd < 0 || master_terminating)
		return;
	master_slot_unwatch(slot);
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	pid = fork();
	if (pid == 0)
		master_child_exec(slot, me);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (pid < 0) {
		msg_warn("fork: %m; service %s throttled", slot->serv->name);
		master_throttle(slot);
		return;
	}
	slot->pid = pid;
	slot->stopping = 0;
	slot->throttled = 0;
	slot->started = master_now();
	if (msg_verbose)
		msg_info("%s: started %s pid %ld", slot->serv->name,
		    slot->serv->path, (long)pid);
	/* "N?" wake-ups begin with the first process. */
	if (!slot->serv->used) {
		slot->serv->used = 1;
		master_wakeup_start(slot->serv);
	}
}

/* master_watch_event - an ondemand endpoint is readable: start its process
 * (which accepts or reads; the master never does). The event is not
 * persistent, so the master stops watching as it forks. */

static void
master_watch_event(evutil_socket_t fd, short what, void *ctx)
{
	struct master_slot *slot = ctx, *sib;
	struct master_serv *serv = slot->serv;
	int first, k;

	if (msg_verbose)
		msg_info("%s: endpoint readable: starting a process",
		    serv->name);
	master_spawn(slot);
	/* A grown service gets its copies back at the same time. */
	first = (int)(slot - serv->slots) / serv->nproc * serv->nproc;
	for (k = 0; serv->grown && k < serv->nproc; k++) {
		sib = &serv->slots[first + k];
		if (sib->pid == 0 && !sib->throttled)
			master_spawn(sib);
	}
}

/* master_endpoint_busy - does another copy of the slot's endpoint run? */

static int
master_endpoint_busy(const struct master_slot *slot)
{
	const struct master_serv *serv = slot->serv;
	int first = (int)(slot - serv->slots) / serv->nproc * serv->nproc, k;

	for (k = 0; k < serv->nproc; k++)
		if (serv->slots[first + k].pid != 0)
			return (1);
	return (0);
}

static void master_slot_watch(struct master_slot *slot);

/* master_slot_unwatch - stop watching the slot's endpoint */

void
master_slot_unwatch(struct master_slot *slot)
{
	master_timer_stop(slot->watch);
}

/* master_slot_idle - the slot has no process (start, reload, exit, end of
 * throttling): start one now, or, for an ondemand service none of whose
 * processes serves this endpoint, watch the endpoint (level-triggered,
 * once) and start one when it is readable */

void
master_slot_idle(struct master_slot *slot)
{
	struct master_serv *serv = slot->serv;

	if (slot->pid != 0 || slot->throttled || slot->fd < 0 ||
	    master_terminating || serv->retired)
		return;
	/* A copy beside a running process is demand enough. */
	if (!serv->ondemand || master_endpoint_busy(slot)) {
		master_spawn(slot);
		return;
	}
	master_slot_watch(slot);
}

/* master_slot_watch - start the slot's process when its endpoint is
 * readable (a client or trigger waits in the shared backlog) */

static void
master_slot_watch(struct master_slot *slot)
{
	struct master_serv *serv = slot->serv;

	if (slot->pid != 0 || slot->throttled || slot->fd < 0 ||
	    master_terminating || serv->retired)
		return;
	if (slot->watch == NULL)
		slot->watch = event_new(master_base, slot->fd, EV_READ,
		    master_watch_event, slot);
	if (slot->watch == NULL || event_add(slot->watch, NULL) < 0) {
		msg_warn("%s: cannot watch the endpoint; starting a process",
		    serv->name);
		master_spawn(slot);
	}
}

/* master_serv_grow - start the copies of a service that may run several
 * processes per endpoint (the first child of each endpoint runs from the
 * start; the others once a child asked for them: master_status.c) */

void
master_serv_grow(struct master_serv *serv)
{
	int i;

	if (serv->grown || serv->nproc < 2 || serv->retired)
		return;
	serv->grown = 1;
	if (msg_verbose)
		msg_info("%s: starting up to %d processes per endpoint",
		    serv->name, serv->nproc);
	for (i = 0; i < serv->nslot; i++)
		if (serv->slots[i].pid == 0 && !serv->slots[i].throttled) {
			serv->slots[i].restarted = 0;
			master_spawn(&serv->slots[i]);
		}
}

/* master_slot_timer - throttle delay over, or SIGKILL deadline reached */

static void
master_slot_timer(evutil_socket_t fd, short what, void *ctx)
{
	struct master_slot *slot = ctx;

	if (slot->pid != 0 && slot->stopping) {
		msg_warn("process %s pid %ld did not stop in %d seconds; "
			 "sending SIGKILL",
		    slot->serv->path, (long)slot->pid, MASTER_KILL_DELAY);
		(void)kill(slot->pid, SIGKILL);
	} else if (slot->pid == 0 && slot->throttled) {
		slot->throttled = 0;
		slot->restarted = 1;
		master_slot_idle(slot);
	}
}

/* master_slot_arm - (re)arm the slot's one timer */

static void
master_slot_arm(struct master_slot *slot, long seconds)
{
	master_timer_arm(&slot->timer, 0, master_slot_timer, slot, seconds);
}

/* master_slot_cancel - forget a pending throttle or kill deadline */

void
master_slot_cancel(struct master_slot *slot)
{
	master_timer_stop(slot->timer);
	master_slot_unwatch(slot);
	slot->throttled = 0;
}

/* master_throttle - restart the slot after service_throttle_time */

void
master_throttle(struct master_slot *slot)
{
	long delay = var_service_throttle_time;

	if (delay < 1)
		delay = 1;
	slot->throttled = 1;
	master_slot_arm(slot, delay);
}

/* master_slot_stop - ask the child to leave; SIGKILL if it does not */

void
master_slot_stop(struct master_slot *slot)
{
	if (slot->pid == 0)
		return;
	slot->stopping = 1;
	(void)kill(slot->pid, SIGTERM);
	master_slot_arm(slot, MASTER_KILL_DELAY);
}

/*
 * Draining children: after a reload, a child of a service that may run
 * several processes (maxproc other than 1) gets SIGHUP, leaves the slot to
 * a successor at once, and finishes its clients before it exits. It is
 * remembered here only so that stop and abort reach it too.
 */
#define MASTER_DRAIN_MAX 1024
static pid_t master_drainers[MASTER_DRAIN_MAX];

/* master_slot_drain - SIGHUP the child and free its slot; 0, or -1 if the
 * child must be stopped the ordinary way instead */

int
master_slot_drain(struct master_slot *slot)
{
	int i;

	if (slot->pid == 0)
		return (0);
	for (i = 0; i < MASTER_DRAIN_MAX; i++)
		if (master_drainers[i] == 0)
			break;
	if (i == MASTER_DRAIN_MAX || kill(slot->pid, SIGHUP) < 0)
		return (-1);
	master_drainers[i] = slot->pid;
	slot->pid = 0;
	slot->stopping = 0;
	return (0);
}

/* master_slot_retire - a child closed its listener on its own (max_idle,
 * max_use: util/server) and exits once its clients are done: free its
 * slot, and start the successor when the endpoint is next readable */

void
master_slot_retire(pid_t pid)
{
	struct master_slot *slot = master_slot_of(pid);
	int i;

	if (slot == NULL || slot->stopping)
		return;
	for (i = 0; i < MASTER_DRAIN_MAX; i++)
		if (master_drainers[i] == 0)
			break;
	if (i == MASTER_DRAIN_MAX)
		return; /* the slot is freed when the child exits */
	if (msg_verbose)
		msg_info("%s: pid %ld retires", slot->serv->name, (long)pid);
	master_drainers[i] = slot->pid;
	slot->pid = 0;
	slot->restarted = 0;
	master_timer_stop(slot->timer);
	master_slot_watch(slot);
}

/* master_drainer_gone - forget a drained child; 1 if pid was one */

static int
master_drainer_gone(pid_t pid)
{
	int i;

	for (i = 0; i < MASTER_DRAIN_MAX; i++)
		if (master_drainers[i] == pid) {
			master_drainers[i] = 0;
			return (1);
		}
	return (0);
}

/* master_each_child - call fn for every live child: the children of
 * slots, then the draining ones (slot NULL) */

static void
master_each_child(void (*fn)(pid_t, struct master_slot *, void *), void *ctx)
{
	struct master_serv *lists[2] = {master_services, master_retired};
	struct master_serv *s;
	int l, i;

	for (l = 0; l < 2; l++)
		for (s = lists[l]; s; s = s->next)
			for (i = 0; i < s->nslot; i++)
				if (s->slots[i].pid != 0)
					fn(s->slots[i].pid, &s->slots[i], ctx);
	for (i = 0; i < MASTER_DRAIN_MAX; i++)
		if (master_drainers[i] != 0)
			fn(master_drainers[i], NULL, ctx);
}

/* master_kill_child - master_each_child() step: send *(int *)ctx */

static void
master_kill_child(pid_t pid, struct master_slot *slot, void *ctx)
{
	(void)kill(pid, *(int *)ctx);
}

/* master_count_child - master_each_child() step: count in *(int *)ctx */

static void
master_count_child(pid_t pid, struct master_slot *slot, void *ctx)
{
	(*(int *)ctx)++;
}

/* master_find_child - master_each_child() step: the slot of a pid */

struct master_find {
	pid_t pid;
	struct master_slot *slot;
};

static void
master_find_child(pid_t pid, struct master_slot *slot, void *ctx)
{
	struct master_find *find = ctx;

	if (slot != NULL && pid == find->pid)
		find->slot = slot;
}

/* master_slot_of - the slot of a child pid, in running or retired
 * services; NULL for a draining child or an unknown pid */

struct master_slot *
master_slot_of(pid_t pid)
{
	struct master_find find = {pid, NULL};

	master_each_child(master_find_child, &find);
	return (find.slot);
}

/* master_free_retired - release retired services without children */

static void
master_free_retired(void)
{
	struct master_serv **pp, *s;
	int i, busy;

	for (pp = &master_retired; (s = *pp) != NULL;) {
		for (busy = 0, i = 0; i < s->nslot; i++)
			busy |= s->slots[i].pid != 0;
		if (busy) {
			pp = &s->next;
		} else {
			*pp = s->next;
			master_serv_free(s);
		}
	}
}

/* master_exited - one child is gone */

static void
master_exited(struct master_slot *slot, pid_t pid, int status)
{
	struct master_serv *serv = slot->serv;
	double lived = master_now() - slot->started;
	int asked = slot->stopping, normal, i;

	slot->pid = 0;
	slot->stopping = 0;
	master_timer_stop(slot->timer);
	/* Status 0 is a normal exit (max_idle, max_use): silent, and never
	 * throttled, as with Postfix. */
	normal = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	if (!asked && !master_terminating) {
		if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
			msg_warn("process %s pid %ld exit status %d",
			    serv->path, (long)pid, WEXITSTATUS(status));
		if (WIFSIGNALED(status))
			msg_warn("process %s pid %ld killed by signal %d",
			    serv->path, (long)pid, WTERMSIG(status));
	}
	if (master_terminating || serv->retired)
		return;
	if (asked || normal) {
		slot->restarted = 0;
		master_slot_idle(slot);
	} else if (slot->restarted && lived < MASTER_QUICK_EXIT) {
		/* Once per service, not once per copy. */
		for (i = 0; i < serv->nslot; i++)
			if (serv->slots[i].throttled)
				break;
		if (i == serv->nslot)
			msg_warn("%s: bad command startup -- throttling",
			    serv->path);
		master_throttle(slot);
	} else {
		slot->restarted = 1;
		master_slot_idle(slot);
	}
}

/* master_reap - collect every exited child */

void
master_reap(void)
{
	struct master_slot *slot;
	pid_t pid;
	int status, n;

	master_status_poll(); /* retirement notices before the exits */
	for (n = 0; n < 10000; n++) {
		pid = waitpid(-1, &status, WNOHANG);
		if (pid < 0 && errno == EINTR)
			continue;
		if (pid <= 0)
			break;
		if ((slot = master_slot_of(pid)) != NULL)
			master_exited(slot, pid, status);
		else if (master_drainer_gone(pid) && WIFSIGNALED(status))
			msg_warn("draining process pid %ld killed by signal %d",
			    (long)pid, WTERMSIG(status));
	}
	master_free_retired();
}

/* master_signal_children - send sig to every child */

void
master_signal_children(int sig)
{
	master_each_child(master_kill_child, &sig);
}

/* master_children - how many children are alive */

int
master_children(void)
{
	int n = 0;

	master_each_child(master_count_child, &n);
	return (n);
}
