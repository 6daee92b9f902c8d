/*
 * bounce_service - the bounce request protocol; see bounce.c and bounce.h.
 *
 * Implementation notes:
 *
 *	A client (qmgr) sends one attribute block and gets one back. The
 *	request is read without blocking (event with a timeout, bounded
 *	size); the notice is then built and handed to cleanup in one go
 *	over a blocking connection with timeouts, as Postfix's bounce
 *	daemon (a single-request server) does: a notice costs one local
 *	file read and one cleanup transaction, and qmgr waits for the
 *	answer asynchronously, so nothing else stalls behind it.
 *
 *	Nothing is removed here: the client deletes the log and the
 *	message only after status=0, so a failure at any step (unreadable
 *	file, cleanup down or refusing) leaves everything in place for the
 *	next attempt.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <unistd.h>
#include <event2/event.h>

#include "attr.h"
#include "dlog.h"
#include "header.h"
#include "mem.h"
#include "msg.h"
#include "param.h"
#include "qdir.h"
#include "qfile.h"
#include "qid.h"
#include "enqueue.h"
#include "server.h"
#include "vbuf.h"
#include "bounce.h"

#define BOUNCE_REQUEST_MAX (64 * 1024) /* bytes of one request */
#define BOUNCE_REQUEST_TIMEOUT 60      /* seconds */
#define BOUNCE_CLEANUP_TIMEOUT 60      /* seconds per cleanup step */
#define BOUNCE_RCPT_MAX 100000	       /* log entries per notice */
#define BOUNCE_ENV_REC_MAX (1024 * 1024)

struct bounce_conn {
	int fd;
	struct event *ev;
	struct vbuf in;
};

static struct event_base *bounce_base;

const struct param_var bounce_params[] = {
    PARAM_VAR(2bounce_notice_recipient),
    PARAM_VAR(bounce_notice_recipient),
    PARAM_VAR(bounce_size_limit),
    PARAM_VAR(cleanup_service_name),
    PARAM_VAR(delay_notice_recipient),
    PARAM_VAR(delay_warning_time),
    PARAM_VAR(double_bounce_sender),
    PARAM_VAR(mail_name),
    PARAM_VAR(maximal_queue_lifetime),
    PARAM_VAR(myhostname),
    PARAM_VAR(myorigin),
    PARAM_VAR(notify_classes),
    PARAM_VAR(soft_bounce),
    PARAM_VAR_END,
};

void
bounce_service_init(struct event_base *base)
{
	bounce_base = base;
}

void
bounce_service_stop(void)
{
}

/*
 * The original message's envelope, as far as a notice needs it.
 */
struct bounce_orig {
	long arrival;
	long data_offset;
	char *sender;
	char *envid;
	int ret;
	int eight_bit;
};

static int
bounce_read_envelope(FILE *fp, struct bounce_orig *o, struct vbuf *why)
{
	struct vbuf buf = VBUF_INIT;
	long f[6];
	int type;
	int ret = -1;

	for (;;) {
		type = rec_get(fp, &buf, BOUNCE_ENV_REC_MAX, REC_FOLLOW_PTR);
		if (type == REC_EOF || type == REC_ERR) {
			vbuf_set(why, "malformed queue file envelope");
			goto out;
		}
		if (type == REC_TYPE_MESG)
			break;
		switch (type) {
		case REC_TYPE_SIZE:
			if (rec_size_parse(buf.data, buf.len, f) < 3 ||
			    f[1] <= 0) {
				vbuf_set(why, "malformed size record");
				goto out;
			}
			o->data_offset = f[1];
			break;
		case REC_TYPE_TIME:
			o->arrival = atol(buf.data);
			break;
		case REC_TYPE_FROM:
			if (o->sender == 0)
				o->sender =
				    mem_strdup(buf.data ? buf.data : "");
			break;
		case 'i':
			if (o->envid == 0)
				o->envid = mem_strdup(buf.data ? buf.data : "");
			break;
		case '<':
			o->ret = atoi(buf.data ? buf.data : "");
			break;
		case REC_TYPE_ATTR:
			if (buf.data && strcmp(buf.data, "encoding=8bit") == 0)
				o->eight_bit = 1;
			else if (buf.data &&
			    strncmp(buf.data, "envelope_id=", 12) == 0 &&
			    o->envid == 0)
				o->envid = mem_strdup(buf.data + 12);
			else if (buf.data &&
			    strncmp(buf.data, "ret_flags=", 10) == 0)
				o->ret = atoi(buf.data + 10);
			break;
		}
	}
	if (o->sender == 0 || o->data_offset <= 0 || o->arrival <= 0) {
		vbuf_set(why, "queue file without sender, size or time record");
		goto out;
	}
	ret = 0;
out:
	vbuf_free(&buf);
	return (ret);
}

