/*
 * rewrite - address rewriting with tables; see rewrite.h.
 *
 * Implementation notes. rewrite_map() walks the key forms itself (rather
 * than through maps_addr_find()) because it must know whether the entry
 * matched the address without its extension, to propagate it.
 *
 * rewrite_header() scans the header value as RFC 822 tokens (comments,
 * quoted strings, domain literals, atoms and specials) to find where each
 * address is: inside "<...>" (after any source route), else the span from
 * the first to the last token of the list element. Only those spans are
 * replaced; the rest of the value is copied as it is.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "mem.h"
#include "rewrite.h"

/* ---- one-to-one mapping ----------------------------------------------- */

/* map_first - the first address of a possibly multi-valued result */

static void
map_first(struct vbuf *out, const char *result)
{
	size_t n;

	while (*result == ' ' || *result == '\t' || *result == ',')
		result++;
	n = strcspn(result, ", \t");
	vbuf_append(out, result, n);
}

/* map_once - one lookup; 1 found (out set), 0 not, -1 error */

static int
map_once(struct maps *m, const char *addr, int flags, const char *delims,
    struct vbuf *out)
{
	struct vbuf key = VBUF_INIT, res = VBUF_INIT;
	const char *at = strrchr(addr, '@'), *ext = NULL, *cp, *value;
	size_t local_len = at ? (size_t)(at - addr) : strlen(addr);
	int propagate = 0, ret = 1;

	if (delims != NULL && *delims != 0)
		for (cp = addr + 1; cp < addr + local_len && !ext; cp++)
			if (strchr(delims, *cp) != NULL)
				ext = cp;
	value = maps_find(m, addr, 0);
	if (value == NULL && !maps_error(m) && ext != NULL && at != NULL) {
		vbuf_append(&key, addr, (size_t)(ext - addr));
		vbuf_puts(&key, at);
		value = maps_find(m, vbuf_str(&key), MAPS_FIXED);
		propagate = value != NULL;
	}
	if (value == NULL && !maps_error(m) && (flags & MAPS_LOCAL) && at) {
		vbuf_reset(&key);
		vbuf_append(&key, addr, local_len);
		value = maps_find(m, vbuf_str(&key), MAPS_FIXED);
		if (value == NULL && !maps_error(m) && ext != NULL) {
			vbuf_reset(&key);
			vbuf_append(&key, addr, (size_t)(ext - addr));
			value = maps_find(m, vbuf_str(&key), MAPS_FIXED);
			propagate = value != NULL;
		}
	}
	if (value == NULL && !maps_error(m) && at != NULL && at[1] != 0)
		value = maps_find(m, at, MAPS_FIXED);
	if (value == NULL) {
		ret = maps_error(m) ? -1 : 0;
		goto done;
	}
	map_first(&res, value);
	vbuf_reset(out);
	if (res.data[0] == '@') {
		/* "@domain": keep the local part, extension included. */
		vbuf_append(out, addr, local_len);
		vbuf_append(out, res.data, res.len);
	} else if (propagate && (flags & REWRITE_PROPAGATE) && ext != NULL) {
		cp = strrchr(res.data, '@');
		vbuf_append(out, res.data,
		    cp ? (size_t)(cp - res.data) : res.len);
		vbuf_append(out, ext, (size_t)(addr + local_len - ext));
		if (cp != NULL)
			vbuf_puts(out, cp);
	} else {
		vbuf_append(out, res.data, res.len);
	}
done:
	vbuf_free(&key);
	vbuf_free(&res);
	return (ret);
}

int
rewrite_map(struct maps *m, const char *addr, int flags, const char *delims,
    struct vbuf *out)
{
	struct vbuf cur = VBUF_INIT, next = VBUF_INIT;
	int i, r, changed = 0;

	vbuf_puts(&cur, addr);
	for (i = 0; m != NULL && !maps_empty(m) && i < REWRITE_MAX_DEPTH; i++) {
		if ((r = map_once(m, vbuf_str(&cur), flags, delims, &next)) <
		    0) {
			changed = -1;
			vbuf_set(&cur, addr);
			break;
		}
		if (r == 0 || strcasecmp(vbuf_str(&next), vbuf_str(&cur)) == 0)
			break;
		vbuf_set(&cur, vbuf_str(&next));
		changed = 1;
	}
	vbuf_set(out, vbuf_str(&cur));
	if (changed == 1 && strcmp(vbuf_str(out), addr) == 0)
		changed = 0;
	vbuf_free(&cur);
	vbuf_free(&next);
	return (changed);
}

/* ---- masquerading ------------------------------------------------------ */

int
rewrite_masquerade(char **domains, struct maps *exceptions, const char *addr,
    struct vbuf *out)
{
	const char *at = strrchr(addr, '@'), *domain, *masq, *parent;
	size_t dlen, mlen;
	int i, truncate;

