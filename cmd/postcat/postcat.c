/*
 * NAME
 *	postcat - show queue file contents
 * SYNOPSIS
 *	postcat [-bdefhoqrv] [-c config_dir] [-s offset] [files...]
 * DESCRIPTION
 *	postcat prints the named queue files, or standard input when none
 *	is named, in human-readable form, byte for byte as Postfix's
 *	postcat(1) does. Both Postfix's queue files and sluice's can be
 *	read: they are the same format.
 *
 *	Without -b, -e or -h it shows everything, as with -beh.
 *
 *	Options:
 *	-b	Show the body: from the first non-header line up to the end
 *		of the message content.
 *	-c config_dir
 *		Read main.cf from config_dir (sets MAIL_CONFIG).
 *	-d	Print the decimal type of each record.
 *	-e	Show the envelope records, with "*** ... ***" markers
 *		between the segments.
 *	-f	Prepend the file name to each output line.
 *	-h	Show the message header, up to the first non-header line.
 *	-o	Print the queue file offset of each record.
 *	-q	The arguments are queue IDs: look for each in maildrop,
 *		incoming, active, deferred, hold and saved (two rounds)
 *		under queue_directory, and print the path relative to it.
 *	-r	With -v, show records in file order: pointer records are
 *		printed but not followed, and reading goes on after the
 *		message end record.
 *	-s offset
 *		Start reading at this file offset (no validity check).
 *	-v	Show every record with its label ("regular_text: ..."),
 *		including pointer and padding records.
 * DIAGNOSTICS
 *	Problems go to standard error as "ARGV0: warning: ..." or
 *	"ARGV0: fatal: ...", ARGV0 being the program name as typed. A
 *	fatal error exits with status 1: unknown option, bad -s offset,
 *	"bad mail queue ID: ID", "open queue file ID: No such file or
 *	directory", "open FILE: ...", and "record read error" after a
 *	warning naming the damage ("PATH: unexpected EOF in data, record
 *	type 78 length 50"). A file that does not start with an envelope
 *	record gets "warning: PATH: input is not a valid queue file" and is
 *	skipped (exit status 0, as Postfix). Unlike Postfix, a file that
 *	ends before its message end record gets a warning and makes the exit
 *	status 1.
 * SECURITY
 *	postcat only reads files; it needs read access to the queue and is
 *	not set-uid. Queue files are untrusted input: every length is
 *	checked, skips only move forward and pointer loops are cut off, so
 *	a damaged file cannot make it crash or loop.
 * CONFIGURATION PARAMETERS
 *	queue_directory (default: SLUICE_PREFIX/var/spool/sluice)
 *		Where -q looks, with hash_queue_names (default: deferred,
 *		defer) and hash_queue_depth (default: 1).
 * STANDARDS
 *	Postfix queue file format (docs/postfix/queue.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>

#include "postcat.h"
#include "msg.h"
#include "param.h"
#include "qdir.h"
#include "qid.h"
#include "vbuf.h"

static const char *const postcat_queues[] = {
    QDIR_MAILDROP,
    QDIR_INCOMING,
    QDIR_ACTIVE,
    QDIR_DEFERRED,
    QDIR_HOLD,
    QDIR_SAVED,
    0,
};

/* usage - Postfix's usage text */

static void
usage(const char *myname)
{
	msg_fatal("usage: %s [-b (body text)] [-c config_dir] [-d (decimal "
		  "record type)] [-e (envelope records)] [-h (header text)] "
		  "[-q (access queue)] [-v] [file(s)...]",
	    myname);
}

/* postcat_alldig - a non-empty string of digits */

static int
postcat_alldig(const char *s)
{
	if (*s == 0)
		return (0);
	for (/* void */; *s; s++)
		if (*s < '0' || *s > '9')
			return (0);
	return (1);
}

/* postcat_open_queue - find a queue file by ID, Postfix's search order */

