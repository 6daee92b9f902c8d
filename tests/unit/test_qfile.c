/*
 * test_qfile - queue-file records: Postfix fixtures read record by record
 * and written back byte for byte, length encoding edge cases, truncated and
 * hostile input, reader semantics (pointers, padding, seek to end), C
 * record helpers and postcat labels.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "qfile.h"
#include "mem.h"
#include "msg.h"
#include "vbuf.h"

/* Made by real Postfix (tests/fixtures/README.md); tests run from the
 * top of the source tree. */
#define FIXTURE_DIR "tests/fixtures"

static const char *fixtures[] = {
    "queuefile-1.D5CA1A75992",
    "queuefile-2.C21D3A75972",
    "queuefile-3.45A9EA757A3",
    "queuefile-4.4EE5EA75951",
};

#define NFIXTURES (sizeof(fixtures) / sizeof(fixtures[0]))

/* load_fixture - the raw bytes of a fixture */

static char *
load_fixture(const char *name, size_t *len)
{
	struct vbuf b = VBUF_INIT;
	char path[1024];
	char buf[4096];
	size_t n;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", FIXTURE_DIR, name);
	fp = fopen(path, "r");
	if (fp == NULL)
		fail_msg("open %s: %s", path, strerror(errno));
	vbuf_reset(&b);
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		vbuf_append(&b, buf, n);
	fclose(fp);
	*len = b.len;
	return vbuf_export(&b);
}

/* mem_file - a read-only stream over bytes (a real file: seekable) */

static FILE *
mem_file(const void *data, size_t len)
{
	FILE *fp = tmpfile();

	assert_non_null(fp);
	if (len > 0)
		assert_int_equal(fwrite(data, 1, len, fp), len);
	rewind(fp);
	return fp;
}

/* Every fixture: read raw, write back with rec_put and rec_encode. */
static void
test_fixture_roundtrip(void **state)
{
	size_t i;

	for (i = 0; i < NFIXTURES; i++) {
		size_t len;
		char *data = load_fixture(fixtures[i], &len);
		FILE *in = mem_file(data, len);
		struct vbuf rec = VBUF_INIT;
		struct vbuf enc = VBUF_INIT;
		char *out_data = NULL;
		size_t out_len = 0;
		FILE *out = open_memstream(&out_data, &out_len);
		int type;
		int count = 0;
		int last = 0;
		size_t off = 0;

		vbuf_reset(&enc);
		while ((type = rec_get(in, &rec, 0, REC_RAW)) >= 0) {
			int ptype;
			size_t doff;
			size_t dlen;
			long used;

			/* rec_parse sees the same record at the same place. */
			used = rec_parse(data + off, len - off, 0, &ptype,
			    &doff, &dlen);
			assert_true(used > 0);
			assert_int_equal(ptype, type);
			assert_int_equal(dlen, rec.len);
			assert_memory_equal(data + off + doff, rec.data,
			    rec.len);
			off += (size_t)used;

			assert_int_equal(rec_put(out, type, rec.data, rec.len),
			    type);
			rec_encode(&enc, type, rec.data, rec.len);
			last = type;
			count++;
		}
		assert_int_equal(type, REC_EOF);
		assert_int_equal(last, REC_TYPE_END);
		assert_true(count > 10);
		assert_int_equal(off, len);
		fclose(out);
		assert_int_equal(out_len, len);
		assert_memory_equal(out_data, data, len);
		assert_int_equal(enc.len, len);
		assert_memory_equal(enc.data, data, len);
		free(out_data);
		vbuf_free(&rec);
		vbuf_free(&enc);
		fclose(in);
		free(data);
	}
}

