/*
 * showq_proto - Postfix 3's showq protocol; see showq_proto.h.
 *
 * Implementation notes. The decoder is a state machine over tokens (the
 * bytes up to each NUL): a token is a name or a value, depending on the
 * state. A partial token waits in d->tok for the next piece of input.
 * The fields of the current message go into one string pool (offsets,
 * since the pool moves as it grows) and a recipient array; pointers are
 * made only when the message is complete, and everything is reset for
 * the next message.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "showq_proto.h"

#define SHOWQ_PROTO_ATTR "protocol"

/*
 * The attributes in the order they are sent: a message's own, then per
 * recipient the last two.
 */
enum {
	F_QUEUE,
	F_ID,
	F_TIME,
	F_SIZE,
	F_EXPIRE,
	F_SENDER,
	F_RCPT,
	F_REASON,
	F_COUNT
};

static const char *const showq_field[F_COUNT] = {
    "queue_name",
    "queue_id",
    "time",
    "size",
    "forced_expire",
    "sender",
    "recipient",
    "reason",
};

/* showq_put - one attribute */

static void
showq_put(struct vbuf *out, const char *name, const char *value)
{
	vbuf_append(out, name, strlen(name) + 1);
	vbuf_append(out, value, strlen(value) + 1);
}

/* showq_proto_hello - protocol identification */

void
showq_proto_hello(struct vbuf *out)
{
	showq_put(out, SHOWQ_PROTO_ATTR, SHOWQ_PROTO_NAME);
	vbuf_putc(out, 0);
}

/* showq_proto_msg - one message and its recipients */

void
showq_proto_msg(struct vbuf *out, const struct showq_msg *msg)
{
	char num[32];
	size_t i;

	showq_put(out, showq_field[F_QUEUE], msg->queue);
	showq_put(out, showq_field[F_ID], msg->id);
	snprintf(num, sizeof(num), "%ld", msg->arrival);
	showq_put(out, showq_field[F_TIME], num);
	snprintf(num, sizeof(num), "%ld", msg->size);
	showq_put(out, showq_field[F_SIZE], num);
	showq_put(out, showq_field[F_EXPIRE], msg->forced_expire ? "1" : "0");
	showq_put(out, showq_field[F_SENDER], msg->sender);
	for (i = 0; i < msg->rcpt_count; i++) {
		showq_put(out, showq_field[F_RCPT], msg->rcpt[i].address);
		showq_put(out, showq_field[F_REASON],
		    msg->rcpt[i].reason ? msg->rcpt[i].reason : "");
	}
	vbuf_putc(out, 0);
}

/* showq_proto_end - end of the listing */

void
showq_proto_end(struct vbuf *out)
{
	vbuf_putc(out, 0);
}

/*
 * Decoder.
 */
enum showq_dec_state {
	S_HELLO_NAME,  /* "protocol" */
	S_HELLO_VALUE, /* SHOWQ_PROTO_NAME */
	S_HELLO_END,   /* empty name */
	S_NAME,	       /* showq_field[d->field], or an end */
	S_VALUE,       /* value of showq_field[d->field] */
	S_DONE,
	S_BAD
};

struct showq_slot {
	size_t addr;
	size_t reason;
};

struct showq_dec {
	enum showq_dec_state state;
	int field;	  /* expected attribute */
	struct vbuf tok;  /* the token being read */
	struct vbuf pool; /* the message's strings */
	struct vbuf why;
	size_t queue, id, sender; /* pool offsets */
	long arrival;
	long size;
	int expire;
	struct showq_slot *slot;
	size_t slot_count;
	size_t slot_cap;
	struct showq_rcpt *rcpt;
	size_t rcpt_cap;
};

/* showq_dec_create - new decoder */

struct showq_dec *
showq_dec_create(void)
{
	struct showq_dec *d = mem_calloc(1, sizeof(*d));

	d->state = S_HELLO_NAME;
	return (d);
}

/* showq_dec_free - destroy decoder */

