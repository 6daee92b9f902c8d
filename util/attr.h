#ifndef SLUICE_ATTR_H
#define SLUICE_ATTR_H
/*
 * NAME
 *	attr - attribute lists, the one IPC codec between sluice processes
 * SYNOPSIS
 *	#include "attr.h"
 *
 *	void attr_put(struct vbuf *out, const char *name, const char *value);
 *	void attr_putf(struct vbuf *out, const char *name, const char *fmt,
 *...); void attr_end(struct vbuf *out); long attr_parse(const char *buf, size_t
 *len, struct attr_list *list); const char *attr_get(const struct attr_list
 **list, const char *name); void attr_list_free(struct attr_list *list); int
 *attr_write(int fd, const struct vbuf *buf, int timeout); int  attr_read(int
 *fd, struct attr_list *list, int timeout, struct vbuf *why); DESCRIPTION A
 *request or reply is a block of lines "name=value\n" ended by an empty line.
 *Names are [a-z0-9_]+; values are any bytes, with '%', CR, LF and NUL written
 *as %25 %0D %0A %00. A name may repeat (e.g. one "rcpt" per recipient); order
 *is kept.
 *
 *	attr_put()/attr_putf() append one encoded attribute; attr_end() the
 *	terminating empty line. attr_parse() decodes one complete block at
 *	buf: it returns the bytes consumed and fills list (replacing its
 *	contents), 0 if the block is not complete yet, -1 if it is malformed
 *	or over the limits (line > ATTR_LINE_MAX, more than ATTR_COUNT_MAX
 *	attributes). attr_get() returns the first value of name (borrowed
 *	from list) or NULL. attr_list_free() releases the contents; a zeroed
 *	struct attr_list is a valid empty list.
 *
 *	attr_write() writes the whole buffer to a blocking or non-blocking
 *	descriptor, waiting at most timeout seconds in all; attr_read()
 *	reads one block (no more bytes than it needs); both return 0 or -1
 *	(attr_read() with why). They are for commands and simple clients;
 *	daemons parse from their libevent input buffers with attr_parse().
 */
#include <stddef.h>
#include "vbuf.h"

#define ATTR_LINE_MAX (64 * 1024)
#define ATTR_COUNT_MAX 10000

struct attr {
	char *name;
	char *value;
};

struct attr_list {
	struct attr *a;
	size_t n;
	size_t cap;
};

void attr_put(struct vbuf *out, const char *name, const char *value);
void attr_putf(struct vbuf *out, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void attr_end(struct vbuf *out);
long attr_parse(const char *buf, size_t len, struct attr_list *list);
const char *attr_get(const struct attr_list *list, const char *name);
void attr_list_free(struct attr_list *list);
int attr_write(int fd, const struct vbuf *buf, int timeout);
int attr_read(int fd, struct attr_list *list, int timeout, struct vbuf *why);

#endif
