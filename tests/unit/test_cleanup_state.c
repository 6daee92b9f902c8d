/*
 * test_cleanup_state - the queue-file writer: the same envelope and content
 * that real Postfix got must give the same queue file byte for byte
 * (fixtures 1, 3, 4, with their queue IDs and times), and hostile or
 * broken input must end in a clear reject, never in a queue file.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <cmocka.h>

#include "mem.h"
#include "msg.h"
#include "qfile.h"
#include "vbuf.h"
#include "../../cleanup/cleanup.h"

/* Made by real Postfix (tests/fixtures/README.md); tests run from the
 * top of the source tree. */
#define FIXTURE_DIR "tests/fixtures"

static const struct cleanup_config cfg = {
    .myhostname = "relay.example.com",
    .myorigin = "example.com",
    .mail_name = "Postfix",
    .append_at_myorigin = 1,
    .long_queue_ids = 0,
    .message_size_limit = 10240000,
    .header_size_limit = 102400,
    .line_length_limit = 2048,
    .hopcount_limit = 50,
    .delay_warning_time = 0,
    .duplicate_filter_limit = 1000,
    .attr_count_limit = 100,
};

/*
 * Input: records built in memory, fed one by one.
 */
struct input {
	struct vbuf type;
	struct vbuf data[400];
	int n;
};

static void
in_add(struct input *in, int type, const void *data, size_t len)
{
	assert_true(in->n < 400);
	vbuf_putc(&in->type, type);
	vbuf_init(&in->data[in->n]);
	vbuf_append(&in->data[in->n], data, len);
	in->n++;
}

static void
in_str(struct input *in, int type, const char *s)
{
	in_add(in, type, s, strlen(s));
}

static void
in_free(struct input *in)
{
	int i;

	for (i = 0; i < in->n; i++)
		vbuf_free(&in->data[i]);
	vbuf_free(&in->type);
	in->n = 0;
}

/* run - feed the input, return the status and the file bytes */

static int
run(struct input *in, const char *qid, time_t now,
    const struct cleanup_config *c, struct vbuf *file, struct vbuf *why)
{
	FILE *fp = tmpfile();
	struct cleanup_state *st;
	char buf[4096];
	size_t n;
	int status = 0;
	int i;

	assert_non_null(fp);
	st = cleanup_state_create(fp, qid, now, c);
	for (i = 0; i < in->n && status == 0; i++)
		status =
		    cleanup_state_record(st, (unsigned char)in->type.data[i],
			vbuf_str(&in->data[i]), in->data[i].len);
	if (status == 0 && !cleanup_state_done(st))
		status = -1;
	if (status == 0)
		status = cleanup_state_finish(st);
	vbuf_set(why, cleanup_state_reason(st));
	cleanup_state_free(st);
	vbuf_reset(file);
	rewind(fp);
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		vbuf_append(file, buf, n);
	fclose(fp);
	return (status);
}

/* load - read a whole fixture file; 0 if absent */

static int
load(const char *name, struct vbuf *out)
{
	struct vbuf path = VBUF_INIT;
	char buf[4096];
	size_t n;
	FILE *fp;

	vbuf_printf(&path, "%s/%s", FIXTURE_DIR, name);
	fp = fopen(path.data, "r");
	vbuf_free(&path);
	if (fp == 0)
		return (0);
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		vbuf_append(out, buf, n);
	fclose(fp);
	return (1);
}

/* fixture_time - the T record of a fixture (second record) */

static void
fixture_time(const struct vbuf *file, struct vbuf *t)
{
	int type;
	size_t off;
	size_t len;
	long n;

	n = rec_parse(file->data, file->len, 0, &type, &off, &len);
	assert_true(n > 0);
	assert_true(
	    rec_parse(file->data + n, file->len - n, 0, &type, &off, &len) > 0);
	assert_int_equal(type, REC_TYPE_TIME);
	vbuf_reset(t);
	vbuf_append(t, file->data + n + off, len);
}

/* envelope - what pickup sends for a sendmail submission */

static void
envelope(struct input *in, const struct vbuf *t, const char *sender)
{
	in_str(in, REC_TYPE_ATTR, "submit_uid=0");
	in_add(in, REC_TYPE_TIME, t->data, t->len);
	in_str(in, REC_TYPE_ATTR, "rewrite_context=local");
	in_str(in, REC_TYPE_FULL, "root");
	in_str(in, REC_TYPE_FROM, sender);
}

