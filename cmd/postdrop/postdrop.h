/*
 * postdrop - private interface between postdrop.c and postdrop_copy.c.
 */
#include <stdio.h>
#include <sys/types.h>

/* Postfix's cleanup status bits, postdrop's exit status. */
#define PD_STAT_OK 0
#define PD_STAT_BAD (1 << 0)   /* malformed request: no sender/recipient */
#define PD_STAT_WRITE (1 << 1) /* error writing the file */
#define PD_STAT_SIZE (1 << 2)  /* over message_size_limit */
#define PD_CANCELED (-1)       /* input ended before the end record */

struct postdrop {
	long uid;	/* the submitting (real) user */
	FILE *fp;	/* maildrop/ID, being written */
	size_t maxlen;	/* longest record accepted */
	long limit;	/* message_size_limit, 0 = none */
	long size;	/* bytes written so far */
	int err;	/* errno of the first write error, 0 = none */
	int too_big;	/* limit exceeded */
	int from_count; /* S records */
	int rcpt_count; /* R records */
};

int postdrop_copy(FILE *in, struct postdrop *pd);
