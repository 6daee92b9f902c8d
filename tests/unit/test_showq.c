/*
 * test_showq - the queue listing behind postqueue -p / -j / mailq.
 *
 * The four real Postfix queue files and defer logs from tests/fixtures
 * are put into a throw-away queue (main.cf in a temporary directory) and
 * the listing must equal Postfix's output byte for byte. readdir() order
 * cannot be chosen, so each fixture is checked twice: (1) exactly, by
 * reporting the files one by one (showq_read) in the fixture's order and
 * printing them with the real printer, and (2) through showq_walk(), by
 * comparing the heading and trailer exactly and the message blocks as a
 * multiset, plus the order that does not depend on readdir (queue order:
 * maildrop first, hold last). Synthetic queue files cover markers, reason
 * grouping, quoting, the duplicate filter, and damaged files.
 *
 * The showq protocol (showq_proto): the encoder against bytes that
 * Postfix 3.7.11's showq sent, decode(encode(x)) == x for input cut at
 * every byte, the whole fixture queue through the protocol printing what
 * the direct read prints, and damaged streams refused.
 *
 * Every test runs three times: with the batched reader (io_uring, where
 * the kernel offers it), with SLUICE_IO_URING=0, and in a child whose
 * seccomp filter refuses io_uring_setup() with EPERM, as container
 * runtimes do: the reader must notice and read one file at a time.
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
#include <time.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "mem.h"
#include "msg.h"
#include "param.h"
#include "qdir.h"
#include "qfile.h"
#include "showq.h"
#include "showq_par.h"
#include "showq_proto.h"
#include "testdir.h"
#include "uring.h"
#include "vbuf.h"

/* Made by real Postfix (tests/fixtures/README.md); relative to the top of
 * the source tree, where the test starts (slurp() goes from oldcwd). */
#define FIX "tests/fixtures/"

static char tmpdir[] = "/tmp/test_showq.XXXXXX";
static char oldcwd[4096];

static const struct fixture {
	const char *id;
	const char *file;
	const char *log;
} fixtures[] = {
    {"D5CA1A75992", FIX "queuefile-1.D5CA1A75992",
	FIX "deferlog-1.D5CA1A75992"},
    {"C21D3A75972", FIX "queuefile-2.C21D3A75972",
	FIX "deferlog-2.C21D3A75972"},
    {"45A9EA757A3", FIX "queuefile-3.45A9EA757A3",
	FIX "deferlog-3.45A9EA757A3"},
    {"4EE5EA75951", FIX "queuefile-4.4EE5EA75951",
	FIX "deferlog-4.4EE5EA75951"},
};

/*
 * Helpers.
 */
/* slurp - a fixture's bytes; PATH is relative to where the test started */
static char *
slurp(const char *path, size_t *len)
{
	char buf[8192];

	snprintf(buf, sizeof(buf), "%s/%s", oldcwd, path);
	return (testdir_read(buf, len));
}

static void
put_file(const char *path, const char *data, size_t len, mode_t mode)
{
	int fd;

	assert_int_equal(qdir_mkdirs(path), 0);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static void
copy_file(const char *from, const char *to, mode_t mode)
{
	size_t len;
	char *data = slurp(from, &len);

	assert_non_null(data);
	put_file(to, data, len, mode);
	mem_free(data);
}

/* install - fixture i into queue (0700), with its defer log */
static void
install(int i, const char *queue)
{
	struct vbuf path = VBUF_INIT;

	copy_file(fixtures[i].file, qdir_path(&path, queue, fixtures[i].id),
	    0700);
	copy_file(fixtures[i].log, qdir_path(&path, "defer", fixtures[i].id),
	    0600);
	vbuf_free(&path);
}

static void
clear_queue(void)
{
	assert_int_equal(
	    system("rm -rf maildrop incoming active deferred hold defer"), 0);
	assert_int_equal(
	    system("mkdir maildrop incoming active deferred hold defer"), 0);
}

/* listing of queue/id pairs in the given order, via showq_read */
static char *
list_each(int flags, const char *const *queues, const char *const *ids)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);
	struct showq_out *out = showq_out_create(fp, flags);

	for (int i = 0; ids[i]; i++)
		assert_int_equal(showq_read(queues[i], ids[i], showq_out_msg,
				     out),
		    0);
	assert_int_equal(showq_out_end(out), 0);
	showq_out_free(out);
	fclose(fp);
	return buf;
}

/* listing of the whole queue via showq_walk */
static char *
list_walk(int flags)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);
	struct showq_out *out = showq_out_create(fp, flags);
	struct vbuf why = VBUF_INIT;

	assert_int_equal(showq_walk(NULL, showq_out_msg, out, &why), 0);
	assert_int_equal(showq_out_end(out), 0);
	showq_out_free(out);
	fclose(fp);
	vbuf_free(&why);
	return buf;
}

static void
assert_fixture(const char *got, const char *fixture)
{
	char *want = slurp(fixture, NULL);

	assert_non_null(want);
	if (strcmp(got, want) != 0)
		fprintf(stderr, "--- want %s\n%s--- got\n%s---\n", fixture,
		    want, got);
	assert_string_equal(got, want);
	mem_free(want);
}

/*
 * Split a -p listing into heading, message blocks and trailer. Blocks are
 * separated by an empty line; the first starts after the heading line.
 */
struct blocks {
	char *heading;
	char *items[64];
	int count;
	char *trailer;
};

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
split_blocks(const char *text, struct blocks *b, int json)
{
	char *copy = mem_strdup(text);
	char *cp = copy;
	char *end;

	memset(b, 0, sizeof(*b));
	if (json) {
		while (*cp && (end = strchr(cp, '\n')) != NULL) {
			assert_true(b->count < 64);
			b->items[b->count++] =
			    mem_strndup(cp, (size_t)(end - cp + 1));
			cp = end + 1;
		}
		assert_string_equal(cp, "");
	} else {
		end = strchr(cp, '\n');
		assert_non_null(end);
		b->heading = mem_strndup(cp, (size_t)(end - cp + 1));
		cp = end + 1;
		for (;;) {
			end = strstr(cp, "\n\n");
			assert_non_null(end);
			assert_true(b->count < 64);
			b->items[b->count++] =
			    mem_strndup(cp, (size_t)(end - cp + 1));
			cp = end + 2;
			if (strncmp(cp, "-- ", 3) == 0)
				break;
		}
		b->trailer = mem_strdup(cp);
	}
	mem_free(copy);
}

static void
free_blocks(struct blocks *b)
{
	mem_free(b->heading);
	mem_free(b->trailer);
	for (int i = 0; i < b->count; i++)
		mem_free(b->items[i]);
}

/*
 * The walk must give the fixture's blocks (any order among messages of the
 * same queue); last_id, if set, must be the last block, first_id the first.
 */
