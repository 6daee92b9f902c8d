/*
 * NAME
 *	sendmail - Sendmail-compatible mail submission
 * SYNOPSIS
 *	sendmail [options] [recipient ...]
 *	mailq [-C config]
 * DESCRIPTION
 *	sendmail reads a message from standard input and submits it through
 *	postdrop, as Postfix's does: it runs "$command_directory/postdrop -r"
 *	(plus "-c DIR" and MAIL_CONFIG=DIR when -C or $MAIL_CONFIG names
 *	another configuration directory, "-v" per verbose level) with a
 *	socketpair as its standard input and output, reads the queue ID
 *	postdrop announces, streams the records (util/enqueue, the cleanup
 *	protocol) and waits for postdrop's verdict. The records are those of
 *	queue.md section 7 in this order: [A envelope_id], [A ret_flags],
 *	A rewrite_context, [F], S, [A encoding], [A trace_flags], [V], per
 *	recipient [A notify_flags] R, M, the content as N/L records, X, the
 *	recipients found with -t, E (postdrop writes the T record). sendmail
 *	exits 0 only after postdrop replied status=0, i.e. after maildrop/ID
 *	was fsync'ed and made ready (0744). sendmail itself runs with the
 *	user's privileges and writes nothing in the queue; only postdrop is
 *	set-group-ID. On any error sendmail exits 75 (EX_TEMPFAIL) after
 *	"sendmail: fatal: ..." on standard error, as Postfix's does: when
 *	postdrop does not announce a queue ID "SENDER(UID): unable to execute
 *	PATH -r: %m" (postdrop's own complaint precedes it), when its verdict
 *	is missing "SENDER(UID): queue file write error", otherwise its
 *	reason; postdrop then removes the partial file (sendmail waits for it).
 *
 *	Input: a leading "From " (or ">From ") line is dropped, trailing CRs
 *	are removed (sendmail_fix_line_endings = always; "strict" decides by
 *	the first line, "never" keeps them), a line with a single "." ends the
 *	input unless -i or -oi, a last line without newline is kept (as an L
 *	record), lines longer than line_length_limit become L records.
 *
 *	Invoked as mailq, or with -bp, sendmail runs postqueue -p from
 *	command_directory (or from the directory sendmail itself is in).
 * OPTIONS
 *	-t	also take recipients from To, Cc and Bcc (only Resent-To,
 *		Resent-Cc, Resent-Bcc when there are Resent- headers); the
 *		extracted recipients are sorted and duplicates removed.
 *	-f addr, -r addr  envelope sender (default: the login name).
 *	-F name	full name (default: $NAME or the GECOS field).
 *	-i, -oi	a lone "." does not end the input.
 *	-N never|success,delay,failure  DSN notification per recipient.
 *	-R full|hdrs  DSN return; -V envid  DSN envelope ID.
 *	-B 7BIT|8BITMIME  body type; -G gateway submission; -XV[xy] VERP.
 *	-C config  configuration directory (or its main.cf).
 *	-v	once: ask for a delivery report; more: verbose logging.
 *	-bp	list the queue (postqueue -p); -q  flush (postqueue -f);
 *	-qRsite	postqueue -s site; -qIid  postqueue -i id; -qINTERVAL ignored.
 *	-bs	SMTP on standard input/output (smtpd -S);
 *	-bd, -bl  start the mail system in the background.
 *	-bm	submit (the default); -bh, -bH  ignored; -bi, -I  no-op.
 *	-Ac -Am -h N -L x -m -o7 -o8 -om -U -e x -p x -x -c, other -oX and
 *	-O x=y are ignored; -n and unknown -b/-X/-q letters are fatal.
 * DIAGNOSTICS
 *	Exit 0 on success, 75 after any fatal error.
 * SECURITY
 *	sendmail runs with the privileges of the user and needs none other:
 *	postdrop (set-group-ID setgid_group) writes the maildrop file. A
 *	user's -C directory names the postdrop sendmail runs, which then has
 *	only the user's rights; the set-group-ID postdrop refuses a directory
 *	not listed in alternate_config_directories. Envelope data never
 *	reaches a shell.
 * CONFIGURATION PARAMETERS
 *	command_directory, daemon_directory, ipc_timeout, line_length_limit
 *	(2048), header_size_limit (102400), message_size_limit (10240000),
 *	sendmail_fix_line_endings (always), verp_delimiter_filter,
 *	default_verp_delimiters (+=).
 * SEE ALSO
 *	postdrop(1), pickup(8), cleanup(8), postqueue(1),
 *	docs/postfix/admin-tools.md
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include "enqueue.h"
#include "mem.h"
#include "msg.h"
#include "param.h"
#include "qfile.h"
#include "vbuf.h"
#include "addr.h"
#include "header.h"

#define SM_MODE_ENQUEUE 1
#define SM_MODE_NEWALIAS 2
#define SM_MODE_MAILQ 3
#define SM_MODE_DAEMON 4
#define SM_MODE_USER 5
#define SM_MODE_FLUSHQ 6
#define SM_MODE_IGNORE 7

#define SM_FLAG_AEOF (1 << 0)  /* a lone "." ends the input */
#define SM_FLAG_XRCPT (1 << 1) /* -t */

