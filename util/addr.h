#ifndef SLUICE_ADDR_H
#define SLUICE_ADDR_H
/*
 * NAME
 *	addr - RFC 822 address lists, quoting and qualification
 * SYNOPSIS
 *	#include "addr.h"
 *
 *	RFC 822 syntax, shared by cleanup and sendmail:
 *
 *	size_t addr_parse(const char *text, size_t len,
 *			struct addr_list *list);
 *	void addr_list_free(struct addr_list *list);
 *	size_t addr_is_header(const char *line, size_t len);
 *	void addr_quote_local(struct vbuf *out, const char *addr);
 *	void addr_phrase(struct vbuf *out, const char *fullname);
 *	void addr_qualify(struct vbuf *out, const char *addr,
 *			const char *origin);
 *
 * DESCRIPTION
 *	addr_parse() parses an RFC 822 address list (a header value
 *	or a command-line argument): comments are dropped, quoted strings
 *	unquoted, group names and phrases skipped, "<...>" route-addrs
 *	reduced to their address (source routes dropped). Each address is
 *	appended to list in Postfix's internal (unquoted) form, "" for "<>".
 *	Returns the number of addresses added. Unterminated quotes, comments
 *	or brackets end at the end of text. addr_list_free()
 *	releases the list's contents (a zeroed list is valid and empty).
 *
 *	addr_is_header() returns the length of the header name when
 *	line starts with "name:" (name: printable non-space ASCII except ':',
 *	optionally followed by blanks before the colon), else 0.
 *
 *	addr_quote_local() appends addr with its local part (up to
 *	the last '@') quoted when RFC 822 requires it. addr_phrase()
 *	appends fullname as a From: phrase: a quoted string if it holds
 *	specials, '%' or '!', else its words joined by single spaces (empty
 *	when it has none). addr_qualify() appends addr, plus
 *	"@origin" when addr has no '@' (origin NULL: never).
 *
 * DIAGNOSTICS
 *	Fatal: out of memory.
 */
#include <stddef.h>
#include "vbuf.h"

/*
 * RFC 822 syntax.
 */
struct addr_list {
	char **addr;
	size_t n;
	size_t cap;
};

size_t addr_parse(const char *text, size_t len, struct addr_list *list);
void addr_list_free(struct addr_list *list);
size_t addr_is_header(const char *line, size_t len);
void addr_quote_local(struct vbuf *out, const char *addr);
void addr_phrase(struct vbuf *out, const char *fullname);
void addr_qualify(struct vbuf *out, const char *addr, const char *origin);

#endif
