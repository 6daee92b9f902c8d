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

/* postcat_show - print one queue file */

int
postcat_show(FILE *fp, const char *path, int flags, long start_offset)
{
	struct pc_ctx ctx;
	struct vbuf buf = VBUF_INIT;
	struct vbuf why = VBUF_INIT;
	int rec_flags = msg_verbose ? REC_RAW : REC_READER;
	int prev_type = 0;
	int rec_type;
	int state;
	int do_print;
	int seen_end = 0;
	long data_offset = -1;
	long data_size = -1;
	long pos;
	long n;
	int ch;
	int ret = 0;
	const char *err;
	char *attr_name;
	char *attr_value;

	ctx.fp = fp;
	ctx.path = path;
	ctx.flags = flags;
	ctx.offset = 0;

	/*
	 * Skip or absorb bytes before the requested start.
	 */
	if (start_offset > 0) {
		if (fp == stdin) {
			for (n = 0; n < start_offset; n++)
				if (getc(fp) == EOF)
					msg_fatal("%s: skip %ld bytes failed "
						  "after %ld",
					    path, start_offset, n);
		} else if (fseek(fp, start_offset, SEEK_SET) < 0) {
			msg_fatal("%s: seek to %ld: %m", path, start_offset);
		}
	}

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
	state = PC_STATE_ENV;
	do_print = (flags & PC_FLAG_PRINT_ENV);

	for (;;) {
		pos = ftell(fp);
		ctx.offset = (unsigned long)pos;
		rec_type = rec_get_why(fp, &buf, 0, rec_flags, &why);
		if (rec_type == REC_ERR) {
			fflush(stdout);
			if (why.len > 0)
				msg_warn("%s: %s", path, why.data);
			msg_fatal("record read error");
		}
		if (rec_type == REC_EOF) {
			if (!seen_end && start_offset == 0) {
				fflush(stdout);
				msg_warn("%s: premature end of file: no "
					 "message end record",
				    path);
				ret = -1;
			}
			break;
		}

		/*
		 * Records that move the state machine or the read position.
		 */
		if (TEXT_RECORD(rec_type)) {
			if (state == PC_STATE_HEADER &&
			    (flags & PC_MASK_PRINT_TEXT) &&
			    prev_type != REC_TYPE_CONT &&
			    !(pc_is_header(buf.data) ||
				IS_SPACE_TAB(buf.data[0]))) {
				state = PC_STATE_BODY;
				do_print = (flags & PC_FLAG_PRINT_BODY);
				/* Nothing more to print. */
				if (do_print == 0 &&
				    (flags & PC_FLAG_PRINT_ENV) == 0)
					break;
				/* Skip to the extracted segment. */
				if (do_print == 0 &&
				    (flags & PC_FLAG_PRINT_ENV) &&
				    data_offset >= 0 && data_size >= 0)
					pc_seek_forward(&ctx,
					    data_offset + data_size);
			}
		} else if (rec_type == REC_TYPE_MESG) {
			if (state != PC_STATE_ENV)
				msg_warn("%s: out-of-order message content "
					 "marker",
				    path);
			if (flags & PC_FLAG_PRINT_ENV)
				pc_marker(&ctx, rec_type, "MESSAGE CONTENTS");
			/* Skip the content when no text is wanted. */
			if ((flags & PC_MASK_PRINT_TEXT) == 0 &&
			    data_offset >= 0 && data_size >= 0)
				pc_seek_forward(&ctx, data_offset + data_size);
			state = PC_STATE_HEADER;
			do_print = (flags & PC_FLAG_PRINT_HEADER);
			continue;
		} else if (rec_type == REC_TYPE_XTRA) {
			if (state != PC_STATE_HEADER && state != PC_STATE_BODY)
				msg_warn("%s: out-of-order extracted segment "
					 "marker",
				    path);
			/* End a text line left open by an 'L' record. */
			if (do_print && prev_type == REC_TYPE_CONT)
				putchar('\n');
			if (flags & PC_FLAG_PRINT_ENV)
				pc_marker(&ctx, rec_type, "HEADER EXTRACTED");
			state = PC_STATE_ENV;
			do_print = (flags & PC_FLAG_PRINT_ENV);
			if (do_print == 0)
				break;
			continue;
		} else if (rec_type == REC_TYPE_END) {
			seen_end = 1;
			if (state != PC_STATE_ENV)
				msg_warn("%s: out-of-order message end marker",
				    path);
			if (flags & PC_FLAG_PRINT_ENV)
				pc_marker(&ctx, rec_type, "MESSAGE FILE END");
			if (flags & PC_FLAG_RAW)
				continue;
			break;
		} else if (rec_type == REC_TYPE_PTR) {
			/* Seen only with -v: the reader follows pointers
			 * otherwise. */
			if (do_print) {
				pc_prefix(&ctx, rec_type);
				printf("%s: %s\n", rec_type_name(rec_type),
				    buf.data);
				fflush(stdout);
			}
			if ((flags & PC_FLAG_RAW) == 0 &&
			    rec_goto(fp, buf.data, &why) < 0) {
				fflush(stdout);
				msg_warn("%s: %s", path, why.data);
				msg_fatal("bad pointer record, or input is not "
					  "seekable");
			}
			continue;
		} else if (rec_type == REC_TYPE_SIZE) {
			if (do_print) {
				pc_prefix(&ctx, rec_type);
				printf("%s: %s\n", rec_type_name(rec_type),
				    buf.data);
				fflush(stdout);
			}
			/* Maildrop files may have a placeholder size record. */
			if (strncmp(path, "maildrop/", 9) == 0)
				continue;
			if (data_size >= 0 || data_offset >= 0) {
				msg_warn("file contains multiple size records");
			} else {
				if (pc_scan_size(buf.data, &data_size,
					&data_offset) != 2 ||
				    data_offset <= 0 || data_size <= 0)
					msg_warn("invalid size record: %.100s",
					    buf.data);
				/* Skip to the message header when no envelope
				 * is wanted. */
				if ((flags & PC_FLAG_PRINT_ENV) == 0) {
					if (data_offset < 0 ||
					    fseek(fp, data_offset, SEEK_SET) <
						0) {
						if (data_offset < 0)
							errno = EINVAL;
						msg_fatal("seek error: %m");
					}
					state = PC_STATE_HEADER;
					do_print =
					    (flags & PC_FLAG_PRINT_HEADER);
				}
			}
			continue;
		}

		/*
		 * The other records have no side effects; print them if wanted.
		 */
		if (do_print == 0)
			continue;
		pc_prefix(&ctx, rec_type);
		switch (rec_type) {
		case REC_TYPE_TIME:
			pc_time(rec_type_name(rec_type),
			    strtol(buf.data, 0, 10));
			break;
		case REC_TYPE_WARN:
			pc_time(rec_type_name(rec_type),
			    strtol(buf.data, 0, 10));
			break;
		case REC_TYPE_CONT: /* also REC_TYPE_FILT */
			if (state == PC_STATE_ENV)
				printf("%s: ", rec_type_name(rec_type));
			else if (msg_verbose)
				printf("unterminated_text: ");
			fwrite(buf.data, 1, buf.len, stdout);
			if (state == PC_STATE_ENV || msg_verbose ||
			    (flags &
				(PC_FLAG_PRINT_OFFSET | PC_FLAG_PRINT_FILE))) {
				rec_type = 0;
				putchar('\n');
			}
			break;
		case REC_TYPE_NORM:
			if (msg_verbose)
				printf("%s: ", rec_type_name(rec_type));
			fwrite(buf.data, 1, buf.len, stdout);
			putchar('\n');
			break;
		case REC_TYPE_DTXT:
			printf("%s: ", rec_type_name(rec_type));
			fwrite(buf.data, 1, buf.len, stdout);
			putchar('\n');
			break;
		case REC_TYPE_ATTR:
			if ((err = pc_split_nameval(buf.data, &attr_name,
				 &attr_value)) != 0) {
				fflush(stdout);
				msg_warn("%s: malformed attribute: %s: %.100s",
				    path, err, buf.data);
				break;
			}
			if (strcmp(attr_name, "create_time") == 0)
				pc_time("create_time",
				    strtol(attr_value, 0, 10));
			else
				printf("%s: %s=%s\n", rec_type_name(rec_type),
				    attr_name, attr_value);
			break;
		default:
			printf("%s: %s\n", rec_type_name(rec_type), buf.data);
			break;
		}
		prev_type = rec_type;
		fflush(stdout);
	}
	fflush(stdout);
	vbuf_free(&buf);
	vbuf_free(&why);
	return (ret);
}
