/*
 * deliv - shared delivery-agent bookkeeping; see deliv.h.
 *
 * Implementation notes. Delays are computed in whole microseconds so
 * that the rounding rules work on exact integers (0.35 s is 350000 us,
 * not 0.34999...). The log line is built in one buffer and logged with
 * one msg_info() call. deliv_mark_done() reads the type byte before it
 * writes: qmgr hands us offsets it read from the same file, and a wrong
 * one must never turn some other record into a 'D'.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "attr.h"
#include "deliv.h"
#include "dlog.h"
#include "metrics.h"
#include "msg.h"
#include "param.h"
#include "qdir.h"
#include "ipc.h"

#define DELIV_MILLION 1000000L

/* deliv_usec - non-negative whole microseconds of a time difference */

/*
 * The parameters deliv uses, bound again at each entry that reads them
 * (the strings are cached by param(3), so this is cheap), so that a
 * process that reloads its configuration never uses a freed value.
 */

static const struct param_var deliv_params[] = {
    PARAM_VAR(fast_flush_domains),
    PARAM_VAR(flush_service_name),
    PARAM_VAR(parent_domain_matches_subdomains),
    PARAM_VAR(soft_bounce),
    PARAM_VAR_END,
};

static long long
deliv_usec(double seconds)
{
	if (!(seconds > 0)) /* also NaN */
		return 0;
	if (seconds > 1e12)
		seconds = 1e12;
	return llround(seconds * DELIV_MILLION);
}

void
deliv_format_delay(struct vbuf *out, double seconds)
{
	long long us = deliv_usec(seconds);
	long long sec = us / DELIV_MILLION;
	long long frac = us % DELIV_MILLION;
	long res; /* resolution in microseconds */

	/* 2 significant digits, but never finer than 0.01 s. */
	if (sec >= 10)
		res = DELIV_MILLION;
	else if (sec >= 1)
		res = DELIV_MILLION / 10;
	else
		res = DELIV_MILLION / 100;

	/* Round half up to the resolution. */
	frac += res / 2;
	if (frac >= DELIV_MILLION) {
		sec += 1;
		frac -= DELIV_MILLION;
	}
	vbuf_printf(out, "%lld", sec);
	if (frac >= res) {
		vbuf_putc(out, '.');
		for (long div = DELIV_MILLION / 10; div > 0 && frac >= res;
		     div /= 10) {
			vbuf_putc(out, (int)('0' + frac / div));
			frac %= div;
		}
	}
}

/* deliv_printable - append s with control bytes shown as '?' */

static void
deliv_printable(struct vbuf *out, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		vbuf_putc(out, c < 0x20 || c == 0x7f ? '?' : c);
	}
}

static void
deliv_addr(struct vbuf *out, const char *addr)
{
	struct vbuf q = VBUF_INIT;

	if (addr && *addr) {
		dlog_quote_rcpt(&q, addr);
		deliv_printable(out, vbuf_str(&q));
		vbuf_free(&q);
	}
}

/* deliv_now - the time, in struct deliv_times' units */

double
deliv_now(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return tv.tv_sec + tv.tv_usec / 1e6;
}

