/*
 * showq - the queue listing; see showq.h.
 *
 * Implementation notes. One module-wide reader state holds the buffers
 * that are reused from message to message: the record buffer, a string
 * pool with every address and reason of the current message, the
 * recipient array and the duplicate filter (an open-addressing table of
 * recipient indexes, sized for the defer log entries only, since only
 * those are entered). Nothing survives from one message to the next, so
 * a walk over 100,000 messages uses the memory of its largest message.
 *
 * A queue file is opened with O_NONBLOCK|O_NOFOLLOW (a FIFO or symlink
 * planted in a queue cannot block or redirect us) and fstat()ed: that
 * stat is the ready test. Records are decoded with rec_parse() from our
 * own read buffer, with Postfix's reader semantics (pointer records
 * followed, with a loop guard; padding skipped); no record may exceed
 * SHOWQ_REC_MAX, which bounds memory on hostile maildrop files. At the
 * M record the reader jumps to data offset + content size, where the X
 * record must be; otherwise it goes back and reads through the content.
 * The reader uses pread(), so a jump costs no lseek(). The descriptor is
 * closed only after the callback returns, so that the dev/ino it reports
 * cannot be given to another file meanwhile (postsuper's selection
 * relies on it).
 *
 * Batches. Read one at a time, a queue file costs seven system calls
 * (open, fstat, read and close, and the defer log's open, read and
 * close), and on a paravirtualised machine the entry and exit of each
 * call cost as much as its work. So a walk (showq_scan) takes up to
 * SHOWQ_BATCH names of one directory from the scan and hands their work
 * to io_uring in four submissions: open every queue file and defer log
 * (relative to a dup of the scan's directory descriptor and the cached
 * defer directory); statx() each open queue file (the ready test, on the
 * descriptor); read the head (SHOWQ_HEAD bytes) and the last SHOWQ_TAIL
 * bytes of each ready file and the start of its log; after the last
 * callback of the batch, close them all. Reads are submitted only after
 * the ready test, so nothing but a regular file is ever read. The record
 * reader then takes the head and tail from memory (the jump over the
 * content usually lands in the tail) and pread()s what else it needs; the
 * defer log reader gets its first piece through dlog_bufopen(). Files
 * stay open until their batch ends, so the dev/ino guarantee holds. The
 * ring is the process's (uring.h; a child of fork() makes its own); the
 * batch (entries and buffers, about 250 KB, and up to 65
 * descriptors between steps) belongs to its scan, so memory still does
 * not grow with the queue. At most SHOWQ_BATCH_SCANS walks of a process
 * batch at once (the showq daemon may serve many clients with walks of
 * their own); the others, and a file whose open found no descriptor
 * left, are read one file at a time. Where the kernel refuses a ring
 * (io_uring_disabled, seccomp, old kernel), or with SLUICE_IO_URING=0 in
 * the environment (the tests use it), the walk reads one file at a time
 * as before. A ring that fails after its set-up is fatal (it only fails
 * when out of memory). Measured with postqueue -p on 50,000 deferred
 * messages: user+system time 1.10 s -> 0.66 s, wall 0.80 s -> 0.51 s
 * (docs/benchmarks.md). What did not help: a smaller first read in the
 * one-at-a-time reader (the extra pread() costs what the saved copying
 * gains), and batches of 64 or 128 instead of 32.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "showq.h"
#include "dlog.h"
#include "mem.h"
#include "msg.h"
#include "param.h"
#include "qdir.h"
#include "qfile.h"
#include "qid.h"
#include "uring.h"

#define SHOWQ_REC_MAX (1024 * 1024) /* bytes per record */
#define SHOWQ_EMPTY_ADDR "MAILER-DAEMON"
#define SHOWQ_READ_SIZE 8192 /* first read of a queue file */

const char *const showq_queues[] = {
    QDIR_MAILDROP,
    QDIR_ACTIVE,
    QDIR_INCOMING,
    QDIR_DEFERRED,
    QDIR_HOLD,
    0,
};

/*
 * A recipient while the message is being read: offsets into the pool.
 */
struct showq_slot {
	size_t addr;
	size_t reason; /* SIZE_MAX = none */
};

static struct showq_state {
	int init;
	long dup_limit;	  /* 0 = no limit */
	struct vbuf rec;  /* current record */
	struct vbuf why;  /* reader error text */
	struct vbuf path; /* queue file path */
	struct vbuf tmp;  /* quoting */
	struct vbuf pool; /* NUL-terminated strings */
	struct showq_slot *slots;
	size_t slot_count;
	size_t slot_cap;
	struct showq_rcpt *rcpt; /* built after reading */
	size_t rcpt_cap;
	size_t *dup;	/* slot index + 1; 0 = empty */
	size_t dup_cap; /* power of 2 */
	size_t dup_used;
	struct vbuf fbuf;	 /* queue file bytes */
	int noatime;		 /* O_NOATIME, until it fails with EPERM */
	struct dlog_reader *log; /* reused from message to message */
	struct vbuf logpath;	 /* defer/H/ID */
	struct vbuf logdir;	 /* defer/H of log_dfd */
	int log_dfd;		 /* -1: none cached */
} sq = {.log_dfd = -1};

/* The parameters the reader uses, bound once by showq_init(). */

static const struct param_var showq_params[] = {
    PARAM_VAR(duplicate_filter_limit),
    PARAM_VAR_END,
};

/* showq_init - one-time reader state */

static void
showq_init(void)
{
	if (sq.init)
		return;
	sq.init = 1;
#ifdef O_NOATIME
	sq.noatime = O_NOATIME;
#endif
	param_bind(showq_params);
	sq.dup_limit = var_duplicate_filter_limit;
	if (sq.dup_limit < 0)
		sq.dup_limit = 0;
}

/* showq_printable - printable ASCII, everything else '?' */

void
showq_printable(struct vbuf *out, const char *s)
{
	const unsigned char *cp;
	const unsigned char *start;

	for (start = cp = (const unsigned char *)s; *cp; cp++) {
		if (*cp < 0x20 || *cp > 0x7e) {
			vbuf_append(out, start, (size_t)(cp - start));
			vbuf_putc(out, '?');
			start = cp + 1;
		}
	}
	vbuf_append(out, start, (size_t)(cp - start));
}

/* showq_pool_addr - add a quoted printable address to the pool */

static size_t
showq_pool_addr(const char *addr, int quote)
{
	size_t off = sq.pool.len;

	if (*addr == 0)
		addr = SHOWQ_EMPTY_ADDR;
	if (quote) {
		vbuf_reset(&sq.tmp);
		dlog_quote_rcpt(&sq.tmp, addr);
		addr = vbuf_str(&sq.tmp);
	}
	showq_printable(&sq.pool, addr);
	vbuf_append(&sq.pool, "", 1); /* keep the NUL */
	return (off);
}

