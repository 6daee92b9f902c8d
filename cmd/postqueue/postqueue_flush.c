/*
 * postqueue_flush - postqueue -f, -i and -s.
 *
 * Implementation notes. -f only sends triggers. -i and -s ask the flush
 * service (public/flush: send_file, send_site), which knows from its
 * per-site logs which messages were deferred for a site. When the
 * service cannot be reached (mail system down, or an instance without
 * the flush daemon), postqueue does the work itself as a fallback: for
 * each chosen deferred message (-s: every one with a recipient at the
 * site), set the g+r "unthrottle" bit, set atime and mtime to now, rename
 * deferred -> incoming, and after the last one wake qmgr with "I" (which
 * then fails with "mail system is down" when qmgr is not running). A
 * message that qmgr moved away in the meantime makes the rename fail
 * with ENOENT, which is not an error. Site syntax and fast_flush_domains
 * matching are the flush client's in util/deliv, so postqueue, smtpd
 * (ETRN) and the flush daemon agree.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "deliv.h"
#include "mem.h"
#include "msg.h"
#include "param.h"
#include "qdir.h"
#include "qid.h"
#include "server.h"
#include "showq.h"
#include "vbuf.h"
#include "postqueue.h"

#define PQ_SITE_SHOW 100 /* chars of a bad site in messages */

static const char pq_down[] = "Cannot flush mail queue - mail system is down";

/* pq_flush_all - postqueue -f */

void
pq_flush_all(void)
{
	if (trigger_send("public/qmgr", "FADI", 4) < 0 ||
	    trigger_send("public/pickup", "W", 1) < 0)
		msg_fatal("%s", pq_down);
}

/* pq_flush_one - deferred -> incoming; 1 if moved */

static int
pq_flush_one(const char *id)
{
	struct vbuf path = VBUF_INIT;
	struct stat st;
	int moved = 0;

	qdir_path(&path, QDIR_DEFERRED, id);
	if (lstat(path.data, &st) < 0) {
		if (errno != ENOENT)
			msg_warn("stat %s: %m", path.data);
	} else if (qdir_ready(&st)) {
		if (chmod(path.data, (st.st_mode | S_IRGRP) & 07777) < 0 &&
		    errno != ENOENT)
			msg_warn("chmod %s: %m", path.data);
		if (utimensat(AT_FDCWD, path.data, 0, 0) < 0) {
			if (errno != ENOENT)
				msg_warn("set time stamps of %s: %m",
				    path.data);
		} else if (qdir_move(id, QDIR_DEFERRED, QDIR_INCOMING) < 0) {
			if (errno != ENOENT)
				msg_warn("move %s to %s: %m", path.data,
				    QDIR_INCOMING);
		} else {
			moved = 1;
		}
	}
	vbuf_free(&path);
	return (moved);
}

/* pq_wake_qmgr - after moving messages */

static void
pq_wake_qmgr(void)
{
	if (trigger_send("public/qmgr", "I", 1) < 0)
		msg_fatal("%s", pq_down);
}

/* pq_flush_status - act on the flush service's reply */

static int
pq_flush_status(int status, const char *what)
{
	struct vbuf shown = VBUF_INIT;

	switch (status) {
	case DELIV_FLUSH_OK:
		return (1);
	case DELIV_FLUSH_FAIL:
		return (0);
	case DELIV_FLUSH_BAD:
		showq_printable(&shown, what);
		msg_fatal("Invalid request: \"%.*s\"", PQ_SITE_SHOW,
		    shown.data);
	case DELIV_FLUSH_DENY:
		msg_fatal("Flush service is not configured for destination "
			  "\"%s\"",
		    what);
	default:
		msg_fatal("unexpected flush service status %d", status);
	}
}

/* pq_flush_id - postqueue -i */

void
pq_flush_id(const char *id)
{
	struct vbuf shown = VBUF_INIT;

	if (!qid_ok(id)) {
		showq_printable(&shown, id);
		msg_fatal("Cannot flush queue ID - invalid name: \"%s\"",
		    shown.data);
	}
	if (pq_flush_status(deliv_flush_request("send_file", 0, id,
				DELIV_FLUSH_TIMEOUT),
		id))
		return;
	if (pq_flush_one(id))
		pq_wake_qmgr();
}

/* pq_site_ok - [address] literal or host name (not all-numeric) */

int
pq_site_ok(const char *site)
{
	return (deliv_flush_site_ok(site));
}

/* pq_domain_listed - first matching pattern decides */

int
pq_domain_listed(const char *site, char **list)
{
	return (deliv_flush_match(site, list));
}

/*
 * -s: the deferred messages with a recipient at the site.
 */
struct pq_site_ctx {
	const char *site;
	int moved;
};

static int
pq_site_msg(const struct showq_msg *msg, void *ctx)
{
	struct pq_site_ctx *sc = ctx;
	const char *at;
	size_t i;

	for (i = 0; i < msg->rcpt_count; i++) {
		if ((at = strrchr(msg->rcpt[i].address, '@')) != 0 &&
		    strcasecmp(at + 1, sc->site) == 0) {
			sc->moved += pq_flush_one(msg->id);
			break;
		}
	}
	return (0);
}

/* pq_flush_site - postqueue -s */

void
pq_flush_site(const char *site)
{
	static const char *const deferred[] = {QDIR_DEFERRED, 0};
	struct pq_site_ctx sc;
	struct vbuf shown = VBUF_INIT;
	struct vbuf why = VBUF_INIT;
	char *lower;
	char *cp;

	if (!pq_site_ok(site)) {
		showq_printable(&shown, site);
		msg_fatal("Cannot flush mail queue - invalid destination: "
			  "\"%.*s%s\"",
		    PQ_SITE_SHOW, shown.data,
		    strlen(shown.data) > PQ_SITE_SHOW ? "..." : "");
	}
	lower = mem_strdup(site);
	for (cp = lower; *cp; cp++)
		*cp = (char)tolower((unsigned char)*cp);
	if (!pq_domain_listed(lower, var_fast_flush_domains))
		msg_fatal("Flush service is not configured for destination "
			  "\"%s\"",
		    site);
	if (pq_flush_status(deliv_flush_request("send_site", site, 0,
				DELIV_FLUSH_TIMEOUT),
		site)) {
		mem_free(lower);
		return;
	}
	sc.site = lower;
	sc.moved = 0;
	if (showq_walk(deferred, pq_site_msg, &sc, &why) < 0)
		msg_fatal("Cannot flush mail queue - %s", why.data);
	if (sc.moved > 0)
		pq_wake_qmgr();
	mem_free(lower);
	vbuf_free(&why);
}
