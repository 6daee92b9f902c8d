/*
 * cleanup_state - turn a client's record stream into a queue file; see
 * cleanup.h.
 *
 * Implementation notes:
 *
 *	The input is the maildrop (postdrop) record stream: envelope,
 *	'M', content, 'X', extracted envelope, 'E'. The output follows
 *	Postfix's cleanup (queue.md section 7) record for record:
 *
 *	  C (placeholder), T (as received), A create_time=NOW, the client's
 *	  envelope records in order (A, F, S rewritten, ...), W if
 *	  delay_warning_time is set, per recipient [A notify_flags]
 *	  A dsn_orig_rcpt O R, M, the content (local Received: header first,
 *	  headers with Bcc & co removed, missing Message-Id/Date/From added at
 *	  the end of the headers, lines longer than line_length_limit split
 *	  into L records), X, the extracted segment (A encoding, recipients
 *	  from sendmail -t), E; finally the C record is rewritten in place.
 *
 *	Header lines are classified when the first record of a logical line
 *	(L... N) arrives; a header and its continuation lines are buffered up
 *	to header_size_limit (the excess is discarded, as Postfix does), all
 *	other content goes straight to the file. Memory therefore does not
 *	depend on the message size; the duplicate filter is bounded by
 *	duplicate_filter_limit.
 *
 *	Byte offsets are counted here rather than asked from stdio, so the
 *	size limit check and the C record cost no system call.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "mem.h"
#include "msg.h"
#include "qfile.h"
#include "vbuf.h"
#include "cleanup.h"

#define DUP_BUCKETS 1024

#define DSN_NOTIFY_NEVER 1
#define DSN_NOTIFY_ANY (2 | 4 | 8)

#define QMGR_FLAG_MIXED 1 /* recipients mixed with other records */

enum cleanup_seg {
	SEG_ENVELOPE,
	SEG_CONTENT,
	SEG_EXTRACTED,
	SEG_DONE,
};

struct dup_ent {
	struct dup_ent *next;
	char *key;
};

struct cleanup_state {
	FILE *fp;
	char *queue_id;
	time_t now;
	const struct cleanup_config *cfg;
	enum cleanup_seg seg;
	int status; /* first error, sysexits */
	struct vbuf reason;
	long offset; /* bytes written so far */
	int reused;  /* the file may hold older bytes past ours */

	/* Envelope. */
	int have_time;
	long arrival;
	char *sender;
	int have_fullname;
	char *fullname;
	char *orig_rcpt; /* pending O */
	char *dsn_orcpt; /* pending A dsn_orig_rcpt */
	int dsn_notify;	 /* pending A notify_flags */
	int inrcpt;
	int warn_seen;
	int have_envid;
	int have_ret;
	int hdr_rewrite; /* add missing headers */
	char *encoding;
	long submit_uid; /* -1: none */
	char *trace_header;
	char *log_origin;
	int attr_count;

	/* Recipients. */
	int rcpt_count;
	int qmgr_opts;
	struct dup_ent *dups[DUP_BUCKETS];
	long dup_count;
	char *first_rcpt;

	/* Content. */
	long data_offset;
	long xtra_offset;
	int in_headers;
	int line_cont;	 /* inside a logical line (after L) */
	int first_line;	 /* next text is the client's first */
	int prepended;	 /* we wrote a trace header */
	struct vbuf hdr; /* pending header */
	int hdr_pending;
	unsigned long headers_seen;
	int resent;
	int hop_count;
	struct vbuf tmp;
	struct vbuf rec; /* NUL-terminated copy of the input */
};

/* fail - remember the first error */

static void __attribute__((format(printf, 3, 4)))
fail(struct cleanup_state *st, int status, const char *fmt, ...)
{
	va_list ap;

	if (st->status != 0)
		return;
	st->status = status;
	vbuf_reset(&st->reason);
	va_start(ap, fmt);
	vbuf_vprintf(&st->reason, fmt, ap);
	va_end(ap);
	if (status == EX_TEMPFAIL)
		msg_warn("%s: %s", st->queue_id, st->reason.data);
	else
		msg_warn("%s: message rejected: %s%s%s", st->queue_id,
		    st->reason.data, st->log_origin ? " from " : "",
		    st->log_origin ? st->log_origin : "");
}

/* out - write one record, check the size limit */

static void
out(struct cleanup_state *st, int type, const void *data, size_t len)
{
	size_t n;

	if (st->status != 0)
		return;
	if (rec_put(st->fp, type, data, len) == REC_ERR) {
		fail(st, EX_TEMPFAIL, "queue file write error: %s",
		    strerror(errno));
		return;
	}
	for (n = len, st->offset += 2; n >= 0x80; n >>= 7)
		st->offset++;
	st->offset += len;
	if (st->cfg->message_size_limit > 0 &&
	    st->offset > st->cfg->message_size_limit)
		fail(st, EX_DATAERR, "message file too big");
}

/* out_str - write a string record */