#define DEL_REQ_FLAG_RECORD (1 << 10) /* Postfix's delivery report flag */

#define GETOPT_LIST "+A:B:C:F:GIL:N:O:R:UV:X:b:ce:f:h:imno:p:r:q:tvx"

/*
 * Submission state.
 */
struct sm_opts {
	int flags;
	const char *encoding;
	const char *dsn_envid;
	int dsn_ret;
	int dsn_notify;
	const char *rewrite_context;
	const char *sender;
	const char *full_name;
	const char *verp_delims;
	int trace_flags;
};

/*
 * The parameters sendmail reads, bound in main() after main.cf is loaded.
 */

static const struct param_var sm_params[] = {
    PARAM_VAR(command_directory),
    PARAM_VAR(daemon_directory),
    PARAM_VAR(default_verp_delimiters),
    PARAM_VAR(header_size_limit),
    PARAM_VAR(ipc_timeout),
    PARAM_VAR(line_length_limit),
    PARAM_VAR(message_size_limit),
    PARAM_VAR(sendmail_fix_line_endings),
    PARAM_VAR(verp_delimiter_filter),
    PARAM_VAR_END,
};

static struct enqueue *sm_eq; /* the connection to postdrop */
static pid_t sm_postdrop_pid; /* postdrop, until it is reaped */
static int sm_verbose;

/* sm_postdrop_close - close our end, wait for postdrop to finish */

static void
sm_postdrop_close(void)
{
	int status;

	if (sm_eq)
		enqueue_close(sm_eq);
	sm_eq = 0;
	if (sm_postdrop_pid > 0)
		while (
		    waitpid(sm_postdrop_pid, &status, 0) < 0 && errno == EINTR)
			/* void */;
	sm_postdrop_pid = 0;
}

/* sm_cleanup - on a fatal error: postdrop sees the end of its input
 * before the end record, removes the partial file and exits; wait for
 * that, so no file is left when we exit. */

static void
sm_cleanup(void)
{
	sm_postdrop_close();
}

/* sm_bindir - the directory sendmail itself is in */

static char *
sm_bindir(void)
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	char *slash;

	if (n <= 0)
		return (mem_strdup("."));
	buf[n] = 0;
	if ((slash = strrchr(buf, '/')) != 0)
		*slash = 0;
	return (mem_strdup(buf));
}

/* sm_program - path of a companion program: in dir_value, else ours */

static char *
sm_program(const char *dir_value, const char *name)
{
	struct vbuf path = VBUF_INIT;
	char *dir;

	vbuf_printf(&path, "%s/%s", dir_value, name);
	if (access(path.data, X_OK) == 0)
		return (vbuf_export(&path));
	dir = sm_bindir();
	vbuf_reset(&path);
	vbuf_printf(&path, "%s/%s", dir, name);
	mem_free(dir);
	return (vbuf_export(&path));
}

/* sm_exec - replace this process with a companion program */

static void __attribute__((noreturn))
sm_exec(const char *dir_value, const char *name, const char **args)
{
	const char *argv[16];
	char *path = sm_program(dir_value, name);
	int n = 0;
	int i;

	argv[n++] = name;
	for (i = 0; args[i] && n < 10; i++)
		argv[n++] = args[i];
	for (i = 0; i < sm_verbose && n < 15; i++)
		argv[n++] = "-v";
	argv[n] = 0;
	execv(path, (char **)argv);
	msg_fatal("execvp %s: %m", path);
}

/* sm_username - login name of the real uid */

static const char *
sm_username(uid_t uid)
{
	struct passwd *pw = getpwuid(uid);

	return (pw ? pw->pw_name : 0);
}

/* sm_fullname - $NAME or the GECOS full name, & expanded */

static char *
sm_fullname(uid_t uid)
{
	struct passwd *pw;
	struct vbuf out = VBUF_INIT;
	const char *cp;

	if ((cp = getenv("NAME")) != 0 && *cp)
		return (mem_strdup(cp));
	if ((pw = getpwuid(uid)) == 0 || pw->pw_gecos == 0)
		return (0);
	for (cp = pw->pw_gecos; *cp && *cp != ','; cp++) {
		if (*cp == '&') {
			vbuf_putc(&out, toupper((unsigned char)pw->pw_name[0]));
			if (pw->pw_name[0])
				vbuf_puts(&out, pw->pw_name + 1);
		} else {
			vbuf_putc(&out, *cp);
		}
	}
	if (out.len == 0) {
		vbuf_free(&out);
		return (0);
	}
	return (vbuf_export(&out));
}