/* showq_pool_text - add printable text to the pool */

static size_t
showq_pool_text(const char *text)
{
	size_t off = sq.pool.len;

	showq_printable(&sq.pool, text);
	vbuf_append(&sq.pool, "", 1);
	return (off);
}

/* showq_slot_add - append a recipient */

static void
showq_slot_add(size_t addr, size_t reason)
{
	if (sq.slot_count >= sq.slot_cap) {
		sq.slot_cap = sq.slot_cap ? sq.slot_cap * 2 : 64;
		sq.slots =
		    mem_realloc(sq.slots, sq.slot_cap * sizeof(*sq.slots));
	}
	sq.slots[sq.slot_count].addr = addr;
	sq.slots[sq.slot_count].reason = reason;
	sq.slot_count++;
}

/* showq_hash - FNV-1a */

static size_t
showq_hash(const char *s)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return ((size_t)h);
}

/* showq_dup_reset - empty the filter, room for want entries */

static void
showq_dup_reset(size_t want)
{
	size_t cap = 16;

	while (cap < want * 2)
		cap *= 2;
	if (cap > sq.dup_cap) {
		sq.dup = mem_realloc(sq.dup, cap * sizeof(*sq.dup));
		sq.dup_cap = cap;
	}
	memset(sq.dup, 0, sq.dup_cap * sizeof(*sq.dup));
	sq.dup_used = 0;
}

/* showq_dup_find - is this address in the filter? */

static int
showq_dup_find(const char *addr)
{
	size_t mask = sq.dup_cap - 1;
	size_t i;

	if (sq.dup_used == 0)
		return (0);
	for (i = showq_hash(addr) & mask; sq.dup[i] != 0; i = (i + 1) & mask)
		if (strcmp(sq.pool.data + sq.slots[sq.dup[i] - 1].addr, addr) ==
		    0)
			return (1);
	return (0);
}

/* showq_dup_put - insert a slot index (no duplicate check) */

static void
showq_dup_put(size_t slot)
{
	size_t mask = sq.dup_cap - 1;
	size_t i;

	for (i = showq_hash(sq.pool.data + sq.slots[slot].addr) & mask;
	     sq.dup[i] != 0; i = (i + 1) & mask)
		/* void */;
	sq.dup[i] = slot + 1;
	sq.dup_used++;
}

/* showq_dup_enter - remember the address of this slot */

static void
showq_dup_enter(size_t slot)
{
	size_t *old;
	size_t old_cap;
	size_t i;

	if (sq.dup_limit > 0 && sq.dup_used >= (size_t)sq.dup_limit)
		return;
	if (showq_dup_find(sq.pool.data + sq.slots[slot].addr))
		return;
	if ((sq.dup_used + 1) * 2 > sq.dup_cap) {
		old_cap = sq.dup_cap;
		old = sq.dup;
		sq.dup_cap = old_cap * 2;
		sq.dup = mem_calloc(sq.dup_cap, sizeof(*sq.dup));
		sq.dup_used = 0;
		for (i = 0; i < old_cap; i++)
			if (old[i] != 0)
				showq_dup_put(old[i] - 1);
		mem_free(old);
	}
	showq_dup_put(slot);
}

/*
 * showq_openat - open name for reading, relative to dfd, without
 * updating its access time where the kernel lets us (O_NOATIME needs
 * the file's owner or root: mail_owner or the superuser here).
 */
static int
showq_openat(int dfd, const char *name, int flags)
{
	int fd;

	flags |= O_RDONLY | O_CLOEXEC;
	if ((fd = openat(dfd, name, flags | sq.noatime)) < 0 &&
	    errno == EPERM && sq.noatime) {
		sq.noatime = 0;
		fd = openat(dfd, name, flags);
	}
	return (fd);
}

/* showq_logdir_reset - forget the cached defer log directory */

static void
showq_logdir_reset(void)
{
	if (sq.log_dfd >= 0)
		(void)close(sq.log_dfd);
	sq.log_dfd = -1;
	vbuf_reset(&sq.logdir);
}

/*
 * showq_logdir_fd - the cached descriptor of the directory of logpath
 * (defer/[hash/]ID), opened when the cache holds another one; -1 when
 * it cannot be opened. base gets the name in it.
 */
static int
showq_logdir_fd(const char *logpath, const char **base)
{
	const char *slash = strrchr(logpath, '/');
	size_t dlen = slash ? (size_t)(slash - logpath) : 0;

	*base = slash ? slash + 1 : logpath;
	if (sq.logdir.len != dlen || sq.logdir.data == 0 ||
	    memcmp(sq.logdir.data, logpath, dlen) != 0) {
		showq_logdir_reset();
		vbuf_append(&sq.logdir, logpath, dlen);
		sq.log_dfd =
		    showq_openat(AT_FDCWD, sq.logdir.data, O_DIRECTORY);
	}
	return (sq.log_dfd);
}

/*
 * showq_open_log - open defer/[hash/]ID. In a walk (walk set) the
 * directory is opened once and each log relative to it; the cache is
 * dropped when a walk starts (showq_scan_open()).
 */
static int
showq_open_log(const char *id, int walk)
{
	const char *base;
	int dfd;

	qdir_path(&sq.logpath, QDIR_DEFER, id);
	if (!walk)
		return (showq_openat(AT_FDCWD, sq.logpath.data, 0));
	if ((dfd = showq_logdir_fd(sq.logpath.data, &base)) < 0) {
		errno = ENOENT;
		return (-1);
	}
	return (showq_openat(dfd, base, 0));
}

/* showq_log_entries - enter the entries of the log open in sq.log */

static void
showq_log_entries(void)
{
	struct dlog_entry e;

	while (dlog_next(sq.log, &e) > 0) {
		size_t addr =
		    showq_pool_addr(e.recipient ? e.recipient : "", 0);
		size_t reason = showq_pool_text(e.reason ? e.reason : "");

		showq_slot_add(addr, reason);
		showq_dup_enter(sq.slot_count - 1);
	}
}

/* showq_read_log - the defer log entries come first */

static void
showq_read_log(const char *id, int walk)
{
	int fd;

	if ((fd = showq_open_log(id, walk)) < 0) {
		if (errno != ENOENT)
			msg_warn("open %s log for %s: %m", QDIR_DEFER, id);
		return;
	}
	sq.log = dlog_fdopen(sq.log, fd, QDIR_DEFER, sq.logpath.data);
	showq_log_entries();
}

