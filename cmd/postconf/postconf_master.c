/*
 * postconf_master - master.cf with -M, -F and -P; see postconf.h.
 *
 * Implementation notes. An entry is read by util/cfg's master.cf parser.
 * Its command line is split as a daemon's getopt() would see it: the
 * command, the options before the first non-option argument (kept with
 * the command), the "-o name=value" parameters among them, and the rest.
 * Display keeps the original argument order; an argument that follows
 * "-o" and holds white space is shown in braces, other arguments as they
 * are (Postfix's postconf does the same).
 *
 * An edit rewrites only the entries it changes, in Postfix's layout: the
 * seven fields at the -M columns with the command and its options, then
 * one "    -o name=value" line per parameter, then the remaining arguments
 * folded at 80 columns on indented lines. The rewritten entry is parsed
 * again before anything is written, so an edit cannot leave master.cf
 * unreadable. main.cf's editor protocol is reused: master.cf.tmp is
 * locked, master.cf read, the result written to the temporary file,
 * flushed and renamed over master.cf.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "cfg.h"
#include "mem.h"
#include "msg.h"
#include "postconf.h"
#include "vbuf.h"

#define PCM_NFIELD 8	  /* seven fields and the command */
#define PCM_FOLD 80	  /* continuation lines are folded here */
#define PCM_INDENT "    " /* and start with this */

static const char *const pcm_field_names[PCM_NFIELD] = {"service", "type",
    "private", "unprivileged", "chroot", "wakeup", "process_limit", "command"};

struct pcm_param {
	char *name;
	char *value; /* NULL: "-o name" without '=' */
};

/* One master.cf entry as postconf sees it. */
struct pcm_ent {
	char *fields[7];
	char **argv; /* command and arguments, in file order */
	int argc;
	int nhead; /* argv[0..nhead-1]: command and its leading options */
	struct pcm_param *params;
	int nparam;
	int rest;	 /* argv[rest..]: arguments after the options */
	int first, last; /* physical lines in master.cf; 0 = new */
	int edit;	 /* 0, EDIT_SET (rewrite), EDIT_REMOVE, EDIT_COMMENT */
};

struct pcm_file {
	char **lines; /* physical lines, newline kept */
	int nline;
	struct pcm_ent *ents;
	int nent;
};

/* ---- entries -------------------------------------------------------- */

/* pcm_add_param - one "-o" argument; the last setting of a name wins */

static void
pcm_add_param(struct pcm_ent *e, const char *text)
{
	const char *eq = strchr(text, '=');
	const char *np = text, *ne, *vp, *ve;
	int i;

	while (isspace((unsigned char)*np))
		np++;
	ne = eq ? eq : np + strlen(np);
	while (ne > np && isspace((unsigned char)ne[-1]))
		ne--;
	for (i = 0; i < e->nparam; i++)
		if (strlen(e->params[i].name) == (size_t)(ne - np) &&
		    strncmp(e->params[i].name, np, (size_t)(ne - np)) == 0)
			break;
	if (i == e->nparam) {
		e->params = mem_realloc(e->params,
		    (size_t)(e->nparam + 1) * sizeof(*e->params));
		e->params[e->nparam].name = mem_strndup(np, (size_t)(ne - np));
		e->params[e->nparam++].value = NULL;
	}
	mem_free(e->params[i].value);
	e->params[i].value = NULL;
	if (eq != NULL) {
		for (vp = eq + 1; isspace((unsigned char)*vp); vp++)
			;
		for (ve = vp + strlen(vp);
		     ve > vp && isspace((unsigned char)ve[-1]); ve--)
			;
		e->params[i].value = mem_strndup(vp, (size_t)(ve - vp));
	}
}

/* pcm_split - command, leading options, -o parameters, the rest */

