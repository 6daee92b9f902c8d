/*
 * qfile - queue-file records in Postfix's exact format; see qfile.h.
 *
 * Implementation notes:
 *
 *	The length field is a little-endian base-128 varint of at most
 *	REC_LEN_BYTES bytes, so the largest record holds REC_LEN_MAX bytes.
 *	Writers refuse anything larger (EFBIG) so that every record we write
 *	is one our own readers (and Postfix's) accept.
 *
 *	rec_get_why() grows the data buffer while it reads instead of
 *	reserving the announced length first: a corrupt length field of
 *	hundreds of megabytes in a short file then costs nothing.
 *
 *	Pointer loops: a 'p' record whose target is at or before the target
 *	of the previous jump is a "reverse jump". Legitimate files (milter
 *	header edits) have few; more than REC_REVERSE_JUMP_LIMIT of them in
 *	one pass over one file means a loop, and the read fails. The pass
 *	state is kept per stream and starts over when a read starts at file
 *	offset 0 or the stream refers to another file.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "qfile.h"
#include "mem.h"
#include "msg.h"
#include "vbuf.h"

#define REC_LEN_BYTES 4
#define REC_LEN_MAX ((1UL << (7 * REC_LEN_BYTES)) - 1)
#define REC_READ_CHUNK 65536
#define REC_REVERSE_JUMP_LIMIT 10000

/* rec_len_encode - the varint bytes of len; returns how many */

static size_t
rec_len_encode(unsigned char out[REC_LEN_BYTES], size_t len)
{
	size_t n = 0;

	do {
		out[n] = len & 0x7f;
		len >>= 7;
		if (len)
			out[n] |= 0x80;
		n++;
	} while (len && n < REC_LEN_BYTES);
	return (n);
}

/* rec_put - write one record */

int
rec_put(FILE *fp, int type, const void *data, size_t len)
{
	unsigned char hdr[1 + REC_LEN_BYTES];
	size_t n;

	if (type < 0 || type > 255)
		msg_panic("rec_put: bad record type %d", type);
	if (len > REC_LEN_MAX) {
		errno = EFBIG;
		return (REC_ERR);
	}
	hdr[0] = (unsigned char)type;
	n = 1 + rec_len_encode(hdr + 1, len);
	if (fwrite(hdr, 1, n, fp) != n)
		return (REC_ERR);
	if (len > 0 && fwrite(data, 1, len, fp) != len)
		return (REC_ERR);
	return (type);
}

/* rec_puts - write a string as one record */

int
rec_puts(FILE *fp, int type, const char *s)
{
	return (rec_put(fp, type, s, s ? strlen(s) : 0));
}

/* rec_printf - write formatted text as one record */

int
rec_printf(FILE *fp, int type, const char *fmt, ...)
{
	struct vbuf buf = VBUF_INIT;
	va_list ap;
	int ret;
	int saved;

	va_start(ap, fmt);
	vbuf_reset(&buf);
	vbuf_vprintf(&buf, fmt, ap);
	va_end(ap);
	ret = rec_put(fp, type, buf.data, buf.len);
	saved = errno;
	vbuf_free(&buf);
	errno = saved;
	return (ret);
}

/* rec_encode - append one encoded record to a buffer */

void
rec_encode(struct vbuf *out, int type, const void *data, size_t len)
{
	unsigned char hdr[1 + REC_LEN_BYTES];
	size_t n;

	if (type < 0 || type > 255)
		msg_panic("rec_encode: bad record type %d", type);
	if (len > REC_LEN_MAX)
		msg_panic("rec_encode: record length %lu exceeds %lu",
		    (unsigned long)len, (unsigned long)REC_LEN_MAX);
	hdr[0] = (unsigned char)type;
	n = 1 + rec_len_encode(hdr + 1, len);
	vbuf_append(out, hdr, n);
	if (len > 0)
		vbuf_append(out, data, len);
}

/*
 * Loop protection for pointer records (see the notes at the top).
 */
static struct rec_jump_state {
	FILE *fp;
	dev_t dev;
	ino_t ino;
	long saved_offset;
	int reverse_count;
} rec_jump;

/* rec_jump_reset - start a new pass for this stream */

static void
rec_jump_reset(FILE *fp)
{
	struct stat st;

	rec_jump.fp = fp;
	if (fstat(fileno(fp), &st) == 0) {
		rec_jump.dev = st.st_dev;
		rec_jump.ino = st.st_ino;
	} else {
		rec_jump.dev = 0;
		rec_jump.ino = 0;
	}
	rec_jump.saved_offset = 0;
	rec_jump.reverse_count = 0;
}

