/*
 * NAME
 *	qmgr_envelope - read a queue file's envelope, one slice of recipients
 * SYNOPSIS
 *	#include "qmgr.h"
 *
 *	int  qmgr_envelope_read(FILE *fp, struct qmgr_envelope *env,
 *			size_t limit, struct vbuf *why);
 *	int  qmgr_envelope_more(FILE *fp, struct qmgr_envelope *env,
 *			size_t limit, struct vbuf *why);
 *	void qmgr_envelope_free_rcpts(struct qmgr_envelope *env);
 *	void qmgr_envelope_free(struct qmgr_envelope *env);
 * DESCRIPTION
 *	qmgr_envelope_read() reads a whole queue file from offset 0: the C
 *	size record (first; at least three fields, content size and data
 *	offset > 0, no unknown flag bits), T, A create_time, S, W (its time
 *	and the offset of the first W record), and the
 *	recipients (O, A dsn_orig_rcpt, A notify_flags, R) of the envelope
 *	segment and of the extracted segment, which it finds by seeking to
 *	data offset + content size after M (the record there must be X).
 *	D (done) and / (canceled) recipients are skipped. 'p' records are
 *	followed (at most QMGR_JUMP_MAX per read) and 'w' padding skipped
 *	here rather than in rec_get(), so that each recipient keeps the
 *	offset of its own R record. Record types foreign to their segment,
 *	a missing T, S, M, X or E, or a malformed record make the file
 *	corrupt. At most limit recipients (0 = no limit) are kept in
 *	env->rcpt; where the first one left over starts (its O/A records,
 *	else its R) is saved in env->resume_offset (0 when all fit). env
 *	must be zeroed first.
 *	Returns 0, or -1 with why.
 *
 *	qmgr_envelope_more() replaces env->rcpt with the next slice of at
 *	most limit recipients, starting at env->resume_offset (which it
 *	updates). Returns 0, or -1 with why.
 *
 *	qmgr_envelope_free_rcpts() releases the recipients in core;
 *	qmgr_envelope_free() everything (env is then zeroed).
 * DIAGNOSTICS
 *	Fatal: out of memory. Everything else is returned in why.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "mem.h"
#include "msg.h"
#include "qfile.h"
#include "qmgr.h"

struct qmgr_env_state {
	int extracted; /* reading the extracted segment */
	int saw_c, saw_t, saw_s, saw_m, saw_x, saw_e;
	char *orig;	  /* pending O */
	char *dsn_orig;	  /* pending A dsn_orig_rcpt */
	int notify;	  /* pending A notify_flags */
	long group_start; /* offset of the first pending record */
	long jumps;
};

static void
qmgr_env_pending_reset(struct qmgr_env_state *st)
{
	st->orig = mem_free(st->orig);
	st->dsn_orig = mem_free(st->dsn_orig);
	st->notify = 0;
	st->group_start = -1;
}

static int
qmgr_env_number(const char *s, long *out)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return (-1);
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || (*end != 0 && *end != ' '))
		return (-1);
	*out = v;
	return (0);
}

static void
qmgr_env_add_rcpt(struct qmgr_envelope *env, struct qmgr_env_state *st,
    long offset, const char *addr)
{
	struct qmgr_rcpt *r;

	if (env->rcpt_count == env->rcpt_cap) {
		env->rcpt_cap = env->rcpt_cap ? env->rcpt_cap * 2 : 8;
		env->rcpt =
		    mem_realloc(env->rcpt, env->rcpt_cap * sizeof(*env->rcpt));
	}
	r = env->rcpt + env->rcpt_count++;
	r->offset = offset;
	r->address = mem_strdup(addr);
	r->orig_rcpt = st->orig ? st->orig : mem_strdup("");
	r->dsn_orig_rcpt = st->dsn_orig ? st->dsn_orig : mem_strdup("");
	r->notify_flags = st->notify;
	st->orig = st->dsn_orig = 0;
	st->notify = 0;
	st->group_start = -1;
}

/*
 * One read of the record loop: what the per-record steps share. full:
 * the first read (validate everything, keep going after the slice is
 * full); else a later slice (stop at the first recipient that does not
 * fit). Each step returns QE_NEXT, QE_DONE (stop, success) or QE_FAIL
 * (stop, why set).
 */