void
deliv_log(const char *queue_id, const struct deliv_rcpt *r, const char *relay,
    const struct deliv_times *t, const char *dsn, const char *status,
    const char *text, int conn_use)
{
	struct vbuf b = VBUF_INIT;
	double now = t->done > 0 ? t->done : deliv_now();
	double a = 0, bb = 0, c = 0, d = 0;

	vbuf_printf(&b, "%s: to=<", queue_id);
	deliv_addr(&b, r->address);
	vbuf_putc(&b, '>');
	if (r->orig_rcpt && *r->orig_rcpt &&
	    strcasecmp(r->orig_rcpt, r->address ? r->address : "") != 0) {
		vbuf_puts(&b, ", orig_to=<");
		deliv_addr(&b, r->orig_rcpt);
		vbuf_putc(&b, '>');
	}
	vbuf_puts(&b, ", relay=");
	deliv_printable(&b, relay && *relay ? relay : "none");
	if (conn_use > 1)
		vbuf_printf(&b, ", conn_use=%d", conn_use);

	/* Postfix's fallbacks when a stage did not happen. */
	if (t->active > 0) {
		a = t->active - t->arrival;
		if (t->agent > 0) {
			bb = t->agent - t->active;
			if (t->conn_done > 0) {
				c = t->conn_done - t->agent;
				d = now - t->conn_done;
			} else {
				d = now - t->agent;
			}
		} else {
			bb = now - t->active;
		}
	} else {
		a = now - t->arrival;
	}
	vbuf_puts(&b, ", delay=");
	deliv_format_delay(&b, now - t->arrival);
	vbuf_puts(&b, ", delays=");
	deliv_format_delay(&b, a);
	vbuf_putc(&b, '/');
	deliv_format_delay(&b, bb);
	vbuf_putc(&b, '/');
	deliv_format_delay(&b, c);
	vbuf_putc(&b, '/');
	deliv_format_delay(&b, d);
	vbuf_printf(&b, ", dsn=%s, status=%s (", dsn, status);
	deliv_printable(&b, text ? text : "");
	vbuf_putc(&b, ')');
	msg_info("%s", vbuf_str(&b));
	vbuf_free(&b);
	metrics_delivery(status);
	metrics_observe(METRIC_STAGE_BEFORE_QMGR, a);
	metrics_observe(METRIC_STAGE_IN_QMGR, bb);
	metrics_observe(METRIC_STAGE_CONN_SETUP, c);
	metrics_observe(METRIC_STAGE_TRANSMISSION, d);
}

static int
deliv_isdigit(int c)
{
	return c >= '0' && c <= '9';
}

/* deliv_dsn_at - length of a valid X.Y.Z at cp (class 2/4/5), else 0 */

static size_t
deliv_dsn_at(const char *cp)
{
	size_t i = 0;
	size_t n;

	if (cp[0] != '2' && cp[0] != '4' && cp[0] != '5')
		return 0;
	if (cp[1] != '.')
		return 0;
	i = 2;
	for (n = 0; deliv_isdigit(cp[i]); i++)
		if (++n > 3)
			return 0;
	if (n == 0 || cp[i] != '.')
		return 0;
	i++;
	for (n = 0; deliv_isdigit(cp[i]); i++)
		if (++n > 3)
			return 0;
	if (n == 0)
		return 0;
	if (cp[i] != 0 && cp[i] != ' ' && cp[i] != '\t' && cp[i] != '\r' &&
	    cp[i] != '\n')
		return 0;
	return i;
}

void
deliv_dsn_from_reply(char out[DELIV_DSN_SIZE], const char *reply)
{
	const char *cp;
	size_t len;

	if (reply == NULL ||
	    (reply[0] != '2' && reply[0] != '4' && reply[0] != '5')) {
		strcpy(out, "5.5.0");
		return;
	}
	/* Skip the reply code and its separator, then blanks. */
	for (cp = reply + 1; deliv_isdigit(*cp) && cp < reply + 3; cp++)
		/* void */;
	if (*cp == '-' || *cp == ' ')
		cp++;
	while (*cp == ' ' || *cp == '\t')
		cp++;
	len = deliv_dsn_at(cp);
	if (len > 0 && len < DELIV_DSN_SIZE && cp[0] == reply[0]) {
		memcpy(out, cp, len);
		out[len] = 0;
	} else {
		out[0] = reply[0];
		strcpy(out + 1, ".0.0");
	}
}

