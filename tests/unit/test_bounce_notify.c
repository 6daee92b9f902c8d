/*
 * test_bounce_notify - the notice composer: wrapping, boundary, DSN NOTIFY
 * filter, and whole notices built from a queue file.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mem.h"
#include "qfile.h"
#include "vbuf.h"
#include "../../bounce/bounce.h"

/*
 * Wrapping.
 */
struct wrap_case {
	const char *name;
	const char *text;
	size_t width;
	size_t indent;
	const char *want;
};

static const struct wrap_case wrap_cases[] = {
    {"fits", "<a@b>: short reason", 79, 4, "<a@b>: short reason\n"},
    {"empty", "", 79, 4, "\n"},
    {"exactly the width", "aaaa bbbb", 9, 2, "aaaa bbbb\n"},
    {"one over", "aaaa bbbbb", 9, 2, "aaaa\n  bbbbb\n"},
    {"continuation indent counts", "aa bb cc dd ee", 8, 4,
	"aa bb cc\n    dd\n    ee\n"},
    {"long word kept whole", "x 0123456789abc y", 8, 2,
	"x\n  0123456789abc\n  y\n"},
    {"long first word", "0123456789abc y", 8, 2, "0123456789abc\n  y\n"},
    {"long word at the end", "x 0123456789abc", 8, 2, "x\n  0123456789abc\n"},
    {"spaces at the break dropped", "aaaa     bbbb", 6, 2, "aaaa\n  bbbb\n"},
    {"trailing spaces", "aaaa bbbb   ", 6, 2, "aaaa\n  bbbb\n"},
    {"indent not below width", "aa bb cc", 3, 9, "aa\n  bb\n  cc\n"},
};

static void
test_wrap_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(wrap_cases) / sizeof(wrap_cases[0]); i++) {
		const struct wrap_case *c = wrap_cases + i;
		struct vbuf out = VBUF_INIT;

		bounce_wrap(&out, c->text, c->width, c->indent);
		if (strcmp(vbuf_str(&out), c->want) != 0)
			fail_msg("%s: got [%s] want [%s]", c->name,
			    vbuf_str(&out), c->want);
		vbuf_free(&out);
	}
}

/* A real reason at 79/4: every line fits, words survive in order. */
static void
test_wrap_postfix_width(void **state)
{
	const char *text =
	    "<reject@example.net>: host 127.0.0.1[127.0.0.1] said:"
	    " 550 5.1.1 <reject@example.net>: Recipient address rejected: User"
	    " unknown in virtual mailbox table (in reply to RCPT TO command)";
	struct vbuf out = VBUF_INIT;
	struct vbuf joined = VBUF_INIT;
	char *copy, *line, *save;
	int n = 0;

	(void)state;
	bounce_wrap(&out, text, 79, 4);
	copy = mem_strdup(out.data);
	for (line = strtok_r(copy, "\n", &save); line;
	     line = strtok_r(0, "\n", &save), n++) {
		assert_true(strlen(line) <= 79);
		if (n > 0) {
			assert_memory_equal(line, "    ", 4);
			assert_true(line[4] != ' ');
			vbuf_putc(&joined, ' ');
			vbuf_puts(&joined, line + 4);
		} else {
			vbuf_puts(&joined, line);
		}
	}
	assert_int_equal(n, 3);
	assert_string_equal(joined.data, text);
	assert_string_equal(out.data,
	    "<reject@example.net>: host 127.0.0.1[127.0.0.1] said: 550 5.1.1\n"
	    "    <reject@example.net>: Recipient address rejected: User "
	    "unknown in virtual\n"
	    "    mailbox table (in reply to RCPT TO command)\n");
	mem_free(copy);
	vbuf_free(&out);
	vbuf_free(&joined);
}

/* Hostile: a 20000-byte word, and 20000 spaces. */
static void
test_wrap_hostile(void **state)
{
	char *big = mem_alloc(20001);
	struct vbuf out = VBUF_INIT;

	(void)state;
	memset(big, 'x', 20000);
	big[20000] = 0;
	bounce_wrap(&out, big, 79, 4);
	assert_int_equal(out.len, 20001);
	vbuf_reset(&out);
	memset(big, ' ', 20000);
	big[0] = 'a';
	bounce_wrap(&out, big, 79, 4);
	assert_string_equal(out.data, "a\n");
	mem_free(big);
	vbuf_free(&out);
}

