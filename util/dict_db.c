/*
 * dict_db - hash:, btree:, lmdb: and cdb: tables (read side); see
 * dict_impl.h.
 *
 * Implementation notes. Each type is read with its own library: Berkeley
 * DB 5.3 (DB_HASH, DB_BTREE; the format Debian's Postfix builds), LMDB and
 * tinycdb; none of the file formats is handled here. Postfix's postmap
 * stores a key with a trailing NUL byte unless told otherwise, and its
 * readers try the key with the NUL first and then without; so do we, and
 * a value's trailing NUL is not part of the value. LMDB is opened
 * read-only without its lock file (MDB_NOLOCK): a daemon running as
 * mail_owner cannot create one next to a root-owned table, and postmap
 * replaces a table by renaming a new file over it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <cdb.h>
#include <db.h>
#include <lmdb.h>

#include "dict_impl.h"
#include "mem.h"

/* dict_db_value - copy a value, dropping one trailing NUL */

static const char *
dict_db_value(struct dict *d, const void *data, size_t len)
{
	if (len > 0 && ((const char *)data)[len - 1] == 0)
		len--;
	vbuf_reset(&d->result);
	vbuf_append(&d->result, data, len);
	return (vbuf_str(&d->result));
}

/* dict_db_pair - a pair read sequentially, trailing NULs dropped */

static int
dict_db_pair(struct dict *d, const void *kdata, size_t klen, const void *vdata,
    size_t vlen, const char **key, const char **value)
{
	if (klen > 0 && ((const char *)kdata)[klen - 1] == 0)
		klen--;
	vbuf_reset(&d->key);
	vbuf_append(&d->key, kdata, klen);
	*key = vbuf_str(&d->key);
	*value = dict_db_value(d, vdata, vlen);
	return (DICT_FOUND);
}

/*
 * dict_db_probe_fn - one exact lookup of the len bytes at k in d: DICT_FOUND
 * with *value set (dict_db_value()), DICT_NOTFOUND, or dict_error()'s
 * DICT_ERROR
 */
typedef int dict_db_probe_fn(struct dict *d, const char *k, size_t len,
    const char **value);

/*
 * dict_db_lookup - the folded key with its trailing NUL, then without: a
 * table made by postmap may hold either form
 */
static int
dict_db_lookup(struct dict *d, const char *key, const char **value,
    dict_db_probe_fn *probe)
{
	const char *k = dict_fold(d, key);
	int pass, ret = DICT_NOTFOUND;

	for (pass = 0; pass < 2 && ret == DICT_NOTFOUND; pass++)
		ret = probe(d, k, strlen(k) + (pass == 0), value);
	return (ret);
}

/* ---- Berkeley DB ---------------------------------------------------- */

struct dict_bdb {
	DB *db;
	DBC *cursor;
};

/* Berkeley DB's own message for the last failure (it would go to stderr). */
static char bdb_errmsg[256];

static void
bdb_errcall(const DB_ENV *env, const char *prefix, const char *text)
{
	(void)env;
	(void)prefix;
	snprintf(bdb_errmsg, sizeof(bdb_errmsg), "%s", text);
}

/* bdb_open_result - 0, or -1 with Postfix's text and Berkeley DB's own */

static int
bdb_open_result(struct dict *d, int err, struct vbuf *why)
{
	if (err == 0)
		return (0);
	vbuf_printf(why, "open database %s: %s", d->path,
	    err > 0 ? strerror(err) : db_strerror(err));
	if (bdb_errmsg[0] != 0)
		vbuf_printf(why, " (%s)", bdb_errmsg);
	return (-1);
}

