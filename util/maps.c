/*
 * maps - lists of lookup tables; see maps.h.
 *
 * Implementation notes. A table that failed to open keeps its spec and the
 * reason; maps_refresh() retries it like a changed one, so a table that
 * appears later (postmap run after start) is picked up.
 */
#include <ctype.h>
#include <string.h>
#include <time.h>

#include "dict.h"
#include "maps.h"
#include "mem.h"
#include "msg.h"

struct maps_ent {
	char *spec;
	struct dict *dict; /* NULL: could not be opened */
	char *why;	   /* and why */
};

struct maps {
	char *title;
	int flags;
	struct maps_ent *v;
	int n;
	int error;
	struct vbuf why;
	struct vbuf key;
	time_t checked;
};

/* maps_next_item - next table of a list; NULL at the end */

static char *
maps_next_item(char **bp)
{
	int err;

	return (dict_list_item(bp, NULL, &err));
}

/* maps_open_ent - (re)open one table; warn when it cannot be opened */

static void
maps_open_ent(struct maps *m, struct maps_ent *e)
{
	struct vbuf why = VBUF_INIT;

	dict_close(e->dict);
	e->why = mem_free(e->why);
	if ((e->dict = dict_open(e->spec, m->flags, &why)) == NULL) {
		e->why = vbuf_export(&why);
		msg_warn("%s: %s: %s", m->title, e->spec, e->why);
	}
	vbuf_free(&why);
}

struct maps *
maps_create(const char *title, const char *spec, int flags)
{
	struct maps *m = mem_calloc(1, sizeof(*m));
	char *copy = mem_strdup(spec ? spec : ""), *bp = copy, *item;

	m->title = mem_strdup(title);
	m->flags = flags;
	m->checked = time(NULL);
	while ((item = maps_next_item(&bp)) != NULL) {
		m->v = mem_realloc(m->v, (size_t)(m->n + 1) * sizeof(*m->v));
		memset(&m->v[m->n], 0, sizeof(m->v[m->n]));
		m->v[m->n].spec = mem_strdup(item);
		maps_open_ent(m, &m->v[m->n]);
		m->n++;
	}
	mem_free(copy);
	return (m);
}

int
maps_check(const char *title, const char *spec, struct vbuf *why)
{
	char *copy = mem_strdup(spec ? spec : ""), *bp = copy, *item;
	struct vbuf reason = VBUF_INIT;
	struct dict *d;
	int ret = 0;

	while (ret == 0 && (item = maps_next_item(&bp)) != NULL) {
		vbuf_reset(&reason);
		if ((d = dict_open(item, 0, &reason)) == NULL) {
			vbuf_printf(why, "%s: %s: %s", title, item,
			    vbuf_str(&reason));
			ret = -1;
		}
		dict_close(d);
	}
	mem_free(copy);
	vbuf_free(&reason);
	return (ret);
}

void
maps_refresh(struct maps *m)
{
	time_t now = time(NULL);
	int i;

	if (m == NULL || now == m->checked)
		return;
	m->checked = now;
	for (i = 0; i < m->n; i++)
		if (m->v[i].dict == NULL || dict_changed(m->v[i].dict))
			maps_open_ent(m, &m->v[i]);
}

/* maps_fail - remember a lookup error */

static const char *
maps_fail(struct maps *m, const struct maps_ent *e)
{
	m->error = 1;
	vbuf_reset(&m->why);
	if (e->dict == NULL)
		vbuf_printf(&m->why, "%s: %s", e->spec, e->why);
	else
		vbuf_puts(&m->why, dict_why(e->dict));
	return (NULL);
}

/* maps_find_one - key in the tables; flags select the tables that see it */