static void
pcm_split(struct pcm_ent *e)
{
	int i = 1;
	const char *a;

	e->nhead = 1;
	while (i < e->argc) {
		a = e->argv[i];
		if (strcmp(a, "-o") == 0 && i + 1 < e->argc) {
			pcm_add_param(e, e->argv[i + 1]);
			i += 2;
		} else if (strncmp(a, "-o", 2) == 0 && a[2] != 0) {
			pcm_add_param(e, a + 2);
			i++;
		} else if (a[0] == '-' && a[1] != 0 && strcmp(a, "--") != 0) {
			/* Keep options in place; -n NAME etc. take a value. */
			if (strchr("imnst", a[1]) != NULL && a[2] == 0 &&
			    i + 1 < e->argc)
				i++;
			e->nhead = ++i;
		} else {
			break;
		}
	}
	e->rest = i;
}

/* pcm_ent_set - fill e from a parsed master.cf entry */

static void
pcm_ent_set(struct pcm_ent *e, const struct master_ent *m)
{
	int i;

	memset(e, 0, sizeof(*e));
	for (i = 0; i < 7; i++)
		e->fields[i] = mem_strdup(m->fields[i]);
	e->argv = mem_calloc((size_t)m->argc + 1, sizeof(char *));
	for (i = 0; i < m->argc; i++)
		e->argv[i] = mem_strdup(m->argv[i]);
	e->argc = m->argc;
	e->first = e->last = m->line;
	pcm_split(e);
}

static void
pcm_ent_clear(struct pcm_ent *e)
{
	int i;

	for (i = 0; i < 7; i++)
		mem_free(e->fields[i]);
	for (i = 0; i < e->argc; i++)
		mem_free(e->argv[i]);
	mem_free(e->argv);
	for (i = 0; i < e->nparam; i++) {
		mem_free(e->params[i].name);
		mem_free(e->params[i].value);
	}
	mem_free(e->params);
	memset(e, 0, sizeof(*e));
}

/* pcm_arg - append one argument as postconf shows it */

static void
pcm_arg(struct vbuf *out, const char *arg, int after_o)
{
	if (after_o && strpbrk(arg, " \t") != NULL)
		vbuf_printf(out, "{%s}", arg);
	else
		vbuf_puts(out, arg);
}

/* pcm_param_text - "name=value" of one parameter */

static void
pcm_param_text(struct vbuf *out, const struct pcm_param *p)
{
	vbuf_puts(out, p->name);
	if (p->value != NULL)
		vbuf_printf(out, "=%s", p->value);
}

/* pcm_fields - the seven fields at Postfix's columns */

static void
pcm_fields(struct vbuf *out, const struct pcm_ent *e)
{
	static const int goal[PCM_NFIELD] = {0, 11, 17, 25, 33, 41, 49, 57};
	int i;

	for (i = 0; i < 7; i++) {
		if (i > 0)
			do
				vbuf_putc(out, ' ');
			while (out->len < (size_t)goal[i]);
		vbuf_puts(out, e->fields[i]);
	}
	do
		vbuf_putc(out, ' ');
	while (out->len < (size_t)goal[7]);
}

/* pcm_command - the command field's text: arguments in file order */

static void
pcm_command(struct vbuf *out, const struct pcm_ent *e)
{
	int i;

	for (i = 0; i < e->argc; i++) {
		if (i > 0)
			vbuf_putc(out, ' ');
		pcm_arg(out, e->argv[i],
		    i > 0 && !strcmp(e->argv[i - 1], "-o"));
	}
}

/* pcm_field - field number i of e (7: the command) */

static void
pcm_field(struct vbuf *out, const struct pcm_ent *e, int i)
{
	if (i < 7)
		vbuf_puts(out, e->fields[i]);
	else
		pcm_command(out, e);
}

/*
 * pcm_layout - the entry in Postfix's multi-line layout: the fields, the
 * command and its leading options; one line per -o parameter; then the
 * other arguments, after the parameters on a new line, else on the first
 * line, folded at PCM_FOLD columns with "-o" kept next to its value.
 */
