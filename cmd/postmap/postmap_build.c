/*
 * postmap_build - make a table from a text file or add standard input to
 * one (postmap type:file, postmap -i); see postmap.c.
 */
#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "dict.h"
#include "mem.h"
#include "msg.h"
#include "postmap.h"
#include "printable.h"
#include "vbuf.h"

struct postmap_src {
	const struct postmap_opts *o;
	struct dict *d;
	const char *path;    /* source, as messages name it */
	const char *dupname; /* the table, as duplicate warnings name it */
	struct vbuf folded;
};

/* postmap_utf8 - is s ASCII or well-formed UTF-8? */

static int
postmap_utf8(const char *s)
{
	const unsigned char *cp;
	char *copy;
	int ok = 1;

	for (cp = (const unsigned char *)s; *cp; cp++)
		if (*cp >= 0x80)
			break;
	if (*cp == 0)
		return (1);
	/* printable() keeps exactly the well-formed multi-byte sequences. */
	copy = printable(mem_strdup(s), '?');
	for (cp = (const unsigned char *)s; *cp; cp++)
		if (*cp >= 0x80 && copy[cp - (const unsigned char *)s] == '?')
			ok = 0;
	mem_free(copy);
	return (ok);
}

/* postmap_key_end - where the key ends; NULL with unbalanced quotes */

static char *
postmap_key_end(char *line)
{
	char *cp;
	int quoted = 0;

	for (cp = line; *cp; cp++) {
		if (*cp == '\\') {
			if (*++cp == 0)
				break;
		} else if (isspace((unsigned char)*cp)) {
			if (!quoted)
				break;
		} else if (*cp == '"') {
			quoted = !quoted;
		}
	}
	return (quoted ? NULL : cp);
}

/* postmap_dup - warn about a duplicate key, named as the table stores it */

static void
postmap_dup(struct postmap_src *s, const char *key)
{
	char *cp;

	vbuf_reset(&s->folded);
	vbuf_puts(&s->folded, key);
	if (!(s->o->dict_flags & DICT_FLAG_NOFOLD))
		for (cp = s->folded.data; *cp; cp++)
			*cp = (char)tolower((unsigned char)*cp);
	msg_warn("%s: duplicate entry: \"%s\"", s->dupname,
	    vbuf_str(&s->folded));
}

static int
postmap_line(void *ctx, int lineno, char *line, struct vbuf *why)
{
	struct postmap_src *s = ctx;
	char *key = line, *value, *end;
	int r;

	(void)why;
	if (s->o->utf8 && !postmap_utf8(line)) {
		msg_warn("%s, line %d: non-UTF-8 input \"%s\" -- ignoring "
			 "this line",
		    s->path, lineno, line);
		return (0);
	}
	if ((value = postmap_key_end(line)) == NULL) {
		msg_warn("%s, line %d: unbalanced '\"' in '%s' -- ignoring "
			 "this line",
		    s->path, lineno, line);
		return (0);
	}
	if (*value)
		*value++ = 0;
	while (isspace((unsigned char)*value))
		value++;
	for (end = value + strlen(value);
	     end > value && isspace((unsigned char)end[-1]);)
		*--end = 0;
	if (*key == 0 || *value == 0) {
		msg_warn("%s, line %d: expected format: key whitespace value",
		    s->path, lineno);
		return (0);
	}
	if (key[strlen(key) - 1] == ':')
		msg_warn("%s, line %d: record is in \"key: value\" format; is "
			 "this an alias file?",
		    s->path, lineno);
	if ((r = dict_put(s->d, key, value)) == DICT_ERROR)
		msg_fatal("%s", dict_why(s->d));
	if (r == DICT_FOUND && s->o->dup_warn)
		postmap_dup(s, key);
	return (0);
}

/* postmap_set_eugid - become the source file's owner, as Postfix */

static void
postmap_set_eugid(uid_t uid, gid_t gid)
{
	if (geteuid() != 0 && seteuid(0) < 0)
		msg_fatal("seteuid(0): %m");
	if (setegid(gid) < 0)
		msg_fatal("setegid(%ld): %m", (long)gid);
	if (setgroups(1, &gid) < 0)
		msg_fatal("setgroups(1, &%ld): %m", (long)gid);
	if (seteuid(uid) < 0)
		msg_fatal("seteuid(%ld): %m", (long)uid);
}

/* postmap_dupname - the table's name in Postfix's duplicate warnings */

static char *
postmap_dupname(const char *type, const char *name)
{
	struct vbuf n = VBUF_INIT;

	if (strcmp(type, "hash") == 0 || strcmp(type, "btree") == 0)
		vbuf_printf(&n, "%s.db", name);
	else if (strcmp(type, "lmdb") == 0)
		vbuf_printf(&n, "lmdb:%s", name);
	else
		vbuf_puts(&n, name);
	return (vbuf_export(&n));
}

/* postmap_open_source - the text to read: the file, or stdin with -i */

static FILE *
postmap_open_source(const struct postmap_opts *o, const char *name,
    struct stat *st)
{
	FILE *fp = stdin;

	if (!o->incremental && (fp = fopen(name, "r")) == NULL)
		msg_fatal("open %s: %m", name);
	if (fstat(fileno(fp), st) < 0)
		msg_fatal("fstat %s: %m", o->incremental ? "stdin" : name);
	return (fp);
}

void
postmap_build(const struct postmap_opts *o, const char *arg)
{
	struct postmap_src s;
	struct vbuf why = VBUF_INIT;
	struct stat st;
	char *spec = postmap_spec(arg), *type, *name;
	mode_t mask = 0;
	FILE *fp;

	if (dict_split(spec, &type, &name) < 0)
		msg_fatal("bad table name: %s", spec);
	fp = postmap_open_source(o, name, &st);
	if (o->save_perm && S_ISREG(st.st_mode))
		mask = umask(022 | (~st.st_mode & 077));
	if (o->as_owner && getuid() == 0 &&
	    (st.st_uid != geteuid() || st.st_gid != getegid()))
		postmap_set_eugid(st.st_uid, st.st_gid);
	memset(&s, 0, sizeof(s));
	s.o = o;
	s.path = o->incremental ? "stdin" : name;
	s.d = dict_create(spec,
	    o->dict_flags | (o->incremental ? DICT_FLAG_UPDATE : 0), &why);
	if (s.d == NULL)
		msg_fatal("%s", vbuf_str(&why));
	if (o->save_perm && S_ISREG(st.st_mode))
		umask(mask);
	s.dupname = postmap_dupname(type, name);
	if (dict_read_lines(fp, s.path, postmap_line, &s, &why) < 0)
		msg_fatal("%s", vbuf_str(&why));
	if (dict_commit(s.d) < 0)
		msg_fatal("%s", dict_why(s.d));
	dict_close(s.d);
	if (fp != stdin)
		fclose(fp);
	mem_free((void *)s.dupname);
	vbuf_free(&s.folded);
	vbuf_free(&why);
	mem_free(spec);
	mem_free(type);
	mem_free(name);
}
