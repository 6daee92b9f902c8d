/* Unit tests for util/cfg: logical lines, main.cf parsing and diagnostics,
 * every $name expansion form, the recursion limit, master.cf fields. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "cfg.h"
#include "mem.h"
#include "msg.h"

/* ---- helpers -------------------------------------------------------- */

static char tmpdir[256];

static const char *
write_tmp(const char *name, const char *text)
{
	static char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	return path;
}

/* Capture what msg_* writes to stderr while fn runs. */
static int saved_stderr = -1;
static char errpath[512];

static void
capture_start(void)
{
	int fd;

	snprintf(errpath, sizeof(errpath), "%s/stderr", tmpdir);
	fflush(stderr);
	saved_stderr = dup(2);
	fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	dup2(fd, 2);
	close(fd);
}

static const char *
capture_end(void)
{
	static char buf[8192];
	FILE *fp;
	size_t n;

	fflush(stderr);
	dup2(saved_stderr, 2);
	close(saved_stderr);
	fp = fopen(errpath, "r");
	assert_non_null(fp);
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = 0;
	fclose(fp);
	return buf;
}

static int
setup(void **state)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/sluice-test-cfg.%ld",
	    (long)getpid());
	mkdir(tmpdir, 0700);
	msg_init("test_cfg", MSG_STDERR);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* ---- logical lines -------------------------------------------------- */

struct ll_case {
	const char *name;
	const char *input;
	const char *lines[4]; /* expected logical lines */
	int first[4];	      /* their first physical line */
	const char *warning;  /* substring expected on stderr, or NULL */
};

static const struct ll_case ll_cases[] = {
    {"single line", "a = b\n", {"a = b"}, {1}, NULL},
    {"no final newline", "a = b", {"a = b"}, {1}, NULL},
    {"continuation keeps its white space", "a = b\n    c\n", {"a = b    c"},
	{1}, NULL},
    {"comment between continuation lines", "a = b\n# note\n  c\nd = e\n",
	{"a = b  c", "d = e"}, {1, 4}, NULL},
    {"indented comment between continuation lines", "a = b\n   # note\n\tc\n",
	{"a = b\tc"}, {1}, NULL},
    {"blank and white space lines inside", "a = b\n\n \t\n c\n", {"a = b c"},
	{1}, NULL},
    {"leading comments and blanks", "# x\n\n#y\nname = v\n", {"name = v"}, {4},
	NULL},
    {"hash inside a value is text", "a = b # c\n", {"a = b # c"}, {1}, NULL},
    {"leading white space is skipped with warning", " junk\nb = c\n", {"b = c"},
	{2}, "logical line must not start with whitespace: \" junk\""},
    {"leading white space after comment", "#x\n  orphan\n more\nz = 1\n",
	{"z = 1"}, {4}, "logical line must not start with whitespace"},
    {"only comments", "# a\n# b\n", {NULL}, {0}, NULL},
    {"empty file", "", {NULL}, {0}, NULL},
    {"trailing white space line at EOF", "a = 1\n  ", {"a = 1"}, {1}, NULL},
    {"two entries", "a = 1\nb = 2\n", {"a = 1", "b = 2"}, {1, 2}, NULL},
};

