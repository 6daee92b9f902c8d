#ifndef SLUICE_PCHECK_H
#define SLUICE_PCHECK_H
/*
 * NAME
 *	pcheck - parameter value validation, one table for sluice check and
 *	the daemons
 * SYNOPSIS
 *	#include "pcheck.h"
 *
 *	int  pcheck_value(const char *name, const char *value, int flags,
 *			struct vbuf *why);
 *	int  pcheck_param(const char *name, int flags, struct vbuf *why);
 *	int  pcheck_config(int flags);
 *	void pcheck_bound(const char *name);
 *
 *	int  pcheck_master_cf(const char *path, int flags);
 *	int  pcheck_disabled(const char *name, const char *type,
 *			const char *list);
 *	void pcheck_unknown(const char *master_cf);
 *
 *	const struct pcheck_restr *pcheck_restriction(const char *name);
 *	int  pcheck_relay_guard(struct vbuf *why);
 *
 *	const char *pcheck_suggest(const char *name, const char *const *names);
 *	void pcheck_classify(const char *master_cf, struct pcheck_names *user,
 *			struct pcheck_names *unused);
 *	void pcheck_refs(const char *master_cf, struct pcheck_names *refs);
 *	int  pcheck_names_has(const struct pcheck_names *s, const char *name);
 *	void pcheck_names_add(struct pcheck_names *s, const char *name,
 *			size_t len);
 *	void pcheck_names_free(struct pcheck_names *s);
 * DESCRIPTION
 *	One table says, for the parameters whose values have more syntax
 *	than their type (util/param checks numbers, times, sizes and
 *	booleans), what a daemon accepts: an enumeration
 *	(smtpd_tls_security_level, smtp_tls_security_level,
 *	smtp_dns_support_level, smtp_address_preference), a list of
 *	enumerated words (inet_protocols, smtp_host_lookup), a restriction
 *	list (smtpd_*_restrictions: the names smtpd knows, each with its
 *	argument), a list of lookup tables (the *_maps the daemons read), a
 *	file that must be readable (TLS certificates and keys), a syslog
 *	facility. "sluice check", the master's reload check and every
 *	daemon (through param_bind()) validate with it, so they agree and
 *	say the same thing.
 *
 *	pcheck_value() checks one expanded value of parameter name: 0 when
 *	it is good (or the table has no rule for name), else -1 with why =
 *	the reason without location, e.g. "invalid value: \"mandatory\"
 *	(expected none, may or encrypt)", "unknown restriction
 *	\"permit_mynetwork\" (did you mean \"permit_mynetworks\"?)",
 *	"restriction \"check_sender_access\" needs an argument". Tables
 *	and files are only looked at with flags PCHECK_FILES (the table of a
 *	restriction smtpd implements, not of one it ignores; a table that
 *	does not open: maps_check()'s text; an unreadable file: "cannot
 *	read \"FILE\": REASON"); without it only the text is checked.
 *
 *	pcheck_param() checks the loaded value of name (param_str()) and
 *	prefixes why with where it comes from: "PATH, line N: parameter
 *	NAME: ". pcheck_config() checks every parameter of the table and
 *	the relay guard below (PCHECK_FILES as above), logs each problem
 *	with msg_error() and returns how many there were.
 *
 *	pcheck_master_cf() checks master.cf at path the same way, each
 *	entry that master_service_disable does not name (pcheck_disabled():
 *	Postfix's "type" and "service/type" items): a type sluice has no
 *	daemon for (unix-dgram, pass), chroot y (sluice never chroots), a
 *	command that is not an executable file in daemon_directory, and
 *	every "-o name=value": a known name's value as main.cf's (type,
 *	then the rules), an unknown one that nothing references warned
 *	with a hint. Errors are logged with msg_error() as "PATH, line N:
 *	service \"NAME\": REASON"; it returns their number (an unreadable or
 *	unparsable master.cf counts one).
 *
 *	pcheck_unknown() warns about every main.cf name that no parameter
 *	knows and nothing references (pcheck_classify()): "PATH, line N:
 *	unknown parameter \"relyhost\" (did you mean \"relayhost\"?)". Postfix
 *	takes such names as user-defined macros, so this is no error.
 *
 *	pcheck_bound() is called by param_bind() for every parameter a
 *	program binds: a value that fails the text checks is fatal with
 *	pcheck_param()'s text, except for restriction lists, where smtpd
 *	only warns (at run time an unknown restriction answers "451 4.3.5
 *	Server configuration error", as Postfix's smtpd does).
 *
 *	pcheck_restriction() finds a restriction name (case-insensitive):
 *	its argument kind and whether smtpd implements it (an unsupported
 *	one is ignored with a warning), or NULL. pcheck_relay_guard() is
 *	Postfix's start-up rule that smtpd_relay_restrictions or
 *	smtpd_recipient_restrictions must refuse relaying: 0 when one of
 *	them has reject_unauth_destination, defer_unauth_destination,
 *	reject, defer, defer_if_permit or check_relay_domains; 1 when
 *	neither parameter is set (smtpd then uses its safe default); -1
 *	with why (Postfix's text) otherwise.
 *
 *	pcheck_suggest() returns the entry of the NULL-terminated names
 *	(NULL: every parameter of the table) nearest to name when it is a
 *	likely misspelling (edit distance at most 2, 1 for short names),
 *	else NULL.
 *
 *	pcheck_classify() sorts the main.cf names the table does not know
 *	into user-defined ones (referenced as $name in main.cf or master.cf,
 *	named by a master.cf -o, or per-transport names such as
 *	relay_destination_concurrency_limit of a master.cf service) and
 *	unused ones, both sorted; master_cf may be missing. postconf warns
 *	"unused parameter" for the latter, sluice check "unknown parameter".
 *	Either list may be NULL. pcheck_refs() adds to refs every name
 *	referenced as $name in main.cf or master.cf. pcheck_names_has(),
 *pcheck_names_add() and pcheck_names_free() look up, add to (len bytes of name)
 *and release such a list. DIAGNOSTICS pcheck_bound(): fatal or warning as
 *above; pcheck_config(): warnings. SEE ALSO param(3), maps(3), Postfix
 *postconf(5).
 */
