/*
 * smtpd_cmd - the SMTP commands of a session: HELO, EHLO, STARTTLS, MAIL,
 * RCPT, DATA, RSET, NOOP, VRFY, QUIT (ETRN is in smtpd_etrn.c), with
 * Postfix's replies and reject log lines.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <strings.h>
#include <stdlib.h>
#include <sys/statvfs.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "smtpd.h"
#include "smtpd_tls.h"
#include "dlog.h"
#include "mem.h"
#include "metrics.h"
#include "msg.h"
#include "qfile.h"
#include "vbuf.h"

/* Is this EHLO keyword in smtpd_discard_ehlo_keywords? */
static int
ehlo_discarded(const char *keyword)
{
	char **discard = var_smtpd_discard_ehlo_keywords;

	for (size_t d = 0; discard[d]; d++)
		if (strcasecmp(discard[d], keyword) == 0)
			return 1;
	return 0;
}

/* Extract the address from "FROM:<addr> params" / "TO:<addr> params".
 * Returns the parameters part, or NULL on a syntax error. */
static char *
parse_path(char *arg, const char *keyword, char **addr)
{
	size_t kl = strlen(keyword);

	if (strncasecmp(arg, keyword, kl) != 0)
		return NULL;
	arg += kl;
	while (*arg == ' ')
		arg++;
	if (*arg != '<') {
		/* Postfix accepts a bare address too (strict_rfc821_envelopes =
		 * no). */
		char *end = arg + strcspn(arg, " ");
		if (end == arg)
			return NULL;
		*addr = arg;
		if (*end)
			*end++ = 0;
		return end;
	}
	char *close = NULL;
	int quoted = 0;
	for (char *p = arg + 1; *p; p++) {
		if (*p == '\\' && p[1]) {
			p++;
		} else if (*p == '"') {
			quoted = !quoted;
		} else if (*p == '>' && !quoted) {
			close = p;
			break;
		}
	}
	if (close == NULL)
		return NULL;
	*close = 0;
	*addr = arg + 1;
	return close + 1;
}

static int
addr_ok(const char *a)
{
	for (const unsigned char *p = (const unsigned char *)a; *p; p++)
		if (*p < 0x20 || *p == 0x7f || *p == '<' || *p == '>')
			return 0;
	return strlen(a) <= 1000;
}

/*
 * Postfix's internal address form, in place (it is never longer): source
 * route dropped, quotes and backslash escapes removed ("john doe"@example.com
 * -> john doe@example.com). Queue files, the relay check and replies use
 * it; log lines and the smtp client quote it again.
 */
static void
addr_internalize(struct smtpd_session *s, char *a)
{
	resolve_internal(a, &s->scratch);
	if (s->scratch.len <= strlen(a))
		memcpy(a, s->scratch.data ? s->scratch.data : "",
		    s->scratch.len + 1);
	else
		msg_panic("addr_internalize: internal form of <%s> is longer",
		    a);
}

/* An address for the log in its external (quoted) form, as Postfix's
 * info_log_address_format = external; two slots per session. */
static const char *
log_addr(struct smtpd_session *s, int slot, const char *addr)
{
	vbuf_reset(&s->logaddr[slot]);
	if (*addr)
		dlog_quote_rcpt(&s->logaddr[slot], addr);
	return vbuf_str(&s->logaddr[slot]);
}