static void
test_logical_lines(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(ll_cases) / sizeof(ll_cases[0]); i++) {
		const struct ll_case *tc = &ll_cases[i];
		FILE *fp = fmemopen((void *)tc->input, strlen(tc->input), "r");
		struct vbuf line = VBUF_INIT;
		int lineno = 0, first = 0, n = 0;
		const char *err;

		if (strlen(tc->input) == 0) {
			fp = fopen("/dev/null", "r");
		}
		assert_non_null(fp);
		capture_start();
		while (
		    cfg_read_logical(fp, &line, &lineno, &first, "test.cf")) {
			if (n >= 4 || tc->lines[n] == NULL) {
				capture_end();
				fail_msg("%s: extra line \"%s\"", tc->name,
				    line.data);
			}
			if (strcmp(line.data, tc->lines[n]) != 0 ||
			    first != tc->first[n]) {
				capture_end();
				fail_msg("%s: line %d: got \"%s\" at %d, want "
					 "\"%s\" at %d",
				    tc->name, n, line.data, first, tc->lines[n],
				    tc->first[n]);
			}
			n++;
		}
		err = capture_end();
		if (n < 4 && tc->lines[n] != NULL)
			fail_msg("%s: missing line \"%s\"", tc->name,
			    tc->lines[n]);
		if (tc->warning) {
			if (strstr(err, tc->warning) == NULL ||
			    strstr(err, "test.cf: ") == NULL)
				fail_msg("%s: warning missing, stderr: %s",
				    tc->name, err);
		} else if (*err) {
			fail_msg("%s: unexpected stderr: %s", tc->name, err);
		}
		fclose(fp);
		vbuf_free(&line);
	}
}

static void
test_logical_line_counts_physical_lines(void **state)
{
	const char *in = "a = 1\n  2\n#c\n\nb = 3\n";
	FILE *fp = fmemopen((void *)in, strlen(in), "r");
	struct vbuf line = VBUF_INIT;
	int lineno = 0, first = 0;

	assert_int_equal(cfg_read_logical(fp, &line, &lineno, &first, "x"), 1);
	assert_string_equal(line.data, "a = 1  2");
	assert_int_equal(first, 1);
	assert_int_equal(cfg_read_logical(fp, &line, &lineno, &first, "x"), 1);
	assert_int_equal(first, 5);
	assert_int_equal(lineno, 5);
	assert_int_equal(cfg_read_logical(fp, &line, &lineno, &first, "x"), 0);
	fclose(fp);
	vbuf_free(&line);
}

/* ---- main.cf -------------------------------------------------------- */

static void
test_load_values_and_lines(void **state)
{
	const char *path = write_tmp("main.cf",
	    "# comment\n"
	    "myhostname   =   relay.example.com   \n"
	    "mydestination = $myhostname,\n"
	    "    localhost\n"
	    "empty =\n"
	    "tabbed\t=\tx\t\n"
	    "relayhost=[127.0.0.1]:2626\n");
	struct cfg *c = cfg_create();
	struct vbuf why = VBUF_INIT;

	assert_int_equal(cfg_load(c, path, &why), 0);
	assert_string_equal(cfg_get(c, "myhostname"), "relay.example.com");
	assert_int_equal(cfg_line(c, "myhostname"), 2);
	assert_string_equal(cfg_get(c, "mydestination"),
	    "$myhostname,    localhost");
	assert_int_equal(cfg_line(c, "mydestination"), 3);
	assert_string_equal(cfg_get(c, "empty"), "");
	assert_string_equal(cfg_get(c, "tabbed"), "x");
	assert_string_equal(cfg_get(c, "relayhost"), "[127.0.0.1]:2626");
	assert_int_equal(cfg_line(c, "relayhost"), 7);
	assert_null(cfg_get(c, "nosuch"));
	assert_int_equal(cfg_line(c, "nosuch"), 0);
	assert_int_equal(cfg_count(c), 5);
	assert_string_equal(cfg_name_at(c, 0), "myhostname");
	assert_string_equal(cfg_name_at(c, 4), "relayhost");

	cfg_set(c, "relayhost", "other");
	assert_string_equal(cfg_get(c, "relayhost"), "other");
	assert_int_equal(cfg_line(c, "relayhost"), 0);
	cfg_set(c, "newname", "v");
	assert_int_equal(cfg_count(c), 6);
	assert_string_equal(cfg_name_at(c, 5), "newname");
	cfg_free(c);
	vbuf_free(&why);
	assert_null(cfg_free(NULL));
}