static int
bdb_open(struct dict *d, const char *name, DBTYPE type, struct vbuf *why)
{
	struct dict_bdb *b = mem_calloc(1, sizeof(*b));
	int err;

	(void)name;
	d->impl = b;
	if ((err = db_create(&b->db, NULL, 0)) != 0) {
		vbuf_printf(why, "create DB handle: %s", db_strerror(err));
		return (-1);
	}
	b->db->set_errcall(b->db, bdb_errcall);
	bdb_errmsg[0] = 0;
	err = b->db->open(b->db, NULL, d->path, NULL, type, DB_RDONLY, 0);
	return (bdb_open_result(d, err, why));
}

static int
hash_open(struct dict *d, const char *name, struct vbuf *why)
{
	return (bdb_open(d, name, DB_HASH, why));
}

static int
btree_open(struct dict *d, const char *name, struct vbuf *why)
{
	return (bdb_open(d, name, DB_BTREE, why));
}

static int
bdb_probe(struct dict *d, const char *k, size_t len, const char **value)
{
	struct dict_bdb *b = d->impl;
	DBT dk, dv;
	int err;

	memset(&dk, 0, sizeof(dk));
	memset(&dv, 0, sizeof(dv));
	dk.data = (void *)k;
	dk.size = (u_int32_t)len;
	err = b->db->get(b->db, NULL, &dk, &dv, 0);
	if (err == 0) {
		*value = dict_db_value(d, dv.data, dv.size);
		return (DICT_FOUND);
	}
	if (err != DB_NOTFOUND)
		return (dict_error(d, "%s: lookup error: %s", d->spec,
		    db_strerror(err)));
	return (DICT_NOTFOUND);
}

static int
bdb_get(struct dict *d, const char *key, const char **value)
{
	return (dict_db_lookup(d, key, value, bdb_probe));
}

static int
bdb_seq(struct dict *d, int first, const char **key, const char **value)
{
	struct dict_bdb *b = d->impl;
	DBT dk, dv;
	int err;

	if (b->cursor == NULL &&
	    (err = b->db->cursor(b->db, NULL, &b->cursor, 0)) != 0)
		return (
		    dict_error(d, "%s: cursor: %s", d->spec, db_strerror(err)));
	memset(&dk, 0, sizeof(dk));
	memset(&dv, 0, sizeof(dv));
	err = b->cursor->get(b->cursor, &dk, &dv, first ? DB_FIRST : DB_NEXT);
	if (err == DB_NOTFOUND)
		return (DICT_NOTFOUND);
	if (err != 0)
		return (dict_error(d, "%s: read error: %s", d->spec,
		    db_strerror(err)));
	return (
	    dict_db_pair(d, dk.data, dk.size, dv.data, dv.size, key, value));
}

static void
bdb_close(struct dict *d)
{
	struct dict_bdb *b = d->impl;

	if (b == NULL)
		return;
	if (b->cursor != NULL)
		b->cursor->close(b->cursor);
	if (b->db != NULL)
		b->db->close(b->db, 0);
	d->impl = mem_free(b);
}

const struct dict_ops dict_hash_ops = {"hash", 0, ".db", hash_open, bdb_get,
    bdb_seq, bdb_close};
const struct dict_ops dict_btree_ops = {"btree", 0, ".db", btree_open, bdb_get,
    bdb_seq, bdb_close};

/* ---- LMDB ----------------------------------------------------------- */

struct dict_lmdb {
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_cursor *cursor;
};

static int
lmdb_open(struct dict *d, const char *name, struct vbuf *why)
{
	struct dict_lmdb *l = mem_calloc(1, sizeof(*l));
	int err;

	(void)name;
	d->impl = l;
	if ((err = mdb_env_create(&l->env)) != 0 ||
	    (err = mdb_env_open(l->env, d->path,
		 MDB_NOSUBDIR | MDB_RDONLY | MDB_NOLOCK, 0644)) != 0 ||
	    (err = mdb_txn_begin(l->env, NULL, MDB_RDONLY, &l->txn)) != 0 ||
	    (err = mdb_dbi_open(l->txn, NULL, 0, &l->dbi)) != 0) {
		vbuf_printf(why, "open database %s: %s", d->path,
		    mdb_strerror(err));
		return (-1);
	}
	/* Lookups reuse this read transaction: reset/renew per lookup. */
	mdb_txn_reset(l->txn);
	return (0);
}