static void
bounce_rcpts_free(struct bounce_rcpt *r, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		mem_free(r[i].recipient);
		mem_free(r[i].original_recipient);
		mem_free(r[i].dsn_orig_rcpt);
		mem_free(r[i].status);
		mem_free(r[i].action);
		mem_free(r[i].diag_type);
		mem_free(r[i].diag_text);
		mem_free(r[i].mta_type);
		mem_free(r[i].mta_mname);
		mem_free(r[i].reason);
	}
	mem_free(r);
}

/* bounce_read_log - copy the log's entries; -1 on a read error */

static int
bounce_read_log(const char *log, const char *queue_id, int force_failed,
    struct bounce_rcpt **out, size_t *count)
{
	struct dlog_reader *rd;
	struct dlog_entry e;
	struct bounce_rcpt *r = 0;
	size_t n = 0, cap = 0;

	*out = 0;
	*count = 0;
	if ((rd = dlog_open(log, queue_id)) == 0)
		return (errno == ENOENT ? 0 : -1);
	while (n < BOUNCE_RCPT_MAX && dlog_next(rd, &e) > 0) {
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			r = mem_realloc(r, cap * sizeof(*r));
		}
		r[n].recipient = mem_strdup(e.recipient);
		r[n].original_recipient = mem_strdup(e.original_recipient);
		r[n].dsn_orig_rcpt = mem_strdup(e.dsn_orig_rcpt);
		r[n].notify_flags = e.notify_flags;
		r[n].status = mem_strdup(e.status);
		r[n].action = mem_strdup(force_failed ? "failed" : e.action);
		r[n].diag_type = mem_strdup(e.diag_type);
		r[n].diag_text = mem_strdup(e.diag_text);
		r[n].mta_type = mem_strdup(e.mta_type);
		r[n].mta_mname = mem_strdup(e.mta_mname);
		r[n].reason = mem_strdup(e.reason);
		n++;
	}
	dlog_close(rd);
	*out = r;
	*count = n;
	return (0);
}

/* bounce_is_double_bounce - the double-bounce sender, bare or qualified */

static int
bounce_is_double_bounce(const char *sender)
{
	const char *db = var_double_bounce_sender;
	size_t len = strlen(db);

	if (strcasecmp(sender, db) == 0)
		return (1);
	return (strncasecmp(sender, db, len) == 0 && sender[len] == '@' &&
	    strcasecmp(sender + len + 1, var_myorigin) == 0);
}

/* bounce_submit - hand the notice to cleanup; 0 with the new queue ID */