struct qmgr_env_read {
	FILE *fp;
	struct qmgr_envelope *env;
	size_t limit;
	int full;
	struct qmgr_env_state *st;
	struct vbuf *why;
	struct vbuf buf; /* the current record */
	long off;	 /* its offset */
};

#define QE_NEXT 0
#define QE_DONE 1
#define QE_FAIL (-1)

/* qmgr_env_ptr - follow a pointer record, a bounded number of times */

static int
qmgr_env_ptr(struct qmgr_env_read *r)
{
	long v;

	if (++r->st->jumps > QMGR_JUMP_MAX) {
		vbuf_set(r->why, "too many pointer records");
		return (QE_FAIL);
	}
	if (qmgr_env_number(r->buf.data, &v) < 0) {
		vbuf_printf(r->why, "bad pointer record at offset %ld", r->off);
		return (QE_FAIL);
	}
	if (v > 0 && fseek(r->fp, v, SEEK_SET) < 0) {
		vbuf_printf(r->why, "seek to %ld: %m", v);
		return (QE_FAIL);
	}
	return (QE_NEXT);
}

/* qmgr_env_size - the size record, first in the file */

static int
qmgr_env_size(struct qmgr_env_read *r)
{
	struct qmgr_envelope *env = r->env;
	long f[6];
	int n;

	if (r->st->saw_c || r->off != 0) {
		vbuf_set(r->why, "misplaced size record");
		return (QE_FAIL);
	}
	n = rec_size_parse(r->buf.data, r->buf.len, f);
	if (n < 3 || f[0] <= 0 || f[1] <= 0 || f[2] < 0 ||
	    (f[3] & ~(long)QMGR_RFLAG_MASK) != 0) {
		vbuf_printf(r->why, "invalid size record: %.100s", r->buf.data);
		return (QE_FAIL);
	}
	env->data_size = f[0];
	env->data_offset = f[1];
	env->nrcpt = f[2];
	env->rflags = f[3];
	env->cont_length = n >= 5 && f[4] > 0 ? f[4] : f[0];
	r->st->saw_c = 1;
	return (QE_NEXT);
}

/* qmgr_env_time - the arrival time (first read only) */

static int
qmgr_env_time(struct qmgr_env_read *r)
{
	struct qmgr_envelope *env = r->env;
	char *end;

	if (!r->full)
		return (QE_NEXT);
	errno = 0;
	env->arrival_sec = strtol(r->buf.data, &end, 10);
	env->arrival_usec = 0;
	if (errno != 0 || end == r->buf.data || env->arrival_sec <= 0) {
		vbuf_printf(r->why, "bad arrival time: %.100s", r->buf.data);
		return (QE_FAIL);
	}
	if (*end == ' ')
		env->arrival_usec = strtol(end + 1, 0, 10);
	if (env->arrival_usec < 0 || env->arrival_usec > 999999)
		env->arrival_usec = 0;
	r->st->saw_t = 1;
	return (QE_NEXT);
}

/* qmgr_env_attr - create_time, and a recipient's DSN attributes */

static int
qmgr_env_attr(struct qmgr_env_read *r)
{
	struct qmgr_env_state *st = r->st;
	const char *data = r->buf.data;
	const char *val;
	long v;

	if ((val = strchr(data, '=')) == 0)
		return (QE_NEXT);
	val++;
	if (strncmp(data, "create_time=", 12) == 0) {
		if (r->full && qmgr_env_number(val, &v) == 0)
			r->env->create_time = v;
	} else if (strncmp(data, "dsn_orig_rcpt=", 14) == 0) {
		if (st->group_start < 0)
			st->group_start = r->off;
		mem_free(st->dsn_orig);
		st->dsn_orig = mem_strdup(val);
	} else if (strncmp(data, "notify_flags=", 13) == 0) {
		if (st->group_start < 0)
			st->group_start = r->off;
		if (qmgr_env_number(val, &v) == 0 && v >= 0 && v < 256)
			st->notify = (int)v;
	}
	return (QE_NEXT);
}

/* qmgr_env_rcpt - a recipient: in the slice, or where to resume */

