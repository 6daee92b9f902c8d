/*
 * qselect - select queued messages; see qselect.h.
 *
 * Implementation notes. A selection is one list of values per kind of
 * criterion. Address values are stored in the form they are compared in
 * (qselect_canon(): lower case, no quotes, no enclosing <>), numbers as
 * seconds or bytes. Matching canonicalises each address of the message
 * into one module-wide scratch buffer, so it allocates nothing per
 * message once that buffer has grown.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "mem.h"
#include "qdir.h"
#include "qselect.h"

enum qselect_kind {
	QS_SENDER,
	QS_RECIPIENT,
	QS_DOMAIN,
	QS_SENDER_DOMAIN,
	QS_OLDER,
	QS_NEWER,
	QS_LARGER,
	QS_SMALLER,
	QS_QUEUE,
	QS_KINDS
};

const struct option qselect_options[] = {
    {"sender", required_argument, 0, QSELECT_OPT_BASE + QS_SENDER},
    {"recipient", required_argument, 0, QSELECT_OPT_BASE + QS_RECIPIENT},
    {"domain", required_argument, 0, QSELECT_OPT_BASE + QS_DOMAIN},
    {"sender-domain", required_argument, 0,
	QSELECT_OPT_BASE + QS_SENDER_DOMAIN},
    {"older-than", required_argument, 0, QSELECT_OPT_BASE + QS_OLDER},
    {"newer-than", required_argument, 0, QSELECT_OPT_BASE + QS_NEWER},
    {"larger-than", required_argument, 0, QSELECT_OPT_BASE + QS_LARGER},
    {"smaller-than", required_argument, 0, QSELECT_OPT_BASE + QS_SMALLER},
    {"queue", required_argument, 0, QSELECT_OPT_BASE + QS_QUEUE},
    {0, 0, 0, 0},
};

/* The queues a message can be listed in (showq(3)). */
static const char *const qselect_queues[] = {
    QDIR_MAILDROP,
    QDIR_INCOMING,
    QDIR_ACTIVE,
    QDIR_DEFERRED,
    QDIR_HOLD,
    0,
};

#define QSELECT_NULL_SENDER "mailer-daemon" /* showq's empty address */

struct qselect_val {
	char *str; /* canonical address, domain or queue name */
	long num;  /* seconds or bytes */
};

struct qselect {
	struct qselect_val *val[QS_KINDS];
	size_t count[QS_KINDS];
	int any;
};

static struct vbuf qselect_tmp; /* scratch: a message's address */

/* qselect_canon - address as compared: lower case, unquoted, no <> */

static const char *
qselect_canon(struct vbuf *out, const char *addr, int angle)
{
	size_t len = strlen(addr);
	int quoted = 0;
	size_t i;

	vbuf_reset(out);
	if (angle && len >= 2 && addr[0] == '<' && addr[len - 1] == '>') {
		addr++;
		len -= 2;
	}
	for (i = 0; i < len; i++) {
		if (addr[i] == '"') {
			quoted = !quoted;
			continue;
		}
		if (quoted && addr[i] == '\\' && i + 1 < len)
			i++;
		vbuf_putc(out, tolower((unsigned char)addr[i]));
	}
	if (out->len == 0)
		vbuf_puts(out, QSELECT_NULL_SENDER);
	return (vbuf_str(out));
}

/* qselect_domain_canon - domain as compared: lower case, no "@" or "." */

static const char *
qselect_domain_canon(struct vbuf *out, const char *dom)
{
	const char *cp;

	vbuf_reset(out);
	for (cp = dom; *cp; cp++)
		vbuf_putc(out, tolower((unsigned char)*cp));
	if (out->len > 0 && out->data[out->len - 1] == '.')
		vbuf_truncate(out, out->len - 1);
	return (vbuf_str(out));
}

/* qselect_number - digits and an optional unit letter from units */