	vbuf_set(out, addr);
	if (at == NULL || domains == NULL || at[1] == 0)
		return (0);
	if (exceptions != NULL && !maps_empty(exceptions)) {
		struct vbuf user = VBUF_INIT;
		const char *hit;

		vbuf_append(&user, addr, (size_t)(at - addr));
		hit = maps_find(exceptions, vbuf_str(&user), MAPS_FIXED);
		vbuf_free(&user);
		if (hit != NULL)
			return (0);
		if (maps_error(exceptions))
			return (-1);
	}
	domain = at + 1;
	dlen = strlen(domain);
	for (i = 0; domains[i] != NULL; i++) {
		masq = domains[i];
		truncate = *masq != '!';
		if (!truncate)
			masq++;
		if ((mlen = strlen(masq)) == 0)
			continue;
		if (mlen == dlen) {
			if (strcasecmp(masq, domain) == 0)
				return (0);
		} else if (mlen < dlen) {
			parent = domain + dlen - mlen;
			if (parent[-1] == '.' &&
			    strcasecmp(masq, parent) == 0) {
				if (!truncate)
					return (0);
				vbuf_reset(out);
				vbuf_append(out, addr, (size_t)(at - addr) + 1);
				vbuf_puts(out, masq);
				return (1);
			}
		}
	}
	return (0);
}

/* ---- addresses in headers ---------------------------------------------- */

/* hdr_skip - past a comment, quoted string or literal starting at p */

static size_t
hdr_skip(const char *v, size_t len, size_t p)
{
	char open = v[p], close = open == '(' ? ')' : open == '"' ? '"' : ']';
	int level = 1;

	for (p++; p < len; p++) {
		if (v[p] == '\\' && p + 1 < len)
			p++;
		else if (open == '(' && v[p] == '(')
			level++;
		else if (v[p] == close && --level == 0)
			return (p + 1);
	}
	return (len);
}

/* hdr_replace - hand one address span to fn; copy or replace it */

static int
hdr_replace(const char *v, size_t start, size_t end, rewrite_fn *fn, void *ctx,
    struct vbuf *out)
{
	struct addr_list list = {0};
	struct vbuf repl = VBUF_INIT;
	int r = 0;

	if (end > start && addr_parse(v + start, end - start, &list) == 1 &&
	    *list.addr[0] != 0)
		r = fn(ctx, list.addr[0], &repl);
	if (r == 1)
		addr_quote_local(out, vbuf_str(&repl));
	else
		vbuf_append(out, v + start, end - start);
	addr_list_free(&list);
	vbuf_free(&repl);
	return (r);
}

/* hdr_element - find the address of the element at *pp; its span */

static void
hdr_element(const char *v, size_t len, size_t *pp, size_t *start, size_t *end)
{
	size_t p = *pp, first = len, last = len, lt = len, gt = len;

	*start = *end = len;
	while (p < len) {
		char c = v[p];

		if (c == '(') {
			p = hdr_skip(v, len, p);
			continue;
		}
		int in_angle = lt != len && gt == len;

		if (!in_angle && (c == ',' || c == ';'))
			break;
		if (!in_angle && lt == len && c == ':') {
			/* A group name: the element starts again after it. */
			first = last = len;
			p++;
			continue;
		}
		if (isspace((unsigned char)c)) {
			p++;
			continue;
		}
		if (c == '<' && lt == len) {
			lt = p++;
			continue;
		}
		if (c == '>' && lt != len && gt == len) {
			gt = p++;
			continue;
		}
		if (first == len)
			first = p;
		p = (c == '"' || c == '[') ? hdr_skip(v, len, p) : p + 1;
		last = p;
	}
	*pp = p;
	if (lt != len) {
		size_t s = lt + 1, e = gt == len ? p : gt, q;

		/* Skip a source route "@a,@b:" before the address. */
		if (s < e && v[s] == '@')
			for (q = s; q < e; q++)
				if (v[q] == ':') {
					s = q + 1;
					break;
				}
		*start = s;
		*end = e;
	} else if (first != len) {
		*start = first;
		*end = last;
	}
}

int
rewrite_header(const char *value, size_t len, rewrite_fn *fn, void *ctx,
    struct vbuf *out)
{
	size_t p = 0, copied = 0, start, end;
	int r, count = 0;

	vbuf_reset(out);
	while (p < len) {
		hdr_element(value, len, &p, &start, &end);
		if (start < end) {
			vbuf_append(out, value + copied, start - copied);
			if ((r = hdr_replace(value, start, end, fn, ctx, out)) <
			    0)
				return (-1);
			count += r;
			copied = end;
		}
		if (p < len)
			p++; /* the ',' or ';' */
	}
	vbuf_append(out, value + copied, len - copied);
	vbuf_str(out);
	return (count);
}
