#ifndef SLUICE_CFG_H
#define SLUICE_CFG_H
/*
 * NAME
 *	cfg - main.cf and master.cf in Postfix's syntax
 * SYNOPSIS
 *	#include "cfg.h"
 *
 *	int  cfg_read_logical(FILE *fp, struct vbuf *line, int *lineno,
 *			int *first_line, const char *path);
 *
 *	struct cfg *cfg_create(void);
 *	struct cfg *cfg_free(struct cfg *c);
 *	int  cfg_load(struct cfg *c, const char *path, struct vbuf *why);
 *	const char *cfg_get(const struct cfg *c, const char *name);
 *	int  cfg_line(const struct cfg *c, const char *name);
 *	void cfg_set(struct cfg *c, const char *name, const char *value);
 *	size_t cfg_count(const struct cfg *c);
 *	const char *cfg_name_at(const struct cfg *c, size_t i);
 *
 *	typedef const char *cfg_lookup_fn(const char *name, void *ctx);
 *	int  cfg_expand(struct vbuf *out, const char *text,
 *			cfg_lookup_fn *lookup, void *ctx, struct vbuf *why);
 *
 *	struct master_ent { ... };
 *	int  master_cf_load(const char *path, struct master_ent **ents,
 *			size_t *count, struct vbuf *why);
 *	void master_cf_free(struct master_ent *ents, size_t count);
 *	int  master_cf_parse(char *text, struct master_ent *e,
 *			const char *path, int line, struct vbuf *why);
 *	void master_ent_clear(struct master_ent *e);
 * DESCRIPTION
 *	cfg_read_logical() reads the next logical line: physical lines that
 *	start with white space continue the previous one (newline dropped,
 *	the continuation's leading white space kept); lines whose first
 *	non-blank character is '#' and blank lines are skipped, also between
 *	continuation lines. *lineno counts physical lines read so far;
 *	*first_line receives the number of the logical line's first physical
 *	line. A logical line starting with white space is skipped with
 *	Postfix's warning naming path. Returns 1 with a line, 0 at EOF.
 *
 *	A struct cfg holds name = raw value pairs from main.cf in file
 *	order, with the line each came from (0 if set with cfg_set()).
 *	cfg_load() parses path ("name = value"; white space around '=' and
 *	at the end trimmed; a later entry overrides an earlier one with
 *	Postfix's "overriding earlier entry" warning). It returns 0, or -1
 *	with why = "PATH, line N: missing '=' after attribute name: \"TEXT\""
 *	(or the open error). A missing file is an error too. cfg_get()
 *	returns the raw value (borrowed, valid until the entry changes) or
 *	NULL; cfg_line() its line.
 *
 *	cfg_expand() appends to out the expansion of text: $$, $name,
 *	${name}, $(name), ${name?text}, ${name?{text}}, ${name:text},
 *	${name:{text}}, ${name?{t1}:{t2}} and ${{a} OP {b} ? {t1} : {t2}}
 *	with OP one of == != < <= > >= <level <=level >level >=level.
 *	Names are resolved with lookup (NULL = undefined = empty); the
 *	results are expanded recursively up to a depth of 100. One call
 *	produces at most 100000 bytes from references (literal text of
 *	text itself is not counted) and resolves at most 1000000
 *	references, so chains like "a2 = $a1$a1" fail fast instead of
 *	growing exponentially. Returns 0, or -1 with why set: "unreasonable
 *	macro call nesting: \"REF\"", "macro expansion of \"REF\" is too
 *	long (more than 100000 bytes)", "macro expansion of \"REF\" makes
 *	too many macro calls (more than 1000000)" (REF: the outermost
 *	reference of text), or a syntax error; out may then hold a partial
 *	result. A truncated "${" warns as Postfix does and expands to what
 *	was parsed.
 *
 *	master_cf_load() parses master.cf: the same logical lines, 8+ white
 *	space separated fields (service type private unpriv chroot wakeup
 *	maxproc command args...); "-" means the default. ents is an owned
 *	array released with master_cf_free(). Errors (too few fields, bad
 *	type, bad y/n, bad number, inet service marked private) return -1
 *	with why = "PATH, line N: ...". An argument is a white-space
 *	separated token in which braces group ("name={ a, b }" is one
 *	token, braces kept); a token that starts with "{" is the text
 *	between its braces, trimmed ("{ a b }" is "a b").
 *
 *	master_cf_parse() parses one logical line (modified in place) into
 *	e, with path and line for the error text; master_ent_clear()
 *	releases what it allocated.
 * DIAGNOSTICS
 *	Fatal: out of memory. All input errors are returned.
 */
#include <stdio.h>
#include "vbuf.h"

int cfg_read_logical(FILE *fp, struct vbuf *line, int *lineno, int *first_line,
    const char *path);

struct cfg;
struct cfg *cfg_create(void);
struct cfg *cfg_free(struct cfg *c);
int cfg_load(struct cfg *c, const char *path, struct vbuf *why);
const char *cfg_get(const struct cfg *c, const char *name);
int cfg_line(const struct cfg *c, const char *name);
void cfg_set(struct cfg *c, const char *name, const char *value);
size_t cfg_count(const struct cfg *c);
const char *cfg_name_at(const struct cfg *c, size_t i);

typedef const char *cfg_lookup_fn(const char *name, void *ctx);
int cfg_expand(struct vbuf *out, const char *text, cfg_lookup_fn *lookup,
    void *ctx, struct vbuf *why);

enum master_type {
	MASTER_INET,
	MASTER_UNIX,
	MASTER_FIFO,
	MASTER_UNIX_DGRAM,
	MASTER_PASS
};

struct master_ent {
	char *service; /* "smtp", "127.0.0.1:2525", "pickup" */
	enum master_type type;
	char *type_name; /* as written: "inet", "unix", ... */
	int private_;	 /* 1: private/, 0: public/ (inet: 0) */
	int unpriv;	 /* 1: run as mail_owner */
	int chroot;
	int wakeup;	    /* seconds, 0 = never */
	int wakeup_if_used; /* "N?" form */
	int maxproc;	    /* -1 = "-" ($default_process_limit) */
	char **argv;	    /* command + args, NULL-terminated */
	int argc;
	char *fields[7]; /* the first seven fields as written */
	int line;	 /* first line in master.cf */
};

int master_cf_load(const char *path, struct master_ent **ents, size_t *count,
    struct vbuf *why);
void master_cf_free(struct master_ent *ents, size_t count);
int master_cf_parse(char *text, struct master_ent *e, const char *path,
    int line, struct vbuf *why);
void master_ent_clear(struct master_ent *e);

#endif