static int
qselect_number(const char *s, const char *units, const long *muls, long mul,
    long *out)
{
	const char *up;
	long val = 0;

	if (!isdigit((unsigned char)*s))
		return (-1);
	for (; isdigit((unsigned char)*s); s++) {
		if (val > (LONG_MAX - 9) / 10)
			return (-1);
		val = val * 10 + (*s - '0');
	}
	if (*s != 0) {
		if (s[1] != 0 || (up = strchr(units, *s)) == 0)
			return (-1);
		mul = muls[up - units];
	}
	if (val > LONG_MAX / mul)
		return (-1);
	*out = val * mul;
	return (0);
}

/* qselect_value - check and convert one value; -1 with what it wants */

static int
qselect_value(enum qselect_kind kind, const char *value, struct vbuf *canon,
    long *num, const char **want)
{
	static const char time_units[] = "smhdw";
	static const long time_muls[] = {1, 60, 3600, 86400, 7 * 86400};
	static const char size_units[] = "kKmMgG";
	static const long size_muls[] = {1024, 1024, 1024L * 1024, 1024L * 1024,
	    1024L * 1024 * 1024, 1024L * 1024 * 1024};
	const char *const *qp;
	const char *dom;

	switch (kind) {
	case QS_SENDER:
	case QS_RECIPIENT:
		qselect_canon(canon, value, 1);
		return (0);
	case QS_DOMAIN:
	case QS_SENDER_DOMAIN:
		*want = "a domain name";
		dom = *value == '@' || *value == '.' ? value + 1 : value;
		qselect_domain_canon(canon, dom);
		if (canon->len == 0 || strpbrk(canon->data, "@ \t\"<>,") != 0)
			return (-1);
		return (0);
	case QS_OLDER:
	case QS_NEWER:
		*want = "a number with an optional unit s, m, h, d or w";
		return (qselect_number(value, time_units, time_muls, 1, num));
	case QS_LARGER:
	case QS_SMALLER:
		*want = "a number of bytes with an optional k, m or g";
		return (qselect_number(value, size_units, size_muls, 1, num));
	case QS_QUEUE:
		*want = "maildrop, incoming, active, deferred or hold";
		for (qp = qselect_queues; *qp; qp++)
			if (strcmp(*qp, value) == 0)
				break;
		if (*qp == 0)
			return (-1);
		vbuf_set(canon, value);
		return (0);
	default:
		return (-1);
	}
}

/* qselect_create - empty selection */

struct qselect *
qselect_create(void)
{
	return (mem_calloc(1, sizeof(struct qselect)));
}

/* qselect_add - one criterion */

int
qselect_add(struct qselect *sel, int opt, const char *value, struct vbuf *why)
{
	struct vbuf canon = VBUF_INIT;
	struct qselect_val *v;
	enum qselect_kind kind;
	const char *want = "";
	long num = 0;

	if (opt < QSELECT_OPT_BASE || opt >= QSELECT_OPT_BASE + QS_KINDS)
		return (0);
	kind = (enum qselect_kind)(opt - QSELECT_OPT_BASE);
	if (qselect_value(kind, value, &canon, &num, &want) < 0) {
		vbuf_reset(why);
		vbuf_printf(why, "invalid --%s value: \"",
		    qselect_options[kind].name);
		showq_printable(why, value);
		vbuf_printf(why, "\" (want %s)", want);
		vbuf_free(&canon);
		return (-1);
	}
	sel->val[kind] = mem_realloc(sel->val[kind],
	    (sel->count[kind] + 1) * sizeof(*sel->val[kind]));
	v = sel->val[kind] + sel->count[kind]++;
	v->str = canon.len > 0 ? vbuf_export(&canon) : 0;
	v->num = num;
	vbuf_free(&canon);
	sel->any = 1;
	return (1);
}

/* qselect_any - is there a criterion? */

int
qselect_any(const struct qselect *sel)
{
	return (sel != 0 && sel->any);
}

/* qselect_in_domain - is addr's domain dom or below it? */

