/*
 * pickup_file - check one maildrop file and hand it to cleanup; see
 * pickup.h.
 *
 * Implementation notes:
 *
 *	A file is read twice: once to validate it completely, once to send
 *	it. Nothing of a bad file ever reaches cleanup, and a file that
 *	cleanup did not accept stays where it was (temporary failure) or
 *	goes to corrupt/ (bad file, permanent reject). The maildrop file is
 *	removed only after cleanup replied status=0, i.e. after the new
 *	queue file was fsync'ed.
 *
 *	Records are read with rec_get() (pointer records followed, padding
 *	skipped: requeued Postfix files may have them) with a length limit.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "attr.h"
#include "mem.h"
#include "msg.h"
#include "qdir.h"
#include "qfile.h"
#include "server.h"
#include "vbuf.h"
#include "pickup.h"

/*
 * What sendmail writes (postdrop's subset, queue.md section 5, plus T and
 * the C placeholder of Postfix 3.11 sendmail -O), and what a complete
 * queue file may hold (requeued with postsuper -r).
 */
#define FRESH_ENVELOPE "MCTFSRVA"
#define FRESH_CONTENT "XLN"
#define FRESH_EXTRACT "EAR"

/* pickup_info_free - release info contents */

void
pickup_info_free(struct pickup_info *info)
{
	info->sender = mem_free(info->sender);
}

/* bad_bytes - CR, LF or NUL inside a record */

static int
bad_bytes(const struct vbuf *buf)
{
	return (memchr(buf->data, '\r', buf->len) != 0 ||
	    memchr(buf->data, '\n', buf->len) != 0 ||
	    memchr(buf->data, 0, buf->len) != 0);
}

/* pickup_validate - check a maildrop file */

int
pickup_validate(FILE *fp, int requeued, size_t maxlen, struct pickup_info *info,
    struct vbuf *why)
{
	struct vbuf buf = VBUF_INIT;
	const char *allowed[3];
	int seg = 0;
	int type;
	int senders = 0;
	int ret = -1;

	allowed[0] = requeued ? REC_ENVELOPE_TYPES : FRESH_ENVELOPE;
	allowed[1] = requeued ? REC_CONTENT_TYPES : FRESH_CONTENT;
	allowed[2] = requeued ? REC_EXTRACT_TYPES : FRESH_EXTRACT;
	info->rcpt_count = 0;
	rewind(fp);
	for (;;) {
		type = rec_get(fp, &buf, maxlen, REC_FOLLOW_PTR);
		if (type == REC_EOF) {
			vbuf_set(why, "premature end of file (no end record)");
			goto done;
		}
		if (type == REC_ERR) {
			vbuf_set(why, "malformed or oversized record");
			goto done;
		}
		if (strchr(allowed[seg], type) == 0) {
			vbuf_reset(why);
			vbuf_printf(why, "unexpected record type %d in %s",
			    type,
			    seg == 0	   ? "envelope"
				: seg == 1 ? "content"
					   : "extracted envelope");
			goto done;
		}
		if (seg != 1 && bad_bytes(&buf)) {
			vbuf_reset(why);
			vbuf_printf(why, "CR, LF or NUL in record type %d",
			    type);
			goto done;
		}
		if (type == REC_TYPE_FROM) {
			if (senders++ > 0) {
				vbuf_set(why, "multiple sender records");
				goto done;
			}
			info->sender = mem_strdup(buf.data ? buf.data : "");
		} else if (type == REC_TYPE_RCPT) {
			info->rcpt_count++;
		} else if (type == REC_TYPE_ATTR && buf.len > 0 &&
		    memchr(buf.data, '=', buf.len) == 0) {
			vbuf_set(why, "malformed attribute record");
			goto done;
		}
		if (seg == 0 && type == REC_TYPE_MESG) {
			seg = 1;
		} else if (seg == 1 && type == REC_TYPE_XTRA) {
			seg = 2;
		} else if (seg == 2 && type == REC_TYPE_END) {
			break;
		}
	}
	if (getc(fp) != EOF) {
		vbuf_set(why, "data after the end record");
		goto done;
	}
	if (senders == 0) {
		vbuf_set(why, "no sender record");
		goto done;
	}
	if (info->rcpt_count == 0) {
		vbuf_set(why, "no recipient record");
		goto done;
	}
	ret = 0;
done:
	vbuf_free(&buf);
	return (ret);
}

/* pickup_send - stream the file's records to cleanup */

int
pickup_send(FILE *fp, int fd, const struct pickup_info *info, size_t maxlen,
    int timeout, struct vbuf *why)
{
	struct vbuf buf = VBUF_INIT;
	struct vbuf out = VBUF_INIT;
	struct vbuf attr = VBUF_INIT;
	int type;
	int ret = -1;

	rewind(fp);
	vbuf_printf(&attr, "submit_uid=%ld", (long)info->uid);
	rec_encode(&out, REC_TYPE_ATTR, attr.data, attr.len);
	for (;;) {
		type = rec_get(fp, &buf, maxlen, REC_FOLLOW_PTR);
		if (type == REC_EOF || type == REC_ERR) {
			vbuf_set(why,
			    "maildrop file changed while it was read");
			goto done;
		}
		if (type == REC_TYPE_SIZE)
			continue;
		if (type == REC_TYPE_ATTR && buf.len > 12 &&
		    strncmp(buf.data, "create_time=", 12) == 0)
			continue;
		rec_encode(&out, type, buf.data, buf.len);
		if (out.len >= 65536 || type == REC_TYPE_END) {
			if (attr_write(fd, &out, timeout) < 0) {
				vbuf_reset(why);
				vbuf_printf(why, "write to cleanup: %m");
				goto done;
			}
			vbuf_reset(&out);
		}
		if (type == REC_TYPE_END)
			break;
	}
	ret = 0;
done:
	vbuf_free(&buf);
	vbuf_free(&out);
	vbuf_free(&attr);
	return (ret);
}