static void
assert_walk(int json, const char *fixture, const char *first_id,
    const char *last_id)
{
	char *got = list_walk(json ? SHOWQ_OUT_JSON : SHOWQ_OUT_COMPAT);
	char *want = slurp(fixture, NULL);
	struct blocks g, w;

	assert_non_null(want);
	split_blocks(got, &g, json);
	split_blocks(want, &w, json);
	if (!json) {
		assert_string_equal(g.heading, w.heading);
		assert_string_equal(g.trailer, w.trailer);
	}
	assert_int_equal(g.count, w.count);
	if (first_id)
		assert_non_null(strstr(g.items[0], first_id));
	if (last_id)
		assert_non_null(strstr(g.items[g.count - 1], last_id));
	qsort(g.items, (size_t)g.count, sizeof(char *), cmp_str);
	qsort(w.items, (size_t)w.count, sizeof(char *), cmp_str);
	for (int i = 0; i < g.count; i++)
		assert_string_equal(g.items[i], w.items[i]);
	free_blocks(&g);
	free_blocks(&w);
	mem_free(got);
	mem_free(want);
}

/*
 * Fixture cases.
 */
static const char *const ids4[] = {
    "D5CA1A75992",
    "C21D3A75972",
    "45A9EA757A3",
    "4EE5EA75951",
    NULL,
};
static const char *const deferred4[] = {
    "deferred",
    "deferred",
    "deferred",
    "deferred",
    NULL,
};

static void
install_all(const char *d5ca_queue, const char *c21d_queue)
{
	clear_queue();
	install(0, d5ca_queue);
	install(1, c21d_queue);
	install(2, "deferred");
	install(3, "deferred");
}

static void
test_fixture_p(void **state)
{
	char *got;

	install_all("deferred", "deferred");
	got = list_each(SHOWQ_OUT_COMPAT, deferred4, ids4);
	assert_fixture(got, FIX "postqueue-p.txt");
	mem_free(got);
	assert_walk(0, FIX "postqueue-p.txt", NULL, NULL);
}

static void
test_fixture_j(void **state)
{
	char *got;

	install_all("deferred", "deferred");
	got = list_each(SHOWQ_OUT_JSON, deferred4, ids4);
	assert_fixture(got, FIX "postqueue-j.txt");
	mem_free(got);
	assert_walk(1, FIX "postqueue-j.txt", NULL, NULL);
}

static void
test_fixture_hold(void **state)
{
	static const char *const ids[] = {
	    "C21D3A75972",
	    "45A9EA757A3",
	    "4EE5EA75951",
	    "D5CA1A75992",
	    NULL,
	};
	static const char *const queues[] = {
	    "deferred",
	    "deferred",
	    "deferred",
	    "hold",
	    NULL,
	};
	char *got;

	install_all("hold", "deferred");
	got = list_each(SHOWQ_OUT_COMPAT, queues, ids);
	assert_fixture(got, FIX "postqueue-p-hold.txt");
	mem_free(got);
	got = list_each(SHOWQ_OUT_JSON, queues, ids);
	assert_fixture(got, FIX "postqueue-j-hold.txt");
	mem_free(got);
	/* hold is listed after deferred, whatever readdir does */
	assert_walk(0, FIX "postqueue-p-hold.txt", NULL, "D5CA1A75992!");
	assert_walk(1, FIX "postqueue-j-hold.txt", NULL, "\"hold\"");
}

static void
test_fixture_requeue(void **state)
{
	static const char *const ids[] = {
	    "C21D3A75972",
	    "D5CA1A75992",
	    "45A9EA757A3",
	    "4EE5EA75951",
	    NULL,
	};
	static const char *const queues[] = {
	    "maildrop",
	    "deferred",
	    "deferred",
	    "deferred",
	    NULL,
	};
	char *got;

	/* postsuper -r: the file keeps its C record and mode 0700 */
	install_all("deferred", "maildrop");
	got = list_each(SHOWQ_OUT_COMPAT, queues, ids);
	assert_fixture(got, FIX "postqueue-p-after-requeue.txt");
	mem_free(got);
	/* maildrop is listed first */
	assert_walk(0, FIX "postqueue-p-after-requeue.txt", "C21D3A75972 ",
	    NULL);
}

static void
test_empty(void **state)
{
	char *got;

	clear_queue();
	got = list_walk(SHOWQ_OUT_COMPAT);
	assert_fixture(got, FIX "postqueue-p-empty.txt");
	mem_free(got);
	got = list_walk(SHOWQ_OUT_JSON);
	assert_string_equal(got, "");
	mem_free(got);
}

static void
test_missing_queue_dirs(void **state)
{
	char *got;

	assert_int_equal(
	    system("rm -rf maildrop incoming active deferred hold defer"), 0);
	got = list_walk(SHOWQ_OUT_COMPAT);
	assert_string_equal(got, "Mail queue is empty\n");
	mem_free(got);
	clear_queue();
}

/*
 * Synthetic queue files.
 */
struct rec {
	int type;
	const char *data;
};

/* build - write records; C gets the right sizes unless csize is given */
static void
build(const char *queue, const char *id, const struct rec *recs, mode_t mode,
    const char *csize)
{
	struct vbuf path = VBUF_INIT;
	struct vbuf buf = VBUF_INIT;
	long data_off = 0, x_off = 0, fields[6] = {0};
	char cdata[96];

	for (const struct rec *r = recs; r->type; r++) {
		if (r->type == 'C' && csize == NULL) {
			rec_size_format(cdata, fields); /* fixed below */
			rec_encode(&buf, 'C', cdata, REC_SIZE_LEN);
			continue;
		}
		if (r->type == 'X')
			x_off = (long)buf.len;
		rec_encode(&buf, r->type, r->type == 'C' ? csize : r->data,
		    strlen(r->type == 'C' ? csize : r->data));
		if (r->type == 'M')
			data_off = (long)buf.len;
	}
	if (csize == NULL && recs[0].type == 'C') {
		fields[0] = x_off - data_off;
		fields[1] = data_off;
		fields[2] = 1;
		fields[4] = fields[0];
		rec_size_format(cdata, fields);
		memcpy(buf.data + 2, cdata, REC_SIZE_LEN);
	}
	put_file(qdir_path(&path, queue, id), buf.data, buf.len, mode);
	vbuf_free(&buf);
	vbuf_free(&path);
}

static void
put_log(const char *id, const char *text)
{
	struct vbuf path = VBUF_INIT;

	put_file(qdir_path(&path, "defer", id), text, strlen(text), 0600);
	vbuf_free(&path);
}

static char *
list_one(int flags, const char *queue, const char *id)
{
	const char *queues[2] = {queue, NULL};
	const char *ids[2] = {id, NULL};

	return list_each(flags, queues, ids);
}

#define HEAD                                                                   \
	"-Queue ID-  --Size-- ----Arrival Time---- -Sender/Recipient-------\n"
#define RCPT "                                         "