/* The reader flags on a plain Postfix file: same records, E then EOF. */
static void
test_fixture_reader(void **state)
{
	size_t len;
	char *data = load_fixture(fixtures[2], &len);
	FILE *in = mem_file(data, len);
	struct vbuf rec = VBUF_INIT;
	const char *want = "CTAAFSMNNNNNNNNNNXAORE";
	const char *wp;
	int type;

	for (wp = want; *wp; wp++) {
		type = rec_get(in, &rec, 0, REC_READER);
		assert_int_equal(type, *wp);
	}
	assert_int_equal(rec_get(in, &rec, 0, REC_READER), REC_EOF);
	vbuf_free(&rec);
	fclose(in);
	free(data);
}

/*
 * Length encodings.
 */
static const struct len_case {
	const char *name;
	size_t len;
	const unsigned char bytes[5];
	size_t nbytes;
} len_cases[] = {
    {"zero", 0, {0x00}, 1},
    {"one", 1, {0x01}, 1},
    {"size record", 95, {0x5f}, 1},
    {"127", 127, {0x7f}, 1},
    {"128", 128, {0x80, 0x01}, 2},
    {"300", 300, {0xac, 0x02}, 2},
    {"16383", 16383, {0xff, 0x7f}, 2},
    {"16384", 16384, {0x80, 0x80, 0x01}, 3},
    {"2097152", 2097152, {0x80, 0x80, 0x80, 0x01}, 4},
};

static void
test_length_encoding(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(len_cases) / sizeof(len_cases[0]); i++) {
		const struct len_case *c = len_cases + i;
		char *payload = mem_calloc(1, c->len + 1);
		struct vbuf enc = VBUF_INIT;
		struct vbuf rec = VBUF_INIT;
		FILE *in;
		int type;
		size_t doff;
		size_t dlen;

		memset(payload, 'x', c->len);
		vbuf_reset(&enc);
		rec_encode(&enc, 'N', payload, c->len);
		assert_int_equal(enc.len, 1 + c->nbytes + c->len);
		if (memcmp(enc.data + 1, c->bytes, c->nbytes) != 0)
			fail_msg("%s: wrong length bytes", c->name);
		assert_int_equal(rec_parse(enc.data, enc.len, 0, &type, &doff,
				     &dlen),
		    (long)enc.len);
		assert_int_equal(type, 'N');
		assert_int_equal(doff, 1 + c->nbytes);
		assert_int_equal(dlen, c->len);
		/* One byte short: more is needed. */
		assert_int_equal(rec_parse(enc.data, enc.len - 1, 0, &type,
				     &doff, &dlen),
		    0);
		in = mem_file(enc.data, enc.len);
		assert_int_equal(rec_get(in, &rec, 0, REC_RAW), 'N');
		assert_int_equal(rec.len, c->len);
		assert_int_equal(rec.data[rec.len], 0);
		assert_int_equal(rec_get(in, &rec, 0, REC_RAW), REC_EOF);
		fclose(in);
		vbuf_free(&enc);
		vbuf_free(&rec);
		mem_free(payload);
	}
}

