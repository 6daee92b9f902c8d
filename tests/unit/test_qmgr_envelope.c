/*
 * test_qmgr_envelope - qmgr's queue-file envelope reader: Postfix's own
 * queue files (tests/fixtures/queuefile-*) give the right sender,
 * recipients and R offsets; slices resume with the O/A records of the
 * next recipient; hostile files are refused as corrupt.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qfile.h"
#include "../../qmgr/qmgr.h"

/* Made by real Postfix (tests/fixtures/README.md); tests run from the
 * top of the source tree. */
#define FIXTURE_DIR "tests/fixtures"

static FILE *
open_fixture(const char *name)
{
	char path[1024];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", FIXTURE_DIR, name);
	if ((fp = fopen(path, "r")) == NULL)
		fail_msg("open %s", path);
	return fp;
}

struct want_rcpt {
	long offset;
	const char *address;
	const char *orig;
	const char *dsn_orig;
};

static const struct {
	const char *file;
	const char *sender;
	long size, nrcpt, create_time, arrival_sec, arrival_usec;
	struct want_rcpt rcpt[4];
} fixtures[] = {
    {"queuefile-1.D5CA1A75992", "", 10655, 1, 1795460121, 1795460121, 868984,
	{{228, "dave@example.net", "dave@example.net",
	    "rfc822;dave@example.net"}}},
    {"queuefile-2.C21D3A75972", "a@client.example", 334, 2, 1795460121,
	1795460121, 792833,
	{{645, "b@remote.example", "b@remote.example",
	     "rfc822;b@remote.example"},
	    {720, "c@remote.example", "c@remote.example",
		"rfc822;c@remote.example"}}},
    {"queuefile-3.45A9EA757A3", "kdent@example.com", 332, 1, 1795460121,
	1795460121, 251951,
	{{575, "kdent@ora.com", "kdent@ora.com", "rfc822;kdent@ora.com"}}},
    {"queuefile-4.4EE5EA75951", "sender@example.org", 1316, 3, 1795460121,
	1795460121, 314057,
	{{248, "alice@example.net", "alice@example.net",
	     "rfc822;alice@example.net"},
	    {322, "bob@example.net", "bob@example.net",
		"rfc822;bob@example.net"},
	    {410, "carol@flush.example.net", "carol@flush.example.net",
		"rfc822;carol@flush.example.net"}}},
};

#define NFIX (sizeof(fixtures) / sizeof(fixtures[0]))

static void
check_rcpt(const char *file, const struct qmgr_rcpt *got,
    const struct want_rcpt *want)
{
	if (got->offset != want->offset ||
	    strcmp(got->address, want->address) ||
	    strcmp(got->orig_rcpt, want->orig) ||
	    strcmp(got->dsn_orig_rcpt, want->dsn_orig))
		fail_msg("%s: got %ld <%s> <%s> <%s>, want %ld <%s>", file,
		    got->offset, got->address, got->orig_rcpt,
		    got->dsn_orig_rcpt, want->offset, want->address);
}

/* Whole files: every field as Postfix wrote it. */
static void
test_fixtures(void **state)
{
	for (size_t f = 0; f < NFIX; f++) {
		struct qmgr_envelope env;
		struct vbuf why = VBUF_INIT;
		FILE *fp = open_fixture(fixtures[f].file);

		memset(&env, 0, sizeof(env));
		if (qmgr_envelope_read(fp, &env, 0, &why) != 0)
			fail_msg("%s: %s", fixtures[f].file, why.data);
		assert_string_equal(env.sender, fixtures[f].sender);
		assert_int_equal(env.cont_length, fixtures[f].size);
		assert_int_equal(env.nrcpt, fixtures[f].nrcpt);
		assert_int_equal(env.create_time, fixtures[f].create_time);
		assert_int_equal(env.arrival_sec, fixtures[f].arrival_sec);
		assert_int_equal(env.arrival_usec, fixtures[f].arrival_usec);
		assert_int_equal(env.rcpt_count, fixtures[f].nrcpt);
		assert_int_equal(env.rcpt_total, fixtures[f].nrcpt);
		assert_int_equal(env.resume_offset, 0);
		for (size_t i = 0; i < env.rcpt_count; i++)
			check_rcpt(fixtures[f].file, env.rcpt + i,
			    fixtures[f].rcpt + i);
		qmgr_envelope_free(&env);
		vbuf_free(&why);
		fclose(fp);
	}
}