static int
lmdb_probe(struct dict *d, const char *k, size_t len, const char **value)
{
	struct dict_lmdb *l = d->impl;
	MDB_val mk, mv;
	int err;

	mk.mv_data = (void *)k;
	mk.mv_size = len;
	err = mdb_get(l->txn, l->dbi, &mk, &mv);
	if (err == 0) {
		*value = dict_db_value(d, mv.mv_data, mv.mv_size);
		return (DICT_FOUND);
	}
	if (err != MDB_NOTFOUND)
		return (dict_error(d, "%s: lookup error: %s", d->spec,
		    mdb_strerror(err)));
	return (DICT_NOTFOUND);
}

static int
lmdb_get(struct dict *d, const char *key, const char **value)
{
	struct dict_lmdb *l = d->impl;
	int err, ret;

	if ((err = mdb_txn_renew(l->txn)) != 0)
		return (dict_error(d, "%s: lookup error: %s", d->spec,
		    mdb_strerror(err)));
	ret = dict_db_lookup(d, key, value, lmdb_probe);
	mdb_txn_reset(l->txn);
	return (ret);
}

static int
lmdb_seq(struct dict *d, int first, const char **key, const char **value)
{
	struct dict_lmdb *l = d->impl;
	MDB_val mk, mv;
	int err;

	if (first && l->cursor != NULL) {
		mdb_cursor_close(l->cursor);
		l->cursor = NULL;
		mdb_txn_reset(l->txn);
	}
	if (l->cursor == NULL &&
	    ((err = mdb_txn_renew(l->txn)) != 0 ||
		(err = mdb_cursor_open(l->txn, l->dbi, &l->cursor)) != 0))
		return (dict_error(d, "%s: cursor: %s", d->spec,
		    mdb_strerror(err)));
	err = mdb_cursor_get(l->cursor, &mk, &mv, first ? MDB_FIRST : MDB_NEXT);
	if (err == MDB_NOTFOUND)
		return (DICT_NOTFOUND);
	if (err != 0)
		return (dict_error(d, "%s: read error: %s", d->spec,
		    mdb_strerror(err)));
	return (dict_db_pair(d, mk.mv_data, mk.mv_size, mv.mv_data, mv.mv_size,
	    key, value));
}

static void
lmdb_close(struct dict *d)
{
	struct dict_lmdb *l = d->impl;

	if (l == NULL)
		return;
	if (l->cursor != NULL)
		mdb_cursor_close(l->cursor);
	if (l->txn != NULL)
		mdb_txn_abort(l->txn);
	if (l->env != NULL)
		mdb_env_close(l->env);
	d->impl = mem_free(l);
}

const struct dict_ops dict_lmdb_ops = {"lmdb", 0, ".lmdb", lmdb_open, lmdb_get,
    lmdb_seq, lmdb_close};

/* ---- cdb ------------------------------------------------------------ */

struct dict_cdb {
	int fd;
	struct cdb cdb;
	unsigned pos;
};

static int
cdb_open_(struct dict *d, const char *name, struct vbuf *why)
{
	struct dict_cdb *c = mem_calloc(1, sizeof(*c));

	(void)name;
	d->impl = c;
	c->fd = open(d->path, O_RDONLY | O_CLOEXEC);
	if (c->fd < 0 || cdb_init(&c->cdb, c->fd) < 0) {
		vbuf_printf(why, "open database %s: %s", d->path,
		    strerror(errno));
		return (-1);
	}
	return (0);
}

/* cdb_value - the value at the current cdb position */

static int
cdb_value(struct dict *d, struct dict_cdb *c, unsigned pos, unsigned len,
    const char **value)
{
	const void *data = cdb_get(&c->cdb, len, pos);

	if (data == NULL)
		return (dict_error(d, "%s: read error: %s", d->spec,
		    strerror(errno)));
	*value = dict_db_value(d, data, len);
	return (DICT_FOUND);
}