#include <stddef.h>
#include "vbuf.h"

#define PCHECK_FILES (1 << 0) /* also open tables, read files */

enum pcheck_arg {
	PCHECK_ARG_NONE,
	PCHECK_ARG_TABLE, /* type:name */
	PCHECK_ARG_TEXT	  /* a domain, a server... */
};

struct pcheck_restr {
	const char *name;
	enum pcheck_arg arg;
	int supported; /* 0: smtpd ignores it with a warning */
};

struct pcheck_names {
	char **v;
	size_t n, cap;
};

int pcheck_value(const char *name, const char *value, int flags,
    struct vbuf *why);
int pcheck_param(const char *name, int flags, struct vbuf *why);
int pcheck_config(int flags);
void pcheck_bound(const char *name);

int pcheck_master_cf(const char *path, int flags);
int pcheck_disabled(const char *name, const char *type, const char *list);
void pcheck_unknown(const char *master_cf);

const struct pcheck_restr *pcheck_restriction(const char *name);
int pcheck_relay_guard(struct vbuf *why);

const char *pcheck_suggest(const char *name, const char *const *names);
void pcheck_classify(const char *master_cf, struct pcheck_names *user,
    struct pcheck_names *unused);
void pcheck_refs(const char *master_cf, struct pcheck_names *refs);
int pcheck_names_has(const struct pcheck_names *s, const char *name);
void pcheck_names_add(struct pcheck_names *s, const char *name, size_t len);
void pcheck_names_free(struct pcheck_names *s);

#endif