struct showq_dec *
showq_dec_free(struct showq_dec *d)
{
	if (d != 0) {
		vbuf_free(&d->tok);
		vbuf_free(&d->pool);
		vbuf_free(&d->why);
		mem_free(d->slot);
		mem_free(d->rcpt);
		mem_free(d);
	}
	return (0);
}

/* showq_dec_error - why the stream was refused */

const char *
showq_dec_error(const struct showq_dec *d)
{
	return (d->state == S_BAD && d->why.data ? d->why.data : "");
}

/* showq_dec_bad - refuse the stream */

static int
showq_dec_bad(struct showq_dec *d, const char *what, const char *tok)
{
	vbuf_reset(&d->why);
	vbuf_puts(&d->why, what);
	if (tok != 0) {
		vbuf_puts(&d->why, ": \"");
		showq_printable(&d->why, tok);
		if (d->why.len > 200)
			vbuf_truncate(&d->why, 200);
		vbuf_putc(&d->why, '"');
	}
	d->state = S_BAD;
	return (SHOWQ_DEC_BAD);
}

/* showq_dec_number - a whole decimal number within [min, max] */

static int
showq_dec_number(const char *s, long min, long max, long *val)
{
	char *end;

	if (*s != '-' && (*s < '0' || *s > '9'))
		return (-1);
	errno = 0;
	*val = strtol(s, &end, 10);
	if (errno != 0 || *end != 0 || *val < min || *val > max)
		return (-1);
	return (0);
}

/* showq_dec_string - printable copy of a value in the pool */

static size_t
showq_dec_string(struct showq_dec *d, const char *value)
{
	size_t off = d->pool.len;

	showq_printable(&d->pool, value);
	vbuf_append(&d->pool, "", 1);
	return (off);
}

/* showq_dec_message - hand a complete message to fn */

static void
showq_dec_message(struct showq_dec *d, showq_fn *fn, void *ctx)
{
	struct showq_msg msg;
	size_t i;

	if (d->slot_count > d->rcpt_cap) {
		d->rcpt_cap = d->slot_count;
		d->rcpt = mem_realloc(d->rcpt, d->rcpt_cap * sizeof(*d->rcpt));
	}
	for (i = 0; i < d->slot_count; i++) {
		d->rcpt[i].address = d->pool.data + d->slot[i].addr;
		d->rcpt[i].reason = d->pool.data + d->slot[i].reason;
	}
	msg.queue = d->pool.data + d->queue;
	msg.id = d->pool.data + d->id;
	msg.path = 0;
	msg.arrival = d->arrival;
	msg.size = d->size;
	msg.forced_expire = d->expire;
	msg.sender = d->pool.data + d->sender;
	msg.rcpt = d->rcpt;
	msg.rcpt_count = d->slot_count;
	msg.dev = 0;
	msg.ino = 0;
	(void)fn(&msg, ctx);
	vbuf_reset(&d->pool);
	d->slot_count = 0;
}

/* showq_dec_value - store the value of d->field; next state */

static int
showq_dec_value(struct showq_dec *d, const char *value)
{
	long num;

	switch (d->field) {
	case F_QUEUE:
		d->queue = showq_dec_string(d, value);
		break;
	case F_ID:
		d->id = showq_dec_string(d, value);
		break;
	case F_TIME:
	case F_SIZE:
	case F_EXPIRE:
		if (showq_dec_number(value,
			d->field == F_EXPIRE ? INT_MIN : LONG_MIN,
			d->field == F_EXPIRE ? INT_MAX : LONG_MAX, &num) < 0)
			return (showq_dec_bad(d, "malformed numerical data",
			    value));
		if (d->field == F_TIME)
			d->arrival = num;
		else if (d->field == F_SIZE)
			d->size = num;
		else
			d->expire = num != 0;
		break;
	case F_SENDER:
		d->sender = showq_dec_string(d, value);
		break;
	case F_RCPT:
		if (d->slot_count >= d->slot_cap) {
			d->slot_cap = d->slot_cap ? d->slot_cap * 2 : 16;
			d->slot = mem_realloc(d->slot,
			    d->slot_cap * sizeof(*d->slot));
		}
		d->slot[d->slot_count].addr = showq_dec_string(d, value);
		d->slot[d->slot_count].reason = 0;
		d->slot_count++;
		break;
	case F_REASON:
		d->slot[d->slot_count - 1].reason = showq_dec_string(d, value);
		break;
	}
	d->field = d->field == F_REASON ? F_RCPT : d->field + 1;
	d->state = S_NAME;
	return (SHOWQ_DEC_MORE);
}

