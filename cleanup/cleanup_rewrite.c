/*
 * cleanup_rewrite - canonical mapping and masquerading; see cleanup.h.
 *
 * Implementation notes. The order is Postfix's (cleanup_envelope.c,
 * cleanup_message.c): sender_canonical_maps or recipient_canonical_maps
 * first, then canonical_maps, then masquerading, each only for the
 * address classes its *_classes parameter names. A table that cannot be
 * read makes the message fail with a temporary error, as Postfix's
 * "map lookup problem -- message not accepted, try again later".
 */
#include <string.h>
#include <strings.h>

#include "cleanup.h"
#include "mem.h"
#include "msg.h"
#include "rewrite.h"

/* cleanup_classes - class names to bits; unknown names are warned */

static int
cleanup_classes(const char *param, char **names)
{
	static const struct {
		const char *name;
		int bit;
	} map[] = {{"envelope_sender", CLEANUP_CANON_ENV_FROM},
	    {"envelope_recipient", CLEANUP_CANON_ENV_RCPT},
	    {"header_sender", CLEANUP_CANON_HDR_FROM},
	    {"header_recipient", CLEANUP_CANON_HDR_RCPT}};
	int bits = 0, i;
	size_t j;

	for (i = 0; names != NULL && names[i] != NULL; i++) {
		for (j = 0; j < sizeof(map) / sizeof(map[0]); j++)
			if (strcasecmp(names[i], map[j].name) == 0)
				break;
		if (j == sizeof(map) / sizeof(map[0]))
			msg_warn("unknown %s value \"%s\" ignored", param,
			    names[i]);
		else
			bits |= map[j].bit;
	}
	return (bits);
}

/* cleanup_exceptions - masquerade_exceptions: user names or tables */

static struct maps *
cleanup_exceptions(const char *spec)
{
	struct vbuf inl = VBUF_INIT;
	struct maps *m;
	char *copy, *cp, *name;

	if (spec == NULL || *spec == 0)
		return (NULL);
	if (strchr(spec, ':') != NULL)
		return (maps_create("masquerade_exceptions", spec, 0));
	/* A plain list of names becomes one inline table. */
	copy = mem_strdup(spec);
	vbuf_puts(&inl, "inline:{");
	for (cp = copy; (name = strsep(&cp, " \t,")) != NULL;)
		if (*name != 0 && strpbrk(name, "{}=") == NULL)
			vbuf_printf(&inl, "%s=yes, ", name);
	vbuf_puts(&inl, "}");
	m = maps_create("masquerade_exceptions", vbuf_str(&inl), 0);
	mem_free(copy);
	vbuf_free(&inl);
	return (m);
}

void
cleanup_rewrite_config(struct cleanup_config *cfg)
{
	int i;

	cfg->canonical = maps_create("canonical_maps", var_canonical_maps, 0);
	cfg->sender_canonical =
	    maps_create("sender_canonical_maps", var_sender_canonical_maps, 0);
	cfg->recipient_canonical = maps_create("recipient_canonical_maps",
	    var_recipient_canonical_maps, 0);
	cfg->canonical_classes =
	    cleanup_classes("canonical_classes", var_canonical_classes);
	cfg->sender_canonical_classes =
	    cleanup_classes("sender_canonical_classes",
		var_sender_canonical_classes);
	cfg->recipient_canonical_classes =
	    cleanup_classes("recipient_canonical_classes",
		var_recipient_canonical_classes);
	cfg->masquerade_classes =
	    cleanup_classes("masquerade_classes", var_masquerade_classes);
	cfg->masquerade_domains = var_masquerade_domains;
	cfg->masquerade_exceptions =
	    cleanup_exceptions(var_masquerade_exceptions);
	cfg->recipient_delimiter = var_recipient_delimiter;
	cfg->propagate_canonical = 0;
	for (i = 0; var_propagate_unmatched_extensions != NULL &&
	     var_propagate_unmatched_extensions[i] != NULL;
	     i++)
		if (strcasecmp(var_propagate_unmatched_extensions[i],
			"canonical") == 0)
			cfg->propagate_canonical = 1;
	cfg->local_domains = var_mydestination;
}

/* cleanup_is_local - is the domain of addr $myorigin or $mydestination? */

static int
cleanup_is_local(const struct cleanup_config *cfg, const char *addr)
{
	const char *at = strrchr(addr, '@');
	int i;

	if (at == NULL)
		return (1);
	if (cfg->myorigin != NULL && strcasecmp(at + 1, cfg->myorigin) == 0)
		return (1);
	for (i = 0; cfg->local_domains != NULL && cfg->local_domains[i]; i++)
		if (strcasecmp(at + 1, cfg->local_domains[i]) == 0)
			return (1);
	return (0);
}