static const char *
maps_find_one(struct maps *m, const char *key, int flags)
{
	const char *value;
	int i, r;

	for (i = 0; i < m->n; i++) {
		struct maps_ent *e = &m->v[i];

		if (e->dict != NULL && (flags & MAPS_FIXED) &&
		    (dict_flags(e->dict) & DICT_FLAG_PATTERN))
			continue;
		if (e->dict == NULL)
			return (maps_fail(m, e));
		r = dict_get(e->dict, key, &value);
		if (r == DICT_FOUND)
			return (value);
		if (r == DICT_ERROR)
			return (maps_fail(m, e));
	}
	return (NULL);
}

const char *
maps_find(struct maps *m, const char *key, int flags)
{
	m->error = 0;
	vbuf_reset(&m->why);
	return (maps_find_one(m, key, flags));
}

const char *
maps_addr_find(struct maps *m, const char *addr, const char *delims, int flags)
{
	const char *at = strrchr(addr, '@'), *value, *ext = NULL, *cp;
	size_t local_len;

	m->error = 0;
	vbuf_reset(&m->why);
	/* 1. The whole address: every table. */
	if ((value = maps_find_one(m, addr, 0)) != NULL || m->error)
		return (value);
	local_len = at ? (size_t)(at - addr) : strlen(addr);
	if (delims != NULL && *delims != 0)
		for (cp = addr; cp < addr + local_len && ext == NULL; cp++)
			if (strchr(delims, *cp) != NULL && cp > addr)
				ext = cp;
	/* 2. user@domain without the extension. */
	if (ext != NULL && at != NULL) {
		vbuf_reset(&m->key);
		vbuf_append(&m->key, addr, (size_t)(ext - addr));
		vbuf_puts(&m->key, at);
		if ((value = maps_find_one(m, vbuf_str(&m->key), MAPS_FIXED)) !=
			NULL ||
		    m->error)
			return (value);
	}
	/* 3. For our own domains, the local part with and without it. */
	if ((flags & MAPS_LOCAL) && at != NULL) {
		vbuf_reset(&m->key);
		vbuf_append(&m->key, addr, local_len);
		if ((value = maps_find_one(m, vbuf_str(&m->key), MAPS_FIXED)) !=
			NULL ||
		    m->error)
			return (value);
		if (ext != NULL) {
			vbuf_reset(&m->key);
			vbuf_append(&m->key, addr, (size_t)(ext - addr));
			if ((value = maps_find_one(m, vbuf_str(&m->key),
				 MAPS_FIXED)) != NULL ||
			    m->error)
				return (value);
		}
	}
	/* 4. @domain. */
	if (at != NULL && at[1] != 0)
		return (maps_find_one(m, at, MAPS_FIXED));
	return (NULL);
}

const char *
maps_domain_find(struct maps *m, const char *domain, int flags)
{
	const char *value, *cp;

	m->error = 0;
	vbuf_reset(&m->why);
	if ((value = maps_find_one(m, domain, 0)) != NULL || m->error)
		return (value);
	for (cp = strchr(domain, '.'); cp != NULL && cp[1] != 0;
	     cp = strchr(cp + 1, '.')) {
		value = maps_find_one(m, (flags & MAPS_PARENT) ? cp + 1 : cp,
		    MAPS_FIXED);
		if (value != NULL || m->error)
			return (value);
	}
	return (NULL);
}

int
maps_error(const struct maps *m)
{
	return (m->error);
}

const char *
maps_why(const struct maps *m)
{
	return (m->why.len ? m->why.data : "");
}

const char *
maps_title(const struct maps *m)
{
	return (m->title);
}

int
maps_empty(const struct maps *m)
{
	return (m == NULL || m->n == 0);
}

struct maps *
maps_free(struct maps *m)
{
	int i;

	if (m == NULL)
		return (NULL);
	for (i = 0; i < m->n; i++) {
		dict_close(m->v[i].dict);
		mem_free(m->v[i].spec);
		mem_free(m->v[i].why);
	}
	mem_free(m->v);
	mem_free(m->title);
	vbuf_free(&m->why);
	vbuf_free(&m->key);
	mem_free(m);
	return (NULL);
}