static void
test_boundary(void **state)
{
	struct vbuf out = VBUF_INIT;

	(void)state;
	bounce_boundary(&out, "DF210A7606E", 1795459438L, "mail.example.com");
	assert_string_equal(out.data,
	    "DF210A7606E.1795459438/mail.example.com");
	vbuf_free(&out);
}

/*
 * DSN NOTIFY.
 */
struct notify_case {
	const char *name;
	int flags;
	int failure;
	int delay;
};

static const struct notify_case notify_cases[] = {
    {"not given", 0, 1, 1},
    {"NEVER", BOUNCE_NOTIFY_NEVER, 0, 0},
    {"SUCCESS only", BOUNCE_NOTIFY_SUCCESS, 0, 0},
    {"FAILURE", BOUNCE_NOTIFY_FAILURE, 1, 0},
    {"DELAY", BOUNCE_NOTIFY_DELAY, 0, 1},
    {"FAILURE,DELAY", BOUNCE_NOTIFY_FAILURE | BOUNCE_NOTIFY_DELAY, 1, 1},
};

static void
test_notify_table(void **state)
{
	size_t i;
	struct bounce_rcpt r;

	(void)state;
	memset(&r, 0, sizeof(r));
	for (i = 0; i < sizeof(notify_cases) / sizeof(notify_cases[0]); i++) {
		r.notify_flags = notify_cases[i].flags;
		if (bounce_rcpt_wanted(&r, BOUNCE_FAILURE) !=
			notify_cases[i].failure ||
		    bounce_rcpt_wanted(&r, BOUNCE_DELAY) !=
			notify_cases[i].delay)
			fail_msg("%s: wrong answer", notify_cases[i].name);
	}
}

/*
 * Whole notices.
 */

/* A queue file with the given content lines ('|'-separated, "L:" = L). */
static FILE *
make_queue_file(const char *content, int with_x, long *data_offset)
{
	FILE *fp = tmpfile();
	char *copy = mem_strdup(content);
	char *p, *save;

	assert_non_null(fp);
	rec_puts(fp, 'C', "placeholder");
	rec_puts(fp, 'T', "1795459438 0");
	rec_puts(fp, 'S', "eve@example.org");
	rec_puts(fp, 'R', "bob@example.net");
	rec_puts(fp, 'M', "");
	*data_offset = ftell(fp);
	for (p = strtok_r(copy, "|", &save); p; p = strtok_r(0, "|", &save)) {
		if (strncmp(p, "L:", 2) == 0)
			rec_puts(fp, 'L', p + 2);
		else
			rec_puts(fp, 'N', strcmp(p, "-") == 0 ? "" : p);
	}
	if (with_x) {
		rec_puts(fp, 'X', "");
		rec_puts(fp, 'E', "");
	}
	fflush(fp);
	mem_free(copy);
	return (fp);
}

/* The records as text: N ends a line, L continues it. */
static void
decode(const struct vbuf *rec, struct vbuf *text)
{
	size_t off = 0, doff, dlen;
	int type;
	long n;

	while (off < rec->len) {
		n = rec_parse(rec->data + off, rec->len - off, 0, &type, &doff,
		    &dlen);
		assert_true(n > 0);
		assert_true(type == 'N' || type == 'L');
		vbuf_append(text, rec->data + off + doff, dlen);
		if (type == 'N')
			vbuf_putc(text, '\n');
		off += n;
	}
}

static struct bounce_rcpt
rcpt(const char *addr, int notify, const char *diag)
{
	struct bounce_rcpt r;

	memset(&r, 0, sizeof(r));
	r.recipient = (char *)addr;
	r.original_recipient = (char *)"";
	r.dsn_orig_rcpt = (char *)"rfc822;bob@example.net";
	r.notify_flags = notify;
	r.status = (char *)"5.1.1";
	r.action = (char *)"failed";
	r.diag_type = (char *)(diag ? "smtp" : "");
	r.diag_text = (char *)(diag ? diag : "");
	r.mta_type = (char *)"dns";
	r.mta_mname = (char *)"mx.example.net";
	r.reason = (char *)"host mx.example.net[192.0.2.1] said: 550 5.1.1 no "
			   "such user (in reply to RCPT TO command)";
	return (r);
}

