/*
 * smtp_text - message content to the SMTP DATA stream; see smtp.h.
 *
 * Works as a stream: a logical line may arrive in many pieces (queue
 * file L records of 2048 bytes, then N), and the state (column, start
 * of line) carries across calls, so the memory used does not depend
 * on the line length. Breaking long lines follows Postfix's
 * smtp_line_length_limit: after limit bytes comes CRLF plus one space
 * (which keeps a MIME header folded rather than cut), and the space
 * counts towards the next output line.
 */
#include <string.h>

#include "smtp.h"

void
smtp_text_init(struct smtp_text *t, size_t limit)
{
	t->limit = limit > 1 ? limit : 998;
	t->col = 0;
	t->bol = 1;
}

void
smtp_text_put(struct smtp_text *t, struct vbuf *out, const char *data,
    size_t len, int eol)
{
	while (len > 0) {
		size_t room;
		size_t n;

		if (t->bol) {
			t->bol = 0;
			if (data[0] == '.') {
				vbuf_putc(out, '.');
				/* The stuffed dot is not part of the line
				 * length. */
			}
		}
		if (t->col >= t->limit) {
			vbuf_append(out, "\r\n ", 3);
			t->col = 1;
		}
		room = t->limit - t->col;
		n = len < room ? len : room;
		vbuf_append(out, data, n);
		t->col += n;
		data += n;
		len -= n;
	}
	if (eol) {
		vbuf_append(out, "\r\n", 2);
		t->col = 0;
		t->bol = 1;
	}
}

void
smtp_text_end(struct smtp_text *t, struct vbuf *out)
{
	if (!t->bol || t->col > 0)
		smtp_text_put(t, out, "", 0, 1);
	vbuf_append(out, ".\r\n", 3);
}
