/*
 * dlog - defer/bounce logs; see dlog.h.
 *
 * Implementation notes. An append formats the whole entry in memory and
 * writes it with one write(2) while holding an exclusive flock; if the
 * write is short or fsync() fails the file is truncated back to its old
 * length, so a reader never sees half an entry that we reported as
 * failed. Values pass a printable() filter (control bytes become '?') so
 * a peer's CR/LF can never forge a line; bytes >= 0x80 (UTF-8) are kept.
 * The old-style "<rcpt>: reason" line is always written (Postfix's
 * default backwards_bounce_logfile_compatibility = yes).
 *
 * The reader keeps its own read buffer; a line longer than DLOG_LINE_MAX
 * is cut there (the rest up to the newline is skipped, with a warning).
 * An entry counts once the blank line that ends it has been read, as in
 * Postfix's bounce_log reader.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "dlog.h"
#include "mem.h"
#include "msg.h"
#include "qdir.h"

/* dlog_printable - append s with control bytes replaced by '?' */

static void
dlog_printable(struct vbuf *out, const char *s)
{
	const char *start;
	const char *cp;

	for (start = cp = s; *cp; cp++) {
		unsigned char c = (unsigned char)*cp;
		if (c < 0x20 || c == 0x7f) {
			vbuf_append(out, start, (size_t)(cp - start));
			vbuf_putc(out, '?');
			start = cp + 1;
		}
	}
	vbuf_append(out, start, (size_t)(cp - start));
}

/* dlog_dot_string - is [start, end) an RFC 5321 dot-string (8-bit ok)? */

static int
dlog_dot_string(const char *start, const char *end)
{
	if (start == end || *start == '.' || end[-1] == '.')
		return 0;
	for (const char *cp = start; cp < end; cp++) {
		unsigned char c = (unsigned char)*cp;
		if (c == '.' && cp + 1 < end && cp[1] == '.')
			return 0;
		if (c <= ' ' || c == 0x7f ||
		    strchr("()<>@,;:\\\"[]", c) != NULL)
			return 0;
	}
	return 1;
}

void
dlog_quote_rcpt(struct vbuf *out, const char *addr)
{
	const char *start = addr;
	const char *end;
	const char *colon;

	/* A source route "@a,@b:" stays outside the quoted local part. */
	if (addr[0] == '@' && (colon = strchr(addr, ':')) != NULL)
		start = colon + 1;
	if ((end = strrchr(start, '@')) == NULL)
		end = start + strlen(start);
	vbuf_append(out, addr, (size_t)(start - addr));
	if (dlog_dot_string(start, end)) {
		vbuf_append(out, start, (size_t)(end - start));
	} else {
		vbuf_putc(out, '"');
		for (const char *cp = start; cp < end; cp++) {
			if (*cp == '"' || *cp == '\\' || *cp == '\r')
				vbuf_putc(out, '\\');
			vbuf_putc(out, *cp);
		}
		vbuf_putc(out, '"');
	}
	vbuf_puts(out, end);
}

/* dlog_quoted - append the printable quoted form of addr, <> for empty */

static void
dlog_quoted(struct vbuf *out, const char *addr, const char *empty)
{
	struct vbuf q = VBUF_INIT;

	if (addr == NULL || *addr == 0) {
		vbuf_puts(out, empty);
		return;
	}
	dlog_quote_rcpt(&q, addr);
	dlog_printable(out, vbuf_str(&q));
	vbuf_free(&q);
}

static int
dlog_set(const char *s)
{
	return s != NULL && *s != 0;
}

static void
dlog_field(struct vbuf *out, const char *name, const char *value)
{
	vbuf_puts(out, name);
	vbuf_putc(out, '=');
	dlog_printable(out, value);
	vbuf_putc(out, '\n');
}

/* dlog_format - one complete entry */