/* showq_rcpt_record - an R record, unless the log listed it */

static void
showq_rcpt_record(const char *addr)
{
	size_t off = showq_pool_addr(addr, 1);

	if (showq_dup_find(sq.pool.data + off)) {
		vbuf_truncate(&sq.pool, off);
		return;
	}
	showq_slot_add(off, SIZE_MAX);
}

/* showq_number - leading decimal seconds of a T record */

static long
showq_number(const char *s)
{
	long val = 0;

	while (*s == ' ')
		s++;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (val > (LONG_MAX - 9) / 10)
			return (0);
		val = val * 10 + (*s - '0');
	}
	return (val);
}

/*
 * A small buffered record reader on a descriptor. It knows the file
 * offset of its buffer, so seeking inside what was read costs nothing;
 * it reads with pread(), so a seek elsewhere costs no system call
 * either, and it never calls lseek() just to learn where it is (stdio's
 * ftell() does, once per record, which dominated a listing of a large
 * queue). Pieces of the file already read (by a batch, see below) are
 * taken from memory instead of the file.
 */
struct showq_ext {
	off_t off;	  /* file offset of data[0] */
	const char *data; /* bytes read there */
	size_t len;
};

#define SHOWQ_EXT_MAX 2 /* head and tail of a batched queue file */

struct showq_rd {
	int fd;
	off_t base;	 /* file offset of buf[0] */
	size_t pos;	 /* next record in buf */
	size_t len;	 /* bytes in buf */
	int jumps;	 /* pointer records followed */
	const char *why; /* reason for SHOWQ_RD_ERR */
	struct showq_ext ext[SHOWQ_EXT_MAX];
	int next_count; /* preloaded pieces in ext */
};

#define SHOWQ_RD_JUMPS 10000 /* pointer loop guard */

/* showq_rd_seek - continue reading at offset */

static int
showq_rd_seek(struct showq_rd *rd, off_t off)
{
	if (off >= rd->base && off <= rd->base + (off_t)rd->len) {
		rd->pos = (size_t)(off - rd->base);
		return (0);
	}
	rd->base = off;
	rd->pos = rd->len = 0;
	return (0);
}

/* showq_rd_tell - offset of the next record */

static off_t
showq_rd_tell(struct showq_rd *rd)
{
	return (rd->base + (off_t)rd->pos);
}

/* showq_rd_fill - bytes at base + len into the buffer: memory or pread() */

static ssize_t
showq_rd_fill(struct showq_rd *rd)
{
	off_t at = rd->base + (off_t)rd->len;
	size_t room = sq.fbuf.cap - 1 - rd->len;
	const struct showq_ext *e;
	ssize_t n;
	int i;

	for (i = 0; i < rd->next_count; i++) {
		e = rd->ext + i;
		if (at >= e->off && at < e->off + (off_t)e->len) {
			n = (ssize_t)(e->off + (off_t)e->len - at);
			if ((size_t)n > room)
				n = (ssize_t)room;
			memcpy(sq.fbuf.data + rd->len, e->data + (at - e->off),
			    (size_t)n);
			return (n);
		}
	}
	do {
		n = pread(rd->fd, sq.fbuf.data + rd->len, room, at);
	} while (n < 0 && errno == EINTR);
	return (n);
}

/*
 * showq_rd_next - next record: type, data copied to sq.rec when keep is
 * set (NUL-terminated). Follows 'p' records and skips 'w' padding as
 * Postfix's rec_get() does. REC_EOF at a clean end, REC_ERR with why.
 */
static int
showq_rd_next(struct showq_rd *rd, int keep)
{
	int type;
	size_t doff;
	size_t dlen;
	long used;
	ssize_t n;

	for (;;) {
		used = rec_parse(sq.fbuf.data + rd->pos, rd->len - rd->pos,
		    SHOWQ_REC_MAX, &type, &doff, &dlen);
		if (used < 0) {
			rd->why = "bad record length";
			return (REC_ERR);
		}
		if (used == 0) {
			/* Need more: keep the partial record, make room, read.
			 */
			if (rd->pos > 0) {
				memmove(sq.fbuf.data, sq.fbuf.data + rd->pos,
				    rd->len - rd->pos);
				rd->base += (off_t)rd->pos;
				rd->len -= rd->pos;
				rd->pos = 0;
			}
			if (rd->len >= sq.fbuf.cap - 1)
				vbuf_reserve(&sq.fbuf, sq.fbuf.cap);
			if ((n = showq_rd_fill(rd)) < 0) {
				rd->why = "read error";
				return (REC_ERR);
			}
			if (n == 0) {
				if (rd->len == rd->pos)
					return (REC_EOF);
				rd->why = "unexpected end of file in record";
				return (REC_ERR);
			}
			rd->len += (size_t)n;
			continue;
		}
		rd->pos += (size_t)used;
		if (type == REC_TYPE_DTXT)
			continue;
		if (type == REC_TYPE_PTR || keep) {
			vbuf_reset(&sq.rec);
			vbuf_append(&sq.rec, sq.fbuf.data + rd->pos - dlen,
			    dlen);
		}
		if (type == REC_TYPE_PTR) {
			char *end;
			long off;

			errno = 0;
			off = strtol(sq.rec.data, &end, 10);
			if (errno != 0 || *end != 0 || off < 0) {
				rd->why = "malformed pointer record";
				return (REC_ERR);
			}
			if (off == 0)
				continue;
			if (++rd->jumps > SHOWQ_RD_JUMPS) {
				rd->why = "too many pointer records";
				return (REC_ERR);
			}
			if (showq_rd_seek(rd, (off_t)off) < 0)
				return (REC_ERR);
			continue;
		}
		return (type);
	}
}

/* showq_skip_content - read through content records up to X */

static int
showq_skip_content(struct showq_rd *rd)
{
	int type;

	while ((type = showq_rd_next(rd, 0)) > 0)
		if (type == REC_TYPE_XTRA || type == REC_TYPE_END)
			return (type);
	return (type);
}

/* showq_size_record - the size record: content size and offset */

static void
showq_size_record(const char *queue, const char *id, long *size, long *data_off)
{
	long fields[6];

	if (rec_size_parse(sq.rec.data, sq.rec.len, fields) < 1 ||
	    (fields[0] <= 0 && strcmp(queue, QDIR_MAILDROP) != 0)) {
		msg_warn("%s %s: bad size record: %.100s", queue, id,
		    sq.rec.data);
		*size = 0;
	} else if (fields[0] > 0) {
		*size = fields[0];
		*data_off = fields[1];
	} else {
		*size = 0;
	}
}