static const struct rec simple[] = {
    {'C', ""},
    {'T', "1795460121 1"},
    {'S', "a@example.org"},
    {'R', "b@example.com"},
    {'M', ""},
    {'N', "Subject: x"},
    {'N', ""},
    {'N', "body"},
    {'X', ""},
    {'E', ""},
    {0, NULL},
};

static void
test_markers(void **state)
{
	static const struct {
		const char *name;
		const char *queue;
		mode_t mode;
		const char *line;
	} cases[] = {
	    {"deferred", "deferred", 0700,
		"B1000000001      20 Mon Nov 23 18:55:21  a@example.org\n"},
	    {"active", "active", 0700,
		"B1000000001*      20 Mon Nov 23 18:55:21  a@example.org\n"},
	    {"hold", "hold", 0700,
		"B1000000001!      20 Mon Nov 23 18:55:21  a@example.org\n"},
	    {"expired", "deferred", 0710,
		"B1000000001#      20 Mon Nov 23 18:55:21  a@example.org\n"},
	    {"active+expired", "active", 0710,
		"B1000000001*#      20 Mon Nov 23 18:55:21  a@example.org\n"},
	    {"incoming", "incoming", 0700,
		"B1000000001      20 Mon Nov 23 18:55:21  a@example.org\n"},
	    {"flush bit", "deferred", 0740,
		"B1000000001      20 Mon Nov 23 18:55:21  a@example.org\n"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vbuf want = VBUF_INIT;
		char *got;

		clear_queue();
		build(cases[i].queue, "B1000000001", simple, cases[i].mode,
		    NULL);
		got = list_one(SHOWQ_OUT_COMPAT, cases[i].queue, "B1000000001");
		vbuf_printf(&want,
		    HEAD "%s" RCPT
			 "b@example.com\n\n-- 0 Kbytes in 1 Request.\n",
		    cases[i].line);
		if (strcmp(got, want.data) != 0)
			fprintf(stderr, "case %s\n", cases[i].name);
		assert_string_equal(got, want.data);
		mem_free(got);
		got = list_one(SHOWQ_OUT_JSON, cases[i].queue, "B1000000001");
		assert_non_null(strstr(got,
		    (cases[i].mode & 010) ? "\"forced_expire\": true"
					  : "\"forced_expire\": false"));
		mem_free(got);
		vbuf_free(&want);
	}
}

static void
test_not_ready(void **state)
{
	static const struct {
		const char *name;
		const char *queue;
		mode_t mode;
		int listed;
	} cases[] = {
	    {"being written", "incoming", 0600, 0},
	    {"owner rw only", "deferred", 0640, 0},
	    {"owner rx", "deferred", 0500, 0},
	    {"complete", "deferred", 0700, 1},
	    {"maildrop being written", "maildrop", 0644, 0},
	    {"maildrop complete", "maildrop", 0744, 1},
	    {"maildrop requeued", "maildrop", 0700, 1},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got;

		clear_queue();
		build(cases[i].queue, "B1000000001", simple, cases[i].mode,
		    NULL);
		got = list_walk(SHOWQ_OUT_COMPAT);
		if ((strstr(got, "B1000000001") != NULL) != cases[i].listed)
			fprintf(stderr, "case %s: %s\n", cases[i].name, got);
		assert_int_equal(strstr(got, "B1000000001") != NULL,
		    cases[i].listed);
		mem_free(got);
	}
	/* a FIFO or a directory with a queue-ID name is skipped, never opened
	 */
	clear_queue();
	assert_int_equal(qdir_mkdirs("deferred/B/B1000000002"), 0);
	assert_int_equal(mkfifo("deferred/B/B1000000002", 0700), 0);
	assert_int_equal(mkdir("hold/B1000000003", 0700), 0);
	{
		char *got = list_walk(SHOWQ_OUT_COMPAT);
		assert_string_equal(got, "Mail queue is empty\n");
		mem_free(got);
	}
	/* a file in a hash directory the settings do not use is still listed */
	clear_queue();
	build("deferred", "B1000000004", simple, 0700, NULL);
	assert_int_equal(qdir_mkdirs("deferred/Z/x"), 0);
	assert_int_equal(rename("deferred/B/B1000000004",
			     "deferred/Z/B1000000004"),
	    0);
	{
		char *got = list_walk(SHOWQ_OUT_JSON);
		assert_non_null(strstr(got, "\"queue_id\": \"B1000000004\""));
		mem_free(got);
	}
}

static void
test_reasons(void **state)
{
	/* tempfail2 has no log entry: "(reason unavailable)"; a reason of 76+
	 * characters starts in column 0; shared reasons are grouped */
	static const struct rec recs[] = {
	    {'C', ""},
	    {'T', "1795460121 1"},
	    {'S', "two@example.org"},
	    {'R', "tempfail1@example.com"},
	    {'R', "tempfail2@example.com"},
	    {'R', "tempfail3@example.com"},
	    {'D', "done@example.com"},
	    {'R', "tempfail4@example.com"},
	    {'M', ""},
	    {'N', "x"},
	    {'X', ""},
	    {'E', ""},
	    {0, NULL},
	};
	const char *log =
	    "\n<tempfail1@example.com>: x\nrecipient=tempfail1@example.com\n"
	    "reason=host 127.0.0.1[127.0.0.1] said: 451 4.3.0 Try again later "
	    "(in reply to RCPT TO command)\n\n"
	    "\n<tempfail3@example.com>: x\nrecipient=tempfail3@example.com\n"
	    "reason=other reason: host 127.0.0.1[127.0.0.1] said: 451 4.3.0 "
	    "Try again later (in reply to RCPT TO command)\n\n"
	    "\n<tempfail4@example.com>: x\nrecipient=tempfail4@example.com\n"
	    "reason=other reason: host 127.0.0.1[127.0.0.1] said: 451 4.3.0 "
	    "Try again later (in reply to RCPT TO command)\n\n"
	    "\n<x@example.com>: x\nrecipient=x@example.com\nreason=short\n\n";
	const char *want = HEAD
	    "5E091A76123       3 Mon Nov 23 18:55:21  two@example.org\n"
	    "(host 127.0.0.1[127.0.0.1] said: 451 4.3.0 Try again later (in "
	    "reply to RCPT TO command))\n" RCPT "tempfail1@example.com\n"
	    "(other reason: host 127.0.0.1[127.0.0.1] said: 451 4.3.0 Try "
	    "again later (in reply to RCPT TO command))\n" RCPT
	    "tempfail3@example.com\n" RCPT "tempfail4@example.com\n"
	    "                                                                  "
	    "     (short)\n" RCPT "x@example.com\n"
	    "                                                          (reason "
	    "unavailable)\n" RCPT "tempfail2@example.com\n"
	    "\n-- 0 Kbytes in 1 Request.\n";
	char *got;

	clear_queue();
	build("deferred", "5E091A76123", recs, 0700, NULL);
	put_log("5E091A76123", log);
	got = list_one(SHOWQ_OUT_COMPAT, "deferred", "5E091A76123");
	assert_string_equal(got, want);
	mem_free(got);
	got = list_one(SHOWQ_OUT_JSON, "deferred", "5E091A76123");
	assert_non_null(strstr(got,
	    "{\"address\": \"x@example.com\", \"delay_reason\": \"short\"}, "
	    "{\"address\": \"tempfail2@example.com\"}]}\n"));
	assert_null(strstr(got, "done@example.com"));
	mem_free(got);
}

static void
test_addresses(void **state)
{
	static const struct rec recs[] = {
	    {'C', ""},
	    {'T', "1795460121 1"},
	    {'S', ""},
	    {'R', "a b@example.com"},
	    {'R', "tab\there@example.com"},
	    {'R', "\"q\"@example.com"},
	    {'R', "caf\xc3\xa9@example.com"},
	    {'R', "..x@example.com"},
	    {'R', "plain@example.com"},
	    {'M', ""},
	    {'N', "x"},
	    {'X', ""},
	    {'E', ""},
	    {0, NULL},
	};
	const char *want =
	    HEAD "B1000000001       3 Mon Nov 23 18:55:21  MAILER-DAEMON\n" RCPT
		 "\"a b\"@example.com\n" RCPT "\"tab?here\"@example.com\n" RCPT
		 "\"\\\"q\\\"\"@example.com\n" RCPT "caf??@example.com\n" RCPT
		 "\"..x\"@example.com\n" RCPT "plain@example.com\n"
		 "\n-- 0 Kbytes in 1 Request.\n";
	char *got;

	clear_queue();
	build("deferred", "B1000000001", recs, 0700, NULL);
	got = list_one(SHOWQ_OUT_COMPAT, "deferred", "B1000000001");
	assert_string_equal(got, want);
	mem_free(got);
	got = list_one(SHOWQ_OUT_JSON, "deferred", "B1000000001");
	assert_non_null(strstr(got, "\"sender\": \"MAILER-DAEMON\""));
	assert_non_null(strstr(got,
	    "{\"address\": \"\\\"\\\\\\\"q\\\\\\\"\\\"@example.com\"}"));
	mem_free(got);
}

static void
test_log_duplicates(void **state)
{
	/* a quoted address in the log matches the unquoted R record */
	static const struct rec recs[] = {
	    {'C', ""},
	    {'T', "1795460121 1"},
	    {'S', "s@example.org"},
	    {'R', "a b@example.com"},
	    {'R', "c@example.com"},
	    {'R', "c@example.com"},
	    {'M', ""},
	    {'N', ""},
	    {'X', ""},
	    {'E', ""},
	    {0, NULL},
	};
	const char *log = "\nrecipient=\"a b\"@example.com\nreason=r1\n\n";
	char *got;

	clear_queue();
	build("deferred", "B1000000001", recs, 0700, NULL);
	put_log("B1000000001", log);
	got = list_one(SHOWQ_OUT_JSON, "deferred", "B1000000001");
	/* duplicates among R records themselves are all listed (Postfix) */
	assert_non_null(strstr(got,
	    "\"recipients\": [{\"address\": \"\\\"a b\\\"@example.com\", "
	    "\"delay_reason\": \"r1\"}, {\"address\": \"c@example.com\"}, "
	    "{\"address\": \"c@example.com\"}]}\n"));
	mem_free(got);
}

static void
test_seek_and_fallback(void **state)
{
	/* queuefile-3 has its recipient in the extracted segment after the
	 * content: found by seeking, and by reading through when the C
	 * record's offsets are wrong */
	struct vbuf path = VBUF_INIT;
	size_t len;
	char *data = slurp(fixtures[2].file, &len);
	char *got;
	long fields[6];
	char cdata[96];

	assert_non_null(data);
	assert_int_equal(rec_size_parse(data + 2, REC_SIZE_LEN, fields), 6);
	fields[1] += 7; /* bogus data offset */
	rec_size_format(cdata, fields);
	memcpy(data + 2, cdata, REC_SIZE_LEN);
	clear_queue();
	put_file(qdir_path(&path, "deferred", fixtures[2].id), data, len, 0700);
	got = list_one(SHOWQ_OUT_JSON, "deferred", fixtures[2].id);
	assert_non_null(strstr(got, "\"message_size\": 332, "));
	assert_non_null(strstr(got, "[{\"address\": \"kdent@ora.com\"}]"));
	mem_free(got);

	/* a C record that is not numeric: the file size is shown */
	memcpy(data + 2, "garbage", 7);
	put_file(path.data, data, len, 0700);
	got = list_one(SHOWQ_OUT_JSON, "deferred", fixtures[2].id);
	assert_non_null(strstr(got, "\"message_size\": 592, "));
	assert_non_null(strstr(got, "[{\"address\": \"kdent@ora.com\"}]"));
	mem_free(got);
	mem_free(data);
	vbuf_free(&path);
}

static void
test_maildrop_size(void **state)
{
	/* postdrop files have no C record: the file size is shown; the arrival
	 * time comes from T */
	static const struct rec recs[] = {
	    {'T', "1795460121 1"},
	    {'A', "rewrite_context=local"},
	    {'S', "u"},
	    {'R', "r@example.com"},
	    {'M', ""},
	    {'N', "hello"},
	    {'X', ""},
	    {'R', "extracted@example.com"},
	    {'E', ""},
	    {0, NULL},
	};
	struct vbuf path = VBUF_INIT;
	struct stat st;
	char *got;
	char want[64];

	clear_queue();
	build("maildrop", "B1000000001", recs, 0744, NULL);
	assert_int_equal(stat(qdir_path(&path, "maildrop", "B1000000001"), &st),
	    0);
	got = list_one(SHOWQ_OUT_JSON, "maildrop", "B1000000001");
	snprintf(want, sizeof(want), "\"message_size\": %ld, ",
	    (long)st.st_size);
	assert_non_null(strstr(got, want));
	assert_non_null(strstr(got, "\"arrival_time\": 1795460121, "));
	assert_non_null(strstr(got,
	    "[{\"address\": \"r@example.com\"}, "
	    "{\"address\": \"extracted@example.com\"}]"));
	mem_free(got);
	vbuf_free(&path);
}

static void
test_damaged(void **state)
{
	static const struct {
		const char *name;
		struct rec recs[8];
		int listed;
		const char *rcpts;
	} cases[] = {
	    {"no sender",
		{{'T', "1"}, {'R', "r@x"}, {'M', ""}, {'X', ""}, {'E', ""}}, 0,
		NULL},
	    {"second sender stops",
		{{'T', "1"}, {'S', "a@x"}, {'R', "r1@x"}, {'S', "b@x"},
		    {'R', "r2@x"}, {'E', ""}},
		1, "[{\"address\": \"r1@x\"}]"},
	    {"no end", {{'T', "1"}, {'S', "a@x"}, {'R', "r1@x"}}, 1,
		"[{\"address\": \"r1@x\"}]"},
	    {"no time", {{'S', "a@x"}, {'R', "r1@x"}, {'E', ""}}, 1,
		"[{\"address\": \"r1@x\"}]"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got;

		clear_queue();
		build("deferred", "B1000000001", cases[i].recs, 0700, NULL);
		got = list_one(SHOWQ_OUT_JSON, "deferred", "B1000000001");
		if ((*got != 0) != cases[i].listed ||
		    (cases[i].rcpts && !strstr(got, cases[i].rcpts)))
			fprintf(stderr, "case %s: %s\n", cases[i].name, got);
		assert_int_equal(*got != 0, cases[i].listed);
		if (cases[i].rcpts)
			assert_non_null(strstr(got, cases[i].rcpts));
		mem_free(got);
	}

	/* a truncated record and an absurd record length */
	{
		static const char trunc[] = "T\0011S\003a@xR\020short";
		static const char huge[] = "T\0011S\003a@xR\377\377\377\177abc";
		struct vbuf path = VBUF_INIT;
		char *got;

		clear_queue();
		put_file(qdir_path(&path, "deferred", "B1000000001"), trunc,
		    sizeof(trunc) - 1, 0700);
		got = list_one(SHOWQ_OUT_JSON, "deferred", "B1000000001");
		assert_non_null(
		    strstr(got, "\"sender\": \"a@x\", \"recipients\": []"));
		mem_free(got);
		put_file(path.data, huge, sizeof(huge) - 1, 0700);
		got = list_one(SHOWQ_OUT_JSON, "deferred", "B1000000001");
		assert_non_null(
		    strstr(got, "\"sender\": \"a@x\", \"recipients\": []"));
		mem_free(got);
		vbuf_free(&path);
	}
}

static void
test_pointer_records(void **state)
{
	/* Postfix with milters: a 'p' record jumps to records after E and a
	 * second one jumps back; 'w' padding is skipped; a pointer loop ends
	 * the report instead of spinning */
	struct vbuf b = VBUF_INIT;
	struct vbuf path = VBUF_INIT;
	char num[32];
	size_t p1, back, heap;
	char *got;

	rec_encode(&b, 'T', "1795460121 1", 12);
	rec_encode(&b, 'S', "a@x", 3);
	p1 = b.len;
	rec_encode(&b, 'p', "              0", 15);
	back = b.len;
	rec_encode(&b, 'w', "pad", 3);
	rec_encode(&b, 'R', "inline@x", 8);
	rec_encode(&b, 'M', "", 0);
	rec_encode(&b, 'N', "x", 1);
	rec_encode(&b, 'X', "", 0);
	rec_encode(&b, 'E', "", 0);
	heap = b.len;
	rec_encode(&b, 'R', "heap@x", 6);
	snprintf(num, sizeof(num), "%15ld", (long)back);
	rec_encode(&b, 'p', num, 15);
	snprintf(num, sizeof(num), "%15ld", (long)heap);
	memcpy(b.data + p1 + 2, num, 15);

	clear_queue();
	put_file(qdir_path(&path, "deferred", "B1000000001"), b.data, b.len,
	    0700);
	got = list_one(SHOWQ_OUT_JSON, "deferred", "B1000000001");
	assert_non_null(strstr(got,
	    "\"recipients\": [{\"address\": \"heap@x\"}, {\"address\": "
	    "\"inline@x\"}]}"));
	mem_free(got);

	/* the first pointer now points at itself */
	snprintf(num, sizeof(num), "%15ld", (long)p1);
	memcpy(b.data + p1 + 2, num, 15);
	put_file(path.data, b.data, b.len, 0700);
	got = list_one(SHOWQ_OUT_JSON, "deferred", "B1000000001");
	assert_non_null(
	    strstr(got, "\"sender\": \"a@x\", \"recipients\": []}"));
	mem_free(got);

	/* a pointer past the end of the file, and a malformed one */
	snprintf(num, sizeof(num), "%15ld", (long)b.len + 100);
	memcpy(b.data + p1 + 2, num, 15);
	put_file(path.data, b.data, b.len, 0700);
	got = list_one(SHOWQ_OUT_JSON, "deferred", "B1000000001");
	assert_non_null(
	    strstr(got, "\"sender\": \"a@x\", \"recipients\": []}"));
	mem_free(got);
	memcpy(b.data + p1 + 2, "          12x45", 15);
	put_file(path.data, b.data, b.len, 0700);
	got = list_one(SHOWQ_OUT_JSON, "deferred", "B1000000001");
	assert_non_null(
	    strstr(got, "\"sender\": \"a@x\", \"recipients\": []}"));
	mem_free(got);
	vbuf_free(&b);
	vbuf_free(&path);
}

static void
test_arrival_mtime(void **state)
{
	static const struct rec recs[] = {
	    {'S', "a@x"},
	    {'R', "r@x"},
	    {'E', ""},
	    {0, NULL},
	};
	struct vbuf path = VBUF_INIT;
	struct timespec ts[2] = {{1700000000, 0}, {1700000000, 0}};
	char *got;

	clear_queue();
	build("deferred", "B1000000001", recs, 0700, NULL);
	assert_int_equal(utimensat(AT_FDCWD,
			     qdir_path(&path, "deferred", "B1000000001"), ts,
			     0),
	    0);
	got = list_one(SHOWQ_OUT_JSON, "deferred", "B1000000001");
	assert_non_null(strstr(got, "\"arrival_time\": 1700000000, "));
	mem_free(got);
	vbuf_free(&path);
}

static void
test_json_escape(void **state)
{
	struct showq_rcpt r[2] = {{"a\"b\\c@x",
				      "tab\tnl\ncr\rbs\bff\fctl\001del\177"},
	    {"d@x", NULL}};
	struct showq_msg m = {
	    .queue = "deferred",
	    .id = "B1",
	    .path = "deferred/B/B1",
	    .arrival = 5,
	    .size = 2048,
	    .forced_expire = 1,
	    .sender = "s@x",
	    .rcpt = r,
	    .rcpt_count = 2,
	};
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);
	struct showq_out *out = showq_out_create(fp, SHOWQ_OUT_JSON);

	showq_out_msg(&m, out);
	assert_int_equal(showq_out_end(out), 0);
	showq_out_free(out);
	fclose(fp);
	assert_string_equal(buf,
	    "{\"queue_name\": \"deferred\", \"queue_id\": \"B1\", "
	    "\"arrival_time\": 5, "
	    "\"message_size\": 2048, \"forced_expire\": true, \"sender\": "
	    "\"s@x\", \"recipients\": ["
	    "{\"address\": \"a\\\"b\\\\c@x\", \"delay_reason\": "
	    "\"tab\\tnl\\ncr\\rbs\\bff\\fctl\\u0001del\\u007F\"}, "
	    "{\"address\": \"d@x\"}]}\n");
	free(buf);
}

static void
test_totals_and_long_ids(void **state)
{
	struct showq_rcpt r[1] = {{"r@x", NULL}};
	struct showq_msg m = {
	    .queue = "active",
	    .id = "4jYFGl5Yc7z1bgLW",
	    .path = "",
	    .arrival = 1795459471,
	    .size = 1023,
	    .forced_expire = 0,
	    .sender = "s@x",
	    .rcpt = r,
	    .rcpt_count = 1,
	};
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);
	struct showq_out *out =
	    showq_out_create(fp, SHOWQ_OUT_COMPAT | SHOWQ_OUT_LONG_IDS);

	showq_out_msg(&m, out);
	m.queue = "deferred";
	m.size = 1;
	showq_out_msg(&m, out);
	assert_int_equal(showq_out_end(out), 0);
	showq_out_free(out);
	fclose(fp);
	assert_string_equal(buf,
	    "----Queue ID----- --Size-- ---Arrival Time---- "
	    "--Sender/Recipient------\n"
	    "4jYFGl5Yc7z1bgLW*     1023 Mon Nov 23 18:44:31 s@x\n"
	    "                                               r@x\n"
	    "\n"
	    "4jYFGl5Yc7z1bgLW         1 Mon Nov 23 18:44:31 s@x\n"
	    "                                               r@x\n"
	    "\n-- 1 Kbytes in 2 Requests.\n");
	free(buf);
}

