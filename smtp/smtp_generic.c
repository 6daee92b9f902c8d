/*
 * smtp_generic - smtp_generic_maps: rewriting on output; see smtp.h.
 *
 * Implementation notes. As in Postfix's SMTP client, the envelope sender,
 * every envelope recipient and the addresses in sender and recipient
 * headers are mapped with generic(5) lookups (util/rewrite: the whole
 * address, without extension, @domain; extension propagation as
 * propagate_unmatched_extensions says for "generic"); the queue file and
 * the log keep the original addresses. A header larger than
 * header_size_limit is passed on unchanged rather than held.
 */
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "header.h"
#include "mem.h"
#include "msg.h"
#include "param.h"
#include "rewrite.h"
#include "smtp.h"

static struct maps *smtp_generic;
static int smtp_generic_flags;

void
smtp_generic_init(void)
{
	int i;

	smtp_generic = maps_free(smtp_generic);
	smtp_generic =
	    maps_create("smtp_generic_maps", var_smtp_generic_maps, 0);
	smtp_generic_flags = 0;
	for (i = 0; var_propagate_unmatched_extensions != NULL &&
	     var_propagate_unmatched_extensions[i] != NULL;
	     i++)
		if (strcasecmp(var_propagate_unmatched_extensions[i],
			"generic") == 0)
			smtp_generic_flags |= REWRITE_PROPAGATE;
}

int
smtp_generic_active(void)
{
	return (!maps_empty(smtp_generic));
}

void
smtp_generic_refresh(void)
{
	maps_refresh(smtp_generic);
}

int
smtp_generic_addr(const char *addr, struct vbuf *out, struct vbuf *why)
{
	vbuf_set(out, addr);
	if (!smtp_generic_active() || *addr == 0)
		return (0);
	if (rewrite_map(smtp_generic, addr, smtp_generic_flags,
		var_recipient_delimiter, out) < 0) {
		vbuf_printf(why,
		    "smtp_generic_maps map lookup problem for %s: %s", addr,
		    maps_why(smtp_generic));
		return (-1);
	}
	return (0);
}

struct smtp_generic_ctx {
	struct vbuf *why;
};

static int
smtp_generic_hdr_addr(void *ctx, const char *addr, struct vbuf *out)
{
	struct smtp_generic_ctx *gc = ctx;

	if (smtp_generic_addr(addr, out, gc->why) < 0)
		return (-1);
	return (strcmp(vbuf_str(out), addr) != 0);
}

/* smtp_generic_flush - rewrite and send the pending header */

static int
smtp_generic_flush(struct smtp_queue *q, struct smtp_text *t, struct vbuf *out,
    struct vbuf *why)
{
	struct smtp_generic_ctx gc = {why};
	struct vbuf value = VBUF_INIT;
	const struct header_def *hp;
	const char *text, *colon, *nl, *end;
	size_t name_len;
	int n = 0;

	if (q->hdr.len == 0)
		return (0);
	text = q->hdr.data;
	name_len = addr_is_header(text, q->hdr.len);
	hp = name_len ? header_find(text, name_len) : NULL;
	if (hp != NULL && (hp->flags & (HEADER_SENDER | HEADER_RECIP)) &&
	    (colon = memchr(text, ':', q->hdr.len)) != NULL) {
		colon++;
		n = rewrite_header(colon, q->hdr.len - (size_t)(colon - text),
		    smtp_generic_hdr_addr, &gc, &value);
		if (n < 0) {
			vbuf_free(&value);
			return (-1);
		}
		if (n > 0) {
			vbuf_truncate(&q->hdr, (size_t)(colon - text));
			vbuf_append(&q->hdr, value.data, value.len);
		}
	}
	vbuf_free(&value);
	end = q->hdr.data + q->hdr.len;
	for (text = q->hdr.data; text <= end; text = nl + 1) {
		if ((nl = memchr(text, '\n', (size_t)(end - text))) == NULL)
			nl = end;
		smtp_text_put(t, out, text, (size_t)(nl - text), 1);
	}
	vbuf_reset(&q->hdr);
	return (0);
}

int
smtp_generic_line(struct smtp_queue *q, struct smtp_text *t, struct vbuf *out,
    const char *line, size_t len, struct vbuf *why)
{
	if (len > 0 && (line[0] == ' ' || line[0] == '\t') && q->hdr.len > 0 &&
	    q->hdr.len + len < (size_t)var_header_size_limit) {
		vbuf_putc(&q->hdr, '\n');
		vbuf_append(&q->hdr, line, len);
		return (0);
	}
	if (smtp_generic_flush(q, t, out, why) < 0)
		return (-1);
	if (len > 0 && (line[0] == ' ' || line[0] == '\t')) {
		/* A continuation of a header too big to hold: as it is. */
		smtp_text_put(t, out, line, len, 1);
		return (0);
	}
	if (len == 0 || addr_is_header(line, len) == 0) {
		q->in_headers = 0;
		smtp_text_put(t, out, line, len, 1);
		return (0);
	}
	vbuf_append(&q->hdr, line, len);
	return (0);
}
