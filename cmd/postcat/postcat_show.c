/*
 * postcat_show - print one queue file as Postfix's postcat; see postcat.h.
 *
 * The file is read as a state machine over its three segments:
 * envelope (and, after 'X', the extracted envelope), message header and
 * message body. What is printed depends on -e/-h/-b; the 'C' record's
 * content size and data offset let us skip what is not wanted, exactly
 * where Postfix skips.
 *
 * Where Postfix would loop forever or crash on a damaged file we do not:
 * the skips only ever move forward, pointer loops are cut off by
 * rec_goto(), and a time that asctime() cannot show is printed as the
 * number it is.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "postcat.h"
#include "qfile.h"
#include "msg.h"
#include "vbuf.h"

#define PC_STATE_ENV 0	  /* envelope or extracted envelope */
#define PC_STATE_HEADER 1 /* primary message header */
#define PC_STATE_BODY 2	  /* the rest of the content */

#define TEXT_RECORD(t) ((t) == REC_TYPE_CONT || (t) == REC_TYPE_NORM)
#define IS_SPACE_TAB(c) ((c) == ' ' || (c) == '\t')
#define IS_SPACE(c)                                                            \
	((c) == ' ' || (c) == '\t' || (c) == '\n' || (c) == '\r' ||            \
	    (c) == '\f' || (c) == '\v')

struct pc_ctx {
	FILE *fp;
	const char *path;
	int flags;
	unsigned long offset; /* of the current record */
	struct vbuf buf;      /* the current record */
	struct vbuf why;      /* read errors */
	int state;	      /* PC_STATE_* */
	int do_print;	      /* print records in this state */
	int prev_type;	      /* the last record printed */
	int seen_end;	      /* the message end record was read */
	long data_offset;     /* from the size record, -1 if none */
	long data_size;	      /* idem */
};

/* pc_prefix - optional file name, offset and type before a record */

static void
pc_prefix(struct pc_ctx *ctx, int type)
{
	if (ctx->flags & PC_FLAG_PRINT_FILE)
		printf("%s: ", ctx->path);
	if (ctx->flags & PC_FLAG_PRINT_OFFSET)
		printf("%9lu ", ctx->offset);
	if (ctx->flags & PC_FLAG_PRINT_RTYPE_DEC)
		printf("%3d ", type);
}

/* pc_marker - one "*** TEXT PATH ***" line */

static void
pc_marker(struct pc_ctx *ctx, int type, const char *text)
{
	pc_prefix(ctx, type);
	printf("*** %s %s ***\n", text, ctx->path);
	fflush(stdout);
}

/* pc_time - "label: asctime\n" */

static void
pc_time(const char *label, long value)
{
	time_t t = (time_t)value;
	struct tm *tm;
	char *text = 0;

	if ((tm = localtime(&t)) != 0)
		text = asctime(tm);
	if (text != 0)
		printf("%s: %s", label, text);
	else
		printf("%s: %ld\n", label, value);
}

/* pc_is_header - Postfix's is_header(): "name:" with a printable name */

static int
pc_is_header(const char *str)
{
	const unsigned char *cp;
	int in_name = 0;
	int in_space = 0;

	for (cp = (const unsigned char *)str; /* void */; cp++) {
		switch (*cp) {
		case ':':
			return (in_name);
		case ' ':
		case '\t':
			if (!in_name)
				return (0);
			in_space = 1;
			continue;
		default:
			if (*cp == 0 || *cp > 126 || *cp < 32 || in_space)
				return (0);
			in_name = 1;
			continue;
		}
	}
}

/* pc_split_nameval - Postfix's split_nameval(), in place */

static const char *
pc_split_nameval(char *buf, char **name, char **value)
{
	char *np;
	char *ep;
	char *cp;
	char *vp;
	char *tp;

	for (np = buf; *np && IS_SPACE(*np); np++)
		/* void */;
	if (*np == 0 || *np == '=')
		return ("missing attribute name");
	for (ep = np; *ep && !IS_SPACE(*ep) && *ep != '='; ep++)
		/* void */;
	for (cp = ep; *cp && IS_SPACE(*cp); cp++)
		/* void */;
	if (*cp != '=')
		return ("missing '=' after attribute name");
	*ep = 0;
	for (vp = cp + 1; *vp && IS_SPACE(*vp); vp++)
		/* void */;
	for (tp = vp + strlen(vp); tp > vp && IS_SPACE(tp[-1]); tp--)
		/* void */;
	*tp = 0;
	*name = np;
	*value = vp;
	return (0);
}

