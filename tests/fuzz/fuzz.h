/*
 * fuzz.h - helpers shared by the libFuzzer targets in tests/fuzz/
 * (header-only).
 *
 *	void fuzz_msg_init(const char *prog);
 *	const char *fuzz_tmpdir(const char *prefix);
 *	void fuzz_write(const char *path, const uint8_t *data, size_t size);
 *	FILE *fuzz_memfile(const uint8_t *data, size_t size);
 *	char *fuzz_string(const uint8_t *data, size_t size);
 *
 * fuzz_msg_init() names the program for msg(3), which logs nothing (no
 * log is opened), and makes msg_fatal() and msg_panic() print their text
 * on standard error and abort: libFuzzer reports a crash, the replay
 * fails. fuzz_tmpdir() makes "/tmp/<prefix>.XXXXXX" once per process and
 *removes it with everything below it when the process exits; every file a
 *target writes goes there. fuzz_write() replaces path with the bytes (fatal on
 * failure). fuzz_memfile() returns a read-write stream positioned at 0
 * that holds the bytes: an anonymous memory file (memfd), so seeks and
 * reads behave as on a queue file and nothing is written to disk; the
 * caller fcloses it. fuzz_string() returns a NUL-terminated copy (the
 * bytes up to the first NUL), freed with mem_free().
 *
 * Each target defines LLVMFuzzerTestOneInput(); libFuzzer provides main()
 * for `make fuzz`, tests/fuzz/replay.c for the corpus replay in
 * `make check`.
 */
#ifndef SLUICE_FUZZ_H
#define SLUICE_FUZZ_H

#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mem.h"
#include "msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fuzz_dir[64];

static int
fuzz_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return (remove(path) < 0 ? -1 : 0);
}

static void
fuzz_rm_dir(void)
{
	if (fuzz_dir[0])
		(void)nftw(fuzz_dir, fuzz_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void
fuzz_fatal(const char *text)
{
	fprintf(stderr, "%s: fatal: %s\n", msg_prog(), text);
	abort();
}

static inline void
fuzz_msg_init(const char *prog)
{
	msg_init(prog, 0);
	msg_fatal_hook(fuzz_fatal);
}

static inline const char *
fuzz_tmpdir(const char *prefix)
{
	if (fuzz_dir[0] == 0) {
		snprintf(fuzz_dir, sizeof(fuzz_dir), "/tmp/%.32s.XXXXXX",
		    prefix);
		if (mkdtemp(fuzz_dir) == NULL)
			msg_fatal("mkdtemp %s: %m", fuzz_dir);
		atexit(fuzz_rm_dir);
	}
	return (fuzz_dir);
}

static inline void
fuzz_write(const char *path, const uint8_t *data, size_t size)
{
	FILE *fp;

	if ((fp = fopen(path, "w")) == NULL)
		msg_fatal("open %s: %m", path);
	if ((size && fwrite(data, 1, size, fp) != size) || fclose(fp) != 0)
		msg_fatal("write %s: %m", path);
}

static inline FILE *
fuzz_memfile(const uint8_t *data, size_t size)
{
	int fd;
	FILE *fp;

	if ((fd = memfd_create("fuzz", 0)) < 0)
		msg_fatal("memfd_create: %m");
	if ((fp = fdopen(fd, "w+")) == NULL)
		msg_fatal("fdopen: %m");
	if ((size && fwrite(data, 1, size, fp) != size) || fflush(fp) != 0)
		msg_fatal("write memfd: %m");
	rewind(fp);
	return (fp);
}

static inline char *
fuzz_string(const uint8_t *data, size_t size)
{
	char *s = mem_alloc(size + 1);

	if (size)
		memcpy(s, data, size);
	s[size] = 0;
	return (s);
}

#endif