/* showq_report - hand one message, read into sq, to the callback */

static int
showq_report(const char *queue, const char *id, const struct stat *st,
    long arrival, long size, size_t sender, showq_fn *fn, void *ctx)
{
	struct showq_msg msg;
	size_t i;

	/*
	 * Pointers into the pool are stable from here on.
	 */
	if (sq.slot_count > sq.rcpt_cap) {
		sq.rcpt_cap = sq.slot_count;
		sq.rcpt = mem_realloc(sq.rcpt, sq.rcpt_cap * sizeof(*sq.rcpt));
	}
	for (i = 0; i < sq.slot_count; i++) {
		sq.rcpt[i].address = sq.pool.data + sq.slots[i].addr;
		sq.rcpt[i].reason = sq.slots[i].reason == SIZE_MAX
		    ? 0
		    : sq.pool.data + sq.slots[i].reason;
	}
	msg.queue = queue;
	msg.id = id;
	msg.path = sq.path.data;
	msg.arrival = arrival ? arrival : (long)st->st_mtime;
	msg.size = size > 0 ? size : (long)st->st_size;
	msg.forced_expire = (st->st_mode & S_IXGRP) != 0;
	msg.sender = sq.pool.data + sender;
	msg.rcpt = sq.rcpt;
	msg.rcpt_count = sq.slot_count;
	msg.dev = st->st_dev;
	msg.ino = st->st_ino;
	return (fn(&msg, ctx));
}

/*
 * showq_open - open a ready queue file: name relative to dfd (a walk),
 * else path, else the hashed path.
 */
static int
showq_open(const char *queue, const char *id, const char *path, int dfd,
    struct stat *st)
{
	int fd;

	if (path != 0)
		vbuf_set(&sq.path, path);
	else
		qdir_path(&sq.path, queue, id);
	if ((fd = showq_openat(dfd >= 0 ? dfd : AT_FDCWD,
		 dfd >= 0 ? id : sq.path.data, O_NONBLOCK | O_NOFOLLOW)) < 0) {
		if (errno != ENOENT && errno != ELOOP)
			msg_warn("open %s: %m", sq.path.data);
		return (-1);
	}
	if (fstat(fd, st) < 0 || !qdir_ready(st)) {
		(void)close(fd);
		return (-1);
	}
	return (fd);
}

/* showq_msg_start - forget the previous message */

static void
showq_msg_start(void)
{
	vbuf_reset(&sq.pool);
	sq.slot_count = 0;
	showq_dup_reset(16);
}

/*
 * showq_parse - read the records of the queue file in rd (its stat in
 * st; the defer log already entered) and report the message. The file
 * must stay open until this returns.
 */
static int
showq_parse(const char *queue, const char *id, const struct stat *st,
    struct showq_rd *rd, showq_fn *fn, void *ctx)
{
	int type;
	int sender_seen = 0;
	long arrival = 0;
	long size = -1;
	long data_off = 0;
	off_t content;
	size_t sender = 0;
	int in_content = 0;

	if (sq.fbuf.cap < SHOWQ_READ_SIZE)
		vbuf_reserve(&sq.fbuf, SHOWQ_READ_SIZE);
	while ((type = showq_rd_next(rd, 1)) > 0) {
		switch (type) {
		case REC_TYPE_SIZE:
			if (size < 0)
				showq_size_record(queue, id, &size, &data_off);
			break;
		case REC_TYPE_TIME:
			if (arrival == 0)
				arrival = showq_number(sq.rec.data);
			break;
		case REC_TYPE_FROM:
			if (sender_seen++) {
				msg_warn("%s %s: duplicate sender address: "
					 "%.100s -- "
					 "skipping remainder of this file",
				    queue, id, sq.rec.data);
				goto done;
			}
			sender = showq_pool_addr(sq.rec.data, 1);
			break;
		case REC_TYPE_RCPT:
			showq_rcpt_record(sq.rec.data);
			break;
		case REC_TYPE_MESG:
			in_content = 1;
			content = showq_rd_tell(rd);
			if (size > 0 && data_off > 0 &&
			    data_off + size < st->st_size) {
				(void)showq_rd_seek(rd,
				    (off_t)(data_off + size));
				type = showq_rd_next(rd, 0);
				if (type == REC_TYPE_XTRA) {
					in_content = 0;
					break;
				}
				(void)showq_rd_seek(rd, content);
			}
			type = showq_skip_content(rd);
			if (type != REC_TYPE_XTRA)
				goto done;
			in_content = 0;
			break;
		case REC_TYPE_END:
			goto done;
		default:
			break;
		}
	}
done:
	if (type == REC_ERR)
		msg_warn("%s: %s", sq.path.data,
		    rd->why ? rd->why : "read error");
	else if (type == REC_EOF || in_content)
		msg_warn("%s: premature end of queue file", sq.path.data);
	if (!sender_seen)
		return (0);
	return (showq_report(queue, id, st, arrival, size, sender, fn, ctx));
}

/* showq_read_at - report one message at path (NULL: the hashed path) */

static int
showq_read_at(const char *queue, const char *id, const char *path, int dfd,
    showq_fn *fn, void *ctx)
{
	struct showq_rd rd;
	struct stat st;
	int fd;
	int ret;

	showq_init();
	if ((fd = showq_open(queue, id, path, dfd, &st)) < 0)
		return (0);
	memset(&rd, 0, sizeof(rd));
	rd.fd = fd;

	/* Logs first, then the file. */
	showq_msg_start();
	showq_read_log(id, dfd >= 0);

	/* The file stays open while fn runs: its inode cannot be reused. */
	ret = showq_parse(queue, id, &st, &rd, fn, ctx);
	(void)close(fd);
	return (ret);
}

/* showq_read - report one message */

int
showq_read(const char *queue, const char *id, showq_fn *fn, void *ctx)
{
	return (showq_read_at(queue, id, (const char *)0, -1, fn, ctx));
}

/*
 * Batches (see the notes at the top): up to SHOWQ_BATCH queue files of one
 * directory go through io_uring together. The ring is the process's; a
 * batch's entries, buffers and directory descriptor belong to its scan.
 */
#define SHOWQ_BATCH 32	    /* queue files per batch */
#define SHOWQ_HEAD 4096	    /* first piece of a batched queue file */
#define SHOWQ_TAIL 1024	    /* its last piece (the extracted segment) */
#define SHOWQ_LOG_READ 2048 /* first piece of its defer log */
#define SHOWQ_PATH_MAX 320  /* queue + 16 hash levels + a 255-byte ID */
#define SHOWQ_BATCH_SCANS 4 /* batched walks open at once in a process */
_Static_assert(3 * SHOWQ_BATCH <= URING_ENTRIES,
    "a batch's reads fit the ring");

