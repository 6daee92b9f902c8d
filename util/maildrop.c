/*
 * maildrop - what a local user may put into a maildrop file; see
 * maildrop.h.
 */
#include <ctype.h>
#include <string.h>

#include "maildrop.h"

#define IS_BLANK(c) isspace((unsigned char)(c))

const char *
maildrop_attr_split(char *buf, char **name, char **value)
{
	char *np, *ep, *cp, *vp, *end;

	for (np = buf; *np && IS_BLANK(*np); np++)
		/* void */;
	if (*np == 0)
		return ("missing attribute name");
	for (ep = np; *ep && !IS_BLANK(*ep) && *ep != '='; ep++)
		/* void */;
	for (cp = ep; *cp && IS_BLANK(*cp); cp++)
		/* void */;
	if (*cp != '=')
		return ("missing '=' after attribute name");
	*ep = 0;
	for (vp = cp + 1; *vp && IS_BLANK(*vp); vp++)
		/* void */;
	for (end = vp + strlen(vp); end > vp && IS_BLANK(end[-1]); end--)
		/* void */;
	*end = 0;
	*name = np;
	*value = vp;
	return (0);
}

int
maildrop_attr_ok(const char *name, const char *value)
{
	static const char *const any_value[] = {"envelope_id", "notify_flags",
	    "dsn_orig_rcpt", "ret_flags", "create_time", "trace_flags", 0};
	const char *const *cpp;

	for (cpp = any_value; *cpp; cpp++)
		if (strcmp(name, *cpp) == 0)
			return (1);
	if (strcmp(name, "encoding") == 0)
		return (strcmp(value, "7bit") == 0 ||
		    strcmp(value, "8bit") == 0 || strcmp(value, "none") == 0);
	if (strcmp(name, "rewrite_context") == 0)
		return (strcmp(value, "local") == 0 ||
		    strcmp(value, "remote") == 0);
	return (0);
}
