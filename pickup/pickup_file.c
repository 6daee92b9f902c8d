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

#include "mem.h"
#include "msg.h"
#include "qdir.h"
#include "qfile.h"
#include "enqueue.h"
#include "maildrop.h"
#include "vbuf.h"
#include "pickup.h"

/*
 * What postdrop writes (util/maildrop.h, Postfix's postdrop subset), and
 * what a complete queue file may hold (requeued with postsuper -r).
 */
#define FRESH_ENVELOPE MAILDROP_ENVELOPE
#define FRESH_CONTENT MAILDROP_CONTENT
#define FRESH_EXTRACT MAILDROP_EXTRACT

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
		/* strchr() finds the terminator: type 0 is never allowed. */
		if (type == 0 || strchr(allowed[seg], type) == 0) {
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

/* pickup_user_attr - a user's file: may this attribute go on? It is
 * rewritten in place as NAME=VALUE (blanks removed), as postdrop does. */

static int
pickup_user_attr(const struct pickup_info *info, struct vbuf *buf)
{
	char *copy = mem_strndup(buf->data, buf->len);
	const char *error;
	char *name;
	char *value;
	int ok;

	if ((error = maildrop_attr_split(copy, &name, &value)) != 0) {
		msg_warn("uid=%ld: ignoring malformed record: %s: %.200s",
		    (long)info->uid, error, buf->data);
		ok = 0;
	} else if ((ok = maildrop_attr_ok(name, value)) == 0) {
		msg_warn("uid=%ld: ignoring attribute record: %.200s=%.200s",
		    (long)info->uid, name, value);
	}
	if (ok) {
		vbuf_reset(buf);
		vbuf_printf(buf, "%s=%s", name, value);
	}
	mem_free(copy);
	return (ok);
}

/* pickup_send - stream the file's records to cleanup */

int
pickup_send(FILE *fp, struct enqueue *eq, const struct pickup_info *info,
    size_t maxlen, struct vbuf *why)
{
	struct vbuf buf = VBUF_INIT;
	int type;
	int ret = -1;

	rewind(fp);
	(void)enqueue_sendf(eq, REC_TYPE_ATTR, "submit_uid=%ld",
	    (long)info->uid);
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
		if (type == REC_TYPE_ATTR && !info->requeued &&
		    !pickup_user_attr(info, &buf))
			continue;
		if (enqueue_send(eq, type, buf.data, buf.len) < 0) {
			vbuf_reset(why);
			vbuf_printf(why, "write to cleanup: %m");
			goto done;
		}
		if (type == REC_TYPE_END)
			break;
	}
	ret = 0;
done:
	vbuf_free(&buf);
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

/* pickup_open - open maildrop/ID if it is a ready file; PICKUP_* or -1 */

static int
pickup_open(const char *id, const char *path, struct stat *st, FILE **fpp)
{
	int fd;

	/* A file still being written (not yet 0744) may not even be readable
	 * by us: look before opening, so it is skipped, not saved as corrupt.
	 */
	if (lstat(path, st) < 0 || !qdir_ready(st))
		return (PICKUP_SKIP);
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC)) <
	    0) {
		if (errno == ENOENT)
			return (PICKUP_SKIP);
		msg_warn("open input file %s: %m", path);
		return (errno == EMFILE || errno == ENFILE ? PICKUP_KEEP
							   : save_corrupt(id));
	}
	if (fstat(fd, st) < 0 || !qdir_ready(st)) {
		(void)close(fd);
		return (PICKUP_SKIP);
	}
	if ((*fpp = fdopen(fd, "r")) == 0) {
		msg_warn("fdopen %s: %m", path);
		(void)close(fd);
		return (PICKUP_KEEP);
	}
	return (-1);
}

/* pickup_verdict - act on cleanup's final reply */

static int
pickup_verdict(const char *id, const char *path, const struct stat *st,
    int requeued, const struct pickup_info *info,
    const struct enqueue_reply *reply)
{
	const char *reason = reply->reason;
	const char *qid = reply->queue_id;
	int code = reply->status;

	if (code == 0 && qid != 0) {
		if (unlink(path) < 0 && errno != ENOENT)
			msg_warn("remove %s: %m", path);
		if (requeued)
			msg_info("%s: uid=%ld from=<%s> orig_id=%s", qid,
			    (long)st->st_uid, info->sender, id);
		else
			msg_info("%s: uid=%ld from=<%s>", qid, (long)st->st_uid,
			    info->sender);
		return (PICKUP_DONE);
	}
	if (code == EX_TEMPFAIL || code < 0) {
		msg_warn("%s: uid=%ld from=<%s>: cleanup service: %s -- will "
			 "retry",
		    id, (long)st->st_uid, info->sender,
		    reason ? reason : "malformed reply");
		return (PICKUP_KEEP);
	}
	msg_warn("%s: uid=%ld from=<%s>: message rejected: %s", path,
	    (long)st->st_uid, info->sender, reason ? reason : "unknown");
	return (save_corrupt(id));
}

/* pickup_file - process maildrop/ID */

int
pickup_file(const char *id, const char *service, int timeout)
{
	struct pickup_info info;
	struct enqueue eq;
	struct vbuf path = VBUF_INIT;
	struct vbuf why = VBUF_INIT;
	struct stat st;
	size_t maxlen = 100 * 1024;
	FILE *fp = 0;
	int requeued;
	int result;

	memset(&info, 0, sizeof(info));
	enqueue_fdopen(&eq, -1, timeout);
	qdir_path(&path, QDIR_MAILDROP, id);
	if ((result = pickup_open(id, path.data, &st, &fp)) >= 0)
		goto done;
	/* Postfix's MAIL_IS_REQUEUED: owned by mail_owner (us) and not
	 * world-readable, i.e. put here by postsuper -r. Only such a file is
	 * trusted with internal records; any other is a user's submission. */
	requeued = (st.st_mode & S_IROTH) == 0 && st.st_uid == geteuid();
	info.uid = st.st_uid;
	info.requeued = requeued;
	if (pickup_validate(fp, requeued, maxlen, &info, &why) < 0) {
		msg_warn("%s: uid=%ld: %s", path.data, (long)st.st_uid,
		    why.data);
		result = save_corrupt(id);
		goto done;
	}
	if (enqueue_open(&eq, service, timeout, &why) < 0) {
		msg_warn("%s: %s", id, why.data);
		result = PICKUP_DOWN;
		goto done;
	}
	if (pickup_send(fp, &eq, &info, maxlen, &why) < 0 ||
	    enqueue_finish(&eq, &why) < 0) {
		msg_warn("%s: cleanup service: %s", id, vbuf_str(&why));
		result = PICKUP_KEEP;
		goto done;
	}
	result = pickup_verdict(id, path.data, &st, requeued, &info, &eq.reply);
done:
	enqueue_close(&eq);
	if (fp)
		(void)fclose(fp);
	pickup_info_free(&info);
	vbuf_free(&path);
	vbuf_free(&why);
	return (result);
}
