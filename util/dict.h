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
 * DIAGNOSTICS
 *	All input errors are returned; fatal only when out of memory.
 * SEE ALSO
 *	maps(3) for lists of tables and address lookups.
 */
#include "vbuf.h"

#define DICT_FOUND 1
#define DICT_NOTFOUND 0
#define DICT_ERROR (-1)

#define DICT_FLAG_NOFOLD (1 << 0)  /* dict_open(): keep key case */
#define DICT_FLAG_PATTERN (1 << 1) /* dict_flags(): cidr, regexp, pcre */
#define DICT_FLAG_FILE (1 << 2)	   /* dict_flags(): backed by a file */

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

#endif
