/* mem - allocation wrappers; see mem.h. */
#include <stdlib.h>
#include <string.h>
#include <stdint.h>

#include "mem.h"
#include "msg.h"

void *
mem_alloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (p == NULL)
		msg_fatal("out of memory allocating %zu bytes", n);
	return p;
}

void *
mem_calloc(size_t count, size_t n)
{
	if (n && count > SIZE_MAX / n)
		msg_fatal("allocation size overflow: %zu x %zu", count, n);
	void *p = calloc(count ? count : 1, n ? n : 1);
	if (p == NULL)
		msg_fatal("out of memory allocating %zu x %zu bytes", count, n);
	return p;
}

void *
mem_realloc(void *ptr, size_t n)
{
	void *p = realloc(ptr, n ? n : 1);
	if (p == NULL)
		msg_fatal("out of memory reallocating %zu bytes", n);
	return p;
}

char *
mem_strdup(const char *s)
{
	return mem_strndup(s, strlen(s));
}

char *
mem_strndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *p = mem_alloc(len + 1);
	memcpy(p, s, len);
	p[len] = 0;
	return p;
}

void *
mem_free(void *ptr)
{
	free(ptr);
	return NULL;
}