static void
out_str(struct cleanup_state *st, int type, const char *s)
{
	out(st, type, s, strlen(s));
}

/* out_fmt - write a formatted record */

static void __attribute__((format(printf, 3, 4)))
out_fmt(struct cleanup_state *st, int type, const char *fmt, ...)
{
	va_list ap;

	vbuf_reset(&st->tmp);
	va_start(ap, fmt);
	vbuf_vprintf(&st->tmp, fmt, ap);
	va_end(ap);
	out(st, type, st->tmp.data, st->tmp.len);
}

/* out_text - write text, split at line_length_limit */

static void
out_text(struct cleanup_state *st, int type, const char *data, size_t len)
{
	size_t limit = st->cfg->line_length_limit > 0
	    ? (size_t)st->cfg->line_length_limit
	    : 2048;

	while (len > limit) {
		out(st, REC_TYPE_CONT, data, limit);
		data += limit;
		len -= limit;
	}
	out(st, type, data, len);
}

/* out_lines - write text with embedded newlines as N records */

static void
out_lines(struct cleanup_state *st, const char *text, size_t len)
{
	const char *nl;

	for (;;) {
		nl = memchr(text, '\n', len);
		if (nl == 0) {
			out_text(st, REC_TYPE_NORM, text, len);
			return;
		}
		out_text(st, REC_TYPE_NORM, text, nl - text);
		len -= nl + 1 - text;
		text = nl + 1;
	}
}

/* cleanup_state_create - start a queue file */

struct cleanup_state *
cleanup_state_create(FILE *fp, const char *queue_id, time_t now,
    const struct cleanup_config *cfg)
{
	struct cleanup_state *st = mem_calloc(1, sizeof(*st));
	static const long zero[6];
	char size[96];

	st->fp = fp;
	st->queue_id = mem_strdup(queue_id);
	st->now = now;
	st->cfg = cfg;
	st->seg = SEG_ENVELOPE;
	st->hdr_rewrite = 1;
	st->submit_uid = -1;
	rec_size_format(size, zero);
	out(st, REC_TYPE_SIZE, size, REC_SIZE_LEN);
	return (st);
}

/* split_attr - "name=value" into name and value (in place) */

static const char *
split_attr(char *buf, char **name, char **value)
{
	char *eq = strchr(buf, '=');

	if (eq == 0)
		return ("missing '=' after attribute name");
	if (eq == buf)
		return ("missing attribute name");
	*eq = 0;
	*name = buf;
	*value = eq + 1;
	return (0);
}

/* map_attr - Postfix's rec_attr_map(): pseudo record type or 0 */

static int
map_attr(const char *name)
{
	if (strcmp(name, "create_time") == 0)
		return (REC_TYPE_CTIME);
	if (strcmp(name, "dsn_orig_rcpt") == 0)
		return ('o');
	if (strcmp(name, "notify_flags") == 0)
		return ('n');
	if (strcmp(name, "envelope_id") == 0)
		return ('i');
	if (strcmp(name, "ret_flags") == 0)
		return ('<');
	return (0);
}

/* all_digits - non-empty decimal number */

static int
all_digits(const char *s)
{
	if (*s == 0)
		return (0);
	return (s[strspn(s, "0123456789")] == 0);
}

/* all_print - printable ASCII only */

static int
all_print(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 32 || (unsigned char)*s > 126)
			return (0);
	return (1);
}

/* dup_seen - Postfix's been_here(): 1 if key was seen, else remember it */

static int
dup_seen(struct cleanup_state *st, const char *key)
{
	unsigned long h = 5381;
	const unsigned char *cp;
	struct dup_ent *e;

	for (cp = (const unsigned char *)key; *cp; cp++)
		h = h * 33 + *cp;
	h %= DUP_BUCKETS;
	for (e = st->dups[h]; e; e = e->next)
		if (strcmp(e->key, key) == 0)
			return (1);
	if (st->cfg->duplicate_filter_limit > 0 &&
	    st->dup_count >= st->cfg->duplicate_filter_limit)
		return (0);
	e = mem_alloc(sizeof(*e));
	e->key = mem_strdup(key);
	e->next = st->dups[h];
	st->dups[h] = e;
	st->dup_count++;
	return (0);
}

/* reset_pending - forget per-recipient attributes */

static void
reset_pending(struct cleanup_state *st)
{
	st->orig_rcpt = mem_free(st->orig_rcpt);
	st->dsn_orcpt = mem_free(st->dsn_orcpt);
	st->dsn_notify = 0;
}

/* rewrite - canonical mapping and masquerading of one address (a copy) */

static char *
rewrite(struct cleanup_state *st, int class, const char *addr)
{
	struct vbuf out = VBUF_INIT, why = VBUF_INIT;

	if (!cleanup_rewrite_active(st->cfg, class))
		return (mem_strdup(addr));
	if (cleanup_rewrite_addr(st->cfg, class, addr, &out, &why) < 0) {
		msg_warn("%s: %s", st->queue_id, vbuf_str(&why));
		fail(st, EX_TEMPFAIL, "%s", vbuf_str(&why));
	}
	vbuf_free(&why);
	return (vbuf_export(&out));
}

