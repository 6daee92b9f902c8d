#ifndef SLUICE_VBUF_H
#define SLUICE_VBUF_H
/*
 * NAME
 *	vbuf - growable byte buffers and strings
 * SYNOPSIS
 *	#include "vbuf.h"
 *
 *	struct vbuf { char *data; size_t len; size_t cap; };
 *	#define VBUF_INIT { 0 }
 *
 *	void  vbuf_init(struct vbuf *b);
 *	void  vbuf_free(struct vbuf *b);
 *	void  vbuf_reset(struct vbuf *b);
 *	void  vbuf_reserve(struct vbuf *b, size_t extra);
 *	void  vbuf_append(struct vbuf *b, const void *p, size_t n);
 *	void  vbuf_puts(struct vbuf *b, const char *s);
 *	void  vbuf_putc(struct vbuf *b, int c);
 *	void  vbuf_printf(struct vbuf *b, const char *fmt, ...);
 *	void  vbuf_vprintf(struct vbuf *b, const char *fmt, va_list ap);
 *	void  vbuf_set(struct vbuf *b, const char *s);
 *	void  vbuf_truncate(struct vbuf *b, size_t len);
 *	const char *vbuf_str(struct vbuf *b);
 *	char *vbuf_export(struct vbuf *b);
 * DESCRIPTION
 *	A vbuf holds len bytes at data, which may include NULs; after any
 *	operation other than vbuf_init() data[len] is a NUL byte, so text
 *	buffers are C strings too. A zeroed vbuf (VBUF_INIT) is valid and
 *	empty; vbuf_str() of it returns "".
 *
 *	vbuf_append(), vbuf_puts(), vbuf_putc(), vbuf_printf() append;
 *	vbuf_set() replaces the contents; vbuf_reset() empties the buffer
 *	but keeps its memory; vbuf_truncate() shortens it (no-op if len is
 *	not shorter). vbuf_reserve() makes room for extra more bytes.
 *	vbuf_free() releases the memory and leaves an empty, valid vbuf.
 *	vbuf_export() hands the bytes (NUL-terminated) to the caller, who
 *	frees them with mem_free(); the vbuf is left empty.
 * BUGS
 *	Any growth may move data: pointers into it become invalid.
 * DIAGNOSTICS
 *	Fatal: out of memory.
 */
#include <stddef.h>
#include <stdarg.h>

struct vbuf {
	char *data;
	size_t len;
	size_t cap;
};

#define VBUF_INIT                                                              \
	{                                                                      \
		0, 0, 0                                                        \
	}

void vbuf_init(struct vbuf *b);
void vbuf_free(struct vbuf *b);
void vbuf_reset(struct vbuf *b);
void vbuf_reserve(struct vbuf *b, size_t extra);
void vbuf_append(struct vbuf *b, const void *p, size_t n);
void vbuf_puts(struct vbuf *b, const char *s);
void vbuf_putc(struct vbuf *b, int c);
void vbuf_printf(struct vbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void vbuf_vprintf(struct vbuf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
void vbuf_set(struct vbuf *b, const char *s);
void vbuf_truncate(struct vbuf *b, size_t len);
const char *vbuf_str(struct vbuf *b);
char *vbuf_export(struct vbuf *b);

#endif