/* same_bytes - compare with a fixture, report the first difference */

static void
same_bytes(const struct vbuf *got, const struct vbuf *want, const char *what)
{
	size_t i;

	for (i = 0; i < got->len && i < want->len; i++)
		if (got->data[i] != want->data[i])
			break;
	if (i < got->len || i < want->len)
		fail_msg("%s: first difference at byte %zu (got %zu bytes, "
			 "want %zu)",
		    what, i, got->len, want->len);
}

static void
test_fixture4(void **unused)
{
	struct input in = {0};
	struct vbuf want = VBUF_INIT, got = VBUF_INIT, why = VBUF_INIT,
		    t = VBUF_INIT;
	char line[991];

	if (!load("queuefile-4.4EE5EA75951", &want))
		fail_msg("fixture missing from " FIXTURE_DIR);
	fixture_time(&want, &t);
	envelope(&in, &t, "sender@example.org");
	in_str(&in, REC_TYPE_RCPT, "alice@example.net");
	in_str(&in, REC_TYPE_RCPT, "bob@example.net");
	in_str(&in, REC_TYPE_RCPT, "carol@flush.example.net");
	in_str(&in, REC_TYPE_MESG, "");
	in_str(&in, REC_TYPE_NORM, "Subject: several");
	in_str(&in, REC_TYPE_NORM,
	    "Content-Type: text/plain; charset=iso-8859-1");
	in_str(&in, REC_TYPE_NORM, "");
	in_str(&in, REC_TYPE_NORM, "caf\xe9");
	memset(line, 'x', 990);
	in_add(&in, REC_TYPE_NORM, line, 990);
	in_str(&in, REC_TYPE_XTRA, "");
	in_str(&in, REC_TYPE_END, "");
	assert_int_equal(run(&in, "4EE5EA75951", 1795460121, &cfg, &got, &why),
	    0);
	same_bytes(&got, &want, "fixture 4");
	in_free(&in);
	vbuf_free(&want), vbuf_free(&got), vbuf_free(&why), vbuf_free(&t);
}

static void
test_fixture3(void **unused)
{
	struct input in = {0};
	struct vbuf want = VBUF_INIT, got = VBUF_INIT, why = VBUF_INIT,
		    t = VBUF_INIT;

	if (!load("queuefile-3.45A9EA757A3", &want))
		fail_msg("fixture missing from " FIXTURE_DIR);
	fixture_time(&want, &t);
	envelope(&in, &t, "kdent@example.com");
	in_str(&in, REC_TYPE_MESG, "");
	in_str(&in, REC_TYPE_NORM, "From: Kyle Dent <kdent@example.com>");
	in_str(&in, REC_TYPE_NORM, "To: kdent@ora.com");
	in_str(&in, REC_TYPE_NORM, "Subject: queue tools");
	in_str(&in, REC_TYPE_NORM, "");
	in_str(&in, REC_TYPE_NORM, "Hello from the queue.");
	in_str(&in, REC_TYPE_NORM, ".dot line");
	in_str(&in, REC_TYPE_XTRA, "");
	in_str(&in, REC_TYPE_RCPT, "kdent@ora.com");
	in_str(&in, REC_TYPE_END, "");
	assert_int_equal(run(&in, "45A9EA757A3", 1795460121, &cfg, &got, &why),
	    0);
	same_bytes(&got, &want, "fixture 3");
	in_free(&in);
	vbuf_free(&want), vbuf_free(&got), vbuf_free(&why), vbuf_free(&t);
}

static void
test_fixture1(void **unused)
{
	struct input in = {0};
	struct vbuf want = VBUF_INIT, got = VBUF_INIT, why = VBUF_INIT,
		    t = VBUF_INIT;
	char line[80];
	int i;

	if (!load("queuefile-1.D5CA1A75992", &want))
		fail_msg("fixture missing from " FIXTURE_DIR);
	fixture_time(&want, &t);
	envelope(&in, &t, "");
	in_str(&in, REC_TYPE_RCPT, "dave@example.net");
	in_str(&in, REC_TYPE_MESG, "");
	in_str(&in, REC_TYPE_NORM, "Subject: big");
	in_str(&in, REC_TYPE_NORM, "");
	for (i = 1; i <= 200; i++) {
		snprintf(line, sizeof(line),
		    "line %04d of a longer message body padding padding", i);
		in_str(&in, REC_TYPE_NORM, line);
	}
	in_str(&in, REC_TYPE_XTRA, "");
	in_str(&in, REC_TYPE_END, "");
	assert_int_equal(run(&in, "D5CA1A75992", 1795460121, &cfg, &got, &why),
	    0);
	same_bytes(&got, &want, "fixture 1");
	in_free(&in);
	vbuf_free(&want), vbuf_free(&got), vbuf_free(&why), vbuf_free(&t);
}

