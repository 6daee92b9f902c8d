/*
 * NAME
 *	postdrop - the set-group-ID writer of the maildrop queue
 * SYNOPSIS
 *	postdrop [-r] [-v] [-c config_dir]
 * DESCRIPTION
 *	postdrop creates one file in the maildrop queue and copies a message
 *	from standard input into it. It is installed set-group-ID
 *	setgid_group ("sluice set-permissions"), the group that may write
 *	maildrop/ (mode 1730), and it is the only program with that
 *	privilege: sendmail and "sendmail -bs" (smtpd -S) run with the
 *	privileges of the user and pipe to it, as Postfix's do.
 *
 *	The protocol (-r, the only one; modelled on Postfix's, which mimics
 *	the cleanup service's, so that the callers use util/enqueue as they
 *	would with cleanup):
 *
 *	1. postdrop creates maildrop/ID (a unique name made with O_EXCL,
 *	   mode 0600, owned by the real user) and at once writes the
 *	   attribute block "queue_id=ID" on standard output.
 *	2. It reads queue-file records from standard input: the envelope
 *	   (T, C, A, F, S, V, R), M, content (N, L), X, extracted (A, R), E
 *	   (util/maildrop.h). It writes its own T record (the caller's time
 *	   is not trusted) and copies the rest, except attribute records a
 *	   user may not set (submit_uid, trace_header, log_origin,
 *	   log_client_*, client_*, anything internal): those are dropped
 *	   with "uid=N: ignoring attribute record: NAME=VALUE". Records are
 *	   at most 100 KiB; CR, LF or NUL outside the content, another record
 *	   type, or a truncated record is fatal ("uid=N: malformed input",
 *	   "uid=N: unexpected record type: T").
 *	3. After E: the file is flushed, set to mode 0744 (complete),
 *	   fsync'ed and closed, "W" is sent to public/pickup (a lost trigger
 *	   only waits for pickup's next scan), and postdrop replies
 *	   "status=0 queue_id=ID". On failure the file is removed and the
 *	   reply is "status=N reason=TEXT" with N from sysexits.h and
 *	   Postfix's cleanup_strerror() text: no sender or no recipient
 *	   (75, "internal protocol error"), over message_size_limit (65,
 *	   "message file too big"), a write error (75, "queue file write
 *	   error", logged as "uid=N: REASON").
 *
 *	Input that ends before the E record is a cancelled request: the file
 *	is removed and postdrop exits 0 without a reply, as Postfix's does.
 *	SIGHUP, SIGINT, SIGQUIT and SIGTERM remove the partial file too.
 * OPTIONS
 *	-c config_dir  the main.cf directory (also $MAIL_CONFIG).
 *	-r	the record protocol above (accepted for compatibility).
 *	-v	verbose logging; root only.
 * SECURITY
 *	The caller controls the environment, descriptors, arguments and
 *	input. util/setgid clears the environment (TZ and LANG stay) and
 *	accepts a configuration directory other than the default only for
 *	root or when the default main.cf lists it in
 *	alternate_config_directories (or multi_instance_directories):
 *	"unauthorized configuration directory name: DIR". postdrop runs no
 *	other program, follows no pointer records, and writes only its own
 *	new file in maildrop/ and the pickup trigger. When it cannot write
 *	maillog_file (owned by mail_owner) it logs to syslog instead, and
 *	always to standard error.
 * DIAGNOSTICS
 *	Exit status 0 on success (and for a cancelled request), else
 *	Postfix's cleanup status bits: 1 no sender or recipient, 2 write
 *	error, 4 too big; 1 after any fatal error.
 * CONFIGURATION PARAMETERS
 *	alternate_config_directories, queue_directory, message_size_limit,
 *	maillog_file, syslog_name.
 * SEE ALSO
 *	sendmail(1), pickup(8), util/setgid.h, util/maildrop.h,
 *	docs/postfix/admin-tools.md
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sysexits.h>
#include <unistd.h>

#include "attr.h"
#include "ipc.h"
#include "msg.h"
#include "param.h"
#include "qdir.h"
#include "qfile.h"
#include "setgid.h"
#include "vbuf.h"
#include "postdrop.h"

#define PD_RECORD_MAX (100 * 1024) /* as pickup */
#define PD_REPLY_TIMEOUT 60	   /* seconds */

static const struct param_var pd_params[] = {
    PARAM_VAR(message_size_limit),
    PARAM_VAR_END,
};

/* The partial file, removed on a fatal error or a signal. */
static char pd_path[256];

/* pd_remove - msg_cleanup() hook */

static void
pd_remove(void)
{
	if (pd_path[0] != 0)
		(void)unlink(pd_path);
	pd_path[0] = 0;
}

/* pd_sig - remove the partial file and leave; async-signal-safe */

static void
pd_sig(int sig)
{
	if (pd_path[0] != 0)
		(void)unlink(pd_path);
	_exit(sig);
}

/* pd_signals - the signals that cancel a submission */

static void
pd_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigfillset(&sa.sa_mask); /* no nested handler */
	sa.sa_handler = pd_sig;
	(void)sigaction(SIGINT, &sa, 0);
	(void)sigaction(SIGQUIT, &sa, 0);
	(void)sigaction(SIGTERM, &sa, 0);
	(void)sigaction(SIGHUP, &sa, 0);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN);
}

