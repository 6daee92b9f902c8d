/*
 * test_smtp_queue - the smtp agent's queue-file reader on real Postfix
 * queue files (tests/fixtures): envelope facts, the shared lock, and
 * the DATA stream, which must decode to exactly what postcat -h and -b
 * print. Plus damaged files.
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
#include <sys/file.h>
#include <sys/stat.h>

#include "mem.h"
#include "msg.h"
#include "vbuf.h"
#include "../../smtp/smtp.h"

static char fixtures[1024];
static char tmpdir[] = "/tmp/test_smtp_queue.XXXXXX";

static int
read_file(const char *path, struct vbuf *out)
{
	FILE *fp = fopen(path, "rb");
	char buf[8192];
	size_t n;

	vbuf_reset(out);
	if (fp == NULL)
		return -1;
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		vbuf_append(out, buf, n);
	fclose(fp);
	return 0;
}

static void
write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0700);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

/* install - put fixture bytes into active/ID */

static void
install(const char *id, const struct vbuf *data)
{
	char path[256];

	snprintf(path, sizeof(path), "active/%s", id);
	write_file(path, data->data, data->len);
}

/* undata - SMTP DATA stream back to text: strip ".", unstuff, CRLF -> LF */

static int
undata(const struct vbuf *in, struct vbuf *out)
{
	const char *cp = in->data;
	const char *end = in->data + in->len;

	vbuf_reset(out);
	if (in->len < 3 || memcmp(end - 3, ".\r\n", 3) != 0)
		return -1;
	end -= 3;
	while (cp < end) {
		const char *eol = memmem(cp, (size_t)(end - cp), "\r\n", 2);

		if (eol == NULL)
			return -1;
		if (*cp == '.')
			cp++;
		vbuf_append(out, cp, (size_t)(eol - cp));
		vbuf_putc(out, '\n');
		cp = eol + 2;
	}
	return 0;
}

static int
setup(void **state)
{
	msg_init("test_smtp_queue", MSG_STDERR);
	/* Made by real Postfix (tests/fixtures/README.md); the test starts at
	 * the top of the source tree and leaves it below. */
	snprintf(fixtures, sizeof(fixtures), "tests/fixtures");
	{
		char *abs = realpath(fixtures, NULL);

		snprintf(fixtures, sizeof(fixtures), "%s", abs ? abs : "");
		free(abs);
	}
	if (mkdtemp(tmpdir) == NULL || chdir(tmpdir) < 0 ||
	    mkdir("active", 0700) < 0)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

struct fixture_case {
	const char *name;
	const char *sender;
	long size;
	long offset;
};

static const struct fixture_case cases[] = {
    {"1.D5CA1A75992", "", 10655, 248},
    {"2.C21D3A75972", "a@client.example", 334, 740},
    {"3.45A9EA757A3", "kdent@example.com", 332, 190},
    {"4.4EE5EA75951", "sender@example.org", 1316, 437},
};

/* Real Postfix files: envelope facts and content as postcat prints it. */
static void
test_fixtures(void **state)
{
	if (fixtures[0] == 0)
		fail_msg("tests/fixtures not found");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct fixture_case *c = &cases[i];
		const char *id = strchr(c->name, '.') + 1;
		struct vbuf raw = VBUF_INIT, exp = VBUF_INIT, part = VBUF_INIT;
		struct vbuf data = VBUF_INIT, text = VBUF_INIT, why = VBUF_INIT;
		struct smtp_queue q;
		struct smtp_text t;
		char path[1200];
		int rc;

		print_message("case: queuefile-%s\n", c->name);
		snprintf(path, sizeof(path), "%s/queuefile-%s", fixtures,
		    c->name);
		assert_int_equal(read_file(path, &raw), 0);
		install(id, &raw);
		snprintf(path, sizeof(path), "%s/queuefile-%s.postcat-h.txt",
		    fixtures, c->name);
		assert_int_equal(read_file(path, &part), 0);
		vbuf_append(&exp, part.data, part.len);
		snprintf(path, sizeof(path), "%s/queuefile-%s.postcat-b.txt",
		    fixtures, c->name);
		assert_int_equal(read_file(path, &part), 0);
		vbuf_append(&exp, part.data, part.len);

		assert_int_equal(smtp_queue_open(&q, id, &why), 0);
		assert_string_equal(q.sender, c->sender);
		assert_int_equal(q.content_size, c->size);
		assert_int_equal(q.data_offset, c->offset);
		assert_true(q.arrival > 1795000000);
		assert_int_equal(q.eightbit,
		    memmem(raw.data, raw.len, "encoding=8bit", 13) != NULL);
		/* One descriptor, open for the done marks too. */
		assert_int_equal(fcntl(q.fd, F_GETFL) & O_ACCMODE, O_RDWR);
		/* The shared lock is held: an exclusive one must fail. */
		snprintf(path, sizeof(path), "active/%s", id);
		{
			int fd = open(path, O_RDONLY);

			assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), -1);
			assert_int_equal(errno, EWOULDBLOCK);
			assert_int_equal(flock(fd, LOCK_SH | LOCK_NB), 0);
			close(fd);
		}
		/* Stream in small pieces, twice: rewind works. */
		for (int round = 0; round < 2; round++) {
			vbuf_reset(&data);
			assert_int_equal(smtp_queue_rewind(&q), 0);
			smtp_text_init(&t, 998);
			for (int n = 0; n < 100000; n++) {
				rc = smtp_queue_content(&q, &t, &data,
				    data.len + 100);
				if (rc != 1)
					break;
			}
			assert_int_equal(rc, 0);
			assert_int_equal(undata(&data, &text), 0);
			assert_int_equal(text.len, exp.len);
			assert_memory_equal(text.data, exp.data, exp.len);
		}
		smtp_queue_close(&q);
		smtp_queue_close(&q); /* idempotent */
		vbuf_free(&raw);
		vbuf_free(&exp);
		vbuf_free(&part);
		vbuf_free(&data);
		vbuf_free(&text);
		vbuf_free(&why);
	}
}

