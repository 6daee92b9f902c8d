/*
 * dict_pattern - cidr:, regexp: and pcre: tables; see dict_impl.h.
 *
 * Implementation notes. The three types share one rule list: a rule is a
 * pattern with a result, or "if PATTERN" ... "endif" around other rules
 * (a failed "if" skips to its "endif"); "!" before a pattern negates it.
 * Lookups try the rules in file order and return the first match, with
 * $1..$9 in the result replaced by the match's groups (regexp, pcre).
 *
 * regexp rules are "/pattern/flags result" compiled with regcomp(): flag
 * i toggles case folding (on by default), x toggles extended syntax (on
 * by default), m toggles REG_NEWLINE (off). pcre rules use PCRE2 with
 * flags i (caseless, on by default), m, s, x, A (anchored), E (dollar end
 * only), U (ungreedy). The first character is the delimiter (any
 * non-alphanumeric, non-space character); a backslash before it keeps it
 * in the pattern. cidr rules are "address[/prefix] result" for IPv4 and
 * IPv6 (brackets allowed around an IPv6 address); a key that is not an
 * address matches nothing. Unlike Postfix, which skips a rule it cannot
 * parse with a warning, a bad rule makes the table fail to open: a table
 * that silently lost a rule would route mail somewhere else.
 */
#include <ctype.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "dict_impl.h"
#include "mem.h"

#define PAT_MAX_GROUPS 10 /* $0..$9 */

enum pat_kind { PAT_CIDR, PAT_REGEXP, PAT_PCRE };
enum rule_op { RULE_MATCH, RULE_IF, RULE_ENDIF };

struct pat_rule {
	enum rule_op op;
	int negate;
	int endif; /* RULE_IF: index of its endif */
	char *result;
	regex_t re; /* regexp */
	int re_ok;
	pcre2_code *pcre;		 /* pcre */
	unsigned char net[16], mask[16]; /* cidr */
	int family;
};

struct pat_table {
	enum pat_kind kind;
	struct pat_rule *rules;
	int n, cap;
	int depth;  /* open "if" blocks while loading */
	int *stack; /* their rule indexes */
	const char *path;
	pcre2_match_data *md;
};

/* ---- parsing ---------------------------------------------------------- */

/* pat_delimited - "/pattern/flags"; sets *pattern, *flags; returns rest */

static char *
pat_delimited(char *cp, char **pattern, char **flags, struct vbuf *why)
{
	char delim = *cp, *out;

	if (delim == 0 || isalnum((unsigned char)delim) ||
	    isspace((unsigned char)delim) || delim == '\\') {
		vbuf_puts(why, "no pattern delimiter");
		return (NULL);
	}
	*pattern = out = ++cp;
	for (; *cp && *cp != delim; cp++) {
		if (*cp == '\\' && cp[1] == delim)
			cp++;
		else if (*cp == '\\' && cp[1] != 0)
			*out++ = *cp++;
		*out++ = *cp;
	}
	if (*cp != delim) {
		vbuf_puts(why, "unmatched pattern delimiter");
		return (NULL);
	}
	*out = 0;
	*flags = ++cp;
	while (*cp && !isspace((unsigned char)*cp))
		cp++;
	if (*cp)
		*cp++ = 0;
	while (isspace((unsigned char)*cp))
		cp++;
	return (cp);
}

static int
pat_compile_regexp(struct pat_rule *r, const char *pattern, const char *flags,
    struct vbuf *why)
{
	int cflags = REG_ICASE | REG_EXTENDED, err;
	char buf[256];

	for (; *flags; flags++) {
		if (*flags == 'i')
			cflags ^= REG_ICASE;
		else if (*flags == 'x')
			cflags ^= REG_EXTENDED;
		else if (*flags == 'm')
			cflags ^= REG_NEWLINE;
		else {
			vbuf_printf(why, "unknown regexp option \"%c\"",
			    *flags);
			return (-1);
		}
	}
	if ((err = regcomp(&r->re, pattern, cflags)) != 0) {
		regerror(err, &r->re, buf, sizeof(buf));
		vbuf_printf(why, "%s", buf);
		return (-1);
	}
	r->re_ok = 1;
	return (0);
}