static int
cdb_probe(struct dict *d, const char *k, size_t len, const char **value)
{
	struct dict_cdb *c = d->impl;
	int r = cdb_find(&c->cdb, k, (unsigned)len);

	if (r > 0)
		return (cdb_value(d, c, cdb_datapos(&c->cdb),
		    cdb_datalen(&c->cdb), value));
	if (r < 0)
		return (dict_error(d, "%s: lookup error: %s", d->spec,
		    strerror(errno)));
	return (DICT_NOTFOUND);
}

static int
cdb_get_(struct dict *d, const char *key, const char **value)
{
	return (dict_db_lookup(d, key, value, cdb_probe));
}

static int
cdb_seq_(struct dict *d, int first, const char **key, const char **value)
{
	struct dict_cdb *c = d->impl;
	const void *kd;
	unsigned klen;
	int r;

	if (first)
		cdb_seqinit(&c->pos, &c->cdb);
	if ((r = cdb_seqnext(&c->pos, &c->cdb)) == 0)
		return (DICT_NOTFOUND);
	if (r < 0 ||
	    (kd = cdb_get(&c->cdb, klen = cdb_keylen(&c->cdb),
		 cdb_keypos(&c->cdb))) == NULL)
		return (dict_error(d, "%s: read error: %s", d->spec,
		    strerror(errno)));
	vbuf_reset(&d->key);
	vbuf_append(&d->key, kd,
	    klen > 0 && ((const char *)kd)[klen - 1] == 0 ? klen - 1 : klen);
	*key = vbuf_str(&d->key);
	return (
	    cdb_value(d, c, cdb_datapos(&c->cdb), cdb_datalen(&c->cdb), value));
}

static void
cdb_close_(struct dict *d)
{
	struct dict_cdb *c = d->impl;

	if (c == NULL)
		return;
	if (c->fd >= 0) {
		cdb_free(&c->cdb);
		close(c->fd);
	}
	d->impl = mem_free(c);
}

const struct dict_ops dict_cdb_ops = {"cdb", 0, ".cdb", cdb_open_, cdb_get_,
    cdb_seq_, cdb_close_};

/* ---- the write side ------------------------------------------------- */

/*
 * Berkeley DB: the library opens the temporary file by name; an empty
 * file is a new database. The cache is as large as Postfix's default
 * berkeley_db_create_buffer_size: a hash table built with a small cache
 * slows down badly once it outgrows it.
 */
#define DICT_DB_CREATE_CACHE (16 * 1024 * 1024)

static int
bdb_wopen(struct dict *d, const char *tmp, int fd, DBTYPE type,
    struct vbuf *why)
{
	struct dict_bdb *b = mem_calloc(1, sizeof(*b));
	struct stat st;
	int err;

	d->impl = b;
	if ((err = db_create(&b->db, NULL, 0)) != 0) {
		vbuf_printf(why, "create DB handle: %s", db_strerror(err));
		return (-1);
	}
	b->db->set_errcall(b->db, bdb_errcall);
	bdb_errmsg[0] = 0;
	(void)b->db->set_cachesize(b->db, 0, DICT_DB_CREATE_CACHE, 0);
	err = b->db->open(b->db, NULL, tmp, NULL, type,
	    fstat(fd, &st) == 0 && st.st_size == 0 ? DB_CREATE : 0, 0644);
	return (bdb_open_result(d, err, why));
}

static int
hash_wopen(struct dict *d, const char *tmp, int fd, struct vbuf *why)
{
	return (bdb_wopen(d, tmp, fd, DB_HASH, why));
}

static int
btree_wopen(struct dict *d, const char *tmp, int fd, struct vbuf *why)
{
	return (bdb_wopen(d, tmp, fd, DB_BTREE, why));
}

