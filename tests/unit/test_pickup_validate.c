/*
 * test_pickup_validate - which maildrop files pickup accepts, and what it
 * sends to cleanup.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "mem.h"
#include "msg.h"
#include "qfile.h"
#include "vbuf.h"
#include "../../pickup/pickup.h"

struct case_ {
	const char *name;
	const char *records; /* "T:data|..." ; "!" = raw garbage */
	int requeued;
	int ok;
	const char *why;
};

static const struct case_ cases[] = {
    {"sendmail file",
	"T:1 2|A:rewrite_context=local|F:root|S:a@x|R:b@x|M:|N:hi|X:|E:", 0, 1,
	""},
    {"-t file", "T:1 2|S:a@x|M:|N:To: b@x|X:|A:notify_flags=2|R:b@x|E:", 0, 1,
	""},
    {"no sender", "T:1 2|R:b@x|M:|X:|E:", 0, 0, "no sender record"},
    {"two senders", "T:1 2|S:a@x|S:b@x|R:b@x|M:|X:|E:", 0, 0,
	"multiple sender records"},
    {"no recipient", "T:1 2|S:a@x|M:|X:|E:", 0, 0, "no recipient record"},
    {"no end", "T:1 2|S:a@x|R:b@x|M:|X:", 0, 0,
	"premature end of file (no end record)"},
    {"after end", "T:1 2|S:a@x|R:b@x|M:|X:|E:|R:c@x", 0, 0,
	"data after the end record"},
    {"queue-file type in fresh file", "T:1 2|S:a@x|O:b@x|R:b@x|M:|X:|E:", 0, 0,
	"unexpected record type 79 in envelope"},
    {"queue-file type in requeued file",
	"C:x|T:1 "
	"2|A:create_time=1|S:a@x|A:dsn_orig_rcpt=rfc822;b@x|O:b@x|R:b@x|D:c@x|"
	"M:|N:x|X:|E:",
	1, 1, ""},
    {"envelope type in content", "T:1 2|S:a@x|R:b@x|M:|S:x|X:|E:", 0, 0,
	"unexpected record type 83 in content"},
    {"LF in recipient", "T:1 2|S:a@x|R:b@x\nTo: c|M:|X:|E:", 0, 0,
	"CR, LF or NUL in record type 82"},
    {"attribute without =", "T:1 2|A:junk|S:a@x|R:b@x|M:|X:|E:", 0, 0,
	"malformed attribute record"},
    {"garbage", "!this is not a queue file\n", 0, 0,
	"malformed or oversized record"},
    {"garbage with a short length",
	"!t\x03"
	"abcdef",
	0, 0, "unexpected record type 116 in envelope"},
    {"empty file", "!", 0, 0, "premature end of file (no end record)"},
    {"truncated length", "!T\x85", 0, 0, "malformed or oversized record"},
};

static FILE *
make_file(const char *spec)
{
	FILE *fp = tmpfile();
	char *copy;
	char *save = 0;
	char *rec;

	assert_non_null(fp);
	if (spec[0] == '!') {
		fwrite(spec + 1, 1, strlen(spec + 1), fp);
	} else {
		copy = mem_strdup(spec);
		for (rec = strtok_r(copy, "|", &save); rec;
		     rec = strtok_r(0, "|", &save))
			rec_put(fp, rec[0], rec + 2, strlen(rec + 2));
		mem_free(copy);
	}
	fflush(fp);
	return (fp);
}

static void
test_validate(void **unused)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct case_ *tc = cases + i;
		struct pickup_info info;
		struct vbuf why = VBUF_INIT;
		FILE *fp = make_file(tc->records);
		int ret;

		memset(&info, 0, sizeof(info));
		ret = pickup_validate(fp, tc->requeued, 4096, &info, &why);
		if ((ret == 0) != tc->ok ||
		    strcmp(vbuf_str(&why), tc->why) != 0)
			fail_msg("%s: got %d [%s], want ok=%d [%s]", tc->name,
			    ret, vbuf_str(&why), tc->ok, tc->why);
		pickup_info_free(&info);
		vbuf_free(&why);
		fclose(fp);
	}
}

/* Record type 0 is in no segment's list of allowed types. */
static void
test_type_zero(void **unused)
{
	for (int requeued = 0; requeued < 2; requeued++) {
		struct pickup_info info;
		struct vbuf why = VBUF_INIT;
		FILE *fp = make_file("T:1 2|S:a@x|R:b@x");

		fseek(fp, 0, SEEK_END);
		rec_put(fp, 0, "x", 1);
		rec_put(fp, REC_TYPE_MESG, "", 0);
		rec_put(fp, REC_TYPE_XTRA, "", 0);
		rec_put(fp, REC_TYPE_END, "", 0);
		fflush(fp);
		memset(&info, 0, sizeof(info));
		assert_int_equal(pickup_validate(fp, requeued, 4096, &info,
				     &why),
		    -1);
		assert_string_equal(vbuf_str(&why),
		    "unexpected record type 0 in envelope");
		pickup_info_free(&info);
		vbuf_free(&why);
		fclose(fp);
	}
}