static int
stop_at_two(const struct showq_msg *msg, void *ctx)
{
	int *n = ctx;

	(void)msg;
	return ++*n == 2 ? 42 : 0;
}

static void
test_callback_stops_walk(void **state)
{
	struct vbuf why = VBUF_INIT;
	int n = 0;

	clear_queue();
	install(0, "deferred");
	install(1, "deferred");
	install(2, "hold");
	assert_int_equal(showq_walk(NULL, stop_at_two, &n, &why), 42);
	assert_int_equal(n, 2);
	vbuf_free(&why);
}

/*
 * The showq protocol.
 */
#define NUL "\0"

/* The first message of a stream sent by Postfix 3.7.11's showq -S. */
static const char pf_stream[] =
    "protocol" NUL "mail_queue_list_protocol" NUL NUL "queue_name" NUL
    "deferred" NUL "queue_id" NUL "AC0FAA78140" NUL "time" NUL "1796513354" NUL
    "size" NUL "262" NUL "forced_expire" NUL "0" NUL "sender" NUL
    "me@example.org" NUL "recipient" NUL "you3@example.net" NUL "reason" NUL
    "connect to 127.0.0.1[127.0.0.1]:58865: Connection refused" NUL
    "recipient" NUL "x3@other.test" NUL "reason" NUL
    "connect to 127.0.0.1[127.0.0.1]:58865: Connection refused" NUL NUL NUL;