static void
dlog_format(struct vbuf *out, const struct dlog_entry *e)
{
	const char *reason = e->reason ? e->reason : "";

	vbuf_putc(out, '\n');
	vbuf_putc(out, '<');
	dlog_quoted(out, e->recipient, "");
	vbuf_puts(out, ">: ");
	dlog_printable(out, reason);
	vbuf_putc(out, '\n');

	vbuf_puts(out, "recipient=");
	dlog_quoted(out, e->recipient, "<>");
	vbuf_putc(out, '\n');
	if (dlog_set(e->original_recipient) &&
	    strcasecmp(e->original_recipient,
		e->recipient ? e->recipient : "") != 0) {
		vbuf_puts(out, "original_recipient=");
		dlog_quoted(out, e->original_recipient, "<>");
		vbuf_putc(out, '\n');
	}
	if (e->offset > 0)
		vbuf_printf(out, "offset=%ld\n", e->offset);
	if (dlog_set(e->dsn_orig_rcpt))
		dlog_field(out, "dsn_orig_rcpt", e->dsn_orig_rcpt);
	if (e->notify_flags != 0)
		vbuf_printf(out, "notify_flags=%d\n", e->notify_flags);
	if (dlog_set(e->status))
		dlog_field(out, "status", e->status);
	if (dlog_set(e->action))
		dlog_field(out, "action", e->action);
	if (dlog_set(e->diag_type) && dlog_set(e->diag_text)) {
		dlog_field(out, "diag_type", e->diag_type);
		dlog_field(out, "diag_text", e->diag_text);
	}
	if (dlog_set(e->mta_type) && dlog_set(e->mta_mname)) {
		dlog_field(out, "mta_type", e->mta_type);
		dlog_field(out, "mta_mname", e->mta_mname);
	}
	if (dlog_set(e->reason))
		dlog_field(out, "reason", e->reason);
	vbuf_putc(out, '\n');
}

/* dlog_mkparents - create the missing directories of path's dirname */

static int
dlog_mkparents(const char *path)
{
	char *copy = mem_strdup(path);
	char *slash = strrchr(copy, '/');
	int ret = 0;

	if (slash != NULL) {
		*slash = 0;
		for (char *cp = copy; ret == 0; cp++) {
			if (*cp == '/' || *cp == 0) {
				char save = *cp;
				*cp = 0;
				if (mkdir(copy, 0700) < 0 && errno != EEXIST)
					ret = -1;
				*cp = save;
				if (save == 0)
					break;
			}
		}
	}
	mem_free(copy);
	return ret;
}

int
dlog_append(const char *queue, const char *id, const struct dlog_entry *e)
{
	struct vbuf path = VBUF_INIT;
	struct vbuf text = VBUF_INIT;
	struct stat st;
	int fd;
	int saved;
	ssize_t n;

	qdir_path(&path, queue, id);
	fd = open(vbuf_str(&path), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0600);
	if (fd < 0 && errno == ENOENT && dlog_mkparents(vbuf_str(&path)) == 0)
		fd = open(vbuf_str(&path),
		    O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		goto fail;
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR)
			goto fail;
	}
	if (fstat(fd, &st) < 0)
		goto fail;
	dlog_format(&text, e);
	n = write(fd, text.data, text.len);
	if (n != (ssize_t)text.len || fsync(fd) < 0) {
		if (n >= 0 && n != (ssize_t)text.len)
			errno = ENOSPC;
		saved = errno;
		if (ftruncate(fd, st.st_size) < 0)
			msg_warn("truncate %s: %m", vbuf_str(&path));
		errno = saved;
		goto fail;
	}
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	vbuf_free(&path);
	vbuf_free(&text);
	return 0;

fail:
	saved = errno;
	if (fd >= 0)
		close(fd);
	vbuf_free(&path);
	vbuf_free(&text);
	errno = saved;
	return -1;
}

int
dlog_remove(const char *queue, const char *id)
{
	struct vbuf path = VBUF_INIT;
	int ret;

	qdir_path(&path, queue, id);
	ret = unlink(vbuf_str(&path));
	if (ret < 0 && errno == ENOENT)
		ret = 0;
	vbuf_free(&path);
	return ret;
}

/* Reader. */

struct dlog_reader {
	int fd;
	char *path;
	int bounce;	/* bounce log: other defaults */
	char buf[8192]; /* read buffer */
	size_t pos;	/* next unread byte in buf */
	size_t len;	/* bytes in buf */
	int eof;
	int snapshot; /* a short read is the end (dlog_fdopen) */
	int own_fd;   /* close fd when done (not after dlog_bufopen) */
	struct vbuf line;
	/* Fields of the entry being read. */
	struct vbuf recipient;
	struct vbuf original_recipient;
	struct vbuf dsn_orig_rcpt;
	struct vbuf status;
	struct vbuf action;
	struct vbuf diag_type;
	struct vbuf diag_text;
	struct vbuf mta_type;
	struct vbuf mta_mname;
	struct vbuf reason;
	long offset;
	int notify_flags;
};