/* rec_jump_check - keep the state per stream and per file */

static void
rec_jump_check(FILE *fp)
{
	struct stat st;

	if (rec_jump.fp != fp || fstat(fileno(fp), &st) != 0 ||
	    st.st_dev != rec_jump.dev || st.st_ino != rec_jump.ino)
		rec_jump_reset(fp);
}

/* rec_goto - follow the value of a pointer record */

int
rec_goto(FILE *fp, const char *value, struct vbuf *why)
{
	const char *cp = value;
	long offset = 0;

	rec_jump_check(fp);
	while (*cp == ' ' || *cp == '\t' || *cp == '\n' || *cp == '\r' ||
	    *cp == '\f' || *cp == '\v')
		cp++;
	for (const char *dp = cp; *dp; dp++) {
		if (*dp < '0' || *dp > '9' || offset > (LONG_MAX - 9) / 10) {
			if (why) {
				vbuf_reset(why);
				vbuf_printf(why,
				    "malformed pointer record value: %.100s",
				    cp);
			}
			return (REC_ERR);
		}
		offset = offset * 10 + (*dp - '0');
	}
	if (offset == 0)
		return (0);
	if (offset <= rec_jump.saved_offset &&
	    ++rec_jump.reverse_count > REC_REVERSE_JUMP_LIMIT) {
		if (why)
			vbuf_set(why, "too many reverse jump records");
		return (REC_ERR);
	}
	if (fseek(fp, offset, SEEK_SET) < 0) {
		if (why) {
			vbuf_reset(why);
			vbuf_printf(why, "seek error after pointer record: %m");
		}
		return (REC_ERR);
	}
	rec_jump.saved_offset = offset;
	return (0);
}

/* rec_get_one - read one record without transparency */

static int
rec_get_one(FILE *fp, struct vbuf *data, size_t maxlen, struct vbuf *why)
{
	int type;
	int ch;
	size_t len = 0;
	size_t got;
	size_t want;
	int n;

	if ((type = getc(fp)) == EOF)
		return (REC_EOF);
	for (n = 0; /* void */; n++) {
		if (n >= REC_LEN_BYTES) {
			if (why) {
				vbuf_reset(why);
				vbuf_printf(why,
				    "too many length bits, record type %d",
				    type);
			}
			return (REC_ERR);
		}
		if ((ch = getc(fp)) == EOF) {
			if (why) {
				vbuf_reset(why);
				vbuf_printf(why,
				    "unexpected EOF reading length, "
				    "record type %d",
				    type);
			}
			return (REC_ERR);
		}
		len |= (size_t)(ch & 0x7f) << (7 * n);
		if ((ch & 0x80) == 0)
			break;
	}
	if (maxlen > 0 && len > maxlen) {
		if (why) {
			vbuf_reset(why);
			vbuf_printf(why, "illegal length %lu, record type %d",
			    (unsigned long)len, type);
		}
		return (REC_ERR);
	}
	vbuf_reset(data);
	for (got = 0; got < len; got += want) {
		want = len - got;
		if (want > REC_READ_CHUNK)
			want = REC_READ_CHUNK;
		vbuf_reserve(data, want);
		if (fread(data->data + data->len, 1, want, fp) != want) {
			data->data[data->len] = 0;
			if (why) {
				vbuf_reset(why);
				vbuf_printf(why,
				    "unexpected EOF in data, record type %d "
				    "length %lu",
				    type, (unsigned long)len);
			}
			return (REC_ERR);
		}
		data->len += want;
		data->data[data->len] = 0;
	}
	return (type);
}

/* rec_get_why - read one record, with reader semantics and a reason */

int
rec_get_why(FILE *fp, struct vbuf *data, size_t maxlen, int flags,
    struct vbuf *why)
{
	int type;

	/*
	 * A read that starts at offset 0 starts a new pass over the file.
	 */
	if (ftell(fp) == 0)
		rec_jump_reset(fp);

	for (;;) {
		if ((type = rec_get_one(fp, data, maxlen, why)) < 0)
			return (type);
		if (type == REC_TYPE_PTR && (flags & REC_FOLLOW_PTR)) {
			if (rec_goto(fp, data->data, why) < 0)
				return (REC_ERR);
			continue;
		}
		if (type == REC_TYPE_DTXT && (flags & REC_FOLLOW_PTR))
			continue;
		if (type == REC_TYPE_END && (flags & REC_SEEK_END))
			(void)fseek(fp, 0L, SEEK_END);
		return (type);
	}
}

/* rec_get - read one record */

int
rec_get(FILE *fp, struct vbuf *data, size_t maxlen, int flags)
{
	return (rec_get_why(fp, data, maxlen, flags, (struct vbuf *)0));
}

