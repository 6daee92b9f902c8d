/*
 * cfg - main.cf and master.cf in Postfix's syntax; see cfg.h.
 *
 * Implementation notes:
 *	Logical lines follow Postfix's readllines(): comment and blank
 *	physical lines vanish even between continuation lines, and the
 *	continuation's own leading white space is kept.
 *
 *	The expander walks the text once, like Postfix's mac_parse() +
 *	mac_expand(): plain text is copied, each $name / ${...} / $(...)
 *	reference is resolved and its value expanded again, sharing one
 *	depth counter so that self-references stop at depth 100. Operands
 *	of ?: and relational operators are either "{balanced text}" or,
 *	for the historical ${name?text} form, the rest of the reference.
 *	Diagnostics use Postfix's wording.
 *
 *	Depth alone does not stop "a1 = $a0$a0, a2 = $a1$a1, ...": 40
 *	levels would make 2^40 bytes. One cfg_expand() call therefore also
 *	counts the bytes it produces (in out and in the operands of
 *	relational operators) and the references it resolves, and gives up
 *	after CFG_MAX_LEN bytes or CFG_MAX_REFS references (the latter for
 *	chains that expand to nothing), naming the outermost reference.
 *	Postfix itself has no such bound; both are far beyond real use.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "mem.h"
#include "msg.h"

#define CFG_SPACE " \t\r\n\v\f"
#define CFG_MAX_DEPTH 100
#define CFG_MAX_LEN 100000
#define CFG_MAX_REFS 1000000

/* cfg_why - replace the reason text, if the caller wants one */

