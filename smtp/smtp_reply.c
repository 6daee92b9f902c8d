/*
 * smtp_reply - SMTP reply lines, enhanced status codes and EHLO keywords;
 * see smtp.h.
 *
 * Everything works on (pointer, length) input already bounded by the
 * reader; output goes to vbufs with explicit caps, so a hostile server
 * sending endless continuation lines costs time (bounded by the phase
 * timeout) but not memory.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "deliv.h"
#include "smtp.h"

void
smtp_reply_reset(struct smtp_reply *r)
{
	r->code = 0;
	r->dsn[0] = 0;
	vbuf_reset(&r->text);
	vbuf_reset(&r->lines);
	r->nlines = 0;
	r->complete = 0;
}

void
smtp_reply_free(struct smtp_reply *r)
{
	vbuf_free(&r->text);
	vbuf_free(&r->lines);
	r->nlines = 0;
	r->complete = 0;
	r->code = 0;
}

int
smtp_reply_feed(struct smtp_reply *r, const char *line, size_t len)
{
	int valid;
	int last;
	int code = 0;
	size_t start;

	if (r->complete)
		smtp_reply_reset(r);
	valid = len >= 3 && isdigit((unsigned char)line[0]) &&
	    isdigit((unsigned char)line[1]) &&
	    isdigit((unsigned char)line[2]) &&
	    (len == 3 || line[3] == ' ' || line[3] == '-');
	if (valid)
		code = (line[0] - '0') * 100 + (line[1] - '0') * 10 +
		    (line[2] - '0');
	/* As Postfix: a malformed line is one more continuation line. */
	last = valid && (len == 3 || line[3] == ' ');
	if (r->nlines == 0 && r->text.len == 0)
		r->first_code = code;
	/* Joined text: whole lines while there is room. */
	if (r->text.len < SMTP_REPLY_TEXT_MAX / 2) {
		size_t room = SMTP_REPLY_TEXT_MAX - r->text.len;
		size_t n = len < room ? len : room;

		if (r->text.len || r->nlines)
			vbuf_putc(&r->text, ' ');
		start = r->text.len;
		vbuf_append(&r->text, line, n);
		for (size_t i = start; i < r->text.len; i++) {
			unsigned char c = (unsigned char)r->text.data[i];

			if (c < 0x20 || c == 0x7f)
				r->text.data[i] = '?';
		}
	}
	/* Per-line text after "NNN-" for EHLO keywords. */
	if (valid && r->nlines < SMTP_REPLY_LINES_MAX) {
		start = r->lines.len;
		if (len > 4)
			vbuf_append(&r->lines, line + 4, len - 4);
		for (size_t i = start; i < r->lines.len; i++) {
			unsigned char c = (unsigned char)r->lines.data[i];

			if (c < 0x20 || c == 0x7f)
				r->lines.data[i] = '?';
		}
		vbuf_putc(&r->lines, '\n');
	}
	r->nlines++;
	if (last) {
		r->complete = 1;
		r->code = code;
		if (code / 100 == 3)
			strcpy(r->dsn, "2.0.0"); /* intermediate: 354 */
		else if (code < 200 || code > 599)
			strcpy(r->dsn, "5.5.0");
		else if (r->first_code / 100 == code / 100)
			deliv_dsn_from_reply(r->dsn, vbuf_str(&r->text));
		else
			snprintf(r->dsn, sizeof(r->dsn), "%d.0.0", code / 100);
	}
	return last;
}

/* smtp_word_in - is the word (len bytes) in the space-separated list? */

static int
smtp_word_in(const char *list, const char *word, size_t len)
{
	while (list && *list) {
		size_t n = strcspn(list, " ");

		if (n == len && strncasecmp(list, word, len) == 0)
			return 1;
		list += n;
		list += strspn(list, " ");
	}
	return 0;
}

int
smtp_ehlo_parse(const struct smtp_reply *r, long *size_limit)
{
	const char *cp;
	const char *end;
	int feat = 0;
	int first = 1;

	*size_limit = 0;
	if (r->lines.data == NULL)
		return 0;
	for (cp = r->lines.data; (end = strchr(cp, '\n')) != NULL;
	     cp = end + 1) {
		size_t klen;

		if (first) { /* greeting line: our name */
			first = 0;
			continue;
		}
		while (cp < end && *cp == ' ')
			cp++;
		klen = strcspn(cp, " =\n");
		if (klen == 10 && strncasecmp(cp, "PIPELINING", 10) == 0) {
			feat |= SMTP_FEAT_PIPELINING;
		} else if (klen == 8 && strncasecmp(cp, "STARTTLS", 8) == 0) {
			feat |= SMTP_FEAT_STARTTLS;
		} else if (klen == 4 && strncasecmp(cp, "AUTH", 4) == 0) {
			feat |= SMTP_FEAT_AUTH;
		} else if (klen == 8 && strncasecmp(cp, "8BITMIME", 8) == 0) {
			feat |= SMTP_FEAT_8BITMIME;
		} else if (klen == 4 && strncasecmp(cp, "SIZE", 4) == 0) {
			const char *arg = cp + 4;
			long n = 0;

			feat |= SMTP_FEAT_SIZE;
			while (arg < end && (*arg == ' ' || *arg == '='))
				arg++;
			while (arg < end && isdigit((unsigned char)*arg)) {
				if (n > (1L << 50))
					break; /* absurd: treat as unlimited */
				n = n * 10 + (*arg++ - '0');
			}
			*size_limit =
			    (arg == end && n > 0 && n <= (1L << 50)) ? n : 0;
		}
	}
	return feat;
}

void
smtp_ehlo_auth(const struct smtp_reply *r, struct vbuf *out)
{
	const char *cp, *end;
	int first = 1;

	if (r->lines.data == NULL)
		return;
	for (cp = r->lines.data; (end = strchr(cp, '\n')) != NULL;
	     cp = end + 1) {
		if (first || strncasecmp(cp, "AUTH", 4) != 0 ||
		    (cp[4] != ' ' && cp[4] != '=')) {
			first = 0;
			continue;
		}
		for (cp += 5; cp < end;) {
			size_t len;

			cp += strspn(cp, " ");
			len = strcspn(cp, " \n");
			if (len == 0)
				break;
			/* Each mechanism once. */
			if (!smtp_word_in(out->data, cp, len)) {
				if (out->len)
					vbuf_puts(out, " ");
				for (size_t i = 0; i < len; i++)
					vbuf_printf(out, "%c",
					    toupper((unsigned char)cp[i]));
			}
			cp += len;
		}
	}
}