static int
bounce_submit(const char *sender, const char *recipient,
    const struct vbuf *content, struct vbuf *new_id, struct vbuf *why)
{
	struct enqueue eq;
	struct vbuf date = VBUF_INIT;
	struct timeval tv;
	int ret = -1;

	if (enqueue_open(&eq, var_cleanup_service_name, BOUNCE_CLEANUP_TIMEOUT,
		why) < 0)
		goto out;
	gettimeofday(&tv, 0);
	(void)enqueue_sendf(&eq, REC_TYPE_TIME, "%ld %ld", (long)tv.tv_sec,
	    (long)tv.tv_usec);
	header_date(&date, (time_t)tv.tv_sec);
	(void)enqueue_sendf(&eq, REC_TYPE_ATTR,
	    "trace_header=Received: by %s (%s)\n\tid ${queue_id}; %s",
	    var_myhostname, var_mail_name, date.data);
	(void)enqueue_sendf(&eq, REC_TYPE_ATTR, "log_message_origin=local");
	(void)enqueue_sendf(&eq, REC_TYPE_ATTR, "trace_flags=0");
	(void)enqueue_send(&eq, REC_TYPE_FROM, sender, strlen(sender));
	(void)enqueue_send(&eq, REC_TYPE_RCPT, recipient, strlen(recipient));
	(void)enqueue_send(&eq, REC_TYPE_MESG, "", 0);
	(void)enqueue_send_records(&eq, content->data, content->len);
	(void)enqueue_send(&eq, REC_TYPE_XTRA, "", 0);
	(void)enqueue_send(&eq, REC_TYPE_END, "", 0);
	if (enqueue_finish(&eq, why) < 0)
		goto out;
	if (eq.reply.status != 0 || eq.reply.queue_id == 0) {
		vbuf_reset(why);
		vbuf_printf(why, "cleanup: %s",
		    eq.reply.reason ? eq.reply.reason : "malformed reply");
		goto out;
	}
	vbuf_set(new_id, eq.reply.queue_id);
	ret = 0;
out:
	enqueue_close(&eq);
	vbuf_free(&date);
	return (ret);
}

/* bounce_has_class - does notify_classes name this class */

static int
bounce_has_class(const char *name)
{
	char **list = var_notify_classes;

	for (; list && *list; list++)
		if (strcasecmp(*list, name) == 0)
			return (1);
	return (0);
}

/* bounce_notice - compose and submit one notice; 0, 1 (nothing to send), -1 */

static int
bounce_notice(struct bounce_info *info, FILE *fp, const char *env_sender,
    const char *recipient, const char *who, struct vbuf *why)
{
	struct vbuf content = VBUF_INIT;
	struct vbuf new_id = VBUF_INIT;
	int n;
	int ret = -1;

	if ((n = bounce_compose(info, fp, &content, why)) < 0)
		goto out;
	if (n == 0) {
		ret = 1;
		goto out;
	}
	if (bounce_submit(env_sender, recipient, &content, &new_id, why) < 0)
		goto out;
	msg_info("%s: %s %s notification: %s", info->queue_id, who,
	    info->kind == BOUNCE_DELAY ? "delay" : "non-delivery", new_id.data);
	ret = 0;
out:
	vbuf_free(&content);
	vbuf_free(&new_id);
	return (ret);
}

/* bounce_kind - the request's notice kind and log; -1 with why */

static int
bounce_kind(const char *request, const char **log, struct vbuf *why)
{
	if (strcmp(request, "flush") == 0) {
		if (*log == 0 ||
		    (strcmp(*log, QDIR_BOUNCE) != 0 &&
			strcmp(*log, QDIR_DEFER) != 0)) {
			vbuf_set(why, "malformed request: bad log name");
			return (-1);
		}
		if (var_soft_bounce) {
			vbuf_set(why, "notice held: soft_bounce = yes");
			return (-1);
		}
		return (BOUNCE_FAILURE);
	}
	if (strcmp(request, "warn") == 0) {
		*log = QDIR_DEFER;
		return (BOUNCE_DELAY);
	}
	vbuf_set(why, "malformed request: unknown request");
	return (-1);
}

/* bounce_notices - the sender's notice and the postmaster's copies */

static int
bounce_notices(struct bounce_info *info, FILE *fp, const char *orig_sender,
    struct vbuf *why)
{
	struct vbuf pm_why = VBUF_INIT;
	const char *queue_id = info->queue_id;
	int kind = info->kind;
	const char *pm_class;
	const char *pm_rcpt;
	int ret = -1;

