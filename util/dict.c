/*
 * dict - one lookup table; see dict.h and dict_impl.h.
 *
 * Implementation notes. The type table below is the only place that
 * knows every type. The file that dict_changed() watches is the indexed
 * file for hash/btree/lmdb/cdb (what postmap replaces) and the source file
 * for the text types; it is identified by device, inode, size and
 * modification time, so both an in-place rewrite and a rename over it are
 * seen.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dict_impl.h"
#include "mem.h"

static const struct dict_ops *const dict_types[] = {
    &dict_texthash_ops,
    &dict_inline_ops,
    &dict_static_ops,
    &dict_hash_ops,
    &dict_btree_ops,
    &dict_lmdb_ops,
    &dict_cdb_ops,
    &dict_cidr_ops,
    &dict_regexp_ops,
    &dict_pcre_ops,
    NULL,
};

static const struct dict_ops *
dict_find_type(const char *type)
{
	int i;

	for (i = 0; dict_types[i] != NULL; i++)
		if (strcmp(dict_types[i]->type, type) == 0)
			return (dict_types[i]);
	return (NULL);
}

int
dict_type_known(const char *type)
{
	return (dict_find_type(type) != NULL);
}

int
dict_split(const char *spec, char **type, char **name)
{
	const char *colon = strchr(spec, ':');

	*type = *name = NULL;
	if (colon == NULL || colon == spec)
		return (-1);
	*type = mem_strndup(spec, (size_t)(colon - spec));
	*name = mem_strdup(colon + 1);
	return (0);
}

/* dict_stat - remember what the watched file is now */

static int
dict_stat(struct dict *d, struct stat *st)
{
	if (d->path == NULL || stat(d->path, st) < 0)
		return (-1);
	return (0);
}

struct dict *
dict_open(const char *spec, int flags, struct vbuf *why)
{
	const struct dict_ops *ops;
	struct dict *d;
	struct stat st;
	char *type, *name;

	if (dict_split(spec, &type, &name) < 0) {
		vbuf_printf(why, "need \"type:name\" instead of \"%s\"", spec);
		return (NULL);
	}
	if ((ops = dict_find_type(type)) == NULL) {
		vbuf_printf(why, "unsupported dictionary type: %s", type);
		mem_free(type);
		mem_free(name);
		return (NULL);
	}
	mem_free(type);
	d = mem_calloc(1, sizeof(*d));
	d->ops = ops;
	d->spec = mem_strdup(spec);
	d->name = name;
	d->flags = (flags & DICT_FLAG_NOFOLD) | ops->flags;
	if (ops->suffix != NULL && *name != 0) {
		d->path = mem_alloc(strlen(name) + strlen(ops->suffix) + 1);
		strcpy(d->path, name);
		strcat(d->path, ops->suffix);
		d->flags |= DICT_FLAG_FILE;
	}
	/* Stat first: a file replaced while it is read is seen as changed. */
	if (dict_stat(d, &st) == 0) {
		d->dev = st.st_dev;
		d->ino = st.st_ino;
		d->mtime = st.st_mtim.tv_sec;
		d->mtime_ns = st.st_mtim.tv_nsec;
		d->size = st.st_size;
	}
	if (ops->open(d, name, why) < 0) {
		/* close() frees what open() got before it failed. */
		dict_close(d);
		return (NULL);
	}
	return (d);
}

int
dict_get(struct dict *d, const char *key, const char **value)
{
	*value = NULL;
	vbuf_reset(&d->why);
	return (d->ops->get(d, key, value));
}

int
dict_seq(struct dict *d, int first, const char **key, const char **value)
{
	*key = *value = NULL;
	vbuf_reset(&d->why);
	if (d->ops->seq == NULL)
		return (dict_error(d,
		    "table %s does not support sequential "
		    "access",
		    d->spec));
	return (d->ops->seq(d, first, key, value));
}

int
dict_changed(struct dict *d)
{
	struct stat st;

	if (d->path == NULL)
		return (0);
	if (dict_stat(d, &st) < 0)
		return (1);
	return (st.st_dev != d->dev || st.st_ino != d->ino ||
	    st.st_mtim.tv_sec != d->mtime ||
	    st.st_mtim.tv_nsec != d->mtime_ns || st.st_size != d->size);
}

int
dict_flags(const struct dict *d)
{
	return (d->flags);
}

const char *
dict_name(const struct dict *d)
{
	return (d->spec);
}

const char *
dict_why(const struct dict *d)
{
	return (d->why.len ? d->why.data : "");
}

void
dict_close(struct dict *d)
{
	if (d == NULL)
		return;
	if (d->wops != NULL)
		dict_write_close(d);
	else if (d->ops != NULL && d->ops->close != NULL)
		d->ops->close(d);
	mem_free(d->spec);
	mem_free(d->name);
	mem_free(d->path);
	vbuf_free(&d->why);
	vbuf_free(&d->key);
	vbuf_free(&d->result);
	mem_free(d);
}

/* ---- helpers for the types ------------------------------------------ */

int
dict_error(struct dict *d, const char *fmt, ...)
{
	va_list ap;

	vbuf_reset(&d->why);
	va_start(ap, fmt);
	vbuf_vprintf(&d->why, fmt, ap);
	va_end(ap);
	return (DICT_ERROR);
}

const char *
dict_fold(struct dict *d, const char *key)
{
	char *cp;

	if (d->flags & DICT_FLAG_NOFOLD)
		return (key);
	vbuf_reset(&d->key);
	vbuf_puts(&d->key, key);
	for (cp = d->key.data; *cp; cp++)
		*cp = (char)tolower((unsigned char)*cp);
	return (vbuf_str(&d->key));
}

