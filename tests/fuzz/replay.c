/*
 * replay - run corpus files through a fuzz target without libFuzzer.
 *
 *	fuzz_<target> [FILE | DIRECTORY]...
 *
 * Linked with one tests/fuzz/fuzz_<target>.c under the normal compiler
 * and flags (with ASan/UBSan when built with SAN=1), it calls
 * LLVMFuzzerTestOneInput() once for each FILE and for each file in each
 * DIRECTORY (in name order). Without arguments it replays
 * tests/fuzz/corpus/<target>/, its own name being fuzz_<target>; `make check`
 * runs it so from the top of the source tree. A target that crashes or
 * exits fails the run, and so does an unreadable path or no input at all;
 * otherwise it prints "fuzz_<target>: N inputs replayed" and exits 0.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mem.h"
#include "vbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* replay_file - one input; -1 if it cannot be read */

static int
replay_file(const char *path)
{
	struct vbuf buf = VBUF_INIT;
	char chunk[8192];
	size_t n;
	FILE *fp;

	if ((fp = fopen(path, "r")) == NULL) {
		fprintf(stderr, "replay: open %s: %s\n", path, strerror(errno));
		return (-1);
	}
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		vbuf_append(&buf, chunk, n);
	if (ferror(fp)) {
		fprintf(stderr, "replay: read %s: %s\n", path, strerror(errno));
		fclose(fp);
		vbuf_free(&buf);
		return (-1);
	}
	fclose(fp);
	/* A copy of exactly the input's size, so ASan sees overreads. */
	uint8_t *data = mem_alloc(buf.len ? buf.len : 1);
	if (buf.len)
		memcpy(data, buf.data, buf.len);
	LLVMFuzzerTestOneInput(data, buf.len);
	mem_free(data);
	vbuf_free(&buf);
	return (0);
}

static int
by_name(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

/* replay_path - a file, or every file in a directory; inputs or -1 */

static long
replay_path(const char *path)
{
	struct stat st;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0;
	long count = 0;
	DIR *dir;

	if (stat(path, &st) < 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return (-1);
	}
	if (!S_ISDIR(st.st_mode))
		return (replay_file(path) < 0 ? -1 : 1);
	if ((dir = opendir(path)) == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return (-1);
	}
	while ((de = readdir(dir)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			names = mem_realloc(names, cap * sizeof(*names));
		}
		struct vbuf p = VBUF_INIT;
		vbuf_printf(&p, "%s/%s", path, de->d_name);
		names[n++] = vbuf_export(&p);
	}
	closedir(dir);
	if (n)
		qsort(names, n, sizeof(*names), by_name);
	for (size_t i = 0; i < n; i++) {
		if (count >= 0 && replay_file(names[i]) == 0)
			count++;
		else
			count = -1;
		mem_free(names[i]);
	}
	mem_free(names);
	return (count);
}

int
main(int argc, char **argv)
{
	const char *name =
	    strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	struct vbuf dflt = VBUF_INIT;
	char **paths = mem_calloc((size_t)argc + 1, sizeof(*paths));
	long total = 0, n = 0;
	int i, npaths = 0;

	if (argc < 2) {
		vbuf_printf(&dflt, "tests/fuzz/corpus/%s",
		    strncmp(name, "fuzz_", 5) == 0 ? name + 5 : name);
		paths[npaths++] = vbuf_export(&dflt);
	}
	for (i = 1; i < argc; i++)
		paths[npaths++] = mem_strdup(argv[i]);
	/* Absolute names first: a target may change its working directory. */
	for (i = 0; i < npaths; i++) {
		char *abs = realpath(paths[i], NULL);
		if (abs == NULL) {
			fprintf(stderr, "replay: %s: %s\n", paths[i],
			    strerror(errno));
			return (1);
		}
		mem_free(paths[i]);
		paths[i] = mem_strdup(abs);
		free(abs);
	}
	for (i = 0; i < npaths && n >= 0; i++)
		if ((n = replay_path(paths[i])) >= 0)
			total += n;
	for (i = 0; i < npaths; i++)
		mem_free(paths[i]);
	mem_free(paths);
	if (n < 0)
		return (1);
	if (total == 0) {
		fprintf(stderr, "replay: %s: no inputs\n", name);
		return (1);
	}
	printf("%s: %ld inputs replayed\n", name, total);
	return (0);
}
