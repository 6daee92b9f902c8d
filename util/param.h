#ifndef SLUICE_PARAM_H
#define SLUICE_PARAM_H
/*
 * NAME
 *	param - the typed parameter table and the loaded configuration
 * SYNOPSIS
 *	#include "param.h"
 *
 *	void param_load(const char *config_dir);
 *	void param_load_cfg(const char *config_dir, struct cfg *c);
 *	void param_override(const char *name_eq_value);
 *	void param_log_open(void);
 *	const char *param_config_dir(void);
 *	const char *param_main_cf_path(void);
 *	const char *param_builtin_config_dir(void);
 *
 *	const char *param_str(const char *name);
 *	long  param_int(const char *name);
 *	long  param_time(const char *name);
 *	long  param_size(const char *name);
 *	int   param_bool(const char *name);
 *	char **param_list(const char *name);
 *	char **param_split(const char *text);
 *	void  param_split_free(char **vec);
 *	const char *param_raw(const char *name);
 *	int   param_is_set(const char *name);
 *	const char *param_where(const char *name);
 *	int   param_type_check(const char *name, const char *value,
 *			struct vbuf *why);
 *	int   param_expand(struct vbuf *out, const char *text,
 *			struct vbuf *why);
 *
 *	void param_bind(const struct param_var *vars);
 *
 *	const struct param_def *param_table(size_t *count);
 *	const struct param_def *param_find(const char *name);
 *	struct cfg *param_cfg(void);
 * DESCRIPTION
 *	The table lists every parameter sluice knows, with Postfix's name,
 *	type and raw (unexpanded) default, sorted by name; postconf -d prints
 *	it. The one extension is dns_servers.
 *
 *	param_load() finds the configuration directory (config_dir if not
 *	NULL, else $MAIL_CONFIG, else SLUICE_PREFIX "/etc/sluice"), reads
 *	main.cf there and checks every known parameter that main.cf sets
 *	against its type; a bad value is fatal, naming file, line and
 *	parameter in Postfix's words, e.g. "PATH, line 3: parameter
 *	minimal_backoff_time: bad time value or unit: abc", "PATH, line 4:
 *	bad numerical configuration: hopcount_limit = x", "PATH, line 5: bad
 *	boolean configuration: soft_bounce = maybe". It also exports
 *	MAIL_CONFIG so child processes see the same directory. Unknown names in
 *main.cf are kept (programs that care warn about them). It may be called again
 *to reload; values returned earlier then become invalid.
 *
 *	param_load_cfg() is param_load() for postconf: it takes over c (an
 *	already parsed main.cf, possibly empty) as the configuration of
 *	config_dir (NULL: as param_load()) without reading a file, checking
 *	values or exporting MAIL_CONFIG.
 *
 *	param_builtin_config_dir() is the compiled-in default directory
 *	(SLUICE_PREFIX "/etc/sluice"), whatever the environment says.
 *
 *	param_override() applies a master.cf/command-line "-o name=value"
 *	over main.cf. param_log_open() opens the log as msg_log_open() with
 *	syslog_name, maillog_file and myhostname; as in Postfix, a non-empty
 *	maillog_file that starts with none of maillog_file_prefixes is fatal.
 *
 *	Accessors take a parameter name from the table; an unknown name is a
 *	panic (our bug). param_str() returns the expanded value, borrowed
 *	until the next param_load()/param_override(). param_int() parses a
 *	decimal number; param_time() returns seconds, applying the unit
 *	s m h d w or the parameter's default unit for a bare number;
 *	param_size() bytes; param_bool() 1 for yes/true/1, 0 otherwise;
 *	param_list() splits on white space and commas into a NULL-terminated
 *	vector, borrowed like param_str(). param_raw() is the unexpanded
 *	value (main.cf, override, else default); param_is_set() tells if
 *	main.cf or an override sets it. param_cfg() is the loaded main.cf.
 *	param_split() splits text as param_list() does, into a vector the
 *	caller releases with param_split_free().
 *	param_where() is "PATH, line N: " when main.cf (not an override)
 *	sets name, else "" (borrowed until the next call).
 *	param_type_check() checks value (expanded) against name's type as
 *	param_load() does: 0, or -1 with why = the text of the fatal error
 *	without the location ("bad numerical configuration: NAME = VALUE").
 *	param_expand() appends text with $name expanded over the loaded
 *	configuration (cfg_expand()): 0, or -1 with why.
 *
 *	param_bind() is how a program reads its parameters: it declares them
 *	once, in a table of PARAM_VAR(name) rows (the variable var_name of
 *	var(3)) ended by
 *	PARAM_VAR_END, and param_bind() fills every variable from the loaded
 *	configuration (server_main() does so for a daemon's spec->params,
 *	after -o overrides). The variable's C type picks the accessor: a
 *	const char * gets param_str(), an int param_bool(), a char **
 *	param_list(), a long param_time(), param_size() or param_int() by
 *	the parameter's type in the table. Strings and lists are borrowed as
 *	above. Every bound value is also validated by pcheck_bound()
 *	(util/pcheck: enumerations, restriction lists), fatal or a warning
 *	with the text "sluice check" prints. Defaults live only in the table; a
 *name it does not know is a panic, so a misspelt row fails at start-up.
 * DIAGNOSTICS
 *	Fatal: unreadable main.cf, bad parameter value. Panic: unknown name.
 */