static int
pat_compile_pcre(struct pat_rule *r, const char *pattern, const char *flags,
    struct vbuf *why)
{
	uint32_t opts = PCRE2_CASELESS;
	int err;
	PCRE2_SIZE off;
	PCRE2_UCHAR buf[256];
	static const struct {
		char c;
		uint32_t bit;
	} map[] = {{'i', PCRE2_CASELESS}, {'m', PCRE2_MULTILINE},
	    {'s', PCRE2_DOTALL}, {'x', PCRE2_EXTENDED}, {'A', PCRE2_ANCHORED},
	    {'E', PCRE2_DOLLAR_ENDONLY}, {'U', PCRE2_UNGREEDY}};
	size_t i;

	for (; *flags; flags++) {
		for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
			if (map[i].c == *flags)
				break;
		if (i == sizeof(map) / sizeof(map[0])) {
			vbuf_printf(why, "unknown regexp option \"%c\"",
			    *flags);
			return (-1);
		}
		opts ^= map[i].bit;
	}
	r->pcre = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
	    opts, &err, &off, NULL);
	if (r->pcre == NULL) {
		pcre2_get_error_message(err, buf, sizeof(buf));
		vbuf_printf(why, "error in regex at offset %lu: %s",
		    (unsigned long)off, (char *)buf);
		return (-1);
	}
	return (0);
}

/* pat_parse_cidr - "address[/prefix]" into r */

static int
pat_parse_cidr(struct pat_rule *r, char *text, struct vbuf *why)
{
	char *slash = strchr(text, '/'), *addr = text, *end;
	int len, max, i;
	long prefix;

	if (slash != NULL)
		*slash = 0;
	if (*addr == '[' && (end = strchr(addr, ']')) != NULL && end[1] == 0) {
		*end = 0;
		addr++;
	}
	if (inet_pton(AF_INET, addr, r->net) == 1) {
		r->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, addr, r->net) == 1) {
		r->family = AF_INET6;
		max = 128;
	} else {
		vbuf_printf(why, "bad net/mask pattern: \"%s\"", text);
		return (-1);
	}
	prefix = max;
	if (slash != NULL) {
		prefix = strtol(slash + 1, &end, 10);
		if (slash[1] == 0 || *end != 0 || prefix < 0 || prefix > max) {
			vbuf_printf(why, "bad net/mask pattern: \"%s/%s\"",
			    text, slash + 1);
			return (-1);
		}
	}
	len = max / 8;
	for (i = 0; i < len; i++) {
		int bits = (int)prefix - 8 * i;

		r->mask[i] = bits >= 8 ? 0xff
		    : bits <= 0	       ? 0
				       : (unsigned char)(0xff << (8 - bits));
		if (r->net[i] & ~r->mask[i]) {
			vbuf_printf(why,
			    "non-null host address bits in \"%s/%ld\"", addr,
			    prefix);
			return (-1);
		}
	}
	return (0);
}

static struct pat_rule *
pat_new_rule(struct pat_table *t, enum rule_op op)
{
	struct pat_rule *r;

	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 32;
		t->rules = mem_realloc(t->rules, (size_t)t->cap * sizeof(*r));
	}
	r = &t->rules[t->n++];
	memset(r, 0, sizeof(*r));
	r->op = op;
	return (r);
}

/* pat_pattern - parse a (possibly negated) pattern; returns the rest */

static char *
pat_pattern(struct pat_table *t, struct pat_rule *r, char *cp, struct vbuf *why)
{
	char *pattern, *flags, *rest;

	if (*cp == '!') {
		r->negate = 1;
		cp++;
	}
	if (t->kind == PAT_CIDR) {
		rest = cp + strcspn(cp, " \t");
		if (*rest)
			*rest++ = 0;
		while (isspace((unsigned char)*rest))
			rest++;
		return (pat_parse_cidr(r, cp, why) < 0 ? NULL : rest);
	}
	if ((rest = pat_delimited(cp, &pattern, &flags, why)) == NULL)
		return (NULL);
	if ((t->kind == PAT_REGEXP
		    ? pat_compile_regexp(r, pattern, flags, why)
		    : pat_compile_pcre(r, pattern, flags, why)) < 0)
		return (NULL);
	return (rest);
}

/* pat_check_result - $N references must exist and not follow "!" */

