/*
 * dict_write - the write side of dict(3): dict_create(), dict_put(),
 * dict_del(), dict_commit(); see dict.h and dict_impl.h.
 *
 * Implementation notes. A table is never changed where readers see it:
 * the writer works on FILE.SUFFIX.tmp and renames it over FILE.SUFFIX on
 * commit (sluice's readers take no locks; they see the rename through
 * dict_changed()). Writers exclude each other with flock(2) on the
 * temporary file, as Postfix's cdb writer does on the same name; a writer
 * that got the lock on a file that another one has meanwhile renamed away
 * opens the name again. An update (postmap -i, -d) starts from a byte
 * copy of the current file, which the library then opens as its own.
 * The type-specific parts (the libraries) are in dict_db.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "dict_impl.h"
#include "mem.h"

static const struct dict_wops *const dict_writers[] = {
    &dict_hash_wops,
    &dict_btree_wops,
    &dict_lmdb_wops,
    &dict_cdb_wops,
    NULL,
};

static const struct dict_wops *
dict_find_writer(const char *type)
{
	int i;

	for (i = 0; dict_writers[i] != NULL; i++)
		if (strcmp(dict_writers[i]->ops->type, type) == 0)
			return (dict_writers[i]);
	return (NULL);
}

int
dict_writable(const char *type)
{
	return (dict_find_writer(type) != NULL);
}

/* dict_create_refused - why type cannot be written, in Postfix's words */

static void
dict_create_refused(const char *spec, const char *type, int flags,
    struct vbuf *why)
{
	if (!dict_type_known(type)) {
		if (flags & DICT_FLAG_EXISTING)
			vbuf_printf(why, "unsupported dictionary type: %s",
			    type);
		else
			vbuf_printf(why,
			    "unsupported dictionary type: %s. Is the "
			    "postfix-%s package installed?",
			    type, type);
	} else if (dict_find_writer(type) != NULL) {
		/* It has a writer, but one that cannot update (cdb). */
		vbuf_puts(why,
		    "dict_cdb_open: inappropriate open flags for "
		    "cdb database - specify O_RDONLY or "
		    "O_WRONLY|O_CREAT|O_TRUNC");
	} else if ((flags & DICT_FLAG_EXISTING) &&
	    strcmp(type, "static") == 0) {
		vbuf_printf(why, "table %s: delete operation is not supported",
		    spec);
	} else if (flags & DICT_FLAG_EXISTING) {
		vbuf_printf(why, "%s map requires O_RDONLY access mode", spec);
	} else {
		vbuf_printf(why,
		    "unsupported dictionary type: %s does not support "
		    "bulk-mode creation.",
		    type);
	}
}

/* dict_lock_tmp - open and lock d->tmp; -1 with errno */

static int
dict_lock_tmp(struct dict *d)
{
	struct stat fst, pst;
	int fd, tries;

	for (tries = 0; tries < 100; tries++) {
		fd = open(d->tmp, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0)
			return (-1);
		if (flock(fd, LOCK_EX) < 0 || fstat(fd, &fst) < 0) {
			close(fd);
			return (-1);
		}
		if (stat(d->tmp, &pst) == 0 && pst.st_dev == fst.st_dev &&
		    pst.st_ino == fst.st_ino)
			return (fd);
		close(fd); /* renamed by the writer that held the lock */
	}
	errno = EAGAIN;
	return (-1);
}

/* dict_copy_file - copy the table's current bytes into the temporary file */

static int
dict_copy_file(int from, int to)
{
	char buf[65536];
	ssize_t n, w, off;

	while ((n = read(from, buf, sizeof(buf))) > 0) {
		for (off = 0; off < n; off += w)
			if ((w = write(to, buf + off, (size_t)(n - off))) < 0)
				return (-1);
	}
	return (n < 0 ? -1 : 0);
}

/* dict_prepare_tmp - empty the temporary file, or copy the table into it */

static int
dict_prepare_tmp(struct dict *d, int flags, struct vbuf *why)
{
	struct stat st;
	mode_t mask;
	int fd;

	if (ftruncate(d->tmp_fd, 0) < 0)
		goto bad;
	if ((fd = open(d->path, O_RDONLY | O_CLOEXEC)) < 0) {
		if (errno != ENOENT || (flags & DICT_FLAG_EXISTING))
			goto bad;
		mask = umask(022);
		umask(mask);
		return (fchmod(d->tmp_fd, 0644 & ~mask) < 0 ? -1 : 0);
	}
	if (fstat(fd, &st) < 0 || fchmod(d->tmp_fd, st.st_mode & 07777) < 0 ||
	    ((flags & DICT_FLAG_UPDATE) && dict_copy_file(fd, d->tmp_fd) < 0)) {
		close(fd);
		goto bad;
	}
	close(fd);
	return (0);
bad:
	vbuf_printf(why, "open database %s: %s", d->path, strerror(errno));
	return (-1);
}

