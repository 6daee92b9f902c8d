#ifndef SLUICE_DICT_H
#define SLUICE_DICT_H
/*
 * NAME
 *	dict - one lookup table, named "type:name" as in Postfix
 * SYNOPSIS
 *	#include "dict.h"
 *
 *	struct dict *dict_open(const char *spec, int flags, struct vbuf *why);
 *	int  dict_get(struct dict *d, const char *key, const char **value);
 *	int  dict_seq(struct dict *d, int first, const char **key,
 *			const char **value);
 *	int  dict_changed(struct dict *d);
 *	int  dict_flags(const struct dict *d);
 *	const char *dict_name(const struct dict *d);
 *	const char *dict_why(const struct dict *d);
 *	void dict_close(struct dict *d);
 *
 *	int  dict_type_known(const char *type);
 *	int  dict_split(const char *spec, char **type, char **name);
 *	int  dict_parse_line(char *line, char **key, char **value);
 *
 *	struct dict *dict_create(const char *spec, int flags,
 *			struct vbuf *why);
 *	int  dict_put(struct dict *d, const char *key, const char *value);
 *	int  dict_del(struct dict *d, const char *key);
 *	int  dict_commit(struct dict *d);
 *	int  dict_writable(const char *type);
 *
 *	typedef int dict_line_fn(void *ctx, int lineno, char *line,
 *			struct vbuf *why);
 *	int  dict_read_lines(FILE *fp, const char *path, dict_line_fn *fn,
 *			void *ctx, struct vbuf *why);
 * DESCRIPTION
 *	A table answers a key with a value. The types and their sources
 *	(docs/postfix/tables-routing.md, "Tables"):
 *	  texthash:FILE	the text file itself, read into memory;
 *	  inline:{ k=v, { k = v w } }	the pairs in the name;
 *	  static:VALUE	always VALUE (braces around it are removed);
 *	  hash:FILE, btree:FILE	FILE.db, Berkeley DB (DB_HASH, DB_BTREE),
 *			the files Postfix's postmap builds;
 *	  lmdb:FILE	FILE.lmdb (LMDB);
 *	  cdb:FILE	FILE.cdb (tinycdb);
 *	  cidr:FILE	"network/prefix value" lines, first match;
 *	  regexp:FILE	"/pattern/flags value" lines (POSIX), first match;
 *	  pcre:FILE	the same with PCRE2 patterns.
 *
 *	dict_open() opens spec. DICT_FLAG_NOFOLD keeps the case of keys of
 *	fixed-string tables (by default keys are folded to lower case when
 *	a table is loaded and when it is searched, as Postfix does).
 *	It returns NULL with why on an unknown type ("unsupported dictionary
 *	type: TYPE"), a file that cannot be opened or read, or a syntax error
 *	in a file that is parsed when opened (cidr, regexp, pcre: "FILE, line
 *	N: ..."). Text files are read with a bounded line length
 *	(DICT_LINE_MAX); a longer line is an error.
 *
 *	dict_get() looks key up: DICT_FOUND (value borrowed until the next
 *	call on d), DICT_NOTFOUND, or DICT_ERROR when the table could not
 *	be read (dict_why() says why); an error is never a "not found".
 *	Indexed files try the key with the trailing NUL that Postfix's
 *	postmap stores, then without. A pattern table (DICT_FLAG_PATTERN in
 *	dict_flags(): cidr, regexp, pcre) takes the whole key as it is and
 *	expands $1..$9 (also ${1}, and $$ for "$") in the result from the
 *	match; the caller must not try parent domains or other key forms on
 *	it. dict_seq() walks every pair (first: restart; DICT_FOUND per pair,
 *	DICT_NOTFOUND at the end); it is for postmap -s, fixed tables only.
 *
 *	dict_changed() tells whether the file behind d was replaced or
 *	modified since it was opened (a daemon then re-opens it).
 *	dict_split() splits "type:name" (owned copies; -1 without ':').
 *	dict_type_known() tells whether type is supported.
 *	dict_parse_line() splits a logical line of a postmap-style text
 *	file into key and value in place (white space between them); -1
 *	when there is no white space after the key.
 *	dict_list_item() returns the next item of a list separated by
 *	white space or commas in which braces group ("inline:{ a=b, c }"
 *	is one item), cut in place, advancing *bp; NULL at the end. An
 *	unbalanced "{" sets *err: with why, the result is NULL and why says
 *	so; without, the rest of the text is the item.
 *
 *	The write side (postmap's) builds the indexed types hash, btree,
 *	lmdb and cdb with their libraries. dict_create() opens a writer on
 *	spec: a new empty table, or with DICT_FLAG_UPDATE a copy of the
 *	existing one (none: empty, unless DICT_FLAG_EXISTING, then an
 *	error as Postfix's "open database FILE.db: No such file or
 *	directory"). The table is written to FILE.SUFFIX.tmp (locked with
 *	flock(2), as Postfix's cdb writer locks it) and dict_commit() syncs
 *	it and renames it over FILE.SUFFIX, so that a reader sees the old
 *	table or the new one, never a part. The new file gets the mode of
 *	the table it replaces, else 0644 less the umask, and the invoking
 *	effective user and group as owner. dict_close() without a commit
 *	removes the temporary file. dict_name() is "type:name".
 *
 *	Keys are folded to lower case unless DICT_FLAG_NOFOLD. Keys and
 *	values are stored with a trailing NUL (DICT_FLAG_NUL, Postfix's
 *	postmap -N) or without (DICT_FLAG_NONUL, -n); with neither, each
 *	type as Postfix's postmap: with the NUL, except cdb. dict_put()
 *	stores key and value and returns DICT_NOTFOUND; when the key is
 *	already there it keeps the old value (DICT_FLAG_DUP_REPLACE:
 *	replaces it) and returns DICT_FOUND, so that the caller can warn.
 *	dict_del() removes key (with and without the NUL, as stored):
 *	DICT_FOUND, DICT_NOTFOUND or DICT_ERROR. dict_put(), dict_del()
 *	and dict_commit() return DICT_ERROR (-1) with dict_why() on a
 *	write error; after one, only dict_close() is allowed.
 *
 *	dict_create() returns NULL with why in Postfix's words: an unknown
 *	type ("unsupported dictionary type: T. Is the postfix-T package
 *	installed?"), a type that has no writer ("unsupported dictionary
 *	type: T does not support bulk-mode creation."; with
 *	DICT_FLAG_EXISTING, as for postmap -d: "T:NAME map requires
 *	O_RDONLY access mode", or for static "table static:V: delete
 *	operation is not supported"), cdb with DICT_FLAG_UPDATE (Postfix's
 *	cdb cannot be updated: "dict_cdb_open: inappropriate open flags for
 *	cdb database - specify O_RDONLY or O_WRONLY|O_CREAT|O_TRUNC"), and
 *	"open database FILE.SUFFIX: ERRNO TEXT" when the file cannot be
 *	created. dict_writable() tells whether type has a writer.
 *
 *	dict_read_lines() reads table source text from fp as postmap does
 *	(dict_read_text() in dict_impl.h, which opens a file by name), path
 *	naming it in messages ("stdin" for postmap -i).
 * DIAGNOSTICS
 *	All input errors are returned; fatal only when out of memory.
 * SEE ALSO
 *	maps(3) for lists of tables and address lookups.
 */