static void
info_init(struct bounce_info *info, int kind, long data_offset,
    const struct bounce_rcpt *r, size_t n)
{
	memset(info, 0, sizeof(*info));
	info->kind = kind;
	info->queue_id = "DF210A7606E";
	info->sender = "eve@example.org";
	info->myhostname = "mail.example.com";
	info->myorigin = "example.com";
	info->envid = "";
	info->arrival = 1795459438L;
	info->now = 1795459500L;
	info->will_retry_until = 1795459438L + 5 * 86400;
	info->warn_hours = 4;
	info->lifetime_days = 5;
	info->data_offset = data_offset;
	info->size_limit = 50000;
	info->rcpt = r;
	info->rcpt_count = n;
}

static const char *original =
    "Received: by x|Subject: hello|From: eve@example.org|-|body line 1|"
    "L:a long line in |two pieces|body end";

static void
test_compose_failure(void **state)
{
	struct bounce_rcpt r[2];
	struct bounce_info info;
	struct vbuf rec = VBUF_INIT, text = VBUF_INIT, why = VBUF_INIT;
	long doff;
	FILE *fp = make_queue_file(original, 1, &doff);
	const char *b = "--DF210A7606E.1795459500/mail.example.com";
	const char *t;

	(void)state;
	r[0] = rcpt("bob@example.net", 0, "550 5.1.1 no such user");
	r[1] = rcpt("never@example.net", BOUNCE_NOTIFY_NEVER, 0);
	info_init(&info, BOUNCE_FAILURE, doff, r, 2);
	assert_int_equal(bounce_compose(&info, fp, &rec, &why), 1);
	decode(&rec, &text);
	t = text.data;
	assert_non_null(strstr(t,
	    "Subject: Undelivered Mail Returned to Sender\n"
	    "To: eve@example.org\nAuto-Submitted: auto-replied\n"
	    "MIME-Version: 1.0\nContent-Type: multipart/report;"
	    " report-type=delivery-status;\n\tboundary=\""
	    "DF210A7606E.1795459500/mail.example.com\"\n\n"
	    "This is a MIME-encapsulated message.\n\n"));
	assert_memory_equal(t, "Date: ", 6);
	assert_non_null(strstr(t,
	    "\nFrom: Mail Delivery System <MAILER-DAEMON@example.com>\n"));
	assert_non_null(
	    strstr(t, "This is the mail system at host mail.example.com.\n"));
	assert_non_null(strstr(t,
	    "\n<bob@example.net>: host mx.example.net[192.0.2.1] said:"
	    " 550 5.1.1 no such user\n    (in reply to RCPT TO command)\n"));
	assert_null(strstr(t, "never@example.net"));
	assert_non_null(strstr(t,
	    "Content-Type: message/delivery-status\n\n"
	    "Reporting-MTA: dns; mail.example.com\n"
	    "X-Postfix-Queue-ID: DF210A7606E\n"
	    "X-Postfix-Sender: rfc822; eve@example.org\n"
	    "Arrival-Date: "));
	assert_non_null(strstr(t,
	    "\n\nFinal-Recipient: rfc822; bob@example.net\n"
	    "Original-Recipient: rfc822;bob@example.net\n"
	    "Action: failed\nStatus: 5.1.1\n"
	    "Remote-MTA: dns; mx.example.net\n"
	    "Diagnostic-Code: smtp; 550 5.1.1 no such user\n\n"));
	assert_null(strstr(t, "Will-Retry-Until"));
	assert_non_null(strstr(t,
	    "Content-Description: Undelivered Message\n"
	    "Content-Type: message/rfc822\n\n"
	    "Return-Path: <eve@example.org>\n"
	    "Received: by x\nSubject: hello\nFrom: eve@example.org\n\n"
	    "body line 1\na long line in two pieces\nbody end\n\n"));
	/* Three parts, then the closing boundary as the last line. */
	assert_non_null(
	    strstr(strstr(strstr(strstr(t, b) + 1, b) + 1, b) + 1, "--\n"));
	assert_true(strlen(t) > strlen(b) + 4);
	assert_memory_equal(t + strlen(t) - strlen(b) - 3, b, strlen(b));
	assert_string_equal(t + strlen(t) - 3, "--\n");
	fclose(fp);
	vbuf_free(&rec);
	vbuf_free(&text);
	vbuf_free(&why);
}

