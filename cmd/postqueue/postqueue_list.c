/*
 * postqueue_list - postqueue -p and -j: the listing from the showq service.
 *
 * Implementation notes. The listing is read from public/showq in pieces
 * and decoded as it arrives (showq_proto(3)); each message is printed as
 * soon as it is complete, so memory does not grow with the queue. When
 * the service cannot be reached, postqueue does what Postfix's does
 * (docs/postfix/admin-tools.md section 1): permission trouble is fatal
 * at once; the superuser is warned and reads the queue directly
 * (showq(3), the same listing); anyone else gets "Queue report
 * unavailable - mail system is down". Beyond Postfix, mail_owner may
 * read the queue directly too: it owns the queue (an unprivileged
 * instance run by its own user).
 *
 * With selection options (qselect(3)) each decoded message goes through
 * qselect_match() before the printer, so the showq service and its
 * protocol are unchanged and the trailer counts what was printed; the
 * direct read is filtered the same way.
 */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ipc.h"
#include "msg.h"
#include "param.h"
#include "qselect.h"
#include "showq.h"
#include "showq_par.h"
#include "showq_proto.h"
#include "vbuf.h"
#include "postqueue.h"

#define PQ_READ_SIZE (64 * 1024)

static const char pq_bad[] = "malformed showq server response";

/* What pq_select() needs: the selection, the time, the printer. */
struct pq_filter {
	const struct qselect *sel;
	long now;
	struct showq_out *out;
};

/* pq_select - print the message if the selection wants it */

static int
pq_select(const struct showq_msg *msg, void *ctx)
{
	struct pq_filter *f = ctx;

	if (!qselect_match(f->sel, msg, f->now))
		return (0);
	return (showq_out_msg(msg, f->out));
}

/* What the direct reading's workers need. */
struct pq_direct {
	const struct qselect *sel;
	long now;
	int flags;
	int started; /* header written */
};

/* pq_fmt - showq_par_fmt: format the message if the selection wants it */

static int
pq_fmt(struct vbuf *out, const struct showq_msg *msg, void *ctx)
{
	struct pq_direct *d = ctx;

	if (!qselect_match(d->sel, msg, d->now))
		return (0);
	showq_fmt_msg(out, d->flags, msg);
	return (1);
}

/* pq_emit - showq_par_emit: the header before the first message */

static int
pq_emit(const char *data, size_t len, void *ctx)
{
	struct pq_direct *d = ctx;
	struct vbuf head = VBUF_INIT;

	if (!d->started) {
		d->started = 1;
		showq_fmt_head(&head, d->flags);
		if (head.len > 0) /* JSON has no header */
			(void)fwrite(head.data, 1, head.len, stdout);
		vbuf_free(&head);
	}
	if (fwrite(data, 1, len, stdout) != len)
		return (-1);
	return (0);
}

/*
 * pq_list_direct - read the queue here, with one worker process per
 * processor (showq_par(3)); the order within a queue is theirs.
 */
static void
pq_list_direct(int flags, const struct qselect *sel)
{
	struct pq_direct d;
	struct showq_par_total total;
	struct vbuf why = VBUF_INIT;

	d.sel = sel;
	d.now = (long)time((time_t *)0);
	d.flags = flags;
	d.started = 0;
	if (showq_par_walk(NULL, showq_par_workers(), pq_fmt, &d, pq_emit, &d,
		&total, &why) < 0)
		msg_fatal("Queue report unavailable - %s", vbuf_str(&why));
	vbuf_reset(&why);
	showq_fmt_tail(&why, flags, total.count, total.bytes);
	if (why.len > 0) /* JSON has no trailer */
		(void)fwrite(why.data, 1, why.len, stdout);
	if (fflush(stdout) != 0 || ferror(stdout))
		msg_fatal("write error on standard output: %m");
	vbuf_free(&why);
}

/* pq_list_stream - decode the service's listing into fn */

static void
pq_list_stream(int fd, showq_fn *fn, void *ctx)
{
	static char buf[PQ_READ_SIZE];
	struct showq_dec *dec = showq_dec_create();
	ssize_t n;
	int status = SHOWQ_DEC_MORE;

	while (status == SHOWQ_DEC_MORE) {
		if ((n = read(fd, buf, sizeof(buf))) < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (msg_verbose)
				msg_info("showq: %s",
				    n < 0 ? strerror(errno) : "end of file");
			msg_fatal("%s", pq_bad);
		}
		status = showq_dec_feed(dec, buf, (size_t)n, fn, ctx, 0);
	}
	if (status == SHOWQ_DEC_BAD) {
		if (msg_verbose)
			msg_info("%s", showq_dec_error(dec));
		msg_fatal("%s", pq_bad);
	}
	showq_dec_free(dec);
}

/* pq_owner - is the caller mail_owner? */

static int
pq_owner(void)
{
	struct passwd *pw = getpwnam(var_mail_owner);

	return (pw != 0 && pw->pw_uid == geteuid());
}

/* pq_list - postqueue -p and -j */

void
pq_list(int flags, const struct qselect *sel)
{
	static char obuf[64 * 1024];
	struct showq_out *out;
	struct pq_filter filter;
	struct vbuf why = VBUF_INIT;
	showq_fn *fn = showq_out_msg;
	void *ctx;
	int fd;
	int err;

	if (var_enable_long_queue_ids)
		flags |= SHOWQ_OUT_LONG_IDS;
	(void)setvbuf(stdout, obuf, _IOFBF, sizeof(obuf));
	ctx = out = showq_out_create(stdout, flags);
	if (qselect_any(sel)) {
		filter.sel = sel;
		filter.now = (long)time((time_t *)0);
		filter.out = out;
		fn = pq_select;
		ctx = &filter;
	}
	if ((fd = ipc_connect("public", var_showq_service_name, 0,
		 (int)var_ipc_timeout, 0)) >= 0) {
		pq_list_stream(fd, fn, ctx);
		(void)close(fd);
	} else if ((err = errno) == EACCES || err == EPERM) {
		msg_fatal("Connect to the %s %s service: %s", var_mail_name,
		    var_showq_service_name, strerror(err));
	} else if (geteuid() == 0 || pq_owner()) {
		msg_warn("Mail system is down -- accessing queue directly "
			 "(Connect to the %s %s service: %s)",
		    var_mail_name, var_showq_service_name, strerror(err));
		showq_out_free(out);
		pq_list_direct(flags, sel);
		return;
	} else {
		msg_fatal("Queue report unavailable - mail system is down "
			  "(Connect to the %s %s service: %s)",
		    var_mail_name, var_showq_service_name, strerror(err));
	}
	if (showq_out_end(out) < 0)
		msg_fatal("write error on standard output: %m");
	showq_out_free(out);
	vbuf_free(&why);
}