/* rewrite_hdr - the same for the addresses in the pending header */

static void
rewrite_hdr(struct cleanup_state *st, const struct header_def *hp)
{
	struct vbuf out = VBUF_INIT, why = VBUF_INIT;
	int class = 0;

	if (hp->flags & HEADER_SENDER)
		class = CLEANUP_CANON_HDR_FROM;
	else if (hp->flags & HEADER_RECIP)
		class = CLEANUP_CANON_HDR_RCPT;
	if (class == 0 || !st->hdr_rewrite ||
	    !cleanup_rewrite_active(st->cfg, class))
		return;
	if (cleanup_rewrite_hdr(st->cfg, class, st->hdr.data, st->hdr.len, &out,
		&why) < 0) {
		msg_warn("%s: %s", st->queue_id, vbuf_str(&why));
		fail(st, EX_TEMPFAIL, "%s", vbuf_str(&why));
	} else if (out.len > 0) {
		vbuf_set(&st->hdr, vbuf_str(&out));
	}
	vbuf_free(&out);
	vbuf_free(&why);
}

/* recipient - write one recipient with its DSN and original address */

static void
recipient(struct cleanup_state *st, const char *rcpt)
{
	struct vbuf addr = VBUF_INIT;
	struct vbuf orcpt = VBUF_INIT;
	struct vbuf key = VBUF_INIT;
	const char *orig = st->orig_rcpt ? st->orig_rcpt : rcpt;
	const char *origin =
	    st->cfg->append_at_myorigin ? st->cfg->myorigin : 0;

	addr_qualify(&addr, *rcpt ? rcpt : "MAILER-DAEMON", origin);
	if (cleanup_rewrite_active(st->cfg, CLEANUP_CANON_ENV_RCPT)) {
		char *rewritten =
		    rewrite(st, CLEANUP_CANON_ENV_RCPT, vbuf_str(&addr));

		vbuf_set(&addr, rewritten);
		mem_free(rewritten);
	}
	if (st->dsn_orcpt)
		vbuf_puts(&orcpt, st->dsn_orcpt);
	else
		vbuf_printf(&orcpt, "rfc822;%s", orig);
	vbuf_printf(&key, "%s\n%d\n%s\n%s", orcpt.data, st->dsn_notify, orig,
	    addr.data);
	if (!dup_seen(st, key.data)) {
		if (st->dsn_notify)
			out_fmt(st, REC_TYPE_ATTR, "notify_flags=%d",
			    st->dsn_notify);
		out_fmt(st, REC_TYPE_ATTR, "dsn_orig_rcpt=%s", orcpt.data);
		out_str(st, REC_TYPE_ORCP, orig);
		out_str(st, REC_TYPE_RCPT, addr.data);
		st->rcpt_count++;
		if (st->first_rcpt == 0)
			st->first_rcpt = mem_strdup(addr.data);
	}
	vbuf_free(&addr);
	vbuf_free(&orcpt);
	vbuf_free(&key);
	reset_pending(st);
}

/* notify_ok - valid DSN NOTIFY mask */

static int
notify_ok(int mask)
{
	if (mask <= 0 || (mask & ~(DSN_NOTIFY_NEVER | DSN_NOTIFY_ANY)) != 0)
		return (0);
	return (mask == DSN_NOTIFY_NEVER || (mask & DSN_NOTIFY_NEVER) == 0);
}

/*
 * set_pending - a pending per-recipient text record; one still pending from
 * before is out of order: warn and replace it.
 */

static void
set_pending(struct cleanup_state *st, char **slot, const char *what,
    const char *data)
{
	if (*slot) {
		msg_warn("%s: ignoring out-of-order %s record <%.200s>",
		    st->queue_id, what, *slot);
		mem_free(*slot);
	}
	*slot = mem_strdup(data);
}

/* rcpt_attr - pending per-recipient records, common to both envelopes */

static int
rcpt_attr(struct cleanup_state *st, int type, const char *data)
{
	int n;

	switch (type) {
	case REC_TYPE_DONE:
	case REC_TYPE_DRCP:
		reset_pending(st);
		return (1);
	case 'o':
		set_pending(st, &st->dsn_orcpt, "DSN original recipient", data);
		return (1);
	case 'n':
		if (st->dsn_notify) {
			msg_warn("%s: ignoring out-of-order DSN notify record "
				 "<%d>",
			    st->queue_id, st->dsn_notify);
			st->dsn_notify = 0;
		}
		if (!all_digits(data) || strlen(data) > 4 ||
		    !notify_ok(n = atoi(data))) {
			msg_warn("%s: ignoring malformed DSN notify record "
				 "<%.200s>",
			    st->queue_id, data);
		} else {
			st->dsn_notify = n;
			st->qmgr_opts |= n << 1;
		}
		return (1);
	case REC_TYPE_ORCP:
		set_pending(st, &st->orig_rcpt, "original recipient", data);
		return (1);
	}
	return (0);
}