static void
pcm_layout(struct vbuf *out, const struct pcm_ent *e)
{
	struct vbuf word = VBUF_INIT;
	size_t line_start = 0;
	int i;

	pcm_fields(out, e);
	for (i = 0; i < e->nhead; i++) {
		if (i > 0)
			vbuf_putc(out, ' ');
		vbuf_puts(out, e->argv[i]);
	}
	for (i = 0; i < e->nparam; i++) {
		vbuf_reset(&word);
		pcm_param_text(&word, &e->params[i]);
		vbuf_puts(out, "\n" PCM_INDENT "-o ");
		pcm_arg(out, vbuf_str(&word), 1);
	}
	if (e->nparam > 0 && e->rest < e->argc) {
		vbuf_puts(out, "\n" PCM_INDENT);
		line_start = out->len - strlen(PCM_INDENT);
	}
	for (i = e->rest; i < e->argc; i++) {
		vbuf_reset(&word);
		if (strcmp(e->argv[i], "-o") == 0 && i + 1 < e->argc) {
			vbuf_puts(&word, "-o ");
			pcm_arg(&word, e->argv[++i], 1);
		} else {
			pcm_arg(&word, e->argv[i], 0);
		}
		if (out->len > line_start + strlen(PCM_INDENT) &&
		    out->len - line_start + 1 + word.len > PCM_FOLD) {
			vbuf_puts(out, "\n" PCM_INDENT);
			line_start = out->len - strlen(PCM_INDENT);
		} else if (out->len > line_start + strlen(PCM_INDENT)) {
			vbuf_putc(out, ' ');
		}
		vbuf_append(out, word.data, word.len);
	}
	vbuf_putc(out, '\n');
	vbuf_free(&word);
}

/* ---- master.cf ------------------------------------------------------ */

static const char *
pcm_path(void)
{
	static struct vbuf path = VBUF_INIT;

	vbuf_reset(&path);
	vbuf_printf(&path, "%s/master.cf", postconf_dir);
	return (vbuf_str(&path));
}

/* pcm_is_cont - a line that continues an entry (not blank, no comment) */

static int
pcm_is_cont(const char *line)
{
	const char *cp = line;

	if (!isspace((unsigned char)*cp))
		return (0);
	while (isspace((unsigned char)*cp))
		cp++;
	return (*cp != 0 && *cp != '#');
}

/* pcm_read_lines - master.cf's physical lines */

static void
pcm_read_lines(struct pcm_file *f, const char *path)
{
	FILE *fp;
	struct vbuf line = VBUF_INIT;
	int ch;

	if ((fp = fopen(path, "r")) == NULL)
		msg_fatal("open %s: %m", path);
	for (;;) {
		vbuf_reset(&line);
		while ((ch = getc(fp)) != EOF) {
			vbuf_putc(&line, ch);
			if (ch == '\n')
				break;
		}
		if (line.len == 0)
			break;
		f->lines = mem_realloc(f->lines,
		    (size_t)(f->nline + 1) * sizeof(char *));
		f->lines[f->nline++] = mem_strdup(vbuf_str(&line));
	}
	if (ferror(fp))
		msg_fatal("read %s: %m", path);
	fclose(fp);
	vbuf_free(&line);
}

/* pcm_load - parse master.cf; with lines, also each entry's line span */

static void
pcm_load(struct pcm_file *f, int with_lines)
{
	static struct vbuf why = VBUF_INIT;
	const char *path = pcm_path();
	struct master_ent *ents;
	size_t count, i;
	int k;

	memset(f, 0, sizeof(*f));
	if (master_cf_load(path, &ents, &count, &why) < 0)
		msg_fatal("%s", vbuf_str(&why));
	f->ents = mem_calloc(count + 1, sizeof(*f->ents));
	for (i = 0; i < count; i++)
		pcm_ent_set(&f->ents[i], &ents[i]);
	f->nent = (int)count;
	master_cf_free(ents, count);
	if (!with_lines)
		return;
	pcm_read_lines(f, path);
	for (i = 0; i < count; i++) {
		struct pcm_ent *e = &f->ents[i];

		/* Comments and blank lines may sit between continuations. */
		for (k = e->first + 1; k <= f->nline; k++) {
			const char *l = f->lines[k - 1];

			if (pcm_is_cont(l))
				e->last = k;
			else if (!isspace((unsigned char)*l) && *l != '#')
				break;
		}
	}
}

