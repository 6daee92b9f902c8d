/*
 * NAME
 *	postconf - sluice configuration utility
 * SYNOPSIS
 *	postconf [-dhHnx] [-c config_dir] [-o name=value] [name ...]
 *	postconf [-c config_dir] -e name=value ...
 *	postconf [-c config_dir] -X name ...
 *	postconf [-c config_dir] -# name ...
 *	postconf [-c config_dir] [-hH] -M [service[/type] ...]
 *	postconf [-c config_dir] [-hH] -F [service[/type[/field]] ...]
 *	postconf [-c config_dir] [-hH] -P [service[/type[/name]] ...]
 *	postconf [-c config_dir] -M service/type=entry ...
 *	postconf [-c config_dir] -MX|-M# service/type ...
 *	postconf [-c config_dir] -F service/type/field=value ...
 *	postconf [-c config_dir] -P service/type/name=value ...
 *	postconf [-c config_dir] -PX service/type/name ...
 * DESCRIPTION
 *	postconf shows and edits main.cf and shows master.cf, as Postfix's
 *	postconf(1) does.
 *
 *	Without options it prints every parameter sluice knows, sorted by
 *	name, as "name = value" with main.cf settings over the compiled-in
 *	defaults; values are raw ($name not expanded) with white space
 *	runs collapsed to one space, and an empty value prints as "name =".
 *	With names it prints those, in argument order; an unknown name is
 *	reported as "warning: NAME: unknown parameter".
 *
 *	After the output, parameters that main.cf sets but nothing knows
 *	are reported as "warning: DIR/main.cf: unused parameter: name=value"
 *	(names that are referenced as $name in main.cf or master.cf, and
 *	per-transport names such as relay_destination_concurrency_limit for
 *	a master.cf service "relay", count as known).
 *
 *	Options:
 *	-c config_dir	use config_dir/main.cf (sets MAIL_CONFIG).
 *	-d		print defaults, ignoring main.cf.
 *	-n		print only parameters set in main.cf (and
 *			config_directory when -c or MAIL_CONFIG names a
 *			non-default directory).
 *	-h		print values only; -H names only.
 *	-x		expand $name in values.
 *	-o name=value	temporary override.
 *	-e		edit main.cf (implied when an argument contains '='):
 *			each "name=value" replaces the logical line that
 *			sets name (continuation lines included, comments
 *			kept) or is appended; the file is written to
 *			main.cf.tmp, flushed and renamed. A missing main.cf
 *			is created.
 *	-X		remove the named parameters from main.cf.
 *	-#		comment out the named parameters in main.cf.
 *	-M		print master.cf entries, optionally only those that
 *			match service or service/type, with the fields at
 *			columns 0, 11, 17, 25, 33, 41, 49 and 57 (at least one
 *			space apart); "{ text }" arguments keep their braces.
 *			A request that matches nothing gives "warning:
 *			unmatched request: "X"". An argument that follows
 *			"-o" and holds white space is shown as "{text}".
 *	-F		print master.cf fields as service/type/field =
 *			value (fields service, type, private,
 *			unprivileged, chroot, wakeup, process_limit,
 *			command); requests are service, service/type or
 *			service/type/field, any part may be "*".
 *	-P		print master.cf "-o" parameters as
 *			service/type/name = value, sorted by name.
 *	-M, -F, -P edits: "-M service/type=entry" replaces that
 *			entry or appends it, -MX removes, -M# comments
 *			out; "-F service/type/field=value" sets a field;
 *			"-P service/type/name=value" sets a parameter and
 *			-PX removes one. An edited entry is rewritten in
 *			Postfix's layout (fields, command and options; one
 *			"-o" line per parameter; other arguments folded at
 *			80 columns); other lines stay as they are. The
 *			entry is parsed again first, so an edit that would
 *			make master.cf unreadable is refused. Texts as
 *			Postfix's: "unmatched service_name/type", "-Pe does
 *			not accept whitespace in parameter value", "-Fe does
 *			not accept whitespace in non-command field",
 *			"invalid service attribute name", "bad field
 *			count".
 * DIAGNOSTICS
 *	Problems go to standard error with the program name as typed.
 *	Exit status 0 on success, 1 after a fatal error.
 * SECURITY
 *	Reads the configuration files; -e/-X/-# rewrite main.cf with the
 *	invoking user's privileges. Runs no external commands.
 * SEE ALSO
 *	param(3), cfg(3); Postfix postconf(1), postconf(5).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "cfg.h"
#include "mem.h"
#include "msg.h"
#include "param.h"
#include "pcheck.h"
#include "postconf.h"
#include "vbuf.h"

#ifndef SLUICE_PREFIX
#define SLUICE_PREFIX "/usr/local"
#endif
#define POSTCONF_DEF_CONFIG_DIR SLUICE_PREFIX "/etc/sluice"

const char *postconf_dir; /* configuration directory */
static int postconf_dir_is_default;

