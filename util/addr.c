/*
 * addr - RFC 822 address lists, header names, quoting; see
 * addr.h.
 *
 * Implementation notes:
 *
 *	The parser works in two passes over (pointer, length) input: a
 *	tokenizer that never reads past len (comments are skipped, quoted
 *	strings and domain literals become single tokens), then a walk over
 *	the tokens that splits the list at top-level ',' and ';', drops group
 *	names (text before a top-level ':'), and reduces "phrase <addr>" to
 *	addr. Addresses come out in Postfix's internal form: quoted strings
 *	lose their quotes and backslashes, white space between tokens is
 *	dropped except one space between two adjacent words.
 *
 *	This file is also compiled into sendmail (cmd/sendmail/sendmail_addr.c
 *	includes it), so it uses nothing but util/.
 */
#include <string.h>

#include "mem.h"
#include "vbuf.h"
#include "addr.h"

#define CLEANUP_ADDR_SPECIALS "()<>@,;:\\\".[]"

enum tok_type {
	TOK_ATOM,
	TOK_QSTRING,
	TOK_DLIT,
	TOK_OP,
};

struct tok {
	enum tok_type type;
	int op;	      /* TOK_OP: the character */
	size_t start; /* offset in the text buffer */
	size_t len;
};

struct tok_list {
	struct tok *t;
	size_t n;
	size_t cap;
	struct vbuf text; /* unquoted token text */
};

/* tok_add - append one token */

static struct tok *
tok_add(struct tok_list *tl, enum tok_type type, int op)
{
	struct tok *t;

	if (tl->n == tl->cap) {
		tl->cap = tl->cap ? 2 * tl->cap : 16;
		tl->t = mem_realloc(tl->t, tl->cap * sizeof(*tl->t));
	}
	t = tl->t + tl->n++;
	t->type = type;
	t->op = op;
	t->start = tl->text.len;
	t->len = 0;
	return (t);
}

/* is_atom_char - RFC 822 atom character (8-bit bytes included) */

static int
is_atom_char(unsigned char ch)
{
	if (ch <= ' ' || ch == 127)
		return (0);
	return (strchr(CLEANUP_ADDR_SPECIALS, ch) == 0);
}

/* tokenize - split text into tokens, dropping comments and white space */

static void
tokenize(const char *text, size_t len, struct tok_list *tl)
{
	size_t i = 0;
	struct tok *t;
	unsigned char ch;
	int depth;

	while (i < len) {
		ch = (unsigned char)text[i];
		if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' ||
		    ch == 0) {
			i++;
		} else if (ch == '(') {
			/* Comment, may nest; backslash quotes the next
			 * character. */
			for (depth = 0; i < len; i++) {
				if (text[i] == '\\') {
					i++;
				} else if (text[i] == '(') {
					depth++;
				} else if (text[i] == ')') {
					if (--depth == 0) {
						i++;
						break;
					}
				}
			}
		} else if (ch == '"') {
			t = tok_add(tl, TOK_QSTRING, 0);
			for (i++; i < len && text[i] != '"'; i++) {
				if (text[i] == '\\' && i + 1 < len)
					i++;
				vbuf_putc(&tl->text, text[i]);
			}
			if (i < len)
				i++; /* closing quote */
			t->len = tl->text.len - t->start;
		} else if (ch == '[') {
			t = tok_add(tl, TOK_DLIT, 0);
			for (; i < len && text[i] != ']'; i++) {
				if (text[i] == '\\' && i + 1 < len)
					vbuf_putc(&tl->text, text[i++]);
				vbuf_putc(&tl->text, text[i]);
			}
			vbuf_putc(&tl->text, ']');
			if (i < len)
				i++;
			t->len = tl->text.len - t->start;
		} else if (is_atom_char(ch)) {
			t = tok_add(tl, TOK_ATOM, 0);
			while (i < len && is_atom_char((unsigned char)text[i]))
				vbuf_putc(&tl->text, text[i++]);
			t->len = tl->text.len - t->start;
		} else {
			/* One special: < > @ , ; : . \ ] ) and control
			 * characters. */
			t = tok_add(tl, TOK_OP, ch);
			vbuf_putc(&tl->text, ch);
			t->len = 1;
			i++;
		}
	}
}

/* is_word - atom or quoted string */

static int
is_word(const struct tok *t)
{
	return (t->type == TOK_ATOM || t->type == TOK_QSTRING);
}

/* add_address - internalize tokens [from, to) as one address */

static void
add_address(struct tok_list *tl, size_t from, size_t to, struct addr_list *list)
{
	struct vbuf out = VBUF_INIT;
	size_t i;

	for (i = from; i < to; i++) {
		if (i > from && is_word(tl->t + i) && is_word(tl->t + i - 1))
			vbuf_putc(&out, ' ');
		/* An empty quoted string may leave the text buffer unset. */
		if (tl->t[i].len > 0)
			vbuf_append(&out, tl->text.data + tl->t[i].start,
			    tl->t[i].len);
	}
	if (list->n == list->cap) {
		list->cap = list->cap ? 2 * list->cap : 8;
		list->addr =
		    mem_realloc(list->addr, list->cap * sizeof(char *));
	}
	list->addr[list->n++] = out.data ? vbuf_export(&out) : mem_strdup("");
}

/* is_op - token is the operator ch */

