/*
 * postqueue_flush - postqueue -f, -i and -s.
 *
 * Implementation notes. -f only sends triggers. -i and -s do the work
 * of Postfix's flush service (send_file, send_site) directly: for each
 * chosen deferred message, set the g+r "unthrottle" bit, set atime and
 * mtime to now, rename deferred -> incoming, and after the last one wake
 * qmgr with "I". A message that qmgr moved away in the meantime makes
 * the rename fail with ENOENT, which is not an error. When the flush
 * daemon exists and keeps per-site logs (flush/SITE), -s should ask it
 * (send_site) instead of scanning the deferred queue as done here.
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

#include "mem.h"
#include "msg.h"
#include "param.h"
#include "qdir.h"
#include "qid.h"
#include "server.h"
#include "showq.h"
#include "vbuf.h"
#include "postqueue.h"

#define PQ_SITE_SHOW	100		/* chars of a bad site in messages */

static const char pq_down[] = "Cannot flush mail queue - mail system is down";

/* pq_flush_all - postqueue -f */

void
pq_flush_all(void)
{
    if (trigger_send("public/qmgr", "FADI", 4) < 0
	|| trigger_send("public/pickup", "W", 1) < 0)
	msg_fatal("%s", pq_down);
}

/* pq_flush_one - deferred -> incoming; 1 if moved */

