/*
 * test_maps - lookup tables (dict) and lists of them (maps): every type,
 * Postfix's key forms, and errors that must stay errors.
 *
 * The indexed files (hash, btree, lmdb, cdb) are written here with their
 * own libraries, keys and values with a trailing NUL as Postfix's postmap
 * stores them (and some without, as postmap -N would).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cdb.h>
#include <db.h>
#include <lmdb.h>

#include "dict.h"
#include "maps.h"
#include "testdir.h"

static struct testdir td;

static int
setup(void **state)
{
	(void)state;
	return (testdir_make(&td, "test_maps", NULL));
}

static int
teardown(void **state)
{
	(void)state;
	return (testdir_remove(&td));
}

/* get - look key up in spec; NULL when not found; fails on error */

static const char *
get(struct dict *d, const char *key)
{
	const char *v;
	int r = dict_get(d, key, &v);

	assert_int_not_equal(r, DICT_ERROR);
	return (r == DICT_FOUND ? v : NULL);
}

static struct dict *
open_ok(const char *spec)
{
	struct vbuf why = VBUF_INIT;
	struct dict *d = dict_open(spec, 0, &why);

	if (d == NULL)
		fail_msg("%s: %s", spec, vbuf_str(&why));
	vbuf_free(&why);
	return (d);
}

static void
test_texthash(void **state)
{
	struct dict *d;
	const char *k, *v;
	int n = 0, r;

	(void)state;
	testdir_write("t1",
	    "# comment\n"
	    "Example.COM   smtp:[10.0.0.1]:25\n"
	    "\n"
	    "multi  first\n"
	    "   second\n"
	    "example.com   later-duplicate\n"
	    "empty\t\n");
	d = open_ok("texthash:t1");
	assert_string_equal(get(d, "example.com"), "smtp:[10.0.0.1]:25");
	assert_string_equal(get(d, "EXAMPLE.com"), "smtp:[10.0.0.1]:25");
	assert_string_equal(get(d, "multi"), "first   second");
	assert_string_equal(get(d, "empty"), "");
	assert_null(get(d, "other"));
	assert_false(dict_changed(d));
	for (r = dict_seq(d, 1, &k, &v); r == DICT_FOUND;
	     r = dict_seq(d, 0, &k, &v))
		n++;
	assert_int_equal(n, 3);
	testdir_write("t1", "x y\n");
	assert_true(dict_changed(d));
	dict_close(d);
}

static void
test_inline_static(void **state)
{
	struct dict *d;

	(void)state;
	d = open_ok("inline:{ a=1, B=2 , { c = three words } }");
	assert_string_equal(get(d, "a"), "1");
	assert_string_equal(get(d, "b"), "2");
	assert_string_equal(get(d, "c"), "three words");
	assert_null(get(d, "d"));
	dict_close(d);
	d = open_ok("static:{ relay:[gw]:587 }");
	assert_string_equal(get(d, "anything"), "relay:[gw]:587");
	dict_close(d);
}

static void
test_cidr(void **state)
{
	struct dict *d;

	(void)state;
	testdir_write("c1",
	    "192.168.1.0/24  lan\n"
	    "!10.0.0.0/8     not-ten\n"
	    "10.1.2.3        exact\n"
	    "2001:db8::/32   v6\n");
	d = open_ok("cidr:c1");
	assert_int_not_equal(dict_flags(d) & DICT_FLAG_PATTERN, 0);
	assert_string_equal(get(d, "192.168.1.77"), "lan");
	assert_string_equal(get(d, "2001:db8::1"), "not-ten");
	assert_string_equal(get(d, "10.1.2.3"), "exact");
	assert_null(get(d, "not an address"));
	dict_close(d);
}

static void
test_regexp_pcre(void **state)
{
	const char *types[] = {"regexp", "pcre"};
	struct dict *d;
	char spec[32];
	int i;

	(void)state;
	testdir_write("r1",
	    "if /example\\.com$/\n"
	    "/^(.*)\\+(.*)@(.*)$/   ext:$1 $2 ${3} $$\n"
	    "endif\n"
	    "/^postmaster@/         local\n"
	    "/^Exact@/i             case-sensitive\n"
	    "!/@/                    bare\n"
	    "/^User@Other\\.ORG$/    folded\n");
	for (i = 0; i < 2; i++) {
		snprintf(spec, sizeof(spec), "%s:r1", types[i]);
		d = open_ok(spec);
		assert_string_equal(get(d, "joe+box@example.com"),
		    "ext:joe box example.com $");
		assert_null(get(d, "joe+box@other.net"));
		assert_string_equal(get(d, "PostMaster@x"), "local");
		assert_string_equal(get(d, "localonly"), "bare");
		/* Flag i toggles the default case folding off. */
		assert_string_equal(get(d, "Exact@x"), "case-sensitive");
		assert_null(get(d, "exact@x"));
		assert_string_equal(get(d, "user@other.org"), "folded");
		dict_close(d);
	}
}

