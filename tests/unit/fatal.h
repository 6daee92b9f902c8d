/*
 * fatal.h - expecting msg_fatal() and msg_panic() in unit tests
 * (header-only; include it after cmocka.h).
 *
 *	fatal_catch();
 *	EXPECT_FATAL(stmt, text);
 *	fatal_text
 *
 * fatal_catch() routes fatal errors and panics to this header's hook
 * (msg_fatal_hook()); call it from the test's set-up, after msg_init().
 *
 * EXPECT_FATAL() runs stmt and fails the test unless stmt ends in a fatal
 * error or panic whose text contains text (the empty string matches any).
 * The caught text stays in fatal_text for further checks. A fatal error
 * anywhere else aborts the test program, so none goes unnoticed.
 */
#ifndef SLUICE_TEST_FATAL_H
#define SLUICE_TEST_FATAL_H

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"

static jmp_buf fatal_jmp;
static char fatal_text[2100];
static int fatal_armed;

/* fatal_hook - back to the EXPECT_FATAL() that is waiting, or abort */

static void
fatal_hook(const char *text)
{
	snprintf(fatal_text, sizeof(fatal_text), "%s", text);
	if (!fatal_armed)
		abort();
	fatal_armed = 0;
	longjmp(fatal_jmp, 1);
}

static inline void
fatal_catch(void)
{
	msg_fatal_hook(fatal_hook);
}

#define EXPECT_FATAL(stmt, text)                                               \
	do {                                                                   \
		fatal_text[0] = 0;                                             \
		fatal_armed = 1;                                               \
		if (setjmp(fatal_jmp) == 0) {                                  \
			stmt;                                                  \
			fatal_armed = 0;                                       \
			fail_msg("no fatal error from: %s", #stmt);            \
		}                                                              \
		if (strstr(fatal_text, (text)) == NULL)                        \
			fail_msg("fatal text \"%s\" lacks \"%s\"", fatal_text, \
			    (text));                                           \
	} while (0)

#endif