static int
qmgr_env_rcpt(struct qmgr_env_read *r)
{
	struct qmgr_envelope *env = r->env;
	struct qmgr_env_state *st = r->st;

	if (r->full)
		env->rcpt_total++;
	if (r->limit == 0 || env->rcpt_count < r->limit) {
		qmgr_env_add_rcpt(env, st, r->off, r->buf.data);
		return (QE_NEXT);
	}
	if (env->resume_offset == 0) {
		/* Resume where its O and A records start. */
		env->resume_offset =
		    st->group_start >= 0 ? st->group_start : r->off;
		env->resume_extracted = st->extracted;
	}
	qmgr_env_pending_reset(st);
	return (r->full ? QE_NEXT : QE_DONE);
}

/* qmgr_env_mesg - the content marker: skip the content to its X record */

static int
qmgr_env_mesg(struct qmgr_env_read *r)
{
	struct qmgr_envelope *env = r->env;
	long off;

	if (r->st->saw_m) {
		vbuf_set(r->why, "duplicate M record");
		return (QE_FAIL);
	}
	r->st->saw_m = 1;
	if (env->data_offset <= 0 || env->data_size <= 0) {
		vbuf_set(r->why, "M record before the size record");
		return (QE_FAIL);
	}
	if (fseek(r->fp, env->data_offset + env->data_size, SEEK_SET) < 0) {
		vbuf_printf(r->why, "seek past content: %m");
		return (QE_FAIL);
	}
	off = ftell(r->fp);
	if (rec_get(r->fp, &r->buf, QMGR_REC_MAX, REC_RAW) != REC_TYPE_XTRA) {
		vbuf_printf(r->why,
		    "no X record at offset %ld (data offset + size)", off);
		return (QE_FAIL);
	}
	r->st->extracted = r->st->saw_x = 1;
	return (QE_NEXT);
}

/* qmgr_env_record - one envelope or extracted record of an allowed type */

static int
qmgr_env_record(struct qmgr_env_read *r, int type)
{
	long v;

	switch (type) {
	case REC_TYPE_SIZE:
		return (qmgr_env_size(r));
	case REC_TYPE_TIME:
		return (qmgr_env_time(r));
	case REC_TYPE_WARN:
		if (r->full && r->env->warn_offset == 0)
			r->env->warn_offset = r->off;
		if (r->full &&
		    qmgr_env_number(r->buf.data + strspn(r->buf.data, " "),
			&v) == 0)
			r->env->warn_time = v;
		return (QE_NEXT);
	case REC_TYPE_FROM:
		if (r->full && r->env->sender == 0)
			r->env->sender = mem_strndup(r->buf.data, r->buf.len);
		r->st->saw_s = 1;
		return (QE_NEXT);
	case REC_TYPE_ATTR:
		return (qmgr_env_attr(r));
	case REC_TYPE_ORCP:
		if (r->st->group_start < 0)
			r->st->group_start = r->off;
		mem_free(r->st->orig);
		r->st->orig = mem_strndup(r->buf.data, r->buf.len);
		return (QE_NEXT);
	case REC_TYPE_RCPT:
		return (qmgr_env_rcpt(r));
	case REC_TYPE_DONE:
	case REC_TYPE_DRCP:
		qmgr_env_pending_reset(r->st);
		return (QE_NEXT);
	case REC_TYPE_MESG:
		return (qmgr_env_mesg(r));
	case REC_TYPE_END:
		if (!r->st->extracted) {
			vbuf_set(r->why, "E record in the envelope");
			return (QE_FAIL);
		}
		r->st->saw_e = 1;
		return (QE_DONE);
	default:
		return (QE_NEXT);
	}
}

/* qmgr_env_step - read one record and handle it */