/* save_corrupt - move a bad file out of the way */

static int
save_corrupt(const char *id)
{
	if (qdir_move(id, QDIR_MAILDROP, QDIR_CORRUPT) < 0) {
		msg_warn("cannot move %s/%s to %s: %m", QDIR_MAILDROP, id,
		    QDIR_CORRUPT);
		return (PICKUP_KEEP);
	}
	msg_warn("saving corrupt file \"%s\" from queue \"%s\" to queue \"%s\"",
	    id, QDIR_MAILDROP, QDIR_CORRUPT);
	return (PICKUP_CORRUPT);
}

/* pickup_file - process maildrop/ID */

int
pickup_file(const char *id, int timeout)
{
	struct pickup_info info;
	struct attr_list reply = {0};
	struct vbuf path = VBUF_INIT;
	struct vbuf why = VBUF_INIT;
	struct stat st;
	const char *status;
	const char *qid;
	const char *reason;
	size_t maxlen;
	FILE *fp = 0;
	int requeued;
	int fd = -1;
	int cfd = -1;
	int result;
	long code;

	memset(&info, 0, sizeof(info));
	qdir_path(&path, QDIR_MAILDROP, id);
	/* A file still being written (not yet 0744) may not even be readable
	 * by us: look before opening, so it is skipped, not saved as corrupt.
	 */
	if (lstat(path.data, &st) < 0 || !qdir_ready(&st)) {
		result = PICKUP_SKIP;
		goto done;
	}
	if ((fd = open(path.data,
		 O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		if (errno == ENOENT) {
			result = PICKUP_SKIP;
		} else {
			msg_warn("open input file %s: %m", path.data);
			result = errno == EMFILE || errno == ENFILE
			    ? PICKUP_KEEP
			    : save_corrupt(id);
		}
		goto done;
	}
	if (fstat(fd, &st) < 0 || !qdir_ready(&st)) {
		result = PICKUP_SKIP;
		goto done;
	}
	if ((fp = fdopen(fd, "r")) == 0) {
		msg_warn("fdopen %s: %m", path.data);
		result = PICKUP_KEEP;
		goto done;
	}
	fd = -1;
	requeued = (st.st_mode & S_IROTH) == 0;
	info.uid = st.st_uid;
	maxlen = 100 * 1024;

	if (pickup_validate(fp, requeued, maxlen, &info, &why) < 0) {
		msg_warn("%s: uid=%ld: %s", path.data, (long)st.st_uid,
		    why.data);
		result = save_corrupt(id);
		goto done;
	}
	if ((cfd = server_connect("public/cleanup", timeout, &why)) < 0) {
		msg_warn("%s: %s", id, why.data);
		result = PICKUP_DOWN;
		goto done;
	}
	if (pickup_send(fp, cfd, &info, maxlen, timeout, &why) < 0 ||
	    attr_read(cfd, &reply, timeout, &why) < 0) {
		msg_warn("%s: cleanup service: %s", id, vbuf_str(&why));
		result = PICKUP_KEEP;
		goto done;
	}
	status = attr_get(&reply, "status");
	qid = attr_get(&reply, "queue_id");
	reason = attr_get(&reply, "reason");
	code = status ? strtol(status, 0, 10) : -1;
	if (code == 0 && qid != 0) {
		if (unlink(path.data) < 0 && errno != ENOENT)
			msg_warn("remove %s: %m", path.data);
		if (requeued)
			msg_info("%s: uid=%ld from=<%s> orig_id=%s", qid,
			    (long)st.st_uid, info.sender, id);
		else
			msg_info("%s: uid=%ld from=<%s>", qid, (long)st.st_uid,
			    info.sender);
		result = PICKUP_DONE;
	} else if (code == EX_TEMPFAIL || code < 0) {
		msg_warn("%s: uid=%ld from=<%s>: cleanup service: %s -- will "
			 "retry",
		    id, (long)st.st_uid, info.sender,
		    reason ? reason : "malformed reply");
		result = PICKUP_KEEP;
	} else {
		msg_warn("%s: uid=%ld from=<%s>: message rejected: %s",
		    path.data, (long)st.st_uid, info.sender,
		    reason ? reason : "unknown");
		result = save_corrupt(id);
	}
done:
	if (cfd >= 0)
		(void)close(cfd);
	if (fp)
		(void)fclose(fp);
	if (fd >= 0)
		(void)close(fd);
	attr_list_free(&reply);
	pickup_info_free(&info);
	vbuf_free(&path);
	vbuf_free(&why);
	return (result);
}