static void
test_compose_delay_headers_only(void **state)
{
	struct bounce_rcpt r[1];
	struct bounce_info info;
	struct vbuf rec = VBUF_INIT, text = VBUF_INIT, why = VBUF_INIT;
	long doff;
	FILE *fp = make_queue_file(original, 1, &doff);

	(void)state;
	r[0] = rcpt("bob@example.net", BOUNCE_NOTIFY_DELAY, 0);
	r[0].action = (char *)"delayed";
	r[0].status = (char *)"4.4.1";
	info_init(&info, BOUNCE_DELAY, doff, r, 1);
	assert_int_equal(bounce_compose(&info, fp, &rec, &why), 1);
	decode(&rec, &text);
	assert_non_null(
	    strstr(text.data, "Subject: Delayed Mail (still being retried)\n"));
	assert_non_null(strstr(text.data,
	    "Action: delayed\nStatus: 4.4.1\n"
	    "Remote-MTA: dns; mx.example.net\n"
	    "Diagnostic-Code: X-Postfix; host mx.example.net[192.0.2.1]"
	    " said: 550 5.1.1 no\n    such user (in reply to RCPT TO"
	    " command)\nWill-Retry-Until: "));
	assert_non_null(strstr(text.data, "4 hour(s)"));
	assert_non_null(strstr(text.data, "5 day(s)"));
	assert_non_null(strstr(text.data,
	    "Content-Description: Undelivered Message Headers\n"
	    "Content-Type: text/rfc822-headers\n\n"
	    "Return-Path: <eve@example.org>\nReceived: by x\n"
	    "Subject: hello\nFrom: eve@example.org\n\n--"));
	assert_null(strstr(text.data, "body line 1"));
	fclose(fp);
	vbuf_free(&rec);
	vbuf_free(&text);
	vbuf_free(&why);
}

static void
test_compose_size_limit(void **state)
{
	struct bounce_rcpt r[1];
	struct bounce_info info;
	struct vbuf rec = VBUF_INIT, text = VBUF_INIT, why = VBUF_INIT;
	long doff;
	FILE *fp = make_queue_file(original, 1, &doff);

	(void)state;
	r[0] = rcpt("bob@example.net", 0, 0);
	info_init(&info, BOUNCE_FAILURE, doff, r, 1);
	info.size_limit = 20; /* "Received: by x" + 2, then one more */
	assert_int_equal(bounce_compose(&info, fp, &rec, &why), 1);
	decode(&rec, &text);
	assert_non_null(strstr(text.data,
	    "Return-Path: <eve@example.org>\n"
	    "Received: by x\nSubject: hello\n\n--"));
	assert_null(strstr(text.data, "From: eve@example.org\n"));
	fclose(fp);
	vbuf_free(&rec);
	vbuf_free(&text);
	vbuf_free(&why);
}

static void
test_compose_nothing_to_send(void **state)
{
	struct bounce_rcpt r[2];
	struct bounce_info info;
	struct vbuf rec = VBUF_INIT, why = VBUF_INIT;
	long doff;
	FILE *fp = make_queue_file(original, 1, &doff);

	(void)state;
	r[0] = rcpt("a@example.net", BOUNCE_NOTIFY_NEVER, 0);
	r[1] = rcpt("b@example.net", BOUNCE_NOTIFY_DELAY, 0);
	info_init(&info, BOUNCE_FAILURE, doff, r, 2);
	assert_int_equal(bounce_compose(&info, fp, &rec, &why), 0);
	assert_int_equal(rec.len, 0);
	info_init(&info, BOUNCE_FAILURE, doff, r, 0);
	assert_int_equal(bounce_compose(&info, fp, &rec, &why), 0);
	assert_int_equal(rec.len, 0);
	fclose(fp);
	vbuf_free(&rec);
	vbuf_free(&why);
}