/* sm_dsn_notify - parse -N; 0 if bad */

static int
sm_dsn_notify(const char *arg)
{
	char *copy = mem_strdup(arg);
	char *word;
	char *save = 0;
	int mask = 0;

	for (word = strtok_r(copy, ", \t", &save); word;
	     word = strtok_r(0, ", \t", &save)) {
		if (strcasecmp(word, "never") == 0)
			mask |= 1;
		else if (strcasecmp(word, "success") == 0)
			mask |= 2;
		else if (strcasecmp(word, "failure") == 0)
			mask |= 4;
		else if (strcasecmp(word, "delay") == 0)
			mask |= 8;
		else {
			mask = 0;
			break;
		}
	}
	mem_free(copy);
	if ((mask & 1) && mask != 1)
		mask = 0;
	return (mask);
}

/*
 * The submission: records go to postdrop through util/enqueue.
 */
struct sm_out {
	struct enqueue eq;
	const char *sender;
	long uid;
	long size;
	long limit;
};

/* The longest envelope record postdrop and pickup accept. */
#define SM_RECORD_MAX (100 * 1024)

/* sm_put - send one record, fatal on error or when too big */

static void
sm_put(struct sm_out *o, int type, const void *data, size_t len)
{
	size_t n;

	/* Refuse here what postdrop would refuse later, with our own text:
	 * envelope records hold no CR, LF or NUL and are no longer than the
	 * record limit. */
	if (type != REC_TYPE_NORM && type != REC_TYPE_CONT) {
		if (len > SM_RECORD_MAX)
			msg_fatal("%s(%ld): envelope data too long (%zu bytes, "
				  "record type %c)",
			    o->sender, o->uid, len, type);
		if (memchr(data, '\r', len) || memchr(data, '\n', len) ||
		    memchr(data, 0, len))
			msg_fatal("%s(%ld): CR, LF or NUL in envelope data "
				  "(record type %c)",
			    o->sender, o->uid, type);
	}
	for (n = len, o->size += 2; n >= 0x80; n >>= 7)
		o->size++;
	o->size += len;
	if (o->limit > 0 && o->size > o->limit) {
		errno = EFBIG;
		msg_fatal("%s(%ld): error writing queue file: %m", o->sender,
		    o->uid);
	}
	if (enqueue_send(&o->eq, type, data, len) < 0)
		msg_fatal("%s(%ld): error writing queue file: %m", o->sender,
		    o->uid);
}

/* sm_putf - write one formatted record */

static void __attribute__((format(printf, 3, 4)))
sm_putf(struct sm_out *o, int type, const char *fmt, ...)
{
	struct vbuf buf = VBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	vbuf_vprintf(&buf, fmt, ap);
	va_end(ap);
	sm_put(o, type, buf.data, buf.len);
	vbuf_free(&buf);
}

/* sm_getline - Postfix's rec_streamlf_get(): one line or a chunk of one */

static int
sm_getline(FILE *in, struct vbuf *buf, size_t limit)
{
	int ch;

	vbuf_reset(buf);
	while (buf->len < limit) {
		if ((ch = getc(in)) == EOF)
			return (buf->len > 0 ? REC_TYPE_CONT : REC_EOF);
		if (ch == '\n')
			return (REC_TYPE_NORM);
		vbuf_putc(buf, ch);
	}
	return (REC_TYPE_CONT);
}

/*
 * Recipient extraction for -t: a small header state machine over the
 * logical lines of the primary header block.
 */
struct sm_extract {
	int in_headers;
	int line_cont;
	int pending;
	struct vbuf hdr;
	long limit;
	int resent;
	struct addr_list rcpt;
	struct addr_list resent_rcpt;
	const char *sender;
	long uid;
};

/* sm_extract_flush - take recipients from the pending header */

static void
sm_extract_flush(struct sm_extract *x)
{
	size_t name_len;
	const struct header_def *hp;
	const char *colon;

	if (!x->pending)
		return;
	x->pending = 0;
	name_len = addr_is_header(x->hdr.data, x->hdr.len);
	hp = name_len ? header_find(x->hdr.data, name_len) : 0;
	if (hp && (hp->flags & HEADER_EXTRACT) &&
	    (x->resent == 0 || (hp->flags & HEADER_RR))) {
		colon = memchr(x->hdr.data, ':', x->hdr.len);
		if (hp->flags & HEADER_RR)
			x->resent = 1;
		addr_parse(colon + 1, x->hdr.len - (colon + 1 - x->hdr.data),
		    (hp->flags & HEADER_RR) ? &x->resent_rcpt : &x->rcpt);
	}
	vbuf_reset(&x->hdr);
}

