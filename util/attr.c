/*
 * attr - attribute blocks for IPC; see attr.h.
 *
 * Implementation notes. attr_parse() first finds the end of the block
 * (an empty line) while checking the line and count limits, so calling
 * it again and again on a growing input buffer costs one memchr() pass
 * per call and allocates nothing until the block is complete. Decoding
 * is strict: a name outside [a-z0-9_]+, a line without '=', a raw NUL or
 * CR, a '%' not followed by two hex digits, or an encoded NUL (%00, which
 * a C string value cannot carry and would silently truncate) all make
 * the block malformed.
 *
 * attr_write() and attr_read() never block inside a system call, so the
 * timeout holds for blocking descriptors too.
 *
 * attr_read() reads no byte beyond the block: on a socket it peeks at
 * what is queued and then consumes exactly up to the end of the block;
 * on other descriptors it reads one byte at a time.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

#include "attr.h"
#include "mem.h"
#include "msg.h"

/* attr_name_ok - name is [a-z0-9_]+ */

static int
attr_name_ok(const char *name, size_t len)
{
	if (len == 0)
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			c == '_'))
			return 0;
	}
	return 1;
}

void
attr_put(struct vbuf *out, const char *name, const char *value)
{
	static const char hex[] = "0123456789ABCDEF";
	const char *start;
	const char *cp;

	if (!attr_name_ok(name, strlen(name)))
		msg_panic("attr_put: bad attribute name \"%s\"", name);
	vbuf_puts(out, name);
	vbuf_putc(out, '=');
	for (start = cp = value; *cp; cp++) {
		unsigned char c = (unsigned char)*cp;
		if (c == '%' || c == '\r' || c == '\n') {
			vbuf_append(out, start, (size_t)(cp - start));
			vbuf_putc(out, '%');
			vbuf_putc(out, hex[c >> 4]);
			vbuf_putc(out, hex[c & 15]);
			start = cp + 1;
		}
	}
	vbuf_append(out, start, (size_t)(cp - start));
	vbuf_putc(out, '\n');
}

void
attr_putf(struct vbuf *out, const char *name, const char *fmt, ...)
{
	struct vbuf tmp = VBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	vbuf_vprintf(&tmp, fmt, ap);
	va_end(ap);
	attr_put(out, name, vbuf_str(&tmp));
	vbuf_free(&tmp);
}

void
attr_end(struct vbuf *out)
{
	vbuf_putc(out, '\n');
}

void
attr_list_free(struct attr_list *list)
{
	for (size_t i = 0; i < list->n; i++) {
		mem_free(list->a[i].name);
		mem_free(list->a[i].value);
	}
	mem_free(list->a);
	list->a = NULL;
	list->n = list->cap = 0;
}

const char *
attr_get(const struct attr_list *list, const char *name)
{
	for (size_t i = 0; i < list->n; i++)
		if (strcmp(list->a[i].name, name) == 0)
			return list->a[i].value;
	return NULL;
}

static int
attr_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * attr_line_ok - is one "name=value" line (without its newline) valid?
 */
static int
attr_line_ok(const char *line, size_t len)
{
	const char *eq = memchr(line, '=', len);
	const char *cp;

	if (eq == NULL || !attr_name_ok(line, (size_t)(eq - line)))
		return 0;
	for (cp = eq + 1; cp < line + len; cp++) {
		if (*cp == 0 || *cp == '\r')
			return 0;
		if (*cp == '%') {
			int hi, lo;
			if (line + len - cp < 3 ||
			    (hi = attr_hexval((unsigned char)cp[1])) < 0 ||
			    (lo = attr_hexval((unsigned char)cp[2])) < 0 ||
			    (hi == 0 && lo == 0))
				return 0;
			cp += 2;
		}
	}
	return 1;
}

/*
 * attr_decode - decode one line that passed attr_line_ok() into freshly
 * allocated strings.
 */
static void
attr_decode(const char *line, size_t len, struct attr *out)
{
	const char *eq = memchr(line, '=', len);
	size_t nlen = (size_t)(eq - line);
	char *value = mem_alloc(len - nlen); /* value bytes + NUL */
	size_t vlen = 0;

	for (const char *cp = eq + 1; cp < line + len; cp++) {
		if (*cp == '%') {
			value[vlen++] =
			    (char)(attr_hexval((unsigned char)cp[1]) * 16 +
				attr_hexval((unsigned char)cp[2]));
			cp += 2;
		} else {
			value[vlen++] = *cp;
		}
	}
	value[vlen] = 0;
	out->name = mem_strndup(line, nlen);
	out->value = value;
}

long
attr_parse(const char *buf, size_t len, struct attr_list *list)
{
	struct attr_list tmp = {0};
	size_t pos;
	size_t count = 0;
	size_t end = 0;
	const char *nl;

	/* Pass 1: find the terminating empty line, enforce the limits. */
	for (pos = 0;; pos = (size_t)(nl - buf) + 1) {
		size_t avail = len - pos;
		size_t look =
		    avail < ATTR_LINE_MAX + 1 ? avail : ATTR_LINE_MAX + 1;

		nl = look ? memchr(buf + pos, '\n', look) : NULL;
		if (nl == NULL)
			return avail > ATTR_LINE_MAX ? -1 : 0;
		if (nl == buf + pos) {
			end = pos + 1;
			break;
		}
		if (++count > ATTR_COUNT_MAX ||
		    !attr_line_ok(buf + pos, (size_t)(nl - buf) - pos))
			return -1;
	}
	if (end > LONG_MAX)
		return -1;

	/* Pass 2: decode. */
	if (count) {
		tmp.a = mem_calloc(count, sizeof(*tmp.a));
		tmp.cap = count;
	}
	for (pos = 0; pos + 1 < end; pos = (size_t)(nl - buf) + 1) {
		nl = memchr(buf + pos, '\n', end - pos);
		attr_decode(buf + pos, (size_t)(nl - buf) - pos,
		    &tmp.a[tmp.n++]);
	}
	attr_list_free(list);
	*list = tmp;
	return (long)end;
}