/* The largest 4-byte length is accepted; a fifth length byte is not. */
static void
test_length_limits(void **state)
{
	static const unsigned char max4[] = {'N', 0xff, 0xff, 0xff, 0x7f};
	static const unsigned char five[] = {'N', 0x80, 0x80, 0x80, 0x80, 0x01};
	static const unsigned char five0[] = {'N', 0x80, 0x80, 0x80, 0x80};
	struct vbuf rec = VBUF_INIT;
	struct vbuf why = VBUF_INIT;
	unsigned char small[8] = "abcdefg";
	FILE *in;
	int type;
	size_t doff;
	size_t dlen;

	/* Complete header, but the data is not there yet. */
	assert_int_equal(rec_parse(max4, sizeof(max4), 0, &type, &doff, &dlen),
	    0);
	/* ... and over a limit it is invalid at once. */
	assert_int_equal(rec_parse(max4, sizeof(max4), 1000, &type, &doff,
			     &dlen),
	    -1);
	assert_int_equal(rec_parse(five, sizeof(five), 0, &type, &doff, &dlen),
	    -1);
	assert_int_equal(rec_parse(five0, sizeof(five0), 0, &type, &doff,
			     &dlen),
	    -1);
	assert_int_equal(rec_parse(five, 1, 0, &type, &doff, &dlen), 0);
	assert_int_equal(rec_parse(five, 0, 0, &type, &doff, &dlen), 0);

	/* rec_get: a truncated huge record fails without reading 256 MB. */
	in = mem_file(max4, sizeof(max4));
	assert_int_equal(rec_get_why(in, &rec, 0, REC_RAW, &why), REC_ERR);
	assert_string_equal(why.data,
	    "unexpected EOF in data, record type 78 length 268435455");
	fclose(in);
	in = mem_file(five, sizeof(five));
	assert_int_equal(rec_get_why(in, &rec, 0, REC_RAW, &why), REC_ERR);
	assert_string_equal(why.data, "too many length bits, record type 78");
	fclose(in);

	/* Writers refuse what readers would reject. */
	in = tmpfile();
	errno = 0;
	assert_int_equal(rec_put(in, 'N', small, (size_t)1 << 28), REC_ERR);
	assert_int_equal(errno, EFBIG);
	assert_int_equal(ftell(in), 0);
	fclose(in);
	vbuf_free(&rec);
	vbuf_free(&why);
}

/* Every prefix of a fixture: EOF at record boundaries, error elsewhere. */
static void
test_truncated(void **state)
{
	size_t len;
	char *data = load_fixture(fixtures[2], &len);
	char *boundary = mem_calloc(1, len + 1);
	struct vbuf rec = VBUF_INIT;
	struct vbuf why = VBUF_INIT;
	size_t off = 0;
	size_t cut;

	/* Record boundaries from rec_parse. */
	while (off < len) {
		int type;
		size_t doff;
		size_t dlen;
		long used =
		    rec_parse(data + off, len - off, 0, &type, &doff, &dlen);

		assert_true(used > 0);
		boundary[off] = 1;
		off += (size_t)used;
	}
	boundary[len] = 1;

	for (cut = 0; cut <= len; cut++) {
		FILE *in = mem_file(data, cut);
		int type;
		int guard = 0;

		while ((type = rec_get_why(in, &rec, 0, REC_RAW, &why)) >= 0)
			assert_true(++guard < 1000);
		if (boundary[cut]) {
			if (type != REC_EOF)
				fail_msg("cut at %zu: want EOF, got %d", cut,
				    type);
		} else {
			if (type != REC_ERR)
				fail_msg("cut at %zu: want error, got %d", cut,
				    type);
			assert_true(
			    strncmp(why.data, "unexpected EOF", 14) == 0);
		}
		/* Incomplete in memory: "more needed", never a record. */
		if (!boundary[cut]) {
			size_t start = cut;
			int ptype;
			size_t doff;
			size_t dlen;

			while (!boundary[start])
				start--;
			assert_int_equal(rec_parse(data + start, cut - start, 0,
					     &ptype, &doff, &dlen),
			    0);
		}
		fclose(in);
	}
	vbuf_free(&rec);
	vbuf_free(&why);
	mem_free(boundary);
	free(data);
}

/* A record over maxlen is an error naming the length. */
static void
test_maxlen(void **state)
{
	struct vbuf enc = VBUF_INIT;
	struct vbuf rec = VBUF_INIT;
	struct vbuf why = VBUF_INIT;
	char payload[100];
	FILE *in;

	memset(payload, 'a', sizeof(payload));
	vbuf_reset(&enc);
	rec_encode(&enc, 'N', payload, sizeof(payload));
	in = mem_file(enc.data, enc.len);
	assert_int_equal(rec_get_why(in, &rec, 50, REC_RAW, &why), REC_ERR);
	assert_string_equal(why.data, "illegal length 100, record type 78");
	rewind(in);
	assert_int_equal(rec_get(in, &rec, 100, REC_RAW), 'N');
	fclose(in);
	vbuf_free(&enc);
	vbuf_free(&rec);
	vbuf_free(&why);
}

