/*
 * smtp_queue - the queue file of one delivery; see smtp.h.
 *
 * Implementation notes. The envelope is read once up to the 'M'
 * record; the 'C' record gives the content offset and size, so the
 * extracted segment (where cleanup writes "encoding=8bit") is found by
 * seeking past the content to its 'X' record. Content records are read
 * with Postfix's reader semantics (pointer records followed, padding
 * skipped) and every record is bounded by SMTP_QUEUE_REC_MAX, so a
 * damaged length field cannot make us allocate gigabytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "mem.h"
#include "msg.h"
#include "qdir.h"
#include "qfile.h"
#include "smtp.h"

/* smtp_queue_attr - note the A records we care about */

static void
smtp_queue_attr(struct smtp_queue *q, const char *data)
{
	if (strcmp(data, "encoding=8bit") == 0)
		q->eightbit = 1;
	else if (strncmp(data, "encoding=", 9) == 0)
		q->eightbit = 0;
}

/* smtp_queue_envelope - read envelope and extracted segments */

static int
smtp_queue_envelope(struct smtp_queue *q, struct vbuf *why)
{
	FILE *fp = q->fp;
	int type;
	int have_c = 0;
	long fields[6];

	while (
	    (type = rec_get(fp, &q->rec, SMTP_QUEUE_REC_MAX, REC_READER)) > 0) {
		const char *data = vbuf_str(&q->rec);

		if (type == REC_TYPE_MESG)
			break;
		switch (type) {
		case REC_TYPE_SIZE:
			if (rec_size_parse(q->rec.data, q->rec.len, fields) <
				2 ||
			    fields[0] <= 0 || fields[1] <= 0) {
				vbuf_set(why, "bad size record");
				return -1;
			}
			q->content_size = fields[0];
			q->data_offset = fields[1];
			have_c = 1;
			break;
		case REC_TYPE_TIME:
			q->arrival = strtod(data, NULL);
			{
				const char *sp = strchr(data, ' ');

				if (sp)
					q->arrival +=
					    strtol(sp + 1, NULL, 10) / 1e6;
			}
			break;
		case REC_TYPE_FROM:
			mem_free(q->sender);
			q->sender = mem_strdup(data);
			break;
		case REC_TYPE_ATTR:
			smtp_queue_attr(q, data);
			break;
		default:
			break;
		}
	}
	if (type != REC_TYPE_MESG) {
		vbuf_set(why,
		    type == REC_EOF ? "premature end of file"
				    : "corrupt envelope record");
		return -1;
	}
	if (!have_c || q->sender == NULL) {
		vbuf_set(why, have_c ? "no sender record" : "no size record");
		return -1;
	}
	/* The extracted segment after the content: X, then until E. */
	if (fseek(fp, q->data_offset + q->content_size, SEEK_SET) < 0 ||
	    rec_get(fp, &q->rec, SMTP_QUEUE_REC_MAX, REC_READER) !=
		REC_TYPE_XTRA) {
		vbuf_set(why,
		    "no end of content record at the offset given by the "
		    "size record");
		return -1;
	}
	while (
	    (type = rec_get(fp, &q->rec, SMTP_QUEUE_REC_MAX, REC_READER)) > 0 &&
	    type != REC_TYPE_END) {
		if (type == REC_TYPE_ATTR)
			smtp_queue_attr(q, vbuf_str(&q->rec));
	}
	if (type != REC_TYPE_END) {
		vbuf_set(why, "no end record");
		return -1;
	}
	return 0;
}

/*
 * smtp_queue_buffer - read the file in few system calls: a buffer that
 * holds the whole file up to SMTP_QUEUE_BUF_MAX (stdio's default is
 * 4 KB), and a first fseek() so that stdio knows its file position:
 * without it glibc's ftell(), which rec_get() calls for every record,
 * is an lseek() each time, and every fseek() discards the buffer.
 */
static void
smtp_queue_buffer(struct smtp_queue *q, off_t size)
{
	size_t len = SMTP_QUEUE_BUF_MAX;

	if (size >= 0 && (size_t)size < len)
		len = (size_t)size + 1; /* EOF shows without a second read */
	if (len < SMTP_QUEUE_BUF_MIN)
		len = SMTP_QUEUE_BUF_MIN;
	q->iobuf = mem_alloc(len);
	(void)setvbuf((FILE *)q->fp, q->iobuf, _IOFBF, len);
	(void)fseek((FILE *)q->fp, 0L, SEEK_SET);
}

