/*
 * flush - private interface between the flush daemon's source files.
 *
 * flush_log.c: the per-site logs in flush/ and the work on the queue.
 *	void flush_site_name(struct vbuf *out, const char *site);
 *		the log file name: letters and digits lowercased, every
 *		other byte '_' ("[192.0.2.1]" -> "_192_0_2_1_").
 *	void flush_site_path(struct vbuf *out, const char *site);
 *		"flush/NAME", or hashed like a queue file (qdir_path())
 *		when flush is in hash_queue_names. The caller passes a
 *		site of 1..255 bytes.
 *	int flush_add(const char *site, const char *queue_id);
 *		append "queue_id\n" to the site's log (created 0600);
 *		DELIV_FLUSH_OK or DELIV_FLUSH_FAIL.
 *	int flush_send_path(const char *path, int how);
 *		deliver the queue IDs logged in path now: each one that is
 *		in deferred/ gets atime/mtime now and moves to incoming/
 *		(one in incoming/ is only touched); duplicates are skipped
 *		(the first FLUSH_DUP_MAX IDs are remembered); the log is
 *		emptied and its atime set; then qmgr gets "I". how:
 *		FLUSH_UNTHROTTLE_BEFORE first sends qmgr "F". A missing
 *		log is OK.
 *	int flush_send_site(const char *site);
 *		flush_send_path() of the site's log with
 *		FLUSH_UNTHROTTLE_BEFORE.
 *	int flush_send_file(const char *queue_id);
 *		the same for one message, which also gets the g+r
 *		"unthrottle" bit; a missing message is OK.
 *	int flush_refresh(long refresh_age, long purge_age);
 *		for every log: empty and not modified for purge_age
 *		seconds: removed; not empty and not read (atime) for
 *		refresh_age seconds: flush_send_path() without "F".
 *	All return DELIV_FLUSH_* codes; the caller checked eligibility.
 *
 * flush_service.c: the connections.
 *	void flush_service_init(struct event_base *base);
 *	void flush_service_accept(int fd);
 *	void flush_service_stop(void);
 *	int  flush_service_active(void);
 *		clients being served (server.h: max_idle, max_use, drain).
 *	int  flush_request(const struct attr_list *req);
 *		one decoded request -> status (checks and dispatch).
 *	void flush_trigger(const char *bytes, size_t len);
 *		a wake-up ("W") -> refresh.
 *
 * The working directory is queue_directory.
 */
#ifndef SLUICE_FLUSH_H
#define SLUICE_FLUSH_H

#include <stddef.h>
#include "attr.h"
#include "param.h"
#include "vbuf.h"

#define FLUSH_DIR "flush"
#define FLUSH_DUP_MAX 10000	  /* IDs remembered per send */
#define FLUSH_UNTHROTTLE_BEFORE 1 /* qmgr "F" before the moves */
#define FLUSH_UNTHROTTLE_AFTER 2  /* g+r on each moved file */

/* flush_log.c */
void flush_site_name(struct vbuf *out, const char *site);
void flush_site_path(struct vbuf *out, const char *site);
int flush_add(const char *site, const char *queue_id);
int flush_send_path(const char *path, int how);
int flush_send_site(const char *site);
int flush_send_file(const char *queue_id);
int flush_refresh(long refresh_age, long purge_age);

/* flush_service.c */
struct event_base;

extern const struct param_var flush_params[];
void flush_service_init(struct event_base *base);
void flush_service_accept(int fd);
void flush_service_stop(void);
int flush_service_active(void);
int flush_request(const struct attr_list *req);
void flush_trigger(const char *bytes, size_t len);

#endif