/*
 * Behaviour checked through postcat-like record dumps.
 */

/* dump - "TYPE:data" per record, data with newlines kept */

static void
dump(const struct vbuf *file, struct vbuf *out)
{
	size_t pos = 0;
	size_t off;
	size_t len;
	long n;
	int type;

	vbuf_reset(out);
	while (pos < file->len &&
	    (n = rec_parse(file->data + pos, file->len - pos, 0, &type, &off,
		 &len)) > 0) {
		vbuf_printf(out, "%c:", type);
		vbuf_append(out, file->data + pos + off, len);
		vbuf_putc(out, '\n');
		pos += n;
	}
}

static void
basic(struct input *in, const char *sender)
{
	in_str(in, REC_TYPE_TIME, "1795460121 5");
	in_str(in, REC_TYPE_FROM, sender);
}

static void
test_rewrite_dedup(void **unused)
{
	struct input in = {0};
	struct vbuf got = VBUF_INIT, why = VBUF_INIT, d = VBUF_INIT;

	in_str(&in, REC_TYPE_ATTR, "submit_uid=1000");
	basic(&in, "alice");
	in_str(&in, REC_TYPE_RCPT, "bob");
	in_str(&in, REC_TYPE_RCPT, "bob"); /* duplicate */
	in_str(&in, REC_TYPE_ATTR, "notify_flags=6");
	in_str(&in, REC_TYPE_RCPT, "carol@x");
	in_str(&in, REC_TYPE_RCPT, ""); /* null recipient */
	in_str(&in, REC_TYPE_MESG, "");
	in_str(&in, REC_TYPE_NORM, " leading blank");
	in_str(&in, REC_TYPE_XTRA, "");
	in_str(&in, REC_TYPE_END, "");
	assert_int_equal(run(&in, "ABC12345", 1795460121, &cfg, &got, &why), 0);
	dump(&got, &d);
	assert_non_null(strstr(d.data,
	    "S:alice@example.com\n"
	    "A:dsn_orig_rcpt=rfc822;bob\nO:bob\nR:bob@example.com\n"
	    "A:notify_flags=6\nA:dsn_orig_rcpt=rfc822;carol@x\n"
	    "O:carol@x\nR:carol@x\n"
	    "A:dsn_orig_rcpt=rfc822;\nO:\n"
	    "R:MAILER-DAEMON@example.com\nM:\n"));
	/* The Received: header is not glued to a first line that starts blank.
	 */
	assert_non_null(strstr(d.data,
	    "From: alice@example.com\nN:\n"
	    "N: leading blank\nX:\nE:\n"));
	/* 3 recipients, qmgr flags carry NOTIFY (6 << 1). */
	assert_non_null(strstr(d.data, "              3              12"));
	in_free(&in);
	vbuf_free(&got), vbuf_free(&why), vbuf_free(&d);
}