/* header_seen - was a header of this type seen */

static int
header_seen(struct cleanup_state *st, enum header_type type)
{
	return ((st->headers_seen & (1UL << type)) != 0);
}

/* log_text - copy text for a log line, control characters masked */

static const char *
log_text(struct cleanup_state *st, const char *text, size_t len)
{
	size_t i;

	vbuf_reset(&st->tmp);
	for (i = 0; i < len && i < 1000; i++)
		vbuf_putc(&st->tmp,
		    (unsigned char)text[i] < 32 || (unsigned char)text[i] == 127
			? '?'
			: text[i]);
	return (st->tmp.data ? st->tmp.data : "");
}

/* flush_header - process and write the pending header */

static void
flush_header(struct cleanup_state *st)
{
	const struct header_def *hp;
	const char *value;
	const char *end;
	size_t name_len;

	if (!st->hdr_pending)
		return;
	st->hdr_pending = 0;
	name_len = addr_is_header(st->hdr.data, st->hdr.len);
	hp = name_len ? header_find(st->hdr.data, name_len) : 0;
	if (hp) {
		value = memchr(st->hdr.data, ':', st->hdr.len) + 1;
		end = st->hdr.data + st->hdr.len;
		while (value < end &&
		    (*value == ' ' || *value == '\t' || *value == '\n'))
			value++;
		while (end > value &&
		    (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n'))
			end--;
		st->headers_seen |= 1UL << hp->type;
		if (hp->type == HEADER_MESSAGE_ID)
			msg_info("%s: message-id=%s", st->queue_id,
			    log_text(st, value, end - value));
		else if (hp->type == HEADER_RESENT_MESSAGE_ID)
			msg_info("%s: resent-message-id=%s", st->queue_id,
			    log_text(st, value, end - value));
		if (hp->type == HEADER_RECEIVED &&
		    ++st->hop_count >= st->cfg->hopcount_limit &&
		    st->cfg->hopcount_limit > 0)
			fail(st, EX_DATAERR, "too many hops");
		if (hp->flags & HEADER_RR)
			st->resent = 1;
		if (hp->type == HEADER_CONTENT_TRANSFER_ENCODING &&
		    ((end - value == 4 && strncasecmp(value, "8bit", 4) == 0) ||
			(end - value == 6 &&
			    strncasecmp(value, "binary", 6) == 0))) {
			mem_free(st->encoding);
			st->encoding = mem_strdup("8bit");
		}
		if (hp->flags & HEADER_DROP) {
			vbuf_reset(&st->hdr);
			return;
		}
		rewrite_hdr(st, hp);
	}
	out_lines(st, st->hdr.data, st->hdr.len);
	vbuf_reset(&st->hdr);
}

/* header_append - add text to the pending header, bounded */

static void
header_append(struct cleanup_state *st, const char *data, size_t len)
{
	size_t limit = st->cfg->header_size_limit > 0
	    ? (size_t)st->cfg->header_size_limit
	    : 102400;

	if (st->hdr.len >= limit)
		return;
	if (len > limit - st->hdr.len)
		len = limit - st->hdr.len;
	vbuf_append(&st->hdr, data, len);
}

/* header_done - end of the primary headers: add what is missing */

static void
header_done(struct cleanup_state *st)
{
	const char *resent = st->resent ? "Resent-" : "";
	struct vbuf buf = VBUF_INIT;
	char stamp[32];
	struct tm tm;

	flush_header(st);
	st->in_headers = 0;
	if (st->hdr_rewrite &&
	    !header_seen(st,
		st->resent ? HEADER_RESENT_MESSAGE_ID : HEADER_MESSAGE_ID)) {
		if (st->cfg->long_queue_ids) {
			vbuf_printf(&buf, "%s@%s", st->queue_id,
			    st->cfg->myhostname);
		} else {
			gmtime_r(&st->now, &tm);
			strftime(stamp, sizeof(stamp), "%Y%m%d%H%M%S", &tm);
			vbuf_printf(&buf, "%s.%s@%s", stamp, st->queue_id,
			    st->cfg->myhostname);
		}
		out_fmt(st, REC_TYPE_NORM, "%sMessage-Id: <%s>", resent,
		    buf.data);
		msg_info("%s: %smessage-id=<%s>", st->queue_id,
		    st->resent ? "resent-" : "", buf.data);
		st->headers_seen |= 1UL
		    << (st->resent ? HEADER_RESENT_MESSAGE_ID
				   : HEADER_MESSAGE_ID);
	}
	if (!header_seen(st, HEADER_MESSAGE_ID))
		msg_info("%s: message-id=<>", st->queue_id);
	if (st->hdr_rewrite &&
	    !header_seen(st, st->resent ? HEADER_RESENT_DATE : HEADER_DATE)) {
		vbuf_reset(&buf);
		header_date(&buf, (time_t)st->arrival);
		out_fmt(st, REC_TYPE_NORM, "%sDate: %s", resent, buf.data);
	}
	if (st->hdr_rewrite &&
	    !header_seen(st, st->resent ? HEADER_RESENT_FROM : HEADER_FROM)) {
		vbuf_reset(&buf);
		vbuf_printf(&buf, "%sFrom: ", resent);
		if (st->sender && *st->sender && st->fullname &&
		    *st->fullname) {
			size_t before = buf.len;

			addr_phrase(&buf, st->fullname);
			if (buf.len > before)
				vbuf_putc(&buf, ' ');
			vbuf_putc(&buf, '<');
			addr_quote_local(&buf, st->sender);
			vbuf_putc(&buf, '>');
		} else {
			addr_quote_local(&buf,
			    st->sender && *st->sender ? st->sender
						      : "MAILER-DAEMON");
		}
		out_lines(st, buf.data, buf.len);
	}
	vbuf_free(&buf);
}

/* start_content - 'M': write it and the trace headers */

static void
start_content(struct cleanup_state *st)
{
	struct vbuf date = VBUF_INIT;
	const char *cp;
	const char *hit;
	size_t mlen = strlen(CLEANUP_QUEUE_ID_MACRO);

	out(st, REC_TYPE_MESG, "", 0);
	st->data_offset = st->offset;
	st->seg = SEG_CONTENT;
	st->in_headers = 1;
	st->first_line = 1;
	if (st->trace_header) {
		vbuf_reset(&st->hdr);
		for (cp = st->trace_header;
		     (hit = strstr(cp, CLEANUP_QUEUE_ID_MACRO));
		     cp = hit + mlen) {
			vbuf_append(&st->hdr, cp, hit - cp);
			vbuf_puts(&st->hdr, st->queue_id);
		}
		vbuf_puts(&st->hdr, cp);
		st->hdr_pending = 1;
		st->prepended = 1;
		flush_header(st);
	}
	if (st->submit_uid >= 0) {
		header_date(&date, (time_t)st->arrival);
		vbuf_reset(&st->hdr);
		vbuf_printf(&st->hdr,
		    "Received: by %s (%s, from userid %ld)\n"
		    "\tid %s; %s",
		    st->cfg->myhostname, st->cfg->mail_name, st->submit_uid,
		    st->queue_id, date.data);
		st->hdr_pending = 1;
		st->prepended = 1;
		flush_header(st);
		vbuf_free(&date);
	}
}

/* envelope_attr - an 'A' record in the initial envelope */

static void
envelope_attr(struct cleanup_state *st, const char *buf, size_t len,
    const char *name, const char *value)
{
	if (strcmp(name, CLEANUP_ATTR_SUBMIT_UID) == 0) {
		if (!all_digits(value) || strlen(value) > 10)
			fail(st, EX_DATAERR, "bad %s attribute", name);
		else
			st->submit_uid = atol(value);
		return;
	}
	if (strcmp(name, CLEANUP_ATTR_TRACE_HEADER) == 0) {
		if (addr_is_header(value, strlen(value)) == 0)
			fail(st, EX_DATAERR, "bad %s attribute", name);
		else {
			mem_free(st->trace_header);
			st->trace_header = mem_strdup(value);
		}
		return;
	}
	if (strcmp(name, CLEANUP_ATTR_LOG_ORIGIN) == 0) {
		mem_free(st->log_origin);
		st->log_origin = mem_strdup(log_text(st, value, strlen(value)));
		return;
	}
	if (++st->attr_count > st->cfg->attr_count_limit &&
	    st->cfg->attr_count_limit > 0) {
		fail(st, EX_DATAERR, "attribute count exceeds limit %ld",
		    st->cfg->attr_count_limit);
		return;
	}
	if (strcmp(name, "rewrite_context") == 0) {
		if (strcmp(value, "local") == 0) {
			st->hdr_rewrite = 1;
		} else if (strcmp(value, "remote") == 0) {
			st->hdr_rewrite =
			    0; /* remote_header_rewrite_domain empty */
		} else {
			fail(st, EX_DATAERR, "bad rewriting context: %.100s",
			    value);
			return;
		}
	}
	if (strcmp(name, "encoding") == 0) {
		if (strcmp(value, "7bit") != 0 && strcmp(value, "8bit") != 0) {
			msg_warn("%s: ignoring bad encoding: %.100s",
			    st->queue_id, value);
			return;
		}
		mem_free(st->encoding);
		st->encoding = mem_strdup(value);
	}
	out(st, REC_TYPE_ATTR, buf, len);
}

/* attr_record - split an A record; map pseudo types (create_time...).
 * Returns -1 when the record is to be dropped (malformed: the state has
 * failed; empty value: warned). *copy is the caller's to free. */

static int
attr_record(struct cleanup_state *st, const char *buf, size_t len, char **copy,
    char **name, char **value, int *mapped, const char **data)
{
	const char *err;

	*copy = mem_strndup(buf, len);
	if ((err = split_attr(*copy, name, value)) != 0) {
		fail(st, EX_DATAERR, "malformed attribute: %s: %.100s", err,
		    *copy);
		return (-1);
	}
	if (**value == 0) {
		msg_warn("%s: spurious null attribute value for \"%s\" -- "
			 "ignored",
		    st->queue_id, *name);
		return (-1);
	}
	if ((*mapped = map_attr(*name)) != 0)
		*data = *value;
	else
		*mapped = REC_TYPE_ATTR;
	return (0);
}

/* envelope_time - the arrival time ('T'), once */

static void
envelope_time(struct cleanup_state *st, int type, const char *buf, size_t len)
{
	long sec;
	char *end;

	if (st->have_time)
		return;
	errno = 0;
	sec = strtol(buf, &end, 10);
	if (len == 0 || end == buf || errno != 0 || sec < 0 ||
	    (*end != 0 && (*end != ' ' || !all_digits(end + 1)))) {
		fail(st, EX_DATAERR, "bad time envelope record");
		return;
	}
	st->have_time = 1;
	st->arrival = sec;
	out(st, type, buf, len);
	out_fmt(st, REC_TYPE_ATTR, "create_time=%ld", (long)st->now);
}

/* envelope_other - an envelope record that is no recipient record */

static void
envelope_other(struct cleanup_state *st, int type, int mapped, const char *buf,
    size_t len, const char *data, const char *name, const char *value)
{
	if (st->inrcpt)
		st->qmgr_opts |= QMGR_FLAG_MIXED;
	switch (mapped) {
	case REC_TYPE_SIZE:
	case REC_TYPE_CTIME:
		break; /* we write our own */
	case REC_TYPE_TIME:
		envelope_time(st, type, buf, len);
		break;
	case REC_TYPE_FULL:
		if (!st->have_fullname) {
			st->have_fullname = 1;
			st->fullname = mem_strndup(buf, len);
			out(st, type, buf, len);
		}
		break;
	case REC_TYPE_FROM:
		if (st->sender) {
			fail(st, EX_DATAERR,
			    "multiple envelope sender records");
			break;
		}
		vbuf_reset(&st->tmp);
		addr_qualify(&st->tmp, buf,
		    st->cfg->append_at_myorigin ? st->cfg->myorigin : 0);
		st->sender = rewrite(st, CLEANUP_CANON_ENV_FROM,
		    st->tmp.data ? st->tmp.data : "");
		out_str(st, REC_TYPE_FROM, st->sender);
		break;
	case 'i':
		if (st->have_envid++ || !all_print(data) ||
		    strlen(data) > 100) {
			fail(st, EX_DATAERR,
			    "bad or multiple DSN envelope ID records");
			break;
		}
		out(st, type, buf, len);
		break;
	case '<':
		if (st->have_ret++ || !all_digits(data) || strlen(data) > 2 ||
		    (atoi(data) != 1 && atoi(data) != 2)) {
			fail(st, EX_DATAERR, "bad or multiple DSN RET records");
			break;
		}
		out(st, type, buf, len);
		break;
	case REC_TYPE_WARN:
		if (!st->warn_seen) {
			st->warn_seen = 1;
			out(st, type, buf, len);
		}
		break;
	case REC_TYPE_VERP:
		if (st->sender == 0 || *st->sender == 0)
			msg_warn("%s: ignoring VERP request for null sender",
			    st->queue_id);
		else
			out(st, type, buf, len);
		break;
	case REC_TYPE_ATTR:
		envelope_attr(st, buf, len, name, value);
		break;
	default:
		out(st, type, buf, len);
		break;
	}
}

/* envelope - one record of the initial envelope */

static void
envelope(struct cleanup_state *st, int type, const char *buf, size_t len)
{
	char *copy = 0;
	char *name = 0;
	char *value = 0;
	const char *data = buf;
	int mapped = type;

	if (type == REC_TYPE_ATTR) {
		if (attr_record(st, buf, len, &copy, &name, &value, &mapped,
			&data) < 0)
			goto done;
	}
	/* strchr() finds the terminator: record type 0 is no valid type. */
	if (mapped == 0 || strchr(REC_ENVELOPE_TYPES, mapped) == 0) {
		fail(st, EX_DATAERR, "unexpected record type %d in envelope",
		    type);
		goto done;
	}

	/*
	 * The transition to recipient records: the sender and arrival time
	 * must be known by now.
	 */
	if (!st->inrcpt && strchr("RDO/on", mapped) != 0) {
		if (st->sender == 0) {
			fail(st, EX_DATAERR, "missing sender envelope record");
			goto done;
		}
		if (!st->have_time) {
			fail(st, EX_DATAERR, "missing time envelope record");
			goto done;
		}
		if (!st->warn_seen && *st->sender &&
		    st->cfg->delay_warning_time > 0)
			out_fmt(st, REC_TYPE_WARN, "%15ld",
			    st->arrival + st->cfg->delay_warning_time);
		st->inrcpt = 1;
	}
	if (mapped == REC_TYPE_RCPT) {
		recipient(st, data);
		goto done;
	}
	if (rcpt_attr(st, mapped, data))
		goto done;
	if (mapped == REC_TYPE_MESG) {
		if (!st->have_time || st->sender == 0) {
			fail(st, EX_DATAERR, "missing %s envelope record",
			    st->have_time ? "sender" : "time");
			goto done;
		}
		st->inrcpt = 0;
		start_content(st);
		goto done;
	}

	envelope_other(st, type, mapped, buf, len, data, name, value);
done:
	mem_free(copy);
}

/* content - one record of the message content */

static void content_record(struct cleanup_state *, int, const char *, size_t);

static void
content(struct cleanup_state *st, int type, const char *buf, size_t len)
{
	char *copy;

	/*
	 * Postfix 3.9's cleanup_replace_stray_cr_lf: a CR or LF inside a
	 * content line becomes a space, so that no downstream server can be
	 * made to see an end of DATA that this one did not.
	 */
	if (st->cfg->replace_stray_cr_lf &&
	    (type == REC_TYPE_NORM || type == REC_TYPE_CONT) &&
	    (memchr(buf, '\r', len) || memchr(buf, '\n', len))) {
		copy = mem_alloc(len ? len : 1);
		memcpy(copy, buf, len);
		for (size_t i = 0; i < len; i++)
			if (copy[i] == '\r' || copy[i] == '\n')
				copy[i] = ' ';
		content_record(st, type, copy, len);
		mem_free(copy);
		return;
	}
	content_record(st, type, buf, len);
}

static void
content_record(struct cleanup_state *st, int type, const char *buf, size_t len)
{
	int cont = (len > 0 && (buf[0] == ' ' || buf[0] == '\t'));

	if (type == REC_TYPE_DTXT)
		return;
	if (type == REC_TYPE_XTRA) {
		if (st->in_headers)
			header_done(st);
		st->xtra_offset = st->offset;
		out(st, REC_TYPE_XTRA, "", 0);
		st->seg = SEG_EXTRACTED;
		return;
	}
	if (type != REC_TYPE_NORM && type != REC_TYPE_CONT) {
		fail(st, EX_DATAERR,
		    "unexpected record type %d in message content", type);
		return;
	}
	if (!st->in_headers) {
		out_text(st, type, buf, len);
		return;
	}
	if (!st->line_cont) {
		if (cont && st->hdr_pending) {
			header_append(st, "\n", 1);
		} else if (!cont && addr_is_header(buf, len) > 0) {
			flush_header(st);
			st->hdr_pending = 1;
		} else {
			/* The first line that is no header ends the headers. */
			header_done(st);
			if (cont && st->first_line && st->prepended)
				out(st, REC_TYPE_NORM, "", 0);
			st->first_line = 0;
			out_text(st, type, buf, len);
			return;
		}
		st->first_line = 0;
	}
	header_append(st, buf, len);
	st->line_cont = (type == REC_TYPE_CONT);
}

/* extracted - one record of the extracted envelope */

static void
extracted(struct cleanup_state *st, int type, const char *buf, size_t len)
{
	char *copy = 0;
	char *name;
	char *value;
	const char *data = buf;
	int mapped = type;

	if (type == REC_TYPE_ATTR) {
		if (attr_record(st, buf, len, &copy, &name, &value, &mapped,
			&data) < 0)
			goto done;
		if (strcmp(name, "encoding") == 0) {
			/* Already written when the extracted recipients start.
			 */
			mem_free(st->encoding);
			st->encoding = mem_strdup(value);
			goto done;
		}
	}
	if (mapped == 0 || strchr(REC_EXTRACT_TYPES, mapped) == 0) {
		fail(st, EX_DATAERR,
		    "unexpected record type %d in extracted envelope", type);
		goto done;
	}
	if (!st->inrcpt && strchr("EDRO/on", mapped) != 0) {
		if (st->encoding)
			out_fmt(st, REC_TYPE_ATTR, "encoding=%s", st->encoding);
		st->inrcpt = 1;
	}
	if (mapped == REC_TYPE_RCPT) {
		if (st->sender == 0) {
			fail(st, EX_DATAERR,
			    "envelope recipient precedes sender");
			goto done;
		}
		recipient(st, data);
		goto done;
	}
	if (rcpt_attr(st, mapped, data))
		goto done;
	if (mapped == REC_TYPE_END) {
		if (st->rcpt_count == 0) {
			fail(st, EX_DATAERR, "no recipients specified");
			goto done;
		}
		out(st, REC_TYPE_END, "", 0);
		st->seg = SEG_DONE;
		goto done;
	}
	if (st->inrcpt)
		st->qmgr_opts |= QMGR_FLAG_MIXED;
	out(st, type, buf, len);
done:
	mem_free(copy);
}

/* bad_bytes - CR, LF or NUL inside an envelope record */

static int
bad_bytes(int type, const char *data, size_t len)
{
	size_t n = strlen(CLEANUP_ATTR_TRACE_HEADER);

	if (type == REC_TYPE_ATTR && len > n && data[n] == '=' &&
	    strncmp(data, CLEANUP_ATTR_TRACE_HEADER, n) == 0)
		return (memchr(data, '\r', len) || memchr(data, 0, len));
	return (memchr(data, '\r', len) || memchr(data, '\n', len) ||
	    memchr(data, 0, len));
}

/* cleanup_state_record - process one client record */

int
cleanup_state_record(struct cleanup_state *st, int type, const char *data,
    size_t len)
{
	if (st->status != 0)
		return (st->status);
	vbuf_reset(&st->rec);
	vbuf_append(&st->rec, data, len);
	data = st->rec.data ? st->rec.data : "";
	if (st->seg != SEG_CONTENT && bad_bytes(type, data, len)) {
		fail(st, EX_DATAERR, "CR, LF or NUL in record type %d", type);
		return (st->status);
	}
	switch (st->seg) {
	case SEG_ENVELOPE:
		envelope(st, type, data, len);
		break;
	case SEG_CONTENT:
		content(st, type, data, len);
		break;
	case SEG_EXTRACTED:
		extracted(st, type, data, len);
		break;
	case SEG_DONE:
		fail(st, EX_DATAERR, "record after end of message");
		break;
	}
	return (st->status);
}

/* cleanup_state_done - 'E' was processed */

int
cleanup_state_done(const struct cleanup_state *st)
{
	return (st->seg == SEG_DONE);
}

/* cleanup_state_in_content - the 'M' record was processed */

int
cleanup_state_in_content(const struct cleanup_state *st)
{
	return (st->seg != SEG_ENVELOPE);
}

/* cleanup_state_finish - rewrite the C record, flush */

int
cleanup_state_finish(struct cleanup_state *st)
{
	long fields[6];
	char size[96];
	off_t end = 0;

	if (st->status != 0)
		return (st->status);
	if (st->seg != SEG_DONE) {
		fail(st, EX_DATAERR, "premature end of message");
		return (st->status);
	}
	fields[0] = st->xtra_offset - st->data_offset;
	fields[1] = st->data_offset;
	fields[2] = st->rcpt_count;
	fields[3] = st->qmgr_opts;
	fields[4] = fields[0];
	fields[5] = 0;
	rec_size_format(size, fields);
	if (fflush(st->fp) != 0 || (end = ftello(st->fp)) < 0 ||
	    fseek(st->fp, 0L, SEEK_SET) != 0 ||
	    rec_put(st->fp, REC_TYPE_SIZE, size, REC_SIZE_LEN) == REC_ERR ||
	    fflush(st->fp) != 0 ||
	    (st->reused && ftruncate(fileno(st->fp), end) < 0))
		fail(st, EX_TEMPFAIL, "queue file write error: %s",
		    strerror(errno));
	return (st->status);
}

/* cleanup_state_reused - the file is a reused one: cut it at our end */

void
cleanup_state_reused(struct cleanup_state *st)
{
	st->reused = 1;
}

/* cleanup_state_status - first error or 0 */

int
cleanup_state_status(const struct cleanup_state *st)
{
	return (st->status);
}

/* cleanup_state_reason - error text */

const char *
cleanup_state_reason(const struct cleanup_state *st)
{
	return (st->reason.data ? st->reason.data : "");
}

/* cleanup_state_sender - rewritten sender or NULL */

const char *
cleanup_state_sender(const struct cleanup_state *st)
{
	return (st->sender);
}

/* cleanup_state_rcpt_count - recipients written */

int
cleanup_state_rcpt_count(const struct cleanup_state *st)
{
	return (st->rcpt_count);
}

/* cleanup_state_free - release */

struct cleanup_state *
cleanup_state_free(struct cleanup_state *st)
{
	struct dup_ent *e;
	struct dup_ent *next;
	int i;

	if (st == 0)
		return (0);
	for (i = 0; i < DUP_BUCKETS; i++)
		for (e = st->dups[i]; e; e = next) {
			next = e->next;
			mem_free(e->key);
			mem_free(e);
		}
	reset_pending(st);
	mem_free(st->queue_id);
	mem_free(st->sender);
	mem_free(st->fullname);
	mem_free(st->encoding);
	mem_free(st->trace_header);
	mem_free(st->log_origin);
	mem_free(st->first_rcpt);
	vbuf_free(&st->reason);
	vbuf_free(&st->hdr);
	vbuf_free(&st->tmp);
	vbuf_free(&st->rec);
	mem_free(st);
	return (0);
}
