/*
 * postqueue_flush - postqueue -f, -i and -s.
 *
 * Implementation notes. -f only sends triggers. -i and -s ask the flush
 * service (public/flush: send_file, send_site), which knows from its
 * per-site logs which messages were deferred for a site. When the
 * service cannot be reached, postqueue says "mail system is down" and
 * exits 69, as Postfix's does: it never moves queue files itself. Site
 * syntax and fast_flush_domains matching are the flush client's in
 * util/deliv, so postqueue, smtpd (ETRN) and the flush daemon agree.
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

/* pq_flush_status - act on the flush service's reply */

static int
pq_flush_status(int status, const char *what)
{
	struct vbuf shown = VBUF_INIT;

	switch (status) {
	case DELIV_FLUSH_OK:
		return (1);
	case DELIV_FLUSH_FAIL:
		msg_fatal("%s", pq_down);
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
	(void)pq_flush_status(deliv_flush_request("send_file", 0, id,
				  DELIV_FLUSH_TIMEOUT),
	    id);
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

/* pq_flush_site - postqueue -s */

void
pq_flush_site(const char *site)
{
	struct vbuf shown = VBUF_INIT;
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
	mem_free(lower);
	(void)pq_flush_status(deliv_flush_request("send_site", site, 0,
				  DELIV_FLUSH_TIMEOUT),
	    site);
	vbuf_free(&shown);
}