/* open_fails - dict_open() must fail, with why containing text */

static void
open_fails(const char *spec, const char *text)
{
	struct vbuf why = VBUF_INIT;
	struct dict *d = dict_open(spec, 0, &why);

	if (d != NULL)
		fail_msg("%s opened", spec);
	if (strstr(vbuf_str(&why), text) == NULL)
		fail_msg("%s: want \"%s\" in \"%s\"", spec, text,
		    vbuf_str(&why));
	vbuf_free(&why);
}

static void
test_open_errors(void **state)
{
	FILE *fp;
	int i;

	(void)state;
	open_fails("nosuch:foo", "unsupported dictionary type: nosuch");
	open_fails("texthash:/nonexistent/x", "open database /nonexistent/x");
	open_fails("hash:/nonexistent/x", "open database /nonexistent/x.db");
	open_fails("lmdb:/nonexistent/x", "open database /nonexistent/x.lmdb");
	open_fails("cdb:/nonexistent/x", "open database /nonexistent/x.cdb");
	testdir_write("bad1", "/unclosed(/ x\n");
	open_fails("regexp:bad1", "regexp map bad1, line 1:");
	open_fails("pcre:bad1", "pcre map bad1, line 1: error in regex");
	testdir_write("bad2", "/(a)/ $2\n");
	open_fails("regexp:bad2", "out of range replacement index");
	testdir_write("bad3", "10.0.0.1/8 x\n");
	open_fails("cidr:bad3", "non-null host address bits");
	testdir_write("bad4", "if /a/\n/b/ c\n");
	open_fails("regexp:bad4", "IF has no matching ENDIF");
	testdir_write("bad5", "keyonly\n");
	open_fails("texthash:bad5", "bad5, line 1: expected format");
	fp = fopen("long", "w");
	assert_non_null(fp);
	fputs("k ", fp);
	for (i = 0; i < DICT_LINE_MAX / 64 + 2; i++)
		fputs("0123456789012345678901234567890123456789012345678901234"
		      "567890123",
		    fp);
	fputs("\n", fp);
	assert_int_equal(fclose(fp), 0);
	open_fails("texthash:long", "long, line 1: line too long");
	testdir_write("junk.db", "this is not a Berkeley DB file at all\n");
	open_fails("hash:junk", "open database junk.db");
}

/* ---- indexed files, written as postmap writes them ------------------- */

static void
make_db(const char *path, DBTYPE type, int nul)
{
	DB *db;
	DBT k, v;
	const char *pairs[] = {"example.com", "smtp:[a]", ".sub.org", "relay:b",
	    NULL};
	int i;

	unlink(path);
	assert_int_equal(db_create(&db, NULL, 0), 0);
	assert_int_equal(db->open(db, NULL, path, NULL, type, DB_CREATE, 0644),
	    0);
	for (i = 0; pairs[i]; i += 2) {
		memset(&k, 0, sizeof(k));
		memset(&v, 0, sizeof(v));
		k.data = (void *)pairs[i];
		k.size = (u_int32_t)(strlen(pairs[i]) + nul);
		v.data = (void *)pairs[i + 1];
		v.size = (u_int32_t)(strlen(pairs[i + 1]) + nul);
		assert_int_equal(db->put(db, NULL, &k, &v, 0), 0);
	}
	assert_int_equal(db->close(db, 0), 0);
}

static void
make_lmdb(const char *path)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val k = {12, "example.com"}, v = {9, "smtp:[a]"};

	unlink(path);
	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_open(env, path, MDB_NOSUBDIR, 0644), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, NULL, 0, &dbi), 0);
	assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
}

static void
make_cdb(const char *path)
{
	struct cdb_make cm;
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(cdb_make_start(&cm, fd), 0);
	assert_int_equal(cdb_make_add(&cm, "example.com", 12, "smtp:[a]", 9),
	    0);
	assert_int_equal(cdb_make_finish(&cm), 0);
	close(fd);
}