static void
pcm_free(struct pcm_file *f)
{
	int i;

	for (i = 0; i < f->nent; i++)
		pcm_ent_clear(&f->ents[i]);
	mem_free(f->ents);
	for (i = 0; i < f->nline; i++)
		mem_free(f->lines[i]);
	mem_free(f->lines);
	memset(f, 0, sizeof(*f));
}

/* ---- requests --------------------------------------------------------- */

/* pcm_part - component n of "service/type/name" (the name: the rest) */

static char *
pcm_part(const char *req, int n)
{
	const char *cp = req, *end;
	int i;

	for (i = 0; i < n; i++) {
		if ((cp = strchr(cp, '/')) == NULL)
			return (NULL);
		cp++;
	}
	if (n >= 2 || (end = strchr(cp, '/')) == NULL)
		end = cp + strlen(cp);
	return (mem_strndup(cp, (size_t)(end - cp)));
}

/* pcm_comp_match - one component: equal, or the "*" wildcard */

static int
pcm_comp_match(const char *pattern, const char *value)
{
	return (pattern == NULL || strcmp(pattern, "*") == 0 ||
	    strcmp(pattern, value) == 0);
}

/* pcm_match - does e match the service and type parts of req? */

static int
pcm_match(const struct pcm_ent *e, const char *svc, const char *type)
{
	return (pcm_comp_match(svc, e->fields[0]) &&
	    pcm_comp_match(type, e->fields[1]));
}

/* pcm_field_index - the field called name; fatal if none */

static int
pcm_field_index(const char *name)
{
	int i;

	for (i = 0; i < PCM_NFIELD; i++)
		if (strcmp(pcm_field_names[i], name) == 0)
			return (i);
	msg_fatal("invalid service attribute name: \"%s\"", name);
}

/* pcm_print - "svc/type/name = value", or the part -h/-H ask for */

static void
pcm_print(const struct pcm_ent *e, const char *name, const char *value,
    int flags)
{
	if (flags & PC_NAME_ONLY)
		printf("%s/%s/%s\n", e->fields[0], e->fields[1], name);
	else if (flags & PC_VALUE_ONLY)
		printf("%s\n", value);
	else
		printf("%s/%s/%s = %s\n", e->fields[0], e->fields[1], name,
		    value);
}

static int
pcm_param_cmp(const void *a, const void *b)
{
	return (strcmp(((const struct pcm_param *)a)->name,
	    ((const struct pcm_param *)b)->name));
}

/* pcm_show_ent - what one request shows of one entry; 1 if anything */

static int
pcm_show_ent(int mode, struct pcm_ent *e, const char *name, int flags)
{
	struct vbuf val = VBUF_INIT;
	int i, shown = 0;

	if (mode == 'M') {
		pcm_fields(&val, e);
		pcm_command(&val, e);
		printf("%s\n", vbuf_str(&val));
		shown = 1;
	} else if (mode == 'F') {
		for (i = 0; i < PCM_NFIELD; i++) {
			if (!pcm_comp_match(name, pcm_field_names[i]))
				continue;
			vbuf_reset(&val);
			pcm_field(&val, e, i);
			pcm_print(e, pcm_field_names[i], vbuf_str(&val), flags);
			shown = 1;
		}
	} else {
		if (e->nparam > 1)
			qsort(e->params, (size_t)e->nparam, sizeof(*e->params),
			    pcm_param_cmp);
		for (i = 0; i < e->nparam; i++) {
			if (!pcm_comp_match(name, e->params[i].name))
				continue;
			pcm_print(e, e->params[i].name,
			    e->params[i].value ? e->params[i].value : "",
			    flags);
			shown = 1;
		}
	}
	vbuf_free(&val);
	return (shown);
}