static const struct showq_rcpt pf_rcpt[] = {
    {"you3@example.net",
	"connect to 127.0.0.1[127.0.0.1]:58865: Connection refused"},
    {"x3@other.test",
	"connect to 127.0.0.1[127.0.0.1]:58865: Connection refused"},
};

static void
test_proto_postfix_bytes(void **state)
{
	struct showq_msg msg = {"deferred", "AC0FAA78140", 0, 1796513354, 262,
	    0, "me@example.org", pf_rcpt, 2, 0, 0};
	struct vbuf out = VBUF_INIT;

	showq_proto_hello(&out);
	showq_proto_msg(&out, &msg);
	showq_proto_end(&out);
	assert_int_equal(out.len, sizeof(pf_stream) - 1);
	assert_memory_equal(out.data, pf_stream, out.len);
	vbuf_free(&out);
}

/* A decoded message, flattened into text for comparisons. */
static int
flatten(const struct showq_msg *msg, void *ctx)
{
	struct vbuf *b = ctx;
	size_t i;

	assert_null(msg->path);
	vbuf_printf(b, "%s|%s|%ld|%ld|%d|%s", msg->queue, msg->id, msg->arrival,
	    msg->size, msg->forced_expire, msg->sender);
	for (i = 0; i < msg->rcpt_count; i++)
		vbuf_printf(b, "|%s=%s", msg->rcpt[i].address,
		    msg->rcpt[i].reason ? msg->rcpt[i].reason : "");
	vbuf_putc(b, '\n');
	return (0);
}