/* ---- output --------------------------------------------------------- */

/* postconf_normalize - collapse white space runs, trim the ends */

static void
postconf_normalize(struct vbuf *out, const char *value)
{
	const char *cp = value;
	int pending = 0;

	vbuf_reset(out);
	for (; *cp; cp++) {
		if (*cp == ' ' || *cp == '\t' || *cp == '\r' || *cp == '\n') {
			pending = out->len > 0;
			continue;
		}
		if (pending)
			vbuf_putc(out, ' ');
		pending = 0;
		vbuf_putc(out, *cp);
	}
}

/* postconf_lookup - -x expansion over main.cf, overrides and defaults */

static const char *
postconf_lookup(const char *name, void *ctx)
{
	int defaults_only = *(int *)ctx;
	const struct param_def *d = param_find(name);

	if (defaults_only)
		return (d ? d->def : NULL);
	if (d != NULL)
		return (param_raw(name));
	return (cfg_get(param_cfg(), name));
}

/* postconf_print - one output line */

static void
postconf_print(const char *name, const char *raw, int flags)
{
	static struct vbuf val = VBUF_INIT;
	static struct vbuf exp = VBUF_INIT;
	struct vbuf why = VBUF_INIT;

	if (flags & PC_EXPAND) {
		int defaults_only = (flags & PC_DEFAULTS) != 0;

		vbuf_reset(&exp);
		if (cfg_expand(&exp, raw, postconf_lookup, &defaults_only,
			&why) < 0)
			msg_warn("%s: %s", name, vbuf_str(&why));
		raw = vbuf_str(&exp);
	}
	vbuf_free(&why);
	postconf_normalize(&val, raw);
	if (flags & PC_NAME_ONLY)
		printf("%s\n", name);
	else if (flags & PC_VALUE_ONLY)
		printf("%s\n", vbuf_str(&val));
	else if (val.len == 0)
		printf("%s =\n", name);
	else
		printf("%s = %s\n", name, val.data);
}

/* postconf_value - the value shown for a known parameter */

static const char *
postconf_value(const struct param_def *d, int flags)
{
	if (flags & PC_DEFAULTS)
		return (d->def ? d->def : "");
	return (param_raw(d->name));
}

/* postconf_is_nondefault - does -n show this known parameter? */

static int
postconf_is_nondefault(const char *name)
{
	if (strcmp(name, "config_directory") == 0 && !postconf_dir_is_default)
		return (1);
	return (param_is_set(name));
}

/* ---- unused parameter check ------------------------------------------ */

/*
 * postconf_classify - split the main.cf names that the table does not know
 * into user-defined ones and unused ones (util/pcheck, as sluice check).
 */
static struct pcheck_names postconf_user;   /* user-defined */
static struct pcheck_names postconf_unused; /* nothing uses them */

static void
postconf_classify(void)
{
	struct vbuf path = VBUF_INIT;

	vbuf_printf(&path, "%s/master.cf", postconf_dir);
	pcheck_classify(vbuf_str(&path), &postconf_user, &postconf_unused);
	vbuf_free(&path);
}