/* A file someone holds exclusively is reported as locked. */
static void
test_locked(void **state)
{
	struct vbuf raw = VBUF_INIT, why = VBUF_INIT;
	struct smtp_queue q;
	char path[1200];
	int fd;

	if (fixtures[0] == 0)
		fail_msg("tests/fixtures not found");
	snprintf(path, sizeof(path), "%s/queuefile-3.45A9EA757A3", fixtures);
	assert_int_equal(read_file(path, &raw), 0);
	install("45A9EA757A3", &raw);
	fd = open("active/45A9EA757A3", O_RDONLY);
	assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), 0);
	assert_int_equal(smtp_queue_open(&q, "45A9EA757A3", &why),
	    SMTP_QUEUE_LOCKED);
	close(fd);
	assert_int_equal(smtp_queue_open(&q, "45A9EA757A3", &why), 0);
	smtp_queue_close(&q);
	assert_int_equal(smtp_queue_open(&q, "NOSUCHFILE", &why), -1);
	assert_non_null(strstr(why.data, "No such file"));
	vbuf_free(&raw);
	vbuf_free(&why);
}

/* Damaged files: every truncation and a few overwritten bytes. */
static void
test_damaged(void **state)
{
	struct vbuf raw = VBUF_INIT, bad = VBUF_INIT, why = VBUF_INIT;
	struct vbuf data = VBUF_INIT;
	struct smtp_queue q;
	struct smtp_text t;
	char path[1200];

	if (fixtures[0] == 0)
		fail_msg("tests/fixtures not found");
	snprintf(path, sizeof(path), "%s/queuefile-4.4EE5EA75951", fixtures);
	assert_int_equal(read_file(path, &raw), 0);
	for (size_t cut = 0; cut < raw.len; cut++) {
		vbuf_set(&bad, "");
		vbuf_append(&bad, raw.data, cut);
		install("4EE5EA75951", &bad);
		vbuf_reset(&why);
		/* A cut file never opens (the E record is missing). */
		assert_int_equal(smtp_queue_open(&q, "4EE5EA75951", &why), -1);
		assert_true(why.len > 0);
	}
	/* Overwrite single bytes: open or content may fail, never crash. */
	for (size_t pos = 0; pos < raw.len; pos += 7) {
		vbuf_set(&bad, "");
		vbuf_append(&bad, raw.data, raw.len);
		bad.data[pos] = (char)0xff;
		install("4EE5EA75951", &bad);
		if (smtp_queue_open(&q, "4EE5EA75951", &why) == 0) {
			int rc = 1;

			vbuf_reset(&data);
			smtp_queue_rewind(&q);
			smtp_text_init(&t, 998);
			for (int n = 0; n < 10000 && rc == 1; n++)
				rc = smtp_queue_content(&q, &t, &data,
				    data.len + 4096);
			assert_true(rc == 0 || rc == -1);
			smtp_queue_close(&q);
		}
	}
	vbuf_free(&raw);
	vbuf_free(&bad);
	vbuf_free(&why);
	vbuf_free(&data);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fixtures),
	    cmocka_unit_test(test_locked),
	    cmocka_unit_test(test_damaged),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