/* decode - the whole stream in pieces of step bytes; the status */
static int
decode(const char *buf, size_t len, size_t step, struct vbuf *got)
{
	struct showq_dec *d = showq_dec_create();
	size_t off = 0;
	size_t n;
	size_t used = 0;
	int status = SHOWQ_DEC_MORE;

	while (off < len && status == SHOWQ_DEC_MORE) {
		n = len - off < step ? len - off : step;
		status = showq_dec_feed(d, buf + off, n, flatten, got, &used);
		if (status == SHOWQ_DEC_MORE)
			assert_int_equal(used, n);
		off += status == SHOWQ_DEC_END ? used : n;
	}
	if (status == SHOWQ_DEC_END)
		assert_int_equal(off, len);
	if (status == SHOWQ_DEC_BAD)
		assert_true(*showq_dec_error(d) != 0);
	showq_dec_free(d);
	return (status);
}

static void
test_proto_round_trip(void **state)
{
	static const struct showq_rcpt r2[] = {{"a@b", "why"}, {"c@d", 0},
	    {"\"x y\"@e", ""}};
	const struct showq_msg msgs[] = {
	    {"maildrop", "ABC", 0, 0, 0, 0, "MAILER-DAEMON", 0, 0, 0, 0},
	    {"active", "D5CA1A75992", 0, 1795460121, 332, 1, "s@x", r2, 3, 0,
		0},
	    {"hold", "4jYFGl5Yc7z1bgLW", 0, -5, 9999999999L, 0, "", pf_rcpt, 2,
		0, 0},
	};
	struct vbuf enc = VBUF_INIT;
	struct vbuf want = VBUF_INIT;
	struct vbuf got = VBUF_INIT;
	size_t step;
	size_t i;

	showq_proto_hello(&enc);
	for (i = 0; i < 3; i++) {
		showq_proto_msg(&enc, &msgs[i]);
		flatten(&msgs[i], &want);
	}
	showq_proto_end(&enc);
	for (step = 1; step <= enc.len; step++) {
		vbuf_reset(&got);
		assert_int_equal(decode(enc.data, enc.len, step, &got),
		    SHOWQ_DEC_END);
		assert_string_equal(vbuf_str(&got), vbuf_str(&want));
	}
	/* an empty queue */
	vbuf_reset(&enc);
	vbuf_reset(&got);
	showq_proto_hello(&enc);
	showq_proto_end(&enc);
	assert_int_equal(decode(enc.data, enc.len, 1, &got), SHOWQ_DEC_END);
	assert_int_equal(got.len, 0);
	vbuf_free(&enc);
	vbuf_free(&want);
	vbuf_free(&got);
}