/* pc_seek_forward - a read optimization skip, never backwards */

static void
pc_seek_forward(struct pc_ctx *ctx, long target)
{
	long here = ftell(ctx->fp);

	if (here >= 0 && target <= here)
		return;
	if (fseek(ctx->fp, target, SEEK_SET) < 0)
		msg_fatal("seek error: %m");
}

/* pc_scan_size - sscanf("%ld %ld") without overflow trouble */

static int
pc_scan_size(const char *data, long *size, long *offset)
{
	const char *cp = data;
	char *end;
	long *out[2];
	int n;

	out[0] = size;
	out[1] = offset;
	for (n = 0; n < 2; n++) {
		while (IS_SPACE(*cp))
			cp++;
		errno = 0;
		*out[n] = strtol(cp, &end, 10);
		if (end == cp)
			return (n);
		cp = end;
	}
	return (2);
}

/*
 * What a record handler tells the read loop: print the record (if
 * printing is on), go on with the next record, or stop reading.
 */
#define PC_PRINT 0
#define PC_NEXT 1
#define PC_STOP 2

/* pc_skip_start - skip or absorb the bytes before the requested start */

static void
pc_skip_start(FILE *fp, const char *path, long start_offset)
{
	long n;

	if (start_offset <= 0)
		return;
	if (fp == stdin) {
		for (n = 0; n < start_offset; n++)
			if (getc(fp) == EOF)
				msg_fatal("%s: skip %ld bytes failed after %ld",
				    path, start_offset, n);
	} else if (fseek(fp, start_offset, SEEK_SET) < 0) {
		msg_fatal("%s: seek to %ld: %m", path, start_offset);
	}
}

/* pc_text - a text record: the header ends at the first non-header line */

static int
pc_text(struct pc_ctx *ctx)
{
	int flags = ctx->flags;

	if (ctx->state == PC_STATE_HEADER && (flags & PC_MASK_PRINT_TEXT) &&
	    ctx->prev_type != REC_TYPE_CONT &&
	    !(pc_is_header(ctx->buf.data) || IS_SPACE_TAB(ctx->buf.data[0]))) {
		ctx->state = PC_STATE_BODY;
		ctx->do_print = (flags & PC_FLAG_PRINT_BODY);
		/* Nothing more to print. */
		if (ctx->do_print == 0 && (flags & PC_FLAG_PRINT_ENV) == 0)
			return (PC_STOP);
		/* Skip to the extracted segment. */
		if (ctx->do_print == 0 && (flags & PC_FLAG_PRINT_ENV) &&
		    ctx->data_offset >= 0 && ctx->data_size >= 0)
			pc_seek_forward(ctx, ctx->data_offset + ctx->data_size);
	}
	return (PC_PRINT);
}

/* pc_mesg - the message content marker */

static int
pc_mesg(struct pc_ctx *ctx, int rec_type)
{
	if (ctx->state != PC_STATE_ENV)
		msg_warn("%s: out-of-order message content marker", ctx->path);
	if (ctx->flags & PC_FLAG_PRINT_ENV)
		pc_marker(ctx, rec_type, "MESSAGE CONTENTS");
	/* Skip the content when no text is wanted. */
	if ((ctx->flags & PC_MASK_PRINT_TEXT) == 0 && ctx->data_offset >= 0 &&
	    ctx->data_size >= 0)
		pc_seek_forward(ctx, ctx->data_offset + ctx->data_size);
	ctx->state = PC_STATE_HEADER;
	ctx->do_print = (ctx->flags & PC_FLAG_PRINT_HEADER);
	return (PC_NEXT);
}

/* pc_xtra - the extracted segment marker */

static int
pc_xtra(struct pc_ctx *ctx, int rec_type)
{
	if (ctx->state != PC_STATE_HEADER && ctx->state != PC_STATE_BODY)
		msg_warn("%s: out-of-order extracted segment marker",
		    ctx->path);
	/* End a text line left open by an 'L' record. */
	if (ctx->do_print && ctx->prev_type == REC_TYPE_CONT)
		putchar('\n');
	if (ctx->flags & PC_FLAG_PRINT_ENV)
		pc_marker(ctx, rec_type, "HEADER EXTRACTED");
	ctx->state = PC_STATE_ENV;
	ctx->do_print = (ctx->flags & PC_FLAG_PRINT_ENV);
	return (ctx->do_print == 0 ? PC_STOP : PC_NEXT);
}