static int
pat_check_result(struct pat_table *t, struct pat_rule *r, struct vbuf *why)
{
	const char *cp;
	uint32_t groups = 0;
	int n;

	if (t->kind == PAT_REGEXP)
		groups = (uint32_t)r->re.re_nsub;
	else if (t->kind == PAT_PCRE)
		(void)pcre2_pattern_info(r->pcre, PCRE2_INFO_CAPTURECOUNT,
		    &groups);
	for (cp = r->result; (cp = strchr(cp, '$')) != NULL; cp++) {
		if (cp[1] == '$') {
			cp++;
			continue;
		}
		if (isdigit((unsigned char)cp[1]))
			n = cp[1] - '0';
		else if (cp[1] == '{' && isdigit((unsigned char)cp[2]) &&
		    cp[3] == '}')
			n = cp[2] - '0';
		else
			continue;
		if (t->kind == PAT_CIDR)
			continue;
		if (r->negate) {
			vbuf_puts(why, "$number in negative pattern result");
			return (-1);
		}
		if (n == 0 || (uint32_t)n > groups) {
			vbuf_printf(why,
			    "out of range replacement index \"%d\"", n);
			return (-1);
		}
	}
	return (0);
}

static int
pat_line(void *ctx, int lineno, char *line, struct vbuf *why)
{
	struct pat_table *t = ctx;
	struct vbuf reason = VBUF_INIT;
	struct pat_rule *r;
	char *cp = line, *rest;
	int is_if = 0;

	while (isspace((unsigned char)*cp))
		cp++;
	if (strncasecmp(cp, "endif", 5) == 0 &&
	    (cp[5] == 0 || isspace((unsigned char)cp[5]))) {
		if (t->depth == 0) {
			vbuf_puts(&reason,
			    "ignoring ENDIF without matching IF");
			goto bad;
		}
		t->rules[t->stack[--t->depth]].endif = t->n;
		(void)pat_new_rule(t, RULE_ENDIF);
		return (0);
	}
	if (strncasecmp(cp, "if", 2) == 0 && isspace((unsigned char)cp[2])) {
		is_if = 1;
		for (cp += 3; isspace((unsigned char)*cp);)
			cp++;
	}
	r = pat_new_rule(t, is_if ? RULE_IF : RULE_MATCH);
	if ((rest = pat_pattern(t, r, cp, &reason)) == NULL)
		goto bad;
	if (is_if) {
		if (*rest != 0) {
			vbuf_puts(&reason, "garbage after IF pattern");
			goto bad;
		}
		t->stack =
		    mem_realloc(t->stack, (size_t)(t->depth + 1) * sizeof(int));
		t->stack[t->depth++] = t->n - 1;
		return (0);
	}
	if (*rest == 0) {
		vbuf_puts(&reason, "no replacement text");
		goto bad;
	}
	r->result = mem_strdup(rest);
	if (pat_check_result(t, r, &reason) < 0)
		goto bad;
	vbuf_free(&reason);
	return (0);
bad:
	vbuf_printf(why, "%s map %s, line %d: %s",
	    t->kind == PAT_CIDR		? "cidr"
		: t->kind == PAT_REGEXP ? "regexp"
					: "pcre",
	    t->path, lineno, vbuf_str(&reason));
	vbuf_free(&reason);
	return (-1);
}

static int
pat_open(struct dict *d, const char *name, enum pat_kind kind, struct vbuf *why)
{
	struct pat_table *t = mem_calloc(1, sizeof(*t));
	int i;

	d->impl = t;
	t->kind = kind;
	t->path = name;
	if (dict_read_text(d, name, pat_line, t, why) < 0)
		return (-1);
	if (t->depth > 0) {
		vbuf_printf(why, "%s map %s: IF has no matching ENDIF",
		    kind == PAT_CIDR	     ? "cidr"
			: kind == PAT_REGEXP ? "regexp"
					     : "pcre",
		    name);
		return (-1);
	}
	if (kind == PAT_PCRE) {
		t->md = pcre2_match_data_create(PAT_MAX_GROUPS, NULL);
		for (i = 0; i < t->n; i++)
			if (t->rules[i].pcre != NULL)
				(void)pcre2_jit_compile(t->rules[i].pcre,
				    PCRE2_JIT_COMPLETE);
	}
	return (0);
}

static int
cidr_open(struct dict *d, const char *name, struct vbuf *why)
{
	return (pat_open(d, name, PAT_CIDR, why));
}

static int
regexp_open(struct dict *d, const char *name, struct vbuf *why)
{
	return (pat_open(d, name, PAT_REGEXP, why));
}