#include <stdio.h>

#include "vbuf.h"

#define DICT_FOUND 1
#define DICT_NOTFOUND 0
#define DICT_ERROR (-1)

#define DICT_FLAG_NOFOLD (1 << 0)  /* dict_open(): keep key case */
#define DICT_FLAG_PATTERN (1 << 1) /* dict_flags(): cidr, regexp, pcre */
#define DICT_FLAG_FILE (1 << 2)	   /* dict_flags(): backed by a file */
#define DICT_FLAG_NUL (1 << 3)	   /* dict_create(): keys, values with NUL */
#define DICT_FLAG_NONUL (1 << 4)   /* dict_create(): without NUL */
#define DICT_FLAG_DUP_REPLACE (1 << 5) /* dict_put(): a later value wins */
#define DICT_FLAG_UPDATE (1 << 6)      /* dict_create(): keep the contents */
#define DICT_FLAG_EXISTING (1 << 7)    /* with UPDATE: the table must exist */

#define DICT_LINE_MAX (1 << 20) /* longest text line of a table file */

struct dict;

struct dict *dict_open(const char *spec, int flags, struct vbuf *why);
int dict_get(struct dict *d, const char *key, const char **value);
int dict_seq(struct dict *d, int first, const char **key, const char **value);
int dict_changed(struct dict *d);
int dict_flags(const struct dict *d);
const char *dict_name(const struct dict *d);
const char *dict_why(const struct dict *d);
void dict_close(struct dict *d);

int dict_type_known(const char *type);
int dict_split(const char *spec, char **type, char **name);
int dict_parse_line(char *line, char **key, char **value);
char *dict_list_item(char **bp, struct vbuf *why, int *err);

struct dict *dict_create(const char *spec, int flags, struct vbuf *why);
int dict_put(struct dict *d, const char *key, const char *value);
int dict_del(struct dict *d, const char *key);
int dict_commit(struct dict *d);
int dict_writable(const char *type);

typedef int dict_line_fn(void *ctx, int lineno, char *line, struct vbuf *why);
int dict_read_lines(FILE *fp, const char *path, dict_line_fn *fn, void *ctx,
    struct vbuf *why);

#endif
