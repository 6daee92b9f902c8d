/*
 * NAME
 *	postmap - build and query lookup tables
 * SYNOPSIS
 *	postmap [-Nfinoprsuvw] [-c config_dir] [-d key] [-q key]
 *		[type:]file...
 * DESCRIPTION
 *	postmap builds the indexed tables that sluice's daemons read, and
 *	looks keys up in any table, as Postfix's postmap(1) does: the same
 *	options, output, warnings, error texts and exit statuses, and the
 *	same files (Postfix's postmap reads the tables built here, and the
 *	other way round). A table without "type:" has the type
 *	default_database_type (hash).
 *
 *	postmap type:file... builds file.db (hash, btree), file.lmdb or
 *	file.cdb from the text file: "key whitespace value" lines, '#'
 *	comments, lines that start with white space continue the previous
 *	one. The key ends at the first white space outside double quotes
 *	(a backslash escapes the next character; quotes and backslashes stay
 *	in the key). Keys are folded to lower case. Bad lines are skipped
 *	with a warning: "FILE, line N: expected format: key whitespace
 *	value", "unbalanced '\"' in '...' -- ignoring this line", "non-UTF-8
 *	input \"...\" -- ignoring this line" (when smtputf8_enable); a key
 *	that ends in ':' is stored with a warning ("record is in \"key:
 *	value\" format; is this an alias file?"). A duplicate key keeps its
 *	first value with a warning "NAME: duplicate entry: \"key\"" (NAME as
 *	Postfix's table names it: file.db, lmdb:file, file). The new table
 *	replaces the old one in one rename (dict(3)); its mode loses the
 *	group and other read bits that the source file lacks, and when run
 *	by root it is made as the owner of the source file.
 *
 *	Options:
 *	-c config_dir	read config_dir/main.cf.
 *	-d key		delete key from each table; exit 0 when it was in
 *			one. "-d -" reads the keys from standard input.
 *	-f		do not fold keys to lower case.
 *	-i		add "key value" lines from standard input to the
 *			table (created when missing).
 *	-N, -n		store keys and values with (without) a trailing
 *			NUL (default: with, except for cdb).
 *	-o		when root, do not run as the source file's owner.
 *	-p		do not take the mode from the source file.
 *	-q key		print the value of key from the first table that
 *			has it (exit 0), else exit 1 without output. "-q -"
 *			reads keys from standard input and prints "key<TAB>
 *			value" for each found (exit 0 if any was found).
 *			Any table type can be queried.
 *	-r		a duplicate key replaces the earlier value, silently.
 *	-s		print every "key<TAB>value" of the first table.
 *	-u		no UTF-8 check of the input.
 *	-v		more logging.
 *	-w		duplicate keys: no warning (the first value stays).
 *	-b, -h, -m, -F and -U are accepted as Postfix's are and then
 *	refused: sluice does not look up message headers or bodies, nor
 *	file contents.
 * DIAGNOSTICS
 *	"postmap: fatal: ..." on standard error and exit 1 for usage
 *	errors, tables that cannot be opened or written, and operations a
 *	table type does not support, in Postfix's words.
 * SECURITY
 *	Run by root, a table is built with the source file's owner as the
 *	effective user and group (unless -o), so it gets that owner and a
 *	fault cannot write where that user could not.
 * SEE ALSO
 *	dict(3); Postfix postmap(1), DATABASE_README; docs/postfix/
 *	tables-routing.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "dict.h"
#include "mem.h"
#include "msg.h"
#include "param.h"
#include "postmap.h"
#include "vbuf.h"

static void
postmap_usage(const char *prog)
{
	msg_fatal("usage: %s [-bfFhimnNoprsuUvw] [-c config_dir] [-d key] "
		  "[-q key] [map_type:]file...",
	    prog);
}

/* postmap_spec - "type:name", with default_database_type when no type */

char *
postmap_spec(const char *arg)
{
	struct vbuf spec = VBUF_INIT;

	if (strchr(arg, ':') != NULL)
		vbuf_puts(&spec, arg);
	else
		vbuf_printf(&spec, "%s:%s", param_str("default_database_type"),
		    arg);
	return (vbuf_export(&spec));
}

/* postmap_one_of - -d, -q and -s exclude each other */