/* sm_extract_text - feed one content record */

static void
sm_extract_text(struct sm_extract *x, int type, const char *buf, size_t len)
{
	int cont = (len > 0 && (buf[0] == ' ' || buf[0] == '\t'));

	if (!x->in_headers)
		return;
	if (!x->line_cont) {
		if (cont && x->pending) {
			vbuf_putc(&x->hdr, '\n');
		} else if (!cont && addr_is_header(buf, len) > 0) {
			sm_extract_flush(x);
			x->pending = 1;
		} else {
			sm_extract_flush(x);
			x->in_headers = 0;
			return;
		}
	}
	if (x->limit > 0 && x->hdr.len + len > (size_t)x->limit)
		msg_fatal("%s(%ld): unable to extract recipients: "
			  "message header length exceeds safety limit",
		    x->sender, x->uid);
	vbuf_append(&x->hdr, buf, len);
	x->line_cont = (type == REC_TYPE_CONT);
}

/* sm_cmp - qsort callback */

static int
sm_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

/* sm_sender - the first address of -f, else the login name */

static char *
sm_sender(const struct sm_opts *opts, uid_t uid)
{
	struct addr_list list = {0};
	const char *name;
	char *sender;

	if (opts->sender) {
		addr_parse(opts->sender, strlen(opts->sender), &list);
		sender = mem_strdup(list.n > 0 ? list.addr[0] : "");
		if (list.n > 1)
			msg_warn("-f option specified malformed sender: %s",
			    opts->sender);
		addr_list_free(&list);
	} else {
		if ((name = sm_username(uid)) == 0)
			msg_fatal("no login name found for user ID %lu",
			    (unsigned long)uid);
		sender = mem_strdup(name);
	}
	if (opts->verp_delims && *sender == 0)
		msg_fatal("%s(%ld): -V option requires non-null sender address",
		    sender, (long)uid);
	return (sender);
}

/* sm_strip_cr - sendmail_fix_line_endings: 1 do, 0 don't, -1 decide */

static int
sm_strip_cr(void)
{
	const char *fix_eol = var_sendmail_fix_line_endings;

	if (strcmp(fix_eol, "always") == 0)
		return (1);
	if (strcmp(fix_eol, "strict") == 0)
		return (-1);
	if (strcmp(fix_eol, "never") == 0)
		return (0);
	msg_fatal("invalid sendmail_fix_line_endings value: %s", fix_eol);
}

/* sm_postdrop_open - run postdrop, read the queue ID it announces */

static void
sm_postdrop_open(struct sm_out *o, const char *sender, uid_t uid)
{
	struct vbuf why = VBUF_INIT;
	char *path = sm_program(var_command_directory, "postdrop");
	const char *dir = param_config_dir();
	int fd;

	memset(o, 0, sizeof(*o));
	o->sender = sender;
	o->uid = (long)uid;
	o->limit = var_message_size_limit;
	if (strcmp(dir, param_builtin_config_dir()) == 0)
		dir = 0;
	/* Postfix's text; errno 0 ("Success") when postdrop ran but said
	 * nothing, its own complaint is then on standard error above. */
	errno = 0;
	if ((fd = enqueue_postdrop(path, dir, msg_verbose, &sm_postdrop_pid)) <
	    0)
		msg_fatal("%s(%ld): unable to execute %s -r: %m", sender,
		    (long)uid, path);
	enqueue_fdopen(&o->eq, fd, (int)var_ipc_timeout);
	sm_eq = &o->eq;
	if (enqueue_wait_id(&o->eq, &why) < 0) {
		errno = 0;
		msg_fatal("%s(%ld): unable to execute %s -r: %m", sender,
		    (long)uid, path);
	}
	mem_free(path);
	vbuf_free(&why);
}

/* sm_envelope - the envelope records; returns the recipient count */