static void
test_indexed(void **state)
{
	struct dict *d;
	const char *k, *v;

	(void)state;
	make_db("h1.db", DB_HASH, 1);
	d = open_ok("hash:h1");
	assert_string_equal(get(d, "Example.COM"), "smtp:[a]");
	assert_null(get(d, "example.org"));
	assert_int_equal(dict_seq(d, 1, &k, &v), DICT_FOUND);
	dict_close(d);
	make_db("h2.db", DB_HASH, 0); /* postmap -N: no NUL */
	d = open_ok("hash:h2");
	assert_string_equal(get(d, ".sub.org"), "relay:b");
	dict_close(d);
	make_db("b1.db", DB_BTREE, 1);
	d = open_ok("btree:b1");
	assert_string_equal(get(d, "example.com"), "smtp:[a]");
	dict_close(d);
	make_lmdb("l1.lmdb");
	d = open_ok("lmdb:l1");
	assert_string_equal(get(d, "example.com"), "smtp:[a]");
	assert_null(get(d, "x"));
	dict_close(d);
	make_cdb("c1.cdb");
	d = open_ok("cdb:c1");
	assert_string_equal(get(d, "EXAMPLE.COM"), "smtp:[a]");
	assert_null(get(d, "x"));
	assert_int_equal(dict_seq(d, 1, &k, &v), DICT_FOUND);
	assert_string_equal(k, "example.com");
	dict_close(d);
}

/* ---- the write side (postmap's) ------------------------------------- */

static struct dict *
create_ok(const char *spec, int flags)
{
	struct vbuf why = VBUF_INIT;
	struct dict *d = dict_create(spec, flags, &why);

	if (d == NULL)
		fail_msg("create %s: %s", spec, vbuf_str(&why));
	vbuf_free(&why);
	return (d);
}

static void
create_fails(const char *spec, int flags, const char *text)
{
	struct vbuf why = VBUF_INIT;
	struct dict *d = dict_create(spec, flags, &why);

	if (d != NULL)
		fail_msg("%s created", spec);
	assert_string_equal(vbuf_str(&why), text);
	vbuf_free(&why);
}

/* cdb_raw - is key stored in the cdb file with exactly klen bytes? */

static int
cdb_raw(const char *path, const char *key, unsigned klen)
{
	int fd = open(path, O_RDONLY), r;

	assert_true(fd >= 0);
	r = cdb_seek(fd, key, klen, NULL);
	close(fd);
	return (r > 0);
}

static void
test_write_types(void **state)
{
	const char *types[] = {"hash", "btree", "lmdb", "cdb"};
	const char *sfx[] = {".db", ".db", ".lmdb", ".cdb"};
	char spec[64], path[64];
	struct dict *d;
	size_t i;

	(void)state;
	for (i = 0; i < 4; i++) {
		snprintf(spec, sizeof(spec), "%s:w%zu", types[i], i);
		snprintf(path, sizeof(path), "w%zu%s", i, sfx[i]);
		d = create_ok(spec, 0);
		assert_int_equal(dict_put(d, "Example.COM", "smtp:[a]"),
		    DICT_NOTFOUND);
		assert_int_equal(dict_put(d, "example.com", "second"),
		    DICT_FOUND);
		assert_int_equal(dict_put(d, "b", "two words"), DICT_NOTFOUND);
		/* Nothing is visible before the commit. */
		assert_int_equal(access(path, F_OK), -1);
		assert_int_equal(dict_commit(d), 0);
		dict_close(d);
		assert_int_equal(access(path, F_OK), 0);
		snprintf(path, sizeof(path), "w%zu%s.tmp", i, sfx[i]);
		assert_int_equal(access(path, F_OK), -1);
		d = open_ok(spec);
		assert_string_equal(get(d, "EXAMPLE.com"), "smtp:[a]");
		assert_string_equal(get(d, "b"), "two words");
		assert_null(get(d, "c"));
		dict_close(d);
		/* -r: the later value wins. */
		d = create_ok(spec, DICT_FLAG_DUP_REPLACE);
		dict_put(d, "k", "first");
		dict_put(d, "K", "later");
		assert_int_equal(dict_commit(d), 0);
		dict_close(d);
		d = open_ok(spec);
		assert_string_equal(get(d, "k"), "later");
		assert_null(get(d, "example.com")); /* a new table */
		dict_close(d);
	}
	/* cdb: no NUL by default (as Postfix), with -N; -f keeps case. */
	assert_true(cdb_raw("w3.cdb", "k", 1));
	d = create_ok("cdb:w3", DICT_FLAG_NUL | DICT_FLAG_NOFOLD);
	dict_put(d, "Key", "v");
	assert_int_equal(dict_commit(d), 0);
	dict_close(d);
	assert_true(cdb_raw("w3.cdb", "Key", 4));
	assert_false(cdb_raw("w3.cdb", "key", 4));
}