static int
pq_flush_one(const char *id)
{
    struct vbuf path = VBUF_INIT;
    struct stat st;
    int     moved = 0;

    qdir_path(&path, QDIR_DEFERRED, id);
    if (lstat(path.data, &st) < 0) {
	if (errno != ENOENT)
	    msg_warn("stat %s: %m", path.data);
    } else if (qdir_ready(&st)) {
	if (chmod(path.data, (st.st_mode | S_IRGRP) & 07777) < 0
	    && errno != ENOENT)
	    msg_warn("chmod %s: %m", path.data);
	if (utimensat(AT_FDCWD, path.data, 0, 0) < 0) {
	    if (errno != ENOENT)
		msg_warn("set time stamps of %s: %m", path.data);
	} else if (qdir_move(id, QDIR_DEFERRED, QDIR_INCOMING) < 0) {
	    if (errno != ENOENT)
		msg_warn("move %s to %s: %m", path.data, QDIR_INCOMING);
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

/* pq_flush_id - postqueue -i */

void
pq_flush_id(const char *id)
{
    struct vbuf shown = VBUF_INIT;

    if (!qid_ok(id)) {
	showq_printable(&shown, id);
	msg_fatal("Cannot flush queue ID - invalid name: \"%s\"", shown.data);
    }
    if (pq_flush_one(id))
	pq_wake_qmgr();
}

/* pq_label_ok - one host name label */

static int
pq_label_ok(const char *cp, size_t len)
{
    size_t  i;

    if (len == 0 || len > 63 || cp[0] == '-' || cp[len - 1] == '-')
	return (0);
    for (i = 0; i < len; i++)
	if (!isalnum((unsigned char) cp[i]) && cp[i] != '-' && cp[i] != '_')
	    return (0);
    return (1);
}

/* pq_site_ok - [address] literal or host name (not all-numeric) */

int
pq_site_ok(const char *site)
{
    size_t  len = strlen(site);
    const char *cp;
    const char *dot;
    char    addr[256];
    unsigned char bin[16];
    int     numeric = 1;

    if (len == 0 || len > 255)
	return (0);
    if (site[0] == '[') {
	if (len < 3 || site[len - 1] != ']' || len - 2 >= sizeof(addr))
	    return (0);
	memcpy(addr, site + 1, len - 2);
	addr[len - 2] = 0;
	if (inet_pton(AF_INET, addr, bin) == 1)
	    return (1);
	if (strncasecmp(addr, "ipv6:", 5) == 0)
	    return (inet_pton(AF_INET6, addr + 5, bin) == 1);
	return (inet_pton(AF_INET6, addr, bin) == 1);
    }
    for (cp = site; /* void */ ; cp = dot + 1) {
	dot = strchr(cp, '.');
	if (!pq_label_ok(cp, dot ? (size_t) (dot - cp) : strlen(cp)))
	    return (0);
	for (const char *p = cp; p < (dot ? dot : cp + strlen(cp)); p++)
	    if (!isdigit((unsigned char) *p))
		numeric = 0;
	if (dot == 0)
	    break;
    }
    return (!numeric);
}

/* pq_pattern_match - one fast_flush_domains pattern against site */

static int
pq_pattern_match(const char *site, const char *pattern, int parent_ok)
{
    size_t  slen = strlen(site);
    size_t  plen;

    if (pattern[0] == '.') {
	pattern++;
	parent_ok = 1;
	plen = strlen(pattern);
	return (plen > 0 && slen > plen + 1
		&& site[slen - plen - 1] == '.'
		&& strcasecmp(site + slen - plen, pattern) == 0);
    }
    if (strcasecmp(site, pattern) == 0)
	return (1);
    plen = strlen(pattern);
    return (parent_ok && plen > 0 && slen > plen + 1
	    && site[slen - plen - 1] == '.'
	    && strcasecmp(site + slen - plen, pattern) == 0);
}

/* pq_file_patterns - patterns from a /file/name entry */

static int
pq_file_patterns(const char *site, const char *path, int parent_ok, int *hit)
{
    FILE   *fp;
    char    line[1024];
    char   *tok;
    char   *save;
    int     neg;

    if ((fp = fopen(path, "r")) == 0) {
	msg_warn("open %s: %m", path);
	return (0);
    }
    while (fgets(line, sizeof(line), fp) != 0) {
	if ((tok = strchr(line, '#')) != 0)
	    *tok = 0;
	for (tok = strtok_r(line, " \t\r\n,", &save); tok != 0;
	     tok = strtok_r(0, " \t\r\n,", &save)) {
	    neg = (*tok == '!');
	    if (pq_pattern_match(site, tok + neg, parent_ok)) {
		*hit = !neg;
		fclose(fp);
		return (1);
	    }
	}
    }
    fclose(fp);
    return (0);
}

/* pq_domain_listed - first matching pattern decides */

int
pq_domain_listed(const char *site, char **list)
{
    const char *parents = param_str("parent_domain_matches_subdomains");
    int     parent_ok = strstr(parents, "fast_flush_domains") != 0;
    const char *pat;
    int     neg;
    int     hit;

    for (; list && *list; list++) {
	pat = *list;
	neg = (*pat == '!');
	pat += neg;
	if (*pat == '/') {
	    if (pq_file_patterns(site, pat, parent_ok, &hit))
		return (neg ? !hit : hit);
	    continue;
	}
	if (strchr(pat, ':') != 0 && pat[0] != '[') {
	    msg_warn("fast_flush_domains: table %s is not supported", pat);
	    continue;
	}
	if (pq_pattern_match(site, pat, parent_ok))
	    return (!neg);
    }
    return (0);
}

 /*
  * -s: the deferred messages with a recipient at the site.
  */
struct pq_site_ctx {
    const char *site;
    int     moved;
};

static int
pq_site_msg(const struct showq_msg *msg, void *ctx)
{
    struct pq_site_ctx *sc = ctx;
    const char *at;
    size_t  i;

    for (i = 0; i < msg->rcpt_count; i++) {
	if ((at = strrchr(msg->rcpt[i].address, '@')) != 0
	    && strcasecmp(at + 1, sc->site) == 0) {
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
    char   *lower;
    char   *cp;

    if (!pq_site_ok(site)) {
	showq_printable(&shown, site);
	msg_fatal("Cannot flush mail queue - invalid destination: \"%.*s%s\"",
		  PQ_SITE_SHOW, shown.data,
		  strlen(shown.data) > PQ_SITE_SHOW ? "..." : "");
    }
    lower = mem_strdup(site);
    for (cp = lower; *cp; cp++)
	*cp = (char) tolower((unsigned char) *cp);
    if (!pq_domain_listed(lower, param_list("fast_flush_domains")))
	msg_fatal("Flush service is not configured for destination \"%s\"",
		  site);
    sc.site = lower;
    sc.moved = 0;
    if (showq_walk(deferred, pq_site_msg, &sc, &why) < 0)
	msg_fatal("Cannot flush mail queue - %s", why.data);
    if (sc.moved > 0)
	pq_wake_qmgr();
    mem_free(lower);
    vbuf_free(&why);
}