/* pd_log_open - maillog_file if we may write it, else syslog */

static void
pd_log_open(void)
{
	const char *file = param_str("maillog_file");
	int fd;

	/* The log file belongs to mail_owner: a user's postdrop may not be
	 * able to append to it, and must not create it. */
	if (*file != 0 && strncmp(file, "/dev/", 5) != 0) {
		if ((fd = open(file, O_WRONLY | O_APPEND | O_CLOEXEC)) < 0) {
			msg_log_open(param_str("syslog_name"), "",
			    param_str("myhostname"));
			return;
		}
		(void)close(fd);
	}
	param_log_open();
}

/* pd_reply - one attribute block on standard output */

static void
pd_reply(int status, const char *reason, const char *id)
{
	struct vbuf out = VBUF_INIT;

	if (status >= 0)
		attr_putf(&out, "status", "%d", status);
	if (reason)
		attr_put(&out, "reason", reason);
	if (id)
		attr_put(&out, "queue_id", id);
	attr_end(&out);
	/* A caller that went away learns nothing; the outcome stands. */
	(void)attr_write(1, &out, PD_REPLY_TIMEOUT);
	vbuf_free(&out);
}

/* pd_open - create maildrop/ID, announce the ID */

static void
pd_open(struct postdrop *pd, struct vbuf *id)
{
	struct vbuf why = VBUF_INIT;
	struct vbuf path = VBUF_INIT;
	struct timeval tv;
	int fd;

	if ((fd = qdir_create(QDIR_MAILDROP, id, &why)) < 0)
		msg_fatal("uid=%ld: %s", pd->uid, vbuf_str(&why));
	qdir_path(&path, QDIR_MAILDROP, id->data);
	snprintf(pd_path, sizeof(pd_path), "%s", path.data);
	if ((pd->fp = fdopen(fd, "w")) == 0)
		msg_fatal("uid=%ld: fdopen %s: %m", pd->uid, path.data);
	pd_reply(-1, 0, id->data);

	/* Our time, not the caller's. */
	gettimeofday(&tv, 0);
	if (rec_printf(pd->fp, REC_TYPE_TIME, "%ld %ld", (long)tv.tv_sec,
		(long)tv.tv_usec) == REC_ERR)
		pd->err = errno;
	vbuf_free(&why);
	vbuf_free(&path);
}

/* pd_finish - make the file durable and ready; PD_STAT_* */

static int
pd_finish(struct postdrop *pd)
{
	int fd = fileno(pd->fp);

	if (fflush(pd->fp) != 0 || fchmod(fd, 0744) < 0 || fsync(fd) < 0) {
		msg_warn("uid=%ld: %m", pd->uid);
		(void)fclose(pd->fp);
		return (PD_STAT_WRITE);
	}
	if (fclose(pd->fp) != 0) {
		msg_warn("uid=%ld: %m", pd->uid);
		return (PD_STAT_WRITE);
	}
	return (PD_STAT_OK);
}

/* pd_submit - the whole request; returns the exit status */

static int
pd_submit(long uid)
{
	struct postdrop pd;
	struct vbuf id = VBUF_INIT;
	int status;

	memset(&pd, 0, sizeof(pd));
	pd.uid = uid;
	pd.maxlen = PD_RECORD_MAX;
	pd.limit = var_message_size_limit;
	pd_open(&pd, &id);
	status = postdrop_copy(stdin, &pd);
	if (status == PD_STAT_OK) {
		status = pd_finish(&pd);
	} else {
		(void)fclose(pd.fp);
	}
	if (status != PD_STAT_OK) {
		if (unlink(pd_path) < 0)
			msg_warn("uid=%ld: remove %s: %m", uid, pd_path);
		else if (msg_verbose)
			msg_info("remove %s", pd_path);
	}
	pd_path[0] = 0; /* from here on the file is the pickup's */
	if (status == PD_CANCELED)
		exit(0);
	if (status == PD_STAT_OK) {
		if (trigger_send("public/pickup", "W", 1) < 0 && msg_verbose)
			msg_info("cannot wake up pickup: %m");
		pd_reply(0, 0, id.data);
	} else if (status == PD_STAT_SIZE) {
		pd_reply(EX_DATAERR, "message file too big", 0);
	} else if (status == PD_STAT_WRITE) {
		pd_reply(EX_TEMPFAIL, "queue file write error", 0);
	} else {
		pd_reply(EX_TEMPFAIL, "internal protocol error", 0);
	}
	vbuf_free(&id);
	return (status);
}

int
main(int argc, char **argv)
{
	const char *config_dir = 0;
	int c;

	setgid_init(); /* first: descriptors, environment */
	umask(022);
	msg_init("postdrop", MSG_STDERR); /* argv[0] is the caller's */
	while ((c = getopt(argc, argv, "c:rv")) > 0) {
		switch (c) {
		case 'c':
			config_dir = optarg;
			break;
		case 'r':
			break;
		case 'v':
			if (geteuid() == 0)
				msg_verbose++;
			break;
		default:
			msg_fatal("usage: postdrop [-c config_dir] [-v]");
		}
	}
	setgid_load(config_dir);
	param_bind(pd_params);
	pd_log_open();
	qdir_chdir();
	pd_signals();
	msg_cleanup(pd_remove);
	return (pd_submit((long)getuid()));
}
