#ifndef SLUICE_QSELECT_H
#define SLUICE_QSELECT_H
/*
 * NAME
 *	qselect - select queued messages (beyond Postfix)
 * SYNOPSIS
 *	#include "qselect.h"
 *
 *	extern const struct option qselect_options[];
 *	struct qselect *qselect_create(void);
 *	int  qselect_add(struct qselect *sel, int opt, const char *value,
 *			struct vbuf *why);
 *	int  qselect_any(const struct qselect *sel);
 *	int  qselect_match(const struct qselect *sel,
 *			const struct showq_msg *msg, long now);
 *	int  qselect_same_file(const struct showq_msg *msg, const char *path,
 *			struct stat *st);
 *	struct qselect *qselect_free(struct qselect *sel);
 * DESCRIPTION
 *	The one selection behind postqueue -p/-j and postsuper's
 *	per-message operations: criteria given as long options (no letter
 *	that Postfix uses or may use is taken), matched against a message
 *	as showq(3) reports it.
 *
 *	qselect_options is a getopt_long() table (terminated by a zero
 *	entry) of the options below; each takes a value ("--name VALUE"
 *	or "--name=VALUE") and getopt_long() returns its val, a number
 *	above every character. The criteria:
 *
 *	--sender ADDR	the sender is ADDR; "" and "<>" name the null
 *			sender (listed as MAILER-DAEMON).
 *	--recipient ADDR  a listed recipient is ADDR.
 *	--domain DOMAIN	a listed recipient's domain is DOMAIN or a
 *			subdomain of it.
 *	--sender-domain DOMAIN	the same for the sender.
 *	--older-than TIME, --newer-than TIME  the message arrived more
 *			(less) than TIME ago; TIME is a number with an
 *			optional unit s (default), m, h, d or w, as
 *			Postfix's time parameters.
 *	--larger-than SIZE, --smaller-than SIZE  the message size as mailq
 *			shows it is more (less) than SIZE bytes; SIZE is a
 *			number with an optional k, m or g (times 1024).
 *	--queue NAME	the message is in queue NAME: maildrop,
 *			incoming, active, deferred or hold.
 *
 *	Addresses are compared as mailq shows them, case-insensitively,
 *	with the double quotes of a quoted local part (and the backslash
 *	escapes inside them) and one pair of enclosing <> disregarded, so
 *	'--sender "a b"@x' and '--sender "a b@x"' both select "a b"@x;
 *	the domain is what follows the last "@", a leading "@" or "." of DOMAIN
 *	and a trailing "." of either are ignored. The recipients are those
 *	the listing shows: every recipient still to be delivered (defer
 *	log entries and R records, never D records). A message matches
 *	when it satisfies every kind of criterion given; a kind given
 *	several times is satisfied by any of its values (so "--sender a
 *	--sender b --domain x" is "(sender a or b) and a recipient in x").
 *	With no criterion every message matches.
 *
 *	qselect_create() returns an empty selection. qselect_add() adds
 *	the criterion of option opt (a val of qselect_options) with its
 *	value: it returns 1, or -1 with a message in why for a bad value
 *	("invalid --older-than value: \"3x\" (...)"), or 0 when opt is not
 *	a selection option (then it does nothing). qselect_any() tells
 *	whether any criterion was added. qselect_match() returns 1 when
 *	msg satisfies sel, now being the current time in seconds.
 *	qselect_free() accepts NULL and returns NULL.
 *
 *	qselect_same_file() is the check made just before a message chosen
 *	this way is changed: it lstat()s path into st and returns 1 when
 *	that is a ready queue file (qdir_ready()) with the dev and ino of
 *	msg, else 0 (errno ENOENT when path is missing or another file).
 *	Called while showq(3)'s callback runs, when the file read is still
 *	open and its inode cannot be reused, a 1 means that path names the
 *	very message that was read and matched, not a newer one under the
 *	same queue ID.
 * DIAGNOSTICS
 *	Fatal: out of memory.
 * SEE ALSO
 *	showq(3), postqueue(1), postsuper(1).
 */
#include <getopt.h>
#include <sys/stat.h>
#include "showq.h"
#include "vbuf.h"

#define QSELECT_OPT_BASE 0x1000 /* getopt_long() vals start here */

extern const struct option qselect_options[];

struct qselect;
struct qselect *qselect_create(void);
int qselect_add(struct qselect *sel, int opt, const char *value,
    struct vbuf *why);
int qselect_any(const struct qselect *sel);
int qselect_match(const struct qselect *sel, const struct showq_msg *msg,
    long now);
int qselect_same_file(const struct showq_msg *msg, const char *path,
    struct stat *st);
struct qselect *qselect_free(struct qselect *sel);

#endif