/* rec_parse - decode one record from memory */

long
rec_parse(const void *buf, size_t avail, size_t maxlen, int *type,
    size_t *data_off, size_t *data_len)
{
	const unsigned char *cp = buf;
	size_t len = 0;
	size_t n;

	if (avail < 2)
		return (0);
	for (n = 0; /* void */; n++) {
		if (n >= REC_LEN_BYTES)
			return (-1);
		if (1 + n >= avail)
			return (0);
		len |= (size_t)(cp[1 + n] & 0x7f) << (7 * n);
		if ((cp[1 + n] & 0x80) == 0)
			break;
	}
	if (maxlen > 0 && len > maxlen)
		return (-1);
	if (avail - (n + 2) < len)
		return (0);
	*type = cp[0];
	*data_off = n + 2;
	*data_len = len;
	return ((long)(n + 2 + len));
}

/*
 * postcat's labels, in Postfix's rec_type_name() order.
 */
static const struct rec_type_label {
	int type;
	const char *name;
} rec_type_labels[] = {
    {REC_EOF, "end-of-file"},
    {REC_ERR, "error"},
    {REC_TYPE_SIZE, "message_size"},
    {REC_TYPE_TIME, "message_arrival_time"},
    {REC_TYPE_CTIME, "queue_file_create_time"},
    {REC_TYPE_FULL, "sender_fullname"},
    {REC_TYPE_INSP, "content_inspector"},
    {REC_TYPE_FILT, "content_filter"},
    {REC_TYPE_FROM, "sender"},
    {REC_TYPE_DONE, "done_recipient"},
    {REC_TYPE_DRCP, "canceled_recipient"},
    {REC_TYPE_RCPT, "recipient"},
    {REC_TYPE_ORCP, "original_recipient"},
    {REC_TYPE_WARN, "warning_message_time"},
    {REC_TYPE_ATTR, "named_attribute"},
    {REC_TYPE_PTR, "pointer_record"},
    {REC_TYPE_KILL, "killed_record"},
    {REC_TYPE_MESG, "message_content"},
    {REC_TYPE_NORM, "regular_text"},
    {REC_TYPE_DTXT, "padding"},
    {REC_TYPE_XTRA, "extracted_info"},
    {REC_TYPE_RRTO, "return_receipt"},
    {REC_TYPE_ERTO, "errors_to"},
    {REC_TYPE_PRIO, "priority"},
    {REC_TYPE_VERP, "verp_delimiters"},
    {REC_TYPE_END, "message_end"},
    {REC_TYPE_RDR, "redirect_to"},
    {REC_TYPE_FLGS, "flags"},
    {'<', "dsn_return_flags"},
    {'i', "dsn_envelope_id"},
    {'o', "dsn_original_recipient"},
    {'n', "dsn_notify_flags"},
    {0, 0},
};

/* rec_type_name - postcat's label of a record type */

const char *
rec_type_name(int type)
{
	const struct rec_type_label *p;

	for (p = rec_type_labels; p->name; p++)
		if (p->type == type)
			return (p->name);
	return ("unknown_record_type");
}

/* rec_size_parse - the numeric fields of the 'C' record */

int
rec_size_parse(const char *data, size_t len, long fields[6])
{
	size_t i = 0;
	int count = 0;
	int k;

	for (k = 0; k < 6; k++)
		fields[k] = 0;
	for (i = 0; i < len; i++)
		if (!(data[i] == ' ' || data[i] == '-' ||
			(data[i] >= '0' && data[i] <= '9')))
			return (-1);
	i = 0;
	for (;;) {
		int neg = 0;
		long val = 0;
		size_t digits = 0;

		while (i < len && data[i] == ' ')
			i++;
		if (i >= len)
			break;
		if (data[i] == '-') {
			neg = 1;
			i++;
		}
		for (; i < len && data[i] >= '0' && data[i] <= '9';
		     i++, digits++) {
			if (val > (LONG_MAX - 9) / 10)
				return (-1);
			val = val * 10 + (data[i] - '0');
		}
		if (digits == 0 || (i < len && data[i] != ' '))
			return (-1);
		if (count < 6)
			fields[count] = neg ? -val : val;
		count++;
	}
	return (count > 6 ? 6 : count);
}

/* rec_size_format - the 95-byte data of the 'C' record */

void
rec_size_format(char out[96], const long fields[6])
{
	snprintf(out, 96, "%15ld %15ld %15ld %15ld %15ld %15ld", fields[0],
	    fields[1], fields[2], fields[3], fields[4], fields[5]);
}