/* cleanup_map - one table if the class is enabled for it; -1 on error */

static int
cleanup_map(const struct cleanup_config *cfg, struct maps *m, int classes,
    int class, struct vbuf *cur, struct vbuf *why)
{
	struct vbuf next = VBUF_INIT;
	int flags, r;

	if (m == NULL || maps_empty(m) || !(classes & class))
		return (0);
	flags = (cfg->propagate_canonical ? REWRITE_PROPAGATE : 0) |
	    (cleanup_is_local(cfg, vbuf_str(cur)) ? REWRITE_LOCAL : 0);
	r = rewrite_map(m, vbuf_str(cur), flags, cfg->recipient_delimiter,
	    &next);
	if (r < 0)
		vbuf_printf(why,
		    "%s map lookup problem for %s -- message not accepted, "
		    "try again later",
		    maps_title(m), vbuf_str(cur));
	else if (r > 0)
		vbuf_set(cur, vbuf_str(&next));
	vbuf_free(&next);
	return (r < 0 ? -1 : 0);
}

int
cleanup_rewrite_addr(const struct cleanup_config *cfg, int class,
    const char *addr, struct vbuf *out, struct vbuf *why)
{
	int sender = class & (CLEANUP_CANON_ENV_FROM | CLEANUP_CANON_HDR_FROM);
	struct vbuf masq = VBUF_INIT;
	int r;

	vbuf_set(out, addr);
	if (*addr == 0)
		return (0);
	if (cleanup_map(cfg,
		sender ? cfg->sender_canonical : cfg->recipient_canonical,
		sender ? cfg->sender_canonical_classes
		       : cfg->recipient_canonical_classes,
		class, out, why) < 0 ||
	    cleanup_map(cfg, cfg->canonical, cfg->canonical_classes, class, out,
		why) < 0)
		return (-1);
	if (cfg->masquerade_domains != NULL &&
	    (cfg->masquerade_classes & class)) {
		r = rewrite_masquerade(cfg->masquerade_domains,
		    cfg->masquerade_exceptions, vbuf_str(out), &masq);
		if (r < 0) {
			vbuf_printf(why,
			    "masquerade_exceptions map lookup problem for %s "
			    "-- message not accepted, try again later",
			    vbuf_str(out));
			vbuf_free(&masq);
			return (-1);
		}
		if (r > 0)
			vbuf_set(out, vbuf_str(&masq));
	}
	vbuf_free(&masq);
	return (0);
}

struct cleanup_hdr_ctx {
	const struct cleanup_config *cfg;
	int class;
	struct vbuf *why;
};

static int
cleanup_hdr_addr(void *ctx, const char *addr, struct vbuf *out)
{
	struct cleanup_hdr_ctx *hc = ctx;

	if (cleanup_rewrite_addr(hc->cfg, hc->class, addr, out, hc->why) < 0)
		return (-1);
	return (strcmp(vbuf_str(out), addr) != 0);
}

int
cleanup_rewrite_hdr(const struct cleanup_config *cfg, int class,
    const char *hdr, size_t len, struct vbuf *out, struct vbuf *why)
{
	struct cleanup_hdr_ctx hc = {cfg, class, why};
	const char *colon = memchr(hdr, ':', len);
	struct vbuf value = VBUF_INIT;
	int n;

	if (colon == NULL)
		return (0);
	colon++;
	n = rewrite_header(colon, len - (size_t)(colon - hdr), cleanup_hdr_addr,
	    &hc, &value);
	if (n > 0) {
		vbuf_reset(out);
		vbuf_append(out, hdr, (size_t)(colon - hdr));
		vbuf_append(out, value.data, value.len);
	}
	vbuf_free(&value);
	return (n);
}

int
cleanup_rewrite_active(const struct cleanup_config *cfg, int class)
{
	return (
	    (!maps_empty(cfg->canonical) && (cfg->canonical_classes & class)) ||
	    (!maps_empty(cfg->sender_canonical) &&
		(cfg->sender_canonical_classes & class)) ||
	    (!maps_empty(cfg->recipient_canonical) &&
		(cfg->recipient_canonical_classes & class)) ||
	    (cfg->masquerade_domains != NULL &&
		cfg->masquerade_domains[0] != NULL &&
		(cfg->masquerade_classes & class)));
}