struct dict *
dict_create(const char *spec, int flags, struct vbuf *why)
{
	const struct dict_wops *w;
	struct dict *d;
	char *type, *name;

	if (dict_split(spec, &type, &name) < 0) {
		vbuf_printf(why, "need \"type:name\" instead of \"%s\"", spec);
		return (NULL);
	}
	w = dict_find_writer(type);
	if (w == NULL || ((flags & DICT_FLAG_UPDATE) && !w->update)) {
		dict_create_refused(spec, type, flags, why);
		mem_free(type);
		mem_free(name);
		return (NULL);
	}
	mem_free(type);
	d = mem_calloc(1, sizeof(*d));
	d->ops = w->ops;
	d->wops = w;
	d->tmp_fd = -1;
	d->spec = mem_strdup(spec);
	d->name = name;
	d->flags = (flags & ~DICT_FLAG_PATTERN) | DICT_FLAG_FILE;
	d->nul = (flags & DICT_FLAG_NUL) ? 1
	    : (flags & DICT_FLAG_NONUL)	 ? 0
					 : w->nul;
	d->path = mem_alloc(strlen(name) + strlen(w->ops->suffix) + 1);
	strcpy(d->path, name);
	strcat(d->path, w->ops->suffix);
	d->tmp = mem_alloc(strlen(d->path) + 5);
	strcpy(d->tmp, d->path);
	strcat(d->tmp, ".tmp");
	if ((d->tmp_fd = dict_lock_tmp(d)) < 0) {
		vbuf_printf(why, "open database %s: %s", d->path,
		    strerror(errno));
		dict_close(d);
		return (NULL);
	}
	if (dict_prepare_tmp(d, flags, why) < 0 ||
	    w->open(d, d->tmp, d->tmp_fd, why) < 0) {
		dict_close(d);
		return (NULL);
	}
	return (d);
}

int
dict_put(struct dict *d, const char *key, const char *value)
{
	const char *k;
	int r;

	vbuf_reset(&d->why);
	if (d->broken || d->impl == NULL)
		return (dict_error(d, "%s: table is not open for writing",
		    d->spec));
	k = dict_fold(d, key);
	r = d->wops->put(d, k, strlen(k) + d->nul, value,
	    strlen(value) + d->nul, (d->flags & DICT_FLAG_DUP_REPLACE) != 0);
	if (r == DICT_ERROR)
		d->broken = 1;
	return (r);
}

int
dict_del(struct dict *d, const char *key)
{
	const char *k;
	int r = DICT_NOTFOUND;

	vbuf_reset(&d->why);
	if (d->broken || d->impl == NULL)
		return (dict_error(d, "%s: table is not open for writing",
		    d->spec));
	k = dict_fold(d, key);
	/* As Postfix: with the NUL unless -n, then without unless -N. */
	if (!(d->flags & DICT_FLAG_NONUL))
		r = d->wops->del(d, k, strlen(k) + 1);
	if (r == DICT_NOTFOUND && !(d->flags & DICT_FLAG_NUL))
		r = d->wops->del(d, k, strlen(k));
	if (r == DICT_ERROR)
		d->broken = 1;
	return (r);
}

int
dict_commit(struct dict *d)
{
	int err;

	vbuf_reset(&d->why);
	if (d->broken || d->impl == NULL)
		return (dict_error(d, "%s: table is not open for writing",
		    d->spec));
	if (d->wops->finish(d) < 0) {
		d->broken = 1;
		return (DICT_ERROR);
	}
	if (fsync(d->tmp_fd) < 0 || rename(d->tmp, d->path) < 0) {
		err = errno;
		d->broken = 1;
		return (dict_error(d, "write database %s: %s", d->path,
		    strerror(err)));
	}
	/* Renamed: the lock goes with the closing descriptor. */
	close(d->tmp_fd);
	d->tmp_fd = -1;
	return (0);
}

void
dict_write_close(struct dict *d)
{
	if (d->impl != NULL)
		d->wops->abort(d);
	if (d->tmp_fd >= 0) {
		/* Still ours (locked): remove what was not committed. */
		(void)unlink(d->tmp);
		close(d->tmp_fd);
	}
	mem_free(d->tmp);
}