static void
cmd_helo(struct smtpd_session *s, char *arg, int ehlo)
{
	if (*arg == 0) {
		smtpd_error_reply(s, "501 Syntax: HELO hostname");
		return;
	}
	mem_free(s->helo);
	s->helo = mem_strndup(arg, 255);
	for (char *p = s->helo; *p; p++) /* as Postfix's printable() */
		if ((unsigned char)*p < 0x20 || (unsigned char)*p == 0x7f)
			*p = '?';
	s->esmtp = ehlo;
	smtpd_transaction_reset(s);
	s->ok[ehlo ? C_EHLO : C_HELO]++;
	if (!ehlo) {
		smtpd_reply(s, "250 %s", var_myhostname);
		return;
	}
	/* Postfix's keywords in Postfix's order, less
	 * smtpd_discard_ehlo_keywords. */
	const char *kw[8];
	char size[32];
	int n = 0;
	if (var_message_size_limit > 0)
		snprintf(size, sizeof(size), "SIZE %ld",
		    var_message_size_limit);
	else
		snprintf(size, sizeof(size), "SIZE");
	kw[n++] = "PIPELINING";
	kw[n++] = size;
	if (!var_disable_vrfy_command)
		kw[n++] = "VRFY";
	kw[n++] = "ETRN";
	if (smtpd_tls_level() != SMTPD_TLS_NONE && !s->tls && !s->stdio)
		kw[n++] = "STARTTLS";
	kw[n++] = "ENHANCEDSTATUSCODES";
	kw[n++] = "8BITMIME";
	kw[n++] = "DSN";
	int last = -1;
	struct vbuf gone = VBUF_INIT;
	for (int i = 0; i < n; i++) {
		char word[32];
		snprintf(word, sizeof(word), "%.*s", (int)strcspn(kw[i], " "),
		    kw[i]);
		if (ehlo_discarded(word)) {
			vbuf_printf(&gone, "%s%s", gone.len ? " " : "", word);
			kw[i] = NULL;
		}
		if (kw[i])
			last = i;
	}
	if (gone.len && !ehlo_discarded("silent-discard"))
		msg_info("discarding EHLO keywords: %s", vbuf_str(&gone));
	vbuf_free(&gone);
	smtpd_reply(s, "250%c%s", last < 0 ? ' ' : '-', var_myhostname);
	for (int i = 0; i <= last; i++)
		if (kw[i])
			smtpd_reply(s, "250%c%s", i == last ? ' ' : '-', kw[i]);
}

/* RFC 3461 xtext: "+HH" escapes, printable ASCII otherwise. -1 if bad. */
static int
xtext_decode(const char *in, struct vbuf *out)
{
	vbuf_reset(out);
	for (const char *p = in; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '+') {
			int v = 0;
			for (int k = 1; k <= 2; k++) {
				int h = p[k];
				if (!isxdigit(h) || islower(h))
					return -1;
				v = v * 16 +
				    (isdigit(h) ? h - '0' : h - 'A' + 10);
			}
			if (v < 33 || v > 126)
				return -1;
			vbuf_putc(out, (char)v);
			p += 2;
		} else if (c < 33 || c > 126 || c == '=') {
			return -1;
		} else {
			vbuf_putc(out, (char)c);
		}
	}
	return 0;
}

/* STARTTLS (RFC 3207): reply 220, then the TLS handshake replaces the
 * plain stream; the SMTP state is reset as if the client had just
 * connected, and plain-text bytes pipelined after the command are dropped
 * (they must never be read as if they had come over TLS). */
static void
cmd_starttls(struct smtpd_session *s, char *arg)
{
	if (*arg) {
		smtpd_error_reply(s, "501 5.5.4 Syntax: STARTTLS");
		return;
	}
	if (s->tls) {
		smtpd_error_reply(s, "554 5.5.1 Error: TLS already active");
		return;
	}
	if (smtpd_tls_level() == SMTPD_TLS_NONE || ehlo_discarded("starttls") ||
	    s->stdio) {
		smtpd_error_reply(s,
		    "502 5.5.1 Error: command not implemented");
		return;
	}
	if (!smtpd_tls_ready()) {
		smtpd_error_reply(s,
		    "454 4.7.0 TLS not available due to local problem");
		return;
	}
	smtpd_reply(s, "220 2.0.0 Ready to start TLS");
	s->ok[C_STARTTLS]++;
	smtpd_transaction_reset(s);
	s->helo = mem_free(s->helo);
	s->esmtp = 0;
	smtpd_client_pause(s);
	smtpd_enter_state(s, SS_STARTTLS); /* client_write() goes on */
	smtpd_output_drained(s);
}

/* With smtpd_tls_security_level = encrypt, no mail before STARTTLS. */
static int
tls_required(struct smtpd_session *s)
{
	if (smtpd_tls_level() != SMTPD_TLS_ENCRYPT || s->tls)
		return 0;
	smtpd_error_reply(s, "530 5.7.0 Must issue a STARTTLS command first");
	return 1;
}