/* What a completion was for: the low bits of user_data. */
#define SQ_OP_QOPEN 0
#define SQ_OP_LOPEN 1
#define SQ_OP_HEAD 2
#define SQ_OP_TAIL 3
#define SQ_OP_LOG 4
#define SQ_OP_CLOSE 5
#define SQ_OP_STATX 6
#define SQ_OP_BITS 3

struct showq_bent {
	char path[SHOWQ_PATH_MAX];    /* queue/[hash/]ID */
	char logpath[SHOWQ_PATH_MAX]; /* defer/[hash/]ID */
	size_t id_off;		      /* ID in path */
	int qfd;		      /* queue file, or -1 */
	int lfd;		      /* defer log, or -1 */
	int qres;		      /* open results: fd or -errno */
	int lres;
	int ready; /* fstat() passed qdir_ready() */
	struct stat st;
	struct statx stx; /* what the ring's statx() gave */
	int stx_res;	  /* 0 or -errno */
	int head_len;	  /* bytes read, or -errno */
	int tail_len;
	int log_len;
	off_t tail_off;
};

struct showq_batch {
	struct showq_bent ent[SHOWQ_BATCH];
	char head[SHOWQ_BATCH][SHOWQ_HEAD];
	char tail[SHOWQ_BATCH][SHOWQ_TAIL];
	char log[SHOWQ_BATCH][SHOWQ_LOG_READ];
	int count; /* entries loaded */
	int next;  /* next to report */
	int dfd;   /* their directory (a dup), or -1 */
	int look;  /* look_path: a name for the next batch */
	char look_path[SHOWQ_PATH_MAX];
	size_t look_off; /* its ID */
};

/* Batched walks open in this process (a child of fork() starts at 0). */
static struct {
	pid_t pid;
	int n;
} sq_scans;

/* showq_scans - this process's count of batched walks */

static int *
showq_scans(void)
{
	if (sq_scans.pid != getpid()) {
		sq_scans.pid = getpid();
		sq_scans.n = 0;
	}
	return (&sq_scans.n);
}

/* showq_sqe - the next submission entry, for entry idx */

static struct io_uring_sqe *
showq_sqe(int idx, int op)
{
	return (uring_sqe(((uint64_t)idx << SQ_OP_BITS) | op));
}

/* showq_ring_done - store one completion */

static void
showq_ring_done(void *ctx, uint64_t data, int res)
{
	struct showq_batch *b = ctx;
	struct showq_bent *e = b->ent + (data >> SQ_OP_BITS);

	switch (data & ((1 << SQ_OP_BITS) - 1)) {
	case SQ_OP_QOPEN:
		e->qres = res;
		e->qfd = res >= 0 ? res : -1;
		break;
	case SQ_OP_LOPEN:
		e->lres = res;
		e->lfd = res >= 0 ? res : -1;
		break;
	case SQ_OP_HEAD:
		e->head_len = res;
		break;
	case SQ_OP_TAIL:
		e->tail_len = res;
		break;
	case SQ_OP_LOG:
		e->log_len = res;
		break;
	case SQ_OP_STATX:
		e->stx_res = res;
		break;
	}
}

/*
 * showq_batch_add - one more name of the scan; 0 when it lies in another
 * directory (it is kept for the next batch) or the batch is full.
 */
static int
showq_batch_add(struct showq_batch *b, const char *id, const char *path)
{
	struct showq_bent *e = b->ent + b->count;
	size_t plen = strlen(path);
	size_t dlen = plen - strlen(id);

	if (plen >= SHOWQ_PATH_MAX) {
		msg_warn("%s: name too long", path);
		return (1);
	}
	if (b->count > 0 &&
	    (dlen != b->ent[0].id_off ||
		memcmp(path, b->ent[0].path, dlen) != 0)) {
		memcpy(b->look_path, path, plen + 1);
		b->look_off = dlen;
		b->look = 1;
		return (0);
	}
	qdir_path(&sq.logpath, QDIR_DEFER, id);
	if (sq.logpath.len >= SHOWQ_PATH_MAX) {
		msg_warn("%s: name too long", sq.logpath.data);
		return (1);
	}
	memcpy(e->path, path, plen + 1);
	e->id_off = dlen;
	memcpy(e->logpath, sq.logpath.data, sq.logpath.len + 1);
	b->count++;
	return (b->count < SHOWQ_BATCH);
}

/*
 * showq_batch_open - open every queue file and defer log of the batch.
 * Logs in the directory of the first entry's log go relative to the
 * cached directory descriptor, others by path (the cache must not change
 * while the ring may still use its descriptor).
 */
static void
showq_batch_open(struct showq_batch *b)
{
	struct showq_bent *e;
	const char *base;
	size_t dlen;
	unsigned n = 0;
	int flags = O_RDONLY | O_CLOEXEC | sq.noatime;
	int i;

	(void)showq_logdir_fd(b->ent[0].logpath, &base);
	for (i = 0; i < b->count; i++) {
		e = b->ent + i;
		e->qfd = e->lfd = -1;
		e->qres = e->lres = -ENOENT;
		e->ready = 0;
		e->head_len = e->tail_len = e->log_len = 0;
		io_uring_prep_openat(showq_sqe(i, SQ_OP_QOPEN),
		    b->dfd >= 0 ? b->dfd : AT_FDCWD,
		    b->dfd >= 0 ? e->path + e->id_off : e->path,
		    flags | O_NONBLOCK | O_NOFOLLOW, 0);
		n++;
		base = strrchr(e->logpath, '/');
		dlen = base ? (size_t)(base - e->logpath) : 0;
		if (sq.logdir.len == dlen &&
		    memcmp(sq.logdir.data, e->logpath, dlen) == 0) {
			if (sq.log_dfd < 0)
				continue; /* no such directory */
			io_uring_prep_openat(showq_sqe(i, SQ_OP_LOPEN),
			    sq.log_dfd, base + 1, flags, 0);
		} else {
			io_uring_prep_openat(showq_sqe(i, SQ_OP_LOPEN),
			    AT_FDCWD, e->logpath, flags, 0);
		}
		n++;
	}
	uring_run(n, showq_ring_done, b);

	/* O_NOATIME refused (not the file's owner): as showq_openat() does */
	for (i = 0; i < b->count && sq.noatime; i++) {
		e = b->ent + i;
		if (e->qres == -EPERM) {
			e->qfd = showq_openat(b->dfd >= 0 ? b->dfd : AT_FDCWD,
			    b->dfd >= 0 ? e->path + e->id_off : e->path,
			    O_NONBLOCK | O_NOFOLLOW);
			e->qres = e->qfd >= 0 ? e->qfd : -errno;
		}
		if (e->lres == -EPERM) {
			e->lfd = showq_openat(AT_FDCWD, e->logpath, 0);
			e->lres = e->lfd >= 0 ? e->lfd : -errno;
		}
	}
}

