#ifndef POSTMAP_H
#define POSTMAP_H
/*
 * postmap - private interface between postmap's files (see postmap.c).
 */
struct postmap_opts {
	const char *config_dir; /* -c */
	const char *query;	/* -q */
	const char *delkey;	/* -d */
	int sequence;		/* -s */
	int incremental;	/* -i */
	int dict_flags;		/* -f -N -n -r: DICT_FLAG_* */
	int dup_warn;		/* not -r, not -w */
	int as_owner;		/* not -o */
	int save_perm;		/* not -p */
	int utf8;		/* smtputf8_enable and not -u */
	int key_source;		/* -b -h -m (refused) */
	int rhs_file;		/* -F (refused) */
};

char *postmap_spec(const char *arg);
void postmap_build(const struct postmap_opts *o, const char *arg);
int postmap_query(const struct postmap_opts *o, char **maps, int n);
void postmap_seq(const struct postmap_opts *o, const char *arg);
int postmap_delete(const struct postmap_opts *o, char **maps, int n);

#endif