static void
test_load_override_warns_only_when_different(void **state)
{
	const char *path = write_tmp("main.cf", "a = 1\nb = 2\na = 3\nb = 2\n");
	struct cfg *c = cfg_create();
	struct vbuf why = VBUF_INIT;
	const char *err;

	capture_start();
	assert_int_equal(cfg_load(c, path, &why), 0);
	err = capture_end();
	assert_string_equal(cfg_get(c, "a"), "3");
	assert_int_equal(cfg_line(c, "a"), 3);
	assert_non_null(strstr(err, "warning: "));
	assert_non_null(
	    strstr(err, "main.cf, line 3: overriding earlier entry: a=1\n"));
	assert_null(strstr(err, "entry: b="));
	cfg_free(c);
	vbuf_free(&why);
}

struct load_err_case {
	const char *name;
	const char *text;
	const char *why; /* expected suffix after the directory */
};

static const struct load_err_case load_errs[] = {
    {"missing equals", "a = 1\n\nno equals here\n",
	"/main.cf, line 3: missing '=' after attribute name: \"no equals "
	"here\""},
    {"missing name", "a = 1\n= value\n",
	"/main.cf, line 2: missing attribute name: \"= value\""},
    {"error on continued line uses first line", "a = 1\n#\nbroken\n  more\n",
	"/main.cf, line 3: missing '=' after attribute name: \"broken  more\""},
};

static void
test_load_errors(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(load_errs) / sizeof(load_errs[0]); i++) {
		const char *path = write_tmp("main.cf", load_errs[i].text);
		struct cfg *c = cfg_create();
		struct vbuf why = VBUF_INIT;
		char want[1024];

		snprintf(want, sizeof(want), "%s%s", tmpdir, load_errs[i].why);
		if (cfg_load(c, path, &why) != -1)
			fail_msg("%s: no error", load_errs[i].name);
		if (strcmp(vbuf_str(&why), want) != 0)
			fail_msg("%s: got \"%s\"", load_errs[i].name, why.data);
		cfg_free(c);
		vbuf_free(&why);
	}
}

static void
test_load_missing_file(void **state)
{
	struct cfg *c = cfg_create();
	struct vbuf why = VBUF_INIT;
	char path[600];

	snprintf(path, sizeof(path), "%s/nonexistent/main.cf", tmpdir);
	assert_int_equal(cfg_load(c, path, &why), -1);
	assert_non_null(strstr(why.data, "open "));
	assert_non_null(strstr(why.data, "No such file or directory"));
	cfg_free(c);
	vbuf_free(&why);
}

/* ---- expansion ------------------------------------------------------ */

static const char *vars[][2] = {
    {"a", "alpha"},
    {"e", ""},
    {"n", "5"},
    {"ten", "10"},
    {"nine", "9"},
    {"ref", "$a-$n"},
    {"deep", "<$ref>"},
    {"loop", "x$loop"},
    {"loop1", "$loop2"},
    {"loop2", "${loop1}"},
    {"compatibility_level", "0"},
    {"compat36", "3.6"},
    {"mydestination", "$myhostname, localhost"},
    {"myhostname", "relay.example.com"},
    {"bad", "${a?{x}junk}"},
    {"dollar", "$$HOME"},
};

static const char *
lookup(const char *name, void *ctx)
{
	size_t i;

	(void)ctx;
	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		if (strcmp(vars[i][0], name) == 0)
			return vars[i][1];
	return NULL;
}

struct exp_case {
	const char *name;
	const char *text;
	int ret;
	const char *out; /* expected output (also for partial results) */
	const char *why; /* substring of why when ret == -1 */
};