static int
bdb_put(struct dict *d, const char *key, size_t klen, const char *value,
    size_t vlen, int replace)
{
	struct dict_bdb *b = d->impl;
	DBT dk, dv;
	int err;

	memset(&dk, 0, sizeof(dk));
	memset(&dv, 0, sizeof(dv));
	dk.data = (void *)key;
	dk.size = (u_int32_t)klen;
	dv.data = (void *)value;
	dv.size = (u_int32_t)vlen;
	if (replace) {
		/* Whether the key was there does not matter then. */
		err = b->db->put(b->db, NULL, &dk, &dv, 0);
	} else {
		err = b->db->put(b->db, NULL, &dk, &dv, DB_NOOVERWRITE);
		if (err == DB_KEYEXIST)
			return (DICT_FOUND);
	}
	if (err != 0)
		return (dict_error(d, "table %s: write error: %s", d->spec,
		    err > 0 ? strerror(err) : db_strerror(err)));
	return (DICT_NOTFOUND);
}

static int
bdb_del(struct dict *d, const char *key, size_t klen)
{
	struct dict_bdb *b = d->impl;
	DBT dk;
	int err;

	memset(&dk, 0, sizeof(dk));
	dk.data = (void *)key;
	dk.size = (u_int32_t)klen;
	err = b->db->del(b->db, NULL, &dk, 0);
	if (err == DB_NOTFOUND)
		return (DICT_NOTFOUND);
	if (err != 0)
		return (dict_error(d, "table %s: delete error: %s", d->spec,
		    err > 0 ? strerror(err) : db_strerror(err)));
	return (DICT_FOUND);
}

static int
bdb_finish(struct dict *d)
{
	struct dict_bdb *b = d->impl;
	int err = b->db->close(b->db, 0);

	d->impl = mem_free(b);
	if (err != 0)
		return (dict_error(d, "table %s: write error: %s", d->spec,
		    err > 0 ? strerror(err) : db_strerror(err)));
	return (0);
}

static void
bdb_abort(struct dict *d)
{
	struct dict_bdb *b = d->impl;

	if (b->db != NULL)
		b->db->close(b->db, DB_NOSYNC);
	d->impl = mem_free(b);
}

const struct dict_wops dict_hash_wops = {&dict_hash_ops, 1, 1, hash_wopen,
    bdb_put, bdb_del, bdb_finish, bdb_abort};
const struct dict_wops dict_btree_wops = {&dict_btree_ops, 1, 1, btree_wopen,
    bdb_put, bdb_del, bdb_finish, bdb_abort};

/*
 * LMDB: the environment is the temporary file itself (MDB_NOSUBDIR), with
 * no lock file (MDB_NOLOCK: we hold the flock) and one sync at the end.
 * The map starts at Postfix's lmdb_map_size and doubles when it is full.
 * A full map fails the whole transaction, so changes are committed in
 * batches (the file is not visible before the rename) and the current
 * batch is kept to be replayed after the map has grown.
 */
#define DICT_LMDB_MAP_SIZE (16 * 1024 * 1024)
#define DICT_LMDB_BATCH 10000

struct dict_lmdb_w {
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	size_t map_size;
	struct vbuf batch; /* op, key length, value length, key, value */
	int count;
};

enum { LMDB_OP_PUT, LMDB_OP_REPLACE, LMDB_OP_DEL };

static int
lmdb_wbegin(struct dict_lmdb_w *l)
{
	int err;

	if ((err = mdb_txn_begin(l->env, NULL, 0, &l->txn)) != 0 ||
	    (err = mdb_dbi_open(l->txn, NULL, MDB_CREATE, &l->dbi)) != 0) {
		if (l->txn != NULL)
			mdb_txn_abort(l->txn);
		l->txn = NULL;
	}
	return (err);
}