	/*
	 * The sender's notice. A bounce that bounced (null sender) goes to
	 * the postmaster instead, in full, only when notify_classes asks for
	 * it (2bounce; also bounce, below): by default it is dropped.
	 */
	if (*orig_sender) {
		if (bounce_notice(info, fp, "", orig_sender, "sender", why) < 0)
			goto out;
	} else if (kind == BOUNCE_FAILURE && bounce_has_class("2bounce")) {
		info->postmaster = 1;
		info->ret = BOUNCE_RET_FULL;
		info->to = var_2bounce_notice_recipient;
		if (bounce_notice(info, fp, var_double_bounce_sender, info->to,
			"postmaster", why) < 0)
			goto out;
	}
	ret = 0;

	/*
	 * The postmaster's copy (headers only), as notify_classes asks. Its
	 * failure is only logged: the sender's notice is out already.
	 */
	pm_class = kind == BOUNCE_DELAY ? "delay" : "bounce";
	pm_rcpt = kind == BOUNCE_DELAY ? var_delay_notice_recipient
				       : var_bounce_notice_recipient;
	if (bounce_has_class(pm_class)) {
		info->postmaster = 1;
		info->ret = BOUNCE_RET_HDRS;
		info->to = pm_rcpt;
		if (bounce_notice(info, fp, var_double_bounce_sender, info->to,
			"postmaster", &pm_why) < 0)
			msg_warn("%s: postmaster %s notification not sent: %s",
			    queue_id,
			    kind == BOUNCE_DELAY ? "delay" : "non-delivery",
			    pm_why.data);
	}
out:
	vbuf_free(&pm_why);
	return (ret);
}

/* bounce_request - one request; 0 (sent or nothing to send) or -1 + why */

static int
bounce_request(const struct attr_list *req, struct vbuf *why)
{
	const char *request = attr_get(req, "request");
	const char *queue_id = attr_get(req, "queue_id");
	const char *log = attr_get(req, "log");
	const char *sender = attr_get(req, "sender");
	struct bounce_orig orig;
	struct bounce_info info;
	struct bounce_rcpt *rcpt = 0;
	struct vbuf path = VBUF_INIT;
	struct vbuf quoted = VBUF_INIT;
	size_t nrcpt = 0;
	FILE *fp = 0;
	int kind;
	int ret = -1;

	memset(&orig, 0, sizeof(orig));
	if (request == 0 || queue_id == 0 || !qid_ok(queue_id)) {
		vbuf_set(why, "malformed request");
		goto out;
	}
	if ((kind = bounce_kind(request, &log, why)) < 0)
		goto out;
	qdir_path(&path, QDIR_ACTIVE, queue_id);
	if ((fp = fopen(path.data, "r")) == 0) {
		vbuf_printf(why, "open %s: %m", path.data);
		goto out;
	}
	if (bounce_read_envelope(fp, &orig, why) < 0)
		goto out;
	if (sender && strcmp(sender, orig.sender) != 0) {
		vbuf_set(why,
		    "sender in the request differs from the queue file");
		goto out;
	}

	/*
	 * Never a notice about a notice to the postmaster.
	 */
	if (*orig.sender && bounce_is_double_bounce(orig.sender)) {
		msg_warn("%s: undeliverable postmaster notification discarded",
		    queue_id);
		ret = 0;
		goto out;
	}
	if (bounce_read_log(log, queue_id,
		kind == BOUNCE_FAILURE && strcmp(log, QDIR_DEFER) == 0, &rcpt,
		&nrcpt) < 0) {
		vbuf_printf(why, "read %s log: %m", log);
		goto out;
	}
	if (*orig.sender)
		dlog_quote_rcpt(&quoted, orig.sender);
	memset(&info, 0, sizeof(info));
	info.kind = kind;
	info.queue_id = queue_id;
	info.sender = vbuf_str(&quoted);
	info.myhostname = var_myhostname;
	info.myorigin = var_myorigin;
	info.envid = orig.envid ? orig.envid : "";
	info.ret = orig.ret;
	info.eight_bit = orig.eight_bit;
	info.arrival = orig.arrival;
	info.now = (long)time(0);
	info.will_retry_until = orig.arrival + var_maximal_queue_lifetime;
	info.warn_hours = var_delay_warning_time / 3600;
	info.lifetime_days = var_maximal_queue_lifetime / 86400;
	info.data_offset = orig.data_offset;
	info.size_limit = var_bounce_size_limit;
	info.rcpt = rcpt;
	info.rcpt_count = nrcpt;

	ret = bounce_notices(&info, fp, orig.sender, why);
out:
	if (fp)
		fclose(fp);
	bounce_rcpts_free(rcpt, nrcpt);
	mem_free(orig.sender);
	mem_free(orig.envid);
	vbuf_free(&path);
	vbuf_free(&quoted);
	return (ret);
}