struct dlog_reader *
dlog_open(const char *queue, const char *id)
{
	struct vbuf path = VBUF_INIT;
	struct dlog_reader *r;
	int fd;

	qdir_path(&path, queue, id);
	if ((fd = open(vbuf_str(&path), O_RDONLY | O_CLOEXEC)) < 0) {
		int saved = errno;
		vbuf_free(&path);
		errno = saved;
		return NULL;
	}
	r = mem_calloc(1, sizeof(*r));
	r->fd = fd;
	r->own_fd = 1;
	r->path = vbuf_export(&path);
	r->bounce = strcmp(queue, QDIR_DEFER) != 0;
	return r;
}

struct dlog_reader *
dlog_fdopen(struct dlog_reader *r, int fd, const char *queue, const char *path)
{
	if (r == NULL) {
		r = mem_calloc(1, sizeof(*r));
	} else {
		if (r->own_fd)
			close(r->fd);
		mem_free(r->path);
	}
	r->fd = fd;
	r->own_fd = 1;
	r->path = mem_strdup(path);
	r->bounce = strcmp(queue, QDIR_DEFER) != 0;
	r->pos = r->len = 0;
	r->eof = 0;
	r->snapshot = 1;
	return r;
}

struct dlog_reader *
dlog_bufopen(struct dlog_reader *r, int fd, const char *queue, const char *path,
    const char *data, size_t len, int more)
{
	if (len > sizeof(r->buf))
		msg_panic("dlog_bufopen: %zu bytes preloaded", len);
	r = dlog_fdopen(r, fd, queue, path);
	r->own_fd = 0;
	memcpy(r->buf, data, len);
	r->len = len;
	r->eof = !more || fd < 0;
	return r;
}

struct dlog_reader *
dlog_close(struct dlog_reader *r)
{
	if (r == NULL)
		return NULL;
	if (r->own_fd)
		close(r->fd);
	mem_free(r->path);
	vbuf_free(&r->line);
	vbuf_free(&r->recipient);
	vbuf_free(&r->original_recipient);
	vbuf_free(&r->dsn_orig_rcpt);
	vbuf_free(&r->status);
	vbuf_free(&r->action);
	vbuf_free(&r->diag_type);
	vbuf_free(&r->diag_text);
	vbuf_free(&r->mta_type);
	vbuf_free(&r->mta_mname);
	vbuf_free(&r->reason);
	mem_free(r);
	return NULL;
}

/*
 * dlog_getline - next line into r->line without its newline, cut at
 * DLOG_LINE_MAX; 1, or 0 at end of file. A last line without newline
 * still counts as a line.
 */
static int
dlog_getline(struct dlog_reader *r)
{
	int got = 0;
	int cut = 0;

	vbuf_reset(&r->line);
	for (;;) {
		if (r->pos >= r->len) {
			ssize_t n;

			if (r->eof)
				break;
			n = read(r->fd, r->buf, sizeof(r->buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				if (n < 0)
					msg_warn("read %s: %m", r->path);
				r->eof = 1;
				break;
			}
			r->pos = 0;
			r->len = (size_t)n;
			if (r->snapshot && r->len < sizeof(r->buf))
				r->eof = 1;
		}
		got = 1;
		char *start = r->buf + r->pos;
		char *nl = memchr(start, '\n', r->len - r->pos);
		size_t chunk = nl ? (size_t)(nl - start) : r->len - r->pos;

		if (r->line.len + chunk > DLOG_LINE_MAX) {
			vbuf_append(&r->line, start,
			    DLOG_LINE_MAX - r->line.len);
			cut = 1;
		} else if (!cut) {
			vbuf_append(&r->line, start, chunk);
		}
		r->pos += chunk + (nl ? 1 : 0);
		if (nl)
			break;
	}
	if (cut)
		msg_warn("%s: line longer than %d bytes, truncated", r->path,
		    DLOG_LINE_MAX);
	return got;
}

static void
dlog_reset_fields(struct dlog_reader *r)
{
	vbuf_reset(&r->recipient);
	vbuf_reset(&r->original_recipient);
	vbuf_reset(&r->dsn_orig_rcpt);
	vbuf_reset(&r->status);
	vbuf_reset(&r->action);
	vbuf_reset(&r->diag_type);
	vbuf_reset(&r->diag_text);
	vbuf_reset(&r->mta_type);
	vbuf_reset(&r->mta_mname);
	vbuf_reset(&r->reason);
	r->offset = 0;
	r->notify_flags = 0;
}

/* dlog_trim - strip leading and trailing blanks in place */

static char *
dlog_trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = 0;
	return s;
}