/* Records with NUL bytes survive; data is NUL-terminated too. */
static void
test_binary_data(void **state)
{
	static const char bin[] = {'a', 0, 'b', '\n', (char)0xff, 0};
	char *out_data = NULL;
	size_t out_len = 0;
	FILE *out = open_memstream(&out_data, &out_len);
	struct vbuf rec = VBUF_INIT;
	FILE *in;

	assert_int_equal(rec_put(out, 'N', bin, sizeof(bin)), 'N');
	assert_int_equal(rec_puts(out, 'S', ""), 'S');
	assert_int_equal(rec_printf(out, 'T', "%ld %ld", 1795460121L, 5L), 'T');
	assert_int_equal(rec_puts(out, 'E', NULL), 'E');
	fclose(out);
	in = mem_file(out_data, out_len);
	assert_int_equal(rec_get(in, &rec, 0, REC_RAW), 'N');
	assert_int_equal(rec.len, sizeof(bin));
	assert_memory_equal(rec.data, bin, sizeof(bin));
	assert_int_equal(rec_get(in, &rec, 0, REC_RAW), 'S');
	assert_int_equal(rec.len, 0);
	assert_string_equal(rec.data, "");
	assert_int_equal(rec_get(in, &rec, 0, REC_RAW), 'T');
	assert_string_equal(rec.data, "1795460121 5");
	assert_int_equal(rec_get(in, &rec, 0, REC_RAW), 'E');
	assert_int_equal(rec_get(in, &rec, 0, REC_RAW), REC_EOF);
	fclose(in);
	free(out_data);
	vbuf_free(&rec);
}

/* ptr_file - S, p->heap, w, M, E, heap: R, p->back; returns the bytes */

static void
ptr_file(struct vbuf *f, int loop)
{
	char val[32];
	size_t p1_off;
	size_t back;
	size_t heap;
	size_t p2_off;

	vbuf_reset(f);
	rec_encode(f, 'S', "a", 1);
	p1_off = f->len;
	rec_encode(f, 'p', "              0", 15); /* patched below */
	back = f->len;
	rec_encode(f, 'p', "              0", 15); /* dummy: no-op */
	rec_encode(f, 'w', "pad", 3);
	rec_encode(f, 'M', "", 0);
	rec_encode(f, 'E', "", 0);
	heap = f->len;
	rec_encode(f, 'R', "r1", 2);
	p2_off = f->len;
	snprintf(val, sizeof(val), "%15ld", (long)(loop ? heap : back));
	rec_encode(f, 'p', val, 15);
	snprintf(val, sizeof(val), "%15ld", (long)heap);
	memcpy(f->data + p1_off + 2, val, 15);
	(void)p2_off;
}

static void
test_pointers(void **state)
{
	struct vbuf f = VBUF_INIT;
	struct vbuf rec = VBUF_INIT;
	struct vbuf why = VBUF_INIT;
	const char *wp;
	FILE *in;
	int type;
	int n;

	/* Reader semantics: follow p, skip w, stop after E. */
	ptr_file(&f, 0);
	in = mem_file(f.data, f.len);
	for (wp = "SRME"; *wp; wp++)
		assert_int_equal(rec_get(in, &rec, 0, REC_READER), *wp);
	assert_int_equal(rec_get(in, &rec, 0, REC_READER), REC_EOF);

	/* Raw: everything in file order. */
	rewind(in);
	for (wp = "SppwMERp"; *wp; wp++)
		assert_int_equal(rec_get(in, &rec, 0, REC_RAW), *wp);
	assert_int_equal(rec_get(in, &rec, 0, REC_RAW), REC_EOF);

	/* The same again, from the start: the loop guard starts over. */
	for (n = 0; n < 20000; n++) {
		rewind(in);
		for (wp = "SRME"; *wp; wp++)
			assert_int_equal(rec_get(in, &rec, 0, REC_READER), *wp);
	}
	fclose(in);

	/* A pointer loop ends in an error, not forever. */
	ptr_file(&f, 1);
	in = mem_file(f.data, f.len);
	assert_int_equal(rec_get(in, &rec, 0, REC_READER), 'S');
	for (n = 0; n < 20000; n++) {
		if ((type = rec_get_why(in, &rec, 0, REC_READER, &why)) ==
		    REC_ERR)
			break;
		assert_int_equal(type, 'R');
	}
	assert_true(n >= 10000 && n < 20000);
	assert_string_equal(why.data, "too many reverse jump records");
	fclose(in);
	vbuf_free(&f);
	vbuf_free(&rec);
	vbuf_free(&why);
}