static int
sm_envelope(struct sm_out *o, const struct sm_opts *opts, const char *full_name,
    char **recipients)
{
	struct addr_list list = {0};
	int rcpt_count = 0;
	char **cpp;
	size_t i;

	/* No T record: postdrop writes its own time. */
	if (opts->dsn_envid)
		sm_putf(o, REC_TYPE_ATTR, "envelope_id=%s", opts->dsn_envid);
	if (opts->dsn_ret)
		sm_putf(o, REC_TYPE_ATTR, "ret_flags=%d", opts->dsn_ret);
	sm_putf(o, REC_TYPE_ATTR, "rewrite_context=%s", opts->rewrite_context);
	if (full_name)
		sm_put(o, REC_TYPE_FULL, full_name, strlen(full_name));
	sm_put(o, REC_TYPE_FROM, o->sender, strlen(o->sender));
	if (opts->encoding)
		sm_putf(o, REC_TYPE_ATTR, "encoding=%s", opts->encoding);
	if (opts->trace_flags)
		sm_putf(o, REC_TYPE_ATTR, "trace_flags=%d", opts->trace_flags);
	if (opts->verp_delims)
		sm_put(o, REC_TYPE_VERP, opts->verp_delims,
		    strlen(opts->verp_delims));
	for (cpp = recipients; cpp && *cpp; cpp++) {
		addr_parse(*cpp, strlen(*cpp), &list);
		if (list.n == 0) {
			sm_put(o, REC_TYPE_RCPT, "", 0);
			rcpt_count++;
		}
		for (i = 0; i < list.n; i++) {
			if (opts->dsn_notify)
				sm_putf(o, REC_TYPE_ATTR, "notify_flags=%d",
				    opts->dsn_notify);
			sm_put(o, REC_TYPE_RCPT, list.addr[i],
			    strlen(list.addr[i]));
			rcpt_count++;
		}
		addr_list_free(&list);
	}
	return (rcpt_count);
}

/* sm_content - copy standard input into the file, headers to x */

static void
sm_content(struct sm_out *o, struct sm_extract *x, const struct sm_opts *opts)
{
	struct vbuf buf = VBUF_INIT;
	long line_limit = var_line_length_limit;
	int strip_cr = sm_strip_cr();
	int skip_from = 1;
	int prev_type = 0;
	int type;

	if (line_limit <= 0)
		line_limit = 2048;
	sm_put(o, REC_TYPE_MESG, "", 0);
	while (
	    (type = sm_getline(stdin, &buf, (size_t)line_limit)) != REC_EOF) {
		if (strip_cr < 0 && type == REC_TYPE_NORM)
			strip_cr =
			    (buf.len > 0 && buf.data[buf.len - 1] == '\r');
		if (skip_from) {
			if (type == REC_TYPE_NORM) {
				size_t gt = strspn(vbuf_str(&buf), ">");

				if (buf.len >= gt + 5 &&
				    strncmp(buf.data + gt, "From ", 5) == 0) {
					prev_type = type;
					continue;
				}
			}
			skip_from = 0;
		}
		if (strip_cr > 0 && type == REC_TYPE_NORM)
			while (buf.len > 0 && buf.data[buf.len - 1] == '\r')
				vbuf_truncate(&buf, buf.len - 1);
		if ((opts->flags & SM_FLAG_AEOF) &&
		    prev_type != REC_TYPE_CONT && buf.len == 1 &&
		    buf.data[0] == '.')
			break;
		if (x->in_headers)
			sm_extract_text(x, type, vbuf_str(&buf), buf.len);
		sm_put(o, type, vbuf_str(&buf), buf.len);
		prev_type = type;
	}
	if (ferror(stdin))
		msg_fatal("%s(%ld): error reading input: %m", o->sender,
		    o->uid);
	sm_extract_flush(x);
	vbuf_free(&buf);
}

/* sm_extracted - -t recipients, sorted and unique; returns their count */

static int
sm_extracted(struct sm_out *o, struct sm_extract *x, const struct sm_opts *opts)
{
	struct addr_list *xl;
	int rcpt_count = 0;
	size_t i;

	sm_put(o, REC_TYPE_XTRA, "", 0);
	if ((opts->flags & SM_FLAG_XRCPT) == 0)
		return (0);
	xl = x->resent ? &x->resent_rcpt : &x->rcpt;
	if (xl->n > 1)
		qsort(xl->addr, xl->n, sizeof(char *), sm_cmp);
	for (i = 0; i < xl->n; i++) {
		if (i > 0 && strcmp(xl->addr[i], xl->addr[i - 1]) == 0)
			continue;
		if (opts->dsn_notify)
			sm_putf(o, REC_TYPE_ATTR, "notify_flags=%d",
			    opts->dsn_notify);
		sm_put(o, REC_TYPE_RCPT, xl->addr[i], strlen(xl->addr[i]));
		rcpt_count++;
	}
	return (rcpt_count);
}

/* sm_commit - the end record, then postdrop's verdict */

static void
sm_commit(struct sm_out *o)
{
	struct vbuf why = VBUF_INIT;
	const struct enqueue_reply *r = &o->eq.reply;

	/* postdrop replies status=0 only after maildrop/ID is complete and
	 * fsync'ed (and it has woken pickup). Postfix's text for a lost or
	 * refused reply is cleanup_strerror()'s. */
	sm_put(o, REC_TYPE_END, "", 0);
	if (enqueue_finish(&o->eq, &why) < 0)
		msg_fatal("%s(%ld): queue file write error", o->sender, o->uid);
	if (r->status != 0)
		msg_fatal("%s(%ld): %s", o->sender, o->uid,
		    r->reason && *r->reason ? r->reason
					    : "queue file write error");
	sm_postdrop_close();
	vbuf_free(&why);
}