/* proto_print - showq_fn: encode into a stream */
static int
proto_print(const struct showq_msg *msg, void *ctx)
{
	showq_proto_msg(ctx, msg);
	return (0);
}

static void
test_proto_fixture_listing(void **state)
{
	struct vbuf enc = VBUF_INIT;
	struct vbuf why = VBUF_INIT;
	struct showq_dec *d;
	struct showq_out *out;
	char *direct;
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;
	int flags;

	clear_queue();
	for (int i = 0; i < 4; i++)
		install(i, i == 0 ? "hold" : "deferred");
	for (flags = 0; flags <= SHOWQ_OUT_JSON; flags += SHOWQ_OUT_JSON) {
		direct = list_walk(flags);
		vbuf_reset(&enc);
		showq_proto_hello(&enc);
		assert_int_equal(showq_walk(NULL, proto_print, &enc, &why), 0);
		showq_proto_end(&enc);
		fp = open_memstream(&buf, &len);
		out = showq_out_create(fp, flags);
		d = showq_dec_create();
		assert_int_equal(showq_dec_feed(d, enc.data, enc.len,
				     showq_out_msg, out, 0),
		    SHOWQ_DEC_END);
		assert_int_equal(showq_out_end(out), 0);
		showq_out_free(out);
		showq_dec_free(d);
		fclose(fp);
		assert_string_equal(buf, direct);
		free(buf);
		buf = NULL;
		free(direct);
	}
	vbuf_free(&enc);
	vbuf_free(&why);
}

#define MSG_HEAD                                                               \
	"queue_name" NUL "deferred" NUL "queue_id" NUL "A1" NUL "time" NUL     \
	"1" NUL "size" NUL "2" NUL "forced_expire" NUL "0" NUL "sender" NUL    \
	"s@x" NUL
#define HELLO "protocol" NUL "mail_queue_list_protocol" NUL NUL

static const char unprintable[] =
    HELLO "queue_name" NUL "d" NUL "queue_id" NUL "A" NUL "time" NUL "1" NUL
	  "size" NUL "2" NUL "forced_expire" NUL "1" NUL "sender" NUL
	  "a\nb\x80" NUL NUL NUL;

static void
test_proto_damaged(void **state)
{
	static const struct {
		const char *data;
		size_t len;
		int status;
	} cases[] = {
#define CASE(s, st) {s, sizeof(s) - 1, st}
	    CASE(HELLO NUL, SHOWQ_DEC_END),
	    CASE(HELLO MSG_HEAD NUL NUL, SHOWQ_DEC_END),
	    /* truncated: never the end */
	    CASE(HELLO MSG_HEAD NUL, SHOWQ_DEC_MORE),
	    CASE(HELLO MSG_HEAD "recip", SHOWQ_DEC_MORE),
	    CASE("protocol" NUL "mail_queue_list_protocol" NUL, SHOWQ_DEC_MORE),
	    /* not the protocol */
	    CASE("-Queue ID-  --Size--\n" NUL, SHOWQ_DEC_BAD),
	    CASE("protocol" NUL "flush_protocol" NUL NUL NUL, SHOWQ_DEC_BAD),
	    CASE("protocol" NUL "mail_queue_list_protocol" NUL "x" NUL,
		SHOWQ_DEC_BAD),
	    /* attributes out of order, unknown, missing */
	    CASE(HELLO "queue_id" NUL "A1" NUL, SHOWQ_DEC_BAD),
	    CASE(HELLO "queue_name" NUL "deferred" NUL NUL, SHOWQ_DEC_BAD),
	    CASE(HELLO MSG_HEAD "recipient" NUL "r@x" NUL NUL, SHOWQ_DEC_BAD),
	    CASE(HELLO MSG_HEAD "reason" NUL "r" NUL NUL, SHOWQ_DEC_BAD),
	    CASE(HELLO MSG_HEAD "extra" NUL "1" NUL NUL, SHOWQ_DEC_BAD),
	    /* numbers */
	    CASE(HELLO "queue_name" NUL "d" NUL "queue_id" NUL "A" NUL
		       "time" NUL "12x" NUL,
		SHOWQ_DEC_BAD),
	    CASE(HELLO "queue_name" NUL "d" NUL "queue_id" NUL "A" NUL
		       "time" NUL "" NUL,
		SHOWQ_DEC_BAD),
	    CASE(HELLO "queue_name" NUL "d" NUL "queue_id" NUL "A" NUL
		       "time" NUL "99999999999999999999" NUL,
		SHOWQ_DEC_BAD),
	    CASE(HELLO "queue_name" NUL "d" NUL "queue_id" NUL "A" NUL
		       "time" NUL "1" NUL "size" NUL "1" NUL "forced_expire" NUL
		       "4294967296" NUL,
		SHOWQ_DEC_BAD),
	    /* bytes after the end */
	    CASE(HELLO NUL "queue_name", SHOWQ_DEC_END),
	};
	struct vbuf got = VBUF_INIT;
	struct showq_dec *d;
	char *big;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		vbuf_reset(&got);
		d = showq_dec_create();
		assert_int_equal(showq_dec_feed(d, cases[i].data, cases[i].len,
				     flatten, &got, 0),
		    cases[i].status);
		if (cases[i].status == SHOWQ_DEC_BAD) {
			assert_int_equal(got.len, 0);
			/* it stays refused */
			assert_int_equal(showq_dec_feed(d, HELLO, 3, flatten,
					     &got, 0),
			    SHOWQ_DEC_BAD);
		}
		if (cases[i].status == SHOWQ_DEC_END)
			/* anything after the end is refused */
			assert_int_equal(showq_dec_feed(d, "x", 1, flatten,
					     &got, 0),
			    SHOWQ_DEC_BAD);
		showq_dec_free(d);
	}

	/* an endless name is refused at the limit, not buffered */
	big = mem_alloc(SHOWQ_PROTO_TOKEN_MAX + 2);
	memset(big, 'x', SHOWQ_PROTO_TOKEN_MAX + 2);
	d = showq_dec_create();
	assert_int_equal(showq_dec_feed(d, HELLO, sizeof(HELLO) - 1, flatten,
			     &got, 0),
	    SHOWQ_DEC_MORE);
	assert_int_equal(showq_dec_feed(d, big, SHOWQ_PROTO_TOKEN_MAX, flatten,
			     &got, 0),
	    SHOWQ_DEC_MORE);
	assert_int_equal(showq_dec_feed(d, big, 2, flatten, &got, 0),
	    SHOWQ_DEC_BAD);
	showq_dec_free(d);
	mem_free(big);

	/* values are made printable */
	vbuf_reset(&got);
	d = showq_dec_create();
	assert_int_equal(showq_dec_feed(d, unprintable, sizeof(unprintable) - 1,
			     flatten, &got, 0),
	    SHOWQ_DEC_END);
	assert_string_equal(vbuf_str(&got), "d|A|1|2|1|a?b?\n");
	showq_dec_free(d);
	vbuf_free(&got);
}