static const struct exp_case exp_cases[] = {
    {"plain text", "hello world", 0, "hello world", NULL},
    {"double dollar", "a$$b", 0, "a$b", NULL},
    {"dollar from a value is literal", "$dollar", 0, "$HOME", NULL},
    {"bare name", "$a", 0, "alpha", NULL},
    {"name ends at punctuation", "$a.$n,x", 0, "alpha.5,x", NULL},
    {"braces", "${a}x", 0, "alphax", NULL},
    {"parens", "$(a)x", 0, "alphax", NULL},
    {"spaces inside braces", "${ a }", 0, "alpha", NULL},
    {"undefined is empty", "[$nosuch]", 0, "[]", NULL},
    {"recursive values", "$deep", 0, "<alpha-5>", NULL},
    {"question, set", "${a?yes}", 0, "yes", NULL},
    {"question, empty", "${e?yes}", 0, "", NULL},
    {"question, undefined", "${nosuch?yes}", 0, "", NULL},
    {"question text is expanded", "${a?$n}", 0, "5", NULL},
    {"question braces", "${a?{ yes }}", 0, " yes ", NULL},
    {"question legacy text keeps colons", "${a?foo:{b}ar}", 0, "foo:{b}ar",
	NULL},
    {"colon, empty", "${e:dflt}", 0, "dflt", NULL},
    {"colon, undefined", "${nosuch:{dflt}}", 0, "dflt", NULL},
    {"colon, set", "${a:dflt}", 0, "", NULL},
    {"ternary true", "${a?{t}:{f}}", 0, "t", NULL},
    {"ternary false", "${e?{t}:{f}}", 0, "f", NULL},
    {"ternary with spaces", "${a ? {t} : {f}}", 0, "t", NULL},
    {"ternary legacy else", "${e?{t}:f}", 0, "f", NULL},
    {"syslog_name form", "${nosuch?{$nosuch}:{sluice}}", 0, "sluice", NULL},
    {"eq string", "${{$a} == {alpha} ? {y} : {n}}", 0, "y", NULL},
    {"ne string", "${{$a} != {alpha} ? {y} : {n}}", 0, "n", NULL},
    {"numeric gt", "${{$ten} > {$nine} ? {y} : {n}}", 0, "y", NULL},
    {"string gt", "${{10x} > {9x} ? {y} : {n}}", 0, "n", NULL},
    {"numeric le", "${{5} <= {05} ? {y} : {n}}", 0, "y", NULL},
    {"numeric lt huge",
	"${{99999999999999999999} < {100000000000000000000}?{y}:{n}}", 0, "y",
	NULL},
    {"ge", "${{b} >= {a} ? {y} : {n}}", 0, "y", NULL},
    {"bare relational value", "[${{a} == {a}}][${{a} == {b}}]", 0, "[true][]",
	NULL},
    {"relational with question only", "${{1} == {1} ? {one}}", 0, "one", NULL},
    {"relational with colon only", "${{1} == {2} : {two}}", 0, "two", NULL},
    {"level lt, compat 0",
	"${{$compatibility_level} <level {2} ? {subnet} : {host}}", 0, "subnet",
	NULL},
    {"level lt, compat 3.6", "${{$compat36} <level {2} ? {subnet} : {host}}", 0,
	"host", NULL},
    {"level 3.6 < 3.11", "${{3.6} <level {3.11} ? {y} : {n}}", 0, "y", NULL},
    {"string 3.6 > 3.11", "${{3.6} > {3.11} ? {y} : {n}}", 0, "y", NULL},
    {"level ge patch", "${{3.6.1} >=level {3.6} ? {y} : {n}}", 0, "y", NULL},
    {"level eq", "${{3.0} ==level {3} ? {y} : {n}}", 0, "y", NULL},
    {"relay_domains default",
	"${{$compatibility_level} <level {2} ? {$mydestination} : {}}", 0,
	"relay.example.com, localhost", NULL},
    {"nested conditionals", "${a?{${e?{x}:{${n}}}}:{z}}", 0, "5", NULL},
    {"self reference", "$loop", -1, NULL, "unreasonable macro call nesting"},
    {"mutual reference", "$loop1", -1, NULL, "unreasonable macro call nesting"},
    {"garbage after operand", "${a?{x}junk}", -1, NULL, "\":\" expected at"},
    {"garbage in a referenced value", "$bad", -1, NULL, "\":\" expected at"},
    {"garbage after else", "${a?{x}:{y}z}", -1, NULL, "unexpected input at"},
    {"bad operator", "${{a} ~ {b} ? {y}}", -1, NULL, "expected at"},
    {"bad operator suffix", "${{a} <foo {b} ? {y}}", -1, NULL,
	"bad operator suffix"},
    {"missing right operand", "${{a} == b ? {y}}", -1, NULL,
	"\"{expression}\" expected"},
    {"bad after relational", "${{a} == {b} x}", -1, NULL,
	"\"?\" or \":\" expected"},
    {"unbalanced operand", "${a?{x}", 0, "", NULL}, /* truncated: warns */
    {"unbalanced curly inside parens", "$(a?{x)", -1, NULL, "unbalanced {}"},
    {"bad level", "${{x} <level {2} ? {y}}", -1, NULL,
	"bad compatibility level"},
    {"attribute name syntax", "${a-b}", -1, NULL,
	"attribute name syntax error"},
    {"lone dollar", "cost 5$", -1, NULL, "empty macro name"},
    {"empty braces", "${}", -1, NULL, "empty macro name"},
    {"truncated reference", "abc${a", 0, "abc", NULL},
    {"truncated paren", "x$(a", 0, "x", NULL},
};