/* sm_enqueue - post one message */

static void
sm_enqueue(const struct sm_opts *opts, char **recipients)
{
	struct sm_extract x;
	struct sm_out o;
	uid_t uid = getuid();
	char *sender = sm_sender(opts, uid);
	char *full_name;
	int rcpt_count;

	full_name =
	    opts->full_name ? mem_strdup(opts->full_name) : sm_fullname(uid);
	(void)sm_strip_cr(); /* a bad value is fatal before the file exists */
	sm_postdrop_open(&o, sender, uid);
	rcpt_count = sm_envelope(&o, opts, full_name, recipients);

	memset(&x, 0, sizeof(x));
	x.in_headers = (opts->flags & SM_FLAG_XRCPT) != 0;
	x.limit = var_header_size_limit;
	x.sender = sender;
	x.uid = (long)uid;
	sm_content(&o, &x, opts);
	rcpt_count += sm_extracted(&o, &x, opts);
	if (rcpt_count == 0) {
		if (opts->flags & SM_FLAG_XRCPT)
			msg_fatal("%s(%ld): No recipient addresses found in "
				  "message header",
			    sender, (long)uid);
		msg_fatal("%s(%ld): Recipient addresses must be specified on"
			  " the command line or via the -t option",
		    sender, (long)uid);
	}
	sm_commit(&o);
	if (opts->trace_flags) {
		printf("Mail Delivery Status Report will be mailed to <%s>.\n",
		    sender);
		fflush(stdout);
	}
	addr_list_free(&x.rcpt);
	addr_list_free(&x.resent_rcpt);
	vbuf_free(&x.hdr);
	mem_free(full_name);
	mem_free(sender);
}

/* sm_config_dir - -C names a directory or its main.cf */

static char *
sm_config_dir(const char *arg)
{
	const char *slash = strrchr(arg, '/');
	const char *base = slash ? slash + 1 : arg;

	if (strcmp(base, "main.cf") == 0)
		return (
		    slash ? mem_strndup(arg, slash - arg) : mem_strdup("."));
	return (mem_strdup(arg));
}

/* sm_daemon - start the mail system in the background */

static void
sm_daemon(void)
{
	char *path = sm_program(var_command_directory, "sluice");
	pid_t pid;

	switch (pid = fork()) {
	case -1:
		msg_fatal("fork: %m");
	case 0:
		execl(path, "sluice", "start", (char *)0);
		msg_fatal("execvp %s: %m", path);
	default:
		exit(0);
	}
}

/*
 * The command line, as main() takes it apart.
 */
struct sm_args {
	const char *prog;
	struct sm_opts opts;
	int mode;
	char *site_to_flush;
	char *id_to_flush;
	char *qtime;
};

/* sm_prescan - find -C first, so that the right main.cf is loaded */

static char *
sm_prescan(int argc, char **argv)
{
	char *config_dir = 0;
	int c;

	opterr = 0;
	optind = 1;
	while (optind < argc) {
		if (strcmp(argv[optind], "-q") == 0) {
			optind++;
			continue;
		}
		if ((c = getopt(argc, argv, GETOPT_LIST)) < 0)
			break;
		if (c == 'C') {
			mem_free(config_dir);
			config_dir = sm_config_dir(optarg);
		}
	}
	return (config_dir);
}

/* sm_mode_by_name - mailq, newaliases, smtpd or sendmail */

static int
sm_mode_by_name(const char *prog)
{
	if (strcmp(prog, "mailq") == 0)
		return (SM_MODE_MAILQ);
	if (strcmp(prog, "newaliases") == 0)
		return (SM_MODE_NEWALIAS);
	if (strcmp(prog, "smtpd") == 0)
		return (SM_MODE_DAEMON);
	return (SM_MODE_ENQUEUE);
}

/* sm_special_arg - -q, -V xy, -Vxy and -XV, which getopt cannot take */

static int
sm_special_arg(char **argv, struct sm_args *a)
{
	if (strcmp(argv[optind], "-q") == 0) {
		if (a->mode == SM_MODE_DAEMON)
			msg_warn("ignoring -q option in daemon mode");
		else
			a->mode = SM_MODE_FLUSHQ;
		optind++;
		return (1);
	}
	if (strcmp(argv[optind], "-V") == 0 && argv[optind + 1] &&
	    strlen(argv[optind + 1]) == 2) {
		msg_warn("option -V is deprecated with Postfix 2.3; "
			 "specify -XV instead");
		argv[optind] = "-XV";
		a->opts.verp_delims = argv[optind + 1];
		optind += 2;
		return (1);
	}
	if (strncmp(argv[optind], "-V", 2) == 0 && strlen(argv[optind]) == 4) {
		msg_warn("option %s is deprecated with Postfix 2.3; "
			 "specify -X%s instead",
		    argv[optind], argv[optind] + 1);
		a->opts.verp_delims = argv[optind] + 2;
		optind++;
		return (1);
	}
	if (strcmp(argv[optind], "-XV") == 0) {
		a->opts.verp_delims = var_default_verp_delimiters;
		optind++;
		return (1);
	}
	return (0);
}