static int
pcre_open(struct dict *d, const char *name, struct vbuf *why)
{
	return (pat_open(d, name, PAT_PCRE, why));
}

/* ---- lookup ----------------------------------------------------------- */

/* pat_match - does rule r match key? ov gets the groups; 1, 0, -1 */

static int
pat_match(struct pat_table *t, struct pat_rule *r, const char *key,
    const unsigned char *addr, int family, size_t *ov, int *n)
{
	regmatch_t m[PAT_MAX_GROUPS];
	PCRE2_SIZE *pv;
	int i, rc, hit = 0;

	*n = 0;
	if (t->kind == PAT_CIDR) {
		if (family == r->family) {
			hit = 1;
			for (i = 0; i < (family == AF_INET ? 4 : 16); i++)
				if ((addr[i] & r->mask[i]) != r->net[i])
					hit = 0;
		}
	} else if (t->kind == PAT_REGEXP) {
		if (regexec(&r->re, key, PAT_MAX_GROUPS, m, 0) == 0) {
			hit = 1;
			for (i = 0; i < PAT_MAX_GROUPS; i++) {
				ov[2 * i] = m[i].rm_so < 0 ? (size_t)-1
							   : (size_t)m[i].rm_so;
				ov[2 * i + 1] = (size_t)m[i].rm_eo;
			}
			*n = PAT_MAX_GROUPS;
		}
	} else {
		rc = pcre2_match(r->pcre, (PCRE2_SPTR)key,
		    PCRE2_ZERO_TERMINATED, 0, 0, t->md, NULL);
		if (rc < 0 && rc != PCRE2_ERROR_NOMATCH)
			return (-1);
		if (rc >= 0) {
			hit = 1;
			pv = pcre2_get_ovector_pointer(t->md);
			*n = rc == 0 ? PAT_MAX_GROUPS : rc;
			for (i = 0; i < *n; i++) {
				ov[2 * i] = pv[2 * i] == PCRE2_UNSET
				    ? (size_t)-1
				    : (size_t)pv[2 * i];
				ov[2 * i + 1] = (size_t)pv[2 * i + 1];
			}
		}
	}
	return (r->negate ? !hit : hit);
}

static int
pat_get(struct dict *d, const char *key, const char **value)
{
	struct pat_table *t = d->impl;
	unsigned char addr[16];
	size_t ov[2 * PAT_MAX_GROUPS];
	int family = 0, i, n, m;

	if (t->kind == PAT_CIDR) {
		if (inet_pton(AF_INET, key, addr) == 1)
			family = AF_INET;
		else if (inet_pton(AF_INET6, key, addr) == 1)
			family = AF_INET6;
		else
			return (DICT_NOTFOUND);
	}
	for (i = 0; i < t->n; i++) {
		struct pat_rule *r = &t->rules[i];

		if (r->op == RULE_ENDIF)
			continue;
		if ((m = pat_match(t, r, key, addr, family, ov, &n)) < 0)
			return (dict_error(d, "%s: pcre match error", d->spec));
		if (r->op == RULE_IF) {
			if (!m)
				i = r->endif;
			continue;
		}
		if (!m)
			continue;
		dict_expand(&d->result, r->result, key, ov, n);
		*value = vbuf_str(&d->result);
		return (DICT_FOUND);
	}
	return (DICT_NOTFOUND);
}

static void
pat_close(struct dict *d)
{
	struct pat_table *t = d->impl;
	int i;

	if (t == NULL)
		return;
	for (i = 0; i < t->n; i++) {
		if (t->rules[i].re_ok)
			regfree(&t->rules[i].re);
		if (t->rules[i].pcre != NULL)
			pcre2_code_free(t->rules[i].pcre);
		mem_free(t->rules[i].result);
	}
	if (t->md != NULL)
		pcre2_match_data_free(t->md);
	mem_free(t->rules);
	mem_free(t->stack);
	d->impl = mem_free(t);
}

const struct dict_ops dict_cidr_ops = {"cidr", DICT_FLAG_PATTERN, "", cidr_open,
    pat_get, NULL, pat_close};
const struct dict_ops dict_regexp_ops = {"regexp", DICT_FLAG_PATTERN, "",
    regexp_open, pat_get, NULL, pat_close};
const struct dict_ops dict_pcre_ops = {"pcre", DICT_FLAG_PATTERN, "", pcre_open,
    pat_get, NULL, pat_close};