static void
test_expand_table(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(exp_cases) / sizeof(exp_cases[0]); i++) {
		const struct exp_case *tc = &exp_cases[i];
		struct vbuf out = VBUF_INIT, why = VBUF_INIT;
		int ret;

		vbuf_puts(&out, "");
		capture_start();
		ret = cfg_expand(&out, tc->text, lookup, NULL, &why);
		capture_end();
		if (ret != tc->ret)
			fail_msg("%s: returned %d, want %d (why: %s, out: %s)",
			    tc->name, ret, tc->ret, vbuf_str(&why),
			    vbuf_str(&out));
		if (tc->out && strcmp(vbuf_str(&out), tc->out) != 0)
			fail_msg("%s: got \"%s\", want \"%s\"", tc->name,
			    out.data, tc->out);
		if (tc->why && strstr(vbuf_str(&why), tc->why) == NULL)
			fail_msg("%s: why \"%s\" lacks \"%s\"", tc->name,
			    why.data, tc->why);
		vbuf_free(&out);
		vbuf_free(&why);
	}
}

static void
test_expand_appends_and_warns_on_truncation(void **state)
{
	struct vbuf out = VBUF_INIT, why = VBUF_INIT;
	const char *err;

	vbuf_puts(&out, "pre:");
	assert_int_equal(cfg_expand(&out, "$a", lookup, NULL, &why), 0);
	assert_string_equal(out.data, "pre:alpha");
	capture_start();
	assert_int_equal(cfg_expand(&out, "+${a", lookup, NULL, &why), 0);
	err = capture_end();
	assert_string_equal(out.data, "pre:alpha+");
	assert_non_null(
	    strstr(err, "warning: truncated macro reference: \"+${a\""));
	vbuf_free(&out);
	vbuf_free(&why);
}

static void
test_expand_null_lookup_result_is_empty(void **state)
{
	struct vbuf out = VBUF_INIT;

	assert_int_equal(cfg_expand(&out, "[$x][${x:d}]", lookup, NULL, NULL),
	    0);
	assert_string_equal(out.data, "[][d]");
	vbuf_free(&out);
}

static const char *
chain_lookup(const char *name, void *ctx)
{
	static char buf[32];
	int n, len = *(int *)ctx;

	if (name[0] != 'v')
		return NULL;
	n = atoi(name + 1);
	if (n + 1 < len)
		snprintf(buf, sizeof(buf), "$v%d", n + 1);
	else
		snprintf(buf, sizeof(buf), "end");
	return buf;
}

static void
test_expand_chain_depth(void **state)
{
	struct vbuf out = VBUF_INIT, why = VBUF_INIT;
	int len;

	/* 100 nested references expand; the 101st is too deep. */
	len = 100;
	assert_int_equal(cfg_expand(&out, "$v0", chain_lookup, &len, &why), 0);
	assert_string_equal(out.data, "end");
	vbuf_reset(&out);
	len = 101;
	assert_int_equal(cfg_expand(&out, "$v0", chain_lookup, &len, &why), -1);
	assert_non_null(strstr(why.data, "unreasonable macro call nesting"));
	vbuf_free(&out);
	vbuf_free(&why);
}