/* The -bX letters sendmail takes, and their modes. */
static const struct sm_b_mode {
	char letter;
	int mode;
} sm_b_modes[] = {
    {'d', SM_MODE_DAEMON},
    {'l', SM_MODE_DAEMON},
    {'h', SM_MODE_IGNORE},
    {'H', SM_MODE_IGNORE},
    {'i', SM_MODE_NEWALIAS},
    {'m', SM_MODE_ENQUEUE},
    {'p', SM_MODE_MAILQ},
    {'s', SM_MODE_USER},
    {0, 0},
};

/* sm_option_b - -bX: the mode */

static void
sm_option_b(struct sm_args *a, int c, const char *arg)
{
	const struct sm_b_mode *bm;

	for (bm = sm_b_modes; bm->letter && bm->letter != *arg; bm++)
		/* void */;
	if (bm->letter == 0)
		msg_fatal("unsupported: -%c%c", c, *arg);
	if (bm->mode == SM_MODE_DAEMON && a->mode == SM_MODE_FLUSHQ)
		msg_warn("ignoring -q option in daemon mode");
	a->mode = bm->mode;
}

/* sm_option_q - -qX: flush a site or a queue ID; an interval is ignored */

static void
sm_option_q(struct sm_args *a, char *arg)
{
	if (isdigit((unsigned char)arg[0])) {
		a->qtime = arg;
	} else if (arg[0] == 'R') {
		a->site_to_flush = arg + 1;
		if (*a->site_to_flush == 0)
			msg_fatal("specify: -qRsitename");
	} else if (arg[0] == 'I') {
		a->id_to_flush = arg + 1;
		if (*a->id_to_flush == 0)
			msg_fatal("specify: -qIqueueid");
	} else {
		msg_fatal("-q%c is not implemented", arg[0]);
	}
}

/* sm_option_envid - -V envid, the DSN envelope ID */

static void
sm_option_envid(struct sm_args *a, const char *arg)
{
	const char *cp;

	if (strlen(arg) > 100) {
		msg_warn("too long -V option value -- ignored");
		return;
	}
	for (cp = arg; *cp; cp++)
		if ((unsigned char)*cp < 33 || (unsigned char)*cp > 126)
			break;
	if (*cp)
		msg_warn("bad syntax in -V option value -- ignored");
	else
		a->opts.dsn_envid = arg;
}

/* sm_option_dsn - -N and -R */

static void
sm_option_dsn(struct sm_args *a, int c, const char *arg)
{
	if (c == 'N') {
		if ((a->opts.dsn_notify = sm_dsn_notify(arg)) == 0)
			msg_warn("bad -N option value: '%s' -- ignored", arg);
	} else if (strcasecmp(arg, "full") == 0) {
		a->opts.dsn_ret = 1;
	} else if (strcasecmp(arg, "hdrs") == 0) {
		a->opts.dsn_ret = 2;
	} else {
		msg_warn("bad -R option value: '%s' -- ignored", arg);
	}
}

/* sm_option - one option letter from getopt */

static void
sm_option(struct sm_args *a, int c, char *arg)
{
	switch (c) {
	default:
		if (msg_verbose)
			msg_info("-%c option ignored", c);
		break;
	case '?':
	case ':':
		msg_fatal("usage: %s [options]", a->prog);
	case 'n':
		msg_fatal("-%c option not supported", c);
	case 'B':
		if (strcmp(arg, "8BITMIME") == 0)
			a->opts.encoding = "8bit";
		else if (strcmp(arg, "7BIT") == 0)
			a->opts.encoding = "7bit";
		else
			msg_fatal("-B option needs 8BITMIME or 7BIT");
		break;
	case 'F':
		a->opts.full_name = arg;
		break;
	case 'G':
		a->opts.rewrite_context = "remote";
		break;
	case 'I':
		a->mode = SM_MODE_NEWALIAS;
		break;
	case 'N':
	case 'R':
		sm_option_dsn(a, c, arg);
		break;
	case 'V':
		sm_option_envid(a, arg);
		break;
	case 'X':
		if (*arg != 'V')
			msg_fatal("unsupported: -%c%c", c, *arg);
		if (strlen(arg + 1) != 2)
			msg_fatal("-V requires two characters from %s",
			    var_verp_delimiter_filter);
		a->opts.verp_delims = arg + 1;
		break;
	case 'b':
		sm_option_b(a, c, arg);
		break;
	case 'C':
		break; /* done in the pre-scan */
	case 'f':
	case 'r':
		a->opts.sender = arg;
		break;
	case 'i':
		a->opts.flags &= ~SM_FLAG_AEOF;
		break;
	case 'o':
		if (*arg == 'i')
			a->opts.flags &= ~SM_FLAG_AEOF;
		else if (*arg == 'A' && arg[1] == 0)
			msg_fatal("-oA requires pathname");
		break;
	case 'q':
		sm_option_q(a, arg);
		break;
	case 't':
		a->opts.flags |= SM_FLAG_XRCPT;
		break;
	case 'v':
		sm_verbose++;
		break;
	}
}