/* postconf_warn_unused - after the output, as Postfix does */

static void
postconf_warn_unused(void)
{
	size_t i;

	for (i = 0; i < postconf_unused.n; i++)
		msg_warn("%s/main.cf: unused parameter: %s=%s", postconf_dir,
		    postconf_unused.v[i],
		    cfg_get(param_cfg(), postconf_unused.v[i]));
}

/* ---- show parameters ------------------------------------------------- */

/* postconf_show_one - a known or user-defined parameter */

static void
postconf_show_one(const char *name, int flags)
{
	const struct param_def *d = param_find(name);

	if (d != NULL) {
		if ((flags & PC_NONDEF) && !postconf_is_nondefault(name))
			return;
		postconf_print(name, postconf_value(d, flags), flags);
	} else if (!(flags & PC_DEFAULTS)) {
		postconf_print(name, cfg_get(param_cfg(), name), flags);
	}
}

static void
postconf_show(char **names, int flags)
{
	size_t count, i = 0, u = 0;
	const struct param_def *tab = param_table(&count);
	size_t nuser = (flags & PC_DEFAULTS) ? 0 : postconf_user.n;

	if (*names == NULL) {
		/* Merge the sorted table with the sorted user-defined names. */
		while (i < count || u < nuser) {
			if (u >= nuser ||
			    (i < count &&
				strcmp(tab[i].name, postconf_user.v[u]) < 0))
				postconf_show_one(tab[i++].name, flags);
			else
				postconf_show_one(postconf_user.v[u++], flags);
		}
		return;
	}
	for (; *names; names++) {
		if (param_find(*names) == NULL &&
		    ((flags & PC_DEFAULTS) ||
			!pcheck_names_has(&postconf_user, *names))) {
			msg_warn("%s: unknown parameter", *names);
			continue;
		}
		postconf_show_one(*names, flags);
	}
}

/* ---- edit main.cf ---------------------------------------------------- */

struct postconf_edit {
	char *name;
	char *value; /* EDIT_SET only */
	int found;
};

/* postconf_parse_assign - "name=value" or "name = value" */

static void
postconf_parse_assign(const char *arg, struct postconf_edit *e)
{
	const char *eq = strchr(arg, '=');
	const char *np = arg, *ne, *vp, *ve;

	while (isspace((unsigned char)*np))
		np++;
	if (eq == NULL)
		msg_fatal("missing '=' after attribute name: \"%s\"", arg);
	for (ne = eq; ne > np && isspace((unsigned char)ne[-1]); ne--)
		;
	if (ne == np)
		msg_fatal("missing attribute name: \"%s\"", arg);
	for (vp = eq + 1; isspace((unsigned char)*vp); vp++)
		;
	for (ve = vp + strlen(vp); ve > vp && isspace((unsigned char)ve[-1]);
	     ve--)
		;
	if (strcspn(np, " \t\r\n") < (size_t)(ne - np))
		msg_fatal("missing '=' after attribute name: \"%s\"", arg);
	if (memchr(vp, '\n', (size_t)(ve - vp)) != NULL)
		msg_fatal("bad value for parameter %.*s: contains newline",
		    (int)(ne - np), np);
	e->name = mem_strndup(np, (size_t)(ne - np));
	e->value = mem_strndup(vp, (size_t)(ve - vp));
}

static struct postconf_edit *
postconf_edit_find(struct postconf_edit *edits, int n, const char *name,
    size_t len)
{
	int i;

	for (i = 0; i < n; i++)
		if (strlen(edits[i].name) == len &&
		    strncmp(edits[i].name, name, len) == 0)
			return (&edits[i]);
	return (NULL);
}

static int
postconf_edit_cmp(const void *a, const void *b)
{
	return (strcmp(((const struct postconf_edit *)a)->name,
	    ((const struct postconf_edit *)b)->name));
}

/* Output helpers that remember whether the file ends in a newline. */
static int out_last = '\n';