/*
 * Bounded expansion: "dN" is "$dN-1$dN-1" (d0 is leaf), so $dN makes 2^N
 * copies of the leaf; "vN" is "$vN+1" down a chain of len names.
 */
struct bound_lookup {
	int len;	  /* v chain length */
	const char *leaf; /* value of d0 */
};

static const char *
bound_lookup(const char *name, void *ctx)
{
	static char buf[64];
	const struct bound_lookup *bl = ctx;
	int n = atoi(name + 1);

	if (name[0] == 'd' && n == 0)
		return bl->leaf;
	if (name[0] == 'd') {
		snprintf(buf, sizeof(buf), "$d%d$d%d", n - 1, n - 1);
		return buf;
	}
	if (name[0] == 'v') {
		if (n + 1 < bl->len)
			snprintf(buf, sizeof(buf), "$v%d", n + 1);
		else
			snprintf(buf, sizeof(buf), "end");
		return buf;
	}
	return NULL;
}

static const struct bound_case {
	const char *name;
	const char *text;
	struct bound_lookup bl;
	int ret;
	size_t out_len; /* when ret == 0 */
	const char *why;
} bound_cases[] = {
    {"doubling 40 deep", "$d40", {0, "x"}, -1, 0,
	"macro expansion of \"d40\" is too long (more than 100000 bytes)"},
    {"doubling in braces", "<${d1?{$d40}}>", {0, "x"}, -1, 0,
	"macro expansion of \"d1?{$d40}\" is too long"},
    {"doubling to 65536 bytes", "$d16", {0, "x"}, 0, 65536, NULL},
    {"doubling to 131072 bytes", "$d17", {0, "x"}, -1, 0,
	"macro expansion of \"d17\" is too long"},
    {"references share one bound", "$d16$d16", {0, "x"}, -1, 0,
	"macro expansion of \"d16\" is too long"},
    {"doubling of nothing", "$d40", {0, "$none"}, -1, 0,
	"macro expansion of \"d40\" makes too many macro calls "
	"(more than 1000000)"},
    {"doubling in a relational operand", "${{$d40} == {x}?{y}}", {0, "x"}, -1,
	0, "is too long (more than 100000 bytes)"},
    {"chain of 99", "$v0", {99, NULL}, 0, 3, NULL},
    {"chain of 100", "[$v0]", {100, NULL}, 0, 5, NULL},
    {"chain of 101", "$v0", {101, NULL}, -1, 0,
	"unreasonable macro call nesting: \"v100\""},
    {"dollar dollar in a value", "$d3$$", {0, "$$"}, 0, 9, NULL},
};

static void
test_expand_bounds(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(bound_cases) / sizeof(bound_cases[0]); i++) {
		const struct bound_case *tc = &bound_cases[i];
		struct bound_lookup bl = tc->bl;
		struct vbuf out = VBUF_INIT, why = VBUF_INIT;
		int ret;

		/* No timing here: the bounds end every case; without them the
		 * doubling cases would run for hours. */
		ret = cfg_expand(&out, tc->text, bound_lookup, &bl, &why);
		if (ret != tc->ret)
			fail_msg("%s: returned %d, want %d (why: %s)", tc->name,
			    ret, tc->ret, vbuf_str(&why));
		if (ret == 0 && out.len != tc->out_len)
			fail_msg("%s: %zu bytes, want %zu", tc->name, out.len,
			    tc->out_len);
		if (tc->why && strstr(vbuf_str(&why), tc->why) == NULL)
			fail_msg("%s: why \"%s\" lacks \"%s\"", tc->name,
			    why.data, tc->why);
		vbuf_free(&out);
		vbuf_free(&why);
	}
}

/* ---- master.cf ------------------------------------------------------ */