int
deliv_mark_done(int fd, long offset)
{
	char type;
	ssize_t n;

	if (offset <= 0) {
		errno = EINVAL;
		return -1;
	}
	while ((n = pread(fd, &type, 1, (off_t)offset)) < 0 && errno == EINTR)
		/* void */;
	if (n < 0)
		return -1;
	if (n == 0 || (type != 'R' && type != 'D')) {
		errno = EINVAL;
		return -1;
	}
	if (type == 'D')
		return 0;
	type = 'D';
	while ((n = pwrite(fd, &type, 1, (off_t)offset)) < 0 && errno == EINTR)
		/* void */;
	if (n != 1) {
		if (n == 0)
			errno = EIO;
		return -1;
	}
	return 0;
}

int
deliv_sync(int fd)
{
	return fsync(fd);
}

/* deliv_entry - fill a defer/bounce log entry */

static void
deliv_entry(struct dlog_entry *e, const struct deliv_rcpt *r, const char *dsn,
    const char *action, const char *reason, const char *diag,
    const char *mta_host)
{
	memset(e, 0, sizeof(*e));
	e->recipient = r->address ? r->address : "";
	e->original_recipient = r->orig_rcpt;
	e->offset = r->offset;
	e->dsn_orig_rcpt = r->dsn_orig_rcpt;
	e->notify_flags = r->notify_flags;
	e->status = dsn;
	e->action = action;
	if (diag && *diag) {
		e->diag_type = "smtp";
		e->diag_text = diag;
	}
	if (mta_host && *mta_host) {
		e->mta_type = "dns";
		e->mta_mname = mta_host;
	}
	e->reason = reason;
}

/* deliv_flush_rcpt - fast flush notification for a deferred recipient */

static void
deliv_flush_rcpt(const char *queue_id, const struct deliv_rcpt *r)
{
	const char *at;

	if (r->address && (at = strrchr(r->address, '@')) != NULL && at[1])
		deliv_flush_add(at + 1, queue_id);
}

static int
deliv_done(const char *queue_id, const struct deliv_rcpt *r, int fd)
{
	if (deliv_mark_done(fd, r->offset) < 0) {
		msg_warn("%s: mark recipient %s done at offset %ld: %m",
		    queue_id, r->address ? r->address : "", r->offset);
		return 1;
	}
	return 0;
}

int
deliv_result(const char *queue_id, const struct deliv_rcpt *r, int fd,
    const char *relay, const struct deliv_times *t, int conn_use,
    const char *status, const char *dsn, const char *reason, const char *diag,
    const char *mta_host)
{
	struct dlog_entry e;
	char soft[DELIV_DSN_SIZE];

	if (reason == NULL)
		reason = "";
	if (strcmp(status, "sent") == 0) {
		deliv_log(queue_id, r, relay, t, dsn, "sent", reason, conn_use);
		return deliv_done(queue_id, r, fd);
	}
	if (strcmp(status, "bounced") == 0) {
		param_bind(deliv_params);
		if (var_soft_bounce) {
			snprintf(soft, sizeof(soft), "%s", dsn);
			if (soft[0] == '5')
				soft[0] = '4';
			deliv_entry(&e, r, soft, "delayed", reason, diag,
			    mta_host);
			if (dlog_append(QDIR_DEFER, queue_id, &e) < 0)
				msg_warn("%s: append defer log: %m", queue_id);
			deliv_log(queue_id, r, relay, t, soft, "SOFTBOUNCE",
			    reason, conn_use);
			deliv_flush_rcpt(queue_id, r);
			return 1;
		}
		deliv_entry(&e, r, dsn, "failed", reason, diag, mta_host);
		if (dlog_append(QDIR_BOUNCE, queue_id, &e) < 0) {
			msg_warn("%s: append bounce log: %m", queue_id);
			deliv_entry(&e, r, "4.3.0", "delayed", "bounce failed",
			    NULL, NULL);
			if (dlog_append(QDIR_DEFER, queue_id, &e) < 0)
				msg_warn("%s: append defer log: %m", queue_id);
			deliv_log(queue_id, r, relay, t, "4.3.0", "deferred",
			    "bounce failed", conn_use);
			deliv_flush_rcpt(queue_id, r);
			return 1;
		}
		deliv_log(queue_id, r, relay, t, dsn, "bounced", reason,
		    conn_use);
		return deliv_done(queue_id, r, fd);
	}
	if (strcmp(status, "deferred") == 0) {
		deliv_entry(&e, r, dsn, "delayed", reason, diag, mta_host);
		if (dlog_append(QDIR_DEFER, queue_id, &e) < 0)
			msg_warn("%s: append defer log: %m", queue_id);
		deliv_log(queue_id, r, relay, t, dsn, "deferred", reason,
		    conn_use);
		deliv_flush_rcpt(queue_id, r);
		return 1;
	}
	msg_panic("deliv_result: unknown status \"%s\"", status);
}