static void
test_oversized(void **unused)
{
	struct pickup_info info;
	struct vbuf why = VBUF_INIT;
	char big[5000];
	FILE *fp = tmpfile();

	memset(big, 'x', sizeof(big));
	rec_put(fp, 'T', "1 2", 3);
	rec_put(fp, 'S', "a@x", 3);
	rec_put(fp, 'R', big, sizeof(big));
	fflush(fp);
	memset(&info, 0, sizeof(info));
	assert_int_equal(pickup_validate(fp, 0, 4096, &info, &why), -1);
	assert_string_equal(vbuf_str(&why), "malformed or oversized record");
	pickup_info_free(&info);
	vbuf_free(&why);
	fclose(fp);
}

static void
test_send(void **unused)
{
	struct pickup_info info;
	struct enqueue eq;
	struct vbuf why = VBUF_INIT;
	struct vbuf got = VBUF_INIT;
	char buf[4096];
	ssize_t n;
	int sv[2];
	FILE *fp = make_file("C:xx|T:1 "
			     "2|A:create_time=9|A:rewrite_context=local|S:a@x|"
			     "R:b@x|M:|N:hi|X:|E:");

	memset(&info, 0, sizeof(info));
	assert_int_equal(pickup_validate(fp, 1, 4096, &info, &why), 0);
	assert_string_equal(info.sender, "a@x");
	assert_int_equal(info.rcpt_count, 1);
	info.uid = 1234;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	enqueue_fdopen(&eq, sv[0], 5);
	assert_int_equal(pickup_send(fp, &eq, &info, 4096, &why), 0);
	enqueue_close(&eq);
	while ((n = read(sv[1], buf, sizeof(buf))) > 0)
		vbuf_append(&got, buf, n);
	close(sv[1]);
	/* C and create_time dropped, submit_uid first, the rest verbatim. */
	assert_int_equal(got.len,
	    2 + 15 + 2 + 3 + 2 + 21 + 2 + 3 + 2 + 3 + 2 + 2 + 2 + 2 + 2);
	assert_memory_equal(got.data,
	    "A\x0fsubmit_uid=1234T\x03"
	    "1 2A\x15rewrite_context=local"
	    "S\x03"
	    "a@xR\x03"
	    "b@xM\x00N\x02hiX\x00"
	    "E\x00",
	    got.len);
	pickup_info_free(&info);
	vbuf_free(&why);
	vbuf_free(&got);
	fclose(fp);
}

/* sent - what pickup_send() passes on for fp */
static void
sent(FILE *fp, struct pickup_info *info, struct vbuf *got)
{
	struct vbuf why = VBUF_INIT;
	struct enqueue eq;
	char buf[4096];
	ssize_t n;
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	enqueue_fdopen(&eq, sv[0], 5);
	assert_int_equal(pickup_send(fp, &eq, info, 4096, &why), 0);
	enqueue_close(&eq);
	while ((n = read(sv[1], buf, sizeof(buf))) > 0)
		vbuf_append(got, buf, n);
	close(sv[1]);
	vbuf_free(&why);
}

/* A user's file: internal attributes never reach cleanup; a requeued
 * file (postsuper -r, owned by mail_owner) keeps them. */
static void
test_send_untrusted(void **unused)
{
	struct pickup_info info;
	struct vbuf got = VBUF_INIT;
	FILE *fp = make_file("T:1 2|A:submit_uid=0|A:trace_header=Received: "
			     "from trusted.example.com|A:log_origin=x[1.2.3.4]|"
			     "A: encoding = 8bit |S:a@x|R:b@x|M:|N:hi|X:|E:");

	memset(&info, 0, sizeof(info));
	info.uid = 1002;
	sent(fp, &info, &got);
	assert_int_equal(got.len,
	    2 + 15 + 2 + 3 + 2 + 13 + 2 + 3 + 2 + 3 + 2 + 2 + 2 + 2 + 2);
	assert_memory_equal(got.data,
	    "A\x0fsubmit_uid=1002T\x03"
	    "1 2A\x0d"
	    "encoding=8bitS\x03"
	    "a@xR\x03"
	    "b@xM\x00N\x02hiX\x00"
	    "E\x00",
	    got.len);
	vbuf_reset(&got);
	info.requeued = 1;
	sent(fp, &info, &got);
	assert_non_null(memmem(got.data, got.len, "A\x0csubmit_uid=0", 14));
	assert_non_null(memmem(got.data, got.len, "log_origin=x[1.2.3.4]", 21));
	vbuf_free(&got);
	fclose(fp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_validate),
	    cmocka_unit_test(test_type_zero),
	    cmocka_unit_test(test_oversized),
	    cmocka_unit_test(test_send),
	    cmocka_unit_test(test_send_untrusted),
	};

	msg_init("test_pickup_validate", MSG_NOLOG);
	return (cmocka_run_group_tests(tests, 0, 0));
}