static int
lmdb_wopen(struct dict *d, const char *tmp, int fd, struct vbuf *why)
{
	struct dict_lmdb_w *l = mem_calloc(1, sizeof(*l));
	int err;

	(void)fd;
	d->impl = l;
	l->map_size = DICT_LMDB_MAP_SIZE;
	if ((err = mdb_env_create(&l->env)) != 0 ||
	    (err = mdb_env_set_mapsize(l->env, l->map_size)) != 0 ||
	    (err = mdb_env_open(l->env, tmp,
		 MDB_NOSUBDIR | MDB_NOLOCK | MDB_NOSYNC, 0644)) != 0 ||
	    (err = lmdb_wbegin(l)) != 0) {
		vbuf_printf(why, "open database %s: %s", d->path,
		    mdb_strerror(err));
		return (-1);
	}
	return (0);
}

/* lmdb_op - one change in the open transaction */

static int
lmdb_op(struct dict_lmdb_w *l, int op, const char *key, size_t klen,
    const char *value, size_t vlen)
{
	MDB_val mk = {klen, (void *)key}, mv = {vlen, (void *)value};

	if (op == LMDB_OP_DEL)
		return (mdb_del(l->txn, l->dbi, &mk, NULL));
	return (mdb_put(l->txn, l->dbi, &mk, &mv,
	    op == LMDB_OP_PUT ? MDB_NOOVERWRITE : 0));
}

/* lmdb_grow - the map is full: a larger one, and the batch again */

static int
lmdb_grow(struct dict_lmdb_w *l)
{
	const char *cp = l->batch.data, *end = cp + l->batch.len;
	size_t klen, vlen;
	int op, err;

	if (l->txn != NULL)
		mdb_txn_abort(l->txn);
	l->txn = NULL;
	l->map_size *= 2;
	if ((err = mdb_env_set_mapsize(l->env, l->map_size)) != 0 ||
	    (err = lmdb_wbegin(l)) != 0)
		return (err);
	while (cp < end) {
		op = *cp++;
		memcpy(&klen, cp, sizeof(klen));
		memcpy(&vlen, cp + sizeof(klen), sizeof(vlen));
		cp += sizeof(klen) + sizeof(vlen);
		err = lmdb_op(l, op, cp, klen, cp + klen, vlen);
		if (err != 0 && err != MDB_KEYEXIST && err != MDB_NOTFOUND)
			return (err);
		cp += klen + vlen;
	}
	return (0);
}

/* lmdb_change - one change, growing the map as needed; batch commits */

static int
lmdb_change(struct dict *d, int op, const char *key, size_t klen,
    const char *value, size_t vlen)
{
	struct dict_lmdb_w *l = d->impl;
	int err;

	while ((err = lmdb_op(l, op, key, klen, value, vlen)) == MDB_MAP_FULL)
		if ((err = lmdb_grow(l)) != 0)
			break;
	if (err != 0 && err != MDB_KEYEXIST && err != MDB_NOTFOUND)
		return (dict_error(d, "table %s: write error: %s", d->spec,
		    mdb_strerror(err)));
	vbuf_putc(&l->batch, op);
	vbuf_append(&l->batch, &klen, sizeof(klen));
	vbuf_append(&l->batch, &vlen, sizeof(vlen));
	vbuf_append(&l->batch, key, klen);
	vbuf_append(&l->batch, value, vlen);
	if (++l->count >= DICT_LMDB_BATCH) {
		int cerr;

		while ((cerr = mdb_txn_commit(l->txn)) == MDB_MAP_FULL) {
			l->txn = NULL;
			if ((cerr = lmdb_grow(l)) != 0)
				break;
		}
		l->txn = NULL;
		vbuf_reset(&l->batch);
		l->count = 0;
		if (cerr != 0 || (cerr = lmdb_wbegin(l)) != 0)
			return (dict_error(d, "table %s: write error: %s",
			    d->spec, mdb_strerror(cerr)));
	}
	return (err == 0 ? (op == LMDB_OP_DEL ? DICT_FOUND : DICT_NOTFOUND)
			 : (op == LMDB_OP_DEL ? DICT_NOTFOUND : DICT_FOUND));
}