/* One recipient per slice: each slice resumes with the next one's O/A. */
static void
test_fixture_slices(void **state)
{
	for (size_t f = 0; f < NFIX; f++) {
		struct qmgr_envelope env;
		struct vbuf why = VBUF_INIT;
		FILE *fp = open_fixture(fixtures[f].file);
		long n;

		memset(&env, 0, sizeof(env));
		assert_int_equal(qmgr_envelope_read(fp, &env, 1, &why), 0);
		assert_int_equal(env.rcpt_count, 1);
		check_rcpt(fixtures[f].file, env.rcpt, fixtures[f].rcpt);
		for (n = 1; env.resume_offset > 0 && n < 10; n++) {
			if (qmgr_envelope_more(fp, &env, 1, &why) != 0)
				fail_msg("%s: %s", fixtures[f].file, why.data);
			assert_int_equal(env.rcpt_count, 1);
			check_rcpt(fixtures[f].file, env.rcpt,
			    fixtures[f].rcpt + n);
		}
		assert_int_equal(n, fixtures[f].nrcpt);
		/* Past the end: an empty slice. */
		assert_int_equal(qmgr_envelope_more(fp, &env, 1, &why), 0);
		assert_int_equal(env.rcpt_count, 0);
		qmgr_envelope_free(&env);
		vbuf_free(&why);
		fclose(fp);
	}
}

/* A small builder for hand-made queue files. */
struct rec {
	int type;
	const char *data;
};

static FILE *
build(const struct rec *recs, size_t n, int fix_c)
{
	FILE *fp = tmpfile();
	long data_off = 0, x_off = 0;

	assert_non_null(fp);
	for (size_t i = 0; i < n; i++) {
		if (recs[i].type == 'X')
			x_off = ftell(fp);
		assert_int_equal(rec_put(fp, recs[i].type, recs[i].data,
				     strlen(recs[i].data)),
		    recs[i].type);
		if (recs[i].type == 'M')
			data_off = ftell(fp);
	}
	if (fix_c && data_off && x_off) {
		long f[6] = {x_off - data_off, data_off, 1, 0, x_off - data_off,
		    0};
		char c[96];

		rec_size_format(c, f);
		fseek(fp, 2, SEEK_SET);
		fwrite(c, 1, REC_SIZE_LEN, fp);
	}
	fflush(fp);
	rewind(fp);
	return fp;
}

#define ZERO_C                                                                 \
	"              0               0               0               0     " \
	"          0               0"
#define SOME_C                                                                 \
	"              1             200               1               0     " \
	"          1               0"

/* D and / records are skipped; A notify_flags is kept. */
static void
test_done_and_flags(void **state)
{
	static const struct rec recs[] = {
	    {'C', ZERO_C},
	    {'T', "1700000000 5"},
	    {'S', "s@x"},
	    {'A', "notify_flags=4"},
	    {'O', "Orig@X"},
	    {'D', "done@x"},
	    {'O', "keep@x"},
	    {'A', "notify_flags=6"},
	    {'R', "keep@x"},
	    {'/', "canceled@x"},
	    {'M', ""},
	    {'N', "body"},
	    {'X', ""},
	    {'R', "late@x"},
	    {'E', ""},
	};
	struct qmgr_envelope env;
	struct vbuf why = VBUF_INIT;
	FILE *fp = build(recs, sizeof(recs) / sizeof(recs[0]), 1);

	memset(&env, 0, sizeof(env));
	if (qmgr_envelope_read(fp, &env, 0, &why) != 0)
		fail_msg("%s", why.data);
	assert_int_equal(env.rcpt_count, 2);
	assert_string_equal(env.rcpt[0].address, "keep@x");
	assert_string_equal(env.rcpt[0].orig_rcpt, "keep@x");
	assert_int_equal(env.rcpt[0].notify_flags, 6);
	assert_string_equal(env.rcpt[1].address, "late@x");
	assert_string_equal(env.rcpt[1].orig_rcpt, "");
	assert_int_equal(env.rcpt[1].notify_flags, 0);
	assert_int_equal(env.create_time, 1700000000); /* from T */
	qmgr_envelope_free(&env);
	vbuf_free(&why);
	fclose(fp);
}