static void
postconf_emit(FILE *dst, const char *text)
{
	if (*text) {
		fputs(text, dst);
		out_last = text[strlen(text) - 1];
	}
}

static void
postconf_emit2(FILE *dst, const char *a, const char *b)
{
	postconf_emit(dst, a);
	postconf_emit(dst, b);
}

static void
postconf_emit_entry(FILE *dst, const struct postconf_edit *e)
{
	if (out_last != '\n')
		postconf_emit(dst, "\n");
	postconf_emit2(dst, e->name, *e->value ? " = " : " =");
	postconf_emit2(dst, e->value, "\n");
}

/*
 * postconf_lock_tmp - serialise editors on main.cf.tmp: lock it, and start
 * over when another editor renamed it into main.cf while we waited
 * (bounded). Only then is main.cf read, so that no edit is lost.
 */
int
postconf_lock_tmp(const char *tmp)
{
	struct stat fst, nst;
	int fd, i;

	for (i = 0;; i++) {
		if ((fd = open(tmp, O_WRONLY | O_CREAT | O_CLOEXEC, 0600)) < 0)
			msg_fatal("open %s: %m", tmp);
		if (flock(fd, LOCK_EX) < 0)
			msg_fatal("lock %s: %m", tmp);
		if (fstat(fd, &fst) == 0 && stat(tmp, &nst) == 0 &&
		    fst.st_dev == nst.st_dev && fst.st_ino == nst.st_ino)
			return (fd);
		close(fd);
		if (i >= 100)
			msg_fatal("%s: too many concurrent editors", tmp);
	}
}

/* postconf_edit_copy - copy main.cf to dst, applying the edits per entry */

static void
postconf_edit_copy(FILE *src, FILE *dst, const char *path,
    struct postconf_edit *edits, int n, int mode)
{
	/* Static: still reachable if a fatal error ends the process. */
	static struct vbuf line = VBUF_INIT;
	int ch, interesting = 0;

	for (;;) {
		const char *cp;

		vbuf_reset(&line);
		while ((ch = getc(src)) != EOF) {
			vbuf_putc(&line, ch);
			if (ch == '\n')
				break;
		}
		if (line.len == 0)
			break;
		for (cp = line.data; isspace((unsigned char)*cp); cp++)
			;
		if (*cp == '#' || *cp == 0) {
			/* Comment, blank line: always kept. */
			postconf_emit(dst, line.data);
		} else if (cp > line.data) {
			/* Continuation: belongs to the entry before it. */
			if (!interesting)
				postconf_emit(dst, line.data);
			else if (mode == EDIT_COMMENT)
				postconf_emit2(dst, "#", line.data);
		} else {
			struct postconf_edit *e;

			e = postconf_edit_find(edits, n, cp,
			    strcspn(cp, " \t\r\n="));
			interesting = e != NULL;
			if (e == NULL) {
				postconf_emit(dst, line.data);
				continue;
			}
			if (e->found++ == 1)
				msg_warn("%s: multiple entries for \"%s\"",
				    path, e->name);
			if (mode == EDIT_SET)
				postconf_emit_entry(dst, e);
			else if (mode == EDIT_COMMENT)
				postconf_emit2(dst, "#", line.data);
		}
	}
	vbuf_free(&line);
}

/* postconf_edit_file - rewrite main.cf with the edits applied */