/* Open client connections: the work server.c sees (max_idle, max_use). */
static int bounce_nconn;

/* bounce_service_active - clients being served */

int
bounce_service_active(void)
{
	return (bounce_nconn);
}

/* bounce_conn_free - end a connection */

static void
bounce_conn_free(struct bounce_conn *c)
{
	bounce_nconn--;
	if (c->ev)
		event_free(c->ev);
	(void)close(c->fd);
	vbuf_free(&c->in);
	mem_free(c);
}

/* bounce_conn_read - collect the request, then serve it */

static void
bounce_conn_read(evutil_socket_t fd, short what, void *ctx)
{
	struct bounce_conn *c = ctx;
	struct attr_list req = {0};
	struct vbuf reply = VBUF_INIT;
	struct vbuf why = VBUF_INIT;
	const char *qid;
	char buf[4096];
	ssize_t n;
	long used;

	if (what & EV_TIMEOUT) {
		msg_warn("bounce request: timeout while reading the request");
		bounce_conn_free(c);
		return;
	}
	n = read(fd, buf, sizeof(buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		if (n < 0)
			msg_warn("bounce request: read: %m");
		bounce_conn_free(c);
		return;
	}
	vbuf_append(&c->in, buf, (size_t)n);
	used = attr_parse(c->in.data, c->in.len, &req);
	if (used == 0 && c->in.len <= BOUNCE_REQUEST_MAX)
		return;
	if (used <= 0) {
		msg_warn("bounce request: malformed or oversized request");
		attr_list_free(&req);
		bounce_conn_free(c);
		return;
	}
	event_del(c->ev);
	if (bounce_request(&req, &why) == 0) {
		attr_put(&reply, "status", "0");
	} else {
		qid = attr_get(&req, "queue_id");
		msg_warn("%s: sender %s notification not sent: %s",
		    qid && qid_ok(qid) ? qid : "(bad queue id)",
		    attr_get(&req, "request") &&
			    strcmp(attr_get(&req, "request"), "warn") == 0
			? "delay"
			: "non-delivery",
		    why.data);
		attr_put(&reply, "status", "1");
		attr_put(&reply, "reason", why.data);
	}
	attr_end(&reply);
	if (attr_write(fd, &reply, BOUNCE_REQUEST_TIMEOUT) < 0)
		msg_warn("bounce request: write reply: %m");
	attr_list_free(&req);
	vbuf_free(&reply);
	vbuf_free(&why);
	bounce_conn_free(c);
}

/* bounce_service_accept - a new client */

void
bounce_service_accept(int fd)
{
	struct bounce_conn *c = mem_calloc(1, sizeof(*c));
	struct timeval tv = {BOUNCE_REQUEST_TIMEOUT, 0};

	c->fd = fd;
	bounce_nconn++;
	c->ev = event_new(bounce_base, fd, EV_READ | EV_PERSIST,
	    bounce_conn_read, c);
	if (c->ev == 0 || event_add(c->ev, &tv) < 0) {
		msg_warn("bounce request: cannot create an event");
		bounce_conn_free(c);
	}
}