void
postconf_master_show(int mode, char **requests, int flags)
{
	struct pcm_file f;
	char *svc, *type, *name;
	int i, r, shown;

	pcm_load(&f, 0);
	if (mode == 'F')
		for (r = 0; requests[r] != NULL; r++)
			if ((name = pcm_part(requests[r], 2)) != NULL) {
				if (strcmp(name, "*") != 0)
					(void)pcm_field_index(name);
				mem_free(name);
			}
	if (requests[0] == NULL)
		for (i = 0; i < f.nent; i++)
			(void)pcm_show_ent(mode, &f.ents[i], NULL, flags);
	for (r = 0; requests[r] != NULL; r++) {
		svc = pcm_part(requests[r], 0);
		type = pcm_part(requests[r], 1);
		name = mode == 'M' ? NULL : pcm_part(requests[r], 2);
		for (shown = i = 0; i < f.nent; i++)
			if (pcm_match(&f.ents[i], svc, type))
				shown |=
				    pcm_show_ent(mode, &f.ents[i], name, flags);
		if (!shown)
			msg_warn("unmatched request: \"%s\"", requests[r]);
		mem_free(svc);
		mem_free(type);
		mem_free(name);
	}
	if (fflush(stdout) != 0 || ferror(stdout))
		msg_fatal("write error on standard output: %m");
	pcm_free(&f);
}

/* ---- edits ---------------------------------------------------------- */

/* pcm_parse_text - parse text as one master.cf entry into e; fatal,
 * quoting what */

static void
pcm_parse_text(struct pcm_ent *e, const char *text, const char *what)
{
	struct vbuf why = VBUF_INIT;
	struct master_ent m;
	char *copy = mem_strdup(text), *nl;
	const char *reason;

	for (nl = copy; (nl = strchr(nl, '\n')) != NULL;)
		*nl = ' ';
	if (master_cf_parse(copy, &m, "-", 0, &why) < 0) {
		reason = vbuf_str(&why);
		if (strncmp(reason, "-, line 0: ", 11) == 0)
			reason += 11;
		msg_fatal("bad master.cf entry: \"%s\": %s", what, reason);
	}
	pcm_ent_set(e, &m);
	master_ent_clear(&m);
	mem_free(copy);
	vbuf_free(&why);
}

/* pcm_changed - e is to be rewritten; check that master.cf reads it */

static void
pcm_changed(struct pcm_ent *e, const char *arg)
{
	struct vbuf text = VBUF_INIT;
	struct pcm_ent check;

	pcm_layout(&text, e);
	pcm_parse_text(&check, vbuf_str(&text), arg);
	pcm_ent_clear(&check);
	vbuf_free(&text);
	e->edit = EDIT_SET;
}

/* pcm_key - split "service/type[/name][=value]"; parts needed: n */

static void
pcm_key(const char *arg, int n, int set, char **parts, char **value,
    const char *usage)
{
	char *key = mem_strdup(arg), *eq, *end;
	int i;

	*value = NULL;
	if (set) {
		if ((eq = strchr(key, '=')) == NULL)
			msg_fatal("%s", usage);
		*eq = 0;
		for (eq++; isspace((unsigned char)*eq); eq++)
			;
		for (end = eq + strlen(eq);
		     end > eq && isspace((unsigned char)end[-1]); end--)
			;
		*value = mem_strndup(eq, (size_t)(end - eq));
	}
	for (end = key + strlen(key);
	     end > key && isspace((unsigned char)end[-1]); end--)
		*--end = 0;
	for (i = 0; i < 3; i++)
		parts[i] = i < n ? pcm_part(key, i) : NULL;
	for (i = 0; i < n; i++)
		if (parts[i] == NULL || *parts[i] == 0 ||
		    (i == n - 1 && strchr(parts[i], '/') != NULL))
			msg_fatal("%s", usage);
	mem_free(key);
}

static void
pcm_key_free(char **parts, char *value)
{
	int i;

	for (i = 0; i < 3; i++)
		mem_free(parts[i]);
	mem_free(value);
}

/* pcm_count_fields - white-space separated words in text */

static int
pcm_count_fields(const char *text)
{
	const char *cp = text;
	int n = 0;

	for (;;) {
		cp += strspn(cp, " \t\r\n");
		if (*cp == 0)
			return (n);
		n++;
		cp += strcspn(cp, " \t\r\n");
	}
}

/* pcm_edit_M - -M service/type=entry, -MX and -M# service/type */

