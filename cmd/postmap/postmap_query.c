/*
 * postmap_query - postmap -q, -s and -d; see postmap.c. Lookups go through
 * dict(3), the code the daemons use.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dict.h"
#include "mem.h"
#include "msg.h"
#include "postmap.h"
#include "vbuf.h"

/* postmap_open - a table for lookups; fatal when it cannot be opened */

static struct dict *
postmap_open(const struct postmap_opts *o, const char *arg)
{
	struct vbuf why = VBUF_INIT;
	char *spec = postmap_spec(arg);
	struct dict *d;

	if ((d = dict_open(spec, o->dict_flags & DICT_FLAG_NOFOLD, &why)) ==
	    NULL)
		msg_fatal("%s", vbuf_str(&why));
	mem_free(spec);
	vbuf_free(&why);
	return (d);
}

/* postmap_warn_empty - Postfix's warnings for an empty value */

static void
postmap_warn_empty(struct dict *d, const char *key)
{
	msg_warn("table %s: key %s: empty string result is not allowed",
	    dict_name(d), key);
	msg_warn("table %s should return NO RESULT in case of NOT FOUND",
	    dict_name(d));
}

/* postmap_get - one lookup; fatal on a table error */

static const char *
postmap_get(struct dict *d, const char *key)
{
	const char *value;

	switch (dict_get(d, key, &value)) {
	case DICT_FOUND:
		if (*value == 0)
			postmap_warn_empty(d, key);
		return (value);
	case DICT_NOTFOUND:
		return (NULL);
	default:
		msg_fatal("table %s: query error: %s", dict_name(d),
		    dict_why(d));
	}
}

static void
postmap_flush(void)
{
	if (fflush(stdout) != 0 || ferror(stdout))
		msg_fatal("write error on standard output: %m");
}

/* postmap_read_key - one line of standard input without its newline */

static int
postmap_read_key(char **buf, size_t *size)
{
	ssize_t n = getline(buf, size, stdin);

	if (n < 0)
		return (0);
	if (n > 0 && (*buf)[n - 1] == '\n')
		(*buf)[n - 1] = 0;
	return (1);
}

/* postmap_queries - postmap -q -: keys from standard input */

static int
postmap_queries(const struct postmap_opts *o, char **maps, int n)
{
	struct dict **dicts = mem_calloc((size_t)n, sizeof(*dicts));
	char *key = NULL;
	size_t size = 0;
	const char *value;
	int found = 0, i;

	while (postmap_read_key(&key, &size)) {
		for (i = 0; i < n; i++) {
			if (dicts[i] == NULL)
				dicts[i] = postmap_open(o, maps[i]);
			if ((value = postmap_get(dicts[i], key)) != NULL) {
				printf("%s\t%s\n", key, value);
				found = 1;
				break;
			}
		}
	}
	postmap_flush();
	for (i = 0; i < n; i++)
		dict_close(dicts[i]);
	mem_free(dicts);
	free(key);
	return (found);
}

int
postmap_query(const struct postmap_opts *o, char **maps, int n)
{
	struct dict *d;
	const char *value;
	int i;

	if (strcmp(o->query, "-") == 0)
		return (postmap_queries(o, maps, n));
	for (i = 0; i < n; i++) {
		d = postmap_open(o, maps[i]);
		if ((value = postmap_get(d, o->query)) != NULL)
			printf("%s\n", value);
		postmap_flush();
		dict_close(d);
		if (value != NULL)
			return (1);
	}
	return (0);
}

/* postmap_no_seq - the types Postfix's postmap -s refuses */

static void
postmap_no_seq(const char *spec)
{
	static const char *const types[] = {"static", "cidr", "regexp", "pcre",
	    NULL};
	int i;

	/* Postfix names a cdb table by its file here. */
	if (strncmp(spec, "cdb:", 4) == 0)
		msg_fatal("table %s.cdb: sequence operation is not supported",
		    spec);
	for (i = 0; types[i] != NULL; i++)
		if (strncmp(spec, types[i], strlen(types[i])) == 0 &&
		    spec[strlen(types[i])] == ':')
			msg_fatal("table %s: sequence operation is not "
				  "supported",
			    spec);
}

void
postmap_seq(const struct postmap_opts *o, const char *arg)
{
	struct dict *d = postmap_open(o, arg);
	const char *key, *value;
	int r;

	postmap_no_seq(dict_name(d));
	for (r = dict_seq(d, 1, &key, &value); r == DICT_FOUND;
	     r = dict_seq(d, 0, &key, &value)) {
		if (*key == 0) {
			msg_warn("table %s: empty lookup key value is not "
				 "allowed",
			    dict_name(d));
		} else if (*value == 0) {
			postmap_warn_empty(d, key);
		}
		printf("%s\t%s\n", key, value);
	}
	if (r == DICT_ERROR)
		msg_fatal("table %s: sequence error: %s", dict_name(d),
		    dict_why(d));
	postmap_flush();
	dict_close(d);
}

/* postmap_writer - a table opened for deletes; fatal when it cannot be */

static struct dict *
postmap_writer(const struct postmap_opts *o, const char *arg)
{
	struct vbuf why = VBUF_INIT;
	char *spec = postmap_spec(arg);
	struct dict *d;

	d = dict_create(spec,
	    o->dict_flags | DICT_FLAG_UPDATE | DICT_FLAG_EXISTING, &why);
	if (d == NULL)
		msg_fatal("%s", vbuf_str(&why));
	mem_free(spec);
	vbuf_free(&why);
	return (d);
}

/* postmap_del - one key from one table; 1 when it was there */

static int
postmap_del(struct dict *d, const char *key)
{
	int r = dict_del(d, key);

	if (r == DICT_ERROR)
		msg_fatal("table %s: delete error: %s", dict_name(d),
		    dict_why(d));
	return (r == DICT_FOUND);
}

/* postmap_done - commit a table that changed; then close it */

static void
postmap_done(struct dict *d, int changed)
{
	if (changed && dict_commit(d) < 0)
		msg_fatal("%s", dict_why(d));
	dict_close(d);
}

int
postmap_delete(const struct postmap_opts *o, char **maps, int n)
{
	struct dict **dicts = mem_calloc((size_t)n, sizeof(*dicts));
	int *changed = mem_calloc((size_t)n, sizeof(*changed));
	char *key = NULL;
	size_t size = 0;
	int found = 0, i;

	/* Postfix opens every table first with "-d -", one by one else. */
	if (strcmp(o->delkey, "-") == 0) {
		for (i = 0; i < n; i++)
			dicts[i] = postmap_writer(o, maps[i]);
		while (postmap_read_key(&key, &size))
			for (i = 0; i < n; i++)
				changed[i] |= postmap_del(dicts[i], key);
	} else {
		for (i = 0; i < n; i++) {
			dicts[i] = postmap_writer(o, maps[i]);
			changed[i] = postmap_del(dicts[i], o->delkey);
			postmap_done(dicts[i], changed[i]);
			dicts[i] = NULL;
		}
	}
	for (i = 0; i < n; i++) {
		found |= changed[i];
		if (dicts[i] != NULL)
			postmap_done(dicts[i], changed[i]);
	}
	mem_free(dicts);
	mem_free(changed);
	free(key);
	return (found);
}
