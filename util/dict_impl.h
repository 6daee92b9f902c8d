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
};

typedef int dict_line_fn(void *ctx, int lineno, char *line, struct vbuf *why);

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

#endif
