#ifndef SLUICE_POSTCONF_H
#define SLUICE_POSTCONF_H
/*
 * NAME
 *	postconf - what the postconf command's files share
 * SYNOPSIS
 *	#include "postconf.h"
 *
 *	extern const char *postconf_dir;
 *	int  postconf_lock_tmp(const char *tmp);
 *
 *	void postconf_master_show(int mode, char **requests, int flags);
 *	void postconf_master_edit(int mode, int edit, char **args);
 * DESCRIPTION
 *	postconf_dir is the configuration directory in use.
 *	postconf_lock_tmp() opens and locks an editor's temporary file
 *	(FILE.tmp) so that concurrent editors take turns; it returns the
 *	locked descriptor (postconf.c).
 *
 *	postconf_master_show() prints master.cf for -M (entries), -F
 *	(service fields) or -P (service parameters, the -o options), mode
 *	being 'M', 'F' or 'P', limited to requests (a NULL-terminated
 *	list, empty: everything). flags: PC_VALUE_ONLY (-h), PC_NAME_ONLY
 *	(-H). postconf_master_edit() applies -M/-F/-P edits to master.cf
 *	(edit: EDIT_SET, EDIT_REMOVE or EDIT_COMMENT), rewriting the
 *	entries it changes in Postfix's layout (postconf_master.c).
 * DIAGNOSTICS
 *	Fatal: unreadable or unwritable master.cf, bad requests.
 */

#define PC_DEFAULTS (1 << 0)   /* -d */
#define PC_NONDEF (1 << 1)     /* -n */
#define PC_VALUE_ONLY (1 << 2) /* -h */
#define PC_NAME_ONLY (1 << 3)  /* -H */
#define PC_EXPAND (1 << 4)     /* -x */

#define EDIT_SET 1
#define EDIT_REMOVE 2
#define EDIT_COMMENT 3

extern const char *postconf_dir;
int postconf_lock_tmp(const char *tmp);
void postconf_master_show(int mode, char **requests, int flags);
void postconf_master_edit(int mode, int edit, char **args);

#endif