/*
 * Fixture: a queue in a temporary directory, configured through main.cf.
 */
static int
setup(void **state)
{
	char path[4200];
	FILE *fp;

	setenv("TZ", "UTC", 1);
	tzset();
	strcpy(tmpdir, "/tmp/test_showq.XXXXXX"); /* each run of the group */
	if (getcwd(oldcwd, sizeof(oldcwd)) == NULL || mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/main.cf", tmpdir);
	if ((fp = fopen(path, "w")) == NULL)
		return -1;
	fprintf(fp, "queue_directory = %s/queue\n", tmpdir);
	fclose(fp);
	snprintf(path, sizeof(path), "%s/queue", tmpdir);
	if (mkdir(path, 0700) < 0)
		return -1;
	msg_init("test_showq", MSG_STDERR);
	param_load(tmpdir);
	qdir_chdir();
	return 0;
}

static int
teardown(void **state)
{
	char cmd[256];

	if (chdir(oldcwd) < 0)
		return -1;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

#if defined(__x86_64__)
#define TEST_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define TEST_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif

/* refuse_io_uring - a seccomp filter: io_uring_setup() fails with EPERM */

static int
refuse_io_uring(void)
{
#ifdef TEST_AUDIT_ARCH
	struct sock_filter f[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		offsetof(struct seccomp_data, arch)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TEST_AUDIT_ARCH, 1, 0),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		offsetof(struct seccomp_data, nr)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {sizeof(f) / sizeof(f[0]), f};

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
		return (-1);
	return (0);
#else
	return (-1);
#endif
}

/* run_refused - the tests in a child that may not have a ring */

static int
run_refused(const struct CMUnitTest *tests, size_t n)
{
	int status;
	pid_t pid;

	fflush(stdout);
	if ((pid = fork()) < 0)
		return (1);
	if (pid == 0) {
		unsetenv("SLUICE_IO_URING");
		if (refuse_io_uring() < 0) {
			printf("no seccomp filter here: refused-ring run "
			       "skipped\n");
			_exit(0);
		}
		if (uring_ok()) {
			printf("io_uring still usable under the filter\n");
			_exit(1);
		}
		_exit(_cmocka_run_group_tests("refused ring", tests, n, setup,
			  teardown) != 0);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		return (1);
	return (WEXITSTATUS(status));
}

/* par_fmt - showq_par_fmt: "queue id pid" (the worker's) a line */
static int
par_fmt(struct vbuf *out, const struct showq_msg *msg, void *ctx)
{
	(void)ctx;
	vbuf_printf(out, "%s %s %ld\n", msg->queue, msg->id, (long)getpid());
	return (1);
}

/* par_emit - showq_par_emit: collect the pieces */
static int
par_emit(const char *data, size_t len, void *ctx)
{
	vbuf_append((struct vbuf *)ctx, data, len);
	return (0);
}

/*
 * Several workers: every message once, the queues in showq_queues order
 * (maildrop, active, incoming, deferred, hold), the totals right, and the
 * workers started once for the whole walk (at most that many processes,
 * none of them the caller).
 */
static void
test_par_walk(void **state)
{
	struct showq_par_total total;
	struct vbuf got = VBUF_INIT;
	struct vbuf why = VBUF_INIT;
	long pids[16];
	int npids = 0;
	int last;
	char queue[32], id[32];
	long pid;
	int lines = 0;
	int workers;

	(void)state;
	clear_queue();
	install(0, "hold");
	install(1, "active");
	install(2, "deferred");
	install(3, "deferred");
	for (workers = 1; workers <= 3; workers++) {
		vbuf_reset(&got);
		npids = lines = last = 0;
		assert_int_equal(showq_par_walk(NULL, workers, par_fmt, 0,
				     par_emit, &got, &total, &why),
		    0);
		assert_int_equal(total.count, 4);
		assert_true(total.bytes > 0);
		for (const char *line = vbuf_str(&got); *line;
		     line = strchr(line, '\n') + 1) {
			int at = 0;

			assert_int_equal(sscanf(line, "%31s %31s %ld", queue,
					     id, &pid),
			    3);
			lines++;
			/* the queues in showq_queues order, never back */
			while (showq_queues[at] &&
			    strcmp(showq_queues[at], queue) != 0)
				at++;
			assert_non_null(showq_queues[at]);
			assert_true(at >= last);
			last = at;
			int seen = 0;
			for (int i = 0; i < npids; i++)
				seen |= pids[i] == pid;
			if (!seen) {
				assert_true(npids < 16);
				pids[npids++] = pid;
			}
		}
		assert_int_equal(lines, 4);
		if (workers == 1) {
			assert_int_equal(npids, 1);
			assert_int_equal(pids[0], (long)getpid());
		} else {
			assert_true(npids <= workers);
			for (int i = 0; i < npids; i++)
				assert_true(pids[i] != (long)getpid());
		}
	}
	vbuf_free(&got);
	vbuf_free(&why);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fixture_p),
	    cmocka_unit_test(test_fixture_j),
	    cmocka_unit_test(test_fixture_hold),
	    cmocka_unit_test(test_fixture_requeue),
	    cmocka_unit_test(test_empty),
	    cmocka_unit_test(test_missing_queue_dirs),
	    cmocka_unit_test(test_markers),
	    cmocka_unit_test(test_not_ready),
	    cmocka_unit_test(test_reasons),
	    cmocka_unit_test(test_addresses),
	    cmocka_unit_test(test_log_duplicates),
	    cmocka_unit_test(test_seek_and_fallback),
	    cmocka_unit_test(test_maildrop_size),
	    cmocka_unit_test(test_damaged),
	    cmocka_unit_test(test_pointer_records),
	    cmocka_unit_test(test_arrival_mtime),
	    cmocka_unit_test(test_json_escape),
	    cmocka_unit_test(test_totals_and_long_ids),
	    cmocka_unit_test(test_callback_stops_walk),
	    cmocka_unit_test(test_proto_postfix_bytes),
	    cmocka_unit_test(test_proto_round_trip),
	    cmocka_unit_test(test_proto_fixture_listing),
	    cmocka_unit_test(test_proto_damaged),
	    cmocka_unit_test(test_par_walk),
	};

	int failed;

	/* Both readers: batches through io_uring (where the kernel allows
	 * it), then one file at a time, as without io_uring. */
	failed = cmocka_run_group_tests(tests, setup, teardown);
	failed += run_refused(tests, sizeof(tests) / sizeof(tests[0]));
	setenv("SLUICE_IO_URING", "0", 1);
	failed += cmocka_run_group_tests(tests, setup, teardown);
	return (failed);
}