/*
 * Room in the queue file system for a message of the announced size, as
 * Postfix's smtpd_check_queue(): queue_minfree must stay free, and no
 * single message may take more than half of what is left.
 */
static int
queue_has_room(unsigned long long size)
{
	struct statvfs fs;
	unsigned long long minfree = (unsigned long long)var_queue_minfree;

	if (statvfs(".", &fs) < 0) {
		msg_warn("statvfs queue directory: %m");
		return 1;
	}
	unsigned long long bsize = fs.f_frsize ? fs.f_frsize : fs.f_bsize;
	unsigned long long avail =
	    fs.f_bavail; /* blocks an unprivileged user may use */
	if (bsize == 0)
		return 1;
	if (minfree / bsize >= avail ||
	    size / bsize >= avail - minfree / bsize ||
	    size / bsize >= avail / 2)
		return 0;
	return 1;
}

/* MAIL FROM parameters, as the client gave them. */
struct mail_params {
	unsigned long long size; /* SIZE=, 0 if none */
	const char *encoding;	 /* BODY=: "7bit", "8bit" or NULL */
	int ret;		 /* RET=: 1 FULL, 2 HDRS, 0 unset */
	char *envid;		 /* ENVID=, decoded */
};

/* SIZE=: 0, or -1 after a reply. */
static int
mail_param_size(struct smtpd_session *s, const char *digits,
    struct mail_params *mp)
{
	char *end;

	if (*digits == 0 || digits[strspn(digits, "0123456789")] != 0) {
		smtpd_error_reply(s, "501 5.5.4 Bad message size syntax");
		return -1;
	}
	errno = 0;
	unsigned long long v = strtoull(digits, &end, 10);
	if (errno == ERANGE || v > (unsigned long long)LONG_MAX) {
		smtpd_error_reply(s,
		    "552 5.3.4 Message size exceeds file system imposed limit");
		return -1;
	}
	if (var_message_size_limit > 0 &&
	    v > (unsigned long long)var_message_size_limit) {
		smtpd_error_reply(s,
		    "552 5.3.4 Message size exceeds fixed limit");
		return -1;
	}
	mp->size = v;
	return 0;
}

/* One MAIL FROM parameter: 0, or -1 after a reply. */
static int
mail_param(struct smtpd_session *s, const char *tok, struct mail_params *mp)
{
	if (strncasecmp(tok, "SIZE=", 5) == 0)
		return mail_param_size(s, tok + 5, mp);
	if (strncasecmp(tok, "BODY=", 5) == 0) {
		if (strcasecmp(tok + 5, "8BITMIME") != 0 &&
		    strcasecmp(tok + 5, "7BIT") != 0) {
			smtpd_error_reply(s,
			    "501 5.5.4 Unsupported BODY parameter");
			return -1;
		}
		mp->encoding =
		    strcasecmp(tok + 5, "8BITMIME") == 0 ? "8bit" : "7bit";
		return 0;
	}
	if (strcasecmp(tok, "SMTPUTF8") == 0)
		return 0;
	if ((strncasecmp(tok, "RET=", 4) == 0 ||
		strncasecmp(tok, "ENVID=", 6) == 0) &&
	    ehlo_discarded("dsn")) {
		smtpd_error_reply(s, "501 5.7.1 DSN support is disabled");
		return -1;
	}
	if (strncasecmp(tok, "RET=", 4) == 0) {
		if (mp->ret ||
		    (strcasecmp(tok + 4, "FULL") != 0 &&
			strcasecmp(tok + 4, "HDRS") != 0)) {
			smtpd_error_reply(s,
			    "501 5.5.4 Bad RET parameter syntax");
			return -1;
		}
		mp->ret = strcasecmp(tok + 4, "FULL") == 0 ? 1 : 2;
		return 0;
	}
	if (strncasecmp(tok, "ENVID=", 6) == 0) {
		if (mp->envid || xtext_decode(tok + 6, &s->scratch) < 0 ||
		    s->scratch.len == 0 || s->scratch.len > 100) {
			smtpd_error_reply(s,
			    "501 5.5.4 Bad ENVID parameter syntax");
			return -1;
		}
		mp->envid = mem_strdup(vbuf_str(&s->scratch));
		return 0;
	}
	smtpd_error_reply(s, "555 5.5.4 Unsupported option: %.100s", tok);
	return -1;
}