static int
qselect_in_domain(const char *addr, const char *dom)
{
	const char *at = strrchr(addr, '@');
	size_t alen;
	size_t dlen = strlen(dom);

	if (at == 0)
		return (0);
	addr = at + 1;
	alen = strlen(addr);
	if (alen > 0 && addr[alen - 1] == '.')
		alen--;
	if (alen == dlen)
		return (strncasecmp(addr, dom, dlen) == 0);
	return (alen > dlen && addr[alen - dlen - 1] == '.' &&
	    strncasecmp(addr + alen - dlen, dom, dlen) == 0);
}

/* qselect_addr - does addr satisfy criteria kind (any value)? */

static int
qselect_addr(const struct qselect *sel, enum qselect_kind kind,
    const char *addr)
{
	const char *canon = 0;
	size_t i;

	for (i = 0; i < sel->count[kind]; i++) {
		if (kind == QS_DOMAIN || kind == QS_SENDER_DOMAIN) {
			if (qselect_in_domain(addr, sel->val[kind][i].str))
				return (1);
			continue;
		}
		if (canon == 0)
			canon = qselect_canon(&qselect_tmp, addr, 0);
		if (strcmp(canon, sel->val[kind][i].str) == 0)
			return (1);
	}
	return (0);
}

/* qselect_rcpt - does a recipient satisfy criteria kind? */

static int
qselect_rcpt(const struct qselect *sel, enum qselect_kind kind,
    const struct showq_msg *msg)
{
	size_t i;

	if (sel->count[kind] == 0)
		return (1);
	for (i = 0; i < msg->rcpt_count; i++)
		if (qselect_addr(sel, kind, msg->rcpt[i].address))
			return (1);
	return (0);
}

/* qselect_num - does value satisfy criteria kind (any threshold)? */

static int
qselect_num(const struct qselect *sel, enum qselect_kind kind, long value)
{
	size_t i;
	long t;

	if (sel->count[kind] == 0)
		return (1);
	for (i = 0; i < sel->count[kind]; i++) {
		t = sel->val[kind][i].num;
		if ((kind == QS_OLDER || kind == QS_LARGER) ? value > t
							    : value < t)
			return (1);
	}
	return (0);
}

/* qselect_match - does msg satisfy every kind of criterion? */

int
qselect_match(const struct qselect *sel, const struct showq_msg *msg, long now)
{
	long age = now - msg->arrival;
	size_t i;

	if (!qselect_any(sel))
		return (1);
	if (sel->count[QS_QUEUE] > 0) {
		for (i = 0; i < sel->count[QS_QUEUE]; i++)
			if (strcmp(msg->queue, sel->val[QS_QUEUE][i].str) == 0)
				break;
		if (i == sel->count[QS_QUEUE])
			return (0);
	}
	if (!qselect_num(sel, QS_OLDER, age) ||
	    !qselect_num(sel, QS_NEWER, age) ||
	    !qselect_num(sel, QS_LARGER, msg->size) ||
	    !qselect_num(sel, QS_SMALLER, msg->size))
		return (0);
	if ((sel->count[QS_SENDER] > 0 &&
		!qselect_addr(sel, QS_SENDER, msg->sender)) ||
	    (sel->count[QS_SENDER_DOMAIN] > 0 &&
		!qselect_addr(sel, QS_SENDER_DOMAIN, msg->sender)))
		return (0);
	return (qselect_rcpt(sel, QS_RECIPIENT, msg) &&
	    qselect_rcpt(sel, QS_DOMAIN, msg));
}

/* qselect_same_file - does path still name the file that was read? */

int
qselect_same_file(const struct showq_msg *msg, const char *path,
    struct stat *st)
{
	if (lstat(path, st) < 0)
		return (0);
	if (st->st_dev != msg->dev || st->st_ino != msg->ino ||
	    !qdir_ready(st)) {
		errno = ENOENT;
		return (0);
	}
	return (1);
}

/* qselect_free - destroy */

struct qselect *
qselect_free(struct qselect *sel)
{
	size_t i;
	int k;

	if (sel == 0)
		return (0);
	for (k = 0; k < QS_KINDS; k++) {
		for (i = 0; i < sel->count[k]; i++)
			mem_free(sel->val[k][i].str);
		mem_free(sel->val[k]);
	}
	mem_free(sel);
	return (0);
}