/* attr_now - monotonic seconds */

static double
attr_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * attr_wait - poll fd for events until deadline; 1 ready, 0 timeout,
 * -1 error (errno).
 */
static int
attr_wait(int fd, short events, double deadline)
{
	struct pollfd pfd;

	for (;;) {
		double left = deadline - attr_now();
		int ms;
		int n;

		if (left <= 0)
			return 0;
		ms = left > 86400 ? 86400 * 1000 : (int)(left * 1000) + 1;
		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		n = poll(&pfd, 1, ms);
		if (n > 0)
			return 1;
		if (n < 0 && errno != EINTR)
			return -1;
	}
}

int
attr_write(int fd, const struct vbuf *buf, int timeout)
{
	double deadline = attr_now() + (timeout > 0 ? timeout : 0);
	size_t off = 0;
	int is_sock = 1;

	/*
	 * Never block in the system call: sockets are written with
	 * MSG_DONTWAIT; other descriptors get at most PIPE_BUF bytes after
	 * poll() said they are writable.
	 */
	while (off < buf->len) {
		ssize_t n;

		if (is_sock) {
			n = send(fd, buf->data + off, buf->len - off,
			    MSG_NOSIGNAL | MSG_DONTWAIT);
			if (n < 0 && errno == ENOTSOCK) {
				is_sock = 0;
				continue;
			}
		} else {
			size_t chunk = buf->len - off;
			int r = attr_wait(fd, POLLOUT, deadline);
			if (r == 0)
				errno = ETIMEDOUT;
			if (r <= 0)
				return -1;
			n = write(fd, buf->data + off,
			    chunk > PIPE_BUF ? PIPE_BUF : chunk);
		}
		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			int r = attr_wait(fd, POLLOUT, deadline);
			if (r == 0)
				errno = ETIMEDOUT;
			if (r <= 0)
				return -1;
			continue;
		}
		if (n == 0)
			errno = EIO;
		return -1;
	}
	return 0;
}

static int attr_fail(struct vbuf *why, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
attr_fail(struct vbuf *why, const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	if (why) {
		vbuf_reset(why);
		va_start(ap, fmt);
		vbuf_vprintf(why, fmt, ap);
		va_end(ap);
	}
	errno = saved;
	return -1;
}

int
attr_read(int fd, struct attr_list *list, int timeout, struct vbuf *why)
{
	double deadline = attr_now() + (timeout > 0 ? timeout : 0);
	struct vbuf in = VBUF_INIT;
	char peek[4096];
	int line_start = 1; /* next byte begins a line */
	size_t line_len = 0;
	size_t lines = 0;
	int is_sock = 1;
	int done = 0;
	long used;

	while (!done) {
		ssize_t n;
		size_t take;

		/* Wait for input first: the descriptor may be non-blocking. */
		int r = attr_wait(fd, POLLIN, deadline);
		if (r == 0) {
			vbuf_free(&in);
			return attr_fail(why,
			    "timeout while reading attributes");
		}
		if (r < 0) {
			vbuf_free(&in);
			return attr_fail(why, "poll: %m");
		}
		if (is_sock) {
			n = recv(fd, peek, sizeof(peek),
			    MSG_PEEK | MSG_DONTWAIT);
			if (n < 0 && errno == ENOTSOCK) {
				is_sock = 0;
				continue;
			}
		} else {
			n = read(fd, peek, 1);
		}
		if (n < 0 &&
		    (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
			continue;
		if (n < 0) {
			vbuf_free(&in);
			return attr_fail(why, "read attributes: %m");
		}
		if (n == 0) {
			vbuf_free(&in);
			return attr_fail(why,
			    "unexpected end of input while reading attributes");
		}
		/* Find how much of this belongs to the block. */
		for (take = 0; take < (size_t)n && !done; take++) {
			if (peek[take] == '\n') {
				if (line_start)
					done = 1;
				else if (++lines > ATTR_COUNT_MAX) {
					vbuf_free(&in);
					return attr_fail(why,
					    "too many attributes");
				}
				line_start = 1;
				line_len = 0;
			} else {
				line_start = 0;
				if (++line_len > ATTR_LINE_MAX) {
					vbuf_free(&in);
					return attr_fail(why,
					    "attribute line too long");
				}
			}
		}
		if (is_sock) {
			/* Consume exactly what we looked at and keep. */
			size_t got = 0;
			while (got < take) {
				ssize_t m = recv(fd, peek + got, take - got,
				    MSG_DONTWAIT);
				if (m < 0 && errno == EINTR)
					continue;
				if (m <= 0) {
					vbuf_free(&in);
					return attr_fail(why,
					    "read attributes: %m");
				}
				got += (size_t)m;
			}
		}
		vbuf_append(&in, peek, take);
	}
	used = attr_parse(in.data, in.len, list);
	vbuf_free(&in);
	if (used <= 0)
		return attr_fail(why, "malformed attribute block");
	return 0;
}
