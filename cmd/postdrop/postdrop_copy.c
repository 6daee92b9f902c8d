/*
 * postdrop_copy - copy a submission from standard input into the maildrop
 * file, keeping only what a local user may submit; see postdrop.c.
 *
 * Implementation notes. As Postfix's postdrop: the caller's T record is
 * replaced by ours (written before this runs), attributes outside
 * maildrop_attr_ok() are dropped with a warning, a record type outside the
 * segment's set or a malformed record is fatal (the file is removed by
 * the fatal-error hook), and after a write error the rest of the input is
 * still read (and checked) so that the caller gets our reply rather than
 * a broken pipe.
 */
#include <errno.h>
#include <string.h>

#include "maildrop.h"
#include "msg.h"
#include "qfile.h"
#include "vbuf.h"
#include "postdrop.h"

/* pd_bad_bytes - CR, LF or NUL inside an envelope record */

static int
pd_bad_bytes(const struct vbuf *buf)
{
	return (memchr(buf->data, '\r', buf->len) != 0 ||
	    memchr(buf->data, '\n', buf->len) != 0 ||
	    memchr(buf->data, 0, buf->len) != 0);
}

/* pd_write - one record into the file, counting bytes against the limit */

static void
pd_write(struct postdrop *pd, int type, const char *data, size_t len)
{
	size_t n;

	if (pd->err || pd->too_big)
		return;
	for (n = len, pd->size += 2; n >= 0x80; n >>= 7)
		pd->size++;
	pd->size += (long)len;
	if (pd->limit > 0 && pd->size > pd->limit) {
		pd->too_big = 1;
		return;
	}
	if (rec_put(pd->fp, type, data, len) == REC_ERR)
		pd->err = errno ? errno : EIO;
}

/* pd_attr - an A record: kept if a user may set it, else a warning */

static void
pd_attr(struct postdrop *pd, struct vbuf *buf)
{
	struct vbuf kept = VBUF_INIT;
	const char *error;
	char *name;
	char *value;

	if ((error = maildrop_attr_split(buf->data, &name, &value)) != 0) {
		msg_warn("uid=%ld: ignoring malformed record: %s: %.200s",
		    pd->uid, error, buf->data);
		return;
	}
	if (!maildrop_attr_ok(name, value)) {
		msg_warn("uid=%ld: ignoring attribute record: %.200s=%.200s",
		    pd->uid, name, value);
		return;
	}
	vbuf_printf(&kept, "%s=%s", name, value);
	pd_write(pd, REC_TYPE_ATTR, kept.data, kept.len);
	vbuf_free(&kept);
}

/* pd_status - the verdict once the end record is in */

static int
pd_status(const struct postdrop *pd)
{
	if (pd->too_big)
		return (PD_STAT_SIZE);
	if (pd->err) {
		errno = pd->err;
		msg_warn("uid=%ld: %m", pd->uid);
		return (PD_STAT_WRITE);
	}
	if (pd->from_count == 0 || pd->rcpt_count == 0)
		return (PD_STAT_BAD);
	return (PD_STAT_OK);
}

int
postdrop_copy(FILE *in, struct postdrop *pd)
{
	static const char *const segments[] = {MAILDROP_ENVELOPE,
	    MAILDROP_CONTENT, MAILDROP_EXTRACT};
	struct vbuf buf = VBUF_INIT;
	int seg = 0;
	int type;

	for (;;) {
		type = rec_get(in, &buf, pd->maxlen, REC_RAW);
		if (type == REC_EOF) {
			vbuf_free(&buf);
			return (PD_CANCELED);
		}
		if (type == REC_ERR)
			msg_fatal("uid=%ld: malformed input", pd->uid);
		if (type == 0 || strchr(segments[seg], type) == 0)
			msg_fatal("uid=%ld: unexpected record type: %d",
			    pd->uid, type);
		if (seg < 2 && type == segments[seg][0])
			seg++; /* 'M' and 'X' start the next segment */
		if (type != REC_TYPE_NORM && type != REC_TYPE_CONT &&
		    pd_bad_bytes(&buf))
			msg_fatal("uid=%ld: malformed input: CR, LF or NUL in "
				  "record type %d",
			    pd->uid, type);
		if (type == REC_TYPE_TIME || type == REC_TYPE_SIZE)
			continue; /* ours replaces the caller's */
		if (type == REC_TYPE_ATTR) {
			pd_attr(pd, &buf);
			continue;
		}
		if (type == REC_TYPE_FROM)
			pd->from_count++;
		else if (type == REC_TYPE_RCPT)
			pd->rcpt_count++;
		pd_write(pd, type, buf.data, buf.len);
		if (type == REC_TYPE_END)
			break;
	}
	vbuf_free(&buf);
	return (pd_status(pd));
}
