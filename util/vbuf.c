/* vbuf - growable buffers; see vbuf.h. Capacity doubles, min 64 bytes. */
#include <stdio.h>
#include <string.h>
#include <stdint.h>

#include "vbuf.h"
#include "mem.h"
#include "msg.h"

void
vbuf_init(struct vbuf *b)
{
	b->data = NULL;
	b->len = b->cap = 0;
}

void
vbuf_free(struct vbuf *b)
{
	b->data = mem_free(b->data);
	b->len = b->cap = 0;
}

void
vbuf_reserve(struct vbuf *b, size_t extra)
{
	if (extra > SIZE_MAX - b->len - 1)
		msg_fatal("vbuf: size overflow");
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	b->data = mem_realloc(b->data, cap);
	b->cap = cap;
}

void
vbuf_reset(struct vbuf *b)
{
	vbuf_reserve(b, 0);
	b->len = 0;
	b->data[0] = 0;
}

void
vbuf_append(struct vbuf *b, const void *p, size_t n)
{
	vbuf_reserve(b, n);
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = 0;
}

void
vbuf_puts(struct vbuf *b, const char *s)
{
	vbuf_append(b, s, strlen(s));
}

void
vbuf_putc(struct vbuf *b, int c)
{
	char ch = (char)c;
	vbuf_append(b, &ch, 1);
}

void
vbuf_vprintf(struct vbuf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	vbuf_reserve(b, 64);
	int n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
	if (n < 0)
		msg_panic("vbuf_printf: bad format \"%s\"", fmt);
	if ((size_t)n >= b->cap - b->len) {
		vbuf_reserve(b, (size_t)n);
		vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap2);
	}
	va_end(ap2);
	b->len += (size_t)n;
}

void
vbuf_printf(struct vbuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vbuf_vprintf(b, fmt, ap);
	va_end(ap);
}

void
vbuf_set(struct vbuf *b, const char *s)
{
	vbuf_reset(b);
	vbuf_puts(b, s);
}

void
vbuf_truncate(struct vbuf *b, size_t len)
{
	if (len < b->len) {
		b->len = len;
		b->data[len] = 0;
	}
}

const char *
vbuf_str(struct vbuf *b)
{
	if (b->data == NULL)
		vbuf_reset(b);
	return b->data;
}

char *
vbuf_export(struct vbuf *b)
{
	vbuf_reserve(b, 0);
	char *p = b->data;
	p[b->len] = 0;
	vbuf_init(b);
	return p;
}