int
smtp_queue_open(struct smtp_queue *q, const char *queue_id, struct vbuf *why)
{
	struct vbuf path = VBUF_INIT;
	struct stat st;
	FILE *fp;

	memset(q, 0, sizeof(*q));
	q->fd = -1;
	qdir_path(&path, QDIR_ACTIVE, queue_id);
	/* One descriptor: stdio reads through it, the done marks are
	 * written at their offsets (pwrite(2)), as Postfix's smtp does with
	 * its one read-write stream. */
	if ((q->fd = open(path.data, O_RDWR | O_CLOEXEC)) < 0) {
		vbuf_printf(why, "open %s: %m", path.data);
		vbuf_free(&path);
		return -1;
	}
	if (flock(q->fd, LOCK_SH | LOCK_NB) < 0) {
		int locked = (errno == EWOULDBLOCK);

		if (!locked)
			vbuf_printf(why, "lock %s: %m", path.data);
		close(q->fd);
		q->fd = -1;
		vbuf_free(&path);
		return locked ? SMTP_QUEUE_LOCKED : -1;
	}
	vbuf_free(&path);
	if (fstat(q->fd, &st) < 0) {
		vbuf_printf(why, "fstat: %m");
		smtp_queue_close(q);
		return -1;
	}
	if ((fp = fdopen(q->fd, "r")) == NULL) {
		vbuf_printf(why, "fdopen: %m");
		smtp_queue_close(q);
		return -1;
	}
	q->fp = fp;
	smtp_queue_buffer(q, st.st_size);
	if (smtp_queue_envelope(q, why) < 0) {
		smtp_queue_close(q);
		return -1;
	}
	return 0;
}

int
smtp_queue_rewind(struct smtp_queue *q)
{
	if (q->fp == NULL)
		return -1;
	q->generic = smtp_generic_active();
	q->in_headers = q->generic;
	vbuf_reset(&q->line);
	vbuf_reset(&q->hdr);
	return fseek((FILE *)q->fp, q->data_offset, SEEK_SET);
}

/*
 * smtp_queue_header - a content record while headers are rewritten:
 * assemble the logical line and hand it over; a line too long to hold
 * ends the rewriting and goes out as it is. 0, or -1 (logged).
 */
static int
smtp_queue_header(struct smtp_queue *q, struct smtp_text *t, struct vbuf *out,
    int type)
{
	struct vbuf why = VBUF_INIT;
	int rc = 0;

	if (q->line.len + q->rec.len > (size_t)var_header_size_limit) {
		rc = smtp_generic_line(q, t, out, "", 0, &why);
		smtp_text_put(t, out, q->line.data, q->line.len, 0);
		vbuf_reset(&q->line);
		q->in_headers = 0;
		smtp_text_put(t, out, q->rec.data, q->rec.len,
		    type == REC_TYPE_NORM);
	} else {
		vbuf_append(&q->line, q->rec.data, q->rec.len);
		if (type == REC_TYPE_NORM) {
			rc = smtp_generic_line(q, t, out, q->line.data,
			    q->line.len, &why);
			vbuf_reset(&q->line);
		}
	}
	if (rc < 0) {
		msg_warn("%s", vbuf_str(&why));
		errno = EIO;
	}
	vbuf_free(&why);
	return (rc);
}

int
smtp_queue_content(struct smtp_queue *q, struct smtp_text *t, struct vbuf *out,
    size_t want)
{
	struct vbuf why = VBUF_INIT;
	int type;

	while (out->len < want) {
		type = rec_get((FILE *)q->fp, &q->rec, SMTP_QUEUE_REC_MAX,
		    REC_READER);
		if (q->in_headers &&
		    (type == REC_TYPE_NORM || type == REC_TYPE_CONT)) {
			if (smtp_queue_header(q, t, out, type) < 0)
				return -1;
			continue;
		}
		switch (type) {
		case REC_TYPE_NORM:
			smtp_text_put(t, out, q->rec.data, q->rec.len, 1);
			break;
		case REC_TYPE_CONT:
			smtp_text_put(t, out, q->rec.data, q->rec.len, 0);
			break;
		case REC_TYPE_XTRA:
			if (q->in_headers &&
			    smtp_generic_line(q, t, out, "", 0, &why) < 0) {
				msg_warn("%s", vbuf_str(&why));
				vbuf_free(&why);
				errno = EIO;
				return -1;
			}
			smtp_text_end(t, out);
			return 0;
		default:
			errno = EINVAL;
			return -1;
		}
	}
	return 1;
}

void
smtp_queue_close(struct smtp_queue *q)
{
	if (q->fp) {
		fclose((FILE *)q->fp); /* closes fd, drops the lock */
		q->fp = NULL;
		q->fd = -1;
	} else if (q->fd >= 0) {
		close(q->fd);
		q->fd = -1;
	}
	q->iobuf = mem_free(q->iobuf); /* after fclose(): stdio's buffer */
	q->sender = mem_free(q->sender);
	vbuf_free(&q->rec);
	vbuf_free(&q->line);
	vbuf_free(&q->hdr);
}