/* MAIL FROM: the state checks, then the sender address (in place, to its
 * internal form). 0, or -1 after a reply. */
static int
mail_sender(struct smtpd_session *s, char *arg, char **addr, char **params)
{
	if (var_smtpd_helo_required && s->helo == NULL) {
		smtpd_error_reply(s, "503 5.5.1 Error: send HELO/EHLO first");
		return -1;
	}
	if (s->sender) {
		smtpd_error_reply(s, "503 5.5.1 Error: nested MAIL command");
		return -1;
	}
	if (tls_required(s))
		return -1;
	if ((*params = parse_path(arg, "FROM:", addr)) == NULL ||
	    !addr_ok(*addr)) {
		smtpd_error_reply(s, "501 5.1.7 Bad sender address syntax");
		return -1;
	}
	addr_internalize(s, *addr);
	if (resolve_bad_nexthop(*addr)) {
		smtpd_error_reply(s, "501 5.1.7 Bad sender address syntax");
		return -1;
	}
	return 0;
}

static void
cmd_mail(struct smtpd_session *s, char *arg)
{
	char *addr = NULL, *params;
	struct mail_params mp = {0, NULL, 0, NULL};

	if (mail_sender(s, arg, &addr, &params) < 0)
		return;
	for (char *tok = strtok(params, " "); tok; tok = strtok(NULL, " ")) {
		if (mail_param(s, tok, &mp) < 0) {
			mem_free(mp.envid);
			return;
		}
	}
	if (!queue_has_room(mp.size)) {
		msg_info("NOQUEUE: reject: MAIL from %s: 452 4.3.1 "
			 "Insufficient system storage; "
			 "from=<%s> proto=%s helo=<%s>",
		    s->namaddr, log_addr(s, 0, addr),
		    s->esmtp ? "ESMTP" : "SMTP", s->helo ? s->helo : "");
		metrics_reject(452);
		smtpd_error_reply(s, "452 4.3.1 Insufficient system storage");
		mem_free(mp.envid);
		return;
	}
	s->envid = mp.envid;
	s->ret = mp.ret;
	s->encoding = mp.encoding;
	s->sender = mem_strdup(addr);
	s->ok[C_MAIL]++;
	smtpd_reply(s, "250 2.1.0 Ok");
}

/* RCPT TO parameters (RFC 3461 NOTIFY, ORCPT): 0, or -1 after a reply. */
static int
rcpt_params(struct smtpd_session *s, char *params, int *notify, char **orcpt)
{
	static const struct {
		const char *name;
		int bit;
	} kw[] = {{"NEVER", 1}, {"SUCCESS", 2}, {"FAILURE", 4}, {"DELAY", 8}};

	for (char *tok = strtok(params, " "); tok; tok = strtok(NULL, " ")) {
		if ((strncasecmp(tok, "NOTIFY=", 7) == 0 ||
			strncasecmp(tok, "ORCPT=", 6) == 0) &&
		    ehlo_discarded("dsn")) {
			smtpd_error_reply(s,
			    "501 5.7.1 DSN support is disabled");
			return -1;
		}
		if (strncasecmp(tok, "NOTIFY=", 7) == 0) {
			char *save = NULL;
			int bad = *notify != 0 || tok[7] == 0;
			for (char *w = strtok_r(tok + 7, ",", &save); w && !bad;
			     w = strtok_r(NULL, ",", &save)) {
				int bit = 0;
				for (size_t i = 0;
				     i < sizeof(kw) / sizeof(kw[0]); i++)
					if (strcasecmp(w, kw[i].name) == 0)
						bit = kw[i].bit;
				if (bit == 0 || (*notify & bit))
					bad = 1;
				*notify |= bit;
			}
			if (bad || *notify == 0 ||
			    ((*notify & 1) && *notify != 1)) {
				smtpd_error_reply(s,
				    "501 5.5.4 Error: Bad NOTIFY parameter "
				    "syntax");
				return -1;
			}
		} else if (strncasecmp(tok, "ORCPT=", 6) == 0) {
			char *semi = strchr(tok + 6, ';');
			int bad =
			    *orcpt != NULL || semi == NULL || semi == tok + 6;
			for (char *p = tok + 6; !bad && p < semi; p++)
				if (!isalnum((unsigned char)*p) && *p != '-')
					bad = 1;
			if (!bad &&
			    (xtext_decode(semi + 1, &s->scratch) < 0 ||
				s->scratch.len == 0 || s->scratch.len > 1000))
				bad = 1;
			if (bad) {
				smtpd_error_reply(s,
				    "501 5.5.4 Error: Bad ORCPT parameter "
				    "syntax");
				return -1;
			}
			*semi = 0;
			struct vbuf o = VBUF_INIT;
			vbuf_printf(&o, "%s;%s", tok + 6,
			    vbuf_str(&s->scratch));
			*orcpt = mem_strdup(vbuf_str(&o));
			vbuf_free(&o);
		} else {
			smtpd_error_reply(s,
			    "555 5.5.4 Unsupported option: %.100s", tok);
			return -1;
		}
	}
	return 0;
}