static void
pcm_edit_M(struct pcm_file *f, int edit, const char *arg)
{
	char *parts[3], *value;
	struct pcm_ent n;
	int i, found = 0;

	pcm_key(arg, 2, edit == EDIT_SET, parts, &value,
	    "-Me, -MX or -M# requires service_name/type");
	if (edit == EDIT_SET && pcm_count_fields(value) < PCM_NFIELD)
		msg_fatal("bad field count: \"%s\"", arg);
	for (i = 0; i < f->nent; i++) {
		struct pcm_ent *e = &f->ents[i];

		if (edit != EDIT_SET) {
			if (pcm_match(e, parts[0], parts[1]))
				e->edit = edit;
		} else if (!found && strcmp(e->fields[0], parts[0]) == 0 &&
		    strcmp(e->fields[1], parts[1]) == 0) {
			pcm_parse_text(&n, value, value);
			n.first = e->first;
			n.last = e->last;
			pcm_ent_clear(e);
			*e = n;
			e->edit = EDIT_SET;
			found = 1;
		}
	}
	if (edit == EDIT_SET && !found) {
		f->ents = mem_realloc(f->ents,
		    (size_t)(f->nent + 1) * sizeof(*f->ents));
		pcm_parse_text(&f->ents[f->nent], value, value);
		f->ents[f->nent].first = f->ents[f->nent].last = 0;
		f->ents[f->nent++].edit = EDIT_SET;
	}
	pcm_key_free(parts, value);
}

/* pcm_set_field - one field of e; the command field is re-parsed */

static void
pcm_set_field(struct pcm_ent *e, int field, const char *value)
{
	struct vbuf text = VBUF_INIT;
	struct pcm_ent n;
	int i;

	if (field < 7) {
		mem_free(e->fields[field]);
		e->fields[field] = mem_strdup(value);
		return;
	}
	vbuf_puts(&text, "x unix - - - - - ");
	vbuf_puts(&text, value);
	pcm_parse_text(&n, vbuf_str(&text), value);
	for (i = 0; i < 7; i++) {
		mem_free(n.fields[i]);
		n.fields[i] = e->fields[i];
		e->fields[i] = NULL;
	}
	n.first = e->first;
	n.last = e->last;
	pcm_ent_clear(e);
	*e = n;
	vbuf_free(&text);
}

/* pcm_edit_F - -F service/type/field=value */

static void
pcm_edit_F(struct pcm_file *f, const char *arg)
{
	char *parts[3], *value;
	int i, field, found = 0;

	pcm_key(arg, 3, 1, parts, &value,
	    "-Fe or -FX requires service_name/type/field_name");
	field = pcm_field_index(parts[2]);
	if (field < 7 && (*value == 0 || strpbrk(value, " \t") != NULL))
		msg_fatal("-Fe does not accept whitespace in non-command "
			  "field");
	if (field == 7 && *value == 0)
		msg_fatal("-Fe does not accept an empty command field");
	for (i = 0; i < f->nent; i++) {
		if (!pcm_match(&f->ents[i], parts[0], parts[1]))
			continue;
		pcm_set_field(&f->ents[i], field, value);
		pcm_changed(&f->ents[i], arg);
		found = 1;
	}
	if (!found)
		msg_warn("unmatched service_name/type: \"%s\"", arg);
	pcm_key_free(parts, value);
}

/* pcm_edit_P - -P service/type/name=value, -PX service/type/name */

static void
pcm_edit_P(struct pcm_file *f, int edit, const char *arg)
{
	struct vbuf text = VBUF_INIT;
	char *parts[3], *value;
	int i, j, changed, found = 0;

	pcm_key(arg, 3, edit == EDIT_SET, parts, &value,
	    "-Pe or -PX requires service_name/type/parameter");
	if (edit == EDIT_SET && strpbrk(value, " \t") != NULL)
		msg_fatal("-Pe does not accept whitespace in parameter value");
	for (i = 0; i < f->nent; i++) {
		struct pcm_ent *e = &f->ents[i];

		if (!pcm_match(e, parts[0], parts[1]))
			continue;
		found = 1;
		if (edit == EDIT_SET) {
			vbuf_reset(&text);
			vbuf_printf(&text, "%s=%s", parts[2], value);
			pcm_add_param(e, vbuf_str(&text));
			pcm_changed(e, arg);
			continue;
		}
		for (changed = j = 0; j < e->nparam;) {
			if (!pcm_comp_match(parts[2], e->params[j].name)) {
				j++;
				continue;
			}
			mem_free(e->params[j].name);
			mem_free(e->params[j].value);
			memmove(&e->params[j], &e->params[j + 1],
			    (size_t)(e->nparam - j - 1) * sizeof(*e->params));
			e->nparam--;
			changed = 1;
		}
		if (changed)
			pcm_changed(e, arg);
	}
	if (!found)
		msg_warn("unmatched service_name/type: \"%s\"", arg);
	pcm_key_free(parts, value);
	vbuf_free(&text);
}