/*
 * Hostile and broken files: each one is corrupt, none crashes, and the
 * reason says what is wrong. One named case per row of corrupt_cases.
 */
static const struct rec no_e[] = {
    {'C', ZERO_C},
    {'T', "1700000000 0"},
    {'S', "s@x"},
    {'R', "r@x"},
    {'M', ""},
    {'N', "b"},
    {'X', ""},
};

static const struct rec c_not_first[] = {
    {'T', "1700000000 0"},
    {'C', ZERO_C},
    {'S', "s@x"},
    {'R', "r@x"},
    {'M', ""},
    {'N', "b"},
    {'X', ""},
    {'E', ""},
};

static const struct rec no_sender[] = {
    {'C', ZERO_C},
    {'T', "1700000000 0"},
    {'R', "r@x"},
    {'M', ""},
    {'N', "b"},
    {'X', ""},
    {'E', ""},
};

static const struct rec no_time[] = {
    {'C', ZERO_C},
    {'S', "s@x"},
    {'R', "r@x"},
    {'M', ""},
    {'N', "b"},
    {'X', ""},
    {'E', ""},
};

static const struct rec text_in_envelope[] = {
    {'C', ZERO_C},
    {'T', "1700000000 0"},
    {'S', "s@x"},
    {'N', "oops"},
    {'R', "r@x"},
    {'M', ""},
    {'N', "b"},
    {'X', ""},
    {'E', ""},
};

static const struct rec sender_in_extracted[] = {
    {'C', ZERO_C},
    {'T', "1700000000 0"},
    {'S', "s@x"},
    {'R', "r@x"},
    {'M', ""},
    {'N', "b"},
    {'X', ""},
    {'S', "late@x"},
    {'E', ""},
};

static const struct rec zero_size[] = {
    /* C left at zeros */
    {'C', ZERO_C},
    {'T', "1700000000 0"},
    {'S', "s@x"},
    {'R', "r@x"},
    {'M', ""},
    {'N', "b"},
    {'X', ""},
    {'E', ""},
};

static const struct rec bad_flags[] = {
    {'C',
	"              1              90               1              "
	"64               1               0"},
    {'T', "1700000000 0"},
    {'S', "s@x"},
    {'R', "r@x"},
    {'M', ""},
    {'N', "b"},
    {'X', ""},
    {'E', ""},
};

static const struct rec ptr_loop[] = {
    /* p at offset 97 -> 97 */
    {'C', SOME_C},
    {'p', "97"},
    {'E', ""},
};

static const struct rec bad_ptr[] = {
    {'C', SOME_C},
    {'p', "12x"},
    {'E', ""},
};

static const struct rec m_to_nowhere[] = {
    /* data offset + size wrong */
    {'C', SOME_C},
    {'T', "1700000000 0"},
    {'S', "s@x"},
    {'R', "r@x"},
    {'M', ""},
    {'N', "b"},
    {'X', ""},
    {'E', ""},
};

static const struct rec e_in_envelope[] = {
    {'C', SOME_C},
    {'T', "1700000000 0"},
    {'S', "s@x"},
    {'R', "r@x"},
    {'E', ""},
};

static const struct rec bad_time[] = {
    {'C', ZERO_C},
    {'T', "yesterday"},
    {'S', "s@x"},
    {'R', "r@x"},
    {'M', ""},
    {'N', "b"},
    {'X', ""},
    {'E', ""},
};

#define CASE(name, recs, fix_c, why)                                           \
	{                                                                      \
		name, recs, sizeof(recs) / sizeof(recs[0]), fix_c, why         \
	}