static int
qmgr_env_step(struct qmgr_env_read *r, int *first)
{
	struct qmgr_env_state *st = r->st;
	int type;

	if ((r->off = ftell(r->fp)) < 0) {
		vbuf_printf(r->why, "ftell: %m");
		return (QE_FAIL);
	}
	type = rec_get(r->fp, &r->buf, QMGR_REC_MAX, REC_RAW);
	if (type == REC_EOF) {
		vbuf_set(r->why, "unexpected end of file (no E record)");
		return (QE_FAIL);
	}
	if (type == REC_ERR) {
		vbuf_printf(r->why, "malformed record at offset %ld", r->off);
		return (QE_FAIL);
	}
	if (*first && type != REC_TYPE_SIZE) {
		vbuf_set(r->why, "the first record is not a size record");
		return (QE_FAIL);
	}
	*first = 0;
	if (type == REC_TYPE_PTR)
		return (qmgr_env_ptr(r));
	if (type == REC_TYPE_DTXT)
		return (QE_NEXT);
	if (type == REC_TYPE_XTRA) {
		if (st->extracted || !st->saw_m) {
			vbuf_printf(r->why, "misplaced X record at offset %ld",
			    r->off);
			return (QE_FAIL);
		}
		st->extracted = st->saw_x = 1;
		return (QE_NEXT);
	}
	if (type <= 0 ||
	    strchr(st->extracted ? REC_EXTRACT_TYPES : REC_ENVELOPE_TYPES,
		type) == 0) {
		vbuf_printf(r->why,
		    "unexpected %s record (type %d) at offset %ld",
		    st->extracted ? "extracted" : "envelope", type, r->off);
		return (QE_FAIL);
	}
	return (qmgr_env_record(r, type));
}

/*
 * The one record loop for both reads (see struct qmgr_env_read).
 */
static int
qmgr_env_loop(FILE *fp, struct qmgr_envelope *env, size_t limit, int full,
    struct qmgr_env_state *st, struct vbuf *why)
{
	struct qmgr_env_read r;
	int first = full;
	int status;

	memset(&r, 0, sizeof(r));
	r.fp = fp;
	r.env = env;
	r.limit = limit;
	r.full = full;
	r.st = st;
	r.why = why;
	while ((status = qmgr_env_step(&r, &first)) == QE_NEXT)
		/* void */;
	vbuf_free(&r.buf);
	qmgr_env_pending_reset(st);
	return (status == QE_DONE ? 0 : -1);
}

int
qmgr_envelope_read(FILE *fp, struct qmgr_envelope *env, size_t limit,
    struct vbuf *why)
{
	struct qmgr_env_state st;

	memset(&st, 0, sizeof(st));
	st.group_start = -1;
	vbuf_reset(why);
	if (fseek(fp, 0, SEEK_SET) < 0) {
		vbuf_printf(why, "seek: %m");
		return (-1);
	}
	env->resume_offset = 0;
	if (qmgr_env_loop(fp, env, limit, 1, &st, why) < 0)
		return (-1);
	if (!st.saw_c || !st.saw_t || !st.saw_s || !st.saw_m || !st.saw_x) {
		vbuf_printf(why, "missing %s record",
		    !st.saw_c	    ? "size"
			: !st.saw_t ? "arrival time"
			: !st.saw_s ? "sender"
			: !st.saw_m ? "message"
				    : "extracted segment");
		return (-1);
	}
	if (env->create_time <= 0)
		env->create_time = env->arrival_sec;
	if (env->sender == 0)
		env->sender = mem_strdup("");
	return (0);
}

int
qmgr_envelope_more(FILE *fp, struct qmgr_envelope *env, size_t limit,
    struct vbuf *why)
{
	struct qmgr_env_state st;
	long start = env->resume_offset;

	memset(&st, 0, sizeof(st));
	st.group_start = -1;
	vbuf_reset(why);
	qmgr_envelope_free_rcpts(env);
	if (start <= 0)
		return (0);
	st.extracted = env->resume_extracted;
	st.saw_m = st.saw_x = st.extracted;
	env->resume_offset = 0;
	if (fseek(fp, start, SEEK_SET) < 0) {
		vbuf_printf(why, "seek to %ld: %m", start);
		return (-1);
	}
	return (qmgr_env_loop(fp, env, limit, 0, &st, why));
}

void
qmgr_envelope_free_rcpts(struct qmgr_envelope *env)
{
	size_t i;

	for (i = 0; i < env->rcpt_count; i++) {
		mem_free(env->rcpt[i].address);
		mem_free(env->rcpt[i].orig_rcpt);
		mem_free(env->rcpt[i].dsn_orig_rcpt);
	}
	env->rcpt_count = 0;
}

void
qmgr_envelope_free(struct qmgr_envelope *env)
{
	qmgr_envelope_free_rcpts(env);
	mem_free(env->rcpt);
	mem_free(env->sender);
	memset(env, 0, sizeof(*env));
}