/* showq_dec_token - one complete token */

static int
showq_dec_token(struct showq_dec *d, const char *tok, showq_fn *fn, void *ctx)
{
	switch (d->state) {
	case S_HELLO_NAME:
		if (strcmp(tok, SHOWQ_PROTO_ATTR) != 0)
			return (showq_dec_bad(d, "no protocol identification",
			    tok));
		d->state = S_HELLO_VALUE;
		return (SHOWQ_DEC_MORE);
	case S_HELLO_VALUE:
		if (strcmp(tok, SHOWQ_PROTO_NAME) != 0)
			return (showq_dec_bad(d, "unexpected protocol", tok));
		d->state = S_HELLO_END;
		return (SHOWQ_DEC_MORE);
	case S_HELLO_END:
		if (*tok != 0)
			return (showq_dec_bad(d, "unexpected attribute", tok));
		d->state = S_NAME;
		d->field = F_QUEUE;
		return (SHOWQ_DEC_MORE);
	case S_NAME:
		if (*tok == 0 && d->field == F_QUEUE) {
			d->state = S_DONE;
			return (SHOWQ_DEC_END);
		}
		if (*tok == 0 && d->field == F_RCPT) {
			showq_dec_message(d, fn, ctx);
			d->field = F_QUEUE;
			return (SHOWQ_DEC_MORE);
		}
		if (*tok == 0)
			return (showq_dec_bad(d, "missing attribute",
			    showq_field[d->field]));
		if (strcmp(tok, showq_field[d->field]) != 0)
			return (showq_dec_bad(d, "unexpected attribute", tok));
		d->state = S_VALUE;
		return (SHOWQ_DEC_MORE);
	case S_VALUE:
		return (showq_dec_value(d, tok));
	default:
		return (showq_dec_bad(d, "data after the end", 0));
	}
}

/* showq_dec_feed - consume input */

int
showq_dec_feed(struct showq_dec *d, const char *buf, size_t len, showq_fn *fn,
    void *ctx, size_t *used)
{
	const char *cp = buf;
	const char *end = buf + len;
	const char *nul;
	const char *tok;
	int status;

	if (d->state == S_BAD)
		return (SHOWQ_DEC_BAD);
	if (d->state == S_DONE)
		return (showq_dec_bad(d, "data after the end", 0));
	while (cp < end) {
		nul = memchr(cp, 0, (size_t)(end - cp));
		if (d->tok.len + (size_t)((nul ? nul : end) - cp) >
		    SHOWQ_PROTO_TOKEN_MAX)
			return (showq_dec_bad(d, "attribute too long", 0));
		if (nul == 0) {
			vbuf_append(&d->tok, cp, (size_t)(end - cp));
			break;
		}
		if (d->tok.len > 0) {
			vbuf_append(&d->tok, cp, (size_t)(nul - cp));
			tok = vbuf_str(&d->tok);
		} else {
			tok = cp;
		}
		status = showq_dec_token(d, tok, fn, ctx);
		vbuf_reset(&d->tok);
		cp = nul + 1;
		if (status == SHOWQ_DEC_END && used != 0)
			*used = (size_t)(cp - buf);
		if (status != SHOWQ_DEC_MORE)
			return (status);
	}
	if (used != 0)
		*used = len;
	return (SHOWQ_DEC_MORE);
}