static void
postconf_edit_file(struct postconf_edit *edits, int n, int mode)
{
	/* Static: still reachable if a fatal error ends the process. */
	static struct vbuf path = VBUF_INIT, tmp = VBUF_INIT;
	FILE *src, *dst;
	struct stat st;
	mode_t perm = 0644;
	int fd, i;

	vbuf_reset(&path);
	vbuf_reset(&tmp);
	vbuf_printf(&path, "%s/main.cf", postconf_dir);
	vbuf_printf(&tmp, "%s/main.cf.tmp", postconf_dir);

	fd = postconf_lock_tmp(tmp.data);
	if (ftruncate(fd, 0) < 0)
		msg_fatal("truncate %s: %m", tmp.data);
	if ((src = fopen(path.data, "r")) == NULL && errno != ENOENT)
		msg_fatal("open %s: %m", path.data);
	if (src != NULL && fstat(fileno(src), &st) == 0)
		perm = st.st_mode & 07777;
	if (src == NULL && mode != EDIT_SET) {
		unlink(tmp.data);
		msg_fatal("open %s: %m", path.data);
	}
	if (fchmod(fd, perm) < 0)
		msg_fatal("chmod %s: %m", tmp.data);
	if ((dst = fdopen(fd, "w")) == NULL)
		msg_fatal("fdopen %s: %m", tmp.data);

	if (src != NULL)
		postconf_edit_copy(src, dst, path.data, edits, n, mode);
	if (out_last != '\n')
		postconf_emit(dst, "\n");
	if (mode == EDIT_SET) {
		if (n > 1)
			qsort(edits, (size_t)n, sizeof(*edits),
			    postconf_edit_cmp);
		for (i = 0; i < n; i++)
			if (edits[i].found == 0)
				postconf_emit_entry(dst, &edits[i]);
	}
	if (src != NULL && ferror(src))
		msg_fatal("read %s: %m", path.data);
	if (fflush(dst) != 0 || ferror(dst) || fsync(fileno(dst)) != 0)
		msg_fatal("write %s: %m", tmp.data);
	/* Rename while the lock is still held, then release it. */
	if (rename(tmp.data, path.data) != 0)
		msg_fatal("rename %s to %s: %m", tmp.data, path.data);
	if (fclose(dst) != 0)
		msg_fatal("close %s: %m", path.data);
	if (src != NULL)
		fclose(src);
	vbuf_free(&path);
	vbuf_free(&tmp);
}

static void
postconf_edit(char **args, int mode)
{
	int n, i;
	static struct postconf_edit *edits; /* reachable at a fatal exit */

	for (n = 0; args[n]; n++)
		;
	if (n == 0)
		msg_fatal("no parameters specified");
	edits = mem_calloc((size_t)n, sizeof(*edits));
	for (i = 0; i < n; i++) {
		if (mode == EDIT_SET) {
			struct postconf_edit tmp = {0};
			struct postconf_edit *dup;

			postconf_parse_assign(args[i], &tmp);
			/* A later assignment of the same name wins. */
			if ((dup = postconf_edit_find(edits, i, tmp.name,
				 strlen(tmp.name))) != NULL) {
				mem_free(dup->value);
				dup->value = tmp.value;
				mem_free(tmp.name);
				edits[i].name = mem_strdup("");
				continue;
			}
			edits[i] = tmp;
		} else {
			if (strchr(args[i], '=') != NULL)
				msg_fatal("-%c does not accept name=value: "
					  "\"%s\"",
				    mode == EDIT_REMOVE ? 'X' : '#', args[i]);
			edits[i].name = mem_strdup(args[i]);
		}
	}
	/* Drop placeholders of duplicates. */
	{
		int k = 0;

		for (i = 0; i < n; i++) {
			if (edits[i].name[0] == 0) {
				mem_free(edits[i].name);
				continue;
			}
			edits[k++] = edits[i];
		}
		n = k;
	}
	postconf_edit_file(edits, n, mode);
	for (i = 0; i < n; i++) {
		mem_free(edits[i].name);
		mem_free(edits[i].value);
	}
	edits = mem_free(edits);
}

/* ---- main ------------------------------------------------------------ */

static void
postconf_usage(void)
{
	msg_fatal("usage: %s [-c config_dir] [-d] [-e] [-h] [-H] [-F|-M|-P] "
		  "[-n] "
		  "[-o name=value] [-x] [-X] [-#] [name ...] [name=value ...]",
	    msg_prog());
}

/* postconf_master - -M, -F or -P: show, or edit when asked or an
 * argument has '=' */