static const struct {
	const char *name;
	const struct rec *recs;
	size_t n;
	int fix_c;	 /* fill in the C record */
	const char *why; /* the reason starts with this */
} corrupt_cases[] = {
    CASE("no E record", no_e, 1, "unexpected end of file (no E record)"),
    CASE("C not first", c_not_first, 0,
	"the first record is not a size record"),
    CASE("no sender", no_sender, 1, "missing sender record"),
    CASE("no arrival time", no_time, 1, "missing arrival time record"),
    CASE("text in envelope", text_in_envelope, 1,
	"unexpected envelope record (type 78)"),
    CASE("sender in extracted", sender_in_extracted, 1,
	"unexpected extracted record (type 83)"),
    CASE("zero size record", zero_size, 0, "invalid size record"),
    CASE("unknown flag bits", bad_flags, 0, "invalid size record"),
    CASE("pointer loop", ptr_loop, 0, "too many pointer records"),
    CASE("bad pointer", bad_ptr, 0, "bad pointer record at offset 97"),
    CASE("content size points nowhere", m_to_nowhere, 0,
	"no X record at offset"),
    CASE("E in envelope", e_in_envelope, 0,
	"unexpected envelope record (type 69)"),
    CASE("bad arrival time", bad_time, 1, "bad arrival time: yesterday"),
};

static void
test_corrupt(void **state)
{
	for (size_t i = 0; i < sizeof(corrupt_cases) / sizeof(corrupt_cases[0]);
	     i++) {
		const char *name = corrupt_cases[i].name;
		const char *want = corrupt_cases[i].why;
		struct qmgr_envelope env;
		struct vbuf why = VBUF_INIT;
		FILE *fp = build(corrupt_cases[i].recs, corrupt_cases[i].n,
		    corrupt_cases[i].fix_c);

		memset(&env, 0, sizeof(env));
		if (qmgr_envelope_read(fp, &env, 0, &why) == 0)
			fail_msg("%s: accepted", name);
		if (why.len == 0 || strncmp(why.data, want, strlen(want)) != 0)
			fail_msg("%s: reason \"%s\", want \"%s...\"", name,
			    why.len ? why.data : "", want);
		qmgr_envelope_free(&env);
		vbuf_free(&why);
		fclose(fp);
	}
}

/* Raw byte damage: truncated fixtures, bad lengths, an empty file. */
static void
test_truncated(void **state)
{
	FILE *src = open_fixture("queuefile-4.4EE5EA75951");
	static char data[4096];
	size_t len = fread(data, 1, sizeof(data), src);
	static const size_t cuts[] = {0, 1, 2, 50, 97, 200, 248, 400, 1000,
	    1754};

	fclose(src);
	assert_true(len == 1757);
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		struct qmgr_envelope env;
		struct vbuf why = VBUF_INIT;
		FILE *fp = tmpfile();

		fwrite(data, 1, cuts[i], fp);
		rewind(fp);
		memset(&env, 0, sizeof(env));
		if (qmgr_envelope_read(fp, &env, 0, &why) == 0)
			fail_msg("cut at %zu: accepted", cuts[i]);
		qmgr_envelope_free(&env);
		vbuf_free(&why);
		fclose(fp);
	}
	/* A length field of five continuation bytes. */
	{
		static const unsigned char bad[] = {'C', 0xff, 0xff, 0xff, 0xff,
		    0x7f};
		struct qmgr_envelope env;
		struct vbuf why = VBUF_INIT;
		FILE *fp = tmpfile();

		fwrite(bad, 1, sizeof(bad), fp);
		rewind(fp);
		memset(&env, 0, sizeof(env));
		assert_int_equal(qmgr_envelope_read(fp, &env, 0, &why), -1);
		qmgr_envelope_free(&env);
		vbuf_free(&why);
		fclose(fp);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fixtures),
	    cmocka_unit_test(test_fixture_slices),
	    cmocka_unit_test(test_done_and_flags),
	    cmocka_unit_test(test_corrupt),
	    cmocka_unit_test(test_truncated),
	};

	return cmocka_run_group_tests(tests, 0, 0);
}