/* Postmaster copies: every recipient, headers only unless RET=FULL. */
static void
test_compose_postmaster(void **state)
{
	struct bounce_rcpt r[2];
	struct bounce_info info;
	struct vbuf rec = VBUF_INIT, text = VBUF_INIT, why = VBUF_INIT;
	long doff;
	FILE *fp = make_queue_file(original, 1, &doff);

	(void)state;
	r[0] = rcpt("a@example.net", BOUNCE_NOTIFY_NEVER, 0);
	r[1] = rcpt("b@example.net", 0, 0);
	info_init(&info, BOUNCE_FAILURE, doff, r, 2);
	info.postmaster = 1;
	info.to = "postmaster";
	assert_int_equal(bounce_compose(&info, fp, &rec, &why), 2);
	decode(&rec, &text);
	assert_non_null(strstr(text.data,
	    "Subject: Postmaster Copy: Undelivered Mail\n"
	    "To: postmaster\nAuto-Submitted: auto-generated\n"));
	assert_non_null(
	    strstr(text.data, "Final-Recipient: rfc822; a@example.net\n"));
	assert_non_null(
	    strstr(text.data, "Content-Type: text/rfc822-headers\n"));
	assert_null(strstr(text.data, "body line 1"));
	vbuf_reset(&rec);
	vbuf_reset(&text);
	info.ret = BOUNCE_RET_FULL;
	info.kind = BOUNCE_DELAY;
	assert_int_equal(bounce_compose(&info, fp, &rec, &why), 2);
	decode(&rec, &text);
	assert_non_null(
	    strstr(text.data, "Subject: Postmaster Warning: Delayed Mail\n"));
	assert_non_null(strstr(text.data, "Content-Type: message/rfc822\n"));
	assert_non_null(strstr(text.data, "body line 1"));
	fclose(fp);
	vbuf_free(&rec);
	vbuf_free(&text);
	vbuf_free(&why);
}

/* Damaged originals: no X record, or a foreign record in the content. */
static void
test_compose_damaged(void **state)
{
	struct bounce_rcpt r[1];
	struct bounce_info info;
	struct vbuf rec = VBUF_INIT, why = VBUF_INIT;
	long doff;
	FILE *fp;

	(void)state;
	r[0] = rcpt("bob@example.net", 0, 0);
	fp = make_queue_file(original, 0, &doff);
	info_init(&info, BOUNCE_FAILURE, doff, r, 1);
	assert_int_equal(bounce_compose(&info, fp, &rec, &why), -1);
	assert_string_equal(why.data, "malformed or truncated message content");
	assert_int_equal(rec.len, 0);
	fclose(fp);
	fp = make_queue_file(original, 1, &doff);
	info_init(&info, BOUNCE_FAILURE, doff - 2, r, 1); /* points at 'M' */
	assert_int_equal(bounce_compose(&info, fp, &rec, &why), -1);
	assert_string_equal(why.data,
	    "unexpected record in the message content");
	assert_int_equal(rec.len, 0);
	fclose(fp);
	vbuf_free(&rec);
	vbuf_free(&why);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_wrap_table),
	    cmocka_unit_test(test_wrap_postfix_width),
	    cmocka_unit_test(test_wrap_hostile),
	    cmocka_unit_test(test_boundary),
	    cmocka_unit_test(test_notify_table),
	    cmocka_unit_test(test_compose_failure),
	    cmocka_unit_test(test_compose_delay_headers_only),
	    cmocka_unit_test(test_compose_size_limit),
	    cmocka_unit_test(test_compose_nothing_to_send),
	    cmocka_unit_test(test_compose_postmaster),
	    cmocka_unit_test(test_compose_damaged),
	};

	return (cmocka_run_group_tests(tests, 0, 0));
}
