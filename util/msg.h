#ifndef SLUICE_MSG_H
#define SLUICE_MSG_H
/*
 * NAME
 *	msg - diagnostics and logging in Postfix's line format
 * SYNOPSIS
 *	#include "msg.h"
 *
 *	extern int msg_verbose;
 *	void msg_init(const char *prog, int flags);
 *	int msg_syslog_facility(const char *name);
 *	void msg_log_open(const char *syslog_name, const char *maillog_file,
 *			const char *myhostname);
 *	void msg_fatal_status(int status);
 *	void msg_cleanup(void (*fn)(void));
 *	void msg_fatal_hook(void (*fn)(const char *text));
 *	const char *msg_prog(void);
 *	pid_t msg_pid(void);
 *
 *	void msg_info(const char *fmt, ...);
 *	void msg_warn(const char *fmt, ...);
 *	void msg_error(const char *fmt, ...);
 *	void msg_fatal(const char *fmt, ...);	(does not return)
 *	void msg_panic(const char *fmt, ...);	(does not return)
 * DESCRIPTION
 *	Severity as in Postfix: panic = our own bug (abort, core dump);
 *	fatal = this process cannot go on (exit); error = counted, fatal after
 *	13; warn = this operation failed, carry on; info = a fact worth a log
 *	line. Formats are printf's, including glibc's %m (errno text); errno
 *	is preserved across every call.
 *
 *	msg_init() names the program (e.g. "qmgr", or argv[0] as typed for
 *	postcat/postconf); flags: MSG_STDERR writes "PROG: [severity: ]TEXT"
 *	to standard error (commands), MSG_NOLOG disables the log until
 *	msg_log_open(). Before msg_log_open() nothing goes to the log.
 *
 *	msg_syslog_facility() sets the facility of later syslog logging
 *	by name (auth, authpriv, cron, daemon, ftp, kern, lpr, mail, news,
 *	syslog, user, uucp, local0..local7; default mail); -1 for an
 *	unknown name.
 *
 *	msg_log_open() selects the log: with an empty maillog_file, syslog
 *	(the facility above, LOG_PID) with ident "syslog_name/PROG"; otherwise
 *	every line is appended with one write(2) (O_APPEND) to maillog_file as
 *	"Mmm dd hh:mm:ss HOST syslog_name/PROG[PID]: TEXT" where HOST is the
 *	first label of myhostname and the day is zero-padded (Postfix
 *	postlogd's format). "/dev/stdout" and "/dev/stderr" are allowed.
 *	Any other maillog_file is opened without following a symbolic link
 *	and written only if it is a regular file with one link (a root
 *	master opens it too); otherwise nothing goes to the log.
 *	It may be called again to change destination (reload).
 *	Non-info text carries "warning: ", "error: ", "fatal: " or "panic: ".
 *	Text is cut at 2000 bytes.
 *
 *	After formatting (including %m) the text is made printable as
 *	Postfix does (printable(3) with SMTPUTF8 on): every byte outside
 *	printable ASCII 0x20-0x7e, tab and newline included, becomes '?',
 *	except that well-formed UTF-8 multi-byte sequences are kept. So bytes
 *	from a damaged queue file or a peer cannot put control characters or
 *	invalid UTF-8 into the log, and a log line is always a single line.
 *
 *	msg_pid() is getpid() asked once per process (a child of fork()
 *	asks again): the log's [PID] and other per-process bookkeeping.
 *
 *	msg_fatal_status() sets the exit status after a fatal error (default
 *	1; sendmail uses 75, postqueue 69). msg_cleanup() registers a
 *	function run before a fatal exit. msg_fatal_hook() replaces the exit
 *	of msg_fatal()/msg_panic() (tests long-jump out of it); the hook gets
 *	the formatted text without the severity prefix and must not return.
 */
#include <stdarg.h>
#include <sys/types.h>

#define MSG_STDERR (1 << 0)
#define MSG_NOLOG (1 << 1)

extern int msg_verbose;

void msg_init(const char *prog, int flags);
int msg_syslog_facility(const char *name);
void msg_log_open(const char *syslog_name, const char *maillog_file,
    const char *myhostname);
void msg_fatal_status(int status);
void msg_cleanup(void (*fn)(void));
void msg_fatal_hook(void (*fn)(const char *text));
const char *msg_prog(void);
pid_t msg_pid(void);

void msg_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_fatal(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));
void msg_panic(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

#endif