/*
 * Pointer values.
 */
static const struct goto_case {
	const char *name;
	const char *value;
	int ret;
	long where; /* -1: unchanged */
	const char *why;
} goto_cases[] = {
    {"dummy", "              0", 0, -1, 0},
    {"empty", "", 0, -1, 0},
    {"padded", "             12", 0, 12, 0},
    {"bare", "7", 0, 7, 0},
    {"letters", "12x", REC_ERR, -1, "malformed pointer record value: 12x"},
    {"negative", "-5", REC_ERR, -1, "malformed pointer record value: -5"},
    {"overflow", "99999999999999999999999", REC_ERR, -1,
	"malformed pointer record value: 99999999999999999999999"},
    {"inner space", "1 2", REC_ERR, -1, "malformed pointer record value: 1 2"},
};

static void
test_goto_values(void **state)
{
	struct vbuf why = VBUF_INIT;
	size_t i;

	for (i = 0; i < sizeof(goto_cases) / sizeof(goto_cases[0]); i++) {
		const struct goto_case *c = goto_cases + i;
		FILE *in = mem_file("0123456789abcdefghij", 20);
		struct vbuf rec = VBUF_INIT;

		/* A read at offset 0 starts a new pass (forgets earlier jumps).
		 */
		(void)rec_get(in, &rec, 0, REC_RAW);
		vbuf_free(&rec);
		assert_int_equal(fseek(in, 3, SEEK_SET), 0);
		vbuf_reset(&why);
		if (rec_goto(in, c->value, &why) != c->ret)
			fail_msg("%s: wrong result", c->name);
		assert_int_equal(ftell(in), c->where < 0 ? 3 : c->where);
		if (c->why)
			assert_string_equal(why.data, c->why);
		fclose(in);
	}
	vbuf_free(&why);
}

/* rec_get with a malformed pointer under reader flags. */
static void
test_bad_pointer_record(void **state)
{
	struct vbuf f = VBUF_INIT;
	struct vbuf rec = VBUF_INIT;
	struct vbuf why = VBUF_INIT;
	FILE *in;

	vbuf_reset(&f);
	rec_encode(&f, 'S', "", 0);
	rec_encode(&f, 'p', "Received: x", 11);
	in = mem_file(f.data, f.len);
	assert_int_equal(rec_get(in, &rec, 0, REC_READER), 'S');
	assert_int_equal(rec_get_why(in, &rec, 0, REC_READER, &why), REC_ERR);
	assert_string_equal(why.data,
	    "malformed pointer record value: Received: x");
	fclose(in);
	vbuf_free(&f);
	vbuf_free(&rec);
	vbuf_free(&why);
}