/* dict_read_line - one physical line, bounded; 1, 0 at EOF, -1 too long */

static int
dict_read_line(FILE *fp, struct vbuf *line)
{
	int ch;

	vbuf_reset(line);
	while ((ch = getc(fp)) != EOF && ch != '\n') {
		if (line->len >= DICT_LINE_MAX)
			return (-1);
		vbuf_putc(line, ch);
	}
	if (ch == EOF && line->len == 0)
		return (0);
	if (line->len > 0 && line->data[line->len - 1] == '\r')
		line->data[--line->len] = 0;
	vbuf_str(line);
	return (1);
}

/* dict_blank - empty, white space only, or a comment */

static int
dict_blank(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return (*s == 0 || *s == '#');
}

int
dict_read_text(struct dict *d, const char *path, dict_line_fn *fn, void *ctx,
    struct vbuf *why)
{
	FILE *fp;
	int ret;

	(void)d;
	if ((fp = fopen(path, "r")) == NULL) {
		vbuf_printf(why, "open %s: %s", path, strerror(errno));
		return (-1);
	}
	ret = dict_read_lines(fp, path, fn, ctx, why);
	fclose(fp);
	return (ret);
}

/* dict_join - add a continuation line to the logical line; -1 too long */

static int
dict_join(struct vbuf *logical, const struct vbuf *phys)
{
	if (logical->len + phys->len > DICT_LINE_MAX)
		return (-1);
	vbuf_append(logical, phys->data, phys->len);
	return (0);
}

int
dict_read_lines(FILE *fp, const char *path, dict_line_fn *fn, void *ctx,
    struct vbuf *why)
{
	struct vbuf phys = VBUF_INIT, logical = VBUF_INIT;
	int lineno = 0, first = 0, r, ret = 0;

	for (;;) {
		r = dict_read_line(fp, &phys);
		if (r > 0)
			lineno++;
		if (r < 0 ||
		    (r > 0 && !dict_blank(phys.data) &&
			isspace((unsigned char)phys.data[0]) &&
			logical.len > 0 && dict_join(&logical, &phys) < 0)) {
			vbuf_printf(why,
			    "%s, line %d: line too long (more than %d bytes)",
			    path, lineno + (r < 0), DICT_LINE_MAX);
			ret = -1;
			break;
		}
		if (r > 0 &&
		    (dict_blank(phys.data) ||
			(isspace((unsigned char)phys.data[0]) &&
			    logical.len > 0)))
			continue; /* skipped, or joined above */
		if (logical.len > 0 &&
		    (vbuf_str(&logical),
			fn(ctx, first, logical.data, why) < 0)) {
			ret = -1;
			break;
		}
		vbuf_reset(&logical);
		if (r == 0)
			break;
		/* A continuation with nothing to continue is dropped, as
		 * postmap. */
		if (isspace((unsigned char)phys.data[0]))
			continue;
		first = lineno;
		vbuf_append(&logical, phys.data, phys.len);
		vbuf_str(&logical);
	}
	if (ret == 0 && ferror(fp)) {
		vbuf_printf(why, "read %s: %s", path, strerror(errno));
		ret = -1;
	}
	vbuf_free(&phys);
	vbuf_free(&logical);
	return (ret);
}

int
dict_parse_line(char *line, char **key, char **value)
{
	char *cp = line, *end;

	while (isspace((unsigned char)*cp))
		cp++;
	*key = cp;
	cp += strcspn(cp, " \t\r\n");
	if (*cp == 0)
		return (-1);
	*cp++ = 0;
	while (isspace((unsigned char)*cp))
		cp++;
	end = cp + strlen(cp);
	while (end > cp && isspace((unsigned char)end[-1]))
		*--end = 0;
	*value = cp;
	return (**key == 0 ? -1 : 0);
}

void
dict_expand(struct vbuf *out, const char *tmpl, const char *subject,
    const size_t *ov, int n)
{
	const char *cp = tmpl;
	int num;

	vbuf_reset(out);
	while (*cp) {
		if (*cp != '$') {
			vbuf_putc(out, *cp++);
			continue;
		}
		cp++;
		if (*cp == '$') {
			vbuf_putc(out, *cp++);
			continue;
		}
		num = -1;
		if (isdigit((unsigned char)*cp)) {
			num = *cp++ - '0';
		} else if (*cp == '{' && isdigit((unsigned char)cp[1]) &&
		    cp[2] == '}') {
			num = cp[1] - '0';
			cp += 3;
		}
		if (num < 0) {
			vbuf_putc(out, '$');
			continue;
		}
		if (num < n && ov[2 * num] != (size_t)-1)
			vbuf_append(out, subject + ov[2 * num],
			    ov[2 * num + 1] - ov[2 * num]);
	}
	vbuf_str(out);
}

char *
dict_list_item(char **bp, struct vbuf *why, int *err)
{
	char *cp = *bp, *start;
	int level = 0;

	*err = 0;
	while (*cp && (isspace((unsigned char)*cp) || *cp == ','))
		cp++;
	if (*cp == 0) {
		*bp = cp;
		return (NULL);
	}
	for (start = cp; *cp; cp++) {
		if (*cp == '{')
			level++;
		else if (*cp == '}' && level > 0)
			level--;
		else if (level == 0 &&
		    (isspace((unsigned char)*cp) || *cp == ','))
			break;
	}
	if (level > 0) {
		if (why != NULL)
			vbuf_printf(why, "missing '}' in \"%s\"", start);
		*err = 1;
		*bp = cp;
		return (why != NULL ? NULL : start);
	}
	if (*cp)
		*cp++ = 0;
	*bp = cp;
	return (start);
}
