#ifndef SLUICE_DICT_IMPL_H
#define SLUICE_DICT_IMPL_H
/*
 * NAME
 *	dict_impl - what a table type provides to dict(3)
 * SYNOPSIS
 *	#include "dict_impl.h"
 *
 *	struct dict_ops { type, flags, suffix, open, get, seq, close };
 *	struct dict { ops, spec, name, flags, path, ..., impl };
 *
 *	int  dict_read_text(struct dict *d, const char *path,
 *			dict_line_fn *fn, void *ctx, struct vbuf *why);
 *	const char *dict_fold(struct dict *d, const char *key);
 *	int  dict_error(struct dict *d, const char *fmt, ...);
 *	void dict_expand(struct vbuf *out, const char *tmpl,
 *			const char *subject, const size_t *ov, int n);
 *
 *	extern const struct dict_ops dict_texthash_ops, dict_inline_ops,
 *		dict_static_ops, dict_hash_ops, dict_btree_ops,
 *		dict_lmdb_ops, dict_cdb_ops, dict_cidr_ops,
 *		dict_regexp_ops, dict_pcre_ops;
 *
 *	struct dict_wops { ops, nul, update, open, put, del, finish,
 *		abort };
 *	void dict_write_close(struct dict *d);
 *	extern const struct dict_wops dict_hash_wops, dict_btree_wops,
 *		dict_lmdb_wops, dict_cdb_wops;
 * DESCRIPTION
 *	Each table type is a struct dict_ops: its type name, DICT_FLAG_*
 *	bits it always has, the file suffix of its indexed file (".db",
 *	".lmdb", ".cdb"; "" when the named file itself is read; NULL when
 *	there is no file), and its operations. open() fills d->impl and
 *	returns 0, or -1 with why. get() and seq() follow dict_get() and
 *	dict_seq(); they may keep the value in d->result. close() frees
 *	d->impl. dict.c owns everything else in struct dict.
 *
 *	dict_read_text() reads a table source file as postmap does: logical
 *	lines (a line that starts with white space continues the previous
 *	one), '#' comment lines and blank lines skipped, each line at most
 *	DICT_LINE_MAX bytes; fn gets each logical line (modifiable) with the
 *	number of its first physical line and returns -1 with why to stop.
 *	dict_read_text() returns 0, or -1 with why ("PATH: ...", or fn's).
 *
 *	dict_fold() returns key folded to lower case unless the table was
 *	opened with DICT_FLAG_NOFOLD (borrowed until the next call).
 *	dict_error() sets d->why and returns DICT_ERROR. dict_expand() copies
 *	tmpl to out replacing $N / ${N} (N = 1..n-1) with the matched
 *	substring of subject whose offsets are ov[2N], ov[2N+1] (an unset
 *	group, marked by (size_t)-1, or N >= n gives ""), and $$ with $.
 *
 *	The write side: a type with a writer has a struct dict_wops. ops is
 *	its read side (type name and suffix); nul tells whether its keys and
 *	values get a trailing NUL by default; update whether an existing
 *	table can be changed. open() opens the library on the temporary file
 *	tmp (locked, open as fd; empty, or a byte copy of the table when
 *	updating) and fills d->impl; put() stores klen bytes of key and vlen
 *	of value (DICT_NOTFOUND; DICT_FOUND when the key was there, which it
 *	then keeps unless replace; DICT_ERROR with dict_error()); del()
 *	removes (DICT_FOUND, DICT_NOTFOUND, DICT_ERROR); finish() writes
 *	everything out and closes the library (0, or -1 with dict_error());
 *	abort() closes it without writing. dict_write.c owns the temporary
 *	file, its lock and the rename; dict_write_close() is dict_close()
 *	for a writer.
 */
#include <stddef.h>
#include <sys/types.h>

#include "dict.h"
#include "vbuf.h"

struct dict;

struct dict_ops {
	const char *type;
	int flags;
	const char *suffix;
	int (*open)(struct dict *d, const char *name, struct vbuf *why);
	int (*get)(struct dict *d, const char *key, const char **value);
	int (*seq)(struct dict *d, int first, const char **key,
	    const char **value);
	void (*close)(struct dict *d);
};

struct dict {
	const struct dict_ops *ops;
	char *spec; /* "type:name" as opened */
	char *name; /* after "type:" */
	int flags;  /* DICT_FLAG_* */
	char *path; /* the file dict_changed() watches, or NULL */
	dev_t dev;  /* and what it was when opened */
	ino_t ino;
	time_t mtime;
	long mtime_ns;
	off_t size;
	struct vbuf why;
	struct vbuf key;
	struct vbuf result;
	void *impl;
	/* The write side (dict_create()); wops is NULL for a reader. */
	const struct dict_wops *wops;
	char *tmp;  /* the temporary file */
	int tmp_fd; /* open and flock()ed */
	int nul;    /* store keys and values with a NUL */
	int broken; /* a write failed: only dict_close() */
};

struct dict_wops {
	const struct dict_ops *ops;
	int nul;
	int update;
	int (*open)(struct dict *d, const char *tmp, int fd, struct vbuf *why);
	int (*put)(struct dict *d, const char *key, size_t klen,
	    const char *value, size_t vlen, int replace);
	int (*del)(struct dict *d, const char *key, size_t klen);
	int (*finish)(struct dict *d);
	void (*abort)(struct dict *d);
};

int dict_read_text(struct dict *d, const char *path, dict_line_fn *fn,
    void *ctx, struct vbuf *why);
const char *dict_fold(struct dict *d, const char *key);
int dict_error(struct dict *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void dict_expand(struct vbuf *out, const char *tmpl, const char *subject,
    const size_t *ov, int n);

extern const struct dict_ops dict_texthash_ops, dict_inline_ops,
    dict_static_ops, dict_hash_ops, dict_btree_ops, dict_lmdb_ops, dict_cdb_ops,
    dict_cidr_ops, dict_regexp_ops, dict_pcre_ops;

void dict_write_close(struct dict *d);
extern const struct dict_wops dict_hash_wops, dict_btree_wops, dict_lmdb_wops,
    dict_cdb_wops;

#endif