#include "cfg.h"
#include "var.h"

enum param_type {
	PARAM_STR,
	PARAM_BOOL,
	PARAM_INT,
	PARAM_TIME,
	PARAM_SIZE,
	PARAM_LIST
};

struct param_def {
	const char *name;
	enum param_type type;
	const char *def; /* raw default as postconf -d prints it */
	char unit;	 /* PARAM_TIME: default unit s m h d w */
	long min;	 /* PARAM_INT/TIME/SIZE: minimum (0 = none) */
};

void param_load(const char *config_dir);
void param_load_cfg(const char *config_dir, struct cfg *c);
void param_override(const char *name_eq_value);
void param_log_open(void);
const char *param_config_dir(void);
const char *param_main_cf_path(void);
const char *param_builtin_config_dir(void);

const char *param_str(const char *name);
long param_int(const char *name);
long param_time(const char *name);
long param_size(const char *name);
int param_bool(const char *name);
char **param_list(const char *name);
char **param_split(const char *text);
void param_split_free(char **vec);
const char *param_raw(const char *name);
int param_is_set(const char *name);
const char *param_where(const char *name);
int param_type_check(const char *name, const char *value, struct vbuf *why);
int param_expand(struct vbuf *out, const char *text, struct vbuf *why);

/* What a bound variable is; PARAM_VAR() derives it from the C type. */
enum param_kind {
	PARAM_KIND_STR,	 /* const char * */
	PARAM_KIND_LONG, /* long: int, time (seconds) or size (bytes) */
	PARAM_KIND_BOOL, /* int: 1 or 0 */
	PARAM_KIND_LIST	 /* char **, NULL-terminated */
};

struct param_var {
	const char *name;
	enum param_kind kind;
	void *var;
};

/* PARAM_VAR(myhostname): the parameter "myhostname" into var_myhostname. */
#define PARAM_VAR(n)                                                           \
	{                                                                      \
#n,                                                            \
		    _Generic((&var_##n), const char **: PARAM_KIND_STR,        \
			long *: PARAM_KIND_LONG, int *: PARAM_KIND_BOOL,       \
			char ***: PARAM_KIND_LIST),                            \
		    (&var_##n)               \
	}
#define PARAM_VAR_END                                                          \
	{                                                                      \
		0, 0, 0                                                        \
	}

void param_bind(const struct param_var *vars);

const struct param_def *param_table(size_t *count);
const struct param_def *param_find(const char *name);
struct cfg *param_cfg(void);

#endif