/* dlog_number - decimal number in [1, max], else 0 */

static long
dlog_number(const char *s, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != 0 || v < 1 || v > max)
		return 0;
	return v;
}

static void
dlog_attr(struct dlog_reader *r, char *line)
{
	char *eq = strchr(line, '=');
	char *name;
	char *value;
	static const struct {
		const char *name;
		size_t off;
	} strs[] = {
#define F(n) {#n, offsetof(struct dlog_reader, n)}
	    F(recipient),
	    F(original_recipient),
	    F(dsn_orig_rcpt),
	    F(status),
	    F(action),
	    F(diag_type),
	    F(diag_text),
	    F(mta_type),
	    F(mta_mname),
	    F(reason),
#undef F
	};

	if (eq == NULL) {
		msg_warn("%s: malformed record: missing '='", r->path);
		return;
	}
	*eq = 0;
	name = dlog_trim(line);
	value = dlog_trim(eq + 1);
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		if (strcmp(name, strs[i].name) == 0) {
			vbuf_set((struct vbuf *)((char *)r + strs[i].off),
			    value);
			return;
		}
	}
	if (strcmp(name, "offset") == 0) {
		r->offset = dlog_number(value, LONG_MAX);
	} else if (strcmp(name, "notify_flags") == 0) {
		long v = dlog_number(value, 15);
		/* NEVER (1) excludes the others. */
		r->notify_flags = (v == 1 || (v & 1) == 0) ? (int)v : 0;
	} else {
		msg_warn("%s: unknown attribute name: %s, ignored", r->path,
		    name);
	}
}

/* dlog_oldstyle - "<recipient>: text" */

static void
dlog_oldstyle(struct dlog_reader *r, char *line)
{
	char *end = strstr(line + 1, ">: ");
	char *text;

	if (end == NULL) {
		msg_warn("%s: malformed record: %.30s...", r->path, line);
		return;
	}
	*end = 0;
	vbuf_set(&r->recipient, line + 1);
	for (text = end + 2; *text == ' ' || *text == '\t'; text++)
		/* void */;
	vbuf_set(&r->reason, text);
}

static const char *
dlog_or(struct vbuf *b, const char *def)
{
	return b->len ? vbuf_str(b) : def;
}

int
dlog_next(struct dlog_reader *r, struct dlog_entry *e)
{
	int found = 0;
	int ended = 0;

	dlog_reset_fields(r);
	while (dlog_getline(r)) {
		char *line = r->line.data;

		if (r->line.len == 0) {
			if (found) {
				ended = 1;
				break;
			}
			continue;
		}
		/* Sanitize: no control bytes (this also stops at a stray NUL).
		 */
		for (size_t i = 0; i < r->line.len; i++)
			if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
				line[i] = '?';
		found = 1;
		if ((line[0] >= 'a' && line[0] <= 'z') ||
		    (line[0] >= 'A' && line[0] <= 'Z') ||
		    (line[0] >= '0' && line[0] <= '9'))
			dlog_attr(r, line);
		else if (line[0] == '<')
			dlog_oldstyle(r, line);
		else
			msg_warn("%s: malformed record: %.30s...", r->path,
			    line);
	}
	if (!ended)
		return 0; /* end of file, or entry without its end */
	memset(e, 0, sizeof(*e));
	e->recipient =
	    dlog_or(&r->recipient, "(recipient address unavailable)");
	e->original_recipient = vbuf_str(&r->original_recipient);
	e->offset = r->offset;
	e->dsn_orig_rcpt = vbuf_str(&r->dsn_orig_rcpt);
	e->notify_flags = r->notify_flags;
	e->status = dlog_or(&r->status, r->bounce ? "5.0.0" : "4.0.0");
	e->action = dlog_or(&r->action, r->bounce ? "failed" : "delayed");
	e->diag_type = vbuf_str(&r->diag_type);
	e->diag_text = vbuf_str(&r->diag_text);
	e->mta_type = vbuf_str(&r->mta_type);
	e->mta_mname = vbuf_str(&r->mta_mname);
	e->reason = dlog_or(&r->reason, "(description unavailable)");
	return 1;
}