/* pcm_emit - write one rewritten entry */

static void
pcm_emit(FILE *dst, const struct pcm_ent *e)
{
	struct vbuf text = VBUF_INIT;

	pcm_layout(&text, e);
	fputs(vbuf_str(&text), dst);
	vbuf_free(&text);
}

/* pcm_write - master.cf with the edited entries rewritten */

static void
pcm_write(struct pcm_file *f, FILE *dst)
{
	int k, i, last = '\n';

	for (k = 1; k <= f->nline; k++) {
		struct pcm_ent *e = NULL;

		for (i = 0; i < f->nent && e == NULL; i++)
			if (f->ents[i].first == k && f->ents[i].edit != 0)
				e = &f->ents[i];
		if (e == NULL) {
			fputs(f->lines[k - 1], dst);
			last = f->lines[k - 1][strlen(f->lines[k - 1]) - 1];
			continue;
		}
		if (e->edit == EDIT_SET)
			pcm_emit(dst, e);
		for (i = e->first; e->edit == EDIT_COMMENT && i <= e->last; i++)
			fprintf(dst, "#%s", f->lines[i - 1]);
		if (e->edit == EDIT_COMMENT)
			last = f->lines[e->last - 1]
				       [strlen(f->lines[e->last - 1]) - 1];
		else
			last = '\n';
		k = e->last;
	}
	for (i = 0; i < f->nent; i++) {
		if (f->ents[i].first != 0 || f->ents[i].edit != EDIT_SET)
			continue;
		if (last != '\n')
			fputc('\n', dst);
		pcm_emit(dst, &f->ents[i]);
		last = '\n';
	}
}

void
postconf_master_edit(int mode, int edit, char **args)
{
	static struct vbuf tmp = VBUF_INIT;
	const char *path = pcm_path();
	struct pcm_file f;
	struct stat st;
	FILE *dst;
	int fd, i;

	if (args[0] == NULL)
		msg_fatal("no service specified");
	vbuf_printf(&tmp, "%s.tmp", path);
	fd = postconf_lock_tmp(vbuf_str(&tmp));
	if (ftruncate(fd, 0) < 0)
		msg_fatal("truncate %s: %m", vbuf_str(&tmp));
	pcm_load(&f, 1);
	for (i = 0; args[i] != NULL; i++) {
		if (mode == 'M')
			pcm_edit_M(&f, edit, args[i]);
		else if (mode == 'F')
			pcm_edit_F(&f, args[i]);
		else
			pcm_edit_P(&f, edit, args[i]);
	}
	if (stat(path, &st) < 0 || fchmod(fd, st.st_mode & 07777) < 0)
		msg_fatal("chmod %s: %m", vbuf_str(&tmp));
	if ((dst = fdopen(fd, "w")) == NULL)
		msg_fatal("fdopen %s: %m", vbuf_str(&tmp));
	pcm_write(&f, dst);
	if (fflush(dst) != 0 || ferror(dst) || fsync(fileno(dst)) != 0)
		msg_fatal("write %s: %m", vbuf_str(&tmp));
	/* Rename while the lock is still held, then release it. */
	if (rename(vbuf_str(&tmp), path) != 0)
		msg_fatal("rename %s to %s: %m", vbuf_str(&tmp), path);
	if (fclose(dst) != 0)
		msg_fatal("close %s: %m", path);
	pcm_free(&f);
	vbuf_free(&tmp);
}