static void
test_write_update(void **state)
{
	struct dict *d;

	(void)state;
	d = create_ok("lmdb:u1", DICT_FLAG_UPDATE); /* -i: created */
	dict_put(d, "a", "1");
	dict_put(d, "b", "2");
	assert_int_equal(dict_commit(d), 0);
	dict_close(d);
	d = create_ok("lmdb:u1", DICT_FLAG_UPDATE);
	assert_int_equal(dict_put(d, "a", "changed"), DICT_FOUND);
	dict_put(d, "c", "3");
	assert_int_equal(dict_del(d, "B"), DICT_FOUND);
	assert_int_equal(dict_del(d, "b"), DICT_NOTFOUND);
	assert_int_equal(dict_commit(d), 0);
	dict_close(d);
	d = open_ok("lmdb:u1");
	assert_string_equal(get(d, "a"), "1");
	assert_string_equal(get(d, "c"), "3");
	assert_null(get(d, "b"));
	dict_close(d);
	/* Closed without a commit: the table stays as it was. */
	d = create_ok("lmdb:u1", DICT_FLAG_UPDATE | DICT_FLAG_EXISTING);
	assert_int_equal(dict_del(d, "a"), DICT_FOUND);
	dict_close(d);
	assert_int_equal(access("u1.lmdb.tmp", F_OK), -1);
	d = open_ok("lmdb:u1");
	assert_string_equal(get(d, "a"), "1");
	dict_close(d);
	/* A table written by hand as Postfix's postmap -n would: no NUL. */
	make_db("u2.db", DB_HASH, 0);
	d = create_ok("hash:u2", DICT_FLAG_UPDATE | DICT_FLAG_EXISTING);
	assert_int_equal(dict_del(d, "example.com"), DICT_FOUND);
	assert_int_equal(dict_commit(d), 0);
	dict_close(d);
	d = open_ok("hash:u2");
	assert_null(get(d, "example.com"));
	assert_string_equal(get(d, ".sub.org"), "relay:b");
	dict_close(d);
}

static void
test_write_refused(void **state)
{
	(void)state;
	create_fails("hash:/nonexistent/x", 0,
	    "open database /nonexistent/x.db: No such file or directory");
	create_fails("btree:nothere", DICT_FLAG_UPDATE | DICT_FLAG_EXISTING,
	    "open database nothere.db: No such file or directory");
	create_fails("nosuch:x", 0,
	    "unsupported dictionary type: nosuch. Is the postfix-nosuch "
	    "package installed?");
	create_fails("nosuch:x", DICT_FLAG_UPDATE | DICT_FLAG_EXISTING,
	    "unsupported dictionary type: nosuch");
	create_fails("texthash:t", 0,
	    "unsupported dictionary type: texthash does not support "
	    "bulk-mode creation.");
	create_fails("regexp:r", DICT_FLAG_UPDATE | DICT_FLAG_EXISTING,
	    "regexp:r map requires O_RDONLY access mode");
	create_fails("static:v", DICT_FLAG_UPDATE | DICT_FLAG_EXISTING,
	    "table static:v: delete operation is not supported");
	create_fails("cdb:c", DICT_FLAG_UPDATE,
	    "dict_cdb_open: inappropriate open flags for cdb database - "
	    "specify O_RDONLY or O_WRONLY|O_CREAT|O_TRUNC");
	assert_true(dict_writable("lmdb"));
	assert_false(dict_writable("cidr"));
}

/* An LMDB table larger than the first map: the map grows. */

static void
test_write_lmdb_grows(void **state)
{
	struct dict *d;
	char key[32], value[96];
	int i;

	(void)state;
	d = create_ok("lmdb:big", 0);
	for (i = 0; i < 200000; i++) {
		snprintf(key, sizeof(key), "key%d", i);
		snprintf(value, sizeof(value),
		    "%d-0123456789012345678901234567890123456789012345678901234"
		    "56789",
		    i);
		assert_int_equal(dict_put(d, key, value), DICT_NOTFOUND);
	}
	assert_int_equal(dict_commit(d), 0);
	dict_close(d);
	d = open_ok("lmdb:big");
	assert_non_null(get(d, "key0"));
	assert_non_null(get(d, "key199999"));
	assert_int_equal(strncmp(get(d, "key123456"), "123456-", 7), 0);
	dict_close(d);
}