/*
 * The recipient restrictions for RCPT or VRFY (addr in internal form): 0
 * when addr is accepted, else 1 after the refusal was logged as Postfix
 * logs it and sent.
 */
static int
rcpt_refused(struct smtpd_session *s, const char *cmd, const char *addr)
{
	struct smtpd_check_ctx ctx = {&s->ss, s->namaddr, s->helo, s->sender};
	int code = smtpd_check_recipient(&ctx, addr, &s->scratch);

	if (code == 0)
		return 0;
	char *text = mem_strdup(vbuf_str(&s->scratch));
	if (s->sender)
		msg_info("%s: reject: %s from %s: %d %s; from=<%s> to=<%s> "
			 "proto=%s helo=<%s>",
		    s->qid[0] ? s->qid : "NOQUEUE", cmd, s->namaddr, code, text,
		    log_addr(s, 0, s->sender), log_addr(s, 1, addr),
		    s->esmtp ? "ESMTP" : "SMTP", s->helo ? s->helo : "");
	else
		msg_info("NOQUEUE: reject: %s from %s: %d %s; to=<%s> proto=%s "
			 "helo=<%s>",
		    cmd, s->namaddr, code, text, log_addr(s, 1, addr),
		    s->esmtp ? "ESMTP" : "SMTP", s->helo ? s->helo : "");
	metrics_reject(code);
	smtpd_error_reply(s, "%d %s", code, text);
	mem_free(text);
	return 1;
}