static int
is_op(const struct tok *t, int ch)
{
	return (t->type == TOK_OP && t->op == ch);
}

/* emit_one - one list element [from, to): "phrase <addr>" or addr-spec */

static size_t
emit_one(struct tok_list *tl, size_t from, size_t to, struct addr_list *list)
{
	size_t i;
	size_t lt;
	size_t gt;

	if (from >= to)
		return (0);
	for (lt = from; lt < to && !is_op(tl->t + lt, '<'); lt++)
		/* void */;
	if (lt < to) {
		for (gt = lt + 1; gt < to && !is_op(tl->t + gt, '>'); gt++)
			/* void */;
		/* Drop a source route "@a,@b:" before the address proper. */
		i = lt + 1;
		if (i < gt && is_op(tl->t + i, '@')) {
			size_t j;

			for (j = gt; j > i; j--)
				if (is_op(tl->t + j - 1, ':'))
					break;
			if (j > i)
				i = j;
		}
		add_address(tl, i, gt, list);
		return (1);
	}
	add_address(tl, from, to, list);
	return (1);
}

/* addr_parse - parse an address list */

size_t
addr_parse(const char *text, size_t len, struct addr_list *list)
{
	struct tok_list tl;
	size_t start;
	size_t i;
	size_t count = 0;
	int angle = 0;

	memset(&tl, 0, sizeof(tl));
	tokenize(text, len, &tl);
	for (start = i = 0; i < tl.n; i++) {
		struct tok *t = tl.t + i;

		if (t->type != TOK_OP)
			continue;
		if (t->op == '<') {
			angle++;
		} else if (t->op == '>') {
			if (angle > 0)
				angle--;
		} else if (angle == 0 && (t->op == ',' || t->op == ';')) {
			count += emit_one(&tl, start, i, list);
			start = i + 1;
		} else if (angle == 0 && t->op == ':') {
			/* Group name: "undisclosed-recipients: a, b;" */
			start = i + 1;
		}
	}
	count += emit_one(&tl, start, tl.n, list);
	mem_free(tl.t);
	vbuf_free(&tl.text);
	return (count);
}

/* addr_list_free - release a list */

void
addr_list_free(struct addr_list *list)
{
	size_t i;

	for (i = 0; i < list->n; i++)
		mem_free(list->addr[i]);
	list->addr = mem_free(list->addr);
	list->n = list->cap = 0;
}

/* addr_is_header - length of the header name, or 0 */

size_t
addr_is_header(const char *line, size_t len)
{
	size_t i;
	size_t name_len;
	unsigned char ch;

	for (i = 0; i < len; i++) {
		ch = (unsigned char)line[i];
		if (ch == ':' || ch <= ' ' || ch >= 127)
			break;
	}
	if (i == 0)
		return (0);
	name_len = i;
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (i < len && line[i] == ':')
		return (name_len);
	return (0);
}

/* local_needs_quote - RFC 822 local-part that is not a dot-atom */

static int
local_needs_quote(const char *local, size_t len)
{
	size_t i;

	if (len == 0)
		return (0);
	if (local[0] == '.' || local[len - 1] == '.')
		return (1);
	for (i = 0; i < len; i++) {
		if (local[i] == '.') {
			if (i + 1 < len && local[i + 1] == '.')
				return (1);
			continue;
		}
		if (!is_atom_char((unsigned char)local[i]))
			return (1);
	}
	return (0);
}

/* addr_quote_local - quote the local part where needed */

void
addr_quote_local(struct vbuf *out, const char *addr)
{
	const char *at = strrchr(addr, '@');
	size_t len = at ? (size_t)(at - addr) : strlen(addr);
	size_t i;

	if (!local_needs_quote(addr, len)) {
		vbuf_puts(out, addr);
		return;
	}
	vbuf_putc(out, '"');
	for (i = 0; i < len; i++) {
		if (addr[i] == '"' || addr[i] == '\\')
			vbuf_putc(out, '\\');
		vbuf_putc(out, addr[i]);
	}
	vbuf_putc(out, '"');
	if (at)
		vbuf_puts(out, at);
}

/* addr_phrase - full name as a From: phrase */

void
addr_phrase(struct vbuf *out, const char *fullname)
{
	const char *cp;
	int words = 0;

	if (fullname[strcspn(fullname, "%!" CLEANUP_ADDR_SPECIALS)] != 0) {
		vbuf_putc(out, '"');
		for (cp = fullname; *cp; cp++) {
			if (*cp == '"' || *cp == '\\')
				vbuf_putc(out, '\\');
			vbuf_putc(out, *cp == '\r' || *cp == '\n' ? ' ' : *cp);
		}
		vbuf_putc(out, '"');
		return;
	}
	for (cp = fullname; *cp; /* void */) {
		size_t n;

		cp += strspn(cp, " \t\r\n");
		n = strcspn(cp, " \t\r\n");
		if (n == 0)
			break;
		if (words++)
			vbuf_putc(out, ' ');
		vbuf_append(out, cp, n);
		cp += n;
	}
}

/* addr_qualify - append @origin to an unqualified address */

void
addr_qualify(struct vbuf *out, const char *addr, const char *origin)
{
	vbuf_puts(out, addr);
	if (origin && *origin && *addr && strchr(addr, '@') == 0) {
		vbuf_putc(out, '@');
		vbuf_puts(out, origin);
	}
}