static void
test_headers(void **unused)
{
	struct input in = {0};
	struct vbuf got = VBUF_INIT, why = VBUF_INIT, d = VBUF_INIT;
	char big[5000];

	basic(&in, "a@x");
	in_str(&in, REC_TYPE_ATTR,
	    "trace_header=Received: from client\n\tby relay id ${queue_id}; "
	    "now");
	in_str(&in, REC_TYPE_RCPT, "b@x");
	in_str(&in, REC_TYPE_MESG, "");
	in_str(&in, REC_TYPE_NORM, "Bcc: hidden@x,");
	in_str(&in, REC_TYPE_NORM, "\tmore@x");
	in_str(&in, REC_TYPE_NORM, "Return-Path: <x@y>");
	in_str(&in, REC_TYPE_NORM, "Resent-From: r@x");
	in_str(&in, REC_TYPE_NORM, "Message-ID: <given@x>");
	in_str(&in, REC_TYPE_NORM, "Content-Transfer-Encoding: 8bit");
	memset(big, 'h', sizeof(big));
	memcpy(big, "X-Long: ", 8);
	in_add(&in, REC_TYPE_CONT, big, 2048);
	in_add(&in, REC_TYPE_NORM, big + 2048, sizeof(big) - 2048);
	in_str(&in, REC_TYPE_NORM, "");
	in_add(&in, REC_TYPE_NORM, big, sizeof(big)); /* long body line */
	in_str(&in, REC_TYPE_XTRA, "");
	in_str(&in, REC_TYPE_END, "");
	assert_int_equal(run(&in, "ABC12345", 1795460121, &cfg, &got, &why), 0);
	dump(&got, &d);
	assert_non_null(strstr(d.data,
	    "M:\nN:Received: from client\n"
	    "N:\tby relay id ABC12345; now\nN:Resent-From: r@x\n"
	    "N:Message-ID: <given@x>\n"
	    "N:Content-Transfer-Encoding: 8bit\nL:X-Long: hhh"));
	assert_null(strstr(d.data, "Bcc"));
	assert_null(strstr(d.data, "more@x"));
	assert_null(strstr(d.data, "Return-Path"));
	/* Resent- seen: Resent-Message-Id and Resent-Date added, no From. */
	assert_non_null(strstr(d.data,
	    "N:Resent-Message-Id: <20261123185521.ABC12345@relay.example.com>\n"
	    "N:Resent-Date: Mon, 23 Nov 2026 18:55:21 +0000 (UTC)\nN:\n"));
	assert_null(strstr(d.data, "\nN:From:"));
	/* Encoding from the header lands in the extracted segment. */
	assert_non_null(strstr(d.data, "X:\nA:encoding=8bit\nE:\n"));
	in_free(&in);
	vbuf_free(&got), vbuf_free(&why), vbuf_free(&d);
}

struct reject_case {
	const char *name;
	const char *records; /* "T:data|T:data|..." */
	int status;
	const char *reason;
};

static const struct reject_case reject_cases[] = {
    {"no recipients", "T:1 1|S:a@x|M:|N:x|X:|E:", EX_DATAERR,
	"no recipients specified"},
    {"no sender", "T:1 1|R:b@x|M:|X:|E:", EX_DATAERR,
	"missing sender envelope record"},
    {"no time", "S:a@x|R:b@x|M:|X:|E:", EX_DATAERR,
	"missing time envelope record"},
    {"bad time", "T:yesterday|S:a@x|R:b@x|M:|X:|E:", EX_DATAERR,
	"bad time envelope record"},
    {"two senders", "T:1 1|S:a@x|S:b@x|R:b@x|M:|X:|E:", EX_DATAERR,
	"multiple envelope sender records"},
    {"malformed attribute", "T:1 1|A:novalue|S:a@x|R:b@x|M:|X:|E:", EX_DATAERR,
	"malformed attribute: missing '=' after attribute name: novalue"},
    {"bad context", "T:1 1|A:rewrite_context=mars|S:a@x|R:b@x|M:|X:|E:",
	EX_DATAERR, "bad rewriting context: mars"},
    {"unknown envelope type", "T:1 1|S:a@x|Z:what|R:b@x|M:|X:|E:", EX_DATAERR,
	"unexpected record type 90 in envelope"},
    {"bad content type", "T:1 1|S:a@x|R:b@x|M:|S:x|X:|E:", EX_DATAERR,
	"unexpected record type 83 in message content"},
    {"bad extracted type", "T:1 1|S:a@x|R:b@x|M:|X:|N:x|E:", EX_DATAERR,
	"unexpected record type 78 in extracted envelope"},
    {"after end", "T:1 1|S:a@x|R:b@x|M:|X:|E:|R:c@x", EX_DATAERR,
	"record after end of message"},
    {"LF in sender", "T:1 1|S:a@x\nTo: z|R:b@x|M:|X:|E:", EX_DATAERR,
	"CR, LF or NUL in record type 83"},
    {"too many hops",
	"T:1 1|S:a@x|R:b@x|M:|N:Received: 1|N:Received: 2|"
	"N:Received: 3|X:|E:",
	EX_DATAERR, "too many hops"},
#define L40 "N:0123456789012345678901234567890123456789|"
    {"too big",
	"T:1 1|S:a@x|R:b@x|M:|" L40 L40 L40 L40 L40 L40 L40 L40 L40 L40 "X:|E:",
	EX_DATAERR, "message file too big"},
    {"premature end", "T:1 1|S:a@x|R:b@x|M:|N:x", -1, ""},
};

