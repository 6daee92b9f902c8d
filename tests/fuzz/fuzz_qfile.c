/*
 * fuzz_qfile - util/qfile, the queue-file record reader: the input is a
 * queue file (as found in the queue directory, or as postcat reads any
 * file). It is read three ways: rec_get_why() with REC_READER (pointer
 * records followed, as qmgr and the delivery agents read), REC_RAW with
 * rec_goto() on each 'p' record (postcat), and rec_parse() from memory
 * (cleanup and the IPC readers). Every record's type goes through
 * rec_type_name(), every 'C' record through rec_size_parse() and
 * rec_size_format().
 *
 * Invariant checked: a record rec_parse() decodes, encoded again with
 * rec_encode(), decodes to the same type and data.
 */
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "msg.h"
#include "qfile.h"
#include "vbuf.h"

#define FUZZ_MAXLEN (1024 * 1024)
#define FUZZ_RECORDS 100000 /* a bound in case a read makes no progress */

/* size_record - what postcat does with a C record */

static void
size_record(const char *data, size_t len)
{
	long fields[6];
	char out[96];

	if (rec_size_parse(data, len, fields) >= 0)
		rec_size_format(out, fields);
}

/* read_file - one pass over the stream with rec_get_why() */

static void
read_file(FILE *fp, int flags, struct vbuf *data, struct vbuf *why)
{
	int type;

	rewind(fp);
	for (int i = 0; i < FUZZ_RECORDS; i++) {
		vbuf_reset(why);
		type = rec_get_why(fp, data, FUZZ_MAXLEN, flags, why);
		(void)rec_type_name(type);
		if (type < 0)
			break;
		if (type == REC_TYPE_SIZE)
			size_record(vbuf_str(data), data->len);
		if (type == REC_TYPE_PTR && flags == REC_RAW &&
		    rec_goto(fp, vbuf_str(data), why) < 0)
			break;
	}
}

/* parse_memory - rec_parse() from the start, with the round trip */

static void
parse_memory(const uint8_t *buf, size_t size)
{
	struct vbuf enc = VBUF_INIT;
	size_t off, len, off2, len2;
	int type, type2;
	long n;

	while (size > 0 &&
	    (n = rec_parse(buf, size, FUZZ_MAXLEN, &type, &off, &len)) > 0) {
		if ((size_t)n > size || off + len != (size_t)n)
			msg_panic("fuzz_qfile: rec_parse: bad lengths");
		vbuf_reset(&enc);
		rec_encode(&enc, type, buf + off, len);
		if (rec_parse(enc.data, enc.len, 0, &type2, &off2, &len2) !=
			(long)enc.len ||
		    type2 != type || len2 != len ||
		    memcmp(enc.data + off2, buf + off, len) != 0)
			msg_panic("fuzz_qfile: record of type %d, %zu bytes: "
				  "round trip differs",
			    type, len);
		buf += n;
		size -= (size_t)n;
	}
	vbuf_free(&enc);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	struct vbuf rec = VBUF_INIT;
	struct vbuf why = VBUF_INIT;
	FILE *fp;

	if (!init) {
		fuzz_msg_init("fuzz_qfile");
		init = 1;
	}
	fp = fuzz_memfile(data, size);
	read_file(fp, REC_READER, &rec, &why);
	read_file(fp, REC_RAW, &rec, &why);
	fclose(fp);
	parse_memory(data, size);
	vbuf_free(&rec);
	vbuf_free(&why);
	return (0);
}
