/*
 * dict-lookup - lookups per second of util/dict (the daemons' read code)
 * on a table built by bench/postmap-bench.
 *
 *	dict-lookup type:file N COUNT
 *
 * The table holds "user<i>@example<i%1000>.com" for i in [0, N); COUNT
 * lookups of keys drawn at random from it (every one must be found) are
 * timed after one untimed pass over 1,000 keys. Prints "lookups_per_s=X".
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "dict.h"
#include "vbuf.h"

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

static void
lookup(struct dict *d, long n, unsigned *seed)
{
	char key[64];
	const char *v;
	long i = (long)(rand_r(seed) % (unsigned)n);

	snprintf(key, sizeof(key), "user%ld@example%ld.com", i, i % 1000);
	if (dict_get(d, key, &v) != DICT_FOUND) {
		fprintf(stderr, "dict-lookup: %s: not found: %s %s\n",
		    dict_name(d), key, dict_why(d));
		exit(1);
	}
}

int
main(int argc, char **argv)
{
	struct vbuf why = VBUF_INIT;
	struct dict *d;
	long n, count, i;
	unsigned seed = 1;
	double t0;

	if (argc != 4 || (n = atol(argv[2])) <= 0 ||
	    (count = atol(argv[3])) <= 0) {
		fprintf(stderr, "usage: dict-lookup type:file N COUNT\n");
		return (2);
	}
	if ((d = dict_open(argv[1], 0, &why)) == NULL) {
		fprintf(stderr, "dict-lookup: %s\n", vbuf_str(&why));
		return (1);
	}
	for (i = 0; i < 1000; i++)
		lookup(d, n, &seed);
	t0 = now();
	for (i = 0; i < count; i++)
		lookup(d, n, &seed);
	printf("lookups_per_s=%.0f\n", count / (now() - t0));
	dict_close(d);
	return (0);
}
