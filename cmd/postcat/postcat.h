#ifndef SLUICE_POSTCAT_H
#define SLUICE_POSTCAT_H
/*
 * NAME
 *	postcat - private interface of the postcat command
 * SYNOPSIS
 *	#include "postcat.h"
 *
 *	int  postcat_show(FILE *fp, const char *path, int flags,
 *			long start_offset);
 * DESCRIPTION
 *	postcat_show() prints one queue file the way Postfix's postcat does
 *	(see postcat.c and docs/postfix/admin-tools.md section 4) on
 *	standard output. path is what the output and the diagnostics call
 *	the file; flags are PC_FLAG_* below; start_offset > 0 starts reading
 *	there (no validity check, no ENVELOPE RECORDS line), reading and
 *	discarding bytes when fp is stdin.
 *
 *	It returns 0 when the file was shown (warnings about odd but
 *	readable content included), -1 when the file ended before its
 *	message end record (a warning is printed; Postfix says nothing).
 * DIAGNOSTICS
 *	Fatal, as Postfix: an unreadable record ("record read error"), a
 *	bad pointer, a seek error.
 */
#include <stdio.h>

#define PC_FLAG_SEARCH_QUEUE (1 << 0)	 /* -q: search the queue */
#define PC_FLAG_PRINT_OFFSET (1 << 1)	 /* -o: record offsets */
#define PC_FLAG_PRINT_ENV (1 << 2)	 /* -e: envelope records */
#define PC_FLAG_PRINT_HEADER (1 << 3)	 /* -h: header text */
#define PC_FLAG_PRINT_BODY (1 << 4)	 /* -b: body text */
#define PC_FLAG_PRINT_RTYPE_DEC (1 << 5) /* -d: decimal record type */
#define PC_FLAG_RAW (1 << 6)		 /* -r: don't follow pointers */
#define PC_FLAG_PRINT_FILE (1 << 7)	 /* -f: file name on every line */

#define PC_MASK_PRINT_TEXT (PC_FLAG_PRINT_HEADER | PC_FLAG_PRINT_BODY)
#define PC_MASK_PRINT_ALL (PC_FLAG_PRINT_ENV | PC_MASK_PRINT_TEXT)

int postcat_show(FILE *fp, const char *path, int flags, long start_offset);

#endif
