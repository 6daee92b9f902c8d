#ifndef SLUICE_PRINTABLE_H
#define SLUICE_PRINTABLE_H
/*
 * NAME
 *	printable - make text safe for a log line
 * SYNOPSIS
 *	#include "printable.h"
 *
 *	char *printable(char *s, int replacement);
 * DESCRIPTION
 *	printable() rewrites the null-terminated string s in place and
 *	returns s. Printable ASCII (0x20-0x7e) is kept; a well-formed UTF-8
 *	sequence of 2 to 4 bytes (no overlong form, no surrogate, nothing
 *	above U+10FFFF) is kept as a whole; every other byte, including tab,
 *	newline, CR, ESC, DEL, a stray continuation byte and each byte of a
 *	truncated or malformed sequence, is replaced by replacement
 *	(normally '?'). The length of s never changes. This is how Postfix
 *	treats a log line with SMTPUTF8 enabled (its default).
 */

char *printable(char *s, int replacement);

#endif
