#ifndef SLUICE_SHOWQ_PROTO_H
#define SLUICE_SHOWQ_PROTO_H
/*
 * NAME
 *	showq_proto - Postfix 3's showq protocol on public/showq
 * SYNOPSIS
 *	#include "showq_proto.h"
 *
 *	void showq_proto_hello(struct vbuf *out);
 *	void showq_proto_msg(struct vbuf *out, const struct showq_msg *msg);
 *	void showq_proto_end(struct vbuf *out);
 *
 *	struct showq_dec *showq_dec_create(void);
 *	int  showq_dec_feed(struct showq_dec *d, const char *buf, size_t len,
 *			showq_fn *fn, void *ctx, size_t *used);
 *	const char *showq_dec_error(const struct showq_dec *d);
 *	struct showq_dec *showq_dec_free(struct showq_dec *d);
 * DESCRIPTION
 *	The stream the showq service sends to every client, as Postfix
 *	3's showq daemon does (docs/postfix/admin-tools.md, "showq
 *	service"). It is Postfix's null-terminated attribute encoding:
 *	each attribute is its name, a NUL byte, its value, a NUL byte; an
 *	empty name (a lone NUL where a name would start) ends a group.
 *	Numbers are decimal text. The stream is
 *
 *	    protocol=mail_queue_list_protocol, end of group;
 *	    per message: queue_name, queue_id, time (arrival, seconds),
 *	      size (bytes), forced_expire (0 or 1), sender, then per
 *	      recipient: recipient, reason (empty when there is none),
 *	      and an end of group after the last recipient;
 *	    an end of group where the next message would start.
 *
 *	showq_proto_hello(), showq_proto_msg() and showq_proto_end()
 *	append those three parts to out. Strings are sent as they are
 *	(showq(3) makes them printable ASCII).
 *
 *	The decoder reads the stream in pieces of any size. showq_dec_feed()
 *	consumes bytes from buf and calls fn(msg, ctx) for each complete
 *	message (with the same borrowed-until-return rules as showq(3);
 *	msg->path is NULL; a recipient without a reason has reason ""). It
 *	returns SHOWQ_DEC_MORE when it used all len bytes and wants more,
 *	SHOWQ_DEC_END when it read the end of the stream (*used, if not
 *	NULL, is how many bytes up to and including it; the rest is not
 *	looked at), or SHOWQ_DEC_BAD when the stream is damaged; then
 *	showq_dec_error() says why, and every later call returns
 *	SHOWQ_DEC_BAD. fn's result is ignored. The decoder is strict, as
 *	Postfix's postqueue: the opening must be exactly as above,
 *	attributes must come in the order above with no others, numbers
 *	must be decimal (time and size fit a long, forced_expire an int),
 *	and no name or value may exceed SHOWQ_PROTO_TOKEN_MAX bytes. Values
 *	are made printable (showq_printable()) as Postfix's client does.
 *	Memory holds one message at a time. An end of input before
 *	SHOWQ_DEC_END is the caller's to report.
 * SEE ALSO
 *	showq(3), showq(8), postqueue(1).
 */
#include <stddef.h>
#include "showq.h"
#include "vbuf.h"

#define SHOWQ_PROTO_NAME "mail_queue_list_protocol"
#define SHOWQ_PROTO_TOKEN_MAX (1024 * 1024 + 1024)

void showq_proto_hello(struct vbuf *out);
void showq_proto_msg(struct vbuf *out, const struct showq_msg *msg);
void showq_proto_end(struct vbuf *out);

#define SHOWQ_DEC_MORE 0
#define SHOWQ_DEC_END 1
#define SHOWQ_DEC_BAD (-1)

struct showq_dec;
struct showq_dec *showq_dec_create(void);
int showq_dec_feed(struct showq_dec *d, const char *buf, size_t len,
    showq_fn *fn, void *ctx, size_t *used);
const char *showq_dec_error(const struct showq_dec *d);
struct showq_dec *showq_dec_free(struct showq_dec *d);

#endif
