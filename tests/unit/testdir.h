/*
 * testdir.h - a throwaway directory for unit tests: a temporary
 * queue_directory with its own main.cf, or just a scratch working
 * directory (header-only; include it after cmocka.h).
 *
 *	struct testdir { top, confdir, queuedir, oldcwd };
 *	int  testdir_make(struct testdir *td, const char *prefix,
 *			const char *queues);
 *	void testdir_config(struct testdir *td, int how, ...);
 *	int  testdir_remove(struct testdir *td);
 *	void testdir_write(const char *path, const char *text);
 *	char *testdir_read(const char *path, size_t *len);
 *
 * testdir_make() remembers the working directory in td->oldcwd and makes
 * td->top, "/tmp/<prefix>.XXXXXX" (mkdtemp). With queues NULL that one
 * directory is both td->confdir and td->queuedir, and the process
 * chdir()s into it at once. Otherwise td->confdir is top/conf and
 * td->queuedir is top/queue, holding the queue subdirectories named in
 * queues (separated by spaces; "" for none), and the working directory
 * stays as it is. It returns 0, or -1 on failure, as a cmocka fixture.
 *
 * testdir_config() writes td->confdir/main.cf: the line
 * "queue_directory = <td->queuedir>", then each further argument as it
 * is (whole lines with their newlines) up to a null pointer. It loads
 * that with param_load(td->confdir); with how TESTDIR_CHDIR it then goes
 * to queue_directory with qdir_chdir(), with TESTDIR_STAY it leaves the
 * working directory alone. A failure fails the test.
 *
 * testdir_remove() goes back to td->oldcwd and removes td->top with all
 * below it. It returns 0, or -1 on failure, as a cmocka fixture.
 *
 * testdir_write() replaces the content of the file at path with text (in
 * place when it exists: a bind mount or a watched file sees the change).
 * A failure fails the test.
 *
 * testdir_read() returns the whole content of the file at path, with a
 * NUL after it, in memory the caller frees (its length in *len unless len
 * is NULL); NULL when the file cannot be opened.
 */
#ifndef SLUICE_TEST_TESTDIR_H
#define SLUICE_TEST_TESTDIR_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "param.h"
#include "qdir.h"
#include "vbuf.h"

struct testdir {
	char top[64];	   /* /tmp/<prefix>.XXXXXX */
	char confdir[80];  /* where main.cf is */
	char queuedir[80]; /* queue_directory */
	char oldcwd[4096]; /* working directory before */
};

#define TESTDIR_STAY 0	/* testdir_config(): stay */
#define TESTDIR_CHDIR 1 /* testdir_config(): qdir_chdir() */

/* testdir_make - make the directory, remember the working directory */

static inline int
testdir_make(struct testdir *td, const char *prefix, const char *queues)
{
	char path[sizeof(td->queuedir) + 64];
	const char *p;
	size_t len;

	if (getcwd(td->oldcwd, sizeof(td->oldcwd)) == NULL)
		return -1;
	if ((size_t)snprintf(td->top, sizeof(td->top), "/tmp/%s.XXXXXX",
		prefix) >= sizeof(td->top) ||
	    mkdtemp(td->top) == NULL)
		return -1;
	if (queues == NULL) {
		snprintf(td->confdir, sizeof(td->confdir), "%s", td->top);
		snprintf(td->queuedir, sizeof(td->queuedir), "%s", td->top);
		return chdir(td->top) < 0 ? -1 : 0;
	}
	snprintf(td->confdir, sizeof(td->confdir), "%s/conf", td->top);
	snprintf(td->queuedir, sizeof(td->queuedir), "%s/queue", td->top);
	if (mkdir(td->confdir, 0777) < 0 || mkdir(td->queuedir, 0777) < 0)
		return -1;
	for (p = queues; *(p += strspn(p, " ")) != 0; p += len) {
		len = strcspn(p, " ");
		if ((size_t)snprintf(path, sizeof(path), "%s/%.*s",
			td->queuedir, (int)len, p) >= sizeof(path) ||
		    mkdir(path, 0777) < 0)
			return -1;
	}
	return 0;
}

/* testdir_config - write main.cf, load it, maybe go to queue_directory */

static inline void __attribute__((sentinel))
testdir_config(struct testdir *td, int how, ...)
{
	char path[sizeof(td->confdir) + 16];
	const char *text;
	va_list ap;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/main.cf", td->confdir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fprintf(fp, "queue_directory = %s\n", td->queuedir);
	va_start(ap, how);
	while ((text = va_arg(ap, const char *)) != NULL)
		fputs(text, fp);
	va_end(ap);
	assert_int_equal(fclose(fp), 0);
	param_load(td->confdir);
	if (how == TESTDIR_CHDIR)
		qdir_chdir();
}

/* testdir_write - a file's whole content */

static inline void
testdir_write(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
}

/* testdir_remove - go back, remove the directory */

static inline int
testdir_remove(struct testdir *td)
{
	char cmd[sizeof(td->top) + 16];

	if (chdir(td->oldcwd) < 0)
		return -1;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", td->top);
	return system(cmd) == 0 ? 0 : -1;
}

/* testdir_read - a file's whole content, or NULL */

static inline char *
testdir_read(const char *path, size_t *len)
{
	struct vbuf b = VBUF_INIT;
	char buf[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return NULL;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		vbuf_append(&b, buf, (size_t)n);
	close(fd);
	if (len)
		*len = b.len;
	return vbuf_export(&b);
}

#endif