/* showq_batch_stat - e->st from the statx() result, else fstat() */

static int
showq_batch_stat(struct showq_bent *e)
{
	if (e->stx_res < 0 ||
	    (e->stx.stx_mask & STATX_BASIC_STATS) != STATX_BASIC_STATS)
		return (fstat(e->qfd, &e->st));
	memset(&e->st, 0, sizeof(e->st));
	e->st.st_dev = makedev(e->stx.stx_dev_major, e->stx.stx_dev_minor);
	e->st.st_ino = (ino_t)e->stx.stx_ino;
	e->st.st_mode = e->stx.stx_mode;
	e->st.st_nlink = e->stx.stx_nlink;
	e->st.st_uid = e->stx.stx_uid;
	e->st.st_gid = e->stx.stx_gid;
	e->st.st_size = (off_t)e->stx.stx_size;
	e->st.st_mtim.tv_sec = e->stx.stx_mtime.tv_sec;
	e->st.st_mtim.tv_nsec = e->stx.stx_mtime.tv_nsec;
	return (0);
}

/*
 * showq_batch_read - the ready test, then one read of each ready file's
 * head, its tail when the file is larger, and its defer log's start.
 */
static void
showq_batch_read(struct showq_batch *b)
{
	struct showq_bent *e;
	unsigned n = 0;
	off_t size;
	int i;

	for (i = 0; i < b->count; i++) {
		e = b->ent + i;
		e->stx_res = -ENOENT;
		if (e->qfd < 0)
			continue;
		io_uring_prep_statx(showq_sqe(i, SQ_OP_STATX), e->qfd, "",
		    AT_EMPTY_PATH, STATX_BASIC_STATS, &e->stx);
		n++;
	}
	if (n > 0)
		uring_run(n, showq_ring_done, b);
	n = 0;
	for (i = 0; i < b->count; i++) {
		e = b->ent + i;
		if (e->qfd < 0) {
			if (e->qres == -EMFILE || e->qres == -ENFILE)
				continue; /* read alone (showq_batch_report) */
			if (e->qres != -ENOENT && e->qres != -ELOOP) {
				errno = -e->qres;
				msg_warn("open %s: %m", e->path);
			}
			continue;
		}
		if (showq_batch_stat(e) < 0 || !qdir_ready(&e->st))
			continue;
		e->ready = 1;
		size = e->st.st_size;
		if (size > 0) {
			io_uring_prep_read(showq_sqe(i, SQ_OP_HEAD), e->qfd,
			    b->head[i],
			    size < SHOWQ_HEAD ? (unsigned)size : SHOWQ_HEAD, 0);
			n++;
		}
		if (size > SHOWQ_HEAD) {
			e->tail_off = size - SHOWQ_TAIL > SHOWQ_HEAD
			    ? size - SHOWQ_TAIL
			    : SHOWQ_HEAD;
			io_uring_prep_read(showq_sqe(i, SQ_OP_TAIL), e->qfd,
			    b->tail[i], (unsigned)(size - e->tail_off),
			    (uint64_t)e->tail_off);
			n++;
		}
		if (e->lfd >= 0) {
			/* at the file position, where the log reader goes on */
			io_uring_prep_read(showq_sqe(i, SQ_OP_LOG), e->lfd,
			    b->log[i], SHOWQ_LOG_READ, (uint64_t)-1);
			n++;
		}
	}
	if (n > 0)
		uring_run(n, showq_ring_done, b);
}

/* showq_batch_report - report the next entry of the batch */

static int
showq_batch_report(struct showq_batch *b, const char *queue, showq_fn *fn,
    void *ctx)
{
	int i = b->next++;
	struct showq_bent *e = b->ent + i;
	const char *id = e->path + e->id_off;
	struct showq_rd rd;

	if (e->qres == -EMFILE || e->qres == -ENFILE)
		return (showq_read_at(queue, id, e->path, -1, fn, ctx));
	if (!e->ready)
		return (0);
	vbuf_set(&sq.path, e->path);
	showq_msg_start();
	if (e->lfd >= 0 && e->log_len >= 0) {
		sq.log = dlog_bufopen(sq.log, e->lfd, QDIR_DEFER, e->logpath,
		    b->log[i], (size_t)e->log_len,
		    e->log_len == SHOWQ_LOG_READ);
		showq_log_entries();
	} else if (e->lfd >= 0) {
		errno = -e->log_len;
		msg_warn("read %s: %m", e->logpath);
	} else if (e->lres != -ENOENT) {
		errno = -e->lres;
		msg_warn("open %s log for %s: %m", QDIR_DEFER, id);
	}
	memset(&rd, 0, sizeof(rd));
	rd.fd = e->qfd;
	if (e->head_len > 0) {
		rd.ext[rd.next_count].off = 0;
		rd.ext[rd.next_count].data = b->head[i];
		rd.ext[rd.next_count++].len = (size_t)e->head_len;
	}
	if (e->tail_len > 0) {
		rd.ext[rd.next_count].off = e->tail_off;
		rd.ext[rd.next_count].data = b->tail[i];
		rd.ext[rd.next_count++].len = (size_t)e->tail_len;
	}
	/* The file stays open while fn runs (closed by showq_batch_end()). */
	return (showq_parse(queue, id, &e->st, &rd, fn, ctx));
}

/* showq_batch_end - close the batch's files, all at once */

static void
showq_batch_end(struct showq_batch *b)
{
	unsigned n = 0;
	int i;

	int mine = uring_live();

	for (i = 0; i < b->count; i++) {
		if (b->ent[i].qfd >= 0 && mine) {
			io_uring_prep_close(showq_sqe(i, SQ_OP_CLOSE),
			    b->ent[i].qfd);
			n++;
		} else if (b->ent[i].qfd >= 0) {
			(void)close(b->ent[i].qfd);
		}
		if (b->ent[i].lfd >= 0 && mine) {
			io_uring_prep_close(showq_sqe(i, SQ_OP_CLOSE),
			    b->ent[i].lfd);
			n++;
		} else if (b->ent[i].lfd >= 0) {
			(void)close(b->ent[i].lfd);
		}
		b->ent[i].qfd = b->ent[i].lfd = -1;
	}
	if (n > 0)
		uring_run(n, showq_ring_done, b);
	if (b->dfd >= 0)
		(void)close(b->dfd);
	b->dfd = -1;
	b->count = b->next = 0;
}