static void
cmd_rcpt(struct smtpd_session *s, char *arg)
{
	char *addr = NULL, *params;
	int notify = 0;
	char *orcpt = NULL;

	if (s->sender == NULL) {
		smtpd_error_reply(s, "503 5.5.1 Error: need MAIL command");
		return;
	}
	if (s->failed) {
		smtpd_error_reply(s, "451 4.3.0 Error: queue file write error");
		return;
	}
	char typed[1024]; /* addr_ok() allows 1000 bytes */
	if ((params = parse_path(arg, "TO:", &addr)) == NULL ||
	    !addr_ok(addr) ||
	    (snprintf(typed, sizeof(typed), "%s", addr),
		addr_internalize(s, addr), *addr == 0) ||
	    resolve_bad_nexthop(addr)) {
		smtpd_error_reply(s, "501 5.1.3 Bad recipient address syntax");
		return;
	}
	if (rcpt_params(s, params, &notify, &orcpt) < 0) {
		mem_free(orcpt);
		return;
	}
	if (s->nrcpt >= var_smtpd_recipient_limit) {
		/* The first smtpd_recipient_overshoot_limit extras are no
		 * errors. */
		if (++s->overshoot > var_smtpd_recipient_overshoot_limit)
			smtpd_error_reply(s,
			    "452 4.5.3 Error: too many recipients");
		else
			smtpd_reply(s, "452 4.5.3 Error: too many recipients");
		mem_free(orcpt);
		return;
	}
	if (rcpt_refused(s, "RCPT", addr)) {
		mem_free(orcpt);
		return;
	}
	s->nrcpt++;
	if (s->first_rcpt == NULL)
		s->first_rcpt = mem_strdup(addr);
	if (s->cbev == NULL) {
		/* First valid recipient: open cleanup, send the envelope. */
		if (smtpd_cleanup_open(s) < 0) {
			s->nrcpt--;
			smtpd_error_reply(s,
			    "451 4.3.0 Error: queue file write error");
			mem_free(orcpt);
			return;
		}
		smtpd_cleanup_envelope(s);
	}
	/* Postfix: without ORCPT, the address as the client typed it. */
	if (orcpt)
		smtpd_cleanup_sendf(s, REC_TYPE_ATTR, "dsn_orig_rcpt=%s",
		    orcpt);
	else
		smtpd_cleanup_sendf(s, REC_TYPE_ATTR, "dsn_orig_rcpt=rfc822;%s",
		    typed);
	if (notify)
		smtpd_cleanup_sendf(s, REC_TYPE_ATTR, "notify_flags=%d",
		    notify);
	mem_free(orcpt);
	smtpd_cleanup_send(s, REC_TYPE_RCPT, addr, strlen(addr));
	if (s->qid[0] == 0) {
		/* As Postfix: the first recipient is accepted once cleanup has
		 * created the queue file and named it ("QID: client=" is
		 * logged before anything cleanup logs about the message). */
		smtpd_cleanup_await_qid(s);
		return;
	}
	s->ok[C_RCPT]++;
	smtpd_reply(s, "250 2.1.5 Ok");
}

static void
cmd_data(struct smtpd_session *s, char *arg)
{
	if (*arg) {
		smtpd_error_reply(s, "501 5.5.4 Syntax: DATA");
		return;
	}
	if (s->sender == NULL) {
		smtpd_error_reply(s, "503 5.5.1 Error: need RCPT command");
		return;
	}
	if (s->failed) {
		smtpd_transaction_reset(s);
		smtpd_error_reply(s, "451 4.3.0 Error: queue file write error");
		return;
	}
	if (s->nrcpt == 0 || s->cbev == NULL) {
		smtpd_error_reply(s, "554 5.5.1 Error: no valid recipients");
		return;
	}
	smtpd_cleanup_received(s); /* and the 'M' record */
	s->size = 0;
	s->too_big = 0;
	s->in_header = 1;
	s->hops = 0;
	s->prev_crlf = 1;
	s->at_bol = 1;
	s->data_bare_lf = 0;
	smtpd_enter_state(s, SS_DATA);
	smtpd_reply(s, "354 End data with <CR><LF>.<CR><LF>");
}

/*
 * VRFY (disable_vrfy_command = no, Postfix's default): a relay cannot
 * know whether a remote mailbox exists, so an address that passes the
 * recipient restrictions gets 252, as Postfix answers for a non-local
 * address; one that would be refused gets the same refusal as RCPT.
 */
static void
cmd_vrfy(struct smtpd_session *s, char *arg)
{
	if (var_disable_vrfy_command) {
		smtpd_error_reply(s, "502 5.5.1 VRFY command is disabled");
		return;
	}
	if (var_smtpd_helo_required && s->helo == NULL) {
		smtpd_error_reply(s, "503 5.5.1 Error: send HELO/EHLO first");
		return;
	}
	if (*arg == 0) {
		smtpd_error_reply(s, "501 5.5.4 Syntax: VRFY address");
		return;
	}
	if (tls_required(s))
		return;
	char *addr = mem_strdup(arg), *a = addr;
	size_t n = strlen(a);
	if (*a == '<' && n >= 2 && a[n - 1] == '>') {
		a[n - 1] = 0;
		a++;
	}
	if (*a == 0 || !addr_ok(a) || (addr_internalize(s, a), *a == 0) ||
	    resolve_bad_nexthop(a)) {
		smtpd_error_reply(s, "501 5.1.3 Bad recipient address syntax");
		mem_free(addr);
		return;
	}
	if (!rcpt_refused(s, "VRFY", a)) {
		s->ok[C_VRFY]++;
		smtpd_reply(s, "252 2.0.0 %s", arg);
	}
	mem_free(addr);
}

