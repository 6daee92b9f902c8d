/*
 * postqueue - private interfaces between the postqueue source files.
 *
 * postqueue.c: the parameters (bound in main()).
 *	extern char **var_fast_flush_domains;
 *
 * postqueue_list.c: the listing modes.
 *	void pq_list(int flags, const struct qselect *sel);
 *		-p (SHOWQ_OUT_COMPAT), -j (SHOWQ_OUT_JSON): from the
 *		showq service, or directly from the queue when it is down
 *		and the caller may; only the messages sel selects.
 *
 * postqueue_flush.c: the flush modes.
 *	void pq_flush_all(void);		-f
 *	void pq_flush_id(const char *id);	-i ID
 *	void pq_flush_site(const char *site);	-s SITE
 *	int  pq_site_ok(const char *site);	syntax check for -s
 *	int  pq_domain_listed(const char *site, char **list);
 *		fast_flush_domains style match: 1 listed, 0 not
 * The working directory is queue_directory; every fatal error exits 69.
 */
#ifndef SLUICE_POSTQUEUE_H
#define SLUICE_POSTQUEUE_H

struct qselect;
void pq_list(int flags, const struct qselect *sel);
void pq_flush_all(void);
void pq_flush_id(const char *id);
void pq_flush_site(const char *site);
int pq_site_ok(const char *site);
int pq_domain_listed(const char *site, char **list);

#endif