/*
 * showq_batch_fill - the next batch: id (or the name kept from the last
 * fill) and the names after it in the same directory.
 */
static void
showq_batch_fill(struct showq_batch *b, struct qdir_scan *dir, const char *id)
{
	int dfd = qdir_scan_dirfd(dir);

	b->count = b->next = 0;
	if (b->look) {
		b->look = 0;
		(void)showq_batch_add(b, b->look_path + b->look_off,
		    b->look_path);
	} else {
		(void)showq_batch_add(b, id, qdir_scan_path(dir));
	}
	if (b->count == 0)
		return;
	/* Before the scan may close it. */
	b->dfd = dfd >= 0 ? fcntl(dfd, F_DUPFD_CLOEXEC, 0) : -1;
	while (b->count < SHOWQ_BATCH && (id = qdir_scan_next(dir)) != 0 &&
	    showq_batch_add(b, id, qdir_scan_path(dir)))
		/* void */;
	showq_batch_open(b);
	showq_batch_read(b);
}

/*
 * A walk over the queues, one queue file per step.
 */
struct showq_scan {
	const char *const *queues; /* the next queue to open */
	unsigned part;		   /* qdir_scan_open_part() */
	unsigned nparts;
	struct qdir_scan *dir; /* the open queue, or NULL */
	const char *queue;     /* its name */
	struct showq_batch *b; /* NULL: one file at a time */
};

/* showq_scan_open - start a walk */

struct showq_scan *
showq_scan_open(const char *const *queues)
{
	return (showq_scan_open_part(queues, 0, 1));
}

/* showq_scan_open_part - start a walk over one part of the queues */

struct showq_scan *
showq_scan_open_part(const char *const *queues, unsigned part, unsigned nparts)
{
	struct showq_scan *s = mem_calloc(1, sizeof(*s));

	showq_init();
	showq_logdir_reset();
	if (uring_ok() && *showq_scans() < SHOWQ_BATCH_SCANS) {
		++*showq_scans();
		s->b = mem_alloc(sizeof(*s->b));
		s->b->count = s->b->next = s->b->look = 0;
		s->b->dfd = -1;
	}
	s->queues = queues ? queues : showq_queues;
	s->part = part;
	s->nparts = nparts;
	return (s);
}

/* showq_scan_next - look at the next queue file */

int
showq_scan_next(struct showq_scan *s, showq_fn *fn, void *ctx, int *fn_ret,
    struct vbuf *why)
{
	const char *id;

	*fn_ret = 0;
	for (;;) {
		if (s->b != 0 && s->b->next < s->b->count) {
			*fn_ret = showq_batch_report(s->b, s->queue, fn, ctx);
			return (SHOWQ_SCAN_MORE);
		}
		if (s->b != 0 && s->b->count > 0)
			showq_batch_end(s->b);
		if (s->b != 0 && s->b->look) {
			if (uring_ok()) {
				showq_batch_fill(s->b, s->dir, 0);
				continue;
			}
			/* a scan carried over a fork() without a ring */
			s->b->look = 0;
			*fn_ret = showq_read_at(s->queue,
			    s->b->look_path + s->b->look_off, s->b->look_path,
			    -1, fn, ctx);
			return (SHOWQ_SCAN_MORE);
		}
		if (s->dir == 0) {
			if (*s->queues == 0)
				return (SHOWQ_SCAN_END);
			s->queue = *s->queues++;
			if ((s->dir = qdir_scan_open_part(s->queue, s->part,
				 s->nparts)) == 0) {
				if (errno == ENOENT)
					continue;
				vbuf_reset(why);
				vbuf_printf(why, "open queue directory %s: %m",
				    s->queue);
				return (SHOWQ_SCAN_ERR);
			}
		}
		if ((id = qdir_scan_next(s->dir)) != 0 && s->b != 0 &&
		    uring_ok()) {
			showq_batch_fill(s->b, s->dir, id);
			continue;
		}
		if (id != 0) {
			*fn_ret =
			    showq_read_at(s->queue, id, qdir_scan_path(s->dir),
				qdir_scan_dirfd(s->dir), fn, ctx);
			return (SHOWQ_SCAN_MORE);
		}
		s->dir = qdir_scan_close(s->dir);
	}
}

/* showq_scan_close - end a walk */

struct showq_scan *
showq_scan_close(struct showq_scan *s)
{
	if (s != 0) {
		if (s->b != 0) {
			if (s->b->count > 0)
				showq_batch_end(s->b);
			mem_free(s->b);
			if (*showq_scans() > 0)
				--*showq_scans();
		}
		(void)qdir_scan_close(s->dir);
		mem_free(s);
	}
	return (0);
}

/* showq_walk - report every ready message of the queues */

int
showq_walk(const char *const *queues, showq_fn *fn, void *ctx, struct vbuf *why)
{
	struct showq_scan *s = showq_scan_open(queues);
	int fn_ret = 0;
	int status;

	while ((status = showq_scan_next(s, fn, ctx, &fn_ret, why)) ==
		SHOWQ_SCAN_MORE &&
	    fn_ret == 0)
		/* void */;
	showq_scan_close(s);
	return (status == SHOWQ_SCAN_ERR ? -1 : fn_ret);
}

/*
 * Output: Postfix's showq_compat (mailq) and showq_json formats. Each
 * message is formatted into a buffer (showq_fmt_msg()); in the mailq
 * format it is followed by the blank line that Postfix prints before the
 * next message or the trailer, so that messages are independent pieces
 * that several workers can format (showq_par(3)).
 */
struct showq_out {
	FILE *fp;
	int flags;
	unsigned long count;
	unsigned long long bytes;
	struct vbuf buf;
};

/* showq_out_create - new printer */

struct showq_out *
showq_out_create(FILE *fp, int flags)
{
	struct showq_out *out = mem_calloc(1, sizeof(*out));

	out->fp = fp;
	out->flags = flags;
	vbuf_init(&out->buf);
	tzset();
	return (out);
}

/* showq_out_free - destroy printer */

struct showq_out *
showq_out_free(struct showq_out *out)
{
	if (out != 0) {
		vbuf_free(&out->buf);
		mem_free(out);
	}
	return (0);
}

/* showq_json_str - append a JSON string */