/*
 * The fast flush client. Site syntax and fast_flush_domains matching live
 * here so that the delivery agents, postqueue, smtpd (ETRN) and the flush
 * daemon agree on them.
 */

#define DELIV_SITE_MAX 255 /* longest site name */

/* deliv_label_ok - one host name label */

static int
deliv_label_ok(const char *cp, size_t len)
{
	size_t i;

	if (len == 0 || len > 63 || cp[0] == '-' || cp[len - 1] == '-')
		return 0;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)cp[i]) && cp[i] != '-' &&
		    cp[i] != '_')
			return 0;
	return 1;
}

int
deliv_flush_site_ok(const char *site)
{
	size_t len = strlen(site);
	const char *cp;
	const char *dot;
	const char *end;
	char addr[DELIV_SITE_MAX + 1];
	unsigned char bin[16];
	int numeric = 1;

	if (len == 0 || len > DELIV_SITE_MAX)
		return 0;
	if (site[0] == '[') {
		if (len < 3 || site[len - 1] != ']')
			return 0;
		memcpy(addr, site + 1, len - 2);
		addr[len - 2] = 0;
		if (inet_pton(AF_INET, addr, bin) == 1)
			return 1;
		if (strncasecmp(addr, "ipv6:", 5) == 0)
			return inet_pton(AF_INET6, addr + 5, bin) == 1;
		return inet_pton(AF_INET6, addr, bin) == 1;
	}
	for (cp = site; /* void */; cp = dot + 1) {
		dot = strchr(cp, '.');
		end = dot ? dot : cp + strlen(cp);
		if (!deliv_label_ok(cp, (size_t)(end - cp)))
			return 0;
		for (const char *p = cp; p < end; p++)
			if (!isdigit((unsigned char)*p))
				numeric = 0;
		if (dot == NULL)
			break;
	}
	return !numeric;
}

/* deliv_pattern_match - one list pattern (no '!') against site */

static int
deliv_pattern_match(const char *site, const char *pattern, int parent_ok)
{
	size_t slen = strlen(site);
	size_t plen;

	if (pattern[0] == '.') {
		pattern++;
		plen = strlen(pattern);
		return plen > 0 && slen > plen + 1 &&
		    site[slen - plen - 1] == '.' &&
		    strcasecmp(site + slen - plen, pattern) == 0;
	}
	if (strcasecmp(site, pattern) == 0)
		return 1;
	plen = strlen(pattern);
	return parent_ok && plen > 0 && slen > plen + 1 &&
	    site[slen - plen - 1] == '.' &&
	    strcasecmp(site + slen - plen, pattern) == 0;
}

/* deliv_file_patterns - 1 when a pattern in the file matched (*hit set) */

static int
deliv_file_patterns(const char *site, const char *path, int parent_ok, int *hit)
{
	FILE *fp;
	char line[1024];
	char *tok;
	char *save;
	int neg;

	if ((fp = fopen(path, "r")) == NULL) {
		msg_warn("open %s: %m", path);
		return 0;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		if ((tok = strchr(line, '#')) != NULL)
			*tok = 0;
		for (tok = strtok_r(line, " \t\r\n,", &save); tok != NULL;
		     tok = strtok_r(NULL, " \t\r\n,", &save)) {
			neg = (*tok == '!');
			if (deliv_pattern_match(site, tok + neg, parent_ok)) {
				*hit = !neg;
				fclose(fp);
				return 1;
			}
		}
	}
	fclose(fp);
	return 0;
}