static void __attribute__((format(printf, 2, 3)))
cfg_why(struct vbuf *why, const char *fmt, ...)
{
	va_list ap;

	if (why == NULL)
		return;
	vbuf_reset(why);
	va_start(ap, fmt);
	vbuf_vprintf(why, fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------------------ */
/* Logical lines                                                      */
/* ------------------------------------------------------------------ */

/* cfg_read_physical - one physical line without its newline; -1 at EOF */

static int
cfg_read_physical(FILE *fp, struct vbuf *buf, int *got_null)
{
	int ch;
	size_t start = buf->len;

	while ((ch = getc(fp)) != EOF && ch != '\n') {
		if (ch == 0)
			*got_null = 1;
		vbuf_putc(buf, ch);
	}
	if (ch == EOF && buf->len == start)
		return (-1);
	return (ch == '\n' ? 1 : 0);
}

int
cfg_read_logical(FILE *fp, struct vbuf *line, int *lineno, int *first_line,
    const char *path)
{
	int my_lineno = 0, my_first = 0;

	if (lineno == NULL)
		lineno = &my_lineno;
	if (first_line == NULL)
		first_line = &my_first;

	for (;;) {
		int got_null = 0;
		int at_eof = 0;

		vbuf_reset(line);
		for (;;) {
			size_t start = line->len;
			int r = cfg_read_physical(fp, line, &got_null);
			const char *cp;

			if (r < 0) {
				at_eof = 1;
				break;
			}
			*lineno += 1;
			/* Drop comment lines and all-blank lines. */
			for (cp = line->data + start;
			     cp < line->data + line->len &&
			     isspace((unsigned char)*cp);
			     cp++)
				;
			if (cp == line->data + line->len || *cp == '#')
				vbuf_truncate(line, start);
			if (start == 0)
				*first_line = *lineno;
			if (r == 0) {
				at_eof = 1;
				break;
			}
			/* Stop unless the next line continues this one. */
			if (line->len > 0) {
				int next = getc(fp);

				if (next != EOF)
					ungetc(next, fp);
				if (next != '#' &&
				    (next == EOF || !isspace(next)))
					break;
			}
		}
		if (got_null) {
			if (*first_line == *lineno)
				msg_warn("%s, line %d: text after null byte "
					 "may be ignored",
				    path, *lineno);
			else
				msg_warn("%s, line %d-%d: text after null byte "
					 "may be ignored",
				    path, *first_line, *lineno);
		}
		if (line->len > 0 && isspace((unsigned char)line->data[0])) {
			msg_warn("%s: logical line must not start with "
				 "whitespace: \"%.30s%s\"",
			    path, line->data, line->len > 30 ? "..." : "");
			if (at_eof)
				break;
			continue;
		}
		if (line->len > 0)
			return (1);
		if (at_eof)
			break;
	}
	vbuf_reset(line);
	return (0);
}

/* ------------------------------------------------------------------ */
/* main.cf name = value store                                         */
/* ------------------------------------------------------------------ */

struct cfg_ent {
	char *name;
	char *value;
	int line;
};

struct cfg {
	struct cfg_ent *ents;
	size_t count;
	size_t cap;
};

struct cfg *
cfg_create(void)
{
	return (mem_calloc(1, sizeof(struct cfg)));
}

struct cfg *
cfg_free(struct cfg *c)
{
	size_t i;

	if (c == NULL)
		return (NULL);
	for (i = 0; i < c->count; i++) {
		mem_free(c->ents[i].name);
		mem_free(c->ents[i].value);
	}
	mem_free(c->ents);
	mem_free(c);
	return (NULL);
}

static struct cfg_ent *
cfg_find(const struct cfg *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->count; i++)
		if (strcmp(c->ents[i].name, name) == 0)
			return (&c->ents[i]);
	return (NULL);
}

static void
cfg_put(struct cfg *c, const char *name, const char *value, int line)
{
	struct cfg_ent *e = cfg_find(c, name);

	if (e != NULL) {
		char *old = e->value;

		e->value = mem_strdup(value);
		mem_free(old);
		e->line = line;
		return;
	}
	if (c->count == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 32;
		c->ents = mem_realloc(c->ents, c->cap * sizeof(*c->ents));
	}
	e = &c->ents[c->count++];
	e->name = mem_strdup(name);
	e->value = mem_strdup(value);
	e->line = line;
}

void
cfg_set(struct cfg *c, const char *name, const char *value)
{
	cfg_put(c, name, value, 0);
}

const char *
cfg_get(const struct cfg *c, const char *name)
{
	struct cfg_ent *e = cfg_find(c, name);

	return (e ? e->value : NULL);
}

int
cfg_line(const struct cfg *c, const char *name)
{
	struct cfg_ent *e = cfg_find(c, name);

	return (e ? e->line : 0);
}

size_t
cfg_count(const struct cfg *c)
{
	return (c->count);
}

const char *
cfg_name_at(const struct cfg *c, size_t i)
{
	if (i >= c->count)
		msg_panic("cfg_name_at: index %zu out of range (%zu)", i,
		    c->count);
	return (c->ents[i].name);
}

/*
 * cfg_split_nameval - split "name = value" in place as Postfix's
 * split_nameval() does; returns NULL or the error text.
 */
static const char *
cfg_split_nameval(char *buf, char **name, char **value)
{
	char *np, *ep, *cp, *vp, *end;

	for (np = buf; *np && isspace((unsigned char)*np); np++)
		;
	if (*np == 0 || *np == '=')
		return ("missing attribute name");
	for (ep = np; *ep && !isspace((unsigned char)*ep) && *ep != '='; ep++)
		;
	for (cp = ep; *cp && isspace((unsigned char)*cp); cp++)
		;
	if (*cp != '=')
		return ("missing '=' after attribute name");
	*ep = 0;
	for (vp = cp + 1; *vp && isspace((unsigned char)*vp); vp++)
		;
	end = vp + strlen(vp);
	while (end > vp && isspace((unsigned char)end[-1]))
		*--end = 0;
	*name = np;
	*value = vp;
	return (NULL);
}

/*
 * cfg_read_lines - open path and hand each logical line to fn, with the
 * line number it starts on; fn returns -1 to stop with its reason in why.
 * Open and read errors are reported the same way for every file.
 */

typedef int cfg_line_fn(void *ctx, const char *path, int first, char *line,
    struct vbuf *why);

static int
cfg_read_lines(const char *path, cfg_line_fn *fn, void *ctx, struct vbuf *why)
{
	FILE *fp;
	struct vbuf line = VBUF_INIT;
	int lineno = 0, first = 0;
	int ret = 0;

	if ((fp = fopen(path, "r")) == NULL) {
		cfg_why(why, "open %s: %s", path, strerror(errno));
		return (-1);
	}
	while (cfg_read_logical(fp, &line, &lineno, &first, path)) {
		if (fn(ctx, path, first, line.data, why) < 0) {
			ret = -1;
			break;
		}
	}
	if (ret == 0 && ferror(fp)) {
		cfg_why(why, "read %s: %s", path, strerror(errno));
		ret = -1;
	}
	fclose(fp);
	vbuf_free(&line);
	return (ret);
}

struct cfg_load_ctx {
	struct cfg *c;
	struct vbuf copy;
};

/* cfg_load_line - one "name = value" line of main.cf */

static int
cfg_load_line(void *ctx, const char *path, int first, char *line,
    struct vbuf *why)
{
	struct cfg_load_ctx *lc = ctx;
	char *name, *value;
	const char *err, *old;

	vbuf_set(&lc->copy, line);
	if ((err = cfg_split_nameval(lc->copy.data, &name, &value)) != NULL) {
		cfg_why(why, "%s, line %d: %s: \"%s\"", path, first, err, line);
		return (-1);
	}
	if ((old = cfg_get(lc->c, name)) != NULL && strcmp(old, value) != 0)
		msg_warn("%s, line %d: overriding earlier entry: %s=%s", path,
		    first, name, old);
	cfg_put(lc->c, name, value, first);
	return (0);
}

int
cfg_load(struct cfg *c, const char *path, struct vbuf *why)
{
	struct cfg_load_ctx lc = {c, VBUF_INIT};
	int ret = cfg_read_lines(path, cfg_load_line, &lc, why);

	vbuf_free(&lc.copy);
	return (ret);
}

/* ------------------------------------------------------------------ */
/* $name expansion                                                    */
/* ------------------------------------------------------------------ */

struct cfg_exp {
	cfg_lookup_fn *lookup;
	void *ctx;
	struct vbuf *why;
	int depth;
	size_t bytes; /* produced so far, all buffers */
	size_t refs;  /* references resolved so far */
	char *top;    /* the outermost reference being expanded */
};

static int cfg_exp_text(struct cfg_exp *x, struct vbuf *out, const char *text);

/* cfg_skip_space - skip white space */

static char *
cfg_skip_space(char *cp)
{
	return (cp + strspn(cp, CFG_SPACE));
}

/*
 * cfg_exp_curly - extract a "{balanced}" operand in place; *bp points at
 * its '{' and afterwards past the '}' and any white space.
 */
static char *
cfg_exp_curly(struct cfg_exp *x, char **bp)
{
	char *start = *bp;
	char *cp;
	int level = 1;

	for (cp = start + 1; *cp; cp++) {
		if (*cp == '{')
			level++;
		else if (*cp == '}' && --level == 0)
			break;
	}
	if (*cp == 0) {
		cfg_why(x->why, "unbalanced {} in attribute expression: \"%s\"",
		    start);
		return (NULL);
	}
	*cp = 0;
	*bp = cfg_skip_space(cp + 1);
	return (start + 1);
}

/* cfg_all_digits - non-empty decimal string */

static int
cfg_all_digits(const char *s)
{
	if (*s == 0)
		return (0);
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return (0);
	return (1);
}

/* cfg_num_cmp - compare two decimal strings of any length */

static int
cfg_num_cmp(const char *a, const char *b)
{
	size_t la, lb;

	while (*a == '0' && a[1])
		a++;
	while (*b == '0' && b[1])
		b++;
	la = strlen(a);
	lb = strlen(b);
	if (la != lb)
		return (la < lb ? -1 : 1);
	return (strcmp(a, b));
}

/*
 * cfg_compat_parse - "major[.minor[.patch]]" into three numbers, as
 * Postfix's compatibility_level values ("0", "2", "3.6", "3.11").
 */
static int
cfg_compat_parse(const char *s, long v[3])
{
	int i;
	char *end;

	v[0] = v[1] = v[2] = 0;
	for (i = 0; i < 3; i++) {
		if (!isdigit((unsigned char)*s))
			return (-1);
		errno = 0;
		v[i] = strtol(s, &end, 10);
		if (errno == ERANGE || v[i] > 1000000)
			return (-1);
		s = end;
		if (*s == 0)
			return (0);
		if (*s != '.' || i == 2)
			return (-1);
		s++;
	}
	return (-1);
}

enum cfg_op { OP_NONE, OP_EQ, OP_NE, OP_LT, OP_LE, OP_GE, OP_GT };

static enum cfg_op
cfg_op_code(const char *s, size_t len)
{
	static const struct {
		const char *name;
		enum cfg_op code;
	} ops[] = {
	    {"==", OP_EQ},
	    {"!=", OP_NE},
	    {"<", OP_LT},
	    {"<=", OP_LE},
	    {">=", OP_GE},
	    {">", OP_GT},
	};
	size_t i;

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (strlen(ops[i].name) == len &&
		    strncmp(ops[i].name, s, len) == 0)
			return (ops[i].code);
	return (OP_NONE);
}

/*
 * cfg_exp_compare - compare two expanded operands: as compatibility levels
 * (the "level" operator suffix), as numbers when both are all digits, else
 * as strings; *delta is negative, zero or positive.
 */
static int
cfg_exp_compare(struct cfg_exp *x, const char *left, const char *right,
    int level_cmp, int *delta)
{
	long lv[3], rv[3];
	int i;

	*delta = 0;
	if (level_cmp) {
		if (cfg_compat_parse(left, lv) < 0) {
			cfg_why(x->why, "bad compatibility level: \"%s\"",
			    left);
			return (-1);
		}
		if (cfg_compat_parse(right, rv) < 0) {
			cfg_why(x->why, "bad compatibility level: \"%s\"",
			    right);
			return (-1);
		}
		for (i = 0; i < 3 && *delta == 0; i++)
			*delta = lv[i] < rv[i] ? -1 : lv[i] > rv[i] ? 1 : 0;
	} else if (cfg_all_digits(left) && cfg_all_digits(right)) {
		*delta = cfg_num_cmp(left, right);
	} else {
		*delta = strcmp(left, right);
	}
	return (0);
}
/*
 * cfg_exp_relational - "{a} OP {b}" at *bp; stores "true" or "" in *val
 * and advances *bp.
 */
static int
cfg_exp_relational(struct cfg_exp *x, char **bp, const char **val)
{
	char *cp = *bp;
	char *left, *right, *op_pos;
	size_t op_len;
	enum cfg_op op;
	int level_cmp = 0;
	struct vbuf lbuf = VBUF_INIT, rbuf = VBUF_INIT;
	int delta;
	int ret = -1;

	if ((left = cfg_exp_curly(x, &cp)) == NULL)
		return (-1);
	op_pos = cp;
	op_len = strspn(cp, "<>!=?+-*/~&|%");
	if ((op = cfg_op_code(cp, op_len)) == OP_NONE) {
		cfg_why(x->why,
		    "\"==\", \"!=\", \"<\", \"<=\", \">=\" or \">\" "
		    "expected at: \"...%s}>>>%.20s\"",
		    left, cp);
		return (-1);
	}
	cp += op_len;
	if (isalnum((unsigned char)*cp)) {
		size_t len = 0;

		while (isalnum((unsigned char)cp[len]))
			len++;
		if (len != 5 || strncmp(cp, "level", 5) != 0) {
			cfg_why(x->why,
			    "bad operator suffix at: \"...%.*s>>>%.*s\"",
			    (int)op_len, op_pos, (int)len, cp);
			return (-1);
		}
		level_cmp = 1;
		cp += len;
	}
	cp = cfg_skip_space(cp);
	if (*cp != '{') {
		cfg_why(x->why,
		    "\"{expression}\" expected at: "
		    "\"...{%s} %.*s>>>%.20s\"",
		    left, (int)(cp - op_pos), op_pos, cp);
		return (-1);
	}
	if ((right = cfg_exp_curly(x, &cp)) == NULL)
		return (-1);
	if (cfg_exp_text(x, &lbuf, left) < 0 ||
	    cfg_exp_text(x, &rbuf, right) < 0)
		goto out;
	vbuf_str(&lbuf);
	vbuf_str(&rbuf);
	if (cfg_exp_compare(x, lbuf.data, rbuf.data, level_cmp, &delta) < 0)
		goto out;
	switch (op) {
	case OP_EQ:
		*val = delta == 0 ? "true" : "";
		break;
	case OP_NE:
		*val = delta != 0 ? "true" : "";
		break;
	case OP_LT:
		*val = delta < 0 ? "true" : "";
		break;
	case OP_LE:
		*val = delta <= 0 ? "true" : "";
		break;
	case OP_GE:
		*val = delta >= 0 ? "true" : "";
		break;
	case OP_GT:
		*val = delta > 0 ? "true" : "";
		break;
	default:
		msg_panic("cfg_exp_relational: bad operator %d", (int)op);
	}
	*bp = cp;
	ret = 0;
out:
	vbuf_free(&lbuf);
	vbuf_free(&rbuf);
	return (ret);
}

/*
 * cfg_exp_enter - one more reference: enforce the depth and call-count
 * bounds and remember the outermost reference for diagnostics.
 */
static int
cfg_exp_enter(struct cfg_exp *x, const char *ref)
{
	if (++x->depth > CFG_MAX_DEPTH) {
		cfg_why(x->why, "unreasonable macro call nesting: \"%s\"", ref);
		return (-1);
	}
	if (x->depth == 1) {
		mem_free(x->top);
		x->top = mem_strdup(ref);
	}
	if (++x->refs > CFG_MAX_REFS) {
		cfg_why(x->why,
		    "macro expansion of \"%s\" makes too many macro calls "
		    "(more than %d)",
		    x->top, CFG_MAX_REFS);
		return (-1);
	}
	return (0);
}

/* cfg_exp_ref - resolve one reference (the text inside ${} or a name) */

static int
cfg_exp_ref(struct cfg_exp *x, struct vbuf *out, char *ref)
{
	char *cp;
	const char *val = NULL;
	char *res;
	int ch;

	if (cfg_exp_enter(x, ref) < 0)
		return (-1);
	cp = cfg_skip_space(ref);
	if (*cp == '{') {
		if (cfg_exp_relational(x, &cp, &val) < 0)
			return (-1);
		if ((ch = *cp) != 0) {
			if (ch != '?' && ch != ':') {
				cfg_why(x->why,
				    "\"?\" or \":\" expected at: "
				    "\"...}>>>%.20s\"",
				    cp);
				return (-1);
			}
			cp++;
		}
	} else {
		char *start = cp, *end;
		char saved;

		while (isalnum((unsigned char)*cp) || *cp == '_')
			cp++;
		end = cp;
		cp = cfg_skip_space(cp);
		ch = *cp;
		if (ch != 0 && ch != '?' && ch != ':') {
			cfg_why(x->why,
			    "attribute name syntax error at: "
			    "\"...%.*s>>>%.20s\"",
			    (int)(end - ref), ref, end);
			return (-1);
		}
		if (ch)
			cp++;
		saved = *end;
		*end = 0;
		val = *start && x->lookup ? x->lookup(start, x->ctx) : NULL;
		*end = saved;
	}

	switch (ch) {
	case '?':
		cp = cfg_skip_space(cp);
		if (*cp == '{') {
			if ((res = cfg_exp_curly(x, &cp)) == NULL)
				return (-1);
		} else {
			res = cp;
			cp += strlen(cp);
		}
		if (val != NULL && *val != 0 && cfg_exp_text(x, out, res) < 0)
			return (-1);
		if (*cp == 0)
			break;
		if (*cp != ':') {
			cfg_why(x->why, "\":\" expected at: \"...%s}>>>%.20s\"",
			    res, cp);
			return (-1);
		}
		cp++;
		/* FALLTHROUGH */
	case ':':
		cp = cfg_skip_space(cp);
		if (*cp == '{') {
			if ((res = cfg_exp_curly(x, &cp)) == NULL)
				return (-1);
		} else {
			res = cp;
			cp += strlen(cp);
		}
		if ((val == NULL || *val == 0) && cfg_exp_text(x, out, res) < 0)
			return (-1);
		if (*cp != 0) {
			cfg_why(x->why,
			    "unexpected input at: \"...%s}>>>%.20s\"", res, cp);
			return (-1);
		}
		break;
	case 0:
		if (val != NULL && *val != 0) {
			char *copy = mem_strdup(val);
			int r = cfg_exp_text(x, out, copy);

			mem_free(copy);
			if (r < 0)
				return (-1);
		}
		break;
	}
	x->depth--;
	return (0);
}

/*
 * cfg_exp_put - append n bytes of text to out, within the length bound;
 * text outside any reference is the caller's own and not counted.
 */
static int
cfg_exp_put(struct cfg_exp *x, struct vbuf *out, const char *text, size_t n)
{
	if (x->depth > 0) {
		x->bytes += n;
		if (x->bytes > CFG_MAX_LEN) {
			cfg_why(x->why,
			    "macro expansion of \"%s\" is too long "
			    "(more than %d bytes)",
			    x->top, CFG_MAX_LEN);
			return (-1);
		}
	}
	vbuf_append(out, text, n);
	return (0);
}

/* cfg_exp_text - expand text, appending to out */

static int
cfg_exp_text(struct cfg_exp *x, struct vbuf *out, const char *text)
{
	const char *p = text;

	while (*p) {
		const char *q;
		char *ref;
		int r;

		if (*p != '$') {
			size_t n = strcspn(p, "$");

			if (cfg_exp_put(x, out, p, n) < 0)
				return (-1);
			p += n;
			continue;
		}
		if (p[1] == '$') {
			if (cfg_exp_put(x, out, p, 1) < 0)
				return (-1);
			p += 2;
			continue;
		}
		p++;
		if (*p == '{' || *p == '(') {
			char open = *p, close = *p == '{' ? '}' : ')';
			int level = 1;

			for (q = p + 1; *q; q++) {
				if (*q == open)
					level++;
				else if (*q == close && --level == 0)
					break;
			}
			if (*q == 0) {
				msg_warn("truncated macro reference: \"%s\"",
				    text);
				return (0);
			}
			ref = mem_strndup(p + 1, (size_t)(q - p - 1));
			p = q + 1;
		} else {
			for (q = p; isalnum((unsigned char)*q) || *q == '_';
			     q++)
				;
			ref = mem_strndup(p, (size_t)(q - p));
			p = q;
		}
		if (*ref == 0) {
			cfg_why(x->why, "empty macro name: \"%s\"", text);
			mem_free(ref);
			return (-1);
		}
		r = cfg_exp_ref(x, out, ref);
		mem_free(ref);
		if (r < 0)
			return (-1);
	}
	return (0);
}

int
cfg_expand(struct vbuf *out, const char *text, cfg_lookup_fn *lookup, void *ctx,
    struct vbuf *why)
{
	struct cfg_exp x;
	int ret;

	x.lookup = lookup;
	x.ctx = ctx;
	x.why = why;
	x.depth = 0;
	x.bytes = 0;
	x.refs = 0;
	x.top = NULL;
	vbuf_str(out);
	ret = cfg_exp_text(&x, out, text);
	mem_free(x.top);
	return (ret);
}

/* ------------------------------------------------------------------ */
/* master.cf                                                          */
/* ------------------------------------------------------------------ */

/*
 * master_next_token - next white-space separated token of a master.cf
 * line, advancing *bp; with braces, "{ text }" is one token whose outer
 * braces and surrounding white space are removed (Postfix 3.0 syntax for
 * arguments that contain white space), and braces inside a token keep
 * their white space in it ("name={ a, b }" is one token, braces kept), as
 * Postfix's quoted tokenizer does. Returns NULL at the end; sets *err on a
 * brace error.
 */
static char *
master_next_token(char **bp, int braces, const char **err)
{
	char *cp = cfg_skip_space(*bp);
	char *start, *end;
	int level;

	*err = NULL;
	if (*cp == 0) {
		*bp = cp;
		return (NULL);
	}
	if (braces && *cp == '{') {
		int level = 1;
		char *q;

		for (q = cp + 1; *q; q++) {
			if (*q == '{')
				level++;
			else if (*q == '}' && --level == 0)
				break;
		}
		if (*q == 0) {
			*err = "missing '}'";
			*bp = cp;
			return (NULL);
		}
		if (q[1] != 0 && !isspace((unsigned char)q[1])) {
			*err = "syntax error after '}'";
			*bp = cp;
			return (NULL);
		}
		*q = 0;
		*bp = q[1] ? q + 2 : q + 1;
		start = cfg_skip_space(cp + 1);
		end = start + strlen(start);
		while (end > start && isspace((unsigned char)end[-1]))
			*--end = 0;
		return (start);
	}
	/* Braces inside a token group too: "name={ a, b }" is one token. */
	start = cp;
	for (level = 0; *cp; cp++) {
		if (braces && *cp == '{')
			level++;
		else if (braces && *cp == '}' && level > 0)
			level--;
		else if (level == 0 && isspace((unsigned char)*cp))
			break;
	}
	if (level > 0) {
		*err = "missing '}'";
		*bp = start;
		return (NULL);
	}
	if (*cp)
		*cp++ = 0;
	*bp = cp;
	return (start);
}

static const char *master_field_names[] = {
    "service",
    "transport type",
    "private",
    "unprivileged",
    "chroot",
    "wakeup_time",
    "max_proc",
    "command",
};

/* master_yn - y/n field with default */

static int
master_yn(const char *value, int def, int *out)
{
	if (strcmp(value, "-") == 0)
		*out = def;
	else if (strcmp(value, "y") == 0)
		*out = 1;
	else if (strcmp(value, "n") == 0)
		*out = 0;
	else
		return (-1);
	return (0);
}

/* master_num - decimal field up to a sane bound */

static int
master_num(const char *value, int *out, int *cond)
{
	long n = 0;
	const char *cp = value;

	if (!isdigit((unsigned char)*cp))
		return (-1);
	for (; isdigit((unsigned char)*cp); cp++) {
		n = n * 10 + (*cp - '0');
		if (n > 100000000)
			return (-1);
	}
	if (cond != NULL && *cp == '?' && cp[1] == 0) {
		*cond = 1;
		cp++;
	}
	if (*cp != 0)
		return (-1);
	*out = (int)n;
	return (0);
}

void
master_ent_clear(struct master_ent *e)
{
	int i;

	mem_free(e->service);
	mem_free(e->type_name);
	for (i = 0; i < 7; i++)
		mem_free(e->fields[i]);
	if (e->argv) {
		for (i = 0; i < e->argc; i++)
			mem_free(e->argv[i]);
		mem_free(e->argv);
	}
	memset(e, 0, sizeof(*e));
}

void
master_cf_free(struct master_ent *ents, size_t count)
{
	size_t i;

	if (ents == NULL)
		return;
	for (i = 0; i < count; i++)
		master_ent_clear(&ents[i]);
	mem_free(ents);
}

/* master_cf_parse - one logical line into e; -1 with why */

int
master_cf_parse(char *buf, struct master_ent *e, const char *path, int line,
    struct vbuf *why)
{
	char *bp = buf;
	char *tok[8];
	const char *err;
	char *arg;
	int i, argc_cap;

	memset(e, 0, sizeof(*e));
	e->line = line;
	for (i = 0; i < 8; i++) {
		if ((tok[i] = master_next_token(&bp, 0, &err)) == NULL) {
			cfg_why(why, "%s, line %d: missing \"%s\" field", path,
			    line, master_field_names[i]);
			return (-1);
		}
	}
	for (i = 0; i < 7; i++)
		e->fields[i] = mem_strdup(tok[i]);
	e->service = mem_strdup(tok[0]);
	e->type_name = mem_strdup(tok[1]);

	if (strcmp(tok[1], "inet") == 0)
		e->type = MASTER_INET;
	else if (strcmp(tok[1], "unix") == 0)
		e->type = MASTER_UNIX;
	else if (strcmp(tok[1], "fifo") == 0)
		e->type = MASTER_FIFO;
	else if (strcmp(tok[1], "unix-dgram") == 0)
		e->type = MASTER_UNIX_DGRAM;
	else if (strcmp(tok[1], "pass") == 0)
		e->type = MASTER_PASS;
	else if (strcmp(tok[1], "-") == 0) {
		cfg_why(why, "%s, line %d: field \"%s\" has no default value",
		    path, line, master_field_names[1]);
		return (-1);
	} else {
		cfg_why(why, "%s, line %d: bad transport type: %s", path, line,
		    tok[1]);
		return (-1);
	}

#define BAD_FIELD(n)                                                           \
	do {                                                                   \
		cfg_why(why, "%s, line %d: field \"%s\": bad value: \"%s\"",   \
		    path, line, master_field_names[n], tok[n]);                \
		return (-1);                                                   \
	} while (0)

	if (master_yn(tok[2], 1, &e->private_) < 0)
		BAD_FIELD(2);
	if (e->type == MASTER_INET && e->private_) {
		cfg_why(why, "%s, line %d: inet service cannot be private",
		    path, line);
		return (-1);
	}
	if (master_yn(tok[3], 1, &e->unpriv) < 0)
		BAD_FIELD(3);
	if (master_yn(tok[4], 0, &e->chroot) < 0)
		BAD_FIELD(4);
	if (strcmp(tok[5], "-") == 0)
		e->wakeup = 0;
	else if (master_num(tok[5], &e->wakeup, &e->wakeup_if_used) < 0)
		BAD_FIELD(5);
	if (e->wakeup == 0)
		e->wakeup_if_used = 0;
	if (strcmp(tok[6], "-") == 0)
		e->maxproc = -1;
	else if (master_num(tok[6], &e->maxproc, NULL) < 0)
		BAD_FIELD(6);
	if (strcmp(tok[7], "-") == 0) {
		cfg_why(why, "%s, line %d: field \"%s\" has no default value",
		    path, line, master_field_names[7]);
		return (-1);
	}

	argc_cap = 8;
	e->argv = mem_alloc(argc_cap * sizeof(char *));
	e->argv[e->argc++] = mem_strdup(tok[7]);
	for (;;) {
		char *at = cfg_skip_space(bp);

		if ((arg = master_next_token(&bp, 1, &err)) == NULL) {
			if (err != NULL) {
				cfg_why(why, "%s, line %d: %s in \"%s\"", path,
				    line, err, at);
				e->argv[e->argc] = NULL;
				return (-1);
			}
			break;
		}
		if (e->argc + 2 > argc_cap) {
			argc_cap *= 2;
			e->argv =
			    mem_realloc(e->argv, argc_cap * sizeof(char *));
		}
		e->argv[e->argc++] = mem_strdup(arg);
	}
	e->argv[e->argc] = NULL;
	return (0);
}

struct master_load_ctx {
	struct master_ent *arr;
	size_t n, cap;
};

/* master_load_line - one service entry of master.cf */

static int
master_load_line(void *ctx, const char *path, int first, char *line,
    struct vbuf *why)
{
	struct master_load_ctx *mc = ctx;

	if (mc->n == mc->cap) {
		mc->cap = mc->cap ? 2 * mc->cap : 16;
		mc->arr = mem_realloc(mc->arr, mc->cap * sizeof(*mc->arr));
	}
	if (master_cf_parse(line, &mc->arr[mc->n], path, first, why) < 0) {
		master_ent_clear(&mc->arr[mc->n]);
		return (-1);
	}
	mc->n++;
	return (0);
}

int
master_cf_load(const char *path, struct master_ent **ents, size_t *count,
    struct vbuf *why)
{
	struct master_load_ctx mc = {NULL, 0, 0};

	*ents = NULL;
	*count = 0;
	if (cfg_read_lines(path, master_load_line, &mc, why) < 0) {
		master_cf_free(mc.arr, mc.n);
		return (-1);
	}
	*ents = mc.arr;
	*count = mc.n;
	return (0);
}
