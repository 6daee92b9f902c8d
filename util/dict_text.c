/*
 * dict_text - texthash:, inline: and static: tables; see dict_impl.h.
 *
 * Implementation notes. texthash and inline keep their pairs in one
 * sorted array searched with bsearch(); a duplicate key keeps its first
 * value, as Postfix's postmap does (it warns; we keep the load silent and
 * leave the warning to postmap). inline's name is "{ k=v, { k = v w } }":
 * the outer braces are required, items are separated by commas or white
 * space, and an item in braces may hold white space around "=" and in
 * the value.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dict_impl.h"
#include "mem.h"

struct dict_pair {
	char *key;
	char *value;
	size_t order;
};

struct dict_pairs {
	struct dict_pair *v;
	size_t n, cap;
	size_t next; /* dict_seq() position */
};

static void
pairs_add(struct dict_pairs *p, struct dict *d, const char *key,
    const char *value)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 64;
		p->v = mem_realloc(p->v, p->cap * sizeof(*p->v));
	}
	p->v[p->n].key = mem_strdup(dict_fold(d, key));
	p->v[p->n].value = mem_strdup(value);
	p->v[p->n].order = p->n;
	p->n++;
}

static int
pairs_cmp(const void *a, const void *b)
{
	const struct dict_pair *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	if (c != 0)
		return (c);
	return (x->order < y->order ? -1 : x->order > y->order);
}

/* pairs_sort - sort by key; drop later duplicates */

static void
pairs_sort(struct dict_pairs *p)
{
	size_t i, j;

	if (p->n > 1)
		qsort(p->v, p->n, sizeof(*p->v), pairs_cmp);
	for (i = j = 0; i < p->n; i++) {
		if (j > 0 && strcmp(p->v[j - 1].key, p->v[i].key) == 0) {
			mem_free(p->v[i].key);
			mem_free(p->v[i].value);
			continue;
		}
		p->v[j++] = p->v[i];
	}
	p->n = j;
}

static int
pairs_find_cmp(const void *key, const void *elem)
{
	return (strcmp(key, ((const struct dict_pair *)elem)->key));
}

static int
pairs_get(struct dict *d, const char *key, const char **value)
{
	struct dict_pairs *p = d->impl;
	const struct dict_pair *hit;

	if (p->n == 0) /* an empty table: no bsearch() on a NULL vector */
		return (DICT_NOTFOUND);
	hit = bsearch(dict_fold(d, key), p->v, p->n, sizeof(*p->v),
	    pairs_find_cmp);
	if (hit == NULL)
		return (DICT_NOTFOUND);
	*value = hit->value;
	return (DICT_FOUND);
}

static int
pairs_seq(struct dict *d, int first, const char **key, const char **value)
{
	struct dict_pairs *p = d->impl;

	if (first)
		p->next = 0;
	if (p->next >= p->n)
		return (DICT_NOTFOUND);
	*key = p->v[p->next].key;
	*value = p->v[p->next].value;
	p->next++;
	return (DICT_FOUND);
}

static void
pairs_close(struct dict *d)
{
	struct dict_pairs *p = d->impl;
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n; i++) {
		mem_free(p->v[i].key);
		mem_free(p->v[i].value);
	}
	mem_free(p->v);
	mem_free(p);
	d->impl = NULL;
}

/* ---- texthash ------------------------------------------------------- */

struct texthash_ctx {
	struct dict *d;
	struct dict_pairs *p;
	const char *path;
};

static int
texthash_line(void *ctx, int lineno, char *line, struct vbuf *why)
{
	struct texthash_ctx *tc = ctx;
	char *key, *value;

	if (dict_parse_line(line, &key, &value) < 0) {
		vbuf_printf(why,
		    "%s, line %d: expected format: key whitespace "
		    "value",
		    tc->path, lineno);
		return (-1);
	}
	pairs_add(tc->p, tc->d, key, value);
	return (0);
}

static int
texthash_open(struct dict *d, const char *name, struct vbuf *why)
{
	struct texthash_ctx tc;

	d->impl = tc.p = mem_calloc(1, sizeof(struct dict_pairs));
	tc.d = d;
	tc.path = name;
	/* Postfix's words for a table file that is not there. */
	if (access(name, R_OK) < 0) {
		vbuf_printf(why, "open database %s: %s", name, strerror(errno));
		return (-1);
	}
	if (dict_read_text(d, name, texthash_line, &tc, why) < 0)
		return (-1);
	pairs_sort(tc.p);
	return (0);
}

const struct dict_ops dict_texthash_ops = {"texthash", 0, "", texthash_open,
    pairs_get, pairs_seq, pairs_close};

/* ---- inline --------------------------------------------------------- */

/* inline_strip - remove outer braces and the white space inside them */

static char *
inline_strip(char *item)
{
	char *end;

	if (*item != '{')
		return (item);
	item++;
	end = item + strlen(item);
	if (end > item && end[-1] == '}')
		*--end = 0;
	while (isspace((unsigned char)*item))
		item++;
	while (end > item && isspace((unsigned char)end[-1]))
		*--end = 0;
	return (item);
}

static int
inline_open(struct dict *d, const char *name, struct vbuf *why)
{
	struct dict_pairs *p;
	char *copy, *body, *bp, *item, *eq, *k, *v, *end;
	int err = 0;

	d->impl = p = mem_calloc(1, sizeof(*p));
	copy = mem_strdup(name);
	end = copy + strlen(copy);
	while (end > copy && isspace((unsigned char)end[-1]))
		*--end = 0;
	body = copy;
	while (isspace((unsigned char)*body))
		body++;
	if (*body != '{' || end == body || end[-1] != '}') {
		vbuf_printf(why,
		    "bad syntax: \"inline:%s\"; need "
		    "\"inline:{name=value...}\"",
		    name);
		mem_free(copy);
		return (-1);
	}
	end[-1] = 0;
	bp = body + 1;
	while ((item = dict_list_item(&bp, why, &err)) != NULL) {
		item = inline_strip(item);
		if ((eq = strchr(item, '=')) == NULL || eq == item) {
			vbuf_printf(why,
			    "inline:%s: need \"name=value\" "
			    "instead of \"%s\"",
			    name, item);
			err = 1;
			break;
		}
		*eq = 0;
		k = item;
		for (end = eq; end > k && isspace((unsigned char)end[-1]);)
			*--end = 0;
		for (v = eq + 1; isspace((unsigned char)*v); v++)
			;
		pairs_add(p, d, k, v);
	}
	mem_free(copy);
	if (err)
		return (-1);
	pairs_sort(p);
	return (0);
}

const struct dict_ops dict_inline_ops = {"inline", 0, NULL, inline_open,
    pairs_get, pairs_seq, pairs_close};

/* ---- static --------------------------------------------------------- */

static int
static_open(struct dict *d, const char *name, struct vbuf *why)
{
	char *copy = mem_strdup(name);

	(void)why;
	d->impl = mem_strdup(inline_strip(copy));
	mem_free(copy);
	return (0);
}

static int
static_get(struct dict *d, const char *key, const char **value)
{
	(void)key;
	*value = d->impl;
	return (DICT_FOUND);
}

static void
static_close(struct dict *d)
{
	d->impl = mem_free(d->impl);
}

const struct dict_ops dict_static_ops = {"static", 0, NULL, static_open,
    static_get, NULL, static_close};