static void
postmap_one_of(const struct postmap_opts *o, int s_text)
{
	if (o->query || o->delkey || (o->sequence && !s_text))
		msg_fatal(s_text ? "specify only one of -s or -q or -d"
				 : "specify only one of -s -q or -d");
}

/* postmap_option - one option letter */

static void
postmap_option(struct postmap_opts *o, int ch, const char *prog)
{
	switch (ch) {
	case 'N':
		o->dict_flags =
		    (o->dict_flags & ~DICT_FLAG_NONUL) | DICT_FLAG_NUL;
		break;
	case 'n':
		o->dict_flags =
		    (o->dict_flags & ~DICT_FLAG_NUL) | DICT_FLAG_NONUL;
		break;
	case 'c':
		o->config_dir = optarg;
		break;
	case 'd':
		postmap_one_of(o, 0);
		o->delkey = optarg;
		break;
	case 'q':
		postmap_one_of(o, 0);
		o->query = optarg;
		break;
	case 's':
		postmap_one_of(o, 1);
		o->sequence = 1;
		break;
	case 'f':
		o->dict_flags |= DICT_FLAG_NOFOLD;
		break;
	case 'i':
		o->incremental = 1;
		break;
	case 'o':
		o->as_owner = 0;
		break;
	case 'p':
		o->save_perm = 0;
		break;
	case 'r':
		o->dict_flags |= DICT_FLAG_DUP_REPLACE;
		o->dup_warn = 0;
		break;
	case 'w':
		o->dict_flags &= ~DICT_FLAG_DUP_REPLACE;
		o->dup_warn = 0;
		break;
	case 'u':
		o->utf8 = 0;
		break;
	case 'v':
		msg_verbose++;
		break;
	case 'b':
	case 'h':
	case 'm':
		o->key_source |= ch == 'b' ? 1 : ch == 'h' ? 2 : 4;
		break;
	case 'F':
		o->rhs_file = 1;
		break;
	case 'U':
		break;
	default:
		postmap_usage(prog);
	}
}

/* postmap_fds - descriptors 0-2 open before anything else, as Postfix */

static void
postmap_fds(void)
{
	struct stat st;
	int fd;

	for (fd = 0; fd < 3; fd++)
		if (fstat(fd, &st) < 0 &&
		    (close(fd), open("/dev/null", O_RDWR, 0)) != fd)
			msg_fatal("open /dev/null: %m");
}

/* postmap_refuse - the options sluice accepts from Postfix but not does */

static void
postmap_refuse(const struct postmap_opts *o)
{
	if (o->key_source && (o->query == NULL || strcmp(o->query, "-") != 0))
		msg_fatal("specify -b -h or -m only with \"-q -\"");
	if (o->key_source)
		msg_fatal("-b, -h and -m (message header and body keys) are "
			  "not supported");
	if (o->rhs_file)
		msg_fatal("-F (values from files) is not supported");
}

int
main(int argc, char **argv)
{
	struct postmap_opts o;
	const char *slash;
	int ch;

	umask(022);
	postmap_fds();
	if ((slash = strrchr(argv[0], '/')) != NULL && slash[1])
		argv[0] = (char *)slash + 1;
	msg_init(argv[0], MSG_STDERR | MSG_NOLOG);
	if (getenv("MAIL_VERBOSE") != NULL)
		msg_verbose = 1;
	memset(&o, 0, sizeof(o));
	o.as_owner = o.save_perm = o.dup_warn = o.utf8 = 1;
	while ((ch = getopt(argc, argv, "bc:d:fFhimnNopq:rsuUvw")) != -1)
		postmap_option(&o, ch, argv[0]);
	param_load(o.config_dir);
	if (!param_bool("smtputf8_enable"))
		o.utf8 = 0;
	postmap_refuse(&o);
	argv += optind;
	argc -= optind;

	if (o.delkey != NULL) {
		if (argc < 1)
			postmap_usage(msg_prog());
		return (postmap_delete(&o, argv, argc) ? 0 : 1);
	}
	if (o.query != NULL) {
		if (argc < 1)
			postmap_usage(msg_prog());
		return (postmap_query(&o, argv, argc) ? 0 : 1);
	}
	if (o.sequence) {
		if (argc < 1)
			return (1);
		postmap_seq(&o, argv[0]);
		return (0);
	}
	if (argc < 1)
		postmap_usage(msg_prog());
	for (; argc > 0; argc--, argv++)
		postmap_build(&o, *argv);
	return (0);
}