static void
test_rejects(void **unused)
{
	struct cleanup_config small = cfg;
	size_t i;

	small.hopcount_limit = 3;
	small.message_size_limit = 600;
	for (i = 0; i < sizeof(reject_cases) / sizeof(reject_cases[0]); i++) {
		const struct reject_case *tc = reject_cases + i;
		struct input in = {0};
		struct vbuf got = VBUF_INIT, why = VBUF_INIT;
		char *copy = mem_strdup(tc->records);
		char *save = 0;
		char *rec;
		int status;

		for (rec = strtok_r(copy, "|", &save); rec;
		     rec = strtok_r(0, "|", &save))
			in_str(&in, rec[0], rec + 2);
		status = run(&in, "ABC12345", 1795460121, &small, &got, &why);
		if (status != tc->status ||
		    strcmp(vbuf_str(&why), tc->reason) != 0)
			fail_msg("%s: got %d [%s], want %d [%s]", tc->name,
			    status, vbuf_str(&why), tc->status, tc->reason);
		in_free(&in);
		mem_free(copy);
		vbuf_free(&got), vbuf_free(&why);
	}
}

/* Record type 0 is no record type (strchr() of a type list finds its
 * terminator): refused in the envelope and in the extracted envelope. */
static void
test_type_zero(void **unused)
{
	static const char *const where[] = {"envelope", "extracted envelope"};

	for (int i = 0; i < 2; i++) {
		struct input in = {0};
		struct vbuf got = VBUF_INIT, why = VBUF_INIT;
		char want[64];

		in_str(&in, REC_TYPE_TIME, "1 1");
		in_str(&in, REC_TYPE_FROM, "a@x");
		if (i == 0)
			in_add(&in, 0, "x", 1);
		in_str(&in, REC_TYPE_RCPT, "b@x");
		in_str(&in, REC_TYPE_MESG, "");
		in_str(&in, REC_TYPE_XTRA, "");
		if (i == 1)
			in_add(&in, 0, "x", 1);
		in_str(&in, REC_TYPE_END, "");
		assert_int_equal(run(&in, "ABC12345", 1795460121, &cfg, &got,
				     &why),
		    EX_DATAERR);
		snprintf(want, sizeof(want), "unexpected record type 0 in %s",
		    where[i]);
		assert_string_equal(vbuf_str(&why), want);
		in_free(&in);
		vbuf_free(&got), vbuf_free(&why);
	}
}

static void
test_header_limit(void **unused)
{
	struct cleanup_config small = cfg;
	struct input in = {0};
	struct vbuf got = VBUF_INIT, why = VBUF_INIT, d = VBUF_INIT;
	int i;

	small.header_size_limit = 100;
	basic(&in, "a@x");
	in_str(&in, REC_TYPE_RCPT, "b@x");
	in_str(&in, REC_TYPE_MESG, "");
	in_str(&in, REC_TYPE_NORM,
	    "Subject: 0123456789012345678901234567890123456789");
	for (i = 0; i < 100; i++)
		in_str(&in, REC_TYPE_NORM,
		    "\t0123456789012345678901234567890123456789");
	in_str(&in, REC_TYPE_NORM, "");
	in_str(&in, REC_TYPE_NORM, "body");
	in_str(&in, REC_TYPE_XTRA, "");
	in_str(&in, REC_TYPE_END, "");
	assert_int_equal(run(&in, "ABC12345", 1795460121, &small, &got, &why),
	    0);
	dump(&got, &d);
	/* The header keeps its first 100 bytes, the body is intact. */
	assert_non_null(strstr(d.data,
	    "N:Subject: 0123456789012345678901234567890123456789\n"
	    "N:\t0123456789012345678901234567890123456789\nN:\t0123456\nN:"
	    "Message-Id"));
	assert_non_null(strstr(d.data, "N:\nN:body\nX:\nE:\n"));
	in_free(&in);
	vbuf_free(&got), vbuf_free(&why), vbuf_free(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fixture4),
	    cmocka_unit_test(test_fixture3),
	    cmocka_unit_test(test_fixture1),
	    cmocka_unit_test(test_rewrite_dedup),
	    cmocka_unit_test(test_headers),
	    cmocka_unit_test(test_rejects),
	    cmocka_unit_test(test_type_zero),
	    cmocka_unit_test(test_header_limit),
	};

	setenv("TZ", "UTC", 1);
	tzset();
	msg_init("test_cleanup_state", MSG_NOLOG);
	return (cmocka_run_group_tests(tests, 0, 0));
}
