/*
 * test_server - the daemon skeleton.
 *
 * server_main() runs in forked children with fd 3 set up the way master
 * sets it up (the client helpers are tested in test_ipc.c). param and qdir
 * are replaced by local stubs (link-time mocks) so that no main.cf is
 * needed; the stubs record what server_main() asked for (param_bind() also
 * fills string rows from the param_str() stub).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "sockdir.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <pwd.h>

#include <event2/event.h>

#include "attr.h"
#include "mem.h"
#include "msg.h"
#include "param.h"
#include "qdir.h"
#include "server.h"
#include "vbuf.h"

/* Stubs for param and qdir. */

static struct vbuf stub_log = VBUF_INIT; /* what server_main() asked */

void
param_load(const char *config_dir)
{
	vbuf_printf(&stub_log, "load:%s;", config_dir ? config_dir : "(null)");
}

void
param_override(const char *name_eq_value)
{
	vbuf_printf(&stub_log, "override:%s;", name_eq_value);
}

void
param_log_open(void)
{
	vbuf_puts(&stub_log, "log;");
	msg_log_open("postfix", "maillog", "relay.example.com");
}

const char *
param_main_cf_path(void)
{
	return "/nonexistent/main.cf";
}

static const char *stub_owner = "nobody";

const char *
param_str(const char *name)
{
	return strcmp(name, "mail_owner") == 0 ? stub_owner : "";
}

static long stub_max_idle, stub_max_use; /* 0: the rows stay 0 */

void
param_bind(const struct param_var *vars)
{
	vbuf_puts(&stub_log, vars == NULL ? "bind;" : "bind:table;");
	for (; vars != NULL && vars->name != NULL; vars++)
		if (vars->kind == PARAM_KIND_STR)
			*(const char **)vars->var = param_str(vars->name);
		else if (strcmp(vars->name, "max_idle") == 0)
			*(long *)vars->var = stub_max_idle;
		else if (strcmp(vars->name, "max_use") == 0)
			*(long *)vars->var = stub_max_use;
}

void
qdir_chdir(void)
{
	vbuf_puts(&stub_log, "chdir;");
}

/* Daemon side: the callbacks report to the test through a pipe. */

static int report_fd = -1;
static int status_wfd = -1; /* given to the daemon on fd 4 when set */
static pid_t live_pid;	    /* daemon to kill if a test fails early */
static int live_is_child;

static int
kill_live(void **state)
{
	if (live_pid > 0) {
		kill(live_pid, SIGKILL);
		if (live_is_child)
			waitpid(live_pid, NULL, 0);
	}
	live_pid = 0;
	return 0;
}

static void
report(const char *fmt, ...)
{
	struct vbuf b = VBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	vbuf_vprintf(&b, fmt, ap);
	va_end(ap);
	vbuf_putc(&b, '\n');
	if (write(report_fd, b.data, b.len) != (ssize_t)b.len)
		_exit(99);
	vbuf_free(&b);
}

static void
d_init(struct event_base *base)
{
	struct passwd *pw = getpwuid(geteuid());

	report("init base=%d service=%s user=%s%s %s", base == server_base(),
	    server_service_name(), pw ? pw->pw_name : "?",
	    getuid() == geteuid() ? "" : "(ruid differs)", vbuf_str(&stub_log));
}

/* The user the daemon should run as: mail_owner when we are root. */
static const char *
want_user(void)
{
	static char name[64];
	struct passwd *pw = getpwuid(geteuid());

	snprintf(name, sizeof(name), "%s",
	    geteuid() == 0 ? "nobody"
		: pw	   ? pw->pw_name
			   : "?");
	return name;
}

/* "init ..." line expected from d_init. */
static const char *
want_init(const char *service, const char *calls)
{
	static char line[256];

	snprintf(line, sizeof(line), "init base=1 service=%s user=%s %s",
	    service, want_user(), calls);
	return line;
}

static void
d_trigger(const char *buf, size_t len)
{
	report("trigger %zu %.*s", len, (int)(len > 8 ? 8 : len), buf);
}

