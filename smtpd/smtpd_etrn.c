/*
 * smtpd_etrn - ETRN (RFC 1985) through the fast flush service: the checks
 * and replies of Postfix's etrn_cmd(). The eligibility check is done here
 * first (as Postfix's flush client does), so a site that is not listed
 * costs no connection. The send_site request is synchronous (bounded by
 * DELIV_FLUSH_TIMEOUT); the flush service answers after a few renames.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "smtpd.h"
#include "attr.h"
#include "deliv.h"
#include "ipc.h"
#include "mem.h"
#include "msg.h"
#include "vbuf.h"

static void etrn_finish(struct smtpd_session *s, int status);

void
smtpd_etrn_close(struct smtpd_session *s)
{
	if (s->fbev) {
		bufferevent_free(s->fbev);
		s->fbev = NULL;
	}
}

static void
etrn_done(struct smtpd_session *s, int status)
{
	smtpd_etrn_close(s);
	smtpd_enter_state(s, SS_CMD);
	etrn_finish(s, status);
	smtpd_client_resume(s);
}

static void
etrn_read(struct bufferevent *fbev, void *ctx)
{
	struct smtpd_session *s = ctx;
	struct evbuffer *in = bufferevent_get_input(fbev);
	struct attr_list list = {0};
	size_t len = evbuffer_get_length(in);
	long used =
	    attr_parse((const char *)evbuffer_pullup(in, -1), len, &list);
	int status = DELIV_FLUSH_FAIL;

	if (used == 0) {
		attr_list_free(&list);
		return;
	}
	if (used > 0) {
		const char *st = attr_get(&list, "status");
		char *end;
		long v = st ? strtol(st, &end, 10) : 0;
		if (st && *st && *end == 0)
			status = (int)v;
	}
	attr_list_free(&list);
	etrn_done(s, status);
}

static void
etrn_event(struct bufferevent *fbev, short what, void *ctx)
{
	if (what & BEV_EVENT_CONNECTED)
		return;
	etrn_done(ctx, DELIV_FLUSH_FAIL);
}

static int
etrn_open(struct smtpd_session *s)
{
	struct vbuf req = VBUF_INIT;
	struct ipc_events how = {etrn_read, NULL, etrn_event,
	    DELIV_FLUSH_TIMEOUT, DELIV_FLUSH_TIMEOUT};

	/* A failure is reported by etrn_finish() ("unable to talk to fast
	 * flush service"). */
	if ((s->fbev = ipc_bufferevent_connect(smtpd_event_base(), "public",
		 var_flush_service_name, &how, s, NULL)) == NULL)
		return -1;
	attr_put(&req, "request", "send_site");
	attr_put(&req, "site", s->etrn_site);
	attr_end(&req);
	bufferevent_enable(s->fbev, EV_READ | EV_WRITE);
	(void)ipc_write(s->fbev, req.data, req.len);
	vbuf_free(&req);
	return 0;
}

void
smtpd_cmd_etrn(struct smtpd_session *s, char *arg)
{
	const char *site = arg;
	char *lower;

	if (var_smtpd_helo_required && s->helo == NULL) {
		smtpd_error_reply(s, "503 Error: send HELO/EHLO first");
		return;
	}
	if (s->sender != NULL) {
		smtpd_error_reply(s, "503 Error: MAIL transaction in progress");
		return;
	}
	if (*site == 0 || strpbrk(site, " \t") != NULL) {
		smtpd_error_reply(s, "500 Syntax: ETRN domain");
		return;
	}
	if (*site == '@' || *site == '#')
		site++;
	if (!deliv_flush_site_ok(site)) {
		smtpd_error_reply(s, "501 Error: invalid parameter syntax");
		return;
	}
	if (s->stdio) {
		msg_warn("do not use ETRN in \"sendmail -bs\" mode");
		smtpd_error_reply(s, "458 Unable to queue messages");
		return;
	}
	lower = mem_strdup(site);
	for (char *cp = lower; *cp; cp++)
		*cp = (char)tolower((unsigned char)*cp);
	int listed = deliv_flush_listed(lower);
	mem_free(lower);
	mem_free(s->etrn_site);
	s->etrn_site = mem_strdup(site);
	if (!listed) {
		etrn_finish(s, DELIV_FLUSH_DENY);
		return;
	}
	/* Ask the flush service without blocking the other sessions. */
	if (etrn_open(s) < 0) {
		etrn_finish(s, DELIV_FLUSH_FAIL);
		return;
	}
	smtpd_enter_state(s, SS_WAIT_FLUSH);
	smtpd_client_pause(s);
}

/* etrn_finish - the ETRN reply for a flush status */

static void
etrn_finish(struct smtpd_session *s, int status)
{
	const char *site = s->etrn_site ? s->etrn_site : "";

	switch (status) {
	case DELIV_FLUSH_OK:
		s->ok[C_ETRN]++;
		smtpd_reply(s, "250 Queuing started");
		break;
	case DELIV_FLUSH_DENY:
		msg_warn("reject: ETRN %.100s... from %s", site, s->namaddr);
		smtpd_error_reply(s, "459 <%s>: service unavailable", site);
		break;
	case DELIV_FLUSH_BAD:
		msg_warn("bad ETRN %.100s... from %s", site, s->namaddr);
		smtpd_error_reply(s, "458 Unable to queue messages");
		break;
	default:
		msg_warn("unable to talk to fast flush service");
		smtpd_error_reply(s, "458 Unable to queue messages");
		break;
	}
}