static void
test_master_stock(void **state)
{
	const char *path = write_tmp("master.cf",
	    "# service type  private unpriv  chroot  wakeup  maxproc command + "
	    "args\n"
	    "smtp      inet  n       -       n       -       -       smtpd\n"
	    "127.0.0.1:2525 inet n   -       n       -       -       smtpd\n"
	    "  -o syslog_name=sluice/alt\n"
	    "  -o { smtpd_recipient_restrictions = permit_mynetworks, reject "
	    "}\n"
	    "pickup    unix  n       -       n       60      1       pickup\n"
	    "qmgr      unix  n       -       n       300     1       qmgr\n"
	    "#comment between entries\n"
	    "flush     unix  n       -       n       1000?   0       flush\n"
	    "smtp      unix  -       -       -       -       -       smtp\n"
	    "postlog   unix-dgram n  -       n       -       1       postlogd\n"
	    "pfifo     fifo  y       y       y       0       2       x -v\n"
	    "sub inet n - n - - smtpd -o a={ b, c } -o x={y}z\n");
	struct master_ent *e;
	size_t n;
	struct vbuf why = VBUF_INIT;

	assert_int_equal(master_cf_load(path, &e, &n, &why), 0);
	assert_int_equal(n, 9);

	assert_string_equal(e[0].service, "smtp");
	assert_int_equal(e[0].type, MASTER_INET);
	assert_string_equal(e[0].type_name, "inet");
	assert_int_equal(e[0].private_, 0);
	assert_int_equal(e[0].unpriv, 1);
	assert_int_equal(e[0].chroot, 0);
	assert_int_equal(e[0].wakeup, 0);
	assert_int_equal(e[0].maxproc, -1);
	assert_int_equal(e[0].argc, 1);
	assert_string_equal(e[0].argv[0], "smtpd");
	assert_null(e[0].argv[1]);
	assert_string_equal(e[0].fields[3], "-");
	assert_int_equal(e[0].line, 2);

	assert_string_equal(e[1].service, "127.0.0.1:2525");
	assert_int_equal(e[1].line, 3);
	assert_int_equal(e[1].argc, 5);
	assert_string_equal(e[1].argv[1], "-o");
	assert_string_equal(e[1].argv[2], "syslog_name=sluice/alt");
	assert_string_equal(e[1].argv[3], "-o");
	assert_string_equal(e[1].argv[4],
	    "smtpd_recipient_restrictions = permit_mynetworks, reject");

	assert_int_equal(e[2].wakeup, 60);
	assert_int_equal(e[2].wakeup_if_used, 0);
	assert_int_equal(e[2].maxproc, 1);
	assert_int_equal(e[2].type, MASTER_UNIX);
	assert_int_equal(e[2].private_, 0);

	assert_string_equal(e[4].service, "flush");
	assert_int_equal(e[4].wakeup, 1000);
	assert_int_equal(e[4].wakeup_if_used, 1);
	assert_int_equal(e[4].maxproc, 0);
	assert_string_equal(e[4].fields[5], "1000?");
	assert_int_equal(e[4].line, 9);

	assert_int_equal(e[5].private_, 1);
	assert_int_equal(e[5].chroot, 0);
	assert_int_equal(e[6].type, MASTER_UNIX_DGRAM);
	assert_int_equal(e[7].type, MASTER_FIFO);
	assert_int_equal(e[7].private_, 1);
	assert_int_equal(e[7].unpriv, 1);
	assert_int_equal(e[7].chroot, 1);
	assert_int_equal(e[7].maxproc, 2);
	assert_int_equal(e[7].argc, 2);
	assert_string_equal(e[7].argv[1], "-v");

	/* Braces inside an argument group white space, braces kept. */
	assert_int_equal(e[8].argc, 5);
	assert_string_equal(e[8].argv[2], "a={ b, c }");
	assert_string_equal(e[8].argv[4], "x={y}z");
	master_cf_free(e, n);
	vbuf_free(&why);
}

struct master_err_case {
	const char *name;
	const char *line;
	const char *why; /* expected text after "PATH, line 2: " */
};