static void
d_accept(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	report("accept nonblock=%d cloexec=%d", (fl & O_NONBLOCK) != 0,
	    (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
	if (write(fd, "hello\n", 6) != 6)
		_exit(98);
	close(fd);
}

static void
d_stop(void)
{
	report("stop");
}

/*
 * Start server_main() in a child with lfd on fd 3 (lfd < 0: none) and
 * the given arguments; returns its pid and sets *rfd to the read end of
 * the report pipe.
 */
static pid_t
start_daemon(const struct server_spec *spec, int lfd, char **argv, int *rfd)
{
	int p[2];
	pid_t pid;
	int argc = 0;

	while (argv[argc])
		argc++;
	assert_int_equal(pipe(p), 0);
	if ((pid = fork()) == 0) {
		close(p[0]);
		report_fd = fcntl(p[1], F_DUPFD, 10);
		close(p[1]);
		if (lfd >= 0) {
			if (lfd != SERVER_LISTEN_FD) {
				dup2(lfd, SERVER_LISTEN_FD);
				close(lfd);
			}
		} else {
			close(SERVER_LISTEN_FD);
		}
		/* status_wfd lives above 10 (status_pipe()) */
		if (status_wfd >= 0 &&
		    dup2(status_wfd, SERVER_STATUS_FD) != SERVER_STATUS_FD)
			_exit(97);
		_exit(server_main(argc, argv, spec));
	}
	assert_true(pid > 0);
	live_pid = pid;
	live_is_child = 1;
	close(p[1]);
	*rfd = p[0];
	return pid;
}

/* Next report line (without newline) or "" after 10 s. */
static const char *
next_report(int rfd)
{
	static char line[512];
	size_t len = 0;

	for (int i = 0; i < 100 && len < sizeof(line) - 1; i++) {
		struct pollfd p = {.fd = rfd, .events = POLLIN};
		if (poll(&p, 1, 100) <= 0)
			continue;
		if (read(rfd, line + len, 1) != 1)
			break;
		if (line[len] == '\n')
			break;
		len++;
		i = 0;
	}
	line[len] = 0;
	return line;
}

/* Wait for pid to exit, at most 10 s; returns the wait status or -1. */
static int
reap(pid_t pid)
{
	int status;

	if (pid == live_pid)
		live_pid = 0;
	for (int i = 0; i < 100; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return status;
		usleep(100000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1;
}

static void
test_main_trigger(void **state)
{
	static const struct server_spec spec = {
	    .name = "qmgr",
	    .mode = SERVER_TRIGGER,
	    .init = d_init,
	    .trigger = d_trigger,
	    .stop = d_stop,
	};
	char *argv[] = {"qmgr", "-c", "/etc/x", "-n", "qmgr", "-t", "unix",
	    "-o", "a=b", "-o", "c=d", NULL};
	int lfd = sockdir_listen("public/qmgr", 10);
	char big[2000];
	int rfd, status;
	pid_t pid;

	pid = start_daemon(&spec, lfd, argv, &rfd);
	close(lfd);
	assert_string_equal(next_report(rfd),
	    want_init("qmgr",
		"load:/etc/"
		"x;override:a=b;override:c=d;bind:table;bind;log;chdir;"));
	assert_int_equal(trigger_send("public/qmgr", "W", 1), 0);
	assert_string_equal(next_report(rfd), "trigger 1 W");
	assert_int_equal(trigger_send("public/qmgr", "ID", 2), 0);
	assert_string_equal(next_report(rfd), "trigger 2 ID");
	/* More than 1024 bytes: the first 1024 are delivered. */
	memset(big, 'A', sizeof(big));
	assert_int_equal(trigger_send("public/qmgr", big, sizeof(big)), 0);
	assert_string_equal(next_report(rfd), "trigger 1024 AAAAAAAA");
	/* A connection that sends nothing delivers nothing. */
	assert_int_equal(trigger_send("public/qmgr", "", 0), 0);
	assert_int_equal(trigger_send("public/qmgr", "F", 1), 0);
	assert_string_equal(next_report(rfd), "trigger 1 F");
	/* SIGPIPE is ignored; SIGHUP (no drain for a trigger daemon) stops
	 * cleanly like SIGTERM. */
	kill(pid, SIGPIPE);
	assert_int_equal(trigger_send("public/qmgr", "D", 1), 0);
	assert_string_equal(next_report(rfd), "trigger 1 D");
	kill(pid, SIGHUP);
	assert_string_equal(next_report(rfd), "stop");
	status = reap(pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	close(rfd);
	unlink("public/qmgr");
}

static void
test_main_multi(void **state)
{
	static const struct server_spec spec = {
	    .name = "smtp",
	    .mode = SERVER_MULTI,
	    .init = d_init,
	    .accept = d_accept,
	};
	char *argv[] = {"smtp", "-n", "relay", "-t", "unix", NULL};
	int lfd = sockdir_listen("private/smtp", 10);
	struct vbuf why = VBUF_INIT;
	char buf[16];
	int rfd, status;
	pid_t pid;

	pid = start_daemon(&spec, lfd, argv, &rfd);
	close(lfd);
	assert_string_equal(next_report(rfd),
	    want_init("relay", "load:(null);bind:table;bind;log;chdir;"));
	for (int i = 0; i < 3; i++) {
		int fd = ipc_connect("private", "smtp", 0, 5, &why);
		assert_true(fd >= 0);
		assert_string_equal(next_report(rfd),
		    "accept nonblock=1 cloexec=1");
		assert_int_equal(sockdir_read_all(fd, buf, sizeof(buf)), 6);
		assert_memory_equal(buf, "hello\n", 6);
		close(fd);
	}
	kill(pid, SIGINT);
	status = reap(pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	close(rfd);
	unlink("private/smtp");
	vbuf_free(&why);
}

/* fd 3 that is not a listening socket is left alone (stand-alone mode). */
static void
test_main_no_listener(void **state)
{
	static const struct server_spec spec = {
	    .name = "pickup",
	    .mode = SERVER_TRIGGER,
	    .init = d_init,
	    .trigger = d_trigger,
	    .stop = d_stop,
	};
	char *argv[] = {"pickup", "-S", NULL};
	int p[2];
	int rfd, status;
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	pid = start_daemon(&spec, p[0], argv, &rfd);
	close(p[0]);
	assert_string_equal(next_report(rfd),
	    want_init("pickup", "load:(null);bind:table;bind;log;chdir;"));
	kill(pid, SIGTERM);
	assert_string_equal(next_report(rfd), "stop");
	status = reap(pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	close(p[1]);
	close(rfd);
}

/* Bad options are fatal. */
static void
test_main_bad_options(void **state)
{
	static const struct server_spec spec = {
	    .name = "qmgr",
	    .mode = SERVER_TRIGGER,
	    .trigger = d_trigger,
	};
	char *bad1[] = {"qmgr", "-x", NULL};
	char *bad2[] = {"qmgr", "-o", "novalue", NULL};
	char *bad3[] = {"qmgr", "extra", NULL};
	char **cases[] = {bad1, bad2, bad3};

	for (size_t i = 0; i < 3; i++) {
		int rfd, status;
		pid_t pid = start_daemon(&spec, -1, cases[i], &rfd);
		status = reap(pid);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 1);
		close(rfd);
	}
}

/* As root, an unknown or privileged mail_owner is fatal, clearly. */
static void
test_main_bad_owner(void **state)
{
	static const struct server_spec spec = {
	    .name = "qmgr",
	    .mode = SERVER_TRIGGER,
	    .init = d_init,
	    .trigger = d_trigger,
	};
	static const struct {
		const char *owner;
		const char *want;
	} cases[] = {
	    {"no-such-user-sluice",
		"qmgr[*]: fatal: file /nonexistent/main.cf: "
		"parameter mail_owner: unknown user name value: "
		"no-such-user-sluice"},
	    {"root",
		"qmgr[*]: fatal: file /nonexistent/main.cf: parameter "
		"mail_owner: user root has privileged user ID"},
	};
	char *argv[] = {"qmgr", "-S", NULL};

	if (geteuid() != 0)
		skip();
	for (size_t i = 0; i < 2; i++) {
		int rfd, status, fd;
		char log[4096];
		ssize_t n;
		pid_t pid;

		unlink("maillog");
		stub_owner = cases[i].owner;
		pid = start_daemon(&spec, -1, argv, &rfd);
		stub_owner = "nobody";
		status = reap(pid);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 1);
		assert_string_equal(next_report(rfd), ""); /* no init */
		close(rfd);
		fd = open("maillog", O_RDONLY);
		assert_true(fd >= 0);
		n = read(fd, log, sizeof(log) - 1);
		close(fd);
		assert_true(n > 0);
		log[n] = 0;
		/* "postfix/qmgr[PID]: fatal: ..." */
		const char *star = strchr(cases[i].want, '*');
		char *at = strstr(log, "postfix/qmgr[");
		assert_non_null(at);
		at = strchr(at, ']');
		assert_non_null(at);
		if (strncmp(at, star + 1, strlen(star + 1)) != 0)
			fail_msg("log: %s", log);
	}
}

/* When the master dies, the daemon gets SIGTERM, runs stop and exits. */
static void
test_parent_death(void **state)
{
	static const struct server_spec spec = {
	    .name = "qmgr",
	    .mode = SERVER_TRIGGER,
	    .init = d_init,
	    .trigger = d_trigger,
	    .stop = d_stop,
	};
	char *argv[] = {"qmgr", "-n", "qmgr", NULL};
	int p[2];
	pid_t mid;
	long dpid = 0;
	char rest[64];

	assert_int_equal(pipe(p), 0);
	if ((mid = fork()) == 0) {
		/* The "master": start the daemon, tell its pid, wait to be
		 * killed. */
		pid_t d;
		report_fd = p[1];
		close(p[0]);
		if ((d = fork()) == 0) {
			close(SERVER_LISTEN_FD);
			_exit(server_main(3, argv, &spec));
		}
		report("pid %ld", (long)d);
		close(p[1]);
		for (int i = 0; i < 100; i++)
			usleep(100000);
		_exit(0);
	}
	close(p[1]);
	/* The pid (from the "master") and the daemon's init report race each
	 * other on the pipe: accept them in either order. */
	char first[256];
	snprintf(first, sizeof(first), "%s", next_report(p[0]));
	const char *second = next_report(p[0]);
	const char *pidline = strncmp(first, "pid ", 4) == 0 ? first : second;
	const char *initline = pidline == first ? second : first;
	assert_int_equal(sscanf(pidline, "pid %ld", &dpid), 1);
	assert_true(dpid > 1);
	live_pid = (pid_t)dpid; /* not our child: kill only */
	live_is_child = 0;
	assert_string_equal(initline,
	    want_init("qmgr", "load:(null);bind:table;bind;log;chdir;"));
	kill(mid, SIGKILL);
	waitpid(mid, NULL, 0);
	assert_string_equal(next_report(p[0]), "stop");
	/* The daemon has exited: its end of the pipe is closed (EOF). */
	struct pollfd pf = {.fd = p[0], .events = POLLIN};
	assert_int_equal(poll(&pf, 1, 10000), 1);
	assert_int_equal(read(p[0], rest, sizeof(rest)), 0);
	live_pid = 0;
	close(p[0]);
}

/* ---- max_idle and max_use ---------------------------------------------- */

/* A status pipe like the master's: both ends above fd 10; *rfd is the
 * non-blocking read end, status_wfd the end the daemon gets on fd 4. */
static void
status_pipe(int *rfd)
{
	int p[2];

	assert_int_equal(pipe(p), 0);
	*rfd = fcntl(p[0], F_DUPFD_CLOEXEC, 10);
	status_wfd = fcntl(p[1], F_DUPFD_CLOEXEC, 10);
	close(p[0]);
	close(p[1]);
	assert_true(*rfd >= 10 && status_wfd >= 10);
	fcntl(*rfd, F_SETFL, O_NONBLOCK);
}

/* The next int on the status pipe, waiting up to 10 s; 0 if none. */
static int
status_next(int rfd)
{
	struct pollfd p = {.fd = rfd, .events = POLLIN};
	int v;

	if (poll(&p, 1, 10000) != 1 || read(rfd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

static void
lifetime_reset(int srfd)
{
	if (srfd >= 0)
		close(srfd);
	if (status_wfd >= 0)
		close(status_wfd);
	status_wfd = -1;
	stub_max_idle = stub_max_use = 0;
}

/* Held clients: a SERVER_MULTI daemon with an active() count. */
static int held;

static void
h_read(evutil_socket_t fd, short what, void *ctx)
{
	char buf[64];

	if (read(fd, buf, sizeof(buf)) > 0)
		return;
	event_free(ctx);
	close(fd);
	held--;
	report("closed");
}

static void
h_accept(int fd)
{
	struct event *ev = event_new(server_base(), fd, EV_READ | EV_PERSIST,
	    h_read, event_self_cbarg());

	if (ev == NULL || event_add(ev, NULL) < 0)
		_exit(96);
	held++;
	report("accept");
}

static int
h_active(void)
{
	return held;
}

/* max_use for a trigger server: after the limit the daemon tells the
 * master (-pid on fd 4) and exits 0; a long-lived one (qmgr) goes on. */
static void
test_max_use_trigger(void **state)
{
	static const struct server_spec spec = {
	    .name = "pickup",
	    .mode = SERVER_TRIGGER,
	    .trigger = d_trigger,
	    .stop = d_stop,
	};
	static const struct server_spec qspec = {
	    .name = "qmgr",
	    .mode = SERVER_TRIGGER,
	    .trigger = d_trigger,
	    .stop = d_stop,
	    .long_lived = 1,
	};
	char *argv[] = {"pickup", "-n", "pickup", NULL};
	int lfd, rfd, srfd, status;
	pid_t pid;

	stub_max_use = 2;
	stub_max_idle = 100;
	status_pipe(&srfd);
	lfd = sockdir_listen("public/pickup", 10);
	pid = start_daemon(&spec, lfd, argv, &rfd);
	close(lfd);
	assert_int_equal(trigger_send("public/pickup", "W", 1), 0);
	assert_string_equal(next_report(rfd), "trigger 1 W");
	assert_int_equal(trigger_send("public/pickup", "X", 1), 0);
	assert_string_equal(next_report(rfd), "trigger 1 X");
	assert_string_equal(next_report(rfd), "stop");
	assert_int_equal(status_next(srfd), -(int)pid);
	status = reap(pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	close(rfd);
	unlink("public/pickup");

	/* The same limits do not apply to a long-lived daemon. */
	lfd = sockdir_listen("public/qmgr", 10);
	pid = start_daemon(&qspec, lfd, argv, &rfd);
	close(lfd);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(trigger_send("public/qmgr", "I", 1), 0);
		assert_string_equal(next_report(rfd), "trigger 1 I");
	}
	assert_int_equal(waitpid(pid, &status, WNOHANG), 0);
	kill(pid, SIGTERM);
	assert_string_equal(next_report(rfd), "stop");
	status = reap(pid);
	assert_true(WIFEXITED(status));
	close(rfd);
	unlink("public/qmgr");
	lifetime_reset(srfd);
}

/* A trigger server whose trigger starts work (pickup's pass): busy for a
 * second after each trigger. */
static int t_busy;

static void
t_unbusy(evutil_socket_t fd, short what, void *ctx)
{
	t_busy = 0;
	report("unbusy");
	event_free(ctx);
}

static void
t_trigger(const char *buf, size_t len)
{
	struct event *ev =
	    evtimer_new(server_base(), t_unbusy, event_self_cbarg());
	struct timeval tv = {1, 0};

	t_busy = 1;
	report("trigger %zu", len);
	evtimer_add(ev, &tv);
}

static int
t_active(void)
{
	return t_busy;
}

/* At max_use a trigger server first finishes what its triggers started,
 * then tells the master and leaves: never beside its successor. */
static void
test_max_use_trigger_busy(void **state)
{
	static const struct server_spec spec = {
	    .name = "pickup",
	    .mode = SERVER_TRIGGER,
	    .trigger = t_trigger,
	    .stop = d_stop,
	    .active = t_active,
	};
	char *argv[] = {"pickup", "-n", "pickup", NULL};
	int lfd, rfd, srfd, status;
	pid_t pid;

	stub_max_use = 1;
	stub_max_idle = 100;
	status_pipe(&srfd);
	lfd = sockdir_listen("public/pickup", 10);
	pid = start_daemon(&spec, lfd, argv, &rfd);
	close(lfd);
	assert_int_equal(trigger_send("public/pickup", "W", 1), 0);
	assert_string_equal(next_report(rfd), "trigger 1");
	/* No notice while the work runs (it runs for a second). */
	struct pollfd pf = {.fd = srfd, .events = POLLIN};
	assert_int_equal(poll(&pf, 1, 300), 0);
	assert_string_equal(next_report(rfd), "unbusy");
	assert_string_equal(next_report(rfd), "stop");
	assert_int_equal(status_next(srfd), -(int)pid);
	status = reap(pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	close(rfd);
	unlink("public/pickup");
	lifetime_reset(srfd);
}

/* max_use for a multi-client daemon, Postfix's multi-server rule: past
 * the limit it goes on serving, new clients included, while it has any,
 * and retires (-pid, exit 0) once the last one is gone. */
static void
test_max_use_multi(void **state)
{
	static const struct server_spec spec = {
	    .name = "smtpd",
	    .mode = SERVER_MULTI,
	    .accept = h_accept,
	    .stop = d_stop,
	    .active = h_active,
	};
	char *argv[] = {"smtpd", "-n", "smtp", NULL};
	struct vbuf why = VBUF_INIT;
	int lfd, rfd, srfd, c1, c2, status;
	pid_t pid;

	stub_max_use = 1;
	stub_max_idle = 100;
	status_pipe(&srfd);
	lfd = sockdir_listen("private/smtpd", 10);
	pid = start_daemon(&spec, lfd, argv, &rfd);
	close(lfd);
	c1 = ipc_connect("private", "smtpd", 0, 5, &why);
	assert_true(c1 >= 0);
	assert_string_equal(next_report(rfd), "accept");
	/* Past max_use, still busy: the next client is served too. */
	c2 = ipc_connect("private", "smtpd", 0, 5, &why);
	assert_true(c2 >= 0);
	assert_string_equal(next_report(rfd), "accept");
	assert_int_equal(status_next(srfd), (int)pid); /* two clients */
	close(c1);
	assert_string_equal(next_report(rfd), "closed");
	usleep(300000); /* a few retirement polls with one client left */
	assert_int_equal(waitpid(pid, &status, WNOHANG), 0);
	close(c2);
	assert_string_equal(next_report(rfd), "closed");
	assert_int_equal(status_next(srfd), -(int)pid);
	assert_string_equal(next_report(rfd), "stop");
	status = reap(pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	close(rfd);
	unlink("private/smtpd");
	lifetime_reset(srfd);
	vbuf_free(&why);
}

/* max_idle: a daemon whose client is gone exits 0 after max_idle, and
 * tells the master first. */
static void
test_max_idle(void **state)
{
	static const struct server_spec spec = {
	    .name = "smtpd",
	    .mode = SERVER_MULTI,
	    .accept = h_accept,
	    .stop = d_stop,
	    .active = h_active,
	};
	char *argv[] = {"smtpd", "-n", "smtp", NULL};
	struct vbuf why = VBUF_INIT;
	int lfd, rfd, srfd, c1, status;
	pid_t pid;

	stub_max_use = 100;
	stub_max_idle = 1;
	status_pipe(&srfd);
	lfd = sockdir_listen("private/smtpd", 10);
	pid = start_daemon(&spec, lfd, argv, &rfd);
	close(lfd);
	c1 = ipc_connect("private", "smtpd", 0, 5, &why);
	assert_true(c1 >= 0);
	assert_string_equal(next_report(rfd), "accept");
	close(c1);
	assert_string_equal(next_report(rfd), "closed");
	assert_string_equal(next_report(rfd), "stop");
	assert_int_equal(status_next(srfd), -(int)pid);
	status = reap(pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	close(rfd);
	unlink("private/smtpd");
	lifetime_reset(srfd);
	vbuf_free(&why);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(test_main_trigger, kill_live),
	    cmocka_unit_test_teardown(test_main_multi, kill_live),
	    cmocka_unit_test_teardown(test_main_no_listener, kill_live),
	    cmocka_unit_test_teardown(test_main_bad_options, kill_live),
	    cmocka_unit_test_teardown(test_main_bad_owner, kill_live),
	    cmocka_unit_test_teardown(test_parent_death, kill_live),
	    cmocka_unit_test_teardown(test_max_use_trigger, kill_live),
	    cmocka_unit_test_teardown(test_max_use_trigger_busy, kill_live),
	    cmocka_unit_test_teardown(test_max_use_multi, kill_live),
	    cmocka_unit_test_teardown(test_max_idle, kill_live),
	};

	msg_init("test_server", MSG_NOLOG);
	return cmocka_run_group_tests(tests, sockdir_setup, sockdir_teardown);
}