/* pc_end - the message end marker */

static int
pc_end(struct pc_ctx *ctx, int rec_type)
{
	ctx->seen_end = 1;
	if (ctx->state != PC_STATE_ENV)
		msg_warn("%s: out-of-order message end marker", ctx->path);
	if (ctx->flags & PC_FLAG_PRINT_ENV)
		pc_marker(ctx, rec_type, "MESSAGE FILE END");
	return ((ctx->flags & PC_FLAG_RAW) ? PC_NEXT : PC_STOP);
}

/* pc_print_plain - "name: value" for a record printed as it is */

static void
pc_print_plain(struct pc_ctx *ctx, int rec_type)
{
	if (ctx->do_print) {
		pc_prefix(ctx, rec_type);
		printf("%s: %s\n", rec_type_name(rec_type), ctx->buf.data);
		fflush(stdout);
	}
}

/* pc_ptr - a pointer record, seen only with -v (else the reader follows) */

static int
pc_ptr(struct pc_ctx *ctx, int rec_type)
{
	pc_print_plain(ctx, rec_type);
	if ((ctx->flags & PC_FLAG_RAW) == 0 &&
	    rec_goto(ctx->fp, ctx->buf.data, &ctx->why) < 0) {
		fflush(stdout);
		msg_warn("%s: %s", ctx->path, ctx->why.data);
		msg_fatal("bad pointer record, or input is not seekable");
	}
	return (PC_NEXT);
}

/* pc_size - the size record: where the content is, for skipping */

static int
pc_size(struct pc_ctx *ctx, int rec_type)
{
	pc_print_plain(ctx, rec_type);
	/* Maildrop files may have a placeholder size record. */
	if (strncmp(ctx->path, "maildrop/", 9) == 0)
		return (PC_NEXT);
	if (ctx->data_size >= 0 || ctx->data_offset >= 0) {
		msg_warn("file contains multiple size records");
		return (PC_NEXT);
	}
	if (pc_scan_size(ctx->buf.data, &ctx->data_size, &ctx->data_offset) !=
		2 ||
	    ctx->data_offset <= 0 || ctx->data_size <= 0)
		msg_warn("invalid size record: %.100s", ctx->buf.data);
	/* Skip to the message header when no envelope is wanted. */
	if ((ctx->flags & PC_FLAG_PRINT_ENV) == 0) {
		if (ctx->data_offset < 0 ||
		    fseek(ctx->fp, ctx->data_offset, SEEK_SET) < 0) {
			if (ctx->data_offset < 0)
				errno = EINVAL;
			msg_fatal("seek error: %m");
		}
		ctx->state = PC_STATE_HEADER;
		ctx->do_print = (ctx->flags & PC_FLAG_PRINT_HEADER);
	}
	return (PC_NEXT);
}

/* pc_record - records that move the state machine or the read position */

static int
pc_record(struct pc_ctx *ctx, int rec_type)
{
	if (TEXT_RECORD(rec_type))
		return (pc_text(ctx));
	switch (rec_type) {
	case REC_TYPE_MESG:
		return (pc_mesg(ctx, rec_type));
	case REC_TYPE_XTRA:
		return (pc_xtra(ctx, rec_type));
	case REC_TYPE_END:
		return (pc_end(ctx, rec_type));
	case REC_TYPE_PTR:
		return (pc_ptr(ctx, rec_type));
	case REC_TYPE_SIZE:
		return (pc_size(ctx, rec_type));
	default:
		return (PC_PRINT);
	}
}

/* pc_attr - a named attribute record */

static void
pc_attr(struct pc_ctx *ctx, int rec_type)
{
	const char *err;
	char *attr_name;
	char *attr_value;

	if ((err = pc_split_nameval(ctx->buf.data, &attr_name, &attr_value)) !=
	    0) {
		fflush(stdout);
		msg_warn("%s: malformed attribute: %s: %.100s", ctx->path, err,
		    ctx->buf.data);
		return;
	}
	if (strcmp(attr_name, "create_time") == 0)
		pc_time("create_time", strtol(attr_value, 0, 10));
	else
		printf("%s: %s=%s\n", rec_type_name(rec_type), attr_name,
		    attr_value);
}