static void
cmd_helo_only(struct smtpd_session *s, char *arg)
{
	cmd_helo(s, arg, 0);
}

static void
cmd_ehlo(struct smtpd_session *s, char *arg)
{
	cmd_helo(s, arg, 1);
}

static void
cmd_rset(struct smtpd_session *s, char *arg)
{
	smtpd_transaction_reset(s);
	s->ok[C_RSET]++;
	smtpd_reply(s, "250 2.0.0 Ok");
}

static void
cmd_noop(struct smtpd_session *s, char *arg)
{
	s->ok[C_NOOP]++;
	smtpd_reply(s, "250 2.0.0 Ok");
}

static void
cmd_quit(struct smtpd_session *s, char *arg)
{
	s->ok[C_QUIT]++;
	smtpd_reply(s, "221 2.0.0 Bye");
	smtpd_enter_state(s, SS_CLOSING);
}

/* The handler of each known command, by its C_ index. */
static const struct smtpd_cmd {
	const char *name; /* s->last_cmd */
	void (*fn)(struct smtpd_session *s, char *arg);
	int name_after; /* name set after fn rather than before */
} cmd_table[C_UNKNOWN] = {
    [C_HELO] = {"HELO", cmd_helo_only, 1},
    [C_EHLO] = {"EHLO", cmd_ehlo, 1},
    [C_STARTTLS] = {"STARTTLS", cmd_starttls, 0},
    [C_MAIL] = {"MAIL", cmd_mail, 0},
    [C_RCPT] = {"RCPT", cmd_rcpt, 0},
    [C_DATA] = {"DATA", cmd_data, 0},
    [C_RSET] = {"RSET", cmd_rset, 0},
    [C_NOOP] = {"NOOP", cmd_noop, 0},
    [C_VRFY] = {"VRFY", cmd_vrfy, 0},
    [C_ETRN] = {"ETRN", smtpd_cmd_etrn, 0},
    [C_QUIT] = {"QUIT", cmd_quit, 0},
};

int
smtpd_cmd_index(const char *verb)
{
	int c = C_UNKNOWN;

	for (int i = 0; i < C_COUNT - 1; i++)
		if (strcasecmp(verb, smtpd_cmd_names[i]) == 0)
			c = i;
	return c;
}

void
smtpd_command(struct smtpd_session *s, char *line)
{
	char *arg = line + strcspn(line, " ");
	if (*arg)
		*arg++ = 0;
	while (*arg == ' ')
		arg++;
	/* Trailing white space is not part of the argument. */
	size_t n = strlen(arg);
	while (n && (arg[n - 1] == ' ' || arg[n - 1] == '\t'))
		arg[--n] = 0;

	int c = smtpd_cmd_index(line);
	s->total[c]++;
	s->last_cmd = c == C_UNKNOWN ? "UNKNOWN" : smtpd_cmd_names[c];
	if ((c == C_NOOP || c == C_RSET || c == C_VRFY || c == C_ETRN) &&
	    ++s->junk > var_smtpd_junk_command_limit &&
	    ++s->errors >= var_smtpd_hard_error_limit) {
		msg_info("too many errors after %s from %s", s->last_cmd,
		    s->namaddr);
		smtpd_reply(s, "421 4.7.0 %s Error: too many errors",
		    var_myhostname);
		smtpd_enter_state(s, SS_CLOSING);
		return;
	}
	if (c == C_UNKNOWN) {
		smtpd_error_reply(s, "502 5.5.2 Error: command not recognized");
		return;
	}
	/* HELO and EHLO take their upper-case name only once answered. */
	if (!cmd_table[c].name_after) {
		s->last_cmd = cmd_table[c].name;
		cmd_table[c].fn(s, arg); /* may end the session */
	} else {
		cmd_table[c].fn(s, arg);
		s->last_cmd = cmd_table[c].name;
	}
}
