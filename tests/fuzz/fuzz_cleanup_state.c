/*
 * fuzz_cleanup_state - cleanup's record processor: the input is the
 * record stream a cleanup client sends (pickup relays maildrop files
 * written by local users; smtpd relays what SMTP clients send), split
 * into records with rec_parse() and fed one by one to
 * cleanup_state_record(), as cleanup_service.c does, until one fails.
 * After the 'E' record cleanup_state_finish() completes the queue file,
 * which is an anonymous memory file.
 *
 * Invariant checked: a message cleanup accepts makes a queue file that
 * the queue-file reader reads back to its 'E' record, and that holds no
 * record of an unknown type.
 */
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "fuzz.h"
#include "mem.h"
#include "msg.h"
#include "qfile.h"
#include "vbuf.h"
#include "../../cleanup/cleanup.h"

static const struct cleanup_config cfg = {
    .myhostname = "relay.example.com",
    .myorigin = "example.com",
    .mail_name = "Postfix",
    .append_at_myorigin = 1,
    .replace_stray_cr_lf = 1,
    .long_queue_ids = 0,
    .message_size_limit = 100000,
    .header_size_limit = 2000,
    .line_length_limit = 200,
    .hopcount_limit = 5,
    .delay_warning_time = 3600,
    .duplicate_filter_limit = 10,
    .attr_count_limit = 20,
};

/* check_file - the queue file reads back to its end record */

static void
check_file(FILE *fp)
{
	struct vbuf rec = VBUF_INIT;
	struct vbuf why = VBUF_INIT;
	int type;

	rewind(fp);
	while ((type = rec_get_why(fp, &rec, 0, REC_READER, &why)) >= 0 &&
	    type != REC_TYPE_END)
		if (type == 0 ||
		    strcmp(rec_type_name(type), rec_type_name(0)) == 0)
			msg_panic("fuzz_cleanup_state: accepted message makes "
				  "a queue file with record type %d",
			    type);
	if (type != REC_TYPE_END)
		msg_panic("fuzz_cleanup_state: accepted message makes a bad "
			  "queue file: %s",
		    vbuf_str(&why));
	vbuf_free(&rec);
	vbuf_free(&why);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	struct cleanup_state *st;
	size_t off, len;
	int type, status = 0;
	long n;
	FILE *fp;

	if (!init) {
		fuzz_msg_init("cleanup");
		init = 1;
	}
	fp = fuzz_memfile(NULL, 0);
	st = cleanup_state_create(fp, "3D4DDA76052", (time_t)1700000000, &cfg);
	while (status == 0 && !cleanup_state_done(st) && size > 0 &&
	    (n = rec_parse(data, size, 0, &type, &off, &len)) > 0) {
		/* As the service: the data is not NUL-terminated (an exact
		 * copy, so that ASan sees any read past it). */
		char *rec = mem_alloc(len ? len : 1);
		memcpy(rec, data + off, len);
		status = cleanup_state_record(st, type, rec, len);
		mem_free(rec);
		data += n;
		size -= (size_t)n;
	}
	if (status == 0 && cleanup_state_done(st) &&
	    cleanup_state_finish(st) == 0)
		check_file(fp);
	(void)cleanup_state_reason(st);
	(void)cleanup_state_sender(st);
	cleanup_state_free(st);
	fclose(fp);
	return (0);
}