static int
lmdb_put(struct dict *d, const char *key, size_t klen, const char *value,
    size_t vlen, int replace)
{
	return (lmdb_change(d, replace ? LMDB_OP_REPLACE : LMDB_OP_PUT, key,
	    klen, value, vlen));
}

static int
lmdb_del(struct dict *d, const char *key, size_t klen)
{
	return (lmdb_change(d, LMDB_OP_DEL, key, klen, "", 0));
}

static void
lmdb_abort(struct dict *d)
{
	struct dict_lmdb_w *l = d->impl;

	if (l->txn != NULL)
		mdb_txn_abort(l->txn);
	if (l->env != NULL)
		mdb_env_close(l->env);
	vbuf_free(&l->batch);
	d->impl = mem_free(l);
}

static int
lmdb_finish(struct dict *d)
{
	struct dict_lmdb_w *l = d->impl;
	int err;

	while ((err = mdb_txn_commit(l->txn)) == MDB_MAP_FULL) {
		l->txn = NULL;
		if ((err = lmdb_grow(l)) != 0)
			break;
	}
	l->txn = NULL;
	if (err == 0)
		err = mdb_env_sync(l->env, 1);
	lmdb_abort(d);
	if (err != 0)
		return (dict_error(d, "table %s: write error: %s", d->spec,
		    mdb_strerror(err)));
	return (0);
}

const struct dict_wops dict_lmdb_wops = {&dict_lmdb_ops, 1, 1, lmdb_wopen,
    lmdb_put, lmdb_del, lmdb_finish, lmdb_abort};

/*
 * cdb: tinycdb writes the file through our descriptor; a cdb file cannot
 * be changed, only made again (Postfix's cdb refuses updates too), and
 * Postfix's postmap stores cdb keys and values without the NUL.
 */
struct dict_cdb_w {
	struct cdb_make cdbm;
};

static int
cdb_wopen(struct dict *d, const char *tmp, int fd, struct vbuf *why)
{
	struct dict_cdb_w *c = mem_calloc(1, sizeof(*c));

	(void)tmp;
	d->impl = c;
	if (cdb_make_start(&c->cdbm, fd) < 0) {
		vbuf_printf(why, "open database %s: %s", d->path,
		    strerror(errno));
		return (-1);
	}
	return (0);
}

static int
cdb_put_(struct dict *d, const char *key, size_t klen, const char *value,
    size_t vlen, int replace)
{
	struct dict_cdb_w *c = d->impl;
	int r;

	r = cdb_make_put(&c->cdbm, key, (unsigned)klen, value, (unsigned)vlen,
	    replace ? CDB_PUT_REPLACE : CDB_PUT_INSERT);
	if (r < 0)
		return (dict_error(d, "table %s: write error: %s", d->spec,
		    strerror(errno)));
	return (r > 0 ? DICT_FOUND : DICT_NOTFOUND);
}

static int
cdb_del_(struct dict *d, const char *key, size_t klen)
{
	(void)key;
	(void)klen;
	return (dict_error(d, "table %s: delete operation is not supported",
	    d->spec));
}

static int
cdb_finish(struct dict *d)
{
	struct dict_cdb_w *c = d->impl;
	int r = cdb_make_finish(&c->cdbm);

	d->impl = mem_free(c);
	if (r < 0)
		return (dict_error(d, "table %s: write error: %s", d->spec,
		    strerror(errno)));
	return (0);
}

static void
cdb_abort(struct dict *d)
{
	struct dict_cdb_w *c = d->impl;

	/* tinycdb frees its memory only here; the file is removed anyway. */
	(void)cdb_make_finish(&c->cdbm);
	d->impl = mem_free(c);
}

const struct dict_wops dict_cdb_wops = {&dict_cdb_ops, 0, 0, cdb_wopen,
    cdb_put_, cdb_del_, cdb_finish, cdb_abort};