static const struct name_case {
	int type;
	const char *name;
} name_cases[] = {
    {'C', "message_size"},
    {'T', "message_arrival_time"},
    {'c', "queue_file_create_time"},
    {'F', "sender_fullname"},
    {'I', "content_inspector"},
    {'L', "content_filter"},
    {'S', "sender"},
    {'D', "done_recipient"},
    {'/', "canceled_recipient"},
    {'R', "recipient"},
    {'O', "original_recipient"},
    {'W', "warning_message_time"},
    {'A', "named_attribute"},
    {'p', "pointer_record"},
    {'K', "killed_record"},
    {'M', "message_content"},
    {'N', "regular_text"},
    {'w', "padding"},
    {'X', "extracted_info"},
    {'r', "return_receipt"},
    {'e', "errors_to"},
    {'P', "priority"},
    {'V', "verp_delimiters"},
    {'E', "message_end"},
    {'>', "redirect_to"},
    {'f', "flags"},
    {'<', "dsn_return_flags"},
    {'i', "dsn_envelope_id"},
    {'o', "dsn_original_recipient"},
    {'n', "dsn_notify_flags"},
    {'d', "unknown_record_type"},
    {'?', "unknown_record_type"},
    {0, "unknown_record_type"},
    {255, "unknown_record_type"},
};

static void
test_type_names(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(name_cases) / sizeof(name_cases[0]); i++)
		assert_string_equal(rec_type_name(name_cases[i].type),
		    name_cases[i].name);
}

static const struct size_case {
	const char *name;
	const char *data;
	int ret;
	long f[6];
} size_cases[] = {
    {"fixture",
	"            334             740               2               0"
	"             334               0",
	6, {334, 740, 2, 0, 334, 0}},
    {"three fields", "  10 20 3", 3, {10, 20, 3, 0, 0, 0}},
    {"maildrop placeholder", "-1 -1 -1 -1 -1 4", 6, {-1, -1, -1, -1, -1, 4}},
    {"empty", "", 0, {0}},
    {"blanks", "     ", 0, {0}},
    {"seven", "1 2 3 4 5 6 7", 6, {1, 2, 3, 4, 5, 6}},
    {"letter", "12a 3", -1, {0}},
    {"tab", "1\t2", -1, {0}},
    {"inner minus", "1-2", -1, {0}},
    {"lone minus", "1 - 2", -1, {0}},
    {"double minus", "--1", -1, {0}},
    {"overflow", "99999999999999999999999 1", -1, {0}},
};

static void
test_size_parse(void **state)
{
	size_t i;
	int k;

	for (i = 0; i < sizeof(size_cases) / sizeof(size_cases[0]); i++) {
		const struct size_case *c = size_cases + i;
		long f[6];
		int ret = rec_size_parse(c->data, strlen(c->data), f);

		if (ret != c->ret)
			fail_msg("%s: got %d want %d", c->name, ret, c->ret);
		if (ret >= 0)
			for (k = 0; k < 6; k++)
				if (f[k] != c->f[k])
					fail_msg("%s: field %d: %ld", c->name,
					    k, f[k]);
	}
	/* Embedded NUL is not a digit. */
	assert_int_equal(rec_size_parse("1\0002", 3, (long[6]){0}), -1);
}

static void
test_size_format(void **state)
{
	size_t len;
	char *data = load_fixture(fixtures[1], &len);
	long f[6] = {334, 740, 2, 0, 334, 0};
	char out[96];

	rec_size_format(out, f);
	assert_int_equal(strlen(out), REC_SIZE_LEN);
	/* The fixture's C record data starts at offset 2. */
	assert_memory_equal(out, data + 2, REC_SIZE_LEN);
	free(data);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fixture_roundtrip),
	    cmocka_unit_test(test_fixture_reader),
	    cmocka_unit_test(test_length_encoding),
	    cmocka_unit_test(test_length_limits),
	    cmocka_unit_test(test_truncated),
	    cmocka_unit_test(test_maxlen),
	    cmocka_unit_test(test_binary_data),
	    cmocka_unit_test(test_pointers),
	    cmocka_unit_test(test_goto_values),
	    cmocka_unit_test(test_bad_pointer_record),
	    cmocka_unit_test(test_type_names),
	    cmocka_unit_test(test_size_parse),
	    cmocka_unit_test(test_size_format),
	};

	msg_init("test_qfile", MSG_STDERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