/* pc_print - print one record; returns the type to remember as previous */

static int
pc_print(struct pc_ctx *ctx, int rec_type)
{
	struct vbuf *buf = &ctx->buf;

	pc_prefix(ctx, rec_type);
	switch (rec_type) {
	case REC_TYPE_TIME:
	case REC_TYPE_WARN:
		pc_time(rec_type_name(rec_type), strtol(buf->data, 0, 10));
		break;
	case REC_TYPE_CONT: /* also REC_TYPE_FILT */
		if (ctx->state == PC_STATE_ENV)
			printf("%s: ", rec_type_name(rec_type));
		else if (msg_verbose)
			printf("unterminated_text: ");
		fwrite(buf->data, 1, buf->len, stdout);
		if (ctx->state == PC_STATE_ENV || msg_verbose ||
		    (ctx->flags &
			(PC_FLAG_PRINT_OFFSET | PC_FLAG_PRINT_FILE))) {
			rec_type = 0;
			putchar('\n');
		}
		break;
	case REC_TYPE_NORM:
		if (msg_verbose)
			printf("%s: ", rec_type_name(rec_type));
		fwrite(buf->data, 1, buf->len, stdout);
		putchar('\n');
		break;
	case REC_TYPE_DTXT:
		printf("%s: ", rec_type_name(rec_type));
		fwrite(buf->data, 1, buf->len, stdout);
		putchar('\n');
		break;
	case REC_TYPE_ATTR:
		pc_attr(ctx, rec_type);
		break;
	default:
		printf("%s: %s\n", rec_type_name(rec_type), buf->data);
		break;
	}
	fflush(stdout);
	return (rec_type);
}

/* pc_read_loop - read and show records until the end; -1 if truncated */

static int
pc_read_loop(struct pc_ctx *ctx, long start_offset)
{
	int rec_flags = msg_verbose ? REC_RAW : REC_READER;
	int rec_type;

	for (;;) {
		ctx->offset = (unsigned long)ftell(ctx->fp);
		rec_type =
		    rec_get_why(ctx->fp, &ctx->buf, 0, rec_flags, &ctx->why);
		if (rec_type == REC_ERR) {
			fflush(stdout);
			if (ctx->why.len > 0)
				msg_warn("%s: %s", ctx->path, ctx->why.data);
			msg_fatal("record read error");
		}
		if (rec_type == REC_EOF) {
			if (!ctx->seen_end && start_offset == 0) {
				fflush(stdout);
				msg_warn("%s: premature end of file: no "
					 "message end record",
				    ctx->path);
				return (-1);
			}
			return (0);
		}
		switch (pc_record(ctx, rec_type)) {
		case PC_STOP:
			return (0);
		case PC_NEXT:
			continue;
		}
		/* The other records have no side effects. */
		if (ctx->do_print)
			ctx->prev_type = pc_print(ctx, rec_type);
	}
}

/* postcat_show - print one queue file */

int
postcat_show(FILE *fp, const char *path, int flags, long start_offset)
{
	struct pc_ctx ctx;
	int ret;
	int ch;

	memset(&ctx, 0, sizeof(ctx));
	ctx.fp = fp;
	ctx.path = path;
	ctx.flags = flags;
	ctx.data_offset = -1;
	ctx.data_size = -1;
	pc_skip_start(fp, path, start_offset);

	/*
	 * A queue file starts with an envelope record.
	 */
	if (start_offset == 0 && (ch = getc(fp)) != EOF) {
		if (strchr(REC_ENVELOPE_TYPES, ch) == 0) {
			msg_warn("%s: input is not a valid queue file", path);
			return (0);
		}
		ungetc(ch, fp);
	}
	if (start_offset == 0 && (flags & PC_FLAG_PRINT_ENV)) {
		if (flags & PC_FLAG_PRINT_FILE)
			printf("%s: ", path);
		printf("*** ENVELOPE RECORDS %s ***\n", path);
	}
	ctx.state = PC_STATE_ENV;
	ctx.do_print = (flags & PC_FLAG_PRINT_ENV);
	ret = pc_read_loop(&ctx, start_offset);
	fflush(stdout);
	vbuf_free(&ctx.buf);
	vbuf_free(&ctx.why);
	return (ret);
}