/* sm_parse - the options, after main.cf is loaded */

static void
sm_parse(int argc, char **argv, struct sm_args *a)
{
	int c;

	a->mode = sm_mode_by_name(a->prog);
	a->opts.flags = SM_FLAG_AEOF;
	a->opts.rewrite_context = "local";
	optind = 1;
	opterr = 0;
	while (optind < argc) {
		if (sm_special_arg(argv, a))
			continue;
		if ((c = getopt(argc, argv, GETOPT_LIST)) < 0)
			break;
		sm_option(a, c, optarg);
	}
}

/* sm_validate - option combinations; verbosity */

static void
sm_validate(struct sm_args *a)
{
	if ((a->opts.flags & SM_FLAG_XRCPT) && a->mode != SM_MODE_ENQUEUE)
		msg_fatal("-t can be used only in delivery mode");
	if (a->site_to_flush && a->mode != SM_MODE_ENQUEUE)
		msg_fatal("-qR can be used only in delivery mode");
	if (a->id_to_flush && a->mode != SM_MODE_ENQUEUE)
		msg_fatal("-qI can be used only in delivery mode");
	if (sm_verbose == 1 && a->mode == SM_MODE_ENQUEUE)
		a->opts.trace_flags = DEL_REQ_FLAG_RECORD;
	else if (sm_verbose > 1)
		msg_verbose = sm_verbose - 1;
	if (a->qtime && a->mode != SM_MODE_DAEMON)
		exit(0);
}

/* sm_postqueue - run postqueue with one option; no recipients allowed */

static void __attribute__((noreturn))
sm_postqueue(char **rest, const char *what, const char *opt, const char *arg)
{
	const char *args[] = {opt, arg, 0};

	if (rest[0])
		msg_fatal("%s requires no recipient", what);
	sm_exec(var_command_directory, "postqueue", args);
}

/* sm_run - do what the mode says */

static void __attribute__((noreturn)) sm_run(struct sm_args *a, char **rest)
{
	switch (a->mode) {
	case SM_MODE_ENQUEUE:
		if (a->site_to_flush)
			sm_postqueue(rest, "flush site", "-s",
			    a->site_to_flush);
		else if (a->id_to_flush)
			sm_postqueue(rest, "flush queue_id", "-i",
			    a->id_to_flush);
		sm_enqueue(&a->opts, rest);
		exit(0);
	case SM_MODE_MAILQ:
		sm_postqueue(rest, "display queue mode", "-p", 0);
	case SM_MODE_FLUSHQ:
		sm_postqueue(rest, "flush queue mode", "-f", 0);
	case SM_MODE_DAEMON:
		if (rest[0])
			msg_fatal("daemon mode requires no recipient");
		sm_daemon();
		exit(0);
	case SM_MODE_USER: {
		const char *args[] = {"-S", "-c", param_config_dir(), 0};

		if (rest[0])
			msg_fatal("stand-alone mode requires no recipient");
		sm_exec(var_daemon_directory, "smtpd", args);
	}
	case SM_MODE_NEWALIAS:
		if (rest[0])
			msg_fatal(
			    "alias initialization mode requires no recipient");
		exit(0);
	case SM_MODE_IGNORE:
	default:
		exit(0);
	}
}

int
main(int argc, char **argv)
{
	static struct sm_args a; /* reachable until exit */
	char *config_dir;
	struct stat st;
	int fd;

	umask(022);
	for (fd = 0; fd < 3; fd++)
		if (fstat(fd, &st) < 0 && open("/dev/null", O_RDWR) != fd)
			exit(EX_TEMPFAIL);
	a.prog = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	if (*a.prog == 0)
		a.prog = "sendmail";
	msg_init(a.prog, MSG_STDERR);
	msg_fatal_status(EX_TEMPFAIL);
	msg_cleanup(sm_cleanup);

	config_dir = sm_prescan(argc, argv);
	param_load(config_dir); /* keeps a copy */
	mem_free(config_dir);
	param_bind(sm_params);
	param_log_open();
	signal(SIGPIPE, SIG_IGN);

	sm_parse(argc, argv, &a);
	sm_validate(&a);
	sm_run(&a, argv + optind);
}