/* ---- maps ----------------------------------------------------------- */

static void
test_maps_addr(void **state)
{
	struct maps *m;

	(void)state;
	testdir_write("a1",
	    "joe@example.com      full\n"
	    "@example.com         domain\n"
	    "ann@example.com      ann-noext\n"
	    "bob                  local-bob\n");
	testdir_write("a2", "/^zed@/  pattern\n");
	m = maps_create("canonical_maps", "texthash:a1, regexp:a2", 0);
	assert_string_equal(maps_addr_find(m, "joe@example.com", "+", 0),
	    "full");
	assert_string_equal(maps_addr_find(m, "ann+x@example.com", "+", 0),
	    "ann-noext");
	assert_string_equal(maps_addr_find(m, "ann+x@example.com", "", 0),
	    "domain");
	/* The whole address first, in every table: the pattern wins. */
	assert_string_equal(maps_addr_find(m, "zed@example.com", "+", 0),
	    "pattern");
	assert_string_equal(maps_addr_find(m, "bob@example.net", "+",
				MAPS_LOCAL),
	    "local-bob");
	assert_null(maps_addr_find(m, "bob@example.net", "+", 0));
	assert_false(maps_error(m));
	assert_string_equal(maps_addr_find(m, "zed@other.net", "+", 0),
	    "pattern");
	maps_free(m);
}

static void
test_maps_domain(void **state)
{
	struct maps *m;

	(void)state;
	testdir_write("d1",
	    "example.com   exact\n"
	    ".example.com  dotted\n"
	    "org           bare-org\n");
	m = maps_create("transport_maps", "texthash:d1", 0);
	assert_string_equal(maps_domain_find(m, "example.com", 0), "exact");
	assert_string_equal(maps_domain_find(m, "a.b.example.com", 0),
	    "dotted");
	assert_null(maps_domain_find(m, "x.org", 0));
	assert_string_equal(maps_domain_find(m, "x.org", MAPS_PARENT),
	    "bare-org");
	maps_free(m);
}

static void
test_maps_errors(void **state)
{
	struct maps *m;
	struct vbuf why = VBUF_INIT;

	(void)state;
	testdir_write("e1", "example.com ok\n");
	/* A broken table is an error, also for keys the good one has. */
	m = maps_create("transport_maps", "hash:/nonexistent/t texthash:e1", 0);
	assert_null(maps_find(m, "example.com", 0));
	assert_true(maps_error(m));
	assert_non_null(strstr(maps_why(m), "hash:/nonexistent/t"));
	maps_free(m);
	/* After a good table answered, a later broken one is not asked. */
	m = maps_create("transport_maps", "texthash:e1 hash:/nonexistent/t", 0);
	assert_string_equal(maps_find(m, "example.com", 0), "ok");
	assert_false(maps_error(m));
	maps_free(m);
	assert_int_equal(maps_check("relay_recipient_maps", "texthash:e1",
			     &why),
	    0);
	assert_int_equal(maps_check("relay_recipient_maps",
			     "texthash:e1, bogus:x", &why),
	    -1);
	assert_string_equal(vbuf_str(&why),
	    "relay_recipient_maps: bogus:x: "
	    "unsupported dictionary type: "
	    "bogus");
	vbuf_free(&why);
	m = maps_create("x", "", 0);
	assert_true(maps_empty(m));
	assert_null(maps_find(m, "a", 0));
	maps_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_texthash),
	    cmocka_unit_test(test_inline_static),
	    cmocka_unit_test(test_cidr),
	    cmocka_unit_test(test_regexp_pcre),
	    cmocka_unit_test(test_open_errors),
	    cmocka_unit_test(test_indexed),
	    cmocka_unit_test(test_write_types),
	    cmocka_unit_test(test_write_update),
	    cmocka_unit_test(test_write_refused),
	    cmocka_unit_test(test_write_lmdb_grows),
	    cmocka_unit_test(test_maps_addr),
	    cmocka_unit_test(test_maps_domain),
	    cmocka_unit_test(test_maps_errors),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