static void
showq_json_str(struct vbuf *out, const char *s)
{
	static const char from[] = "\"\\\b\f\n\r\t"; /* these, escaped */
	static const char to[] = "\"\\bfnrt";	     /* as these */
	const unsigned char *cp;
	const unsigned char *start;
	const char *esc;

	vbuf_putc(out, '"');
	for (start = cp = (const unsigned char *)s; *cp; cp++) {
		if ((esc = strchr(from, *cp)) != NULL && *cp) {
			vbuf_append(out, start, (size_t)(cp - start));
			vbuf_putc(out, '\\');
			vbuf_putc(out, to[esc - from]);
			start = cp + 1;
		} else if (*cp < 0x20 || *cp == 0x7f) {
			vbuf_append(out, start, (size_t)(cp - start));
			vbuf_printf(out, "\\u%04X", *cp);
			start = cp + 1;
		}
	}
	vbuf_append(out, start, (size_t)(cp - start));
	vbuf_putc(out, '"');
}

/* showq_fmt_json - one message as one JSON line */

static void
showq_fmt_json(struct vbuf *out, const struct showq_msg *msg)
{
	size_t i;

	vbuf_puts(out, "{\"queue_name\": ");
	showq_json_str(out, msg->queue);
	vbuf_puts(out, ", \"queue_id\": ");
	showq_json_str(out, msg->id);
	vbuf_printf(out,
	    ", \"arrival_time\": %ld, \"message_size\": %ld, "
	    "\"forced_expire\": %s, \"sender\": ",
	    msg->arrival, msg->size, msg->forced_expire ? "true" : "false");
	showq_json_str(out, msg->sender);
	vbuf_puts(out, ", \"recipients\": [");
	for (i = 0; i < msg->rcpt_count; i++) {
		vbuf_puts(out, i ? ", {\"address\": " : "{\"address\": ");
		showq_json_str(out, msg->rcpt[i].address);
		if (msg->rcpt[i].reason && *msg->rcpt[i].reason) {
			vbuf_puts(out, ", \"delay_reason\": ");
			showq_json_str(out, msg->rcpt[i].reason);
		}
		vbuf_putc(out, '}');
	}
	vbuf_puts(out, "]}\n");
}

/* showq_fmt_compat - one message in mailq format, and its blank line */

static void
showq_fmt_compat(struct vbuf *out, int flags, const struct showq_msg *msg)
{
	int long_ids = (flags & SHOWQ_OUT_LONG_IDS) != 0;
	char id[QID_SIZE + 300];
	char when[32];
	const char *prev = "";
	const char *reason;
	const char *text;
	time_t t = (time_t)msg->arrival;
	struct tm tmbuf;
	struct tm *tm;
	size_t i;
	int pad;

	snprintf(id, sizeof(id), "%s%s%s", msg->id,
	    strcmp(msg->queue, QDIR_ACTIVE) == 0     ? "*"
		: strcmp(msg->queue, QDIR_HOLD) == 0 ? "!"
						     : "",
	    msg->forced_expire ? "#" : "");
	/* localtime_r(): no stat of /etc/localtime per message */
	if ((tm = localtime_r(&t, &tmbuf)) == 0 ||
	    strftime(when, sizeof(when), "%a %b %e %H:%M:%S %Y\n", tm) == 0)
		snprintf(when, sizeof(when), "%-24s\n", "?");
	if (long_ids)
		vbuf_printf(out, "%-17s %8ld %19.19s %s\n", id, msg->size, when,
		    msg->sender);
	else
		vbuf_printf(out, "%-11s %7ld %20.20s %s\n", id, msg->size, when,
		    msg->sender);
	for (i = 0; i < msg->rcpt_count; i++) {
		reason = msg->rcpt[i].reason ? msg->rcpt[i].reason : "";
		if (strcmp(reason, prev) != 0) {
			text = *reason ? reason : "reason unavailable";
			pad = 76 - (int)strlen(text);
			vbuf_printf(out, "%*s(%s)\n", pad > 0 ? pad : 0, "",
			    text);
			prev = reason;
		}
		/* the empty columns: 11+1+7+1+20+1 or 17+1+8+1+19+1 blanks */
		vbuf_printf(out, "%*s%s\n", long_ids ? 47 : 41, "",
		    msg->rcpt[i].address);
	}
	vbuf_putc(out, '\n');
}

/* showq_fmt_head - the mailq column header (nothing for JSON) */

void
showq_fmt_head(struct vbuf *out, int flags)
{
	if (flags & SHOWQ_OUT_JSON)
		return;
	if (flags & SHOWQ_OUT_LONG_IDS)
		vbuf_printf(out, "%-17s %8s %-19s %s\n", "----Queue ID-----",
		    "--Size--", "---Arrival Time----",
		    "--Sender/Recipient------");
	else
		vbuf_printf(out, "%-11s %7s %-20s %s\n", "-Queue ID-",
		    "--Size--", "----Arrival Time----",
		    "-Sender/Recipient-------");
}

/* showq_fmt_msg - one message */

void
showq_fmt_msg(struct vbuf *out, int flags, const struct showq_msg *msg)
{
	if (flags & SHOWQ_OUT_JSON)
		showq_fmt_json(out, msg);
	else
		showq_fmt_compat(out, flags, msg);
}

/* showq_fmt_tail - the mailq trailer (nothing for JSON) */

void
showq_fmt_tail(struct vbuf *out, int flags, unsigned long count,
    unsigned long long bytes)
{
	if (flags & SHOWQ_OUT_JSON)
		return;
	if (count == 0)
		vbuf_puts(out, "Mail queue is empty\n");
	else
		vbuf_printf(out, "-- %llu Kbytes in %lu Request%s.\n",
		    bytes / 1024, count, count == 1 ? "" : "s");
}

/* showq_out_msg - print one message */

int
showq_out_msg(const struct showq_msg *msg, void *ctx)
{
	struct showq_out *out = ctx;

	vbuf_reset(&out->buf);
	if (out->count == 0)
		showq_fmt_head(&out->buf, out->flags);
	showq_fmt_msg(&out->buf, out->flags, msg);
	(void)fwrite(out->buf.data, 1, out->buf.len, out->fp);
	out->count++;
	if (msg->size > 0)
		out->bytes += (unsigned long long)msg->size;
	return (0);
}

/* showq_out_end - trailer */

int
showq_out_end(struct showq_out *out)
{
	vbuf_reset(&out->buf);
	showq_fmt_tail(&out->buf, out->flags, out->count, out->bytes);
	if (out->buf.len > 0) /* JSON has no trailer */
		(void)fwrite(out->buf.data, 1, out->buf.len, out->fp);
	if (fflush(out->fp) != 0 || ferror(out->fp))
		return (-1);
	return (0);
}