static const struct master_err_case master_errs[] = {
    {"too few fields", "smtp inet n - n -", "missing \"max_proc\" field"},
    {"only a name", "smtp", "missing \"transport type\" field"},
    {"no command", "smtp inet n - n - -", "missing \"command\" field"},
    {"bad type", "smtp tcp n - n - - smtpd", "bad transport type: tcp"},
    {"type without default", "smtp - n - n - - smtpd",
	"field \"transport type\" has no default value"},
    {"bad private", "smtp unix yes - n - - smtp",
	"field \"private\": bad value: \"yes\""},
    {"bad unpriv", "smtp unix - x n - - smtp",
	"field \"unprivileged\": bad value: \"x\""},
    {"bad chroot", "smtp unix - - Y - - smtp",
	"field \"chroot\": bad value: \"Y\""},
    {"bad wakeup", "pickup unix n - n 6x 1 pickup",
	"field \"wakeup_time\": bad value: \"6x\""},
    {"negative wakeup", "pickup unix n - n -5 1 pickup",
	"field \"wakeup_time\": bad value: \"-5\""},
    {"bad maxproc", "pickup unix n - n 60 one pickup",
	"field \"max_proc\": bad value: \"one\""},
    {"question maxproc", "pickup unix n - n 60 1? pickup",
	"field \"max_proc\": bad value: \"1?\""},
    {"inet private", "smtp inet y - n - - smtpd",
	"inet service cannot be private"},
    {"inet default private", "smtp inet - - n - - smtpd",
	"inet service cannot be private"},
    {"command without default", "smtp unix - - n - - -",
	"field \"command\" has no default value"},
    {"unbalanced brace", "smtp unix - - n - - smtp -o { a = b",
	"missing '}' in \"{ a = b\""},
    {"junk after brace", "smtp unix - - n - - smtp -o {a}b",
	"syntax error after '}' in \"{a}b\""},
    {"unbalanced inner brace", "smtp unix - - n - - smtp -o a={b c",
	"missing '}' in \"a={b c\""},
};

static void
test_master_errors(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(master_errs) / sizeof(master_errs[0]); i++) {
		char text[512], want[1024];
		const char *path;
		struct master_ent *e = (struct master_ent *)1;
		size_t n = 99;
		struct vbuf why = VBUF_INIT;

		snprintf(text, sizeof(text),
		    "ok unix - - n - - ok\n%s\nlater unix - - n - - x\n",
		    master_errs[i].line);
		path = write_tmp("master.cf", text);
		snprintf(want, sizeof(want), "%s, line 2: %s", path,
		    master_errs[i].why);
		if (master_cf_load(path, &e, &n, &why) != -1)
			fail_msg("%s: accepted", master_errs[i].name);
		if (strcmp(vbuf_str(&why), want) != 0)
			fail_msg("%s: got \"%s\", want \"%s\"",
			    master_errs[i].name, why.data, want);
		assert_null(e);
		assert_int_equal(n, 0);
		vbuf_free(&why);
	}
}

static void
test_master_missing_file(void **state)
{
	struct master_ent *e;
	size_t n;
	struct vbuf why = VBUF_INIT;

	assert_int_equal(master_cf_load("/nonexistent/master.cf", &e, &n, &why),
	    -1);
	assert_string_equal(why.data,
	    "open /nonexistent/master.cf: No such file or directory");
	vbuf_free(&why);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_logical_lines),
	    cmocka_unit_test(test_logical_line_counts_physical_lines),
	    cmocka_unit_test(test_load_values_and_lines),
	    cmocka_unit_test(test_load_override_warns_only_when_different),
	    cmocka_unit_test(test_load_errors),
	    cmocka_unit_test(test_load_missing_file),
	    cmocka_unit_test(test_expand_table),
	    cmocka_unit_test(test_expand_appends_and_warns_on_truncation),
	    cmocka_unit_test(test_expand_null_lookup_result_is_empty),
	    cmocka_unit_test(test_expand_chain_depth),
	    cmocka_unit_test(test_expand_bounds),
	    cmocka_unit_test(test_master_stock),
	    cmocka_unit_test(test_master_errors),
	    cmocka_unit_test(test_master_missing_file),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