int
deliv_flush_match(const char *site, char **list)
{
	int parent_ok;
	const char *pat;
	int neg;
	int hit;

	param_bind(deliv_params);
	parent_ok = strstr(var_parent_domain_matches_subdomains,
			"fast_flush_domains") != NULL;
	for (; list && *list; list++) {
		pat = *list;
		neg = (*pat == '!');
		pat += neg;
		if (*pat == '/') {
			if (deliv_file_patterns(site, pat, parent_ok, &hit))
				return neg ? !hit : hit;
			continue;
		}
		if (strchr(pat, ':') != NULL && pat[0] != '[') {
			msg_warn("fast_flush_domains: table %s is not "
				 "supported",
			    pat);
			continue;
		}
		if (deliv_pattern_match(site, pat, parent_ok))
			return !neg;
	}
	return 0;
}

int
deliv_flush_listed(const char *site)
{
	char **list;

	param_bind(deliv_params);
	list = var_fast_flush_domains;
	if (list == NULL || *list == NULL || strlen(site) > DELIV_SITE_MAX)
		return 0;
	return deliv_flush_match(site, list);
}

int
deliv_flush_request(const char *request, const char *site, const char *queue_id,
    int timeout)
{
	const char *service;
	struct vbuf ep = VBUF_INIT;
	struct vbuf req = VBUF_INIT;
	struct vbuf why = VBUF_INIT;
	struct attr_list reply = {0};
	const char *st;
	char *end;
	long status = DELIV_FLUSH_FAIL;
	int fd;

	param_bind(deliv_params);
	service = var_flush_service_name;

	vbuf_printf(&ep, "public/%s", service);
	if ((fd = ipc_connect("public", service, 0, timeout, &why)) < 0) {
		if (msg_verbose)
			msg_info("flush request: %s", vbuf_str(&why));
	} else {
		attr_put(&req, "request", request);
		if (site)
			attr_put(&req, "site", site);
		if (queue_id)
			attr_put(&req, "queue_id", queue_id);
		attr_end(&req);
		if (attr_write(fd, &req, timeout) < 0) {
			msg_warn("write to %s: %m", vbuf_str(&ep));
		} else if (attr_read(fd, &reply, timeout, &why) < 0) {
			msg_warn("read from %s: %s", vbuf_str(&ep),
			    vbuf_str(&why));
		} else if ((st = attr_get(&reply, "status")) == NULL ||
		    (status = strtol(st, &end, 10), *end != 0 || end == st)) {
			msg_warn("%s: malformed reply", vbuf_str(&ep));
			status = DELIV_FLUSH_FAIL;
		}
		close(fd);
	}
	attr_list_free(&reply);
	vbuf_free(&why);
	vbuf_free(&req);
	vbuf_free(&ep);
	return (int)status;
}

void
deliv_flush_add(const char *site, const char *queue_id)
{
	struct vbuf req = VBUF_INIT;
	int fd;
	ssize_t n;

	if (!deliv_flush_listed(site))
		return;
	attr_put(&req, "request", "add");
	attr_put(&req, "site", site);
	attr_put(&req, "queue_id", queue_id);
	attr_end(&req);
	/* Non-blocking all the way: a busy service costs one log line. */
	param_bind(deliv_params);
	if ((fd = ipc_connect("public", var_flush_service_name, IPC_NONBLOCK, 0,
		 NULL)) < 0)
		goto fail;
	n = send(fd, vbuf_str(&req), req.len, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n != (ssize_t)req.len) {
		if (n >= 0)
			errno = EAGAIN;
		goto fail;
	}
	goto done;

fail:
	msg_warn("%s: flush service failure: %m", queue_id);
done:
	if (fd >= 0)
		close(fd);
	vbuf_free(&req);
}
