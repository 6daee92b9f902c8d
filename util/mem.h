#ifndef SLUICE_MEM_H
#define SLUICE_MEM_H
/*
 * NAME
 *	mem - memory allocation that succeeds or does not return
 * SYNOPSIS
 *	#include "mem.h"
 *
 *	void *mem_alloc(size_t n);
 *	void *mem_calloc(size_t count, size_t n);
 *	void *mem_realloc(void *ptr, size_t n);
 *	char *mem_strdup(const char *s);
 *	char *mem_strndup(const char *s, size_t n);
 *	void *mem_free(void *ptr);
 * DESCRIPTION
 *	Every allocator returns memory the caller owns and releases with
 *	mem_free() (or free()). None returns NULL: when memory is exhausted
 *	the process ends with msg_fatal(). mem_free() accepts NULL and always
 *	returns NULL, so callers write "p = mem_free(p);".
 *	mem_strndup() copies at most n bytes and always NUL-terminates.
 * DIAGNOSTICS
 *	Fatal: out of memory; size overflow in mem_calloc().
 */
#include <stddef.h>

void *mem_alloc(size_t n);
void *mem_calloc(size_t count, size_t n);
void *mem_realloc(void *ptr, size_t n);
char *mem_strdup(const char *s);
char *mem_strndup(const char *s, size_t n);
void *mem_free(void *ptr);

#endif