static FILE *
postcat_open_queue(const char *id, struct vbuf *path)
{
	const char *const *qp;
	FILE *fp;
	int tries;

	for (tries = 0; tries < 2; tries++) {
		for (qp = postcat_queues; *qp; qp++) {
			qdir_path(path, *qp, id);
			if ((fp = fopen(path->data, "r")) != 0)
				return (fp);
		}
	}
	return (0);
}

/* postcat_options - the command line; returns the flags */

static int
postcat_options(int argc, char **argv, long *start_offset)
{
	int flags = 0;
	int ch;

	while ((ch = getopt(argc, argv, "+bc:defhoqrs:v")) > 0) {
		switch (ch) {
		case 'b':
			flags |= PC_FLAG_PRINT_BODY;
			break;
		case 'c':
			if (setenv("MAIL_CONFIG", optarg, 1) < 0)
				msg_fatal("out of memory");
			break;
		case 'd':
			flags |= PC_FLAG_PRINT_RTYPE_DEC;
			break;
		case 'e':
			flags |= PC_FLAG_PRINT_ENV;
			break;
		case 'f':
			flags |= PC_FLAG_PRINT_FILE;
			break;
		case 'h':
			flags |= PC_FLAG_PRINT_HEADER;
			break;
		case 'o':
			flags |= PC_FLAG_PRINT_OFFSET;
			break;
		case 'q':
			flags |= PC_FLAG_SEARCH_QUEUE;
			break;
		case 'r':
			flags |= PC_FLAG_RAW;
			break;
		case 's':
			errno = 0;
			if (!postcat_alldig(optarg) ||
			    (*start_offset = strtol(optarg, 0, 10)) < 0 ||
			    errno == ERANGE)
				msg_fatal("bad offset: %s", optarg);
			break;
		case 'v':
			msg_verbose++;
			break;
		default:
			usage(argv[0]);
		}
	}
	if ((flags & PC_MASK_PRINT_ALL) == 0)
		flags |= PC_MASK_PRINT_ALL;
	return (flags);
}

/* postcat_queue_ids - show queue files by ID, under queue_directory */

static int
postcat_queue_ids(char **ids, int flags, long start_offset)
{
	struct vbuf path = VBUF_INIT;
	int status = 0;
	FILE *fp;

	qdir_chdir();
	for (/* void */; *ids; ids++) {
		if (!qid_ok(*ids))
			msg_fatal("bad mail queue ID: %s", *ids);
		if ((fp = postcat_open_queue(*ids, &path)) == 0)
			msg_fatal("open queue file %s: %m", *ids);
		if (postcat_show(fp, path.data, flags, start_offset) < 0)
			status = 1;
		if (fclose(fp) != 0)
			msg_warn("close %s: %m", *ids);
	}
	vbuf_free(&path);
	return (status);
}

/* postcat_files - show files by name, taken literally */

static int
postcat_files(char **names, int flags, long start_offset)
{
	int status = 0;
	FILE *fp;

	for (/* void */; *names; names++) {
		if ((fp = fopen(*names, "r")) == 0)
			msg_fatal("open %s: %m", *names);
		if (postcat_show(fp, *names, flags, start_offset) < 0)
			status = 1;
		if (fclose(fp) != 0)
			msg_warn("close %s: %m", *names);
	}
	return (status);
}

int
main(int argc, char **argv)
{
	long start_offset = 0;
	int status;
	int flags;

	msg_init(argv[0], MSG_STDERR);
	flags = postcat_options(argc, argv, &start_offset);
	param_load((const char *)0);

	/* No names: standard input; else queue IDs or file names. */
	if (optind == argc)
		status = postcat_show(stdin, "stdin", flags, start_offset) < 0;
	else if (flags & PC_FLAG_SEARCH_QUEUE)
		status = postcat_queue_ids(argv + optind, flags, start_offset);
	else
		status = postcat_files(argv + optind, flags, start_offset);
	fflush(stdout);
	return (status);
}