static int
postconf_master(int master, int edit, char **argv, int flags)
{
	int i;

	for (i = 0; edit == 0 && argv[i]; i++)
		if (strchr(argv[i], '=') != NULL)
			edit = EDIT_SET;
	if (edit == EDIT_COMMENT && master != 'M')
		msg_fatal("-# works only with -M or parameters");
	if (edit == EDIT_REMOVE && master == 'F')
		msg_fatal("-X works only with -M, -P or parameters");
	if (edit)
		postconf_master_edit(master, edit, argv);
	else
		postconf_master_show(master, argv, flags);
	return (0);
}

/* postconf_config_dir - -c, else $MAIL_CONFIG, else the default */

static const char *
postconf_config_dir(const char *config_dir)
{
	if (config_dir != NULL) {
		if (setenv("MAIL_CONFIG", config_dir, 1) != 0)
			msg_fatal("setenv MAIL_CONFIG: %m");
	} else if ((config_dir = getenv("MAIL_CONFIG")) == NULL ||
	    *config_dir == 0) {
		config_dir = POSTCONF_DEF_CONFIG_DIR;
	}
	postconf_dir = config_dir;
	postconf_dir_is_default =
	    strcmp(config_dir, POSTCONF_DEF_CONFIG_DIR) == 0;
	return (config_dir);
}

int
main(int argc, char **argv)
{
	int flags = 0, edit = 0, master = 0, ch, i;
	const char *config_dir = NULL;
	static char **overrides; /* static: still reachable at a fatal exit */
	int noverrides = 0;
	struct cfg *c;
	static struct vbuf path = VBUF_INIT, why = VBUF_INIT;

	msg_init(argv[0], MSG_STDERR | MSG_NOLOG);
	overrides = mem_calloc((size_t)argc + 1, sizeof(char *));
	while ((ch = getopt(argc, argv, "c:dehHFMno:PxX#")) != -1) {
		switch (ch) {
		case 'c':
			config_dir = optarg;
			break;
		case 'd':
			flags |= PC_DEFAULTS;
			break;
		case 'e':
			edit = EDIT_SET;
			break;
		case 'h':
			flags |= PC_VALUE_ONLY;
			break;
		case 'H':
			flags |= PC_NAME_ONLY;
			break;
		case 'F':
		case 'M':
		case 'P':
			if (master != 0 && master != ch)
				msg_fatal("specify one of -F, -M or -P");
			master = ch;
			break;
		case 'n':
			flags |= PC_NONDEF;
			break;
		case 'o':
			overrides[noverrides++] = optarg;
			break;
		case 'x':
			flags |= PC_EXPAND;
			break;
		case 'X':
			edit = EDIT_REMOVE;
			break;
		case '#':
			edit = EDIT_COMMENT;
			break;
		default:
			postconf_usage();
		}
	}
	argv += optind;

	config_dir = postconf_config_dir(config_dir);

	if (master) {
		mem_free(overrides);
		return (postconf_master(master, edit, argv, flags));
	}
	if (edit == 0) {
		for (i = 0; argv[i]; i++)
			if (strchr(argv[i], '=') != NULL)
				edit = EDIT_SET;
	}
	if (edit) {
		mem_free(overrides);
		postconf_edit(argv, edit);
		return (0);
	}

	/* Show parameters; -d does not need a main.cf. */
	c = cfg_create();
	vbuf_printf(&path, "%s/main.cf", config_dir);
	if (!(flags & PC_DEFAULTS) && cfg_load(c, path.data, &why) < 0) {
		cfg_free(c);
		msg_fatal("%s", why.data);
	}
	param_load_cfg(config_dir, c);
	for (i = 0; i < noverrides; i++)
		param_override(overrides[i]);
	if (!(flags & PC_DEFAULTS))
		postconf_classify();
	postconf_show(argv, flags);
	if (fflush(stdout) != 0 || ferror(stdout))
		msg_fatal("write error on standard output: %m");
	if (!(flags & PC_DEFAULTS))
		postconf_warn_unused();
	mem_free(overrides);
	vbuf_free(&path);
	vbuf_free(&why);
	return (0);
}
